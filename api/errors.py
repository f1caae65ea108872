"""Render domain errors as JSON under /api and as pages elsewhere."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from archive.errors import ArchiveError, NotSignedInError

logger = logging.getLogger(__name__)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ArchiveError)
    async def archive_error(request: Request, error: ArchiveError) -> Response:
        if isinstance(error, NotSignedInError) and not _wants_json(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
        if _wants_json(request):
            return JSONResponse(
                {"error": {"code": error.code, "message": str(error), "params": _jsonable(error.params)}},
                status_code=error.status,
            )
        from web.pages import render_error_page

        return render_error_page(request, status=error.status, message=error.localized(_gettext(request)))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: {e.get('msg')}" for e in error.errors()
        )
        if _wants_json(request):
            return JSONResponse({"error": {"code": "invalid_input", "message": problems}}, status_code=422)
        from web.pages import render_error_page

        gettext = _gettext(request)
        if any(e.get("loc", ("",))[0] == "path" for e in error.errors()):
            # /contracts/abc names no contract: that is a page that does not exist.
            return render_error_page(request, status=404, message=gettext("This page does not exist."))
        # Pages name the fields only: the validator's own messages are English.
        fields = ", ".join(dict.fromkeys(_field_name(e) for e in error.errors()))
        return render_error_page(request, status=422, message=gettext("These values in the address or form are invalid: {fields}. Correct them and try again.").format(fields=fields))

    @app.exception_handler(OverflowError)
    async def overflow_error(request: Request, error: OverflowError) -> Response:
        return _out_of_range(request, error)

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, error: DBAPIError) -> Response:
        if not _is_out_of_range(error):
            return await unexpected_error(request, error)
        return _out_of_range(request, error)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if _wants_json(request):
            return JSONResponse({"error": {"code": "http_error", "message": str(error.detail)}}, status_code=error.status_code)
        from web.pages import render_error_page

        message = _gettext(request)("This page does not exist.") if error.status_code == 404 else str(error.detail)
        _sign_in_for_error_page(request)
        return render_error_page(request, status=error.status_code, message=message)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, error: Exception) -> Response:
        logger.exception("unhandled error path=%s", request.url.path)
        message = "An internal error occurred; it has been logged. Nothing you stored was lost."
        if _wants_json(request):
            return JSONResponse({"error": {"code": "internal_error", "message": message}}, status_code=500)
        from web.pages import render_error_page

        return render_error_page(request, status=500, message=_gettext(request)(message))


def _gettext(request: Request):  # type: ignore[no-untyped-def]
    from web.i18n import request_translations

    return request_translations(request).gettext


def _jsonable(params: dict) -> dict:  # type: ignore[type-arg]
    return {key: value if isinstance(value, (str, int, float, bool, type(None))) else str(value) for key, value in params.items()}


# SQLSTATE numeric_value_out_of_range, which PostgreSQL raises for an id beyond BIGINT.
OUT_OF_RANGE_SQLSTATE = "22003"
OUT_OF_RANGE_MESSAGE = "A number or date in the request is out of range, so nothing can match it. Check the address."


def _is_out_of_range(error: DBAPIError) -> bool:
    original = error.orig
    return isinstance(original, OverflowError) or getattr(original, "sqlstate", None) == OUT_OF_RANGE_SQLSTATE


def _out_of_range(request: Request, error: Exception) -> Response:
    """Respond with 400 to an id beyond what the database stores (SQLite raises OverflowError) or a date beyond its range."""
    logger.info("value out of range path=%s error=%s", request.url.path, error)
    if _wants_json(request):
        return JSONResponse({"error": {"code": "out_of_range", "message": OUT_OF_RANGE_MESSAGE}}, status_code=400)
    from web.pages import render_error_page

    return render_error_page(request, status=400, message=_gettext(request)(OUT_OF_RANGE_MESSAGE))


def _field_name(error: dict) -> str:  # type: ignore[type-arg]
    location = [str(part) for part in error.get("loc", ())[1:]]
    return ".".join(location) or "request"


def _sign_in_for_error_page(request: Request) -> None:
    """Read the session of a request that matched no route, so its error page shows the signed-in menu.

    Access checks run only for matched routes, so such a request has no actor yet. The page
    shows nothing but the menu, so a missing or expired session just leaves it signed out.
    """
    if getattr(request.state, "actor", None) is not None:
        return
    from api.auth import request_credential

    try:
        request_credential(request)
    except ArchiveError:
        request.state.actor = None
