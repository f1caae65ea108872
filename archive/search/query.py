"""User input -> tantivy Query, built from objects and never by tantivy's parser.

Syntax: space-separated terms are ANDed, and "a quoted phrase" is one phrase.
`-term` or `NOT term` excludes a term, and `a OR b` matches either. `AND` and
brackets are accepted and ignored. Every other character is text, so no input
can fail.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field

import tantivy

from archive.search.base import sorted_contract_ids
from archive.search.tokenize import (
    CJK,
    CODE,
    LETTERS_RE,
    MAX_TOKEN_CHARS,
    PERCENT,
    Segment,
    amount_form,
    cjk_units,
    code_forms,
    date_form,
    iter_segments,
    jieba_words,
    normalize,
    percent_form,
    segment_units,
    stem,
)

# Longer input is cut here, well above the 500 characters a query must accept.
MAX_QUERY_CHARS = 1000
# NOTE: terms after the first MAX_TERMS are ignored, which can only widen results.
MAX_TERMS = 32

# Score tiers: a whole-word match outranks any substring-only match, because the
# BM25 score of one term on clause-sized texts is estimated to stay well below 100.
WHOLE_WORD_BONUS = 100.0
HEADING_BONUS = 30.0
HEADING_BOOST = 2.0

# English words this long also match other words sharing most of their stem
# (indemnify -> indemnification).
PREFIX_MIN_WORD_CHARS = 8
PREFIX_MIN_CHARS = 6
PREFIX_TRIM_CHARS = 2

QUOTE_CHARS = "\"“”„«»「」『』"
BRACKET_CHARS = "()[]{}（）【】〔〕<>《》"
OPERATOR_AND = "AND"
OPERATOR_OR = "OR"
OPERATOR_NOT = "NOT"
LEXEME_RE = re.compile(r'(?P<neg>-?)"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+)')


@dataclass(frozen=True, slots=True)
class FieldSet:
    """The index field names that hold one analysed text (clause body or heading)."""

    grams: str
    unigrams: str
    words: str


BODY_FIELDS = FieldSet("grams", "unigrams", "words")
HEADING_FIELDS = FieldSet("heading_grams", "heading_unigrams", "heading_words")


@dataclass(frozen=True, slots=True)
class Term:
    """One searchable unit: a word, a CJK string, a code or a phrase of segments."""

    segments: tuple[Segment, ...]
    # YYYY-MM-DD when the term is a whole date in figures, so its other written
    # forms match too (2024年3月5日 and 2024-03-05)
    date: str | None = None

    @property
    def text(self) -> str:
        """Return the segments joined by spaces, for logs and tests."""
        return " ".join(segment.text for segment in self.segments)


Clause = tuple[Term, ...]  # terms that must all match


@dataclass(slots=True)
class ParsedQuery:
    """Required groups (each an OR of clauses) and excluded clauses."""

    required: list[list[Clause]] = field(default_factory=list)
    excluded: list[Clause] = field(default_factory=list)

    def positive_terms(self) -> list[Term]:
        """Return every term that can produce a match, for highlighting."""
        return [term for group in self.required for clause in group for term in clause]

    def is_empty(self) -> bool:
        """Return True when nothing searchable is left."""
        return not self.required and not self.excluded


def parse_query(text: str) -> ParsedQuery:
    """Parse user input into terms; unknown syntax is treated as text."""
    text = unicodedata.normalize("NFKC", text[:MAX_QUERY_CHARS])
    for quote in QUOTE_CHARS:
        text = text.replace(quote, '"')

    parsed = ParsedQuery()
    negate_next = False
    or_next = False
    term_count = 0

    for lexeme in LEXEME_RE.finditer(text):
        phrase = lexeme.group("phrase")
        if phrase is not None:
            clause = _phrase_clause(phrase)
            negate = negate_next or bool(lexeme.group("neg"))
        else:
            word = lexeme.group("word").strip(BRACKET_CHARS)
            if word == OPERATOR_AND:
                continue
            if word == OPERATOR_NOT:
                negate_next = True
                continue
            if word == OPERATOR_OR:
                or_next = bool(parsed.required)
                continue
            negate = negate_next
            if word.startswith("-"):
                negate = True
                word = word.lstrip("-")
            clause = _word_clause(word)

        if not clause or term_count >= MAX_TERMS or _is_repeat(parsed, clause, negate, or_next):
            negate_next = or_next = False
            continue
        term_count += len(clause)

        if negate:
            parsed.excluded.append(clause)
        elif or_next:
            parsed.required[-1].append(clause)
        else:
            parsed.required.append([clause])
        negate_next = or_next = False

    return parsed


def _is_repeat(parsed: ParsedQuery, clause: Clause, negate: bool, or_next: bool) -> bool:
    # A repeated term changes nothing but would add its score bonus again.
    key = _clause_key(clause)
    if negate:
        return any(_clause_key(c) == key for c in parsed.excluded)
    if or_next:
        return False
    return any(len(g) == 1 and _clause_key(g[0]) == key for g in parsed.required)


def _clause_key(clause: Clause) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(s.text for s in term.segments) for term in clause)


def _phrase_clause(phrase: str) -> Clause:
    normalized = normalize(phrase)
    segments = tuple(iter_segments(normalized))
    return (_make_term(normalized, segments),) if segments else ()


def _word_clause(word: str) -> Clause:
    # Segments that touch (第12条, 编号HT2024001, ¥66,600) form one phrase;
    # segments separated by punctuation (甲方,乙方) are separate terms.
    normalized = normalize(word)
    terms: list[Term] = []
    current: list[Segment] = []
    for segment in iter_segments(normalized):
        if current and segment.start != current[-1].end:
            terms.append(_make_term(normalized, tuple(current)))
            current = []
        current.append(segment)
    if current:
        terms.append(_make_term(normalized, tuple(current)))
    return tuple(terms)


def _make_term(normalized: str, segments: tuple[Segment, ...]) -> Term:
    return Term(segments, date_form(normalized[segments[0].start : segments[-1].end]))


def build_query(
    parsed: ParsedQuery,
    schema: tantivy.Schema,
    *,
    contract_id: int | None = None,
    kind: str | None = None,
    exclude_contract_ids: Collection[int] = (),
) -> tantivy.Query | None:
    """Build the tantivy query for parsed input and filters; None matches nothing."""
    if parsed.is_empty():
        return None

    subqueries: list[tuple[tantivy.Occur, tantivy.Query]] = []
    for group in parsed.required:
        alternatives = [_clause_match(clause, schema) for clause in group]
        subqueries.append((tantivy.Occur.Must, _any_of(alternatives)))
        for clause in group:
            for term in clause:
                subqueries.append((tantivy.Occur.Should, _term_bonus(term, schema)))

    if not parsed.required:
        subqueries.append((tantivy.Occur.Must, tantivy.Query.all_query()))
    for clause in parsed.excluded:
        subqueries.append((tantivy.Occur.MustNot, _clause_match(clause, schema)))

    if contract_id is not None:
        match = tantivy.Query.term_query(schema, "contract_id", contract_id)
        subqueries.append((tantivy.Occur.Must, tantivy.Query.const_score_query(match, 0.0)))
    if kind is not None:
        match = tantivy.Query.term_query(schema, "kind", kind)
        subqueries.append((tantivy.Occur.Must, tantivy.Query.const_score_query(match, 0.0)))
    if exclude_contract_ids:
        # A term set query matches all ids in one pass over the term dictionary of the
        # indexed contract_id field, where a must-not term query per id adds a scorer per id.
        excluded = sorted_contract_ids(exclude_contract_ids)
        match = tantivy.Query.term_set_query(schema, "contract_id", excluded)
        subqueries.append((tantivy.Occur.MustNot, match))

    return tantivy.Query.boolean_query(subqueries)


def _any_of(queries: list[tantivy.Query]) -> tantivy.Query:
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])


def _all_of(queries: list[tantivy.Query]) -> tantivy.Query:
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in queries])


def _clause_match(clause: Clause, schema: tantivy.Schema) -> tantivy.Query:
    return _all_of([_term_match(term, schema) for term in clause])


def _term_match(term: Term, schema: tantivy.Schema) -> tantivy.Query:
    body = term_recall(term, schema, BODY_FIELDS)
    heading = term_recall(term, schema, HEADING_FIELDS)
    return _any_of([body, tantivy.Query.boost_query(heading, HEADING_BOOST)])


def _term_bonus(term: Term, schema: tantivy.Schema) -> tantivy.Query:
    body_whole = whole_word_query(term, schema, BODY_FIELDS)
    heading_whole = whole_word_query(term, schema, HEADING_FIELDS)
    heading = term_recall(term, schema, HEADING_FIELDS)
    return _any_of(
        [
            tantivy.Query.const_score_query(body_whole, WHOLE_WORD_BONUS),
            tantivy.Query.const_score_query(heading_whole, WHOLE_WORD_BONUS),
            tantivy.Query.const_score_query(heading, HEADING_BONUS),
        ]
    )


def term_recall(term: Term, schema: tantivy.Schema, fields: FieldSet) -> tantivy.Query:
    """Match every text that contains the term (substring semantics for CJK)."""
    query = _segments_recall(term.segments, schema, fields)
    if term.date is None:
        return query
    return _any_of([query, tantivy.Query.term_query(schema, fields.words, term.date)])


def _segments_recall(
    segments: tuple[Segment, ...], schema: tantivy.Schema, fields: FieldSet
) -> tantivy.Query:
    if len(segments) > 1:
        return _segments_phrase(segments, schema, fields)

    segment = segments[0]
    if segment.kind == CJK:
        if len(segment.text) == 1:
            return tantivy.Query.term_query(schema, fields.unigrams, segment.text)
        return _units_query(cjk_units(segment.text), schema, fields.grams)
    if segment.kind == CODE:
        return _code_recall(segment.text, schema, fields)
    if len(segment.text) > MAX_TOKEN_CHARS:
        return tantivy.Query.empty_query()
    if segment.kind == PERCENT:
        # The whole percentage, so 5% does not match 30.5% through its parts.
        return tantivy.Query.term_query(schema, fields.words, percent_form(segment.text))
    return tantivy.Query.term_query(schema, fields.grams, segment.text)


def _code_recall(token: str, schema: tantivy.Schema, fields: FieldSet) -> tantivy.Query:
    if len(token) > MAX_TOKEN_CHARS:
        return tantivy.Query.empty_query()

    forms = code_forms(token)
    if forms.compact is None and forms.parts == (forms.whole,):
        alternatives = [tantivy.Query.term_query(schema, fields.grams, forms.whole)]
        if LETTERS_RE.fullmatch(forms.whole):
            alternatives.extend(_english_variants(forms.whole, schema, fields))
        return _any_of(alternatives)

    alternatives = [tantivy.Query.term_query(schema, fields.words, forms.whole)]
    if forms.compact:
        alternatives.append(tantivy.Query.term_query(schema, fields.words, forms.compact))
    alternatives.append(_units_query(list(forms.parts), schema, fields.grams))
    return _any_of(alternatives)


def _english_variants(word: str, schema: tantivy.Schema, fields: FieldSet) -> list[tantivy.Query]:
    variants = []
    word_stem = stem(word)
    if word_stem != word:
        variants.append(tantivy.Query.term_query(schema, fields.words, word_stem))
    prefix = english_prefix(word)
    if prefix:
        variants.append(tantivy.Query.regex_query(schema, fields.words, prefix + ".*"))
    return variants


def english_prefix(word: str) -> str | None:
    """Return the stem prefix a long English word also matches, or None."""
    if len(word) < PREFIX_MIN_WORD_CHARS:
        return None
    word_stem = stem(word)
    return word_stem[: max(PREFIX_MIN_CHARS, len(word_stem) - PREFIX_TRIM_CHARS)]


def _units_query(units: list[str], schema: tantivy.Schema, field_name: str) -> tantivy.Query:
    # tantivy panics on a phrase of one term.
    if len(units) == 1:
        return tantivy.Query.term_query(schema, field_name, units[0])
    return tantivy.Query.phrase_query(schema, field_name, units)


def _segments_phrase(
    segments: tuple[Segment, ...], schema: tantivy.Schema, fields: FieldSet
) -> tantivy.Query:
    literals: list[str] = []
    patterns: list[str] = []
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        if not segment.is_cjk and len(segment.text) > MAX_TOKEN_CHARS:
            return tantivy.Query.empty_query()
        # NOTE: inside a phrase a percentage is matched by its parts, so 付5% also matches 付30.5%.
        units = [unit.text for unit in segment_units(segment)]
        literals.extend(units)
        patterns.extend(re.escape(unit) for unit in units)

        # A lone character at the edge of the phrase may be the end (first
        # segment) or the start (last segment) of a longer run in the text,
        # which the index stores as a bigram instead of the character itself.
        if segment.is_cjk and len(segment.text) == 1:
            if index == 0:
                patterns[-1] = ".?" + patterns[-1]
            elif index == last:
                patterns[-1] = patterns[-1] + ".?"

    if patterns == [re.escape(unit) for unit in literals]:
        return _units_query(literals, schema, fields.grams)
    return tantivy.Query.regex_phrase_query(schema, fields.grams, patterns)


def whole_word_query(term: Term, schema: tantivy.Schema, fields: FieldSet) -> tantivy.Query:
    """Match texts where the term's jieba words or whole tokens all occur as words."""
    if term.date is not None:
        return tantivy.Query.term_query(schema, fields.words, term.date)
    words: list[str] = []
    for segment in term.segments:
        if segment.kind == CJK:
            words.extend(jieba_words(segment.text) or [segment.text])
        elif segment.kind == PERCENT:
            words.append(percent_form(segment.text))
        elif segment.kind == CODE:
            # Every written form of an amount ranks alike (66600 and 66,600.00).
            words.append(amount_form(segment.text) or segment.text)
        else:
            words.append(segment.text)
    return _all_of([tantivy.Query.term_query(schema, fields.words, w) for w in words])
