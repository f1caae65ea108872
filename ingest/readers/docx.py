"""Read a DOCX file into a ParsedDocument: paragraphs and table rows in body order.

python-docx opens the package and parses its parts. The body itself is walked
as XML (see docx_xml), so automatic numbers, content controls, tracked
insertions, text boxes, form fields and table cells all reach the text. Each
footnote and endnote becomes a block right after the block that refers to it.
Headers, footers, comments and the authors of tracked changes are kept apart
from the blocks (see docx_stories).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import replace

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.opc.part import Part
from docx.oxml.parser import parse_xml
from docx.package import Package
from lxml import etree

from archive import notices
from archive.errors import CorruptFileError, EncryptedFileError, LegacyWordFormatError
from ingest.normalize import normalize_text
from ingest.parsed import Block, Comment, ParsedDocument, Revision
from ingest.readers.docx_numbering import ListCounters, NumberingDefinitions
from ingest.readers.docx_stories import (
    CommentText,
    NoteText,
    WalkerFactory,
    furniture_parts,
    furniture_text,
    read_comments,
    read_notes,
)
from ingest.readers.docx_xml import W, Annotations, BodyItem, BodyWalker, StyleSheet

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Stream name that an encrypted OOXML file keeps inside its OLE container (MS-OFFCRYPTO).
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")

# Refuse parts that inflate beyond this, because a small zip can expand to gigabytes.
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024

# Revision kind of a tracked formatting change (see Revision).
_FORMAT = "format"

# Title candidates are looked for among the first blocks only.
_TITLE_SEARCH_BLOCKS = 15
_TITLE_MAX_CHARS = 60
# Body text of Chinese contracts is usually 10.5 to 14 pt, so a larger paragraph is a title
# candidate even when it is not centred.
_TITLE_MIN_POINTS = 16.0
_GENERIC_TITLES = re.compile(
    r"^(microsoft word\s*-.*|word document|document\d*|文档\d*|新建.*文档.*|untitled|title|标题)$",
    re.IGNORECASE,
)


def read_docx(data: bytes, *, filename: str) -> ParsedDocument:
    """Parse DOCX bytes into blocks in body order, with numbers rendered and revisions accepted."""
    _reject_ole(data, filename)
    _check_inflated_size(data, filename)
    package = _open_package(data, filename)

    try:
        main_part = package.main_document_part
        document = _part_root(main_part)
        styles = StyleSheet(_related_root(main_part, RT.STYLES))
        numbering = NumberingDefinitions.from_xml(
            _related_root(main_part, RT.NUMBERING), styles.numbering_style_num_ids()
        )
    except (KeyError, ValueError, etree.XMLSyntaxError) as error:
        raise CorruptFileError(file=filename, format="DOCX", detail=str(error)) from error

    def new_walker(*, skip_page_fields: bool = False) -> BodyWalker:
        # Every story counts its own list numbers, so notes never shift the body's labels.
        counters = ListCounters(numbering)
        return BodyWalker(
            styles, numbering, counters, normalize_text, skip_page_fields=skip_page_fields
        )

    warnings: list[str] = []
    body = document.find(W.body)
    walker = new_walker()
    items = list(walker.iter_items(body)) if body is not None else []
    if body is None:
        warnings.append(notices.DOCX_NO_BODY)

    try:
        notes = {
            "footnote": read_notes(_related_root(main_part, RT.FOOTNOTES), "footnote", new_walker),
            "endnote": read_notes(_related_root(main_part, RT.ENDNOTES), "endnote", new_walker),
        }
        comment_texts = read_comments(_related_root(main_part, RT.COMMENTS), new_walker)
    except (ValueError, etree.XMLSyntaxError) as error:
        raise CorruptFileError(file=filename, format="DOCX", detail=str(error)) from error

    builder = _BlockBuilder(notes)
    for item in items:
        builder.add(item)
    furniture, furniture_revisions = _read_furniture(main_part, document, new_walker, filename)
    revisions = builder.revisions + furniture_revisions
    comments = _anchor_comments(comment_texts, builder.comment_anchors)

    warnings.extend(_collect_warnings(walker, numbering, len(comments)))
    metadata = _core_metadata(package)
    metadata["content_controls"] = str(walker.content_controls)
    metadata["text_boxes"] = str(walker.text_boxes)
    metadata["comments"] = str(len(comments))
    return ParsedDocument(
        media_type=DOCX_MEDIA_TYPE,
        blocks=tuple(builder.blocks),
        # A formatting change alone leaves both text views equal.
        has_revisions=any(revision.kind != _FORMAT for revision in revisions),
        warnings=tuple(warnings),
        title=_choose_title(items, metadata.get("title")),
        metadata=metadata,
        page_furniture=furniture,
        revisions=tuple(revisions),
        comments=tuple(comments),
    )


def _reject_ole(data: bytes, filename: str) -> None:
    """Raise for an OLE compound file: an encrypted OOXML file or a legacy .doc."""
    if not data.startswith(_OLE_SIGNATURE):
        return
    if _ENCRYPTION_INFO in data:
        raise EncryptedFileError(file=filename)
    raise LegacyWordFormatError(file=filename)


def _check_inflated_size(data: bytes, filename: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, EOFError) as error:
        raise CorruptFileError(file=filename, format="DOCX", detail=str(error)) from error
    if inflated > MAX_UNCOMPRESSED_BYTES:
        detail = f"its parts expand to {inflated} bytes, more than the {MAX_UNCOMPRESSED_BYTES} allowed"
        raise CorruptFileError(file=filename, format="DOCX", detail=detail)


def _open_package(data: bytes, filename: str) -> Package:
    try:
        return Package.open(io.BytesIO(data))
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        KeyError,
        ValueError,
        etree.XMLSyntaxError,
        PackageNotFoundError,
    ) as error:
        raise CorruptFileError(file=filename, format="DOCX", detail=str(error)) from error


def _part_root(part: Part) -> etree._Element:
    """Return the parsed XML of a part; parts python-docx does not model are parsed here."""
    element = getattr(part, "element", None)
    if element is not None:
        return element
    return parse_xml(part.blob)


def _related_root(part: Part, relationship_type: str) -> etree._Element | None:
    try:
        related = part.part_related_by(relationship_type)
    except KeyError:
        return None
    return _part_root(related)


class _BlockBuilder:
    """Blocks built from walker items, with each note placed after the block that refers to it.

    Empty items make no block. paragraph_index counts emitted blocks only, and
    the revisions and comment anchors of an item get the index of its block.
    """

    def __init__(self, notes: dict[str, dict[str, NoteText]]) -> None:
        self._notes = notes
        self._emitted_notes: set[tuple[str, str]] = set()
        self.blocks: list[Block] = []
        self.revisions: list[Revision] = []
        # Comment id to the index of the first block that anchors it.
        self.comment_anchors: dict[str, int | None] = {}

    def add(self, item: BodyItem) -> None:
        index = self._add_block(item)
        self._annotate(item.annotations, index)
        for kind, note_id in item.annotations.notes:
            self._add_note(kind, note_id)

    def _add_block(self, item: BodyItem) -> int | None:
        if item.cells is not None:
            text = item.accepted
            original = item.original
        else:
            # The walker already normalised paragraph text (label and body apart).
            text = item.accepted.strip()
            original = item.original.strip()
            if not text and not original:
                return None
        return self._append(
            Block(
                text=text,
                paragraph_index=len(self.blocks),
                font_size=item.font_size,
                style=item.style,
                cells=item.cells,
                original_text=original if original != text else None,
                auto_numbered=item.numbered,
                raw_text=item.raw if item.raw and item.raw != text else None,
            )
        )

    def _add_note(self, kind: str, note_id: str) -> None:
        note = self._notes[kind].get(note_id)
        if note is None or (kind, note_id) in self._emitted_notes:
            return
        self._emitted_notes.add((kind, note_id))
        index = None
        if note.accepted or note.original:
            block = Block(
                text=note.accepted,
                paragraph_index=len(self.blocks),
                style=kind,
                original_text=note.original if note.original != note.accepted else None,
            )
            index = self._append(block)
        self._annotate(note.annotations, index)

    def _append(self, block: Block) -> int:
        self.blocks.append(block)
        return len(self.blocks) - 1

    def _annotate(self, annotations: Annotations, index: int | None) -> None:
        for revision in annotations.revisions:
            self.revisions.append(replace(revision, paragraph_index=index))
        for comment_id in annotations.comment_ids:
            self.comment_anchors.setdefault(comment_id, index)


def _read_furniture(
    main_part: Part, document: etree._Element, new_walker: WalkerFactory, filename: str
) -> tuple[tuple[str, ...], list[Revision]]:
    """Return the distinct header and footer texts and the revisions inside them."""
    texts: list[str] = []
    revisions: list[Revision] = []
    for part in furniture_parts(main_part, document):
        try:
            root = _part_root(part)
        except (ValueError, etree.XMLSyntaxError) as error:
            raise CorruptFileError(file=filename, format="DOCX", detail=str(error)) from error
        text, items = furniture_text(root, new_walker)
        if text and text not in texts:
            texts.append(text)
        for item in items:
            revisions.extend(item.annotations.revisions)
    return tuple(texts), revisions


def _anchor_comments(comments: list[CommentText], anchors: dict[str, int | None]) -> list[Comment]:
    return [
        Comment(
            author=comment.author,
            date=comment.date,
            text=comment.text,
            paragraph_index=anchors.get(comment.comment_id),
        )
        for comment in comments
    ]


def _collect_warnings(
    walker: BodyWalker, numbering: NumberingDefinitions, comments: int
) -> list[str]:
    warnings: list[str] = []
    if comments:
        warnings.append(notices.DOCX_COMMENTS)
    if walker.alt_chunks:
        warnings.append(notices.DOCX_ALT_CHUNKS.format(count=walker.alt_chunks))
    for num_format in sorted(numbering.unknown_formats):
        warnings.append(notices.DOCX_NUMBER_FORMAT.format(format=num_format))
    return warnings


def _core_metadata(package: Package) -> dict[str, str]:
    """Return core properties that are set, without creating a default core part."""
    try:
        package.part_related_by(RT.CORE_PROPERTIES)
    except KeyError:
        return {}
    properties = package.core_properties
    values = {
        "title": properties.title,
        "author": properties.author,
        "last_modified_by": properties.last_modified_by,
        "created": properties.created.isoformat() if properties.created else None,
        "modified": properties.modified.isoformat() if properties.modified else None,
    }
    return {key: value.strip() for key, value in values.items() if value and value.strip()}


def _choose_title(items: list[BodyItem], core_title: str | None) -> str | None:
    """Pick the largest title-like paragraph near the top, else a meaningful core title.

    Among heading-styled, centred or large paragraphs of the first blocks, the
    one set in the largest size wins (the earliest on a tie), so a bold document
    code such as "GF—2024—2612" above the real title loses. A title that Word
    wraps over adjacent paragraphs of the same size is joined into one.
    """
    best: tuple[float, int] | None = None
    considered = 0
    for position, item in enumerate(items):
        if item.accepted.strip():
            considered += 1
        if considered > _TITLE_SEARCH_BLOCKS:
            break
        if _title_text(item) is None:
            continue
        size = item.font_size or 0.0
        if best is None or size > best[0]:
            best = (size, position)
    if best is not None:
        return _joined_title(items, best[1])
    if core_title and not _GENERIC_TITLES.match(core_title):
        return normalize_text(core_title).strip()
    return None


def _joined_title(items: list[BodyItem], position: int) -> str:
    first = items[position]
    parts = [_title_text(first) or ""]
    for following in items[position + 1 :]:
        next_text = _title_text(following)
        if next_text is None or following.font_size != first.font_size:
            break
        if len("".join(parts)) + len(next_text) > _TITLE_MAX_CHARS:
            break
        parts.append(next_text)
    return "".join(parts)


def _title_text(item: BodyItem) -> str | None:
    """Return the normalised text of a paragraph that looks like a title, else None."""
    if item.cells is not None or item.numbered or item.in_text_box:
        return None
    text = normalize_text(item.accepted).strip()
    if not text or len(text) > _TITLE_MAX_CHARS:
        return None
    # A centred "合同编号：" or "甲方：" line is a form field, not a title.
    if ":" in text or "：" in text or "\n" in text:
        return None
    large = item.font_size is not None and item.font_size >= _TITLE_MIN_POINTS
    if item.heading_like or item.centered or large:
        return text
    return None
