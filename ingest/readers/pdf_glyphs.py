"""Characters of one PDF page with their boxes, read through pdfium's text page API.

pdfium reports boxes in unrotated PDF user space (origin bottom left) and each
character's matrix in the same space. Here both are turned into the page
as displayed: origin top left, /Rotate applied, so a landscape annex stored as
a rotated portrait page reads like any other page.
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ingest.text_quality import TextQuality, count_cjk_in_words, count_letters, count_unexpected

# A character whose rotation is further than this from 0, 90, 180 or 270 degrees
# (a diagonal watermark) is kept out of the lines.
MAX_ROTATION_DEVIATION_DEGREES = 30.0

# pdfium reports a line-end hyphen as U+0002 (per character) or U+FFFE (in page text).
_PDFIUM_HYPHEN_CODES = (0x02, 0xFFFE)
# Codes pdfium uses for the spaces and line breaks it generates itself.
_MAYBE_GENERATED_CODES = (0x20, 0x0D, 0x0A)


class Glyph(NamedTuple):
    """One drawn character on the displayed page, top-left origin, in points."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    # A point on the glyph's baseline: the origin of its text object (pdfium's character
    # matrix translation), which shares the baseline of every glyph the object draws.
    origin_x: float
    origin_y: float
    size: float
    # Reading direction on the displayed page in degrees clockwise: 0, 90, 180 or 270.
    direction: int
    is_space: bool


@dataclass
class PageGlyphs:
    """The usable characters of a page and the counts behind its quality verdict."""

    glyphs: list[Glyph] = field(default_factory=list)
    visible: int = 0
    unexpected: int = 0
    unmapped: int = 0
    diagonal: int = 0
    letters: int = 0
    unexpected_letters: int = 0
    cjk_chars: int = 0
    cjk_in_words: int = 0

    @property
    def quality(self) -> TextQuality:
        return TextQuality(
            visible=self.visible,
            unexpected=self.unexpected,
            unmapped=self.unmapped,
            letters=self.letters,
            unexpected_letters=self.unexpected_letters,
            cjk_chars=self.cjk_chars,
            cjk_in_words=self.cjk_in_words,
        )


Transform = Callable[[float, float], tuple[float, float]]


def display_transform(page: pdfium.PdfPage) -> tuple[Transform | None, int]:
    """Return a function from PDF user space to the displayed page (None when only y flips), and the rotation."""
    left, bottom, right, top = page.get_cropbox()
    rotation = page.get_rotation() % 360
    if rotation == 90:
        return (lambda x, y: (y - bottom, x - left)), rotation
    if rotation == 180:
        return (lambda x, y: (right - x, y - bottom)), rotation
    if rotation == 270:
        return (lambda x, y: (top - y, right - x)), rotation
    return None, 0


def _page_text(textpage: pdfium.PdfTextPage, count: int) -> str | None:
    """Return the page text with one character per index, or None when indexes do not line up."""
    buffer = ctypes.create_string_buffer((count + 1) * 2)
    written = pdfium_c.FPDFText_GetText(
        textpage.raw, 0, count, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort))
    )
    text = buffer.raw[: max(0, written - 1) * 2].decode("utf-16-le", errors="replace")
    # Characters outside the BMP take two UTF-16 units, so the indexes would shift.
    return text if len(text) == count else None


def _direction(a: float, b: float, rotation: int) -> int | None:
    """Return the reading direction (clockwise degrees) of a character matrix's baseline."""
    degrees = (rotation - math.degrees(math.atan2(b, a))) % 360
    nearest = round(degrees / 90) * 90
    if abs(degrees - nearest) > MAX_ROTATION_DEVIATION_DEGREES:
        return None
    return nearest % 360


def read_glyphs(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> PageGlyphs:
    """Read every character of a page that pdfium drew, skipping the spaces it generated."""
    # NOTE: pdfium leaves out a text object whose box has zero width, such as a single
    # glyph from a non-embedded font whose substitute glyph is empty, so it never appears here.
    result = PageGlyphs()
    count = pdfium_c.FPDFText_CountChars(textpage)
    if count <= 0:
        return result
    to_display, rotation = display_transform(page)
    left, _, _, top = page.get_cropbox()
    text = _page_text(textpage, count)

    # Bound locals: this loop runs once per character of the document. The raw handle
    # avoids pypdfium2's per-call parameter conversion, which doubled the cost.
    handle = textpage.raw
    get_unicode = pdfium_c.FPDFText_GetUnicode
    is_generated = pdfium_c.FPDFText_IsGenerated
    has_map_error = pdfium_c.FPDFText_HasUnicodeMapError
    get_box = pdfium_c.FPDFText_GetLooseCharBox
    get_matrix = pdfium_c.FPDFText_GetMatrix
    get_size = pdfium_c.FPDFText_GetFontSize
    matrix = pdfium_c.FS_MATRIX()
    rect = pdfium_c.FS_RECTF()
    glyphs = result.glyphs
    mapped: list[str] = []
    controls = 0
    upright_page = to_display is None

    for index in range(count):
        char = text[index] if text is not None else chr(get_unicode(handle, index))
        code = ord(char)
        if code in _MAYBE_GENERATED_CODES and is_generated(handle, index):
            continue
        if code in _PDFIUM_HYPHEN_CODES:
            char, code = "-", 0x2D
        if has_map_error(handle, index):
            result.unmapped += 1
            continue
        if code < 0x20 or code == 0x7F:
            controls += 1
            continue
        is_space = char.isspace()

        # The character matrix (text matrix times CTM) gives both the rotation and the
        # scale. FPDFText_GetFontSize alone returns the Tf operand, which WPS writes as 240
        # with a 0.05 scale matrix.
        get_matrix(handle, index, matrix)
        a, b = matrix.a, matrix.b
        if b == 0.0 and a > 0.0 and upright_page:
            direction = 0
        else:
            direction = _direction(a, b, rotation)
            if direction is None:
                result.diagonal += 1
                continue
        size = get_size(handle, index) * math.sqrt(abs(a * matrix.d - b * matrix.c))
        if not is_space:
            mapped.append(char)

        get_box(handle, index, rect)
        if upright_page:
            # The common case, inlined: no /Rotate, so only the y axis flips.
            glyphs.append(
                Glyph(
                    char,
                    rect.left - left,
                    top - rect.top,
                    rect.right - left,
                    top - rect.bottom,
                    matrix.e - left,
                    top - matrix.f,
                    size,
                    direction,
                    is_space,
                )
            )
            continue
        ax, ay = to_display(rect.left, rect.bottom)
        bx, by = to_display(rect.right, rect.top)
        ox, oy = to_display(matrix.e, matrix.f)
        glyphs.append(
            Glyph(
                char,
                min(ax, bx),
                min(ay, by),
                max(ax, bx),
                max(ay, by),
                ox,
                oy,
                size,
                direction,
                is_space,
            )
        )

    mapped_text = "".join(mapped)
    result.visible = len(mapped_text) + result.unmapped + controls + result.diagonal
    result.unexpected = count_unexpected(mapped_text) + controls
    result.letters, result.unexpected_letters = count_letters(mapped_text)
    result.cjk_chars, result.cjk_in_words = count_cjk_in_words(mapped_text)
    return result
