"""A restricted contract does not exist for users it is not opened to: lists, search, pages and downloads."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from archive.context import open_archive
from archive.services.restrictions import add_group_member
from archive.settings import Settings
from tests.conftest import add_user, bearer
from tests.web.conftest import build_docx

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SECRET_CONTRACT = ["采购合同", "合同编号：HT-2024-901", "第一条 违约责任 买方逾期付款的，按日万分之五支付违约金。"]
OPEN_CONTRACT = ["服务合同", "合同编号：HT-2024-902", "第一条 违约责任 服务方逾期交付的，按日支付违约金。"]


@dataclass
class World:
    client: TestClient
    tokens: dict[str, str]
    secret_contract: int
    secret_version: int
    secret_document: int
    open_contract: int
    secret_bytes: bytes

    def as_user(self, name: str) -> dict[str, str]:
        return bearer(self.tokens[name])


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    names = {"admin": "admin", "owner": "legal", "member": "viewer", "outsider": "legal", "reader": "viewer"}
    tokens = {name: add_user(settings, name, role) for name, role in names.items()}
    archive = open_archive(settings)
    try:
        with archive.session() as session:
            add_group_member(session, "dispute-team", "member", actor="test")
    finally:
        archive.close()
    with TestClient(create_app(settings)) as client:
        ids = []
        secret_bytes = build_docx(SECRET_CONTRACT)
        for name, body in (("保密合同.docx", secret_bytes), ("公开合同.docx", build_docx(OPEN_CONTRACT))):
            response = client.post(
                "/api/documents", files={"file": (name, body, DOCX_TYPE)}, headers=bearer(tokens["owner"])
            )
            assert response.status_code == 201, response.text
            ids.append(response.json()["results"][0])
        secret, public = ids
        restricted = client.put(
            f"/api/contracts/{secret['contract_id']}/access", json={"restricted": True, "groups": ["dispute-team"]},
            headers=bearer(tokens["owner"]),
        )
        assert restricted.status_code == 200, restricted.text
        assert restricted.json()["users"] == ["owner"]
        yield World(client, tokens, secret["contract_id"], secret["document_version_id"], secret["document_id"],
                    public["contract_id"], secret_bytes)


def contract_ids(world: World, user: str) -> list[int]:
    listing = world.client.get("/api/contracts", headers=world.as_user(user)).json()
    ids = [contract["id"] for contract in listing["contracts"]]
    assert listing["total"] == len(ids)
    return ids


@pytest.mark.parametrize("user", ["outsider", "reader"])
def test_hidden_from_lists(world: World, user: str):
    assert contract_ids(world, user) == [world.open_contract]


@pytest.mark.parametrize("user", ["admin", "owner", "member"])
def test_shown_to_granted(world: World, user: str):
    assert sorted(contract_ids(world, user)) == sorted([world.secret_contract, world.open_contract])


def test_hidden_from_search_and_totals(world: World):
    everyone = world.client.get("/api/search", params={"q": "违约金"}, headers=world.as_user("owner")).json()
    outsider = world.client.get("/api/search", params={"q": "违约金"}, headers=world.as_user("outsider")).json()
    filtered = world.client.get(
        "/api/search", params={"q": "违约金", "contract_id": world.secret_contract}, headers=world.as_user("outsider")
    ).json()

    assert {hit["contract_id"] for hit in everyone["hits"]} == {world.secret_contract, world.open_contract}
    assert {hit["contract_id"] for hit in outsider["hits"]} == {world.open_contract}
    assert outsider["total"] == len(outsider["hits"]) == everyone["total"] - 1
    assert filtered["total"] == 0
    assert filtered["hits"] == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/contracts/{contract}"),
        ("GET", "/api/contracts/{contract}/legal-holds"),
        ("GET", "/api/contracts/{contract}/access"),
        ("GET", "/api/versions/{version}"),
        ("GET", "/api/versions/{version}/download"),
        ("HEAD", "/api/versions/{version}/download"),
        ("GET", "/contracts/{contract}"),
        ("GET", "/versions/{version}"),
    ],
)
def test_hidden_objects_not_found(world: World, method: str, path: str):
    url = path.format(contract=world.secret_contract, version=world.secret_version)

    outsider = world.client.request(method, url, headers=world.as_user("outsider"), follow_redirects=False)
    member = world.client.request(method, url, headers=world.as_user("member"), follow_redirects=False)

    assert outsider.status_code == 404
    # 307: the S3 store responds to a download with a signed link.
    assert member.status_code in (200, 307)
    if method == "GET" and url.startswith("/api") and not url.endswith("download"):
        # The error names the object asked for, and nothing of the contract behind it.
        assert "HT-2024-901" not in outsider.text


def test_no_upload_into_hidden_contract(world: World):
    before = contract_ids(world, "admin")

    response = world.client.post(
        "/api/documents", data={"contract_id": str(world.secret_contract)},
        files={"file": ("补充协议.docx", build_docx(["补充协议", "第一条 付款期限顺延"]), DOCX_TYPE)},
        headers=world.as_user("outsider"),
    )

    assert response.status_code == 404
    assert contract_ids(world, "admin") == before
    detail = world.client.get(f"/api/contracts/{world.secret_contract}", headers=world.as_user("admin")).json()
    assert len(detail["documents"]) == 1


def test_no_changes_to_hidden_document(world: World):
    response = world.client.patch(
        f"/api/documents/{world.secret_document}", json={"kind": "invoice"}, headers=world.as_user("outsider")
    )

    assert response.status_code == 404


def test_no_moving_into_hidden_contract(world: World):
    public = world.client.get(f"/api/contracts/{world.open_contract}", headers=world.as_user("outsider")).json()
    document_id = public["documents"][0]["document"]["id"] if "document" in public["documents"][0] else public["documents"][0]["id"]

    response = world.client.patch(
        f"/api/documents/{document_id}", json={"contract_id": world.secret_contract}, headers=world.as_user("outsider")
    )

    assert response.status_code == 404


def test_hidden_from_pages(world: World):
    home = world.client.get("/", headers=world.as_user("outsider")).text
    search = world.client.get("/search", params={"q": "违约金"}, headers=world.as_user("outsider")).text

    assert f'href="/contracts/{world.secret_contract}"' not in home
    assert "HT-2024-901" not in home
    assert "HT-2024-901" not in search
    assert f'/versions/{world.secret_version}' not in search


def test_opening_again_shows_contract(world: World):
    opened = world.client.put(
        f"/api/contracts/{world.secret_contract}/access", json={"restricted": False}, headers=world.as_user("member")
    )
    as_owner = world.client.put(
        f"/api/contracts/{world.secret_contract}/access", json={"restricted": False}, headers=world.as_user("owner")
    )

    # A viewer in the group may see the contract but not change who else may.
    assert opened.status_code == 403
    assert as_owner.status_code == 200
    assert sorted(contract_ids(world, "outsider")) == sorted([world.secret_contract, world.open_contract])


def test_restriction_audited(world: World):
    events = world.client.get("/admin/audit.csv", headers=world.as_user("admin")).text

    assert "contract_restricted" in events
    assert "dispute-team" in events


def test_new_file_not_filed_into_hidden_contract(world: World):
    amendment = build_docx(["补充协议", "原合同编号：HT-2024-901", "第一条 付款期限顺延三十日。"])

    response = world.client.post(
        "/api/documents", files={"file": ("补充协议.docx", amendment, DOCX_TYPE)}, headers=world.as_user("outsider")
    )

    result = response.json()["results"][0]
    assert response.status_code == 201, response.text
    assert result["contract_id"] != world.secret_contract
    assert world.secret_contract not in [candidate["contract_id"] for candidate in result["candidates"]]
    assert "HT-2024-901" not in str(result["candidates"])
    # The uploader can open what they uploaded.
    own = world.client.get(f"/api/versions/{result['document_version_id']}", headers=world.as_user("outsider"))
    assert own.status_code == 200


def test_duplicate_of_hidden_file_says_nothing_more(world: World):
    response = world.client.post(
        "/api/documents", files={"file": ("再次上传.docx", world.secret_bytes, DOCX_TYPE)}, headers=world.as_user("outsider")
    )

    result = response.json()["results"][0]
    assert result["status"] == "duplicate"
    assert result["contract_id"] is None
    assert result["document_version_id"] is None
    assert result["fields"] == {}
    assert "HT-2024-901" not in response.text
    log = world.client.get("/admin/audit.csv", params={"action": "upload_duplicate"}, headers=world.as_user("admin"))
    assert "outsider" in log.text


def test_viewer_sees_no_change_forms(world: World):
    as_viewer = world.client.get(f"/contracts/{world.open_contract}", headers=world.as_user("reader")).text
    as_legal = world.client.get(f"/contracts/{world.open_contract}", headers=world.as_user("owner")).text

    assert "/upload?contract_id=" not in as_viewer
    assert 'href="/upload"' not in as_viewer
    assert "/upload?contract_id=" in as_legal
