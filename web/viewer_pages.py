"""The original PDF page by page, with the clause opened from a search hit or a field highlighted."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import access, record_view, request_actor
from api.deps import get_archive
from archive import queries
from archive.access import Permission, check_contract_visible
from archive.context import Archive
from archive.errors import BlobMissingError, NotFoundError
from archive.models import Clause
from archive.page_images import PageNotRenderableError, page_sizes, render_page
from archive.services import documents as document_service
from web.templating import render

router = APIRouter(include_in_schema=False)
ArchiveDep = Annotated[Archive, Depends(get_archive)]


def _pdf_bytes(archive: Archive, version: dict) -> bytes:  # type: ignore[type-arg]
    if version["media_type"] != "application/pdf":
        raise NotFoundError(object="Document version", id=version["id"])
    try:
        with archive.blobs.open(version["sha256"]) as stream:
            return stream.read()
    except FileNotFoundError as error:
        raise BlobMissingError(version_id=version["id"], sha256=version["sha256"]) from error


def _clause(detail: dict, clause_id: int | None) -> dict | None:  # type: ignore[type-arg]
    return next((c for c in detail["clauses"] if c["id"] == clause_id), None) if clause_id else None


@router.get("/versions/{version_id}/view", response_class=HTMLResponse)
@access(Permission.READ)
def view_pages(request: Request, version_id: int, archive: ArchiveDep,
               clause: Annotated[int | None, Query()] = None) -> Response:
    """Show every page of the original PDF; the chosen clause is highlighted and its first page linked."""
    actor = request_actor(request)
    detail = queries.version_detail(archive, version_id, actor=actor)
    version = detail["version"]
    try:
        sizes = page_sizes(_pdf_bytes(archive, version)) if version["media_type"] == "application/pdf" else []
    except PageNotRenderableError:
        sizes = []
    record_view(archive, request, actor, version_id)
    chosen = _clause(detail, clause)
    # Each image's width and height are known before it loads, so #page-N scrolls to the right place.
    pages = [(number, width, height) for number, (width, height) in enumerate(sizes, start=1)]
    context = {**detail, "pages": pages, "clause": chosen,
               "clause_page": (chosen or {}).get("page_start")}
    return render(request, "viewer.html", context)


@router.get("/versions/{version_id}/pages/{page}.png")
@access(Permission.READ)
def page_image(request: Request, version_id: int, page: int, archive: ArchiveDep,
               clause: Annotated[int | None, Query()] = None) -> Response:
    """Return one page of the original as PNG, with the clause's boxes on that page highlighted.

    A viewer asks for every page, so this reads only the version and the one clause, not the
    version's whole detail.
    """
    with archive.session() as session:
        version = document_service.get_version_or_raise(session, version_id)
        document = document_service.get_document_or_raise(session, version.document_id)
        check_contract_visible(session, request_actor(request), document.contract_id,
                               object_name="Document version", object_id=version_id)
        chosen = session.get(Clause, clause) if clause else None
        boxes = chosen.boxes if chosen is not None and chosen.document_version_id == version_id else None
        facts = {"id": version.id, "media_type": version.media_type, "sha256": version.blob_sha256}
    try:
        image = render_page(_pdf_bytes(archive, facts), page, boxes)
    except PageNotRenderableError as error:
        raise NotFoundError(object="Page", id=f"{version_id}/{page}") from error
    return Response(image, media_type="image/png")
