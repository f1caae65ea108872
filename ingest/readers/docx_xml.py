"""Styles and the body walker for the XML of a DOCX main document part.

The walker visits the body in document order and descends into every wrapper
Word uses (content controls, custom XML, smart tags, hyperlinks, fields,
markup-compatibility branches, text boxes), so text python-docx's
`Document.paragraphs` would skip is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from docx.styles import BabelFish
from lxml import etree

from ingest.parsed import Revision
from ingest.readers import docx_fields
# W_NS and w_attr stay importable from here, because other readers and tests use this module.
from ingest.readers.docx_names import MC, W, W_DEL, W_NS, M, w_attr  # noqa: F401

if TYPE_CHECKING:
    from ingest.readers.docx_numbering import ListCounters, NumberingDefinitions


def choose_alternate(alternate: etree._Element) -> etree._Element | None:
    """Return the one branch of mc:AlternateContent to read: the first Choice, else Fallback.

    Both branches hold the same content (a text box as DrawingML and again as
    VML), so reading only one keeps text from appearing twice.
    """
    choice = alternate.find(MC.Choice)
    if choice is not None:
        return choice
    return alternate.find(MC.Fallback)


# Styles.


@dataclass(frozen=True, slots=True)
class Style:
    """The properties of one w:style that the reader uses."""

    style_id: str
    name: str | None
    style_type: str | None
    based_on: str | None
    num_id: str | None
    ilvl: int | None
    justification: str | None
    outline_level: int | None
    # Font size in half-points (w:sz), as OOXML stores it.
    font_size: int | None


class StyleSheet:
    """Styles of word/styles.xml, with lookups that follow w:basedOn chains."""

    def __init__(self, root: etree._Element | None) -> None:
        self._styles: dict[str, Style] = {}
        self.default_paragraph_style: str | None = None
        self._default_font_size: int | None = None
        if root is None:
            return
        defaults = root.find(W.docDefaults)
        if defaults is not None:
            run_defaults = defaults.find(W.rPrDefault)
            if run_defaults is not None:
                self._default_font_size = _int(_val(run_defaults.find(W.rPr), W.sz))
        for element in root.iter(W.style):
            style = _parse_style(element)
            if style is None:
                continue
            self._styles[style.style_id] = style
            is_default = w_attr(element, "default") in {"1", "true", "on"}
            if is_default and style.style_type == "paragraph":
                self.default_paragraph_style = style.style_id

    def name(self, style_id: str | None) -> str | None:
        """Return the UI name of a style ("Heading 1" for "heading 1"), or the id if unnamed."""
        if style_id is None:
            return None
        style = self._styles.get(style_id)
        if style is None or style.name is None:
            return style_id
        return BabelFish.internal2ui(style.name)

    def numbering(self, style_id: str | None) -> tuple[str | None, int | None]:
        """Return (numId, ilvl) that a paragraph style gives, from itself or its bases."""
        num_id: str | None = None
        ilvl: int | None = None
        for style in self._chain(style_id):
            if num_id is None:
                num_id = style.num_id
            if ilvl is None:
                ilvl = style.ilvl
        return num_id, ilvl

    def justification(self, style_id: str | None) -> str | None:
        """Return the paragraph alignment a style gives, from itself or its bases."""
        for style in self._chain(style_id):
            if style.justification is not None:
                return style.justification
        return None

    def outline_level(self, style_id: str | None) -> int | None:
        """Return the outline level (0 for a top heading) a style gives, or None."""
        for style in self._chain(style_id):
            if style.outline_level is not None:
                return style.outline_level
        return None

    def font_size(self, style_id: str | None) -> int | None:
        """Return the font size in half-points a style gives, else the document default."""
        for style in self._chain(style_id):
            if style.font_size is not None:
                return style.font_size
        return self._default_font_size

    def numbering_style_num_ids(self) -> dict[str, str]:
        """Map each numbering style's id to the numId it defines (for w:numStyleLink)."""
        return {
            style.style_id: style.num_id
            for style in self._styles.values()
            if style.style_type == "numbering" and style.num_id is not None
        }

    def _chain(self, style_id: str | None) -> Iterator[Style]:
        seen: set[str] = set()
        while style_id is not None and style_id not in seen:
            seen.add(style_id)
            style = self._styles.get(style_id)
            if style is None:
                return
            yield style
            style_id = style.based_on


def _parse_style(element: etree._Element) -> Style | None:
    style_id = w_attr(element, "styleId")
    if style_id is None:
        return None
    ppr = element.find(W.pPr)
    num_pr = ppr.find(W.numPr) if ppr is not None else None
    return Style(
        style_id=style_id,
        name=_val(element, W.name),
        style_type=w_attr(element, "type"),
        based_on=_val(element, W.basedOn),
        num_id=_val(num_pr, W.numId),
        ilvl=_int(_val(num_pr, W.ilvl)),
        justification=_val(ppr, W.jc),
        outline_level=_int(_val(ppr, W.outlineLvl)),
        font_size=_int(_val(element.find(W.rPr), W.sz)),
    )


def _val(parent: etree._Element | None, tag: str) -> str | None:
    if parent is None:
        return None
    child = parent.find(tag)
    return w_attr(child, "val") if child is not None else None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


# The body walker.


@dataclass(slots=True)
class Annotations:
    """Tracked changes, note references and comment anchors found in one paragraph or row."""

    revisions: list[Revision] = field(default_factory=list)
    # ("footnote" or "endnote", note id) for each reference, in reading order.
    notes: list[tuple[str, str]] = field(default_factory=list)
    comment_ids: list[str] = field(default_factory=list)

    def extend(self, other: Annotations) -> None:
        self.revisions.extend(other.revisions)
        self.notes.extend(other.notes)
        self.comment_ids.extend(other.comment_ids)


@dataclass(slots=True)
class BodyItem:
    """A paragraph or table row found by the walker, before normalisation.

    `accepted` is the text with tracked changes accepted, `original` the text
    before them. Rows carry both views per cell.
    """

    accepted: str
    original: str
    # The accepted text with its label, before normalisation; empty for table rows.
    raw: str = ""
    style: str | None = None
    cells: tuple[str, ...] | None = None
    original_cells: tuple[str, ...] | None = None
    numbered: bool = False
    heading_like: bool = False
    centered: bool = False
    in_text_box: bool = False
    font_size: float | None = None
    annotations: Annotations = field(default_factory=Annotations)


@dataclass(slots=True)
class _Runs:
    """Text pieces collected from one paragraph in both revision views."""

    accepted: list[str] = field(default_factory=list)
    original: list[str] = field(default_factory=list)
    text_boxes: list[etree._Element] = field(default_factory=list)
    # Largest w:sz (half-points) set directly on a run that shows text.
    max_font_size: int | None = None
    annotations: Annotations = field(default_factory=Annotations)


@dataclass(slots=True)
class _Paragraph:
    accepted: str
    original: str
    label: str
    style_id: str | None
    mark_deleted: bool
    centered: bool
    heading_like: bool
    text_boxes: list[etree._Element]
    annotations: Annotations
    font_size: float | None = None


_HEADING_NAMES = frozenset({"title", "heading 1", "标题", "标题 1", "标题1"})

# Property and marker elements that never hold visible text.
_NO_TEXT_TAGS = frozenset(
    {
        W.pPr, W.rPr, W.sdtPr, W.sdtEndPr, W.customXmlPr, W.smartTagPr, W.proofErr,
        W.bookmarkStart, W.bookmarkEnd, W.commentRangeEnd,
        W.permStart, W.permEnd, W.moveFromRangeStart, W.moveFromRangeEnd,
        W.moveToRangeStart, W.moveToRangeEnd,
    }
)  # fmt: skip

_NOTE_KINDS = {W.footnoteReference: "footnote", W.endnoteReference: "endnote"}

_REVISION_KINDS = {W.ins: "insert", W_DEL: "delete", W.moveFrom: "move_from", W.moveTo: "move_to"}
_INSERTIONS = frozenset({W.ins, W.moveTo})
_DELETIONS = frozenset({W_DEL, W.moveFrom})
_FORMAT_CHANGES = (W.rPrChange, W.pPrChange)


class BodyWalker:
    """Reads paragraphs and table rows of one document body in order, counting list numbers."""

    def __init__(
        self,
        styles: StyleSheet,
        numbering: NumberingDefinitions,
        counters: ListCounters,
        normalize: Callable[[str], str],
        *,
        skip_page_fields: bool = False,
    ) -> None:
        self._styles = styles
        self._numbering = numbering
        self._counters = counters
        self._normalize = normalize
        # Headers and footers set this, so "第 3 页 共 8 页" does not become furniture text.
        self._skip_page_fields = skip_page_fields
        # Complex fields open at this point of the run sequence, innermost last.
        self._fields: list[docx_fields.OpenField] = []
        # Comments whose range starts between paragraphs, anchored on the next paragraph.
        self._pending_comment_ids: list[str] = []
        self.has_revisions = False
        self.content_controls = 0
        self.text_boxes = 0
        self.note_references = 0
        self.alt_chunks = 0

    def iter_items(self, container: etree._Element, in_text_box: bool = False) -> Iterator[BodyItem]:
        """Yield the paragraphs and rows of `container` (a body, cell or text box) in order."""
        # A paragraph whose mark is deleted joins the next one in the accepted view.
        carry: _Paragraph | None = None
        for child in self._block_children(container):
            if child.tag == W.tbl:
                if carry is not None:
                    yield self._paragraph_item(carry, in_text_box)
                    carry = None
                yield from self._iter_rows(child, in_text_box)
                continue

            paragraph = self._read_paragraph(child)
            if carry is not None:
                paragraph = _join_paragraphs(carry, paragraph)
                carry = None
            if paragraph.mark_deleted:
                carry = paragraph
            else:
                yield self._paragraph_item(paragraph, in_text_box)
            for text_box in paragraph.text_boxes:
                yield from self.iter_items(text_box, in_text_box=True)
            paragraph.text_boxes.clear()
        if carry is not None:
            yield self._paragraph_item(carry, in_text_box)

    def _block_children(self, container: etree._Element) -> Iterator[etree._Element]:
        """Yield w:p and w:tbl children, descending into content controls and wrappers."""
        for child in container:
            tag = child.tag
            if tag in (W.p, W.tbl):
                yield child
            elif tag == W.sdt:
                self.content_controls += 1
                content = child.find(W.sdtContent)
                if content is not None:
                    yield from self._block_children(content)
            elif tag == MC.AlternateContent:
                branch = choose_alternate(child)
                if branch is not None:
                    yield from self._block_children(branch)
            elif tag == W.customXml:
                yield from self._block_children(child)
            elif tag == W.altChunk:
                self.alt_chunks += 1
            elif tag == W.commentRangeStart:
                self._pending_comment_ids.append(w_attr(child, "id") or "")

    # Paragraphs.

    def _paragraph_item(self, paragraph: _Paragraph, in_text_box: bool) -> BodyItem:
        return BodyItem(
            accepted=_labelled(self._normalize, paragraph.label, paragraph.accepted),
            original=_labelled(self._normalize, paragraph.label, paragraph.original),
            raw=(paragraph.label + paragraph.accepted).strip(),
            style=self._styles.name(paragraph.style_id),
            numbered=bool(paragraph.label),
            heading_like=paragraph.heading_like,
            centered=paragraph.centered,
            in_text_box=in_text_box,
            font_size=paragraph.font_size,
            annotations=paragraph.annotations,
        )

    def _read_paragraph(self, paragraph: etree._Element) -> _Paragraph:
        ppr = paragraph.find(W.pPr)
        style_id = _val(ppr, W.pStyle) or self._styles.default_paragraph_style
        runs = _Runs()
        runs.annotations.comment_ids.extend(self._pending_comment_ids)
        self._pending_comment_ids.clear()
        mark_deleted = self._mark_revision(ppr, runs.annotations)

        self._read_inline(paragraph, runs, deleted=False, inserted=False)
        # A field whose code never reached its separator would hide all later text.
        while self._fields and not self._fields[-1].in_result:
            self._fields.pop()

        # A paragraph merged away by a deleted mark takes no number in the accepted view.
        label = "" if mark_deleted else self._label(ppr, style_id)
        if _mark_hidden(ppr):
            # The number takes the paragraph mark's formatting: it counts but is not shown.
            label = ""
        justification = _val(ppr, W.jc) or self._styles.justification(style_id)
        outline_level = _int(_val(ppr, W.outlineLvl))
        if outline_level is None:
            outline_level = self._styles.outline_level(style_id)
        style_name = (self._styles.name(style_id) or "").lower()
        half_points = runs.max_font_size or self._styles.font_size(style_id)
        return _Paragraph(
            accepted="".join(runs.accepted),
            original="".join(runs.original),
            label=label,
            style_id=style_id,
            mark_deleted=mark_deleted,
            centered=justification == "center",
            heading_like=outline_level == 0 or style_name in _HEADING_NAMES,
            text_boxes=runs.text_boxes,
            annotations=runs.annotations,
            font_size=half_points / 2 if half_points else None,
        )

    def _mark_revision(self, ppr: etree._Element | None, annotations: Annotations) -> bool:
        """Record tracked changes to a paragraph and its mark; return True if the mark is deleted."""
        mark = ppr.find(W.rPr) if ppr is not None else None
        # Formatting changes to a paragraph or its mark carry no text of their own.
        for properties in (ppr, mark):
            change = _format_change(properties)
            if change is not None:
                annotations.revisions.append(_revision(change, "format", ""))
        if mark is None:
            return False
        deleted = False
        for child in mark:
            kind = _REVISION_KINDS.get(child.tag)
            if kind is None:
                continue
            # A change to the paragraph mark itself carries no text.
            annotations.revisions.append(_revision(child, kind, ""))
            self.has_revisions = True
            deleted = deleted or child.tag in _DELETIONS
        return deleted

    def _label(self, ppr: etree._Element | None, style_id: str | None) -> str:
        """Advance the paragraph's list, if any, and return its label with the separator."""
        num_pr = ppr.find(W.numPr) if ppr is not None else None
        num_id = _val(num_pr, W.numId)
        ilvl = _int(_val(num_pr, W.ilvl))
        style_num_id, style_ilvl = self._styles.numbering(style_id)
        from_style = num_id is None
        if from_style:
            num_id = style_num_id
        if num_id is None or num_id == "0":
            return ""
        if ilvl is None and from_style:
            ilvl = style_ilvl
            if ilvl is None and style_id is not None:
                ilvl = self._numbering.level_for_style(num_id, style_id)
        rendered = self._counters.next_label(num_id, ilvl or 0)
        if rendered is None:
            return ""
        label, separator = rendered
        return label + separator if label else ""

    def _read_inline(
        self, parent: etree._Element, runs: _Runs, *, deleted: bool, inserted: bool
    ) -> None:
        for child in parent:
            tag = child.tag
            if not isinstance(tag, str) or tag in _NO_TEXT_TAGS:
                continue
            if tag == W.r:
                self._read_run(child, runs, deleted=deleted, inserted=inserted)
            elif tag in _REVISION_KINDS:
                self.has_revisions = True
                text = self._normalize(_revised_text(child)).strip()
                runs.annotations.revisions.append(_revision(child, _REVISION_KINDS[tag], text))
                self._read_inline(
                    child,
                    runs,
                    deleted=deleted or tag in _DELETIONS,
                    inserted=inserted or tag in _INSERTIONS,
                )
            elif tag == W.commentRangeStart:
                runs.annotations.comment_ids.append(w_attr(child, "id") or "")
            elif tag == W.fldSimple:
                keyword = docx_fields.instruction_keyword(w_attr(child, "instr") or "")
                if not docx_fields.hides_result(keyword, skip_page_fields=self._skip_page_fields):
                    self._read_inline(child, runs, deleted=deleted, inserted=inserted)
            elif tag == W.sdt:
                self.content_controls += 1
                content = child.find(W.sdtContent)
                if content is not None:
                    self._read_inline(content, runs, deleted=deleted, inserted=inserted)
            elif tag == MC.AlternateContent:
                branch = choose_alternate(child)
                if branch is not None:
                    self._read_inline(branch, runs, deleted=deleted, inserted=inserted)
            elif tag == M.t:
                self._add(runs, child.text or "", deleted=deleted, inserted=inserted)
            elif tag == W.txbxContent:
                self.text_boxes += 1
                runs.text_boxes.append(child)
            else:
                # Hyperlinks, smart tags, custom XML, w:fldSimple results, math and bidi wrappers.
                self._read_inline(child, runs, deleted=deleted, inserted=inserted)

    def _read_run(self, run: etree._Element, runs: _Runs, *, deleted: bool, inserted: bool) -> None:
        rpr = run.find(W.rPr)
        size = _int(_val(rpr, W.sz))
        change = _format_change(rpr)
        if change is not None:
            text = self._normalize(_revised_text(run)).strip()
            runs.annotations.revisions.append(_revision(change, "format", text))
        for child in run:
            tag = child.tag
            if tag == W.t:
                text = child.text or ""
                self._add(runs, text, deleted=deleted, inserted=inserted)
                if size and text.strip() and not deleted:
                    runs.max_font_size = max(size, runs.max_font_size or 0)
            elif tag == W.delText:
                self._add(runs, child.text or "", deleted=True, inserted=inserted)
            elif tag in (W.tab, W.ptab):
                self._add(runs, "\t", deleted=deleted, inserted=inserted)
            elif tag in (W.br, W.cr):
                self._add(runs, "\n", deleted=deleted, inserted=inserted)
            elif tag == W.noBreakHyphen:
                self._add(runs, "-", deleted=deleted, inserted=inserted)
            elif tag == W.sym:
                self._add(runs, _symbol_text(child), deleted=deleted, inserted=inserted)
            elif tag == W.fldChar:
                self._field_char(child, runs, deleted=deleted, inserted=inserted)
            elif tag in (W.instrText, W.delInstrText):
                if self._fields and not self._fields[-1].in_result:
                    self._fields[-1].code.append(child.text or "")
            elif tag == W.ruby:
                base = child.find(W.rubyBase)
                if base is not None:
                    self._read_inline(base, runs, deleted=deleted, inserted=inserted)
            elif tag in _NOTE_KINDS:
                self.note_references += 1
                # A reference inside a deletion is gone once the changes are accepted.
                if not deleted:
                    runs.annotations.notes.append((_NOTE_KINDS[tag], w_attr(child, "id") or ""))
            elif tag == W.commentReference:
                runs.annotations.comment_ids.append(w_attr(child, "id") or "")
            elif tag == MC.AlternateContent:
                branch = choose_alternate(child)
                if branch is not None:
                    self._find_text_boxes(branch, runs)
            elif tag in (W.drawing, W.pict, W.object):
                self._find_text_boxes(child, runs)

    def _find_text_boxes(self, element: etree._Element, runs: _Runs) -> None:
        for child in element:
            tag = child.tag
            if tag == W.txbxContent:
                self.text_boxes += 1
                runs.text_boxes.append(child)
            elif tag == MC.AlternateContent:
                branch = choose_alternate(child)
                if branch is not None:
                    self._find_text_boxes(branch, runs)
            elif isinstance(tag, str):
                self._find_text_boxes(child, runs)

    def _field_char(
        self, marker: etree._Element, runs: _Runs, *, deleted: bool, inserted: bool
    ) -> None:
        kind = w_attr(marker, "fldCharType")
        if kind == "begin":
            self._fields.append(docx_fields.open_field(marker))
        elif kind == "separate" and self._fields:
            current = self._fields[-1]
            current.in_result = True
            current.result_hidden = docx_fields.hides_result(
                current.keyword, skip_page_fields=self._skip_page_fields
            )
        elif kind == "end" and self._fields:
            closed = self._fields.pop()
            # A check box or drop-down shows its value from w:ffData where the field ends.
            value = docx_fields.closing_text(closed)
            self._add(runs, value, deleted=deleted, inserted=inserted)

    def _add(self, runs: _Runs, text: str, *, deleted: bool, inserted: bool) -> None:
        if not text:
            return
        if any(not open_field.in_result or open_field.result_hidden for open_field in self._fields):
            return
        if self._fields and text.strip():
            self._fields[-1].result_seen = True
        if not deleted:
            runs.accepted.append(text)
        if not inserted:
            runs.original.append(text)

    # Tables.

    def _iter_rows(self, table: etree._Element, in_text_box: bool) -> Iterator[BodyItem]:
        """Yield one item per row, with spanned and vertically merged cells filled."""
        # Text of the cell that starts a vertical merge, by grid column: (accepted, original).
        merge_sources: dict[int, tuple[str, str]] = {}
        for row in _row_children(table, self):
            trpr = row.find(W.trPr)
            annotations = Annotations()
            row_deleted = row_inserted = False
            for change in trpr if trpr is not None else ():
                if change.tag in (W.ins, W_DEL):
                    self.has_revisions = True
                    annotations.revisions.append(_revision(change, _REVISION_KINDS[change.tag], ""))
                    row_deleted = row_deleted or change.tag == W_DEL
                    row_inserted = row_inserted or change.tag == W.ins

            accepted: list[str] = []
            original: list[str] = []
            before = _int(_val(trpr, W.gridBefore)) or 0
            accepted.extend([""] * before)
            original.extend([""] * before)
            column = before
            for cell in _cell_children(row, self):
                tcpr = cell.find(W.tcPr)
                span = max(_int(_val(tcpr, W.gridSpan)) or 1, 1)
                v_merge = tcpr.find(W.vMerge) if tcpr is not None else None
                own = self._cell_text(cell, annotations)
                if v_merge is not None and w_attr(v_merge, "val") != "restart":
                    source = merge_sources.get(column, ("", ""))
                    texts = (_append_line(source[0], own[0]), _append_line(source[1], own[1]))
                else:
                    texts = own
                for offset in range(span):
                    merge_sources[column + offset] = texts
                accepted.extend([texts[0]] * span)
                original.extend([texts[1]] * span)
                column += span
            after = _int(_val(trpr, W.gridAfter)) or 0
            accepted.extend([""] * after)
            original.extend([""] * after)

            cells = tuple(self._normalize(text).strip() for text in accepted)
            if row_deleted or not any(cells):
                # An empty item still carries the row's revisions and anchors to the reader.
                yield BodyItem("", "", in_text_box=in_text_box, annotations=annotations)
                continue
            if row_inserted:
                original_cells: tuple[str, ...] = ()
            else:
                original_cells = tuple(self._normalize(text).strip() for text in original)
            yield BodyItem(
                accepted=row_text(cells),
                original=row_text(original_cells),
                cells=cells,
                original_cells=original_cells,
                in_text_box=in_text_box,
                annotations=annotations,
            )

    def _cell_text(self, cell: etree._Element, annotations: Annotations) -> tuple[str, str]:
        """Return a cell's (accepted, original) text, nested tables flattened to lines.

        Revisions, note references and comment anchors in the cell go to `annotations`.
        """
        accepted: list[str] = []
        original: list[str] = []
        for item in self.iter_items(cell):
            annotations.extend(item.annotations)
            if item.accepted.strip():
                accepted.append(item.accepted)
            if item.original.strip():
                original.append(item.original)
        return "\n".join(accepted), "\n".join(original)


def _row_children(table: etree._Element, walker: BodyWalker) -> Iterator[etree._Element]:
    yield from _wrapped_children(table, W.tr, walker)


def _cell_children(row: etree._Element, walker: BodyWalker) -> Iterator[etree._Element]:
    yield from _wrapped_children(row, W.tc, walker)


def _wrapped_children(
    parent: etree._Element, wanted: str, walker: BodyWalker
) -> Iterator[etree._Element]:
    """Yield `wanted` children, descending into row- and cell-level content controls."""
    for child in parent:
        tag = child.tag
        if tag == wanted:
            yield child
        elif tag == W.sdt:
            walker.content_controls += 1
            content = child.find(W.sdtContent)
            if content is not None:
                yield from _wrapped_children(content, wanted, walker)
        elif tag == W.customXml:
            yield from _wrapped_children(child, wanted, walker)
        elif tag == MC.AlternateContent:
            branch = choose_alternate(child)
            if branch is not None:
                yield from _wrapped_children(branch, wanted, walker)


def _labelled(normalize: Callable[[str], str], label: str, text: str) -> str:
    """Normalise label and text apart, so the space after 第1条 or 1.1 survives CJK space removal."""
    body = normalize(text).strip()
    if not label:
        return body
    head = normalize(label).strip()
    if label.endswith((" ", "\t", "\u3000")):
        return f"{head} {body}" if body else head
    return head + body


def row_text(cells: tuple[str, ...]) -> str:
    """Join a row's cells for search and display: empty cells and merged-cell repeats once only."""
    shown: list[str] = []
    for index, cell in enumerate(cells):
        if cell and (index == 0 or cell != cells[index - 1]):
            shown.append(cell)
    return " | ".join(shown)


def _mark_hidden(ppr: etree._Element | None) -> bool:
    mark = ppr.find(W.rPr) if ppr is not None else None
    vanish = mark.find(W.vanish) if mark is not None else None
    return vanish is not None and w_attr(vanish, "val") not in {"0", "false", "off"}


def _join_paragraphs(first: _Paragraph, second: _Paragraph) -> _Paragraph:
    """Merge a paragraph whose mark was deleted into the next one, as accepting does."""
    return _Paragraph(
        accepted=first.accepted + second.accepted,
        original=_append_line(first.label + first.original, second.original),
        label=second.label,
        style_id=second.style_id,
        mark_deleted=second.mark_deleted,
        centered=second.centered,
        heading_like=second.heading_like,
        text_boxes=second.text_boxes,
        annotations=_joined_annotations(first.annotations, second.annotations),
        font_size=second.font_size,
    )


def _joined_annotations(first: Annotations, second: Annotations) -> Annotations:
    joined = Annotations()
    joined.extend(first)
    joined.extend(second)
    return joined


def _append_line(first: str, second: str) -> str:
    if not first:
        return second
    if not second:
        return first
    return first + "\n" + second


def _symbol_text(sym: etree._Element) -> str:
    """Return the character of a w:sym, or "" for a private-use symbol-font glyph."""
    code = _int_hex(w_attr(sym, "char"))
    if code is None or 0xE000 <= code <= 0xF8FF:
        return ""
    return chr(code)


def _int_hex(value: str | None) -> int | None:
    try:
        return int(value, 16) if value else None
    except ValueError:
        return None


def _revision(element: etree._Element, kind: str, text: str) -> Revision:
    return Revision(
        kind=kind,
        author=w_attr(element, "author"),
        date=w_attr(element, "date"),
        text=text,
        paragraph_index=None,
    )


def _revised_text(element: etree._Element) -> str:
    """Return the text a revision wrapper or run holds, deleted text included."""
    return "".join(node.text or "" for node in element.iter(W.t, W.delText, M.t))


def _format_change(properties: etree._Element | None) -> etree._Element | None:
    """Return the tracked formatting change (w:rPrChange or w:pPrChange) of a property element."""
    if properties is None:
        return None
    for tag in _FORMAT_CHANGES:
        change = properties.find(tag)
        if change is not None:
            return change
    return None
