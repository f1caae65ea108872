"""Ruling lines (table borders) on a scanned page image, for rebuilding tables after OCR.

A scanned page has no vector drawing, so `ingest.readers.pdf_tables` finds no rules
on it. This module finds them in the pixels instead. The page is binarised, dark
regions too thick to be a rule (redaction bars, stamps, filled boxes) are removed by
a morphological opening, and the remaining dark pixels are split into runs along
each row and each column. Runs long enough to be a rule are kept, and runs in
neighbouring rows (or columns) that overlap are merged into one rule, which joins
the rows of a thick rule and the steps of a slightly tilted one. A merged rule with
ink on both sides is dropped, because it is the gap between light strokes of text
printed inside a dark box.

Coordinates are image pixels with the origin at the top left and pixel edges on
integers, as in `ingest.ocr.geometry`, so a rule drawn in rows 10 and 11 has its
centre line at y = 11.0.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from PIL import Image

# A pixel darker than this grey level (0-255) is ink. A 0.5 pt rule rendered at 200 dpi often
# straddles two pixel rows, and each row then has about half coverage (grey 82 to 128 measured on
# a rendered contract page). A midpoint threshold of 128 would lose such rules, and so would an
# Otsu threshold, which lands near the midpoint on a page of black text. 160 keeps them and stays
# well below white paper with scanner noise (Gaussian noise of sigma 20 reaches it in about one
# pixel in a million).
# NOTE: a scan whose paper is darker than about 190 needs its contrast stretched first.
DARK_THRESHOLD = 160
# Minimum length of a horizontal rule. The widest horizontal text stroke is about 0.9 em, which
# is 0.275 inch for a 22 pt title. Noto Sans CJK draws the doubled Chinese dash (——) as one
# 0.265 inch line at 12 pt. A column wide enough for two characters of 10.5 pt text with some
# padding is already about 0.4 inch wide.
# NOTE: a doubled dash at 14 pt or larger is still returned as a rule.
MIN_HORIZONTAL_RULE_INCH = 0.3
# Minimum length of a vertical rule. A vertical stroke of a Chinese character is also about
# 0.9 em tall, which is 27 px at 10.5 pt and 31 px at 12 pt at 200 dpi (Noto Sans CJK). A limit
# of 0.15 inch (30 px) would therefore turn 12 pt body text into rules. Vertical rules usually run
# through several rows, but one that spans a single tight row of 10.5 pt text (about 0.2 inch)
# is near this limit.
# NOTE: strokes of headings larger than about 15 pt still come out as short vertical rules.
MIN_VERTICAL_RULE_INCH = 0.2
# A dark region thicker than this in both directions is not a rule but a filled area. This is
# 8 px at 200 dpi, so rules from 1 to 6 px thick pass at 150 dpi and above.
MAX_RULE_THICKNESS_INCH = 0.04
# Pieces in one row separated by at most this gap (noise specks, JPEG blur) are joined, but only
# onto a piece that is long enough to be a rule by itself. Joining short pieces would build rules
# out of text: two adjacent Chinese characters with full-width horizontal strokes (一一) are only
# 2 px apart at 10.5 pt and 200 dpi, and a scan speck can close that gap.
MAX_GAP_INCH = 0.015
# Rows (or columns) of one rule may be this many pixels apart, so a row lost to noise in the
# middle of a thick rule does not split it in two.
MAX_ROW_STEP = 2
# Grey text inside a black box leaves thin dark bands between its strokes, and because the space
# between characters is dark too, such a band can run across several characters. A rule has paper
# on at least one side, so a band with more than this share of ink on both sides is dropped. Such
# bands measured 0.5 to 0.8 (12 pt grey text in a black box, with scan noise), and the sides of a
# table rule are below 0.05.
MAX_SIDE_INK_SHARE = 0.35
# The sides are the rows (or columns) from 2 to 4 pixels beyond a rule. The row right next to
# it is skipped because it is the rule's anti-aliased or blurred edge.
SIDE_OFFSETS = (2, 4)


class PixelRule(NamedTuple):
    """A ruling line in image pixels: `position` is y when horizontal, else x."""

    horizontal: bool
    position: float
    start: float
    end: float


def find_rules(image: Image.Image, *, dpi: int) -> list[PixelRule]:
    """Find the horizontal and vertical ruling lines on a deskewed grayscale page image.

    Returns horizontal rules from top to bottom, then vertical rules from left to right.
    A rule from 1 to 6 px thick is returned once, with its centre line as `position`.
    A fill-in blank looks exactly like a horizontal rule: a drawn underline is returned as
    one, and so is a run of underscores (________) whose glyphs touch. Underscores with
    gaps between the glyphs (1 px in Noto Sans CJK at 12 pt and 200 dpi) are not, for the
    same reason that adjacent text strokes are not joined (see MAX_GAP_INCH). Strokes of
    body text and dark regions thicker than MAX_RULE_THICKNESS_INCH are not returned.
    The image should be level to within about 0.2 degrees, because a rule is found one row
    (or column) at a time.
    """
    if image.mode != "L":
        raise ValueError(
            f"find_rules expects a grayscale image (mode L), got mode {image.mode}: "
            "convert it with image.convert('L')"
        )
    if dpi <= 0:
        raise ValueError(f"dpi must be positive, got {dpi}")

    dark = np.asarray(image) < DARK_THRESHOLD
    thickness = max(1, round(MAX_RULE_THICKNESS_INCH * dpi))
    thin = dark & ~_opening(dark, thickness + 1)
    max_gap = max(1, round(MAX_GAP_INCH * dpi))

    horizontal = _rules_along_rows(thin, dark, round(MIN_HORIZONTAL_RULE_INCH * dpi), max_gap)
    vertical = _rules_along_rows(
        np.ascontiguousarray(thin.T), dark.T, round(MIN_VERTICAL_RULE_INCH * dpi), max_gap
    )
    return [PixelRule(True, *rule) for rule in horizontal] + [
        PixelRule(False, *rule) for rule in vertical
    ]


# --- removing filled areas -----------------------------------------------------------------


def _opening(mask: np.ndarray, size: int) -> np.ndarray:
    """Return the pixels of `mask` covered by some fully set size x size square."""
    eroded = _all_in_window(_all_in_window(mask, size, axis=0), size, axis=1)
    return _any_in_window(_any_in_window(eroded, size, axis=0), size, axis=1)


def _all_in_window(mask: np.ndarray, size: int, *, axis: int) -> np.ndarray:
    """Set index i where mask[i : i + size] along `axis` is all set.

    The window grows by doubling, so a window of n pixels takes about log2(n) shifted ANDs
    over the page instead of n.
    """
    out = np.moveaxis(mask.copy(), axis, 0)
    reach = 1
    while reach < size:
        step = min(reach, size - reach)
        out[:-step] &= out[step:]
        out[-step:] = False
        reach += step
    return np.moveaxis(out, 0, axis)


def _any_in_window(mask: np.ndarray, size: int, *, axis: int) -> np.ndarray:
    """Set index i where mask[i - size + 1 : i + 1] along `axis` has any pixel set."""
    out = np.moveaxis(mask.copy(), axis, 0)
    reach = 1
    while reach < size:
        step = min(reach, size - reach)
        out[step:] |= out[:-step]
        reach += step
    return np.moveaxis(out, 0, axis)


# --- runs and rules ------------------------------------------------------------------------


def _rules_along_rows(
    thin: np.ndarray, dark: np.ndarray, min_length: int, max_gap: int
) -> list[tuple[float, float, float]]:
    """Return (position, start, end) of each rule running along the rows of `thin`.

    `dark` is the ink mask before filled areas were removed, in the same orientation.
    """
    rows, starts, ends = _long_runs(thin, min_length, max_gap)
    found = []
    near, far = SIDE_OFFSETS
    for first_row, last_row, start, end, position in _merge_neighbouring_runs(
        rows, starts, ends, max_gap
    ):
        above = _ink_share(dark, first_row - far, first_row - near + 1, start, end)
        below = _ink_share(dark, last_row + near, last_row + far + 1, start, end)
        if min(above, below) <= MAX_SIDE_INK_SHARE:
            found.append((position, float(start), float(end)))
    return sorted(found)


def _ink_share(dark: np.ndarray, top: int, bottom: int, start: int, end: int) -> float:
    """Return the share of ink in rows top to bottom (exclusive), columns start to end (exclusive).

    A band that lies outside the image has no ink.
    """
    band = dark[max(top, 0) : max(bottom, 0), start:end]
    return float(band.mean()) if band.size else 0.0


def _long_runs(
    mask: np.ndarray, min_length: int, max_gap: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return row, start and end (exclusive) of the runs of set pixels at least min_length long.

    Runs in one row separated by at most max_gap pixels are joined into one when at least
    one of them is min_length long on its own.
    """
    height, width = mask.shape
    padded = np.zeros((height, width + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    # Padding each row with a clear pixel on both sides makes every run start (+1) and end (-1)
    # inside its own row, so the flat transitions alternate start, end, start, end.
    transitions = np.flatnonzero(np.diff(padded, axis=1))
    rows, starts = np.divmod(transitions[0::2], width + 1)
    ends = transitions[1::2] - rows * (width + 1)
    if rows.size == 0:
        return rows, starts, ends

    joins = (rows[1:] == rows[:-1]) & (starts[1:] - ends[:-1] <= max_gap)
    firsts = np.flatnonzero(np.concatenate(([True], ~joins)))
    lasts = np.concatenate((firsts[1:] - 1, [rows.size - 1]))
    longest_piece = np.maximum.reduceat(ends - starts, firsts)
    rows, starts, ends = rows[firsts], starts[firsts], ends[lasts]
    long = longest_piece >= min_length
    return rows[long], starts[long], ends[long]


class _RunGroup(NamedTuple):
    first_row: int
    last_row: int
    start: int
    end: int
    weighted_row_sum: float
    total_length: int


def _merge_neighbouring_runs(
    rows: np.ndarray, starts: np.ndarray, ends: np.ndarray, max_gap: int
) -> list[tuple[int, int, int, int, float]]:
    """Merge runs in rows at most MAX_ROW_STEP apart whose extents overlap.

    Returns (first_row, last_row, start, end, position) per group. The position is the
    length-weighted mean of the rows' centres, which for a slightly tilted rule is the
    centre of its middle. Runs come sorted by row. Only runs that passed the length filter
    reach this loop (30 on a rendered contract page with a 9-row table), so plain Python is
    fast enough.
    """
    open_groups: list[_RunGroup] = []
    closed_groups: list[_RunGroup] = []
    for row, start, end in zip(rows.tolist(), starts.tolist(), ends.tolist()):
        still_open = []
        for group in open_groups:
            (still_open if group.last_row >= row - MAX_ROW_STEP else closed_groups).append(group)
        open_groups = still_open

        length = end - start
        merged = _RunGroup(row, row, start, end, (row + 0.5) * length, length)
        touching = [g for g in open_groups if start <= g.end + max_gap and end >= g.start - max_gap]
        for group in touching:
            merged = _RunGroup(
                min(merged.first_row, group.first_row),
                row,
                min(merged.start, group.start),
                max(merged.end, group.end),
                merged.weighted_row_sum + group.weighted_row_sum,
                merged.total_length + group.total_length,
            )
            open_groups.remove(group)
        open_groups.append(merged)

    return [
        (
            group.first_row,
            group.last_row,
            group.start,
            group.end,
            group.weighted_row_sum / group.total_length,
        )
        for group in closed_groups + open_groups
    ]


# Half the width of the white stripe painted over a rule before recognition. 0.015 inch is 3 px at
# 200 dpi, enough for rules up to 6 px thick, which is also the most `find_rules` accepts.
ERASE_HALF_WIDTH_INCH = 0.015


def erase_rules(image: Image.Image, rules: list[PixelRule], *, dpi: int) -> Image.Image:
    """Return a copy of the grayscale image with each rule painted white.

    Tesseract's page layout splits a ruled table into many small blocks and then drops
    short words in them: a lone quantity in the right-hand column of a drawn table was
    lost, and with the rules painted over it was read.
    """
    half = max(1, round(ERASE_HALF_WIDTH_INCH * dpi))
    pixels = np.array(image)
    height, width = pixels.shape
    for rule in rules:
        centre = round(rule.position)
        start, end = max(0, int(rule.start)), int(np.ceil(rule.end))
        low, high = max(0, centre - half), centre + half
        if rule.horizontal:
            pixels[low : min(height, high), start : min(width, end)] = 255
        else:
            pixels[start : min(height, end), low : min(width, high)] = 255
    return Image.fromarray(pixels)


# A rule belongs to a table when it lies within this many points of the table's outer box.
TABLE_MARGIN_POINTS = 2.0


def rules_in_tables(rules: list[PixelRule], *, dpi: int) -> list[PixelRule]:
    """Return the rules that belong to a table grid, as `ingest.readers.pdf_tables` builds them.

    Only these are painted over before recognition: a lone rule may be a stroke of a large
    heading or the underline of a fill-in blank, and painting it over would cut characters.
    """
    from ingest.readers.pdf_tables import Rule, find_grids

    scale = 72.0 / dpi
    grids = find_grids([Rule(r.horizontal, r.position * scale, r.start * scale, r.end * scale) for r in rules])
    boxes = [grid.bbox for grid in grids]
    if not boxes:
        return []
    table_rules = []
    for rule in rules:
        if rule.horizontal:
            x0, x1, y0, y1 = rule.start, rule.end, rule.position, rule.position
        else:
            x0, x1, y0, y1 = rule.position, rule.position, rule.start, rule.end
        x0, x1, y0, y1 = x0 * scale, x1 * scale, y0 * scale, y1 * scale
        if any(
            box.x0 - TABLE_MARGIN_POINTS <= x0
            and x1 <= box.x1 + TABLE_MARGIN_POINTS
            and box.top - TABLE_MARGIN_POINTS <= y0
            and y1 <= box.bottom + TABLE_MARGIN_POINTS
            for box in boxes
        ):
            table_rules.append(rule)
    return table_rules
