"""Deleting a document is a request and a decision, both audited; nothing stored is removed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from archive.settings import Settings
from tests.conftest import add_user, bearer
from tests.web.conftest import build_docx

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PARAGRAPHS = ["采购合同", "合同编号：HT-2024-950", "第一条 违约责任 逾期付款按日支付违约金。"]


@dataclass
class Setup:
    client: TestClient
    legal: dict[str, str]
    admin: dict[str, str]
    document_id: int
    version_id: int
    contract_id: int


@pytest.fixture
def setup(settings: Settings) -> Iterator[Setup]:
    legal = bearer(add_user(settings, "legal.user", "legal"))
    admin = bearer(add_user(settings, "admin.user", "admin"))
    with TestClient(create_app(settings)) as client:
        result = client.post(
            "/api/documents", files={"file": ("合同.docx", build_docx(PARAGRAPHS), DOCX_TYPE)}, headers=legal
        ).json()["results"][0]
        yield Setup(client, legal, admin, result["document_id"], result["document_version_id"], result["contract_id"])


def hits(setup: Setup) -> int:
    return setup.client.get("/api/search", params={"q": "违约金"}, headers=setup.legal).json()["total"]


def ask(setup: Setup, reason: str = "重复上传"):  # type: ignore[no-untyped-def]
    return setup.client.post(
        f"/api/documents/{setup.document_id}/deletion-requests", json={"reason": reason}, headers=setup.legal
    )


def test_request_changes_nothing_yet(setup: Setup):
    response = ask(setup)

    assert response.status_code == 201
    assert response.json()["state"] == "requested"
    assert hits(setup) == 1
    listed = setup.client.get("/api/deletion-requests", headers=setup.admin).json()
    assert [item["document_id"] for item in listed] == [setup.document_id]


def test_approval_marks_deleted_and_keeps_file(setup: Setup):
    request_id = ask(setup).json()["id"]

    decided = setup.client.post(
        f"/api/deletion-requests/{request_id}/decision", json={"approve": True, "note": "确认重复"}, headers=setup.admin
    )

    assert decided.status_code == 200
    assert decided.json()["state"] == "approved"
    assert hits(setup) == 0
    version = setup.client.get(f"/api/versions/{setup.version_id}", headers=setup.admin).json()
    assert version["document"]["deleted_by"] == "admin.user"
    # The original stays stored and downloadable.
    head = setup.client.head(f"/api/versions/{setup.version_id}/download", headers=setup.admin)
    assert head.status_code == 200
    assert setup.client.app.state.archive.blobs.exists(head.headers["x-content-sha256"])
    page = setup.client.get(f"/contracts/{setup.contract_id}", headers=setup.admin).text
    assert "已删除" in page


def test_rejection_keeps_document(setup: Setup):
    request_id = ask(setup).json()["id"]

    decided = setup.client.post(
        f"/api/deletion-requests/{request_id}/decision", json={"approve": False}, headers=setup.admin
    )
    again = setup.client.post(
        f"/api/deletion-requests/{request_id}/decision", json={"approve": True}, headers=setup.admin
    )

    assert decided.json()["state"] == "rejected"
    assert again.status_code == 409
    assert hits(setup) == 1


def test_legal_role_cannot_decide(setup: Setup):
    request_id = ask(setup).json()["id"]

    response = setup.client.post(
        f"/api/deletion-requests/{request_id}/decision", json={"approve": True}, headers=setup.legal
    )

    assert response.status_code == 403
    assert hits(setup) == 1


def test_held_document_cannot_be_deleted(setup: Setup):
    hold = setup.client.post(
        f"/api/contracts/{setup.contract_id}/legal-holds", json={"reason": "仲裁案"}, headers=setup.admin
    )
    request_id = ask(setup).json()["id"]

    response = setup.client.post(
        f"/api/deletion-requests/{request_id}/decision", json={"approve": True}, headers=setup.admin
    )

    assert hold.status_code == 201
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "deletion_on_hold"
    assert hits(setup) == 1


def test_request_needs_reason(setup: Setup):
    assert ask(setup, reason="   ").status_code == 422


def test_steps_audited(setup: Setup):
    request_id = ask(setup).json()["id"]
    setup.client.post(f"/api/deletion-requests/{request_id}/decision", json={"approve": True}, headers=setup.admin)

    log = setup.client.get("/admin/audit.csv", headers=setup.admin).text

    assert "deletion_requested" in log
    assert "deletion_approved" in log
    assert "重复上传" in log
