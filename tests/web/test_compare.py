"""The comparison page: versions side by side, a contract beside its amendment, access, errors and language."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy import select

from archive.access import SYSTEM
from archive.models import AuditEvent, Clause
from archive.services.restrictions import restrict_contract
from cli.samples import CONTRACT_TITLE, PURCHASE_CONTRACT
from ingest.pipeline import ingest_path
from ingest.result import IngestResult
from tests.conftest import corpus_file, signed_in_client
from tests.web.conftest import Loaded, build_docx, parse
from tests.web.test_performance_pages import archive_of

SCRIPT = "<script>alert(1)</script>"


def rows_of(page: str) -> list[html.HtmlElement]:
    return parse(page).xpath("//section[contains(@class, 'cmp-row')]")


def row_state(row: html.HtmlElement) -> str:
    [state] = [c[len("cmp-"):] for c in row.get("class").split() if c.startswith("cmp-") and c != "cmp-row"]
    return state


def side_numbers(row: html.HtmlElement, side: str) -> list[str]:
    return [a.text_content() for a in row.xpath(f".//div[contains(@class, 'cmp-{side}')]//div[@class='cmp-clause-head']/a[1]")]


def row_with(rows: list[html.HtmlElement], side: str, number: str) -> html.HtmlElement:
    [row] = [row for row in rows if number in side_numbers(row, side)]
    return row


def clause_ids(client: TestClient, version_id: int) -> dict[str, int]:
    with archive_of(client).session() as session:
        rows = session.execute(
            select(Clause.number, Clause.id).where(Clause.document_version_id == version_id, Clause.number.is_not(None))
        ).all()
    return {number: clause_id for number, clause_id in rows}


def ingest_docx(client: TestClient, folder: Path, name: str, paragraphs: list[str], **options: object) -> IngestResult:
    path = folder / name
    path.write_bytes(build_docx(paragraphs))
    result = ingest_path(archive_of(client), path, index=False, **options)  # type: ignore[arg-type]
    assert result.status == "ingested", result
    return result


def second_version(client: TestClient, folder: Path, *, extra: str = "") -> tuple[IngestResult, IngestResult]:
    """Ingest the sample purchase contract, then a second version with a changed 第四条 and a new 第五条."""
    first = ingest_docx(client, folder, "采购合同.docx", [CONTRACT_TITLE, *PURCHASE_CONTRACT])
    paragraphs = [CONTRACT_TITLE, *PURCHASE_CONTRACT]
    delivery = paragraphs.index("第四条 交付与验收") + 1
    paragraphs[delivery] = paragraphs[delivery].replace("2024年6月30日", "2024年7月31日") + extra
    position = paragraphs.index("第五条 保密")
    paragraphs[position:position] = ["第五条 培训", "乙方负责培训甲方操作人员，共计三次。"]
    for number in ("第五条 保密", "第六条 违约责任", "第七条 争议解决", "第八条 其他"):
        index = paragraphs.index(number, position + 2)
        old = number.split()[0]
        renumbered = {"第五条": "第六条", "第六条": "第七条", "第七条": "第八条", "第八条": "第九条"}[old]
        paragraphs[index] = number.replace(old, renumbered)
    second = ingest_docx(client, folder, "采购合同-v2.docx", paragraphs, new_version_of=first.document_id)
    return first, second


# --- a contract beside its amendment (the sample archive) -------------------------------------


def test_amendment_beside_contract(site: TestClient, loaded: Loaded) -> None:
    amendment, contract = loaded.version("amendment"), loaded.version("contract")
    response = site.get("/compare", params={"right": amendment})
    assert response.status_code == 200
    tree = parse(response.text)
    assert tree.xpath("//select[@name='left']/option[@selected]/@value") == [str(contract)]
    assert tree.xpath("//input[@name='mode'][@checked]/@value") == ["amendment"]

    rows = rows_of(response.text)
    advance = row_with(rows, "left", "（一）")
    assert row_state(advance) == "changed"
    assert side_numbers(advance, "right") == ["二、"]
    assert "修改" in advance.xpath(".//p[@class='cmp-state']")[0].text_content()
    delivery = row_with(rows, "left", "第四条")
    assert row_state(delivery) == "changed"
    assert side_numbers(delivery, "right") == ["一、"]
    assert row_state(row_with(rows, "left", "第五条")) == "unchanged"
    general = [row for row in rows if side_numbers(row, "right") == ["三、"]]
    assert [row_state(row) for row in general] == ["added"]


def test_amendment_clause_links(site: TestClient, loaded: Loaded) -> None:
    amendment, contract = loaded.version("amendment"), loaded.version("contract")
    page = site.get("/compare", params={"right": amendment}).text
    ids = clause_ids(site, contract)
    links = parse(page).xpath("//div[@class='cmp-clause-head']/a/@href")
    assert f"/versions/{contract}#clause-{ids['（一）']}" in links
    assert f"/versions/{amendment}#clause-{clause_ids(site, amendment)['二、']}" in links


def test_replaced_clause_shows_new_wording(client: TestClient, tmp_path: Path) -> None:
    contract = ingest_docx(client, tmp_path, "采购合同.docx", [CONTRACT_TITLE, *PURCHASE_CONTRACT])
    amendment = ingest_docx(client, tmp_path, "补充协议.docx", [
        "设备采购合同补充协议", "原合同编号：HT-2024-001",
        "一、争议解决方式变更",
        "原合同第七条修改为：“第七条 争议解决 因本合同产生的争议，双方协商解决；协商不成的，提交上海仲裁委员会仲裁。”",
    ], contract_id=contract.contract_id, kind="amendment")
    response = client.get("/compare", params={"right": amendment.document_version_id})
    assert response.status_code == 200
    row = row_with(rows_of(response.text), "left", "第七条")
    assert row_state(row) == "changed"
    assert "人民法院诉讼" in "".join(row.xpath(".//div[contains(@class, 'cmp-left')]//del/text()"))
    assert "上海仲裁委员会仲裁" in "".join(row.xpath(".//div[@class='cmp-amended']//ins/text()"))
    assert "修改后的条款" in row.text_content()


def test_changes_only(site: TestClient, loaded: Loaded) -> None:
    response = site.get("/compare", params={"right": loaded.version("amendment"), "changed_only": "1"})
    rows = rows_of(response.text)
    assert sorted(row_state(row) for row in rows) == ["added", "changed", "changed"]
    assert parse(response.text).xpath("//input[@name='changed_only'][@checked]")


def test_chinese_by_default(site: TestClient, loaded: Loaded) -> None:
    page = site.get("/compare", params={"right": loaded.version("amendment")}).text
    assert '<html lang="zh-CN">' in page
    assert "合同与补充协议对照" in page
    assert "只看变化" in page
    assert "补充协议未变更" in page


def test_page_in_english(site: TestClient, loaded: Loaded) -> None:
    page = site.get("/compare", params={"right": loaded.version("amendment"), "lang": "en"}).text
    assert '<html lang="en">' in page
    assert "Contract and amendment" in page
    assert "Changes only" in page
    assert "Not changed by the amendment" in page


def test_versions_mode_on_request(site: TestClient, loaded: Loaded) -> None:
    response = site.get("/compare", params={"left": loaded.version("contract"), "right": loaded.version("amendment"),
                                            "mode": "versions"})
    assert response.status_code == 200
    assert parse(response.text).xpath("//input[@name='mode'][@checked]/@value") == ["versions"]
    assert "版本比较" in response.text


def test_amendment_page_links_compare(site: TestClient, loaded: Loaded) -> None:
    amendment = loaded.version("amendment")
    tree = parse(site.get(f"/versions/{amendment}").text)
    [link] = tree.xpath("//p[@class='compare-links']/a")
    assert link.get("href") == f"/compare?right={amendment}&mode=amendment"
    assert link.text_content() == "与原合同对照"


def test_single_version_has_no_previous_link(site: TestClient, loaded: Loaded) -> None:
    page = site.get(f"/versions/{loaded.version('contract')}").text
    assert "与上一版本比较" not in page


# --- bad input ---------------------------------------------------------------------------------


def test_missing_right_id(site: TestClient) -> None:
    response = site.get("/compare")
    assert response.status_code == 400
    assert "right=ID" in parse(response.text).xpath("//p[@role='alert']")[0].text_content()
    assert "请选择要比较的版本" in response.text


def test_non_numeric_id(site: TestClient, loaded: Loaded) -> None:
    response = site.get("/compare", params={"left": "abc", "right": loaded.version("contract")})
    assert response.status_code == 400
    assert "“abc”不是文件版本 ID" in response.text


def test_non_numeric_id_in_english(site: TestClient, loaded: Loaded) -> None:
    response = site.get("/compare", params={"left": "abc", "right": loaded.version("contract"), "lang": "en"})
    assert response.status_code == 400
    message = parse(response.text).xpath("//p[@role='alert']")[0].text_content()
    assert message.startswith("'abc' is not a document version id (left side)")


def test_unknown_versions_not_found(site: TestClient, loaded: Loaded) -> None:
    contract = loaded.version("contract")
    for left in ("999999", "99999999999999999999"):
        response = site.get("/compare", params={"left": left, "right": contract})
        assert response.status_code == 404, left
        assert "文件版本" in response.text


def test_versions_mode_needs_left(site: TestClient, loaded: Loaded) -> None:
    response = site.get("/compare", params={"right": loaded.version("contract")})
    assert response.status_code == 400
    assert "left=ID" in response.text


def test_amendment_mode_without_contract_text(site: TestClient, loaded: Loaded) -> None:
    # The services agreement is its contract's only document, so there is no other contract text.
    response = site.get("/compare", params={"right": loaded.version("services"), "mode": "amendment"})
    assert response.status_code == 400
    assert "没有可对照的合同文本" in response.text


def test_unknown_mode(site: TestClient, loaded: Loaded) -> None:
    response = site.get("/compare", params={"left": loaded.version("contract"), "right": loaded.version("amendment"),
                                            "mode": "sideways"})
    assert response.status_code == 400
    assert "sideways" in response.text


# --- two versions of one document ---------------------------------------------------------------


def test_second_version_compared(client: TestClient, tmp_path: Path) -> None:
    first, second = second_version(client, tmp_path)
    response = client.get("/compare", params={"left": first.document_version_id, "right": second.document_version_id})
    assert response.status_code == 200
    rows = rows_of(response.text)

    delivery = row_with(rows, "right", "第四条")
    assert row_state(delivery) == "changed"
    # The one shared character 月 between two changes is shown inside the change.
    assert delivery.xpath(".//div[contains(@class, 'cmp-left')]//del/text()") == ["6月30"]
    assert delivery.xpath(".//div[contains(@class, 'cmp-right')]//ins/text()") == ["7月31"]
    assert "修改" in delivery.text_content()

    training = row_with(rows, "right", "第五条")
    assert row_state(training) == "added"
    assert "新增" in training.text_content()
    confidentiality = row_with(rows, "right", "第六条")
    assert row_state(confidentiality) == "renumbered"
    assert side_numbers(confidentiality, "left") == ["第五条"]
    assert row_state(row_with(rows, "right", "第一条")) == "unchanged"


def test_second_version_page_links_previous(client: TestClient, tmp_path: Path) -> None:
    first, second = second_version(client, tmp_path)
    tree = parse(client.get(f"/versions/{second.document_version_id}").text)
    [link] = tree.xpath("//p[@class='compare-links']/a")
    assert link.get("href") == f"/compare?left={first.document_version_id}&right={second.document_version_id}&mode=versions"
    assert link.text_content() == "与上一版本比较"


def test_compare_records_views(client: TestClient, tmp_path: Path) -> None:
    first, second = second_version(client, tmp_path)
    client.get("/compare", params={"left": first.document_version_id, "right": second.document_version_id})
    with archive_of(client).session() as session:
        viewed = session.scalars(
            select(AuditEvent.object_id).where(AuditEvent.action == "view", AuditEvent.object_type == "document_version",
                                               AuditEvent.actor == "tester")
        ).all()
    assert sorted(viewed) == sorted([str(first.document_version_id), str(second.document_version_id)])


def test_clause_text_escaped(client: TestClient, tmp_path: Path) -> None:
    first, second = second_version(client, tmp_path, extra=SCRIPT)
    page = client.get("/compare", params={"left": first.document_version_id, "right": second.document_version_id}).text
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_restricted_contract_not_found(client: TestClient, tmp_path: Path) -> None:
    first, second = second_version(client, tmp_path)
    other = ingest_docx(client, tmp_path, "其他合同.docx", ["租赁合同", "合同编号：ZL-2024-009", "第一条 租金", "每月一万元。"])
    assert other.contract_id != first.contract_id
    with archive_of(client).session() as session:
        restrict_contract(session, SYSTEM, first.contract_id, usernames=["tester"], group_names=[])

    params = {"left": first.document_version_id, "right": second.document_version_id}
    assert client.get("/compare", params=params).status_code == 200
    with signed_in_client(archive_of(client).settings, "legal") as outsider:
        response = outsider.get("/compare", params=params)
        assert response.status_code == 404
        assert "采购" not in response.text
        # One visible side does not open the hidden one.
        mixed = outsider.get("/compare", params={"left": other.document_version_id, "right": second.document_version_id})
        assert mixed.status_code == 404
        assert outsider.get("/compare", params={"left": other.document_version_id,
                                                 "right": other.document_version_id}).status_code == 200


def test_viewer_role_reads_compare(client: TestClient, tmp_path: Path) -> None:
    first, second = second_version(client, tmp_path)
    with signed_in_client(archive_of(client).settings, "viewer") as viewer:
        response = viewer.get("/compare", params={"left": first.document_version_id, "right": second.document_version_id})
    assert response.status_code == 200


# --- a real contract and its amendment from the corpus ------------------------------------------


@pytest.mark.corpus
def test_corpus_amendment_beside_contract(client: TestClient) -> None:
    base = ingest_path(archive_of(client), corpus_file("en_cuad_services-agreement_federated_base.pdf"), index=False)
    amendment = ingest_path(archive_of(client), corpus_file("en_cuad_services-agreement_federated_amendment1.pdf"),
                            index=False)
    assert base.status == "ingested", base
    assert amendment.status == "ingested", amendment
    response = client.get("/compare", params={"left": base.document_version_id,
                                              "right": amendment.document_version_id, "mode": "amendment"})
    assert response.status_code == 200
    rows = rows_of(response.text)
    exhibit = row_with(rows, "left", "EXHIBIT A")
    assert row_state(exhibit) == "changed"
    assert side_numbers(exhibit, "right") == ["1."]
    ids = clause_ids(client, base.document_version_id)
    assert exhibit.xpath(f".//a[starts-with(@href, '/versions/{base.document_version_id}/view?clause={ids['EXHIBIT A']}')]")
    assert row_state(row_with(rows, "left", "7.")) == "unchanged"
