"""The evidence items of a pack as the index, the bundle and the manifest see them.

Items are numbered the way Chinese courts and arbitration commissions expect: groups 证据一,
证据二, ... and within a group 1-1, 1-2, ... Each item records where it comes from (原件, 复印件 or
电子数据, and who issued it) and what fact it proves (证明目的).
"""

from __future__ import annotations

from dataclasses import dataclass

# The form of an item, as the 证据来源 column states it.
ORIGIN_KINDS = ("original", "copy", "electronic")


@dataclass(frozen=True)
class EvidenceItem:
    """One numbered item of a pack."""

    group: int  # 1 for 证据一
    number: int  # 2 for item 1-2
    name: str  # 证据名称
    origin: str  # one of ORIGIN_KINDS
    issuer: str  # who issued or made it, such as the counterparty or our finance department
    purpose: str  # 证明目的: the fact it proves
    file_name: str  # the file's name inside the pack, under originals/
    media_type: str
    pages: str | None = None  # the pages it covers, as staff wrote them ("1-3"); None for all

    @property
    def label(self) -> str:
        """Return the item's number as printed: 1-2."""
        return f"{self.group}-{self.number}"


@dataclass(frozen=True)
class PageRange:
    """The pages an item occupies in the bundle PDF, 1-based and inclusive."""

    first: int
    last: int

    def __str__(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"
