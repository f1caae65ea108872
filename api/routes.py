"""JSON routes under /api."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from api.auth import access, check_csrf, client_address, record_view, request_actor, request_credential
from api.deps import get_archive
from archive.access import Permission, check_contract_visible
from api.uploads import ingest_form, read_upload_form
from archive import queries
from archive.content_disposition import content_disposition
from archive.context import Archive
from archive.errors import BlobMissingError
from archive.services import documents as document_service
from archive.services import holds
from archive.services.contracts import get_contract_or_raise
from ingest.indexing import reindex_document

router = APIRouter(prefix="/api")
# Seconds a presigned download URL stays valid. A person who follows the redirect later must request it again.
DOWNLOAD_URL_SECONDS = 300
ArchiveDep = Annotated[Archive, Depends(get_archive)]

UPLOAD_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "contract_id": {"type": "integer", "description": "File under this contract."},
                        "document_id": {"type": "integer", "description": "Store as a new version of this document."},
                        "kind": {"type": "string", "description": "Document kind, instead of detecting it."},
                    },
                }
            }
        },
    }
}


class DocumentUpdate(BaseModel):
    """Corrections staff make to a document: its kind, the contract it is filed under, or both."""

    kind: str | None = None
    contract_id: int | None = None


@router.get("/health")
@access(Permission.READ)
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/contracts")
@access(Permission.READ)
def list_contracts(
    archive: ArchiveDep, request: Request,
    limit: Annotated[int, Query(ge=1, le=500)] = 100, offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    return queries.list_contracts(archive, limit=limit, offset=offset, actor=request_actor(request))


@router.get("/contracts/{contract_id}")
@access(Permission.READ)
def get_contract(contract_id: int, archive: ArchiveDep, request: Request) -> dict[str, Any]:
    return queries.contract_detail(archive, contract_id, actor=request_actor(request))


class HoldRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="The dispute or case the files are held for.")


def _hold_dict(hold: Any) -> dict[str, Any]:
    return {
        "id": hold.id, "contract_id": hold.contract_id, "reason": hold.reason, "active": hold.active,
        "placed_by": hold.placed_by, "placed_at": hold.placed_at, "lifted_by": hold.lifted_by,
        "lifted_at": hold.lifted_at, "lift_reason": hold.lift_reason,
    }


@router.get("/contracts/{contract_id}/legal-holds")
@access(Permission.READ)
def list_legal_holds(contract_id: int, archive: ArchiveDep, request: Request) -> list[dict[str, Any]]:
    with archive.session() as session:
        check_contract_visible(session, request_actor(request), contract_id)
        get_contract_or_raise(session, contract_id)
        return [_hold_dict(hold) for hold in holds.list_holds(session, contract_id)]


# NOTE: no route lifts a hold: only an administrator may, with `contract-archive hold lift` on the server.
@router.post("/contracts/{contract_id}/legal-holds", status_code=201)
@access(Permission.ADMINISTER)
def place_legal_hold(contract_id: int, hold: HoldRequest, archive: ArchiveDep, request: Request) -> dict[str, Any]:
    """Hold every file of the contract; new files filed under it are held too."""
    actor = request_actor(request)
    with archive.session() as session:
        check_contract_visible(session, actor, contract_id)
    return _hold_dict(holds.place_hold(archive, contract_id, reason=hold.reason, actor=actor.username))


@router.get("/versions")
@access(Permission.READ)
def list_versions(
    archive: ArchiveDep,
    request: Request,
    state: Annotated[list[str], Query(description="Version states to list, e.g. failed, needs_ocr.")] = ["failed", "needs_ocr", "pending"],  # noqa: B006
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """List versions by state: by default those that failed or still need work."""
    return {"versions": queries.list_versions(archive, states=tuple(state), limit=limit, actor=request_actor(request))}


@router.get("/versions/{version_id}")
@access(Permission.READ)
def get_version(version_id: int, archive: ArchiveDep, request: Request) -> dict[str, Any]:
    actor = request_actor(request)
    detail = queries.version_detail(archive, version_id, actor=actor)
    record_view(archive, request, actor, version_id)
    return detail


@router.get("/versions/{version_id}/download")
@access(Permission.READ)
def download_version(version_id: int, archive: ArchiveDep, request: Request) -> Response:
    """Send the original file, byte for byte, under its uploaded name. Every download is audited.

    A store with presigned URLs (S3) gets a redirect, so the bytes do not pass through the app.
    The local store's bytes are streamed.
    """
    from archive.services.audit import record_event

    actor = request_actor(request)
    with archive.session() as session:
        version = _visible_version(session, actor, version_id)
        headers, media_type, sha256 = _download_headers(version)
        filename = version.filename
        record_event(session, actor=actor.username, actor_id=actor.user_id, action="download",
                     object_type="document_version", object_id=version_id, client_address=client_address(request))
    if not archive.blobs.exists(sha256):
        raise BlobMissingError(version_id=version_id, sha256=sha256)
    url = archive.blobs.download_url(
        sha256, filename=filename, media_type=media_type, expires_seconds=DOWNLOAD_URL_SECONDS
    )
    if url is not None:
        return RedirectResponse(url, status_code=307, headers={"X-Content-SHA256": sha256})
    try:
        stream = archive.blobs.open(sha256)
    except FileNotFoundError as error:
        raise BlobMissingError(version_id=version_id, sha256=sha256) from error

    def chunks():  # type: ignore[no-untyped-def]
        with stream:
            while chunk := stream.read(1024 * 1024):
                yield chunk

    return StreamingResponse(chunks(), media_type=media_type, headers=headers)


@router.head("/versions/{version_id}/download", operation_id="download_version_head")
@access(Permission.READ)
def download_version_head(version_id: int, archive: ArchiveDep, request: Request) -> Response:
    """Return the download's headers (name, size, SHA-256) without the bytes."""
    with archive.session() as session:
        headers, media_type, _ = _download_headers(_visible_version(session, request_actor(request), version_id))
    return Response(headers=headers, media_type=media_type)


def _visible_version(session: Any, actor: Any, version_id: int) -> Any:
    """Return the version, or raise NotFoundError when it does not exist or `actor` may not see its contract."""
    version = document_service.get_version_or_raise(session, version_id)
    document = document_service.get_document_or_raise(session, version.document_id)
    check_contract_visible(session, actor, document.contract_id, object_name="Document version", object_id=version_id)
    return version


def _download_headers(version: Any) -> tuple[dict[str, str], str, str]:
    headers = {
        "Content-Disposition": content_disposition(version.filename),
        "Content-Length": str(version.size),
        "X-Content-SHA256": version.blob_sha256,
    }
    return headers, version.media_type, version.blob_sha256


@router.get("/search")
@access(Permission.READ)
def search(
    archive: ArchiveDep,
    request: Request,
    q: Annotated[str, Query(max_length=2000, description="Words, a \"quoted phrase\", -excluded words.")] = "",
    contract_id: int | None = None,
    kind: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> dict[str, Any]:
    return queries.search_clauses(
        archive, q, contract_id=contract_id, kind=kind, limit=limit, offset=offset, actor=request_actor(request)
    )


@router.post("/documents", openapi_extra=UPLOAD_OPENAPI, status_code=201)
@access(Permission.WRITE, csrf_in_route=True)
async def upload_documents(request: Request, archive: ArchiveDep) -> JSONResponse:
    """Upload one or more files; each is stored, read and indexed, or reported as a duplicate."""
    form = await read_upload_form(request, archive)
    try:
        check_csrf(request_credential(request), form.fields.get("csrf_token"))  # type: ignore[arg-type]
        results = await ingest_form(archive, form, actor=request_actor(request))
    finally:
        form.close()
    payload = [r.as_dict() for r in results]
    status = 201 if any(r.status not in ("duplicate", "failed") for r in results) else 200
    if all(r.status == "failed" for r in results):
        status = 422
    return JSONResponse({"results": payload}, status_code=status)


@router.patch("/documents/{document_id}")
@access(Permission.WRITE)
def update_document(document_id: int, update: DocumentUpdate, archive: ArchiveDep, request: Request) -> dict[str, Any]:
    """Correct a document's kind or contract; staff choices are never overwritten by detection."""
    from archive.services.audit import record_event
    from archive.services.linking import relink_document

    actor = request_actor(request)
    with archive.session() as session:
        document = document_service.get_document_or_raise(session, document_id)
        check_contract_visible(session, actor, document.contract_id, object_name="Document", object_id=document_id)
        if update.contract_id is not None:
            check_contract_visible(session, actor, update.contract_id)
        if update.kind is not None and update.kind != document.kind:
            previous = document.kind
            document_service.set_document_kind(session, document=document, kind=update.kind)
            relink_document(session, document=document, method="explicit")
            record_event(session, actor=actor.username, actor_id=actor.user_id, action="edit", object_type="document",
                         object_id=document_id, summary={"kind": [previous, update.kind]},
                         client_address=client_address(request))
        if update.contract_id is not None and update.contract_id != document.contract_id:
            document_service.move_document(
                session, document=document, contract_id=update.contract_id, actor=actor.username
            )
            holds.hold_contract_files(archive, session, update.contract_id)
        result = queries.document_dict(document)
    reindex_document(archive, document_id)  # the index filters by kind and contract
    return result
