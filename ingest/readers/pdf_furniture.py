"""Detection of running headers, footers and page numbers in a PDF's line blocks.

A line is page furniture when it lies in the top or bottom margin band of its
page and either repeats in the same band on enough pages or is a lone page
number (`- 3 -`, `第 3 页 共 9 页`, `Page 3 of 10`). Repeats are compared with
digits masked, so "Page 1" and "Page 2" count as one running line. A clause
that happens to start at the top of a page is kept, because it does not repeat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ingest.parsed import Block, Page

# A margin band is this share of the page height at the top and at the bottom.
MARGIN_BAND_SHARE = 0.1
# A line in a band is running furniture when its masked text is in that band on this share
# of the pages that have text...
MIN_REPEAT_PAGE_SHARE = 0.5
# ...and on at least this many pages, so one- and two-page files keep their edge lines.
# NOTE: a running header of a two-page file therefore stays in the body; only page numbers go.
MIN_REPEAT_PAGES = 3

_DIGITS = re.compile(r"\d+")
# A page number: Arabic digits, Chinese numerals (第三页) or, in front matter, lower-case Roman numerals.
_NUMBER = r"(?:\d{1,4}|[〇零一二两三四五六七八九十百]{1,6})"
_PAGE_NUMBER_PATTERNS = (
    # 3, - 3 -, — 3 —, - 三 -, - iii -
    re.compile(rf"^[\s\-–—]*(?:{_NUMBER}|[ivxlc]{{1,6}})[\s\-–—]*$"),
    # 第 3 页, 第3页 共9页, 第 3 页，共 9 页, 第三页 共九页
    re.compile(rf"^第\s*{_NUMBER}\s*页(?:\s*[,，/]?\s*共\s*{_NUMBER}\s*页)?$"),
    # 共 9 页 第 3 页
    re.compile(rf"^共\s*{_NUMBER}\s*页\s*[,，/]?\s*第\s*{_NUMBER}\s*页$"),
    # 3 / 9
    re.compile(r"^\d{1,4}\s*/\s*\d{1,4}$"),
    # Page 3, Page 3 of 10
    re.compile(r"^page\s+\d{1,4}(?:\s+of\s+\d{1,4})?$", re.IGNORECASE),
)


@dataclass(frozen=True, slots=True)
class FurnitureParams:
    """Band size and repeat thresholds for furniture detection."""

    margin_band_share: float = MARGIN_BAND_SHARE
    min_repeat_page_share: float = MIN_REPEAT_PAGE_SHARE
    min_repeat_pages: int = MIN_REPEAT_PAGES


@dataclass(frozen=True, slots=True)
class FurnitureSplit:
    """Body blocks without furniture, pages with their removed lines, and the distinct furniture texts."""

    blocks: tuple[Block, ...]
    pages: tuple[Page, ...]
    texts: tuple[str, ...]


def furniture_key(text: str) -> str:
    """Return the text without whitespace and with each digit run replaced by `#`."""
    return _DIGITS.sub("#", "".join(text.split()))


def is_page_number(text: str) -> bool:
    return any(pattern.match(text.strip()) for pattern in _PAGE_NUMBER_PATTERNS)


def _band(block: Block, height: float, share: float) -> str | None:
    """Return "top" or "bottom" when the block reaches into that margin band, else None.

    A line counts when it reaches into the band rather than lying wholly inside it,
    because a footer set at the same distance from the edge on a landscape page sits
    higher in terms of the (shorter) page height.
    """
    if block.bbox is None or block.cells is not None or height <= 0:
        return None
    if block.bbox.top < share * height:
        return "top"
    if block.bbox.bottom > (1 - share) * height:
        return "bottom"
    return None


def split_furniture(
    blocks: list[Block], pages: list[Page], params: FurnitureParams = FurnitureParams()
) -> FurnitureSplit:
    """Remove running headers, footers and page numbers from the blocks and record them per page."""
    heights = {page.number: page.height for page in pages}
    bands: list[str | None] = [
        _band(block, heights.get(block.page or 0, 0.0), params.margin_band_share) for block in blocks
    ]

    pages_by_key: dict[tuple[str, str], set[int]] = {}
    for block, band in zip(blocks, bands):
        if band is not None:
            pages_by_key.setdefault((band, furniture_key(block.text)), set()).add(block.page or 0)
    pages_with_text = len({block.page for block in blocks if block.page is not None})
    needed = max(params.min_repeat_pages, params.min_repeat_page_share * pages_with_text)
    running = {key for key, numbers in pages_by_key.items() if len(numbers) >= needed}

    body: list[Block] = []
    removed: dict[int, list[str]] = {}
    texts: dict[str, str] = {}
    for block, band in zip(blocks, bands):
        key = furniture_key(block.text)
        if band is None or not ((band, key) in running or is_page_number(block.text)):
            body.append(block)
            continue
        removed.setdefault(block.page or 0, []).append(block.text)
        # The first occurrence names the furniture, page number digits as printed there.
        texts.setdefault(key, block.text)

    marked = tuple(
        replace(page, furniture=tuple(removed[page.number])) if page.number in removed else page
        for page in pages
    )
    return FurnitureSplit(tuple(body), marked, tuple(texts.values()))
