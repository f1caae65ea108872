"""audit chain

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 00:15:00

Make the audit log tamper-evident: number the events (seq), link each one to the previous
event's hash, keep the newest seq and hash in the one-row table audit_chain_head, and add
triggers that reject UPDATE and DELETE on audit_event. Rows that already exist are chained
in id order.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# The canonical form is fixed (changing it would invalidate every stored hash), so the
# backfill uses the same function that record_event and verify_chain use.
from archive.services.audit_chain import GENESIS_HASH, compute_event_hash


revision: str = "0007"
down_revision: Union[str, None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_event_reject_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE rejected'); END",
    "CREATE TRIGGER audit_event_reject_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: DELETE rejected'); END",
)
SQLITE_DROP_TRIGGERS = (
    "DROP TRIGGER IF EXISTS audit_event_reject_update",
    "DROP TRIGGER IF EXISTS audit_event_reject_delete",
)
POSTGRESQL_TRIGGERS = (
    "CREATE FUNCTION audit_event_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION USING MESSAGE = 'audit_event is append-only: ' || TG_OP || ' rejected', "
    "ERRCODE = 'integrity_constraint_violation'; END; $$",
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_reject_change()",
)
POSTGRESQL_DROP_TRIGGERS = (
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_reject_change()",
)


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("actor_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("previous_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("event_hash", sa.String(length=64), nullable=True))

    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("event_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_chain_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )

    head_seq, head_hash = _backfill_chain()
    head = sa.table("audit_chain_head", sa.column("id"), sa.column("seq"), sa.column("event_hash"))
    op.bulk_insert(head, [{"id": 1, "seq": head_seq, "event_hash": head_hash}])

    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("previous_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("event_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_event_seq"), ["seq"])

    # Triggers come last: SQLite's batch mode copies the table, which would drop them.
    for statement in _dialect_statements(SQLITE_TRIGGERS, POSTGRESQL_TRIGGERS):
        op.execute(statement)


def downgrade() -> None:
    for statement in _dialect_statements(SQLITE_DROP_TRIGGERS, POSTGRESQL_DROP_TRIGGERS):
        op.execute(statement)

    op.drop_table("audit_chain_head")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_event_seq"), type_="unique")
        batch_op.drop_column("event_hash")
        batch_op.drop_column("previous_hash")
        batch_op.drop_column("actor_id")
        batch_op.drop_column("seq")


def _dialect_statements(sqlite: tuple[str, ...], postgresql: tuple[str, ...]) -> tuple[str, ...]:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        return sqlite
    if dialect == "postgresql":
        return postgresql
    raise NotImplementedError(f"audit_event triggers are not written for the {dialect} dialect")


def _backfill_chain() -> tuple[int, str]:
    """Number existing events in id order and chain their hashes; return the last seq and hash."""
    event = sa.table(
        "audit_event",
        sa.column("id", sa.Integer()),
        sa.column("occurred_at", sa.DateTime(timezone=True)),
        sa.column("actor", sa.String()),
        sa.column("actor_id", sa.Integer()),
        sa.column("action", sa.String()),
        sa.column("object_type", sa.String()),
        sa.column("object_id", sa.String()),
        sa.column("client_address", sa.String()),
        sa.column("summary", sa.JSON()),
        sa.column("seq", sa.Integer()),
        sa.column("previous_hash", sa.String()),
        sa.column("event_hash", sa.String()),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(event).order_by(event.c.id)).mappings().all()

    seq = 0
    previous_hash = GENESIS_HASH
    updates = []
    for row in rows:
        seq += 1
        event_hash = compute_event_hash(
            seq=seq,
            occurred_at=row["occurred_at"],
            actor=row["actor"],
            actor_id=row["actor_id"],
            action=row["action"],
            object_type=row["object_type"],
            object_id=row["object_id"],
            client_address=row["client_address"],
            summary=row["summary"],
            previous_hash=previous_hash,
        )
        updates.append({"row_id": row["id"], "new_seq": seq, "new_previous": previous_hash, "new_hash": event_hash})
        previous_hash = event_hash

    if updates:
        connection.execute(
            event.update()
            .where(event.c.id == sa.bindparam("row_id"))
            .values(seq=sa.bindparam("new_seq"), previous_hash=sa.bindparam("new_previous"), event_hash=sa.bindparam("new_hash")),
            updates,
        )
    return seq, previous_hash
