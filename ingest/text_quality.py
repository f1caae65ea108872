"""A quality gate for extracted text: is it readable text or a broken font mapping?

A PDF font without a usable ToUnicode map yields either `(cid:N)` markers
(pdfminer) or plausible-looking characters from the wrong scripts (pdfium,
or a ToUnicode map built for another subset). Such text has few characters
in the scripts a contract is written in, so the gate measures the share of
visible characters that are expected: ASCII, Latin-1 and Latin Extended-A,
Greek, Russian Cyrillic, common symbols and punctuation, kana, Hangul
syllables and the common Chinese characters. Private-use, unassigned,
control and rare code points count against the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import rjieba

# Below this share of expected characters a text layer is treated as garbage.
MIN_EXPECTED_SHARE = 0.5
# A text with fewer visible characters than this is never judged by share alone.
MIN_CHARS_FOR_SHARE = 4
# Chinese text puts most characters in dictionary words of two or more characters. The share was
# at least 0.76 on every test-corpus page with 20 or more of them. The same characters shuffled,
# or mapped to other common characters as a ToUnicode map for another subset does, gave at most 0.17.
MIN_CJK_WORD_SHARE = 0.45
# The word check needs this many Chinese characters, so a short line or a list of names is not judged.
MIN_CJK_FOR_WORDS = 30
# Chinese characters whose words are checked per text: enough to tell text from garbage, cheap per page.
WORD_CHECK_SAMPLE_CHARS = 300
# Everything but letters and ideographs: \W leaves word characters, then digits and "_" go too.
_NOT_LETTER = re.compile(r"[\W\d_]+")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")

_CID_MARKER = re.compile(r"\(cid:\d+\)")

# Ranges of expected characters besides the common Chinese characters.
_EXPECTED_RANGES = (
    (0x21, 0x7E),  # ASCII printable
    (0xA1, 0x17F),  # Latin-1 Supplement and Latin Extended-A
    (0x370, 0x3FF),  # Greek
    (0x401, 0x401),
    (0x410, 0x451),  # Russian Cyrillic
    (0x2010, 0x2027),  # dashes, quotes, bullets, ellipsis
    (0x2030, 0x205E),
    (0x2070, 0x209F),  # superscripts and subscripts
    (0x20A0, 0x20C0),  # currency signs
    (0x2100, 0x21FF),  # letterlike symbols, Roman numerals, arrows
    (0x2200, 0x22FF),  # mathematical operators
    (0x2460, 0x24FF),  # enclosed alphanumerics such as ①
    (0x2500, 0x27BF),  # box drawing, shapes, check boxes, dingbats
    (0x2E80, 0x2FDF),  # CJK and Kangxi radicals, folded to ideographs by normalize_text
    (0x3000, 0x30FF),  # CJK punctuation, hiragana, katakana
    (0x3200, 0x33FF),  # enclosed CJK and squared units such as ㎡
    (0xAC00, 0xD7A3),  # Hangul syllables
    (0xFB00, 0xFB06),  # Latin ligatures
    (0xFF01, 0xFF9F),  # full-width and half-width forms
    (0xFFE0, 0xFFE6),
)


@lru_cache(maxsize=1)
def common_hanzi() -> frozenset[str]:
    """Return the common Chinese characters: GB 2312 (simplified) and Big5 level 1 (traditional)."""
    chars: set[str] = set()
    # GB 2312 rows 16-87 hold its 6,763 hanzi.
    for lead in range(0xB0, 0xF8):
        for trail in range(0xA1, 0xFF):
            chars.update(_decode_pair(lead, trail, "gb2312"))
    # Big5 level 1 (frequently used) hanzi occupy lead bytes A4-C6.
    for lead in range(0xA4, 0xC7):
        for trail in (*range(0x40, 0x7F), *range(0xA1, 0xFF)):
            chars.update(_decode_pair(lead, trail, "big5"))
    return frozenset(char for char in chars if len(char) == 1 and ord(char) >= 0x3400)


def _decode_pair(lead: int, trail: int, encoding: str) -> str:
    try:
        return bytes((lead, trail)).decode(encoding)
    except UnicodeDecodeError:
        return ""


@lru_cache(maxsize=1)
def _unexpected_pattern() -> re.Pattern[str]:
    ranges = "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in _EXPECTED_RANGES)
    hanzi = "".join(sorted(common_hanzi()))
    # Whitespace is neither expected nor unexpected, so it is excluded as well.
    return re.compile(f"[^\\s{ranges}{re.escape(hanzi)}]")


@dataclass(frozen=True, slots=True)
class TextQuality:
    """Counts behind the garbage decision for one page or text."""

    visible: int
    unexpected: int
    unmapped: int = 0
    cid_markers: int = 0
    # Letters and ideographs only, so digits and punctuation cannot outvote garbage characters.
    letters: int = 0
    unexpected_letters: int = 0
    # Chinese characters, and those inside dictionary words. Both stay 0 where words were not checked.
    cjk_chars: int = 0
    cjk_in_words: int = 0

    @property
    def expected_share(self) -> float:
        if self.visible == 0:
            return 0.0
        bad = self.unexpected + self.unmapped + self.cid_markers
        return max(0.0, 1.0 - bad / self.visible)

    @property
    def letter_share(self) -> float:
        if self.letters == 0:
            return 1.0
        return 1.0 - self.unexpected_letters / self.letters

    @property
    def cjk_word_share(self) -> float | None:
        """Return the share of Chinese characters inside dictionary words, or None when too few were checked."""
        if self.cjk_chars < MIN_CJK_FOR_WORDS:
            return None
        return self.cjk_in_words / self.cjk_chars

    @property
    def is_garbage(self) -> bool:
        if self.visible == 0:
            return False
        if self.visible < MIN_CHARS_FOR_SHARE:
            return self.expected_share == 0.0
        if self.expected_share < MIN_EXPECTED_SHARE:
            return True
        if self.letters >= MIN_CHARS_FOR_SHARE and self.letter_share < MIN_EXPECTED_SHARE:
            return True
        word_share = self.cjk_word_share
        return word_share is not None and word_share < MIN_CJK_WORD_SHARE

    def describe(self) -> str:
        """Return a one-line English explanation for an ocr_reason or a log line."""
        parts = [f"{self.expected_share:.0%} of {self.visible} characters in expected scripts"]
        if self.unmapped:
            parts.append(f"{self.unmapped} without a Unicode mapping")
        if self.cid_markers:
            parts.append(f"{self.cid_markers} (cid:N) markers")
        if self.letters and self.letter_share < MIN_EXPECTED_SHARE:
            parts.append(f"{self.letter_share:.0%} of {self.letters} letters")
        word_share = self.cjk_word_share
        if word_share is not None and word_share < MIN_CJK_WORD_SHARE:
            parts.append(f"{word_share:.0%} of {self.cjk_chars} Chinese characters in words")
        return "garbage text layer: " + ", ".join(parts)


def count_unexpected(text: str) -> int:
    """Count the characters of `text` outside the expected scripts (whitespace excluded)."""
    return len(_unexpected_pattern().findall(text))


def count_visible(text: str) -> int:
    """Count the characters of `text` that are not whitespace."""
    return len(text) - sum(1 for char in text if char.isspace())


def count_letters(text: str) -> tuple[int, int]:
    """Return the number of letters and ideographs in `text` and how many of them are unexpected."""
    letters = _NOT_LETTER.sub("", text)
    return len(letters), count_unexpected(letters)


def count_cjk_in_words(text: str) -> tuple[int, int]:
    """Return the number of Chinese characters checked in `text` and how many sit in dictionary words of two or more.

    The check stops after about WORD_CHECK_SAMPLE_CHARS characters, which settle the share of a page.
    """
    total = in_words = 0
    for run in _CJK_RUN.finditer(text):
        word_run = run.group()
        total += len(word_run)
        # Without the HMM, jieba joins only dictionary words, so garbage stays in single characters.
        in_words += sum(len(word) for word in rjieba.cut(word_run, False) if len(word) > 1)
        if total >= WORD_CHECK_SAMPLE_CHARS:
            break
    return total, in_words


def assess_text(text: str, *, unmapped: int = 0, words: bool = False) -> TextQuality:
    """Measure `text`, counting each `(cid:N)` marker as one character without a mapping.

    `words` also checks that Chinese characters form dictionary words, which needs a page of text.
    """
    markers = len(_CID_MARKER.findall(text))
    if markers:
        text = _CID_MARKER.sub("", text)
    letters, unexpected_letters = count_letters(text)
    cjk_chars, cjk_in_words = count_cjk_in_words(text) if words else (0, 0)
    return TextQuality(
        visible=count_visible(text) + markers,
        unexpected=count_unexpected(text),
        unmapped=unmapped,
        cid_markers=markers,
        letters=letters,
        unexpected_letters=unexpected_letters,
        cjk_chars=cjk_chars,
        cjk_in_words=cjk_in_words,
    )


def is_garbage_text(text: str) -> bool:
    """Return True when `text` looks like a broken font mapping rather than readable text."""
    return assess_text(text).is_garbage
