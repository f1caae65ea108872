"""Read scanned or photographed documents (PNG, JPEG, TIFF) by OCR, one page per image frame.

The frames are wrapped in an in-memory PDF, one page each at the image's own resolution. A scan
then takes the path of an image-only PDF: every page lacks a text layer and goes to OCR, and
word boxes come out in points on pages of the scan's paper size. The stored original is
the image file itself; the PDF exists only while the file is read.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from PIL import Image, ImageOps, UnidentifiedImageError

from archive.errors import CorruptFileError, ImageTooSmallError
from ingest.parsed import ParsedDocument

if TYPE_CHECKING:
    from ingest.ocr import OcrOptions

# A photograph or scan without a resolution tag is taken for a 200 dpi scan (A4 is then 1654 pixels wide).
DEFAULT_DPI = 200.0
# An image with a side shorter than this cannot show a legible page: a business card scanned at 150 dpi
# is still 300 pixels high, and an icon or a tracking pixel is far smaller.
MIN_SIDE_PIXELS = 100
# A resolution below this is a screen image; it is read as DEFAULT_DPI so pages keep a paper size.
MIN_DPI = 72.0


def image_to_pdf(data: bytes, *, filename: str) -> bytes:
    """Return an in-memory PDF with one page per frame of the image in `data`."""
    try:
        image = Image.open(io.BytesIO(data))
        frames = [_page_image(frame) for frame in _frames(image)]
    # Pillow refuses images above its decompression-bomb limit (about 179 megapixels), which no
    # scanned contract page needs.
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        # Pillow's own message ("image file is truncated") is the detail, so a known one is translated.
        raise CorruptFileError(file=filename, format="image", detail=str(error) or type(error).__name__) from error
    if not frames:
        raise CorruptFileError(file=filename, format="image", detail="the image has no frames")
    small = [frame for frame in frames if min(frame.size) < MIN_SIDE_PIXELS]
    if small:
        width, height = small[0].size
        raise ImageTooSmallError(file=filename, width=width, height=height, minimum=MIN_SIDE_PIXELS)
    dpi = _resolution(image)
    out = io.BytesIO()
    frames[0].save(out, format="PDF", save_all=True, append_images=frames[1:], resolution=dpi)
    return out.getvalue()


def read_image(data: bytes, *, filename: str, media_type: str, ocr: OcrOptions | None = None) -> ParsedDocument:
    """OCR every frame of an image file and return it as a document with the image's media type."""
    from dataclasses import replace

    from ingest.readers.pdf import read_pdf

    pdf = image_to_pdf(data, filename=filename)
    if ocr is None:
        from ingest.ocr import OcrOptions

        ocr = OcrOptions()
    parsed = read_pdf(pdf, filename=filename, ocr=ocr)
    return replace(parsed, media_type=media_type)


def _frames(image: Image.Image) -> list[Image.Image]:
    frames = []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        frames.append(image.copy())
    return frames


def _page_image(frame: Image.Image) -> Image.Image:
    """Return the frame upright (EXIF orientation of a phone photo applied) in a mode PDF pages take."""
    upright = ImageOps.exif_transpose(frame)
    if upright.mode in ("1", "L", "RGB"):
        return upright
    if upright.mode in ("RGBA", "LA", "P"):
        # Transparency becomes white paper, not black.
        background = Image.new("RGB", upright.size, "white")
        background.paste(upright.convert("RGBA"), mask=upright.convert("RGBA").getchannel("A"))
        return background
    return upright.convert("RGB")


def _resolution(image: Image.Image) -> float:
    dpi = image.info.get("dpi")
    if not dpi:
        return DEFAULT_DPI
    value = float(dpi[0]) if isinstance(dpi, tuple) else float(dpi)
    return value if value >= MIN_DPI else DEFAULT_DPI
