import io
import zipfile

import pytest

from archive.errors import (
    EmptyFileError,
    EncryptedFileError,
    LegacyWordFormatError,
    UnsupportedFileTypeError,
)
from ingest.sniff import OLE_MAGIC, sniff


def make_zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def test_pdf_detected_from_bytes() -> None:
    assert sniff(b"%PDF-1.7\n...", "合同.pdf").format == "pdf"


def test_pdf_with_leading_junk_detected() -> None:
    assert sniff(b"\x00" * 100 + b"%PDF-1.4\n", "scan.pdf").format == "pdf"


def test_docx_detected_from_zip_contents() -> None:
    result = sniff(make_zip(["[Content_Types].xml", "word/document.xml"]), "合同.docx")
    assert result.format == "docx"
    assert result.warning is None


def test_wrong_extension_read_by_content_with_warning() -> None:
    result = sniff(make_zip(["word/document.xml"]), "合同.pdf")
    assert result.format == "docx"
    assert "合同.pdf" in (result.warning or "")


def test_empty_file_rejected_with_name() -> None:
    with pytest.raises(EmptyFileError) as raised:
        sniff(b"", "空文件.pdf")
    assert "空文件.pdf" in str(raised.value)


def test_legacy_doc_rejected_with_advice() -> None:
    data = OLE_MAGIC + b"\x00" * 100 + "WordDocument".encode("utf-16-le")
    with pytest.raises(LegacyWordFormatError) as raised:
        sniff(data, "旧合同.doc")
    assert "旧合同.doc" in str(raised.value)
    assert ".docx" in str(raised.value)


def test_encrypted_ooxml_rejected() -> None:
    data = OLE_MAGIC + b"\x00" * 100 + "EncryptionInfo".encode("utf-16-le")
    with pytest.raises(EncryptedFileError):
        sniff(data, "加密.docx")


@pytest.mark.parametrize(
    ("data", "described"),
    [
        (b"\x89PNG\r\n\x1a\n", "PNG"),
        (b"<!DOCTYPE html><html>", "HTML"),
        (b"just some text", "plain text"),
    ],
)
def test_other_types_rejected_with_description(data: bytes, described: str) -> None:
    with pytest.raises(UnsupportedFileTypeError) as raised:
        sniff(data, "contract.pdf")
    assert described in str(raised.value)
    assert "contract.pdf" in str(raised.value)


def test_excel_workbook_rejected() -> None:
    with pytest.raises(UnsupportedFileTypeError) as raised:
        sniff(make_zip(["xl/workbook.xml"]), "报价单.docx")
    assert "Excel" in str(raised.value)
