"""Tests for choosing the search backend from the settings."""

import pytest

from archive.search.factory import SearchSettingsError, open_search_index
from archive.search.tantivy_index import TantivyIndex
from archive.settings import Settings


def test_meilisearch_without_url_names_setting(tmp_path):
    settings = Settings(data_dir=tmp_path, search_backend="meilisearch", meili_url=None, _env_file=None)
    with pytest.raises(SearchSettingsError, match="meili_url"):
        open_search_index(settings)


def test_default_backend_is_tantivy(tmp_path):
    index = open_search_index(Settings(data_dir=tmp_path, _env_file=None))
    assert isinstance(index, TantivyIndex)
    index.close()
