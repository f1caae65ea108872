"""JSON routes of evidence drafts, pack builds and packs.

The services in archive/services/evidence_*.py check access and validate every value. An
invalid draft or item raises InvalidEvidenceDraftError (422), which names the problem, and a
draft that draws on a contract the caller may not see is not found (404).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Annotated, Any, BinaryIO

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.auth import access, check_csrf, client_address, request_actor, request_credential
from api.deps import get_archive
from api.multipart import UploadedPart
from api.uploads import read_upload_form
from archive.access import Permission
from archive.blobs.spool import spool_stream
from archive.content_disposition import content_disposition
from archive.context import Archive
from archive.errors import OnePackRequiredError, PackTooLargeError, render_error
from archive.evidence.verify import PackProblem
from archive.i18n import get_translations, pick_locale
from archive.models import Contract, EvidenceBuild, EvidenceDraft, EvidenceDraftItem
from archive.services import evidence_drafts as drafts
from archive.services.evidence_as_of import aware
from archive.services.evidence_builds import ACTIVE_STATES, build_status, get_build, request_build
from archive.services.evidence_packs import (
    ZIP_MEDIA_TYPE,
    BuiltPack,
    PackCheck,
    check_pack,
    get_pack,
    list_packs,
    open_pack,
)
from archive.services.evidence_proposals import propose_draft
from ingest.jobs import submit_pack_build

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api")
ArchiveDep = Annotated[Archive, Depends(get_archive)]

DOWNLOAD_CHUNK_BYTES = 1024 * 1024
# Shown for a build that failed on an error that is not an ArchiveError; the log has the details.
BUILD_CRASHED_MESSAGE = "An internal error occurred; it has been logged. Nothing you stored was lost."
VERIFY_OPENAPI = {
    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary", "description": "The pack's ZIP file."}},
    }}}}
}


class DraftCreate(BaseModel):
    """A new draft: empty with the given header, or with `propose` a first selection of evidence for the dispute."""

    contract_ids: list[int] = Field(max_length=100, description="The contracts the evidence is drawn from.")
    dispute: str = Field(default="other", description="unpaid_price, late_delivery, quality_defect, "
                                                      "wrongful_termination or other")
    propose: bool = Field(default=False, description="Propose items, group titles, the case name and the respondent.")
    case_name: str = ""
    claimant: str = ""
    respondent: str = ""

    @model_validator(mode="after")
    def header_comes_from_proposal(self) -> DraftCreate:
        if self.propose and (self.case_name or self.claimant or self.respondent):
            raise ValueError("with propose, the proposal writes case_name and respondent, so leave them out. "
                             "Change the header afterwards with PATCH /api/evidence-drafts/{draft_id}")
        return self


class DraftPatch(BaseModel):
    """Changes to a draft's header. Group titles replace all titles: {"1": "合同及补充协议"}."""

    model_config = ConfigDict(extra="forbid")

    case_name: str | None = None
    dispute: str | None = None
    claimant: str | None = None
    respondent: str | None = None
    group_titles: dict[str, str] | None = None


class ItemCreate(BaseModel):
    """A new item. `source` is version, clause or record, and the matching id points at it."""

    source: str
    name: str
    document_version_id: int | None = None
    clause_id: int | None = None
    record_id: int | None = None
    origin: str = Field(default="copy", description="original, copy or electronic")
    issuer: str = ""
    purpose: str = Field(default="", description="证明目的: the fact the item proves.")
    pages: str | None = Field(default=None, description="Pages of the file, such as 3-5, or empty for all.")
    group_number: int = 1


class ItemPatch(BaseModel):
    """Changes to an item's description or group. What the item points at cannot change."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    origin: str | None = None
    issuer: str | None = None
    purpose: str | None = None
    pages: str | None = None
    group_number: int | None = None


class OrderEntry(BaseModel):
    item_id: int
    group_number: int


def _locale(request: Request) -> str:
    """Return the request's language: ?lang=, else the page language cookie, else the archive's default."""
    chosen = request.query_params.get("lang") or request.cookies.get("lang")
    return pick_locale(chosen or get_archive(request).settings.language)


def _gettext(request: Request) -> Any:
    return get_translations(_locale(request)).gettext


# Drafts


@router.get("/evidence-drafts")
@access(Permission.READ)
def list_evidence_drafts(archive: ArchiveDep, request: Request, contract_id: int | None = None) -> dict[str, Any]:
    """List the drafts you may see, newest first, or with `contract_id` those that draw on that contract."""
    with archive.session() as session:
        listed = drafts.list_drafts(session, actor=request_actor(request), contract_id=contract_id)
        return {"drafts": [_draft_header(session, draft) for draft in listed]}


@router.post("/evidence-drafts", status_code=201)
@access(Permission.WRITE)
def create_evidence_draft(body: DraftCreate, archive: ArchiveDep, request: Request) -> dict[str, Any]:
    """Create an empty draft, or with `propose` a draft with proposed items worded in the request's language."""
    actor = request_actor(request)
    with archive.session() as session:
        if body.propose:
            draft = propose_draft(session, contract_ids=body.contract_ids, dispute=body.dispute, actor=actor,
                                  translations=get_translations(_locale(request)))
        else:
            draft = drafts.create_draft(session, case_name=body.case_name, contract_ids=body.contract_ids,
                                        actor=actor, dispute=body.dispute, claimant=body.claimant,
                                        respondent=body.respondent)
        session.flush()
        return _draft_detail(session, draft, gettext=_gettext(request))


@router.get("/evidence-drafts/{draft_id}")
@access(Permission.READ)
def get_evidence_draft(draft_id: int, archive: ArchiveDep, request: Request) -> dict[str, Any]:
    """Return the header, contracts, numbered items, packs built and builds still running."""
    with archive.session() as session:
        draft = drafts.get_draft_or_raise(session, draft_id, request_actor(request))
        return _draft_detail(session, draft, gettext=_gettext(request))


@router.patch("/evidence-drafts/{draft_id}")
@access(Permission.WRITE)
def update_evidence_draft(draft_id: int, body: DraftPatch, archive: ArchiveDep, request: Request) -> dict[str, Any]:
    """Change the case name, dispute, parties or group titles."""
    with archive.session() as session:
        draft = drafts.update_draft(session, draft_id, body.model_dump(exclude_unset=True),
                                    actor=request_actor(request))
        return _draft_detail(session, draft, gettext=_gettext(request))


@router.put("/evidence-drafts/{draft_id}/order")
@access(Permission.WRITE)
def arrange_evidence_items(draft_id: int, order: list[OrderEntry], archive: ArchiveDep,
                           request: Request) -> dict[str, Any]:
    """Set every item's group and order at once. The list must name each item of the draft exactly once."""
    with archive.session() as session:
        drafts.arrange(session, draft_id, [(entry.item_id, entry.group_number) for entry in order],
                       actor=request_actor(request))
        session.flush()
        return _draft_detail(session, session.get(EvidenceDraft, draft_id), gettext=_gettext(request))


@router.post("/evidence-drafts/{draft_id}/save")
@access(Permission.WRITE)
def save_evidence_draft(draft_id: int, archive: ArchiveDep, request: Request) -> dict[str, Any]:
    """Save the draft as a new revision, which is what a pack build contains."""
    with archive.session() as session:
        draft = drafts.save_draft(session, draft_id, actor=request_actor(request))
        session.flush()
        return _draft_detail(session, draft, gettext=_gettext(request))


# Items


@router.post("/evidence-drafts/{draft_id}/items", status_code=201)
@access(Permission.WRITE)
def add_evidence_item(draft_id: int, body: ItemCreate, archive: ArchiveDep, request: Request) -> dict[str, Any]:
    """Add an item at the end of its group. Its source must belong to one of the draft's contracts."""
    with archive.session() as session:
        item = drafts.add_item(session, draft_id, drafts.ItemInput(**body.model_dump()), actor=request_actor(request))
        return _numbered_item(session, item)


@router.patch("/evidence-items/{item_id}")
@access(Permission.WRITE)
def update_evidence_item(item_id: int, body: ItemPatch, archive: ArchiveDep, request: Request) -> dict[str, Any]:
    """Change an item's name, form, issuer, purpose, pages or group. A new group puts it at that group's end."""
    with archive.session() as session:
        item = drafts.update_item(session, item_id, body.model_dump(exclude_unset=True), actor=request_actor(request))
        session.flush()
        return _numbered_item(session, item)


@router.delete("/evidence-items/{item_id}")
@access(Permission.WRITE)
def remove_evidence_item(item_id: int, archive: ArchiveDep, request: Request) -> dict[str, Any]:
    """Remove an item from its draft. A saved revision keeps it until the next save."""
    with archive.session() as session:
        drafts.remove_item(session, item_id, actor=request_actor(request))
    return {"removed": item_id}


# Builds


@router.post("/evidence-drafts/{draft_id}/builds", status_code=202)
@access(Permission.WRITE)
def start_evidence_build(draft_id: int, archive: ArchiveDep, request: Request) -> dict[str, Any]:
    """Build a pack of the draft's saved revision in the background, to be polled at GET /api/evidence-builds/{id}.

    While a build of that revision is queued or running, the same build is returned. A draft
    never saved gives 409.
    """
    gettext = _gettext(request)
    with archive.session() as session:
        build = request_build(session, draft_id, actor=request_actor(request), lang=_locale(request))
        status = _build_dict(build, gettext)
    # The session has committed, so the thread or worker finds the queued row. Submitting a
    # build that is already queued is safe: run_build claims it once.
    if status["state"] == "queued":
        submit_pack_build(archive, status["id"])
    return status


@router.get("/evidence-builds/{build_id}")
@access(Permission.READ)
def get_evidence_build(build_id: int, archive: ArchiveDep, request: Request) -> dict[str, Any]:
    """Return a build's state and progress, and when it failed the reason in the request's language."""
    with archive.session() as session:
        return _build_dict(get_build(session, build_id, actor=request_actor(request)), _gettext(request))


# Packs


@router.get("/evidence-packs/{pack_id}")
@access(Permission.READ)
def get_evidence_pack(pack_id: int, archive: ArchiveDep, request: Request) -> dict[str, Any]:
    return _pack_dict(get_pack(archive, pack_id, actor=request_actor(request)))


@router.get("/evidence-packs/{pack_id}/download")
@access(Permission.READ)
def download_evidence_pack(pack_id: int, archive: ArchiveDep, request: Request) -> StreamingResponse:
    """Send the stored ZIP file byte for byte as it was built. Every download is audited."""
    return pack_download_response(archive, request, pack_id)


def pack_download_response(archive: Archive, request: Request, pack_id: int) -> StreamingResponse:
    """Stream a stored pack with its name, size and SHA-256 in the headers, and audit the download.

    The browser's download page returns this response too.
    """
    actor = request_actor(request)
    pack = get_pack(archive, pack_id, actor=actor)
    stream = open_pack(archive, pack, actor=actor, client_address=client_address(request))
    return StreamingResponse(_chunks(stream), media_type=ZIP_MEDIA_TYPE, headers=_download_headers(pack))


@router.head("/evidence-packs/{pack_id}/download", operation_id="download_evidence_pack_head")
@access(Permission.READ)
def download_evidence_pack_head(pack_id: int, archive: ArchiveDep, request: Request) -> Response:
    """Return the download's headers (name, size, SHA-256) without the bytes."""
    pack = get_pack(archive, pack_id, actor=request_actor(request))
    return Response(headers=_download_headers(pack), media_type=ZIP_MEDIA_TYPE)


@router.post("/evidence-packs/verify", openapi_extra=VERIFY_OPENAPI)
@access(Permission.READ, csrf_in_route=True)
async def verify_evidence_pack(archive: ArchiveDep, request: Request) -> dict[str, Any]:
    """Check an uploaded pack against its manifest and the manifest against the archive.

    A damaged file or one that is not a ZIP file is reported in `problems` with status 200.
    """
    form = await read_upload_form(request, archive)
    try:
        check_csrf(request_credential(request), form.fields.get("csrf_token"))
        parts = form.files.get("file", [])
        if len(parts) != 1:
            raise OnePackRequiredError(count=len(parts))
        part = parts[0]
        if part.too_large:
            raise PackTooLargeError(file=part.filename, limit_mb=archive.settings.max_upload_mb)
        return await run_in_threadpool(_verify_part, archive, part, _gettext(request))
    finally:
        form.close()


def _verify_part(archive: Archive, part: UploadedPart, gettext: Any) -> dict[str, Any]:
    """Spool the uploaded pack to a file, because the ZIP reader needs one, then check it."""
    spooled = spool_stream(part.file, filename=part.filename, limit_bytes=archive.settings.max_upload_bytes,
                           spool_dir=archive.spool_dir)
    try:
        check = check_pack(spooled.path, archive)
    finally:
        spooled.discard()
    return _check_dict(check, upload_name=part.filename, spool_name=spooled.path.name, size=spooled.size,
                       gettext=gettext)


# JSON shapes


def _draft_header(session: Session, draft: EvidenceDraft) -> dict[str, Any]:
    return {
        "id": draft.id,
        "case_name": draft.case_name,
        "dispute": draft.dispute,
        "claimant": draft.claimant,
        "respondent": draft.respondent,
        "group_titles": draft.group_titles or {},
        "created_by": draft.created_by,
        "created_at": aware(draft.created_at),
        "updated_at": aware(draft.updated_at),
        "revision": draft.revision,
        "saved_by": draft.saved_by,
        "saved_at": aware(draft.saved_at) if draft.saved_at else None,
        "dirty": draft.dirty,
        "contract_ids": drafts.draft_contract_ids(session, draft.id),
        "item_count": len(drafts.draft_items(session, draft.id)),
    }


def _draft_detail(session: Session, draft: EvidenceDraft, *, gettext: Any) -> dict[str, Any]:
    detail = _draft_header(session, draft)
    snapshot = draft.saved_snapshot
    contracts = [session.get(Contract, contract_id) for contract_id in detail["contract_ids"]]
    detail.update(
        saved_audit_event_seq=draft.saved_event_seq,
        saved_item_count=len(snapshot["items"]) if snapshot else None,
        contracts=[{"id": contract.id, "number": contract.number, "title": contract.title,
                    "counterparty": contract.counterparty} for contract in contracts if contract is not None],
        items=[_item_dict(item, number) for item, number in drafts.numbered(drafts.draft_items(session, draft.id))],
        packs=[_pack_dict(pack) for pack in list_packs(session, draft.id)],
        builds=[_build_dict(build, gettext) for build in _active_builds(session, draft.id)],
    )
    return detail


def _item_dict(item: EvidenceDraftItem, number: int) -> dict[str, Any]:
    return {
        "id": item.id,
        "label": f"{item.group_number}-{number}",
        "group": item.group_number,
        "number": number,
        "source": item.source,
        "document_version_id": item.document_version_id,
        "clause_id": item.clause_id,
        "record_id": item.record_id,
        "name": item.name,
        "origin": item.origin,
        "issuer": item.issuer,
        "purpose": item.purpose,
        "pages": item.pages,
    }


def _numbered_item(session: Session, item: EvidenceDraftItem) -> dict[str, Any]:
    """Return the item with its number in its group, which depends on the draft's other items."""
    numbers = {entry.id: number for entry, number in drafts.numbered(drafts.draft_items(session, item.draft_id))}
    return {"draft_id": item.draft_id, **_item_dict(item, numbers[item.id])}


def _active_builds(session: Session, draft_id: int) -> list[EvidenceBuild]:
    return list(session.scalars(select(EvidenceBuild).where(
        EvidenceBuild.draft_id == draft_id, EvidenceBuild.state.in_(ACTIVE_STATES)).order_by(EvidenceBuild.id)))


def _build_dict(build: EvidenceBuild, gettext: Any) -> dict[str, Any]:
    """Return build_status with the stored error in the reader's language and the current step's percentage."""
    error = None
    if build.error_code:
        error = render_error(build.error_code, build.error_params, gettext, gettext(BUILD_CRASHED_MESSAGE))
    if build.state == "done":
        percent = 100
    elif build.total:
        percent = min(100, build.done * 100 // build.total)
    else:
        percent = 0
    return {**build_status(build), "error": error, "percent": percent}


def _pack_dict(pack: BuiltPack) -> dict[str, Any]:
    return {
        "id": pack.id,
        "draft_id": pack.draft_id,
        "revision": pack.draft_revision,
        "size": pack.size,
        "file_count": pack.file_count,
        "manifest_sha256": pack.manifest_sha256,
        "zip_sha256": pack.blob_sha256,
        "built_by": pack.built_by,
        "built_at": pack.built_at,
        "file_name": pack.file_name,
    }


def _download_headers(pack: BuiltPack) -> dict[str, str]:
    return {
        "Content-Disposition": content_disposition(pack.file_name),
        "Content-Length": str(pack.size),
        "X-Content-SHA256": pack.blob_sha256,
    }


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    with stream:
        while chunk := stream.read(DOWNLOAD_CHUNK_BYTES):
            yield chunk


def _check_dict(check: PackCheck, *, upload_name: str, spool_name: str, size: int, gettext: Any) -> dict[str, Any]:
    """Return the verification as JSON, naming the uploaded file where the report names the spool file."""

    def problem_dict(problem: PackProblem) -> dict[str, Any]:
        name = upload_name if problem.name == spool_name else problem.name
        message = gettext(problem.template).format(name=name, **problem.params)
        return {"kind": problem.kind, "name": name, "message": message}

    report = check.report
    manifest = report.manifest
    result: dict[str, Any] = {
        "file": upload_name,
        "size": size,
        "zip_sha256": report.zip_sha256,
        "manifest_sha256": report.manifest_sha256,
        "files_checked": report.files_checked,
        "intact": report.intact,
        "summary": report.summary(gettext),
        "problems": [problem_dict(problem) for problem in report.problems],
        "pack": None if manifest is None else {
            "case_name": manifest.pack.case_name, "draft_id": manifest.pack.draft_id,
            "draft_revision": manifest.pack.draft_revision, "as_of": manifest.pack.as_of,
        },
        "archive": None,
        "ok": check.ok,
    }
    if check.archive is not None:
        result["archive"] = {
            "confirmed": check.archive.confirmed,
            "summary": check.archive.summary(gettext),
            "problems": [problem_dict(problem) for problem in check.archive.problems],
        }
    return result
