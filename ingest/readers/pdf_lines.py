"""Grouping of a page's glyphs into text lines in reading order.

Glyphs are grouped by baseline rather than by box top, with a tolerance
relative to font size, so digits set in another font or size stay inside
their line (签订于2024年3月5日). Each reading direction is grouped in its own
frame, so sideways text comes out in reading order instead of reversed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import median

from ingest.parsed import BBox
from ingest.readers.pdf_glyphs import Glyph

# Two glyphs share a line when their baselines differ by at most this share of the font size.
BASELINE_TOLERANCE_RATIO = 0.4
# A gap wider than this share of the font size between two glyphs is a word space.
WORD_GAP_RATIO = 0.15
# The word gap tried again for a line with a run-together word (ThisAgreementshall).
TIGHT_WORD_GAP_RATIO = 0.05
# A run-together English word: a lower-case letter followed by a capital inside a run of 16 or more
# letters and digits, or any run of 25 or more letters. Real contract words are shorter.
_RUN_TOGETHER = re.compile(r"(?=[A-Za-z0-9.]{16,})[A-Za-z0-9.]*[a-z][A-Z]|[A-Za-z]{25,}")
# A glyph repeated within this distance (points) of the same glyph is fake bold.
FAKE_BOLD_MAX_OFFSET = 1.0
# ...and only when the offset is below this share of the glyph's own width.
FAKE_BOLD_MAX_WIDTH_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class LineParams:
    """Tolerances for line grouping, each relative to font size unless named in points."""

    baseline_tolerance_ratio: float = BASELINE_TOLERANCE_RATIO
    word_gap_ratio: float = WORD_GAP_RATIO
    fake_bold_max_offset: float = FAKE_BOLD_MAX_OFFSET
    fake_bold_max_width_share: float = FAKE_BOLD_MAX_WIDTH_SHARE


@dataclass(frozen=True, slots=True)
class TextLine:
    """One line before normalisation: raw text, box on the displayed page and font size."""

    text: str
    bbox: BBox
    font_size: float
    direction: int


@dataclass
class LineStats:
    """What line grouping removed, for the document warnings."""

    fake_bold_duplicates: int = 0
    sideways_lines: int = 0


def _frame(glyph: Glyph) -> tuple[float, float, float]:
    """Return (start, end, baseline) of a glyph in its reading frame: start grows along the line."""
    direction = glyph.direction
    if direction == 0:
        return glyph.x0, glyph.x1, glyph.origin_y
    if direction == 90:
        return glyph.top, glyph.bottom, -glyph.origin_x
    if direction == 180:
        return -glyph.x1, -glyph.x0, -glyph.origin_y
    return -glyph.bottom, -glyph.top, glyph.origin_x


def group_lines(
    glyphs: list[Glyph], params: LineParams = LineParams(), stats: LineStats | None = None
) -> list[TextLine]:
    """Group glyphs into lines: upright lines top to bottom, then lines of other directions."""
    stats = stats if stats is not None else LineStats()
    by_direction: dict[int, list[tuple[float, float, float, Glyph]]] = {}
    # Nearly every glyph is upright, and its frame is its own coordinates.
    upright: list[tuple[float, float, float, Glyph]] = []
    by_direction[0] = upright
    for glyph in glyphs:
        if glyph.direction == 0:
            upright.append((glyph.origin_y, glyph.x0, glyph.x1, glyph))
            continue
        start, end, baseline = _frame(glyph)
        by_direction.setdefault(glyph.direction, []).append((baseline, start, end, glyph))

    lines: list[TextLine] = []
    for direction in sorted(by_direction):
        for members in _cluster_baselines(by_direction[direction], params):
            line = _build_checked_line(members, direction, params, stats)
            if line is not None:
                lines.append(line)
                if direction != 0:
                    stats.sideways_lines += 1
    return lines


def _cluster_baselines(
    items: list[tuple[float, float, float, Glyph]], params: LineParams
) -> list[list[tuple[float, float, float, Glyph]]]:
    # NOTE: clustering is by baseline across the full page width, so two text columns
    # whose lines share baselines come out as one line per baseline.
    items.sort(key=lambda item: item[0])
    clusters: list[list[tuple[float, float, float, Glyph]]] = []
    reference = 0.0
    reference_size = 0.0
    ratio = params.baseline_tolerance_ratio
    for item in items:
        baseline, glyph_size = item[0], item[3].size
        if glyph_size > reference_size and clusters:
            tolerance = ratio * glyph_size
        else:
            tolerance = ratio * reference_size
        if clusters and baseline - reference <= tolerance:
            clusters[-1].append(item)
            if glyph_size > reference_size:
                reference_size = glyph_size
        else:
            clusters.append([item])
            reference, reference_size = baseline, glyph_size
    return clusters


def _build_checked_line(
    members: list[tuple[float, float, float, Glyph]],
    direction: int,
    params: LineParams,
    stats: LineStats,
) -> TextLine | None:
    """Build a line; when it contains a run-together English word, build it again with a tighter word gap.

    Tightly justified or small type can set words closer than WORD_GAP_RATIO. Letters inside a word
    sit almost edge to edge, so the tighter gap splits such runs without splitting words.
    """
    first_stats = LineStats()
    line = _build_line(members, direction, params, first_stats, params.word_gap_ratio)
    if line is not None and _RUN_TOGETHER.search(line.text):
        tight_stats = LineStats()
        tight = _build_line(members, direction, params, tight_stats, TIGHT_WORD_GAP_RATIO)
        if tight is not None and not _RUN_TOGETHER.search(tight.text):
            line, first_stats = tight, tight_stats
    stats.fake_bold_duplicates += first_stats.fake_bold_duplicates
    return line


def _build_line(
    members: list[tuple[float, float, float, Glyph]],
    direction: int,
    params: LineParams,
    stats: LineStats,
    word_gap_ratio: float,
) -> TextLine | None:
    members.sort(key=lambda item: item[1])
    parts: list[str] = []
    sizes: list[float] = []
    x0 = top = float("inf")
    x1 = bottom = float("-inf")
    previous: tuple[float, float, float, Glyph] | None = None
    pending_space = False

    # This loop runs once per character, so it compares instead of calling min() and max().
    for item in members:
        baseline, start, end, glyph = item
        if glyph.is_space:
            pending_space = previous is not None
            continue
        size = glyph.size
        if previous is not None:
            previous_glyph = previous[3]
            if previous_glyph.text == glyph.text and _is_fake_bold_copy(previous, item, params):
                stats.fake_bold_duplicates += 1
                continue
            wider = size if size > previous_glyph.size else previous_glyph.size
            if pending_space or start - previous[2] > word_gap_ratio * wider:
                parts.append(" ")
        parts.append(glyph.text)
        sizes.append(size)
        if glyph.x0 < x0:
            x0 = glyph.x0
        if glyph.top < top:
            top = glyph.top
        if glyph.x1 > x1:
            x1 = glyph.x1
        if glyph.bottom > bottom:
            bottom = glyph.bottom
        previous = item
        pending_space = False

    if not sizes:
        return None
    return TextLine("".join(parts), BBox(x0, top, x1, bottom), round(median(sizes), 2), direction)


def _is_fake_bold_copy(
    previous: tuple[float, float, float, Glyph],
    current: tuple[float, float, float, Glyph],
    params: LineParams,
) -> bool:
    if previous[3].text != current[3].text:
        return False
    offset = abs(current[1] - previous[1])
    width = previous[2] - previous[1]
    return (
        offset <= params.fake_bold_max_offset
        and offset < params.fake_bold_max_width_share * width
        and abs(current[0] - previous[0]) <= params.fake_bold_max_offset
    )
