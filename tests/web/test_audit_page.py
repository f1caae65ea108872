"""The administrators' audit log page: events shown and filtered, the chain check, the CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from archive.settings import Settings
from tests.conftest import add_user, bearer
from tests.web.conftest import build_docx

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str]]]:
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)
    admin = bearer(add_user(settings, "admin.user", "admin"))
    legal = bearer(add_user(settings, "legal.user", "legal"))
    with TestClient(create_app(settings)) as client:
        result = client.post(
            "/api/documents", files={"file": ("=HYPERLINK(1).docx", build_docx(["采购合同", "第一条 标的"]), DOCX_TYPE)},
            headers=legal,
        ).json()["results"][0]
        client.get(f"/versions/{result['document_version_id']}", headers=legal)
        client.get(f"/api/versions/{result['document_version_id']}/download", headers=legal)
        yield client, admin, legal


def test_page_lists_views_and_downloads(site):  # type: ignore[no-untyped-def]
    client, admin, _ = site

    page = client.get("/admin/audit", params={"actor": "legal.user"}, headers=admin).text

    assert "哈希链完整" in page
    for action in ("view", "download", "token_created"):
        assert f'title="{action}"' in page
    assert 'title="user_created"' not in page
    assert "查看文件" in page


def test_filter_by_action(site):  # type: ignore[no-untyped-def]
    client, admin, _ = site

    page = client.get("/admin/audit", params={"action": "download"}, headers=admin).text

    assert "共有 1 条事件符合条件" in page


def test_csv_export(site):  # type: ignore[no-untyped-def]
    client, admin, _ = site

    response = client.get("/admin/audit.csv", params={"actor": "legal.user"}, headers=admin)

    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {row["action"] for row in rows} >= {"view", "download"}
    assert all(len(row["event_hash"]) == 64 for row in rows)
    # The export is audited in turn.
    later = client.get("/admin/audit", params={"action": "audit_exported"}, headers=admin).text
    assert 'title="audit_exported"' in later


def test_page_reports_tampering(site):  # type: ignore[no-untyped-def]
    client, admin, _ = site
    archive = client.app.state.archive
    with archive.engine.begin() as connection:
        # Someone with the database file drops the append-only triggers and edits an event.
        for (name,) in connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")):
            connection.execute(text(f'DROP TRIGGER "{name}"'))
        connection.execute(text("UPDATE audit_event SET actor = 'someone.else' WHERE action = 'download'"))

    page = client.get("/admin/audit", headers=admin).text

    assert "哈希链已被破坏" in page
    assert "someone.else" in page
