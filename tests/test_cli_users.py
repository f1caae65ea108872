"""`contract-archive user ...` and `group ...`, and the first administrator made on first start."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from archive.context import open_archive
from archive.models import User
from archive.services import accounts
from archive.settings import Settings
from cli.main import app
from cli.users import ensure_first_admin

PASSWORD = "a long enough password"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CONTRACT_ARCHIVE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def run(*arguments: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--lang", "en", *arguments], input=stdin)


def signs_in(data_dir: Path, username: str, password: str) -> bool:
    archive = open_archive(Settings(data_dir=data_dir, _env_file=None))
    try:
        with archive.session() as session:
            return isinstance(accounts.authenticate(session, username, password, client_address=None), User)
    finally:
        archive.close()


def test_user_add_from_stdin(data_dir: Path):
    result = run("user", "add", "Zhao.Liu", "--role", "legal", "--password-stdin", stdin=PASSWORD + "\n")

    assert result.exit_code == 0, result.output
    assert "zhao.liu" in result.output
    assert signs_in(data_dir, "zhao.liu", PASSWORD)


def test_user_add_prompts_twice(data_dir: Path):
    result = run("user", "add", "zhao.liu", "--role", "viewer", stdin=f"{PASSWORD}\n{PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert signs_in(data_dir, "zhao.liu", PASSWORD)


def test_user_add_passwords_differ(data_dir: Path):
    result = run("user", "add", "zhao.liu", "--role", "viewer", stdin=f"{PASSWORD}\nsomething else entirely\n")

    assert result.exit_code == 1
    assert "differ" in result.output
    assert not signs_in(data_dir, "zhao.liu", PASSWORD)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("user", "add", "zhao.liu", "--role", "owner", "--password-stdin"), "Unknown role 'owner'"),
        (("user", "add", "zhao liu", "--role", "legal", "--password-stdin"), "is invalid"),
    ],
)
def test_user_add_rejects(data_dir: Path, arguments: tuple[str, ...], message: str):
    result = run(*arguments, stdin=PASSWORD + "\n")

    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_short_password_rejected(data_dir: Path):
    result = run("user", "add", "zhao.liu", "--role", "legal", "--password-stdin", stdin="short\n")

    assert result.exit_code != 0
    assert "at least 10 characters" in result.output


def test_disable_and_reset(data_dir: Path):
    run("user", "add", "zhao.liu", "--role", "legal", "--password-stdin", stdin=PASSWORD + "\n")

    disabled = run("user", "disable", "zhao.liu")
    blocked = signs_in(data_dir, "zhao.liu", PASSWORD)
    enabled = run("user", "enable", "zhao.liu")
    reset = run("user", "reset-password", "zhao.liu", "--password-stdin", stdin="the new long password\n")
    listed = run("user", "list")

    assert disabled.exit_code == enabled.exit_code == reset.exit_code == 0
    assert blocked is False
    assert signs_in(data_dir, "zhao.liu", "the new long password")
    assert not signs_in(data_dir, "zhao.liu", PASSWORD)
    assert "zhao.liu" in listed.output


def test_unknown_user_reported(data_dir: Path):
    result = run("user", "disable", "nobody")

    assert result.exit_code != 0
    assert "nobody" in result.output


def test_group_membership(data_dir: Path):
    run("user", "add", "zhao.liu", "--role", "viewer", "--password-stdin", stdin=PASSWORD + "\n")

    added = run("group", "add-member", "dispute-team", "zhao.liu")
    removed = run("group", "remove-member", "dispute-team", "zhao.liu")

    assert added.exit_code == 0, added.output
    assert removed.exit_code == 0, removed.output


def test_first_admin_generated_once(tmp_path: Path):
    first = open_archive(Settings(data_dir=tmp_path / "one", _env_file=None))
    other = open_archive(Settings(data_dir=tmp_path / "two", _env_file=None))
    try:
        created = ensure_first_admin(first)
        again = ensure_first_admin(first)
        elsewhere = ensure_first_admin(other)
        with first.session() as session:
            user = accounts.authenticate(session, "admin", created[1] if created else "", client_address=None)
    finally:
        first.close()
        other.close()

    assert created is not None and elsewhere is not None
    assert again is None
    # No password is built in: every archive gets its own random one.
    assert created[1] != elsewhere[1]
    assert len(created[1]) >= 20
    assert isinstance(user, User)
    assert user.role == "admin"
