"""Clause text split into the sentences that obligations are read from."""

from __future__ import annotations

import re

from ingest.numbering import CHECK_BOXES
from ingest.obligations.patterns import SENTENCE_END

_UNCHECKED = "☐□"
_CHECKED = "".join(box for box in CHECK_BOXES if box not in _UNCHECKED)
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
# Readers join table cells with " | ", and each row is read as a sentence of its own.
_TABLE_ROW = " | "
# Room for a clause number before its heading on the first line: "第十二条 " or "4.2.1 ".
_NUMBER_ROOM = 8
# Page numbers that a PDF reader left between the lines of a clause: "Page -8-", "第3页 共9页".
_PAGE_NUMBER = re.compile(
    r"^\s*(?:Page\s*-?\s*\d+\s*-?|-\s*\d+\s*-|第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?)\s*$",
    re.IGNORECASE,
)


def _kept_lines(text: str) -> list[str]:
    """Return the clause's lines without page numbers, and without unticked options when one is ticked."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not _PAGE_NUMBER.match(line)]
    if any(line[0] in _CHECKED for line in lines):
        lines = [line for line in lines if line[0] not in _UNCHECKED]
    return lines


def split_sentences(text: str, *, heading: str | None = None) -> list[str]:
    """Split clause text into sentences, joining lines that a page or paragraph wrapped.

    A first line that contains no more than the clause number and `heading` is a sentence
    of its own. When a clause ticks one of its options (☑), the unticked options (☐, □)
    are dropped because they are not agreed terms.
    """
    lines = _kept_lines(text)
    pieces: list[str] = []
    if heading and lines and len(lines[0]) <= len(heading) + _NUMBER_ROOM:
        pieces.append(lines.pop(0))

    buffer = ""
    for line in lines:
        if _TABLE_ROW in line:
            pieces.extend([buffer, line])
            buffer = ""
        elif buffer and CJK.match(buffer[-1]) and CJK.match(line[0]):
            buffer += line
        else:
            buffer = f"{buffer} {line}" if buffer else line
    pieces.append(buffer)

    sentences: list[str] = []
    for piece in pieces:
        sentences.extend(part.strip() for part in SENTENCE_END.split(piece) if part.strip())
    return sentences
