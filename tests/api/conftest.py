from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from archive.settings import Settings
from cli.samples import write_samples
from tests.conftest import add_user, bearer, deployment_settings, open_test_archive, truncate_all


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    postgres = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    if postgres:
        archive = open_test_archive(tmp_path / "setup", "postgresql", postgres)
        truncate_all(archive)
        archive.close()
        return deployment_settings(request, tmp_path / "data", postgres, max_upload_mb=2)
    return Settings(data_dir=tmp_path / "data", max_upload_mb=2, _env_file=None)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A client signed in as an administrator with an API token."""
    token = add_user(settings, "tester", "admin")
    with TestClient(create_app(settings), headers=bearer(token)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_samples(tmp_path_factory.mktemp("samples"))


def upload(client: TestClient, path: Path, **fields: str):  # type: ignore[no-untyped-def]
    with path.open("rb") as stream:
        return client.post("/api/documents", files={"file": (path.name, stream)}, data=fields)
