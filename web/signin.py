"""Signing in and out in the browser, and the account page where users manage their API tokens.

The sign-in form is protected against login CSRF with a double-submit value: GET /login sets a
random value in a short-lived cookie and in a hidden field, and POST /login accepts the form only
when both match. A successful sign-in ends any session the browser carried and issues a new one,
so a session id planted before sign-in is never signed in (session fixation).
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import PUBLIC, SESSION_COOKIE, access, client_address, request_actor, request_credential
from api.deps import get_archive
from archive.access import Permission
from archive.context import Archive
from archive.errors import ArchiveError, InvalidInputError
from archive.services import accounts, credentials
from web.i18n import request_translations
from web.templating import render

router = APIRouter(include_in_schema=False)
ArchiveDep = Annotated[Archive, Depends(get_archive)]
LOGIN_CSRF_COOKIE = "ca_login"
LOGIN_CSRF_SECONDS = 3600


def safe_next(target: str | None) -> str:
    """Return `target` when it is a path on this site, else "/" (no open redirect to //host or https://...)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]", "testserver"})


def secure_cookies(request: Request, archive: Archive) -> bool:
    """Tell whether cookies get the Secure flag: the setting, else always except plain HTTP to this computer."""
    if archive.settings.secure_cookies is not None:
        return archive.settings.secure_cookies
    return request.url.scheme == "https" or (request.url.hostname or "") not in LOOPBACK_HOSTS


@router.get("/login", response_class=HTMLResponse)
@access(PUBLIC)
def login_page(request: Request, archive: ArchiveDep, next: Annotated[str, Query()] = "/") -> Response:  # noqa: A002
    return _login_form(request, archive, next_path=safe_next(next))


@router.post("/login", response_class=HTMLResponse)
@access(PUBLIC)
def login_submit(
    request: Request,
    archive: ArchiveDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    login_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",  # noqa: A002
) -> Response:
    gettext = request_translations(request).gettext
    next_path = safe_next(next)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, login_token):
        message = gettext("The sign-in form has expired. Please sign in again.")
        return _login_form(request, archive, next_path=next_path, error=message, status=403, username=username)
    client = client_address(request)
    with archive.session() as session:
        result = accounts.authenticate(session, username, password, client_address=client)
        if isinstance(result, ArchiveError):
            error = result
            issued = None
        else:
            error = None
            # End the session this browser carried before: a planted session id is never signed in.
            if old := request.cookies.get(SESSION_COOKIE):
                credentials.end_session(session, old)
            issued = credentials.start_session(session, result, client_address=client)
    if error is not None or issued is None:
        return _login_form(
            request, archive, next_path=next_path, error=error.localized(gettext) if error else "",
            status=error.status if error else 401, username=username,
        )
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        SESSION_COOKIE, issued.token, max_age=int(credentials.SESSION_MAX_AGE.total_seconds()), httponly=True,
        secure=secure_cookies(request, archive), samesite="lax", path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
@access(Permission.READ)
def logout(request: Request, archive: ArchiveDep) -> Response:
    actor = request_actor(request)
    with archive.session() as session:
        if cookie := request.cookies.get(SESSION_COOKIE):
            credentials.end_session(session, cookie)
        from archive.services.audit import record_event

        record_event(session, actor=actor.username, actor_id=actor.user_id, action="logout", object_type="user",
                     object_id=actor.user_id or actor.username, client_address=client_address(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account", response_class=HTMLResponse)
@access(Permission.READ)
def account_page(request: Request, archive: ArchiveDep) -> Response:
    return _account(request, archive)


@router.post("/account/tokens", response_class=HTMLResponse)
@access(Permission.READ)
def create_token(request: Request, archive: ArchiveDep, name: Annotated[str, Form(max_length=400)] = "") -> Response:
    credential = request_credential(request)
    assert credential is not None
    gettext = request_translations(request).gettext
    try:
        with archive.session() as session:
            user = session.merge(credential.user)
            _, secret = credentials.create_token(session, user, name=name)
    except InvalidInputError:
        return _account(request, archive, error=gettext("Give the token a name."), status=422)
    return _account(request, archive, new_token=secret, status=201)


@router.post("/account/tokens/{token_id}/revoke")
@access(Permission.READ)
def revoke_token(request: Request, token_id: int, archive: ArchiveDep) -> Response:
    credential = request_credential(request)
    assert credential is not None
    with archive.session() as session:
        credentials.revoke_token(session, session.merge(credential.user), token_id)
    return RedirectResponse("/account", status_code=303)


def _account(
    request: Request, archive: Archive, *, new_token: str | None = None, error: str | None = None, status: int = 200
) -> Response:
    credential = request_credential(request)
    assert credential is not None
    with archive.session() as session:
        tokens = credentials.list_tokens(session, credential.user)
    context = {"user": credential.user, "tokens": tokens, "new_token": new_token, "error": error}
    return render(request, "account.html", context, status=status, page_url="/account")


def _login_form(
    request: Request, archive: Archive, *, next_path: str, error: str | None = None, status: int = 200,
    username: str = "",
) -> Response:
    login_token = secrets.token_urlsafe(32)
    context = {"next": next_path, "error": error, "login_token": login_token, "username": username[:200]}
    login_address = "/login?" + urlencode({"next": next_path})
    response = render(request, "login.html", context, status=status, page_url=login_address)
    response.set_cookie(
        LOGIN_CSRF_COOKIE, login_token, max_age=LOGIN_CSRF_SECONDS, httponly=True,
        secure=secure_cookies(request, archive), samesite="strict", path="/login",
    )
    return response
