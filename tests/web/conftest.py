"""Fixtures for the page tests: the sample documents ingested into a SQLite archive."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import pytest
from docx import Document
from fastapi.testclient import TestClient
from lxml import html
from selenium.webdriver.remote.webdriver import WebDriver

from api.app import create_app
from archive.context import open_archive
from archive.settings import Settings
from cli.samples import write_samples
from ingest.pipeline import ingest_path
from ingest.result import IngestResult
from tests.conftest import add_user, bearer, deployment_settings, open_test_archive, postgres_database, truncate_all

# Upload order matters: the first document of a contract names it, so the
# purchase contract goes first and its amendment and acceptance report follow.
SAMPLE_ORDER = (
    "采购合同-HT-2024-001.docx",
    "补充协议-HT-2024-001.docx",
    "验收报告-HT-2024-001.docx",
    "services-agreement-sample.docx",
)


@dataclass(frozen=True)
class Loaded:
    """The sample archive's settings and the ingest result of each sample, keyed by short name."""

    settings: Settings
    results: dict[str, IngestResult]

    def version(self, name: str) -> int:
        """Return the document version id of sample `name`."""
        version_id = self.results[name].document_version_id
        assert version_id is not None, f"sample {name} was not ingested: {self.results[name]}"
        return version_id

    def contract(self, name: str) -> int:
        """Return the contract id that sample `name` was filed under."""
        contract_id = self.results[name].contract_id
        assert contract_id is not None, f"sample {name} has no contract: {self.results[name]}"
        return contract_id


SHORT_NAMES = dict(zip(SAMPLE_ORDER, ("contract", "amendment", "acceptance", "services")))


def ingest_samples(settings: Settings, folder: Path) -> Loaded:
    """Ingest the four sample DOCX files in a fixed order and return their ids."""
    archive = open_archive(settings)
    try:
        results = {SHORT_NAMES[name]: ingest_path(archive, folder / name) for name in SAMPLE_ORDER}
    finally:
        archive.close()
    failed = {name: result.error for name, result in results.items() if result.status != "ingested"}
    assert not failed, f"samples failed to ingest: {failed}"
    return Loaded(settings=settings, results=results)


def parse(page: str) -> html.HtmlElement:
    """Parse a page into an lxml tree for structural checks."""
    return html.fromstring(page)


def build_docx(paragraphs: list[str]) -> bytes:
    """Return the bytes of a DOCX file with one paragraph per string."""
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the four sample DOCX files."""
    return write_samples(tmp_path_factory.mktemp("samples"))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def loaded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, samples: Path) -> Iterator[Loaded]:
    """An archive holding the ingested samples, shared by the read-only tests of a module, on each database."""
    with _database(request.param) as database_url:
        data_dir = tmp_path_factory.mktemp("data")
        if database_url is None:
            settings = Settings(data_dir=data_dir, _env_file=None)
        else:
            settings = deployment_settings(request, data_dir, database_url)
        yield ingest_samples(settings, samples)


def _database(backend: str):  # type: ignore[no-untyped-def]
    return postgres_database("web") if backend == "postgresql" else nullcontext(None)


@pytest.fixture(scope="module")
def site_client(loaded: Loaded) -> Iterator[TestClient]:
    """A client over the samples, signed in as an administrator with an API token."""
    token = add_user(loaded.settings, "tester", "admin")
    with TestClient(create_app(loaded.settings), headers=bearer(token)) as test_client:
        yield test_client


@pytest.fixture
def site(site_client: TestClient) -> TestClient:
    """The shared client over the samples, with no language cookie left by an earlier test."""
    site_client.cookies.clear()
    return site_client


@pytest.fixture(params=["sqlite", "postgresql"])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    """A client over an empty archive, for tests that upload or change data, on each database."""
    database_url = None
    if request.param == "postgresql":
        database_url = request.getfixturevalue("postgres_url")
        emptied = open_test_archive(tmp_path / "setup", "postgresql", database_url)
        truncate_all(emptied)
        emptied.close()
    if database_url is None:
        settings = Settings(data_dir=tmp_path / "data", max_upload_mb=2, _env_file=None)
    else:
        settings = deployment_settings(request, tmp_path / "data", database_url, max_upload_mb=2)
    token = add_user(settings, "tester", "admin")
    with TestClient(create_app(settings), headers=bearer(token)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """One headless chromium for the whole session, shared by the browser tests."""
    from tests.web.browser_support import start_chromium

    browser = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield browser
    finally:
        browser.quit()
