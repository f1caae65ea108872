"""OCR character error rate on simulated scans of the corpus's text PDFs.

Usage: python bench/ocr_accuracy.py [--corpus ../shared/corpus] [--pages 3] [--ocr-dpi 300]
                                    [--workers N] [--plain] [--file NAME ...]

Each sampled page of a text PDF is rendered at 200 dpi in grayscale and rotated
by 1 degree (white fill). Gaussian noise (sigma 8 on the 0-255 scale) and
salt-and-pepper pixels are added with a seed fixed per file and page, and the
image is stored as a JPEG (quality 90) on a PDF page of the same size. The sampled pages of a file
form one image-only PDF, which the product reads with `read_pdf(..., ocr=OcrOptions(...))`,
so the scan goes through the same rendering, Tesseract run and line grouping as
a user's scan. `--plain` leaves out the rotation and the noise, which separates
recognition errors caused by the scan from the rest.

The reference is the same page of the original file read by `read_pdf` without
OCR. Both sides are the page's body lines in reading order followed by its
running header and footer lines. The character error rate (CER) of a page is
the Levenshtein distance between the two texts divided by the length of the
reference, after this folding of both texts (COMPARISON_RULE):

1. `ingest.normalize.normalize_text`, then Unicode NFKC, so full-width and
   half-width forms of punctuation, digits and letters are equal.
2. All whitespace is removed.
3. Chinese pages keep only CJK ideographs, the digits 0-9 and the ASCII
   letters, so punctuation does not count. English pages keep every
   remaining character, punctuation included, and letter case counts.
4. Text-layer characters hidden under an opaque mark or painted over are
   removed from the reference, because no scan shows them. Some corpus pages
   carry a dark box over body text, and the text layer still contains the
   covered characters.
   The original page is rendered without noise at SCAN_DPI, and pdfplumber
   gives each character's box. An opaque mark is dark area (darker than
   DARK_LEVEL) wide and tall enough to hold a solid square of MARK_MIN_INCH,
   which no glyph of body text contains. A character is hidden when more than
   MARK_COVER_SHARE of its box lies under such a mark, since a glyph more than
   half covered cannot be read from the scan. A character whose box is less
   covered stays in the reference. A character is painted over when less
   than MIN_SHOWN_INK_SHARE of its own ink (its dark pixels when the page is
   rendered with its text objects alone) is dark in the full render, as under
   a white box. The hidden characters are grouped into runs of neighbours on
   one pdfplumber text line. Each run is folded by rules 1-3 and removed once
   from the folded reference. Where the reference contains the run several times, the visible characters
   beside it on its line select the occurrence, and otherwise the first one
   is removed. A run that is not found is reported in the file's notes and
   stays in the reference.

Pooled CER is the sum of the distances over the sum of the reference lengths,
so longer pages weigh more.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import re
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image
    from rich.table import Table

    from ingest.ocr import OcrOptions
    from ingest.parsed import ParsedDocument

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
DEFAULT_FILES = (
    "zh_office-equipment-procurement-contract_original.pdf",
    "zh_beijing_training-service-model_bf-2021-2730.pdf",
    "zh_guangzhou_housing-lease-model_sf-2017-0601.pdf",
    "zh_zhejiang_second-hand-house-sale-model_16p.pdf",
    "en_cuad_services-agreement_federated_base.pdf",
    "en_cuad_supply-agreement_west-pharma.pdf",
)
DEFAULT_PAGES = 3

# The simulated scan.
SCAN_DPI = 200
ROTATION_DEGREES = 1.0
NOISE_SIGMA = 8.0
# Share of pixels set to black or white at random, about 1,900 on an A4 page at 200 dpi.
SALT_AND_PEPPER_SHARE = 0.0005
JPEG_QUALITY = 90
SEED = 20261204

# Hidden characters, checked on the noise-free 200 dpi renders of pages 1-3 of the six default files.
# On page 3 of the Beijing and Guangzhou model contracts a black box with a gray stamp (gray level 95)
# covers body text, and gray level 128 counts that gray as dark with a wide margin.
DARK_LEVEL = 128
# The smallest solid dark square that makes a mark: 16 px at 200 dpi. The strokes of a bold 22 pt
# heading are about 8 px thick there, so no glyph of a contract contains such a square.
MARK_MIN_INCH = 0.08
# A character is hidden when more than this share of its box lies under a mark. The box covers the
# glyph's full height, so the line just above the Beijing box, whose glyphs show only their top third,
# is hidden, and the line just below it, whose glyphs show two thirds, stays.
MARK_COVER_SHARE = 0.5
# A character is also hidden when less than this share of its own ink shows in the render, because
# something light was painted over it. On page 1 of the Guangzhou model contract a white box covers
# the date 二〇一七年十月 except for its last few pixel rows. A character's own ink is the set of dark
# pixels in its box when the page is rendered with its text objects alone.
MIN_SHOWN_INK_SHARE = 0.5
# pdfplumber's default vertical tolerance for grouping characters into a text line, in points.
LINE_TOLERANCE = 3
# Visible characters on each side of a hidden run that locate the run in the reference.
RUN_CONTEXT = 8

CHINESE = "zh"
ENGLISH = "en"
COMPARISON_RULE = (
    "normalize_text, then NFKC, then all whitespace removed; Chinese pages keep only CJK "
    "ideographs, digits 0-9 and ASCII letters; English pages keep every other character "
    "(punctuation and case count); reference characters hidden under an opaque mark "
    f"(more than {MARK_COVER_SHARE:.0%} of the character box under dark area holding a solid "
    f"{MARK_MIN_INCH:g} inch square in the noise-free {SCAN_DPI} dpi render) or painted over "
    f"(less than {MIN_SHOWN_INK_SHARE:.0%} of the character's own ink shown in that render) are removed"
)
_CHINESE_KEPT = re.compile(
    "[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff0-9A-Za-z]"
)
_WHITESPACE = re.compile(r"\s+")



@dataclass
class PageScore:
    """One sampled page: reference length, edit distance to the OCR text, and what OCR reported."""

    file: str
    page: int
    language: str
    reference_chars: int
    distance: int
    ocr_confidence: float | None
    hidden_chars: int = 0

    @property
    def cer(self) -> float:
        return self.distance / self.reference_chars if self.reference_chars else 0.0


@dataclass
class FileScore:
    """The scored pages of one file, notes on pages left out or not read by OCR, and the OCR wall time."""

    file: str
    language: str
    pages: list[PageScore] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ocr_seconds: float = 0.0

    @property
    def reference_chars(self) -> int:
        return sum(page.reference_chars for page in self.pages)

    @property
    def distance(self) -> int:
        return sum(page.distance for page in self.pages)

    @property
    def cer(self) -> float | None:
        return self.distance / self.reference_chars if self.reference_chars else None


# --- Comparison ---------------------------------------------------------------------------------


def comparable_text(text: str, language: str) -> str:
    """Fold a page text by COMPARISON_RULE."""
    from ingest.normalize import normalize_text

    folded = unicodedata.normalize("NFKC", normalize_text(text))
    folded = _WHITESPACE.sub("", folded)
    if language == CHINESE:
        folded = _CHINESE_KEPT.sub("", folded)
    return folded


def edit_distance(reference: str, hypothesis: str) -> int:
    """Return the Levenshtein distance (unit-cost insertions, deletions and substitutions).

    Uses Myers' bit-parallel algorithm in Hyyrö's formulation for the global distance.
    One column of the dynamic-programming table is kept as two bit vectors of
    vertical +1 and -1 steps, in Python integers as wide as the reference. The cost
    is therefore one round of integer operations per hypothesis character.
    """
    if not reference:
        return len(hypothesis)
    if not hypothesis:
        return len(reference)
    length = len(reference)
    mask = (1 << length) - 1
    last = 1 << (length - 1)
    positions: dict[str, int] = {}
    for index, character in enumerate(reference):
        positions[character] = positions.get(character, 0) | (1 << index)

    plus_vertical, minus_vertical, distance = mask, 0, length
    for character in hypothesis:
        equal = positions.get(character, 0)
        x_vertical = equal | minus_vertical
        x_horizontal = (((equal & plus_vertical) + plus_vertical) ^ plus_vertical) | equal
        plus_horizontal = (minus_vertical | ~(x_horizontal | plus_vertical)) & mask
        minus_horizontal = plus_vertical & x_horizontal
        if plus_horizontal & last:
            distance += 1
        elif minus_horizontal & last:
            distance -= 1
        # The shifted-in 1 is the top row's +1 step, because the distance to an empty prefix grows by one.
        plus_horizontal = ((plus_horizontal << 1) | 1) & mask
        minus_horizontal = (minus_horizontal << 1) & mask
        plus_vertical = (minus_horizontal | ~(x_vertical | plus_horizontal)) & mask
        minus_vertical = plus_horizontal & x_vertical
    return distance


def page_text(document: ParsedDocument, number: int) -> str:
    """Return a page's body lines in reading order, then its running header and footer lines."""
    body = [block.text for block in document.blocks if block.page == number]
    furniture = list(document.pages[number - 1].furniture)
    return "\n".join(body + furniture)


# --- Simulated scan -----------------------------------------------------------------------------


def scan_image(page_image: Image.Image, seed: str) -> Image.Image:
    """Rotate a grayscale page image by ROTATION_DEGREES and add Gaussian and salt-and-pepper noise."""
    from PIL import Image, ImageChops

    rng = random.Random(seed)
    rotated = page_image.rotate(ROTATION_DEGREES, resample=Image.Resampling.BICUBIC, fillcolor=255)

    # Gaussian noise by inverse transform: each random byte u becomes 128 + sigma * z, where z is the
    # standard normal quantile of (u + 0.5) / 256, so the noise is cut off at about 2.9 sigma.
    normal = NormalDist()
    table = [min(255, max(0, round(128 + NOISE_SIGMA * normal.inv_cdf((u + 0.5) / 256)))) for u in range(256)]
    width, height = rotated.size
    uniform = Image.frombytes("L", rotated.size, rng.randbytes(width * height))
    noisy = ImageChops.add(rotated, uniform.point(table), scale=1.0, offset=-128)

    pixels = noisy.load()
    for _ in range(round(SALT_AND_PEPPER_SHARE * width * height)):
        pixels[rng.randrange(width), rng.randrange(height)] = rng.choice((0, 255))
    return noisy


def render_page(document: pdfium.PdfDocument, number: int) -> Image.Image:
    """Render a 1-based page at SCAN_DPI in grayscale, without rotation or noise."""
    page = document[number - 1]
    try:
        return page.render(scale=SCAN_DPI / 72, grayscale=True).to_pil().convert("L")
    finally:
        page.close()


def scanned_pdf(original: bytes, numbers: list[int], seed_prefix: str, *, plain: bool = False) -> bytes:
    """Return an image-only PDF with a simulated scan of each given 1-based page of `original`.

    With `plain`, the pages are the 200 dpi renders without rotation or noise.
    """
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(original)
    images = []
    try:
        for number in numbers:
            rendered = render_page(document, number)
            images.append(rendered if plain else scan_image(rendered, f"{SEED}:{seed_prefix}:{number}"))
    finally:
        document.close()
    output = io.BytesIO()
    # Pillow stores a grayscale image as DCTDecode (JPEG); the page size is the image size at SCAN_DPI.
    images[0].save(
        output, format="PDF", save_all=True, append_images=images[1:], resolution=float(SCAN_DPI), quality=JPEG_QUALITY
    )
    return output.getvalue()


# --- Hidden text --------------------------------------------------------------------------------


@dataclass
class HiddenRun:
    """Neighbouring hidden characters on one text line, with the visible characters beside them."""

    text: str
    before: str
    after: str


def mark_mask(image: Image.Image) -> np.ndarray:
    """Return a boolean mask of the opaque marks on a page render: dark area that contains a MARK_MIN_INCH square."""
    import numpy as np

    size = max(1, round(MARK_MIN_INCH * SCAN_DPI))
    dark = np.asarray(image.convert("L")) < DARK_LEVEL
    # A morphological opening: keep the squares that are dark throughout, then every pixel they cover.
    solid = _window_counts(dark, size) == size * size
    covered = _window_counts(np.pad(solid, size - 1), size) > 0
    return covered


def _window_counts(mask: np.ndarray, size: int) -> np.ndarray:
    """Return the set pixels in every size x size window of a mask, indexed by the window's top-left pixel."""
    import numpy as np

    table = np.zeros((mask.shape[0] + 1, mask.shape[1] + 1), dtype=np.int64)
    table[1:, 1:] = mask.cumsum(axis=0).cumsum(axis=1)
    return table[size:, size:] - table[:-size, size:] - table[size:, :-size] + table[:-size, :-size]


def text_only_ink(original: bytes, number: int) -> np.ndarray:
    """Return the dark pixels of a 1-based page rendered with its text objects alone (paths and images removed)."""
    import numpy as np
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    drawings = (pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_SHADING)
    # A copy of the document, because removing objects changes the page.
    document = pdfium.PdfDocument(original)
    try:
        page = document[number - 1]
        for obj in [obj for obj in page.get_objects(max_depth=1) if obj.type in drawings]:
            page.remove_obj(obj)
        page.gen_content()
        image = page.render(scale=SCAN_DPI / 72, grayscale=True).to_pil().convert("L")
        page.close()
    finally:
        document.close()
    return np.asarray(image) < DARK_LEVEL


def shown_ink_share(ink: np.ndarray, shown: np.ndarray, box: tuple[float, float, float, float]) -> float:
    """Return the share of a character's ink pixels (in its box) that are dark in the full render; 1.0 without ink."""
    height, width = ink.shape
    left, top, right, bottom = (round(edge) for edge in box)
    left, top = min(max(left, 0), width - 1), min(max(top, 0), height - 1)
    right, bottom = min(max(right, left + 1), width), min(max(bottom, top + 1), height)
    own = ink[top:bottom, left:right]
    total = int(own.sum())
    if total == 0:
        return 1.0
    return int((own & shown[top:bottom, left:right]).sum()) / total


def covered_share(marks: np.ndarray, box: tuple[float, float, float, float]) -> float:
    """Return the share of a box (in image pixels) that lies under a mark."""
    height, width = marks.shape
    left, top, right, bottom = (round(edge) for edge in box)
    left, top = min(max(left, 0), width - 1), min(max(top, 0), height - 1)
    right, bottom = min(max(right, left + 1), width), min(max(bottom, top + 1), height)
    return float(marks[top:bottom, left:right].mean())


def hidden_runs(original: bytes, numbers: list[int]) -> dict[int, list[HiddenRun]]:
    """Find the text-layer characters of each given 1-based page that the noise-free render does not show."""
    import numpy as np
    import pdfplumber
    import pypdfium2 as pdfium

    scale = SCAN_DPI / 72
    runs: dict[int, list[HiddenRun]] = {}
    document = pdfium.PdfDocument(original)
    try:
        with pdfplumber.open(io.BytesIO(original)) as pdf:
            for number in numbers:
                rendered = render_page(document, number)
                marks = mark_mask(rendered)
                shown = np.asarray(rendered) < DARK_LEVEL
                ink = text_only_ink(original, number)
                page = pdf.pages[number - 1]
                # pdfplumber 0.11 measures from the media box's top left corner, but pdfium renders the crop box.
                left, top = page.cropbox[0], page.cropbox[1]
                runs[number] = []
                for line in page.extract_text_lines(return_chars=True, y_tolerance=LINE_TOLERANCE):
                    chars = line["chars"]
                    boxes = [
                        ((char["x0"] - left) * scale, (char["top"] - top) * scale,
                         (char["x1"] - left) * scale, (char["bottom"] - top) * scale)
                        for char in chars
                    ]
                    hidden = [
                        covered_share(marks, box) > MARK_COVER_SHARE
                        or shown_ink_share(ink, shown, box) < MIN_SHOWN_INK_SHARE
                        for box in boxes
                    ]
                    runs[number].extend(line_runs([char["text"] for char in chars], hidden))
    finally:
        document.close()
    return runs


def line_runs(texts: list[str], hidden: list[bool]) -> list[HiddenRun]:
    """Group a text line's hidden characters into runs of neighbours.

    Whitespace neither starts nor breaks a run, because a space has no ink and so its box is dark
    only under the mark. The context of a run is the visible text up to the neighbouring runs,
    because the reference no longer contains a run once it has been removed.
    """
    spans: list[tuple[int, int]] = []
    start = None
    for index in range(len(texts) + 1):
        inside = index < len(texts) and (hidden[index] or (start is not None and not texts[index].strip()))
        if inside and start is None and texts[index].strip():
            start = index
        elif not inside and start is not None:
            spans.append((start, index))
            start = None

    runs = []
    for position, (start, end) in enumerate(spans):
        previous_end = spans[position - 1][1] if position > 0 else 0
        next_start = spans[position + 1][0] if position + 1 < len(spans) else len(texts)
        runs.append(
            HiddenRun(
                text="".join(texts[start:end]),
                before="".join(texts[previous_end:start]),
                after="".join(texts[end:next_start]),
            )
        )
    return runs


def remove_hidden(reference: str, runs: list[HiddenRun], language: str) -> tuple[str, int, list[str]]:
    """Remove the hidden runs from a reference folded by COMPARISON_RULE.

    Return the remaining reference, the number of characters removed and the runs that were not found.
    The reference is in the product's reading order, not pdfplumber's, so each run is located by
    its folded text. The visible characters next to it on its line pick the right one of several
    occurrences, and without them the first occurrence is taken.
    """
    removed = 0
    missing: list[str] = []
    for run in runs:
        text = comparable_text(run.text, language)
        if not text:
            continue
        before = comparable_text(run.before, language)[-RUN_CONTEXT:]
        after = comparable_text(run.after, language)[:RUN_CONTEXT]
        start = -1
        for prefix, suffix in ((before, after), (before, ""), ("", after), ("", "")):
            found = reference.find(prefix + text + suffix)
            if found >= 0:
                start = found + len(prefix)
                break
        if start < 0:
            missing.append(run.text)
            continue
        reference = reference[:start] + reference[start + len(text) :]
        removed += len(text)
    return reference, removed, missing


# --- Measurement --------------------------------------------------------------------------------


def corpus_languages(corpus: Path) -> dict[str, tuple[str, str]]:
    """Return each corpus file's language and text_layer columns from MANIFEST.tsv."""
    manifest = corpus / "MANIFEST.tsv"
    with manifest.open(encoding="utf-8", newline="") as rows:
        return {row["file"]: (row["language"], row["text_layer"]) for row in csv.DictReader(rows, delimiter="\t")}


def measure_file(
    path: Path, language: str, page_count: int, options: OcrOptions, *, plain: bool = False
) -> FileScore:
    """Read the first `page_count` pages as text and as a simulated scan, and score each page."""
    from ingest.parsed import OCR
    from ingest.readers.pdf import read_pdf

    score = FileScore(file=path.name, language=language)
    original = path.read_bytes()
    reference = read_pdf(original, filename=path.name)
    numbers = list(range(1, min(page_count, len(reference.pages)) + 1))

    scan = scanned_pdf(original, numbers, path.name, plain=plain)
    hidden = hidden_runs(original, numbers)
    started = time.perf_counter()
    recognised = read_pdf(scan, filename=f"scan of {path.name}", ocr=options)
    score.ocr_seconds = time.perf_counter() - started

    for position, number in enumerate(numbers, start=1):
        if reference.pages[number - 1].needs_ocr:
            score.notes.append(f"page {number} not scored: the original's text layer is not readable")
            continue
        scanned_page = recognised.pages[position - 1]
        if scanned_page.text_source != OCR:
            # Scored all the same, because the user gets no text for this page.
            score.notes.append(f"page {number}: OCR did not read the scan ({scanned_page.ocr_reason})")
        expected, removed, missing = remove_hidden(
            comparable_text(page_text(reference, number), language), hidden[number], language
        )
        if removed:
            score.notes.append(f"page {number}: {removed} reference characters hidden under a mark or painted over removed")
        for run in missing:
            score.notes.append(f"page {number}: hidden text {run!r} not found in the reference, so it is still scored")
        if not expected:
            score.notes.append(f"page {number} not scored: no reference text after folding")
            continue
        produced = comparable_text(page_text(recognised, position), language)
        score.pages.append(
            PageScore(
                file=path.name,
                page=number,
                language=language,
                reference_chars=len(expected),
                distance=edit_distance(expected, produced),
                ocr_confidence=scanned_page.ocr_confidence,
                hidden_chars=removed,
            )
        )
    return score


def pooled_cer(scores: list[FileScore], language: str) -> tuple[float | None, int, int]:
    """Return the pooled CER, the total distance and the total reference length of one language's pages."""
    pages = [page for score in scores if score.language == language for page in score.pages]
    distance = sum(page.distance for page in pages)
    reference = sum(page.reference_chars for page in pages)
    return (distance / reference if reference else None), distance, reference


# --- Report -------------------------------------------------------------------------------------


def print_report(
    scores: list[FileScore], options: OcrOptions, plain: bool, elapsed: float, loads: tuple[str, str]
) -> None:
    from rich.console import Console
    from rich.table import Table

    # Wide enough for the file names when the output is not a terminal, where rich assumes 80 columns.
    console = Console(width=max(Console().width, 150))
    pages = Table(title="OCR character error rate per page")
    for name in ("file", "page", "reference chars", "hidden chars", "edits", "CER", "OCR confidence"):
        pages.add_column(name, justify="left" if name == "file" else "right")
    for score in scores:
        for page in score.pages:
            confidence = "-" if page.ocr_confidence is None else f"{page.ocr_confidence:.1f}"
            pages.add_row(
                score.file, str(page.page), str(page.reference_chars), str(page.hidden_chars), str(page.distance),
                f"{page.cer:.4f}", confidence,
            )
    console.print(pages)

    files = Table(title="OCR character error rate per file")
    for name in ("file", "language", "pages", "reference chars", "edits", "CER", "OCR wall time"):
        files.add_column(name, justify="left" if name in ("file", "language") else "right")
    for score in scores:
        cer = "-" if score.cer is None else f"{score.cer:.4f}"
        files.add_row(
            score.file, score.language, str(len(score.pages)), str(score.reference_chars), str(score.distance),
            cer, f"{score.ocr_seconds:.1f} s",
        )
    console.print(files)
    for score in scores:
        for note in score.notes:
            console.print(f"{score.file}: {note}")

    pooled = Table(title="Pooled CER (sum of edits / sum of reference characters)")
    for name in ("language", "pages", "reference chars", "edits", "CER"):
        pooled.add_column(name, justify="left" if name == "language" else "right")
    for language, label in ((CHINESE, "Chinese"), (ENGLISH, "English")):
        cer, distance, reference = pooled_cer(scores, language)
        count = sum(len(score.pages) for score in scores if score.language == language)
        pooled.add_row(label, str(count), str(reference), str(distance), "-" if cer is None else f"{cer:.4f}")
    console.print(pooled)

    setup = Table(title="Setup")
    setup.add_column("item")
    setup.add_column("value")
    setup.add_row(
        "scan",
        f"{SCAN_DPI} dpi grayscale, no rotation or noise (--plain), JPEG quality {JPEG_QUALITY}"
        if plain
        else f"{SCAN_DPI} dpi grayscale, rotated {ROTATION_DEGREES:g} degree, Gaussian noise sigma {NOISE_SIGMA:g}, "
        f"{SALT_AND_PEPPER_SHARE:.2%} salt-and-pepper pixels, JPEG quality {JPEG_QUALITY}, seed {SEED}",
    )
    setup.add_row("OCR options", repr(options))
    setup.add_row("comparison", COMPARISON_RULE)
    setup.add_row("wall time of the run", f"{elapsed:.1f} s")
    setup.add_row("load average (1 min) at start, at end", f"{loads[0]}, {loads[1]}")
    setup.add_row("OCR code measured", code_fingerprint())
    console.print(setup)

    console.print(machine_table())


def machine_table() -> Table:
    """Return the table of the machine, the image libraries and the tesseract build that a run measured."""
    from rich.table import Table

    from bench.machine import machine_summary

    machine = Table(title="Machine")
    machine.add_column("item")
    machine.add_column("value")
    for name, value in machine_summary(("pypdfium2", "pillow")):
        machine.add_row(name, value)
    machine.add_row("tesseract", tesseract_version())
    return machine


def tesseract_version() -> str:
    """Return the first line of `tesseract --version`, or why it could not be run."""
    import subprocess

    try:
        completed = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"not available ({error})"
    lines = (completed.stdout or completed.stderr).splitlines()
    return lines[0] if lines else "unknown"


def code_fingerprint() -> str:
    """Return a short SHA-256 of the OCR code (ingest/ocr/*.py, ingest/readers/pdf.py) and its newest change time.

    The benchmark tables name the code they measured with it, because the repository may have no git metadata.
    """
    import hashlib
    from datetime import datetime, timezone

    files = sorted((ROOT / "ingest" / "ocr").glob("*.py")) + [ROOT / "ingest" / "readers" / "pdf.py"]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    newest = max(path.stat().st_mtime for path in files)
    changed = datetime.fromtimestamp(newest, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"sha256 {digest.hexdigest()[:12]}, last changed {changed}"


def load_average() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def parse_arguments() -> argparse.Namespace:
    from ingest.ocr.options import DEFAULT_DPI

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="Folder with the corpus files and MANIFEST.tsv.")
    parser.add_argument("--pages", type=int, default=DEFAULT_PAGES, help="Number of leading pages scored per file.")
    parser.add_argument(
        "--ocr-dpi", type=int, default=DEFAULT_DPI, help="Resolution in dpi at which the OCR step renders the scan."
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="Tesseract processes run at once (default: the OcrOptions default)."
    )
    parser.add_argument(
        "--plain", action="store_true", help="Scan without rotation and noise: the 200 dpi render as it is."
    )
    parser.add_argument(
        "--file", action="append", dest="files", help="Corpus file name to score; repeat for several (default: six files)."
    )
    args = parser.parse_args()
    if args.pages < 1:
        parser.error(f"--pages must be 1 or more, got {args.pages}")
    if args.workers is not None and args.workers < 1:
        parser.error(f"--workers must be 1 or more, got {args.workers}")
    return args


def main() -> None:
    from ingest.ocr import OcrOptions

    args = parse_arguments()
    if not args.corpus.is_dir():
        sys.exit(f"corpus folder not found: {args.corpus}; pass --corpus")
    languages = corpus_languages(args.corpus)
    options = OcrOptions(dpi=args.ocr_dpi) if args.workers is None else OcrOptions(dpi=args.ocr_dpi, workers=args.workers)

    scores: list[FileScore] = []
    start_load = load_average()
    started = time.perf_counter()
    for name in args.files or DEFAULT_FILES:
        if name not in languages:
            sys.exit(f"{name} is not listed in {args.corpus / 'MANIFEST.tsv'}")
        language, text_layer = languages[name]
        if language not in (CHINESE, ENGLISH) or text_layer != "yes":
            sys.exit(f"{name} has language {language!r} and text_layer {text_layer!r}; pick a zh or en text PDF")
        scores.append(measure_file(args.corpus / name, language, args.pages, options, plain=args.plain))
    elapsed = time.perf_counter() - started
    print_report(scores, options, args.plain, elapsed, (start_load, load_average()))


if __name__ == "__main__":
    main()
