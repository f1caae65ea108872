"""Detect the real type of a file from its bytes, whatever its file name claims."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePath

from archive import notices
from archive.errors import (
    CorruptFileError,
    EmptyFileError,
    EncryptedFileError,
    LegacyWordFormatError,
    UnsupportedFileTypeError,
)

PDF_MEDIA_TYPE = "application/pdf"
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# A PDF header may follow up to 1024 bytes of junk; readers accept that too.
PDF_HEADER_WINDOW = 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_EXTENSIONS = {"pdf": (".pdf",), "docx": (".docx", ".docm", ".dotx")}
_OTHER_SIGNATURES = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
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
    format: str  # "pdf" or "docx"
    media_type: str
    warning: str | None = None  # set when the name says otherwise


SNIFF_HEAD_BYTES = 8192


def sniff_path(path: Path, filename: str) -> SniffResult:
    """Return the real format of the file at `path`; see `sniff`."""
    with path.open("rb") as stream:
        head = stream.read(SNIFF_HEAD_BYTES)
    return _sniff(head, filename, zip_source=path)


def sniff(data: bytes, filename: str) -> SniffResult:
    """Return the real format of `data`, or raise a FileRejectedError naming `filename`."""
    return _sniff(data, filename, zip_source=io.BytesIO(data))


def _sniff(data: bytes, filename: str, *, zip_source: Path | io.BytesIO) -> SniffResult:
    if not data:
        raise EmptyFileError(file=filename)
    if b"%PDF-" in data[:PDF_HEADER_WINDOW]:
        return _result("pdf", PDF_MEDIA_TYPE, filename)
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(zip_source, filename)
    if data.startswith(OLE_MAGIC):
        _raise_for_ole(data, filename)
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


def _raise_for_ole(data: bytes, filename: str) -> None:
    # Stream names sit in the compound file's directory as UTF-16LE.
    if "EncryptionInfo".encode("utf-16-le") in data:
        raise EncryptedFileError(file=filename)
    if "WordDocument".encode("utf-16-le") in data or b"WPS" in data[:4096]:
        raise LegacyWordFormatError(file=filename)
    raise UnsupportedFileTypeError(file=filename, detected="a legacy Office file (.xls or .ppt)")


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
