"""OCR of a document's pages: render each page with pdfium, recognise the images in parallel.

pdfium is not thread-safe, so pages are rendered one after another in the calling
thread, and only the tesseract processes run in the thread pool. Rendered images
live in a temporary directory that is removed when recognition ends, also on error.
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

from ingest.ocr.engine import (
    LanguageMissingError,
    OcrError,
    OcrFailedError,
    TesseractMissingError,
    run_tesseract,
)
from ingest.ocr.options import OcrOptions
from ingest.ocr.page import POINTS_PER_INCH, OcrPage, page_from_tsv

logger = logging.getLogger(__name__)

_LIST_LANGUAGES_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class PageRecognition:
    """The outcome for one page: the recognised page, or why it was not recognised."""

    number: int
    page: OcrPage | None = None
    failure: str | None = None
    seconds: float = 0.0


def recognise_pages(
    document: pdfium.PdfDocument, numbers: list[int], options: OcrOptions
) -> list[PageRecognition]:
    """Recognise the given 1-based pages, at most `options.max_pages` of them, in page order.

    Never raises for a tesseract problem: each page that was not recognised carries a
    failure message that states what to do.
    """
    selected, skipped = numbers[: options.max_pages], numbers[options.max_pages :]
    over_limit = (
        f"not OCRed because the document has {len(numbers)} pages that need OCR and the limit is "
        f"{options.max_pages}; raise CONTRACT_ARCHIVE_OCR_MAX_PAGES and retry this version"
    )
    skipped_results = [PageRecognition(number, failure=over_limit) for number in skipped]
    if not selected:
        return skipped_results
    try:
        executable = _check_tesseract(options)
    except OcrError as error:
        logger.warning("ocr unavailable error=%s", error)
        return [PageRecognition(number, failure=str(error)) for number in selected] + skipped_results

    with tempfile.TemporaryDirectory(prefix="contract-archive-ocr-") as directory:
        results = _recognise(document, selected, options, executable, Path(directory))
    return results + skipped_results


def _check_tesseract(options: OcrOptions) -> str:
    """Return the tesseract path, raising when it or one of the requested languages is missing."""
    executable = options.find_tesseract()
    if executable is None:
        raise TesseractMissingError(options.tesseract)
    try:
        listed = subprocess.run(
            [executable, "--list-langs"], capture_output=True, timeout=_LIST_LANGUAGES_TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise OcrFailedError(f"could not run {executable} --list-langs: {error}") from error
    # The first output line is a header ("List of available languages in ..."), then one name a line.
    installed = set(listed.stdout.decode("utf-8", errors="replace").split())
    missing = [language for language in options.languages.split("+") if language not in installed]
    if missing:
        raise LanguageMissingError(options.languages, f"missing: {', '.join(missing)}")
    return executable


def _recognise(
    document: pdfium.PdfDocument,
    numbers: list[int],
    options: OcrOptions,
    executable: str,
    directory: Path,
) -> list[PageRecognition]:
    futures: list[tuple[int, Future[PageRecognition]]] = []
    with ThreadPoolExecutor(max_workers=max(1, options.workers), thread_name_prefix="ocr") as pool:
        for number in numbers:
            try:
                image = _render(document, number, options.dpi, directory)
            except (pdfium.PdfiumError, OSError) as error:
                logger.warning("ocr render failed page=%d error=%s", number, error)
                failed = PageRecognition(number, failure=f"OCR failed: the page could not be rendered ({error})")
                futures.append((number, _done(failed)))
                continue
            futures.append((number, pool.submit(_recognise_image, number, image, options, executable)))
        return [future.result() for _, future in futures]


def _done(result: PageRecognition) -> Future[PageRecognition]:
    future: Future[PageRecognition] = Future()
    future.set_result(result)
    return future


def _render(document: pdfium.PdfDocument, number: int, dpi: int, directory: Path) -> Path:
    """Render a page as displayed (crop box, /Rotate applied) to a grayscale PNG at `dpi`."""
    page = document[number - 1]
    try:
        bitmap = page.render(scale=dpi / POINTS_PER_INCH, grayscale=True)
        image = bitmap.to_pil()
    finally:
        page.close()
    path = directory / f"page-{number}.png"
    image.save(path, dpi=(dpi, dpi))
    return path


def _recognise_image(number: int, image: Path, options: OcrOptions, executable: str) -> PageRecognition:
    started = time.monotonic()
    try:
        result = run_tesseract(
            executable, image, languages=options.languages, dpi=options.dpi, timeout_seconds=options.page_timeout_seconds
        )
    except OcrError as error:
        seconds = time.monotonic() - started
        logger.warning("ocr page failed page=%d seconds=%.1f error=%s", number, seconds, error)
        return PageRecognition(number, failure=str(error), seconds=seconds)
    page = page_from_tsv(result, dpi=options.dpi, min_line_confidence=options.min_line_confidence)
    seconds = time.monotonic() - started
    logger.info(
        "ocr page done page=%d seconds=%.1f words=%d confidence=%s", number, seconds, page.word_count, page.confidence
    )
    return PageRecognition(number, page=page, seconds=seconds)
