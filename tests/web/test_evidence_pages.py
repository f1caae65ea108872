"""The evidence pages over a real archive: propose a draft, edit and arrange it, save, build, download, verify.

The contract is the CUAD services agreement of the corpus with its two amendments. Most tests
call as an administrator with an API token (no CSRF token needed); the CSRF tests sign in
through the form. Each change is checked on the page and in the database.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from archive.access import SYSTEM
from archive.context import Archive
from archive.models import Clause, Contract, EvidenceDraft, EvidenceDraftItem, EvidencePack
from archive.services import records as record_service
from archive.services.contracts import create_contract
from archive.services.evidence_drafts import draft_items, numbered
from archive.settings import Settings
from ingest.pipeline import ingest_path
from tests.archive.test_evidence_verify import flip_byte, flip_stored_byte, replace_member
from tests.conftest import TEST_PASSWORD, add_user, bearer, corpus_file
from web import evidence_pages
from tests.web.conftest import build_docx, parse
from tests.web.test_page_markup import unlabelled_controls

CORPUS = ("en_cuad_services-agreement_federated_base.pdf", "en_cuad_services-agreement_federated_amendment1.pdf",
          "en_cuad_services-agreement_federated_amendment2.pdf")
BUILD_DEADLINE_SECONDS = 60
GROUP_MESSAGE = "组号 {value} 必须是 1 到 99 的整数"


def archive_of(client: TestClient) -> Archive:
    return client.app.state.archive


@pytest.fixture
def contract_id(client: TestClient) -> int:
    """Ingest the services agreement and its two amendments, and return the contract they were filed under."""
    results = [ingest_path(archive_of(client), corpus_file(name), index=False) for name in CORPUS]
    assert [r.status for r in results] == ["ingested"] * 3, results
    assert len({r.contract_id for r in results}) == 1, results
    return results[0].contract_id


def propose(client: TestClient, contract_id: int, dispute: str = "unpaid_price", lang: str = "zh_CN",
            pack_lang: str | None = None) -> int:
    """Propose a draft from the page in `lang`; without `pack_lang` the form's default pack language applies."""
    data = {"start": "proposal", "dispute": dispute}
    if pack_lang is not None:
        data["lang"] = pack_lang
    response = client.post(f"/contracts/{contract_id}/evidence?lang={lang}", follow_redirects=False, data=data)
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/evidence-drafts/(\d+)", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


@pytest.fixture
def draft_id(client: TestClient, contract_id: int) -> int:
    return propose(client, contract_id)


def items_of(client: TestClient, draft_id: int) -> list[tuple[str, str, int]]:
    """Return (label 1-2, name, item id) of each item in the draft's order."""
    with archive_of(client).session() as session:
        return [(f"{item.group_number}-{number}", item.name, item.id)
                for item, number in numbered(draft_items(session, draft_id))]


def item_row(client: TestClient, draft_id: int, item_id: int) -> EvidenceDraftItem:
    with archive_of(client).session() as session:
        item = session.get(EvidenceDraftItem, item_id)
        session.expunge(item)
        return item


def draft_of(client: TestClient, draft_id: int) -> EvidenceDraft:
    with archive_of(client).session() as session:
        draft = session.get(EvidenceDraft, draft_id)
        session.expunge(draft)
        return draft


def error_text(page: str) -> str:
    found = parse(page).xpath("//*[@id='evidence-error']")
    assert found, "the page shows no error message"
    return found[0].text_content()


def build_and_wait(client: TestClient, draft_id: int) -> tuple[int, dict]:
    """Start a build from the editor's button and poll its status until it ends. Returns the build id and status."""
    response = client.post(f"/evidence-drafts/{draft_id}/builds", follow_redirects=False)
    assert response.status_code == 303, response.text
    build_id = int(response.headers["location"].rsplit("/", 1)[1])
    deadline = time.monotonic() + BUILD_DEADLINE_SECONDS
    while True:
        status = client.get(f"/evidence-builds/{build_id}/status").json()
        if status["state"] in ("done", "failed"):
            return build_id, status
        assert time.monotonic() < deadline, f"build {build_id} still {status} after {BUILD_DEADLINE_SECONDS} s"
        time.sleep(0.2)


# Starting a draft


def test_contract_page_links_to_drafts(client: TestClient, contract_id: int) -> None:
    page = parse(client.get(f"/contracts/{contract_id}").text)

    links = page.xpath(f"//main//a[@href='/contracts/{contract_id}/evidence']")
    assert [link.text_content() for link in links] == ["证据包"]


def test_proposal_groups_and_numbers(client: TestClient, contract_id: int) -> None:
    drafts_page = client.get(f"/contracts/{contract_id}/evidence")
    assert drafts_page.status_code == 200
    assert parse(drafts_page.text).xpath("//select[@id='new-dispute']/option/text()") == [
        "拖欠货款", "逾期交货", "质量瑕疵", "违法解除", "其他纠纷"]

    draft_id = propose(client, contract_id)
    page = client.get(f"/evidence-drafts/{draft_id}")

    tree = parse(page.text)
    assert page.status_code == 200
    assert tree.xpath("//h1")[0].text_content().startswith("关于《SERVICES AGREEMENT》的拖欠服务费纠纷")
    assert tree.xpath("//section//h3/text()") == ["证据一：合同及补充协议"]
    labels = tree.xpath("//td[@class='number']/text()")
    assert len(labels) >= 4  # the contract, its payment clauses and the two amendments
    assert labels == [f"1-{number}" for number in range(1, len(labels) + 1)]
    names = tree.xpath("//td[@class='name']/text()")
    assert names[0] == "《SERVICES AGREEMENT》"
    assert "《AMENDMENT TO SERVICES AGREEMENT》" in names
    assert "《SECOND AMENDMENT TO SERVICES AGREEMENT》" in names
    assert tree.xpath("//input[@id='case-respondent']/@value") == ["FEDERATED INVESTMENT MANAGEMENT COMPANY"]
    assert "此后草稿又有修改" not in page.text
    assert "该草稿尚未保存。" in page.text
    listed = parse(client.get(f"/contracts/{contract_id}/evidence").text)
    assert listed.xpath(f"//table[@class='evidence-drafts']//a[@href='/evidence-drafts/{draft_id}']")


def test_empty_draft_needs_case_name(client: TestClient, contract_id: int) -> None:
    response = client.post(f"/contracts/{contract_id}/evidence", data={"start": "empty", "dispute": "late_delivery",
                                                                       "case_name": "  "})

    assert response.status_code == 422
    assert error_text(response.text) == "证据草稿  无效：案件名称必填"
    tree = parse(response.text)
    assert tree.xpath("//input[@id='start-empty']/@checked")
    assert tree.xpath("//select[@id='new-dispute']/option[@selected]/@value") == ["late_delivery"]
    with archive_of(client).session() as session:
        assert session.scalars(select(EvidenceDraft)).all() == []

    created = client.post(f"/contracts/{contract_id}/evidence", follow_redirects=False,
                          data={"start": "empty", "dispute": "late_delivery", "case_name": "交货纠纷"})
    assert created.status_code == 303
    new_id = int(created.headers["location"].rsplit("/", 1)[1])
    assert draft_of(client, new_id).case_name == "交货纠纷"
    assert items_of(client, new_id) == []


# Editing


def test_edit_form_for_one_item(client: TestClient, draft_id: int) -> None:
    [_, (_, _, second), *_] = items_of(client, draft_id)

    page = parse(client.get(f"/evidence-drafts/{draft_id}", params={"edit": second}).text)

    assert page.xpath("//tr[@class='item-form']/@id") == [f"item-{second}-form"]
    assert page.xpath(f"//form[@action='/evidence-drafts/{draft_id}/items/{second}']")
    assert not parse(client.get(f"/evidence-drafts/{draft_id}").text).xpath("//tr[@class='item-form']")


def test_edit_item_saves_fields(client: TestClient, draft_id: int) -> None:
    [(_, _, first), *_] = items_of(client, draft_id)

    response = client.post(f"/evidence-drafts/{draft_id}/items/{first}", follow_redirects=False, data={
        "name": "服务协议（原件）", "origin": "original", "issuer": "双方签署", "purpose": "证明双方存在服务合同关系。",
        "pages": "1-3", "group_number": "1"})

    assert response.status_code == 303
    assert response.headers["location"] == f"/evidence-drafts/{draft_id}#item-{first}"
    item = item_row(client, draft_id, first)
    assert (item.name, item.origin, item.issuer, item.purpose, item.pages) == (
        "服务协议（原件）", "original", "双方签署", "证明双方存在服务合同关系。", "1-3")
    row = parse(client.get(f"/evidence-drafts/{draft_id}").text).xpath(f"//tr[@id='item-{first}']")[0]
    assert "原件" in row.text_content()
    assert "双方签署" in row.text_content()


def test_edit_rejected_keeps_typed_values(client: TestClient, draft_id: int) -> None:
    [(_, name, first), *_] = items_of(client, draft_id)

    response = client.post(f"/evidence-drafts/{draft_id}/items/{first}", data={
        "name": "新名称", "origin": "copy", "purpose": "新的证明目的", "group_number": "abc"})

    assert response.status_code == 422
    assert error_text(response.text) == f"证据草稿 {draft_id} 无效：" + GROUP_MESSAGE.format(value="abc")
    tree = parse(response.text)
    assert tree.xpath(f"//input[@id='edit-{first}-name']/@value") == ["新名称"]
    assert tree.xpath(f"//textarea[@id='edit-{first}-purpose']/text()") == ["新的证明目的"]
    assert item_row(client, draft_id, first).name == name


def test_move_up_down_and_between_groups(client: TestClient, draft_id: int) -> None:
    before = items_of(client, draft_id)
    third = before[2][2]

    up = client.post(f"/evidence-drafts/{draft_id}/items/{third}/move", data={"direction": "up"},
                     follow_redirects=False)
    assert up.status_code == 303
    ids = [item_id for _, _, item_id in before]
    assert [item_id for _, _, item_id in items_of(client, draft_id)] == [ids[0], third, ids[1], *ids[3:]]

    client.post(f"/evidence-drafts/{draft_id}/items/{third}/move", data={"direction": "down"})
    assert items_of(client, draft_id) == before

    moved = client.post(f"/evidence-drafts/{draft_id}/items/{third}/move", data={"group": "2"},
                        follow_redirects=False)
    assert moved.status_code == 303
    after = items_of(client, draft_id)
    assert after[-1] == ("2-1", before[2][1], third)
    assert [label for label, _, _ in after] == [f"1-{number}" for number in range(1, len(before))] + ["2-1"]
    tree = parse(client.get(f"/evidence-drafts/{draft_id}").text)
    assert tree.xpath("//section//h3/text()") == ["证据一：合同及补充协议", "证据二：履行情况（未找到交付或验收记录，请补充）"]


@pytest.mark.parametrize("group", ["0", "100", "-1", "二"])
def test_wrong_group_shows_message(client: TestClient, draft_id: int, group: str) -> None:
    before = items_of(client, draft_id)
    item_id = before[1][2]

    response = client.post(f"/evidence-drafts/{draft_id}/items/{item_id}/move", data={"group": group})

    assert response.status_code == 422
    assert GROUP_MESSAGE.format(value=group) in error_text(response.text)
    assert parse(response.text).xpath(f"//input[@id='move-group-{item_id}']/@value") == [group]
    assert items_of(client, draft_id) == before


def test_remove_and_unknown_item(client: TestClient, draft_id: int) -> None:
    before = items_of(client, draft_id)

    removed = client.post(f"/evidence-drafts/{draft_id}/items/{before[1][2]}/remove", follow_redirects=False)
    assert removed.status_code == 303
    assert [item_id for _, _, item_id in items_of(client, draft_id)] == [before[0][2], *[i for _, _, i in before[2:]]]

    again = client.post(f"/evidence-drafts/{draft_id}/items/{before[1][2]}/remove")
    assert again.status_code == 404
    assert error_text(again.text) == f"未找到证据项 {before[1][2]}。"
    assert parse(again.text).xpath("//td[@class='number']/text()") == [
        f"1-{number}" for number in range(1, len(before))]


def test_unknown_draft_not_found(client: TestClient, contract_id: int) -> None:
    assert client.get("/evidence-drafts/987654").status_code == 404
    assert client.post("/evidence-drafts/987654/save").status_code == 404
    assert client.get("/evidence-builds/987654").status_code == 404
    assert client.get("/evidence-packs/987654/download").status_code == 404


def test_add_version_clause_and_record(client: TestClient, contract_id: int, draft_id: int) -> None:
    import datetime as dt

    with archive_of(client).session() as session:
        record = record_service.create_record(session, contract_id, record_service.RecordInput(
            kind="communication", occurred_on=dt.date(2025, 6, 3), summary="催收服务费", demand=True,
            detail={"channel": "letter"}), actor=SYSTEM)
        record_id = record.id
    page = parse(client.get(f"/evidence-drafts/{draft_id}").text)
    version_id = page.xpath("//select[@id='add-version-id']/option/@value")[0]
    clause_value, clause_label = [(o.get("value"), o.text_content())
                                  for o in page.xpath("//select[@id='add-clause-id']/option")][1]
    assert page.xpath("//select[@id='add-record-id']/option/@value") == [str(record_id)]

    added = client.post(f"/evidence-drafts/{draft_id}/items", follow_redirects=False, data={
        "source": "version", "document_version_id": version_id, "name": "", "origin": "electronic",
        "group_number": "3"})
    assert added.status_code == 303, added.text
    client.post(f"/evidence-drafts/{draft_id}/items", data={
        "source": "clause", "clause_id": clause_value, "name": "", "group_number": "1", "purpose": "约定条款"})
    client.post(f"/evidence-drafts/{draft_id}/items", data={
        "source": "record", "record_id": str(record_id), "name": "催款记录", "group_number": "3"})

    items = items_of(client, draft_id)
    group_one = [item for item in items if item[0].startswith("1-")]
    assert [label for label, _, _ in items][-2:] == ["3-1", "3-2"]
    assert group_one[-1][1].startswith("《SERVICES AGREEMENT》")
    assert clause_label.split(" ", 1)[-1][:10] in group_one[-1][1]
    assert items[-2][1] == "《SERVICES AGREEMENT》"
    assert items[-1][1] == "催款记录"
    assert item_row(client, draft_id, items[-2][2]).origin == "electronic"


def test_add_item_of_other_contract_rejected(client: TestClient, draft_id: int) -> None:
    before = items_of(client, draft_id)

    response = client.post(f"/evidence-drafts/{draft_id}/items", data={
        "source": "version", "document_version_id": "987654", "name": "别的合同", "group_number": "1"})

    assert response.status_code == 422
    assert "不属于该草稿所涉合同" in error_text(response.text)
    assert parse(response.text).xpath("//input[@id='add-version-name']/@value") == ["别的合同"]
    assert items_of(client, draft_id) == before


def test_header_and_group_titles(client: TestClient, draft_id: int) -> None:
    saved = client.post(f"/evidence-drafts/{draft_id}/header", follow_redirects=False, data={
        "case_name": "服务费纠纷案", "dispute": "unpaid_price", "claimant": "某某资产管理公司",
        "respondent": "FEDERATED INVESTMENT MANAGEMENT COMPANY"})
    assert saved.status_code == 303
    titles = client.post(f"/evidence-drafts/{draft_id}/group-titles", follow_redirects=False,
                         data={"group": ["1", "2"], "title": ["合同文本", "履约情况"]})
    assert titles.status_code == 303

    draft = draft_of(client, draft_id)
    assert (draft.case_name, draft.claimant) == ("服务费纠纷案", "某某资产管理公司")
    assert draft.group_titles == {"1": "合同文本", "2": "履约情况"}

    rejected = client.post(f"/evidence-drafts/{draft_id}/header", data={
        "case_name": "", "dispute": "unpaid_price", "claimant": "新的申请人", "respondent": ""})
    assert rejected.status_code == 422
    assert error_text(rejected.text) == f"证据草稿 {draft_id} 无效：案件名称必填"
    assert parse(rejected.text).xpath("//input[@id='case-claimant']/@value") == ["新的申请人"]
    assert draft_of(client, draft_id).case_name == "服务费纠纷案"


# Saving, building, downloading and verifying


def test_unsaved_draft_cannot_build(client: TestClient, draft_id: int) -> None:
    response = client.post(f"/evidence-drafts/{draft_id}/builds")

    assert response.status_code == 409
    assert error_text(response.text) == f"证据草稿 {draft_id} 尚未保存。请先保存，再用保存的草稿生成证据包。"
    with archive_of(client).session() as session:
        assert session.scalars(select(EvidencePack)).all() == []


def test_empty_draft_cannot_save(client: TestClient, contract_id: int) -> None:
    created = client.post(f"/contracts/{contract_id}/evidence", follow_redirects=False,
                          data={"start": "empty", "dispute": "other", "case_name": "空草稿"})
    new_id = int(created.headers["location"].rsplit("/", 1)[1])

    response = client.post(f"/evidence-drafts/{new_id}/save")

    assert response.status_code == 422
    assert error_text(response.text) == f"证据草稿 {new_id} 无效：草稿中没有证据项"
    assert draft_of(client, new_id).revision == 0


def test_save_build_download_verify(client: TestClient, draft_id: int, tmp_path: Path) -> None:
    _, third_name, third = items_of(client, draft_id)[2]
    client.post(f"/evidence-drafts/{draft_id}/items/{third}/move", data={"direction": "up"})
    saved = client.post(f"/evidence-drafts/{draft_id}/save", follow_redirects=False)
    assert saved.status_code == 303
    draft = draft_of(client, draft_id)
    assert (draft.revision, draft.dirty) == (1, False)
    assert [entry["name"] for entry in draft.saved_snapshot["items"]][1] == third_name

    build_id, status = build_and_wait(client, draft_id)

    assert status["state"] == "done", status
    assert status["percent"] == 100
    page = client.get(f"/evidence-builds/{build_id}")
    tree = parse(page.text)
    assert not tree.xpath("//meta[@http-equiv='refresh']")
    link = tree.xpath("//a[@id='download-pack']/@href")
    assert link == [f"/evidence-packs/{status['pack_id']}/download"]
    shown_sha = tree.xpath("//code[@id='pack-sha256']/text()")[0]

    download = client.get(link[0])
    assert download.status_code == 200
    with archive_of(client).session() as session:
        pack = session.get(EvidencePack, status["pack_id"])
        stored = archive_of(client).blobs.read_bytes(pack.blob_sha256)
        blob_sha, pack_name = pack.blob_sha256, pack.file_name
    assert download.content == stored
    assert hashlib.sha256(download.content).hexdigest() == shown_sha == blob_sha
    assert download.headers["x-content-sha256"] == blob_sha
    assert "filename*=UTF-8''" in download.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(download.content)) as packed:
        names = packed.namelist()
        index = openpyxl.load_workbook(io.BytesIO(packed.read("证据目录.xlsx"))).active
    # The moved item is 1-2 in the pack's index, whether it has a file of its own or shows a clause.
    rows = {row[0]: row[1] for row in index.iter_rows(values_only=True) if row and row[0]}
    assert rows["1-2"] == third_name
    [first_member] = [name for name in names if name.startswith("证据/1-1 ")]
    editor = parse(client.get(f"/evidence-drafts/{draft_id}").text)
    assert editor.xpath(f"//tr[@id='pack-{status['pack_id']}']//code/text()") == [blob_sha]

    good = client.post("/evidence-packs/verify", files={"file": (pack_name, download.content, "application/zip")})
    assert good.status_code == 200
    result = parse(good.text)
    assert result.xpath("//*[@id='verify-verdict']")[0].text_content() == "核验通过"
    assert result.xpath("//*[@id='verify-summary']/text()")[0].startswith("证据包完整")
    assert result.xpath("//*[@id='archive-summary']/text()")[0].startswith("档案库确认该证据包")

    changed_path = tmp_path / "changed.zip"
    changed_path.write_bytes(download.content)
    member = first_member
    replace_member(changed_path, member, lambda data: flip_byte(data, 500))
    changed = client.post("/evidence-packs/verify",
                          files={"file": ("changed.zip", changed_path.read_bytes(), "application/zip")})
    result = parse(changed.text)
    assert result.xpath("//*[@id='verify-verdict']")[0].text_content() == "核验未通过"
    problems = result.xpath("//ul[@id='verify-problems']/li/text()")
    assert len(problems) == 1
    assert problems[0].startswith(f"{member} 已被改动")

    damaged_path = tmp_path / "damaged.zip"
    damaged_path.write_bytes(download.content)
    flip_stored_byte(damaged_path, member)
    damaged = parse(client.post("/evidence-packs/verify", files={
        "file": ("damaged.zip", damaged_path.read_bytes(), "application/zip")}).text)
    assert member in " ".join(damaged.xpath("//ul[@id='verify-problems']/li/text()"))


def test_build_page_in_english(client: TestClient, contract_id: int) -> None:
    draft_id = propose(client, contract_id, lang="en", pack_lang="en")
    client.post(f"/evidence-drafts/{draft_id}/save")

    build_id, status = build_and_wait(client, draft_id)

    assert status["state"] == "done"
    page = parse(client.get(f"/evidence-builds/{build_id}?lang=en").text)
    assert page.xpath("//h1/text()")[0].strip() == "The pack is ready"
    assert page.xpath("//h2[@id='pack-ready']/text()") == ["Download and SHA-256"]
    editor = parse(client.get(f"/evidence-drafts/{draft_id}?lang=en").text)
    assert editor.xpath("//section//h3/text()") == ["Evidence group 1: Contract and amendments"]
    assert editor.xpath("//h2[@id='items']/text()") == ["Evidence index"]
    assert "concerning “SERVICES AGREEMENT”" in editor.xpath("//h1/text()")[0]
    assert "The pack's files are in English, the pack language saved with revision 1." in page.xpath(
        "//p[@id='build-case']")[0].text_content()


def test_running_build_page_refreshes(client: TestClient, draft_id: int) -> None:
    client.post(f"/evidence-drafts/{draft_id}/save")
    with archive_of(client).session() as session:
        from archive.services.evidence_builds import request_build

        build_id = request_build(session, draft_id, actor=SYSTEM, lang="zh_CN").id

    page = parse(client.get(f"/evidence-builds/{build_id}").text)

    assert page.xpath("//noscript/meta[@http-equiv='refresh']/@content") == ["2"]
    assert page.xpath("//progress[@id='build-bar']/@value") == ["0"]
    assert page.xpath("//script[@src='/static/evidence.js']")
    assert client.get(f"/evidence-builds/{build_id}/status").json()["state"] == "queued"


@pytest.mark.parametrize(("name", "data", "message"), [
    ("not-a-pack.zip", b"%PDF-1.4 not a zip", "not-a-pack.zip 根本不是 ZIP 文件"),
    ("empty.zip", b"", "empty.zip 根本不是 ZIP 文件"),
])
def test_verify_non_zip(client: TestClient, name: str, data: bytes, message: str) -> None:
    response = client.post("/evidence-packs/verify", files={"file": (name, data, "application/zip")})

    assert response.status_code == 200
    result = parse(response.text)
    assert result.xpath("//*[@id='verify-verdict']")[0].text_content() == "核验未通过"
    assert result.xpath("//ul[@id='verify-problems']/li/text()")[0].startswith(message)


def test_verify_without_file_and_too_large(client: TestClient) -> None:
    missing = client.post("/evidence-packs/verify", data={"note": "x"}, files={"other": ("a.txt", b"x")})
    assert missing.status_code == 422
    assert parse(missing.text).xpath("//*[@id='verify-error']")

    too_large = client.post("/evidence-packs/verify", files={"file": ("big.zip", b"0" * (3 * 1024 * 1024))})
    assert too_large.status_code == 413
    message = parse(too_large.text).xpath("//*[@id='verify-error']")[0].text_content()
    assert "big.zip" in message
    assert "请在服务器上用 'contract-archive pack verify' 核验" in message


# Access, CSRF, language and markup


@pytest.fixture
def session_client(tmp_path: Path) -> Iterator[tuple[TestClient, int]]:
    """A client signed in through the form as a legal user, over the corpus contract; yields it and the contract id."""
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)
    add_user(settings, "wang.wu", "legal")
    with TestClient(create_app(settings)) as browser:
        results = [ingest_path(archive_of(browser), corpus_file(name), index=False) for name in CORPUS]
        page = browser.get("/login")
        token = re.search(r'name="login_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        signed_in = browser.post("/login", data={"username": "wang.wu", "password": TEST_PASSWORD,
                                                 "login_token": token, "next": "/"}, follow_redirects=False)
        assert signed_in.status_code == 303
        yield browser, results[0].contract_id


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_session_forms_need_csrf(session_client: tuple[TestClient, int]) -> None:
    browser, contract_id = session_client
    token = csrf_of(browser.get(f"/contracts/{contract_id}/evidence").text)

    refused = browser.post(f"/contracts/{contract_id}/evidence", data={"start": "proposal", "dispute": "other"})
    assert refused.status_code == 403
    created = browser.post(f"/contracts/{contract_id}/evidence", follow_redirects=False,
                           data={"start": "proposal", "dispute": "other", "csrf_token": token})
    assert created.status_code == 303

    no_token = browser.post("/evidence-packs/verify", files={"file": ("a.zip", b"PK")})
    assert no_token.status_code == 403
    with_token = browser.post("/evidence-packs/verify", data={"csrf_token": token},
                              files={"file": ("a.zip", b"PK")})
    assert with_token.status_code == 200
    assert "a.zip 根本不是 ZIP 文件" in with_token.text


def test_viewer_reads_but_cannot_change(client: TestClient, draft_id: int) -> None:
    token = add_user(archive_of(client).settings, "viewer-evidence", "viewer")
    headers = bearer(token)

    page = client.get(f"/evidence-drafts/{draft_id}", headers=headers)
    assert page.status_code == 200
    assert parse(page.text).xpath("//main//form[@method='post']") == []
    assert client.post(f"/evidence-drafts/{draft_id}/save", headers=headers).status_code == 403
    assert client.get("/evidence-packs/verify", headers=headers).status_code == 200


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_editor_markup(client: TestClient, draft_id: int, lang: str) -> None:
    [(_, _, first), *_] = items_of(client, draft_id)
    for url in (f"/evidence-drafts/{draft_id}?edit={first}&lang={lang}", f"/evidence-drafts?lang={lang}"):
        tree = parse(client.get(url).text)

        assert len(tree.xpath("//h1")) == 1, url
        assert unlabelled_controls(tree) == [], url
        duplicates = [name for name, count in Counter(tree.xpath("//@id")).items() if count > 1]
        assert duplicates == [], url
        for label in tree.xpath("//label[@for]"):
            assert tree.xpath(f"//*[@id='{label.get('for')}']"), f"{url}: label for a missing id {label.get('for')}"


# Hand-added items, several contracts and the language link after a rejected change


def language_link(page: str) -> str:
    [link] = parse(page).xpath("//div[@class='lang']/a/@href")
    return link


@pytest.mark.parametrize(("path", "data", "expected"), [
    ("header", {"case_name": "", "dispute": "unpaid_price"}, "/evidence-drafts/{id}?lang=en#case"),
    ("header", {"case_name": "案件", "dispute": "unpaid_price", "lang": "fr"}, "/evidence-drafts/{id}?lang=en#case"),
    ("group-titles", {"group": ["0"], "title": ["零"]}, "/evidence-drafts/{id}?lang=en#groups"),
    ("items", {"source": "version", "document_version_id": "987654", "name": "x"},
     "/evidence-drafts/{id}?lang=en#add-items"),
])
def test_language_link_after_rejected_change(client: TestClient, draft_id: int, path: str, data: dict,
                                             expected: str) -> None:
    response = client.post(f"/evidence-drafts/{draft_id}/{path}", data=data)

    assert response.status_code == 422
    link = language_link(response.text)
    assert link == expected.format(id=draft_id)
    switched = client.get(link)
    assert switched.status_code == 200
    assert parse(switched.text).xpath("//h2[@id='items']/text()") == ["Evidence index"]


def test_language_link_keeps_item_form(client: TestClient, draft_id: int) -> None:
    [(_, _, first), *_] = items_of(client, draft_id)

    response = client.post(f"/evidence-drafts/{draft_id}/items/{first}", data={"name": "x", "group_number": "abc"})

    assert response.status_code == 422
    link = language_link(response.text)
    assert link == f"/evidence-drafts/{draft_id}?edit={first}&lang=en#item-{first}"
    switched = client.get(link)
    assert switched.status_code == 200
    assert parse(switched.text).xpath("//tr[@class='item-form']/@id") == [f"item-{first}-form"]


def test_language_link_after_rejected_start(client: TestClient, contract_id: int) -> None:
    response = client.post(f"/contracts/{contract_id}/evidence", data={"start": "empty", "case_name": ""})

    assert response.status_code == 422
    assert language_link(response.text) == f"/contracts/{contract_id}/evidence?lang=en"
    assert client.get(language_link(response.text)).status_code == 200


def test_language_link_after_wrong_pack_language(client: TestClient, contract_id: int) -> None:
    response = client.post(f"/contracts/{contract_id}/evidence", data={"start": "proposal", "lang": "fr"})

    assert response.status_code == 422
    assert "证据包的语言必须是以下之一：zh_CN, en" in error_text(response.text)
    assert parse(response.text).xpath("//select[@id='new-lang']/option[@selected]/@value") == []
    assert language_link(response.text) == f"/contracts/{contract_id}/evidence?lang=en"
    assert client.get(language_link(response.text)).status_code == 200
    with archive_of(client).session() as session:
        assert session.scalars(select(EvidenceDraft)).all() == []


def test_language_link_after_verify(client: TestClient) -> None:
    response = client.post("/evidence-packs/verify?lang=en", files={"file": ("a.zip", b"PK")})

    assert response.status_code == 200
    assert language_link(response.text) == "/evidence-packs/verify?lang=zh_CN"


def second_contract(client: TestClient, tmp_path: Path) -> tuple[int, int, int]:
    """File a second contract with a DOCX document and a record; return its id, version id and record id."""
    import datetime as dt

    with archive_of(client).session() as session:
        other_id = create_contract(session, number="HT-2025-009", title="第二份服务合同").id
    path = tmp_path / "补充服务合同-HT-2025-009.docx"
    path.write_bytes(build_docx(["补充服务合同", "合同编号：HT-2025-009", "一、服务内容", "乙方提供运维服务。"]))
    result = ingest_path(archive_of(client), path, contract_id=other_id, kind="contract", index=False)
    assert result.document_version_id is not None, result
    with archive_of(client).session() as session:
        record = record_service.create_record(session, other_id, record_service.RecordInput(
            kind="delivery", occurred_on=dt.date(2025, 4, 1), summary="第二份合同交付"), actor=SYSTEM)
        record_id = record.id
    return other_id, result.document_version_id, record_id


def test_add_contract_from_list(client: TestClient, draft_id: int, tmp_path: Path) -> None:
    other_id, version_id, record_id = second_contract(client, tmp_path)
    page = parse(client.get(f"/evidence-drafts/{draft_id}").text)
    choices = {o.get("value"): o.text_content() for o in page.xpath("//select[@id='add-contract-id']/option")}
    assert choices[str(other_id)] == "HT-2025-009 · 第二份服务合同"
    assert str(version_id) not in page.xpath("//select[@id='add-version-id']/option/@value")

    added = client.post(f"/evidence-drafts/{draft_id}/contracts", data={"contract_id": str(other_id)},
                        follow_redirects=False)

    assert added.status_code == 303
    assert added.headers["location"] == f"/evidence-drafts/{draft_id}#contracts"
    page = parse(client.get(f"/evidence-drafts/{draft_id}").text)
    assert f"/contracts/{other_id}" in page.xpath("//ul[@class='draft-contracts']/li/a/@href")
    assert len(page.xpath("//ul[@class='draft-contracts']/li")) == 2
    assert str(other_id) not in page.xpath("//select[@id='add-contract-id']/option/@value")
    versions = {o.get("value"): o.text_content() for o in page.xpath("//select[@id='add-version-id']/option")}
    assert versions[str(version_id)].startswith("HT-2025-009 · ")
    records = {o.get("value"): o.text_content() for o in page.xpath("//select[@id='add-record-id']/option")}
    assert records[str(record_id)].startswith("HT-2025-009 · 2025-04-01")


def test_add_contract_by_number(client: TestClient, draft_id: int, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    other_id, _, _ = second_contract(client, tmp_path)
    monkeypatch.setattr(evidence_pages, "CONTRACT_CHOICES", 0)
    page = parse(client.get(f"/evidence-drafts/{draft_id}").text)
    assert page.xpath("//input[@id='add-contract-number']")
    assert not page.xpath("//select[@id='add-contract-id']")

    unknown = client.post(f"/evidence-drafts/{draft_id}/contracts", data={"contract_number": "HT-0000"})
    assert unknown.status_code == 404
    assert error_text(unknown.text) == "未找到合同 HT-0000。"
    assert parse(unknown.text).xpath("//input[@id='add-contract-number']/@value") == ["HT-0000"]

    added = client.post(f"/evidence-drafts/{draft_id}/contracts", data={"contract_number": " HT-2025-009 "},
                        follow_redirects=False)
    assert added.status_code == 303
    with archive_of(client).session() as session:
        from archive.services.evidence_drafts import draft_contract_ids

        assert draft_contract_ids(session, draft_id)[-1] == other_id


def test_add_contract_hidden_from_user(client: TestClient, draft_id: int, tmp_path: Path) -> None:
    from archive.services.restrictions import restrict_contract

    other_id, _, _ = second_contract(client, tmp_path)
    with archive_of(client).session() as session:
        restrict_contract(session, SYSTEM, other_id, usernames=[], group_names=[])
    token = add_user(archive_of(client).settings, "legal-evidence", "legal")

    page = parse(client.get(f"/evidence-drafts/{draft_id}", headers=bearer(token)).text)
    assert str(other_id) not in page.xpath("//select[@id='add-contract-id']/option/@value")
    response = client.post(f"/evidence-drafts/{draft_id}/contracts", data={"contract_id": str(other_id)},
                           headers=bearer(token))
    assert response.status_code == 404
    with archive_of(client).session() as session:
        assert session.get(Contract, other_id) is not None
        from archive.services.evidence_drafts import draft_contract_ids

        assert other_id not in draft_contract_ids(session, draft_id)


def test_clause_item_defaults(client: TestClient, draft_id: int) -> None:
    page = parse(client.get(f"/evidence-drafts/{draft_id}").text)
    options = [(o.get("value"), o.text_content()) for o in page.xpath("//select[@id='add-clause-id']/option")]
    with archive_of(client).session() as session:
        clauses = {str(c.id): c for c in session.scalars(select(Clause).where(
            Clause.id.in_([int(value) for value, _ in options])))}
        session.expunge_all()
    for value, label in options:
        number = (clauses[value].number or "").strip()
        if number:
            assert not label.startswith(f"{number} {number}"), label
    value = next(value for value, _ in options if clauses[value].page_start and clauses[value].number)
    clause = clauses[value]

    added = client.post(f"/evidence-drafts/{draft_id}/items", follow_redirects=False, data={
        "source": "clause", "clause_id": value, "name": "", "group_number": "5"})

    assert added.status_code == 303
    item_id = int(added.headers["location"].rsplit("#item-", 1)[1])
    item = item_row(client, draft_id, item_id)
    assert item.name.startswith("《SERVICES AGREEMENT》"), item.name
    assert len(item.name) > len("《SERVICES AGREEMENT》") + 1
    assert item.pages is None
    end = clause.page_end or clause.page_start
    expected = str(clause.page_start) if end == clause.page_start else f"{clause.page_start}-{end}"
    row = parse(client.get(f"/evidence-drafts/{draft_id}").text).xpath(f"//tr[@id='item-{item_id}']")[0]
    assert row.xpath("./td[@class='pages']/text()") == [expected]


def test_record_item_defaults(client: TestClient, contract_id: int, draft_id: int) -> None:
    import datetime as dt

    with archive_of(client).session() as session:
        record_id = record_service.create_record(session, contract_id, record_service.RecordInput(
            kind="delivery", occurred_on=dt.date(2025, 5, 6), summary="交付第一期成果"), actor=SYSTEM).id
    page = parse(client.get(f"/evidence-drafts/{draft_id}").text)
    assert page.xpath("//select[@id='add-record-origin']/option[@selected]/@value") == ["electronic"]
    assert page.xpath("//input[@id='add-record-issuer']/@value") == ["我方"]

    # A form without origin and issuer (a script, say) gets the same defaults.
    added = client.post(f"/evidence-drafts/{draft_id}/items", follow_redirects=False, data={
        "source": "record", "record_id": str(record_id), "group_number": "2"})

    assert added.status_code == 303
    item = item_row(client, draft_id, int(added.headers["location"].rsplit("#item-", 1)[1]))
    assert (item.origin, item.issuer) == ("electronic", "我方")
    assert "2025-05-06" in item.purpose
    assert "交付第一期成果" in item.purpose

    typed = client.post(f"/evidence-drafts/{draft_id}/items", follow_redirects=False, data={
        "source": "record", "record_id": str(record_id), "group_number": "2", "origin": "copy",
        "issuer": "某某物流公司", "purpose": "证明交付"})
    item = item_row(client, draft_id, int(typed.headers["location"].rsplit("#item-", 1)[1]))
    assert (item.origin, item.issuer, item.purpose) == ("copy", "某某物流公司", "证明交付")


def test_non_pdf_item_marked(client: TestClient, contract_id: int, draft_id: int, tmp_path: Path) -> None:
    path = tmp_path / "往来函件.docx"
    path.write_bytes(build_docx(["关于服务费的函", "请于十日内支付服务费。"]))
    result = ingest_path(archive_of(client), path, contract_id=contract_id, kind="correspondence", index=False)
    assert result.document_version_id is not None, result

    added = client.post(f"/evidence-drafts/{draft_id}/items", follow_redirects=False, data={
        "source": "version", "document_version_id": str(result.document_version_id), "group_number": "3"})

    assert added.status_code == 303
    item_id = int(added.headers["location"].rsplit("#item-", 1)[1])
    page = parse(client.get(f"/evidence-drafts/{draft_id}").text)
    marked = page.xpath("//tr[contains(@class, 'evidence-item')][.//small[@class='not-printed']]/@id")
    assert marked == [f"item-{item_id}"]
    note = page.xpath(f"//tr[@id='item-{item_id}']//small[@class='not-printed']/text()")
    assert note == ["不进入证据汇编（非 PDF 文件）"]
    assert page.xpath(f"//tr[@id='item-{item_id}']/td[@class='pages']/text()") == ["—"]
    english = parse(client.get(f"/evidence-drafts/{draft_id}?lang=en").text)
    assert english.xpath(f"//tr[@id='item-{item_id}']//small[@class='not-printed']/text()") == [
        "Not in the printed bundle (not a PDF)"]


def test_editor_times_in_local_zone(client: TestClient, draft_id: int) -> None:
    client.post(f"/evidence-drafts/{draft_id}/save")
    draft = draft_of(client, draft_id)
    from archive.times import format_local

    shown = format_local(draft.saved_at, archive_of(client).settings.time_zone)

    page = parse(client.get(f"/evidence-drafts/{draft_id}").text)
    assert shown in page.xpath("//section[@class='draft-status']/p")[0].text_content()
    listed = parse(client.get("/evidence-drafts").text)
    assert listed.xpath("//table[@class='evidence-drafts']//small/text()") == [shown]


# Records changed under their items


def record_item(client: TestClient, contract_id: int, draft_id: int) -> tuple[int, int]:
    """Add a delivery record and an item of it to the draft; return the record id and the item id."""
    import datetime as dt

    with archive_of(client).session() as session:
        record_id = record_service.create_record(session, contract_id, record_service.RecordInput(
            kind="delivery", occurred_on=dt.date(2025, 5, 6), summary="交付第一期成果"), actor=SYSTEM).id
    added = client.post(f"/evidence-drafts/{draft_id}/items", follow_redirects=False, data={
        "source": "record", "record_id": str(record_id), "group_number": "2"})
    assert added.status_code == 303, added.text
    return record_id, int(added.headers["location"].rsplit("#item-", 1)[1])


def test_changed_record_warns_until_edited(client: TestClient, contract_id: int, draft_id: int) -> None:
    record_id, item_id = record_item(client, contract_id, draft_id)
    page = parse(client.get(f"/evidence-drafts/{draft_id}").text)
    assert not page.xpath("//*[contains(@class, 'record-changed')]")

    with archive_of(client).session() as session:
        record_service.update_record(session, record_id, {"summary": "交付第一期成果（已更正）"}, actor=SYSTEM)

    page = parse(client.get(f"/evidence-drafts/{draft_id}").text)
    warning = page.xpath(f"//tr[@id='item-{item_id}']//*[@id='item-{item_id}-changed']/text()")
    assert warning == ["记录已于加入后修改（第 1 版 → 第 2 版），请核对证据名称和证明目的"]
    assert len(page.xpath("//tr[contains(@class, 'evidence-item')]//*[contains(@class, 'record-changed')]")) == 1
    summary = page.xpath("//section[@class='draft-status']/p[@id='changed-records']")
    assert summary, "no summary near the Save button"
    assert "请在保存前核对" in summary[0].text_content()
    assert summary[0].xpath("./a/@href") == [f"#item-{item_id}"]
    assert summary[0].xpath("./a/text()") == ["2-1"]
    english = parse(client.get(f"/evidence-drafts/{draft_id}?lang=en").text)
    assert english.xpath(f"//*[@id='item-{item_id}-changed']/text()") == [
        "The record was changed after this item was written (revision 1 → 2). "
        "Check the name and the fact to be proved."]

    item = item_row(client, draft_id, item_id)
    edited = client.post(f"/evidence-drafts/{draft_id}/items/{item_id}", follow_redirects=False, data={
        "name": item.name, "origin": item.origin, "issuer": item.issuer,
        "purpose": "证明已交付第一期成果（已更正）。", "pages": "", "group_number": "2"})

    assert edited.status_code == 303
    page = parse(client.get(f"/evidence-drafts/{draft_id}").text)
    assert not page.xpath("//*[contains(@class, 'record-changed')]")


# Pack language


def test_pack_language_defaults_to_chinese(client: TestClient, contract_id: int) -> None:
    for lang in ("zh_CN", "en"):
        form = parse(client.get(f"/contracts/{contract_id}/evidence?lang={lang}").text)
        assert form.xpath("//select[@id='new-lang']/option/@value") == ["zh_CN", "en"], lang
        assert form.xpath("//select[@id='new-lang']/option[@selected]/@value") == ["zh_CN"], lang
    english_form = parse(client.get(f"/contracts/{contract_id}/evidence?lang=en").text)
    assert english_form.xpath("//select[@id='new-lang']/option/text()") == ["Chinese", "English"]

    # A form without the field, such as a script's, gets Chinese too.
    draft_id = propose(client, contract_id, lang="en")

    draft = draft_of(client, draft_id)
    assert draft.lang == "zh_CN"
    assert draft.case_name.startswith("关于《SERVICES AGREEMENT》")
    assert draft.group_titles["1"] == "合同及补充协议"
    assert items_of(client, draft_id)[0][1] == "《SERVICES AGREEMENT》"


def test_proposal_worded_in_chosen_language(client: TestClient, contract_id: int) -> None:
    draft_id = propose(client, contract_id, lang="zh_CN", pack_lang="en")

    draft = draft_of(client, draft_id)
    assert draft.lang == "en"
    assert "concerning “SERVICES AGREEMENT”" in draft.case_name
    assert draft.group_titles["1"] == "Contract and amendments"
    assert items_of(client, draft_id)[0][1] == "“SERVICES AGREEMENT”"
    page = parse(client.get(f"/evidence-drafts/{draft_id}?lang=zh_CN").text)
    assert page.xpath("//select[@id='case-lang']/option[@selected]/@value") == ["en"]
    assert page.xpath("//p[@id='pack-language']/text()") == ["该草稿的证据包将使用英文。"]


def test_empty_draft_keeps_chosen_language(client: TestClient, contract_id: int) -> None:
    created = client.post(f"/contracts/{contract_id}/evidence", follow_redirects=False, data={
        "start": "empty", "dispute": "other", "case_name": "Service fee claim", "lang": "en"})

    assert created.status_code == 303
    assert draft_of(client, int(created.headers["location"].rsplit("/", 1)[1])).lang == "en"


def test_header_changes_pack_language(client: TestClient, draft_id: int) -> None:
    header = {"case_name": "服务费纠纷案", "dispute": "unpaid_price", "claimant": "", "respondent": ""}
    assert client.post(f"/evidence-drafts/{draft_id}/header", data=header).status_code == 200
    assert draft_of(client, draft_id).lang == "zh_CN"  # a form without the field keeps the language

    changed = client.post(f"/evidence-drafts/{draft_id}/header", follow_redirects=False, data={**header, "lang": "en"})

    assert changed.status_code == 303
    assert draft_of(client, draft_id).lang == "en"
    page = parse(client.get(f"/evidence-drafts/{draft_id}?lang=en").text)
    assert page.xpath("//label[@for='case-lang']/text()") == ["Pack language"]
    assert page.xpath("//select[@id='case-lang']/option[@selected]/@value") == ["en"]
    assert page.xpath("//p[@id='pack-language']/text()") == ["Packs of this draft will be in English."]

    client.post(f"/evidence-drafts/{draft_id}/save")
    client.post(f"/evidence-drafts/{draft_id}/header", data={**header, "lang": "zh_CN"})

    assert draft_of(client, draft_id).saved_snapshot["lang"] == "en"
    status = parse(client.get(f"/evidence-drafts/{draft_id}?lang=zh_CN").text).xpath("//p[@id='pack-language']")[0]
    assert status.text_content() == ("按第 1 版生成的证据包使用英文。 "
                                     "证据包语言已改为中文，保存草稿后生成的证据包才使用该语言。")


def test_viewer_sees_pack_language(client: TestClient, draft_id: int) -> None:
    token = add_user(archive_of(client).settings, "viewer-pack-language", "viewer")

    page = parse(client.get(f"/evidence-drafts/{draft_id}", headers=bearer(token)).text)

    assert page.xpath("//dd[@id='case-lang']/text()") == ["中文"]


# Default names of hand-added items


def test_version_item_named_in_pack_language(client: TestClient, contract_id: int) -> None:
    chinese_id = propose(client, contract_id)
    english_id = propose(client, contract_id, pack_lang="en")
    version_id = parse(client.get(f"/evidence-drafts/{chinese_id}").text).xpath(
        "//select[@id='add-version-id']/option/@value")[0]

    names = []
    for draft_id in (chinese_id, english_id):
        # The page is in English for both, so only the draft's language decides the wording.
        added = client.post(f"/evidence-drafts/{draft_id}/items?lang=en", follow_redirects=False, data={
            "source": "version", "document_version_id": version_id, "group_number": "3"})
        assert added.status_code == 303, added.text
        names.append(item_row(client, draft_id, int(added.headers["location"].rsplit("#item-", 1)[1])).name)

    assert names == ["《SERVICES AGREEMENT》", "“SERVICES AGREEMENT”"]


def test_record_item_defaults_in_pack_language(client: TestClient, contract_id: int) -> None:
    import datetime as dt

    draft_id = propose(client, contract_id, pack_lang="en")
    with archive_of(client).session() as session:
        record_id = record_service.create_record(session, contract_id, record_service.RecordInput(
            kind="delivery", occurred_on=dt.date(2025, 5, 6), summary="First batch delivered"), actor=SYSTEM).id
    page = parse(client.get(f"/evidence-drafts/{draft_id}").text)
    assert page.xpath("//input[@id='add-record-issuer']/@value") == ["Us"]

    added = client.post(f"/evidence-drafts/{draft_id}/items", follow_redirects=False, data={
        "source": "record", "record_id": str(record_id), "group_number": "2"})

    item = item_row(client, draft_id, int(added.headers["location"].rsplit("#item-", 1)[1]))
    assert item.issuer == "Us"
    assert item.name == "Delivery record (2025-05-06)"
    assert "2025-05-06" in item.purpose
    assert "First batch delivered" in item.purpose


# The build page names the revision it builds


def queue_build(client: TestClient, draft_id: int) -> int:
    """Queue a build of the saved revision without running it, and return its id."""
    from archive.services.evidence_builds import request_build

    with archive_of(client).session() as session:
        return request_build(session, draft_id, actor=SYSTEM, lang="zh_CN").id


def test_build_page_shows_saved_case_name(client: TestClient, draft_id: int) -> None:
    saved_name = draft_of(client, draft_id).case_name
    client.post(f"/evidence-drafts/{draft_id}/save")
    build_id = queue_build(client, draft_id)
    client.post(f"/evidence-drafts/{draft_id}/header", data={
        "case_name": "改名后尚未保存", "dispute": "unpaid_price", "claimant": "", "respondent": "", "lang": "en"})

    page = parse(client.get(f"/evidence-builds/{build_id}").text)

    assert page.xpath("//p[@class='crumbs']/a/text()") == [saved_name]
    assert page.xpath("//small[@id='build-revision']/text()") == ["第 1 版"]
    case = page.xpath("//p[@id='build-case']")[0].text_content()
    assert case.startswith(f"案件名称：{saved_name}")
    assert "证据包文件使用中文，即第 1 版保存的证据包语言。" in case
    assert "改名后尚未保存" not in page.xpath("//main")[0].text_content()


def test_build_page_after_later_save(client: TestClient, draft_id: int) -> None:
    client.post(f"/evidence-drafts/{draft_id}/save")
    build_id = queue_build(client, draft_id)
    client.post(f"/evidence-drafts/{draft_id}/header", data={
        "case_name": "第二版案件名称", "dispute": "unpaid_price", "claimant": "", "respondent": ""})
    client.post(f"/evidence-drafts/{draft_id}/save")

    page = parse(client.get(f"/evidence-builds/{build_id}").text)

    assert page.xpath("//small[@id='build-revision']/text()") == ["第 1 版（此后已另存第 2 版）"]
    assert page.xpath("//p[@id='build-case']")[0].text_content().strip() == "第 2 版的案件名称：第二版案件名称"
    english = parse(client.get(f"/evidence-builds/{build_id}?lang=en").text)
    assert english.xpath("//small[@id='build-revision']/text()") == [
        "revision 1 (saved again since as revision 2)"]
