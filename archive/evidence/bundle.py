"""The printable bundle of an evidence pack: every PDF item merged into one PDF with continuous page numbers.

Each page gets a stamp drawn by reportlab in the embedded Chinese font: the item's label
("证据 1-2") at the top right and the bundle page number ("第 12 页") at the bottom right. The
corners are those of the page as a viewer shows it, so rotated pages and pages whose boxes do
not start at (0, 0) are stamped where they can be seen. The stamp is a Form XObject painted
after the page's own content, whose streams stay byte for byte as they were.
"""

from __future__ import annotations

import gettext as gettext_module
import hashlib
import io
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

from pypdf import PdfReader, PdfWriter
from pypdf.errors import FileNotDecryptedError, PyPdfError
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    PdfObject,
    StreamObject,
)
from reportlab.pdfgen.canvas import Canvas

from archive.errors import EvidenceFileError
from archive.evidence.items import EvidenceItem, PageRange
from archive.pdf_fonts import register_cjk_font

PDF_MEDIA_TYPE = "application/pdf"
STAMP_FONT_SIZE = 9
# Distance of the stamp's text from the right, top and bottom edges of the visible page, in points.
STAMP_MARGIN = 14
STAMP_RESOURCE_NAME = "EvidenceStamp"

# Problems of an item's file, for EvidenceFileError. The message catalog translates them.
PASSWORD_PROTECTED = (
    "the PDF is protected by an open password. Remove the password, or print it to a new PDF, and replace the file"
)
DAMAGED = "the file is damaged or is not a PDF ({detail}). Check that it opens, then replace it"
NO_PAGES = "the PDF has no pages. Replace it with the complete file"
PAGES_INVALID = "its pages '{pages}' are not a page list such as 1-3 or 1,4-6. Correct the item's pages"
PAGES_OUT_OF_RANGE = "its pages '{pages}' are not within the file's {count} pages. Correct the item's pages"

# Separators staff write between page numbers and ranges: "1,3", "1、3", "1；3", "1-3", "1～3", "1至3".
_LIST_SEPARATORS = re.compile(r"[,，、;；\s]+")
_RANGE = re.compile(r"^(\d+)(?:\s*[-–—~～至到]\s*(\d+))?$")

PdfSource = bytes | str | os.PathLike[str] | None


def build_bundle(
    items_with_pdfs: Iterable[tuple[EvidenceItem, PdfSource]],
    output: BinaryIO,
    *,
    translations: gettext_module.NullTranslations,
    font_path: Path | None = None,
) -> dict[str, PageRange]:
    """Merge the PDF items, in the given order, into one stamped PDF written to `output`.

    `items_with_pdfs` pairs each item with its PDF as bytes or a file path. Items whose media type
    is not application/pdf are skipped, so their source may be None, and they get no range. An
    item's `pages` ("1-3", "1,4-6") selects pages of its file, else all pages are taken.
    `font_path` is the configured CJK font (settings.pdf_font) or None for an installed one.

    Returns each bundled item's page range in the bundle, keyed by its label ("1-2"). Raises
    EvidenceFileError, naming the item and its file, when a PDF is password-protected or damaged
    or lacks the item's pages. Raises PdfFontError when no usable font is installed, and
    ValueError for two items with the same label or for a PDF item without a source.

    Pages are stamped one at a time and each stamp's reportlab PDF is dropped once merged. The
    pypdf writer keeps the merged pages in memory until it writes them, so peak memory grows
    with the size of the bundle.
    """
    font_name = register_cjk_font(font_path)
    writer = PdfWriter()
    stamper = _Stamper(writer, font_name, translations.gettext)
    ranges: dict[str, PageRange] = {}

    for item, source in items_with_pdfs:
        if item.label in ranges:
            raise ValueError(f"Two evidence items have the label {item.label}. Give each item its own group and number.")
        if item.media_type != PDF_MEDIA_TYPE:
            continue
        if source is None:
            raise ValueError(f"Evidence item {item.label} is a PDF but no bytes or path were given for it.")
        first = len(writer.pages) + 1
        _append_item(writer, stamper, item, source)
        ranges[item.label] = PageRange(first, len(writer.pages))

    writer.add_metadata({"/Producer": "contract-archive"})
    writer.write(output)
    return ranges


def parse_page_selection(pages: str | None, count: int) -> list[int]:
    """Return the 1-based page numbers that `pages` ("1-3", "1,4-6", "2、5") selects from `count` pages.

    None or a blank string selects every page. Raises ValueError, with the problem as its
    message, for text that is not a page list or a page outside 1..count.
    """
    if pages is None or not pages.strip():
        return list(range(1, count + 1))
    selected: list[int] = []
    for part in _LIST_SEPARATORS.split(pages.strip()):
        if not part:
            continue
        match = _RANGE.match(part)
        if match is None:
            raise ValueError(PAGES_INVALID)
        start = int(match.group(1))
        end = int(match.group(2) or start)
        if start < 1 or end < start:
            raise ValueError(PAGES_INVALID)
        if end > count:
            raise ValueError(PAGES_OUT_OF_RANGE)
        selected.extend(range(start, end + 1))
    if not selected:
        raise ValueError(PAGES_INVALID)
    return selected


def _append_item(writer: PdfWriter, stamper: _Stamper, item: EvidenceItem, source: PdfSource) -> None:
    """Add the selected pages of one item's PDF to `writer`, stamping each one."""

    def reject(problem: str, **values: Any) -> EvidenceFileError:
        return EvidenceFileError(problem, label=item.label, name=item.name, file=item.file_name, **values)

    try:
        reader = PdfReader(io.BytesIO(source) if isinstance(source, bytes) else source)
        # An owner password only restricts printing or copying and opens with the empty password,
        # which the archive's readers accept too. An open (user) password cannot be passed here.
        if reader.is_encrypted and not reader.decrypt(""):
            raise reject(PASSWORD_PROTECTED)
        count = len(reader.pages)
    except FileNotDecryptedError as error:
        raise reject(PASSWORD_PROTECTED) from error
    except (PyPdfError, OSError, ValueError, KeyError, TypeError) as error:
        raise reject(DAMAGED, detail=_error_detail(error)) from error
    if count == 0:
        raise reject(NO_PAGES)
    try:
        selected = parse_page_selection(item.pages, count)
    except ValueError as error:
        raise reject(str(error), pages=item.pages, count=count) from error

    for number in selected:
        try:
            page = writer.add_page(reader.pages[number - 1])
        except (PyPdfError, ValueError, KeyError, TypeError) as error:
            raise reject(DAMAGED, detail=_error_detail(error)) from error
        stamper.stamp(page, label=item.label, number=len(writer.pages))


def _error_detail(error: Exception) -> str:
    return f"{type(error).__name__}: {error}".rstrip(". ")


class _Stamper:
    """Draws the stamps with reportlab and paints them on pages of `writer`.

    The stamps of a bundle differ only in ASCII digits, so with reportlab 4 each one embeds the
    same font subset. The stamper keeps one copy of each distinct font in the writer, found by
    a digest of the font objects, so a 300-page bundle does not carry 300 copies of the font.
    """

    def __init__(self, writer: PdfWriter, font_name: str, gettext: Any) -> None:
        self.writer = writer
        self.font_name = font_name
        self.gettext = gettext
        self._fonts: dict[str, PdfObject] = {}
        self._open_stream = self._add_stream(b"q\n")
        self._close_streams: dict[str, IndirectObject] = {}

    def stamp(self, page: Any, *, label: str, number: int) -> None:
        left, bottom, right, top = _visible_box(page)
        rotation = _rotation(page)
        width, height = right - left, top - bottom
        shown_width, shown_height = (height, width) if rotation in (90, 270) else (width, height)

        overlay = self._draw(shown_width, shown_height, label=label, number=number)
        form = DecodedStreamObject()
        form.set_data(overlay.get_contents().get_data() if overlay.get_contents() is not None else b"")
        form.update({
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(shown_width),
                                              FloatObject(shown_height)]),
            NameObject("/Matrix"): ArrayObject(FloatObject(value) for value in
                                               _shown_to_user(rotation, left, bottom, width, height)),
            NameObject("/Resources"): self._resources(overlay),
        })
        form_reference = self.writer._add_object(form.flate_encode())

        resources = DictionaryObject(page.get("/Resources", DictionaryObject()).get_object())
        xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()).get_object())
        name = STAMP_RESOURCE_NAME
        suffix = 1
        while f"/{name}" in xobjects:
            suffix += 1
            name = f"{STAMP_RESOURCE_NAME}{suffix}"
        xobjects[NameObject(f"/{name}")] = form_reference
        resources[NameObject("/XObject")] = xobjects
        # A new dictionary for each page, because pages often share one resources object.
        page[NameObject("/Resources")] = resources

        contents = ArrayObject([self._open_stream])
        contents.extend(_content_references(self.writer, page))
        contents.append(self._close_stream(name))
        page[NameObject("/Contents")] = contents

    def _draw(self, width: float, height: float, *, label: str, number: int) -> Any:
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=(width, height), invariant=True, initialFontName=self.font_name)
        canvas.setFont(self.font_name, STAMP_FONT_SIZE)
        canvas.drawRightString(width - STAMP_MARGIN, height - STAMP_MARGIN - STAMP_FONT_SIZE,
                               self.gettext("Evidence {label}").format(label=label))
        canvas.drawRightString(width - STAMP_MARGIN, STAMP_MARGIN,
                               self.gettext("Page {number}").format(number=number))
        canvas.showPage()
        canvas.save()
        return PdfReader(buffer).pages[0]

    def _resources(self, overlay: Any) -> DictionaryObject:
        """Return the overlay's resources cloned into the writer, with a font already there reused."""
        source = overlay["/Resources"].get_object()
        resources = DictionaryObject()
        for key, value in source.items():
            if key != "/Font":
                resources[NameObject(key)] = value.get_object().clone(self.writer)
                continue
            fonts = DictionaryObject()
            for font_key, font in value.get_object().items():
                digest = _digest(font)
                if digest not in self._fonts:
                    self._fonts[digest] = font.get_object().clone(self.writer).indirect_reference
                fonts[NameObject(font_key)] = self._fonts[digest]
            resources[NameObject("/Font")] = fonts
        return resources

    def _add_stream(self, data: bytes) -> IndirectObject:
        stream = DecodedStreamObject()
        stream.set_data(data)
        return self.writer._add_object(stream)

    def _close_stream(self, name: str) -> IndirectObject:
        # The newline first ends the page's last token, whatever the page's own stream ends with.
        if name not in self._close_streams:
            self._close_streams[name] = self._add_stream(f"\nQ\nq /{name} Do Q\n".encode("ascii"))
        return self._close_streams[name]


def _visible_box(page: Any) -> tuple[float, float, float, float]:
    """Return the part of the page a viewer shows: the crop box within the media box, as left, bottom, right, top."""
    media = [float(value) for value in page.mediabox]
    crop = [float(value) for value in page.cropbox]
    left = max(min(media[0], media[2]), min(crop[0], crop[2]))
    bottom = max(min(media[1], media[3]), min(crop[1], crop[3]))
    right = min(max(media[0], media[2]), max(crop[0], crop[2]))
    top = min(max(media[1], media[3]), max(crop[1], crop[3]))
    if right <= left or top <= bottom:
        # A crop box outside the media box: viewers then show the media box.
        return min(media[0], media[2]), min(media[1], media[3]), max(media[0], media[2]), max(media[1], media[3])
    return left, bottom, right, top


def _rotation(page: Any) -> int:
    """Return the page's clockwise rotation for display: 0, 90, 180 or 270, with an invalid /Rotate read as 0."""
    try:
        rotation = int(page.rotation) % 360
    except (TypeError, ValueError):
        return 0
    return rotation if rotation in (0, 90, 180, 270) else 0


def _shown_to_user(rotation: int, left: float, bottom: float, width: float, height: float) -> tuple[float, ...]:
    """Return the matrix from the page as shown (origin at its lower left corner) to the page's user space.

    `width` and `height` are the visible box's size before rotation. A page with /Rotate 90 is
    turned clockwise, so its left edge is shown at the top and its top edge at the right.
    """
    if rotation == 90:
        return (0, 1, -1, 0, left + width, bottom)
    if rotation == 180:
        return (-1, 0, 0, -1, left + width, bottom + height)
    if rotation == 270:
        return (0, -1, 1, 0, left, bottom + height)
    return (1, 0, 0, 1, left, bottom)


def _content_references(writer: PdfWriter, page: Any) -> list[PdfObject]:
    """Return the page's content streams as indirect references in order, or none for a page without content."""
    contents = page.get("/Contents")
    if contents is None:
        return []
    resolved = contents.get_object()
    if isinstance(resolved, ArrayObject):
        parts = list(resolved)
    else:
        parts = [contents]
    references: list[PdfObject] = []
    for part in parts:
        if isinstance(part, IndirectObject):
            references.append(part)
        elif isinstance(part, StreamObject):
            references.append(writer._add_object(part))
    return references


def _digest(value: Any) -> str:
    """Return a SHA-256 of a PDF object with every object it references, to find identical fonts."""
    hasher = hashlib.sha256()
    _feed(value, hasher, depth=0)
    return hasher.hexdigest()


def _feed(value: Any, hasher: Any, depth: int) -> None:
    if depth > 20:
        raise ValueError("The stamp's font objects nest more than 20 levels deep.")
    if isinstance(value, IndirectObject):
        value = value.get_object()
    if isinstance(value, StreamObject):
        hasher.update(b"stream")
        hasher.update(value.get_data())
    if isinstance(value, DictionaryObject):
        hasher.update(b"<<")
        for key in sorted(value):
            hasher.update(key.encode("utf-8"))
            _feed(value[key], hasher, depth + 1)
        hasher.update(b">>")
    elif isinstance(value, ArrayObject):
        hasher.update(b"[")
        for element in value:
            _feed(element, hasher, depth + 1)
        hasher.update(b"]")
    else:
        hasher.update(repr(value).encode("utf-8"))
