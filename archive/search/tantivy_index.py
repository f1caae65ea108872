"""The embedded clause index: tantivy files in the data directory."""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from collections.abc import Collection, Iterable
from pathlib import Path

import tantivy

from archive.errors import ArchiveError
from archive.search.base import ClauseEntry, SearchHit, SearchPage
from archive.search.highlight import make_snippet
from archive.search.query import BODY_FIELDS, HEADING_FIELDS, build_query, parse_query
from archive.search.tokenize import analyze

logger = logging.getLogger(__name__)

# Bump when the schema or the analysis changes; an index in another format
# has to be rebuilt with `contract-archive reindex`.
INDEX_FORMAT = 2
FORMAT_FILE = "contract-archive-index.json"

WRITER_HEAP_BYTES = 256_000_000
WRITER_THREADS = 0  # 0 lets tantivy choose from the number of cores
WRITER_LOCK_TIMEOUT_S = 10.0
WRITER_LOCK_RETRY_S = 0.2
LOCK_BUSY_MARKER = "LockBusy"

# Paging is clamped so a huge limit or offset cannot allocate a huge heap.
MAX_LIMIT = 1000
MAX_OFFSET = 100_000
READ_BATCH_DOCS = 10_000


class SearchIndexLockedError(ArchiveError):
    """Another process has the index writer open."""

    code = "search_index_locked"
    status = 503
    template = (
        "The search index at {path} is being written by another process. "
        "Wait for it to finish (for example a running reindex), then try again."
    )


class SearchIndexFormatError(ArchiveError):
    """The index on disk was written in another format."""

    code = "search_index_format"
    status = 500
    template = (
        "The search index at {path} has format {found}, but this version needs {expected}. "
        "Run `contract-archive reindex` to rebuild it."
    )


def build_schema() -> tantivy.Schema:
    """Return the schema of the clause index."""
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("clause_id", stored=True, indexed=True, fast=True)
    builder.add_integer_field("document_version_id", stored=True, indexed=True)
    builder.add_integer_field("document_id", stored=True)
    builder.add_integer_field("contract_id", stored=True, indexed=True)
    builder.add_text_field("kind", stored=True, tokenizer_name="raw", index_option="basic")
    # Display text is stored as bytes: a stored text field is always indexed.
    builder.add_bytes_field("number_raw", stored=True)
    builder.add_bytes_field("heading_raw", stored=True)
    builder.add_bytes_field("text_raw", stored=True)
    for fields in (BODY_FIELDS, HEADING_FIELDS):
        builder.add_text_field(fields.grams, tokenizer_name="whitespace", index_option="position")
        builder.add_text_field(fields.unigrams, tokenizer_name="whitespace", index_option="freq")
        builder.add_text_field(fields.words, tokenizer_name="whitespace", index_option="freq")
    return builder.build()


def make_document(entry: ClauseEntry) -> tantivy.Document:
    """Turn one clause into a tantivy document with its analysed fields."""
    doc = tantivy.Document()
    doc.add_integer("clause_id", entry.clause_id)
    doc.add_integer("document_version_id", entry.document_version_id)
    doc.add_integer("document_id", entry.document_id)
    doc.add_integer("contract_id", entry.contract_id)
    doc.add_text("kind", entry.kind)
    doc.add_bytes("text_raw", entry.text.encode("utf-8"))
    _add_tokens(doc, BODY_FIELDS, entry.text)
    if entry.number is not None:
        doc.add_bytes("number_raw", entry.number.encode("utf-8"))
    if entry.heading is not None:
        doc.add_bytes("heading_raw", entry.heading.encode("utf-8"))
        _add_tokens(doc, HEADING_FIELDS, entry.heading)
    return doc


def _add_tokens(doc: tantivy.Document, fields, text: str) -> None:
    tokens = analyze(text)
    doc.add_text(fields.grams, tokens.grams)
    doc.add_text(fields.unigrams, tokens.unigrams)
    doc.add_text(fields.words, tokens.words)


class TantivyIndex:
    """A SearchIndex stored in one directory; many readers, one writer per index."""

    def __init__(self, path: Path, *, recreate: bool = False) -> None:
        self.path = Path(path)
        if recreate and self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True, exist_ok=True)
        self._check_format()
        self._schema = build_schema()
        self._index = tantivy.Index(self._schema, str(self.path), reuse=True)
        self._writer: tantivy.IndexWriter | None = None
        self._lock = threading.Lock()

    def _check_format(self) -> None:
        format_path = self.path / FORMAT_FILE
        has_index = (self.path / "meta.json").exists()
        if not format_path.exists():
            if has_index:
                raise SearchIndexFormatError(path=self.path, found="unknown", expected=INDEX_FORMAT)
            format_path.write_text(json.dumps({"format": INDEX_FORMAT}))
            return
        found = json.loads(format_path.read_text()).get("format")
        if found != INDEX_FORMAT:
            raise SearchIndexFormatError(path=self.path, found=found, expected=INDEX_FORMAT)

    def _open_writer(self) -> tantivy.IndexWriter:
        if self._writer is not None:
            return self._writer
        deadline = time.monotonic() + WRITER_LOCK_TIMEOUT_S
        while True:
            try:
                self._writer = self._index.writer(WRITER_HEAP_BYTES, WRITER_THREADS)
                return self._writer
            except ValueError as error:
                if LOCK_BUSY_MARKER not in str(error):
                    raise
                if time.monotonic() >= deadline:
                    logger.error("search index writer lock busy at %s: %s", self.path, error)
                    raise SearchIndexLockedError(path=self.path) from error
                logger.info("search index writer lock busy at %s, retrying", self.path)
                time.sleep(WRITER_LOCK_RETRY_S)

    def add(self, entries: Iterable[ClauseEntry]) -> None:
        """Add or replace clauses (keyed by clause_id); visible after `commit`."""
        with self._lock:
            writer = self._open_writer()
            for entry in entries:
                writer.delete_documents_by_term("clause_id", entry.clause_id)
                writer.add_document(make_document(entry))

    def delete_version(self, document_version_id: int) -> None:
        """Remove every clause of one document version."""
        with self._lock:
            writer = self._open_writer()
            writer.delete_documents_by_term("document_version_id", document_version_id)

    def clear(self) -> None:
        """Remove everything."""
        with self._lock:
            self._open_writer().delete_all_documents()

    def commit(self) -> None:
        """Make pending changes durable and searchable, then release the writer lock.

        Releasing lets another process (a CLI ingest beside a running server) write next.
        """
        with self._lock:
            if self._writer is None:
                return
            self._writer.commit()
            # Consuming the writer joins its merge threads and frees the lock file.
            self._writer.wait_merging_threads()
            self._writer = None
        self._index.reload()

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

        Clauses of the contracts in `exclude_contract_ids` are excluded by the query
        itself, so the count and the page cover only the remaining hits.
        """
        parsed = parse_query(query)
        tantivy_query = build_query(
            parsed,
            self._schema,
            contract_id=contract_id,
            kind=kind,
            exclude_contract_ids=exclude_contract_ids,
        )
        if tantivy_query is None:
            return SearchPage(total=0, hits=[])

        limit = max(0, min(limit, MAX_LIMIT))
        offset = max(0, min(offset, MAX_OFFSET))
        searcher = self._index.searcher()
        # tantivy's binding panics on limit 0, so a count-only search requests one hit.
        result = searcher.search(tantivy_query, limit=max(limit, 1), offset=offset, count=True)
        if limit == 0:
            return SearchPage(total=result.count, hits=[])

        terms = parsed.positive_terms()
        hits = [
            self._make_hit(searcher.doc(address), score, terms)
            for score, address in result.hits
        ]
        return SearchPage(total=result.count, hits=hits)

    @staticmethod
    def _make_hit(doc: tantivy.Document, score: float, terms) -> SearchHit:
        text = _decode(doc.get_first("text_raw")) or ""
        return SearchHit(
            clause_id=doc.get_first("clause_id"),
            document_version_id=doc.get_first("document_version_id"),
            document_id=doc.get_first("document_id"),
            contract_id=doc.get_first("contract_id"),
            kind=doc.get_first("kind"),
            number=_decode(doc.get_first("number_raw")),
            heading=_decode(doc.get_first("heading_raw")),
            snippet=make_snippet(text, terms),
            score=float(score),
        )

    def indexed_clause_ids(self) -> set[int]:
        """Return the clause_id of every committed clause."""
        searcher = self._index.searcher()
        clause_ids: set[int] = set()
        for offset in range(0, searcher.num_docs, READ_BATCH_DOCS):
            result = searcher.search(tantivy.Query.all_query(), limit=READ_BATCH_DOCS, offset=offset)
            clause_ids.update(searcher.doc(address).get_first("clause_id") for _, address in result.hits)
        return clause_ids

    def close(self) -> None:
        """Release the writer (discarding uncommitted changes) and its lock."""
        with self._lock:
            if self._writer is None:
                return
            self._writer.rollback()
            # Consuming the writer joins its merge threads and frees the lock file.
            self._writer.wait_merging_threads()
            self._writer = None

    def __enter__(self) -> TantivyIndex:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _decode(value: bytes | None) -> str | None:
    return None if value is None else bytes(value).decode("utf-8")
