"""The printable bundle of an evidence pack: every PDF item merged into one PDF with continuous page numbers.

Each page gets a stamp drawn by reportlab in the embedded Chinese font: the item's label
("证据 1-2") at the top right and the bundle page number ("第 12 页") at the bottom right. The
corners are those of the page as a viewer shows it, so rotated pages and pages whose boxes do
not start at (0, 0) are stamped where they can be seen. The stamp is a Form XObject painted
after the page's own content, whose streams stay byte for byte as they were.

The merge uses qpdf through pikepdf. qpdf reads an object of an input file only when it is
needed. It copies stream data from the input files to the output while it writes, so the
images of a scanned evidence pack are never all in memory at once.
"""

from __future__ import annotations

import gettext as gettext_module
import io
import os
import re
import tempfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import pikepdf
from reportlab.pdfgen.canvas import Canvas

from archive.errors import EvidenceFileError
from archive.evidence.items import EvidenceItem, PageRange
from archive.pdf_fonts import register_cjk_font

PDF_MEDIA_TYPE = "application/pdf"
STAMP_FONT_SIZE = 9
# Distance of the stamp's text from the right, top and bottom edges of the visible page, in points.
STAMP_MARGIN = 14
STAMP_RESOURCE_NAME = "EvidenceStamp"
PRODUCER = "contract-archive"

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


@dataclass(frozen=True)
class _SourcePage:
    """The display geometry of a selected page: its visible box in user space and its clockwise rotation."""

    box: tuple[float, float, float, float]
    rotation: int

    @property
    def shown_size(self) -> tuple[float, float]:
        """The visible page's width and height as a viewer shows it, after rotation, in points."""
        left, bottom, right, top = self.box
        width, height = right - left, top - bottom
        return (height, width) if self.rotation in (90, 270) else (width, height)


@dataclass(frozen=True)
class _CheckedItem:
    """An item whose PDF opened, with the file qpdf reads it from and its selected pages in bundle order."""

    item: EvidenceItem
    path: Path
    page_numbers: list[int]
    pages: list[_SourcePage]
    version: tuple[int, int]


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
    ValueError for two items with the same label or for a PDF item without a source. Entries
    with the same label one after another are parts of one item, and their pages form one range.

    Memory does not grow with the size of the PDFs' streams. qpdf copies each stream from its
    input file to `output` while it writes, with at most one stream in memory at a time, so the peak
    is set by the largest single stream (such as one scanned page image), plus the page
    dictionaries, other small objects and stamps, which grow with the number of pages. A source
    given as bytes is written to a temporary file first, so the bundle adds no copy of it in
    memory. The input files stay open until the bundle is written.

    The same inputs give the same output bytes, also in another process, as long as the pikepdf,
    qpdf and reportlab versions are the same.
    """
    font_name = register_cjk_font(font_path)
    with tempfile.TemporaryDirectory(prefix="evidence-bundle-") as scratch:
        checked_items: list[_CheckedItem] = []
        ranges: dict[str, PageRange] = {}
        page_count = 0
        seen_labels: list[str] = []
        for item, source in items_with_pdfs:
            if item.label in seen_labels and seen_labels[-1] != item.label:
                raise ValueError(
                    f"Two evidence items have the label {item.label}. Give each item its own group and number."
                )
            seen_labels.append(item.label)
            if item.media_type != PDF_MEDIA_TYPE:
                continue
            if source is None:
                raise ValueError(f"Evidence item {item.label} is a PDF but no bytes or path were given for it.")
            if isinstance(source, bytes):
                path = Path(scratch) / f"source-{len(checked_items) + 1}.pdf"
                path.write_bytes(source)
            else:
                path = Path(source)
            checked = _check_item(item, path)
            checked_items.append(checked)
            # Consecutive parts of one item (a record's printout, then its attached PDFs) share one range.
            first = ranges[item.label].first if item.label in ranges else page_count + 1
            ranges[item.label] = PageRange(first, page_count + len(checked.pages))
            page_count += len(checked.pages)

        # The job owns the opened input files, which the bundle reads its streams from, so it
        # must stay alive until the bundle is saved.
        # NOTE: a PDF that qpdf can repair (one cut off inside an image) is bundled as recovered, with no error.
        job, bundle = _merge(checked_items)
        with bundle, _draw_stamps(checked_items, font_name, translations.gettext) as stamps:
            _stamp_pages(bundle, checked_items, stamps)
            bundle.docinfo[pikepdf.Name.Producer] = PRODUCER
            _save(bundle, output, checked_items)
        del job
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


def _check_item(item: EvidenceItem, path: Path) -> _CheckedItem:
    """Open one item's PDF, check it and its page selection, and read where its selected pages are shown.

    Stream data is not read here, because qpdf reads it only while the bundle is written.
    """

    def reject(problem: str, **values: Any) -> EvidenceFileError:
        return EvidenceFileError(problem, label=item.label, name=item.name, file=item.file_name, **values)

    try:
        # An owner password only restricts printing or copying, and qpdf opens such a file with the
        # empty password, as the archive's readers do. An open (user) password cannot be passed here.
        pdf = pikepdf.open(path, access_mode=pikepdf.AccessMode.stream)
    except pikepdf.PasswordError as error:
        raise reject(PASSWORD_PROTECTED) from error
    except (pikepdf.PdfError, OSError, ValueError, TypeError) as error:
        raise reject(DAMAGED, detail=_error_detail(error, str(path))) from error

    with pdf:
        count = len(pdf.pages)
        if count == 0:
            raise reject(NO_PAGES)
        try:
            selected = parse_page_selection(item.pages, count)
        except ValueError as error:
            raise reject(str(error), pages=item.pages, count=count) from error
        try:
            pages = [_source_page(pdf.pages[number - 1]) for number in selected]
        except (pikepdf.PdfError, ValueError, TypeError, KeyError, AttributeError, IndexError) as error:
            raise reject(DAMAGED, detail=_error_detail(error, str(path))) from error
        version = _version(pdf.pdf_version)
    return _CheckedItem(item, path, selected, pages, version)


def _source_page(page: pikepdf.Page) -> _SourcePage:
    """Read a page's visible box and rotation. Raises ValueError for a page without a valid MediaBox."""
    dictionary = page.obj
    media = dictionary.get(pikepdf.Name.MediaBox)
    if media is None:
        raise ValueError("a page has no MediaBox")
    crop = dictionary.get(pikepdf.Name.CropBox, media)
    return _SourcePage(_visible_box(_rectangle(media), _rectangle(crop)), _rotation(dictionary))


def _rectangle(value: pikepdf.Object) -> list[float]:
    numbers = [float(number) for number in value]
    if len(numbers) != 4:
        raise ValueError(f"a page box has {len(numbers)} numbers instead of 4")
    return numbers


def _visible_box(media: list[float], crop: list[float]) -> tuple[float, float, float, float]:
    """Return the part of the page a viewer shows: the crop box within the media box, as left, bottom, right, top."""
    left = max(min(media[0], media[2]), min(crop[0], crop[2]))
    bottom = max(min(media[1], media[3]), min(crop[1], crop[3]))
    right = min(max(media[0], media[2]), max(crop[0], crop[2]))
    top = min(max(media[1], media[3]), max(crop[1], crop[3]))
    if right <= left or top <= bottom:
        # A crop box outside the media box: viewers then show the media box.
        return min(media[0], media[2]), min(media[1], media[3]), max(media[0], media[2]), max(media[1], media[3])
    return left, bottom, right, top


def _rotation(page: pikepdf.Dictionary) -> int:
    """Return the page's clockwise rotation for display: 0, 90, 180 or 270, with an invalid /Rotate read as 0."""
    value = page.get(pikepdf.Name.Rotate)
    if value is None:
        return 0
    try:
        rotation = int(value) % 360
    except (TypeError, ValueError):
        return 0
    return rotation if rotation in (0, 90, 180, 270) else 0


def _shown_to_user(rotation: int, box: tuple[float, float, float, float]) -> tuple[float, ...]:
    """Return the matrix from the page as shown (origin at its lower left corner) to the page's user space.

    `box` is the visible box before rotation. A page with /Rotate 90 is turned clockwise, so its
    left edge is shown at the top and its top edge at the right.
    """
    left, bottom, right, top = box
    if rotation == 90:
        return (0, 1, -1, 0, right, bottom)
    if rotation == 180:
        return (-1, 0, 0, -1, right, top)
    if rotation == 270:
        return (0, -1, 1, 0, left, top)
    return (1, 0, 0, 1, left, bottom)


def _draw_stamps(checked_items: list[_CheckedItem], font_name: str, gettext: Any) -> pikepdf.Pdf:
    """Draw every page's stamp with reportlab, one stamp page per bundle page, and open the result.

    One reportlab document for the whole bundle embeds the font subset once and every stamp
    refers to it, so a bundle of thousands of pages carries one copy of the font. The document
    is small: a few hundred bytes a page besides the font.
    """
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=True, initialFontName=font_name)
    number = 0
    for checked in checked_items:
        label = gettext("Evidence {label}").format(label=checked.item.label)
        for source_page in checked.pages:
            number += 1
            width, height = source_page.shown_size
            canvas.setPageSize((width, height))
            canvas.setFont(font_name, STAMP_FONT_SIZE)
            canvas.drawRightString(width - STAMP_MARGIN, height - STAMP_MARGIN - STAMP_FONT_SIZE, label)
            canvas.drawRightString(width - STAMP_MARGIN, STAMP_MARGIN, gettext("Page {number}").format(number=number))
            canvas.showPage()
    canvas.save()
    buffer.seek(0)
    return pikepdf.open(buffer)


def _merge(checked_items: list[_CheckedItem]) -> tuple[pikepdf.Job | None, pikepdf.Pdf]:
    """Merge the selected pages of every item into a new PDF with a qpdf job, and return the job and the PDF.

    pikepdf's own page copying reads the stream data of every copied page into memory at once.
    A qpdf job's page selection instead leaves the data in the input files until the result is
    written. qpdf makes a separate copy of a page that is selected twice, so each bundle page
    is its own page object and gets its own stamp. A qpdf job needs at least one page, so
    without PDF items the result is an empty PDF and there is no job.
    """
    if not checked_items:
        return None, pikepdf.new()
    job = pikepdf.Job({
        "empty": "",
        # create_pdf does not write this file. A job without an output file is rejected.
        "outputFile": os.devnull,
        # The default may drop a page's resources that its content does not use, which means
        # decoding every content stream. The bundle keeps every page as it is.
        "removeUnreferencedResources": "no",
        "pages": [{"file": str(checked.path), "range": _page_ranges(checked.page_numbers)}
                  for checked in checked_items],
    })
    return job, job.create_pdf()


def _page_ranges(numbers: list[int]) -> str:
    """Return 1-based page numbers in qpdf's page range syntax, runs joined: [1, 2, 3, 5] gives "1-3,5"."""
    runs: list[str] = []
    start = previous = numbers[0]
    for number in [*numbers[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        runs.append(str(start) if start == previous else f"{start}-{previous}")
        if number is not None:
            start = previous = number
    return ",".join(runs)


def _stamp_pages(bundle: pikepdf.Pdf, checked_items: list[_CheckedItem], stamps: pikepdf.Pdf) -> None:
    """Paint on each page of `bundle` its stamp, the page of `stamps` with the same index, after the page's own content."""
    source_pages = [source_page for checked in checked_items for source_page in checked.pages]
    if len(source_pages) != len(bundle.pages):
        raise RuntimeError(f"qpdf merged {len(bundle.pages)} pages where {len(source_pages)} were selected.")
    open_stream = bundle.make_indirect(pikepdf.Stream(bundle, b"q\n"))
    close_streams: dict[str, pikepdf.Object] = {}
    for page, stamp_page, source_page in zip(bundle.pages, stamps.pages, source_pages, strict=True):
        form = _stamp_form(bundle, stamps, stamp_page.obj, source_page)
        name = _add_xobject(page.obj, form)
        if name not in close_streams:
            # The newline first ends the page's last token, whatever the page's own stream ends with.
            close_streams[name] = bundle.make_indirect(
                pikepdf.Stream(bundle, f"\nQ\nq /{name} Do Q\n".encode("ascii"))
            )
        contents = pikepdf.Array([open_stream])
        contents.extend(_content_streams(page.obj))
        contents.append(close_streams[name])
        page.obj[pikepdf.Name.Contents] = contents


def _stamp_form(bundle: pikepdf.Pdf, stamps: pikepdf.Pdf, stamp_page: pikepdf.Dictionary,
                source_page: _SourcePage) -> pikepdf.Object:
    """Return a Form XObject in `bundle` that draws `stamp_page` of `stamps` onto the visible part of `source_page`."""
    width, height = source_page.shown_size
    data = b"".join(stream.read_bytes() for stream in _content_streams(stamp_page))
    form = pikepdf.Stream(bundle, zlib.compress(data))
    form[pikepdf.Name.Filter] = pikepdf.Name.FlateDecode
    form[pikepdf.Name.Type] = pikepdf.Name.XObject
    form[pikepdf.Name.Subtype] = pikepdf.Name.Form
    form[pikepdf.Name.BBox] = pikepdf.Array([0, 0, width, height])
    form[pikepdf.Name.Matrix] = pikepdf.Array(_shown_to_user(source_page.rotation, source_page.box))
    # Copying through one Pdf reuses the objects already copied from it, so the stamps share one font.
    resources = stamp_page.Resources
    if not resources.is_indirect:
        resources = stamps.make_indirect(resources)
    form[pikepdf.Name.Resources] = bundle.copy_foreign(resources)
    return bundle.make_indirect(form)


def _add_xobject(page: pikepdf.Dictionary, form: pikepdf.Object) -> str:
    """Add `form` to the page's XObject resources under a free name, and return the name without its slash."""
    # New dictionaries for each page, because pages often share one resources object.
    resources = _copy_dictionary(page.get(pikepdf.Name.Resources))
    xobjects = _copy_dictionary(resources.get(pikepdf.Name.XObject))
    name = STAMP_RESOURCE_NAME
    suffix = 1
    while f"/{name}" in xobjects:
        suffix += 1
        name = f"{STAMP_RESOURCE_NAME}{suffix}"
    xobjects[f"/{name}"] = form
    resources[pikepdf.Name.XObject] = xobjects
    page[pikepdf.Name.Resources] = resources
    return name


def _copy_dictionary(value: pikepdf.Object | None) -> pikepdf.Dictionary:
    """Return a new direct dictionary with the entries of `value`, or an empty one for None or a non-dictionary."""
    if not isinstance(value, pikepdf.Dictionary):
        return pikepdf.Dictionary()
    return pikepdf.Dictionary({key: value[key] for key in value.keys()})


def _content_streams(page: pikepdf.Dictionary) -> list[pikepdf.Object]:
    """Return the page's content streams in order, or none for a page without content."""
    contents = page.get(pikepdf.Name.Contents)
    if contents is None:
        return []
    if isinstance(contents, pikepdf.Array):
        return [part for part in contents if isinstance(part, pikepdf.Stream)]
    if isinstance(contents, pikepdf.Stream):
        return [contents]
    return []


def _save(bundle: pikepdf.Pdf, output: BinaryIO, checked_items: list[_CheckedItem]) -> None:
    """Write the bundle to `output`, copying every stream as stored, with a document ID that depends only on the content.

    No stream is decoded, compressed or recompressed, so the pages' own content streams and
    images are written byte for byte. The header's version is the highest of the sources'.
    """
    minimum = max((checked.version for checked in checked_items), default=(1, 4))
    bundle.save(
        output,
        min_version=f"{minimum[0]}.{minimum[1]}",
        compress_streams=False,
        stream_decode_level=pikepdf.StreamDecodeLevel.none,
        object_stream_mode=pikepdf.ObjectStreamMode.disable,
        deterministic_id=True,
    )


def _version(text: str) -> tuple[int, int]:
    """Return a PDF version such as "1.7" as (1, 7), or (1, 4) for text that is not one."""
    major, _, minor = text.partition(".")
    try:
        return int(major), int(minor)
    except ValueError:
        return (1, 4)


def _error_detail(error: Exception, description: str) -> str:
    """Return the error's type and message for an error message, without qpdf's description of the input."""
    message = str(error).replace(f"{description}: ", "").replace(description, "the file")
    return f"{type(error).__name__}: {message}".rstrip(". ")
