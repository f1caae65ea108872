"""Clause segmentation: split a parsed document into preamble, numbered clauses and signature.

A line starts a clause only when its number reads as a clause number and follows
the previous number of the same style in sequence. Table rows, table-of-contents
entries, page furniture and wrapped continuations of a sentence never start one. Nesting comes from a stack of numbering styles: fixed ranks for
第X章 > 第X条 / Article, depth for dotted numbers, and for the other list styles
the order in which the document first uses them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.numbering import (
    FULLWIDTH_TO_ASCII,
    STRONG_STYLE_RANKS,
    NumberMatch,
    match_numbers,
)
from ingest.parsed import BBox, Block, ParsedDocument
from ingest.structure import ROLE_CLAUSE, ROLE_PREAMBLE, ROLE_SIGNATURE, Clause

# A number may skip this many values (a line lost to extraction) and still follow its sibling.
MAX_NUMBER_GAP = 2
# Characters that, right after a dotted number, show it is a quantity (1.5倍, 2.5万) and not a clause.
QUANTITY_SUFFIXES = "年月日号个%％元万倍份次天周时分秒岁"

# Styles whose number, followed by a lower-case word, reads as a wrapped sentence or reference.
LOWERCASE_SENSITIVE_STYLES = ("dotted", "en_section", "en_article", "arabic_dun")

_TOC_TITLE = re.compile(r"^\s*(目\s*录|TABLE OF CONTENTS|Table of Contents|CONTENTS)\s*$")
_TOC_LEADER = re.compile(r"(\.{3,}|…+|·{3,}|-{3,}|_{3,})\s*\d{1,4}\s*$")
_TOC_PAGE_SUFFIX = re.compile(r"\S\s+\d{1,4}\s*$")
_FURNITURE = (
    re.compile(r"^[\s\-–—]*\d{1,4}[\s\-–—]*$"),
    re.compile(r"^第\s*\d+\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?$"),
    re.compile(r"^\d+\s*/\s*\d+$"),
    re.compile(r"(^|\s)Page\s+\d+(\s+of\s+\d+)?\s*$", re.IGNORECASE),
)

_PARTY_ROLE_WORDS = (
    "甲方|乙方|丙方|丁方|买方|卖方|买受人|出卖人|发包人|承包人|出租方|出租人|承租方|承租人|"
    "委托方|委托人|受托方|受托人|供方|需方|供货方|采购方|许可方|被许可方|法定代表人|授权代表|"
    "委托代理人|负责人|代表"
)
_SIGNATURE_STRONG = re.compile(
    r"(以下无正文|本页无正文|以下为签[字章]页|签[字章署]页|IN WITNESS WHEREOF|In Witness Whereof|"
    r"SIGNATURE PAGE|Signature Page)"
)
_SIGNATURE_SEAL = re.compile(
    rf"^\s*(?:{_PARTY_ROLE_WORDS}|Party\s+[A-C])[^。；;]{{0,24}}?(?:盖章|签章|签字|签名|公章|签署)"
)
_SIGNATURE_BY = re.compile(r"^\s*(?:By|BY)\s*:")
_SIGNATURE_NAME = re.compile(r"^\s*(?:Name|NAME|Title|TITLE|Its)\s*:")
# Lines checked after a "By:" line for the "Name:"/"Title:" that confirm a signature block.
SIGNATURE_BY_LOOKAHEAD = 3
MAX_SIGNATURE_LINE_CHARS = 60

_ANNEX = re.compile(
    r"^\s*(?P<n>(?:附件|附表|附录)\s*[0-9一二三四五六七八九十]{0,3}"
    r"|(?:EXHIBIT|Exhibit|SCHEDULE|Schedule|APPENDIX|Appendix|ANNEX|Annex)\s+[A-Z0-9]{1,3}\b)"
    r"\s*[:：.、]?\s*(?P<rest>.{0,60})$"
)


@dataclass(slots=True)
class _Line:
    """A block with the facts segmentation needs about it."""

    block: Block
    text: str
    is_furniture: bool = False
    is_toc: bool = False
    is_continuation: bool = False
    is_full: bool = False


@dataclass(slots=True)
class _Entry:
    """An open clause on the nesting stack."""

    key: tuple[str, int]
    values: tuple[int, ...]
    unit: int


@dataclass(slots=True)
class _Unit:
    """A clause being built: its first line, number and the lines it owns."""

    role: str
    number: str | None
    level: int
    parent: int | None
    lines: list[_Line] = field(default_factory=list)
    rest_start: int = 0


@dataclass(slots=True)
class _State:
    """Numbering state while walking the lines."""

    stack: list[_Entry] = field(default_factory=list)
    # Last value of each fixed-rank style in the whole document: 第X条 counts across chapters.
    strong_last: dict[str, int] = field(default_factory=dict)
    # Rank of each list style in the order the document first uses it.
    learned_rank: dict[tuple[str, int], int] = field(default_factory=dict)


def segment(doc: ParsedDocument) -> list[Clause]:
    """Split a parsed document into preamble, nested numbered clauses and signature block."""
    lines = _prepare_lines(doc)
    units: list[_Unit] = []
    state = _State()
    in_signature = False

    for index, line in enumerate(lines):
        if line.is_furniture:
            continue
        seen_clause = any(unit.role == ROLE_CLAUSE for unit in units)

        if in_signature:
            annex = _ANNEX.match(line.text) if not line.block.cells else None
            if annex:
                state = _State()
                in_signature = False
                unit = _Unit(ROLE_CLAUSE, annex.group("n").strip(), 0, None)
                unit.rest_start = annex.start("rest")
                unit.lines.append(line)
                units.append(unit)
                state.stack.append(_Entry(("annex", 0), (1,), len(units) - 1))
                continue
            units[-1].lines.append(line)
            continue

        # NOTE: signature markers count only after the first clause, and annex headings only
        # after a signature block, so an annex with no signature before it stays in the last clause.
        if seen_clause and _starts_signature(lines, index):
            units.append(_Unit(ROLE_SIGNATURE, None, 0, None, [line]))
            in_signature = True
            continue

        placed = _place_clause(line, state, len(units))
        if placed is not None:
            match, level, parent_unit = placed
            # The match ran on ASCII-folded text of the same length; print the original.
            printed = line.text[match.start : match.end]
            unit = _Unit(ROLE_CLAUSE, printed, level, parent_unit, [line])
            unit.rest_start = match.rest_start
            units.append(unit)
            continue

        if not units:
            units.append(_Unit(ROLE_PREAMBLE, None, 0, None))
        units[-1].lines.append(line)

    return _build_clauses(units)


def _prepare_lines(doc: ParsedDocument) -> list[_Line]:
    is_pdf = any(block.page is not None and block.bbox is not None for block in doc.blocks)
    text_edges = page_text_edges(doc.blocks) if is_pdf else {}
    lines: list[_Line] = []
    in_toc = False
    previous: _Line | None = None

    for block in doc.blocks:
        text = block.text.strip()
        if not text:
            continue
        line = _Line(block, text)
        if is_pdf and any(pattern.search(text) for pattern in _FURNITURE):
            line.is_furniture = True
            lines.append(line)
            continue

        if _TOC_TITLE.match(text):
            in_toc = True
            line.is_toc = True
        elif in_toc:
            in_toc = bool(_TOC_PAGE_SUFFIX.search(text) or _TOC_LEADER.search(text))
            line.is_toc = in_toc
        else:
            line.is_toc = bool(_TOC_LEADER.search(text))

        if is_pdf:
            line.is_full = line_is_full(block, text_edges)
            line.is_continuation = previous is not None and _continues(previous)
        lines.append(line)
        previous = line
    return lines


# A line ending with one of these closes its sentence, so the next line may start a clause.
_SENTENCE_END = "。；;：:！!？?.）)」』”\"】"


def _continues(previous: _Line) -> bool:
    """Return whether the line after `previous` is the wrapped continuation of its sentence."""
    if previous.block.cells or previous.is_toc:
        return False
    return previous.is_full and not previous.text.endswith(tuple(_SENTENCE_END))


def _starts_signature(lines: list[_Line], index: int) -> bool:
    line = lines[index]
    text = line.text
    if line.block.cells or line.is_toc:
        return False
    if _SIGNATURE_STRONG.search(text) and len(text) <= MAX_SIGNATURE_LINE_CHARS * 2:
        return True
    if len(text) > MAX_SIGNATURE_LINE_CHARS or text.endswith("。"):
        return False
    if _SIGNATURE_SEAL.match(text):
        return True
    if _SIGNATURE_BY.match(text):
        following = lines[index + 1 : index + 1 + SIGNATURE_BY_LOOKAHEAD]
        return any(_SIGNATURE_NAME.match(other.text) for other in following)
    return False


def _place_clause(line: _Line, state: _State, unit_index: int) -> tuple[NumberMatch, int, int | None] | None:
    """Accept `line` as a clause start, push it on the stack and return (match, level, parent)."""
    if line.block.cells or line.is_toc:
        return None
    text = line.text.translate(FULLWIDTH_TO_ASCII)
    for match in match_numbers(text):
        if not _plausible_rest(match, text):
            continue
        placement = _fit(match, state, strict=line.is_continuation)
        if placement is None:
            continue
        depth, key = placement
        del state.stack[depth:]
        parent = state.stack[-1].unit if state.stack else None
        state.stack.append(_Entry(key, match.values, unit_index))
        if match.style in STRONG_STYLE_RANKS:
            state.strong_last[match.style] = match.value
        elif key not in state.learned_rank:
            state.learned_rank[key] = len(state.learned_rank)
        return match, depth, parent
    return None


def _plausible_rest(match: NumberMatch, text: str) -> bool:
    rest = text[match.rest_start :].strip()
    if not rest:
        return True
    first = rest[0]
    if first in ")）]】,，;；":
        return False
    if match.style == "dotted" and text[match.end : match.end + 1] in tuple(QUANTITY_SUFFIXES):
        # 1.5倍 or 2.5万 is a quantity, not clause 1.5.
        return False
    single_number = match.style != "dotted" or len(match.values) == 1
    if single_number and match.style in LOWERCASE_SENSITIVE_STYLES and first.islower():
        # "1. the" or "Section 2.3 of" is a wrapped sentence or a cross-reference.
        return False
    return True


def _style_key(match: NumberMatch) -> tuple[str, int]:
    if match.style in ("dotted", "en_section"):
        return ("dotted", len(match.values))
    return (match.style, 0)


def _follows(previous: tuple[int, ...], current: tuple[int, ...], *, strict: bool) -> bool:
    """Return whether `current` continues the numbering after its sibling `previous`.

    Up to MAX_NUMBER_GAP numbers may be missing, unless `strict`. A dotted number
    may also open the next parent's list when that parent has no line of its own
    (1.5 followed by 2.1).
    """
    gap = 0 if strict else MAX_NUMBER_GAP
    if current[:-1] == previous[:-1]:
        return previous[-1] < current[-1] <= previous[-1] + 1 + gap
    if len(current) < 2 or len(current) != len(previous) or current[-1] != 1:
        return False
    return current[:-2] == previous[:-2] and previous[-2] < current[-2] <= previous[-2] + 1 + gap


def _fit(match: NumberMatch, state: _State, *, strict: bool) -> tuple[int, tuple[str, int]] | None:
    """Return (stack depth for the new entry, style key) when the number fits, else None.

    `strict` is set for a line that may continue the previous line's sentence: it
    then starts a clause only as the exact next sibling or the first dotted child.
    """
    stack = state.stack
    key = _style_key(match)
    keys = [entry.key for entry in stack]

    if match.style in STRONG_STYLE_RANKS:
        last = state.strong_last.get(match.style)
        if last is None and strict:
            return None
        restart = match.value == 1 and not strict
        if last is not None and not restart and not _follows((last,), match.values, strict=strict):
            return None
        rank = STRONG_STYLE_RANKS[match.style]
        depth = len(stack)
        while depth > 0:
            top_style = stack[depth - 1].key[0]
            if top_style in STRONG_STYLE_RANKS and STRONG_STYLE_RANKS[top_style] < rank:
                break
            if top_style == "annex":
                break
            depth -= 1
        return depth, key

    if key in keys:
        # The same style may be open at several depths (a list nested in a list item);
        # the deepest one it continues is its sibling.
        for depth in range(len(stack) - 1, -1, -1):
            if keys[depth] == key and _follows(stack[depth].values, match.values, strict=strict):
                return depth, key
        if match.value != 1 or strict:
            return None
        deepest = len(keys) - 1 - keys[::-1].index(key)
        if deepest == len(stack) - 1:
            # A second list of the same style right after the first one.
            return deepest, key
        # A new list inside the current clause, in a style used above it.
        return len(stack), key

    if key[0] == "dotted" and ("dotted", key[1] - 1) in keys:
        parent_depth = len(keys) - 1 - keys[::-1].index(("dotted", key[1] - 1))
        limit = 1 if strict else 1 + MAX_NUMBER_GAP
        if match.values[:-1] != stack[parent_depth].values or match.value > limit:
            return None
        return parent_depth + 1, key

    if match.value != 1 or strict:
        return None
    # A style seen before ranks where it was first seen: close deeper list styles.
    rank = state.learned_rank.get(key)
    depth = len(stack)
    if rank is not None:
        while depth > 0:
            top_rank = state.learned_rank.get(stack[depth - 1].key)
            if top_rank is None or top_rank < rank:
                break
            depth -= 1
    return depth, key


def _build_clauses(units: list[_Unit]) -> list[Clause]:
    clauses: list[Clause] = []
    ordinal_of: dict[int, int] = {}
    for index, unit in enumerate(units):
        body = [line for line in unit.lines if not line.is_furniture]
        if not body:
            continue
        ordinal = len(clauses)
        ordinal_of[index] = ordinal
        blocks = [line.block for line in body]
        heading = None
        if unit.role == ROLE_CLAUSE:
            heading = heading_from(body, unit.rest_start)
        pages = [block.page for block in blocks if block.page is not None]
        paragraphs = [b.paragraph_index for b in blocks if b.paragraph_index is not None]
        clauses.append(
            Clause(
                ordinal=ordinal,
                role=unit.role,
                number=unit.number,
                heading=heading,
                text=join_lines(body),
                level=unit.level,
                parent=ordinal_of.get(unit.parent) if unit.parent is not None else None,
                page_start=min(pages) if pages else None,
                page_end=max(pages) if pages else None,
                boxes=_page_boxes(blocks),
                paragraph_start=min(paragraphs) if paragraphs else None,
                paragraph_end=max(paragraphs) if paragraphs else None,
                table_rows=tuple(block.cells for block in blocks if block.cells is not None),
            )
        )
    return clauses


def _page_boxes(blocks: list[Block]) -> tuple[tuple[int, BBox], ...]:
    boxes: dict[int, BBox] = {}
    for block in blocks:
        if block.page is None or block.bbox is None:
            continue
        current = boxes.get(block.page)
        boxes[block.page] = block.bbox if current is None else current.union(block.bbox)
    return tuple(sorted(boxes.items()))


# A PDF line ending this close to the page's text edge (in points, or in character
# widths when the font size is known) is treated as wrapped, not as a paragraph end.
FULL_LINE_TOLERANCE_PT = 14.0
FULL_LINE_TOLERANCE_CHARS = 1.6
# Lines shorter than this do not count when finding a page's text edges.
MIN_EDGE_LINE_CHARS = 12
MIN_EDGE_LINES = 6
# A wrapped line covers at least this share of the text width; short right-aligned lines do not.
FULL_LINE_MIN_WIDTH = 0.7
# A heading is at most this many CJK characters or Latin words.
MAX_HEADING_CHARS = 24
MAX_HEADING_WORDS = 10

_CJK_CHAR = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_LATIN_HEADING = re.compile(r"^(?P<h>[A-Z][^.;:!?]{0,100}?)[.:](?:\s|$)")
_HEADING_SMALL_WORDS = frozenset(
    "a an and as at by for from in of on or the to with without under upon".split()
)


def page_text_edges(blocks: tuple[Block, ...]) -> dict[int, tuple[float, float]]:
    """Return each page's left and right text edges from the x0 and x1 of its longer lines."""
    per_page: dict[int, list[BBox]] = {}
    for block in blocks:
        if block.page is None or block.bbox is None or len(block.text.strip()) < MIN_EDGE_LINE_CHARS:
            continue
        per_page.setdefault(block.page, []).append(block.bbox)

    def edges_of(boxes: list[BBox]) -> tuple[float, float]:
        lefts = sorted(box.x0 for box in boxes)
        rights = sorted(box.x1 for box in boxes)
        return lefts[int(0.1 * (len(lefts) - 1))], rights[int(0.9 * (len(rights) - 1))]

    every_box = [box for boxes in per_page.values() for box in boxes]
    if not every_box:
        return {}
    document_edges = edges_of(every_box)
    # A page with few long lines (a cover page) uses the whole document's edges.
    return {
        page: edges_of(boxes) if len(boxes) >= MIN_EDGE_LINES else document_edges
        for page, boxes in per_page.items()
    }


def line_is_full(block: Block, edges: dict[int, tuple[float, float]]) -> bool:
    """Return whether a PDF line spans its page's text width, so it probably wraps into the next."""
    if block.page is None or block.bbox is None or block.page not in edges:
        return False
    left, right = edges[block.page]
    tolerance = FULL_LINE_TOLERANCE_PT
    if block.font_size:
        tolerance = max(tolerance, FULL_LINE_TOLERANCE_CHARS * block.font_size)
    reaches_right = block.bbox.x1 >= right - tolerance
    wide = block.bbox.x1 - block.bbox.x0 >= FULL_LINE_MIN_WIDTH * (right - left)
    return reaches_right and wide


def join_lines(lines: list[_Line]) -> str:
    """Join a unit's lines: PDF lines of one paragraph without a break, paragraphs with a newline."""
    parts: list[str] = []
    for index, line in enumerate(lines):
        text = line.text
        if index == 0:
            parts.append(text)
            continue
        previous = lines[index - 1]
        is_pdf_line = line.block.page is not None and line.block.bbox is not None
        if not is_pdf_line or not previous.is_full or previous.block.cells or line.block.cells:
            parts.append("\n" + text)
            continue
        before = parts[-1]
        if before.endswith("-") and len(before) > 1 and before[-2].isalpha() and text[:1].islower():
            # A word broken at the line end with a hyphen.
            parts[-1] = before[:-1]
            parts.append(text)
        elif _CJK_CHAR.match(before[-1]) or _CJK_CHAR.match(text[0]):
            parts.append(text)
        else:
            parts.append(" " + text)
    return "".join(parts)


def heading_from(lines: list[_Line], rest_start: int) -> str | None:
    """Return the short heading after a clause number, or None when the number line is body text."""
    first = lines[0]
    rest = first.text[rest_start:].strip()
    if not rest and len(lines) > 1 and not lines[1].block.cells:
        # The number is alone on its line (ARTICLE I, 第一条) and the heading follows.
        candidate = lines[1].text.strip()
        if _is_cjk_heading(candidate) or _is_latin_heading(candidate):
            return candidate.rstrip(":：")
        return None
    if not rest:
        return None
    if _CJK_CHAR.search(rest[:4]):
        if first.is_full:
            return None
        candidate = rest.rstrip(":：").strip()
        return candidate if _is_cjk_heading(candidate) else None
    found = _LATIN_HEADING.match(rest)
    if found and _is_latin_heading(found.group("h")):
        return found.group("h").strip()
    if not first.is_full and _is_latin_heading(rest):
        return rest
    return None


def _is_cjk_heading(text: str) -> bool:
    if not text or len(text) > MAX_HEADING_CHARS or text.endswith("如下"):
        # "…如下" introduces a list; it is a sentence, not a heading.
        return False
    return not any(mark in text for mark in "。；;，,、")


def _is_latin_heading(text: str) -> bool:
    words = text.split()
    if not words or len(words) > MAX_HEADING_WORDS:
        return False
    for word in words:
        letters = word.strip("()\"'“”‘’,-–—&/")
        if not letters or letters.lower() in _HEADING_SMALL_WORDS:
            continue
        if not (letters[0].isupper() or letters[0].isdigit()):
            return False
    return True
