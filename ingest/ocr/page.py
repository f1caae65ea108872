"""Turning Tesseract's words into glyphs on the displayed page, in PDF points from the top left.

The rendered image covers the page as displayed (crop box, /Rotate applied), the
frame that pdf_glyphs uses, so a pixel coordinate divided by the render scale is
a coordinate in that frame.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from statistics import fmean

from ingest.ocr.engine import TsvResult, Word
from ingest.readers.pdf_glyphs import Glyph

POINTS_PER_INCH = 72.0
# Tesseract (chi_sim, 5.3) often reads the full-width opening bracket of a label such as （1） as
# C, 《 or 〈 while reading the closing one as ")". A word of that shape gets "(" back, so the
# label is found again: C1) and CL) become (1), 《4) becomes (4), 〈《八) becomes (八).
_MISREAD_OPENING = re.compile(r"^(?:C(?P<digit>[0-9L])|[《〈]{1,2}(?P<inner>[^《〈》〉)]{1,3}))\)$")


@dataclass(frozen=True, slots=True)
class OcrPage:
    """One recognised page: its words as glyphs, mean word confidence and what was dropped."""

    glyphs: list[Glyph] = field(default_factory=list)
    # Mean of Tesseract's word confidences (0-100), None when no word was recognised.
    confidence: float | None = None
    word_count: int = 0
    dropped_lines: int = 0


def page_from_tsv(result: TsvResult, *, dpi: int, min_line_confidence: float) -> OcrPage:
    """Convert recognised words to word glyphs, dropping lines whose mean confidence is below the minimum.

    Every word of a Tesseract line gets the line's bottom as its baseline and the line's
    height as its size, so group_lines keeps the line together even where single
    characters such as 一 have boxes far from the baseline.
    """
    scale = POINTS_PER_INCH / dpi
    by_line: dict[tuple[int, int, int], list[Word]] = defaultdict(list)
    for word in result.words:
        by_line[word.line_key].append(word)

    confidences = [word.confidence for word in result.words if word.confidence >= 0]
    glyphs: list[Glyph] = []
    dropped = 0
    for key, words in by_line.items():
        line_confidences = [word.confidence for word in words if word.confidence >= 0]
        if line_confidences and fmean(line_confidences) < min_line_confidence:
            dropped += 1
            continue
        line = result.lines.get(key)
        if line is not None:
            baseline, size = (line.top + line.height) * scale, line.height * scale
        else:
            baseline = max(word.top + word.height for word in words) * scale
            size = max(word.height for word in words) * scale
        glyphs.extend(_word_glyph(word, scale, baseline, size) for word in words)

    confidence = round(fmean(confidences), 1) if confidences else None
    return OcrPage(glyphs, confidence, len(result.words), dropped)


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
