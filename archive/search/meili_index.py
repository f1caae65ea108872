"""The deployment clause index: one Meilisearch index, one document per clause.

Matching runs on opaque token fields built by meili_tokens.py, so Meilisearch
matches the same substring, amount, percentage and date queries as the tantivy
index. The clause text is stored for display only and is not searchable.

Highlights come from highlight.py, from the parsed query terms, and not from
Meilisearch's `_formatted` or `_matchesPosition`: those would point into the
token fields, which hold hashes, not into the clause text. highlight.py also
produces exactly the snippets of the tantivy index.

Requires Meilisearch 1.10 or later (negative phrases since 1.8, federated
multi-search since 1.10).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable
from typing import Any, TypeVar

import meilisearch
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchTimeoutError,
)

from archive.errors import SearchBackendError
from archive.search.base import ClauseEntry, SearchHit, SearchPage, sorted_contract_ids
from archive.search.highlight import make_snippet
from archive.search.meili_tokens import (
    Conjunction,
    build_token_fields,
    meili_query_string,
    query_conjunctions,
)
from archive.search.query import Term, parse_query
from archive.search.tantivy_index import MAX_LIMIT, MAX_OFFSET

logger = logging.getLogger(__name__)

PRIMARY_KEY = "clause_id"
DISPLAYED_ATTRIBUTES = [
    "clause_id",
    "document_version_id",
    "document_id",
    "contract_id",
    "kind",
    "number",
    "heading",
    "text",
]
# Heading fields come first, so the attribute ranking rule puts heading matches first.
SEARCHABLE_ATTRIBUTES = [
    "heading_units",
    "heading_unigrams",
    "heading_words",
    "body_units",
    "body_unigrams",
    "body_words",
]
INDEX_SETTINGS: dict[str, Any] = {
    "searchableAttributes": SEARCHABLE_ATTRIBUTES,
    "displayedAttributes": DISPLAYED_ATTRIBUTES,
    "filterableAttributes": ["contract_id", "kind", "document_version_id"],
    "sortableAttributes": [],
    # Tokens are hashes, so a typo match would be a false match.
    "typoTolerance": {"enabled": False},
    "stopWords": [],
    "synonyms": {},
    # Phrases need word positions, which byAttribute does not keep.
    "proximityPrecision": "byWord",
    # Lets paging reach the same depth as the tantivy index.
    "pagination": {"maxTotalHits": MAX_OFFSET + MAX_LIMIT},
}

TASK_TIMEOUT_MS = 120_000
TASK_POLL_MS = 50
ADD_BATCH_DOCUMENTS = 1000
READ_BATCH_DOCUMENTS = 1000
CONNECT_ATTEMPTS = 4
CONNECT_BACKOFF_S = 0.5  # doubled after each failed attempt
TRANSIENT_STATUSES = frozenset({502, 503, 504})
INDEX_NOT_FOUND = "index_not_found"

T = TypeVar("T")


class MeiliIndex:
    """A SearchIndex stored in one Meilisearch index, whose writes are tasks awaited by `commit`."""

    def __init__(
        self,
        url: str,
        index_name: str,
        *,
        api_key: str | None = None,
        recreate: bool = False,
    ) -> None:
        self.index_name = index_name
        self._client = meilisearch.Client(url, api_key)
        self._index = self._client.index(index_name)
        self._pending: list[int] = []
        self._lock = threading.Lock()
        if recreate:
            self.drop()
        self._ensure_index()

    def _ensure_index(self) -> None:
        try:
            self._call(lambda: self._client.get_index(self.index_name), "open the index")
        except SearchBackendError as error:
            if not isinstance(error.__cause__, MeilisearchApiError):
                raise
            if error.__cause__.code != INDEX_NOT_FOUND:
                raise
            task = self._call(
                lambda: self._client.create_index(self.index_name, {"primaryKey": PRIMARY_KEY}),
                "create the index",
            )
            self._wait(task.task_uid, "create the index")
        # Updating settings to the values they already have changes nothing.
        task = self._call(lambda: self._index.update_settings(INDEX_SETTINGS), "apply settings")
        self._wait(task.task_uid, "apply settings")

    def drop(self) -> None:
        """Delete the whole Meilisearch index with its settings, if it exists."""
        try:
            task = self._call(lambda: self._client.delete_index(self.index_name), "delete the index")
        except SearchBackendError as error:
            if isinstance(error.__cause__, MeilisearchApiError) and error.__cause__.code == INDEX_NOT_FOUND:
                return
            raise
        self._wait(task.task_uid, "delete the index", allow_codes={INDEX_NOT_FOUND})

    def add(self, entries: Iterable[ClauseEntry]) -> None:
        """Add or replace clauses (keyed by clause_id); visible after `commit`."""
        documents = [make_document(entry) for entry in entries]
        for start in range(0, len(documents), ADD_BATCH_DOCUMENTS):
            batch = documents[start : start + ADD_BATCH_DOCUMENTS]
            task = self._call(
                lambda batch=batch: self._index.add_documents(batch, primary_key=PRIMARY_KEY),
                "add clauses",
            )
            self._remember(task.task_uid)

    def delete_version(self, document_version_id: int) -> None:
        """Remove every clause of one document version."""
        condition = f"document_version_id = {int(document_version_id)}"
        task = self._call(lambda: self._index.delete_documents(filter=condition), "delete a version")
        self._remember(task.task_uid)

    def clear(self) -> None:
        """Remove everything."""
        task = self._call(self._index.delete_all_documents, "delete all clauses")
        self._remember(task.task_uid)

    def commit(self) -> None:
        """Wait until every write sent so far is applied, and raise on the first failed one."""
        with self._lock:
            pending, self._pending = self._pending, []
        for task_uid in pending:
            self._wait(task_uid, "apply a write")

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

        Clauses of the contracts in `exclude_contract_ids` are excluded by the search
        filter, so the count and the page cover only the remaining hits.
        """
        parsed = parse_query(query)
        if parsed.is_empty():
            return SearchPage(total=0, hits=[])
        conjunctions = query_conjunctions(parsed)
        if not conjunctions:
            return SearchPage(total=0, hits=[])

        limit = max(0, min(limit, MAX_LIMIT))
        offset = max(0, min(offset, MAX_OFFSET))
        filters = _filters(
            contract_id=contract_id, kind=kind, exclude_contract_ids=exclude_contract_ids
        )
        if len(conjunctions) == 1:
            total, documents = self._search_one(conjunctions[0], filters, limit=limit, offset=offset)
        else:
            total, documents = self._search_union(conjunctions, filters, limit=limit, offset=offset)

        terms = parsed.positive_terms()
        return SearchPage(total=total, hits=[_make_hit(document, terms) for document in documents])

    def _search_one(
        self, conjunction: Conjunction, filters: list[str], *, limit: int, offset: int
    ) -> tuple[int, list[dict[str, Any]]]:
        # Page mode returns an exhaustive totalHits. One page covers offset + limit
        # hits, because page mode cannot start at an offset that is not a page boundary.
        params = _query_params(conjunction, filters)
        params.update({"page": 1, "hitsPerPage": max(offset + limit, 1)})
        result = self._call(lambda: self._index.search(params["q"], params), "search")
        return result["totalHits"], result["hits"][offset : offset + limit]

    def _search_union(
        self, conjunctions: list[Conjunction], filters: list[str], *, limit: int, offset: int
    ) -> tuple[int, list[dict[str, Any]]]:
        # A federated multi-search returns each document once and counts the union of
        # the queries' matches (read in federated/perform.rs of the Meilisearch source).
        # NOTE: that count is estimatedTotalHits, which Meilisearch may estimate on large indexes.
        queries = [
            {"indexUid": self.index_name, **_query_params(conjunction, filters)}
            for conjunction in conjunctions
        ]
        federation = {"offset": offset, "limit": limit}
        result = self._call(lambda: self._client.multi_search(queries, federation), "search")
        return result["estimatedTotalHits"], result["hits"]

    def indexed_clause_ids(self) -> set[int]:
        """Return the clause_id of every document in the index."""
        clause_ids: set[int] = set()
        offset = 0
        while True:
            params = {"fields": [PRIMARY_KEY], "limit": READ_BATCH_DOCUMENTS, "offset": offset}
            page = self._call(lambda: self._index.get_documents(params), "list clauses")
            clause_ids.update(int(document.clause_id) for document in page.results)
            offset += len(page.results)
            if not page.results or offset >= page.total:
                return clause_ids

    def close(self) -> None:
        """Forget unawaited writes. Meilisearch still applies them, because enqueued tasks do not roll back."""
        with self._lock:
            self._pending = []

    def __enter__(self) -> MeiliIndex:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _remember(self, task_uid: int) -> None:
        with self._lock:
            self._pending.append(task_uid)

    def _wait(self, task_uid: int, action: str, *, allow_codes: frozenset[str] | set[str] = frozenset()) -> None:
        try:
            task = self._call(
                lambda: self._client.wait_for_task(
                    task_uid, timeout_in_ms=TASK_TIMEOUT_MS, interval_in_ms=TASK_POLL_MS
                ),
                action,
            )
        except SearchBackendError as error:
            if isinstance(error.__cause__, MeilisearchTimeoutError):
                logger.error("meilisearch task timed out index=%s task_uid=%s", self.index_name, task_uid)
            raise
        if task.status == "succeeded":
            return
        error = task.error or {}
        if error.get("code") in allow_codes:
            return
        message = f"task {task_uid} {task.status}: {error.get('message', 'no error message')}"
        if error.get("code"):
            message += f" (code {error['code']})"
        logger.error("meilisearch task failed index=%s task_uid=%s status=%s", self.index_name, task_uid, task.status)
        raise SearchBackendError(index=self.index_name, action=action, message=message)

    def _call(self, request: Callable[[], T], action: str) -> T:
        """Send one request, retrying connection errors and 502/503/504 with backoff."""
        delay = CONNECT_BACKOFF_S
        for attempt in range(1, CONNECT_ATTEMPTS + 1):
            try:
                return request()
            except (MeilisearchCommunicationError, MeilisearchApiError) as error:
                transient = isinstance(error, MeilisearchCommunicationError) or (
                    error.status_code in TRANSIENT_STATUSES
                )
                if not transient or attempt == CONNECT_ATTEMPTS:
                    raise SearchBackendError(
                        index=self.index_name, action=action, message=error.message
                    ) from error
                logger.warning(
                    "meilisearch request failed, retrying index=%s action=%s attempt=%s error=%s",
                    self.index_name,
                    action,
                    attempt,
                    error.message,
                )
                time.sleep(delay)
                delay *= 2
            except MeilisearchTimeoutError as error:
                raise SearchBackendError(
                    index=self.index_name, action=action, message=error.message
                ) from error
        raise AssertionError("unreachable: the last attempt returns or raises")


def make_document(entry: ClauseEntry) -> dict[str, Any]:
    """Turn one clause into a Meilisearch document with its display and token fields."""
    body = build_token_fields(entry.text)
    heading = build_token_fields(entry.heading or "")
    return {
        "clause_id": entry.clause_id,
        "document_version_id": entry.document_version_id,
        "document_id": entry.document_id,
        "contract_id": entry.contract_id,
        "kind": entry.kind,
        "number": entry.number,
        "heading": entry.heading,
        "text": entry.text,
        "body_units": body.units,
        "body_unigrams": body.unigrams,
        "body_words": body.words,
        "heading_units": heading.units,
        "heading_unigrams": heading.unigrams,
        "heading_words": heading.words,
    }


def _query_params(conjunction: Conjunction, filters: list[str]) -> dict[str, Any]:
    # NOTE: Meilisearch uses only the first 10 phrases of a query (a documented hard
    # limit), so a conjunction of more terms than that returns a superset.
    params: dict[str, Any] = {
        "q": meili_query_string(conjunction),
        "matchingStrategy": "all",
        "attributesToRetrieve": DISPLAYED_ATTRIBUTES,
        "showRankingScore": True,
    }
    if filters:
        params["filter"] = filters
    return params


def _filters(
    *, contract_id: int | None, kind: str | None, exclude_contract_ids: Collection[int]
) -> list[str]:
    # Meilisearch ANDs the strings of a filter array.
    filters = []
    if contract_id is not None:
        filters.append(f"contract_id = {int(contract_id)}")
    if kind is not None:
        filters.append(f"kind = {quote_filter_value(kind)}")
    if exclude_contract_ids:
        filters.append(contract_exclusion_filter(exclude_contract_ids))
    return filters


def contract_exclusion_filter(contract_ids: Collection[int]) -> str:
    """Return the filter condition that leaves out every clause of the given contracts.

    All ids go into one `NOT IN [...]` condition. Meilisearch limits how deeply AND,
    OR and NOT nest in a filter (see "Known limitations" in its documentation), and
    its filter parser (crates/filter-parser/src/lib.rs) reads an IN list as one flat
    condition, so any number of ids adds no depth. The remaining bound is the request
    payload limit, 100 MB by default (--http-payload-size-limit). 5,000 seven-digit ids
    take about 45 KB, repeated in each query of a federated search
    (at most MAX_CONJUNCTIONS of meili_tokens.py).
    """
    values = ", ".join(str(contract_id) for contract_id in sorted_contract_ids(contract_ids))
    return f"contract_id NOT IN [{values}]"


def quote_filter_value(value: str) -> str:
    """Quote a string for a Meilisearch filter expression, escaping quotes and backslashes."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _make_hit(document: dict[str, Any], terms: list[Term]) -> SearchHit:
    score = document.get("_rankingScore")
    if score is None:
        score = document.get("_federation", {}).get("weightedRankingScore", 0.0)
    return SearchHit(
        clause_id=int(document["clause_id"]),
        document_version_id=int(document["document_version_id"]),
        document_id=int(document["document_id"]),
        contract_id=int(document["contract_id"]),
        kind=document["kind"],
        number=document.get("number"),
        heading=document.get("heading"),
        snippet=make_snippet(document.get("text") or "", terms),
        score=float(score),
    )
