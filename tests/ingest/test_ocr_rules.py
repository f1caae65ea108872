"""Ruling lines found on page images: grids with Chinese text, noise, a black box, a real page."""

from __future__ import annotations

import io
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw, ImageFont

from ingest.ocr.rules import PixelRule, erase_rules, find_rules, rules_in_tables
from ingest.readers.pdf_tables import read_rules
from tests.conftest import corpus_file
from tests.ingest import pdf_samples

DPI = 200
# A4 at 200 dpi.
PAGE_SIZE = (1654, 2339)
LINE_WIDTH = 2
# Grid of the synthetic table: 6 rows and 5 columns, 80 px (0.4 inch) rows.
TABLE_ROWS = (300, 380, 460, 540, 620, 700, 780)
TABLE_COLUMNS = (150, 330, 700, 1000, 1250, 1500)
CELL_TEXTS = ("序号", "设备名称一一对应", "规格——型号", "数量三三", "单价中川丨")
# The paragraph below the table, drawn at 14 pt (heading), 12 pt and 10.5 pt.
PARAGRAPH_TOP = 1000
PARAGRAPH_BOTTOM = 1400
PARAGRAPH_LINES = (
    (14.0, "第二条 一一对应的交付与验收条款"),
    (12.0, "甲方应于合同签订后三三日内支付价款——乙方中川丨十一一对应设备清单所列工工王王目录"),
    (12.0, "本合同一式二份，甲乙双方各执一份，具有同等法律效力。二二三三四四——一一中中申申甲甲"),
    (10.5, "供货范围：笔记本电脑、台式机电脑、一体机、内存条一一列明于附件——双方确认无误后签字盖章。"),
)
ROTATION_DEGREES = 0.2
CJK_FONT_CANDIDATES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
)
CORPUS_FILE = "zh_office-equipment-procurement-contract_original.pdf"
# Vector rules shorter than this (points) are below the minimum rule lengths and not compared.
MIN_COMPARED_RULE_POINTS = 20.0


def cjk_font_path() -> Path:
    """Return a font file with Chinese glyphs, skipping the test when none is installed."""
    for path in CJK_FONT_CANDIDATES:
        if path.is_file():
            return path
    if shutil.which("fc-list"):
        listing = subprocess.run(
            ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, check=False
        )
        for line in listing.stdout.splitlines():
            path = Path(line.strip().rstrip(":"))
            if path.is_file():
                return path
    pytest.skip("no font with Chinese glyphs found (install fonts-noto-cjk)")


def font(points: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(cjk_font_path()), round(points * DPI / 72))


def draw_table_page() -> Image.Image:
    """Draw the 6 x 5 grid with Chinese text in its cells and a Chinese paragraph below it."""
    page = Image.new("L", PAGE_SIZE, 255)
    draw = ImageDraw.Draw(page)
    pdf_samples.draw_grid(draw, TABLE_ROWS, TABLE_COLUMNS, LINE_WIDTH)

    cell_font = font(10.5)
    for row_top in TABLE_ROWS[:-1]:
        for column, column_left in enumerate(TABLE_COLUMNS[:-1]):
            position = (column_left + 8, row_top + 22)
            draw.text(position, CELL_TEXTS[column][:6], font=cell_font, fill=0)

    y = PARAGRAPH_TOP
    for points, text in PARAGRAPH_LINES:
        draw.text((150, y), text, font=font(points), fill=0)
        y += round(points * DPI / 72 * 1.8)
    assert y < PARAGRAPH_BOTTOM
    return page


def add_scan_noise(page: Image.Image, seed: int) -> Image.Image:
    """Add Gaussian noise (sigma 20), 0.3% salt and 0.3% pepper specks and JPEG artefacts."""
    rng = np.random.default_rng(seed)
    pixels = np.asarray(page, dtype=np.float32) + rng.normal(0.0, 20.0, (page.height, page.width))
    specks = rng.random((page.height, page.width))
    pixels[specks < 0.003] = 0
    pixels[specks > 0.997] = 255
    noisy = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="L")
    buffer = io.BytesIO()
    noisy.save(buffer, format="JPEG", quality=75)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("L")


def rotated_point(x: float, y: float, degrees: float) -> tuple[float, float]:
    """Map a point as Image.rotate(degrees) does: counter-clockwise on screen about the centre."""
    centre_x, centre_y = PAGE_SIZE[0] / 2, PAGE_SIZE[1] / 2
    cos, sin = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    dx, dy = x - centre_x, y - centre_y
    return centre_x + dx * cos + dy * sin, centre_y - dx * sin + dy * cos


def expected_rules(degrees: float) -> tuple[list[float], list[float]]:
    """Return the y of each horizontal grid line and x of each vertical one, at their middles."""
    # A 2 px Pillow line drawn at y covers rows y and y + 1, whose centre line is at y + 1.
    middle_x = (TABLE_COLUMNS[0] + TABLE_COLUMNS[-1]) / 2
    middle_y = (TABLE_ROWS[0] + TABLE_ROWS[-1]) / 2
    rows = [rotated_point(middle_x, y + 1, degrees)[1] for y in TABLE_ROWS]
    columns = [rotated_point(x + 1, middle_y, degrees)[0] for x in TABLE_COLUMNS]
    return rows, columns


def split(rules: list[PixelRule]) -> tuple[list[PixelRule], list[PixelRule]]:
    horizontal = [rule for rule in rules if rule.horizontal]
    vertical = [rule for rule in rules if not rule.horizontal]
    return horizontal, vertical


def rules_in_area(
    rules: list[PixelRule], left: float, top: float, right: float, bottom: float
) -> list[PixelRule]:
    """Return the rules with any part inside the box."""
    inside = []
    for rule in rules:
        if rule.horizontal:
            hit = top <= rule.position <= bottom and rule.start <= right and rule.end >= left
        else:
            hit = left <= rule.position <= right and rule.start <= bottom and rule.end >= top
        if hit:
            inside.append(rule)
    return inside


def test_grid_with_chinese_text():
    page = draw_table_page()

    horizontal, vertical = split(find_rules(page, dpi=DPI))
    rows, columns = expected_rules(0.0)

    assert len(horizontal) == len(TABLE_ROWS), horizontal
    assert len(vertical) == len(TABLE_COLUMNS), vertical
    for rule, y in zip(horizontal, rows):
        assert rule.position == pytest.approx(y, abs=2), rule
        assert rule.start == pytest.approx(TABLE_COLUMNS[0], abs=2), rule
        assert rule.end == pytest.approx(TABLE_COLUMNS[-1], abs=2), rule
    for rule, x in zip(vertical, columns):
        assert rule.position == pytest.approx(x, abs=2), rule
        assert rule.start == pytest.approx(TABLE_ROWS[0], abs=2), rule
        assert rule.end == pytest.approx(TABLE_ROWS[-1], abs=2), rule


def test_paragraph_yields_no_rules():
    page = draw_table_page()

    rules = find_rules(page, dpi=DPI)

    assert rules_in_area(rules, 0, PARAGRAPH_TOP - 20, PAGE_SIZE[0], PARAGRAPH_BOTTOM) == []


def test_grid_rotated_with_noise():
    page = draw_table_page().rotate(
        ROTATION_DEGREES, resample=Image.Resampling.BILINEAR, fillcolor=255
    )
    page = add_scan_noise(page, seed=20240611)

    rules = find_rules(page, dpi=DPI)
    horizontal, vertical = split(rules)
    rows, columns = expected_rules(ROTATION_DEGREES)

    assert len(horizontal) == len(TABLE_ROWS), horizontal
    assert len(vertical) == len(TABLE_COLUMNS), vertical
    for rule, y in zip(horizontal, rows):
        assert rule.position == pytest.approx(y, abs=3), rule
    for rule, x in zip(vertical, columns):
        assert rule.position == pytest.approx(x, abs=3), rule
    assert rules_in_area(rules, 0, PARAGRAPH_TOP - 20, PAGE_SIZE[0], PARAGRAPH_BOTTOM) == []


@pytest.mark.parametrize("noisy", [False, True], ids=["clean", "noisy"])
def test_black_box_yields_no_rules(noisy):
    # A redaction bar or stamp is filled, so it has no thin edge and not even its outline is a rule.
    page = Image.new("L", PAGE_SIZE, 255)
    draw = ImageDraw.Draw(page)
    box = (200, 600, 1400, 750)
    draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=0)
    draw.text((260, 650), "已签章 一一对应 ——  此处内容已遮盖 三三 中川丨", font=font(12.0), fill=180)
    if noisy:
        page = add_scan_noise(page, seed=7)

    assert find_rules(page, dpi=DPI) == []


def test_signature_underline_is_a_rule():
    page = Image.new("L", PAGE_SIZE, 255)
    draw = ImageDraw.Draw(page)
    draw.text((200, 500), "乙方签字：", font=font(12.0), fill=0)
    draw.line([(380, 540), (780, 540)], fill=0, width=1)

    horizontal, vertical = split(find_rules(page, dpi=DPI))

    assert horizontal == [PixelRule(True, 540.5, 380.0, 781.0)]
    assert vertical == []


def test_underscores_with_gaps_are_not_a_rule():
    # Noto Sans CJK leaves a 1 px gap between underscore glyphs at this size, as between the
    # strokes of adjacent characters, so the blank is not joined into a rule.
    page = Image.new("L", PAGE_SIZE, 255)
    ImageDraw.Draw(page).text((200, 500), "签字：________________", font=font(12.0), fill=0)

    assert find_rules(page, dpi=DPI) == []


def test_non_grayscale_image_rejected():
    with pytest.raises(ValueError, match="mode L"):
        find_rules(Image.new("RGB", (100, 100), "white"), dpi=DPI)


@pytest.mark.corpus
def test_corpus_page_matches_vector_rules():
    scale = DPI / 72
    document = pdfium.PdfDocument(corpus_file(CORPUS_FILE))
    try:
        page = document[1]
        image = page.render(scale=scale, grayscale=True).to_pil()
        vector_rules = [
            rule for rule in read_rules(page) if rule.end - rule.start > MIN_COMPARED_RULE_POINTS
        ]
    finally:
        document.close()

    found = find_rules(image, dpi=DPI)

    assert vector_rules, "the corpus page should have vector rules"
    for vector in vector_rules:
        position, start, end = vector.position * scale, vector.start * scale, vector.end * scale
        matches = [
            rule
            for rule in found
            if rule.horizontal == vector.horizontal
            and abs(rule.position - position) <= 4
            and min(rule.end, end) - max(rule.start, start) >= 0.8 * (end - start)
        ]
        assert matches, (
            f"no detected rule matches vector rule {vector} "
            f"(pixels: position {position:.1f}, extent {start:.1f}-{end:.1f})"
        )


# --- rules painted over before recognition ----------------------------------------------------


def test_table_rules_are_the_grid_only():
    page = draw_table_page()
    draw = ImageDraw.Draw(page)
    # A signature line under the paragraph touches no other rule, so it belongs to no table.
    draw.line([(380, 1600), (780, 1600)], fill=0, width=1)
    rules = find_rules(page, dpi=DPI)

    table = rules_in_tables(rules, dpi=DPI)

    horizontal, vertical = split(table)
    assert len(horizontal) == len(TABLE_ROWS)
    assert len(vertical) == len(TABLE_COLUMNS)
    assert all(rule.position < PARAGRAPH_TOP for rule in horizontal)
    assert len(rules) == len(table) + 1


def test_lone_rule_is_not_a_table_rule():
    page = Image.new("L", PAGE_SIZE, 255)
    ImageDraw.Draw(page).line([(380, 540), (780, 540)], fill=0, width=1)

    assert rules_in_tables(find_rules(page, dpi=DPI), dpi=DPI) == []


def test_erased_grid_leaves_cell_text():
    page = draw_table_page()
    table = rules_in_tables(find_rules(page, dpi=DPI), dpi=DPI)

    erased = erase_rules(page, table, dpi=DPI)

    assert find_rules(erased, dpi=DPI) == []
    before, after = np.asarray(page), np.asarray(erased)
    # The text inside the first cell keeps every dark pixel.
    cell = (slice(TABLE_ROWS[0] + 6, TABLE_ROWS[1] - 6), slice(TABLE_COLUMNS[0] + 6, TABLE_COLUMNS[1] - 6))
    assert (before[cell] < 128).sum() > 0
    assert np.array_equal(before[cell], after[cell])
    # The input image is not changed.
    assert find_rules(page, dpi=DPI) != []
