"""The contract timeline as a PDF: file name, Chinese text and fonts, page numbers, language, filters, access and errors."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pdfplumber
import pypdfium2
import pypdfium2.raw as pdfium
import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1
from sqlalchemy import insert, select

from archive import pdf_fonts, timeline_pdf
from archive.access import SYSTEM
from archive.i18n import get_translations
from archive.models import AuditEvent, PerformanceRecord
from archive.services.restrictions import restrict_contract
from tests.conftest import REPO_ROOT, add_user, signed_in_client
from tests.web.conftest import parse
from tests.web.test_performance_pages import SCRIPT, Contract, add_record, archive_of
from tests.web.test_timeline import contract  # noqa: F401 - the fixture with every kind of event

D = dt.date
CATALOG = REPO_ROOT / "archive" / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def pdf_url(contract: Contract) -> str:
    return f"/contracts/{contract.id}/timeline.pdf"


def page_texts(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def all_text(data: bytes) -> str:
    return "\n".join(page_texts(data))


def embedded_fonts(data: bytes) -> dict[str, bool]:
    """Return, for every font the pages use, whether its descriptor carries the font program.

    A Type0 (composite) font has no descriptor of its own, so its descendant font stands for it.
    """
    document = PDFDocument(PDFParser(io.BytesIO(data)))
    embedded: dict[str, bool] = {}
    for page in PDFPage.create_pages(document):
        fonts = resolve1(resolve1(page.resources).get("Font", {}))
        for reference in fonts.values():
            font = resolve1(reference)
            if resolve1(font.get("Subtype")).name == "Type0":
                font = resolve1(resolve1(font["DescendantFonts"])[0])
            descriptor = resolve1(font.get("FontDescriptor")) or {}
            embedded[resolve1(font.get("BaseFont")).name] = any(
                key in descriptor for key in ("FontFile", "FontFile2", "FontFile3"))
    return embedded


def pdfium_embedded_flags(data: bytes) -> list[int]:
    """Return pdfium's FPDFFont_GetIsEmbedded for the font of every text object on every page."""
    flags = []
    document = pypdfium2.PdfDocument(data)
    try:
        for page in document:
            for item in page.get_objects(filter=[pdfium.FPDF_PAGEOBJ_TEXT]):
                flags.append(pdfium.FPDFFont_GetIsEmbedded(pdfium.FPDFTextObj_GetFont(item.raw)))
    finally:
        document.close()
    return flags


def add_many_records(client: TestClient, contract: Contract, count: int) -> None:
    with archive_of(client).session() as session:
        session.execute(insert(PerformanceRecord), [
            {"contract_id": contract.id, "kind": "communication", "occurred_on": D(2024, 1, 1) + dt.timedelta(days=i),
             "status": "done", "summary": f"第 {i + 1} 次沟通：催告对方按期付款", "created_by": "tester"}
            for i in range(count)
        ])


# The download


def test_pdf_download_headers(client: TestClient, contract: Contract) -> None:
    response = client.get(pdf_url(contract))

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    today = dt.date.today().isoformat()
    assert f'filename="timeline-HT-2025-001-{today}.pdf"' in disposition
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == f"时间线-timeline-HT-2025-001-{today}.pdf"


def test_pdf_has_chinese_text(client: TestClient, contract: Contract) -> None:
    text = all_text(client.get(pdf_url(contract)).content)

    # pdfplumber reads these through the font's ToUnicode map, so the text can be searched and copied.
    assert "时间线: 设备采购合同" in text
    assert "HT-2025-001" in text
    assert "某某科技有限公司" in text
    assert "第一批设备到货" in text
    assert "诉前保全证据" in text
    assert "预付款 30%" in text
    assert "已逾期" in text
    assert "全部类型" in text
    assert "全部日期" in text
    assert "生成人 tester" in text


def test_pdf_fonts_all_embedded(client: TestClient, contract: Contract) -> None:
    data = client.get(pdf_url(contract)).content

    fonts = embedded_fonts(data)
    assert fonts, "the PDF names no fonts"
    assert [name for name, embedded in fonts.items() if not embedded] == []
    assert any("WenQuanYi" in name for name in fonts), fonts
    flags = pdfium_embedded_flags(data)
    assert flags
    assert set(flags) == {1}


def test_pdf_page_ocr_reads_title(client: TestClient, contract: Contract, tmp_path: Path) -> None:
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract is not installed (Debian packages tesseract-ocr and tesseract-ocr-chi-sim)")
    data = client.get(pdf_url(contract)).content
    document = pypdfium2.PdfDocument(data)
    try:
        image = document[0].render(scale=200 / 72).to_pil()
    finally:
        document.close()
    png = tmp_path / "timeline-page-1.png"
    image.save(png)

    result = subprocess.run(["tesseract", str(png), "-", "-l", "chi_sim"], capture_output=True, text=True,
                            timeout=120, check=True)
    ocr = "".join(result.stdout.split())
    # Boxes in place of glyphs would OCR as nothing like these words.
    assert "设备采购合同" in ocr, result.stdout
    assert "某某科技有限公司" in ocr, result.stdout


def test_long_timeline_page_numbers(client: TestClient, contract: Contract) -> None:
    add_many_records(client, contract, 150)

    pages = page_texts(client.get(pdf_url(contract)).content)

    total = len(pages)
    assert total >= 4
    for number, text in enumerate(pages, start=1):
        assert f"第 {number} 页 / 共 {total} 页" in text, (number, text[-200:])
    # The header row repeats on every page.
    for text in pages[1:]:
        assert "日期 事件类型 事项 状态" in text
    assert "第 150 次沟通：催告对方按期付款" in "\n".join(pages)


def test_pdf_in_english(client: TestClient, contract: Contract) -> None:
    response = client.get(pdf_url(contract), params={"lang": "en"})

    assert response.status_code == 200
    assert f'filename="timeline-HT-2025-001-{dt.date.today().isoformat()}.pdf"' in response.headers["content-disposition"]
    text = all_text(response.content)
    assert "Timeline: 设备采购合同" in text
    assert "Page 1 of 1" in text
    assert "Overdue" in text
    assert "Legal hold" in text
    assert "Generated by tester" in text
    assert "已逾期" not in text
    assert "时间线" not in text


def test_kind_filter_in_pdf(client: TestClient, contract: Contract) -> None:
    response = client.get(pdf_url(contract), params=[("kind", "record")])

    text = all_text(response.content)
    assert "第一批设备到货" in text
    assert "预付款 30%" not in text
    assert "诉前保全证据" not in text
    assert "事件类型 履约记录" in text


def test_date_window_in_pdf(client: TestClient, contract: Contract) -> None:
    response = client.get(pdf_url(contract), params={"zoom": "day", "around": "2025-02-14"})

    text = all_text(response.content)
    assert "2025-01-30 至 2025-03-01" in text
    assert "预付款 30%" in text
    assert "第一批设备到货" in text
    assert "2025-01-20" not in text  # the signing date lies before the window
    assert "诉前保全证据" not in text  # the hold was placed today, after the window


def test_record_summary_printed_as_text(client: TestClient, contract: Contract) -> None:
    add_record(client, contract.id, kind="communication", occurred_on=D(2025, 3, 2), summary=SCRIPT,
               detail={"channel": "letter", "participants": "张三", "outcome": "ok"})
    text = all_text(client.get(pdf_url(contract)).content)
    assert "<script>alert(1)</script>" in text


def test_export_audited(client: TestClient, contract: Contract) -> None:
    client.get(pdf_url(contract), params=[("kind", "record"), ("kind", "obligation")])

    with archive_of(client).session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
        [event] = [e for e in events if e.object_type == "contract"]
        assert event.object_id == str(contract.id)
        assert event.actor == "tester"
        assert event.summary["export"] == "timeline"
        assert event.summary["format"] == "pdf"
        assert event.summary["kinds"] == ["obligation", "record"]


def test_page_links_pdf_with_filters(client: TestClient, contract: Contract) -> None:
    page = client.get(f"/contracts/{contract.id}/timeline",
                      params=[("kind", "record"), ("zoom", "day"), ("around", "2025-02-14")]).text
    [link] = parse(page).xpath("//main//a[contains(@class, 'export-pdf')]")
    assert link.text_content() == "导出 PDF"

    address = urlsplit(link.get("href"))
    assert address.path == pdf_url(contract)
    assert parse_qs(address.query) == {"kind": ["record"], "zoom": ["day"], "around": ["2025-02-14"]}
    text = all_text(client.get(link.get("href")).content)
    assert "第一批设备到货" in text
    assert "预付款 30%" not in text


def test_restricted_pdf_not_found(client: TestClient, contract: Contract) -> None:
    settings = archive_of(client).settings
    add_user(settings, "outsider", "legal")
    with archive_of(client).session() as session:
        restrict_contract(session, SYSTEM, contract.id, usernames=["tester"], group_names=[])

    assert client.get(pdf_url(contract)).status_code == 200
    with signed_in_client(settings, "legal") as outsider:
        response = outsider.get(pdf_url(contract))
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "HT-2025-001" not in response.text


def test_unknown_contract_pdf_not_found(client: TestClient) -> None:
    assert client.get("/contracts/999999/timeline.pdf").status_code == 404


def test_missing_font_setting_error_page(client: TestClient, contract: Contract, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-font.ttf"
    settings = archive_of(client).settings.model_copy(update={"pdf_font": missing})
    with signed_in_client(settings, "legal") as other:
        response = other.get(pdf_url(contract))

    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    [message] = parse(response.text).xpath("//main//p[@role='alert']")
    assert f"PDF 字体 {missing} 无法使用：文件不存在" in message.text_content()
    assert "CONTRACT_ARCHIVE_PDF_FONT" in message.text_content()


def test_postscript_font_setting_error_page(client: TestClient, contract: Contract) -> None:
    if not NOTO_CJK.is_file():
        pytest.skip(f"{NOTO_CJK} is not installed (Debian package fonts-noto-cjk)")
    settings = archive_of(client).settings.model_copy(update={"pdf_font": NOTO_CJK})
    with signed_in_client(settings, "legal") as other:
        response = other.get(pdf_url(contract), params={"lang": "en"})

    assert response.status_code == 503
    [message] = parse(response.text).xpath("//main//p[@role='alert']")
    assert f"The PDF font {NOTO_CJK} cannot be used" in message.text_content()
    assert "PostScript (CFF) outlines" in message.text_content()


# The builder, without a database


def synthetic_timeline(count: int) -> dict:
    events = []
    for i in range(count):
        kind = ("record", "obligation", "document_version")[i % 3]
        events.append({
            "date": D(2023, 1, 1) + dt.timedelta(days=i), "kind": kind, "id": i + 1,
            "title": f"第 {i + 1} 项：设备到货验收合格后支付尾款", "state": "overdue" if kind == "obligation" else None,
            "overdue": kind == "obligation", "link": "", "source_link": None, "severity": None,
            "record_kind": "delivery", "alert": None,
        })
    return {"contract": {"id": 1, "number": "HT-BENCH", "title": "基准合同", "counterparty": "某某科技有限公司"},
            "events": events, "kinds": ["document_version", "obligation", "record"]}


def build(timeline: dict, locale: str = "zh_CN") -> bytes:
    return timeline_pdf.build_timeline_pdf(
        timeline, translations=get_translations(locale), font_name=pdf_fonts.register_cjk_font(),
        lang="zh-CN", generated_by="tester", generated_at=dt.datetime(2025, 6, 1, 9, 30, tzinfo=dt.timezone.utc))


def test_thousand_events_build() -> None:
    timeline = synthetic_timeline(1000)
    started = time.perf_counter()
    data = build(timeline)
    seconds = time.perf_counter() - started

    pages = page_texts(data)
    assert f"第 {len(pages)} 页 / 共 {len(pages)} 页" in pages[-1]
    assert "第 1000 项" in pages[-1]
    # A loose bound that catches a gross slowdown. bench/pages.py measures the real time.
    assert seconds < 5, seconds


def test_same_input_same_bytes() -> None:
    timeline = synthetic_timeline(40)
    assert build(timeline) == build(timeline)


def test_pdf_messages_translated() -> None:
    with CATALOG.open("rb") as po_file:
        catalog = read_po(po_file, locale="zh_CN")
    messages = set(timeline_pdf.KIND_LABELS.values())
    messages |= {pdf_fonts.FILE_MISSING, pdf_fonts.POSTSCRIPT_OUTLINES, pdf_fonts.NOT_TRUETYPE, pdf_fonts.NO_CHINESE}
    for module in (timeline_pdf, pdf_fonts):
        messages |= {message for _, message, _, _ in extract_from_file("python", module.__file__,
                                                                         keywords={"gettext": None})}
    missing = sorted(m for m in messages if not (catalog.get(m) and catalog.get(m).string))
    assert missing == []
