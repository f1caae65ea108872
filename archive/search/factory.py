"""Open the search backend that the settings select."""

from __future__ import annotations

from archive.errors import SearchSettingsError
from archive.search.base import SearchIndex
from archive.settings import Settings

__all__ = ["SearchSettingsError", "open_search_index"]


def open_search_index(settings: Settings, *, recreate: bool = False) -> SearchIndex:
    """Open the index. `recreate` discards its contents, which the database can always refill."""
    if settings.search_backend == "meilisearch":
        from archive.search.meili_index import MeiliIndex

        if not settings.meili_url:
            raise SearchSettingsError()
        api_key = settings.meili_api_key.get_secret_value() if settings.meili_api_key else None
        return MeiliIndex(settings.meili_url, settings.meili_index, api_key=api_key, recreate=recreate)

    from archive.search.tantivy_index import TantivyIndex

    return TantivyIndex(settings.resolved_index_dir, recreate=recreate)
