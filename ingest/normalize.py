"""Text normalisation shared by every reader.

Legal staff read the normalised text, so only what hurts search and
extraction is folded: full-width letters and digits become ASCII, Kangxi
and supplementary CJK radicals become the ideographs they stand for, and
whitespace between Chinese characters (from OCR layers, letter-spaced
titles or U+3000 padding) is deleted. Chinese full-width punctuation
（）：；，。、“” and the ideographic space stay as they are.
"""

from __future__ import annotations

import re
import unicodedata

from ingest.cjk_radicals import RADICAL_SUPPLEMENT_TO_IDEOGRAPH

# Characters NFKC would change but that are kept as written: full-width punctuation
# and symbols, the ideographic space, enclosed numbers (①, ⑴, ㈠), squared units (㎡),
# superscripts and the ellipsis. NFKC is applied only to the text between them.
_KEEP_AS_IS = (
    "\u3000"
    "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\uffe0-\uffee"
    "\u2460-\u24ff\u3200-\u33ff"
    "\u00b2\u00b3\u00b9\u2070-\u209f"
    "\u2026"
)
_KEPT_RUN = re.compile(f"([{_KEEP_AS_IS}]+)")

# Characters around which whitespace is deleted: ideographs (including extension
# planes and compatibility ideographs), CJK punctuation, kana, full-width forms and
# the quotation marks, ellipsis and dash used in Chinese text. Hangul is left out
# because Korean separates words with spaces.
_CJK = (
    "\u2e80-\u2fdf\u3001-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\uffe0-\uffee"
    "\u2018-\u201f\u2026\u2014"
    "\U00020000-\U0003ffff"
)
_HORIZONTAL_SPACE = "[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]"
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}]){_HORIZONTAL_SPACE}+(?=[{_CJK}])")
# A run of spaces, or any tab, NBSP or other Unicode space, becomes one ASCII space.
_SPACE_RUN = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f]{2,}|[\t\u00a0\u1680\u2000-\u200a\u202f\u205f]")
_INVISIBLE = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u00ad\u200b\u2060\ufeff]")
_LINE_EDGE_SPACE = re.compile(f"^{_HORIZONTAL_SPACE}+|{_HORIZONTAL_SPACE}+$", re.MULTILINE)

# A clause label at the start of a line (第一条, 第12章): the space after it separates the
# label from the heading, so it is kept as one space.
_LEADING_LABEL = re.compile(r"[ \t\u3000]*第[0-9〇零一二三四五六七八九十百千两]+[条章节篇]\Z")

_RADICALS = {source: chr(target) for source, target in RADICAL_SUPPLEMENT_TO_IDEOGRAPH.items()}


def normalize_text(text: str) -> str:
    """Fold compatibility characters and radicals, and delete whitespace between CJK characters.

    Also turns CRLF and CR into LF, deletes control and zero-width characters,
    collapses runs of spaces, tabs and non-breaking spaces into one space and
    strips whitespace at the start and end of each line.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    if not text.isascii():
        text = _fold_compatibility(text)
        text = text.translate(_RADICALS)
        text = _delete_cjk_spaces(text)
    text = _SPACE_RUN.sub(" ", text)
    return _LINE_EDGE_SPACE.sub("", text)


def _delete_cjk_spaces(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        line_start = text.rfind("\n", 0, match.start()) + 1
        return " " if _LEADING_LABEL.match(text, line_start, match.start()) else ""

    return _SPACE_BETWEEN_CJK.sub(replace, text)


def _fold_compatibility(text: str) -> str:
    pieces = _KEPT_RUN.split(text)
    # re.split with one group puts the kept runs at the odd positions.
    for index in range(0, len(pieces), 2):
        pieces[index] = unicodedata.normalize("NFKC", pieces[index])
    return "".join(pieces)


# East Asian Width classes of characters set without spaces between words (CJK, full width).
_WIDE_WIDTHS = ("W", "F")


def join_wrapped(before: str, after: str) -> str:
    """Join two wrapped lines: directly next to a CJK or full-width character, else by a space."""
    if not before:
        return after
    if _is_wide(before[-1]) or _is_wide(after[0]):
        return before + after
    return f"{before} {after}"


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in _WIDE_WIDTHS
