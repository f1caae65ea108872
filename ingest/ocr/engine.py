"""Running the tesseract command on one image and parsing its TSV output.

The binary is called with subprocess rather than through pytesseract: the
wrapper adds nothing needed here, and calling it directly keeps control of
the timeout, the environment and the error text.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

# A single uniform block of text. Tesseract 5.3's automatic segmentation (--psm 3) read a synthetic
# scan's Chinese line as Latin letters, and --psm 6 read it correctly.
PAGE_SEGMENTATION_MODE = "6"
# TSV row level of a recognised word (1 page, 2 block, 3 paragraph, 4 line, 5 word).
WORD_LEVEL = 5
LINE_LEVEL = 4
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


def run_tesseract(
    executable: str, image: Path, *, languages: str, dpi: int, timeout_seconds: float
) -> TsvResult:
    """Recognise one image and return its words and lines, raising an OcrError subclass on failure."""
    command = [
        executable, str(image), "-", "-l", languages, "--psm", PAGE_SEGMENTATION_MODE, "--dpi", str(dpi), "tsv"
    ]
    # One OpenMP thread per process, because pages already run in parallel and Tesseract's own
    # threads would only compete with them.
    environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        completed = subprocess.run(
            command, capture_output=True, timeout=timeout_seconds, env=environment, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise OcrTimeoutError(timeout_seconds) from error
    except OSError as error:
        raise OcrFailedError(f"could not run {executable}: {error.strerror or error}") from error
    stderr = completed.stderr.decode("utf-8", errors="replace")
    if "Failed loading language" in stderr or "Error opening data file" in stderr:
        raise LanguageMissingError(languages, _last_line(stderr))
    if completed.returncode != 0:
        raise OcrFailedError(f"tesseract exited with status {completed.returncode}: {_last_line(stderr)}")
    return parse_tsv(completed.stdout.decode("utf-8", errors="replace"))


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
