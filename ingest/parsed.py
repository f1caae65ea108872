"""The frozen result of reading one file: pages and blocks in reading order.

Readers produce a ParsedDocument; clause segmentation and field extraction are
pure functions over it. Coordinates are PDF points with the origin at the top
left of the page (pdfplumber's convention): x grows to the right, y downwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class BBox:
    """A rectangle on one page, in PDF points from the top-left corner."""

    x0: float
    top: float
    x1: float
    bottom: float

    def union(self, other: BBox) -> BBox:
        return BBox(
            min(self.x0, other.x0),
            min(self.top, other.top),
            max(self.x1, other.x1),
            max(self.bottom, other.bottom),
        )

    def as_list(self) -> list[float]:
        return [round(self.x0, 2), round(self.top, 2), round(self.x1, 2), round(self.bottom, 2)]


@dataclass(frozen=True, slots=True)
class Block:
    """One unit of text in reading order: a PDF line or a DOCX paragraph or table row.

    `page` is 1-based and set for PDF blocks; `paragraph_index` is the 0-based
    position among the DOCX body's paragraphs and table rows. `cells` is set for
    table rows, and `text` then holds the cells joined by " | ". A DOCX footnote
    or endnote is a block with style "footnote" or "endnote", placed right after
    the block that refers to it.
    """

    text: str
    page: int | None = None
    bbox: BBox | None = None
    paragraph_index: int | None = None
    font_size: float | None = None
    style: str | None = None
    cells: tuple[str, ...] | None = None
    # Text of the same block before tracked changes were accepted, when it differs.
    original_text: str | None = None
    # A DOCX paragraph whose leading label comes from automatic numbering, so it is a list item.
    auto_numbered: bool = False
    # The text as the file encodes it, before Unicode folding and space clean-up, when that differs.
    raw_text: str | None = None


# Sources of a page's text: its text layer, the fonts' own character maps, or OCR.
TEXT_LAYER = "text_layer"
FONT_MAPS = "font_maps"
OCR = "ocr"


@dataclass(frozen=True, slots=True)
class Page:
    """Per-page facts; `needs_ocr` marks a page whose text layer is empty or garbage and that OCR did not read.

    `furniture` is the running header, footer and page number lines taken out of
    this page's blocks, top to bottom. `text_source` is TEXT_LAYER, FONT_MAPS or OCR,
    and `ocr_confidence` is the mean Tesseract word confidence (0-100) of an OCR page.
    On an OCR page, `ocr_rotation` is the clockwise quarter turn (0, 90, 180 or 270
    degrees) and `ocr_skew` the deskew angle (degrees, positive when the lines rose to
    the right) applied before recognition. All three are None on other pages.
    """

    number: int
    width: float
    height: float
    char_count: int
    needs_ocr: bool = False
    ocr_reason: str | None = None
    furniture: tuple[str, ...] = ()
    text_source: str = TEXT_LAYER
    ocr_confidence: float | None = None
    ocr_rotation: int | None = None
    ocr_skew: float | None = None


@dataclass(frozen=True, slots=True)
class Revision:
    """One tracked change in a DOCX file and who made it.

    `kind` is "insert", "delete", "move_from", "move_to" or "format". `text` is
    the inserted, deleted or reformatted text, and empty for a change to a
    paragraph mark or a table row. `paragraph_index` is the block the change
    is in, or None when it is outside the body blocks (a header or footer) or in
    a paragraph that produced no block.
    """

    kind: str
    author: str | None
    date: str | None
    text: str
    paragraph_index: int | None


@dataclass(frozen=True, slots=True)
class Comment:
    """A reviewer's comment, kept apart from the body text.

    `paragraph_index` is the block the comment is anchored on, or None when its
    anchor is missing or in a paragraph that produced no block.
    """

    author: str | None
    date: str | None
    text: str
    paragraph_index: int | None


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """Everything a reader found in one file, in reading order."""

    media_type: str
    blocks: tuple[Block, ...]
    pages: tuple[Page, ...] = ()
    has_revisions: bool = False
    warnings: tuple[str, ...] = ()
    title: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    # Distinct header and footer texts, in section order, kept out of `blocks`.
    page_furniture: tuple[str, ...] = ()
    revisions: tuple[Revision, ...] = ()
    comments: tuple[Comment, ...] = ()

    @property
    def needs_ocr_pages(self) -> list[int]:
        return [p.number for p in self.pages if p.needs_ocr]

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)
