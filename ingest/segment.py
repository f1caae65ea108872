"""Clause segmentation: split a parsed document into preamble, numbered clauses and signature.

A table of contents becomes a unit of its own, and the clauses after it number afresh. A
centred or standalone title naming a contract after numbered text (a model text's notes, then
the contract) opens a new preamble with fresh numbering, as a new document would.

A line starts a clause only when its number reads as a clause number and follows
the previous number of the same style in sequence. Table rows, table-of-contents
entries, page furniture and wrapped continuations of a sentence never start one. Nesting comes from a stack of numbering styles: fixed ranks for
第X章 > 第X条 / Article, depth for dotted numbers, and for the other list styles
the order in which the document first uses them.

Replacement text that an amending clause quotes after a colon ("amended to read: “4. …”")
belongs to that clause, so the numbers inside the quotation start no clause.

A signature block may sit in the middle of a document (a 协议书 signed before its
通用条款, a signature page before the exhibits). It ends where numbered text resumes
and never grows beyond a short span, and the text after it is segmented afresh.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice

from ingest.normalize import join_wrapped
from ingest.numbering import (
    FULLWIDTH_TO_ASCII,
    STRONG_STYLE_RANKS,
    NumberMatch,
    match_numbers,
)
from ingest.parsed import BBox, Block, ParsedDocument
from ingest.structure import ROLE_CLAUSE, ROLE_PREAMBLE, ROLE_SIGNATURE, ROLE_TOC, Clause

# A number may skip this many values (a line lost to extraction) and still follow its sibling.
MAX_NUMBER_GAP = 2
# Lines searched after a first clause numbered 2 or 3 (its predecessor lost) for the number that confirms it.
LATE_START_LOOKAHEAD = 60
# Characters that, right after a dotted number, show it is a quantity (1.5倍, 2.5万) and not a clause.
QUANTITY_SUFFIXES = "年月日号个%％元万倍份次天周时分秒岁"

# Letter styles whose letters i, v and x also read as a Roman numeral of the paired style.
ROMAN_STYLE_OF_LETTER_STYLE = {"latin_dot": "roman_dot", "latin_paren": "roman_paren", "latin_upper_dot": "outline"}

# Rest of a numbered blank line whose fill-in space the text lost: only a closing mark.
_BLANK_ITEM_REST = re.compile(r"[_\s]*[;；。.]")
# One Latin letter glued to a number and followed by punctuation or a space: the tail of 1.C.
_LETTER_REFERENCE = re.compile(r"[A-Za-z](?![A-Za-z])")

# Styles whose number, followed by a lower-case word, reads as a wrapped sentence or reference.
LOWERCASE_SENSITIVE_STYLES = ("dotted", "en_section", "en_article", "arabic_dun", "outline")

_TOC_TITLE = re.compile(r"^\s*(目\s*录|TABLE OF CONTENTS|Table of Contents|CONTENTS)\s*$")
_TOC_LEADER = re.compile(r"(\.{3,}|…+|·{3,}|-{3,}|_{3,})\s*\d{1,4}\s*$")
_TOC_PAGE_SUFFIX = re.compile(r"\S\s+\d{1,4}\s*$")
# A dot leader whose page number the text layer lost; underscores are left out because form
# fields end in them.
_TOC_OPEN_LEADER = re.compile(r"(\.{6,}|…{3,}|·{6,})\s*$")
# Word names the paragraph styles of generated contents entries "toc 1", "toc 2", ... Its style
# "TOC Heading" is left out, because authors also give it to headings in the body.
_TOC_ENTRY_STYLE = re.compile(r"^toc \d+$", re.IGNORECASE)
MIN_TITLED_TOC_ENTRIES = 1
# Without a title, this many leader entries in a row make a table of contents.
MIN_UNTITLED_TOC_ENTRIES = 3
# A contents line without a page number and followed by an entry is a wrapped heading when it
# is at most this long.
MAX_TOC_WRAPPED_CHARS = 40
_FURNITURE = (
    re.compile(r"^[\s\-–—]*\d{1,4}[\s\-–—]*$"),
    re.compile(r"^第\s*(?:\d+|[〇零一二两三四五六七八九十百]{1,6})\s*页(\s*[,，/]?\s*共\s*(?:\d+|[〇零一二两三四五六七八九十百]{1,6})\s*页)?$"),
    re.compile(r"^\d+\s*/\s*\d+$"),
    re.compile(r"(^|\s)Page\s+\d+(\s+of\s+\d+)?\s*$", re.IGNORECASE),
)

_PARTY_NAMES = (
    "甲方|乙方|丙方|丁方|买方|卖方|买受人|出卖人|发包人|承包人|出租方|出租人|承租方|承租人|"
    "委托方|委托人|受托方|受托人|供方|需方|供货方|采购方|许可方|被许可方"
)
_REPRESENTATIVE_WORDS = "法定代表人|授权代表|签约代表|委托代理人|代理人|负责人|经办人|代表"
_PARTY_ROLE_WORDS = f"{_PARTY_NAMES}|{_REPRESENTATIVE_WORDS}"
_SIGNATURE_STRONG = re.compile(
    r"(以下无正文|本页无正文|以下为签[字章]页|签[字章署]页|签字盖章页|IN WITNESS WHEREOF|In Witness Whereof|"
    r"SIGNATURE PAGE|Signature Page)"
)
_SIGNATURE_SEAL = re.compile(
    rf"^\s*(?:{_PARTY_ROLE_WORDS}|Party\s+[A-C])[^。；;]{{0,24}}?(?:盖章|签章|签字|签名|公章|签署)"
)
_SIGNATURE_BY = re.compile(r"^\s*(?:By|BY)\s*:")
_SIGNATURE_NAME = re.compile(r"^\s*(?:Name|NAME|Title|TITLE|Its)\s*:")
# Lines checked after a "By:" line for the "Name:"/"Title:" that confirm a signature block.
SIGNATURE_BY_LOOKAHEAD = 3

# The short labelled lines of a Chinese signature block, one pattern per kind of line:
# 甲方单位名称：…, （盖公章）, 授权代表：…, 签署日期：….
_SIGNATURE_LABELS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("party", re.compile(
        rf"^\s*(?:{_PARTY_NAMES})\s*(?:单位名称|单位|名称|全称)?\s*(?:[(（][^)）]{{0,10}}[)）])?\s*[:：]"
    )),
    ("seal", re.compile(r"^\s*[(（]?\s*(?:加盖|盖)?(?:公章|合同专用章|盖章|签章|签字|签名)")),
    ("representative", re.compile(r"^\s*(?:法定代表人|授权代表|签约代表|委托代理人|代理人|负责人|经办人)")),
    ("date", re.compile(r"^\s*(?:(?:签署|签订|签约|签字|签章)?日期|(?:签署|签订|签约|签字|签章)时间)\s*[:：]")),
)
_SIGNATURE_OPENING_KINDS = frozenset({"party", "seal", "representative"})
# Only a seal or a date line distinguishes a signature block from a list of contacts.
_SIGNATURE_PROOF_KINDS = frozenset({"seal", "date"})
# Lines searched from a party line for the labels that make it a signature block.
SIGNATURE_BLOCK_LOOKAHEAD = 8
MIN_SIGNATURE_BLOCK_LABELS = 3
MAX_SIGNATURE_LINE_CHARS = 60
# A signature block ends after this many lines, or at the end of the page after the one it
# starts on. The longest block measured in 30 sample contracts has 19 lines (two parties'
# seal, representative, address, bank and date lines).
MAX_SIGNATURE_LINES = 24
MAX_SIGNATURE_PAGES = 2

# A sub-annex or compound label (EXHIBIT 1.A, Schedule 2.1, Exhibit AA-1, 附件2-1) is kept
# whole. A point or dash followed by a space ends the label instead.
_ANNEX = re.compile(
    r"^\s*(?P<n>(?:附件|附表|附录)\s*(?:[0-9A-Z]{1,3}|[一二三四五六七八九十]{1,3})?(?:[-.－][0-9A-Z]{1,2}){0,2}"
    r"|(?:EXHIBIT|Exhibit|SCHEDULE|Schedule|APPENDIX|Appendix|ANNEX|Annex|ATTACHMENT|Attachment|"
    r"AMENDMENT|Amendment)\s+[A-Z0-9]{1,3}(?:[-.][A-Z0-9]{1,2}){0,2}\b)"
    r"\s*[:：.、—–-]?\s*(?P<rest>.{0,80})$"
)

# Quotation marks around replacement text that an amending clause introduces. Curly marks
# nest, so a defined term quoted inside the quotation (the “Term”) leaves its depth unchanged.
_OPENING_QUOTE = "“"
_CLOSING_QUOTE = "”"
_STRAIGHT_QUOTE = '"'
_QUOTATION_INTRODUCERS = (":", "：")
# A quotation that does not close within this many lines is treated as a stray mark.
# NOTE: the limit is a guess, and a longer quoted replacement keeps its inner numbers as boundaries.
MAX_QUOTATION_LINES = 200

# A line among the first or last few of a page that recurs on at least this share of the pages
# (and this many) is a running header or footer.
RUNNING_LINES_PER_EDGE = 2
RUNNING_PAGE_SHARE = 0.5
MIN_RUNNING_PAGES = 3

# An unnumbered section heading (PRICING, GOVERNING LAW) is upper-case Latin text of a few words.
_CAPS_HEADING = re.compile(r"^[A-Z][A-Z&,'’/\- ]*[A-Z]$")
MIN_CAPS_HEADING_LETTERS = 4
# Unnumbered headings start clauses only when the text before the first numbered clause has this
# many, so a title or a RECITALS line above numbered clauses stays in the preamble.
MIN_UNNUMBERED_HEADINGS = 3
# A PDF heading starts within this many points of the page's left text edge; titles are centred.
HEADING_LEFT_TOLERANCE_PT = 6.0

# A document title names a contract or an agreement, maybe with a note in brackets:
# 浙江省住房租赁合同, 合同补充协议（示范文本）.
# NOTE: English titles (SERVICES AGREEMENT) after numbered text do not open a new document.
_DOCUMENT_TITLE = re.compile(r"(?:合同|合同书|协议|协议书)\s*(?:[(（][^()（）]{1,12}[)）])?$")
# Punctuation that a sentence or a label line has and a title has not.
_NOT_IN_TITLE = re.compile(r"[，,。；;：:！!？?]")
# Words that open a sentence about the contract (本合同…), never a title.
_SENTENCE_OPENERS = ("本", "该", "此", "其")
MAX_TITLE_LINE_CHARS = 30
# A PDF title's centre lies within this many points of the page's centre.
TITLE_CENTRE_TOLERANCE_PT = 24.0


@dataclass(slots=True)
class _Line:
    """A block with the facts segmentation needs about it."""

    block: Block
    text: str
    is_furniture: bool = False
    # Looks like a contents entry, so it never starts a clause.
    is_toc: bool = False
    # Belongs to a table of contents, which becomes a unit of its own.
    in_toc: bool = False
    is_title: bool = False
    is_continuation: bool = False
    is_full: bool = False
    is_caps_heading: bool = False
    # The line before tracked changes were accepted, with paragraphs deleted just before it; None when unchanged.
    original: str | None = None


@dataclass(slots=True)
class _Entry:
    """An open clause on the nesting stack; `unit` is None for a parent implied by a child's number."""

    key: tuple[str, int]
    values: tuple[int, ...]
    unit: int | None
    # The item's first line is body text (a recital), not a heading.
    is_paragraph: bool = False


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
    # Set while the innermost open clause ends with a colon (按下列方式支付：), so a new list
    # nests under it whatever rank its style had before.
    top_introduces_list: bool = False
    # Style key and values of an item number that ends the innermost open clause's last line
    # (2．登记材料：（1）), so the next line's （2） continues that inline list.
    top_tail_number: tuple[tuple[str, int], tuple[int, ...]] | None = None


@dataclass(frozen=True, slots=True)
class _Placement:
    """The place a clause number takes: its stack depth and style key, and a missing parent's number."""

    depth: int
    key: tuple[str, int]
    implied_parent: tuple[int, ...] | None = None


def segment(doc: ParsedDocument) -> list[Clause]:
    """Split a parsed document into preamble, nested numbered clauses and signature blocks."""
    lines = _prepare_lines(doc)
    units = _Walk(lines, use_caps_headings=False).run()
    if _leading_caps_headings(units) >= MIN_UNNUMBERED_HEADINGS:
        # The document names its sections with unnumbered headings before any numbering.
        units = _Walk(lines, use_caps_headings=True).run()
    return _build_clauses(units)


def _leading_caps_headings(units: list[_Unit]) -> int:
    if not units or units[0].role != ROLE_PREAMBLE:
        return 0
    return sum(line.is_caps_heading for line in units[0].lines)


@dataclass(slots=True)
class _Walk:
    """One pass over the lines that groups them into units."""

    lines: list[_Line]
    use_caps_headings: bool
    units: list[_Unit] = field(default_factory=list)
    state: _State = field(default_factory=_State)
    in_signature: bool = False
    seen_clause: bool = False
    seen_numbered_clause: bool = False
    seen_signature: bool = False
    # The open annex's heading line, compared without spaces, dashes and case.
    annex_heading: str | None = None
    # Index of the last line of a quotation that the current clause introduces (replacement
    # text of an amendment), or -1. Lines up to it belong to that clause.
    quotation_end: int = -1

    def run(self) -> list[_Unit]:
        for index, line in enumerate(self.lines):
            if line.is_furniture:
                continue
            if index <= self.quotation_end:
                # "4." inside a quoted replacement section numbers the quoted text, not this document.
                self.units[-1].lines.append(line)
                continue
            if self.in_signature and self._extend_signature(index, line):
                continue
            self._take(index, line)
            if self.units and self.units[-1].role == ROLE_CLAUSE:
                self.quotation_end = _introduced_quotation_end(self.lines, index)
        return self.units

    def _take(self, index: int, line: _Line) -> None:
        if line.in_toc:
            self._add_to_contents(line)
            return
        # Signature markers count only after the first clause. Annex headings count after a
        # signature block or a numbered clause, because a line above the first clause (a
        # filing's "EXHIBIT 10.2" stamp) belongs to the cover, not to an annex.
        if self.seen_clause and _starts_signature(self.lines, index):
            self.units.append(_Unit(ROLE_SIGNATURE, None, 0, None, [line]))
            self.in_signature = self.seen_signature = True
            return
        annex_allowed = self.seen_signature or self.seen_numbered_clause
        if annex_allowed and self._opens_next_annex(index, line):
            return
        opens_document = line.is_title and self._after_numbered_text()
        if opens_document and _follows_sentence_end(self.lines, index):
            self._open_document(line)
            return
        if self._open_clause(index, line, self.state, strict=line.is_continuation):
            return
        if self.use_caps_headings and not self.seen_numbered_clause and line.is_caps_heading:
            self._open_heading(line)
            return
        if not self.units or self.units[-1].role in (ROLE_SIGNATURE, ROLE_TOC):
            # Unnumbered text after a signature block or a table of contents opens a new lead-in.
            self.units.append(_Unit(ROLE_PREAMBLE, None, 0, None))
        self.units[-1].lines.append(line)

    def _add_to_contents(self, line: _Line) -> None:
        if not self.units or self.units[-1].role != ROLE_TOC:
            self.units.append(_Unit(ROLE_TOC, None, 0, None))
            # Clauses after the contents start afresh, never as children of a clause before it.
            self.state = _State()
        self.units[-1].lines.append(line)

    def _after_numbered_text(self) -> bool:
        last = self.units[-1] if self.units else None
        return last is not None and last.role == ROLE_CLAUSE and last.number is not None

    def _open_document(self, line: _Line) -> None:
        """Open a preamble on the title of a document bound into this one, with fresh numbering."""
        self.units.append(_Unit(ROLE_PREAMBLE, None, 0, None, [line]))
        self.state = _State()
        # Signature and annex detection start again, as at the top of a file.
        self.seen_clause = self.seen_numbered_clause = self.seen_signature = False
        self.annex_heading = None

    def _extend_signature(self, index: int, line: _Line) -> bool:
        """Add `line` to the open signature block, or end the block and return False."""
        if self._resume(index, line):
            self.in_signature = False
            return True
        signature = self.units[-1]
        if _signature_has_room(signature, line):
            signature.lines.append(line)
            return True
        self.in_signature = False
        self.state = _State()
        return False

    def _resume(self, index: int, line: _Line) -> bool:
        """Start a clause when `line` continues the numbering or starts a new part after a signature."""
        annex = _ANNEX.match(line.text) if not line.block.cells else None
        if annex:
            self._open_annex(line, annex)
            return True
        if self._open_clause(index, line, self.state, strict=False):
            return True
        fresh = _State()
        # A signature line that only happens to start with a number must not start a clause, so a
        # new part must number from 1 (1., 1.1, 一、) or use a fixed-rank style (第二部分, 第1条).
        if self._open_clause(index, line, fresh, strict=False, new_sequence=True):
            self.state = fresh
            return True
        return False

    def _open_clause(
        self, index: int, line: _Line, state: _State, *, strict: bool, new_sequence: bool = False
    ) -> bool:
        late_start = self._late_start_confirmed(index)
        last_line = self._top_clause_last_line(state)
        state.top_introduces_list = last_line is not None and last_line.endswith((":", "："))
        state.top_tail_number = _tail_number(last_line) if last_line else None
        placed = _place_clause(line, state, len(self.units), strict=strict, late_start=late_start,
                               new_sequence=new_sequence)
        if placed is None:
            return False
        match, level, parent_unit = placed
        # The match ran on ASCII-folded text of the same length; print the original.
        printed = line.text[match.start : match.end]
        unit = _Unit(ROLE_CLAUSE, printed, level, parent_unit, [line])
        unit.rest_start = match.rest_start
        self.units.append(unit)
        self.seen_clause = self.seen_numbered_clause = True
        return True

    def _top_clause_last_line(self, state: _State) -> str | None:
        """Return the last line so far when it belongs to the innermost open clause, else None."""
        if not state.stack or not self.units:
            return None
        last = self.units[-1]
        if state.stack[-1].unit != len(self.units) - 1 or last.role != ROLE_CLAUSE or not last.lines:
            return None
        return last.lines[-1].text

    def _opens_next_annex(self, index: int, line: _Line) -> bool:
        """Open an annex on a heading line that names another annex or part than the open one."""
        annex = _ANNEX.match(line.text) if not (line.block.cells or line.is_toc) else None
        if annex is None or line.is_full or not _annex_stands_alone(self.lines, index):
            # "…shall be set forth in" / "ANNEX I." is a sentence naming an annex.
            return False
        if not _is_annex_title(annex.group("rest").strip()):
            return False
        # A running header repeats the open annex's heading on every page.
        if _annex_key(line.text) == self.annex_heading:
            return False
        self._open_annex(line, annex)
        return True

    def _open_annex(self, line: _Line, annex: re.Match[str]) -> None:
        self.annex_heading = _annex_key(line.text)
        self.state = _State()
        unit = _Unit(ROLE_CLAUSE, annex.group("n").strip(), 0, None)
        unit.rest_start = annex.start("rest")
        unit.lines.append(line)
        self.units.append(unit)
        self.state.stack.append(_Entry(("annex", 0), (1,), len(self.units) - 1))
        self.seen_clause = self.seen_numbered_clause = True

    def _open_heading(self, line: _Line) -> None:
        # Lists under an unnumbered heading nest below it; the next heading closes them.
        self.state.stack.clear()
        self.units.append(_Unit(ROLE_CLAUSE, None, 0, None, [line]))
        self.state.stack.append(_Entry(("heading", 0), (1,), len(self.units) - 1))
        self.seen_clause = True

    def _late_start_confirmed(self, index: int) -> Callable[[NumberMatch], bool]:
        """Return a check that a first number of 2 or 3 is followed by its next sibling soon after."""

        def confirmed(match: NumberMatch) -> bool:
            key = _style_key(match)
            following = self.lines[index + 1 : index + 1 + LATE_START_LOOKAHEAD]
            for other in following:
                if other.is_furniture or other.is_toc or other.block.cells:
                    continue
                text = other.text.translate(FULLWIDTH_TO_ASCII)
                for later in match_numbers(text, auto_numbered=other.block.auto_numbered):
                    if _style_key(later) == key and _follows(match.values, later.values, strict=False):
                        return _plausible_rest(later, text)
            return False

        return confirmed


def _tail_number(text: str) -> tuple[tuple[str, int], tuple[int, ...]] | None:
    """Return the style key and values of a bracketed item number that ends `text`, or None."""
    folded = text.translate(FULLWIDTH_TO_ASCII).rstrip()
    start = folded.rfind("(")
    if start <= 0:
        return None
    for match in match_numbers(folded[start:]):
        if not folded[start + match.rest_start :].strip():
            return _style_key(match), match.values
    return None


def _annex_key(heading: str) -> str:
    return re.sub(r"[\s\-–—:：.、]", "", heading).upper()


def _introduced_quotation_end(lines: list[_Line], index: int) -> int:
    """Return the index of the line that closes a quotation introduced on line `index`, or -1.

    A quotation is introduced when its opening mark follows a colon, on the same line
    ("amended to read: “3. Term") or at the start of the line after one ending in a colon.
    It must close within MAX_QUOTATION_LINES lines, so a stray mark does not swallow the rest.
    """
    text = lines[index].text
    opening = _unclosed_quote_start(text)
    if opening is None:
        return -1
    before = text[:opening].rstrip()
    if before:
        introduced = before.endswith(_QUOTATION_INTRODUCERS)
    else:
        previous = next((other for other in reversed(lines[:index]) if not other.is_furniture), None)
        introduced = previous is not None and previous.text.rstrip().endswith(_QUOTATION_INTRODUCERS)
    if not introduced:
        return -1
    mark = text[opening]
    depth = _quote_depth(text[opening:], mark)
    following = islice(enumerate(lines[index + 1 :], start=index + 1), MAX_QUOTATION_LINES)
    for later_index, later in following:
        if later.is_furniture:
            continue
        if mark == _STRAIGHT_QUOTE:
            depth = (depth + later.text.count(_STRAIGHT_QUOTE)) % 2
        else:
            depth += _quote_depth(later.text, mark)
        if depth <= 0:
            return later_index
    return -1


def _unclosed_quote_start(text: str) -> int | None:
    """Return the offset of the outermost quotation mark that `text` opens and leaves open, or None."""
    if _OPENING_QUOTE not in text and _STRAIGHT_QUOTE not in text:
        return None
    open_at: list[int] = []
    straight_at: int | None = None
    for offset, char in enumerate(text):
        if char == _OPENING_QUOTE:
            open_at.append(offset)
        elif char == _CLOSING_QUOTE and open_at:
            open_at.pop()
        elif char == _STRAIGHT_QUOTE:
            straight_at = offset if straight_at is None else None
    starts = [offset for offset in (open_at[0] if open_at else None, straight_at) if offset is not None]
    return min(starts) if starts else None


def _quote_depth(text: str, mark: str) -> int:
    """Return the change in quotation depth over `text`: opened minus closed curly marks, or the parity of straight ones."""
    if mark == _STRAIGHT_QUOTE:
        return text.count(_STRAIGHT_QUOTE) % 2
    return text.count(_OPENING_QUOTE) - text.count(_CLOSING_QUOTE)


def _annex_stands_alone(lines: list[_Line], index: int) -> bool:
    """Return whether an annex heading line starts its own paragraph instead of wrapping a sentence.

    A DOCX paragraph never continues the one before it, so only a PDF line needs the line
    above to end a sentence or to be another annex heading (Schedule 1 over Exhibit AA-1).
    """
    block = lines[index].block
    if block.page is None or block.bbox is None:
        return True
    if _follows_sentence_end(lines, index):
        return True
    previous = next((other for other in reversed(lines[:index]) if not other.is_furniture), None)
    if previous is None or previous.is_full:
        return False
    heading = _ANNEX.match(previous.text)
    return heading is not None and _is_annex_title(heading.group("rest").strip())


def _is_annex_title(rest: str) -> bool:
    """Return whether the text after an annex label is empty or a short title, not a sentence."""
    return not rest or _is_latin_heading(rest) or _is_cjk_heading(rest)


def _follows_sentence_end(lines: list[_Line], index: int) -> bool:
    """Return whether the line before `index` ends its sentence, or is a table row or on another page."""
    for previous in reversed(lines[:index]):
        if previous.is_furniture:
            continue
        if previous.block.cells or previous.block.page != lines[index].block.page:
            return True
        return _ends_line_of_text(previous.text)
    return True


def _ends_line_of_text(text: str) -> bool:
    """Return whether a line ends its sentence, or is a rule or a fill-in blank that ends a form line."""
    return text.endswith(tuple(_SENTENCE_END)) or text.endswith(_BLANK_END) or bool(_RULE_LINE.match(text))


def _signature_has_room(signature: _Unit, line: _Line) -> bool:
    if len(signature.lines) >= MAX_SIGNATURE_LINES:
        return False
    first_page = signature.lines[0].block.page
    page = line.block.page
    return first_page is None or page is None or page < first_page + MAX_SIGNATURE_PAGES


def _running_key(text: str) -> str:
    return "".join(text.split())


def running_headers(blocks: tuple[Block, ...]) -> set[str]:
    """Return the keys of lines repeated at the top or bottom of most pages (headers, footers)."""
    per_page: dict[int, list[str]] = {}
    for block in blocks:
        if block.page is not None and block.text.strip():
            per_page.setdefault(block.page, []).append(_running_key(block.text))
    counts: dict[str, int] = {}
    for keys in per_page.values():
        edge = keys[:RUNNING_LINES_PER_EDGE] + keys[-RUNNING_LINES_PER_EDGE:]
        for key in set(edge):
            counts[key] = counts.get(key, 0) + 1
    needed = max(MIN_RUNNING_PAGES, RUNNING_PAGE_SHARE * len(per_page))
    return {key for key, count in counts.items() if count >= needed}


def _prepare_lines(doc: ParsedDocument) -> list[_Line]:
    is_pdf = any(block.page is not None and block.bbox is not None for block in doc.blocks)
    text_edges = page_text_edges(doc.blocks) if is_pdf else {}
    running = running_headers(doc.blocks) if is_pdf else set()
    # Pages of forms have few long lines, so their text edges are unreliable and a title is
    # measured against the middle of the page instead.
    page_centres = {page.number: page.width / 2 for page in doc.pages if page.width > 0}
    lines: list[_Line] = []
    # An opening bracket alone on its line (（ then 5）。 below it in a template) belongs to the next line.
    bracket = ""
    # Paragraphs that tracked changes deleted whole: they live on in the next line's original view.
    deleted: list[str] = []
    for block in doc.blocks:
        text = block.text.strip()
        if not text:
            if block.original_text and block.original_text.strip():
                deleted.append(block.original_text.strip())
            continue
        if is_pdf and text in ("(", "（"):
            bracket += text
            continue
        text, bracket = bracket + text, ""
        line = _Line(block, text)
        if deleted or block.original_text is not None:
            own = block.original_text.strip() if block.original_text is not None else text
            line.original = "\n".join([*deleted, own])
            deleted = []
        furniture = any(pattern.search(text) for pattern in _FURNITURE) or _running_key(text) in running
        line.is_furniture = is_pdf and furniture
        lines.append(line)
    _mark_contents(lines)

    previous: _Line | None = None
    for line in lines:
        if line.is_furniture:
            continue
        if is_pdf:
            # Contents entries run to the margin through their leaders; each stays its own line.
            line.is_full = line_is_full(line.block, text_edges) and not line.in_toc
            line.is_full = line.is_full and not _is_centred_heading(line.block, text_edges, page_centres)
            line.is_continuation = previous is not None and _continues(previous)
        line.is_caps_heading = _is_caps_heading(line, text_edges)
        line.is_title = _is_title_line(line, page_centres)
        previous = line
    return lines


def _is_toc_entry(line: _Line, *, titled: bool) -> bool:
    """Return whether a line reads as a table-of-contents entry.

    Under a 目录/CONTENTS title a trailing page number or a dot leader alone is enough. Elsewhere
    the entry needs a leader and a page number, because a sentence may end in a number.
    """
    if line.block.cells:
        return False
    if _TOC_ENTRY_STYLE.match(line.block.style or ""):
        return True
    if _TOC_LEADER.search(line.text):
        return True
    return titled and bool(_TOC_PAGE_SUFFIX.search(line.text) or _TOC_OPEN_LEADER.search(line.text))


def _contents_end(lines: list[_Line], start: int, *, titled: bool) -> tuple[int, int]:
    """Return (end index, entry count) of the run of contents entries from `start`.

    A line that is not an entry stays in the run when the next line is one, because a
    long heading wraps and only its last line carries the page number.
    """
    entries = 0
    end = start
    index = start
    while index < len(lines):
        line = lines[index]
        if line.is_furniture:
            index += 1
            continue
        if _is_toc_entry(line, titled=titled):
            entries += 1
            end = index + 1
        else:
            following = next((other for other in lines[index + 1 :] if not other.is_furniture),
                             None)
            wrapped = (
                entries > 0
                and len(line.text) <= MAX_TOC_WRAPPED_CHARS
                and following is not None
                and _is_toc_entry(following, titled=titled)
            )
            if not wrapped:
                break
        index += 1
    return end, entries


def _mark_contents(lines: list[_Line]) -> None:
    """Mark tables of contents: a title with its entries, or a long run of dot-leader entries."""
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.is_furniture:
            index += 1
            continue
        titled = bool(_TOC_TITLE.match(line.text))
        end, entries = _contents_end(lines, index + 1 if titled else index, titled=titled)
        if entries >= (MIN_TITLED_TOC_ENTRIES if titled else MIN_UNTITLED_TOC_ENTRIES):
            for member in lines[index:end]:
                member.is_toc = member.in_toc = not member.is_furniture
            index = end
            continue
        # A lone entry-like line (a form field with a dot leader) starts no clause but stays in it.
        line.is_toc = _is_toc_entry(line, titled=False)
        index += 1


# A line ending with one of these closes its sentence, so the next line may start a clause.
_SENTENCE_END = "。；;：:！!？?.）)」』”\"】"
# A line of only rule characters (dashes, underscores, equals signs) is a table or section rule,
# which no sentence wraps across.
_RULE_LINE = re.compile(r"^[-_=─━—–\s]{3,}$")
# A form line ending in a fill-in blank (Title:______) is complete.
_BLANK_END = "___"


def _continues(previous: _Line) -> bool:
    """Return whether the line after `previous` is the wrapped continuation of its sentence."""
    if previous.block.cells or previous.is_toc:
        return False
    return previous.is_full and not previous.text.endswith(tuple(_SENTENCE_END)) and not _RULE_LINE.match(previous.text)


def _is_caps_heading(line: _Line, edges: dict[int, tuple[float, float]]) -> bool:
    """Return whether a line reads as an unnumbered upper-case section heading (GOVERNING LAW)."""
    text = line.text
    if line.block.cells or line.is_toc or line.is_full or line.is_continuation:
        return False
    if not _CAPS_HEADING.match(text) or len(text.split()) > MAX_HEADING_WORDS:
        return False
    if sum(ch.isalpha() for ch in text) < MIN_CAPS_HEADING_LETTERS:
        return False
    block = line.block
    if block.page is None or block.bbox is None or block.page not in edges:
        # NOTE: DOCX paragraphs carry no position to tell a centred title from a heading, so
        # unnumbered headings are recognised in PDFs only.
        return False
    return block.bbox.x0 <= edges[block.page][0] + HEADING_LEFT_TOLERANCE_PT


def _starts_signature(lines: list[_Line], index: int) -> bool:
    line = lines[index]
    text = line.text
    if line.block.cells or line.is_toc:
        return False
    if _SIGNATURE_STRONG.search(text) and len(text) <= MAX_SIGNATURE_LINE_CHARS * 2:
        return True
    if not _is_signature_sized(line):
        return False
    if _SIGNATURE_SEAL.match(text):
        return True
    if _SIGNATURE_BY.match(text):
        following = lines[index + 1 : index + 1 + SIGNATURE_BY_LOOKAHEAD]
        return any(_SIGNATURE_NAME.match(other.text) for other in following)
    return _starts_signature_block(lines, index)


def _is_signature_sized(line: _Line) -> bool:
    return len(line.text) <= MAX_SIGNATURE_LINE_CHARS and not line.text.endswith("。")


def _signature_label(text: str) -> str | None:
    """Return the kind of signature-block label a line starts with, or None."""
    for kind, pattern in _SIGNATURE_LABELS:
        if pattern.match(text):
            return kind
    return None


def _starts_signature_block(lines: list[_Line], index: int) -> bool:
    """Return whether a party, seal or representative line opens a run of signature labels.

    甲方单位名称：… alone may name a party in a clause, so the run must have several labels
    of more than one kind, and among them a seal or a date line.
    """
    if _signature_label(lines[index].text) not in _SIGNATURE_OPENING_KINDS:
        return False
    kinds: set[str] = set()
    labels = 0
    body = (line for line in lines[index:] if not line.is_furniture)
    window = islice(body, SIGNATURE_BLOCK_LOOKAHEAD)
    for line in window:
        if line.block.cells or line.is_toc or not _is_signature_sized(line):
            break
        kind = _signature_label(line.text)
        if kind is not None:
            kinds.add(kind)
            labels += 1
    proven = bool(kinds & _SIGNATURE_PROOF_KINDS)
    return labels >= MIN_SIGNATURE_BLOCK_LABELS and len(kinds) >= 2 and proven


def _is_title_line(line: _Line, page_centres: dict[int, float]) -> bool:
    """Return whether a line reads as a document title: 某某合同 alone on its line, centred in a PDF."""
    text = line.text
    if line.block.cells or line.is_toc or len(text) > MAX_TITLE_LINE_CHARS:
        return False
    if not _DOCUMENT_TITLE.search(text) or _NOT_IN_TITLE.search(text):
        return False
    if text.startswith(_SENTENCE_OPENERS):
        return False
    if _ANNEX.match(text) or match_numbers(text.translate(FULLWIDTH_TO_ASCII)):
        return False
    block = line.block
    if block.page is None or block.bbox is None:
        # NOTE: a DOCX paragraph has no position, so any short paragraph naming a contract counts.
        return True
    page_centre = page_centres.get(block.page)
    if page_centre is None:
        return False
    return abs((block.bbox.x0 + block.bbox.x1) / 2 - page_centre) <= TITLE_CENTRE_TOLERANCE_PT


def _place_clause(
    line: _Line,
    state: _State,
    unit_index: int,
    *,
    strict: bool,
    late_start: Callable[[NumberMatch], bool] | None = None,
    new_sequence: bool = False,
) -> tuple[NumberMatch, int, int | None] | None:
    """Accept `line` as a clause start, push it on the stack and return (match, level, parent).

    `late_start`, given while no clause or only recitals are open, confirms a first number of 2 or 3.
    `new_sequence` accepts only numbers that can open a new part of a document.
    """
    if line.block.cells or line.is_toc:
        return None
    text = line.text.translate(FULLWIDTH_TO_ASCII)
    matches = match_numbers(text, auto_numbered=line.block.auto_numbered)
    for match in matches:
        if not _plausible_rest(match, text):
            continue
        if new_sequence and not _opens_sequence(match):
            continue
        # "i." after "g." is a Roman item under g, not the letter i with h lost, so a letter
        # that is also a Roman numeral continues a letter list only as the exact next letter.
        line_strict = strict or _is_roman_letter(match, matches)
        if strict and _is_heading_line(match, text, line) and _heading_fits(match, state):
            # 第一条 合同标的 on its own short line starts a clause even after a wrapped line.
            line_strict = False
        rest = text[match.rest_start :].strip()
        is_caps_item = bool(_CAPS_HEADING.match(rest))
        placement = _fit(match, state, strict=line_strict, caps_item=is_caps_item)
        # A Chinese section heading (二、采购内容) on a short line of its own outranks open items
        # such as 1、 2、, which a lost first section (一、 unread on a scan) leaves open.
        is_cjk_section = match.style == "zh_enum" and not line.is_full and _is_cjk_heading(rest)
        late_allowed = is_caps_item or is_cjk_section or not _has_open_clause(state)
        if placement is None and late_start is not None and late_allowed and _may_start_late(match, line_strict):
            # With no clause open, the stack contains at most an annex, and the clause goes under it.
            # Open recitals only let an upper-case section heading start late, as their sibling.
            if _has_open_clause(state, beside_paragraphs=True):
                # "3. RESEARCH PLAN" after outline items I.A… of a schedule whose 1. and 2. are unprinted.
                below = _Placement(_section_depth(state), _style_key(match))
            else:
                below = _Placement(_depth_above_paragraphs(state, len(state.stack)), _style_key(match))
            placement = below if late_start(match) else None
        if placement is None:
            continue
        is_paragraph = bool(rest) and not (_is_latin_heading(rest) or _is_cjk_heading(rest))
        level, parent = _push(state, match, placement, unit_index, is_paragraph=is_paragraph)
        return match, level, parent
    return None


def _section_depth(state: _State) -> int:
    """Return the depth of the first open entry below the annex and fixed-rank headings (第X条, Article)."""
    depth = 0
    while depth < len(state.stack):
        style = state.stack[depth].key[0]
        if style != "annex" and style not in STRONG_STYLE_RANKS:
            break
        depth += 1
    return depth


def _is_roman_letter(match: NumberMatch, matches: list[NumberMatch]) -> bool:
    """Return whether a letter item (i., (v)) has a Roman reading among the line's `matches`."""
    roman_style = ROMAN_STYLE_OF_LETTER_STYLE.get(match.style)
    return roman_style is not None and any(other.style == roman_style for other in matches)


def _push(
    state: _State, match: NumberMatch, placement: _Placement, unit_index: int, *, is_paragraph: bool = False
) -> tuple[int, int | None]:
    """Put the clause on the stack at its depth and return its (level, parent unit)."""
    del state.stack[placement.depth :]
    if placement.implied_parent is not None:
        # 2.1 right after Section 1: section 2 has no line, so its entry has no unit.
        outer = state.stack[-1].unit if state.stack else None
        implied_key = (placement.key[0], len(placement.implied_parent))
        state.stack.append(_Entry(implied_key, placement.implied_parent, outer))
    parent = state.stack[-1].unit if state.stack else None
    state.stack.append(_Entry(placement.key, match.values, unit_index, is_paragraph))
    if match.style in STRONG_STYLE_RANKS:
        state.strong_last[match.style] = match.value
    elif placement.key not in state.learned_rank:
        state.learned_rank[placement.key] = len(state.learned_rank)
    return len(state.stack) - 1, parent


def _has_open_clause(state: _State, *, beside_paragraphs: bool = False) -> bool:
    """Return whether a clause is open; with `beside_paragraphs`, body-text items (recitals) do not count."""
    return any(
        entry.key[0] != "annex" and not (beside_paragraphs and entry.is_paragraph) for entry in state.stack
    )


def _opens_sequence(match: NumberMatch) -> bool:
    return match.style in STRONG_STYLE_RANKS or all(value == 1 for value in match.values)


def _may_start_late(match: NumberMatch, strict: bool) -> bool:
    single = len(match.values) == 1 and match.style not in STRONG_STYLE_RANKS
    return not strict and single and 1 < match.value <= 1 + MAX_NUMBER_GAP


def _is_heading_line(match: NumberMatch, text: str, line: _Line) -> bool:
    """Return whether a fixed-rank number (第X条, 第X章) is followed by a short heading or nothing."""
    if match.style not in STRONG_STYLE_RANKS or line.is_full:
        return False
    rest = text[match.rest_start :].strip()
    return not rest or _is_cjk_heading(rest) or _is_latin_heading(rest)


def _heading_fits(match: NumberMatch, state: _State) -> bool:
    """Return whether a heading line's number is a first one, a restart or the exact next one."""
    last = state.strong_last.get(match.style)
    if match.value == 1:
        return True
    return last is not None and _follows((last,), match.values, strict=True)


def _plausible_rest(match: NumberMatch, text: str) -> bool:
    rest = text[match.rest_start :].strip()
    if not rest:
        return True
    first = rest[0]
    if _BLANK_ITEM_REST.fullmatch(rest):
        # A numbered blank line of a template (（1）；) whose fill-in space the text lost.
        return True
    if first in ")）]】,，;；":
        return False
    is_decimal = len(match.values) > 1
    if match.style == "dotted" and is_decimal and text[match.end : match.end + 1] in tuple(QUANTITY_SUFFIXES):
        # 1.5倍 or 2.5万 is a quantity, not clause 1.5; 2.分期付款 is clause 2.
        return False
    if match.style == "dotted" and _LETTER_REFERENCE.match(text, match.end):
        # "1.C," wrapped from "Exhibit 1.C," is a reference, not clause 1 with a heading.
        return False
    single_number = match.style != "dotted" or len(match.values) == 1
    if single_number and match.style in LOWERCASE_SENSITIVE_STYLES and first.islower():
        # "1. the" or "Section 2.3 of" is a wrapped sentence or a cross-reference.
        return False
    return True


def _style_key(match: NumberMatch) -> tuple[str, int]:
    if match.style in ("dotted", "en_section"):
        return ("dotted", len(match.values))
    if match.style == "outline":
        # I., I.A. and I.A.i nest by their number of parts, as 1., 1.1 and 1.1.1 do.
        return ("outline", len(match.values))
    return (match.style, 0)


# Styles whose depth is their number of parts (1.2.3, I.B.ii).
_PART_COUNTED = ("dotted", "outline")


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


def _fit(match: NumberMatch, state: _State, *, strict: bool, caps_item: bool = False) -> _Placement | None:
    """Return where the number fits on the stack, or None.

    `strict` is set for a line that may continue the previous line's sentence: it
    then starts a clause only as the exact next sibling or the first dotted child.
    `caps_item` is set when the number is followed by an upper-case heading
    (1. ESTABLISHMENT OF DISTRIBUTORSHIP).
    """
    key = _style_key(match)
    if match.style in STRONG_STYLE_RANKS:
        return _fit_strong(match, state, strict=strict)
    keys = [entry.key for entry in state.stack]
    placement = None
    if key in keys:
        placement = _fit_open_style(match, state, strict=strict)
    elif key[0] in _PART_COUNTED and (key[0], key[1] - 1) in keys:
        placement = _fit_dotted_child(match, state, strict=strict)
    elif match.value == 1 and not strict:
        depth = _new_list_depth(key, state)
        if caps_item or match.style == "outline":
            # An outline number (I., I.A.) numbers sections, never items of a lettered paragraph.
            depth = _depth_above_paragraphs(state, depth)
        placement = _Placement(depth, key)
    if placement is None and not strict:
        placement = _fit_under_article(match, state)
    tail = state.top_tail_number
    if placement is None and tail is not None and tail[0] == key and _follows(tail[1], match.values, strict=True):
        # The list's first item ended the clause line above, so this item opens the list's own entry.
        placement = _Placement(len(state.stack), key)
    return placement


def _fit_under_article(match: NumberMatch, state: _State) -> _Placement | None:
    """Place 6.2 directly under 第6条 or Article 6 when the text skips 6.1 (专用条款 list only changes)."""
    if match.style != "dotted" or len(match.values) < 2:
        return None
    for depth in range(len(state.stack) - 1, -1, -1):
        entry = state.stack[depth]
        if entry.key[0] in ("zh_article", "ko_article", "en_article"):
            if entry.values[-1] != match.values[0]:
                return None
            return _Placement(depth + 1, _style_key(match))
    return None


def _fit_strong(match: NumberMatch, state: _State, *, strict: bool) -> _Placement | None:
    last = state.strong_last.get(match.style)
    if last is None and strict:
        return None
    restart = match.value == 1 and not strict
    if last is not None and not restart and not _follows((last,), match.values, strict=strict):
        return None
    rank = STRONG_STYLE_RANKS[match.style]
    stack = state.stack
    depth = len(stack)
    while depth > 0:
        top_style = stack[depth - 1].key[0]
        if top_style in STRONG_STYLE_RANKS and STRONG_STYLE_RANKS[top_style] < rank:
            break
        if top_style == "annex":
            break
        depth -= 1
    return _Placement(depth, _style_key(match))


def _fit_open_style(match: NumberMatch, state: _State, *, strict: bool) -> _Placement | None:
    """Place a number whose style is already open on the stack."""
    key = _style_key(match)
    stack = state.stack
    keys = [entry.key for entry in stack]
    # The same style may be open at several depths (a list nested in a list item);
    # the deepest one it continues is its sibling.
    for depth in range(len(stack) - 1, -1, -1):
        if keys[depth] == key and _follows(stack[depth].values, match.values, strict=strict):
            return _Placement(depth, key)
    if match.value != 1 or strict:
        return None
    deepest = len(keys) - 1 - keys[::-1].index(key)
    if deepest == len(stack) - 1:
        # A second list of the same style right after the first one.
        return _Placement(deepest, key)
    # A new list inside the current clause, in a style used above it.
    return _Placement(len(stack), key)


def _fit_dotted_child(match: NumberMatch, state: _State, *, strict: bool) -> _Placement | None:
    """Place a dotted number one level deeper than an open dotted clause."""
    key = _style_key(match)
    stack = state.stack
    keys = [entry.key for entry in stack]
    parent_depth = len(keys) - 1 - keys[::-1].index((key[0], key[1] - 1))
    parent_values = stack[parent_depth].values
    limit = 1 if strict else 1 + MAX_NUMBER_GAP
    if match.values[:-1] == parent_values and match.value <= limit:
        return _Placement(parent_depth + 1, key)
    if match.value == 1 and _follows(parent_values, match.values[:-1], strict=True):
        # Section 2.1 right after Section 1: the missing section 2 becomes an implied parent.
        return _Placement(parent_depth, key, implied_parent=match.values[:-1])
    return None


def _new_list_depth(key: tuple[str, int], state: _State) -> int:
    """Return the depth for a new list: below the top, unless its style ranked higher before."""
    stack = state.stack
    rank = state.learned_rank.get(key)
    depth = len(stack)
    if rank is None or state.top_introduces_list:
        return depth
    while depth > 0:
        top = stack[depth - 1]
        if top.key[0] in _PART_COUNTED and len(top.values) > 1:
            # 5.2.1 names its own depth, so a list opening right after it is its sub-list.
            break
        top_rank = state.learned_rank.get(top.key)
        if top_rank is None or top_rank < rank:
            break
        depth -= 1
    return depth


def _depth_above_paragraphs(state: _State, depth: int) -> int:
    """Return `depth` raised above open body-text items, so a section heading after recitals is their sibling.

    Lettered recitals (A. The Company's Business. The Company is ...) are paragraphs, and an
    upper-case section heading such as 1. DEFINITIONS never belongs inside one.
    """
    # NOTE: a mixed-case heading (1. Definitions) after lettered recitals still nests under the last one.
    while depth > 0 and state.stack[depth - 1].is_paragraph:
        depth -= 1
    return depth


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
                original_text=_original_text(body),
                raw_text=_raw_text(body),
            )
        )
    return clauses


def _raw_text(lines: list[_Line]) -> str | None:
    """Return a unit's lines as the file encodes them, or None when folding changed none of them."""
    if all(line.block.raw_text is None for line in lines):
        return None
    return "\n".join(line.block.raw_text or line.text for line in lines)


def _original_text(lines: list[_Line]) -> str | None:
    """Return a unit's text before tracked changes were accepted, or None when no line changed."""
    if all(line.original is None for line in lines):
        return None
    return "\n".join(line.original if line.original is not None else line.text for line in lines)


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
# A centred line indented more than this many font sizes from the left text edge is a heading,
# beyond the two-character first-line indent of a Chinese paragraph.
CENTRED_HEADING_MIN_INDENT_EMS = 2.5
# ...and no wider than this share of the page, since a full body line is centred too.
CENTRED_HEADING_MAX_PAGE_SHARE = 0.6
# A heading is at most this many CJK characters or Latin words.
MAX_HEADING_CHARS = 24
MAX_HEADING_WORDS = 10

_CJK_CHAR = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
# Korean headings (제2조 (위촉기간)) follow the CJK heading rules, but Korean lines are not
# joined like CJK lines because Korean separates words with spaces.
_HANGUL_CHAR = re.compile(r"[\uac00-\ud7af]")
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


def _is_centred_heading(
    block: Block, edges: dict[int, tuple[float, float]], page_centres: dict[int, float]
) -> bool:
    """Return whether a short PDF line sits centred on its page, indented from the left text edge (an annex title).

    Such a line may reach a form page's right text edge, yet no sentence wraps from it.
    """
    if block.page not in edges or block.page not in page_centres or block.bbox is None:
        return False
    page_centre = page_centres[block.page]
    indent = block.bbox.x0 - edges[block.page][0]
    em = block.font_size or FULL_LINE_TOLERANCE_PT
    short = block.bbox.x1 - block.bbox.x0 <= CENTRED_HEADING_MAX_PAGE_SHARE * 2 * page_centre
    centred = abs((block.bbox.x0 + block.bbox.x1) / 2 - page_centre) <= TITLE_CENTRE_TOLERANCE_PT
    return short and centred and indent > CENTRED_HEADING_MIN_INDENT_EMS * em


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
        else:
            parts[-1] = join_wrapped(before, text)
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
    if _CJK_CHAR.search(rest[:4]) or _HANGUL_CHAR.search(rest[:4]):
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
    # 、 may join items of a heading (进度计划、延误和暂停); other marks end a clause of a sentence.
    return not any(mark in text for mark in "。；;，,")


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
