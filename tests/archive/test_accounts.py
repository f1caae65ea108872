"""Users, passwords, sign-in throttling, browser sessions and API tokens, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from archive.context import Archive
from archive.errors import (
    InvalidUsernameError,
    LastAdministratorError,
    NotFoundError,
    SignInFailedError,
    SignInThrottledError,
    UnknownRoleError,
    UsernameTakenError,
    WeakPasswordError,
)
from archive.models import ApiToken, AuditEvent, LoginAttempt, User, WebSession
from archive.services import accounts, credentials

PASSWORD = "a long enough password"


def add(archive: Archive, username: str = "zhang.san", role: str = "legal") -> User:
    with archive.session() as session:
        return accounts.create_user(session, username=username, password=PASSWORD, role=role, actor="test")


def sign_in(archive: Archive, username: str, password: str, client: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    with archive.session() as session:
        return accounts.authenticate(session, username, password, client_address=client)


def actions(archive: Archive) -> list[str]:
    with archive.session() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_password_stored_as_argon2id(archive: Archive):
    add(archive)

    with archive.session() as session:
        stored = session.scalars(select(User.password_hash)).one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


@pytest.mark.parametrize(
    ("username", "role", "password", "error"),
    [
        ("a", "legal", PASSWORD, InvalidUsernameError),
        ("张", "legal", PASSWORD, InvalidUsernameError),
        ("_admin", "legal", PASSWORD, InvalidUsernameError),
        ("a b", "legal", PASSWORD, InvalidUsernameError),
        ("../etc", "legal", PASSWORD, InvalidUsernameError),
        ("li.si", "owner", PASSWORD, UnknownRoleError),
        ("li.si", "legal", "short", WeakPasswordError),
    ],
)
def test_invalid_user_rejected(archive: Archive, username: str, role: str, password: str, error: type):
    with pytest.raises(error), archive.session() as session:
        accounts.create_user(session, username=username, password=password, role=role, actor="test")


def test_username_taken_ignores_case(archive: Archive):
    add(archive, "zhang.san")

    with pytest.raises(UsernameTakenError):
        add(archive, "Zhang.San")


def test_sign_in_succeeds(archive: Archive):
    add(archive)

    result = sign_in(archive, "ZHANG.SAN", PASSWORD)

    assert isinstance(result, User)
    assert result.username == "zhang.san"
    assert actions(archive)[-1] == "login"


@pytest.mark.parametrize(("username", "password"), [("zhang.san", "wrong password"), ("nobody", PASSWORD)])
def test_sign_in_fails_alike(archive: Archive, username: str, password: str):
    add(archive)

    result = sign_in(archive, username, password)

    assert isinstance(result, SignInFailedError)
    assert actions(archive)[-1] == "login_failed"
    with archive.session() as session:
        attempt = session.scalars(select(LoginAttempt).order_by(LoginAttempt.id.desc())).first()
    assert attempt is not None
    assert attempt.succeeded is False
    assert attempt.client_address == "10.0.0.1"


def test_disabled_user_cannot_sign_in(archive: Archive):
    add(archive)
    with archive.session() as session:
        accounts.disable_user(session, "zhang.san", actor="test")

    assert isinstance(sign_in(archive, "zhang.san", PASSWORD), SignInFailedError)


def test_failures_per_username_throttled(archive: Archive):
    add(archive)
    for attempt in range(accounts.MAX_FAILURES_PER_USERNAME):
        assert isinstance(sign_in(archive, "zhang.san", "wrong password", client=f"10.0.1.{attempt}"), SignInFailedError)

    # The right password is refused too while the window lasts, and the refusal is audited.
    result = sign_in(archive, "zhang.san", PASSWORD, client="10.0.2.1")

    assert isinstance(result, SignInThrottledError)
    assert actions(archive)[-1] == "login_throttled"


def test_failures_per_client_throttled(archive: Archive):
    add(archive)
    for attempt in range(accounts.MAX_FAILURES_PER_CLIENT):
        sign_in(archive, f"guess{attempt}", "wrong password", client="10.9.9.9")

    assert isinstance(sign_in(archive, "zhang.san", PASSWORD, client="10.9.9.9"), SignInThrottledError)
    assert isinstance(sign_in(archive, "zhang.san", PASSWORD, client="10.0.0.2"), User)


def test_old_failures_not_counted(archive: Archive):
    add(archive)
    long_ago = datetime.now(timezone.utc) - accounts.THROTTLE_WINDOW - timedelta(minutes=1)
    with archive.session() as session:
        for _ in range(accounts.MAX_FAILURES_PER_USERNAME * 2):
            session.add(LoginAttempt(username="zhang.san", client_address="10.0.0.1", attempted_at=long_ago))

    assert isinstance(sign_in(archive, "zhang.san", PASSWORD), User)


def test_session_found_by_cookie(archive: Archive):
    user = add(archive)
    with archive.session() as session:
        issued = credentials.start_session(session, user, client_address="10.0.0.1")

    with archive.session() as session:
        credential = credentials.session_credential(session, issued.token)
        stored = session.scalars(select(WebSession.token_hash)).one()

    assert credential is not None
    assert credential.user.username == "zhang.san"
    assert credential.csrf_token == issued.csrf_token
    assert stored == credentials.digest(issued.token)
    assert issued.token not in stored


@pytest.mark.parametrize("column", ["expires_at", "last_seen_at"])
def test_old_session_ends(archive: Archive, column: str):
    user = add(archive)
    with archive.session() as session:
        issued = credentials.start_session(session, user, client_address=None)
    with archive.session() as session:
        row = session.scalars(select(WebSession)).one()
        setattr(row, column, datetime.now(timezone.utc) - credentials.SESSION_MAX_AGE)

    with archive.session() as session:
        assert credentials.session_credential(session, issued.token) is None
    with archive.session() as session:
        assert session.scalars(select(WebSession)).all() == []


def test_ended_session_not_found(archive: Archive):
    user = add(archive)
    with archive.session() as session:
        issued = credentials.start_session(session, user, client_address=None)
    with archive.session() as session:
        credentials.end_session(session, issued.token)

    with archive.session() as session:
        assert credentials.session_credential(session, issued.token) is None


def test_password_reset_ends_sessions(archive: Archive):
    user = add(archive)
    with archive.session() as session:
        issued = credentials.start_session(session, user, client_address=None)
    with archive.session() as session:
        accounts.reset_password(session, "zhang.san", "another long password", actor="admin")

    with archive.session() as session:
        assert credentials.session_credential(session, issued.token) is None
    assert isinstance(sign_in(archive, "zhang.san", "another long password"), User)
    assert isinstance(sign_in(archive, "zhang.san", PASSWORD), SignInFailedError)


def test_token_stored_as_digest(archive: Archive):
    user = add(archive)
    with archive.session() as session:
        token, secret = credentials.create_token(session, user, name="夜间导入脚本")

    with archive.session() as session:
        stored = session.scalars(select(ApiToken)).one()
        credential = credentials.token_credential(session, secret)
    assert secret.startswith(credentials.TOKEN_PREFIX)
    assert stored.token_hash == credentials.digest(secret)
    assert stored.prefix == secret[:10]
    assert credential is not None
    assert credential.method == "token"
    assert credential.user.username == "zhang.san"


def test_revoked_token_refused(archive: Archive):
    user = add(archive)
    with archive.session() as session:
        token, secret = credentials.create_token(session, user, name="script")
    with archive.session() as session:
        credentials.revoke_token(session, session.merge(user), token.id)

    with archive.session() as session:
        assert credentials.token_credential(session, secret) is None
    assert actions(archive)[-2:] == ["token_created", "token_revoked"]


def test_other_users_token_not_found(archive: Archive):
    owner = add(archive, "owner")
    other = add(archive, "other")
    with archive.session() as session:
        token, _ = credentials.create_token(session, owner, name="script")

    with pytest.raises(NotFoundError), archive.session() as session:
        credentials.revoke_token(session, session.merge(other), token.id)


def test_disable_ends_sessions_and_tokens(archive: Archive):
    user = add(archive)
    with archive.session() as session:
        issued = credentials.start_session(session, user, client_address=None)
        _, secret = credentials.create_token(session, user, name="script")
    with archive.session() as session:
        accounts.disable_user(session, "zhang.san", actor="admin")
    with archive.session() as session:
        accounts.enable_user(session, "zhang.san", actor="admin")

    with archive.session() as session:
        assert credentials.session_credential(session, issued.token) is None
        # Enabling the user again does not bring old tokens back.
        assert credentials.token_credential(session, secret) is None
    assert "user_disabled" in actions(archive)


def test_chinese_username_accepted(archive: Archive):
    add(archive, "张三")

    assert isinstance(sign_in(archive, "张三", PASSWORD), User)


def test_last_admin_cannot_be_disabled(archive: Archive):
    add(archive, "only.admin", role="admin")

    with pytest.raises(LastAdministratorError), archive.session() as session:
        accounts.disable_user(session, "only.admin", actor="test")
    add(archive, "second.admin", role="admin")
    with archive.session() as session:
        accounts.disable_user(session, "only.admin", actor="test")
    assert isinstance(sign_in(archive, "only.admin", PASSWORD), SignInFailedError)


def test_unlock_clears_failures(archive: Archive):
    add(archive)
    for _ in range(accounts.MAX_FAILURES_PER_USERNAME):
        sign_in(archive, "zhang.san", "wrong password")
    assert isinstance(sign_in(archive, "zhang.san", PASSWORD), SignInThrottledError)

    with archive.session() as session:
        cleared = accounts.clear_failed_sign_ins(session, "zhang.san", actor="admin")

    assert cleared == accounts.MAX_FAILURES_PER_USERNAME
    assert isinstance(sign_in(archive, "zhang.san", PASSWORD), User)
    assert "sign_in_unlocked" in actions(archive)
