"""OCR options: languages, resolution, limits and threads, from the archive settings or defaults."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archive.settings import Settings

DEFAULT_LANGUAGES = "chi_sim+eng"
DEFAULT_DPI = 300
# A generous ceiling for one page at 300 dpi, far above the few seconds a typical A4 page takes.
DEFAULT_PAGE_TIMEOUT_SECONDS = 180.0
DEFAULT_MAX_PAGES = 100
# A page whose mean word confidence (Tesseract's 0-100 scale) is below this is flagged for review.
REVIEW_CONFIDENCE = 60.0
# A Tesseract line whose mean word confidence is below this is dropped as noise (stamps, scan specks).
MIN_LINE_CONFIDENCE = 40.0


def _cpu_count() -> int:
    return os.cpu_count() or 1


@dataclass(frozen=True, slots=True)
class OcrOptions:
    """Settings for one document's OCR; `tesseract` is a command name looked up on PATH or a path."""

    enabled: bool = True
    languages: str = DEFAULT_LANGUAGES
    dpi: int = DEFAULT_DPI
    page_timeout_seconds: float = DEFAULT_PAGE_TIMEOUT_SECONDS
    max_pages: int = DEFAULT_MAX_PAGES
    workers: int = field(default_factory=_cpu_count)
    review_confidence: float = REVIEW_CONFIDENCE
    min_line_confidence: float = MIN_LINE_CONFIDENCE
    tesseract: str = "tesseract"

    def find_tesseract(self) -> str | None:
        """Return the tesseract executable's path, or None when it is not installed."""
        return shutil.which(self.tesseract)


DISABLED = OcrOptions(enabled=False)


def ocr_options_from_settings(settings: Settings) -> OcrOptions:
    """Build OCR options from the archive settings."""
    return OcrOptions(
        enabled=settings.ocr_enabled,
        languages=settings.ocr_languages,
        dpi=settings.ocr_dpi,
        page_timeout_seconds=settings.ocr_page_timeout_seconds,
        max_pages=settings.ocr_max_pages,
        workers=settings.ocr_workers,
    )
