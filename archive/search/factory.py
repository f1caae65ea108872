"""Open the search backend that the settings select."""

from __future__ import annotations

from archive.search.base import SearchIndex
from archive.settings import Settings


def open_search_index(settings: Settings, *, recreate: bool = False) -> SearchIndex:
    """Open the index; `recreate` discards what is on disk (the database can always refill it)."""
    from archive.search.tantivy_index import TantivyIndex

    return TantivyIndex(settings.resolved_index_dir, recreate=recreate)
