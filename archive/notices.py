"""Warning templates that readers and the pipeline store with a version.

Warnings are stored as English text (the API returns them as they are). Pages
and the CLI show them in the user's language by matching the stored text
against these templates and rendering the catalog's translation with the same
values. A warning written without a template here is shown in English.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

FILE_TYPE_MISMATCH = "{file} is a {format} file although its name ends in '{suffix}'; it was read as that format."
NO_CONTRACT_MATCHED = (
    "No existing contract matched the contract number or title this document names, "
    "so it was filed under a new contract. If it belongs to another contract, move it there."
)
AMOUNTS_DISAGREE = (
    "Amount in figures {figures} ({figures_value}) disagrees with the uppercase amount "
    "{uppercase} ({uppercase_value}) in {clause}."
)
DOCX_NO_BODY = "The main document part has no WordprocessingML body; Strict OOXML is not supported."
DOCX_COMMENTS = "The document has comments; they are kept apart from the body text."
DOCX_NOTES = "{count} footnote or endnote references found; the note texts are not read."
DOCX_ALT_CHUNKS = "{count} embedded alternative-format parts (w:altChunk) were not read."
DOCX_NUMBER_FORMAT = "Number format {format} is not supported; its labels are decimal."
PDF_DIAGONAL = "{count} characters of diagonal text (such as a watermark) were left out of the lines on pages {pages}"
PDF_SIDEWAYS = (
    "{count} sideways lines were read in their own direction and placed after the upright lines on pages {pages}"
)
PDF_GARBAGE_LINES = "{count} lines with unreadable characters were dropped on pages {pages}"
PDF_NEEDS_OCR = "{count} pages have no usable text layer and need OCR: pages {pages}"
PDF_PDFMINER_DISAGREES = (
    "pdfminer reads text that pdfium cannot map on pages {pages}, and they are still marked for OCR"
)
PDF_RECOVERED_FROM_FONTS = (
    "The text of pages {pages} was recovered from the fonts' own character maps, "
    "because their ToUnicode maps were missing or unusable"
)
PDF_OCR_READ = "The text of pages {pages} was read by OCR; check names, amounts and dates against the original"
PDF_OCR_LOW_CONFIDENCE = (
    "OCR read pages {pages} with low confidence; compare their text with the original before relying on it"
)
PDF_OCR_NOT_READ = "OCR could not read pages {pages}; each page's reason says what to do"
PDF_BLANK_PAGES = "Pages {pages} are blank: the scan shows no ink"

# Reasons a document was matched to a contract, joined with EVIDENCE_SEPARATOR into the evidence.
LINK_REASON_NUMBER = "contract number {number}"
LINK_REASON_TITLE = "title matches"
LINK_REASON_DATE = "date {dates}"
LINK_REASON_PARTIES = "{count} shared parties"
EVIDENCE_SEPARATOR = "; "

TEMPLATES = (
    FILE_TYPE_MISMATCH,
    NO_CONTRACT_MATCHED,
    AMOUNTS_DISAGREE,
    DOCX_NO_BODY,
    DOCX_COMMENTS,
    DOCX_NOTES,
    DOCX_ALT_CHUNKS,
    DOCX_NUMBER_FORMAT,
    PDF_DIAGONAL,
    PDF_SIDEWAYS,
    PDF_GARBAGE_LINES,
    PDF_NEEDS_OCR,
    PDF_PDFMINER_DISAGREES,
    PDF_RECOVERED_FROM_FONTS,
    PDF_OCR_READ,
    PDF_OCR_LOW_CONFIDENCE,
    PDF_OCR_NOT_READ,
    PDF_BLANK_PAGES,
    LINK_REASON_NUMBER,
    LINK_REASON_TITLE,
    LINK_REASON_DATE,
    LINK_REASON_PARTIES,
)

# The parts of a page's reason for needing OCR, joined with REASON_SEPARATOR by the PDF reader and
# the OCR step. A part that matches none of these (a quality-gate measurement) is shown as stored.
REASON_SEPARATOR = "; "
OCR_REASON_TEMPLATES = (
    "no text layer",
    "OCR found no readable text on the page",
    "OCR timed out after {seconds} seconds",
    "raise CONTRACT_ARCHIVE_OCR_PAGE_TIMEOUT_SECONDS and retry this version",
    "not OCRed because the document has {count} pages that need OCR and the limit is {limit}",
    "raise CONTRACT_ARCHIVE_OCR_MAX_PAGES and retry this version",
    "tesseract was not found on PATH (looked for {command})",
    "install tesseract-ocr and tesseract-ocr-chi-sim (Debian and Ubuntu package names), then retry this version",
    "garbage text layer: {details}",
)

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@lru_cache(maxsize=None)
def _pattern(template: str) -> re.Pattern[str]:
    parts: list[str] = []
    seen: set[str] = set()
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[position : match.start()]))
        name = match.group(1)
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        position = match.end()
    parts.append(re.escape(template[position:]))
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def localize_notice(text: str, gettext: Callable[[str], str]) -> str:
    """Render a stored English warning in the language of `gettext`."""
    for template in TEMPLATES:
        match = _pattern(template).match(text)
        if match:
            return gettext(template).format(**match.groupdict())
    return gettext(text)


def localize_reason(text: str, gettext: Callable[[str], str]) -> str:
    """Render a page's stored reason for needing OCR in the language of `gettext`, part by part."""
    parts = []
    for part in text.split(REASON_SEPARATOR):
        for template in OCR_REASON_TEMPLATES:
            match = _pattern(template).match(part)
            if match:
                parts.append(gettext(template).format(**match.groupdict()))
                break
        else:
            parts.append(part)
    return gettext(REASON_SEPARATOR).join(parts)


def localize_evidence(text: str, gettext: Callable[[str], str]) -> str:
    """Render stored link evidence (reasons joined by EVIDENCE_SEPARATOR) in the language of `gettext`."""
    separator = gettext(EVIDENCE_SEPARATOR)
    return separator.join(localize_notice(part, gettext) for part in text.split(EVIDENCE_SEPARATOR))
