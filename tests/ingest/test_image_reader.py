"""Scans and photographs: PNG, JPEG and multi-page TIFF become one PDF page per frame."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from PIL import Image

from archive.errors import CorruptFileError
from ingest.readers.image import DEFAULT_DPI, image_to_pdf
from ingest.sniff import JPEG_MEDIA_TYPE, PNG_MEDIA_TYPE, TIFF_MEDIA_TYPE, reader_format, sniff


def image_bytes(format: str, *, frames: int = 1, dpi: int | None = 300, size=(600, 900), mode="RGB") -> bytes:
    images = [Image.new(mode, size, "white") for _ in range(frames)]
    out = io.BytesIO()
    options = {"dpi": (dpi, dpi)} if dpi else {}
    if frames > 1:
        options.update(save_all=True, append_images=images[1:])
    images[0].save(out, format=format, **options)
    return out.getvalue()


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [document[index].get_size() for index in range(len(document))]
    finally:
        document.close()


@pytest.mark.parametrize(
    ("format", "name", "media_type"),
    [("PNG", "验收单.png", PNG_MEDIA_TYPE), ("JPEG", "验收单.jpg", JPEG_MEDIA_TYPE), ("TIFF", "扫描件.tif", TIFF_MEDIA_TYPE)],
)
def test_images_are_sniffed_for_ocr(format: str, name: str, media_type: str) -> None:
    result = sniff(image_bytes(format), name)

    assert result.format == "image"
    assert result.media_type == media_type
    assert result.warning is None
    assert reader_format(media_type) == "image"


def test_gif_is_still_rejected() -> None:
    from archive.errors import UnsupportedFileTypeError

    with pytest.raises(UnsupportedFileTypeError) as raised:
        sniff(image_bytes("GIF", mode="P"), "图.gif")
    assert "GIF" in str(raised.value)


def test_page_size_follows_resolution() -> None:
    [(width, height)] = pdf_pages(image_to_pdf(image_bytes("PNG", dpi=300, size=(2480, 3508)), filename="a4.png"))

    # 2480 x 3508 pixels at 300 dpi is A4, 595 x 842 points.
    assert width == pytest.approx(595.2, abs=0.5)
    assert height == pytest.approx(842.0, abs=0.5)


def test_missing_resolution_taken_as_scan() -> None:
    [(width, _)] = pdf_pages(image_to_pdf(image_bytes("JPEG", dpi=None, size=(1654, 2339)), filename="photo.jpg"))

    assert width == pytest.approx(1654 * 72 / DEFAULT_DPI, abs=0.5)


def test_multi_page_tiff_gives_one_page_per_frame() -> None:
    pages = pdf_pages(image_to_pdf(image_bytes("TIFF", frames=3), filename="三页.tif"))

    assert len(pages) == 3


def test_transparent_png_becomes_white_page() -> None:
    pdf = image_to_pdf(image_bytes("PNG", mode="RGBA"), filename="t.png")
    document = pdfium.PdfDocument(pdf)
    try:
        rendered = document[0].render(scale=0.1).to_pil().convert("L")
    finally:
        document.close()

    assert rendered.getextrema()[0] > 200


def test_truncated_image_names_file() -> None:
    with pytest.raises(CorruptFileError) as raised:
        image_to_pdf(image_bytes("PNG")[:200], filename="坏图.png")

    assert "坏图.png" in str(raised.value)


def test_truncated_image_message_in_chinese() -> None:
    from archive.i18n import get_translations

    with pytest.raises(CorruptFileError) as raised:
        image_to_pdf(image_bytes("PNG")[:200], filename="坏图.png")

    message = raised.value.localized(get_translations("zh_CN").gettext)
    # The format and Pillow's message are translated; no exception class name is shown.
    assert message.startswith("无法将 坏图.png 作为 图片 读取：")
    assert "Error" not in message


@pytest.mark.parametrize("size", [(1, 1), (40, 600)])
def test_tiny_image_rejected(size: tuple[int, int]) -> None:
    from archive.errors import ImageTooSmallError

    buffer = io.BytesIO()
    Image.new("L", size, 0).save(buffer, format="PNG")

    with pytest.raises(ImageTooSmallError) as raised:
        image_to_pdf(buffer.getvalue(), filename="像素.png")

    assert f"{size[0]} x {size[1]} pixels" in str(raised.value)
    assert "像素.png" in str(raised.value)


def test_blank_scan_is_read_as_blank() -> None:
    from archive import notices
    from ingest.ocr import OcrOptions
    from ingest.readers.image import read_image
    from tests.ingest.test_ocr import require_tesseract

    require_tesseract()
    # A blank A4 sheet at 200 dpi with faint scanner noise between grey levels 225 and 255.
    sheet = Image.effect_noise((1654, 2339), 8).point(lambda value: max(225, min(255, value + 112)))
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG")

    document = read_image(buffer.getvalue(), filename="空白页.png", media_type=PNG_MEDIA_TYPE, ocr=OcrOptions())

    assert document.needs_ocr_pages == []
    assert document.blocks == ()
    assert notices.PDF_BLANK_PAGES.format(pages="1") in document.warnings
    assert not [warning for warning in document.warnings if "could not read" in warning]
