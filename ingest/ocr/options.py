"""OCR options: languages, resolution, limits and threads, from the archive settings or defaults."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ingest.ocr.geometry import MIN_SKEW_DEGREES

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
# A page whose first reading has a mean word confidence below this, or no words, gets Tesseract's
# orientation detection (OSD). Pages of the tender excerpt read at 86-90 upright and at 32-39 when
# turned by 90 or 180 degrees.
ORIENTATION_CHECK_CONFIDENCE = 60.0
# OSD's orientation confidence needed before the page is read again turned. It is low because the
# turned reading is kept only when its mean word confidence is higher: OSD was right at 1.8-2.4 on
# a synthetic page of three lines and reported 10-25 on the tender excerpt's dense pages.
MIN_ORIENTATION_CONFIDENCE = 1.0


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
    # Read a poorly read page again turned by the quarter turn that OSD finds.
    correct_orientation: bool = True
    orientation_check_confidence: float = ORIENTATION_CHECK_CONFIDENCE
    min_orientation_confidence: float = MIN_ORIENTATION_CONFIDENCE
    # Deskew a page whose text lines are at least `min_skew_degrees` off level.
    deskew: bool = True
    min_skew_degrees: float = MIN_SKEW_DEGREES

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
