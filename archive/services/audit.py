"""Append-only, hash-chained audit events: recording, the chain head, and CSV export.

archive.services.audit_chain documents how each event's hash is computed and verifies the chain.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import IO, Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from archive.errors import ArchiveError
from archive.models import AuditChainHead, AuditEvent
from archive.models.audit import GENESIS_HASH
from archive.models.base import utcnow
from archive.services.audit_chain import (
    ChainReport,
    canonical_timestamp,
    compute_event_hash,
    normalize_summary,
    verify_chain,
)

__all__ = [
    "AuditChainHeadMissingError",
    "ChainReport",
    "CSV_COLUMNS",
    "chain_head",
    "export_events_csv",
    "record_event",
    "verify_chain",
]

HEAD_ID = 1


class AuditChainHeadMissingError(ArchiveError):
    code = "audit_chain_head_missing"
    status = 500
    template = (
        "The audit chain head row is missing although the audit log contains events, so no event can be recorded. "
        "Run 'contract-archive audit verify' and restore the database from a backup."
    )


def record_event(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: int | str,
    summary: dict[str, Any] | None = None,
    client_address: str | None = None,
    actor_id: int | None = None,
) -> AuditEvent:
    """Append one audit event to the chain inside the caller's transaction, which commits it.

    The head row is updated first, which takes SQLite's write lock or a PostgreSQL row lock
    until the caller's transaction ends. So concurrent writers append one after another and
    never reuse a seq. Raises ValueError or TypeError when the summary is not plain JSON.
    """
    connection = session.connection()
    head_seq, head_hash = _lock_head(session)
    seq = head_seq + 1
    fields: dict[str, Any] = {
        "seq": seq,
        "occurred_at": utcnow(),
        "actor": actor,
        "actor_id": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "client_address": client_address,
        "summary": normalize_summary(summary),
        "previous_hash": head_hash,
    }
    event = AuditEvent(**fields, event_hash=compute_event_hash(**fields))
    session.add(event)
    session.flush()
    connection.execute(
        update(AuditChainHead).where(AuditChainHead.id == HEAD_ID).values(seq=seq, event_hash=event.event_hash)
    )
    return event


def _lock_head(session: Session) -> tuple[int, str]:
    """Lock the head row for this transaction and return its (seq, event_hash)."""
    connection = session.connection()
    lock = (
        update(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .values(seq=AuditChainHead.seq)
        .returning(AuditChainHead.seq, AuditChainHead.event_hash)
    )
    head = connection.execute(lock).one_or_none()
    if head is not None:
        return head.seq, head.event_hash

    # No head row: only an emptied database (PostgreSQL TRUNCATE bypasses the triggers) may start again.
    # The insert waits for, and then yields to, a head row that another transaction is creating.
    row = {"id": HEAD_ID, "seq": 0, "event_hash": GENESIS_HASH}
    dialect = connection.dialect.name
    if dialect == "postgresql":
        create = postgresql_insert(AuditChainHead).values(**row).on_conflict_do_nothing()
    elif dialect == "sqlite":
        create = sqlite_insert(AuditChainHead).values(**row).on_conflict_do_nothing()
    else:
        create = insert(AuditChainHead).values(**row)
    created = connection.execute(create.returning(AuditChainHead.id)).first() is not None
    if created and connection.execute(select(AuditEvent.id).limit(1)).first() is not None:
        raise AuditChainHeadMissingError()
    # Another transaction may have created the row first. The UPDATE waits for it and reads its values.
    head = connection.execute(lock).one()
    return head.seq, head.event_hash


def chain_head(session: Session) -> tuple[int, str]:
    """Return the newest event's (seq, event_hash), for an evidence pack to record.

    An empty log without a head row (an emptied database) gives (0, GENESIS_HASH).
    Raises AuditChainHeadMissingError when events exist but the head row does not.
    """
    head = session.execute(
        select(AuditChainHead.seq, AuditChainHead.event_hash).where(AuditChainHead.id == HEAD_ID)
    ).one_or_none()
    if head is not None:
        return head.seq, head.event_hash
    if session.scalar(select(AuditEvent.id).limit(1)) is None:
        return 0, GENESIS_HASH
    raise AuditChainHeadMissingError()


CSV_COLUMNS = (
    "seq", "occurred_at", "actor", "actor_id", "action", "object_type", "object_id",
    "client_address", "summary", "previous_hash", "event_hash",
)
EXPORT_BATCH_ROWS = 1000


def export_events_csv(
    session: Session,
    stream: IO[str],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    actor: str | None = None,
    action: str | None = None,
) -> int:
    """Write matching events to a text stream as CSV in seq order, and return how many rows were written.

    The stream gets a UTF-8 byte order mark first, so Excel reads Chinese text correctly. Open a
    file for it with encoding="utf-8" and newline="". `since` is inclusive and `until` exclusive,
    and a naive datetime is taken as UTC. Timestamps and the summary are written in the canonical
    form that the event hash covers. A text cell that a spreadsheet would run as a formula
    (starting with =, +, -, @, a tab or a carriage return, as a user name typed at the sign-in
    page may) gets a leading apostrophe, which Excel and LibreOffice show as text.
    """
    stream.write("\ufeff")
    writer = csv.writer(stream)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for event in _matching_events(session, since=since, until=until, actor=actor, action=action):
        writer.writerow([
            event.seq,
            canonical_timestamp(event.occurred_at),
            _as_text_cell(event.actor),
            "" if event.actor_id is None else event.actor_id,
            event.action,
            event.object_type,
            _as_text_cell(event.object_id),
            _as_text_cell(event.client_address or ""),
            json.dumps(event.summary, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
            event.previous_hash,
            event.event_hash,
        ])
        count += 1
    return count


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _as_text_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def list_events(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[AuditEvent]]:
    """Return how many events match the filters, and one page of them, newest first."""
    conditions = _conditions(since=since, until=until, actor=actor, action=action)
    total = session.scalar(select(func.count(AuditEvent.id)).where(*conditions)) or 0
    events = session.scalars(
        select(AuditEvent).where(*conditions).order_by(AuditEvent.seq.desc()).limit(limit).offset(offset)
    ).all()
    return total, list(events)


def _conditions(
    *, since: datetime | None, until: datetime | None, actor: str | None, action: str | None
) -> list[Any]:
    conditions: list[Any] = []
    if since is not None:
        conditions.append(AuditEvent.occurred_at >= _as_utc(since))
    if until is not None:
        conditions.append(AuditEvent.occurred_at < _as_utc(until))
    if actor is not None:
        conditions.append(AuditEvent.actor == actor)
    if action is not None:
        conditions.append(AuditEvent.action == action)
    return conditions


def _matching_events(
    session: Session, *, since: datetime | None, until: datetime | None, actor: str | None, action: str | None
) -> Iterator[AuditEvent]:
    conditions = _conditions(since=since, until=until, actor=actor, action=action)
    statement = select(AuditEvent).where(*conditions).order_by(AuditEvent.seq)
    yield from session.scalars(statement.execution_options(yield_per=EXPORT_BATCH_ROWS))


def _as_utc(value: datetime) -> datetime:
    # SQLite stores timestamps without a zone, as UTC, so a bound value must be UTC too.
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)
