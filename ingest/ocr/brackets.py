"""Finding the solid lenticular brackets 【 and 】 on a page image, and putting them back after recognition.

Chinese model contracts (示范文本) offer choices as a row of bracketed options:
`证件类型：【居民身份证】【护照】【营业执照】`. Their brackets are solid black shapes,
and chi_sim reads a closing bracket next to an opening one as a character: `】【` came out
as 江, 式 or 世, one wrong character per option. Here each bracket is found in the
pixels by its shape, painted white before Tesseract reads the page, and added back
afterwards as a word of its own at its place in its line.

A bracket is one connected blot of ink about as tall as a character and a third as wide.
One side is straight, and the other side curves in, so the blot is at least twice as
wide at its ends as in its middle. Where the font sets `】【` touching, the pair is one
blot twice as wide, with both sides curving in. An ASCII [ has the same outline but is a thin
stroke, so little of its box is ink. The strokes of a character make blots with
more than one run of ink on some rows, or with two ragged sides.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from PIL import Image
from scipy import ndimage

from ingest.ocr.engine import TsvResult, Word

OPENING = "【"
# Marks that Tesseract reads in the blank a removed bracket leaves.
_BLANK_QUOTES = "\"'`‘’“”"
CLOSING = "】"
# A pixel darker than this grey level (0-255) is ink.
INK_LEVEL = 128
# A bracket is between these heights: 6 to 22 pt glyphs, whose brackets are about 0.9 em tall.
MIN_HEIGHT_INCH = 0.07
MAX_HEIGHT_INCH = 0.3
# A bracket is at least this wide: 0.045-0.05 inch at 10.5 pt, about 0.04 inch at 9 pt. The serifed
# Latin letters l, I and 1 of body text flare at their ends like a bracket, and are 0.03 inch wide.
MIN_WIDTH_INCH = 0.034
# Width over height of a bracket's box. The brackets of the Zhejiang model contract measure 0.35-0.38,
# and a touching pair 】【 0.78.
MIN_WIDTH_RATIO = 0.25
MAX_WIDTH_RATIO = 0.5
MIN_PAIR_WIDTH_RATIO = 0.55
MAX_PAIR_WIDTH_RATIO = 1.0
# At least this share of the box is ink: 0.51-0.58 on the Zhejiang scans, about 0.3 for an ASCII [.
MIN_FILL = 0.45
# The middle third of the rows is at most this share as wide as the widest row of the top quarter,
# and of the bottom quarter.
MAX_WAIST_RATIO = 0.6
# The waist is the middle third of the rows, and the ends are the top and bottom quarters. A side
# is straight when its edge at the waist sits in from its furthest point at the ends by at most this
# share of the box width, or one pixel. A side curves in when it sits in by at least MIN_CURVE_INSET. That is 0.5-0.6 for
# the curved side of a single bracket and about 0.3 for each side of a touching pair.
STRAIGHT_SIDE_TOLERANCE = 0.15
MIN_CURVE_INSET = 0.2
MIN_CURVE_INSET_PIXELS = 2
# From one row to the next, a curved side moves by at most this share of the box width, or
# MIN_STEP_PIXELS where that is more. The sides of the Zhejiang brackets move by one or two pixels.
MAX_EDGE_STEP = 0.25
MIN_STEP_PIXELS = 2
# At least this share of the rows are wider than halfway between the waist and the widest row: 0.23
# to 0.26 for the brackets of the Zhejiang scans, about 0.1 for a serifed l.
MIN_FLARE_SHARE = 0.18
# The rows at each end of a bracket, this share of its height, may hold two runs of ink, because the
# scan frays the tips of the bracket.
RAGGED_TIP_SHARE = 0.1
# Every pixel lighter than ink in a bracket's box, widened by this margin, is painted white too: the
# soft edge that anti-aliasing leaves and the ringing of JPEG compression, which Tesseract reads as
# quotation marks. Ink of a neighbouring character in that area stays.
ERASE_MARGIN_INCH = 0.015


@dataclass(frozen=True, slots=True)
class Bracket:
    """One bracket found on the page image: its character and its pixel box."""

    text: str
    left: int
    top: int
    width: int
    height: int


def remove_brackets(image: Image.Image, *, dpi: int) -> tuple[Image.Image, list[Bracket]]:
    """Return the grayscale image with each solid bracket painted white, and the brackets found.

    The image is returned unchanged (the same object) when it has no bracket.
    """
    if image.mode != "L":
        raise ValueError(f"remove_brackets needs a grayscale (L) image, got mode {image.mode}")
    pixels = np.asarray(image)
    ink = pixels < INK_LEVEL
    labels, _ = ndimage.label(ink, structure=np.ones((3, 3), dtype=bool))
    min_height, max_height, min_width = MIN_HEIGHT_INCH * dpi, MAX_HEIGHT_INCH * dpi, MIN_WIDTH_INCH * dpi
    found: list[Bracket] = []
    blots = np.zeros_like(ink)
    halo = np.zeros_like(ink)
    margin = max(1, round(ERASE_MARGIN_INCH * dpi))
    for index, box in enumerate(ndimage.find_objects(labels), start=1):
        if box is None:
            continue
        rows, columns = box
        height, width = rows.stop - rows.start, columns.stop - columns.start
        if not min_height <= height <= max_height or width < min_width:
            continue
        blot = labels[box] == index
        text = bracket_shape(blot)
        if text is None:
            continue
        found.append(Bracket(text, columns.start, rows.start, width, height))
        blots[box] |= blot
        halo[max(0, rows.start - margin) : rows.stop + margin, max(0, columns.start - margin) : columns.stop + margin] = True
    if not found:
        return image, []
    cleaned = pixels.copy()
    cleaned[blots | (halo & ~ink)] = 255
    return Image.fromarray(cleaned, mode="L"), found


def bracket_shape(blot: np.ndarray) -> str | None:
    """Return 【, 】 or 】【 when a blot's boolean mask has the shape of a bracket or a touching pair, else None."""
    height, width = blot.shape
    single = MIN_WIDTH_RATIO <= width / height <= MAX_WIDTH_RATIO
    pair = MIN_PAIR_WIDTH_RATIO <= width / height <= MAX_PAIR_WIDTH_RATIO
    if not (single or pair) or blot.mean() < MIN_FILL:
        return None
    lefts = np.empty(height, dtype=int)
    rights = np.empty(height, dtype=int)
    tip = max(1, round(RAGGED_TIP_SHARE * height))
    for row in range(height):
        filled = np.flatnonzero(blot[row])
        if filled.size == 0:
            return None
        inner = tip <= row < height - tip
        if inner and filled[-1] - filled[0] + 1 != filled.size:
            return None  # two runs of ink on one row, as in the strokes of a character
        lefts[row], rights[row] = filled[0], filled[-1]

    widths = rights - lefts + 1
    quarter, third = max(1, height // 4), height // 3
    # Both ends flare out from the waist, over several rows: a serif is one or two rows wide.
    waist_width = widths[third : height - third].mean()
    widest = min(widths[:quarter].max(), widths[-quarter:].max())
    if waist_width > MAX_WAIST_RATIO * widest:
        return None
    if np.mean(widths > (waist_width + widest) / 2) < MIN_FLARE_SHARE:
        return None

    # How far each side sits in at the waist from where it reaches furthest out at the ends.
    ends = np.r_[0:quarter, height - quarter : height]
    waist = slice(third, height - third)
    left_inset = np.median(lefts[waist]) - lefts[ends].min()
    right_inset = rights[ends].max() - np.median(rights[waist])
    straight = max(1.0, STRAIGHT_SIDE_TOLERANCE * width)
    curved = max(MIN_CURVE_INSET_PIXELS, MIN_CURVE_INSET * width)
    left_straight, right_straight = left_inset <= straight, right_inset <= straight
    # A curved side moves in and out gradually, from the second row to the last but one. The foot
    # and flag of a bold 1 and the ends of a bold [ step out at once.
    inner = slice(1, height - 1)
    max_step = max(MIN_STEP_PIXELS, MAX_EDGE_STEP * width)
    left_curved = left_inset >= curved and np.abs(np.diff(lefts[inner])).max() <= max_step
    right_curved = right_inset >= curved and np.abs(np.diff(rights[inner])).max() <= max_step

    if single and left_straight and right_curved:
        return OPENING
    if single and right_straight and left_curved:
        return CLOSING
    if pair and left_curved and right_curved:
        return CLOSING + OPENING
    return None


def place_brackets(result: TsvResult, brackets: list[Bracket]) -> TsvResult:
    """Return the result with each bracket added as a word of the line whose words it sits among.

    A bracket joins the line whose words' vertical band contains the bracket's middle, the nearest
    such line when several do. A bracket beside no recognised line is left out: its line was
    not read, so a lone bracket would only add noise. The added words carry confidence -1, the
    value Tesseract gives to non-words, so they do not change any mean confidence. Words keep
    their order by horizontal centre, and quotation marks that Tesseract read in the blank left
    by a bracket are taken off the word that reaches into it.
    """
    if not brackets:
        return result
    bands: dict[tuple[int, int, int], tuple[int, int, int, int]] = {}
    for word in result.words:
        top, bottom, left, right = bands.get(word.line_key, (word.top, word.top + word.height, word.left, word.left))
        bands[word.line_key] = (
            min(top, word.top), max(bottom, word.top + word.height), min(left, word.left),
            max(right, word.left + word.width),
        )
    added = []
    for bracket in brackets:
        middle = bracket.top + bracket.height / 2
        centre = bracket.left + bracket.width / 2
        holding = [
            (min(abs(centre - left), abs(centre - right)) if not left <= centre <= right else 0.0, key)
            for key, (top, bottom, left, right) in bands.items()
            if top <= middle <= bottom
        ]
        if not holding:
            continue
        _, key = min(holding)
        added.append(
            Word(bracket.text, bracket.left, bracket.top, bracket.width, bracket.height, -1.0, key)
        )
    if not added:
        return result
    words = [_without_blank_quotes(word, added) for word in result.words]
    words = [word for word in words if word.text]
    return replace(result, words=sorted([*words, *added], key=_reading_position))


def _without_blank_quotes(word: Word, brackets: list[Word]) -> Word:
    """Take quotation marks off a word's ends where the word overlaps a bracket or ends within a bracket's width of one.

    The word's box is cut back to the bracket's edge, so the word sorts after an opening bracket
    (or before a closing one) that its box used to overlap.
    """
    left, right, text = word.left, word.left + word.width, word.text
    for bracket in brackets:
        if bracket.line_key != word.line_key:
            continue
        bracket_right = bracket.left + bracket.width
        overlaps = left < bracket_right and right > bracket.left
        if text[:1] in _BLANK_QUOTES and (overlaps or bracket.left - bracket.width <= left <= bracket_right + bracket.width):
            text, left = text.lstrip(_BLANK_QUOTES), max(left, bracket_right)
        if text[-1:] in _BLANK_QUOTES and (overlaps or bracket.left - bracket.width <= right <= bracket_right + bracket.width):
            text, right = text.rstrip(_BLANK_QUOTES), min(right, bracket.left)
    if text == word.text:
        return word
    return replace(word, text=text, left=left, width=max(1, right - left))


def _reading_position(word: Word) -> tuple[tuple[int, int, int], float]:
    return word.line_key, word.left + word.width / 2
