"""HTML pages. Each route reads one query result and renders one template."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from api.auth import access, record_view, request_actor
from api.deps import get_archive
from archive.access import Permission
from archive import queries
from archive.context import Archive
from archive.errors import ArchiveError
from archive.models import DOCUMENT_KINDS
from ingest.renditions import can_render
from ingest.sniff import PDF_MEDIA_TYPE
from web.performance_context import contract_context, version_context
from web.templating import render

STATIC_DIR = Path(__file__).with_name("static")
PAGE_SIZE = 20
MAX_SEARCH_PAGE = 500

router = APIRouter(include_in_schema=False)
ArchiveDep = Annotated[Archive, Depends(get_archive)]


def mount_pages(app: FastAPI) -> None:
    from web.admin import router as admin_router
    from web.compare_pages import router as compare_router
    from web.evidence_pages import router as evidence_router
    from web.performance_pages import router as performance_router
    from web.signin import router as signin_router
    from web.timeline_pages import router as timeline_router
    from web.upload_pages import router as upload_router
    from web.viewer_pages import router as viewer_router

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(signin_router)
    app.include_router(admin_router)
    app.include_router(router)
    app.include_router(performance_router)
    app.include_router(timeline_router)
    app.include_router(upload_router)
    app.include_router(viewer_router)
    app.include_router(compare_router)
    app.include_router(evidence_router)


def render_error_page(request: Request, *, status: int, message: str) -> Response:
    return render(request, "error.html", {"status": status, "message": message}, status=status)


@router.get("/", response_class=HTMLResponse)
@access(Permission.READ)
def contracts_page(request: Request, archive: ArchiveDep, page: Annotated[int, Query()] = 1) -> Response:
    page = max(page, 1)
    actor = request_actor(request)
    result = queries.list_contracts(archive, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, actor=actor)
    attention = queries.list_versions(archive, states=queries.ATTENTION_STATES, limit=PAGE_SIZE, actor=actor)
    return render(request, "contracts.html", {**result, "attention": attention, "page": page, "page_size": PAGE_SIZE})


@router.get("/contracts/{contract_id}", response_class=HTMLResponse)
@access(Permission.READ)
def contract_page(request: Request, contract_id: int, archive: ArchiveDep,
                  edit: Annotated[int | None, Query()] = None) -> Response:
    """Show the contract page, with the edit and waiver forms of obligation `edit` open when it is given."""
    return render(request, "contract.html", contract_context(request, archive, contract_id, editing=edit))


@router.get("/versions/{version_id}", response_class=HTMLResponse)
@access(Permission.READ)
def version_page(request: Request, version_id: int, archive: ArchiveDep) -> Response:
    actor = request_actor(request)
    context = version_context(request, archive, version_id)
    record_view(archive, request, actor, version_id)
    # A clause is shown on a page of the original PDF, of a PDF copy of a Word file, or not at all.
    media_type = context["version"]["media_type"]
    context["page_view"] = None
    if media_type == PDF_MEDIA_TYPE:
        context["page_view"] = "pdf"
    elif can_render(media_type):
        context["page_view"] = "copy"
    return render(request, "version.html", context)


@router.get("/search", response_class=HTMLResponse)
@access(Permission.READ)
def search_page(
    request: Request,
    archive: ArchiveDep,
    q: Annotated[str, Query(max_length=2000)] = "",
    contract_id: Annotated[str, Query()] = "",
    kind: Annotated[str, Query()] = "",
    page: Annotated[int, Query()] = 1,
) -> Response:
    page = min(max(page, 1), MAX_SEARCH_PAGE)
    contract = int(contract_id) if contract_id.strip().isdigit() else None
    kind_filter = kind if kind in DOCUMENT_KINDS else None
    result = None
    if q.strip():
        result = queries.search_clauses(
            archive, q, contract_id=contract, kind=kind_filter, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
            actor=request_actor(request),
        )
    context = {"q": q, "contract_id": contract, "kind": kind_filter, "kinds": DOCUMENT_KINDS, "result": result,
               "page": page, "page_size": PAGE_SIZE}
    return render(request, "search.html", context)


__all__ = ["ArchiveError", "mount_pages", "render_error_page", "router"]
