"""Generators of small synthetic PDFs for the PDF reader tests.

Every PDF is written object by object, so each test controls exactly what the
text layer holds: fonts without /ToUnicode, ToUnicode maps to the wrong code
points, characters drawn twice for fake bold, sideways text matrices and
word gaps made by TJ positioning instead of space glyphs.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import ImageDraw

LATIN_FONT = "Helvetica"
A4_WIDTH = 595.0
A4_HEIGHT = 842.0


@dataclass
class CidFont:
    """A Type0 font with Identity-H encoding whose glyph ids are assigned on first use.

    `to_unicode` overrides the /ToUnicode map's entry for a character (a
    wrong mapping); `with_to_unicode=False` leaves the map out, as in a PDF
    whose CJK glyphs have no Unicode values at all.
    """

    base_font: bytes = b"ABCDEF+SimSun"
    with_to_unicode: bool = True
    to_unicode: dict[str, str] = field(default_factory=dict)
    glyph_ids: dict[str, int] = field(default_factory=dict)

    def encode(self, text: str) -> str:
        """Return a PDF hex string that draws `text` with this font."""
        codes = []
        for char in text:
            if char not in self.glyph_ids:
                self.glyph_ids[char] = len(self.glyph_ids) + 1
            codes.append(f"{self.glyph_ids[char]:04X}")
        return "<" + "".join(codes) + ">"

    def to_unicode_cmap(self) -> bytes:
        """Return a ToUnicode CMap with one bfchar entry per glyph in use."""
        entries = []
        for char, glyph_id in self.glyph_ids.items():
            target = self.to_unicode.get(char, char)
            utf16 = target.encode("utf-16-be").hex().upper()
            entries.append(f"<{glyph_id:04X}> <{utf16}>")
        lines = [
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
            "1 begincodespacerange <0000> <FFFF> endcodespacerange",
        ]
        # A bfchar block may hold at most 100 entries.
        for start in range(0, len(entries), 100):
            chunk = entries[start : start + 100]
            lines.append(f"{len(chunk)} beginbfchar")
            lines.extend(chunk)
            lines.append("endbfchar")
        lines.append("endcmap CMapName currentdict /CMap defineresource pop end end")
        return "\n".join(lines).encode("ascii")


@dataclass
class SamplePage:
    """One page: a content stream using /F1 (Helvetica) and /F2 (the CID font)."""

    content: str
    width: float = A4_WIDTH
    height: float = A4_HEIGHT
    rotate: int = 0


def _stream(body: bytes, extra: str = "") -> bytes:
    data = zlib.compress(body)
    header = f"<< /Length {len(data)} /Filter /FlateDecode {extra}>>\nstream\n"
    return header.encode("ascii") + data + b"\nendstream"


def _pdf_name(raw: bytes) -> bytes:
    """Write a name object, escaping non-ASCII bytes as #XX (for example GBK font names)."""
    escaped = b"".join(
        bytes([b]) if 0x21 <= b <= 0x7E and b not in b"#/()<>[]{}%" else b"#%02X" % b
        for b in raw
    )
    return b"/" + escaped


def build_pdf(pages: list[SamplePage], cid_font: CidFont | None = None) -> bytes:
    """Write a complete PDF file with the given pages and fonts."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below, once the page tree number is known
    pages_obj = add(b"")
    latin = add(
        f"<< /Type /Font /Subtype /Type1 /BaseFont /{LATIN_FONT} "
        "/Encoding /WinAnsiEncoding >>".encode("ascii")
    )
    # A non-embedded CID font addressed by Unicode through a CMap every PDF reader ships
    # (UniGB-UCS2-H), so readers substitute a real CJK font and glyph boxes are not empty.
    song = add(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /DW 1000 "
        b"/FontDescriptor << /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
        b"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
        b"/CapHeight 880 /StemV 93 >> >>] >>"
    )
    font_refs = f"/F1 {latin} 0 R /F3 {song} 0 R"

    # Glyph ids are assigned while pages are encoded, so build the CID font afterwards.
    page_numbers = []
    content_numbers = []
    for page in pages:
        content_numbers.append(add(_stream(page.content.encode("latin-1"))))
        page_numbers.append(add(b""))

    if cid_font is not None:
        descendant = add(
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont "
            + _pdf_name(cid_font.base_font)
            + b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
            + b" /FontDescriptor %d 0 R /DW 1000 /CIDToGIDMap /Identity >>" % (len(objects) + 2)
        )
        add(
            b"<< /Type /FontDescriptor /FontName "
            + _pdf_name(cid_font.base_font)
            + b" /Flags 4 /FontBBox [0 -141 1000 859] /ItalicAngle 0 /Ascent 859"
            + b" /Descent -141 /CapHeight 700 /StemV 80 >>"
        )
        to_unicode = ""
        if cid_font.with_to_unicode:
            cmap = add(_stream(cid_font.to_unicode_cmap()))
            to_unicode = f" /ToUnicode {cmap} 0 R"
        type0 = add(
            b"<< /Type /Font /Subtype /Type0 /BaseFont "
            + _pdf_name(cid_font.base_font)
            + b" /Encoding /Identity-H /DescendantFonts [%d 0 R]" % descendant
            + to_unicode.encode("ascii")
            + b" >>"
        )
        font_refs += f" /F2 {type0} 0 R"

    for page, page_number, content_number in zip(pages, page_numbers, content_numbers):
        objects[page_number - 1] = (
            f"<< /Type /Page /Parent {pages_obj} 0 R /MediaBox [0 0 {page.width} {page.height}] "
            f"/Rotate {page.rotate} /Resources << /Font << {font_refs} >> >> "
            f"/Contents {content_number} 0 R >>"
        ).encode("ascii")
    kids = " ".join(f"{n} 0 R" for n in page_numbers)
    objects[pages_obj - 1] = f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode()
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_obj} 0 R >>".encode()

    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        catalog,
        xref_at,
    )
    return bytes(out)


def latin_text(x: float, y: float, text: str, size: float = 12) -> str:
    """Return content-stream operators that draw `text` in Helvetica at (x, y)."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"BT /F1 {size} Tf {x} {y} Td ({escaped}) Tj ET\n"


def song_text(x: float, y: float, text: str, size: float = 12) -> str:
    """Return content-stream operators that draw `text` in the STSong-Light CID font at (x, y)."""
    return f"BT /F3 {size} Tf {x} {y} Td <{text.encode('utf-16-be').hex().upper()}> Tj ET\n"


def cjk_text(font: CidFont, x: float, y: float, text: str, size: float = 12) -> str:
    """Return content-stream operators that draw `text` with the CID font at (x, y)."""
    return f"BT /F2 {size} Tf {x} {y} Td {font.encode(text)} Tj ET\n"


# --- one generator per field failure case -------------------------------------------------

CONTRACT_LINES = ("第一条 合同标的", "甲方应于签约后支付价款", "乙方按期交付设备并提供服务")


def cid_without_to_unicode() -> bytes:
    """C01: CJK glyphs in an Identity-H font that has no ToUnicode map and no embedded font."""
    font = CidFont(with_to_unicode=False)
    content = "".join(
        cjk_text(font, 72, 760 - 20 * i, line, 14) for i, line in enumerate(CONTRACT_LINES * 4)
    )
    return build_pdf([SamplePage(content)], font)


def cid_mapped_to(first_code_point: int, span: int) -> bytes:
    """C02: a ToUnicode map that sends every glyph into one block of the wrong script."""
    font = CidFont()
    content = "".join(
        cjk_text(font, 72, 760 - 20 * i, line, 14) for i, line in enumerate(CONTRACT_LINES * 4)
    )
    font.to_unicode = {
        char: chr(first_code_point + (glyph_id * 7) % span)
        for char, glyph_id in font.glyph_ids.items()
    }
    return build_pdf([SamplePage(content)], font)


def cid_mapped_correctly() -> bytes:
    """C02 control: the same page with a correct ToUnicode map to common ideographs."""
    font = CidFont()
    content = "".join(
        cjk_text(font, 72, 760 - 20 * i, line, 14) for i, line in enumerate(CONTRACT_LINES * 4)
    )
    return build_pdf([SamplePage(content)], font)


def kangxi_radical_clause() -> bytes:
    """C03: 一 is mapped to KANGXI RADICAL ONE (U+2F00) and 青 to U+2ED8 in ToUnicode."""
    font = CidFont(to_unicode={"一": "\u2f00", "青": "\u2ed8"})
    content = cjk_text(font, 72, 760, "第一条 合同标的") + cjk_text(font, 72, 730, "青岛市")
    return build_pdf([SamplePage(content)], font)


def fake_bold_heading() -> bytes:
    """C04: a heading drawn twice 0.4 pt apart, legit repeats, and a GBK-bytes font name."""
    # The font name is a subset prefix plus 宋体 encoded in GBK.
    font = CidFont(base_font=b"ABCDEF+" + "宋体".encode("gbk"))
    content = (
        cjk_text(font, 72, 760, "第一条 甲方义务")
        + cjk_text(font, 72.4, 760, "第一条 甲方义务")
        + cjk_text(font, 72, 730, "双方一一对应")
        + latin_text(72, 700, "AA battery")
        + latin_text(72, 670, "Bold")
        + latin_text(72.3, 670, "Bold")
        + latin_text(72.6, 670.2, "Bold")
    )
    return build_pdf([SamplePage(content)], font)


def sideways_text() -> bytes:
    """C06: a portrait page with one upright line and one line set with matrix [0 1 -1 0]."""
    content = (
        latin_text(72, 760, "Upright body text")
        + "BT /F1 12 Tf 0 1 -1 0 300 200 Tm (Section 2.3 Payment terms apply) Tj ET\n"
    )
    return build_pdf([SamplePage(content)])


def rotated_landscape_page() -> bytes:
    """C06 (a): a landscape annex stored as a portrait MediaBox with /Rotate 90."""
    content = "BT /F1 12 Tf 0 1 -1 0 300 100 Tm (Annex 1 Price schedule) Tj ET\n"
    return build_pdf([SamplePage(content, rotate=90)])


def positioned_words() -> bytes:
    """C07: English words separated only by TJ positioning of 220/1000 em, no space glyphs."""
    content = "BT /F1 12 Tf 72 760 Td [(Section) -220 (2.3) -220 (This) -220 (Agreement) -220 (shall)] TJ ET\n"
    return build_pdf([SamplePage(content)])


def spaced_out_ocr_layer() -> bytes:
    """C08: an invisible (3 Tr) text layer where every ideograph is followed by a space glyph."""
    font = CidFont()
    spaced = " ".join("第一条甲方：人民币壹拾万元整")
    content = f"BT 3 Tr /F2 12 Tf 72 760 Td {font.encode(spaced)} Tj ET\n"
    return build_pdf([SamplePage(content)], font)


def date_in_other_size() -> bytes:
    """A Chinese line whose date digits are set in Helvetica at a smaller size on the same baseline."""
    content = (
        song_text(72, 760, "本合同签订于", 12)
        + latin_text(144, 760, "2024", 10.5)
        + song_text(167.4, 760, "年", 12)
        + latin_text(179.4, 760, "3", 10.5)
        + song_text(185.2, 760, "月", 12)
        + latin_text(197.2, 760, "5", 10.5)
        + song_text(203, 760, "日", 12)
        + song_text(72, 740, "下一行文字", 12)
    )
    return build_pdf([SamplePage(content)])


def diagonal_watermark() -> bytes:
    """Body lines crossed by a 45-degree watermark drawn between them in the content stream."""
    content = (
        latin_text(72, 700, "First body line")
        + "BT /F1 60 Tf 0.7071 0.7071 -0.7071 0.7071 150 500 Tm (SAMPLE) Tj ET\n"
        + latin_text(72, 680, "Second body line")
    )
    return build_pdf([SamplePage(content)])


def blank_page_then_text() -> bytes:
    """A two-page file whose first page has no text layer."""
    return build_pdf([SamplePage(""), SamplePage(latin_text(72, 760, "Page two text"))])


def ruled_payment_table() -> bytes:
    """A 3x3 grid of `re S` cells with a row span, a white and a 0 w rule, and wrapped cells.

    Column 1 of rows 2 and 3 is one rectangle, so their shared rule is missing there.
    A white line crosses the wrapped date cell between its two lines, and a 0 w line
    crosses the cell beside it. Neither may split a cell.
    """
    grid = (
        "0 0 0 RG 0.8 w\n"
        "72 700 150 40 re 222 700 150 40 re 372 700 150 40 re S\n"
        "72 620 150 80 re S\n"
        "222 660 150 40 re 372 660 150 40 re S\n"
        "222 620 150 40 re 372 620 150 40 re S\n"
        "1 1 1 RG 0.8 w 222 679 m 372 679 l S\n"
        "0 0 0 RG 0 w 372 690 m 522 690 l S\n"
    )
    content = (
        latin_text(72, 770, "Payment schedule")
        + grid
        + song_text(80, 716, "款项")
        + song_text(230, 716, "付款日期")
        + song_text(380, 716, "比例")
        + song_text(80, 656, "合同价款")
        + song_text(230, 684, "2024年3月")
        + song_text(230, 666, "5日")
        + latin_text(380, 676, "30%")
        + song_text(230, 636, "2024年6月30日")
        + latin_text(380, 644, "70% due on")
        + latin_text(380, 630, "acceptance")
        + latin_text(72, 590, "End of schedule")
    )
    return build_pdf([SamplePage(content)])


def open_sided_table() -> bytes:
    """A table ruled with thin filled boxes and no outer vertical rules, ending in a full-width total row."""
    rules = (
        "0 0 0 rg\n"
        "72 739.75 450 0.5 re 72 709.75 450 0.5 re 72 679.75 450 0.5 re 72 654.75 450 0.5 re f\n"
        "221.75 680 0.5 60 re 371.75 680 0.5 60 re f\n"
    )
    content = (
        rules
        + latin_text(80, 720, "Item")
        + latin_text(230, 720, "Qty")
        + latin_text(380, 720, "Price")
        + latin_text(80, 690, "Desk")
        + latin_text(230, 690, "2")
        + latin_text(380, 690, "300")
        + latin_text(80, 663, "Total 600")
    )
    return build_pdf([SamplePage(content)])


def boxed_paragraph() -> bytes:
    """A framed paragraph with a rule under its heading: ruling without any column, so no table."""
    content = (
        "0 0 0 RG 1 w 60 600 475 120 re S 60 690 m 535 690 l S\n"
        + latin_text(72, 700, "Notice")
        + latin_text(72, 670, "This box is not a table.")
    )
    return build_pdf([SamplePage(content)])


RUNNING_HEADER = "示例科技有限公司"
PAGE_BODY_LINES = (
    ("第一条 合同标的", "甲方向乙方采购办公设备"),
    ("第二条 价款支付", "甲方于验收后支付价款"),
    ("第三条 争议解决", "双方协商解决争议"),
)


CHINESE_NUMERALS = "〇一二三四五六七八九"


def running_header_and_footer(footer: str = "- {number} -") -> bytes:
    """Three pages, each with RUNNING_HEADER at the top, a page-number footer and two body lines.

    `footer` is formatted with the 1-based page number and the page count, as digits
    ({number}, {count}) or Chinese numerals ({cn}, {cn_count}). Page 2's
    first body line sits in the top margin band, right under the header, so only the
    fact that it does not repeat distinguishes it from furniture.
    """
    pages = []
    for number, (first, second) in enumerate(PAGE_BODY_LINES, start=1):
        first_y = 790 if number == 2 else 700
        content = (
            song_text(72, 815, RUNNING_HEADER, size=9)
            + song_text(72, first_y, first)
            + song_text(72, first_y - 24, second)
            + song_text(280, 30, footer.format(
                number=number, count=len(PAGE_BODY_LINES),
                cn=CHINESE_NUMERALS[number], cn_count=CHINESE_NUMERALS[len(PAGE_BODY_LINES)],
            ), size=9)
        )
        pages.append(SamplePage(content))
    return build_pdf(pages)


def cid_mapped_to_other_common_hanzi() -> bytes:
    """C02: a ToUnicode map built for another subset, so each glyph reads as a wrong but common character."""
    font = CidFont()
    content = "".join(
        cjk_text(font, 72, 760 - 20 * i, line, 14) for i, line in enumerate(CONTRACT_LINES * 4)
    )
    # Each character becomes another common one: the text looks Chinese but forms no words.
    substitutes = "山又电入消委代满位冰尺吉休舟扫芝耳农"
    font.to_unicode = {
        char: substitutes[index % len(substitutes)] for index, char in enumerate(sorted(font.glyph_ids))
    }
    return build_pdf([SamplePage(content)], font)


def rare_ideographs_beside_figures() -> bytes:
    """C02: each line is four glyphs mapped to rare ideographs, then a date and an amount in Helvetica."""
    font = CidFont()
    content = ""
    for i in range(8):
        content += cjk_text(font, 72, 760 - 20 * i, "甲方乙方", 14)
        content += latin_text(140, 760 - 20 * i, "2024-03-05 100000.00", 12)
    font.to_unicode = {char: chr(0x9F00 + 3 * index) for index, char in enumerate(sorted(font.glyph_ids))}
    return build_pdf([SamplePage(content)], font)


def tightly_set_words(gap_per_mille: int = 110, size: float = 10) -> bytes:
    """C07: words set closer than the usual word gap, as tight justification or small type does."""
    words = ("Section", "2.3", "This", "Agreement", "shall", "remain", "in", "force")
    spaced = f" -{gap_per_mille} ".join(f"({word})" for word in words)
    content = f"BT /F1 {size} Tf 72 760 Td [{spaced}] TJ ET\n"
    content += f"BT /F1 {size} Tf 72 740 Td [(notwithstanding) -{gap_per_mille} (indemnification)] TJ ET\n"
    return build_pdf([SamplePage(content)])


# --- CID fonts whose text only the font's own maps recover ---------------------------------

# A TrueType (glyf-outline) font to embed as FontFile2. No CJK TrueType font is installed here:
# the Noto CJK fonts are CFF outlines in a collection, so the embedded-font samples use Latin text.
DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
EMBEDDED_FONT_LINES = (
    "Article 1 Payment",
    "The Buyer shall pay the Seller within 30 days.",
    "Article 2 Delivery",
    "The Seller shall deliver the goods to the Buyer.",
)


@dataclass
class CidFontObjects:
    """A Type0 font (CIDFontType2, Identity-H) written with a chosen ToUnicode, FontFile2 and CIDToGIDMap.

    `cid_to_gid` is the /CIDToGIDMap stream (two bytes per CID); None writes /Identity.
    """

    name: bytes
    to_unicode: bytes | None = None
    program: bytes | None = None
    cid_to_gid: bytes | None = None

    def write(self, add: Callable[[bytes], int]) -> int:
        """Add the font's objects with `add` and return the Type0 font's object number."""
        font_file = b""
        if self.program is not None:
            number = add(_raw_stream(self.program, f"/Length1 {len(self.program)} "))
            font_file = b" /FontFile2 %d 0 R" % number
        descriptor = add(
            b"<< /Type /FontDescriptor /FontName " + _pdf_name(self.name)
            + b" /Flags 4 /FontBBox [-1021 -463 1793 1232] /ItalicAngle 0 /Ascent 928"
            + b" /Descent -236 /CapHeight 700 /StemV 80" + font_file + b" >>"
        )
        cid_to_gid = b"/Identity"
        if self.cid_to_gid is not None:
            cid_to_gid = b"%d 0 R" % add(_stream(self.cid_to_gid))
        descendant = add(
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont " + _pdf_name(self.name)
            + b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
            + b" /FontDescriptor %d 0 R /DW 600 /CIDToGIDMap " % descriptor + cid_to_gid + b" >>"
        )
        to_unicode = b""
        if self.to_unicode is not None:
            to_unicode = b" /ToUnicode %d 0 R" % add(_stream(self.to_unicode))
        return add(
            b"<< /Type /Font /Subtype /Type0 /BaseFont " + _pdf_name(self.name)
            + b" /Encoding /Identity-H /DescendantFonts [%d 0 R]" % descendant + to_unicode + b" >>"
        )


def _raw_stream(body: bytes, extra: str = "") -> bytes:
    return f"<< /Length {len(body)} {extra}>>\nstream\n".encode("ascii") + body + b"\nendstream"


def build_pdf_with_fonts(pages: list[SamplePage], fonts: dict[str, CidFontObjects]) -> bytes:
    """Write a PDF whose pages use the given fonts under their resource names (content must name them)."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")
    pages_obj = add(b"")
    font_refs = " ".join(f"/{name} {font.write(add)} 0 R" for name, font in fonts.items())
    page_numbers = []
    for page in pages:
        content = add(_stream(page.content.encode("latin-1")))
        page_numbers.append(
            add(
                f"<< /Type /Page /Parent {pages_obj} 0 R /MediaBox [0 0 {page.width} {page.height}] "
                f"/Rotate {page.rotate} /Resources << /Font << {font_refs} >> >> "
                f"/Contents {content} 0 R >>".encode("ascii")
            )
        )
    kids = " ".join(f"{n} 0 R" for n in page_numbers)
    objects[pages_obj - 1] = f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode()
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_obj} 0 R >>".encode()

    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref_at)
    return bytes(out)


def to_unicode_cmap(body_lines: list[str]) -> bytes:
    """Wrap mapping blocks (bfchar, cidchar, cidrange ...) in a ToUnicode CMap."""
    lines = [
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        "1 begincodespacerange <0000> <FFFF> endcodespacerange",
        *body_lines,
        "endcmap CMapName currentdict /CMap defineresource pop end end",
    ]
    return "\n".join(lines).encode("ascii")


def hex_codes(codes: list[int]) -> str:
    """Return a PDF hex string of two-byte character codes."""
    return "<" + "".join(f"{code:04X}" for code in codes) + ">"


def embedded_font_space_only_to_unicode(font_path: Path, *, cid_to_gid_stream: bool = False) -> bytes:
    """Glyphs of an embedded TrueType font whose ToUnicode maps only the space glyph.

    With `cid_to_gid_stream` the content uses CIDs 1, 2, 3 ... in order of first use and a
    /CIDToGIDMap stream sends each to the real glyph id. Otherwise CID = glyph id (/Identity).
    """
    from reportlab.pdfbase.ttfonts import TTFontFile

    char_to_glyph = TTFontFile(str(font_path)).charToGlyph
    cids: dict[str, int] = {}
    for char in "".join(EMBEDDED_FONT_LINES):
        glyph = char_to_glyph[ord(char)]
        cids.setdefault(char, len(cids) + 1 if cid_to_gid_stream else glyph)
    cid_to_gid = None
    if cid_to_gid_stream:
        table = bytearray(2 * (max(cids.values()) + 1))
        for char, cid in cids.items():
            table[2 * cid : 2 * cid + 2] = char_to_glyph[ord(char)].to_bytes(2, "big")
        cid_to_gid = bytes(table)
    space = to_unicode_cmap(["1 beginbfchar", f"<{cids[' ']:04X}> <0020>", "endbfchar"])
    font = CidFontObjects(b"ABCDEF+DejaVuSans", space, font_path.read_bytes(), cid_to_gid)
    content = "".join(
        f"BT /F2 12 Tf 72 {760 - 20 * i} Td {hex_codes([cids[char] for char in line])} Tj ET\n"
        for i, line in enumerate(EMBEDDED_FONT_LINES)
    )
    return build_pdf_with_fonts([SamplePage(content)], {"F2": font})


CID_STYLE_LINES = ("第一条 合同标的", "甲方应于每月上下旬各付款一次", "第二条 交付", "乙方按期交付设备")


def cid_style_to_unicode() -> bytes:
    """A ToUnicode map written only with begincidchar and begincidrange, to real code points.

    CIDs follow code point order, so runs of consecutive code points (上下, 一丁...) share one
    cidrange entry and the other characters get cidchar entries. No font program is embedded.
    """
    chars = sorted(set("".join(CID_STYLE_LINES)) - {" "})
    cids = {char: index for index, char in enumerate(chars, start=2)}
    cids[" "] = 1
    singles: list[str] = []
    ranges: list[str] = []
    run = [chars[0]]
    for char in chars[1:] + ["\uffff"]:
        if ord(char) == ord(run[-1]) + 1:
            run.append(char)
            continue
        first, last = cids[run[0]], cids[run[-1]]
        if len(run) > 1:
            ranges.append(f"<{first:04X}> <{last:04X}> {ord(run[0])}")
        else:
            singles.append(f"<{first:04X}> {ord(run[0])}")
        run = [char]
    assert ranges, "the sample text needs a run of consecutive code points"
    body = [f"{len(singles) + 1} begincidchar", "<0001> 32", *singles, "endcidchar"]
    body += [f"{len(ranges)} begincidrange", *ranges, "endcidrange"]
    font = CidFontObjects(b"ABCDEF+SimSun", to_unicode_cmap(body))
    content = "".join(
        f"BT /F2 14 Tf 72 {760 - 20 * i} Td {hex_codes([cids[char] for char in line])} Tj ET\n"
        for i, line in enumerate(CID_STYLE_LINES)
    )
    return build_pdf_with_fonts([SamplePage(content)], {"F2": font})


def embedded_font_page_then_wrong_map_page(font_path: Path) -> bytes:
    """Page 1 as in embedded_font_space_only_to_unicode, page 2 drawn with a ToUnicode map into IPA letters.

    The page 2 font also embeds the TrueType program, whose cmap is right, but a ToUnicode entry
    takes precedence over the program's cmap, so page 2 must stay marked for OCR.
    """
    from reportlab.pdfbase.ttfonts import TTFontFile

    char_to_glyph = TTFontFile(str(font_path)).charToGlyph
    program = font_path.read_bytes()
    glyphs = {char: char_to_glyph[ord(char)] for char in "".join(EMBEDDED_FONT_LINES)}
    space_only = to_unicode_cmap(["1 beginbfchar", f"<{glyphs[' ']:04X}> <0020>", "endbfchar"])
    wrong_entries = [f"<{glyph:04X}> <{0x0250 + (glyph * 7) % 0x60:04X}>" for glyph in sorted(set(glyphs.values()))]
    wrong = to_unicode_cmap([f"{len(wrong_entries)} beginbfchar", *wrong_entries, "endbfchar"])
    fonts = {
        "F2": CidFontObjects(b"ABCDEF+DejaVuSans", space_only, program),
        "F4": CidFontObjects(b"GHIJKL+DejaVuSans", wrong, program),
    }
    pages = [
        SamplePage(
            "".join(
                f"BT /{name} 12 Tf 72 {760 - 20 * i} Td {hex_codes([glyphs[char] for char in line])} Tj ET\n"
                for i, line in enumerate(EMBEDDED_FONT_LINES)
            )
        )
        for name in ("F2", "F4")
    ]
    return build_pdf_with_fonts(pages, fonts)


# --- image-only (scanned) pages for the OCR tests ------------------------------------------

NOTO_SANS_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SCAN_DPI = 200
SCAN_FONT_POINTS = 16.0
SCAN_LEFT_POINTS = 72.0
SCAN_FIRST_TOP_POINTS = 100.0
SCAN_LINE_PITCH_POINTS = 36.0
SCANNED_LINES = ("第一条 合同标的", "甲方应于签约后支付价款", "Payment within 30 days")


@dataclass(frozen=True)
class ScannedLine:
    """A line drawn on a scanned page and its ink box in PDF points from the top left."""

    text: str
    page: int
    x0: float
    top: float
    x1: float
    bottom: float


def scanned_pages(page_count: int = 1, lines: tuple[str, ...] = SCANNED_LINES) -> tuple[bytes, list[ScannedLine]]:
    """Draw `lines` on each of `page_count` A4 images with Noto Sans CJK and wrap them in an image-only PDF.

    Returns the PDF and where each line was drawn, so OCR boxes can be checked against it.
    """
    import io

    from PIL import Image, ImageDraw, ImageFont

    pixels_per_point = SCAN_DPI / 72.0
    font = ImageFont.truetype(str(NOTO_SANS_CJK), round(SCAN_FONT_POINTS * pixels_per_point))
    size = (round(A4_WIDTH * pixels_per_point), round(A4_HEIGHT * pixels_per_point))
    images = []
    drawn: list[ScannedLine] = []
    for number in range(1, page_count + 1):
        image = Image.new("L", size, 255)
        draw = ImageDraw.Draw(image)
        for index, text in enumerate(lines):
            top_points = SCAN_FIRST_TOP_POINTS + index * SCAN_LINE_PITCH_POINTS
            origin = (SCAN_LEFT_POINTS * pixels_per_point, top_points * pixels_per_point)
            draw.text(origin, text, font=font, fill=0)
            left, top, right, bottom = draw.textbbox(origin, text, font=font)
            drawn.append(
                ScannedLine(
                    text, number, left / pixels_per_point, top / pixels_per_point,
                    right / pixels_per_point, bottom / pixels_per_point,
                )
            )
        images.append(image)
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", resolution=float(SCAN_DPI), save_all=True, append_images=images[1:])
    return buffer.getvalue(), drawn


# --- scans fed sideways, upside down or skewed, for the OCR orientation tests -----------------

TURNED_SCAN_LINES = ("第一条 合同标的", "甲方应于签约后支付价款", "Payment within 30 days")
TURNED_SCAN_WIDTH_POINTS = 360.0
TURNED_SCAN_HEIGHT_POINTS = 200.0
TURNED_SCAN_FONT_POINTS = 20.0


def turned_scan(
    angle: float, lines: tuple[str, ...] = TURNED_SCAN_LINES
) -> tuple[bytes, list[ScannedLine]]:
    """Draw `lines` on a small page image, turn it `angle` degrees counter-clockwise and wrap it in a PDF.

    The image is turned with Pillow's rotate(angle, expand=True), so a quarter turn swaps
    the page's width and height. Returns the PDF and each line's ink box on the turned
    page, found by turning an image of that line alone the same way.
    """
    import io

    from PIL import Image, ImageDraw, ImageFont, ImageOps

    pixels_per_point = SCAN_DPI / 72.0
    font = ImageFont.truetype(str(NOTO_SANS_CJK), round(TURNED_SCAN_FONT_POINTS * pixels_per_point))
    size = (round(TURNED_SCAN_WIDTH_POINTS * pixels_per_point), round(TURNED_SCAN_HEIGHT_POINTS * pixels_per_point))

    def turn(image: Image.Image) -> Image.Image:
        return image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)

    page = Image.new("L", size, 255)
    drawn: list[ScannedLine] = []
    for index, text in enumerate(lines):
        origin = (SCAN_LEFT_POINTS / 2 * pixels_per_point, (30 + index * 50) * pixels_per_point)
        ImageDraw.Draw(page).text(origin, text, font=font, fill=0)
        alone = Image.new("L", size, 255)
        ImageDraw.Draw(alone).text(origin, text, font=font, fill=0)
        ink = ImageOps.invert(turn(alone)).point(lambda value: 255 if value > 128 else 0).getbbox()
        assert ink is not None, text
        left, top, right, bottom = (value / pixels_per_point for value in ink)
        drawn.append(ScannedLine(text, 1, left, top, right, bottom))
    buffer = io.BytesIO()
    turn(page).save(buffer, "PDF", resolution=float(SCAN_DPI))
    return buffer.getvalue(), drawn


def draw_grid(draw: ImageDraw.ImageDraw, rows: tuple[int, ...], columns: tuple[int, ...], width: int) -> None:
    """Draw the rules of a table: a horizontal line at each of `rows` and a vertical one at each of `columns`."""
    left, right = columns[0], columns[-1]
    top, bottom = rows[0], rows[-1]
    for y in rows:
        draw.line([(left, y), (right, y)], fill=0, width=width)
    for x in columns:
        draw.line([(x, top), (x, bottom)], fill=0, width=width)
