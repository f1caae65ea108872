"""Readers: one module per format, each returning a frozen ParsedDocument."""

from __future__ import annotations

from ingest.parsed import ParsedDocument


def read_document(data: bytes, *, filename: str, format: str) -> ParsedDocument:
    """Read `data` with the reader for `format`: "pdf", "docx" or "doc" (legacy Word and WPS)."""
    if format == "pdf":
        from ingest.readers.pdf import read_pdf

        return read_pdf(data, filename=filename)
    if format == "docx":
        from ingest.readers.docx import read_docx

        return read_docx(data, filename=filename)
    if format == "doc":
        from ingest.readers.legacy import read_legacy_word

        return read_legacy_word(data, filename=filename)
    raise ValueError(f"no reader for format {format!r}")
