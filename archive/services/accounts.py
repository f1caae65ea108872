"""Users and passwords: creating, disabling and resetting users, and checking a sign-in.

Passwords are hashed with argon2id (argon2-cffi's defaults, which follow RFC 9106's
recommendations for memory-constrained servers). A sign-in is refused, even with the right
password, while its user name or its client address has too many recent failures. Every
sign-in, success or failure, is an audit event.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.errors import (
    ArchiveError,
    InvalidEmailError,
    InvalidUsernameError,
    LastAdministratorError,
    NotFoundError,
    SignInFailedError,
    SignInThrottledError,
    UnknownRoleError,
    UsernameTakenError,
    WeakPasswordError,
)
from archive.models import ROLES, ApiToken, LoginAttempt, User, WebSession
from archive.services.audit import record_event

MIN_PASSWORD_LENGTH = 10
# Letters of any script (张三 is a valid name), digits, dots, dashes and underscores.
USERNAME_PATTERN = re.compile(r"^[^\W_][\w.-]{1,99}$")
# Sign-in throttling: failures counted over this window, per user name and per client address.
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USERNAME = 5
MAX_FAILURES_PER_CLIENT = 20

_hasher = PasswordHasher()
# Verified against when the user name is unknown, so that a wrong name takes as long as a wrong password.
_UNKNOWN_USER_HASH = _hasher.hash("no user has this password")


def normalize_username(username: str) -> str:
    return username.strip().lower()


def create_user(
    session: Session, *, username: str, password: str, role: str, display_name: str | None = None, actor: str
) -> User:
    """Add a user after checking the name, role and password length."""
    name = normalize_username(username)
    if not USERNAME_PATTERN.match(name):
        raise InvalidUsernameError(username=username)
    if role not in ROLES:
        raise UnknownRoleError(role=role, roles=", ".join(ROLES))
    _check_password(password)
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise UsernameTakenError(username=name)
    user = User(username=name, display_name=display_name, role=role, password_hash=_hasher.hash(password))
    session.add(user)
    session.flush()
    record_event(
        session, actor=actor, action="user_created", object_type="user", object_id=user.id,
        summary={"username": name, "role": role},
    )
    return user


_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,63}")


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == normalize_username(username)))
    if user is None:
        raise NotFoundError(object="User", id=username)
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def count_admins(session: Session) -> int:
    return session.scalar(select(func.count(User.id)).where(User.role == "admin", User.disabled_at.is_(None))) or 0


def disable_user(session: Session, username: str, *, actor: str) -> User:
    """Stop a user from signing in, and end their sessions and API tokens at once.

    The last active administrator cannot be disabled, because no one could then manage users
    or legal holds from the browser.
    """
    user = get_user(session, username)
    if user.disabled_at is None and user.role == "admin" and count_admins(session) <= 1:
        raise LastAdministratorError(username=user.username)
    if user.disabled_at is None:
        now = _now()
        user.disabled_at = now
        _end_sessions_and_tokens(session, user.id, now)
        record_event(session, actor=actor, action="user_disabled", object_type="user", object_id=user.id,
                     summary={"username": user.username})
    return user


def enable_user(session: Session, username: str, *, actor: str) -> User:
    user = get_user(session, username)
    if user.disabled_at is not None:
        user.disabled_at = None
        record_event(session, actor=actor, action="user_enabled", object_type="user", object_id=user.id,
                     summary={"username": user.username})
    return user


def clear_failed_sign_ins(session: Session, username: str, *, actor: str) -> int:
    """Forget a user name's recent failed sign-ins, so that the user may sign in again at once."""
    user = get_user(session, username)
    cleared = session.query(LoginAttempt).filter(
        LoginAttempt.username == user.username, LoginAttempt.succeeded.is_(False)
    ).delete()
    record_event(session, actor=actor, action="sign_in_unlocked", object_type="user", object_id=user.id,
                 summary={"username": user.username, "failures_cleared": cleared})
    return cleared


def reset_password(session: Session, username: str, password: str, *, actor: str) -> User:
    """Set a new password and end the user's sessions, so a stolen session stops working."""
    user = get_user(session, username)
    _check_password(password)
    now = _now()
    user.password_hash = _hasher.hash(password)
    user.password_changed_at = now
    session.query(WebSession).filter(WebSession.user_id == user.id).delete()
    record_event(session, actor=actor, action="password_reset", object_type="user", object_id=user.id,
                 summary={"username": user.username})
    return user


def set_email(session: Session, username: str, address: str, *, actor: str) -> User:
    """Set or clear the address the daily digest goes to."""
    user = get_user(session, username)
    address = address.strip()
    if address and not _EMAIL.fullmatch(address):
        raise InvalidEmailError(address=address[:100])
    user.email = address or None
    record_event(session, actor=actor, action="user_email_set", object_type="user", object_id=user.id,
                 summary={"username": user.username, "email": user.email})
    return user


def authenticate(session: Session, username: str, password: str, *, client_address: str | None) -> User | ArchiveError:
    """Return the active user whose password this is, or the error to show: SignInFailedError or SignInThrottledError.

    The error is returned, not raised, so that the caller commits the recorded attempt and its
    audit event before showing it: a rolled-back failure would not count towards throttling.
    """
    name = normalize_username(username)[:100]
    now = _now()
    throttled = _throttled(session, name, client_address, now)
    if throttled is not None:
        record_event(
            session, actor=name or "-", action="login_throttled", object_type="user", object_id=name,
            client_address=client_address,
        )
        return throttled
    user = session.scalar(select(User).where(User.username == name))
    valid = _verify(user.password_hash if user is not None else _UNKNOWN_USER_HASH, password)
    succeeded = valid and user is not None and user.disabled_at is None
    session.add(LoginAttempt(username=name, client_address=client_address, attempted_at=now, succeeded=succeeded))
    summary: dict[str, str] = {}
    if not succeeded:
        summary["reason"] = "disabled" if valid and user is not None else "wrong_credentials"
    record_event(
        session, actor=name or "-", action="login" if succeeded else "login_failed", object_type="user",
        object_id=user.id if user is not None else name, client_address=client_address,
        actor_id=user.id if succeeded and user is not None else None, summary=summary,
    )
    if not succeeded or user is None:
        return SignInFailedError()
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def _throttled(session: Session, username: str, client_address: str | None, now: datetime) -> SignInThrottledError | None:
    since = now - THROTTLE_WINDOW
    recent_failures = select(func.count(LoginAttempt.id)).where(
        LoginAttempt.attempted_at >= since, LoginAttempt.succeeded.is_(False)
    )
    by_name = session.scalar(recent_failures.where(LoginAttempt.username == username)) or 0
    by_client = 0
    if client_address is not None:
        by_client = session.scalar(recent_failures.where(LoginAttempt.client_address == client_address)) or 0
    if by_name >= MAX_FAILURES_PER_USERNAME or by_client >= MAX_FAILURES_PER_CLIENT:
        return SignInThrottledError(minutes=int(THROTTLE_WINDOW.total_seconds() // 60))
    return None


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(length=MIN_PASSWORD_LENGTH)


def _end_sessions_and_tokens(session: Session, user_id: int, now: datetime) -> None:
    session.query(WebSession).filter(WebSession.user_id == user_id).delete()
    session.query(ApiToken).filter(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)).update(
        {ApiToken.revoked_at: now}
    )


def _now() -> datetime:
    return datetime.now(timezone.utc)
