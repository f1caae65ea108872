"""Clause search: the index protocol and its embedded tantivy backend."""

from archive.search.base import ClauseEntry, SearchHit, SearchIndex, SearchPage
from archive.search.tantivy_index import (
    SearchIndexFormatError,
    SearchIndexLockedError,
    TantivyIndex,
)

__all__ = [
    "ClauseEntry",
    "SearchHit",
    "SearchIndex",
    "SearchIndexFormatError",
    "SearchIndexLockedError",
    "SearchPage",
    "TantivyIndex",
]
