"""The public surface of the clause search index, shared by every backend."""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Collection, Iterable
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ClauseEntry:
    """One clause as the index stores it."""

    clause_id: int
    document_version_id: int
    document_id: int
    contract_id: int
    kind: str  # document kind: contract, amendment, acceptance_report, ...
    number: str | None
    heading: str | None
    text: str


@dataclass(frozen=True, slots=True)
class SearchHit:
    clause_id: int
    document_version_id: int
    document_id: int
    contract_id: int
    kind: str
    number: str | None
    heading: str | None
    snippet: str  # HTML-escaped clause text with matches wrapped in <mark>...</mark>
    score: float


@dataclass(frozen=True, slots=True)
class SearchPage:
    total: int
    hits: list[SearchHit]


class SearchIndex(Protocol):
    """A clause index that can always be rebuilt from the database."""

    def add(self, entries: Iterable[ClauseEntry]) -> None:
        """Add or replace clauses (keyed by clause_id); visible after `commit`."""

    def delete_version(self, document_version_id: int) -> None:
        """Remove every clause of one document version."""

    def clear(self) -> None:
        """Remove everything."""

    def commit(self) -> None:
        """Make pending changes durable and searchable."""

    def search(
        self,
        query: str,
        *,
        contract_id: int | None = None,
        kind: str | None = None,
        limit: int = 10,
        offset: int = 0,
        exclude_contract_ids: Collection[int] = (),
    ) -> SearchPage:
        """Return ranked, highlighted hits; any user input is a query, never an error.

        Clauses of the contracts in `exclude_contract_ids` are neither returned nor
        counted. `total` counts only the remaining hits and `limit` and `offset` page
        over them, so a backend must exclude them in its index query, not after paging.
        """

    def indexed_clause_ids(self) -> set[int]:
        """Return the clause_id of every committed clause, for comparing the index with the database."""

    def close(self) -> None:
        """Release files and writers."""


def sorted_contract_ids(contract_ids: Collection[int]) -> list[int]:
    """Return the distinct contract ids as sorted ints, for a stable exclusion filter."""
    return sorted({int(contract_id) for contract_id in contract_ids})
