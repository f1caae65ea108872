"""PDF reader: text lines and ruled-table rows with boxes per page, and which pages need OCR.

Characters and boxes come from pdfium (pypdfium2), which reads a page in a
few milliseconds. pdfplumber (pdfminer) is opened only for pages whose text
layer fails the quality gate. It first tries to recover their text from the
fonts' own maps (see pdf_cmap), and otherwise confirms the verdict with its
`(cid:N)` count. A page that is empty or garbage gets no blocks, so its garbage
is never indexed, and is marked `needs_ocr` with the reason. When OCR is enabled,
Tesseract then reads the pages still marked (see ingest.ocr), and a page it reads
loses the mark. Running headers, footers and page numbers leave the blocks for
`Page.furniture` (see pdf_furniture).
"""

from __future__ import annotations

import io
import logging
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from archive import notices
from archive.errors import CorruptFileError, EncryptedFileError
from archive.pdfium_lock import PDFIUM_LOCK
from ingest.normalize import normalize_text
from ingest.ocr import DISABLED, OcrOptions, PageRecognition, recognise_pages
from ingest.ocr.page import OcrPage
from ingest.ocr.text import repair_amounts
from ingest.parsed import FONT_MAPS, OCR, Block, Page, ParsedDocument
from ingest.readers.docx_xml import row_text
from ingest.readers.pdf_furniture import split_furniture
from ingest.readers.pdf_glyphs import Glyph, read_glyphs
from ingest.readers.pdf_lines import LineParams, LineStats, group_lines
from ingest.readers.pdf_tables import Rule, Table, TableParams, extract_tables, read_rules
from ingest.text_quality import assess_text

if TYPE_CHECKING:
    from pdfminer.pdfpage import PDFPage
    from pdfplumber.page import Page as PlumberPage

    from ingest.readers.pdf_cmap import EmbeddedMapReader

logger = logging.getLogger(__name__)

MEDIA_TYPE = "application/pdf"
NO_TEXT_LAYER = "no text layer"
_METADATA_KEYS = (
    "Title", "Author", "Subject", "Keywords", "Creator", "Producer", "CreationDate", "ModDate"
)


@dataclass
class _DocumentNotes:
    """Per-document counts that become warnings, each with the pages where they occurred."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    pages: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def add(self, kind: str, page: int, count: int) -> None:
        if count:
            self.counts[kind] += count
            self.pages[kind].append(page)

    def warnings(self) -> tuple[str, ...]:
        templates = {
            "diagonal": notices.PDF_DIAGONAL,
            "sideways": notices.PDF_SIDEWAYS,
            "garbage_lines": notices.PDF_GARBAGE_LINES,
            "needs_ocr": notices.PDF_NEEDS_OCR,
            "recovered_from_fonts": notices.PDF_RECOVERED_FROM_FONTS,
            "ocr": notices.PDF_OCR_READ,
            "ocr_low_confidence": notices.PDF_OCR_LOW_CONFIDENCE,
            "ocr_not_read": notices.PDF_OCR_NOT_READ,
            "blank": notices.PDF_BLANK_PAGES,
            # NOTE: pdfminer's text is not used as a fallback, because no sample shows it
            # reading a page that pdfium cannot, so such pages still go to OCR.
            "pdfminer_disagrees": notices.PDF_PDFMINER_DISAGREES,
        }
        return tuple(
            templates[kind].format(count=self.counts[kind], pages=_page_list(self.pages[kind]))
            for kind in templates
            if self.counts[kind]
        )


def _page_list(pages: list[int]) -> str:
    return ", ".join(str(number) for number in pages)


def read_pdf(
    data: bytes, *, filename: str, password: str | None = None, ocr: OcrOptions = DISABLED
) -> ParsedDocument:
    """Read a PDF into pages, text lines and table rows, raising EncryptedFileError or CorruptFileError.

    OCR is off unless `ocr` enables it, so by default the pages without a usable text
    layer stay marked `needs_ocr`. A missing tesseract or language, a failed run and a timeout
    raise nothing and are added to the page's reason.
    """
    document = _open(data, filename, password)
    try:
        pages: list[Page] = []
        blocks_by_page: list[list[Block]] = []
        notes = _DocumentNotes()
        params = LineParams()
        table_params = TableParams()
        with PDFIUM_LOCK:
            page_count = len(document)
        for index in range(page_count):
            page, page_blocks = _read_page(document, index, filename, params, table_params, notes)
            pages.append(page)
            blocks_by_page.append(page_blocks)
        if any(page.needs_ocr and page.char_count for page in pages):
            reading = _PageReading(document, params, table_params, notes)
            pages = _recover_with_pdfminer(data, password, pages, blocks_by_page, reading)
        if ocr.enabled and any(page.needs_ocr for page in pages):
            reading = _PageReading(document, params, table_params, notes)
            pages = _read_with_ocr(pages, blocks_by_page, reading, ocr)
        for page in pages:
            if page.needs_ocr:
                notes.add("needs_ocr", page.number, 1)
        with PDFIUM_LOCK:
            metadata = _metadata(document)
    finally:
        with PDFIUM_LOCK:
            document.close()
    blocks = [block for page_blocks in blocks_by_page for block in page_blocks]
    # Running headers, footers and page numbers are found across pages, so only after all are read.
    split = split_furniture(blocks, pages)
    return ParsedDocument(
        media_type=MEDIA_TYPE,
        blocks=split.blocks,
        pages=split.pages,
        page_furniture=split.texts,
        warnings=notes.warnings(),
        title=metadata.get("Title") or None,
        metadata=metadata,
    )


def _open(data: bytes, filename: str, password: str | None) -> pdfium.PdfDocument:
    try:
        with PDFIUM_LOCK:
            return pdfium.PdfDocument(data, password=password)
    except pdfium.PdfiumError as error:
        if error.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise EncryptedFileError(file=filename) from error
        detail = "unsupported encryption" if error.err_code == pdfium_c.FPDF_ERR_SECURITY else str(error)
        raise CorruptFileError(file=filename, format="PDF", detail=detail) from error


def _read_page(
    document: pdfium.PdfDocument,
    index: int,
    filename: str,
    params: LineParams,
    table_params: TableParams,
    notes: _DocumentNotes,
) -> tuple[Page, list[Block]]:
    number = index + 1
    with PDFIUM_LOCK:
        try:
            page = document[index]
            textpage = page.get_textpage()
        except pdfium.PdfiumError as error:
            raise CorruptFileError(file=filename, format="PDF", detail=f"page {number}: {error}") from error
        try:
            width, height = page.get_size()
            glyphs = read_glyphs(page, textpage)
            quality = glyphs.quality
            readable = quality.visible > 0 and not quality.is_garbage
            rules = read_rules(page, table_params) if readable else []
        finally:
            textpage.close()
            page.close()

    notes.add("diagonal", number, glyphs.diagonal)
    if not readable:
        reason = NO_TEXT_LAYER if quality.visible == 0 else quality.describe()
        return Page(number, width, height, quality.visible, True, reason), []
    blocks = _page_blocks(glyphs.glyphs, rules, number, params, table_params, notes)
    return Page(number, width, height, quality.visible), blocks


def _page_blocks(
    glyphs: list[Glyph],
    rules: list[Rule],
    number: int,
    params: LineParams,
    table_params: TableParams,
    notes: _DocumentNotes,
    tables: list[Table] | None = None,
    *,
    note_sideways: bool = True,
) -> list[Block]:
    """Build the page's line blocks and table rows, each table placed by its top edge among the lines.

    Tables come from `rules`, or are given already built in `tables` (OCR pages).
    """
    tables = list(tables or [])
    if rules:
        glyphs, tables = extract_tables(glyphs, rules, params, table_params)
    stats = LineStats()
    upright: list[Block] = []
    sideways: list[Block] = []
    dropped = 0
    for line in group_lines(glyphs, params, stats):
        text = normalize_text(line.text)
        if not text:
            continue
        # A line set in a font without a usable mapping on an otherwise readable page.
        if assess_text(text).is_garbage:
            dropped += 1
            continue
        raw = line.text.strip()
        block = Block(
            text=text, page=number, bbox=line.bbox, font_size=line.font_size, raw_text=raw if raw != text else None
        )
        (upright if line.direction == 0 else sideways).append(block)

    blocks: list[Block] = []
    pending = list(tables)
    for block in upright:
        while pending and pending[0].top <= block.bbox.top:
            dropped += _append_rows(blocks, pending.pop(0), number)
        blocks.append(block)
    for table in pending:
        dropped += _append_rows(blocks, table, number)
    blocks.extend(sideways)
    if note_sideways:
        notes.add("sideways", number, stats.sideways_lines)
    notes.add("garbage_lines", number, dropped)
    return blocks


def _append_rows(blocks: list[Block], table: Table, number: int) -> int:
    """Append one Block per table row and return how many rows were dropped as garbage."""
    dropped = 0
    for row in table.rows:
        text = row_text(row.cells)
        if not text:
            continue
        if assess_text(text).is_garbage:
            dropped += 1
            continue
        blocks.append(
            Block(text=text, page=number, bbox=row.bbox, font_size=row.font_size, cells=row.cells)
        )
    return dropped


@dataclass(frozen=True)
class _PageReading:
    """The open pdfium document (read again for table rules), settings and notes that turn glyphs into blocks."""

    document: pdfium.PdfDocument
    params: LineParams
    table_params: TableParams
    notes: _DocumentNotes


def _recover_with_pdfminer(
    data: bytes,
    password: str | None,
    pages: list[Page],
    blocks_by_page: list[list[Block]],
    reading: _PageReading,
) -> list[Page]:
    """Read each page that failed the quality gate again with pdfminer and return the updated pages.

    A page whose text the fonts' own maps recover (see pdf_cmap) gets its blocks in
    `blocks_by_page` and loses its OCR mark. On every other page the characters those
    maps leave unmapped and pdfminer's `(cid:N)` count are added to the reason.
    """
    # Imported here: only files with garbage pages pay for pdfplumber and pdfminer.
    import pdfplumber

    from ingest.readers.pdf_cmap import EmbeddedMapReader

    updated = list(pages)
    try:
        with pdfplumber.open(io.BytesIO(data), password=password or "") as pdf:
            recovery = EmbeddedMapReader()
            for position, page in enumerate(pages):
                if not (page.needs_ocr and page.char_count):
                    continue
                plumber_page = pdf.pages[page.number - 1]
                checked, blocks = _recover_page(recovery, plumber_page.page_obj, page, reading)
                if not checked.needs_ocr:
                    updated[position], blocks_by_page[position] = checked, blocks
                    continue
                updated[position] = _confirm_page(plumber_page, checked, reading.notes)
    except Exception:  # noqa: BLE001 - the second reading is optional, the pdfium verdict stands
        logger.warning("pdfminer could not read the garbage pages again", exc_info=True)
    return updated


def _recover_page(
    recovery: EmbeddedMapReader, page_obj: PDFPage, page: Page, reading: _PageReading
) -> tuple[Page, list[Block]]:
    """Return the page without its OCR mark and its blocks when the fonts' own maps give text that passes the gate.

    Otherwise the page is returned still marked, with no blocks.
    """
    try:
        glyphs = recovery.read_page(page_obj)
    except Exception:  # noqa: BLE001 - pdfminer raises many types on broken fonts; the page then stays for OCR
        logger.warning("font map recovery failed on page %d", page.number, exc_info=True)
        return page, []
    if glyphs is None:
        return page, []
    quality = glyphs.quality
    if quality.visible == 0 or quality.is_garbage:
        if not quality.unmapped:
            return page, []
        reason = f"{page.ocr_reason}; the fonts' own maps leave {quality.unmapped} characters unmapped"
        return Page(page.number, page.width, page.height, page.char_count, True, reason), []

    index = page.number - 1
    with PDFIUM_LOCK:
        pdfium_page = reading.document[index]
        try:
            rules = read_rules(pdfium_page, reading.table_params)
        finally:
            pdfium_page.close()
    blocks = _page_blocks(glyphs.glyphs, rules, page.number, reading.params, reading.table_params, reading.notes)
    if not blocks:
        return page, []
    reading.notes.add("recovered_from_fonts", page.number, 1)
    return Page(page.number, page.width, page.height, quality.visible, text_source=FONT_MAPS), blocks


def _confirm_page(plumber_page: PlumberPage, page: Page, notes: _DocumentNotes) -> Page:
    """Return the page with pdfminer's `(cid:N)` count added to its OCR reason."""
    text = plumber_page.extract_text() or ""
    second_opinion = assess_text(text)
    if second_opinion.visible and not second_opinion.is_garbage:
        notes.add("pdfminer_disagrees", page.number, 1)
        return page
    if not second_opinion.cid_markers:
        return page
    reason = f"{page.ocr_reason}; pdfminer finds {second_opinion.cid_markers} (cid:N) markers"
    return Page(page.number, page.width, page.height, page.char_count, True, reason)


def _read_with_ocr(
    pages: list[Page], blocks_by_page: list[list[Block]], reading: _PageReading, ocr: OcrOptions
) -> list[Page]:
    """OCR the pages still marked `needs_ocr` and return the updated pages.

    A page OCR reads gets its blocks in `blocks_by_page` and loses its mark. Every other
    page keeps its mark, with what OCR found or why it failed added to its reason.
    """
    updated = list(pages)
    numbers = [page.number for page in pages if page.needs_ocr]
    for recognition in recognise_pages(reading.document, numbers, ocr):
        position = recognition.number - 1
        updated[position], blocks = _ocr_page(pages[position], recognition, reading, ocr)
        if blocks:
            blocks_by_page[position] = blocks
    return updated


def _ocr_page(
    page: Page, recognition: PageRecognition, reading: _PageReading, ocr: OcrOptions
) -> tuple[Page, list[Block]]:
    notes = reading.notes
    if recognition.page is None:
        notes.add("ocr_not_read", page.number, 1)
        return replace(page, ocr_reason=f"{page.ocr_reason}; {recognition.failure}"), []

    notes.add("garbage_lines", page.number, recognition.page.dropped_lines)
    glyphs, tables = _ocr_tables(recognition.page, reading)
    # A page OCR turned upright has all its lines sideways on the displayed page, and its recorded
    # rotation already tells that. The sideways note is meant for a few such lines on a page.
    blocks = _page_blocks(
        glyphs, [], page.number, reading.params, reading.table_params, notes, tables,
        note_sideways=recognition.page.rotation == 0,
    )
    if not blocks and recognition.page.blank:
        # A blank sheet in a scan is read: it has no text to find.
        notes.add("blank", page.number, 1)
        return replace(page, needs_ocr=False, ocr_reason=None, text_source=OCR, ocr_confidence=None), []
    if not blocks:
        notes.add("ocr_not_read", page.number, 1)
        return replace(page, ocr_reason=f"{page.ocr_reason}; OCR found no readable text on the page"), []
    blocks = [_repaired_amounts(block) for block in blocks]

    confidence = recognition.page.confidence
    notes.add("ocr", page.number, 1)
    if confidence is None or confidence < ocr.review_confidence:
        notes.add("ocr_low_confidence", page.number, 1)
    ocr_page = replace(
        page, needs_ocr=False, ocr_reason=None, text_source=OCR, ocr_confidence=confidence,
        ocr_rotation=recognition.page.rotation, ocr_skew=recognition.page.skew,
    )
    return ocr_page, blocks


def _repaired_amounts(block: Block) -> Block:
    cells = tuple(repair_amounts(cell) for cell in block.cells) if block.cells is not None else None
    return replace(block, text=repair_amounts(block.text), cells=cells)


def _ocr_tables(ocr_page: OcrPage, reading: _PageReading) -> tuple[list[Glyph], list[Table]]:
    """Split an OCR page's glyphs into those outside ruled tables and the tables' rows.

    The grid is built in the frame Tesseract read, where the rules found in the scan are
    level, and each row's box is then mapped back to the page.
    """
    if not ocr_page.rules:
        return ocr_page.glyphs, []
    upright = ocr_page.table_glyphs()
    outside, tables = extract_tables(upright, ocr_page.rules, reading.params, reading.table_params)
    if not tables:
        return ocr_page.glyphs, []
    outside_ids = {id(glyph) for glyph in outside}
    glyphs = [glyph for glyph, level in zip(ocr_page.glyphs, upright) if id(level) in outside_ids]
    on_page = []
    for table in tables:
        rows = tuple(replace(row, bbox=ocr_page.box_on_page(row.bbox)) for row in table.rows)
        on_page.append(Table(min(row.bbox.top for row in rows), rows))
    return glyphs, on_page


def _metadata(document: pdfium.PdfDocument) -> dict[str, str]:
    values = document.get_metadata_dict(skip_empty=True)
    return {key: str(values[key]).strip() for key in _METADATA_KEYS if str(values.get(key, "")).strip()}
