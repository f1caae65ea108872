"""OCR of scans fed sideways, upside down or skewed: turned upright, read, and boxes mapped back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import pytest
from PIL import Image, ImageDraw, ImageOps

import ingest.ocr.document as ocr_document
import ingest.readers.pdf as pdf_reader
from ingest.ocr import OcrOptions, PageRecognition
from ingest.ocr.engine import parse_osd, parse_tsv
from ingest.ocr.geometry import Correction, estimate_skew
from ingest.ocr.page import page_from_tsv
from ingest.parsed import OCR, Block, Page, ParsedDocument
from ingest.quality import assess_document
from ingest.readers.pdf import read_pdf
from tests.ingest import pdf_samples
from tests.ingest.test_ocr import require_tesseract

# How far an OCR box may lie from the ink of a Latin line, in points.
BOX_TOLERANCE_POINTS = 4.0
# How far the centre of an OCR box may lie from the centre of a line's ink, in points. Tesseract's
# boxes of the 20-point Chinese lines reach up to 7 points below the ink even on an upright page.
CENTRE_TOLERANCE_POINTS = 4.0
SKEW_TOLERANCE_DEGREES = 0.5
LATIN_LINE = "Payment within 30 days"
# The sample is drawn at this resolution, so rendering at it keeps the test fast and sharp.
OPTIONS = OcrOptions(dpi=pdf_samples.SCAN_DPI, workers=1)


@dataclass(frozen=True)
class TurnedReading:
    document: ParsedDocument
    drawn: list[pdf_samples.ScannedLine]
    recognition: PageRecognition
    tesseract_runs: int
    orientation_runs: int


def count_calls(module: object, name: str, counter: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    original: Callable[..., object] = getattr(module, name)

    def counted(*args: object, **kwargs: object) -> object:
        counter[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)


@cache
def read_turned(angle: float, options: OcrOptions = OPTIONS) -> TurnedReading:
    """Read the turned sample once per angle, keeping what recognise_pages returned and how often tesseract ran."""
    data, drawn = pdf_samples.turned_scan(angle)
    recognitions: list[PageRecognition] = []
    tesseract_runs, orientation_runs = [0], [0]
    original_recognise = pdf_reader.recognise_pages

    def recording(*args: object, **kwargs: object) -> list[PageRecognition]:
        result = original_recognise(*args, **kwargs)
        recognitions.extend(result)
        return result

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(pdf_reader, "recognise_pages", recording)
        count_calls(ocr_document, "run_tesseract", tesseract_runs, monkeypatch)
        count_calls(ocr_document, "detect_orientation", orientation_runs, monkeypatch)
        document = read_pdf(data, filename="turned.pdf", ocr=options)
    [recognition] = recognitions
    return TurnedReading(document, drawn, recognition, tesseract_runs[0], orientation_runs[0])


@pytest.fixture
def turned() -> Callable[..., TurnedReading]:
    require_tesseract()
    if not pdf_samples.NOTO_SANS_CJK.is_file():
        pytest.skip(f"{pdf_samples.NOTO_SANS_CJK} (fonts-noto-cjk) is missing")
    return read_turned


def compact(text: str) -> str:
    """Return the text without spaces, because OCR spaces CJK characters apart inconsistently."""
    return text.replace(" ", "")


def same_line(read: str, drawn: str) -> bool:
    """Tell whether an OCR line is the drawn line with at most one character read wrong.

    chi_sim alone reads 签 in 签约 as 等 on some of these small renders, a misreading unrelated
    to orientation or boxes. A line read turned, reversed or cut short differs in more places.
    """
    read, drawn = compact(read), compact(drawn)
    return len(read) == len(drawn) and sum(a != b for a, b in zip(read, drawn)) <= 1


def assert_lines_read(texts: list[str], drawn: Sequence[str]) -> None:
    """Assert the OCR lines are the drawn lines in the same order, each with at most one misread character."""
    assert len(texts) == len(drawn), texts
    for read, expected in zip(texts, drawn):
        assert same_line(read, expected), (read, expected)


def assert_boxes_on_ink(document: ParsedDocument, drawn: list[pdf_samples.ScannedLine]) -> None:
    for line in drawn:
        [block] = [block for block in document.blocks if same_line(block.text, line.text)]
        box = block.bbox
        assert (box.x0 + box.x1) / 2 == pytest.approx((line.x0 + line.x1) / 2, abs=CENTRE_TOLERANCE_POINTS), line.text
        assert (box.top + box.bottom) / 2 == pytest.approx(
            (line.top + line.bottom) / 2, abs=CENTRE_TOLERANCE_POINTS
        ), line.text
        if line.text != LATIN_LINE:
            continue
        assert box.x0 == pytest.approx(line.x0, abs=BOX_TOLERANCE_POINTS), line.text
        assert box.top == pytest.approx(line.top, abs=BOX_TOLERANCE_POINTS), line.text
        assert box.x1 == pytest.approx(line.x1, abs=BOX_TOLERANCE_POINTS), line.text
        assert box.bottom == pytest.approx(line.bottom, abs=BOX_TOLERANCE_POINTS), line.text


# --- quarter turns ---------------------------------------------------------------------------


@pytest.mark.parametrize("angle", [90, 180, 270])
def test_turned_page_text(turned, angle: int):
    reading = turned(angle)

    texts = [block.text for block in reading.document.blocks]
    assert_lines_read(sorted(texts, key=compact), sorted(pdf_samples.TURNED_SCAN_LINES, key=compact))
    assert reading.document.pages[0].text_source == OCR


@pytest.mark.parametrize("angle", [90, 180, 270])
def test_turned_page_boxes_on_ink(turned, angle: int):
    reading = turned(angle)

    assert_boxes_on_ink(reading.document, reading.drawn)


@pytest.mark.parametrize("angle", [90, 180, 270])
def test_turned_page_rotation_recorded(turned, angle: int):
    page = turned(angle).recognition.page

    # The page was turned counter-clockwise, so turning it clockwise by the same angle makes it upright.
    assert page.rotation == angle
    assert page.skew == 0.0
    assert page.confidence > 80
    # The correction also reaches the parsed page, and from there the stored quality record.
    [parsed_page] = turned(angle).document.pages
    assert parsed_page.ocr_rotation == angle
    assert assess_document(turned(angle).document)["pages"][0]["ocr_rotation"] == angle


@pytest.mark.parametrize("angle", [90, 270])
def test_turned_page_has_no_sideways_note(turned, angle: int):
    document = turned(angle).document

    # Every line of a page read turned is sideways on the displayed page, and the page's rotation records it.
    assert not [warning for warning in document.warnings if "sideways" in warning]
    assert document.pages[0].ocr_rotation == angle


@pytest.mark.parametrize("angle", [90, 180, 270])
def test_turned_page_lines_in_reading_order(turned, angle: int):
    texts = [block.text for block in turned(angle).document.blocks]

    assert_lines_read(texts, pdf_samples.TURNED_SCAN_LINES)


def test_orientation_correction_can_be_disabled(turned):
    reading = turned(90, OcrOptions(dpi=pdf_samples.SCAN_DPI, workers=1, correct_orientation=False))

    assert reading.recognition.page.rotation == 0
    assert reading.orientation_runs == 0
    assert reading.tesseract_runs == 1


# --- skew ------------------------------------------------------------------------------------


@pytest.mark.parametrize("angle", [3.0, -3.0])
def test_skewed_page_text(turned, angle: float):
    reading = turned(angle)

    texts = [block.text for block in reading.document.blocks]
    assert_lines_read(texts, pdf_samples.TURNED_SCAN_LINES)


@pytest.mark.parametrize("angle", [3.0, -3.0])
def test_skewed_page_skew_detected(turned, angle: float):
    page = turned(angle).recognition.page

    assert page.skew == pytest.approx(angle, abs=SKEW_TOLERANCE_DEGREES)
    assert page.rotation == 0


@pytest.mark.parametrize("angle", [3.0, -3.0])
def test_skewed_page_boxes_on_ink(turned, angle: float):
    reading = turned(angle)

    assert_boxes_on_ink(reading.document, reading.drawn)


# --- upright pages stay as they are ----------------------------------------------------------


def test_upright_page_not_turned(turned):
    reading = turned(0)

    assert reading.recognition.page.rotation == 0
    assert reading.recognition.page.skew == 0.0
    assert_boxes_on_ink(reading.document, reading.drawn)


def test_upright_page_read_once(turned):
    reading = turned(0)

    # A page that reads well gets no orientation detection and no second reading.
    assert reading.tesseract_runs == 1
    assert reading.orientation_runs == 0


# --- pure parts: the geometry, OSD output, corrected TSV, quality record ---------------------

WIDTH, HEIGHT = 600, 900
# A filled rectangle covering x 100-300 and y 200-240 pixels of the rendered page.
RECTANGLE = (100, 200, 300, 240)


def ink_bounds(image: Image.Image) -> tuple[int, int, int, int]:
    bounds = ImageOps.invert(image).point(lambda value: 255 if value > 128 else 0).getbbox()
    assert bounds is not None
    return bounds


def rectangle_page() -> Image.Image:
    image = Image.new("L", (WIDTH, HEIGHT), 255)
    ImageDraw.Draw(image).rectangle((RECTANGLE[0], RECTANGLE[1], RECTANGLE[2] - 1, RECTANGLE[3] - 1), fill=0)
    return image


@pytest.mark.parametrize(
    ("rotation", "turned_box"),
    [(0, (100, 200, 300, 240)), (90, (660, 100, 700, 300)), (180, (300, 660, 500, 700)), (270, (200, 300, 240, 500))],
)
def test_quarter_turn_maps_back_exactly(rotation: int, turned_box: tuple[int, int, int, int]):
    correction = Correction(WIDTH, HEIGHT, rotation)

    corrected = correction.apply(rectangle_page())

    assert corrected.size == correction.size
    assert ink_bounds(corrected) == turned_box
    assert correction.box_to_original(*turned_box) == pytest.approx(RECTANGLE)


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
@pytest.mark.parametrize("skew", [3.0, -4.0])
def test_deskew_maps_back_around_box(rotation: int, skew: float):
    correction = Correction(WIDTH, HEIGHT, rotation, skew)

    corrected = correction.apply(rectangle_page())
    x0, top, x1, bottom = correction.box_to_original(*ink_bounds(corrected))

    assert corrected.size == correction.size
    # The bounds of a turned box, turned back, enclose the rectangle and exceed it by at most
    # the rectangle's size times the sine of the angle (10.5 pixels at 3 degrees), plus a pixel.
    assert (x0, top) <= (RECTANGLE[0] + 1, RECTANGLE[1] + 1)
    assert (x1, bottom) >= (RECTANGLE[2] - 1, RECTANGLE[3] - 1)
    assert (x0, top) >= (RECTANGLE[0] - 16, RECTANGLE[1] - 16)
    assert (x1, bottom) <= (RECTANGLE[2] + 16, RECTANGLE[3] + 16)


def test_correction_rejects_other_rotation():
    with pytest.raises(ValueError, match="rotation must be one of"):
        Correction(WIDTH, HEIGHT, 45)


def striped_page(angle: float) -> Image.Image:
    """Return a page of ten dark bars like text lines, turned counter-clockwise by `angle` degrees."""
    image = Image.new("L", (1200, 1600), 255)
    draw = ImageDraw.Draw(image)
    for index in range(10):
        top = 200 + index * 100
        draw.rectangle((150, top, 1050, top + 30), fill=0)
    return image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


@pytest.mark.parametrize("angle", [0.0, 1.5, -2.5, 4.5])
def test_skew_estimate_finds_angle(angle: float):
    assert estimate_skew(striped_page(angle), dpi=200) == pytest.approx(angle, abs=0.2)


def test_skew_estimate_blank_page_is_zero():
    assert estimate_skew(Image.new("L", (800, 1000), 255), dpi=200) == 0.0


def test_osd_output_parsed():
    output = (
        "Page number: 0\nOrientation in degrees: 270\nRotate: 90\n"
        "Orientation confidence: 2.37\nScript: Han\nScript confidence: 1.23\n"
    )

    orientation = parse_osd(output)

    assert orientation is not None
    assert orientation.rotate == 90
    assert orientation.confidence == pytest.approx(2.37)


@pytest.mark.parametrize("output", ["", "Rotate: 90\n", "Rotate: 45\nOrientation confidence: 3.0\n"])
def test_osd_output_invalid(output: str):
    assert parse_osd(output) is None


TSV_HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
# One line of two words in an image turned clockwise by 90 degrees from a 300 x 600 pixel page.
TURNED_TSV = "\n".join(
    [
        TSV_HEADER,
        "4\t1\t1\t1\t1\t0\t100\t50\t200\t30\t-1\t",
        "5\t1\t1\t1\t1\t1\t100\t50\t90\t30\t90\tPay",
        "5\t1\t1\t1\t1\t2\t210\t50\t90\t30\t90\tnow",
    ]
)


def test_turned_tsv_becomes_sideways_glyphs():
    correction = Correction(300, 600, 90)

    page = page_from_tsv(parse_tsv(TURNED_TSV), dpi=72, min_line_confidence=40, correction=correction)

    first, second = page.glyphs
    # On the rendered page the line reads upwards, the first word lowest.
    assert first.direction == second.direction == 270
    assert (first.x0, first.top, first.x1, first.bottom) == pytest.approx((50, 410, 80, 500))
    assert (second.x0, second.top, second.x1, second.bottom) == pytest.approx((50, 300, 80, 390))
    # Both words share the line's baseline, the right edge of the sideways line.
    assert first.origin_x == second.origin_x == pytest.approx(80)
    assert first.size == pytest.approx(30)
    assert page.rotation == 90


def test_quality_record_shows_corrections():
    page = Page(1, 595, 842, 0, text_source=OCR, ocr_confidence=91.0, ocr_rotation=90, ocr_skew=-1.2)
    document = ParsedDocument(
        media_type="application/pdf", blocks=(Block(text="甲方应于签约后支付价款", page=1),), pages=(page,)
    )

    record = assess_document(document)

    assert record["pages"][0]["ocr_rotation"] == 90
    assert record["pages"][0]["ocr_skew"] == -1.2
