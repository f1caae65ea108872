"""Readers: one module per format, each returning a frozen ParsedDocument."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.parsed import ParsedDocument

if TYPE_CHECKING:
    from ingest.ocr import OcrOptions


def read_document(data: bytes, *, filename: str, format: str, ocr: OcrOptions | None = None) -> ParsedDocument:
    """Read `data` with the reader for `format`: "pdf", "docx", "doc" (legacy Word and WPS) or "image".

    PDF pages without a usable text layer are OCRed with `ocr`, by default with
    OcrOptions(), which runs when tesseract is on PATH and otherwise names the packages to install.
    """
    if format == "pdf":
        from ingest.ocr import OcrOptions
        from ingest.readers.pdf import read_pdf

        return read_pdf(data, filename=filename, ocr=ocr if ocr is not None else OcrOptions())
    if format == "docx":
        from ingest.readers.docx import read_docx

        return read_docx(data, filename=filename)
    if format == "doc":
        from ingest.readers.legacy import read_legacy_word

        return read_legacy_word(data, filename=filename)
    if format == "image":
        from ingest.readers.image import read_image
        from ingest.sniff import sniff

        return read_image(data, filename=filename, media_type=sniff(data, filename).media_type, ocr=ocr)
    raise ValueError(f"no reader for format {format!r}")
