"""Snippets: an HTML-escaped excerpt of clause text with every match in <mark>.

Matches are found again in the original text, not taken from index offsets, so
a highlight always covers whole characters (a CJK character is one `str` index,
not three bytes).
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from archive.search.query import Term, english_prefix
from archive.search.tokenize import (
    ALNUM_CLASS,
    CJK_CLASS,
    LETTERS_RE,
    code_forms,
    stem,
)

SNIPPET_CHARS = 160
# Bounds the window search on clauses with very many matches.
MAX_WINDOW_ANCHORS = 64
ELLIPSIS = "…"
MARK_OPEN = "<mark>"
MARK_CLOSE = "</mark>"

CODE_TOKEN_RE = re.compile(f"[{ALNUM_CLASS}]+(?:[-_/.,][{ALNUM_CLASS}]+)*")
WORD_RE = re.compile(f"[{ALNUM_CLASS}]+")
# Characters that produce no index token, which a phrase may skip.
GAP = f"[^{ALNUM_CLASS}{CJK_CLASS}]*"
CJK_GAP = f"[^{ALNUM_CLASS}{CJK_CLASS}]+"
NOT_ALNUM_BEFORE = f"(?<![{ALNUM_CLASS}])"
NOT_ALNUM_AFTER = f"(?![{ALNUM_CLASS}])"

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class FoldedText:
    """Text normalized like the index (NFKC, lowercase) with a map back to the original."""

    text: str
    origin: list[int]  # origin[i]: index in the original text of folded character i

    def original_span(self, start: int, end: int) -> Span:
        """Map a span of folded text to the span of original text it came from."""
        return self.origin[start], self.origin[end - 1] + 1


def fold(text: str) -> FoldedText:
    """Normalize text per character, keeping where each folded character came from."""
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char).lower()
        pieces.append(folded)
        origin.extend([index] * len(folded))
    return FoldedText("".join(pieces), origin)


def find_matches(text: str, terms: list[Term]) -> list[tuple[int, Span]]:
    """Return (term index, span in original text) for every match of every term."""
    folded = fold(text)
    matches: list[tuple[int, Span]] = []
    for term_index, term in enumerate(terms):
        for start, end in _term_spans(folded.text, term):
            if end > start:
                matches.append((term_index, folded.original_span(start, end)))
    return matches


def _term_spans(folded: str, term: Term) -> list[Span]:
    if len(term.segments) == 1 and not term.segments[0].is_cjk:
        return _code_spans(folded, term.segments[0].text)
    pattern = _segment_pattern(term.segments[0].text, term.segments[0].is_cjk)
    for previous, segment in zip(term.segments, term.segments[1:]):
        # Two CJK runs are separate index units only when something divides them.
        gap = CJK_GAP if previous.is_cjk and segment.is_cjk else GAP
        pattern += gap + _segment_pattern(segment.text, segment.is_cjk)
    return [m.span() for m in re.finditer(pattern, folded)]


def _segment_pattern(text: str, is_cjk: bool) -> str:
    if is_cjk:
        return re.escape(text)
    parts = code_forms(text).parts
    return NOT_ALNUM_BEFORE + GAP.join(re.escape(p) for p in parts) + NOT_ALNUM_AFTER


def _code_spans(folded: str, token: str) -> list[Span]:
    forms = code_forms(token)
    if forms.compact is None and forms.parts == (forms.whole,):
        return _word_spans(folded, forms.whole)

    wanted = {forms.whole, forms.compact} - {None}
    spans = []
    for match in CODE_TOKEN_RE.finditer(folded):
        found = code_forms(match.group())
        if found.whole in wanted or found.compact in wanted:
            spans.append(match.span())
    phrase = NOT_ALNUM_BEFORE + GAP.join(re.escape(p) for p in forms.parts) + NOT_ALNUM_AFTER
    spans.extend(m.span() for m in re.finditer(phrase, folded))
    return spans


def _word_spans(folded: str, word: str) -> list[Span]:
    is_english = LETTERS_RE.fullmatch(word) is not None
    word_stem = stem(word) if is_english else None
    prefix = english_prefix(word) if is_english else None
    spans = []
    for match in WORD_RE.finditer(folded):
        # The index splits letters from digits (ht2024001 -> ht, 2024001).
        for part in re.finditer(r"[0-9]+|[^0-9]+", match.group()):
            candidate = part.group()
            matched = candidate == word
            if not matched and is_english:
                matched = stem(candidate) == word_stem or bool(
                    prefix and candidate.startswith(prefix)
                )
            if matched:
                spans.append((match.start() + part.start(), match.start() + part.end()))
    return spans


def merge_spans(spans: list[Span]) -> list[Span]:
    """Sort spans and merge the ones that overlap or touch."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def choose_window(text_length: int, matches: list[tuple[int, Span]], width: int) -> Span:
    """Pick the excerpt that covers the most distinct terms, then the most matches."""
    if text_length <= width:
        return 0, text_length
    if not matches:
        return 0, width

    best: tuple[int, int, int] | None = None
    for _, (anchor, _end) in matches[:MAX_WINDOW_ANCHORS]:
        # Start a little before the match so it reads in context.
        start = max(0, min(anchor - width // 4, text_length - width))
        end = start + width
        inside = [(t, s) for t, s in matches if s[0] >= start and s[1] <= end]
        key = (len({t for t, _ in inside}), len(inside), -start)
        if best is None or key > best:
            best = key
    start = -best[2]
    return start, start + width


def make_snippet(text: str, terms: list[Term], width: int = SNIPPET_CHARS) -> str:
    """Return an escaped excerpt around the best match, every match in <mark>."""
    matches = find_matches(text, terms)
    start, end = choose_window(len(text), matches, width)
    spans = merge_spans([span for _, span in matches])

    pieces: list[str] = [ELLIPSIS] if start > 0 else []
    cursor = start
    for span_start, span_end in spans:
        span_start, span_end = max(span_start, start), min(span_end, end)
        if span_start >= span_end:
            continue
        pieces.append(html.escape(text[cursor:span_start]))
        pieces.append(MARK_OPEN + html.escape(text[span_start:span_end]) + MARK_CLOSE)
        cursor = span_end
    pieces.append(html.escape(text[cursor:end]))
    if end < len(text):
        pieces.append(ELLIPSIS)
    return "".join(pieces)
