"""Browser sessions and API tokens: issuing them, finding the user behind one, and ending them.

Both are random 256-bit values given to the client once. The database keeps only their SHA-256
digest, so a copy of the database does not let anyone sign in. A plain digest is enough here
(no salt, no slow hash) because the values are random and long, unlike passwords.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.errors import InvalidInputError, NotFoundError
from archive.models import ApiToken, User, WebSession
from archive.services.audit import record_event

# A browser session ends after this long without a request, and in any case after SESSION_MAX_AGE.
SESSION_IDLE_TIMEOUT = timedelta(hours=8)
SESSION_MAX_AGE = timedelta(hours=12)
# last_seen_at is written at most this often, so that reading pages does not write on every request.
SESSION_TOUCH_INTERVAL = timedelta(minutes=5)
TOKEN_PREFIX = "ca_"
MAX_TOKEN_NAME_LENGTH = 200


@dataclass(frozen=True, slots=True)
class IssuedSession:
    """A new browser session: the cookie value and the CSRF token, each given to the browser once."""

    token: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Credential:
    """The user a request acts for, and how it proved it."""

    user: User
    # "session" (a browser cookie) or "token" (an API token in the Authorization header).
    method: str
    csrf_token: str | None = None
    session_id: int | None = None
    token_id: int | None = None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def start_session(session: Session, user: User, *, client_address: str | None) -> IssuedSession:
    """Issue a new session for a user who has just signed in."""
    token = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    now = _now()
    expires_at = now + SESSION_MAX_AGE
    session.add(
        WebSession(
            token_hash=digest(token), user_id=user.id, csrf_token=csrf_token, client_address=client_address,
            created_at=now, last_seen_at=now, expires_at=expires_at,
        )
    )
    return IssuedSession(token, csrf_token, expires_at)


def session_credential(session: Session, token: str) -> Credential | None:
    """Return the credential of a live session cookie, or None for an unknown, expired or idle one."""
    row = session.execute(
        select(WebSession, User).join(User, User.id == WebSession.user_id).where(WebSession.token_hash == digest(token))
    ).first()
    if row is None:
        return None
    web_session, user = row
    now = _now()
    if user.disabled_at is not None or _aware(web_session.expires_at) <= now:
        session.delete(web_session)
        return None
    if _aware(web_session.last_seen_at) + SESSION_IDLE_TIMEOUT <= now:
        session.delete(web_session)
        return None
    if _aware(web_session.last_seen_at) + SESSION_TOUCH_INTERVAL <= now:
        web_session.last_seen_at = now
    return Credential(user, "session", csrf_token=web_session.csrf_token, session_id=web_session.id)


def end_session(session: Session, token: str) -> None:
    session.query(WebSession).filter(WebSession.token_hash == digest(token)).delete()


def create_token(session: Session, user: User, *, name: str) -> tuple[ApiToken, str]:
    """Create an API token for `user`; return the row and the token, which is shown only this once."""
    name = name.strip()
    if not name or len(name) > MAX_TOKEN_NAME_LENGTH:
        raise InvalidInputError(detail=f"A token needs a name of 1 to {MAX_TOKEN_NAME_LENGTH} characters.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=digest(secret), prefix=secret[:10])
    session.add(token)
    session.flush()
    record_event(session, actor=user.username, actor_id=user.id, action="token_created", object_type="api_token",
                 object_id=token.id, summary={"name": name, "prefix": token.prefix})
    return token, secret


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens; another user's token is reported as not found."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFoundError(object="API token", id=token_id)
    if token.revoked_at is None:
        token.revoked_at = _now()
        record_event(session, actor=user.username, actor_id=user.id, action="token_revoked", object_type="api_token",
                     object_id=token.id, summary={"name": token.name, "prefix": token.prefix})
    return token


def token_credential(session: Session, secret: str) -> Credential | None:
    """Return the credential of a live API token, or None for an unknown or revoked one."""
    row = session.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(ApiToken.token_hash == digest(secret))
    ).first()
    if row is None:
        return None
    token, user = row
    if token.revoked_at is not None or user.disabled_at is not None:
        return None
    now = _now()
    if token.last_used_at is None or _aware(token.last_used_at) + SESSION_TOUCH_INTERVAL <= now:
        token.last_used_at = now
    return Credential(user, "token", token_id=token.id)


def _aware(moment: datetime) -> datetime:
    """Return the moment as UTC-aware: SQLite gives back naive datetimes."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _now() -> datetime:
    return datetime.now(timezone.utc)
