"""Recovery of the text of CID-font pages whose ToUnicode map is missing, partial or cid-style.

Some PDF producers write a Type0 font (CIDFontType2, /Identity-H) whose
ToUnicode map lists only the space glyph, or uses `begincidchar` and
`begincidrange` blocks, which ToUnicode does not define. Neither pdfium nor
pdfminer then maps the other glyphs, so the page fails the quality gate.
The mapping often still exists in the embedded TrueType program (FontFile2):
its `cmap` table maps code points to glyph ids, and inverting it maps a glyph
id back to a code point. A CID becomes a glyph id through /CIDToGIDMap
(the identity, or a stream of two-byte glyph ids indexed by CID).

The page is interpreted again with pdfminer. Each character code is mapped
by the first of these that has it: a cid-style ToUnicode entry, the font's
ToUnicode map (as pdfminer reads it), the embedded font's inverted cmap, and
pdfminer's own mapping for fonts without a ToUnicode map. Glyphs are
returned in the frame read_glyphs uses, so line grouping and the quality
gate treat them like any other page. Only unrotated pages and horizontal
fonts are read, so other pages stay marked for OCR.
"""

from __future__ import annotations

import logging
import math
import re
import struct
from dataclasses import dataclass, field
from io import BytesIO

from pdfminer.layout import LTChar
from pdfminer.pdfcolor import PDFColorSpace
from pdfminer.pdfdevice import PDFTextDevice
from pdfminer.pdffont import PDFCIDFont, PDFFont, PDFUnicodeNotDefined, TrueTypeFont
from pdfminer.pdfinterp import PDFGraphicState, PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import PDFStream, dict_value, list_value, resolve1
from pdfminer.psparser import literal_name
from pdfminer.utils import Matrix

from ingest.readers.pdf_glyphs import Glyph, PageGlyphs, _direction
from ingest.text_quality import count_cjk_in_words, count_letters, count_unexpected

logger = logging.getLogger(__name__)

# A cid-style block entry: `<code> cid` in begincidchar, `<low> <high> cid` in begincidrange.
_CIDCHAR_BLOCK = re.compile(rb"begincidchar(.*?)endcidchar", re.DOTALL)
_CIDRANGE_BLOCK = re.compile(rb"begincidrange(.*?)endcidrange", re.DOTALL)
_CIDCHAR_ENTRY = re.compile(rb"<([0-9A-Fa-f]+)>\s*(\d+)")
_CIDRANGE_ENTRY = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\d+)")
# A cid-style range longer than this is malformed: no font has more glyphs than a two-byte id holds.
MAX_CID_RANGE = 0x10000


@dataclass(frozen=True)
class FontMapping:
    """The Unicode values this module adds to one font, keyed by character code (the CID under Identity-H)."""

    # Entries of begincidchar and begincidrange blocks whose destinations are code points.
    cid_style: dict[int, str] = field(default_factory=dict)
    # Glyph id to code point, from the embedded TrueType program's cmap.
    glyph_to_text: dict[int, str] = field(default_factory=dict)
    # None for /Identity (CID = glyph id), else the /CIDToGIDMap stream's bytes.
    cid_to_gid: bytes | None = None
    has_to_unicode: bool = False

    def embedded_text(self, cid: int) -> str | None:
        """Return the code point the embedded cmap gives the glyph drawn for `cid`, or None."""
        if not self.glyph_to_text:
            return None
        if self.cid_to_gid is None:
            gid = cid
        else:
            entry = self.cid_to_gid[2 * cid : 2 * cid + 2]
            gid = int.from_bytes(entry, "big") if len(entry) == 2 else 0
        return self.glyph_to_text.get(gid)


def font_mapping(spec: dict[str, object]) -> FontMapping:
    """Build the added mapping of a Type0 font from its dictionary; other fonts get an empty one."""
    if literal_name(spec.get("Subtype")) != "Type0":
        return FontMapping()
    descendants = list_value(spec.get("DescendantFonts", []))
    if not descendants:
        return FontMapping()
    descendant = dict_value(descendants[0])
    to_unicode = resolve1(spec.get("ToUnicode"))
    return FontMapping(
        cid_style=_cid_style_entries(to_unicode.get_data()) if isinstance(to_unicode, PDFStream) else {},
        glyph_to_text=_embedded_cmap(descendant),
        cid_to_gid=_cid_to_gid(descendant),
        has_to_unicode=to_unicode is not None,
    )


def _cid_style_entries(cmap: bytes) -> dict[int, str]:
    """Read the begincidchar and begincidrange entries of a ToUnicode CMap as code to code point."""
    entries: dict[int, str] = {}
    for block in _CIDCHAR_BLOCK.findall(cmap):
        for code, destination in _CIDCHAR_ENTRY.findall(block):
            _add_code_point(entries, int(code, 16), int(destination))
    for block in _CIDRANGE_BLOCK.findall(cmap):
        for low, high, destination in _CIDRANGE_ENTRY.findall(block):
            first, last = int(low, 16), int(high, 16)
            if not 0 <= last - first < MAX_CID_RANGE:
                continue
            for offset in range(last - first + 1):
                _add_code_point(entries, first + offset, int(destination) + offset)
    return entries


def _add_code_point(entries: dict[int, str], code: int, code_point: int) -> None:
    # Surrogates and values past U+10FFFF are not characters, so such an entry maps nothing.
    if 0 < code_point <= 0x10FFFF and not 0xD800 <= code_point <= 0xDFFF:
        entries[code] = chr(code_point)


def _embedded_cmap(descendant: dict[str, object]) -> dict[int, str]:
    """Return glyph id to code point from the FontFile2 program's Unicode cmap, or {} without one."""
    descriptor = resolve1(descendant.get("FontDescriptor"))
    program = resolve1(descriptor.get("FontFile2")) if isinstance(descriptor, dict) else None
    if not isinstance(program, PDFStream):
        return {}
    font = TrueTypeFont(literal_name(descendant.get("BaseFont", "unknown")), BytesIO(program.get_data()))
    try:
        unicode_map = font.create_unicode_map()
    # pdfminer raises AssertionError for a cmap subtable format it does not parse,
    # and struct.error for a truncated table.
    except (TrueTypeFont.CMapNotFound, AssertionError, struct.error):
        return {}
    # pdfminer keys this map by glyph id. Glyph 0 is .notdef, which stands for no character.
    return {gid: text for gid, text in unicode_map.cid2unichr.items() if gid != 0}


def _cid_to_gid(descendant: dict[str, object]) -> bytes | None:
    value = resolve1(descendant.get("CIDToGIDMap"))
    return value.get_data() if isinstance(value, PDFStream) else None


@dataclass
class RecordedChar:
    """A character pdfminer drew, with its Unicode text (None when no mapping gives one)."""

    char: LTChar
    text: str | None
    fontsize: float


class _CharRecorder(PDFTextDevice):
    """A pdfminer device that records each drawn character with the text the font mappings give it."""

    def __init__(self, resources: PDFResourceManager, mappings: FontMappings) -> None:
        super().__init__(resources)
        self.mappings = mappings
        self.chars: list[RecordedChar] = []
        self.vertical_chars = 0

    def render_char(
        self,
        matrix: Matrix,
        font: PDFFont,
        fontsize: float,
        scaling: float,
        rise: float,
        cid: int,
        ncs: PDFColorSpace,
        graphicstate: PDFGraphicState,
    ) -> float:
        text = self.mappings.text(font, cid)
        if font.is_vertical():
            self.vertical_chars += 1
        char = LTChar(
            matrix,
            font,
            fontsize,
            scaling,
            rise,
            text or "",
            font.char_width(cid),
            font.char_disp(cid),
            ncs,
            graphicstate,
        )
        self.chars.append(RecordedChar(char, text, fontsize))
        return char.adv


class FontMappings:
    """The added mapping of every font met while interpreting pages, keyed by pdfminer's font object."""

    def __init__(self) -> None:
        # The font object is kept with its dictionary, so its id() is not reused while this object lives.
        self._specs: dict[int, tuple[PDFFont, dict[str, object]]] = {}
        self._mappings: dict[int, FontMapping] = {}

    def register(self, font: PDFFont, spec: dict[str, object]) -> None:
        self._specs.setdefault(id(font), (font, spec))

    def text(self, font: PDFFont, cid: int) -> str | None:
        """Return the Unicode text of character code `cid` in `font`, or None when nothing maps it."""
        mapping = self._mapping(font)
        # NOTE: pdfminer.six 20260107 reads begincidrange entries keyed by their destination, so a
        # code that equals some destination but has no cid-style entry still gets pdfminer's junk.
        if cid in mapping.cid_style:
            return mapping.cid_style[cid]
        if mapping.has_to_unicode or not isinstance(font, PDFCIDFont):
            text = _pdfminer_text(font, cid)
            if text is not None:
                return text
        embedded = mapping.embedded_text(cid)
        if embedded is not None:
            return embedded
        # pdfminer maps a font without ToUnicode through its embedded cmap too, but by CID.
        # That is right only under an identity CIDToGIDMap, so it is the last resort.
        return _pdfminer_text(font, cid)

    def _mapping(self, font: PDFFont) -> FontMapping:
        key = id(font)
        mapping = self._mappings.get(key)
        if mapping is None:
            registered = self._specs.get(key)
            mapping = font_mapping(registered[1]) if registered is not None else FontMapping()
            self._mappings[key] = mapping
        return mapping


def _pdfminer_text(font: PDFFont, cid: int) -> str | None:
    try:
        return font.to_unichr(cid)
    except PDFUnicodeNotDefined:
        return None


class _RecordingInterpreter(PDFPageInterpreter):
    """A page interpreter that registers with the device the font dictionary behind each font object."""

    device: _CharRecorder

    def init_resources(self, resources: dict[object, object]) -> None:
        super().init_resources(resources)
        fonts = dict_value(resources).get("Font") if resources else None
        if fonts is None:
            return
        for font_id, reference in dict_value(fonts).items():
            font = self.fontmap.get(font_id)
            if font is not None:
                self.device.mappings.register(font, dict_value(reference))


class EmbeddedMapReader:
    """Reads pages of one document again, mapping character codes through the fonts' own maps.

    One reader serves one document, so each font's mapping is built once.
    """

    def __init__(self) -> None:
        self._resources = PDFResourceManager(caching=True)
        self._mappings = FontMappings()

    def read_page(self, page: PDFPage) -> PageGlyphs | None:
        """Return the page's glyphs and quality counts, or None for a rotated page or vertical text."""
        if page.rotate % 360 != 0:
            return None
        recorder = _CharRecorder(self._resources, self._mappings)
        _RecordingInterpreter(self._resources, recorder).process_page(page)
        if recorder.vertical_chars:
            return None
        return _page_glyphs(recorder.chars, page.mediabox, page.cropbox)


def _page_glyphs(chars: list[RecordedChar], mediabox: object, cropbox: object) -> PageGlyphs:
    """Turn recorded characters into glyphs on the displayed page, as read_glyphs does for pdfium's."""
    # pdfminer places the page in a frame whose origin is the MediaBox's lower left corner.
    # Adding that corner back gives PDF user space, where read_glyphs measures from the CropBox.
    media_left, media_bottom = float(mediabox[0]), float(mediabox[1])
    crop_left, crop_top = float(cropbox[0]), float(cropbox[3])
    dx = media_left - crop_left
    result = PageGlyphs()
    mapped: list[str] = []
    controls = 0
    for recorded in chars:
        text = recorded.text
        if text is None:
            result.unmapped += 1
            continue
        if not text or any(ord(char) < 0x20 or ord(char) == 0x7F for char in text):
            controls += 1
            continue
        char = recorded.char
        a, b, c, d, e, f = char.matrix
        direction = 0 if b == 0.0 and a > 0.0 else _direction(a, b, 0)
        if direction is None:
            result.diagonal += 1
            continue
        is_space = text.isspace()
        if not is_space:
            mapped.append(text)
        result.glyphs.append(
            Glyph(
                text,
                char.x0 + dx,
                crop_top - (char.y1 + media_bottom),
                char.x1 + dx,
                crop_top - (char.y0 + media_bottom),
                e + dx,
                crop_top - (f + media_bottom),
                recorded.fontsize * math.sqrt(abs(a * d - b * c)),
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
