"""The append-only, hash-chained audit log.

Each event stores its position in the chain (seq), the previous event's hash and its own
hash, and archive.services.audit_chain documents how the hash is computed. The one-row table
audit_chain_head contains the newest seq and hash. Writers lock that row, and seq is unique,
so two transactions can never append the same seq. Database triggers reject UPDATE and DELETE on
audit_event. Migration 0007 creates them, and the listeners below create the same objects
when the schema comes from Base.metadata.create_all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, CheckConstraint, String, event
from sqlalchemy.orm import Mapped, mapped_column

from archive.models.base import Base, utcnow

# previous_hash of the first event, and the head's hash while the log is empty.
GENESIS_HASH = "0" * 64


class AuditEvent(Base):
    """One action by one actor on one object; rows are only ever inserted."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    # No foreign key: the user table is managed separately, and an event must outlive its user.
    actor_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str] = mapped_column(String(100))
    client_address: Mapped[str | None] = mapped_column(String(100))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    previous_hash: Mapped[str] = mapped_column(String(64))
    event_hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """The newest event's seq and hash (0 and GENESIS_HASH for an empty log), in row id 1."""

    __tablename__ = "audit_chain_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int]
    event_hash: Mapped[str] = mapped_column(String(64))


SQLITE_APPEND_ONLY_TRIGGERS = (
    "CREATE TRIGGER audit_event_reject_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE rejected'); END",
    "CREATE TRIGGER audit_event_reject_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: DELETE rejected'); END",
)
POSTGRESQL_APPEND_ONLY_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION audit_event_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION USING MESSAGE = 'audit_event is append-only: ' || TG_OP || ' rejected', "
    "ERRCODE = 'integrity_constraint_violation'; END; $$",
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_reject_change()",
)

for _statement in SQLITE_APPEND_ONLY_TRIGGERS:
    event.listen(AuditEvent.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRESQL_APPEND_ONLY_TRIGGERS:
    event.listen(AuditEvent.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
event.listen(
    AuditEvent.__table__,
    "after_drop",
    DDL("DROP FUNCTION IF EXISTS audit_event_reject_change()").execute_if(dialect="postgresql"),
)


@event.listens_for(AuditChainHead.__table__, "after_create")
def _insert_empty_head(target, connection, **_kw) -> None:  # type: ignore[no-untyped-def]
    connection.execute(target.insert().values(id=1, seq=0, event_hash=GENESIS_HASH))
