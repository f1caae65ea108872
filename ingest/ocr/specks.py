"""Removing isolated scan specks from a page image before Tesseract reads it.

Dust and salt-and-pepper noise leave dots of a few pixels between the lines of a
scan. Tesseract reads such a dot as a letter (`we`, `oe`) and stretches the line
box above it down to the next line, which then loses words in recognition. A speck
here is a dark blot that fits in a small square and has no other ink around it
for a wider margin. A full stop or a decimal point is as small, but sits within a
few pixels of the character before it, so it stays.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

# A pixel darker than this grey level (0-255) counts as ink here. JPEG compression lightens a speck
# to mid grey, which Tesseract's binarisation still turns into ink. With a level of 160 most specks
# of the benchmark scans stayed and were read as letters. On a scan of darker paper, more of the
# page counts as ink, so fewer blots are isolated and fewer are removed.
DARK_THRESHOLD = 200
# A speck fits in a square this wide: 0.015 inch is 3 px at 200 dpi and 4.5 px at 300 dpi. A
# Chinese full stop (。) or enumeration comma (、) at 10.5 pt is about 0.03 inch wide and stays.
MAX_SPECK_INCH = 0.015
# ...and has no other ink within this margin around that square. A full stop follows its letter
# by less than half a space (under 0.01 inch at 10 pt), far inside the margin.
CLEAR_MARGIN_INCH = 0.02


def remove_specks(image: Image.Image, *, dpi: int) -> tuple[Image.Image, int]:
    """Return the grayscale image with isolated specks painted white, and how many pixels changed.

    The image is returned unchanged (the same object) when it has no speck.
    """
    if image.mode != "L":
        raise ValueError(f"remove_specks needs a grayscale (L) image, got mode {image.mode}")
    pixels = np.asarray(image)
    dark = pixels < DARK_THRESHOLD
    speck = max(1, round(MAX_SPECK_INCH * dpi))
    margin = max(1, round(CLEAR_MARGIN_INCH * dpi))
    outer = speck + 2 * margin

    # For each window position, the ink inside the small square and inside the wider square centred
    # on it. Where both are equal and non-zero, all ink near that square lies inside it: a speck.
    integral = _integral(dark)
    inner_counts = _window_sums(integral, speck)
    outer_counts = _window_sums(integral, outer)
    # Align the wider windows with the small ones they surround: both start `margin` pixels apart.
    height = dark.shape[0] - outer + 1
    width = dark.shape[1] - outer + 1
    if height <= 0 or width <= 0:
        return image, 0
    inner = inner_counts[margin : margin + height, margin : margin + width]
    isolated = (inner > 0) & (inner == outer_counts[:height, :width])
    if not isolated.any():
        return image, 0

    # Paint every pixel of each isolated small square white.
    erase = np.zeros_like(dark)
    rows, columns = np.nonzero(isolated)
    for offset_row in range(speck):
        for offset_column in range(speck):
            erase[rows + margin + offset_row, columns + margin + offset_column] = True
    erase &= dark
    cleaned = pixels.copy()
    cleaned[erase] = 255
    return Image.fromarray(cleaned), int(erase.sum())


def _integral(mask: np.ndarray) -> np.ndarray:
    """Return the summed-area table of a boolean mask, with a leading row and column of zeros."""
    table = np.zeros((mask.shape[0] + 1, mask.shape[1] + 1), dtype=np.int32)
    np.cumsum(np.cumsum(mask, axis=0, dtype=np.int32), axis=1, out=table[1:, 1:])
    return table


def _window_sums(integral: np.ndarray, size: int) -> np.ndarray:
    """Return the count of set pixels in every size x size window, indexed by its top-left pixel."""
    return integral[size:, size:] - integral[:-size, size:] - integral[size:, :-size] + integral[:-size, :-size]
