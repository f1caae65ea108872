"""Fixtures: an archive on SQLite with local blobs and on PostgreSQL with S3 blobs, and the shared corpus."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from archive.context import Archive, open_archive
from archive.models import Base
from archive.settings import Settings
from tests.s3_server import S3TestServer

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO_ROOT.parent / "shared" / "corpus"
CASES_DIR = REPO_ROOT.parent / "shared" / "cases"
# The server database used to create one throw-away database per test run.
POSTGRES_ADMIN_URL = os.environ.get(
    "CONTRACT_ARCHIVE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def corpus_file(name: str) -> Path:
    """Return a corpus file's path, skipping the test when the corpus is absent."""
    path = CORPUS_DIR / name
    if not path.is_file():
        pytest.skip(f"corpus file {name} is not available (../shared/corpus missing)")
    return path


@contextmanager
def postgres_database(purpose: str) -> Iterator[str]:
    """Create a throw-away PostgreSQL database and yield its URL; skip (or fail in CI) without a server."""
    admin_url = make_url(POSTGRES_ADMIN_URL)
    name = f"contract_archive_{purpose}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - any connection failure means "no server"
        admin.dispose()
        if os.environ.get("CI"):
            raise RuntimeError(f"PostgreSQL is required in CI but unreachable at {admin_url}: {error}") from error
        pytest.skip(f"PostgreSQL unreachable at {admin_url.render_as_string()}: {error}")
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database for this test run, emptied by each test that uses it."""
    with postgres_database("test") as url:
        yield url


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3TestServer]:
    """moto's S3 API server on 127.0.0.1, one per test process, stopped at the end of the session."""
    server = S3TestServer(tmp_path_factory.mktemp("s3-server") / "moto_server.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_settings_factory(s3_server: S3TestServer, tmp_path: Path) -> Callable[..., Settings]:
    """Return a function that builds Settings for blob_store=s3, each call with a new bucket."""

    def make_settings(**overrides: object) -> Settings:
        return s3_server.settings(tmp_path / "data", **overrides)

    return make_settings


def meili_overrides() -> dict[str, object]:
    """Return settings for a new Meilisearch index when MEILI_URL is set, else none."""
    url = os.environ.get("MEILI_URL")
    if not url:
        return {}
    return {
        "search_backend": "meilisearch",
        "meili_url": url,
        "meili_api_key": os.environ.get("MEILI_API_KEY"),
        "meili_index": f"test_{os.getpid()}_{uuid.uuid4().hex[:12]}",
    }


def deployment_settings(request: pytest.FixtureRequest, data_dir: Path, database_url: str, **overrides: object) -> Settings:
    """Return Settings for the deployment form: PostgreSQL `database_url`, a new S3 bucket, Meilisearch if set."""
    s3: S3TestServer = request.getfixturevalue("s3_server")
    return s3.settings(data_dir, database_url=database_url, **meili_overrides(), **overrides)


def open_test_archive(
    data_dir: Path, backend: str, postgres: str | None = None, s3: S3TestServer | None = None
) -> Archive:
    """Open an archive in `data_dir` on SQLite or on the PostgreSQL database `postgres`, with blobs in `s3` if given.

    The deployment form (PostgreSQL with S3) also searches with Meilisearch when MEILI_URL is set.
    """
    database_url = postgres if backend == "postgresql" else None
    if s3 is not None:
        return open_archive(s3.settings(data_dir, database_url=database_url, **meili_overrides()))
    return open_archive(Settings(data_dir=data_dir, database_url=database_url, _env_file=None))


# Every test user signs in with this password; no such password exists outside the tests.
TEST_PASSWORD = "test-password-123"


def add_user(settings: Settings, username: str, role: str) -> str:
    """Create a user with TEST_PASSWORD and an API token in the archive of `settings`; return the token."""
    from archive.services import accounts, credentials

    opened = open_archive(settings)
    try:
        with opened.session() as session:
            user = accounts.create_user(session, username=username, password=TEST_PASSWORD, role=role, actor="test")
            _, secret = credentials.create_token(session, user, name="tests")
    finally:
        opened.close()
    return secret


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def signed_in_client(settings: Settings, role: str = "admin"):  # type: ignore[no-untyped-def]
    """Return a TestClient of the app on `settings` that calls as a new user of `role`, with an API token."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    token = add_user(settings, f"{role}-{uuid.uuid4().hex[:8]}", role)
    return TestClient(create_app(settings), headers=bearer(token))


def truncate_all(archive: Archive) -> None:
    tables = ", ".join(f'"{t.name}"' for t in reversed(Base.metadata.sorted_tables))
    with archive.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def archive(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Archive]:
    """An opened, empty archive: SQLite with local blobs, or PostgreSQL with blobs in a new S3 bucket."""
    postgres = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    s3 = request.getfixturevalue("s3_server") if request.param == "postgresql" else None
    opened = open_test_archive(tmp_path / "data", request.param, postgres, s3)
    if request.param == "postgresql":
        truncate_all(opened)
    try:
        yield opened
    finally:
        if opened.settings.search_backend == "meilisearch":
            opened.index.drop()  # type: ignore[attr-defined]
        opened.close()


def pytest_report_header(config: pytest.Config) -> str:
    if os.environ.get("MEILI_URL"):
        return f"archive tests on PostgreSQL + S3 search with Meilisearch at {os.environ['MEILI_URL']}"
    return "archive tests on PostgreSQL + S3 search with the embedded index (MEILI_URL is not set)"


@pytest.fixture
def sqlite_archive(tmp_path: Path) -> Iterator[Archive]:
    """An archive on SQLite only, for tests whose subject is not the database."""
    opened = open_archive(Settings(data_dir=tmp_path / "data", _env_file=None))
    try:
        yield opened
    finally:
        opened.close()
