"""Solid brackets 【 】 found in scanned page images, painted white and put back into the read lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ingest.ocr import OcrOptions
from ingest.ocr.brackets import Bracket, place_brackets, remove_brackets
from ingest.ocr.engine import LineBox, TsvResult, Word
from ingest.ocr.page import page_from_tsv
from ingest.readers.pdf import read_pdf
from tests.conftest import corpus_file
from tests.ingest import pdf_samples
from tests.ingest.test_ocr import require_tesseract

OPTIONS_LINE = "证件类型：【居民身份证】【护照】【营业执照】"
NOTO_FONTS = ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc", "NotoSerifCJK-Regular.ttc")
NOTO_DIRECTORY = Path("/usr/share/fonts/opentype/noto")
DEJAVU_DIRECTORY = Path("/usr/share/fonts/truetype/dejavu")
# Text whose glyphs come close to a bracket: serifed and bold l, I and 1, ASCII and other brackets,
# and characters made of one vertical stroke with bars.
LOOKALIKES = ("Illinois, 1 Ill. [a] (b) lIl1 fit 11 HIJ", "甲方（提供培训方）：工丨 [甲] 〔乙〕 〖丙〗 1 l I")


def font(path: Path, points: float, dpi: int) -> ImageFont.FreeTypeFont:
    if not path.is_file():
        pytest.skip(f"{path} is missing (fonts-noto-cjk, fonts-dejavu-core)")
    return ImageFont.truetype(str(path), round(points * dpi / 72))


def line_image(text: str, typeface: ImageFont.FreeTypeFont, dpi: int) -> Image.Image:
    image = Image.new("L", (round(9 * dpi), round(0.8 * dpi)), 255)
    ImageDraw.Draw(image).text((20, 20), text, font=typeface, fill=0)
    return image


@pytest.mark.parametrize("name", NOTO_FONTS)
@pytest.mark.parametrize("points", [10.5, 12.0])
@pytest.mark.parametrize("dpi", [200, 300])
def test_option_brackets_found(name: str, points: float, dpi: int):
    image = line_image(OPTIONS_LINE, font(NOTO_DIRECTORY / name, points, dpi), dpi)

    _, found = remove_brackets(image, dpi=dpi)

    assert "".join(bracket.text for bracket in sorted(found, key=lambda bracket: bracket.left)) == "【】【】【】"


def test_brackets_painted_white_text_kept():
    dpi = 200
    image = line_image(OPTIONS_LINE, font(NOTO_DIRECTORY / NOTO_FONTS[0], 10.5, dpi), dpi)
    ink_before = int((np.asarray(image) < 128).sum())

    cleaned, found = remove_brackets(image, dpi=dpi)

    pixels = np.asarray(cleaned)
    for bracket in found:
        box = pixels[bracket.top : bracket.top + bracket.height, bracket.left : bracket.left + bracket.width]
        assert (box < 128).sum() == 0, bracket
    bracket_ink = sum(bracket.width * bracket.height for bracket in found)
    # The characters between the brackets keep their ink: only the brackets' boxes were cleared.
    assert (pixels < 128).sum() >= ink_before - bracket_ink


@pytest.mark.parametrize("text", LOOKALIKES)
@pytest.mark.parametrize("dpi", [200, 300])
def test_lookalikes_not_taken_for_brackets(text: str, dpi: int):
    faces = [NOTO_DIRECTORY / name for name in NOTO_FONTS] + sorted(DEJAVU_DIRECTORY.glob("*.ttf"))
    false_brackets = []
    for face in faces:
        for points in (9.0, 11.0, 14.0, 20.0):
            _, found = remove_brackets(line_image(text, font(face, points, dpi), dpi), dpi=dpi)
            false_brackets += [(face.name, points, bracket.text) for bracket in found]

    assert false_brackets == []


def test_page_without_brackets_returned_unchanged():
    image = line_image("甲方应于签约后支付价款", font(NOTO_DIRECTORY / NOTO_FONTS[0], 12.0, 200), 200)

    cleaned, found = remove_brackets(image, dpi=200)

    assert found == []
    assert cleaned is image


def test_remove_brackets_needs_grayscale():
    with pytest.raises(ValueError, match="grayscale"):
        remove_brackets(Image.new("RGB", (50, 50), "white"), dpi=200)


# --- putting the brackets back into the recognised lines ------------------------------------------

FIRST_LINE = (1, 1, 1)
SECOND_LINE = (1, 1, 2)


def two_lines() -> TsvResult:
    words = [
        Word("证件类型", 100, 100, 120, 30, 90.0, FIRST_LINE),
        Word("居民身份证", 240, 100, 150, 30, 90.0, FIRST_LINE),
        Word("护照", 420, 100, 60, 30, 90.0, FIRST_LINE),
        Word("地址", 100, 160, 60, 30, 90.0, SECOND_LINE),
    ]
    lines = {FIRST_LINE: LineBox(100, 100, 380, 30), SECOND_LINE: LineBox(100, 160, 60, 30)}
    return TsvResult(words, lines)


def test_brackets_join_their_line_in_order():
    brackets = [
        Bracket("【", 228, 101, 10, 28),
        Bracket("】【", 392, 101, 20, 28),
        Bracket("】", 482, 101, 10, 28),
    ]

    result = place_brackets(two_lines(), brackets)

    first = [word.text for word in result.words if word.line_key == FIRST_LINE]
    assert first == ["证件类型", "【", "居民身份证", "】【", "护照", "】"]
    assert [word.text for word in result.words if word.line_key == SECOND_LINE] == ["地址"]


def test_bracket_beside_no_line_left_out():
    result = place_brackets(two_lines(), [Bracket("【", 100, 400, 10, 28)])

    assert [word.text for word in result.words] == ["证件类型", "居民身份证", "护照", "地址"]


def test_brackets_do_not_change_confidence():
    page = page_from_tsv(place_brackets(two_lines(), [Bracket("【", 228, 101, 10, 28)]), dpi=200, min_line_confidence=40)

    assert page.confidence == 90.0
    assert "证件类型【居民身份证" in "".join(glyph.text for glyph in page.glyphs)


# --- scanned pages read end to end -----------------------------------------------------------------


def test_scanned_option_line_read_with_brackets():
    require_tesseract()
    if not pdf_samples.NOTO_SANS_CJK.is_file():
        pytest.skip(f"{pdf_samples.NOTO_SANS_CJK} (fonts-noto-cjk) is missing")
    lines = (OPTIONS_LINE, "【法定代表人】【负责人】：", "甲方应于签约后支付价款")
    scan, _ = pdf_samples.scanned_pages(1, lines)

    document = read_pdf(scan, filename="options.pdf", ocr=OcrOptions())

    text = "".join(block.text.replace(" ", "") for block in document.blocks)
    assert "【居民身份证】【护照】【营业执照】" in text
    assert "【法定代表人】【负责人】" in text


@pytest.mark.corpus
def test_corpus_option_rows_read():
    # Page 3 of the Zhejiang model contract, scanned at 200 dpi with noise and a 1 degree skew.
    # Before the brackets were taken out, chi_sim read each 】【 as 江, 式 or 世.
    require_tesseract()
    from bench.ocr_accuracy import scanned_pdf

    name = "zh_zhejiang_second-hand-house-sale-model_16p.pdf"
    scan = scanned_pdf(corpus_file(name).read_bytes(), [3], name)

    document = read_pdf(scan, filename="scan.pdf", ocr=OcrOptions())

    texts = [block.text.replace(" ", "") for block in document.blocks]
    options = [text for text in texts if "证件类型" in text]
    assert len(options) == 4
    assert all("【居民身份证】【护照】【营业执照】" in text for text in options), options


def test_quotes_read_in_bracket_blank_removed():
    # Tesseract read the blank left by 【 as ” and put it at the start of the next word, whose box
    # then began left of the bracket.
    words = [
        Word("证件类型", 100, 100, 120, 30, 90.0, FIRST_LINE),
        Word("”居民", 222, 100, 100, 30, 80.0, FIRST_LINE),
        Word("身份证“", 330, 100, 110, 30, 80.0, FIRST_LINE),
    ]
    result = TsvResult(words, {FIRST_LINE: LineBox(100, 100, 340, 30)})
    brackets = [Bracket("【", 228, 101, 10, 28), Bracket("】", 442, 101, 10, 28)]

    placed = place_brackets(result, brackets)

    assert [word.text for word in placed.words] == ["证件类型", "【", "居民", "身份证", "】"]
    assert placed.words[2].left == 238


def test_quotes_away_from_brackets_kept():
    words = [Word("“甲方”", 100, 100, 120, 30, 90.0, FIRST_LINE), Word("居民", 400, 100, 60, 30, 90.0, FIRST_LINE)]
    result = TsvResult(words, {FIRST_LINE: LineBox(100, 100, 360, 30)})

    placed = place_brackets(result, [Bracket("【", 380, 101, 10, 28)])

    assert [word.text for word in placed.words] == ["“甲方”", "【", "居民"]
