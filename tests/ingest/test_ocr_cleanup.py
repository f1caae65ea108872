"""OCR clean-up steps: script choice per page, speck removal, tall-line rereading and tables on scans."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

import ingest.ocr.document as ocr_document
from archive import notices
from ingest.ocr import OcrOptions
from ingest.ocr.document import _Reader
from ingest.ocr.engine import LineBox, OcrTimeoutError, TsvResult, Word
from ingest.ocr.page import page_from_tsv
from ingest.ocr.reread import latin_lines, reread_lines, reread_tall_lines, tall_lines, weak_lines
from ingest.ocr.script import MIN_LETTERS, LanguagePlan, ScriptGuess, han_share, language_plan
from ingest.ocr.specks import remove_specks
from ingest.ocr.text import repair_amounts
from ingest.parsed import Block, ParsedDocument
from ingest.readers.pdf import read_pdf
from tests.ingest import pdf_samples
from tests.ingest.test_ocr import require_tesseract

DPI = pdf_samples.SCAN_DPI
PIXELS_PER_POINT = DPI / 72.0


def require_cjk_font() -> None:
    if not pdf_samples.NOTO_SANS_CJK.is_file():
        pytest.skip(f"{pdf_samples.NOTO_SANS_CJK} (fonts-noto-cjk) is missing")


def cjk_font(points: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(pdf_samples.NOTO_SANS_CJK), round(points * PIXELS_PER_POINT))


# --- script.py: which models read a page ---------------------------------------------------


@pytest.mark.parametrize(
    ("languages", "plan"),
    [
        ("chi_sim+eng", LanguagePlan(han="chi_sim", full="chi_sim+eng")),
        ("eng+chi_sim", LanguagePlan(han="chi_sim", full="eng+chi_sim")),
        ("chi_tra+eng+jpn", LanguagePlan(han="chi_tra", full="chi_tra+eng+jpn")),
        ("chi_sim+chi_tra+eng", LanguagePlan(han="chi_sim+chi_tra", full="chi_sim+chi_tra+eng")),
        ("eng+chi_sim_vert", LanguagePlan(han="chi_sim_vert", full="eng+chi_sim_vert")),
    ],
)
def test_language_plan_mixed_models(languages: str, plan: LanguagePlan):
    assert language_plan(languages) == plan


@pytest.mark.parametrize("languages", ["chi_sim", "eng", "chi_sim+chi_tra", "eng+jpn", ""])
def test_language_plan_one_kind_of_model(languages: str):
    # A single kind of model leaves nothing to choose between.
    assert language_plan(languages) is None


def test_han_share_chinese_text():
    share = han_share(["甲方应于签约后七日内支付全部价款", "乙方按期交付设备"])

    assert share == pytest.approx(1.0)


def test_han_share_english_text():
    share = han_share(["Payment within thirty days", "of delivery"])

    assert share == pytest.approx(0.0)


def test_han_share_mixed_text():
    # 10 ideographs and 27 Latin letters. Digits and punctuation are not letters.
    share = han_share(["甲方应于签约后支付价", "Contract number ABC-2024 for laptops", "。"])

    assert share == pytest.approx(10 / 37)


def test_han_share_too_few_letters():
    # 19 letters, one short of MIN_LETTERS, with many digits that must not count.
    texts = ["2024-05-01", "合同", "Invoice", "ABCDEFGHIJ", "12345"]
    assert sum(len(text) for text in texts) > MIN_LETTERS

    assert han_share(texts) is None


def test_han_share_enough_letters():
    assert han_share(["合同", "Invoice", "ABCDEFGHIJK"]) == pytest.approx(2 / 20)


def test_script_guess_starts_chinese():
    assert ScriptGuess().han is True
    assert ScriptGuess(han=False).han is False


def test_script_guess_update():
    guess = ScriptGuess()

    guess.update(False)
    assert guess.han is False
    guess.update(True)
    assert guess.han is True


# --- document._Reader: the script choice with a fake tesseract --------------------------------

CHINESE_WORDS = ("甲方应于签约后", "七日内支付", "全部价款", "乙方按期交付设备")
ENGLISH_WORDS = ("Payment", "within", "thirty", "days", "of", "delivery")


def tsv_result(texts: tuple[str, ...]) -> TsvResult:
    """Build a one-line result whose words sit side by side."""
    key = (1, 1, 1)
    words = [Word(text, 100 + 200 * index, 100, 180, 30, 90.0, key) for index, text in enumerate(texts)]
    return TsvResult(words, {key: LineBox(100, 100, 200 * len(texts), 30)})


@dataclass
class FakeTesseract:
    """A stand-in for run_tesseract that returns a fixed reading for each model list and records every call."""

    readings: dict[str, TsvResult]
    timeout_for: str | None = None
    calls: list[str] | None = None

    def __call__(self, executable: str, image: Path, *, languages: str, **_: object) -> TsvResult:
        assert self.calls is not None
        self.calls.append(languages)
        if languages == self.timeout_for:
            raise OcrTimeoutError(1.0)
        return self.readings[languages]


def fake_tesseract(
    monkeypatch: pytest.MonkeyPatch, readings: dict[str, TsvResult], timeout_for: str | None = None
) -> FakeTesseract:
    fake = FakeTesseract(readings, timeout_for, [])
    monkeypatch.setattr(ocr_document, "run_tesseract", fake)
    return fake


def read_page(reader: _Reader) -> tuple[TsvResult, str]:
    return reader.read(Path("page-1.png"), time.monotonic() + 60)


def make_reader(guess: ScriptGuess, languages: str = "chi_sim+eng") -> _Reader:
    return _Reader("tesseract", OcrOptions(languages=languages, dpi=DPI), guess)


def test_chinese_page_read_once(monkeypatch: pytest.MonkeyPatch):
    chinese = tsv_result(CHINESE_WORDS)
    fake = fake_tesseract(monkeypatch, {"chi_sim": chinese})
    guess = ScriptGuess()

    result, languages = read_page(make_reader(guess))

    assert fake.calls == ["chi_sim"]
    assert result is chinese
    assert languages == "chi_sim"
    assert guess.han is True


def test_english_page_read_again(monkeypatch: pytest.MonkeyPatch):
    first, second = tsv_result(ENGLISH_WORDS), tsv_result(ENGLISH_WORDS)
    fake = fake_tesseract(monkeypatch, {"chi_sim": first, "chi_sim+eng": second})
    guess = ScriptGuess()

    result, languages = read_page(make_reader(guess))

    assert fake.calls == ["chi_sim", "chi_sim+eng"]
    assert result is second
    assert languages == "chi_sim+eng"
    assert guess.han is False


def test_guess_carries_to_next_page(monkeypatch: pytest.MonkeyPatch):
    english = tsv_result(ENGLISH_WORDS)
    fake = fake_tesseract(monkeypatch, {"chi_sim": english, "chi_sim+eng": english})
    guess = ScriptGuess()
    read_page(make_reader(guess))
    fake.calls.clear()

    _, languages = read_page(make_reader(guess))

    assert fake.calls == ["chi_sim+eng"]
    assert languages == "chi_sim+eng"


def test_chinese_page_after_english_page(monkeypatch: pytest.MonkeyPatch):
    chinese = tsv_result(CHINESE_WORDS)
    fake = fake_tesseract(monkeypatch, {"chi_sim+eng": chinese, "chi_sim": chinese})
    guess = ScriptGuess(han=False)

    _, languages = read_page(make_reader(guess))

    assert fake.calls == ["chi_sim+eng", "chi_sim"]
    assert languages == "chi_sim"
    assert guess.han is True


def test_second_reading_timeout_keeps_first(monkeypatch: pytest.MonkeyPatch):
    first = tsv_result(ENGLISH_WORDS)
    fake = fake_tesseract(monkeypatch, {"chi_sim": first}, timeout_for="chi_sim+eng")
    guess = ScriptGuess()

    result, languages = read_page(make_reader(guess))

    assert fake.calls == ["chi_sim", "chi_sim+eng"]
    assert result is first
    assert languages == "chi_sim"


def test_few_letters_keep_guess(monkeypatch: pytest.MonkeyPatch):
    stamp = tsv_result(("2024-05-01", "Seal"))
    fake = fake_tesseract(monkeypatch, {"chi_sim": stamp})
    guess = ScriptGuess()

    result, languages = read_page(make_reader(guess))

    assert fake.calls == ["chi_sim"]
    assert (result, languages) == (stamp, "chi_sim")
    assert guess.han is True


def test_single_language_read_once(monkeypatch: pytest.MonkeyPatch):
    chinese = tsv_result(CHINESE_WORDS)
    fake = fake_tesseract(monkeypatch, {"eng": chinese})

    _, languages = read_page(make_reader(ScriptGuess(), languages="eng"))

    assert fake.calls == ["eng"]
    assert languages == "eng"


# --- specks.py: isolated dots painted white -------------------------------------------------

SPECK_PAGE_SIZE = (1200, 400)
CHINESE_SPECK_LINES = ("甲方应于签约后七日内支付全部价款。", "乙方、丙方按期交付设备并提供服务")
CHINESE_LINE_TOPS = (60, 200)
# Dots of these sizes (px) fit in the 3 px speck square at 200 dpi, but the 5 px blot does not.
SPECK_SIZES = (1, 2, 1, 2, 3)
# Where the dots go: page margins and the empty band between the two lines.
SPECK_POSITIONS = ((15, 15), (1150, 20), (300, 150), (700, 155), (1100, 380))
BLOT_POSITION = (600, 350)
BLOT_SIZE = 5
# English text at 9 pt, where a full stop is small enough that only its neighbour keeps it.
ENGLISH_SPECK_TEXT = "Delivery is due in 3.5 days. Payment follows. Ok."
ENGLISH_SPECK_POINTS = 9.0
ENGLISH_ORIGIN = (40, 40)


def chinese_page() -> Image.Image:
    image = Image.new("L", SPECK_PAGE_SIZE, 255)
    draw = ImageDraw.Draw(image)
    for text, top in zip(CHINESE_SPECK_LINES, CHINESE_LINE_TOPS):
        draw.text((40, top), text, font=cjk_font(12), fill=0)
    return image


def add_dot(image: Image.Image, position: tuple[int, int], size: int) -> None:
    """Paint a black size x size dot, after checking that the paper around it is blank."""
    x, y = position
    pixels = np.asarray(image)
    surround = pixels[max(0, y - 8) : y + size + 8, max(0, x - 8) : x + size + 8]
    assert surround.min() == 255, f"the dot at {position} would touch ink"
    ImageDraw.Draw(image).rectangle([x, y, x + size - 1, y + size - 1], fill=0)


def test_specks_removed_text_kept():
    require_cjk_font()
    clean = chinese_page()
    dotted = clean.copy()
    for position, size in zip(SPECK_POSITIONS, SPECK_SIZES):
        add_dot(dotted, position, size)

    cleaned, changed = remove_specks(dotted, dpi=DPI)

    after = np.asarray(cleaned)
    for (x, y), size in zip(SPECK_POSITIONS, SPECK_SIZES):
        assert after[y : y + size, x : x + size].min() == 255, f"speck at {(x, y)} kept"
    assert changed == sum(size * size for size in SPECK_SIZES)
    text = np.asarray(clean) < 128
    assert np.array_equal(after[text], np.asarray(clean)[text])


def test_grey_speck_removed():
    # JPEG compression can lighten a small black speck to grey, and grey 170 still counts as ink.
    image = Image.new("L", (200, 200), 255)
    ImageDraw.Draw(image).rectangle([100, 100, 101, 101], fill=170)

    cleaned, changed = remove_specks(image, dpi=DPI)

    assert changed == 4
    assert np.asarray(cleaned)[100:102, 100:102].min() == 255


def test_larger_blot_kept():
    require_cjk_font()
    dotted = chinese_page()
    add_dot(dotted, BLOT_POSITION, BLOT_SIZE)

    cleaned, changed = remove_specks(dotted, dpi=DPI)

    assert changed == 0
    x, y = BLOT_POSITION
    assert np.asarray(cleaned)[y : y + BLOT_SIZE, x : x + BLOT_SIZE].max() == 0


def full_stop_boxes(draw: ImageDraw.ImageDraw, font: ImageFont.FreeTypeFont) -> list[tuple[int, int, int, int]]:
    """Return a box around each full stop and decimal point of the English line, widened by 3 px."""
    boxes = []
    for index, character in enumerate(ENGLISH_SPECK_TEXT):
        if character != ".":
            continue
        start = draw.textbbox(ENGLISH_ORIGIN, ENGLISH_SPECK_TEXT[:index], font=font)[2]
        left, top, end, bottom = draw.textbbox(ENGLISH_ORIGIN, ENGLISH_SPECK_TEXT[: index + 1], font=font)
        boxes.append((start - 3, top - 3, end + 3, bottom + 3))
    return boxes


def test_full_stops_kept():
    require_cjk_font()
    image = Image.new("L", (1200, 120), 255)
    draw = ImageDraw.Draw(image)
    font = cjk_font(ENGLISH_SPECK_POINTS)
    draw.text(ENGLISH_ORIGIN, ENGLISH_SPECK_TEXT, font=font, fill=0)
    boxes = full_stop_boxes(draw, font)
    assert len(boxes) == 4

    cleaned, changed = remove_specks(image, dpi=DPI)

    for box in boxes:
        assert np.array_equal(np.asarray(cleaned.crop(box)), np.asarray(image.crop(box))), box
    assert changed == 0


def test_no_specks_returns_same_image():
    image = Image.new("L", (300, 200), 255)
    ImageDraw.Draw(image).rectangle([50, 50, 250, 80], fill=0)

    cleaned, changed = remove_specks(image, dpi=DPI)

    assert cleaned is image
    assert changed == 0


@pytest.mark.parametrize("mode", ["RGB", "1", "LA"])
def test_specks_need_grayscale(mode: str):
    with pytest.raises(ValueError, match="grayscale"):
        remove_specks(Image.new(mode, (50, 50)), dpi=DPI)


# --- reread.py: tall lines read again as one line ---------------------------------------------

LINE_HEIGHT = 30
TALL_KEY = (1, 1, 3)
REREAD_PAGE_SIZE = (1000, 600)


def line_words(key: tuple[int, int, int], top: int, texts: tuple[str, ...], confidence: float = 90.0) -> list[Word]:
    return [Word(text, 100 + 120 * index, top, 100, LINE_HEIGHT, confidence, key) for index, text in enumerate(texts)]


def page_result(tall_height: int = 3 * LINE_HEIGHT, short_lines: int = 3) -> TsvResult:
    """Build a page of `short_lines` ordinary lines and one line whose box is `tall_height` px tall.

    The tall line's words are as tall as the others, because only Tesseract's line box grew.
    """
    words: list[Word] = []
    lines: dict[tuple[int, int, int], LineBox] = {}
    for number in range(1, short_lines + 1):
        key = (1, 1, number if number < TALL_KEY[2] else number + 1)
        top = 60 * number
        words += line_words(key, top, ("甲方", "应于", "签约"))
        lines[key] = LineBox(100, top, 340, LINE_HEIGHT)
    tall_top = 400
    words += line_words(TALL_KEY, tall_top, ("ee", "x", "o"), confidence=50.0)
    lines[TALL_KEY] = LineBox(100, tall_top - 30, 340, tall_height)
    return TsvResult(words, lines)


def test_tall_line_found():
    assert tall_lines(page_result()) == [TALL_KEY]


def test_line_under_ratio_ignored():
    # 1.7 times the median line is below the 1.8 ratio.
    assert tall_lines(page_result(tall_height=51)) == []


def test_few_judged_lines_ignored():
    # Two judged lines are too few to say what a typical line is, so a line 10 times as tall as the
    # other one is not reported, although it is more than 1.8 times their median of 165 px.
    assert tall_lines(page_result(tall_height=10 * LINE_HEIGHT, short_lines=1)) == []


def test_short_lines_not_judged():
    result = page_result(short_lines=2)
    # Two-word lines are not judged, so only three lines count and the page is still judged.
    key = (2, 1, 1)
    extra = [Word("一", 100, 500, 30, 30, 90.0, key), Word("二", 140, 500, 30, 30, 90.0, key)]
    with_short = TsvResult(result.words + extra, {**result.lines, key: LineBox(100, 500, 70, 300)})

    assert tall_lines(with_short) == [TALL_KEY]


@dataclass
class FakeLineReader:
    """A stand-in for reading one band image, which records each band's path and size and returns a fixed reading."""

    reading: TsvResult
    bands: list[tuple[Path, tuple[int, int]]]

    def __call__(self, path: Path) -> TsvResult:
        with Image.open(path) as band:
            self.bands.append((path, band.size))
        return self.reading


def band_reading(texts: tuple[str, ...], confidence: float) -> TsvResult:
    key = (1, 1, 1)
    words = [Word(text, 12 + 110 * index, 8, 100, LINE_HEIGHT, confidence, key) for index, text in enumerate(texts)]
    return TsvResult(words, {key: LineBox(12, 8, 340, LINE_HEIGHT)})


# The tall line's words run from x = 100 to 440 and from y = 400 to 430, so the band reaches half a
# word height (15 px) beyond them on both sides and 0.9 word heights (27 px) about their centre.
EXPECTED_BAND = (85, 388, 455, 442)


def reread(tmp_path: Path, reading: TsvResult) -> tuple[TsvResult, FakeLineReader]:
    reader = FakeLineReader(reading, [])
    image = Image.new("L", REREAD_PAGE_SIZE, 255)
    result = reread_tall_lines(page_result(), image, tmp_path / "page-1-read-0.png", reader)
    return result, reader


def words_of(result: TsvResult, key: tuple[int, int, int]) -> list[Word]:
    return [word for word in result.words if word.line_key == key]


def test_band_image_written(tmp_path: Path):
    _, reader = reread(tmp_path, band_reading(("房地产", "估价师"), 92.0))

    [(path, size)] = reader.bands
    left, top, right, bottom = EXPECTED_BAND
    assert path.parent == tmp_path
    assert size == (right - left, bottom - top)


def test_band_reading_replaces_tall_line(tmp_path: Path):
    result, _ = reread(tmp_path, band_reading(("房地产", "估价师"), 92.0))

    replaced = words_of(result, TALL_KEY)
    left, top, right, bottom = EXPECTED_BAND
    assert [word.text for word in replaced] == ["房地产", "估价师"]
    assert [(word.left, word.top) for word in replaced] == [(left + 12, top + 8), (left + 122, top + 8)]
    assert result.lines[TALL_KEY] == LineBox(left, top, right - left, bottom - top)


def test_other_lines_unchanged(tmp_path: Path):
    original = page_result()
    result, _ = reread(tmp_path, band_reading(("房地产", "估价师"), 92.0))

    other_words = [word for word in result.words if word.line_key != TALL_KEY]
    assert other_words == [word for word in original.words if word.line_key != TALL_KEY]
    assert {key: box for key, box in result.lines.items() if key != TALL_KEY} == {
        key: box for key, box in original.lines.items() if key != TALL_KEY
    }


@pytest.mark.parametrize(
    ("texts", "confidence"),
    [
        # 3 characters against the first reading's 4 is below the 0.8 share.
        (("abc",), 95.0),
        # As long, but 6 points less confident than the first reading's 50.
        (("房地产", "估价师"), 44.0),
        # Nothing read.
        ((), 95.0),
    ],
)
def test_worse_band_reading_ignored(tmp_path: Path, texts: tuple[str, ...], confidence: float):
    original = page_result()

    result, reader = reread(tmp_path, band_reading(texts, confidence))

    assert len(reader.bands) == 1
    assert words_of(result, TALL_KEY) == words_of(original, TALL_KEY)
    assert result.lines[TALL_KEY] == original.lines[TALL_KEY]


def test_slightly_less_confident_reading_kept(tmp_path: Path):
    # 4 points below the first reading's 50 is within the allowed loss of 5.
    result, _ = reread(tmp_path, band_reading(("房地产", "估价师"), 46.0))

    assert [word.text for word in words_of(result, TALL_KEY)] == ["房地产", "估价师"]


def test_clean_page_not_reread(tmp_path: Path):
    reader = FakeLineReader(band_reading(("x",), 90.0), [])
    result = page_result(tall_height=LINE_HEIGHT)

    assert reread_tall_lines(result, Image.new("L", REREAD_PAGE_SIZE, 255), tmp_path / "page.png", reader) is result
    assert reader.bands == []


# --- tables on scanned pages, read with tesseract --------------------------------------------

# A4 at 200 dpi.
TABLE_PAGE_SIZE = (1654, 2339)
HEADING = "第一条 采购清单"
HEADING_ORIGIN = (200, 200)
# Grid lines in pixels: 3 rows of 80 px (28.8 points) and 3 columns.
GRID_ROWS = (320, 400, 480, 560)
GRID_COLUMNS = (200, 420, 820, 1100)
GRID_LINE_WIDTH = 2
TABLE_CELLS = (("序号", "产品名称", "数量"), ("1", "笔记本电脑", "2"), ("2", "台式机电脑", "6"))
PARAGRAPH = "甲方应于签约后七日内支付全部价款。"
PARAGRAPH_ORIGIN = (200, 680)
# How far a table row's box may lie from its drawn grid lines, in points.
ROW_BOX_TOLERANCE_POINTS = 4.0
SKEW_DEGREES = 1.0


def draw_table_page() -> Image.Image:
    """Draw a heading, a ruled 3 x 3 table of short Chinese texts and numbers, and a paragraph below."""
    page = Image.new("L", TABLE_PAGE_SIZE, 255)
    draw = ImageDraw.Draw(page)
    draw.text(HEADING_ORIGIN, HEADING, font=cjk_font(16), fill=0)
    pdf_samples.draw_grid(draw, GRID_ROWS, GRID_COLUMNS, GRID_LINE_WIDTH)
    cell_font = cjk_font(12)
    for row_top, row in zip(GRID_ROWS, TABLE_CELLS):
        for column_left, text in zip(GRID_COLUMNS, row):
            draw.text((column_left + 20, row_top + 22), text, font=cell_font, fill=0)
    draw.text(PARAGRAPH_ORIGIN, PARAGRAPH, font=cjk_font(12), fill=0)
    return page


def image_pdf(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PDF", resolution=float(DPI))
    return buffer.getvalue()


@cache
def read_table_scan(degrees: float) -> ParsedDocument:
    """Read the table page, turned `degrees` counter-clockwise about its centre, once per angle."""
    page = draw_table_page()
    if degrees:
        page = page.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=255)
    return read_pdf(image_pdf(page), filename="table-scan.pdf", ocr=OcrOptions(dpi=DPI))


@pytest.fixture
def table_scan() -> Callable[[float], ParsedDocument]:
    require_tesseract()
    require_cjk_font()
    return read_table_scan


def table_rows(document: ParsedDocument) -> list[Block]:
    return [block for block in document.blocks if block.cells is not None]


def edit_distance(first: str, second: str) -> int:
    """Return the Levenshtein distance: insertions, deletions and substitutions."""
    previous = list(range(len(second) + 1))
    for index, character in enumerate(first, start=1):
        current = [index]
        for position, other in enumerate(second, start=1):
            current.append(min(previous[position] + 1, current[-1] + 1, previous[position - 1] + (character != other)))
        previous = current
    return previous[-1]


def assert_cells_read(rows: list[Block], columns: range) -> None:
    """Check each cell in `columns` against the drawn text, allowing one misread character."""
    for row, drawn in zip(rows, TABLE_CELLS):
        for column in columns:
            read = row.cells[column].replace(" ", "")
            assert read, f"cell {drawn[column]!r} read as empty in row {row.cells}"
            assert edit_distance(read, drawn[column]) <= 1, f"cell {drawn[column]!r} read as {read!r}"


def test_table_rows_have_three_cells(table_scan):
    rows = table_rows(table_scan(0.0))

    assert len(rows) == 3
    assert [len(row.cells) for row in rows] == [3, 3, 3]


def test_table_all_cells_read(table_scan):
    rows = table_rows(table_scan(0.0))

    assert len(rows) == 3
    assert_cells_read(rows, range(3))


def test_table_between_heading_and_paragraph(table_scan):
    blocks = list(table_scan(0.0).blocks)
    texts = [block.text.replace(" ", "") for block in blocks]
    rows = [index for index, block in enumerate(blocks) if block.cells is not None]

    assert texts.index(HEADING.replace(" ", "")) < rows[0]
    assert texts.index(PARAGRAPH) > rows[-1]
    assert rows == list(range(rows[0], rows[0] + 3))


def test_table_row_boxes_on_grid(table_scan):
    rows = table_rows(table_scan(0.0))

    assert len(rows) == 3
    # A 2 px line drawn at y covers pixel rows y and y + 1, whose centre line is y + 1.
    left, right = (GRID_COLUMNS[0] + 1) / PIXELS_PER_POINT, (GRID_COLUMNS[-1] + 1) / PIXELS_PER_POINT
    for index, row in enumerate(rows):
        top, bottom = ((GRID_ROWS[index + offset] + 1) / PIXELS_PER_POINT for offset in (0, 1))
        assert row.bbox.x0 == pytest.approx(left, abs=ROW_BOX_TOLERANCE_POINTS), row.cells
        assert row.bbox.top == pytest.approx(top, abs=ROW_BOX_TOLERANCE_POINTS), row.cells
        assert row.bbox.x1 == pytest.approx(right, abs=ROW_BOX_TOLERANCE_POINTS), row.cells
        assert row.bbox.bottom == pytest.approx(bottom, abs=ROW_BOX_TOLERANCE_POINTS), row.cells


def test_skewed_table_rows_have_three_cells(table_scan):
    rows = table_rows(table_scan(SKEW_DEGREES))

    assert len(rows) == 3
    assert [len(row.cells) for row in rows] == [3, 3, 3]


def test_skewed_table_same_rows(table_scan):
    rows = table_rows(table_scan(SKEW_DEGREES))

    assert len(rows) == 3
    assert_cells_read(rows, range(3))


# --- reread.py: Latin lines read again, and lines two readings agree on ----------------------


LATIN_KEY = (3, 1, 1)


def page_with_latin_line(confidence: float) -> TsvResult:
    """Build the ordinary page of page_result with one more line holding a model number."""
    result = page_result()
    words = [Word("B940/2G/320G/6", 100, 500, 300, LINE_HEIGHT, confidence, LATIN_KEY)]
    return TsvResult(result.words + words, {**result.lines, LATIN_KEY: LineBox(100, 500, 300, LINE_HEIGHT)})


def test_poorly_read_latin_line_found():
    # The tall line of page_result (ee x o at confidence 50) is a poorly read Latin line as well.
    assert latin_lines(page_with_latin_line(confidence=29.0)) == [TALL_KEY, LATIN_KEY]


def test_well_read_latin_line_not_found():
    assert LATIN_KEY not in latin_lines(page_with_latin_line(confidence=85.0))


def test_document_number_line_found():
    # SF—2017—0601 on a cover page: two letters and eight digits, read by chi_sim at confidence 26.
    result = page_result()
    key = (4, 1, 1)
    words = [Word("SF-", 100, 550, 60, LINE_HEIGHT, 52.0, key), Word("20170601", 170, 550, 200, LINE_HEIGHT, 0.0, key)]

    found = latin_lines(TsvResult(result.words + words, {**result.lines, key: LineBox(100, 550, 270, LINE_HEIGHT)}))

    assert key in found


def test_chinese_line_not_taken_for_latin():
    # A poorly read line of four ideographs and one letter is Chinese, not a Latin line.
    result = page_result()
    key = (4, 1, 1)
    words = [Word(text, 100 + 40 * index, 550, 30, LINE_HEIGHT, 20.0, key) for index, text in enumerate("甲方乙方A")]

    found = latin_lines(TsvResult(result.words + words, {**result.lines, key: LineBox(100, 550, 200, LINE_HEIGHT)}))

    assert key not in found


def test_agreeing_reading_confirms_line(tmp_path: Path):
    result = page_with_latin_line(confidence=29.0)
    second = TsvResult([Word("B940/2G/320G/6", 10, 5, 300, LINE_HEIGHT, 38.0, (1, 1, 1))], {})
    image = Image.new("L", REREAD_PAGE_SIZE, 255)

    reread_result = reread_lines(result, image, tmp_path / "page-1.tif", [(LATIN_KEY, lambda path: second)])

    assert reread_result.confirmed == frozenset({LATIN_KEY})
    # The confirmed line survives the confidence floor that drops other lines below 40.
    page = page_from_tsv(reread_result, dpi=DPI, min_line_confidence=40.0)
    assert "".join(glyph.text for glyph in page.glyphs).count("B940/2G/320G/6") == 1


def test_unconfirmed_poor_line_dropped(tmp_path: Path):
    result = page_with_latin_line(confidence=29.0)
    second = TsvResult([Word("B94O", 10, 5, 300, LINE_HEIGHT, 20.0, (1, 1, 1))], {})
    image = Image.new("L", REREAD_PAGE_SIZE, 255)

    reread_result = reread_lines(result, image, tmp_path / "page-1.tif", [(LATIN_KEY, lambda path: second)])

    assert reread_result.confirmed == frozenset()
    page = page_from_tsv(reread_result, dpi=DPI, min_line_confidence=40.0)
    assert "B940" not in "".join(glyph.text for glyph in page.glyphs)


# --- reread.py: lines too weak to keep read again ------------------------------------------------


def page_with_weak_line(texts: tuple[str, ...], confidence: float) -> tuple[TsvResult, tuple[int, int, int]]:
    result = page_result()
    key = (5, 1, 1)
    words = line_words(key, 600, texts, confidence=confidence)
    return TsvResult(result.words + words, {**result.lines, key: LineBox(100, 600, 120 * len(texts), LINE_HEIGHT)}), key


def test_weak_line_found():
    # 乙方（接受培训方）： read as part of the page: 己方 (接受 车 串 访 ), mean confidence 25.
    result, key = page_with_weak_line(("己方", "(接受", "车", "串", "访", ")"), confidence=25.0)

    assert key in weak_lines(result, min_line_confidence=40.0)


def test_kept_line_not_weak():
    result, key = page_with_weak_line(("乙方", "(接受", "培训", "方)"), confidence=45.0)

    assert key not in weak_lines(result, min_line_confidence=40.0)


def test_mostly_weak_page_not_reread():
    # A page on its side reads badly throughout, and reading its lines one at a time does not help.
    result = page_result()
    words = [replace(word, confidence=20.0) for word in result.words]

    assert weak_lines(TsvResult(words, result.lines), min_line_confidence=40.0) == []


def test_short_weak_line_left_alone():
    # One or two words at a low confidence are mostly specks or stamp fragments.
    result, key = page_with_weak_line(("we", "oe"), confidence=10.0)

    assert key not in weak_lines(result, min_line_confidence=40.0)


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("name", "page", "expected"),
    [
        # A line beside a fill-in underline, which the page reading got wrong.
        ("zh_beijing_training-service-model_bf-2021-2730.pdf", 1, "乙方（接受培训方）"),
        # A document number, which chi_sim read at confidence 26 as part of the page.
        ("zh_guangzhou_housing-lease-model_sf-2017-0601.pdf", 1, "SF—2017—0601"),
    ],
)
def test_scanned_lines_read_again(name: str, page: int, expected: str):
    require_tesseract()
    from bench.ocr_accuracy import CHINESE, comparable_text, scanned_pdf
    from tests.conftest import corpus_file

    scan = scanned_pdf(corpus_file(name).read_bytes(), [page], name)

    document = read_pdf(scan, filename="scan.pdf", ocr=OcrOptions())

    # Compared as the benchmark compares, without punctuation: chi_sim reads （ as 〈 now and then.
    texts = [comparable_text(block.text, CHINESE) for block in document.blocks]
    assert comparable_text(expected, CHINESE) in texts, texts


# --- text.py: amounts that OCR broke ----------------------------------------------------------


@pytest.mark.parametrize(
    ("read", "repaired"),
    [
        ("（¥66, 600. 00 元）", "（¥66,600.00 元）"),
        ("即RMB 66, 600 元整", "即RMB 66,600 元整"),
        ("单价 4, 350", "单价 4,350"),
        ("人民币陆万陆件陆佰元整", "人民币陆万陆仟陆佰元整"),
        ("人民币壹什贰佰元整", "人民币壹仟贰佰元整"),
        ("陆佰元整〈圣66,600.00 元 )", "陆佰元整〈￥66,600.00 元 )"),
        ("(即 RMB圣66, 600 元整)", "(即 RMB￥66,600 元整)"),
        ("陆佰元整〈芋 66,600 元整)", "陆佰元整〈￥ 66,600 元整)"),
        # Not amounts: a list of articles, a clause label, a date, a 件 that counts items.
        ("第1, 2款", "第1, 2款"),
        ("1. 甲方", "1. 甲方"),
        ("2024. 3. 5", "2024. 3. 5"),
        ("共叁件货物", "共叁件货物"),
        ("圣诞节前交付", "圣诞节前交付"),
        ("芋头 500 公斤", "芋头 500 公斤"),
    ],
)
def test_repair_amounts(read: str, repaired: str):
    assert repair_amounts(read) == repaired


@pytest.mark.corpus
def test_scanned_amounts_extracted():
    require_tesseract()
    from bench.ocr_accuracy import scanned_pdf
    from ingest.analyse import analyse
    from tests.conftest import corpus_file

    name = "zh_office-equipment-procurement-contract_original.pdf"
    scan = scanned_pdf(corpus_file(name).read_bytes(), [2], name)

    analysis = analyse(read_pdf(scan, filename="scan.pdf", ocr=OcrOptions(dpi=200)))

    amounts = {(field.value, field.normalized) for field in analysis.fields}
    # The item table's total reads 总价大写：人民币陆萬陆仟陆佰元整（¥66,600.00元）.
    assert ("陆万陆仟陆佰元整", "66600.00") in amounts
    # The yuan sign, read as 圣 by chi_sim, is repaired, so the amount's currency is found too.
    assert ("￥66,600.00 元", "66600.00") in amounts
    assert ("￥66,600.00 元", "CNY") in amounts
    disagree = notices.AMOUNTS_DISAGREE.split("{")[0]
    assert not [warning for warning in analysis.warnings if warning.startswith(disagree) or "disagree" in warning]
