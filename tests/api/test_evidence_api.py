"""Evidence drafts, pack builds, downloads and verification through the JSON API.

The contract is the CUAD services agreement with Federated and its first amendment, read by the
real pipeline. Each test runs on SQLite with local blobs and on PostgreSQL with S3 blobs.
"""

from __future__ import annotations

import hashlib
import io
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from archive.context import open_archive
from archive.models import Clause, EvidenceBuild
from archive.services.audit import list_events
from archive.settings import Settings
from ingest.pipeline import ingest_path
from tests.archive.test_evidence_verify import flip_stored_byte
from tests.conftest import add_user, bearer, corpus_file

BASE = "en_cuad_services-agreement_federated_base.pdf"
AMENDMENT = "en_cuad_services-agreement_federated_amendment1.pdf"
OTHER_CONTRACT = "zh_student_software-dev-contract_diyitiao.docx"
BUILD_DEADLINE_SECONDS = 180
ENGLISH = {"lang": "en"}


@dataclass
class World:
    client: TestClient
    tokens: dict[str, str]
    contract_id: int
    base_version: int
    amendment_version: int
    clause_id: int
    # A second contract, restricted to the clerk.
    secret_contract_id: int
    secret_version: int

    def as_user(self, name: str) -> dict[str, str]:
        return bearer(self.tokens[name])


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    roles = {"clerk": "legal", "reader": "viewer", "outsider": "legal"}
    tokens = {name: add_user(settings, name, role) for name, role in roles.items()}
    archive = open_archive(settings)
    try:
        base = ingest_path(archive, corpus_file(BASE), kind="contract", index=False)
        amendment = ingest_path(archive, corpus_file(AMENDMENT), contract_id=base.contract_id, kind="amendment",
                                index=False)
        secret = ingest_path(archive, corpus_file(OTHER_CONTRACT), kind="contract", index=False)
        assert base.contract_id is not None and secret.contract_id not in (None, base.contract_id), (base, secret)
        with archive.session() as session:
            clause_id = session.scalar(
                select(Clause.id).where(Clause.document_version_id == base.document_version_id,
                                        Clause.page_start.is_not(None)).order_by(Clause.ordinal).offset(3).limit(1))
        assert clause_id is not None
    finally:
        archive.close()
    with TestClient(create_app(settings)) as client:
        restricted = client.put(f"/api/contracts/{secret.contract_id}/access", json={"restricted": True},
                                headers=bearer(tokens["clerk"]))
        assert restricted.status_code == 200, restricted.text
        yield World(client, tokens, base.contract_id, base.document_version_id, amendment.document_version_id,
                    clause_id, secret.contract_id, secret.document_version_id)


def create_draft(world: World, user: str = "clerk", **body: Any) -> dict[str, Any]:
    payload = {"case_name": "与 Federated 服务协议付款纠纷", "contract_ids": [world.contract_id],
               "dispute": "unpaid_price", "claimant": "Federated Services Company",
               "respondent": "Federated Securities", **body}
    response = world.client.post("/api/evidence-drafts", json=payload, headers=world.as_user(user))
    assert response.status_code == 201, response.text
    return response.json()


def add_item(world: World, draft_id: int, **body: Any) -> dict[str, Any]:
    response = world.client.post(f"/api/evidence-drafts/{draft_id}/items", json=body, headers=world.as_user("clerk"))
    assert response.status_code == 201, response.text
    return response.json()


def filled_draft(world: World) -> dict[str, Any]:
    """Return a draft with the agreement and its amendment in group 1 and the payment clause in group 2."""
    draft = create_draft(world)
    add_item(world, draft["id"], source="version", document_version_id=world.base_version, name="服务协议",
             issuer="双方", purpose="证明双方存在服务合同关系")
    add_item(world, draft["id"], source="version", document_version_id=world.amendment_version, name="第1号修订协议",
             issuer="双方", purpose="证明费用条款的变更")
    add_item(world, draft["id"], source="clause", clause_id=world.clause_id, name="付款条款", group_number=2,
             purpose="证明付款期限")
    return draft


def get_draft(world: World, draft_id: int, user: str = "clerk") -> dict[str, Any]:
    response = world.client.get(f"/api/evidence-drafts/{draft_id}", headers=world.as_user(user))
    assert response.status_code == 200, response.text
    return response.json()


def error_of(response) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert response.headers["content-type"].startswith("application/json"), response.text
    return response.json()["error"]


def wait_for_build(world: World, build_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + BUILD_DEADLINE_SECONDS
    while True:
        response = world.client.get(f"/api/evidence-builds/{build_id}", headers=world.as_user("reader"))
        assert response.status_code == 200, response.text
        status = response.json()
        if status["state"] in ("done", "failed"):
            return status
        assert time.monotonic() < deadline, f"build {build_id} still {status['state']} after {BUILD_DEADLINE_SECONDS} s"
        time.sleep(0.2)


def verify(world: World, name: str, data: bytes, **params: str) -> Any:
    return world.client.post("/api/evidence-packs/verify", files={"file": (name, data, "application/zip")},
                             params=params, headers=world.as_user("reader"))


def test_empty_draft_items_numbered(world: World) -> None:
    draft = filled_draft(world)

    detail = get_draft(world, draft["id"])

    assert detail["case_name"] == "与 Federated 服务协议付款纠纷"
    assert detail["dispute"] == "unpaid_price"
    assert detail["contract_ids"] == [world.contract_id]
    assert [contract["id"] for contract in detail["contracts"]] == [world.contract_id]
    assert (detail["revision"], detail["saved_at"], detail["dirty"]) == (0, None, True)
    assert detail["item_count"] == 3
    assert [(item["label"], item["name"]) for item in detail["items"]] == [
        ("1-1", "服务协议"), ("1-2", "第1号修订协议"), ("2-1", "付款条款")]
    clause_item = detail["items"][2]
    assert (clause_item["source"], clause_item["clause_id"]) == ("clause", world.clause_id)
    assert clause_item["document_version_id"] == world.base_version
    assert (clause_item["origin"], clause_item["issuer"], clause_item["pages"]) == ("copy", "", None)
    assert (detail["packs"], detail["builds"]) == ([], [])


def test_item_edit_move_remove(world: World) -> None:
    draft = filled_draft(world)
    first, second, clause = get_draft(world, draft["id"])["items"]

    edited = world.client.patch(f"/api/evidence-items/{second['id']}",
                                json={"name": "修订协议", "origin": "original", "pages": "1", "group_number": 2},
                                headers=world.as_user("clerk"))
    assert edited.status_code == 200, edited.text
    assert (edited.json()["label"], edited.json()["origin"], edited.json()["pages"]) == ("2-2", "original", "1")

    order = [{"item_id": clause["id"], "group_number": 1}, {"item_id": first["id"], "group_number": 1},
             {"item_id": second["id"], "group_number": 3}]
    arranged = world.client.put(f"/api/evidence-drafts/{draft['id']}/order", json=order,
                                headers=world.as_user("clerk"))
    assert arranged.status_code == 200, arranged.text
    assert [(item["label"], item["id"]) for item in arranged.json()["items"]] == [
        ("1-1", clause["id"]), ("1-2", first["id"]), ("3-1", second["id"])]

    removed = world.client.delete(f"/api/evidence-items/{first['id']}", headers=world.as_user("clerk"))
    assert removed.status_code == 200, removed.text
    assert [item["id"] for item in get_draft(world, draft["id"])["items"]] == [clause["id"], second["id"]]
    assert world.client.delete(f"/api/evidence-items/{first['id']}", headers=world.as_user("clerk")).status_code == 404


def test_header_patch_and_list(world: World) -> None:
    draft = create_draft(world)

    patched = world.client.patch(f"/api/evidence-drafts/{draft['id']}",
                                 json={"case_name": "服务费纠纷", "group_titles": {"1": "合同", "2": "付款"}},
                                 headers=world.as_user("clerk"))

    assert patched.status_code == 200, patched.text
    assert (patched.json()["case_name"], patched.json()["group_titles"]) == ("服务费纠纷", {"1": "合同", "2": "付款"})
    listed = world.client.get("/api/evidence-drafts", params={"contract_id": world.contract_id},
                              headers=world.as_user("reader")).json()["drafts"]
    assert [(entry["id"], entry["case_name"], entry["item_count"]) for entry in listed] == [(draft["id"], "服务费纠纷", 0)]
    other = world.client.get("/api/evidence-drafts", params={"contract_id": world.secret_contract_id},
                             headers=world.as_user("clerk")).json()["drafts"]
    assert other == []


def test_proposed_draft_in_request_language(world: World) -> None:
    chinese = world.client.post("/api/evidence-drafts", json={"contract_ids": [world.contract_id],
                                                              "dispute": "unpaid_price", "propose": True},
                                headers=world.as_user("clerk"))
    english = world.client.post("/api/evidence-drafts", json={"contract_ids": [world.contract_id],
                                                              "dispute": "unpaid_price", "propose": True},
                                params=ENGLISH, headers=world.as_user("clerk"))

    assert chinese.status_code == 201, chinese.text
    assert english.status_code == 201, english.text
    assert chinese.json()["group_titles"]["1"] == "合同及补充协议"
    assert english.json()["group_titles"]["1"] == "Contract and amendments"
    items = chinese.json()["items"]
    assert items, chinese.text
    assert items[0]["label"] == "1-1"
    assert items[0]["document_version_id"] == world.base_version
    assert all(item["name"] and item["purpose"] for item in items)
    assert chinese.json()["case_name"]
    assert chinese.json()["revision"] == 0


def test_proposal_rejects_header_fields(world: World) -> None:
    response = world.client.post("/api/evidence-drafts", json={"contract_ids": [world.contract_id],
                                                               "propose": True, "case_name": "案件"},
                                 headers=world.as_user("clerk"))

    assert response.status_code == 422
    assert "with propose, the proposal writes case_name and respondent" in error_of(response)["message"]


@pytest.mark.parametrize(("method", "path", "body", "expected"), [
    ("POST", "/api/evidence-drafts", {"case_name": "", "contract_ids": ["contract"]}, "a case name is required"),
    ("POST", "/api/evidence-drafts", {"case_name": "案件", "contract_ids": []}, "choose at least one contract"),
    ("POST", "/api/evidence-drafts", {"case_name": "案件", "contract_ids": ["contract"], "dispute": "theft"},
     "the dispute must be one of: unpaid_price"),
    ("POST", "/api/evidence-drafts", {"contract_ids": ["contract"], "dispute": "theft", "propose": True},
     "the dispute must be one of: unpaid_price"),
    ("POST", "/api/evidence-drafts/{draft}/items", {"source": "email", "name": "邮件"},
     "an item's source must be one of: version, clause, record"),
    ("POST", "/api/evidence-drafts/{draft}/items",
     {"source": "version", "document_version_id": "secret", "name": "保密合同"},
     "version {secret} does not belong to the draft's contracts"),
    ("POST", "/api/evidence-drafts/{draft}/items", {"source": "version", "document_version_id": "base", "name": " "},
     "every item needs a name"),
    ("POST", "/api/evidence-drafts/{draft}/items",
     {"source": "version", "document_version_id": "base", "name": "协议", "origin": "scan"},
     "the evidence's form must be one of: original, copy, electronic"),
    ("POST", "/api/evidence-drafts/{draft}/items",
     {"source": "version", "document_version_id": "base", "name": "协议", "group_number": 100},
     "group 100 must be a whole number from 1 to 99"),
    ("POST", "/api/evidence-drafts/{draft}/items",
     {"source": "version", "document_version_id": "base", "name": "协议", "group_number": "first"},
     "group_number"),
    ("POST", "/api/evidence-drafts/{draft}/items",
     {"source": "version", "document_version_id": "base", "name": "协议", "purpose": "证" * 20_001},
     "the text is longer than 20,000 characters"),
    ("PATCH", "/api/evidence-drafts/{draft}", {"dispute": "theft"}, "the dispute must be one of"),
    ("PATCH", "/api/evidence-drafts/{draft}", {"case_name": "  "}, "a case name is required"),
    ("PATCH", "/api/evidence-drafts/{draft}", {"revision": 7}, "revision: Extra inputs are not permitted"),
    ("PATCH", "/api/evidence-drafts/{draft}", {"group_titles": {"0": "无"}}, "group 0 must be a whole number"),
    ("PATCH", "/api/evidence-items/{item}", {"source": "record"}, "source: Extra inputs are not permitted"),
    ("PATCH", "/api/evidence-items/{item}", {"name": None}, "every item needs a name"),
    ("PUT", "/api/evidence-drafts/{draft}/order", [], "the new order must list each item of the draft exactly once"),
    ("POST", "/api/evidence-drafts/{draft}/save", None, None),
])
def test_invalid_values_give_422(world: World, method: str, path: str, body: Any, expected: str | None) -> None:
    draft = create_draft(world)
    item = add_item(world, draft["id"], source="version", document_version_id=world.base_version, name="服务协议")
    if expected is None:
        # Saving needs items: remove the only one, then save.
        world.client.delete(f"/api/evidence-items/{item['id']}", headers=world.as_user("clerk"))
        expected = "the draft has no items"
    ids = {"contract": world.contract_id, "base": world.base_version, "secret": world.secret_version}
    if isinstance(body, dict):
        body = {key: ids.get(value, value) if isinstance(value, str) else value for key, value in body.items()}
        body = {key: [ids.get(v, v) for v in value] if isinstance(value, list) else value
                for key, value in body.items()}
    expected = expected.replace("{secret}", str(world.secret_version))

    response = world.client.request(method, path.format(draft=draft["id"], item=item["id"]), json=body,
                                    headers=world.as_user("clerk"))

    assert response.status_code == 422, response.text
    assert expected in error_of(response)["message"]


def test_viewer_reads_but_cannot_change(world: World) -> None:
    draft = filled_draft(world)
    item_id = get_draft(world, draft["id"])["items"][0]["id"]
    reader = world.as_user("reader")

    assert get_draft(world, draft["id"], user="reader")["item_count"] == 3
    assert [entry["id"] for entry in world.client.get("/api/evidence-drafts", headers=reader).json()["drafts"]] == [
        draft["id"]]
    changes = [
        ("POST", "/api/evidence-drafts", {"case_name": "案件", "contract_ids": [world.contract_id]}),
        ("PATCH", f"/api/evidence-drafts/{draft['id']}", {"case_name": "改名"}),
        ("POST", f"/api/evidence-drafts/{draft['id']}/items",
         {"source": "version", "document_version_id": world.base_version, "name": "协议"}),
        ("PATCH", f"/api/evidence-items/{item_id}", {"name": "改名"}),
        ("DELETE", f"/api/evidence-items/{item_id}", None),
        ("PUT", f"/api/evidence-drafts/{draft['id']}/order", []),
        ("POST", f"/api/evidence-drafts/{draft['id']}/save", None),
        ("POST", f"/api/evidence-drafts/{draft['id']}/builds", None),
    ]
    for method, path, body in changes:
        response = world.client.request(method, path, json=body, headers=reader)
        assert response.status_code == 403, (method, path, response.text)
        assert error_of(response)["code"] == "role_required"
    unchanged = get_draft(world, draft["id"])
    assert (unchanged["case_name"], unchanged["item_count"], unchanged["revision"]) == (draft["case_name"], 3, 0)


def test_restricted_contract_draft_not_found(world: World) -> None:
    secret = create_draft(world, contract_ids=[world.contract_id, world.secret_contract_id])
    item = add_item(world, secret["id"], source="version", document_version_id=world.secret_version, name="保密合同")
    saved = world.client.post(f"/api/evidence-drafts/{secret['id']}/save", headers=world.as_user("clerk"))
    assert saved.status_code == 200, saved.text
    with world.client.app.state.archive.session() as session:
        build = EvidenceBuild(draft_id=secret["id"], draft_revision=1, state="failed", requested_by="clerk",
                              requested_role="legal", error_code="internal_error", error_params={})
        session.add(build)
        session.flush()
        build_id = build.id
    outsider = world.as_user("outsider")

    hidden = [
        ("GET", f"/api/evidence-drafts/{secret['id']}", None),
        ("PATCH", f"/api/evidence-drafts/{secret['id']}", {"case_name": "改名"}),
        ("POST", f"/api/evidence-drafts/{secret['id']}/items",
         {"source": "version", "document_version_id": world.base_version, "name": "协议"}),
        ("PATCH", f"/api/evidence-items/{item['id']}", {"name": "改名"}),
        ("DELETE", f"/api/evidence-items/{item['id']}", None),
        ("POST", f"/api/evidence-drafts/{secret['id']}/save", None),
        ("POST", f"/api/evidence-drafts/{secret['id']}/builds", None),
        ("GET", f"/api/evidence-builds/{build_id}", None),
    ]
    for method, path, body in hidden:
        response = world.client.request(method, path, json=body, headers=outsider)
        assert response.status_code == 404, (method, path, response.text)
        assert error_of(response)["code"] == "not_found"
    assert world.client.get("/api/evidence-drafts", headers=outsider).json()["drafts"] == []
    assert get_draft(world, secret["id"])["item_count"] == 1
    hidden_contract = world.client.post("/api/evidence-drafts", headers=outsider,
                                        json={"case_name": "案件", "contract_ids": [world.secret_contract_id]})
    assert hidden_contract.status_code == 404, hidden_contract.text


def test_build_of_unsaved_draft_conflicts(world: World) -> None:
    draft = filled_draft(world)

    response = world.client.post(f"/api/evidence-drafts/{draft['id']}/builds", headers=world.as_user("clerk"))

    assert response.status_code == 409, response.text
    error = error_of(response)
    assert error["code"] == "evidence_draft_not_saved"
    assert f"Evidence draft {draft['id']} has not been saved yet" in error["message"]


def test_failed_build_error_in_request_language(world: World) -> None:
    draft = filled_draft(world)
    with world.client.app.state.archive.session() as session:
        failed = EvidenceBuild(draft_id=draft["id"], draft_revision=1, state="failed", requested_by="clerk",
                               requested_role="legal", error_code="evidence_source_missing",
                               error_params={"label": "1-2", "name": "第1号修订协议", "sha256": "ab" * 32})
        crashed = EvidenceBuild(draft_id=draft["id"], draft_revision=1, state="failed", requested_by="clerk",
                                requested_role="legal", error_code="internal_error", error_params={})
        session.add_all([failed, crashed])
        session.flush()
        failed_id, crashed_id = failed.id, crashed.id

    chinese = world.client.get(f"/api/evidence-builds/{failed_id}", headers=world.as_user("reader")).json()
    english = world.client.get(f"/api/evidence-builds/{failed_id}", params=ENGLISH,
                               headers=world.as_user("reader")).json()
    internal = world.client.get(f"/api/evidence-builds/{crashed_id}", params=ENGLISH,
                                headers=world.as_user("reader")).json()

    assert (chinese["state"], chinese["error_code"], chinese["percent"]) == ("failed", "evidence_source_missing", 0)
    assert english["error"].startswith("Evidence 1-2 (第1号修订协议) cannot be packed")
    assert "1-2" in chinese["error"]
    assert "第1号修订协议" in chinese["error"]
    assert chinese["error"] != english["error"]
    assert internal["error"] == "An internal error occurred; it has been logged. Nothing you stored was lost."


def test_build_download_and_verify(world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from api import evidence_routes

    draft = filled_draft(world)
    clerk = world.as_user("clerk")
    saved = world.client.post(f"/api/evidence-drafts/{draft['id']}/save", headers=clerk)
    assert saved.status_code == 200, saved.text
    assert (saved.json()["revision"], saved.json()["dirty"], saved.json()["saved_item_count"]) == (1, False, 3)
    assert saved.json()["saved_by"] == "clerk"

    # Hold the build back, so the second request surely finds it still queued.
    submitted: list[int] = []
    monkeypatch.setattr(evidence_routes, "submit_pack_build", lambda archive, build_id: submitted.append(build_id))
    started = world.client.post(f"/api/evidence-drafts/{draft['id']}/builds", headers=clerk)
    again = world.client.post(f"/api/evidence-drafts/{draft['id']}/builds", headers=clerk)
    assert started.status_code == 202, started.text
    assert again.status_code == 202, again.text
    build_id = started.json()["id"]
    assert (started.json()["state"], started.json()["draft_revision"]) == ("queued", 1)
    assert again.json()["id"] == build_id
    assert submitted == [build_id, build_id]  # submitting again is safe: the build is claimed once
    assert [build["id"] for build in get_draft(world, draft["id"])["builds"]] == [build_id]
    monkeypatch.undo()
    evidence_routes.submit_pack_build(world.client.app.state.archive, build_id)

    status = wait_for_build(world, build_id)
    assert (status["state"], status["error"], status["percent"]) == ("done", None, 100), status
    pack_id = status["pack_id"]
    pack = world.client.get(f"/api/evidence-packs/{pack_id}", headers=world.as_user("reader")).json()
    assert (pack["draft_id"], pack["revision"], pack["built_by"]) == (draft["id"], 1, "clerk")
    assert pack["file_name"] == f"证据包-与 Federated 服务协议付款纠纷-{draft['id']}-1.zip"
    detail = get_draft(world, draft["id"])
    assert ([entry["id"] for entry in detail["packs"]], detail["builds"]) == ([pack_id], [])

    download = world.client.get(f"/api/evidence-packs/{pack_id}/download", headers=world.as_user("reader"))
    assert download.status_code == 200, download.text
    data = download.content
    archive = world.client.app.state.archive
    assert data == archive.blobs.read_bytes(pack["zip_sha256"])
    assert hashlib.sha256(data).hexdigest() == pack["zip_sha256"] == download.headers["x-content-sha256"]
    assert len(data) == pack["size"]
    assert download.headers["content-type"] == "application/zip"
    assert "filename*=UTF-8''%E8%AF%81%E6%8D%AE%E5%8C%85-" in download.headers["content-disposition"]
    head = world.client.head(f"/api/evidence-packs/{pack_id}/download", headers=world.as_user("reader"))
    assert head.status_code == 200
    assert (head.headers["content-length"], head.content) == (str(len(data)), b"")
    with archive.session() as session:
        downloads = [event for event in list_events(session, action="download")[1]
                     if event.object_type == "evidence_pack"]
    assert [(event.actor, event.object_id) for event in downloads] == [("reader", str(pack_id))]

    intact = verify(world, "pack.zip", data, **ENGLISH)
    assert intact.status_code == 200, intact.text
    report = intact.json()
    assert (report["intact"], report["ok"], report["problems"]) == (True, True, [])
    assert (report["archive"]["confirmed"], report["archive"]["problems"]) == (True, [])
    assert report["zip_sha256"] == pack["zip_sha256"]
    assert report["manifest_sha256"] == pack["manifest_sha256"]
    assert (report["pack"]["draft_id"], report["pack"]["draft_revision"]) == (draft["id"], 1)
    assert report["summary"].startswith("The pack is intact")

    damaged_path = tmp_path / "damaged.zip"
    damaged_path.write_bytes(data)
    member = "证据/1-2 第1号修订协议.pdf"
    assert member in zipfile.ZipFile(io.BytesIO(data)).namelist()
    flip_stored_byte(damaged_path, member)
    damaged = verify(world, "damaged.zip", damaged_path.read_bytes(), **ENGLISH).json()
    assert (damaged["intact"], damaged["ok"]) == (False, False)
    assert member in [problem["name"] for problem in damaged["problems"]], damaged["problems"]
    named = next(problem for problem in damaged["problems"] if problem["name"] == member)
    assert named["message"].startswith(member)


def test_verify_non_zip_says_so(world: World) -> None:
    response = verify(world, "notes.zip", b"These are meeting notes, not a ZIP file.\n", **ENGLISH)

    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["intact"], report["ok"], report["file"]) == (False, False, "notes.zip")
    assert [(problem["kind"], problem["name"]) for problem in report["problems"]] == [("unreadable", "notes.zip")]
    assert "notes.zip is not a ZIP file at all" in report["problems"][0]["message"]
    assert report["archive"]["confirmed"] is False
    chinese = verify(world, "notes.zip", b"not a zip").json()
    assert chinese["problems"][0]["message"].startswith("notes.zip")
    assert chinese["problems"][0]["message"] != report["problems"][0]["message"]


def test_verify_needs_one_file_within_limit(world: World) -> None:
    reader = world.as_user("reader")

    none = world.client.post("/api/evidence-packs/verify", files={"other": ("a.zip", b"x")}, headers=reader)
    two = world.client.post("/api/evidence-packs/verify", files=[("file", ("a.zip", b"x")), ("file", ("b.zip", b"y"))],
                            headers=reader)
    json_body = world.client.post("/api/evidence-packs/verify", json={}, headers=reader)
    limit = world.client.app.state.archive.settings.max_upload_bytes
    too_large = verify(world, "big.zip", b"\0" * (limit + 1))

    assert (none.status_code, error_of(none)["code"]) == (422, "one_pack_required")
    assert "(the request had 0)" in error_of(none)["message"]
    assert (two.status_code, error_of(two)["code"]) == (422, "one_pack_required")
    assert (json_body.status_code, error_of(json_body)["code"]) == (422, "not_multipart")
    assert (too_large.status_code, error_of(too_large)["code"]) == (413, "pack_too_large")
    assert "big.zip" in error_of(too_large)["message"]
    assert "'contract-archive pack verify', which has no size limit" in error_of(too_large)["message"]


def test_unknown_ids_not_found(world: World) -> None:
    clerk = world.as_user("clerk")

    for method, path in (("GET", "/api/evidence-drafts/999999"), ("GET", "/api/evidence-builds/999999"),
                         ("GET", "/api/evidence-packs/999999"), ("GET", "/api/evidence-packs/999999/download"),
                         ("PATCH", "/api/evidence-items/999999")):
        response = world.client.request(method, path, json={} if method == "PATCH" else None, headers=clerk)
        assert response.status_code == 404, (path, response.text)
        assert error_of(response)["code"] == "not_found"
