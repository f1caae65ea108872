"""Detect the real type of a file from its bytes, whatever its file name claims."""

from __future__ import annotations

import io
import zipfile
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path, PurePath

from archive import notices
from archive.errors import (
    CorruptFileError,
    EmptyFileError,
    EncryptedFileError,
    UnsupportedFileTypeError,
)

PDF_MEDIA_TYPE = "application/pdf"
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Word 97-2003, and any .wps file that contains a WordDocument stream (the Word binary format).
DOC_MEDIA_TYPE = "application/msword"
# An OLE file with a WPS marker but no WordDocument stream, taken for Microsoft Works or older WPS.
WORKS_MEDIA_TYPE = "application/vnd.ms-works"

# A PDF header may follow up to 1024 bytes of junk; readers accept that too.
PDF_HEADER_WINDOW = 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Stream names sit in an OLE compound file's directory as UTF-16LE. The directory may be
# anywhere in the file (LibreOffice writes it near the end), so the whole file is searched.
ENCRYPTION_INFO_NAME = "EncryptionInfo".encode("utf-16-le")
WORD_DOCUMENT_NAME = "WordDocument".encode("utf-16-le")
OLE_SCAN_CHUNK_BYTES = 1024 * 1024
# An OLE file without a WordDocument stream is taken for a WPS or Works document when its
# first 4 KiB contain this ASCII marker.
# NOTE: no real Works or old Kingsoft WPS file has been checked against this marker.
WPS_MARKER = b"WPS"
WPS_MARKER_WINDOW = 4096

# Scans and photographs are read by OCR, one page per image frame.
PNG_MEDIA_TYPE = "image/png"
JPEG_MEDIA_TYPE = "image/jpeg"
TIFF_MEDIA_TYPE = "image/tiff"
_IMAGE_SIGNATURES = (
    (b"\x89PNG", PNG_MEDIA_TYPE),
    (b"\xff\xd8\xff", JPEG_MEDIA_TYPE),
    (b"II*\x00", TIFF_MEDIA_TYPE),
    (b"MM\x00*", TIFF_MEDIA_TYPE),
)

_EXTENSIONS = {
    "pdf": (".pdf",),
    "image": (".png", ".jpg", ".jpeg", ".jpe", ".tif", ".tiff"),
    "docx": (".docx", ".docm", ".dotx"),
    "doc": (".doc", ".dot", ".wps", ".wpt"),
}
# Reader format for each media type that sniffing returns.
_FORMATS = {
    PDF_MEDIA_TYPE: "pdf",
    DOCX_MEDIA_TYPE: "docx",
    DOC_MEDIA_TYPE: "doc",
    WORKS_MEDIA_TYPE: "doc",
    PNG_MEDIA_TYPE: "image",
    JPEG_MEDIA_TYPE: "image",
    TIFF_MEDIA_TYPE: "image",
}
_OTHER_SIGNATURES = (
    (b"GIF8", "a GIF image"),
    (b"{\\rtf", "an RTF document"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)


# Every description a rejection can carry, for the message catalog.
FILE_DESCRIPTIONS = tuple(description for _, description in _OTHER_SIGNATURES) + (
    "an Excel workbook",
    "a PowerPoint presentation",
    "a ZIP archive",
    "a legacy Office file (.xls or .ppt)",
    "an HTML page",
    "an XML file",
    "unrecognised binary data",
    "plain text",
)


@dataclass(frozen=True)
class SniffResult:
    format: str  # "pdf", "docx", "doc" (which includes WPS) or "image" (PNG, JPEG, TIFF)
    media_type: str
    warning: str | None = None  # set when the name says otherwise


SNIFF_HEAD_BYTES = 8192


def sniff_path(path: Path, filename: str) -> SniffResult:
    """Return the real format of the file at `path`; see `sniff`."""
    with path.open("rb") as stream:
        head = stream.read(SNIFF_HEAD_BYTES)
    return _sniff(head, filename, source=path)


def reader_format(media_type: str) -> str:
    """Return the reader format ("pdf", "docx", "doc" or "image") for a media type that sniffing returned."""
    return _FORMATS.get(media_type, "docx")


def sniff(data: bytes, filename: str) -> SniffResult:
    """Return the real format of `data`, or raise a FileRejectedError naming `filename`."""
    return _sniff(data, filename, source=io.BytesIO(data))


def _sniff(data: bytes, filename: str, *, source: Path | io.BytesIO) -> SniffResult:
    # `data` is the head of the file; `source` gives the whole file to the ZIP and OLE checks.
    if not data:
        raise EmptyFileError(file=filename)
    if b"%PDF-" in data[:PDF_HEADER_WINDOW]:
        return _result("pdf", PDF_MEDIA_TYPE, filename)
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(source, filename)
    if data.startswith(OLE_MAGIC):
        return _sniff_ole(data, source, filename)
    for signature, media_type in _IMAGE_SIGNATURES:
        if data.startswith(signature):
            return _result("image", media_type, filename)
    for signature, description in _OTHER_SIGNATURES:
        if data.startswith(signature):
            raise UnsupportedFileTypeError(file=filename, detected=description)
    raise UnsupportedFileTypeError(file=filename, detected=_describe_text(data))


def _result(fmt: str, media_type: str, filename: str) -> SniffResult:
    suffix = PurePath(filename).suffix.lower()
    warning = None
    if suffix not in _EXTENSIONS[fmt]:
        warning = notices.FILE_TYPE_MISMATCH.format(file=filename, format=fmt.upper(), suffix=suffix or "")
    return SniffResult(format=fmt, media_type=media_type, warning=warning)


def _sniff_zip(source: Path | io.BytesIO, filename: str) -> SniffResult:
    try:
        with zipfile.ZipFile(source) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile as exc:
        raise CorruptFileError(file=filename, format="DOCX", detail=f"broken ZIP container ({exc})") from exc
    if "word/document.xml" in names:
        return _result("docx", DOCX_MEDIA_TYPE, filename)
    if any(name.startswith("xl/") for name in names):
        raise UnsupportedFileTypeError(file=filename, detected="an Excel workbook")
    if any(name.startswith("ppt/") for name in names):
        raise UnsupportedFileTypeError(file=filename, detected="a PowerPoint presentation")
    raise UnsupportedFileTypeError(file=filename, detected="a ZIP archive")


WORD_SUFFIXES = (".doc", ".dot", ".wps")


def _sniff_ole(head: bytes, source: Path | io.BytesIO, filename: str) -> SniffResult:
    names = _find_in_file(source, (ENCRYPTION_INFO_NAME, WORD_DOCUMENT_NAME))
    if ENCRYPTION_INFO_NAME in names:
        raise EncryptedFileError(file=filename)
    if WORD_DOCUMENT_NAME in names:
        return _result("doc", DOC_MEDIA_TYPE, filename)
    if WPS_MARKER in head[:WPS_MARKER_WINDOW]:
        return _result("doc", WORKS_MEDIA_TYPE, filename)
    if Path(filename).suffix.lower() in WORD_SUFFIXES:
        # A Word file cut short loses the directory that names its streams.
        raise CorruptFileError(file=filename, format="Word 97-2003", detail="no Word document stream, the file may be truncated")
    raise UnsupportedFileTypeError(file=filename, detected="a legacy Office file (.xls or .ppt)")


def _find_in_file(source: Path | io.BytesIO, needles: tuple[bytes, ...]) -> set[bytes]:
    """Return the needles that occur anywhere in the file, reading it in chunks."""
    found: set[bytes] = set()
    overlap = max(len(needle) for needle in needles) - 1
    tail = b""
    opened = source.open("rb") if isinstance(source, Path) else nullcontext(source)
    with opened as stream:
        stream.seek(0)
        while chunk := stream.read(OLE_SCAN_CHUNK_BYTES):
            # Keep the previous chunk's end so a needle split between chunks is still found.
            window = tail + chunk
            found.update(needle for needle in needles if needle in window)
            tail = window[-overlap:]
    return found


def _describe_text(data: bytes) -> str:
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "an HTML page"
    if head.startswith(b"<?xml"):
        return "an XML file"
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "unrecognised binary data"
    return "plain text"
