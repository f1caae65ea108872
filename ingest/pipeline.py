"""The ingest flow: preflight, store, read, analyse, write, index.

`ingest_file` accepts a file (stores the blob and a pending version in one
transaction), then `process_version` reads it and writes what it found in a
second transaction. A crash between the two leaves a pending version that
`process_pending` finishes; a failure marks the version failed and keeps the blob.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from archive.blobs.spool import SpooledFile, spool_stream
from archive.context import Archive
from archive.errors import ArchiveError, ConflictingTargetError, FileRejectedError, FileUnreadableError, ReadFailedError
from archive.models import DocumentVersion
from archive.services import documents as document_service
from archive.services.audit import record_event
from archive.services.contracts import get_contract_or_raise
from ingest import indexing, jobs
from ingest.analyse import analyse
from ingest.ocr import ocr_options_from_settings
from ingest.readers import read_document
from ingest.result import DUPLICATE, FAILED, IngestResult
from ingest.sniff import SniffResult, reader_format, sniff_path
from ingest.store import describe_version, mark_failed, write_analysis

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Accepted:
    version_id: int
    duplicate: bool


def ingest_path(
    archive: Archive,
    path: Path,
    *,
    contract_id: int | None = None,
    new_version_of: int | None = None,
    kind: str | None = None,
    actor: str = "local",
    index: bool = True,
) -> IngestResult:
    """Ingest one file from disk; errors become a failed result, never an exception.

    With `index=False` the clauses wait in the outbox until `indexing.index_pending`
    runs, so a batch pays for one index commit instead of one per file.
    """
    try:
        stream = path.open("rb")
    except OSError as error:
        return _failed_result(str(path), FileUnreadableError(file=str(path), reason=error.strerror or type(error).__name__))
    with stream:
        return ingest_stream(
            archive,
            stream,
            filename=path.name,
            display_name=str(path),
            contract_id=contract_id,
            new_version_of=new_version_of,
            kind=kind,
            actor=actor,
            index=index,
        )


def ingest_stream(
    archive: Archive,
    stream: BinaryIO,
    *,
    filename: str,
    display_name: str | None = None,
    contract_id: int | None = None,
    new_version_of: int | None = None,
    kind: str | None = None,
    actor: str = "local",
    index: bool = True,
) -> IngestResult:
    """Accept and process one uploaded file."""
    display_name = display_name or filename
    try:
        spooled = spool_stream(
            stream, filename=filename, limit_bytes=archive.settings.max_upload_bytes, spool_dir=archive.spool_dir
        )
    except ArchiveError as error:
        return _failed_result(display_name, error)
    try:
        accepted = accept(
            archive,
            spooled,
            filename=filename,
            contract_id=contract_id,
            new_version_of=new_version_of,
            kind=kind,
            actor=actor,
        )
    except ArchiveError as error:
        return _failed_result(display_name, error)
    finally:
        spooled.discard()
    if accepted.duplicate:
        _record_duplicate(archive, accepted.version_id, display_name, actor)
        result = duplicate_result(archive, display_name, accepted.version_id)
        if result.status_of_existing != "pending":
            return result
        # The earlier run stored the file but stopped before reading it: finish that work now.
        logger.info("resuming pending version document_version_id=%s", accepted.version_id)
        accepted = Accepted(accepted.version_id, duplicate=False)
    if not jobs.runs_inline(archive):
        return jobs.submit_version(archive, accepted.version_id, filename=display_name)
    result = process_version(archive, accepted.version_id, index=index)
    result.file = display_name
    return result


def accept(
    archive: Archive,
    spooled: SpooledFile,
    *,
    filename: str,
    contract_id: int | None,
    new_version_of: int | None,
    kind: str | None,
    actor: str,
) -> Accepted:
    """Preflight, store the blob, and create the pending version with its audit event."""
    with archive.session() as session:
        if contract_id is not None:
            get_contract_or_raise(session, contract_id)
        if new_version_of is not None:
            document = document_service.get_document_or_raise(session, new_version_of)
            if contract_id is not None and document.contract_id not in (None, contract_id):
                raise ConflictingTargetError(document_id=new_version_of, actual=document.contract_id, requested=contract_id)
        existing = document_service.find_version_by_sha256(session, spooled.sha256)
        if existing is not None:
            return Accepted(existing.id, duplicate=True)
    sniffed = sniff_path(spooled.path, filename)
    archive.blobs.put_file(spooled.path, spooled.sha256)
    try:
        with archive.session() as session:
            version = _create_version(
                session, spooled, sniffed, filename=filename, contract_id=contract_id,
                new_version_of=new_version_of, kind=kind, actor=actor,
            )
            return Accepted(version.id, duplicate=False)
    except IntegrityError:
        # Another process stored the same bytes a moment ago: report its version.
        with archive.session() as session:
            existing = document_service.find_version_by_sha256(session, spooled.sha256)
            if existing is None:
                raise
            return Accepted(existing.id, duplicate=True)


def _create_version(session, spooled, sniffed: SniffResult, *, filename, contract_id, new_version_of, kind, actor):  # type: ignore[no-untyped-def]
    document_service.ensure_blob(session, sha256=spooled.sha256, size=spooled.size, media_type=sniffed.media_type)
    if new_version_of is not None:
        document = document_service.get_document_or_raise(session, new_version_of)
        previous = document_service.latest_version(session, document.id)
        version_number = document_service.next_version_number(session, document.id)
        supersedes_id = previous.id if previous else None
    else:
        if contract_id is not None:
            get_contract_or_raise(session, contract_id)
        document = document_service.create_document(session, contract_id=contract_id, kind=kind or "other", title=None)
        version_number, supersedes_id = 1, None
    if kind is not None:
        document_service.set_document_kind(session, document=document, kind=kind)
    version = DocumentVersion(
        document_id=document.id,
        blob_sha256=spooled.sha256,
        version_number=version_number,
        supersedes_id=supersedes_id,
        filename=filename,
        media_type=sniffed.media_type,
        size=spooled.size,
        uploaded_by=actor,
        state="pending",
        warnings=[sniffed.warning] if sniffed.warning else [],
    )
    session.add(version)
    session.flush()
    record_event(
        session, actor=actor, action="upload", object_type="document_version", object_id=version.id,
        summary={"filename": filename, "sha256": spooled.sha256, "size": spooled.size, "document_id": document.id},
    )
    return version


def process_version(archive: Archive, version_id: int, *, index: bool = True) -> IngestResult:
    """Read, analyse, write and index one stored version; failures mark it failed.

    A version that is no longer pending was read already (a job run twice, or by two workers),
    so nothing is read or written and its stored result is returned.
    """
    with archive.session() as session:
        version = document_service.get_version_or_raise(session, version_id)
        filename, sha256, media_type = version.filename, version.blob_sha256, version.media_type
        state = version.state
    if state != "pending":
        logger.info("version already processed document_version_id=%s state=%s", version_id, state)
        return describe_version(archive, version_id, filename)
    fmt = reader_format(media_type)
    try:
        parsed = read_document(
            archive.blobs.read_bytes(sha256),
            filename=filename,
            format=fmt,
            ocr=ocr_options_from_settings(archive.settings),
        )
        analysis = analyse(parsed)
    except FileRejectedError as error:
        return mark_failed(archive, version_id, error)
    except Exception as error:  # a reader bug must not lose the upload: keep it, mark it failed
        logger.exception("ingest failed document_version_id=%s sha256=%s", version_id, sha256)
        detail = f"{type(error).__name__}: {error}"[:300]
        return mark_failed(archive, version_id, ReadFailedError(file=filename, detail=detail, version_id=version_id))
    result = write_analysis(archive, version_id, parsed, analysis)
    if index:
        # Also picks up versions that this one moved to another contract.
        indexing.index_pending(archive)
    return result


def retry_version(archive: Archive, version_id: int, *, actor: str = "local") -> IngestResult:
    """Read a stored version again, whatever its state, in this process or on a worker."""
    with archive.session() as session:
        version = document_service.get_version_or_raise(session, version_id)
        filename, previous = version.filename, version.state
        version.state = "pending"
        record_event(
            session, actor=actor, action="retry", object_type="document_version", object_id=version_id,
            summary={"previous_state": previous},
        )
    if not jobs.runs_inline(archive):
        return jobs.submit_version(archive, version_id, filename=filename)
    return process_version(archive, version_id)


def process_pending(archive: Archive) -> list[IngestResult]:
    """Finish versions left pending by an interrupted run."""
    with archive.session() as session:
        pending = session.scalars(select(DocumentVersion.id).where(DocumentVersion.state == "pending")).all()
    return [process_version(archive, version_id) for version_id in pending]


def _record_duplicate(archive: Archive, version_id: int, display_name: str, actor: str) -> None:
    """Audit an upload of bytes already stored: who tried, which version has them, under what name."""
    with archive.session() as session:
        record_event(session, actor=actor, action="upload_duplicate", object_type="document_version",
                     object_id=version_id, summary={"filename": display_name})


def duplicate_result(archive: Archive, display_name: str, version_id: int) -> IngestResult:
    """Describe the already stored version that has the same bytes."""
    from ingest.store import describe_version

    result = describe_version(archive, version_id, display_name)
    result.duplicate_of = version_id
    result.status_of_existing = result.status
    result.status = DUPLICATE
    return result


def _failed_result(display_name: str, error: ArchiveError) -> IngestResult:
    return IngestResult(
        file=display_name, status=FAILED, error=str(error), error_code=error.code, error_params=error.params
    )
