"""HTML pages. Each route reads one query result and renders one template."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from api.auth import access, check_csrf, record_view, request_actor, request_credential
from api.deps import get_archive
from archive.access import Permission
from api.uploads import ingest_form, read_upload_form
from archive import queries
from archive.context import Archive
from archive.errors import ArchiveError, render_error
from archive.models import DOCUMENT_KINDS
from web.i18n import request_translations
from web.performance_context import contract_context, version_context
from web.templating import render

STATIC_DIR = Path(__file__).with_name("static")
PAGE_SIZE = 20
MAX_SEARCH_PAGE = 500

router = APIRouter(include_in_schema=False)
ArchiveDep = Annotated[Archive, Depends(get_archive)]


def mount_pages(app: FastAPI) -> None:
    from web.admin import router as admin_router
    from web.performance_pages import router as performance_router
    from web.signin import router as signin_router
    from web.timeline_pages import router as timeline_router
    from web.viewer_pages import router as viewer_router

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(signin_router)
    app.include_router(admin_router)
    app.include_router(router)
    app.include_router(performance_router)
    app.include_router(timeline_router)
    app.include_router(viewer_router)


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
def contract_page(request: Request, contract_id: int, archive: ArchiveDep) -> Response:
    return render(request, "contract.html", contract_context(request, archive, contract_id))


@router.get("/versions/{version_id}", response_class=HTMLResponse)
@access(Permission.READ)
def version_page(request: Request, version_id: int, archive: ArchiveDep) -> Response:
    actor = request_actor(request)
    context = version_context(request, archive, version_id)
    record_view(archive, request, actor, version_id)
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


@router.get("/upload", response_class=HTMLResponse)
@access(Permission.WRITE)
def upload_page(
    request: Request,
    archive: ArchiveDep,
    contract_id: Annotated[str, Query()] = "",
    document_id: Annotated[str, Query()] = "",
) -> Response:
    context = {"kinds": DOCUMENT_KINDS, "contract_id": contract_id, "document_id": document_id, "results": None,
               "form_error": None}
    return render(request, "upload.html", context)


@router.post("/upload", response_class=HTMLResponse)
@access(Permission.WRITE, csrf_in_route=True)
async def upload_submit(request: Request, archive: ArchiveDep) -> Response:
    gettext = request_translations(request).gettext
    form = None
    try:
        form = await read_upload_form(request, archive)
        check_csrf(request_credential(request), form.fields.get("csrf_token"))  # type: ignore[arg-type]
        results = await ingest_form(archive, form, actor=request_actor(request))
    except ArchiveError as error:
        # Keep the form on screen with the message, so nothing typed is lost.
        fields = form.fields if form else {}
        context = {"kinds": DOCUMENT_KINDS, "contract_id": fields.get("contract_id", ""),
                   "document_id": fields.get("document_id", ""), "results": None,
                   "form_error": error.localized(gettext)}
        return render(request, "upload.html", context, status=error.status)
    finally:
        if form is not None:
            form.close()
    for result in results:
        if result.error:
            result.error = render_error(result.error_code, result.error_params, gettext, result.error)
    context = {"kinds": DOCUMENT_KINDS, "contract_id": form.fields.get("contract_id", ""),
               "document_id": form.fields.get("document_id", ""), "results": results, "form_error": None}
    status = 422 if all(r.status == "failed" for r in results) else 200
    return render(request, "upload.html", context, status=status)


@router.post("/documents/{document_id}/kind")
@access(Permission.WRITE)
def change_kind(
    request: Request,
    document_id: int,
    archive: ArchiveDep,
    kind: Annotated[str, Form()],
    back: Annotated[str, Form()] = "/",
) -> Response:
    from api.routes import DocumentUpdate, update_document

    update_document(document_id, DocumentUpdate(kind=kind), archive, request)
    return _redirect_back(back)


@router.post("/documents/{document_id}/contract")
@access(Permission.WRITE)
def change_contract(
    request: Request,
    document_id: int,
    archive: ArchiveDep,
    contract_id: Annotated[int, Form()],
    back: Annotated[str, Form()] = "/",
) -> Response:
    from api.routes import DocumentUpdate, update_document

    update_document(document_id, DocumentUpdate(contract_id=contract_id), archive, request)
    return _redirect_back(back)


def _redirect_back(back: str) -> RedirectResponse:
    """Redirect to a page of this site only; anything else (//host, https://...) goes home."""
    from web.signin import safe_next

    return RedirectResponse(safe_next(back), status_code=303)


__all__ = ["ArchiveError", "mount_pages", "render_error_page", "router"]
