"""Find and register a TrueType font with Chinese glyphs that reportlab can embed in PDF files.

reportlab embeds TrueType outlines only. OpenType fonts with PostScript (CFF) outlines, such as
Noto Sans CJK from Debian's fonts-noto-cjk, raise an error when loaded, so they are not looked for.

Usage: `font_name = register_cjk_font(settings.pdf_font)`, then use `font_name` in styles and
canvases. Each font file is registered once per process.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.lib import textsplit as reportlab_textsplit
from reportlab.platypus import paragraph as reportlab_paragraph

from archive.errors import PdfFontMissingError, PdfFontUnusableError

logger = logging.getLogger(__name__)

# Debian's fonts-wqy-microhei and fonts-wqy-zenhei, in order of preference. Both are TrueType
# collections (.ttc) whose first font is the regular one.
KNOWN_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)
# 合 (U+5408): a font without it has no Chinese glyphs, and Chinese text would print as boxes.
CHINESE_SAMPLE = 0x5408
# Closing marks that must not begin a line in Chinese typesetting: 》〉，：；？！ ” ’
CHINESE_CLOSING_PUNCTUATION = "\u300b\u3009\uff0c\uff1a\uff1b\uff1f\uff01\u201d\u2019"

# Problems with a configured font file, translated in the error message.
FILE_MISSING = "the file does not exist"
POSTSCRIPT_OUTLINES = "it has PostScript (CFF) outlines, which reportlab cannot embed"
NOT_TRUETYPE = "it is not a TrueType font file that reportlab can read"
NO_CHINESE = "it has no Chinese characters"

_registered: dict[tuple[Path, int], str] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class FontFile:
    """A font file and, for a TrueType collection (.ttc), the index of the font inside it."""

    path: Path
    subfont_index: int = 0


def find_cjk_font(configured: Path | None = None) -> FontFile:
    """Return the configured font file when given, else the first installed one of KNOWN_FONTS.

    Raises PdfFontUnusableError for a configured path that does not exist, and
    PdfFontMissingError when nothing is configured and no known font is installed.
    """
    if configured is not None:
        path = Path(configured).expanduser()
        if not path.is_file():
            raise PdfFontUnusableError(path=str(path), problem=FILE_MISSING)
        return FontFile(path)
    for path in KNOWN_FONTS:
        if path.is_file():
            return FontFile(path)
    raise PdfFontMissingError(paths=", ".join(str(path) for path in KNOWN_FONTS))


def register_cjk_font(configured: Path | None = None) -> str:
    """Register the font that find_cjk_font chooses with reportlab, once, and return its reportlab name.

    Raises PdfFontMissingError or PdfFontUnusableError when no usable font is found, or when the
    configured font cannot be embedded or has no Chinese glyphs.
    """
    font_file = find_cjk_font(configured)
    key = (font_file.path.resolve(), font_file.subfont_index)
    _complete_line_break_rules()
    with _lock:
        name = _registered.get(key)
        if name is None:
            name = f"ArchiveCJK{len(_registered) + 1}"
            pdfmetrics.registerFont(_load(font_file, name))
            _registered[key] = name
            logger.info("registered PDF font name=%s path=%s subfont=%s", name, font_file.path,
                        font_file.subfont_index)
    return name


def _complete_line_break_rules() -> None:
    """Add the Chinese closing punctuation that reportlab's Chinese line breaking lets start a line.

    reportlab's list of characters that may not start a line lacks 》, 〉 and the full-width
    comma, colon, semicolon, question and exclamation marks, so a title such as 《采购合同》 could
    end with 》 alone on the next line. Both wrapping paths (textsplit for plain text, paragraph for
    text with markup) read their copy of the list from their module at wrap time.
    """
    for module in (reportlab_textsplit, reportlab_paragraph):
        missing = "".join(ch for ch in CHINESE_CLOSING_PUNCTUATION if ch not in module.ALL_CANNOT_START)
        if missing:
            module.ALL_CANNOT_START += missing


def _load(font_file: FontFile, name: str) -> TTFont:
    """Load `font_file` as a TrueType font named `name`, checking that it can print Chinese."""
    try:
        font = TTFont(name, str(font_file.path), subfontIndex=font_file.subfont_index)
    except (TTFError, OSError) as error:
        logger.warning("PDF font rejected path=%s error=%s", font_file.path, error)
        problem = POSTSCRIPT_OUTLINES if "postscript outlines" in str(error).lower() else NOT_TRUETYPE
        raise PdfFontUnusableError(path=str(font_file.path), problem=problem) from error
    if CHINESE_SAMPLE not in font.face.charToGlyph:
        raise PdfFontUnusableError(path=str(font_file.path), problem=NO_CHINESE)
    return font
