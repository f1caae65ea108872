"""Clause-by-clause comparison of two document versions, or of a contract with an amendment.

`compare_versions` aligns the clauses of two versions: first by clause number (the path of
numbers from the top clause down), then the remaining clauses by text similarity. Each row
carries a state and, when the text changed, a diff as segments that a template escapes.

`compare_amendment` reads the clause references of an amendment (第三条第（一）项, 第3.2条,
Section 3.2, Clause 4(b), Exhibit A), finds the contract clauses they name, and classifies
the amendment's wording as replace, add or delete where it recognises it. When an amendment
clause gives the new wording of the clause it replaces, the row carries a diff against it.

Clause numbers are matched as the segmenter prints them (第三条, 3.2, （一）, (a), Article 5,
一、, EXHIBIT A), so this module reads those forms itself: archive/ does not import ingest/.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from archive.numerals import chinese_numeral_value, roman_value

UNCHANGED = "unchanged"
CHANGED = "changed"
ADDED = "added"
REMOVED = "removed"
RENUMBERED = "renumbered"
ROW_STATES = (UNCHANGED, CHANGED, ADDED, REMOVED, RENUMBERED)

EQUAL = "equal"
INSERT = "insert"
DELETE = "delete"

REPLACE_ACTION = "replace"
ADD_ACTION = "add"
DELETE_ACTION = "delete"

# A pair of clauses with the same number stays paired when its texts are at least this similar
# (difflib ratio over tokens). Below it, the pair is split and each side looks for a better match,
# which finds a clause that kept its text under a new number.
NUMBER_PAIR_MIN_RATIO = 0.35
# Clauses with different numbers are paired only when their texts are at least this similar.
SIMILAR_PAIR_MIN_RATIO = 0.55
# Bounds on the similarity search, so that two unrelated 600-clause documents still compare
# quickly: each unpaired right clause is scored against at most this many unpaired left clauses,
# the nearest by position, and the scan stops at the first candidate this similar.
MAX_CANDIDATES_PER_CLAUSE = 20
CERTAIN_MATCH_RATIO = 0.9
# Above this many tokens on both sides, similarity is estimated by difflib's quick_ratio.
MAX_EXACT_RATIO_TOKENS = 2000
# Texts longer than this (both sides together) are diffed line by line before token by token.
MAX_TOKEN_DIFF_CHARS = 6000
# At most this many full difflib ratios per comparison. On two documents whose clauses all
# changed and moved, the clauses left over when it runs out show as removed and added.
MAX_RATIO_COMPUTATIONS = 3000
# An equal run of at most this many characters between two changes is shown as part of the
# change, because a character-level diff of Chinese otherwise splits a rewritten phrase around
# every shared character (的, 方, 合同).
MAX_ABSORBED_EQUAL_CHARS = 2


@dataclass(frozen=True, slots=True)
class ClauseText:
    """One clause of a version as the comparison reads it."""

    id: int
    number: str | None
    heading: str | None
    text: str
    role: str = "clause"
    parent_id: int | None = None
    level: int = 0
    page_start: int | None = None

    @classmethod
    def from_mapping(cls, clause: Mapping[str, Any]) -> ClauseText:
        """Build from a clause dict of `archive.queries.clause_dict`."""
        return cls(
            id=clause["id"], number=clause.get("number"), heading=clause.get("heading"),
            text=clause.get("text") or "", role=clause.get("role") or "clause",
            parent_id=clause.get("parent_id"), level=clause.get("level") or 0,
            page_start=clause.get("page_start"),
        )

    @property
    def body(self) -> str:
        """The text without the leading clause number, which the row shows on its own."""
        return strip_number(self.text, self.number)


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text in a diff: `kind` is equal, insert (only in the right text) or delete (only in the left)."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class CompareRow:
    """One line of a side-by-side comparison. `left` or `right` is None for an added or removed clause."""

    state: str
    left: ClauseText | None
    right: ClauseText | None
    segments: tuple[Segment, ...] = ()

    @property
    def is_change(self) -> bool:
        return self.state != UNCHANGED


@dataclass(frozen=True, slots=True)
class ClauseReference:
    """A reference to a contract clause written in an amendment clause.

    `path` lists the parts from the outermost down, each a (unit, label) pair such as
    ("条", "3"), ("项", "1"), ("dotted", "3.2"), ("item", "b") or ("annex", "A"). `printed`
    is the text as written, and `start` and `end` delimit it in the amendment clause's text.
    """

    printed: str
    path: tuple[tuple[str, str], ...]
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class AmendmentTarget:
    """A contract clause that an amendment clause refers to; `clause` is None when the contract has no such clause."""

    reference: ClauseReference
    clause: ClauseText | None
    action: str | None


@dataclass(frozen=True, slots=True)
class AmendmentRow:
    """One line of the amendment view: a contract clause with the amendment clauses that change it.

    A row with no contract clause shows an amendment clause whose references name no clause of
    the contract (new clauses, general terms). `actions` lists the recognised kinds of change.
    """

    state: str
    contract: ClauseText | None
    amendments: tuple[ClauseText, ...]
    targets: tuple[AmendmentTarget, ...]
    actions: tuple[str, ...]
    # The diff of the contract clause against the new wording an amendment clause quotes for it.
    segments: tuple[Segment, ...] = ()

    @property
    def is_change(self) -> bool:
        return self.state != UNCHANGED


# --- tokens and diffs -------------------------------------------------------------------------

# Latin words (with inner apostrophes and hyphens) and numbers (123,000.00, 30%) stay whole;
# every other character, CJK included, is a token of its own, and a run of white space is one token.
_TOKEN = re.compile(
    r"[A-Za-z\u00C0-\u024F]+(?:['’\-][A-Za-z\u00C0-\u024F]+)*"
    r"|\d+(?:[.,]\d+)*%?"
    r"|\s+"
    r"|.",
    re.DOTALL,
)


def tokenize(text: str) -> list[str]:
    """Split text into diff tokens: one per CJK character or punctuation mark, one per Latin word or number."""
    return _TOKEN.findall(text)


def diff_segments(left: str, right: str) -> tuple[Segment, ...]:
    """Return the token-level diff of two texts as equal, delete and insert segments in reading order.

    Long texts are first diffed line by line. A changed run of lines is then diffed token by
    token when it is short enough, else shown as deleted and inserted whole, because difflib's
    time grows with the product of the lengths.
    """
    if len(left) + len(right) <= MAX_TOKEN_DIFF_CHARS:
        segments = _token_diff(left, right)
    else:
        segments = []
        left_lines, right_lines = left.splitlines(keepends=True), right.splitlines(keepends=True)
        matcher = SequenceMatcher(None, left_lines, right_lines, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            before, after = "".join(left_lines[i1:i2]), "".join(right_lines[j1:j2])
            if tag == "equal":
                segments.append(Segment(EQUAL, before))
            elif len(before) + len(after) <= MAX_TOKEN_DIFF_CHARS:
                segments.extend(_token_diff(before, after))
            else:
                segments.extend(Segment(kind, text) for kind, text in ((DELETE, before), (INSERT, after)) if text)
    return tuple(_merge_segments(_absorb_short_equalities(segments)))


def _token_diff(left: str, right: str) -> list[Segment]:
    left_tokens, right_tokens = tokenize(left), tokenize(right)
    # White space is junk: a match never starts at it, so a diff does not hinge on spaces between words.
    matcher = SequenceMatcher(str.isspace, left_tokens, right_tokens, autojunk=False)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append(Segment(EQUAL, "".join(left_tokens[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment(DELETE, "".join(left_tokens[i1:i2])))
        if j2 > j1:
            segments.append(Segment(INSERT, "".join(right_tokens[j1:j2])))
    return segments


def _absorb_short_equalities(segments: list[Segment]) -> list[Segment]:
    """Fold a short equal run that sits between two changes into both sides of the change."""
    result: list[Segment] = []
    for index, segment in enumerate(segments):
        between_changes = (
            segment.kind == EQUAL
            and 0 < index < len(segments) - 1
            and segments[index - 1].kind != EQUAL
            and segments[index + 1].kind != EQUAL
            and len(segment.text.strip()) <= MAX_ABSORBED_EQUAL_CHARS
            and not segment.text.isspace()
        )
        if between_changes:
            result.append(Segment(DELETE, segment.text))
            result.append(Segment(INSERT, segment.text))
        else:
            result.append(segment)
    return result


def _merge_segments(segments: list[Segment]) -> list[Segment]:
    """Join neighbouring segments of one kind, and put each change's deletions before its insertions."""
    result: list[Segment] = []
    pending: dict[str, list[str]] = {DELETE: [], INSERT: []}

    def flush() -> None:
        for kind in (DELETE, INSERT):
            if pending[kind]:
                result.append(Segment(kind, "".join(pending[kind])))
                pending[kind] = []

    for segment in segments:
        if segment.kind == EQUAL:
            flush()
            if result and result[-1].kind == EQUAL:
                result[-1] = Segment(EQUAL, result[-1].text + segment.text)
            else:
                result.append(segment)
        else:
            pending[segment.kind].append(segment.text)
    flush()
    return result


def similarity_tokens(text: str) -> list[str]:
    """Return the diff tokens of a text without white space, which only slows a similarity score down."""
    return [token for token in _TOKEN.findall(text) if not token.isspace()]


def _similar(left: str, right: str, threshold: float) -> bool:
    """Return whether two texts' ratio reaches `threshold`, trying difflib's cheap upper bounds first."""
    matcher = SequenceMatcher(None, similarity_tokens(left), similarity_tokens(right), autojunk=False)
    if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
        return False
    return _ratio(matcher) >= threshold


def _ratio(matcher: SequenceMatcher[str]) -> float:
    """Return the matcher's ratio, or its quick_ratio bound when both sequences are long.

    difflib's ratio grows with the product of the lengths on dissimilar texts: one ratio of two
    clauses of 8,000 and 11,000 tokens (the exhibits of a 154-page contract) took about 9 s in a
    single run on a 2-core machine.
    """
    if min(len(matcher.a), len(matcher.b)) > MAX_EXACT_RATIO_TOKENS:
        return matcher.quick_ratio()
    return matcher.ratio()


def _normalized(text: str) -> str:
    """Return text with white space removed, so a re-wrapped line compares equal."""
    return "".join(text.split())


# --- clause numbers ---------------------------------------------------------------------------

_FULLWIDTH = str.maketrans("０１２３４５６７８９（）．：", "0123456789().:")
_ZH_NUMERAL = "[〇○零一壹二贰两三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟]+"


def numeral_value(text: str) -> int | None:
    """Return the value of an Arabic, Chinese or circled numeral (3, 三, 十二, ③), or None."""
    text = text.strip().translate(_FULLWIDTH)
    if text.isascii() and text.isdigit():
        return int(text)
    if len(text) == 1 and "①" <= text <= "⑳":
        return ord(text) - ord("①") + 1
    return chinese_numeral_value(text)


@dataclass(frozen=True, slots=True)
class NumberLabel:
    """A printed clause number read into its kind and value.

    `kind` is "条", "章", "节" or "编" for 第X条 and its kin, and Article N counts as 条.
    "dotted" stands for 3., 3.2 and Section 3.2, "annex" for Exhibit A or 附件一, and "item"
    for list labels such as 一、, （一）, (a), (ii) or 1、. `label` keeps a list label's letters,
    lower-cased, because (b) and (ii) have the same value 2.
    """

    kind: str
    values: tuple[int, ...]
    label: str = ""


_ZH_HEADED = re.compile(rf"^第\s*(?P<n>{_ZH_NUMERAL}|\d+)\s*(?P<unit>条|章|节|编|部分)")
_EN_HEADED = re.compile(r"^(?P<word>article|section|clause)\s+(?P<n>[ivxlc]+|\d+(?:\.\d+)*)\b", re.IGNORECASE)
_DOTTED = re.compile(r"^(?P<n>\d+(?:\.\d+)*)\.?$")
_ANNEX = re.compile(
    r"^(?P<word>exhibit|schedule|annex|appendix|attachment|附件|附表|附录)\s*(?P<n>[A-Za-z]{1,2}|\d+|"
    + _ZH_NUMERAL
    + r")\b",
    re.IGNORECASE,
)
_ITEM = re.compile(r"^[(]?\s*(?P<n>[^()\s、.]{1,5})\s*[)、.]?$")


def read_number(printed: str | None) -> NumberLabel | None:
    """Read a clause number as the segmenter prints it, or return None when it is no number."""
    if not printed:
        return None
    text = " ".join(printed.translate(_FULLWIDTH).split())

    found = _ZH_HEADED.match(text)
    if found:
        value = numeral_value(found["n"])
        unit = "编" if found["unit"] == "部分" else found["unit"]
        return NumberLabel(unit, (value,)) if value else None

    found = _EN_HEADED.match(text)
    if found:
        raw = found["n"]
        if found["word"].lower() == "article":
            value = int(raw) if raw.isdigit() else roman_value(raw)
            return NumberLabel("条", (value,)) if value else None
        return NumberLabel("dotted", tuple(int(part) for part in raw.split(".")))

    found = _ANNEX.match(text)
    if found:
        return NumberLabel("annex", _annex_values(found["n"]), _annex_label(found["n"]))

    found = _DOTTED.match(text)
    if found:
        return NumberLabel("dotted", tuple(int(part) for part in found["n"].split(".")))

    found = _ITEM.match(text)
    if found:
        raw = found["n"]
        value = numeral_value(raw)
        if value is None and raw.isascii() and raw.isalpha():
            value = roman_value(raw) if set(raw.lower()) <= set("ivx") and len(raw) > 1 else _letter_value(raw)
        return NumberLabel("item", (value,), raw.lower()) if value else None
    return None


def _letter_value(raw: str) -> int | None:
    return ord(raw.lower()) - ord("a") + 1 if len(raw) == 1 else None


def _annex_values(raw: str) -> tuple[int, ...]:
    value = numeral_value(raw)
    if value is None and len(raw) <= 2 and raw.isalpha():
        value = _letter_value(raw[0])
    return (value or 0,)


def _annex_label(raw: str) -> str:
    value = numeral_value(raw)
    return str(value) if value is not None else raw.upper()


def strip_number(text: str, number: str | None) -> str:
    """Return a clause's text without the number it starts with."""
    if number and text.startswith(number):
        return text[len(number):].lstrip(" \t\u3000、.．:：")
    return text


# --- aligning two versions --------------------------------------------------------------------


def _number_keys(clauses: Sequence[ClauseText]) -> list[tuple[Any, ...]]:
    """Return each clause's key: the path of numbers from its top clause, made unique by a repeat count.

    A clause without a number (preamble, signature, table of contents) is keyed by its role and
    how many such clauses of that role came before it.
    """
    by_id = {clause.id: clause for clause in clauses}
    keys: list[tuple[Any, ...]] = []
    seen: dict[tuple[Any, ...], int] = {}
    for clause in clauses:
        if clause.number:
            path: list[str] = []
            current: ClauseText | None = clause
            while current is not None and len(path) < 20:
                path.append(_number_text(current.number))
                current = by_id.get(current.parent_id) if current.parent_id is not None else None
            base: tuple[Any, ...] = ("number", *reversed(path))
        else:
            base = ("role", clause.role)
        repeat = seen.get(base, 0)
        seen[base] = repeat + 1
        keys.append((*base, repeat))
    return keys


def _number_text(number: str | None) -> str:
    return "".join((number or "").translate(_FULLWIDTH).split()).rstrip(".、").lower()


@dataclass
class _Side:
    """The clauses of one side and the state of their pairing."""

    clauses: Sequence[ClauseText]
    bodies: list[str] = field(default_factory=list)
    flat: list[str] = field(default_factory=list)
    partner: list[int | None] = field(default_factory=list)
    keys: list[tuple[Any, ...]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.keys = _number_keys(self.clauses)
        self.bodies = [clause.body for clause in self.clauses]
        self.flat = [_normalized(body) for body in self.bodies]
        self.partner = [None] * len(self.clauses)

    def unpaired(self) -> list[int]:
        return [index for index, partner in enumerate(self.partner) if partner is None]


def _pair(left: _Side, right: _Side, i: int, j: int) -> None:
    left.partner[i] = j
    right.partner[j] = i


def compare_versions(left_clauses: Iterable[ClauseText], right_clauses: Iterable[ClauseText]) -> list[CompareRow]:
    """Align the clauses of two versions and return one row per clause pair, added or removed clause.

    Rows follow the right version's order, and a removed clause comes right after the row of the
    left clause before it.
    """
    left, right = _Side(list(left_clauses)), _Side(list(right_clauses))
    number_pairs = _pair_by_number(left, right)
    _split_dissimilar_number_pairs(left, right, number_pairs)
    _pair_equal_texts(left, right)
    _pair_similar_texts(left, right)
    # A clause rewritten under its own number has no better match anywhere: show it as changed.
    for i, j in number_pairs:
        if left.partner[i] is None and right.partner[j] is None:
            _pair(left, right, i, j)
    return _rows(left, right)


def _pair_by_number(left: _Side, right: _Side) -> list[tuple[int, int]]:
    right_index = {key: j for j, key in enumerate(right.keys)}
    pairs = []
    for i, key in enumerate(left.keys):
        j = right_index.get(key)
        if j is not None:
            _pair(left, right, i, j)
            pairs.append((i, j))
    return pairs


def _split_dissimilar_number_pairs(left: _Side, right: _Side, pairs: list[tuple[int, int]]) -> None:
    """Unpair clauses that share a number but not their text, when either text exists elsewhere or they differ a lot."""
    identical = {(i, j) for i, j in pairs if left.flat[i] == right.flat[j]}
    left_texts = {left.flat[i] for i in range(len(left.clauses)) if (i, left.partner[i]) not in identical}
    right_texts = {right.flat[j] for j in range(len(right.clauses)) if (right.partner[j], j) not in identical}
    for i, j in pairs:
        if (i, j) in identical:
            continue
        moved = left.flat[i] in right_texts or right.flat[j] in left_texts
        if moved or not _similar(left.bodies[i], right.bodies[j], NUMBER_PAIR_MIN_RATIO):
            left.partner[i] = right.partner[j] = None


def _pair_equal_texts(left: _Side, right: _Side) -> None:
    """Pair unpaired clauses whose texts are equal, in document order; this finds renumbered clauses."""
    waiting: dict[str, list[int]] = {}
    for j in right.unpaired():
        if right.flat[j]:
            waiting.setdefault(right.flat[j], []).append(j)
    for i in left.unpaired():
        candidates = waiting.get(left.flat[i])
        if candidates:
            _pair(left, right, i, candidates.pop(0))


def _pair_similar_texts(left: _Side, right: _Side) -> None:
    """Pair the remaining clauses greedily by text similarity, best pairs first.

    Each unpaired right clause is scored against the unpaired left clauses nearest to where its
    counterpart would be (after the left partner of the paired clause before it), nearest first,
    and the scan stops at a near-certain match. difflib's real_quick_ratio and quick_ratio are
    upper bounds of ratio, so a candidate below the threshold on either is dropped before the
    full ratio is computed.
    """
    lefts, rights = left.unpaired(), right.unpaired()
    if not lefts or not rights:
        return
    left_tokens = {i: similarity_tokens(left.bodies[i]) for i in lefts}
    expected = _expected_left_positions(right)
    scored: list[tuple[float, int, int]] = []
    budget = MAX_RATIO_COMPUTATIONS
    for j in rights:
        matcher = SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(similarity_tokens(right.bodies[j]))
        for i in _nearest(lefts, expected[j], MAX_CANDIDATES_PER_CLAUSE):
            matcher.set_seq1(left_tokens[i])
            if matcher.real_quick_ratio() < SIMILAR_PAIR_MIN_RATIO or matcher.quick_ratio() < SIMILAR_PAIR_MIN_RATIO:
                continue
            if budget <= 0:
                break
            budget -= 1
            ratio = _ratio(matcher)
            if ratio >= SIMILAR_PAIR_MIN_RATIO:
                scored.append((ratio, i, j))
            if ratio >= CERTAIN_MATCH_RATIO:
                break
    for _, i, j in sorted(scored, key=lambda item: (-item[0], item[1], item[2])):
        if left.partner[i] is None and right.partner[j] is None:
            _pair(left, right, i, j)


def _expected_left_positions(right: _Side) -> list[int]:
    """Return for each right clause the left index right after the left partner of the last paired clause before it."""
    positions = []
    following = 0
    for partner in right.partner:
        positions.append(following)
        if partner is not None:
            following = partner + 1
    return positions


def _nearest(indexes: list[int], target: int, limit: int) -> list[int]:
    """Return up to `limit` of the sorted `indexes`, nearest to `target` first."""
    after = bisect_left(indexes, target)
    before = after - 1
    chosen: list[int] = []
    while len(chosen) < limit and (before >= 0 or after < len(indexes)):
        take_after = before < 0 or (after < len(indexes) and indexes[after] - target <= target - indexes[before])
        if take_after:
            chosen.append(indexes[after])
            after += 1
        else:
            chosen.append(indexes[before])
            before -= 1
    return chosen


def _rows(left: _Side, right: _Side) -> list[CompareRow]:
    keyed: list[tuple[tuple[int, int, int], CompareRow]] = []
    for j, clause in enumerate(right.clauses):
        i = right.partner[j]
        if i is None:
            keyed.append(((j, 0, 0), CompareRow(ADDED, None, clause)))
        else:
            keyed.append(((j, 0, 0), _paired_row(left, right, i, j)))
    anchor = -1
    for i, clause in enumerate(left.clauses):
        j = left.partner[i]
        if j is not None:
            anchor = j
            continue
        keyed.append(((anchor, 1, i), CompareRow(REMOVED, clause, None)))
    keyed.sort(key=lambda item: item[0])
    return [row for _, row in keyed]


def _paired_row(left: _Side, right: _Side, i: int, j: int) -> CompareRow:
    before, after = left.clauses[i], right.clauses[j]
    if left.flat[i] == right.flat[j]:
        # The whole path counts, so （一） under a renumbered 第四条 is renumbered too. The repeat
        # count at the end of the key does not, because a deleted earlier "1." shifts it.
        same_number = left.keys[i][:-1] == right.keys[j][:-1]
        return CompareRow(UNCHANGED if same_number else RENUMBERED, before, after)
    return CompareRow(CHANGED, before, after, diff_segments(left.bodies[i], right.bodies[j]))


# --- amendments -------------------------------------------------------------------------------

_NUM = rf"(?:{_ZH_NUMERAL}|\d+)"
# 第三条, 第3.2条, 第三章, then any 第二款 / 第（一）项 / (2)目 that narrow it down.
_ZH_REFERENCE = re.compile(
    rf"(?:第\s*(?P<main>{_NUM}(?:\.\d+)*)|(?<![\d.])(?P<dotted>\d+(?:\.\d+)+))\s*(?P<unit>条|章|节)"
    rf"(?P<parts>(?:\s*(?:第\s*)?[(（]?\s*{_NUM}\s*[)）]?\s*(?:款|项|目))*)"
)
_ZH_PART = re.compile(rf"(?:第\s*)?[(（]?\s*(?P<n>{_NUM})\s*[)）]?\s*(?P<unit>款|项|目)")
# Article 5, Section 3.2, Sections 3.2 and 4.1, Clause 4(b), § 7(a)(ii).
_EN_ITEM = r"(?:\d+(?:\.\d+)*|[IVXLC]+\b)(?:\s?\([A-Za-z0-9]{1,4}\))*"
_EN_REFERENCE = re.compile(
    rf"(?P<word>\b(?:Sections?|SECTIONS?|Articles?|ARTICLES?|Clauses?|CLAUSES?|Paragraphs?|PARAGRAPHS?)|§§?)\s*"
    rf"(?P<items>{_EN_ITEM}(?:\s*(?:,|and|or)\s*{_EN_ITEM})*)"
)
_EN_ITEM_PARTS = re.compile(r"(?P<n>\d+(?:\.\d+)*|[IVXLC]+\b)(?P<subs>(?:\s?\([A-Za-z0-9]{1,4}\))*)")
_EN_SUB = re.compile(r"\(([A-Za-z0-9]{1,4})\)")
_ANNEX_REFERENCE = re.compile(
    rf"(?:\b(?P<word>Exhibit|EXHIBIT|Schedule|SCHEDULE|Annex|ANNEX|Appendix|APPENDIX|Attachment|ATTACHMENT)\s+"
    rf"(?P<n>[A-Z]{{1,2}}|\d+)\b|附件\s*(?P<zh>{_NUM}))"
)
# Text right before a reference that makes it point elsewhere: a law (《民法典》第五百条, 公司法第二十条)
# or the amendment itself (本协议第二条).
_NOT_THE_CONTRACT_BEFORE = re.compile(r"(?:》|法|典|例|则|本协议|本补充协议|本变更协议|本修订协议)\s*$")
_NOT_THE_CONTRACT_AFTER = re.compile(
    r"^\s*(?:of|under|in)\s+(?:this\s+(?:Amendment|Addendum|First|Second|Third)"
    r"|the\s+[^.,;:]{0,40}?\b(?:Act|Code|Regulations?|Rules?)\b)",
    re.IGNORECASE,
)

# The wording of a change. Alternatives are tried left to right at each position, so the
# compound "deleted in its entirety and replaced" reads as a replacement, not a deletion.
_ACTION_CUES = re.compile(
    r"(?P<replace>修改为|变更为|调整为|修订为|更改为|更正为|改为|替换为|修改如下|变更如下|调整如下|修订如下"
    r"|deleted\s+in\s+(?:its|their)\s+entirety\s+and\s+replaced|deleted\s+and\s+replaced"
    r"|amended\s+and\s+restated|amended\s+to\s+read|(?:hereby\s+)?amended|replaced\s+(?:with|by)|replaced)"
    r"|(?P<delete>删除|删去|废止|不再适用|不再执行|deleted|removed|struck|\bdelete\b)"
    r"|(?P<add>增加|新增|增设|增补|补充如下|added|inserted|\badd\b|\binsert\b)",
    re.IGNORECASE,
)
# Words between a replacing cue and the new wording: 如下, as follows, the following, a colon.
_REPLACEMENT_LEAD = re.compile(
    r"(?:\s|如下|下列内容|以下内容|as\s+follows|the\s+following|in\s+full|[:：,，])*", re.IGNORECASE
)
_QUOTES = {"“": "”", '"': '"', "「": "」", "『": "』", "‘": "’"}
# New wording shorter than this is a value, not a clause to diff against.
MIN_REPLACEMENT_CHARS = 8
# The contract clause is diffed against the new wording only when they are at least this similar.
# Less similar wording replaces a part of the clause (one section of an exhibit), not all of it.
REPLACEMENT_DIFF_MIN_RATIO = 0.4
_SENTENCE_END = re.compile(r"[。；;！!？?\n]|\.(?=\s)")
_ACTIONS_BY_STATE = ((REPLACE_ACTION, CHANGED), (DELETE_ACTION, REMOVED), (ADD_ACTION, ADDED))


def find_references(text: str) -> list[ClauseReference]:
    """Return the references to clauses of another document in an amendment clause's text, in order.

    References to laws and to the amendment's own clauses are left out.
    """
    # NOTE: ranges and lists in one reference (第三条至第五条, 第三、四条) yield only the articles
    # written with 第…条, so 第四条 is missed in both.
    found: list[ClauseReference] = []
    for match in _ZH_REFERENCE.finditer(text):
        if _points_elsewhere(text, match.start(), match.end()):
            continue
        main = match["main"] or match["dotted"]
        if "." in main:
            path: list[tuple[str, str]] = [("dotted", main)]
        else:
            value = numeral_value(main)
            if not value:
                continue
            path = [(match["unit"], str(value))]
        for part in _ZH_PART.finditer(match["parts"]):
            value = numeral_value(part["n"])
            if value:
                path.append((part["unit"], str(value)))
        found.append(ClauseReference(match.group(0).strip(), tuple(path), match.start(), match.end()))

    for match in _EN_REFERENCE.finditer(text):
        if _points_elsewhere(text, match.start(), match.end()):
            continue
        is_article = match["word"].lower().startswith("article")
        for item in _EN_ITEM_PARTS.finditer(match["items"]):
            raw = item["n"]
            value = int(raw) if raw.isdigit() else None
            if is_article:
                value = value or roman_value(raw)
                if not value:
                    continue
                path = [("条", str(value))]
            elif raw[0].isdigit():
                path = [("dotted", raw)]
            else:
                continue  # "Section IV" has no Arabic number to look up, so it is skipped
            path.extend(("item", sub.lower()) for sub in _EN_SUB.findall(item["subs"]))
            start = match.start() if item.start() == 0 else match.start("items") + item.start()
            printed = f"{match['word']} {item.group(0).strip()}" if item.start() == 0 else item.group(0).strip()
            found.append(ClauseReference(printed, tuple(path), start, match.start("items") + item.end()))

    for match in _ANNEX_REFERENCE.finditer(text):
        raw = match["n"] or match["zh"]
        found.append(ClauseReference(match.group(0).strip(), (("annex", _annex_label(raw)),), match.start(), match.end()))
    return sorted(found, key=lambda reference: reference.start)


def _points_elsewhere(text: str, start: int, end: int) -> bool:
    return bool(_NOT_THE_CONTRACT_BEFORE.search(text[max(0, start - 8):start])
                or _NOT_THE_CONTRACT_AFTER.match(text[end:end + 60]))


def classify_action(text: str, reference: ClauseReference) -> str | None:
    """Return replace, add or delete from the wording of the sentence that contains `reference`, or None.

    The first cue after the reference counts (第四条约定的交货时间变更为…, Section 3 is deleted),
    else the last one before it (删除原合同第五条, Delete Section 3).
    """
    cue = _action_cue(text, reference)
    return _cue_action(cue) if cue else None


def _action_cue(text: str, reference: ClauseReference) -> re.Match[str] | None:
    sentence_start = 0
    for end in _SENTENCE_END.finditer(text, 0, reference.start):
        sentence_start = end.end()
    after = _SENTENCE_END.search(text, reference.end)
    sentence_end = after.start() if after else len(text)
    following = _ACTION_CUES.search(text, reference.end, sentence_end)
    if following:
        return following
    preceding = list(_ACTION_CUES.finditer(text, sentence_start, reference.start))
    return preceding[-1] if preceding else None


def replacement_text(text: str, reference: ClauseReference) -> str | None:
    """Return the new wording that an amendment clause gives the referenced clause, or None.

    The wording follows the replacing cue after the reference and a colon or an opening quotation
    mark (修改为：…, amended to read as follows: “…”). Quoted wording ends at its closing mark,
    and other wording at the end of the amendment clause. A cue without either (变更为2024年7月31日前)
    changes a value inside the clause, so it has no wording of its own.
    """
    span = _replacement_span(text, reference)
    if span is None:
        return None
    wording = text[span[0]:span[1]].strip()
    return wording if len(wording) >= MIN_REPLACEMENT_CHARS else None


def _replacement_span(text: str, reference: ClauseReference) -> tuple[int, int, bool] | None:
    """Return the start and end of the new wording for `reference`, and whether it is quoted."""
    cue = _action_cue(text, reference)
    if cue is None or not cue["replace"] or cue.start() < reference.end:
        return None
    lead = _REPLACEMENT_LEAD.match(text, cue.end())
    start = lead.end() if lead else cue.end()
    closing = _QUOTES.get(text[start:start + 1])
    if closing is not None:
        end = text.find(closing, start + 1)
        return start + 1, end if end > 0 else len(text), True
    if lead is None or not any(colon in lead.group(0) for colon in ":："):
        return None
    return start, len(text), False


def _cue_action(match: re.Match[str]) -> str:
    if match["replace"]:
        return REPLACE_ACTION
    return DELETE_ACTION if match["delete"] else ADD_ACTION


class _ContractIndex:
    """The contract's clauses by number, with each clause's children, for resolving references."""

    def __init__(self, clauses: Sequence[ClauseText]) -> None:
        self.clauses = [clause for clause in clauses if clause.role == "clause"]
        self.labels = {clause.id: read_number(clause.number) for clause in self.clauses}
        self.children: dict[int | None, list[ClauseText]] = {}
        for clause in self.clauses:
            self.children.setdefault(clause.parent_id, []).append(clause)

    def resolve(self, path: Sequence[tuple[str, str]]) -> ClauseText | None:
        """Return the deepest contract clause that `path` names, or None when its first part names none."""
        unit, label = path[0]
        current = self._first_part(unit, label)
        if current is None:
            return None
        for unit, label in path[1:]:
            children = self.children.get(current.id, [])
            child = next((c for c in children if self._child_matches(c, label)), None)
            if child is None:
                # A 款 is often an unnumbered paragraph inside its article: the article is the target.
                break
            current = child
        return current

    def _first_part(self, unit: str, label: str) -> ClauseText | None:
        if unit == "annex":
            return self._find(lambda number: number.kind == "annex" and number.label == label)
        if unit == "dotted":
            values = tuple(int(part) for part in label.split("."))
            exact = self._find(lambda number: number.kind == "dotted" and number.values == values)
            if exact is not None or len(values) == 1:
                return exact or self._top_level(values[0])
            # No clause is numbered 3.2, so look for the top clause 3 and then its child numbered 2.
            return self.resolve([("dotted", str(values[0])), *(("item", str(v)) for v in values[1:])])
        value = int(label)
        found = self._find(lambda number: number.kind == unit and number.values == (value,))
        if found is None and unit == "条":
            # 第三条 in an amendment to a contract whose top clauses read 三、 or 3.
            found = self._top_level(value)
        return found

    def _find(self, test: Any) -> ClauseText | None:
        for clause in self.clauses:
            number = self.labels[clause.id]
            if number is not None and test(number):
                return clause
        return None

    def _top_level(self, value: int) -> ClauseText | None:
        for clause in self.children.get(None, []):
            number = self.labels[clause.id]
            if number is not None and number.kind in ("条", "dotted", "item") and number.values == (value,):
                return clause
        return None

    def _child_matches(self, child: ClauseText, label: str) -> bool:
        number = self.labels[child.id]
        if number is None:
            return False
        if label.isdigit():
            return number.values[-1] == int(label)
        return number.label == label


def amendment_targets(contract_clauses: Sequence[ClauseText], amendment: ClauseText) -> list[AmendmentTarget]:
    """Return the contract clauses an amendment clause refers to, with the change its wording names."""
    return _targets(_ContractIndex(contract_clauses), amendment)


def _targets(index: _ContractIndex, amendment: ClauseText) -> list[AmendmentTarget]:
    targets = []
    quoted_until = -1
    for reference in find_references(amendment.text):
        if reference.start < quoted_until:
            continue  # 第三条 inside the new wording that a replacement quotes changes nothing itself
        clause = index.resolve(reference.path)
        targets.append(AmendmentTarget(reference, clause, classify_action(amendment.text, reference)))
        span = _replacement_span(amendment.text, reference)
        # NOTE: unquoted new wording (修改为：乙方应按第三条…) has no visible end, so the references
        # inside it still count as references of the amendment clause.
        if span is not None and span[2]:
            quoted_until = max(quoted_until, span[1])
    return targets


def compare_amendment(
    contract_clauses: Iterable[ClauseText], amendment_clauses: Iterable[ClauseText]
) -> list[AmendmentRow]:
    """Show each contract clause beside the amendment clauses that change it, in contract order.

    Contract clauses no amendment clause refers to come as unchanged rows. Amendment clauses that
    name no clause of the contract (a new clause, general terms) follow at the end as added rows.
    Only numbered amendment clauses are read, because the preamble's recitals cite the contract
    without changing it.
    """
    contract = list(contract_clauses)
    index = _ContractIndex(contract)
    by_contract_clause: dict[int, list[tuple[ClauseText, AmendmentTarget]]] = {}
    unattached: list[tuple[ClauseText, list[AmendmentTarget]]] = []
    for amendment in amendment_clauses:
        if amendment.role != "clause":
            continue
        targets = _targets(index, amendment)
        # An amendment clause that names the same contract clause twice is shown beside it once.
        resolved = list({(t.clause.id, t.action): t for t in targets if t.clause is not None}.values())
        for target in resolved:
            by_contract_clause.setdefault(target.clause.id, []).append((amendment, target))  # type: ignore[union-attr]
        if not resolved:
            unattached.append((amendment, targets))

    rows = []
    for clause in contract:
        changes = by_contract_clause.get(clause.id)
        if not changes:
            rows.append(AmendmentRow(UNCHANGED, clause, (), (), ()))
            continue
        amendments = tuple(dict.fromkeys(amendment for amendment, _ in changes))
        targets = tuple(target for _, target in changes)
        actions = tuple(dict.fromkeys(t.action for t in targets if t.action is not None))
        segments = _replacement_diff(clause, changes)
        rows.append(AmendmentRow(_amended_state(actions), clause, amendments, targets, actions, segments))
    for amendment, targets in unattached:
        actions = tuple(dict.fromkeys(t.action for t in targets if t.action is not None))
        rows.append(AmendmentRow(ADDED, None, (amendment,), tuple(targets), actions))
    return rows


def _replacement_diff(clause: ClauseText, changes: list[tuple[ClauseText, AmendmentTarget]]) -> tuple[Segment, ...]:
    """Return the diff of a contract clause against the new wording of the one amendment clause that replaces it."""
    replacements = [(amendment, target) for amendment, target in changes if target.action == REPLACE_ACTION]
    if len(replacements) != 1:
        return ()
    amendment, target = replacements[0]
    wording = replacement_text(amendment.text, target.reference)
    if wording is None:
        return ()
    body = clause.body
    # The new wording usually restates the number and heading; compare it from the same point.
    wording = strip_number(wording, clause.number)
    if not _similar(body, wording, REPLACEMENT_DIFF_MIN_RATIO):
        return ()
    return diff_segments(body, wording)


def _amended_state(actions: Sequence[str]) -> str:
    """Return the row state of a contract clause that the amendment changes, the strongest action first."""
    for action, state in _ACTIONS_BY_STATE:
        if action in actions:
            return state
    return CHANGED
