import io
import zipfile
from pathlib import Path

import pytest

from archive.errors import (
    EmptyFileError,
    EncryptedFileError,
    UnsupportedFileTypeError,
)
from ingest.sniff import (
    DOC_MEDIA_TYPE,
    OLE_MAGIC,
    OLE_SCAN_CHUNK_BYTES,
    SNIFF_HEAD_BYTES,
    WORKS_MEDIA_TYPE,
    reader_format,
    sniff,
    sniff_path,
)

WORD_DOCUMENT = "WordDocument".encode("utf-16-le")


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


def test_legacy_doc_detected() -> None:
    result = sniff(OLE_MAGIC + b"\x00" * 100 + WORD_DOCUMENT, "旧合同.doc")
    assert result.format == "doc"
    assert result.media_type == DOC_MEDIA_TYPE
    assert result.warning is None


def test_kingsoft_wps_with_word_stream_is_doc() -> None:
    result = sniff(OLE_MAGIC + b"\x00" * 100 + WORD_DOCUMENT, "合同.wps")
    assert result.media_type == DOC_MEDIA_TYPE
    assert result.warning is None


def test_wps_marker_detected_as_works() -> None:
    result = sniff(OLE_MAGIC + b"\x00" * 100 + b"WPS", "合同.wps")
    assert result.format == "doc"
    assert result.media_type == WORKS_MEDIA_TYPE


def test_doc_named_docx_warns() -> None:
    result = sniff(OLE_MAGIC + WORD_DOCUMENT, "合同.docx")
    assert result.format == "doc"
    assert "合同.docx" in (result.warning or "")


def test_doc_directory_far_from_head_detected(tmp_path: Path) -> None:
    # LibreOffice writes the OLE directory near the end; here the name straddles two read chunks.
    padding = OLE_SCAN_CHUNK_BYTES - len(OLE_MAGIC) - len(WORD_DOCUMENT) // 2
    assert padding > SNIFF_HEAD_BYTES
    path = tmp_path / "旧合同.doc"
    path.write_bytes(OLE_MAGIC + b"\x00" * padding + WORD_DOCUMENT + b"\x00" * 100)
    assert sniff_path(path, path.name).media_type == DOC_MEDIA_TYPE


def test_other_ole_file_rejected() -> None:
    with pytest.raises(UnsupportedFileTypeError) as raised:
        sniff(OLE_MAGIC + b"\x00" * 100 + "Workbook".encode("utf-16-le"), "报价单.xls")
    assert "报价单.xls" in str(raised.value)
    assert ".xls or .ppt" in str(raised.value)


@pytest.mark.parametrize(
    ("media_type", "expected"),
    [
        ("application/pdf", "pdf"),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
        (DOC_MEDIA_TYPE, "doc"),
        (WORKS_MEDIA_TYPE, "doc"),
    ],
)
def test_reader_format_for_media_type(media_type: str, expected: str) -> None:
    assert reader_format(media_type) == expected


def test_encrypted_ooxml_rejected() -> None:
    data = OLE_MAGIC + b"\x00" * 100 + "EncryptionInfo".encode("utf-16-le")
    with pytest.raises(EncryptedFileError):
        sniff(data, "加密.docx")


def test_encrypted_wins_over_word_stream() -> None:
    data = OLE_MAGIC + WORD_DOCUMENT + b"\x00" * 100 + "EncryptionInfo".encode("utf-16-le")
    with pytest.raises(EncryptedFileError):
        sniff(data, "加密.doc")


@pytest.mark.parametrize(
    ("data", "described"),
    [
        (b"GIF89a", "GIF"),
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


def test_truncated_doc_is_corrupt_not_other_office() -> None:
    from archive.errors import CorruptFileError

    with pytest.raises(CorruptFileError) as raised:
        sniff(OLE_MAGIC + b"\x00" * 100, "旧合同.doc")
    message = str(raised.value)
    assert "旧合同.doc" in message
    assert "truncated" in message
    assert ".xls" not in message


def test_corrupt_detail_keeps_one_full_stop() -> None:
    from archive.errors import CorruptFileError

    error = CorruptFileError(file="a.pdf", format="PDF", detail="Failed to load document (PDFium: Data format error).")

    assert "error). Check" in str(error)
    assert ".." not in str(error)
