"""Clause text and parsed queries as opaque tokens for the Meilisearch index.

Meilisearch segments Chinese into words itself, so a query for a string inside
a longer word (验收 in 验收合格) or across a word boundary finds nothing, and it
drops %, ¥ and similar signs as separators. Instead, every unit of the project's
own analysis (tokenize.py) is stored as a 20-digit token: a hash of the unit
and its role. Meilisearch keeps a digit run as one word, so it only has to match
tokens exactly and keep their order, and a query is built from the same units.

The token fields mirror the tantivy index:

- units: the grams of tokenize.py, plus a head and a tail token around each CJK
  run. Within a phrase, a lone character at the edge of the query matches the
  run that ends (tail) or starts (head) with it, which tantivy does with a
  regex phrase instead.
- unigrams: every CJK character, for one-character queries.
- words: the words of tokenize.py, plus every letter prefix of six or more
  characters, for the stem prefixes that tantivy matches with a regex.

A parsed query becomes a disjunction of conjunctions of phrases (DNF), because
Meilisearch's `q` has phrases and negative phrases but no OR.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from archive.search.query import PREFIX_MIN_CHARS, Clause, ParsedQuery, Term, english_prefix
from archive.search.tokenize import (
    CJK,
    CODE,
    LETTERS_RE,
    MAX_TOKEN_CHARS,
    PERCENT,
    Segment,
    analyze,
    cjk_units,
    code_forms,
    iter_segments,
    normalize,
    percent_form,
    segment_units,
    stem,
)

logger = logging.getLogger(__name__)

# Token roles, hashed with the unit so equal text in different roles never collides.
UNIT = "unit"
HEAD = "head"
TAIL = "tail"
UNIGRAM = "unigram"
WORD = "word"
PREFIX = "prefix"

TOKEN_DIGITS = 20  # a 64-bit hash in decimal
# NOTE: conjunctions past this count are dropped, which can only narrow results.
# A query reaches it only with many OR operators or terms with several written forms.
MAX_CONJUNCTIONS = 16

# Tokens that must occur consecutively in one field.
# NOTE: milli's resolve_phrase checks word pairs at most two positions apart, so a
# phrase of four or more tokens can also match a text that contains its overlapping
# parts in different places. The snippet of such a hit has no <mark>.
Phrase = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TokenFields:
    """Space-joined tokens for the units, unigrams and words fields of one text."""

    units: str
    unigrams: str
    words: str


@dataclass(frozen=True, slots=True)
class Conjunction:
    """Phrases that must all occur and phrases that must not occur."""

    required: frozenset[Phrase]
    excluded: frozenset[Phrase]


def encode(role: str, unit: str) -> str:
    """Return the opaque token of one unit in one role."""
    digest = hashlib.blake2b(f"{role}\x00{unit}".encode("utf-8"), digest_size=8).digest()
    return str(int.from_bytes(digest, "big")).zfill(TOKEN_DIGITS)


def unit_stream(normalized: str) -> list[tuple[str, str]]:
    """Return (role, unit) pairs of the units field, in order, before encoding."""
    stream: list[tuple[str, str]] = []
    for segment in iter_segments(normalized):
        if segment.is_cjk:
            stream.append((HEAD, segment.text[0]))
            stream.extend((UNIT, unit) for unit in cjk_units(segment.text))
            stream.append((TAIL, segment.text[-1]))
        else:
            stream.extend((UNIT, unit.text) for unit in segment_units(segment))
    return stream


def letter_prefixes(word: str) -> list[str]:
    """Return the prefixes of a word that are letters only and at least PREFIX_MIN_CHARS long."""
    match = LETTERS_RE.match(word)
    letters = match.group() if match else ""
    return [letters[:end] for end in range(PREFIX_MIN_CHARS, len(letters) + 1)]


def build_token_fields(text: str) -> TokenFields:
    """Turn clause text (or a heading) into the token fields the Meilisearch index stores."""
    normalized = normalize(text)
    units = [encode(role, unit) for role, unit in unit_stream(normalized)]
    unigrams = [
        encode(UNIGRAM, char)
        for segment in iter_segments(normalized)
        if segment.is_cjk
        for char in segment.text
    ]
    words = analyze(text).words.split()
    prefixes = {prefix for word in words for prefix in letter_prefixes(word)}
    word_tokens = [encode(WORD, word) for word in words]
    word_tokens.extend(encode(PREFIX, prefix) for prefix in sorted(prefixes))
    return TokenFields(" ".join(units), " ".join(unigrams), " ".join(word_tokens))


def term_alternatives(term: Term) -> list[Phrase]:
    """Return the phrases any one of which matches the term, or an empty list when nothing can."""
    alternatives = _segments_alternatives(term.segments)
    if term.date is not None:
        alternatives.append((encode(WORD, term.date),))
    return alternatives


def _segments_alternatives(segments: tuple[Segment, ...]) -> list[Phrase]:
    if len(segments) > 1:
        phrase = _segments_phrase(segments)
        return [phrase] if phrase else []

    segment = segments[0]
    if segment.kind == CJK:
        if len(segment.text) == 1:
            return [(encode(UNIGRAM, segment.text),)]
        return [tuple(encode(UNIT, unit) for unit in cjk_units(segment.text))]
    if len(segment.text) > MAX_TOKEN_CHARS:
        return []
    if segment.kind == CODE:
        return _code_alternatives(segment.text)
    if segment.kind == PERCENT:
        # The whole percentage, so 5% does not match 30.5% through its parts.
        return [(encode(WORD, percent_form(segment.text)),)]
    return [(encode(UNIT, segment.text),)]


def _code_alternatives(token: str) -> list[Phrase]:
    forms = code_forms(token)
    if forms.compact is None and forms.parts == (forms.whole,):
        alternatives = [(encode(UNIT, forms.whole),)]
        if LETTERS_RE.fullmatch(forms.whole):
            word_stem = stem(forms.whole)
            if word_stem != forms.whole:
                alternatives.append((encode(WORD, word_stem),))
            prefix = english_prefix(forms.whole)
            if prefix:
                alternatives.append((encode(PREFIX, prefix),))
        return alternatives

    alternatives = [(encode(WORD, forms.whole),)]
    if forms.compact:
        alternatives.append((encode(WORD, forms.compact),))
    alternatives.append(tuple(encode(UNIT, part) for part in forms.parts))
    return alternatives


def _segments_phrase(segments: tuple[Segment, ...]) -> Phrase | None:
    tokens: list[str] = []
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        if not segment.is_cjk:
            if len(segment.text) > MAX_TOKEN_CHARS:
                return None
            tokens.extend(encode(UNIT, unit.text) for unit in segment_units(segment))
            continue

        # A lone character at the edge may be the end (first segment) or the
        # start (last segment) of a longer run in the text.
        if len(segment.text) == 1 and index == 0:
            tokens.append(encode(TAIL, segment.text))
            continue
        if len(segment.text) == 1 and index == last:
            tokens.append(encode(HEAD, segment.text))
            continue
        # Inside the phrase a CJK segment is a whole run of the text, because
        # the neighbouring units belong to other segments.
        if index > 0:
            tokens.append(encode(HEAD, segment.text[0]))
        tokens.extend(encode(UNIT, unit) for unit in cjk_units(segment.text))
        if index < last:
            tokens.append(encode(TAIL, segment.text[-1]))
    return tuple(tokens)


Dnf = list[Conjunction]
TRUE: Dnf = [Conjunction(frozenset(), frozenset())]


def query_conjunctions(parsed: ParsedQuery) -> Dnf:
    """Return the conjunctions whose union is the query; an empty list matches nothing."""
    dnf = TRUE
    for group in parsed.required:
        alternatives: Dnf = []
        for clause in group:
            alternatives.extend(_clause_dnf(clause))
        dnf = _and(dnf, alternatives)
    for clause in parsed.excluded:
        dnf = _and(dnf, _not_clause_dnf(clause))
    return dnf


def _clause_dnf(clause: Clause) -> Dnf:
    dnf = TRUE
    for term in clause:
        options = [Conjunction(frozenset([phrase]), frozenset()) for phrase in term_alternatives(term)]
        dnf = _and(dnf, options)
    return dnf


def _not_clause_dnf(clause: Clause) -> Dnf:
    # not (t1 and t2) = (not t1) or (not t2), and not t = none of its alternatives.
    return [Conjunction(frozenset(), frozenset(term_alternatives(term))) for term in clause]


def _and(left: Dnf, right: Dnf) -> Dnf:
    combined: list[Conjunction] = []
    for a in left:
        for b in right:
            conjunction = Conjunction(a.required | b.required, a.excluded | b.excluded)
            if conjunction.required & conjunction.excluded:
                continue  # requires and excludes the same phrase: matches nothing
            if conjunction not in combined:
                combined.append(conjunction)
    if len(combined) > MAX_CONJUNCTIONS:
        logger.warning(
            "search query expands to too many alternatives conjunctions=%s kept=%s",
            len(combined),
            MAX_CONJUNCTIONS,
        )
        combined = combined[:MAX_CONJUNCTIONS]
    return combined


def meili_query_string(conjunction: Conjunction) -> str:
    """Write one conjunction in Meilisearch's query syntax: quoted and negated phrases."""
    required = [f'"{" ".join(phrase)}"' for phrase in sorted(conjunction.required)]
    excluded = [f'-"{" ".join(phrase)}"' for phrase in sorted(conjunction.excluded)]
    return " ".join(required + excluded)
