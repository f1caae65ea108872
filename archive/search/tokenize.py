"""Text analysis shared by indexing, querying and highlighting.

Clause text becomes three whitespace-joined token streams, so tantivy's
`whitespace` tokenizer only has to split on spaces and every position is ours:

- grams: one unit per position. A CJK run of two or more characters gives its
  character bigrams (ABCD -> AB BC CD), a single CJK character gives itself, and
  a Latin/digit token gives its parts (HT-2024-001 -> ht 2024 001), where an
  amount is one part in canonical form (66,600.00 -> 66600). The signs % ‰ ¥ $
  € £ are units of their own, and other punctuation and spaces give nothing, so
  a phrase over units is a substring match that may skip punctuation but never
  characters.
- unigrams: every CJK character, for one-character queries.
- words: jieba words (precise mode), whole and compact Latin/digit tokens
  (HT-2024-001 and ht2024001), percentages (30%), signs, dates in figures as
  YYYY-MM-DD and English stems, for whole-word ranking and for matching
  contract numbers, percentages and dates whole.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Iterator

import rjieba
import tantivy

# CJK ideographs (with extensions and compatibility forms), 〇, kana and hangul.
CJK_CLASS = (
    "\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\U00020000-\U0003134f"
)
LETTER_CLASS = "a-z\u00df-\u00f6\u00f8-\u024f"
ALNUM_CLASS = f"0-9{LETTER_CLASS}"
# After NFKC, ％ is %, ￥ is ¥, ＄ is $ and ￡ is £.
PERCENT_SIGNS = "%\u2030"
CURRENCY_SIGNS = "\u00a5$\u20ac\u00a3"
SIGN_CLASS = PERCENT_SIGNS + CURRENCY_SIGNS

# A comma is a thousands separator only between a group of one to three digits
# and a group of exactly three (66,600 but not 1,2,3 or 2024,100).
THOUSANDS_COMMA = ",(?<![0-9]{4},)(?=[0-9]{3}(?![0-9]))"
GROUPED_NUMBER = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?"
# Ungrouped numbers count as amounts only with money-style zero cents (66600.00),
# so clause numbers such as 5.10 keep their own form.
ZERO_CENTS_NUMBER = r"[0-9]+\.00"
AMOUNT_RE = re.compile(f"{GROUPED_NUMBER}|{ZERO_CENTS_NUMBER}")

# A Latin/digit token, where -, _, / and . join parts (HT-2024-001, 1.1.1, 3.5)
# and a thousands comma joins digit groups (100,000).
CODE_PATTERN = (
    f"[{ALNUM_CLASS}]+(?:(?:[-_/.]|{THOUSANDS_COMMA})[{ALNUM_CLASS}]+)*"
)
PERCENT_PATTERN = rf"(?:{GROUPED_NUMBER}|[0-9]+(?:\.[0-9]+)?) ?[{PERCENT_SIGNS}]"
SEGMENT_RE = re.compile(
    f"(?P<cjk>[{CJK_CLASS}]+)|(?P<percent>{PERCENT_PATTERN})"
    f"|(?P<code>{CODE_PATTERN})|(?P<sign>[{SIGN_CLASS}])"
)
# Parts of a code token: letter runs, amounts as one part, other digit runs.
PART_RE = re.compile(
    f"[{LETTER_CLASS}]+"
    rf"|(?<![0-9.,])(?:{GROUPED_NUMBER}|{ZERO_CENTS_NUMBER})(?![.,]?[0-9])"
    "|[0-9]+"
)
LETTERS_RE = re.compile(f"[{LETTER_CLASS}]+")
CJK_CHAR_RE = re.compile(f"[{CJK_CLASS}]")
COMPACT_JOINERS = frozenset("-_/")

# Dates in numbers (2024-03-05, 2024.3.5, 2024/03/05) must be a whole token, so
# HT-2024-03-05 or 1.2024.3.5 are not dates.
NUMERIC_DATE_RE = re.compile(
    f"(?<![{ALNUM_CLASS}])(?<![{ALNUM_CLASS}][-_/.])"
    r"([0-9]{4})([-./])([0-9]{1,2})\2([0-9]{1,2})"
    f"(?![{ALNUM_CLASS}])(?![-_/.,][{ALNUM_CLASS}])"
)
CHINESE_DATE_RE = re.compile(r"(?<![0-9])([0-9]{4}) ?年 ?([0-9]{1,2}) ?月 ?([0-9]{1,2}) ?[日号]")

# Segment kinds.
CJK = "cjk"
CODE = "code"
PERCENT = "percent"  # a number with % or ‰ (30%, 66,600.5‰)
SIGN = "sign"  # a currency or percent sign on its own

# Longer tokens (base64 blobs, hashes) carry no search value and tantivy
# rejects terms over 65,530 bytes.
MAX_TOKEN_CHARS = 64

_STEMMER = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(f"[{LETTER_CLASS}]+"))
    .filter(tantivy.Filter.stemmer("english"))
    .build()
)


@dataclass(frozen=True, slots=True)
class Segment:
    """A CJK run, Latin/digit token, percentage or sign in normalized text, with its span."""

    text: str
    start: int
    end: int
    kind: str

    @property
    def is_cjk(self) -> bool:
        """Whether the segment is a run of CJK characters."""
        return self.kind == CJK


@dataclass(frozen=True, slots=True)
class Unit:
    """One grams unit with the span of normalized text it stands for."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class CodeForms:
    """The searchable forms of one Latin/digit token."""

    whole: str
    # whole without joiners, for codes with letters and digits (ht2024001), or
    # the canonical amount (66,600.00 -> 66600)
    compact: str | None
    parts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IndexTokens:
    """Whitespace-joined token streams for the grams, unigrams and words fields."""

    grams: str
    unigrams: str
    words: str


def normalize(text: str) -> str:
    """Fold full-width forms and compatibility characters (NFKC) and lowercase."""
    return unicodedata.normalize("NFKC", text).lower()


def iter_segments(normalized: str) -> Iterator[Segment]:
    """Yield the CJK runs, Latin/digit tokens, percentages and signs of normalized text."""
    for match in SEGMENT_RE.finditer(normalized):
        yield Segment(match.group(), match.start(), match.end(), match.lastgroup or CODE)


def amount_form(token: str) -> str | None:
    """Return the canonical form of an amount (66,600.00 -> 66600), or None for other tokens."""
    if AMOUNT_RE.fullmatch(token) is None:
        return None
    digits = token.replace(",", "")
    integer, _, fraction = digits.partition(".")
    if fraction.strip("0") == "":
        return integer
    return digits


def number_form(token: str) -> str:
    """Return the canonical amount of a token, or the token itself."""
    return amount_form(token) or token


def code_forms(token: str) -> CodeForms:
    """Split a Latin/digit token into its whole form, compact form and parts."""
    parts = tuple(number_form(match.group()) for match in PART_RE.finditer(token))
    compact = amount_form(token)
    if compact is None and any(joiner in token for joiner in COMPACT_JOINERS):
        has_letters = LETTERS_RE.search(token) is not None
        if has_letters and any(ch.isdigit() for ch in token):
            compact = "".join(parts)
    return CodeForms(token, compact, parts)


def percent_number(text: str) -> str:
    """Return the number of a percentage segment (30 % -> 30)."""
    return text[:-1].rstrip(" ")


def percent_form(text: str) -> str:
    """Return the canonical form of a percentage segment (30.00 ％ -> 30%)."""
    return number_form(percent_number(text)) + text[-1]


def cjk_units(run: str) -> list[str]:
    """Return the grams units of one CJK run: its bigrams, or the character itself."""
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def segment_units(segment: Segment) -> list[Unit]:
    """Return the grams units of one segment with their spans in normalized text."""
    start = segment.start
    if segment.kind == CJK:
        return [
            Unit(unit, start + i, start + i + len(unit))
            for i, unit in enumerate(cjk_units(segment.text))
        ]
    if len(segment.text) > MAX_TOKEN_CHARS:
        return []
    if segment.kind == SIGN:
        return [Unit(segment.text, start, segment.end)]

    code = percent_number(segment.text) if segment.kind == PERCENT else segment.text
    units = [
        Unit(number_form(match.group()), start + match.start(), start + match.end())
        for match in PART_RE.finditer(code)
    ]
    if segment.kind == PERCENT:
        units.append(Unit(segment.text[-1], segment.end - 1, segment.end))
    return units


def segment_words(segment: Segment) -> list[str]:
    """Return the words-field tokens of a segment that is not CJK."""
    if segment.kind == CJK or len(segment.text) > MAX_TOKEN_CHARS:
        return []
    if segment.kind == SIGN:
        return [segment.text]
    if segment.kind == PERCENT:
        # The number's own forms let a plain 30 rank 30% as a whole-word match.
        return [percent_form(segment.text), *_code_words(percent_number(segment.text))]
    return _code_words(segment.text)


def _code_words(token: str) -> list[str]:
    forms = code_forms(token)
    return [forms.whole, forms.compact] if forms.compact else [forms.whole]


def text_units(normalized: str) -> list[Unit]:
    """Return the grams units of normalized text in index order."""
    return [unit for segment in iter_segments(normalized) for unit in segment_units(segment)]


def iter_dates(normalized: str) -> Iterator[tuple[str, int, int]]:
    """Yield (YYYY-MM-DD, start, end) for each valid date written in figures."""
    found: list[tuple[int, int, str, str, str]] = []
    for match in NUMERIC_DATE_RE.finditer(normalized):
        found.append((match.start(), match.end(), match.group(1), match.group(3), match.group(4)))
    for match in CHINESE_DATE_RE.finditer(normalized):
        found.append((match.start(), match.end(), *match.group(1, 2, 3)))
    for start, end, year, month, day in sorted(found):
        try:
            yield date(int(year), int(month), int(day)).isoformat(), start, end
        except ValueError:
            continue  # not a calendar date (2024-13-05, 2024-02-31)


def date_form(normalized: str) -> str | None:
    """Return YYYY-MM-DD when the whole normalized text is one date, else None."""
    for iso_date, start, end in iter_dates(normalized):
        if start == 0 and end == len(normalized):
            return iso_date
    return None


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    """Return the English (Snowball) stem of a lowercase word."""
    stems = _STEMMER.analyze(word)
    return stems[0] if stems else word


def jieba_words(normalized: str) -> list[str]:
    """Return the jieba precise-mode words of normalized text that contain CJK."""
    return [w for w in rjieba.cut(normalized) if CJK_CHAR_RE.search(w)]


def analyze(text: str) -> IndexTokens:
    """Turn clause text (or a heading) into the token streams the index stores."""
    normalized = normalize(text)
    grams: list[str] = []
    unigrams: list[str] = []
    words: list[str] = []

    for segment in iter_segments(normalized):
        grams.extend(unit.text for unit in segment_units(segment))
        if segment.is_cjk:
            unigrams.extend(segment.text)
        else:
            words.extend(segment_words(segment))

    if unigrams:
        words.extend(w for w in jieba_words(normalized) if len(w) <= MAX_TOKEN_CHARS)
    words.extend(iso_date for iso_date, _, _ in iter_dates(normalized))
    words.extend(_changed_stems(normalized))
    return IndexTokens(" ".join(grams), " ".join(unigrams), " ".join(words))


def _changed_stems(normalized: str) -> list[str]:
    # The regex tokenizer in _STEMMER uses the same letter class as LETTERS_RE,
    # so both lists line up word for word.
    letters = LETTERS_RE.findall(normalized)
    if not letters:
        return []
    stems = _STEMMER.analyze(normalized)
    if len(stems) != len(letters):
        return [s for s in stems if s not in letters]
    return [s for word, s in zip(letters, stems) if s != word]
