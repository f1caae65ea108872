"""Turning Tesseract's words into glyphs on the displayed page, in PDF points from the top left.

The rendered image covers the page as displayed (crop box, /Rotate applied), the
frame that pdf_glyphs uses, so a pixel coordinate divided by the render scale is
a coordinate in that frame. When the image was turned upright or deskewed before
recognition (see geometry), word boxes are first mapped back to the rendered image.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from statistics import fmean, median

from ingest.ocr.engine import LineBox, TsvResult, Word
from ingest.ocr.geometry import Correction
from ingest.parsed import BBox
from ingest.readers.pdf_glyphs import Glyph
from ingest.readers.pdf_tables import Rule

POINTS_PER_INCH = 72.0
# Tesseract (chi_sim, 5.3) often reads the full-width opening bracket of a label such as （1） as
# C, 《 or 〈 while reading the closing one as ")". A word of that shape gets "(" back, so the
# label is found again: C1) and CL) become (1), 《4) becomes (4), 〈《八) becomes (八).
_MISREAD_OPENING = re.compile(r"^(?:C(?P<digit>[0-9L])|[《〈]{1,2}(?P<inner>[^《〈》〉)]{1,3}))\)$")
# A line needs this many words before its words' median box is trusted over Tesseract's line box.
MIN_WORDS_FOR_MEDIAN_LINE = 3
# A word whose vertical centre lies further than this many median word heights from the line's
# median centre is not part of the line. Tesseract adds scan specks read as letters (`we`) to the
# line above them and stretches the line box down to the next line.
MAX_WORD_CENTRE_OFFSET = 1.0
# The box of a word on the line is cut to the line's band, widened by this share of the median word
# height on each side. Tesseract sometimes gives one character a box half a line taller than its ink
# (应 in 甲方应于).
WORD_BAND_MARGIN = 0.25


@dataclass(frozen=True, slots=True)
class OcrPage:
    """One recognised page: its words as glyphs, mean word confidence and what was dropped."""

    glyphs: list[Glyph] = field(default_factory=list)
    # Mean of Tesseract's word confidences (0-100), None when no word was recognised.
    confidence: float | None = None
    word_count: int = 0
    dropped_lines: int = 0
    # Clockwise quarter turn (0, 90, 180 or 270 degrees) applied to the rendered page before recognition.
    rotation: int = 0
    # Skew of the text lines (degrees, positive when they rise to the right) removed before recognition.
    skew: float = 0.0
    # The Tesseract models whose reading was kept, `+`-joined.
    languages: str = ""
    # Share of the words that lie in lines taller than wide: Tesseract read them as vertical text,
    # which on a contract usually means the page is lying on its side.
    vertical_share: float = 0.0
    # The page image showed no ink, so finding no text is the right reading.
    blank: bool = False
    # The same words in the frame Tesseract read (turned upright and deskewed), one for each glyph
    # in the same order. The list is empty when that frame is the rendered page. Tables are found
    # in this frame, because their rules are level there.
    upright_glyphs: list[Glyph] = field(default_factory=list)
    # Ruling lines found in the upright frame, in points.
    rules: list[Rule] = field(default_factory=list)
    correction: Correction | None = None
    dpi: int = 0

    def table_glyphs(self) -> list[Glyph]:
        """Return the glyphs in the frame of `rules`."""
        return self.upright_glyphs or self.glyphs

    def box_on_page(self, box: BBox) -> BBox:
        """Map a box of the upright frame (points) to the rendered page, as the bounds of its corners."""
        if self.correction is None or self.correction.is_identity:
            return box
        scale = POINTS_PER_INCH / self.dpi
        x0, top, x1, bottom = self.correction.box_to_original(
            box.x0 / scale, box.top / scale, box.x1 / scale, box.bottom / scale
        )
        return BBox(x0 * scale, top * scale, x1 * scale, bottom * scale)


def page_from_tsv(
    result: TsvResult, *, dpi: int, min_line_confidence: float, correction: Correction | None = None
) -> OcrPage:
    """Convert recognised words to word glyphs, dropping lines whose mean confidence is below the minimum.

    Every word of a Tesseract line gets the line's bottom as its baseline and the line's
    height as its size, so group_lines keeps the line together even where single
    characters such as 一 have boxes far from the baseline. When `correction` describes how
    the recognised image was turned, word boxes are mapped back to the rendered page.
    """
    scale = POINTS_PER_INCH / dpi
    by_line: dict[tuple[int, int, int], list[Word]] = defaultdict(list)
    for word in result.words:
        by_line[word.line_key].append(word)

    confidences = [word.confidence for word in result.words if word.confidence >= 0]
    corrected = correction is not None and not correction.is_identity
    glyphs: list[Glyph] = []
    upright: list[Glyph] = []
    dropped = 0
    for key, words in by_line.items():
        line_confidences = [word.confidence for word in words if word.confidence >= 0]
        if key not in result.confirmed and line_confidences and fmean(line_confidences) < min_line_confidence:
            dropped += 1
            continue
        line = result.lines.get(key)
        if len(words) >= MIN_WORDS_FOR_MEDIAN_LINE:
            words, line = _median_line(words)
        elif line is None:
            line = _line_from_words(words)
        baseline, size = (line.top + line.height) * scale, line.height * scale
        level = [_word_glyph(word, scale, baseline, size) for word in words]
        if corrected:
            upright.extend(level)
            glyphs.extend(_corrected_line_glyphs(words, line, scale, correction))
        else:
            glyphs.extend(level)

    confidence = round(fmean(confidences), 1) if confidences else None
    rotation, skew = (correction.rotation, correction.skew) if correction is not None else (0, 0.0)
    return OcrPage(
        glyphs, confidence, len(result.words), dropped, rotation, skew,
        vertical_share=_vertical_share(result, by_line), upright_glyphs=upright, correction=correction, dpi=dpi,
    )


def _vertical_share(result: TsvResult, by_line: dict[tuple[int, int, int], list[Word]]) -> float:
    """Return the share of words in lines of two or more words whose box is taller than wide."""
    if not result.words:
        return 0.0
    vertical = 0
    for key, words in by_line.items():
        line = result.lines.get(key)
        if line is not None and len(words) >= 2 and line.height > line.width:
            vertical += len(words)
    return vertical / len(result.words)


def _median_line(words: list[Word]) -> tuple[list[Word], LineBox]:
    """Return the words that sit on the line and a line box as tall as their median word, at their median bottom.

    Tesseract's own line box grows to hold any speck it added to the line, and a box that
    reaches the next line's baseline would merge the two lines in group_lines. The median
    word ignores such outliers and short characters such as 一 alike.
    """
    height = median(word.height for word in words)
    centre = median(word.top + word.height / 2 for word in words)
    on_line = [word for word in words if abs(word.top + word.height / 2 - centre) <= MAX_WORD_CENTRE_OFFSET * height]
    if len(on_line) < MIN_WORDS_FOR_MEDIAN_LINE:
        on_line = words
    bottom = median(word.top + word.height for word in on_line)
    left = min(word.left for word in on_line)
    right = max(word.left + word.width for word in on_line)
    band_top = round(bottom - height - WORD_BAND_MARGIN * height)
    band_bottom = round(bottom + WORD_BAND_MARGIN * height)
    return [_clip_to_band(word, band_top, band_bottom) for word in on_line], LineBox(
        left, round(bottom - height), right - left, round(height)
    )


def _clip_to_band(word: Word, band_top: int, band_bottom: int) -> Word:
    top = max(word.top, band_top)
    bottom = min(word.top + word.height, band_bottom)
    if top == word.top and bottom == word.top + word.height or bottom <= top:
        return word
    return replace(word, top=top, height=bottom - top)


def _line_from_words(words: list[Word]) -> LineBox:
    """Return a line box for words whose line row is missing: bottom at the lowest word, as tall as the tallest."""
    left = min(word.left for word in words)
    right = max(word.left + word.width for word in words)
    bottom = max(word.top + word.height for word in words)
    height = max(word.height for word in words)
    return LineBox(left, bottom - height, right - left, height)


def _corrected_line_glyphs(words: list[Word], line: LineBox, scale: float, correction: Correction) -> list[Glyph]:
    """Return a line's word glyphs with boxes mapped back to the rendered page.

    On the rendered page the line reads in the direction opposite to the turn that made it
    upright, and a skewed line's baseline slants. group_lines clusters lines by one baseline
    coordinate, so every word of the line shares the point where its baseline crosses the
    corrected image's vertical centre line. Lines keep their order, because that crossing
    moves monotonically with the corrected baseline.
    """
    direction = (360 - correction.rotation) % 360
    centre_x = correction.size[0] / 2
    shared_x, shared_y = correction.to_original(centre_x, line.top + line.height)
    size = line.height * scale
    glyphs = []
    for word in words:
        x0, top, x1, bottom = correction.box_to_original(
            word.left, word.top, word.left + word.width, word.top + word.height
        )
        # The reading start of the word in its direction, moved onto the shared baseline.
        if direction == 0:
            origin = (x0, shared_y)
        elif direction == 90:
            origin = (shared_x, top)
        elif direction == 180:
            origin = (x1, shared_y)
        else:
            origin = (shared_x, bottom)
        glyphs.append(
            Glyph(
                text=repair_bracket(word.text),
                x0=x0 * scale,
                top=top * scale,
                x1=x1 * scale,
                bottom=bottom * scale,
                origin_x=origin[0] * scale,
                origin_y=origin[1] * scale,
                size=size,
                direction=direction,
                is_space=False,
            )
        )
    return glyphs


def repair_bracket(text: str) -> str:
    """Return the word with a misread opening bracket of a short label restored, else unchanged."""
    match = _MISREAD_OPENING.match(text)
    if match is None:
        return text
    digit = match.group("digit")
    if digit is not None:
        return f"({'1' if digit == 'L' else digit})"
    return f"({match.group('inner')})"


def _word_glyph(word: Word, scale: float, baseline: float, size: float) -> Glyph:
    x0 = word.left * scale
    return Glyph(
        text=repair_bracket(word.text),
        x0=x0,
        top=word.top * scale,
        x1=(word.left + word.width) * scale,
        bottom=(word.top + word.height) * scale,
        origin_x=x0,
        origin_y=baseline,
        size=size,
        direction=0,
        is_space=False,
    )
