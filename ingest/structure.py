"""Output of segmentation and extraction: clauses, extracted fields, references."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ingest.parsed import BBox

ROLE_PREAMBLE = "preamble"
ROLE_CLAUSE = "clause"
ROLE_SIGNATURE = "signature"
# A table of contents: its entries repeat clause headings, so it is kept apart from the clauses.
ROLE_TOC = "toc"


@dataclass(frozen=True, slots=True)
class Clause:
    """One unit of a document's text: preamble, clause, signature block or table of contents.

    `text` contains the clause's own lines from its number line up to the next
    clause start. Child clauses are separate units that point back through `parent`.
    `boxes` contains one union box per page, and `paragraph_start`/`paragraph_end`
    are DOCX paragraph indexes. `table_rows` contains the cells of its table rows.
    """

    ordinal: int
    role: str
    number: str | None
    heading: str | None
    text: str
    level: int
    parent: int | None
    page_start: int | None
    page_end: int | None
    boxes: tuple[tuple[int, BBox], ...]
    paragraph_start: int | None
    paragraph_end: int | None
    table_rows: tuple[tuple[str, ...], ...] = ()
    # The text before tracked changes were accepted (DOCX), when it differs from `text`.
    original_text: str | None = None
    # The text as the file encodes it, line by line, before Unicode folding, when it differs from `text`.
    raw_text: str | None = None


@dataclass(frozen=True, slots=True)
class Field:
    """A value read from a document, with the clause it came from.

    `value` is the text as written. `normalized` is an ISO date, a decimal amount
    such as "123000.00" or a currency code. `role` is the party role as written.
    """

    name: str
    value: str
    normalized: str | None
    clause_ordinal: int | None
    role: str | None = None
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class References:
    """Contract numbers, quoted titles and dates that a document names to identify another."""

    contract_numbers: tuple[str, ...]
    quoted_titles: tuple[str, ...]
    dates: tuple[dt.date, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.contract_numbers or self.quoted_titles or self.dates)
