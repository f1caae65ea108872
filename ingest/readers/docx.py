"""Read a DOCX file into a ParsedDocument: paragraphs and table rows in body order.

python-docx opens the package and parses its parts. The body itself is walked
as XML (see docx_xml), so automatic numbers, content controls, tracked
insertions, text boxes and table cells all reach the text.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.opc.part import Part
from docx.oxml.parser import parse_xml
from docx.package import Package
from lxml import etree

from archive import notices
from archive.errors import CorruptFileError, EncryptedFileError, LegacyWordFormatError
from ingest.normalize import normalize_text
from ingest.parsed import Block, ParsedDocument
from ingest.readers.docx_numbering import ListCounters, NumberingDefinitions
from ingest.readers.docx_xml import W, BodyItem, BodyWalker, StyleSheet

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Stream name that an encrypted OOXML file keeps inside its OLE container (MS-OFFCRYPTO).
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")

# Refuse parts that inflate beyond this, because a small zip can expand to gigabytes.
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024

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

    warnings: list[str] = []
    body = document.find(W.body)
    walker = BodyWalker(styles, numbering, ListCounters(numbering), normalize_text)
    items = list(walker.iter_items(body)) if body is not None else []
    if body is None:
        warnings.append(notices.DOCX_NO_BODY)

    blocks = _to_blocks(items)
    warnings.extend(_collect_warnings(main_part, walker, numbering))
    metadata = _core_metadata(package)
    metadata["content_controls"] = str(walker.content_controls)
    metadata["text_boxes"] = str(walker.text_boxes)
    return ParsedDocument(
        media_type=DOCX_MEDIA_TYPE,
        blocks=tuple(blocks),
        has_revisions=walker.has_revisions,
        warnings=tuple(warnings),
        title=_choose_title(items, metadata.get("title")),
        metadata=metadata,
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


def _has_related(part: Part, relationship_type: str) -> bool:
    try:
        part.part_related_by(relationship_type)
    except KeyError:
        return False
    return True


def _to_blocks(items: list[BodyItem]) -> list[Block]:
    """Normalise items and drop empty ones; paragraph_index counts emitted blocks only."""
    blocks: list[Block] = []
    for item in items:
        if item.cells is not None:
            text = item.accepted
            original = item.original
            cells = item.cells
        else:
            # The walker already normalised paragraph text (label and body apart).
            text = item.accepted.strip()
            original = item.original.strip()
            cells = None
            if not text and not original:
                continue
        blocks.append(
            Block(
                text=text,
                paragraph_index=len(blocks),
                font_size=item.font_size,
                style=item.style,
                cells=cells,
                original_text=original if original != text else None,
            )
        )
    return blocks


def _collect_warnings(
    main_part: Part, walker: BodyWalker, numbering: NumberingDefinitions
) -> list[str]:
    warnings: list[str] = []
    if _has_related(main_part, RT.COMMENTS):
        warnings.append(notices.DOCX_COMMENTS)
    if walker.note_references:
        warnings.append(notices.DOCX_NOTES.format(count=walker.note_references))
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
