"""The evidence index as PDF and XLSX: Chinese text drawn in an embedded font, page ranges from the bundle, same bytes each build."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pdfplumber
import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from archive.evidence.bundle import build_bundle
from archive.evidence.index_pdf import Parties, build_index_pdf, chinese_numeral
from archive.evidence.index_xlsx import build_index_xlsx
from archive.evidence.items import EvidenceItem, PageRange
from archive.i18n import get_translations
from tests.conftest import REPO_ROOT, corpus_file

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZH = get_translations("zh_CN")
EN = get_translations("en")
PARTIES = Parties(submitter="上海甲机电设备有限公司（原告）", opponent="山西乙科技有限公司（被告）")
CASE = "上海甲机电设备有限公司诉山西乙科技有限公司买卖合同纠纷"
DATE = dt.date(2024, 5, 6)
GENERATED_AT = dt.datetime(2024, 5, 6, 9, 30, tzinfo=dt.timezone.utc)

ITEMS = [
    EvidenceItem(1, 1, "电脑及办公设备采购合同", "original", "原告与被告签订",
                 "证明原、被告之间存在买卖合同关系，被告应于验收合格后十五日内支付全部货款。", "contract.pdf", PDF),
    EvidenceItem(1, 2, "Services Agreement", "copy", "Federated", "Proves the fee schedule.", "services.pdf", PDF),
    EvidenceItem(2, 1, "付款明细表", "electronic", "原告财务部", "证明被告仅支付部分货款。", "payments.xlsx", XLSX),
    EvidenceItem(2, 2, "催款函", "copy", "原告", "证明原告已催告被告付款，被告逾期未付。", "demand.pdf", PDF),
]
RANGES = {"1-1": PageRange(1, 3), "1-2": PageRange(4, 7), "2-2": PageRange(8, 8)}


def index_pdf(items=ITEMS, ranges=RANGES, translations=ZH) -> bytes:  # type: ignore[no-untyped-def]
    return build_index_pdf(items, ranges, case_name=CASE, parties=PARTIES, date=DATE, translations=translations)


def index_xlsx(items=ITEMS, ranges=RANGES, translations=ZH) -> bytes:  # type: ignore[no-untyped-def]
    return build_index_xlsx(items, ranges, case_name=CASE, parties=PARTIES, date=DATE, translations=translations,
                            generated_at=GENERATED_AT)


def table_rows(data: bytes) -> list[list[str]]:
    """Return the index table's rows from every page, as pdfplumber reads the ruled cells."""
    rows: list[list[str]] = []
    with pdfplumber.open(io.BytesIO(data)) as document:
        for page in document.pages:
            for table in page.extract_tables():
                rows.extend([(cell or "").replace("\n", "") for cell in row] for row in table)
    return rows


def pdf_texts(data: bytes) -> list[str]:
    document = pdfium.PdfDocument(data)
    try:
        return [document[index].get_textpage().get_text_range() for index in range(len(document))]
    finally:
        document.close()


def test_index_pages_match_bundle_ranges() -> None:
    contract = corpus_file("zh_office-equipment-procurement-contract_original.pdf")
    services = corpus_file("en_cuad_services-agreement_federated_base.pdf")
    demand = corpus_file("en_cuad_services-agreement_federated_amendment1.pdf")
    sources = {"1-1": contract, "1-2": services, "2-2": demand}
    output = io.BytesIO()
    ranges = build_bundle([(item, sources.get(item.label)) for item in ITEMS], output, translations=ZH)

    rows = table_rows(index_pdf(ranges=ranges))
    pages_by_label = {row[0]: row[4] for row in rows if row[0] and row[0][0].isdigit()}
    assert pages_by_label == {"1-1": str(ranges["1-1"]), "1-2": str(ranges["1-2"]), "2-1": "—",
                              "2-2": str(ranges["2-2"])}
    assert ranges["1-2"].first == ranges["1-1"].last + 1


def test_index_table_rows_and_groups() -> None:
    rows = table_rows(index_pdf())
    assert rows[0] == ["序号", "证据名称", "证据来源", "证明目的", "页码"]
    assert rows[1][0] == "证据一"
    assert rows[2][:2] == ["1-1", "电脑及办公设备采购合同"]
    assert rows[2][2] == "原件原告与被告签订"
    assert rows[4][0] == "证据二"
    assert rows[5][2].startswith("电子数据")


def test_index_header_and_footer_text() -> None:
    text = pdf_texts(index_pdf())[0]
    assert "证据目录" in text
    assert f"案件名称：{CASE}" in text
    assert f"提交人：{PARTIES.submitter}" in text
    assert f"对方当事人：{PARTIES.opponent}" in text
    assert "日期：2024年5月6日" in text
    assert "第 1 页 共 1 页" in text


def test_index_english() -> None:
    data = index_pdf(translations=EN)
    text = pdf_texts(data)[0]
    assert "Evidence index" in text
    assert "Evidence group 1" in text
    assert "Fact to be proved" in text
    assert "Page 1 of 1 pages" in text
    assert "证据目录" not in text


def test_index_pdf_readable_by_ocr(tmp_path: Path) -> None:
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract is not installed")
    image = tmp_path / "index.png"
    pdfium.PdfDocument(index_pdf())[0].render(scale=3).to_pil().save(image)
    result = subprocess.run(["tesseract", str(image), "-", "-l", "chi_sim"], capture_output=True, text=True,
                            timeout=120, check=False)
    if "chi_sim" in result.stderr and result.returncode != 0:
        pytest.skip(f"tesseract has no chi_sim data: {result.stderr.strip()}")
    read = "".join(result.stdout.split())
    assert "证据目录" in read
    assert "办公设备采购合同" in read


def test_index_fonts_embedded() -> None:
    for data in (index_pdf(), index_pdf(translations=EN)):
        fonts = []
        for page in PdfReader(io.BytesIO(data)).pages:
            for font in page["/Resources"]["/Font"].values():
                fonts.append(font.get_object())
        assert fonts
        for font in fonts:
            descriptor = font["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, f"font {font['/BaseFont']} is not embedded"


def test_index_pdf_same_bytes_twice() -> None:
    assert index_pdf() == index_pdf()
    assert index_pdf() != index_pdf(translations=EN)


def long_items(count: int) -> list[EvidenceItem]:
    return [EvidenceItem(1 + index // 10, 1 + index % 10, f"往来函件第 {index + 1} 份", "copy", "被告",
                         "证明被告确认欠款金额并承诺付款。" * 6, f"letter-{index}.pdf", PDF) for index in range(count)]


def test_index_header_repeated_on_each_page() -> None:
    texts = pdf_texts(index_pdf(items=long_items(40), ranges={}))
    assert len(texts) > 1
    for number, text in enumerate(texts, start=1):
        assert "证明目的" in text, f"page {number} has no table header"
        assert f"第 {number} 页 共 {len(texts)} 页" in text


def test_index_row_longer_than_page() -> None:
    very_long = EvidenceItem(1, 1, "会议纪要", "original", "双方", "证明双方确认了交付延误的原因和责任。" * 200,
                             "minutes.pdf", PDF)
    texts = pdf_texts(index_pdf(items=[very_long], ranges={}))
    assert len(texts) > 1


def test_chinese_group_numerals() -> None:
    assert [chinese_numeral(n) for n in (1, 9, 10, 11, 20, 21, 99, 100)] == [
        "一", "九", "十", "十一", "二十", "二十一", "九十九", "100"]


def test_xlsx_cells() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(index_xlsx())).active
    assert sheet.title == "证据目录"
    assert sheet["A1"].value == "证据目录"
    assert sheet["A2"].value == f"案件名称：{CASE}"
    assert sheet["A3"].value == f"提交人：{PARTIES.submitter}"
    assert sheet["A4"].value == f"对方当事人：{PARTIES.opponent}"
    assert sheet["A5"].value == "日期：2024年5月6日"
    assert [cell.value for cell in sheet[7]] == ["序号", "证据名称", "证据来源", "证明目的", "页码"]
    assert sheet["A8"].value == "证据一"
    assert [cell.value for cell in sheet[9]] == ["1-1", "电脑及办公设备采购合同", "原件\n原告与被告签订",
                                                 ITEMS[0].purpose, "1-3"]
    assert sheet["E10"].value == "4-7"
    assert sheet["A11"].value == "证据二"
    assert sheet["E12"].value == "—"
    assert sheet["E13"].value == "8"
    merged = {str(cell_range) for cell_range in sheet.merged_cells.ranges}
    assert {"A8:E8", "A11:E11"} <= merged
    assert sheet["D9"].alignment.wrap_text


def test_xlsx_print_setup() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(index_xlsx())).active
    assert sheet.freeze_panes == "A8"
    assert sheet.print_title_rows == "$7:$7"
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
    assert sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.column_dimensions["D"].width > sheet.column_dimensions["A"].width


def test_xlsx_properties_from_argument() -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(index_xlsx()))
    assert workbook.properties.created == dt.datetime(2024, 5, 6, 9, 30)
    assert workbook.properties.modified == dt.datetime(2024, 5, 6, 9, 30)


def test_xlsx_formula_text_kept() -> None:
    item = EvidenceItem(1, 1, "=HYPERLINK(\"http://example.invalid\")", "copy", "x", "y", "a.pdf", PDF)
    sheet = openpyxl.load_workbook(io.BytesIO(index_xlsx(items=[item], ranges={}))).active
    assert sheet["B9"].value == item.name
    assert sheet["B9"].data_type == "s"


def test_xlsx_same_bytes_at_other_time() -> None:
    first = index_xlsx()
    # ZIP entries store time in 2-second steps, so a later build would differ if the clock were used.
    time.sleep(2.1)
    assert index_xlsx() == first


BUILD_BOTH = """
import hashlib, sys
sys.path.insert(0, {root!r})
from tests.archive.test_evidence_index import index_pdf, index_xlsx
print(hashlib.sha256(index_pdf()).hexdigest(), hashlib.sha256(index_xlsx()).hexdigest())
"""


def test_same_bytes_in_other_process() -> None:
    # Another hash seed changes the iteration order of sets of strings.
    digests = set()
    for seed in ("1", "2"):
        result = subprocess.run([sys.executable, "-c", BUILD_BOTH.format(root=str(REPO_ROOT))], capture_output=True,
                                text=True, timeout=120, check=True, cwd=REPO_ROOT,
                                env={**os.environ, "PYTHONHASHSEED": seed})
        digests.add(result.stdout.strip())
    assert len(digests) == 1
