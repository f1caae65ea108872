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
    CODE,
    LETTERS_RE,
    PERCENT,
    Segment,
    Unit,
    code_forms,
    iter_dates,
    iter_segments,
    percent_form,
    segment_units,
    stem,
    text_units,
)

SNIPPET_CHARS = 160
# Bounds the window search on clauses with very many matches.
MAX_WINDOW_ANCHORS = 64
ELLIPSIS = "…"
MARK_OPEN = "<mark>"
MARK_CLOSE = "</mark>"

WORD_RE = re.compile(f"[{ALNUM_CLASS}]+")

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
    # Splitting the text into units costs about a microsecond per character,
    # so it is skipped when every term is one CJK string or English word.
    units = text_units(folded.text) if any(_needs_units(term) for term in terms) else []
    matches: list[tuple[int, Span]] = []
    for term_index, term in enumerate(terms):
        for start, end in _term_spans(folded.text, units, term):
            if end > start:
                matches.append((term_index, folded.original_span(start, end)))
    return matches


def _needs_units(term: Term) -> bool:
    if len(term.segments) > 1:
        return True
    segment = term.segments[0]
    return not segment.is_cjk and LETTERS_RE.fullmatch(segment.text) is None


def _term_spans(folded: str, units: list[Unit], term: Term) -> list[Span]:
    spans: list[Span] = []
    if term.date is not None:
        spans = [(start, end) for date, start, end in iter_dates(folded) if date == term.date]
    if len(term.segments) > 1:
        return spans + _unit_spans(units, _expected_units(term.segments))

    segment = term.segments[0]
    if segment.is_cjk:
        # The same as matching its units, and also covers one-character terms,
        # which the index finds in the unigrams field.
        return spans + [m.span() for m in re.finditer(re.escape(segment.text), folded)]
    if segment.kind == CODE:
        return spans + _code_spans(folded, units, segment)
    if segment.kind == PERCENT:
        expected_form = percent_form(segment.text)
        return spans + [
            (found.start, found.end)
            for found in iter_segments(folded)
            if found.kind == PERCENT and percent_form(found.text) == expected_form
        ]
    return spans + _unit_spans(units, _expected_units(term.segments))


# An expected unit: its text, and whether a CJK bigram that ends (-1) or starts
# (1) with it also counts, for a lone character at the edge of a phrase.
ExpectedUnit = tuple[str, int]
ANY_EDGE = 0
BIGRAM_ENDING = -1
BIGRAM_STARTING = 1


def _expected_units(segments: tuple[Segment, ...]) -> list[ExpectedUnit]:
    expected: list[ExpectedUnit] = []
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        edge = ANY_EDGE
        if segment.is_cjk and len(segment.text) == 1 and last > 0:
            if index == 0:
                edge = BIGRAM_ENDING
            elif index == last:
                edge = BIGRAM_STARTING
        expected.extend((unit.text, edge) for unit in segment_units(segment))
    return expected


def _unit_spans(units: list[Unit], expected: list[ExpectedUnit]) -> list[Span]:
    """Find runs of consecutive units equal to the expected ones, as the index phrase does."""
    spans: list[Span] = []
    if not expected:
        return spans
    for first in range(len(units) - len(expected) + 1):
        covered: list[Span] = []
        for offset, expected_unit in enumerate(expected):
            cover = _unit_cover(units[first + offset], expected_unit)
            if cover is None:
                break
            covered.append(cover)
        else:
            spans.append((covered[0][0], covered[-1][1]))
    return spans


def _unit_cover(unit: Unit, expected: ExpectedUnit) -> Span | None:
    text, edge = expected
    if unit.text == text:
        return unit.start, unit.end
    if edge == BIGRAM_ENDING and len(unit.text) == 2 and unit.text[1] == text:
        return unit.start + 1, unit.end
    if edge == BIGRAM_STARTING and len(unit.text) == 2 and unit.text[0] == text:
        return unit.start, unit.start + 1
    return None


def _code_spans(folded: str, units: list[Unit], segment: Segment) -> list[Span]:
    forms = code_forms(segment.text)
    if LETTERS_RE.fullmatch(forms.whole):
        return _word_spans(folded, forms.whole)

    # Whole tokens that share a whole or compact form (HT-2024-001 for
    # ht2024001, 66,600.00 for 66600), then runs of the token's parts.
    expected_forms = {forms.whole, forms.compact} - {None}
    spans = []
    for found in iter_segments(folded):
        if found.kind != CODE:
            continue
        found_forms = code_forms(found.text)
        if found_forms.whole in expected_forms or found_forms.compact in expected_forms:
            spans.append((found.start, found.end))
    return spans + _unit_spans(units, _expected_units((segment,)))


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
