"""Reading again, one at a time, the lines that Tesseract's page layout got wrong.

With --psm 4 Tesseract sometimes builds a line box two or three lines tall around
one line of text. It then reads part of that line as a few Latin letters. On a
scanned training contract `房地产估价师` came out as `ee` in a box 96 pixels tall,
where the page's lines are 30. Cut to the band its words share, the same line reads
right as a single line (--psm 7). Poorly read lines of Latin letters on a page read
with a Chinese model are read again as well (see latin_lines), and so are lines that
would be dropped for a low confidence (see weak_lines). A clean page has none of
these and costs nothing extra.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from statistics import fmean, median

from PIL import Image

from ingest.ocr.engine import LineBox, TsvResult, Word
from ingest.ocr.script import HAN_PATTERN, LATIN_PATTERN

# A line is read again when its box is more than this many times the median line height.
TALL_LINE_RATIO = 1.8
# Only lines with at least this many words are judged, and only pages with this many such lines.
MIN_LINE_WORDS = 3
MIN_PAGE_LINES = 3
# The band cut out for the second reading reaches this many median word heights above and below
# the words' median centre, and this many to the left and right of the line.
BAND_HALF_HEIGHT = 0.9
BAND_SIDE_MARGIN = 0.5
# A poorly read Latin line on a page read with a Chinese model alone is read again with every
# configured model. Such a line has a mean word confidence below LATIN_LINE_CONFIDENCE, at least
# MIN_LATIN_CHARACTERS Latin letters and digits, and at most MAX_HAN_SHARE_OF_LATIN_LINE ideographs
# among them. Digits count, because document numbers such as SF-2017-0601 have only two letters.
LATIN_LINE_CONFIDENCE = 60.0
MIN_LATIN_CHARACTERS = 3
MAX_HAN_SHARE_OF_LATIN_LINE = 0.2
# Weak lines are read again only while they are at most this share of the lines judged.
MAX_WEAK_LINE_SHARE = 0.5
# At most this many lines of a page are read again, which bounds the extra time on a bad scan.
MAX_REREADS = 8
# The second reading replaces the first when its characters are at least this share of the first's
# and its mean word confidence is not lower by more than this many points.
MIN_CHARACTER_SHARE = 0.8
MAX_CONFIDENCE_LOSS = 5.0

_HAN = re.compile(HAN_PATTERN)
_LATIN_OR_DIGIT = re.compile(f"{LATIN_PATTERN}|[0-9]")

ReadLine = Callable[[Path], TsvResult]
LineKey = tuple[int, int, int]


def tall_lines(result: TsvResult) -> list[LineKey]:
    """Return the keys of lines whose box is much taller than the page's median line."""
    counts: dict[LineKey, int] = defaultdict(int)
    for word in result.words:
        counts[word.line_key] += 1
    judged = {key: box for key, box in result.lines.items() if counts[key] >= MIN_LINE_WORDS}
    if len(judged) < MIN_PAGE_LINES:
        return []
    typical = median(box.height for box in judged.values())
    tall = [key for key, box in judged.items() if box.height > TALL_LINE_RATIO * typical]
    return tall[:MAX_REREADS]


def latin_lines(result: TsvResult) -> list[LineKey]:
    """Return the keys of poorly read lines written mostly in Latin letters and digits.

    On a page read with a Chinese model alone, a model number such as B940/2G/320G/6630 in
    a table cell reads at a confidence below 40, and the line is then dropped as noise.
    The document number SF—2017—0601 on a cover page fared the same.
    """
    by_line = _words_by_line(result)
    found = []
    for key, words in by_line.items():
        confidences = [word.confidence for word in words if word.confidence >= 0]
        if not confidences or fmean(confidences) >= LATIN_LINE_CONFIDENCE:
            continue
        text = "".join(word.text for word in words)
        han = len(_HAN.findall(text))
        latin = len(_LATIN_OR_DIGIT.findall(text))
        if latin >= MIN_LATIN_CHARACTERS and han <= MAX_HAN_SHARE_OF_LATIN_LINE * (han + latin):
            found.append(key)
    return found[:MAX_REREADS]


def weak_lines(result: TsvResult, min_line_confidence: float) -> list[LineKey]:
    """Return the keys of lines of several words whose mean confidence would get them dropped.

    Read as part of the page, a clean bold line `乙方（接受培训方）：` beside a fill-in
    underline came out as `己方 (接受 车 串 访 )` at a mean confidence of 25, and read
    alone it came out right. Lines of one or two words are left alone: they are mostly
    specks and stamp fragments, which a second reading would only slow down. When most
    lines are weak, the page as a whole reads badly (it lies on its side, or the scan is
    poor), so no line is returned: reading lines one at a time does not help there.
    """
    judged = 0
    found = []
    for key, words in _words_by_line(result).items():
        confidences = [word.confidence for word in words if word.confidence >= 0]
        if len(words) < MIN_LINE_WORDS or not confidences:
            continue
        judged += 1
        if fmean(confidences) < min_line_confidence:
            found.append(key)
    if len(found) > MAX_WEAK_LINE_SHARE * judged:
        return []
    return found[:MAX_REREADS]


def reread_tall_lines(result: TsvResult, image: Image.Image, path: Path, read_line: ReadLine) -> TsvResult:
    """Return the result with each tall line replaced by a single-line reading of its band, where better."""
    return reread_lines(result, image, path, [(key, read_line) for key in tall_lines(result)])


def reread_lines(
    result: TsvResult, image: Image.Image, path: Path, requests: list[tuple[LineKey, ReadLine]]
) -> TsvResult:
    """Return the result with each requested line replaced by a single-line reading of its band, where better.

    `path` names the page image Tesseract read; band images are written beside it. Each
    request pairs a line's key with the function that recognises a band image as one line.
    """
    if not requests:
        return result
    by_line = _words_by_line(result)
    lines = dict(result.lines)
    confirmed = set(result.confirmed)
    for index, (key, read_line) in enumerate(requests):
        band = _band(by_line[key], image.width, image.height)
        if band is None:
            continue
        band_path = path.with_name(f"{path.stem}-line-{index}{path.suffix}")
        image.crop(band).save(band_path)
        second = _placed(read_line(band_path), band, key)
        if _same_text(second, by_line[key]):
            confirmed.add(key)
        elif _better(second, by_line[key]):
            by_line[key] = second
            left, top, right, bottom = band
            lines[key] = LineBox(left, top, right - left, bottom - top)
    words = [word for line_words in by_line.values() for word in line_words]
    return TsvResult(words, lines, frozenset(confirmed))


def _words_by_line(result: TsvResult) -> dict[LineKey, list[Word]]:
    by_line: dict[LineKey, list[Word]] = defaultdict(list)
    for word in result.words:
        by_line[word.line_key].append(word)
    return by_line


def _band(words: list[Word], width: int, height: int) -> tuple[int, int, int, int] | None:
    """Return the (left, top, right, bottom) pixel box around the band the line's words share."""
    word_height = median(word.height for word in words)
    centre = median(word.top + word.height / 2 for word in words)
    left = round(min(word.left for word in words) - BAND_SIDE_MARGIN * word_height)
    right = round(max(word.left + word.width for word in words) + BAND_SIDE_MARGIN * word_height)
    top = round(centre - BAND_HALF_HEIGHT * word_height)
    bottom = round(centre + BAND_HALF_HEIGHT * word_height)
    left, top, right, bottom = max(0, left), max(0, top), min(width, right), min(height, bottom)
    if right - left < 2 or bottom - top < 2:
        return None
    return left, top, right, bottom


def _placed(reading: TsvResult, band: tuple[int, int, int, int], key: tuple[int, int, int]) -> list[Word]:
    """Move the band reading's words onto the page and give them the replaced line's key."""
    left, top, _, _ = band
    return [replace(word, left=word.left + left, top=word.top + top, line_key=key) for word in reading.words]


def _same_text(second: list[Word], first: list[Word]) -> bool:
    """Tell whether two readings of a line give the same characters, whatever their spacing."""
    return bool(first) and "".join(word.text for word in second) == "".join(word.text for word in first)


def _better(second: list[Word], first: list[Word]) -> bool:
    if not second:
        return False
    first_characters = sum(len(word.text) for word in first)
    second_characters = sum(len(word.text) for word in second)
    if second_characters < MIN_CHARACTER_SHARE * first_characters:
        return False
    return _mean_confidence(second) >= _mean_confidence(first) - MAX_CONFIDENCE_LOSS


def _mean_confidence(words: list[Word]) -> float:
    confidences = [word.confidence for word in words if word.confidence >= 0]
    return fmean(confidences) if confidences else 0.0
