"""The upload page: the plain form, one result row per file, corrections and new-version offers.

Without JavaScript the form posts every file to POST /upload, which returns the whole page with
a result row per file. With JavaScript (static/upload.js) each file goes to POST /upload/row on
its own, which returns only that file's row as an HTML fragment, marked with the X-Upload-Row
header. Corrections (kind, contract, "make it a new version") post ordinary forms. Each form
carries a `back` address: the results page for the plain form, or the row fragment
GET /upload/row/{version_id} when the script sends it.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import unquote, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import access, check_csrf, client_address, request_actor, request_credential
from api.deps import get_archive
from api.uploads import ingest_form, read_upload_form
from archive import upload_review
from archive.access import Permission
from archive.context import Archive
from archive.errors import ArchiveError, FileTooLargeError, all_error_classes, render_error
from archive.models import DOCUMENT_KINDS
from archive.services.version_merge import attach_as_new_version
from ingest.indexing import index_version
from ingest.result import FAILED, IngestResult
from ingest.store import describe_version
from web.i18n import request_translations
from web.templating import render

router = APIRouter(include_in_schema=False)
ArchiveDep = Annotated[Archive, Depends(get_archive)]

# Response header that marks a row fragment, so the script can tell it from a sign-in page or an error page.
ROW_HEADER = "X-Upload-Row"
# Request header with the file's name (percent-encoded), sent by the script to name the file in an error row.
FILENAME_HEADER = "X-Upload-Filename"
# Most versions one results page lists; the plain form's batches are far smaller.
MAX_RESULT_VERSIONS = 100
CONFIRMATIONS = {
    "kind": "The kind is saved.",
    "contract": "The document is filed under the chosen contract.",
}


@router.get("/upload", response_class=HTMLResponse)
@access(Permission.WRITE)
def upload_page(
    request: Request,
    archive: ArchiveDep,
    contract_id: Annotated[str, Query()] = "",
    document_id: Annotated[str, Query()] = "",
) -> Response:
    context = page_context(request, archive, contract_id=contract_id, document_id=document_id)
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
        context = page_context(request, archive, contract_id=fields.get("contract_id", ""),
                               document_id=fields.get("document_id", ""), check_target=False)
        context["form_error"] = error.localized(gettext)
        return render(request, "upload.html", context, status=error.status, page_url=_upload_address(fields))
    finally:
        if form is not None:
            form.close()
    _localize_errors(results, gettext)
    context = page_context(request, archive, contract_id=form.fields.get("contract_id", ""),
                           document_id=form.fields.get("document_id", ""))
    context["rows"] = result_rows(request, archive, results)
    status = 422 if all(r.status == FAILED for r in results) else 200
    # The results page shows the stored versions again; an upload that stored nothing goes back to the form.
    results_query = context["rows"]["results_query"]
    page_url = f"/upload/results?{results_query}" if results_query else _upload_address(form.fields)
    return render(request, "upload.html", context, status=status, page_url=page_url)


def _upload_address(fields: dict[str, Any]) -> str:
    """Return the address of the upload form for the contract and document the posted form named."""
    params = {name: str(fields.get(name) or "") for name in ("contract_id", "document_id")}
    query = urlencode({name: value for name, value in params.items() if value})
    return f"/upload?{query}" if query else "/upload"


@router.post("/upload/row", response_class=HTMLResponse)
@access(Permission.WRITE, csrf_in_route=True)
async def upload_row(request: Request, archive: ArchiveDep) -> Response:
    """Upload the form's files and return their result rows only; an error becomes a failed row."""
    gettext = request_translations(request).gettext
    form = None
    try:
        form = await read_upload_form(request, archive)
        check_csrf(request_credential(request), form.fields.get("csrf_token"))  # type: ignore[arg-type]
        results = await ingest_form(archive, form, actor=request_actor(request))
    except ArchiveError as error:
        # NOTE: when the limit is passed mid-body, the rest of the body is not read, so a browser may
        # see a reset connection instead of this row. The script checks the size before sending.
        name = str(error.params.get("file") or unquote(request.headers.get(FILENAME_HEADER, "")))
        failed = IngestResult(file=name, status=FAILED, error=error.localized(gettext), error_code=error.code)
        return render_rows(request, archive, [failed], status=error.status)
    finally:
        if form is not None:
            form.close()
    _localize_errors(results, gettext)
    return render_rows(request, archive, results, status=_rows_status(results))


@router.get("/upload/row/{version_id}", response_class=HTMLResponse)
@access(Permission.WRITE)
def upload_row_again(
    request: Request, version_id: int, archive: ArchiveDep, done: Annotated[str, Query()] = ""
) -> Response:
    """Return the result row of a stored version again, with the confirmation of the change just made."""
    results = _stored_results(request, archive, [version_id])
    return render_rows(request, archive, results, done=done, changed=version_id)


@router.get("/upload/results", response_class=HTMLResponse)
@access(Permission.WRITE)
def upload_results(
    request: Request,
    archive: ArchiveDep,
    v: Annotated[list[int] | None, Query()] = None,
    done: Annotated[str, Query()] = "",
    changed: Annotated[int | None, Query()] = None,
) -> Response:
    """Show the results of an upload again, after a correction made from the plain form."""
    results = _stored_results(request, archive, v or [])
    context = page_context(request, archive)
    context["rows"] = result_rows(request, archive, results, done=done, changed=changed)
    return render(request, "upload.html", context)


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
    return redirect_back(back)


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
    return redirect_back(back)


@router.post("/versions/{version_id}/merge")
@access(Permission.WRITE)
def merge_version(
    request: Request,
    version_id: int,
    archive: ArchiveDep,
    document_id: Annotated[int, Form()],
    force: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    """Make the version the newest version of `document_id`, then return to `back` or the version page."""
    attach_as_new_version(
        archive, version_id=version_id, document_id=document_id, actor=request_actor(request),
        force=force == "1", client_address=client_address(request),
    )
    index_version(archive, version_id)
    return redirect_back(back or f"/versions/{version_id}")


def redirect_back(back: str) -> RedirectResponse:
    """Redirect to a page of this site only; anything else (//host, https://...) goes home."""
    from web.signin import safe_next

    return RedirectResponse(safe_next(back), status_code=303)


def page_context(
    request: Request, archive: Archive, *, contract_id: str = "", document_id: str = "", check_target: bool = True
) -> dict[str, Any]:
    """Build the upload page: the form, the contract it uploads into, and the texts the script shows.

    With `check_target`, a contract id the actor may not see gives "not found", as its page would.
    A form that failed is shown again with what was typed, so there the id is not checked.
    """
    gettext = request_translations(request).gettext
    target = None
    if check_target and contract_id.strip().isdigit():
        target = upload_review.upload_target(archive, int(contract_id), actor=request_actor(request))
    limit_mb = archive.settings.max_upload_mb
    return {
        "kinds": DOCUMENT_KINDS,
        "contract_id": contract_id,
        "document_id": document_id,
        "target": target,
        "rows": None,
        "form_error": None,
        "max_upload_bytes": archive.settings.max_upload_bytes,
        # The script puts the file's name in place of {file}.
        "too_large_message": FileTooLargeError(file="{file}", limit_mb=limit_mb).localized(gettext),
    }


def result_rows(
    request: Request, archive: Archive, results: list[IngestResult], *, done: str = "", changed: int | None = None
) -> dict[str, Any]:
    """Pair each result with its review, confirmation and form addresses, for the result table."""
    actor = request_actor(request)
    gettext = request_translations(request).gettext
    reviews = upload_review.review_results(archive, results, actor=actor)
    version_ids = [r.document_version_id for r in results if r.document_version_id is not None]
    rows = []
    for result, review in zip(results, reviews):
        confirmation = None
        if changed is not None and result.document_version_id == changed:
            confirmation = _confirmation(done, review, gettext)
        rows.append({"result": result, "review": review, "confirmation": confirmation})
    return {
        "items": rows,
        "recent_contracts": upload_review.recent_contracts(archive, actor=actor),
        "results_query": urlencode([("v", version_id) for version_id in version_ids]),
    }


def render_rows(
    request: Request, archive: Archive, results: list[IngestResult], *, status: int = 200, done: str = "",
    changed: int | None = None,
) -> HTMLResponse:
    """Render result rows as a fragment of <tr> elements in the page's language."""
    context = {"kinds": DOCUMENT_KINDS, "rows": result_rows(request, archive, results, done=done, changed=changed)}
    response = render(request, "_upload_rows.html", context, status=status)
    response.headers[ROW_HEADER] = "1"
    return response


def _stored_results(request: Request, archive: Archive, version_ids: list[int]) -> list[IngestResult]:
    """Describe stored versions as upload results; an id the actor may not see gives "not found"."""
    actor = request_actor(request)
    gettext = request_translations(request).gettext
    results = []
    for version_id in version_ids[:MAX_RESULT_VERSIONS]:
        filename = upload_review.visible_version_filename(archive, version_id, actor=actor)
        results.append(describe_version(archive, version_id, filename))
    _localize_errors(results, gettext)
    return results


def _localize_errors(results: list[IngestResult], gettext) -> None:  # type: ignore[no-untyped-def]
    for result in results:
        if result.error:
            result.error = render_error(result.error_code, result.error_params, gettext, result.error)


def _rows_status(results: list[IngestResult]) -> int:
    """Return 200 unless every file failed; then the status of the first file's error (413, 415 or 422)."""
    if not results or any(r.status != FAILED for r in results):
        return 200
    statuses = {cls.code: cls.status for cls in all_error_classes()}
    return statuses.get(results[0].error_code or "", 422)


def _confirmation(done: str, review: upload_review.ResultReview, gettext) -> str | None:  # type: ignore[no-untyped-def]
    if done == "merged":
        return gettext("The file is now version {number} of “{title}”.").format(
            number=review.version_number, title=review.document_title or "—")
    if done in CONFIRMATIONS:
        return gettext(CONFIRMATIONS[done])
    return None


__all__ = ["router"]
