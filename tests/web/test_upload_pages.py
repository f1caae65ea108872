"""The upload page's row fragments, corrections, new-version offers and errors, through TestClient."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from api.app import create_app
from archive.models import Contract, Document, DocumentVersion
from archive.services.contracts import create_contract
from archive.settings import Settings
from tests.conftest import TEST_PASSWORD, add_user, bearer, corpus_file
from tests.web.conftest import build_docx, parse
from tests.web.test_performance_pages import archive_of

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ROW_HEADER = "x-upload-row"

CONTRACT_V1 = [
    "设备采购合同",
    "合同编号：HT-2025-010",
    "甲方：北京某某科技有限公司",
    "乙方：上海某某设备有限公司",
    "第一条 标的：甲方向乙方采购服务器十台，型号与配置见附件一。",
    "第二条 价款：合同总价为人民币壹拾贰万元整（￥120,000.00），含税。",
    "第三条 交付：乙方应于合同签订后三十日内将货物送至甲方指定地点。",
    "第四条 验收：甲方应在收到货物后十个工作日内组织验收并出具验收报告。",
    "第五条 违约责任：任何一方违约，应向守约方支付合同总价百分之五的违约金。",
]
CONTRACT_V2 = [*CONTRACT_V1[:8], "第五条 违约责任：任何一方违约，应向守约方支付合同总价百分之十的违约金。"]


def upload_row(client: TestClient, name: str, data: bytes, **fields: str):  # type: ignore[no-untyped-def]
    return client.post("/upload/row", files={"file": (name, data, DOCX_TYPE)}, data=fields)


def row_of(fragment: str):  # type: ignore[no-untyped-def]
    rows = parse(f"<table><tbody>{fragment}</tbody></table>").xpath("//tr")
    assert len(rows) == 1, fragment
    return rows[0]


def version_id_of(row) -> int:  # type: ignore[no-untyped-def]
    return int(row.get("data-version-id"))


def test_row_is_fragment(client: TestClient) -> None:
    response = upload_row(client, "采购合同.docx", build_docx(CONTRACT_V1))
    row = row_of(response.text)
    cells = row.xpath("./td")

    assert response.status_code == 200
    assert response.headers[ROW_HEADER] == "1"
    assert "<html" not in response.text
    assert cells[0].xpath(".//a")[0].text_content() == "采购合同.docx"
    assert "已入库" in cells[1].text_content()
    assert cells[2].xpath(".//option[@selected]")[0].get("value") == "contract"
    assert int(cells[3].text_content()) >= 5
    contract_link = cells[4].xpath(".//a[@class='upload-contract']")[0]
    assert contract_link.get("href").startswith("/contracts/")
    assert "HT-2025-010" in contract_link.text_content()
    assert "设备采购合同" in contract_link.text_content()
    assert cells[5].text_content().strip() == "v1"


def test_page_names_target_contract(client: TestClient) -> None:
    with archive_of(client).session() as session:
        contract_id = create_contract(session, number="HT-2025-077", title="运维服务合同").id

    page = client.get("/upload", params={"contract_id": contract_id})
    target = parse(page.text).xpath("//p[@class='upload-target']")[0]

    assert page.status_code == 200
    assert "HT-2025-077" in target.text_content()
    assert "运维服务合同" in target.text_content()
    assert target.xpath(".//a")[0].get("href") == f"/contracts/{contract_id}"
    assert parse(page.text).xpath("//input[@id='contract_id']")[0].get("value") == str(contract_id)


def test_upload_goes_into_contract(client: TestClient) -> None:
    with archive_of(client).session() as session:
        contract_id = create_contract(session, number="HT-2025-078", title="运维服务合同").id
    report = build_docx(["设备验收报告", "验收日期：2025年3月5日", "一、验收结论", "设备运行正常，验收合格。"])

    row = row_of(upload_row(client, "验收报告.docx", report, contract_id=str(contract_id)).text)

    assert row.xpath(".//a[@class='upload-contract']")[0].get("href") == f"/contracts/{contract_id}"


def test_contract_page_links_upload(client: TestClient) -> None:
    with archive_of(client).session() as session:
        contract_id = create_contract(session, number="HT-2025-079", title="运维服务合同").id

    page = parse(client.get(f"/contracts/{contract_id}").text)
    link = page.xpath(f"//a[@href='/upload?contract_id={contract_id}']")[0]

    assert link.text_content() == "上传补充文件"


def test_kind_correction_returns_row(client: TestClient) -> None:
    row = row_of(upload_row(client, "采购合同.docx", build_docx(CONTRACT_V1)).text)
    form = row.xpath(".//form[contains(@action, '/kind')]")[0]

    response = client.post(form.get("action"), data={"kind": "invoice", "back": form.get("data-row-back")})
    changed = row_of(response.text)

    assert response.headers[ROW_HEADER] == "1"
    assert changed.xpath("./td")[0].text_content() == "采购合同.docx"
    assert changed.xpath(".//select[@name='kind']/option[@selected]")[0].get("value") == "invoice"
    assert changed.xpath(".//p[@class='confirmation']")[0].text_content() == "文件类型已保存。"


def test_contract_correction_plain_form(client: TestClient) -> None:
    with archive_of(client).session() as session:
        other = create_contract(session, number="HT-2025-080", title="运维服务合同").id
    page = client.post("/upload", files={"file": ("采购合同.docx", build_docx(CONTRACT_V1), DOCX_TYPE)})
    form = parse(page.text).xpath("//tbody//form[contains(@action, '/contract')]")[0]
    options = [option.get("value") for option in form.xpath(".//option")]
    back = form.xpath(".//input[@name='back']")[0].get("value")

    response = client.post(form.get("action"), data={"contract_id": str(other), "back": back})
    tree = parse(response.text)

    assert str(other) in options
    assert back.startswith("/upload/results?v=")
    assert response.status_code == 200
    assert tree.xpath("//tbody//a[@class='upload-contract']")[0].get("href") == f"/contracts/{other}"
    assert tree.xpath("//tbody//p[@class='confirmation']")[0].text_content() == "文件已归入所选合同。"


def upload_two_versions(client: TestClient):  # type: ignore[no-untyped-def]
    first = row_of(upload_row(client, "采购合同-v1.docx", build_docx(CONTRACT_V1)).text)
    contract_id = first.xpath(".//a[@class='upload-contract']")[0].get("href").rsplit("/", 1)[1]
    second = row_of(upload_row(client, "采购合同-v2.docx", build_docx(CONTRACT_V2), contract_id=contract_id).text)
    return first, second, int(contract_id)


def test_offer_names_existing_document(client: TestClient) -> None:
    first, second, _ = upload_two_versions(client)
    offers = second.xpath(".//form[@class='upload-offer']")

    assert len(offers) == 1
    assert offers[0].get("action") == f"/versions/{version_id_of(second)}/merge"
    assert offers[0].xpath(".//button")[0].text_content() == "作为《设备采购合同》的新版本"
    with archive_of(client).session() as session:
        first_document = session.get(DocumentVersion, version_id_of(first)).document_id
    assert offers[0].xpath(".//input[@name='document_id']")[0].get("value") == str(first_document)
    assert first.xpath(".//form[@class='upload-offer']") == []


def test_offer_across_kinds_forces(client: TestClient) -> None:
    first = row_of(upload_row(client, "采购合同.docx", build_docx(CONTRACT_V1)).text)
    contract_id = first.xpath(".//a[@class='upload-contract']")[0].get("href").rsplit("/", 1)[1]
    scan = row_of(upload_row(client, "扫描件.docx", build_docx(CONTRACT_V2), contract_id=contract_id, kind="other").text)
    offer = scan.xpath(".//form[@class='upload-offer']")[0]
    fields = {field.get("name"): field.get("value") for field in offer.xpath(".//input")}

    assert fields["force"] == "1"
    assert offer.xpath(".//small[@class='hint']")[0].text_content() == "合并后该文件的类型改为：合同正文。"
    merged = client.post(offer.get("action"), data={**fields, "back": offer.get("data-row-back")})
    assert merged.status_code == 200
    assert row_of(merged.text).xpath(".//select[@name='kind']/option[@selected]")[0].get("value") == "contract"


def test_offer_accepted_makes_version(client: TestClient) -> None:
    first, second, contract_id = upload_two_versions(client)
    offer = second.xpath(".//form[@class='upload-offer']")[0]
    fields = {field.get("name"): field.get("value") for field in offer.xpath(".//input")}
    fields["back"] = offer.get("data-row-back")

    response = client.post(offer.get("action"), data=fields)
    merged = row_of(response.text)

    assert response.headers[ROW_HEADER] == "1"
    assert merged.xpath("./td")[5].text_content().strip() == "v2"
    assert merged.xpath(".//p[@class='confirmation']")[0].text_content() == "该文件现为《设备采购合同》的第 2 版。"
    with archive_of(client).session() as session:
        moved = session.get(DocumentVersion, version_id_of(second))
        original = session.get(DocumentVersion, version_id_of(first))
        assert moved.document_id == original.document_id
        assert moved.supersedes_id == original.id
        assert session.query(Document).filter(Document.contract_id == contract_id).count() == 1
    timeline = client.get(f"/contracts/{contract_id}/timeline").text
    assert f"/versions/{version_id_of(second)}" in timeline


def test_offer_accepted_without_script(client: TestClient) -> None:
    _, second, _ = upload_two_versions(client)
    offer = second.xpath(".//form[@class='upload-offer']")[0]
    fields = {field.get("name"): field.get("value") for field in offer.xpath(".//input")}

    response = client.post(offer.get("action"), data=fields, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"].startswith("/upload/results?v=")
    page = client.get(response.headers["location"])
    assert "该文件现为《设备采购合同》的第 2 版。" in page.text


def test_merge_api_route(client: TestClient) -> None:
    first, second, _ = upload_two_versions(client)
    with archive_of(client).session() as session:
        target = session.get(DocumentVersion, version_id_of(first)).document_id

    response = client.post(f"/api/versions/{version_id_of(second)}/merge", json={"document_id": target})

    assert response.status_code == 200, response.text
    assert response.json()["document_id"] == target
    assert response.json()["version_number"] == 2
    assert response.json()["source_document_removed"] is True


@pytest.mark.parametrize("case, status, code", [
    ("unknown version", 404, "not_found"),
    ("unknown document", 404, "not_found"),
    ("same document", 422, "merge_same_document"),
    ("different contracts", 422, "merge_different_contracts"),
    ("different kinds", 409, "merge_kind_mismatch"),
    ("held contract", 409, "merge_contract_on_hold"),
])
def test_merge_api_errors(client: TestClient, case: str, status: int, code: str) -> None:
    from archive.models import LegalHold

    first, second, contract_id = upload_two_versions(client)
    version_id = version_id_of(second)
    with archive_of(client).session() as session:
        target = session.get(DocumentVersion, version_id_of(first)).document_id
        own = session.get(DocumentVersion, version_id).document_id
        if case == "unknown version":
            version_id = 987654
        elif case == "unknown document":
            target = 987654
        elif case == "same document":
            target = own
        elif case == "different contracts":
            other = create_contract(session, number="HT-2025-099", title="另一合同")
            session.get(Document, target).contract_id = other.id
        elif case == "different kinds":
            session.get(Document, target).kind = "amendment"
        elif case == "held contract":
            session.add(LegalHold(contract_id=contract_id, reason="诉讼", placed_by="admin"))

    response = client.post(f"/api/versions/{version_id}/merge", json={"document_id": target})

    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_row_413_names_file_and_limit(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", max_upload_mb=1, _env_file=None)
    token = add_user(settings, "tester", "legal")
    over_limit = b"%PDF-1.4\n" + b"0" * (1024 * 1024)  # one megabyte and nine bytes
    with TestClient(create_app(settings), headers=bearer(token)) as small:
        page = small.post("/upload", files={"file": ("超限合同.pdf", over_limit, "application/pdf")})
        row = small.post("/upload/row", files={"file": ("超限合同.pdf", over_limit, "application/pdf")})

    for response in (page, row):
        message = parse(response.text).xpath("//*[@class='error']")[0].text_content()
        assert response.status_code == 413
        assert "超限合同.pdf" in message
        assert "1 MB" in message
        assert "larger than" not in message
    assert row.headers[ROW_HEADER] == "1"


def test_row_wrong_type(client: TestClient) -> None:
    response = client.post("/upload/row", files={"file": ("会议记录.pdf", "纯文本，不是 PDF。\n".encode(), "application/pdf")})
    message = row_of(response.text).xpath(".//*[@class='error']")[0].text_content()

    assert response.status_code == 415
    assert response.headers[ROW_HEADER] == "1"
    assert "会议记录.pdf" in message


def test_row_duplicate_says_so(client: TestClient) -> None:
    data = build_docx(CONTRACT_V1)
    upload_row(client, "a.docx", data)

    again = upload_row(client, "b.docx", data)

    assert again.status_code == 200
    assert "state-duplicate" in again.text
    assert row_of(again.text).xpath(".//form[@class='upload-offer']") == []


def test_results_page_hides_unknown_version(client: TestClient) -> None:
    assert client.get("/upload/results", params={"v": 987654}).status_code == 404
    assert client.get("/upload/row/987654").status_code == 404


@pytest.fixture
def session_client(tmp_path: Path) -> Iterator[TestClient]:
    """A client signed in through the sign-in form (session cookie), as a legal user."""
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)
    add_user(settings, "li.si", "legal")
    with TestClient(create_app(settings)) as browser:
        page = browser.get("/login")
        token = re.search(r'name="login_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        signed_in = browser.post("/login", data={"username": "li.si", "password": TEST_PASSWORD,
                                                 "login_token": token, "next": "/"}, follow_redirects=False)
        assert signed_in.status_code == 303
        yield browser


def test_row_csrf_missing(session_client: TestClient) -> None:
    response = session_client.post(
        "/upload/row", files={"file": ("采购合同.docx", build_docx(CONTRACT_V1), DOCX_TYPE)},
        headers={"X-Upload-Filename": quote("采购合同.docx")},
    )
    row = row_of(response.text)

    assert response.status_code == 403
    assert response.headers[ROW_HEADER] == "1"
    assert row.xpath("./td")[0].text_content() == "采购合同.docx"
    assert row.xpath(".//*[@class='error']")[0].text_content() == "表单已过期，或并非来自本站。请刷新页面后重试。"
    with archive_of(session_client).session() as session:
        assert session.query(DocumentVersion).count() == 0


def test_row_csrf_present(session_client: TestClient) -> None:
    page = session_client.get("/upload").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]

    response = upload_row(session_client, "采购合同.docx", build_docx(CONTRACT_V1), csrf_token=token)

    assert response.status_code == 200


def test_restricted_contract_not_found(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)
    token = add_user(settings, "legal-outsider", "legal")
    with TestClient(create_app(settings), headers=bearer(token)) as outsider:
        with archive_of(outsider).session() as session:
            contract = create_contract(session, number="HT-2025-SECRET", title="保密合同")
            contract.restricted = True
            contract_id = contract.id

        page = outsider.get("/upload", params={"contract_id": contract_id})
        row = upload_row(outsider, "补充协议.docx", build_docx(CONTRACT_V1), contract_id=str(contract_id))

        assert page.status_code == 404
        assert "HT-2025-SECRET" not in page.text
        assert row.status_code == 404
        assert "保密合同" not in row.text
        with archive_of(outsider).session() as session:
            assert session.query(DocumentVersion).count() == 0
            assert session.get(Contract, contract_id).restricted


def big_pdf(path: Path, total_bytes: int) -> Path:
    """Write a one-page PDF with Chinese text, padded after %%EOF to `total_bytes`."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    drawing = canvas.Canvas(str(path), pagesize=A4)
    drawing.setFont("STSong-Light", 14)
    for line, text in enumerate(["设备采购合同", "合同编号：HT-2025-BIG", "第一条 标的：服务器十台。",
                                 "第二条 价款：人民币壹拾贰万元整。"]):
        drawing.drawString(72, 760 - 24 * line, text)
    drawing.save()
    with path.open("ab") as padded:
        chunk = b"\n" * (1024 * 1024)
        while path.stat().st_size < total_bytes:
            padded.write(chunk[: total_bytes - path.stat().st_size])
            padded.flush()
    return path


def test_large_pdf_upload_succeeds(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", max_upload_mb=100, _env_file=None)
    token = add_user(settings, "tester", "legal")
    pdf = big_pdf(tmp_path / "大合同.pdf", 60 * 1024 * 1024)
    with TestClient(create_app(settings), headers=bearer(token)) as client, pdf.open("rb") as stream:
        response = client.post("/upload/row", files={"file": ("大合同.pdf", stream, "application/pdf")})

        row = row_of(response.text)
        assert response.status_code == 200, response.text
        assert "已入库" in row.xpath("./td")[1].text_content()
        with archive_of(client).session() as session:
            version = session.get(DocumentVersion, version_id_of(row))
            assert version.size == 60 * 1024 * 1024


UNRELATED = [
    "DISTRIBUTOR AGREEMENT",
    "This Distributor Agreement is made between Lime Energy Co. and the Distributor named below.",
    "1. Appointment. The Company appoints the Distributor as its exclusive distributor in the Territory.",
    "2. Term. This Agreement begins on the Effective Date and continues for three years.",
]


def document_id_of(client: TestClient, version_id: int) -> int:
    return client.get(f"/api/versions/{version_id}").json()["document"]["id"]


def test_unlike_new_version_warns(client: TestClient) -> None:
    first = row_of(upload_row(client, "采购合同.docx", build_docx(CONTRACT_V1)).text)
    document_id = str(document_id_of(client, version_id_of(first)))

    revised = row_of(upload_row(client, "采购合同-v2.docx", build_docx(CONTRACT_V2), document_id=document_id).text)
    assert not any("看起来不像" in w.text_content() for w in revised.xpath(".//div[@class='warning']"))

    unrelated = row_of(upload_row(client, "distributor.docx", build_docx(UNRELATED), document_id=document_id).text)
    assert unrelated.xpath(".//td[6]")[0].text_content().strip().startswith("v3")
    warnings = [w.text_content() for w in unrelated.xpath(".//div[@class='warning']")]
    assert any("看起来不像同一份文件" in w for w in warnings), warnings


def test_plain_form_keeps_files_beside_oversized(client: TestClient) -> None:
    """Without the script, one file over the limit fails in its own row and the others are stored."""
    over_limit = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024)  # the test archive's limit is 2 MB
    response = client.post("/upload", files=[
        ("file", ("采购合同.docx", build_docx(CONTRACT_V1), DOCX_TYPE)),
        ("file", ("扫描件-超限.pdf", over_limit, "application/pdf")),
    ])

    assert response.status_code == 200
    rows = parse(response.text).xpath("//table[@id='upload-results']/tbody/tr")
    assert len(rows) == 2
    stored, refused = rows
    assert "已入库" in stored.text_content()
    message = refused.xpath(".//span[@class='error']")[0].text_content()
    assert "扫描件-超限.pdf" in message
    assert "2 MB" in message
    versions = client.get("/api/contracts").json()
    assert versions["total"] == 1


def test_all_files_oversized_is_413(client: TestClient) -> None:
    over_limit = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024)
    response = client.post("/api/documents", files=[("file", ("超限.pdf", over_limit, "application/pdf"))])
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"


def test_duplicate_of_failed_version_says_why(client: TestClient) -> None:
    """Uploading an unreadable file again points to the failed version instead of saying nothing changed."""
    encrypted = corpus_file("en_oha-sample-contract_user-password-encrypted_pw-test123_watermark.pdf").read_bytes()
    first = client.post("/upload/row", files={"file": ("加密合同.pdf", encrypted, "application/pdf")})
    assert first.status_code == 422

    again = client.post("/upload/row", files={"file": ("加密合同-再次.pdf", encrypted, "application/pdf")})
    row = row_of(again.text)
    text = " ".join(row.text_content().split())
    assert "该版本未能读取" in text
    assert "未做任何改动" not in text
    assert row.xpath(".//small/a/@href")[0].startswith("/versions/")
