"""Tests for ruled tables in PDFs: synthetic grids with spans and hidden rules, and the corpus."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

from ingest.readers.pdf import read_pdf
from ingest.readers.pdf_tables import join_wrapped, read_rules
from tests.ingest import pdf_samples

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
PAGE_HEIGHT = pdf_samples.A4_HEIGHT


def corpus_file(name: str) -> bytes:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"corpus file {name} is not available")
    return path.read_bytes()


def table_rows(data: bytes) -> list[tuple[str, ...]]:
    document = read_pdf(data, filename="sample.pdf")
    return [block.cells for block in document.blocks if block.cells is not None]


# --- synthetic grids ----------------------------------------------------------------------


def test_payment_table_exact_rows():
    assert table_rows(pdf_samples.ruled_payment_table()) == [
        ("款项", "付款日期", "比例"),
        ("合同价款", "2024年3月5日", "30%"),
        ("合同价款", "2024年6月30日", "70% due on acceptance"),
    ]


def test_payment_table_row_text():
    document = read_pdf(pdf_samples.ruled_payment_table(), filename="c09.pdf")
    texts = [block.text for block in document.blocks]
    assert "合同价款 | 2024年3月5日 | 30%" in texts
    assert "2024年3月5日" in document.text


def test_payment_table_reading_order():
    document = read_pdf(pdf_samples.ruled_payment_table(), filename="c09.pdf")
    texts = [block.text for block in document.blocks]
    assert texts[0] == "Payment schedule"
    assert texts[1] == "款项 | 付款日期 | 比例"
    assert texts[-1] == "End of schedule"
    assert len(texts) == 5


def test_payment_table_row_boxes():
    document = read_pdf(pdf_samples.ruled_payment_table(), filename="c09.pdf")
    rows = [block for block in document.blocks if block.cells is not None]
    assert [row.bbox.as_list() for row in rows] == [
        [72.0, PAGE_HEIGHT - 740, 522.0, PAGE_HEIGHT - 700],
        [72.0, PAGE_HEIGHT - 700, 522.0, PAGE_HEIGHT - 660],
        [72.0, PAGE_HEIGHT - 660, 522.0, PAGE_HEIGHT - 620],
    ]
    assert all(row.page == 1 for row in rows)


def test_table_glyphs_leave_lines():
    document = read_pdf(pdf_samples.ruled_payment_table(), filename="c09.pdf")
    lines = [block.text for block in document.blocks if block.cells is None]
    assert lines == ["Payment schedule", "End of schedule"]


def test_invisible_rules_dropped():
    document = pdfium.PdfDocument(pdf_samples.ruled_payment_table())
    try:
        rules = read_rules(document[0])
    finally:
        document.close()
    positions = {round(rule.position, 1) for rule in rules if rule.horizontal}
    assert PAGE_HEIGHT - 679 not in positions  # the white line
    assert PAGE_HEIGHT - 690 not in positions  # the 0 w line
    assert PAGE_HEIGHT - 700 in positions


def test_open_sided_table_rows():
    assert table_rows(pdf_samples.open_sided_table()) == [
        ("Item", "Qty", "Price"),
        ("Desk", "2", "300"),
        ("Total 600", "Total 600", "Total 600"),
    ]


def test_full_width_row_text_once():
    document = read_pdf(pdf_samples.open_sided_table(), filename="open.pdf")
    assert document.blocks[-1].text == "Total 600"


def test_box_without_columns_not_table():
    document = read_pdf(pdf_samples.boxed_paragraph(), filename="box.pdf")
    assert [block.cells for block in document.blocks] == [None, None]
    assert document.blocks[1].text == "This box is not a table."


@pytest.mark.parametrize(
    ("before", "after", "joined"),
    [
        ("2024年3月", "5日", "2024年3月5日"),
        ("单价", "（元）", "单价（元）"),
        ("70% due on", "acceptance", "70% due on acceptance"),
        ("", "first", "first"),
    ],
)
def test_join_wrapped(before: str, after: str, joined: str):
    assert join_wrapped(before, after) == joined


# --- corpus -------------------------------------------------------------------------------


def test_procurement_price_table():
    data = corpus_file("zh_office-equipment-procurement-contract_original.pdf")
    rows = table_rows(data)
    item_rows = [cells for cells in rows if len({cell for cell in cells if cell}) >= 4]
    # The header on page 1 and items 1 to 7 across pages 1 and 2.
    assert len(item_rows) == 8
    assert all(len(cells) == 8 for cells in item_rows)
    assert item_rows[0][6] == "单价（元）"
    assert item_rows[1][0] == "1"
    # The last column has no rule on its right side, and its amounts must still be read.
    assert item_rows[1][7] == "20,050"


def test_procurement_total_row():
    data = corpus_file("zh_office-equipment-procurement-contract_original.pdf")
    document = read_pdf(data, filename="procurement.pdf")
    totals = [block for block in document.blocks if block.cells and block.text.startswith("总价大写")]
    assert len(totals) == 1
    assert "66,600.00" in totals[0].text
    assert totals[0].page == 2


def test_procurement_cells_single_line():
    data = corpus_file("zh_office-equipment-procurement-contract_original.pdf")
    for cells in table_rows(data):
        assert all(isinstance(cell, str) and "\n" not in cell for cell in cells)


def test_text_pdf_has_no_table_rows():
    data = corpus_file("en_cuad_services-agreement_federated_base.pdf")
    document = read_pdf(data, filename="base.pdf")
    assert document.blocks
    assert table_rows(data) == []
