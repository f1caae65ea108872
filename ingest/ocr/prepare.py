"""Preparing a rendered page image for Tesseract: turn, deskew, remove specks, paint brackets and table rules white.

The calling thread prepares the next page while a worker's tesseract process reads
the current one, so this work adds to the wall time only for the first page.
A prepared page keeps its image, which a second reading of single lines crops.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from ingest.ocr.brackets import Bracket, remove_brackets
from ingest.ocr.geometry import Correction, estimate_skew
from ingest.ocr.options import OcrOptions
from ingest.ocr.rules import PixelRule, erase_rules, find_rules, rules_in_tables
from ingest.ocr.specks import remove_specks

# Temporary page images are uncompressed TIFF files. Each is written once and read once or twice,
# so compression only costs time. Writing a noisy 200 dpi A4 page took 0.13 s as PNG at zlib
# level 1 and 0.002 s as uncompressed TIFF.
IMAGE_SUFFIX = "tif"
# A page image larger than this is read as rendered, without corrections, because the speck and
# rule searches hold several 4-byte integer copies of the image (160 MB each at this size). An A2
# page at 300 dpi has 35 million pixels.
MAX_CORRECTED_PIXELS = 40_000_000
# A page is blank when fewer than this share of its pixels are darker than INK_LEVEL after speck
# removal. One short line of 10.5 pt text inks about 0.05 % of an A4 page. The level is well above
# black so that a faint scan whose text Tesseract cannot read is reported as unread, not as blank.
BLANK_INK_SHARE = 0.0001
INK_LEVEL = 192


@dataclass(frozen=True, slots=True)
class PreparedPage:
    """The image Tesseract reads, how it was derived from the rendered page, and the rules found on it."""

    # The file Tesseract reads: the rendered page itself when nothing was changed.
    target: Path
    # The prepared image, None when the page is read as rendered.
    image: Image.Image | None = None
    correction: Correction | None = None
    rules: list[PixelRule] = field(default_factory=list)
    # The page shows (almost) no ink once specks are removed.
    blank: bool = False
    # Solid brackets 【 】 painted white, to be added back to the recognised lines.
    brackets: list[Bracket] = field(default_factory=list)


def prepare_page(rendered: Image.Image, path: Path, rotation: int, options: OcrOptions) -> PreparedPage:
    """Prepare the rendered page, stored at `path`, for a reading turned by `rotation` degrees clockwise."""
    if rendered.width * rendered.height > MAX_CORRECTED_PIXELS:
        return PreparedPage(path)
    correction = Correction(rendered.width, rendered.height, rotation)
    if options.deskew:
        upright = correction.apply(rendered)
        skew = estimate_skew(upright, dpi=options.dpi)
        if abs(skew) >= options.min_skew_degrees:
            correction = Correction(rendered.width, rendered.height, rotation, skew)
    image = rendered if correction.is_identity else correction.apply(rendered)
    image, speck_pixels = remove_specks(image, dpi=options.dpi)
    blank = _ink_share(image) < BLANK_INK_SHARE
    image, brackets = remove_brackets(image, dpi=options.dpi)
    rules = find_rules(image, dpi=options.dpi)
    table_rules = rules_in_tables(rules, dpi=options.dpi)
    if table_rules:
        image = erase_rules(image, table_rules, dpi=options.dpi)
    target = path
    if speck_pixels or brackets or table_rules or not correction.is_identity:
        target = path.with_name(f"{path.stem}-read-{rotation}.{IMAGE_SUFFIX}")
        image.save(target, dpi=(options.dpi, options.dpi))
    return PreparedPage(target, image, correction, rules, blank, brackets)


def _ink_share(image: Image.Image) -> float:
    """Return the share of pixels darker than INK_LEVEL."""
    histogram = image.histogram()
    return sum(histogram[:INK_LEVEL]) / max(1, sum(histogram))
