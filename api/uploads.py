"""Turn a multipart upload into ingest calls; shared by the JSON API and the upload page."""

from __future__ import annotations

from dataclasses import replace

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from api.multipart import ParsedForm, parse_multipart
from archive.access import Actor, check_contract_visible, hidden_contract_ids
from archive.context import Archive
from archive.errors import FileTooLargeError, InvalidNumberFieldError, NoFileUploadedError, NotMultipartError
from archive.models import Document
from ingest.pipeline import ingest_stream
from ingest.result import IngestResult

# Multipart framing around the file; the limit applies to the file itself.
FORM_OVERHEAD_BYTES = 64 * 1024


async def read_upload_form(request: Request, archive: Archive) -> ParsedForm:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise NotMultipartError()
    return await parse_multipart(content_type, request.stream(), limit_bytes=archive.settings.max_upload_bytes)


def optional_int(form: ParsedForm, name: str) -> int | None:
    raw = form.fields.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise InvalidNumberFieldError(field=name, value=raw[:40])
    return int(raw)


async def ingest_form(archive: Archive, form: ParsedForm, *, actor: Actor) -> list[IngestResult]:
    """Ingest every file in the form's 'file' field with the form's contract, document and kind.

    A contract or document that `actor` may not see is reported as not found before anything is stored.
    """
    parts = form.files.get("file", [])
    if not parts:
        raise NoFileUploadedError()
    contract_id = optional_int(form, "contract_id")
    document_id = optional_int(form, "document_id")
    with archive.session() as session:
        check_contract_visible(session, actor, contract_id)
        if document_id is not None:
            document = session.get(Document, document_id)
            if document is not None:
                check_contract_visible(session, actor, document.contract_id, object_name="Document", object_id=document_id)
    kind = form.fields.get("kind", "").strip() or None
    limit_mb = archive.settings.max_upload_bytes // (1024 * 1024)
    if all(part.too_large for part in parts):
        raise FileTooLargeError(file=parts[0].filename, limit_mb=limit_mb)
    results = []
    for part in parts:
        if part.too_large:
            # Reported in its row; the form's other files are stored.
            results.append(too_large_result(part.filename, limit_mb))
            continue
        result = await run_in_threadpool(
            ingest_stream, archive, part.file, filename=part.filename, contract_id=contract_id,
            new_version_of=document_id, kind=kind, actor=actor.username,
        )
        results.append(result)
    with archive.session() as session:
        hidden = hidden_contract_ids(session, actor)
    return [redacted(result, hidden) for result in results]


def too_large_result(filename: str, limit_mb: int) -> IngestResult:
    error = FileTooLargeError(file=filename, limit_mb=limit_mb)
    return IngestResult(file=filename, status="failed", error=str(error), error_code=error.code,
                        error_params=dict(error.params))


def redacted(result: IngestResult, hidden: frozenset[int]) -> IngestResult:
    """Return the result without anything of the contracts in `hidden`.

    Only a duplicate can belong to a hidden contract, because a new file is never filed into one
    its uploader may not see. The uploader learns that these bytes are already stored, and
    nothing about where: the store keeps each file once, so saying less would lose the file.
    """
    candidates = [c for c in result.candidates if c.get("contract_id") not in hidden]
    if result.contract_id is None or result.contract_id not in hidden:
        return replace(result, candidates=candidates)
    return IngestResult(file=result.file, status=result.status, warnings=[], candidates=[])
