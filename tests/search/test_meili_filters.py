"""Tests for the filters the Meilisearch backend sends, which need no server."""

from archive.search.meili_index import INDEX_SETTINGS, MeiliIndex, contract_exclusion_filter


class RecordingIndex:
    """A stand-in for meilisearch.Index that records each search request."""

    def __init__(self):
        self.requests = []

    def search(self, query, params):
        self.requests.append(params)
        return {"totalHits": 0, "hits": []}


class RecordingClient:
    """A stand-in for meilisearch.Client that records each federated multi-search."""

    def __init__(self):
        self.queries = []

    def multi_search(self, queries, federation):
        self.queries.extend(queries)
        return {"estimatedTotalHits": 0, "hits": []}


def recording_meili_index():
    # Skips __init__, which would connect to a server to create the index.
    index = MeiliIndex.__new__(MeiliIndex)
    index.index_name = "clauses"
    index._index = RecordingIndex()
    index._client = RecordingClient()
    return index


def test_exclusion_filter_sorted_and_distinct():
    assert contract_exclusion_filter([3, 1, 2, 3]) == "contract_id NOT IN [1, 2, 3]"


def test_exclusion_filter_of_large_set():
    condition = contract_exclusion_filter(range(1, 5001))
    assert condition.startswith("contract_id NOT IN [1, 2, 3, ")
    assert condition.endswith(", 4999, 5000]")
    assert condition.count(",") == 4999


def test_contract_id_is_filterable():
    assert "contract_id" in INDEX_SETTINGS["filterableAttributes"]


def test_search_sends_exclusion_with_other_filters():
    index = recording_meili_index()
    index.search("付款", contract_id=1, kind="contract", exclude_contract_ids={5, 4})
    assert len(index._index.requests) == 1
    assert index._index.requests[0]["filter"] == [
        "contract_id = 1",
        'kind = "contract"',
        "contract_id NOT IN [4, 5]",
    ]


def test_search_without_exclusion_sends_no_filter():
    index = recording_meili_index()
    index.search("付款", exclude_contract_ids=())
    assert len(index._index.requests) == 1
    assert "filter" not in index._index.requests[0]


def test_federated_search_sends_exclusion_in_every_query():
    index = recording_meili_index()
    index.search("付款 OR 验收", exclude_contract_ids=[7])
    assert len(index._client.queries) >= 2
    for query in index._client.queries:
        assert query["filter"] == ["contract_id NOT IN [7]"]
