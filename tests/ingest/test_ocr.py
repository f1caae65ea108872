"""OCR of PDF pages without a usable text layer: the tender excerpt, synthetic scans and failure paths."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from archive import notices
from archive.settings import Settings
from ingest.ocr import OcrOptions, ocr_options_from_settings
from ingest.ocr.engine import parse_tsv
from ingest.ocr.page import page_from_tsv, repair_bracket
from ingest.parsed import OCR, Block, Page, ParsedDocument
from ingest.quality import REVIEW, UNREADABLE, assess_document
from ingest.readers import read_document
from ingest.readers.pdf import read_pdf
from ingest.segment import segment
from tests.conftest import REPO_ROOT, corpus_file
from tests.ingest import pdf_samples

TENDER = "zh_tender-excerpt_cid-font-no-tounicode_garbled.pdf"
INSTALL_HINT = "install tesseract-ocr and tesseract-ocr-chi-sim"
# How far an OCR word box may lie from where the text was drawn, in points. Tesseract's box for
# 应 reaches 3.3 points below the ink that Pillow reports for the line.
BOX_TOLERANCE_POINTS = 4.0


def require_tesseract() -> None:
    """Skip without tesseract and chi_sim, except in CI, where .ci/run installs them and a skip would hide a gap."""
    missing = shutil.which("tesseract") is None or not Path("/usr/share/tesseract-ocr").exists()
    if not missing:
        return
    if os.environ.get("CI"):
        pytest.fail("tesseract is required in CI; .ci/run installs tesseract-ocr and tesseract-ocr-chi-sim")
    pytest.skip("tesseract is not installed")


@pytest.fixture(scope="module")
def tender() -> ParsedDocument:
    """The tender excerpt read once with OCR: its four pages cost several seconds each."""
    require_tesseract()
    data = corpus_file(TENDER).read_bytes()
    return read_pdf(data, filename=TENDER, ocr=OcrOptions())


@pytest.fixture(scope="module")
def scan() -> tuple[ParsedDocument, list[pdf_samples.ScannedLine]]:
    require_tesseract()
    if not pdf_samples.NOTO_SANS_CJK.is_file():
        pytest.skip(f"{pdf_samples.NOTO_SANS_CJK} (fonts-noto-cjk) is missing")
    data, drawn = pdf_samples.scanned_pages(1)
    return read_pdf(data, filename="scan.pdf", ocr=OcrOptions()), drawn


@pytest.fixture
def two_page_scan() -> bytes:
    require_tesseract()
    if not pdf_samples.NOTO_SANS_CJK.is_file():
        pytest.skip(f"{pdf_samples.NOTO_SANS_CJK} (fonts-noto-cjk) is missing")
    data, _ = pdf_samples.scanned_pages(2)
    return data


# --- the tender excerpt: CJK fonts with no Unicode map at all ----------------------------------


@pytest.mark.corpus
def test_tender_pages_no_longer_need_ocr(tender: ParsedDocument):
    assert tender.needs_ocr_pages == []
    assert [page.text_source for page in tender.pages] == [OCR] * 4


@pytest.mark.corpus
def test_tender_confidence_recorded(tender: ParsedDocument):
    for page in tender.pages:
        assert page.ocr_confidence is not None, page.number
        assert page.ocr_confidence > 70, page.number


@pytest.mark.corpus
def test_tender_reads_chinese(tender: ParsedDocument):
    texts = [block.text for block in tender.blocks]

    assert "评标委员会对所有通过技术标评审的投标人进行商务标投标文件初步评审。" in texts
    assert any(text.startswith("34.4.2 招标人根据评标报告推荐的中标候选人") for text in texts)
    read_notice = notices.PDF_OCR_READ.format(pages="1, 2, 3, 4")
    assert read_notice in tender.warnings


@pytest.mark.corpus
def test_tender_clause_boundaries_found(tender: ParsedDocument):
    from bench.accuracy import normalize_label

    expected_file = REPO_ROOT / "tests" / "expected" / f"{TENDER}.json"
    expected = {
        (normalize_label(clause["label"]), clause["page"])
        for clause in json.loads(expected_file.read_text(encoding="utf-8"))["clauses"]
    }
    found = {(normalize_label(clause.number), clause.page_start) for clause in segment(tender) if clause.number}

    # Measured: 18 of the 40 boundaries. Circled numbers (①) come out of Tesseract as ©, ® or @.
    assert len(expected & found) >= 15
    assert ("(6)", 4) in expected & found


@pytest.mark.corpus
def test_tender_quality_record_shows_ocr(tender: ParsedDocument):
    record = assess_document(tender)

    assert record["pages_ocr"] == [1, 2, 3, 4]
    assert record["pages_needing_ocr"] == []
    assert all(page["ocr"] for page in record["pages"])
    assert all(page["ocr_confidence"] > 70 for page in record["pages"])
    assert record["verdict"] != UNREADABLE


# --- synthetic scanned pages -----------------------------------------------------------------


def test_scanned_page_text(scan):
    document, _ = scan

    texts = [block.text for block in document.blocks]
    assert len(texts) == 3
    # The space after the clause label is lost because OCR spaces every CJK character apart.
    assert texts[0].replace(" ", "") == "第一条合同标的"
    assert texts[1] == "甲方应于签约后支付价款"
    assert texts[2] == "Payment within 30 days"


def test_scanned_word_boxes_placed(scan):
    document, drawn = scan

    for block, line in zip(document.blocks, drawn):
        assert block.page == line.page
        assert block.bbox.x0 == pytest.approx(line.x0, abs=BOX_TOLERANCE_POINTS), line.text
        assert block.bbox.top == pytest.approx(line.top, abs=BOX_TOLERANCE_POINTS), line.text
        assert block.bbox.x1 == pytest.approx(line.x1, abs=BOX_TOLERANCE_POINTS), line.text
        assert block.bbox.bottom == pytest.approx(line.bottom, abs=BOX_TOLERANCE_POINTS), line.text


def test_scanned_page_marked_as_ocr(scan):
    document, _ = scan
    [page] = document.pages

    assert not page.needs_ocr
    assert page.ocr_reason is None
    assert page.text_source == OCR
    assert page.ocr_confidence is not None and page.ocr_confidence > 80


def test_read_pdf_without_options_skips_ocr(two_page_scan: bytes):
    document = read_pdf(two_page_scan, filename="scan.pdf")

    assert document.needs_ocr_pages == [1, 2]
    assert document.blocks == ()


def test_read_document_ocrs_by_default(two_page_scan: bytes):
    document = read_document(two_page_scan, filename="scan.pdf", format="pdf")

    assert document.needs_ocr_pages == []
    assert {block.page for block in document.blocks} == {1, 2}


# --- failure paths: each page keeps its mark and states what to do -----------------------------


def test_missing_tesseract_keeps_page_marked(two_page_scan: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATH", str(tmp_path))

    document = read_pdf(two_page_scan, filename="scan.pdf", ocr=OcrOptions())

    assert document.needs_ocr_pages == [1, 2]
    assert document.blocks == ()
    for page in document.pages:
        assert page.ocr_reason.startswith("no text layer; tesseract was not found"), page.number
        assert INSTALL_HINT in page.ocr_reason, page.number
    assert any(warning.startswith("OCR could not read pages 1, 2") for warning in document.warnings)


def test_missing_language_names_package(two_page_scan: bytes):
    document = read_pdf(two_page_scan, filename="scan.pdf", ocr=OcrOptions(languages="chi_sim+zzz"))

    assert document.needs_ocr_pages == [1, 2]
    assert "missing: zzz" in document.pages[0].ocr_reason
    assert INSTALL_HINT in document.pages[0].ocr_reason


def test_max_pages_leaves_rest_marked(two_page_scan: bytes):
    document = read_pdf(two_page_scan, filename="scan.pdf", ocr=OcrOptions(max_pages=1))

    assert document.needs_ocr_pages == [2]
    assert document.pages[0].text_source == OCR
    assert {block.page for block in document.blocks} == {1}
    reason = document.pages[1].ocr_reason
    assert "2 pages that need OCR and the limit is 1" in reason
    assert "CONTRACT_ARCHIVE_OCR_MAX_PAGES" in reason


def test_page_timeout_gives_reason(two_page_scan: bytes):
    document = read_pdf(two_page_scan, filename="scan.pdf", ocr=OcrOptions(page_timeout_seconds=0.01))

    assert document.needs_ocr_pages == [1, 2]
    assert document.blocks == ()
    assert "OCR timed out after 0.01 seconds" in document.pages[0].ocr_reason
    assert "CONTRACT_ARCHIVE_OCR_PAGE_TIMEOUT_SECONDS" in document.pages[0].ocr_reason


def test_rendered_images_removed(two_page_scan: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    read_pdf(two_page_scan, filename="scan.pdf", ocr=OcrOptions(max_pages=1))
    read_pdf(two_page_scan, filename="scan.pdf", ocr=OcrOptions(page_timeout_seconds=0.01))

    assert list(tmp_path.iterdir()) == []


def test_disabled_ocr_leaves_reason_unchanged(two_page_scan: bytes):
    options = ocr_options_from_settings(Settings(ocr_enabled=False, _env_file=None))

    document = read_pdf(two_page_scan, filename="scan.pdf", ocr=options)

    assert document.needs_ocr_pages == [1, 2]
    assert document.pages[0].ocr_reason == "no text layer"


# --- pure parts: TSV parsing, coordinates, confidence, bracket repair -----------------------

TSV_HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
TSV = "\n".join(
    [
        TSV_HEADER,
        "1\t1\t0\t0\t0\t0\t0\t0\t2480\t3508\t-1\t",
        "4\t1\t1\t1\t1\t0\t300\t600\t900\t60\t-1\t",
        "5\t1\t1\t1\t1\t1\t300\t600\t60\t60\t90\t甲",
        "5\t1\t1\t1\t1\t2\t375\t630\t50\t6\t80\t一",
        "5\t1\t1\t1\t1\t3\t450\t600\t60\t60\t-1\t ",
        "4\t1\t1\t1\t2\t0\t300\t900\t300\t60\t-1\t",
        "5\t1\t1\t1\t2\t1\t300\t900\t300\t60\t10\tRPAWF",
    ]
)


def test_tsv_words_become_points():
    page = page_from_tsv(parse_tsv(TSV), dpi=300, min_line_confidence=40)

    first, second = page.glyphs
    assert first.text == "甲"
    assert (first.x0, first.top, first.x1, first.bottom) == pytest.approx((72.0, 144.0, 86.4, 158.4))
    # Every word of a line shares the line's bottom as its baseline, even a flat 一.
    assert first.origin_y == second.origin_y == pytest.approx(158.4)
    assert first.size == pytest.approx(14.4)


def test_tsv_confidence_ignores_blank_and_negative():
    page = page_from_tsv(parse_tsv(TSV), dpi=300, min_line_confidence=40)

    assert page.confidence == pytest.approx(60.0)
    assert page.word_count == 3


def test_low_confidence_line_dropped():
    page = page_from_tsv(parse_tsv(TSV), dpi=300, min_line_confidence=40)

    assert [glyph.text for glyph in page.glyphs] == ["甲", "一"]
    assert page.dropped_lines == 1


@pytest.mark.parametrize(
    ("word", "repaired"),
    [("C1)", "(1)"), ("CL)", "(1)"), ("《4)", "(4)"), ("〈《八)", "(八)"), ("〈含)", "(含)"),
     ("(3)", "(3)"), ("C)", "C)"), ("ABC)", "ABC)"), ("Co)", "Co)")],
)
def test_bracket_repair(word: str, repaired: str):
    assert repair_bracket(word) == repaired


def test_low_confidence_page_needs_review():
    page = Page(1, 595, 842, 0, text_source=OCR, ocr_confidence=45.0)
    document = ParsedDocument(
        media_type="application/pdf", blocks=(Block(text="甲方应于签约后支付价款", page=1),), pages=(page,)
    )

    record = assess_document(document)

    assert record["pages_low_ocr_confidence"] == [1]
    assert record["pages"][0]["ocr_confidence"] == 45.0
    assert record["verdict"] == REVIEW


def test_settings_become_options():
    settings = Settings(ocr_languages="eng", ocr_dpi=200, ocr_max_pages=3, ocr_workers=2, _env_file=None)

    options = ocr_options_from_settings(settings)

    assert (options.enabled, options.languages, options.dpi, options.max_pages, options.workers) == (
        True, "eng", 200, 3, 2
    )


@pytest.mark.parametrize(("scan_resolution", "expected"), [(200, 200), (600, 300), (100, 150)])
def test_scan_rendered_at_own_resolution(scan_resolution: int, expected: int) -> None:
    import io

    import pypdfium2 as pdfium
    from PIL import Image

    from ingest.ocr.document import scan_dpi

    width = round(8.27 * scan_resolution)  # an A4 page's width in pixels
    image = Image.new("L", (width, round(11.69 * scan_resolution)), 255)
    buffer = io.BytesIO()
    image.save(buffer, "PDF", resolution=scan_resolution)
    document = pdfium.PdfDocument(buffer.getvalue())
    try:
        assert scan_dpi(document, 1, 300) == expected
    finally:
        document.close()


def test_text_page_rendered_at_configured_resolution() -> None:
    import pypdfium2 as pdfium

    from ingest.ocr.document import scan_dpi

    document = pdfium.PdfDocument(pdf_samples.cid_without_to_unicode())
    try:
        assert scan_dpi(document, 1, 300) == 300
    finally:
        document.close()


def test_retry_replaces_warnings_of_earlier_reading(two_page_scan: bytes, tmp_path: Path):
    from archive.context import open_archive
    from ingest.pipeline import ingest_path, retry_version

    scan = tmp_path / "scan.pdf"
    scan.write_bytes(two_page_scan)
    data = tmp_path / "data"
    not_read = notices.PDF_OCR_NOT_READ.format(pages="2")
    limited = open_archive(Settings(data_dir=data, ocr_max_pages=1, _env_file=None))
    try:
        first = ingest_path(limited, scan)
    finally:
        limited.close()
    assert not_read in first.warnings

    raised = open_archive(Settings(data_dir=data, ocr_max_pages=10, _env_file=None))
    try:
        second = retry_version(raised, first.document_version_id)
    finally:
        raised.close()
    assert second.needs_ocr_pages == []
    assert not_read not in second.warnings


def test_show_prints_ocr_confidence(two_page_scan: bytes, tmp_path: Path):
    from tests.test_cli_errors import run_cli

    scan = tmp_path / "scan.pdf"
    scan.write_bytes(two_page_scan)
    assert run_cli(tmp_path, "ingest", str(scan)).returncode == 0

    output = run_cli(tmp_path, "show", "1")

    line = next(line for line in output.stdout.splitlines() if "OCR mean word confidence" in line)
    # One "page: confidence" pair per OCRed page, each a number from Tesseract's 0-100 scale.
    pairs = line.split("page:", 1)[1].split(",")
    assert [pair.split(":")[0].strip() for pair in pairs] == ["1", "2"]
    assert all(0 < float(pair.split(":")[1]) <= 100 for pair in pairs)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            OcrOptions(max_pages=1),
            "没有文字层；未做 OCR：本文档有 2 页需要 OCR，超过每份文档 1 页的上限；"
            "请调高 CONTRACT_ARCHIVE_OCR_MAX_PAGES 后重试此版本",
        ),
        (
            OcrOptions(page_timeout_seconds=0.01),
            "没有文字层；OCR 超时（0.01 秒）；请调高 CONTRACT_ARCHIVE_OCR_PAGE_TIMEOUT_SECONDS 后重试此版本",
        ),
    ],
)
def test_page_reason_shown_in_chinese(two_page_scan: bytes, options: OcrOptions, expected: str):
    from archive.i18n import get_translations
    from archive.notices import localize_reason

    document = read_pdf(two_page_scan, filename="scan.pdf", ocr=options)

    # Every part of the stored English reason has a translation, so no English is left over.
    assert localize_reason(document.pages[1].ocr_reason, get_translations("zh_CN").gettext) == expected
