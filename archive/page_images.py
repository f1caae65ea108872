"""Pages of a stored PDF as PNG images, with a clause's boxes highlighted on them.

Drawing the highlight into the image keeps the viewer free of inline styles, which the
pages' content security policy forbids.
"""

from __future__ import annotations

import io

import pypdfium2
from PIL import Image, ImageDraw

from archive.pdfium_lock import PDFIUM_LOCK

# 1.5 × 72 dpi: readable on a laptop without making a page image heavy.
SCALE = 1.5
HIGHLIGHT_FILL = (255, 214, 0, 90)
HIGHLIGHT_EDGE = (214, 120, 0, 255)


class PageNotRenderableError(Exception):
    """The bytes are not a PDF pdfium can open, or the page does not exist."""


def page_sizes(data: bytes) -> list[tuple[int, int]]:
    """Return the pixel width and height of each rendered page, so a viewer can lay pages out before they load."""
    with PDFIUM_LOCK:
        return _page_sizes(data)


def _page_sizes(data: bytes) -> list[tuple[int, int]]:
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        raise PageNotRenderableError(str(error)) from error
    try:
        sizes = []
        for index in range(len(document)):
            width, height = document.get_page_size(index)
            sizes.append((round(width * SCALE), round(height * SCALE)))
        return sizes
    finally:
        document.close()


def render_page(data: bytes, page_number: int, boxes: list[list[float]] | None = None) -> bytes:
    """Return page `page_number` (1-based) as PNG, with each box [page, x0, top, x1, bottom] on it outlined."""
    with PDFIUM_LOCK:
        image = _render(data, page_number)
    mine = [box for box in boxes or [] if len(box) == 5 and int(box[0]) == page_number]
    if mine:
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        for _, x0, top, x1, bottom in mine:
            draw.rectangle([x0 * SCALE - 2, top * SCALE - 2, x1 * SCALE + 2, bottom * SCALE + 2],
                           fill=HIGHLIGHT_FILL, outline=HIGHLIGHT_EDGE, width=2)
        image = Image.alpha_composite(image, overlay)
    output = io.BytesIO()
    image.convert("RGB").save(output, format="PNG", optimize=False)
    return output.getvalue()


def _render(data: bytes, page_number: int) -> Image.Image:
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        raise PageNotRenderableError(str(error)) from error
    try:
        if not 1 <= page_number <= len(document):
            raise PageNotRenderableError(f"page {page_number} of {len(document)}")
        page = document[page_number - 1]
        try:
            return page.render(scale=SCALE).to_pil().convert("RGBA")
        finally:
            page.close()
    finally:
        document.close()
