"""The quality gate: how far a version's text can be trusted, per page and per document."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ingest.parsed import OCR, Page, ParsedDocument
from ingest.text_quality import TextQuality, assess_text

# Below this share of characters in expected scripts, staff should compare with the original.
REVIEW_EXPECTED_SHARE = 0.95
# Below this mean OCR word confidence (Tesseract's 0-100 scale), staff should compare a page with the original.
REVIEW_OCR_CONFIDENCE = 60.0
TRUSTED = "trusted"
REVIEW = "review"
UNREADABLE = "unreadable"


def assess_document(doc: ParsedDocument) -> dict[str, Any]:
    """Return the quality record stored with a version: per-page facts, totals and a verdict."""
    text_by_page: dict[int | None, list[str]] = defaultdict(list)
    rows_by_page: dict[int | None, int] = defaultdict(int)
    for block in doc.blocks:
        text_by_page[block.page].append(block.text)
        if block.cells is not None:
            rows_by_page[block.page] += 1

    pages = [_page_record(page, text_by_page, rows_by_page) for page in doc.pages]
    whole = assess_text("\n".join(block.text for block in doc.blocks), words=True)
    needing_ocr = [page.number for page in doc.pages if page.needs_ocr]
    low_confidence = [page.number for page in doc.pages if _is_low_confidence(page)]
    word_share = whole.cjk_word_share
    return {
        "chars": whole.visible,
        "expected_share": round(whole.expected_share, 4),
        "cjk_word_share": None if word_share is None else round(word_share, 4),
        "pages": pages,
        "pages_needing_ocr": needing_ocr,
        "pages_ocr": [page.number for page in doc.pages if page.text_source == OCR],
        "pages_low_ocr_confidence": low_confidence,
        "table_rows": sum(rows_by_page.values()),
        "has_revisions": doc.has_revisions,
        "verdict": _verdict(whole, needing_ocr, low_confidence, len(doc.pages)),
    }


def _page_record(
    page: Page, text_by_page: dict[int | None, list[str]], rows_by_page: dict[int | None, int]
) -> dict[str, Any]:
    quality = assess_text("\n".join(text_by_page.get(page.number, [])))
    return {
        "page": page.number,
        "chars": quality.visible,
        # A page that failed the gate contributes no text, so a share would carry no information.
        "expected_share": None if page.needs_ocr else round(quality.expected_share, 4),
        "needs_ocr": page.needs_ocr,
        "reason": page.ocr_reason,
        "table_rows": rows_by_page.get(page.number, 0),
        "ocr": page.text_source == OCR,
        "ocr_confidence": page.ocr_confidence,
        "ocr_rotation": page.ocr_rotation,
        "ocr_skew": page.ocr_skew,
    }


def _is_low_confidence(page: Page) -> bool:
    if page.text_source != OCR:
        return False
    return page.ocr_confidence is None or page.ocr_confidence < REVIEW_OCR_CONFIDENCE


def _verdict(whole: TextQuality, needing_ocr: list[int], low_confidence: list[int], page_count: int) -> str:
    if whole.visible == 0 or (page_count and len(needing_ocr) == page_count):
        return UNREADABLE
    if needing_ocr or low_confidence or whole.expected_share < REVIEW_EXPECTED_SHARE or whole.is_garbage:
        return REVIEW
    return TRUSTED
