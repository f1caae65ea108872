"""The original PDF page by page, with the clause opened from a search hit or a field highlighted."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import access, record_view, request_actor
from api.deps import get_archive
from archive import queries
from archive.access import Permission, check_contract_visible
from archive.context import Archive
from archive.errors import BlobMissingError, NotFoundError
from archive.models import Clause
from archive.page_images import SCALE, PageNotRenderableError, page_sizes, render_page
from archive.services import documents as document_service
from ingest.renditions import locate_text, pdf_rendition
from web.templating import render

PDF = "application/pdf"

router = APIRouter(include_in_schema=False)
ArchiveDep = Annotated[Archive, Depends(get_archive)]


def _original(archive: Archive, version: dict) -> bytes:  # type: ignore[type-arg]
    try:
        with archive.blobs.open(version["sha256"]) as stream:
            return stream.read()
    except FileNotFoundError as error:
        raise BlobMissingError(version_id=version["id"], sha256=version["sha256"]) from error


def _pdf_bytes(archive: Archive, version: dict) -> bytes:  # type: ignore[type-arg]
    """Return the PDF the pages are drawn from: the original, or LibreOffice's copy of a Word file."""
    if version["media_type"] == PDF:
        return _original(archive, version)
    copy = _rendition(archive, version)
    if copy is None:
        raise NotFoundError(object="Document version", id=version["id"])
    return copy.read_bytes()


def _rendition(archive: Archive, version: dict):  # type: ignore[no-untyped-def, type-arg]
    return pdf_rendition(archive.settings.data_dir / "renditions", sha256=version["sha256"],
                         media_type=version["media_type"], filename=version["filename"],
                         read_original=lambda: _original(archive, version))


def _boxes(archive: Archive, version: dict, clause: Clause | dict | None) -> list[list[float]] | None:  # type: ignore[type-arg]
    """Return the clause's boxes, read at ingest for a PDF and searched for in the copy of a Word file."""
    if clause is None:
        return None
    if version["media_type"] == PDF:
        return clause.boxes if isinstance(clause, Clause) else clause.get("boxes")
    copy = _rendition(archive, version)
    text = clause.text if isinstance(clause, Clause) else clause.get("text")
    return [list(box) for box in locate_text(copy, text or "")] if copy is not None else None


def _clause(detail: dict, clause_id: int | None) -> dict | None:  # type: ignore[type-arg]
    return next((c for c in detail["clauses"] if c["id"] == clause_id), None) if clause_id else None


@router.get("/versions/{version_id}/view", response_class=HTMLResponse)
@access(Permission.READ)
def view_pages(request: Request, version_id: int, archive: ArchiveDep,
               clause: Annotated[int | None, Query()] = None,
               locate: Annotated[bool, Query()] = False) -> Response:
    """Show every page of the original PDF; the chosen clause is highlighted and its first page linked.

    With `locate`, the response is a redirect to the clause's first page (`#page-N`), for links made
    before that page is known: a clause of a Word file is found in the PDF copy only when asked for.
    """
    actor = request_actor(request)
    detail = queries.version_detail(archive, version_id, actor=actor)
    version = detail["version"]
    chosen = _clause(detail, clause)
    rendition = version["media_type"] != PDF
    if rendition and _rendition(archive, version) is None:
        # No PDF copy (not a Word file, or no LibreOffice): the version page shows the text with the clause marked.
        target = f"/versions/{version_id}" + (f"#clause-{chosen['id']}" if chosen else "")
        return RedirectResponse(target, status_code=303)
    try:
        sizes = page_sizes(_pdf_bytes(archive, version))
    except PageNotRenderableError:
        sizes = []
    record_view(archive, request, actor, version_id)
    clause_page = (chosen or {}).get("page_start")
    boxes = _boxes(archive, version, chosen) if chosen is not None else None
    if rendition and chosen is not None:
        clause_page = int(boxes[0][0]) if boxes else None
    if locate and chosen is not None:
        anchor = f"#page-{clause_page}" if clause_page else ""
        return RedirectResponse(f"/versions/{version_id}/view?clause={chosen['id']}{anchor}", status_code=303)
    # Each image's width and height are known before it loads, so #page-N scrolls to the right place.
    pages = [(number, width, height) for number, (width, height) in enumerate(sizes, start=1)]
    context = {**detail, "pages": pages, "clause": chosen, "clause_page": clause_page, "rendition": rendition,
               "clause_top": _clause_top(boxes, clause_page, sizes)}
    return render(request, "viewer.html", context)


def _clause_top(boxes: list[list[float]] | None, page: int | None, sizes: list[tuple[int, int]]) -> str | None:
    """Return where the clause starts on its page, as a share of the page's height, for viewer.js to scroll to."""
    if not boxes or not page or not 1 <= page <= len(sizes):
        return None
    tops = [box[2] for box in boxes if len(box) == 5 and int(box[0]) == page]
    if not tops:
        return None
    return f"{min(tops) * SCALE / sizes[page - 1][1]:.4f}"


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
        if chosen is not None and chosen.document_version_id != version_id:
            chosen = None
        facts = {"id": version.id, "media_type": version.media_type, "sha256": version.blob_sha256,
                 "filename": version.filename}
        if chosen is not None:
            session.expunge(chosen)
    try:
        image = render_page(_pdf_bytes(archive, facts), page, _boxes(archive, facts, chosen))
    except PageNotRenderableError as error:
        raise NotFoundError(object="Page", id=f"{version_id}/{page}") from error
    return Response(image, media_type="image/png")
