"""Access rules: each route's rule, checked against the caller's credential before the route runs.

Every route function carries an access rule set with `access(...)`: PUBLIC (the sign-in page),
or the permission it needs. A route without a rule is refused for everyone, so a new route
cannot be reachable by mistake (tests/api/test_access_matrix.py checks every route).

A request proves who it is with the session cookie of a browser sign-in or with an API token
in `Authorization: Bearer ...`. Changes made with a session cookie must also carry the
session's CSRF token, in the X-CSRF-Token header or the `csrf_token` form field. Token
requests carry no ambient credential, so they need none.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request

from api.deps import get_archive
from archive.access import Actor, Permission, actor_for
from archive.context import Archive
from archive.errors import AccessRuleMissingError, CsrfTokenError, NotSignedInError
from archive.services.credentials import Credential, session_credential, token_credential

logger = logging.getLogger(__name__)

SESSION_COOKIE = "ca_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
PUBLIC = "public"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A route marked so reads the CSRF token itself: a streamed multipart upload, whose body the
# check here must not consume.
CSRF_IN_ROUTE = "__csrf_in_route__"
ACCESS_ATTRIBUTE = "__access_rule__"

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def access(rule: Permission | str, *, csrf_in_route: bool = False) -> Callable[[Endpoint], Endpoint]:
    """Mark a route function with its access rule: PUBLIC or the Permission it needs."""

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, ACCESS_ATTRIBUTE, rule)
        if csrf_in_route:
            setattr(endpoint, CSRF_IN_ROUTE, True)
        return endpoint

    return mark


def access_rule(endpoint: Callable[..., Any]) -> Permission | str | None:
    return getattr(endpoint, ACCESS_ATTRIBUTE, None)


async def enforce_access(request: Request) -> None:
    """Refuse the request unless the matched route's rule allows it; on success set request.state.actor."""
    endpoint = request.scope.get("endpoint")
    rule = access_rule(endpoint) if endpoint is not None else None
    if rule is None:
        logger.error("access rule missing, request rejected path=%s", request.url.path)
        raise AccessRuleMissingError()
    if rule == PUBLIC:
        request.state.actor = None
        return
    credential = request_credential(request)
    if credential is None:
        raise NotSignedInError()
    actor = request_actor(request)
    assert isinstance(rule, Permission)
    actor.require(rule)
    if request.method not in SAFE_METHODS and credential.method == "session" and not getattr(endpoint, CSRF_IN_ROUTE, False):
        submitted = request.headers.get(CSRF_HEADER)
        if submitted is None and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            submitted = (await request.form()).get(CSRF_FIELD)
        check_csrf(credential, submitted if isinstance(submitted, str) else None)


def check_csrf(credential: Credential | None, submitted: str | None) -> None:
    """Raise CsrfTokenError unless a session request sent its session's CSRF token."""
    if credential is None:
        raise NotSignedInError()
    if credential.method != "session":
        return
    if not submitted or credential.csrf_token is None or not hmac.compare_digest(submitted, credential.csrf_token):
        raise CsrfTokenError()


def request_credential(request: Request) -> Credential | None:
    """Return the credential the request carries (API token first, then session cookie), read once per request.

    The Actor (the user with their groups) is read in the same database session and kept on
    request.state, so a request opens one session for both.
    """
    if hasattr(request.state, "credential"):
        return request.state.credential
    archive = get_archive(request)
    credential = None
    authorization = request.headers.get("authorization", "")
    scheme, _, secret = authorization.partition(" ")
    with archive.session() as session:
        if scheme.lower() == "bearer" and secret.strip():
            credential = token_credential(session, secret.strip())
        elif cookie := request.cookies.get(SESSION_COOKIE):
            credential = session_credential(session, cookie)
        if credential is not None:
            user = credential.user
            request.state.actor = actor_for(session, user.id, user.username, user.role)
    request.state.credential = credential
    return credential


def request_actor(request: Request) -> Actor:
    """Return the Actor of a signed-in request, or raise NotSignedInError."""
    if request_credential(request) is None:
        raise NotSignedInError()
    return request.state.actor


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def record_view(archive: Archive, request: Request, actor: Actor, version_id: int) -> None:
    """Record that `actor` viewed a document version (its page or its JSON), after it was found visible."""
    from archive.services.audit import record_event

    with archive.session() as session:
        record_event(session, actor=actor.username, actor_id=actor.user_id, action="view",
                     object_type="document_version", object_id=version_id, client_address=client_address(request))
