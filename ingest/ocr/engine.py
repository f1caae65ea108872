"""Running the tesseract command on one image and parsing its TSV output.

The binary is called with subprocess rather than through pytesseract: the
wrapper adds nothing needed here, and calling it directly keeps control of
the timeout, the environment and the error text.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

# One uniform block of text. Tesseract's page layout (--psm 3 and 4) drops text it puts in small
# blocks: with the rules of a drawn table painted over, --psm 4 lost a lone quantity in the
# right-hand column of a scanned table, and --psm 3 lost a 16 pt heading above it, while --psm 6
# read every word. On the simulated scans of bench/ocr_accuracy.py (12 Chinese pages, chi_sim,
# table rules painted over) the pooled character error rates were 0.052 (6), 0.047 (4) and
# 0.055 (3). Columns and table cells need no help from Tesseract: group_lines and the table
# builder put the words into lines and cells again by their boxes.
PAGE_SEGMENTATION_MODE = "6"
# One line of text, for reading a single line again.
LINE_SEGMENTATION_MODE = "7"
# TSV row level of a recognised word (1 page, 2 block, 3 paragraph, 4 line, 5 word).
WORD_LEVEL = 5
LINE_LEVEL = 4
# Tesseract's orientation and script detection (OSD) only, no recognition.
OSD_SEGMENTATION_MODE = "0"
# OSD prints "Rotate: N", the clockwise turn in degrees that makes the page upright, and
# "Orientation confidence: X" (Tesseract 5.3 output format).
_OSD_ROTATE = re.compile(r"^Rotate:\s*(\d+)\s*$", re.MULTILINE)
_OSD_CONFIDENCE = re.compile(r"^Orientation confidence:\s*([0-9.]+)\s*$", re.MULTILINE)
INSTALL_HINT = "install tesseract-ocr and tesseract-ocr-chi-sim (Debian and Ubuntu package names), then retry this version"
_STDERR_TAIL_CHARS = 300


class OcrError(Exception):
    """OCR of one page failed; the message states why and what to do."""


class TesseractMissingError(OcrError):
    def __init__(self, command: str) -> None:
        super().__init__(f"tesseract was not found on PATH (looked for {command!r}); {INSTALL_HINT}")


class LanguageMissingError(OcrError):
    def __init__(self, languages: str, detail: str) -> None:
        super().__init__(f"tesseract has no traineddata for {languages!r} ({detail}); {INSTALL_HINT}")


class OcrTimeoutError(OcrError):
    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"OCR timed out after {seconds:g} seconds; raise CONTRACT_ARCHIVE_OCR_PAGE_TIMEOUT_SECONDS "
            "and retry this version"
        )


class OcrFailedError(OcrError):
    def __init__(self, detail: str) -> None:
        super().__init__(f"OCR failed: {detail}; check the tesseract installation and retry this version")


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word: pixel box in the image, Tesseract's confidence (0-100) and its line."""

    text: str
    left: int
    top: int
    width: int
    height: int
    confidence: float
    # (block, paragraph, line) numbers that identify the word's line within the page.
    line_key: tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class LineBox:
    """A line's pixel box as Tesseract segmented it."""

    left: int
    top: int
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class TsvResult:
    words: list[Word]
    lines: dict[tuple[int, int, int], LineBox]
    # Lines that a second reading with other models or another page layout read the same way. They
    # are kept even below the line confidence floor, which is meant for specks and stamps.
    confirmed: frozenset[tuple[int, int, int]] = frozenset()


@dataclass(frozen=True, slots=True)
class Orientation:
    """Tesseract's OSD verdict: the clockwise turn (0, 90, 180, 270 degrees) that makes the page upright."""

    rotate: int
    confidence: float


def run_tesseract(
    executable: str,
    image: Path,
    *,
    languages: str,
    dpi: int,
    timeout_seconds: float,
    segmentation: str = PAGE_SEGMENTATION_MODE,
) -> TsvResult:
    """Recognise one image and return its words and lines, raising an OcrError subclass on failure."""
    command = [executable, str(image), "-", "-l", languages, "--psm", segmentation, "--dpi", str(dpi), "tsv"]
    completed = _run(command, executable, timeout_seconds)
    stderr = completed.stderr.decode("utf-8", errors="replace")
    if "Failed loading language" in stderr or "Error opening data file" in stderr:
        raise LanguageMissingError(languages, _last_line(stderr))
    if completed.returncode != 0:
        raise OcrFailedError(f"tesseract exited with status {completed.returncode}: {_last_line(stderr)}")
    return parse_tsv(completed.stdout.decode("utf-8", errors="replace"))


def detect_orientation(executable: str, image: Path, *, dpi: int, timeout_seconds: float) -> Orientation | None:
    """Run Tesseract's OSD on one image and return its verdict.

    Returns None when OSD finds too few characters to decide, which Tesseract 5.3 reports
    with exit status 1. Raises LanguageMissingError without osd.traineddata and another
    OcrError subclass when the run fails or times out.
    """
    command = [executable, str(image), "-", "--psm", OSD_SEGMENTATION_MODE, "--dpi", str(dpi)]
    completed = _run(command, executable, timeout_seconds)
    stderr = completed.stderr.decode("utf-8", errors="replace")
    if "Failed loading language" in stderr or "Error opening data file" in stderr:
        raise LanguageMissingError("osd", _last_line(stderr))
    if completed.returncode != 0:
        if "Too few characters" in stderr:
            return None
        raise OcrFailedError(f"tesseract OSD exited with status {completed.returncode}: {_last_line(stderr)}")
    return parse_osd(completed.stdout.decode("utf-8", errors="replace"))


def parse_osd(output: str) -> Orientation | None:
    """Parse the output of `tesseract IMAGE - --psm 0`, returning None when a field is missing or invalid."""
    rotate = _OSD_ROTATE.search(output)
    confidence = _OSD_CONFIDENCE.search(output)
    if rotate is None or confidence is None:
        return None
    degrees = int(rotate.group(1))
    if degrees not in (0, 90, 180, 270):
        return None
    return Orientation(degrees, float(confidence.group(1)))


def _run(command: list[str], executable: str, timeout_seconds: float) -> subprocess.CompletedProcess[bytes]:
    # One OpenMP thread per process, because pages already run in parallel and Tesseract's own
    # threads would only compete with them.
    environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        return subprocess.run(command, capture_output=True, timeout=timeout_seconds, env=environment, check=False)
    except subprocess.TimeoutExpired as error:
        raise OcrTimeoutError(timeout_seconds) from error
    except OSError as error:
        raise OcrFailedError(f"could not run {executable}: {error.strerror or error}") from error


def _last_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1][:_STDERR_TAIL_CHARS] if lines else "no error output"


def parse_tsv(tsv: str) -> TsvResult:
    """Parse Tesseract's TSV output into non-blank words and line boxes."""
    words: list[Word] = []
    lines: dict[tuple[int, int, int], LineBox] = {}
    for row in tsv.splitlines()[1:]:
        fields = row.split("\t", 11)
        if len(fields) < 11 or fields[0] not in (str(LINE_LEVEL), str(WORD_LEVEL)):
            continue
        level = int(fields[0])
        try:
            key = (int(fields[2]), int(fields[3]), int(fields[4]))
            left, top, width, height = (int(value) for value in fields[6:10])
            confidence = float(fields[10])
        except ValueError:
            continue
        if level == LINE_LEVEL:
            lines[key] = LineBox(left, top, width, height)
            continue
        text = fields[11].strip() if len(fields) > 11 else ""
        if not text:
            continue
        words.append(Word(text, left, top, width, height, confidence, key))
    return TsvResult(words, lines)
