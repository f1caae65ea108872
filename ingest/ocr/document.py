"""OCR of a document's pages: render each page with pdfium, recognise the images in parallel.

pdfium is not thread-safe, so pages are rendered one after another in the calling
thread. The calling thread also prepares each page (see ingest.ocr.prepare) while
the workers' tesseract processes read the pages before it. A poorly read page is
read again turned when Tesseract's orientation detection finds it sideways or
upside down. Page images live in a temporary directory; each page's files are
removed when it is read, and the directory when recognition ends, also on error.
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from archive.pdfium_lock import PDFIUM_LOCK
from ingest.ocr.engine import (
    LINE_SEGMENTATION_MODE,
    PAGE_SEGMENTATION_MODE,
    LanguageMissingError,
    OcrError,
    OcrFailedError,
    OcrTimeoutError,
    Orientation,
    TesseractMissingError,
    TsvResult,
    detect_orientation,
    run_tesseract,
)
from ingest.ocr.options import OcrOptions
from ingest.readers.pdf_tables import Rule
from ingest.ocr.page import POINTS_PER_INCH, OcrPage, page_from_tsv
from ingest.ocr.brackets import place_brackets
from ingest.ocr.reread import LineKey, ReadLine, latin_lines, reread_lines, tall_lines, weak_lines
from ingest.ocr.prepare import IMAGE_SUFFIX, PreparedPage, prepare_page
from ingest.ocr.rules import PixelRule
from ingest.ocr.script import MIN_HAN_SHARE, ScriptGuess, han_share, language_plan

logger = logging.getLogger(__name__)

_LIST_LANGUAGES_TIMEOUT_SECONDS = 30.0
# A reading with more than this share of its words in vertical lines gets the orientation check.
MAX_VERTICAL_SHARE = 0.5
# Pages rendered ahead of recognition, per worker, which bounds the temporary files on disk.
RENDER_AHEAD_PER_WORKER = 2
# A page is a scan when one image covers at least this share of its width.
SCAN_COVER_SHARE = 0.8
# A scan is never rendered below this resolution, which Tesseract needs for small print.
MIN_SCAN_DPI = 150


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
    guess = ScriptGuess()
    workers = max(1, options.workers)
    # Page images are uncompressed (9 MB for A4 at 300 dpi), so only a few are prepared ahead.
    ahead = threading.BoundedSemaphore(workers * RENDER_AHEAD_PER_WORKER)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ocr") as pool:
        for number in numbers:
            page_options = replace(options, dpi=scan_dpi(document, number, options.dpi))
            ahead.acquire()
            try:
                rendered, path = _render(document, number, page_options.dpi, directory)
                prepared = prepare_page(rendered, path, 0, page_options)
            except (pdfium.PdfiumError, OSError) as error:
                ahead.release()
                logger.warning("ocr render failed page=%d error=%s", number, error)
                failed = PageRecognition(number, failure=f"OCR failed: the page could not be rendered ({error})")
                futures.append((number, _done(failed)))
                continue
            reader = _Reader(executable, page_options, guess)
            futures.append((number, pool.submit(_recognise_and_release, number, path, prepared, reader, ahead)))
        return [future.result() for _, future in futures]


def _recognise_and_release(
    number: int, path: Path, prepared: PreparedPage, reader: _Reader, ahead: threading.BoundedSemaphore
) -> PageRecognition:
    """Recognise a prepared page, then remove its image files and let the next page be prepared."""
    try:
        return _recognise_image(number, path, prepared, reader)
    finally:
        for image_file in path.parent.glob(f"{path.stem}*"):
            image_file.unlink(missing_ok=True)
        ahead.release()


def _done(result: PageRecognition) -> Future[PageRecognition]:
    future: Future[PageRecognition] = Future()
    future.set_result(result)
    return future


def scan_dpi(document: pdfium.PdfDocument, number: int, dpi: int) -> int:
    """Return the resolution to render a page at: the scan's own when the page is one image below `dpi`.

    Rendering a 200 dpi scan at 300 dpi enlarges its noise with it, which made Tesseract read worse
    (Chinese character error rate 0.209 against 0.137 in bench/ocr_accuracy.py).
    """
    with PDFIUM_LOCK:
        return _scan_dpi(document, number, dpi)


def _scan_dpi(document: pdfium.PdfDocument, number: int, dpi: int) -> int:
    page = document[number - 1]
    try:
        width_points = page.get_width()
        images = list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=1))
        if len(images) != 1 or width_points <= 0:
            return dpi
        left, _, right, _ = images[0].get_bounds()
        if right - left < SCAN_COVER_SHARE * width_points:
            return dpi
        pixels, _ = images[0].get_px_size()
        native = round(pixels / ((right - left) / POINTS_PER_INCH))
    except (pdfium.PdfiumError, ValueError, ZeroDivisionError):
        return dpi
    finally:
        page.close()
    return max(MIN_SCAN_DPI, min(dpi, native))


def _render(document: pdfium.PdfDocument, number: int, dpi: int, directory: Path) -> tuple[Image.Image, Path]:
    """Render a page as displayed (crop box, /Rotate applied) in grayscale at `dpi`, and store it as a file."""
    with PDFIUM_LOCK:
        page = document[number - 1]
        try:
            bitmap = page.render(scale=dpi / POINTS_PER_INCH, grayscale=True)
            # A copy, so that PDFium's bitmap is freed here under the lock, not later by the garbage collector.
            image = bitmap.to_pil().copy()
            bitmap.close()
        finally:
            page.close()
    path = directory / f"page-{number}.{IMAGE_SUFFIX}"
    image.save(path, dpi=(dpi, dpi))
    return image, path


@dataclass(frozen=True, slots=True)
class _Reader:
    """The tesseract path, the page's options and the script guess: all that one page's readings need."""

    executable: str
    options: OcrOptions
    guess: ScriptGuess

    def read(self, image: Path, deadline: float) -> tuple[TsvResult, str]:
        """Recognise an image with the models its script calls for; return the words and the models used.

        With a Chinese model among several configured languages, the page is read first with
        the models the guess names, and again with the other choice when the words are mostly
        of the other script. When that second reading runs out of time, the first one is kept.
        """
        plan = language_plan(self.options.languages)
        if plan is None:
            return self._run(image, self.options.languages, deadline), self.options.languages
        first_languages = plan.han if self.guess.han else plan.full
        first = self._run(image, first_languages, deadline)
        share = han_share(word.text for word in first.words)
        if share is None:
            return first, first_languages
        is_han = share >= MIN_HAN_SHARE
        self.guess.update(is_han)
        page_languages = plan.han if is_han else plan.full
        if page_languages == first_languages:
            return first, first_languages
        try:
            return self._run(image, page_languages, deadline), page_languages
        except OcrTimeoutError as error:
            logger.warning("ocr second reading timed out languages=%s error=%s", page_languages, error)
            return first, first_languages

    def read_line(self, image: Path, languages: str, deadline: float) -> TsvResult:
        """Recognise an image of one text line."""
        return self._run(image, languages, deadline, segmentation=LINE_SEGMENTATION_MODE)

    def _run(
        self, image: Path, languages: str, deadline: float, segmentation: str = PAGE_SEGMENTATION_MODE
    ) -> TsvResult:
        try:
            return run_tesseract(
                self.executable,
                image,
                languages=languages,
                dpi=self.options.dpi,
                timeout_seconds=_remaining(deadline, self.options),
                segmentation=segmentation,
            )
        except OcrTimeoutError as error:
            # The process got what was left of the page's time; the message names the page limit.
            raise OcrTimeoutError(self.options.page_timeout_seconds) from error


def _recognise_image(number: int, path: Path, prepared: PreparedPage, reader: _Reader) -> PageRecognition:
    options = reader.options
    started = time.monotonic()
    try:
        page = _read_page_image(number, path, prepared, reader, started + options.page_timeout_seconds)
    except OcrError as error:
        seconds = time.monotonic() - started
        logger.warning("ocr page failed page=%d seconds=%.1f error=%s", number, seconds, error)
        return PageRecognition(number, failure=str(error), seconds=seconds)
    except OSError as error:
        seconds = time.monotonic() - started
        logger.warning("ocr page failed page=%d seconds=%.1f error=%s", number, seconds, error)
        failure = f"OCR failed: the rendered page image could not be read or written ({error})"
        return PageRecognition(number, failure=failure, seconds=seconds)
    seconds = time.monotonic() - started
    logger.info(
        "ocr page done page=%d seconds=%.1f words=%d confidence=%s rotation=%d skew=%.2f languages=%s",
        number, seconds, page.word_count, page.confidence, page.rotation, page.skew, page.languages,
    )
    return PageRecognition(number, page=page, seconds=seconds)


def _read_page_image(number: int, path: Path, prepared: PreparedPage, reader: _Reader, deadline: float) -> OcrPage:
    """Read the prepared page, and again turned when it reads poorly and OSD finds a quarter turn.

    OSD runs only after a poor first reading, because running it on every page would add
    20-40 % to upright pages. Measured with tesseract 5.3 on a 2-CPU container, OSD took
    0.4 seconds on a synthetic page of three lines and 0.9-1.0 seconds on the tender
    excerpt's dense A4 pages at 300 dpi, which took 2.5-4.7 seconds to recognise. Those
    pages turned by 90 or 180 degrees read at a mean confidence of 32-39, against 86-90 upright.
    """
    options = reader.options
    first = _read_prepared(prepared, reader, deadline)
    if prepared.image is None or not _needs_orientation_check(first, options):
        return first

    orientation = _detect_orientation(number, path, options, reader.executable, deadline)
    if orientation is None or orientation.rotate == 0:
        return first
    if orientation.confidence < options.min_orientation_confidence:
        logger.info(
            "ocr orientation ignored page=%d rotate=%d confidence=%.2f",
            number, orientation.rotate, orientation.confidence,
        )
        return first
    try:
        with Image.open(path) as opened:
            rendered = opened.convert("L")
        turned = _read_prepared(prepare_page(rendered, path, orientation.rotate, options), reader, deadline)
    except OcrError as error:
        logger.warning("ocr turned reading failed page=%d rotate=%d error=%s", number, orientation.rotate, error)
        return first
    better = turned if _reading_rank(turned) > _reading_rank(first) else first
    logger.info(
        "ocr orientation checked page=%d rotate=%d osd_confidence=%.2f confidence=%s turned_confidence=%s kept_rotation=%d",
        number, orientation.rotate, orientation.confidence, first.confidence, turned.confidence, better.rotation,
    )
    return better


def _needs_orientation_check(page: OcrPage, options: OcrOptions) -> bool:
    """Tell whether a reading suggests a page on its side or upside down.

    Besides a poor confidence, most words in vertical lines are a sign. With --psm 3,
    chi_sim read the lines of a page turned by a quarter as vertical text. The confidence
    was good, but the words of each line came out of order.
    """
    if not options.correct_orientation:
        return False
    if page.vertical_share > MAX_VERTICAL_SHARE:
        return True
    return page.confidence is None or page.confidence < options.orientation_check_confidence


def _reading_rank(page: OcrPage) -> tuple[bool, float]:
    """Rank readings: one in level lines before one mostly in vertical lines, then by mean confidence."""
    return page.vertical_share <= MAX_VERTICAL_SHARE, -1.0 if page.confidence is None else page.confidence


def _detect_orientation(
    number: int, path: Path, options: OcrOptions, executable: str, deadline: float
) -> Orientation | None:
    """Return OSD's verdict on the rendered page, or None when it finds none or fails (logged)."""
    try:
        return detect_orientation(
            executable, path, dpi=options.dpi, timeout_seconds=_remaining(deadline, options)
        )
    except OcrError as error:
        # Without osd.traineddata (Debian: tesseract-ocr-osd) pages are still read, only never turned.
        logger.warning("ocr orientation detection failed page=%d error=%s", number, error)
        return None


def _read_prepared(prepared: PreparedPage, reader: _Reader, deadline: float) -> OcrPage:
    """Recognise a prepared page image, read weak lines again, put brackets back, and map the words to the rendered page."""
    options = reader.options
    result, languages = reader.read(prepared.target, deadline)
    if prepared.image is not None:
        result = reread_lines(result, prepared.image, prepared.target, _reread_requests(result, languages, reader, deadline))
    result = place_brackets(result, prepared.brackets)
    page = page_from_tsv(
        result, dpi=options.dpi, min_line_confidence=options.min_line_confidence, correction=prepared.correction
    )
    return replace(
        page, languages=languages, rules=_rules_in_points(prepared.rules, options.dpi), blank=prepared.blank
    )


def _reread_requests(
    result: TsvResult, languages: str, reader: _Reader, deadline: float
) -> list[tuple[LineKey, ReadLine]]:
    """Return the lines to read again one at a time, each with the models to read it with.

    Tall lines and lines too weak to keep are read with the page's models. On a page read
    with a Chinese model alone, poorly read Latin lines are read with every configured model.
    """
    def with_languages(line_languages: str) -> ReadLine:
        return lambda band: reader.read_line(band, line_languages, deadline)

    tall = tall_lines(result)
    requests = [(key, with_languages(languages)) for key in tall]
    plan = language_plan(reader.options.languages)
    if plan is not None and languages == plan.han:
        requests += [(key, with_languages(plan.full)) for key in latin_lines(result) if key not in tall]
    chosen = {key for key, _ in requests}
    weak = weak_lines(result, reader.options.min_line_confidence)
    return requests + [(key, with_languages(languages)) for key in weak if key not in chosen]


def _rules_in_points(rules: list[PixelRule], dpi: int) -> list[Rule]:
    """Return ruling lines found in a page image in points, for rebuilding its tables."""
    scale = POINTS_PER_INCH / dpi
    return [Rule(rule.horizontal, rule.position * scale, rule.start * scale, rule.end * scale) for rule in rules]


def _remaining(deadline: float, options: OcrOptions) -> float:
    """Return the seconds left of the page's timeout, raising OcrTimeoutError when none are left."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise OcrTimeoutError(options.page_timeout_seconds)
    return remaining
