"""Open the search backend that the settings select."""

from __future__ import annotations

from archive.search.base import SearchIndex
from archive.settings import Settings


def open_search_index(settings: Settings) -> SearchIndex:
    from archive.search.tantivy_index import TantivyIndex

    return TantivyIndex(settings.resolved_index_dir)
