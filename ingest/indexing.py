"""Keep the clause search index in step with the database, and rebuild it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timezone

from sqlalchemy import select, update

from archive.context import Archive
from archive.models import Clause, Document, DocumentVersion
from archive.search.base import ClauseEntry

logger = logging.getLogger(__name__)

INDEXABLE_STATES = ("ingested", "needs_ocr")
# A table of contents repeats every heading with a page number. Indexed, it would top most
# searches, so it is kept in the database but not indexed.
UNINDEXED_ROLES = ("toc",)
REINDEX_BATCH_VERSIONS = 200


def index_version(archive: Archive, version_id: int) -> int:
    """Replace one version's clauses in the index and mark the version indexed."""
    with archive.session() as session:
        entries = list(_entries(session, [version_id]))
        archive.index.delete_version(version_id)
        archive.index.add(entries)
        archive.index.commit()
        session.execute(
            update(DocumentVersion).where(DocumentVersion.id == version_id).values(indexed_at=_now())
        )
    logger.info("version indexed document_version_id=%s clauses=%s", version_id, len(entries))
    return len(entries)


def index_pending(archive: Archive) -> int:
    """Index every readable version the index does not have yet (the outbox), with one commit."""
    index = archive.index  # opened first: opening an index of an older format empties it and the outbox fills
    with archive.session() as session:
        pending = session.scalars(
            select(DocumentVersion.id).where(
                DocumentVersion.indexed_at.is_(None), DocumentVersion.state.in_(INDEXABLE_STATES)
            )
        ).all()
    if not pending:
        return 0
    with archive.session() as session:
        entries = list(_entries(session, list(pending)))
        for version_id in pending:
            index.delete_version(version_id)
        index.add(entries)
        index.commit()
        session.execute(update(DocumentVersion).where(DocumentVersion.id.in_(pending)).values(indexed_at=_now()))
    logger.info("outbox indexed versions=%s clauses=%s", len(pending), len(entries))
    return len(entries)


def reindex_document(archive: Archive, document_id: int) -> int:
    """Index a document's versions again, after its kind or contract changed."""
    with archive.session() as session:
        session.execute(
            update(DocumentVersion).where(DocumentVersion.document_id == document_id).values(indexed_at=None)
        )
    return index_pending(archive)


def reindex_all(archive: Archive, *, progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the whole index from the database; returns the number of clauses indexed."""
    with archive.session() as session:
        version_ids = session.scalars(
            select(DocumentVersion.id).where(DocumentVersion.state.in_(INDEXABLE_STATES)).order_by(DocumentVersion.id)
        ).all()
    archive.index.clear()
    total = 0
    for start in range(0, len(version_ids), REINDEX_BATCH_VERSIONS):
        batch = version_ids[start : start + REINDEX_BATCH_VERSIONS]
        with archive.session() as session:
            entries = list(_entries(session, batch))
            archive.index.add(entries)
            archive.index.commit()
            session.execute(update(DocumentVersion).where(DocumentVersion.id.in_(batch)).values(indexed_at=_now()))
        total += len(entries)
        if progress:
            progress(min(start + len(batch), len(version_ids)), len(version_ids))
    archive.index.commit()
    logger.info("reindex finished versions=%s clauses=%s", len(version_ids), total)
    return total


def _entries(session, version_ids: list[int]) -> Iterator[ClauseEntry]:  # type: ignore[no-untyped-def]
    rows = session.execute(
        select(Clause, DocumentVersion.document_id, Document.contract_id, Document.kind)
        .join(DocumentVersion, DocumentVersion.id == Clause.document_version_id)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(
            Clause.document_version_id.in_(version_ids), Clause.role.not_in(UNINDEXED_ROLES),
            Document.deleted_at.is_(None),  # a deleted document's clauses leave the index
        )
        .order_by(Clause.id)
    ).all()
    for clause, document_id, contract_id, kind in rows:
        yield ClauseEntry(
            clause_id=clause.id,
            document_version_id=clause.document_version_id,
            document_id=document_id,
            contract_id=contract_id or 0,
            kind=kind,
            number=clause.number,
            heading=clause.heading,
            text=clause.text,
        )


def _now() -> datetime:
    return datetime.now(timezone.utc)
