"""PDF copies of Word files for the page viewer, made by LibreOffice, and where a clause's text sits in them.

A copy is for reading only. It is cached under the data directory and never stored as a version.
Its lines and pages may break differently from Word's, so the original file stays the evidence.
"""

from __future__ import annotations

import fcntl
import io
import logging
import os
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import pdfplumber

from archive.errors import CorruptFileError
from ingest.readers.legacy import convert_with_soffice, find_soffice
from ingest.sniff import DOC_MEDIA_TYPE, DOCX_MEDIA_TYPE, WORKS_MEDIA_TYPE

logger = logging.getLogger(__name__)

# LibreOffice picks its import filter partly by the extension.
WORD_SUFFIXES = {DOCX_MEDIA_TYPE: ".docx", DOC_MEDIA_TYPE: ".doc", WORKS_MEDIA_TYPE: ".wps"}
PDF_TARGET = "pdf:writer_pdf_Export"
# The start of a clause that is searched for when its whole text is not found in the copy
# (LibreOffice may render a field or a symbol differently), longest first.
PREFIX_LENGTHS = (40, 16)
_SPACE = re.compile(r"\s+")


def can_render(media_type: str) -> bool:
    """Return whether this server can make a PDF copy of a file of this media type."""
    return media_type in WORD_SUFFIXES and find_soffice() is not None


def pdf_rendition(cache_dir: Path, *, sha256: str, media_type: str, filename: str,
                  read_original: Callable[[], bytes]) -> Path | None:
    """Return the cached PDF copy of a Word file, making it with LibreOffice the first time.

    Returns None for other media types, without LibreOffice, or when the conversion fails (logged).
    Two requests for the same file wait for one conversion instead of running two.
    """
    if media_type not in WORD_SUFFIXES:
        return None
    path = cache_dir / f"{sha256}.pdf"
    if path.is_file():
        return path
    soffice = find_soffice()
    if soffice is None:
        return None
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / f"{sha256}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.is_file():
            return path
        try:
            pdf = convert_with_soffice(read_original(), filename=filename, soffice=soffice,
                                       suffix=WORD_SUFFIXES[media_type], target=PDF_TARGET, extension="pdf",
                                       format_name="Word")
        except CorruptFileError as error:
            logger.warning("no PDF copy of %s: %s", filename, error)
            return None
        partial = path.with_suffix(".part")
        partial.write_bytes(pdf)
        os.replace(partial, path)
    return path


@lru_cache(maxsize=256)
def locate_text(pdf_path: Path, text: str) -> tuple[tuple[int, float, float, float, float], ...]:
    """Return one box (page, x0, top, x1, bottom) per line of the first place `text` occurs in the PDF.

    Whitespace is ignored on both sides. When the whole text is not found, the clause's first
    characters are searched for and as many characters as the text has are marked from there.
    An empty result means the text was not found.
    """
    needle = _SPACE.sub("", text)
    if not needle:
        return ()
    glyphs: list[tuple[int, float, float, float, float]] = []
    letters: list[str] = []
    with pdfplumber.open(io.BytesIO(pdf_path.read_bytes())) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            for char in page.chars:
                value = _SPACE.sub("", char["text"])
                if value:
                    letters.append(value[0])
                    glyphs.append((number, char["x0"], char["top"], char["x1"], char["bottom"]))
    haystack = "".join(letters)
    start = haystack.find(needle)
    if start < 0:
        start = next((found for length in PREFIX_LENGTHS if len(needle) > length
                      and (found := haystack.find(needle[:length])) >= 0), -1)
    if start < 0:
        return ()
    return _line_boxes(glyphs[start:start + len(needle)])


def _line_boxes(glyphs: list[tuple[int, float, float, float, float]]) -> tuple[tuple[int, float, float, float, float], ...]:
    """Merge consecutive glyphs on one line of one page into a single box."""
    boxes: list[list[float]] = []
    for page, x0, top, x1, bottom in glyphs:
        last = boxes[-1] if boxes else None
        same_line = last is not None and last[0] == page and abs(top - last[2]) < (bottom - top) / 2 and x0 >= last[1] - 1
        if same_line:
            last[1], last[2] = min(last[1], x0), min(last[2], top)
            last[3], last[4] = max(last[3], x1), max(last[4], bottom)
        else:
            boxes.append([page, x0, top, x1, bottom])
    return tuple((int(b[0]), b[1], b[2], b[3], b[4]) for b in boxes)
