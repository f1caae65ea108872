"""Compare the database, the blob store and the search index, and repair what re-indexing can fix.

`check` only reads. `repair` only re-indexes: the search index is derived from the database,
so rebuilding any part of it loses nothing. Blobs are never deleted or rewritten here. A missing
or corrupt original can only come back from a backup, and a blob no row names may be under legal
hold or retention.

`archive/` must not import `ingest/`, so the caller passes the indexing module
(`ingest.indexing`), which decides which versions and clauses belong in the index.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from sqlalchemy import select, update

from archive.context import Archive
from archive.models import Blob, Clause, DocumentVersion
from archive.services.audit import record_event

logger = logging.getLogger(__name__)

BLOB_MISSING = "blob_missing"
BLOB_CORRUPT = "blob_corrupt"
BLOB_ORPHANED = "blob_orphaned"
INDEX_MISSING = "index_missing"
INDEX_ORPHANED = "index_orphaned"
VERSION_NOT_INDEXED = "version_not_indexed"
VERSION_PENDING = "version_pending"
# In the order a report lists them: lost originals first.
KINDS = (
    BLOB_MISSING, BLOB_CORRUPT, BLOB_ORPHANED, INDEX_MISSING, INDEX_ORPHANED, VERSION_NOT_INDEXED, VERSION_PENDING,
)
# Kinds that `repair` fixes by re-indexing from the database.
REPAIRABLE_KINDS = frozenset({INDEX_MISSING, INDEX_ORPHANED, VERSION_NOT_INDEXED})

# Rows read per query, so neither a long blob verification nor a large clause table keeps one
# transaction open or all rows in memory.
BLOB_BATCH_ROWS = 500
CLAUSE_BATCH_ROWS = 5000

# English message ids, which archive/locale translates. Placeholders: {sha256}, {version_id},
# {clause_id}, {count}, {state}, {age}.
BLOB_MISSING_MESSAGE = (
    "Blob {sha256} of version {version_id} is missing from the blob store, so the original file is lost. "
    "Restore it under the same key from a backup of the blob store, or from an earlier object version "
    "in a versioned S3 bucket. The archive cannot recreate it."
)
BLOB_ROW_MISSING_MESSAGE = (
    "Blob {sha256} has a database row but is missing from the blob store, so its bytes are lost. "
    "Restore it under the same key from a backup of the blob store, or from an earlier object version "
    "in a versioned S3 bucket. The archive cannot recreate it."
)
BLOB_CORRUPT_MESSAGE = (
    "Blob {sha256} no longer hashes to its key, so the stored bytes were changed. "
    "Restore the original bytes from a backup of the blob store, or from an earlier object version "
    "in a versioned S3 bucket. The archive never overwrites a stored original."
)
BLOB_ORPHANED_MESSAGE = (
    "Blob {sha256} is in the blob store, but no database row names it, for example because an upload "
    "failed after storing it. It is kept, because it may be under legal hold or retention: "
    "find out where it came from before anyone deletes it."
)
INDEX_MISSING_MESSAGE = (
    "Version {version_id} is marked indexed, but {count} of its clauses are missing from the search index. "
    "Repair indexes the version again."
)
INDEX_ORPHANED_UNKNOWN_MESSAGE = (
    "Clause {clause_id} is in the search index but not in the database. Repair rebuilds the index from the database."
)
INDEX_ORPHANED_STATE_MESSAGE = (
    "Clause {clause_id} of version {version_id} is in the search index, but the version is {state} "
    "and must not be searchable. Repair removes the version's clauses from the index."
)
INDEX_ORPHANED_ROLE_MESSAGE = (
    "Clause {clause_id} of version {version_id} is a table-of-contents entry, which is kept out of the "
    "search index. Repair indexes the version again."
)
VERSION_NOT_INDEXED_MESSAGE = (
    "Version {version_id} is {state} but not in the search index yet, because the indexing outbox has not run. "
    "Repair runs it."
)
VERSION_PENDING_MESSAGE = (
    "Version {version_id} has been waiting to be read for {age}. "
    "If no worker is reading it, run: contract-archive retry {version_id}"
)
AGE_MINUTES = "{count} minutes"
AGE_HOURS = "{count} hours"
AGE_DAYS = "{count} days"
MESSAGES = (
    BLOB_MISSING_MESSAGE, BLOB_ROW_MISSING_MESSAGE, BLOB_CORRUPT_MESSAGE, BLOB_ORPHANED_MESSAGE,
    INDEX_MISSING_MESSAGE, INDEX_ORPHANED_UNKNOWN_MESSAGE, INDEX_ORPHANED_STATE_MESSAGE,
    INDEX_ORPHANED_ROLE_MESSAGE, VERSION_NOT_INDEXED_MESSAGE, VERSION_PENDING_MESSAGE,
    AGE_MINUTES, AGE_HOURS, AGE_DAYS,
)

Gettext = Callable[[str], str]
Progress = Callable[[int, int], None]


class Indexing(Protocol):
    """The indexing rules and outbox of `ingest.indexing`, which the module itself satisfies."""

    @property
    def INDEXABLE_STATES(self) -> tuple[str, ...]:  # noqa: N802 - the module constant's name
        """Version states whose clauses belong in the index."""

    @property
    def UNINDEXED_ROLES(self) -> tuple[str, ...]:  # noqa: N802 - the module constant's name
        """Clause roles kept out of the index."""

    def index_pending(self, archive: Archive) -> int:
        """Index every indexable version whose indexed_at is NULL, and return the number of clauses indexed."""

    def reindex_all(self, archive: Archive) -> int:
        """Clear the index, refill it from the database, and return the number of clauses indexed."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One inconsistency, naming the objects involved and how to resolve it."""

    kind: str
    template: str
    sha256: str | None = None
    document_version_id: int | None = None
    clause_ids: tuple[int, ...] = ()
    state: str | None = None
    age_seconds: int | None = None

    @property
    def repairable(self) -> bool:
        return self.kind in REPAIRABLE_KINDS

    @property
    def message(self) -> str:
        return self.localized(lambda text: text)

    def localized(self, gettext: Gettext) -> str:
        """Return the message in the language of `gettext`."""
        params = {
            "sha256": self.sha256,
            "version_id": self.document_version_id,
            "clause_id": self.clause_ids[0] if self.clause_ids else None,
            "count": len(self.clause_ids),
            "state": gettext(self.state) if self.state else None,
            "age": format_age(self.age_seconds or 0, gettext),
        }
        return gettext(self.template).format(**params)

    def as_dict(self, gettext: Gettext | None = None) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "sha256": self.sha256,
            "document_version_id": self.document_version_id,
            "clause_ids": list(self.clause_ids),
            "state": self.state,
            "age_seconds": self.age_seconds,
            "repairable": self.repairable,
            "message": self.localized(gettext) if gettext else self.message,
        }


@dataclass
class ConsistencyReport:
    """The findings of one `check`, with how much it examined."""

    findings: list[Finding] = field(default_factory=list)
    blobs_listed: int = 0
    blobs_verified: int = 0
    clauses_checked: int = 0
    hashes_verified: bool = True

    @property
    def clean(self) -> bool:
        return not self.findings

    def counts(self) -> dict[str, int]:
        """Return the number of findings of each kind, in report order, leaving out kinds with none."""
        counter = Counter(finding.kind for finding in self.findings)
        return {kind: counter[kind] for kind in KINDS if counter[kind]}

    def of_kind(self, kind: str) -> list[Finding]:
        return [finding for finding in self.findings if finding.kind == kind]

    def as_dict(self, gettext: Gettext | None = None) -> dict[str, Any]:
        return {
            "clean": self.clean,
            "counts": self.counts(),
            "blobs_listed": self.blobs_listed,
            "blobs_verified": self.blobs_verified,
            "clauses_checked": self.clauses_checked,
            "hashes_verified": self.hashes_verified,
            "findings": [finding.as_dict(gettext) for finding in self.findings],
        }


@dataclass
class RepairResult:
    """Changes `repair` made to the search index, and the findings still open afterwards."""

    index_rebuilt: bool = False
    versions_reindexed: list[int] = field(default_factory=list)
    versions_removed_from_index: list[int] = field(default_factory=list)
    clauses_indexed: int = 0
    remaining: list[Finding] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.remaining

    def as_dict(self, gettext: Gettext | None = None) -> dict[str, Any]:
        return {
            "index_rebuilt": self.index_rebuilt,
            "versions_reindexed": self.versions_reindexed,
            "versions_removed_from_index": self.versions_removed_from_index,
            "clauses_indexed": self.clauses_indexed,
            "remaining": [finding.as_dict(gettext) for finding in self.remaining],
        }


def check(
    archive: Archive,
    *,
    indexing: Indexing,
    verify_hashes: bool = True,
    progress: Progress | None = None,
) -> ConsistencyReport:
    """Compare database, blob store and search index. With `verify_hashes`, re-hash every stored blob.

    `progress(done, total)` is called after each blob is verified.
    """
    report = ConsistencyReport(hashes_verified=verify_hashes)
    _check_blobs(archive, report, verify_hashes=verify_hashes, progress=progress)
    _check_index(archive, report, indexing)
    _check_outbox(archive, report, indexing)
    logger.info(
        "consistency check finished blobs=%s verified=%s clauses=%s findings=%s",
        report.blobs_listed, report.blobs_verified, report.clauses_checked, report.counts(),
    )
    return report


def repair(
    archive: Archive, report: ConsistencyReport, *, indexing: Indexing, actor: str = "local"
) -> RepairResult:
    """Re-index what the report found wrong in the search index, check again and record an audit event.

    Blob findings are left as they are: a lost or changed original can only be restored from a
    backup, and an orphaned blob may be evidence under hold or retention.
    """
    result = RepairResult()
    orphaned = report.of_kind(INDEX_ORPHANED)
    if any(finding.document_version_id is None for finding in orphaned):
        # The index lists clause ids only, so an entry whose clause is gone from the database can
        # only be removed by rebuilding the whole index.
        result.clauses_indexed = indexing.reindex_all(archive)
        result.index_rebuilt = True
    else:
        _repair_versions(archive, report, indexing, result)

    remaining = check(archive, indexing=indexing, verify_hashes=False)
    # The second check does not re-hash, and nothing here rewrites blobs, so earlier corrupt findings still stand.
    remaining.findings[:0] = report.of_kind(BLOB_CORRUPT)
    result.remaining = remaining.findings
    with archive.session() as session:
        record_event(
            session, actor=actor, action="consistency_repair", object_type="archive", object_id="consistency",
            summary={
                "found": report.counts(),
                "index_rebuilt": result.index_rebuilt,
                "versions_reindexed": len(result.versions_reindexed),
                "versions_removed_from_index": len(result.versions_removed_from_index),
                "clauses_indexed": result.clauses_indexed,
                "remaining": remaining.counts(),
            },
        )
    logger.info(
        "consistency repair finished rebuilt=%s reindexed=%s removed=%s remaining=%s",
        result.index_rebuilt, len(result.versions_reindexed), len(result.versions_removed_from_index),
        remaining.counts(),
    )
    return result


def format_age(seconds: int, gettext: Gettext) -> str:
    """Return an age in whole minutes, hours or days, whichever is the largest unit that fits."""
    if seconds < 3600:
        return gettext(AGE_MINUTES).format(count=seconds // 60)
    if seconds < 86400:
        return gettext(AGE_HOURS).format(count=seconds // 3600)
    return gettext(AGE_DAYS).format(count=seconds // 86400)


# Blobs


def _check_blobs(
    archive: Archive, report: ConsistencyReport, *, verify_hashes: bool, progress: Progress | None
) -> None:
    """Match stored blobs with the database rows that name them, and re-hash each stored blob."""
    # The store is listed before the database is read. An upload stores its blob before it commits
    # its rows, so a blob named by a row read later is confirmed with `exists` before it counts as missing.
    unnamed = set(archive.blobs.iter_hashes())
    report.blobs_listed = len(unnamed)
    total = report.blobs_listed if verify_hashes else 0
    for sha256, version_id in _named_blobs(archive):
        stored = sha256 in unnamed or archive.blobs.exists(sha256)
        unnamed.discard(sha256)
        if not stored:
            template = BLOB_MISSING_MESSAGE if version_id is not None else BLOB_ROW_MISSING_MESSAGE
            report.findings.append(Finding(BLOB_MISSING, template, sha256=sha256, document_version_id=version_id))
            logger.error("blob missing sha256=%s document_version_id=%s", sha256, version_id)
            continue
        if verify_hashes:
            _verify(archive, report, sha256, version_id)
            _advance(report, total, progress)
    # NOTE: a blob stored by an upload whose rows are not committed yet is reported here too.
    for sha256 in sorted(unnamed):
        report.findings.append(Finding(BLOB_ORPHANED, BLOB_ORPHANED_MESSAGE, sha256=sha256))
        if verify_hashes:
            _verify(archive, report, sha256, None)
            _advance(report, total, progress)


def _verify(archive: Archive, report: ConsistencyReport, sha256: str, version_id: int | None) -> None:
    try:
        intact = archive.blobs.verify(sha256)
    except FileNotFoundError:
        report.findings.append(
            Finding(BLOB_MISSING, BLOB_MISSING_MESSAGE if version_id is not None else BLOB_ROW_MISSING_MESSAGE,
                    sha256=sha256, document_version_id=version_id)
        )
        logger.error("blob disappeared during the check sha256=%s", sha256)
        return
    if not intact:
        report.findings.append(Finding(BLOB_CORRUPT, BLOB_CORRUPT_MESSAGE, sha256=sha256, document_version_id=version_id))


def _advance(report: ConsistencyReport, total: int, progress: Progress | None) -> None:
    report.blobs_verified += 1
    if progress is not None:
        progress(report.blobs_verified, max(total, report.blobs_verified))


def _named_blobs(archive: Archive) -> Iterator[tuple[str, int | None]]:
    """Yield (sha256, version id or None) for every Blob row, then for versions whose blob has no row."""
    after = ""
    while True:
        with archive.session() as session:
            rows = session.execute(
                select(Blob.sha256, DocumentVersion.id)
                .outerjoin(DocumentVersion, DocumentVersion.blob_sha256 == Blob.sha256)
                .where(Blob.sha256 > after)
                .order_by(Blob.sha256)
                .limit(BLOB_BATCH_ROWS)
            ).all()
        if not rows:
            break
        for sha256, version_id in rows:
            yield sha256, version_id
        after = rows[-1][0]
    # The foreign key forbids these, but SQLite enforces foreign keys only when asked to.
    with archive.session() as session:
        rows = session.execute(
            select(DocumentVersion.blob_sha256, DocumentVersion.id)
            .outerjoin(Blob, Blob.sha256 == DocumentVersion.blob_sha256)
            .where(Blob.sha256.is_(None))
            .order_by(DocumentVersion.id)
        ).all()
    for sha256, version_id in rows:
        yield sha256, version_id


# Search index


@dataclass(frozen=True, slots=True)
class _ClauseRow:
    clause_id: int
    version_id: int
    role: str
    state: str
    indexed: bool


def _check_index(archive: Archive, report: ConsistencyReport, indexing: Indexing) -> None:
    """Match the clause ids in the index with the clauses that belong there."""
    # Listed before the database is read: a version indexed in between then shows as index_missing,
    # which re-indexing fixes cheaply, instead of as orphaned entries that force a rebuild.
    unmatched = set(archive.index.indexed_clause_ids())
    missing: dict[int, list[int]] = {}
    for row in _clause_rows(archive):
        report.clauses_checked += 1
        in_index = row.clause_id in unmatched
        unmatched.discard(row.clause_id)
        indexable_state = row.state in indexing.INDEXABLE_STATES
        indexable_role = row.role not in indexing.UNINDEXED_ROLES
        if in_index and not indexable_state:
            report.findings.append(Finding(INDEX_ORPHANED, INDEX_ORPHANED_STATE_MESSAGE, document_version_id=row.version_id,
                                           clause_ids=(row.clause_id,), state=row.state))
        elif in_index and not indexable_role:
            report.findings.append(Finding(INDEX_ORPHANED, INDEX_ORPHANED_ROLE_MESSAGE, document_version_id=row.version_id,
                                           clause_ids=(row.clause_id,)))
        elif not in_index and row.indexed and indexable_state and indexable_role:
            missing.setdefault(row.version_id, []).append(row.clause_id)
    for version_id, clause_ids in missing.items():
        report.findings.append(Finding(INDEX_MISSING, INDEX_MISSING_MESSAGE, document_version_id=version_id,
                                       clause_ids=tuple(clause_ids)))
    for clause_id in sorted(unmatched):
        report.findings.append(Finding(INDEX_ORPHANED, INDEX_ORPHANED_UNKNOWN_MESSAGE, clause_ids=(clause_id,)))


def _clause_rows(archive: Archive) -> Iterator[_ClauseRow]:
    after = 0
    while True:
        with archive.session() as session:
            rows = session.execute(
                select(Clause.id, Clause.document_version_id, Clause.role, DocumentVersion.state, DocumentVersion.indexed_at)
                .join(DocumentVersion, DocumentVersion.id == Clause.document_version_id)
                .where(Clause.id > after)
                .order_by(Clause.id)
                .limit(CLAUSE_BATCH_ROWS)
            ).all()
        if not rows:
            return
        for clause_id, version_id, role, state, indexed_at in rows:
            yield _ClauseRow(clause_id, version_id, role, state, indexed_at is not None)
        after = rows[-1][0]


# Versions


def _check_outbox(archive: Archive, report: ConsistencyReport, indexing: Indexing) -> None:
    """Report readable versions the outbox has not indexed, and versions still waiting to be read."""
    now = datetime.now(timezone.utc)
    with archive.session() as session:
        not_indexed = session.execute(
            select(DocumentVersion.id, DocumentVersion.state)
            .where(DocumentVersion.indexed_at.is_(None), DocumentVersion.state.in_(indexing.INDEXABLE_STATES))
            .order_by(DocumentVersion.id)
        ).all()
        pending = session.execute(
            select(DocumentVersion.id, DocumentVersion.uploaded_at)
            .where(DocumentVersion.state == "pending")
            .order_by(DocumentVersion.id)
        ).all()
    for version_id, state in not_indexed:
        report.findings.append(Finding(VERSION_NOT_INDEXED, VERSION_NOT_INDEXED_MESSAGE, document_version_id=version_id,
                                       state=state))
    for version_id, uploaded_at in pending:
        if uploaded_at.tzinfo is None:  # SQLite returns naive datetimes, stored in UTC
            uploaded_at = uploaded_at.replace(tzinfo=timezone.utc)
        age = max(0, int((now - uploaded_at).total_seconds()))
        report.findings.append(Finding(VERSION_PENDING, VERSION_PENDING_MESSAGE, document_version_id=version_id,
                                       state="pending", age_seconds=age))


# Repair


def _repair_versions(archive: Archive, report: ConsistencyReport, indexing: Indexing, result: RepairResult) -> None:
    """Remove index entries of versions that must not be searchable, then re-index through the outbox."""
    to_remove = {f.document_version_id for f in report.of_kind(INDEX_ORPHANED) if f.state is not None}
    to_reindex = {f.document_version_id for f in report.of_kind(INDEX_ORPHANED) if f.state is None}
    to_reindex |= {f.document_version_id for f in report.of_kind(INDEX_MISSING)}
    # These already wait in the outbox; they are listed so the result names every version indexed.
    to_reindex |= {f.document_version_id for f in report.of_kind(VERSION_NOT_INDEXED)}
    with archive.session() as session:
        # States are read again: a version read since the check is indexed instead of removed.
        states = dict(session.execute(
            select(DocumentVersion.id, DocumentVersion.state).where(DocumentVersion.id.in_(to_remove | to_reindex))
        ).all())
        for version_id in sorted(v for v in to_remove if v is not None):
            if states.get(version_id) in indexing.INDEXABLE_STATES:
                to_reindex.add(version_id)
                continue
            archive.index.delete_version(version_id)
            result.versions_removed_from_index.append(version_id)
        archive.index.commit()
        result.versions_reindexed = sorted(v for v in to_reindex if v is not None)
        session.execute(
            update(DocumentVersion).where(DocumentVersion.id.in_(result.versions_reindexed)).values(indexed_at=None)
        )
    result.clauses_indexed = indexing.index_pending(archive)
