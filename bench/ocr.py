"""OCR speed: seconds per scanned page through read_pdf, and the pipeline's time beyond Tesseract.

Usage: python bench/ocr.py [--corpus ../shared/corpus] [--pages 3] [--repeat 1] [--plain]

The scans are the simulated ones of bench/ocr_accuracy.py: the leading pages of
two Chinese and two English text PDFs, rendered at 200 dpi, rotated by 1 degree,
with Gaussian and salt-and-pepper noise, as JPEG images on image-only PDF pages.
`--plain` uses the 200 dpi renders without rotation or noise. Building the scans
is not timed. Each source file's pages form one image-only PDF, which is read with
`read_pdf(..., ocr=OcrOptions(...))` at the default OCR settings twice: with one
worker and with the default number of workers.

Tesseract's own time is measured by wrapping `ingest.ocr.engine._run`, which
runs every tesseract process of a page (the recognition, and orientation
detection on a poorly read page). Each call's start and end are recorded, so the
summed process time is the wall time of the tesseract processes from start to
exit, traineddata loading included. `_render` in ingest.ocr.document (render with
pdfium and write the image file) is wrapped the same way. The overhead is

    overhead = (read_pdf wall time - time during which a tesseract process was running)
               / read_pdf wall time

that is, the share of the wall time in which no tesseract process was working.
The target applies to the one-worker run, where the processes run one after
another. The overhead contains opening the PDF, the quality gate, `tesseract
--list-langs`, rendering and writing the page images, estimating the skew and
writing a deskewed copy, and turning the words into lines, wherever these do not
overlap a tesseract process. The calling thread renders page n + 1 while the
worker reads page n, so that rendering counts only where it makes the worker
wait. With two workers on two cores, work that overlaps still takes CPU time
from the tesseract processes, which the summed process time then shows.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from bench.ocr_accuracy import (  # noqa: E402
    CHINESE,
    DEFAULT_CORPUS,
    ENGLISH,
    JPEG_QUALITY,
    NOISE_SIGMA,
    ROTATION_DEGREES,
    SALT_AND_PEPPER_SHARE,
    SCAN_DPI,
    code_fingerprint,
    load_average,
    machine_table,
    scanned_pdf,
)

SAMPLES = {
    CHINESE: ("zh_office-equipment-procurement-contract_original.pdf", "zh_beijing_training-service-model_bf-2021-2730.pdf"),
    ENGLISH: ("en_cuad_services-agreement_federated_base.pdf", "en_cuad_supply-agreement_west-pharma.pdf"),
}
TARGET_OVERHEAD = 0.15


@dataclass
class TesseractTimes:
    """Monotonic start and end of each tesseract process run, and the summed render time."""

    intervals: list[tuple[float, float]] = field(default_factory=list)
    render_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def process_seconds(self) -> float:
        """Return the summed wall time of the tesseract processes."""
        return sum(end - start for start, end in self.intervals)

    def covered_seconds(self) -> float:
        """Return the wall time during which at least one tesseract process was running."""
        covered = 0.0
        current_start = current_end = None
        for start, end in sorted(self.intervals):
            if current_end is None or start > current_end:
                if current_end is not None:
                    covered += current_end - current_start  # type: ignore[operator]
                current_start, current_end = start, end
            else:
                current_end = max(current_end, end)
        if current_end is not None:
            covered += current_end - current_start  # type: ignore[operator]
        return covered


@contextmanager
def instrument_tesseract() -> Iterator[TesseractTimes]:
    """Wrap the engine's process runner and the page render to record their times, and restore them afterwards."""
    import ingest.ocr.document as document
    import ingest.ocr.engine as engine

    times = TesseractTimes()
    # NOTE: _run is private to ingest.ocr.engine. It runs every tesseract process of a page in the code
    # measured here (fingerprint in the output), and this wrapper must follow it when the engine changes.
    original_run: Callable[..., Any] = engine._run
    original_render: Callable[..., Any] = document._render

    def timed_run(*args: Any, **kwargs: Any) -> Any:
        start = time.monotonic()
        try:
            return original_run(*args, **kwargs)
        finally:
            end = time.monotonic()
            with times.lock:
                times.intervals.append((start, end))

    def timed_render(*args: Any, **kwargs: Any) -> Any:
        start = time.monotonic()
        try:
            return original_render(*args, **kwargs)
        finally:
            times.render_seconds += time.monotonic() - start

    engine._run = timed_run
    document._render = timed_render
    try:
        yield times
    finally:
        engine._run = original_run
        document._render = original_render


@dataclass
class RunResult:
    """One language's scans read once with a given number of workers."""

    language: str
    workers: int
    pages: int
    ocr_pages: int
    wall_seconds: float
    tesseract_seconds: float
    tesseract_runs: int
    covered_seconds: float
    render_seconds: float

    @property
    def seconds_per_page(self) -> float:
        return self.wall_seconds / self.pages

    @property
    def overhead(self) -> float:
        """Share of the wall time during which no tesseract process was running."""
        return (self.wall_seconds - self.covered_seconds) / self.wall_seconds


def build_scans(corpus: Path, language: str, pages: int, *, plain: bool = False) -> list[tuple[str, bytes]]:
    """Return (name, image-only PDF) pairs with the leading pages of the language's sample files."""
    import pypdfium2 as pdfium

    scans = []
    for name in SAMPLES[language]:
        original = (corpus / name).read_bytes()
        document = pdfium.PdfDocument(original)
        count = min(pages, len(document))
        document.close()
        scans.append((name, scanned_pdf(original, list(range(1, count + 1)), name, plain=plain)))
    return scans


def read_scans(language: str, scans: list[tuple[str, bytes]], workers: int) -> RunResult:
    """Read every scan with OCR and return the wall time, page counts and tesseract times."""
    from ingest.ocr import OcrOptions
    from ingest.parsed import OCR
    from ingest.readers.pdf import read_pdf

    options = OcrOptions(workers=workers)
    pages = ocr_pages = 0
    runs = 0
    wall = tesseract = covered = render = 0.0
    for name, data in scans:
        with instrument_tesseract() as times:
            started = time.perf_counter()
            document = read_pdf(data, filename=f"scan of {name}", ocr=options)
            wall += time.perf_counter() - started
        tesseract += times.process_seconds()
        runs += len(times.intervals)
        covered += times.covered_seconds()
        render += times.render_seconds
        pages += len(document.pages)
        ocr_pages += sum(1 for page in document.pages if page.text_source == OCR)
    return RunResult(language, workers, pages, ocr_pages, wall, tesseract, runs, covered, render)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="Folder with the corpus files.")
    parser.add_argument("--pages", type=int, default=3, help="Number of leading pages taken from each sample file.")
    parser.add_argument("--repeat", type=int, default=1, help="Number of times each measurement is taken.")
    parser.add_argument(
        "--plain", action="store_true", help="Scan without rotation and noise: the 200 dpi render as it is."
    )
    args = parser.parse_args()
    if args.pages < 1:
        parser.error(f"--pages must be 1 or more, got {args.pages}")
    if args.repeat < 1:
        parser.error(f"--repeat must be 1 or more, got {args.repeat}")
    return args


def main() -> None:
    from ingest.ocr import OcrOptions

    args = parse_arguments()
    if not args.corpus.is_dir():
        sys.exit(f"corpus folder not found: {args.corpus}; pass --corpus")
    default_workers = OcrOptions().workers
    scans = {
        language: build_scans(args.corpus, language, args.pages, plain=args.plain) for language in (CHINESE, ENGLISH)
    }

    # Untimed warm-up, so the first timed run does not pay for loading traineddata from disk.
    read_scans(CHINESE, scans[CHINESE][:1], default_workers)

    start_load = load_average()
    results: list[RunResult] = []
    for _ in range(args.repeat):
        for language in (CHINESE, ENGLISH):
            for workers in sorted({1, default_workers}):
                results.append(read_scans(language, scans[language], workers))
    end_load = load_average()

    # Wide enough for the column titles when the output is not a terminal, where rich assumes 80 columns.
    console = Console(width=max(Console().width, 150))
    table = Table(title="OCR through read_pdf on simulated scans")
    for name in (
        "language", "workers", "pages (OCRed)", "wall time", "seconds per page",
        "tesseract process time (summed)", "tesseract runs", "render + image write (summed)", "overhead",
    ):
        table.add_column(name, justify="left" if name == "language" else "right")
    for result in results:
        table.add_row(
            "Chinese" if result.language == CHINESE else "English",
            str(result.workers),
            f"{result.pages} ({result.ocr_pages})",
            f"{result.wall_seconds:.1f} s",
            f"{result.seconds_per_page:.2f}",
            f"{result.tesseract_seconds:.1f} s",
            str(result.tesseract_runs),
            f"{result.render_seconds:.1f} s",
            f"{result.overhead:.1%}",
        )
    console.print(table)
    console.print(
        "overhead: share of the read_pdf wall time during which no tesseract process was running. "
        f"target at most {TARGET_OVERHEAD:.0%} with one worker"
    )

    setup = Table(title="Setup")
    setup.add_column("item")
    setup.add_column("value")
    for language in (CHINESE, ENGLISH):
        setup.add_row(f"{language} files, first {args.pages} pages each", ", ".join(SAMPLES[language]))
    setup.add_row(
        "scan",
        f"{SCAN_DPI} dpi grayscale, no rotation or noise (--plain), JPEG quality {JPEG_QUALITY}"
        if args.plain
        else f"{SCAN_DPI} dpi grayscale, rotated {ROTATION_DEGREES:g} degree, Gaussian noise sigma {NOISE_SIGMA:g}, "
        f"{SALT_AND_PEPPER_SHARE:.2%} salt-and-pepper pixels, JPEG quality {JPEG_QUALITY}",
    )
    options = OcrOptions()
    setup.add_row("OCR options", f"languages {options.languages}, render {options.dpi} dpi, default workers {default_workers}")
    setup.add_row("load average (1 min) at start, at end", f"{start_load}, {end_load}")
    setup.add_row("OCR code measured", code_fingerprint())
    console.print(setup)

    machine = machine_table()
    machine.add_row("OMP_THREAD_LIMIT of each tesseract process", "1 (set by ingest.ocr.engine)")
    machine.add_row("this process's CPU affinity", str(len(os.sched_getaffinity(0))) + " cores")
    console.print(machine)


if __name__ == "__main__":
    main()
