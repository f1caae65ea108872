import pytest

from archive.content_disposition import ascii_fallback, content_disposition
from api.multipart import parse_content_disposition


@pytest.mark.parametrize(
    "name",
    ["采购合同.pdf", "contract final.pdf", 'quote "v2".docx', "验收报告😀.pdf", "a;b.pdf"],
)
def test_header_is_latin1_and_round_trips(name: str) -> None:
    header = content_disposition(name)
    header.encode("latin-1")  # a header that is not latin-1 makes Starlette fail with a 500
    field, parsed = parse_content_disposition(header.replace("attachment", "form-data; name=\"file\""))
    assert field == "file"
    assert parsed == name


def test_ascii_fallback_keeps_extension() -> None:
    assert ascii_fallback("采购合同.pdf") == "download.pdf"
    assert ascii_fallback("HT-2024-001 合同.pdf") == "HT-2024-001.pdf"
    assert ascii_fallback("补充协议 (终稿).docx") == "download.docx"


def test_upload_name_from_filename_star_only() -> None:
    _, name = parse_content_disposition("form-data; name=\"file\"; filename*=UTF-8''%E9%87%87%E8%B4%AD%E5%90%88%E5%90%8C.pdf")
    assert name == "采购合同.pdf"


def test_upload_filename_star_wins_over_ascii() -> None:
    _, name = parse_content_disposition("form-data; name=\"file\"; filename=\"a.pdf\"; filename*=UTF-8''%E9%87%87.pdf")
    assert name == "采.pdf"


def test_upload_name_loses_directories() -> None:
    _, name = parse_content_disposition('form-data; name="file"; filename="..\\\\..\\\\windows\\\\合同.pdf"')
    assert name == "合同.pdf"


@pytest.mark.parametrize("name", ["证据包-关于《合同》／附件＜一＞.zip", "a/b<c>:d|e?f*.zip", "报价：１／２.pdf"])
def test_ascii_fallback_has_no_path_or_shell_characters(name: str) -> None:
    fallback = ascii_fallback(name)

    assert not set(fallback) & set('/\\<>:|?*"')
    assert fallback.isascii()
    assert fallback.isprintable()
    assert fallback.rsplit(".", 1)[1] in ("zip", "pdf")
