"""Text analysis shared by indexing, querying and highlighting.

Clause text becomes three whitespace-joined token streams, so tantivy's
`whitespace` tokenizer only has to split on spaces and every position is ours:

- grams: one unit per position. A CJK run of two or more characters gives its
  character bigrams (ABCD -> AB BC CD), a single CJK character gives itself, and
  a Latin/digit token gives its parts (HT-2024-001 -> ht 2024 001). Punctuation
  and spaces give nothing, so a phrase over units is a substring match that may
  skip punctuation but never characters.
- unigrams: every CJK character, for one-character queries.
- words: jieba words (precise mode), whole and compact Latin/digit tokens
  (HT-2024-001 and ht2024001) and English stems, for whole-word ranking and
  for matching contract numbers whole.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
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

# A Latin/digit token, where -, _, / and . join parts (HT-2024-001, 1.1.1, 3.5)
# and a comma joins digit groups of three (100,000).
CODE_PATTERN = (
    f"[{ALNUM_CLASS}]+(?:(?:[-_/.]|,(?=[0-9]{{3}}(?![0-9])))[{ALNUM_CLASS}]+)*"
)
SEGMENT_RE = re.compile(f"(?P<cjk>[{CJK_CLASS}]+)|(?P<code>{CODE_PATTERN})")
PART_RE = re.compile(f"[{LETTER_CLASS}]+|[0-9]+")
LETTERS_RE = re.compile(f"[{LETTER_CLASS}]+")
CJK_CHAR_RE = re.compile(f"[{CJK_CLASS}]")
COMPACT_JOINERS = frozenset("-_/")

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
    """A CJK run or a Latin/digit token in normalized text, with its character span."""

    text: str
    start: int
    end: int
    is_cjk: bool


@dataclass(frozen=True, slots=True)
class CodeForms:
    """The searchable forms of one Latin/digit token."""

    whole: str
    # whole without joiners, for codes with letters and digits (ht2024001) and
    # for digit-grouped amounts (100000)
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
    """Yield the CJK runs and Latin/digit tokens of normalized text in order."""
    for match in SEGMENT_RE.finditer(normalized):
        yield Segment(match.group(), match.start(), match.end(), match.lastgroup == "cjk")


def code_forms(token: str) -> CodeForms:
    """Split a Latin/digit token into its whole form, compact form and parts."""
    parts = tuple(PART_RE.findall(token))
    compact = None
    if "," in token and all(part.isdigit() for part in parts):
        compact = "".join(parts)
    elif any(joiner in token for joiner in COMPACT_JOINERS):
        has_letters = LETTERS_RE.search(token) is not None
        if has_letters and any(ch.isdigit() for ch in token):
            compact = "".join(parts)
    return CodeForms(token, compact, parts)


def cjk_units(run: str) -> list[str]:
    """Return the grams units of one CJK run: its bigrams, or the character itself."""
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


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
        if segment.is_cjk:
            grams.extend(cjk_units(segment.text))
            unigrams.extend(segment.text)
            continue
        if len(segment.text) > MAX_TOKEN_CHARS:
            continue
        forms = code_forms(segment.text)
        grams.extend(forms.parts)
        words.append(forms.whole)
        if forms.compact:
            words.append(forms.compact)

    if unigrams:
        words.extend(w for w in jieba_words(normalized) if len(w) <= MAX_TOKEN_CHARS)
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
