from __future__ import annotations

import re
from pathlib import Path

import pytest

import ingest.readers.pdf as pdf_reader
from ingest.parsed import BBox, Block, Page
from ingest.readers.pdf import read_pdf
from ingest.readers.pdf_furniture import FurnitureParams, FurnitureSplit, split_furniture
from ingest.segment import segment
from tests.ingest import pdf_samples

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
HEIGHT = 842.0
DASHED_PAGE_NUMBER = re.compile(r"^-\s*\d+\s*-$")


def corpus_file(name: str) -> bytes:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"corpus file {name} is not available")
    return path.read_bytes()


def line(text: str, page: int, top: float, cells: tuple[str, ...] | None = None) -> Block:
    return Block(text=text, page=page, bbox=BBox(72.0, top, 300.0, top + 10.0), cells=cells)


def pages_of(count: int) -> list[Page]:
    return [Page(number, 595.0, HEIGHT, 100) for number in range(1, count + 1)]


# --- synthetic PDFs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "footer", ["- {number} -", "第 {number} 页 共 {count} 页", "Page {number} of {count}"]
)
def test_header_and_footer_become_furniture(footer: str):
    document = read_pdf(pdf_samples.running_header_and_footer(footer), filename="sample.pdf")
    texts = [block.text for block in document.blocks]
    footers = [footer.format(number=number, count=3) for number in (1, 2, 3)]

    assert pdf_samples.RUNNING_HEADER not in texts
    for printed in footers:
        assert "".join(printed.split()) not in ["".join(text.split()) for text in texts]
    for page, printed in zip(document.pages, footers):
        assert len(page.furniture) == 2
        assert page.furniture[0] == pdf_samples.RUNNING_HEADER
        assert "".join(page.furniture[1].split()) == "".join(printed.split())
    assert len(document.page_furniture) == 2
    assert document.page_furniture[0] == pdf_samples.RUNNING_HEADER
    assert "".join(document.page_furniture[1].split()) == "".join(footers[0].split())


@pytest.mark.parametrize("footer", ["第{cn}页 共{cn_count}页", "- {cn} -"])
def test_chinese_numeral_page_numbers_become_furniture(footer: str):
    document = read_pdf(pdf_samples.running_header_and_footer(footer), filename="sample.pdf")
    texts = ["".join(block.text.split()) for block in document.blocks]
    numerals = pdf_samples.CHINESE_NUMERALS
    footers = ["".join(footer.format(cn=numerals[n], cn_count=numerals[3]).split()) for n in (1, 2, 3)]

    for printed in footers:
        assert printed not in texts
    for page, printed in zip(document.pages, footers):
        assert "".join(page.furniture[-1].split()) == printed


def test_clause_at_page_top_kept():
    document = read_pdf(pdf_samples.running_header_and_footer(), filename="sample.pdf")
    second_page = [block for block in document.blocks if block.page == 2]
    heading = pdf_samples.PAGE_BODY_LINES[1][0]

    assert [block.text for block in second_page] == list(pdf_samples.PAGE_BODY_LINES[1])
    # The heading really is in the top band, so only the repeat test keeps it.
    assert second_page[0].text == heading
    assert second_page[0].bbox.top < FurnitureParams().margin_band_share * document.pages[1].height


def test_body_lines_all_kept():
    document = read_pdf(pdf_samples.running_header_and_footer(), filename="sample.pdf")
    expected = [text for pair in pdf_samples.PAGE_BODY_LINES for text in pair]

    assert [block.text for block in document.blocks] == expected


# --- split_furniture on blocks ------------------------------------------------------------


def test_masked_digits_repeat():
    blocks = [line(f"HT-2024 rev {number}", number, 20.0) for number in (1, 2, 3)]
    blocks += [line(f"Body {number}", number, 400.0) for number in (1, 2, 3)]
    split = split_furniture(blocks, pages_of(3))

    assert [block.text for block in split.blocks] == ["Body 1", "Body 2", "Body 3"]
    assert split.texts == ("HT-2024 rev 1",)
    assert [page.furniture for page in split.pages] == [
        ("HT-2024 rev 1",), ("HT-2024 rev 2",), ("HT-2024 rev 3",)
    ]


def test_two_page_header_kept():
    blocks = [line("Company name", number, 20.0) for number in (1, 2)]
    split = split_furniture(blocks, pages_of(2))

    assert len(split.blocks) == 2
    assert split.texts == ()


def test_repeat_outside_bands_kept():
    blocks = [line("Company name", number, 400.0) for number in (1, 2, 3)]
    split = split_furniture(blocks, pages_of(3))

    assert len(split.blocks) == 3
    assert all(page.furniture == () for page in split.pages)


def test_repeat_below_page_share_kept():
    # On 3 of 10 pages the line is short of the default half of the pages.
    blocks = [line("Company name", number, 20.0) for number in (1, 2, 3)]
    blocks += [line("Body", number, 400.0) for number in range(1, 11)]
    split = split_furniture(blocks, pages_of(10))

    assert len(split.blocks) == 13
    assert split.texts == ()


def test_lone_page_number_on_one_page():
    blocks = [line("Body", 1, 400.0), line("7", 1, HEIGHT - 30.0)]
    split = split_furniture(blocks, pages_of(1))

    assert [block.text for block in split.blocks] == ["Body"]
    assert split.pages[0].furniture == ("7",)


def test_page_number_in_body_kept():
    blocks = [line("7", 1, 400.0)]
    split = split_furniture(blocks, pages_of(1))

    assert len(split.blocks) == 1


def test_table_row_in_band_kept():
    blocks = [line("2 | Laptop", 1, 20.0, cells=("2", "Laptop")), line("3", 1, 20.0, cells=("3",))]
    split = split_furniture(blocks, pages_of(1))

    assert len(split.blocks) == 2


# --- corpus -------------------------------------------------------------------------------


@pytest.mark.corpus
def test_beijing_page_numbers_are_furniture():
    document = read_pdf(
        corpus_file("zh_beijing_training-service-model_bf-2021-2730.pdf"), filename="model.pdf"
    )

    assert not [block.text for block in document.blocks if DASHED_PAGE_NUMBER.match(block.text)]
    assert len(document.pages) == 10
    for page in document.pages:
        numbers = [text for text in page.furniture if DASHED_PAGE_NUMBER.match(text)]
        assert len(numbers) == 1
        assert re.sub(r"\D", "", numbers[0]) == str(page.number)
    assert DASHED_PAGE_NUMBER.match(document.page_furniture[0])


@pytest.mark.corpus
def test_cuad_clause_count_unchanged(monkeypatch: pytest.MonkeyPatch):
    data = corpus_file("en_cuad_supply-agreement_west-pharma.pdf")
    with_split = read_pdf(data, filename="supply.pdf")
    monkeypatch.setattr(
        pdf_reader,
        "split_furniture",
        lambda blocks, pages: FurnitureSplit(tuple(blocks), tuple(pages), ()),
    )
    without_split = read_pdf(data, filename="supply.pdf")

    # The file has a running source line on every page, so the split has work to do.
    assert len(with_split.page_furniture) == 1
    assert len(with_split.blocks) < len(without_split.blocks)
    assert len(segment(with_split)) == len(segment(without_split))
