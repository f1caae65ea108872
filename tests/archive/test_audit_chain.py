"""The hash-chained audit log on SQLite and PostgreSQL: recording, tampering and its detection, triggers, migration."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from archive.context import Archive
from archive.db.engine import make_engine
from archive.db.migrate import alembic_config, upgrade
from archive.models import AuditChainHead, AuditEvent, Base
from archive.models.audit import GENESIS_HASH, POSTGRESQL_APPEND_ONLY_TRIGGERS
from archive.services.audit import AuditChainHeadMissingError, chain_head, export_events_csv, record_event, verify_chain
from archive.services.audit_chain import canonical_bytes, compute_event_hash, event_hash_of
from tests.conftest import postgres_database

EVENT_COUNT = 8


@pytest.fixture
def archive(archive: Archive) -> Iterator[Archive]:
    """Yield the conftest archive, then restore the tampered schema on PostgreSQL, whose database the next test reuses."""
    yield archive
    if archive.engine.dialect.name == "postgresql":
        with archive.engine.begin() as connection:
            connection.execute(text("TRUNCATE audit_event, audit_chain_head"))
            connection.execute(text("ALTER TABLE audit_event DROP CONSTRAINT IF EXISTS uq_audit_event_seq"))
            connection.execute(text("ALTER TABLE audit_event ADD CONSTRAINT uq_audit_event_seq UNIQUE (seq)"))
            connection.execute(text("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event"))
            for statement in POSTGRESQL_APPEND_ONLY_TRIGGERS:
                connection.execute(text(statement))


def record_events(archive: Archive, count: int = EVENT_COUNT) -> None:
    with archive.session() as session:
        for number in range(1, count + 1):
            record_event(
                session, actor=f"user{number}", action="download", object_type="document_version", object_id=number,
                summary={"备注": f"第{number}次下载", "size": number * 1.5}, client_address="127.0.0.1",
            )


def drop_triggers(engine: Engine) -> None:
    """Remove the append-only triggers, as an attacker with database access would."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text("DROP TRIGGER IF EXISTS audit_event_reject_update"))
            connection.execute(text("DROP TRIGGER IF EXISTS audit_event_reject_delete"))
        else:
            connection.execute(text("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event"))


def tamper(archive: Archive, *statements: str) -> None:
    drop_triggers(archive.engine)
    with archive.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def kinds_and_seqs(archive: Archive) -> list[tuple[str, int]]:
    with archive.session() as session:
        report = verify_chain(session)
    return [(finding.kind, finding.seq) for finding in report.findings]


def event_at(archive: Archive, seq: int) -> AuditEvent:
    with archive.session() as session:
        return session.scalars(select(AuditEvent).where(AuditEvent.seq == seq)).one()


def forge_event(archive: Archive, *, seq: int, previous_hash: str) -> None:
    """Insert an event with a valid hash for its own content, linked to `previous_hash`."""
    fields = {
        "seq": seq, "occurred_at": datetime(2026, 1, 1, 8, 0, tzinfo=timezone.utc), "actor": "mallory", "actor_id": None,
        "action": "download", "object_type": "document_version", "object_id": "99", "client_address": None,
        "summary": {}, "previous_hash": previous_hash,
    }
    with archive.session() as session:
        session.add(AuditEvent(**fields, event_hash=compute_event_hash(**fields)))


def test_untouched_log_verifies_clean(archive: Archive) -> None:
    record_events(archive)

    with archive.session() as session:
        report = verify_chain(session)
        head = chain_head(session)

    assert report.findings == []
    assert report.intact
    assert report.events_checked == EVENT_COUNT
    assert head == (EVENT_COUNT, event_at(archive, EVENT_COUNT).event_hash)
    assert (report.head_seq, report.head_hash) == head


def test_empty_log_verifies_clean(archive: Archive) -> None:
    with archive.session() as session:
        record_event(session, actor="a", action="view", object_type="contract", object_id=1)

    with archive.session() as session:
        report = verify_chain(session)

    assert report.findings == []
    assert report.events_checked == 1


def test_events_link_in_insertion_order(archive: Archive) -> None:
    record_events(archive, 3)

    events = [event_at(archive, seq) for seq in (1, 2, 3)]

    assert events[0].previous_hash == GENESIS_HASH
    assert events[1].previous_hash == events[0].event_hash
    assert events[2].previous_hash == events[1].event_hash
    assert all(len(event.event_hash) == 64 for event in events)


def test_hash_survives_database_round_trip(archive: Archive) -> None:
    with archive.session() as session:
        record_event(
            session, actor="法务部 张三", action="edit", object_type="document", object_id=7, actor_id=42,
            summary={"z": [1, 2.5, {"嵌套": "值"}], "a": None, "ключ": "\u2028", 3: "int key"},
        )

    event = event_at(archive, 1)

    assert event.summary == {"z": [1, 2.5, {"嵌套": "值"}], "a": None, "ключ": "\u2028", "3": "int key"}
    assert event.actor_id == 42
    assert event_hash_of(event) == event.event_hash


def test_canonical_form_is_documented_json() -> None:
    form = canonical_bytes(
        seq=1, occurred_at=datetime(2026, 3, 5, 9, 30, 0, 120, tzinfo=timezone(timedelta(hours=8))), actor="张三",
        actor_id=None, action="download", object_type="document_version", object_id="12", client_address=None,
        summary={"b": 1.5, "a": "合同"}, previous_hash=GENESIS_HASH,
    )

    assert form == (
        '{"action":"download","actor":"张三","actor_id":null,"client_address":null,"object_id":"12",'
        '"object_type":"document_version","occurred_at":"2026-03-05T01:30:00.000120Z",'
        f'"previous_hash":"{GENESIS_HASH}","seq":1,"summary":{{"a":"合同","b":1.5}}}}'
    ).encode("utf-8")


def test_naive_timestamp_is_taken_as_utc() -> None:
    common = {
        "seq": 1, "actor": "a", "actor_id": None, "action": "x", "object_type": "y", "object_id": "1",
        "client_address": None, "summary": {}, "previous_hash": GENESIS_HASH,
    }

    naive = compute_event_hash(occurred_at=datetime(2026, 1, 1, 12, 0), **common)
    aware = compute_event_hash(occurred_at=datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc), **common)

    assert naive == aware


def test_summary_with_nan_is_rejected(archive: Archive) -> None:
    with pytest.raises(ValueError):
        with archive.session() as session:
            record_event(session, actor="a", action="x", object_type="y", object_id=1, summary={"n": float("nan")})


def test_edited_event_is_named(archive: Archive) -> None:
    record_events(archive)

    tamper(archive, "UPDATE audit_event SET actor = 'mallory' WHERE seq = 5")

    assert kinds_and_seqs(archive) == [("edited", 5)]


def test_edited_summary_is_named(archive: Archive) -> None:
    record_events(archive)

    tamper(archive, """UPDATE audit_event SET summary = '{"备注": "改过", "size": 7.5}' WHERE seq = 3""")

    assert kinds_and_seqs(archive) == [("edited", 3)]


def test_deleted_event_is_named(archive: Archive) -> None:
    record_events(archive)

    tamper(archive, "DELETE FROM audit_event WHERE seq = 5")

    with archive.session() as session:
        report = verify_chain(session)
    assert [(f.kind, f.seq) for f in report.findings] == [("deleted", 5)]
    assert report.findings[0].message() == "Event 6 follows event 4, so event 5 is missing."
    assert report.events_checked == EVENT_COUNT - 1


def test_deleted_events_in_a_row_are_one_finding(archive: Archive) -> None:
    record_events(archive)

    tamper(archive, "DELETE FROM audit_event WHERE seq IN (3, 4, 5)")

    with archive.session() as session:
        report = verify_chain(session)
    assert [(f.kind, f.seq) for f in report.findings] == [("deleted", 3)]
    assert report.findings[0].message() == "Event 6 follows event 2, so events 3 to 5 are missing."


def test_deleted_first_event_is_named(archive: Archive) -> None:
    record_events(archive)

    tamper(archive, "DELETE FROM audit_event WHERE seq = 1")

    with archive.session() as session:
        report = verify_chain(session)
    assert [(f.kind, f.seq) for f in report.findings] == [("deleted", 1)]
    assert report.findings[0].message() == "The log starts at event 2, so event 1 is missing."


def test_deletion_hidden_by_renumbering_is_named(archive: Archive) -> None:
    record_events(archive)

    statements = ["DELETE FROM audit_event WHERE seq = 5"]
    statements += [f"UPDATE audit_event SET seq = {seq - 1} WHERE seq = {seq}" for seq in range(6, EVENT_COUNT + 1)]
    tamper(archive, *statements)

    assert kinds_and_seqs(archive) == [("deleted", 5), ("renumbered", 5)]


def test_inserted_event_with_renumbering_is_named(archive: Archive) -> None:
    record_events(archive)
    fourth = event_at(archive, 4)

    # Make room at seq 5 from the top down, so no step violates the unique constraint on seq.
    tamper(archive, *[f"UPDATE audit_event SET seq = {seq + 1} WHERE seq = {seq}" for seq in range(EVENT_COUNT, 4, -1)])
    forge_event(archive, seq=5, previous_hash=fourth.event_hash)

    with archive.session() as session:
        report = verify_chain(session)
    assert [(f.kind, f.seq) for f in report.findings] == [("inserted", 5), ("renumbered", 6)]
    assert report.findings[1].message() == "Events 6 to 9 were renumbered: they were written as events 5 to 8."
    assert report.events_checked == EVENT_COUNT + 1


def test_inserted_event_with_duplicate_seq_is_named(archive: Archive) -> None:
    if archive.engine.dialect.name == "sqlite":
        pytest.skip("SQLite cannot drop a unique constraint without rebuilding the table")
    record_events(archive)
    fourth = event_at(archive, 4)

    tamper(archive, "ALTER TABLE audit_event DROP CONSTRAINT uq_audit_event_seq")
    forge_event(archive, seq=5, previous_hash=fourth.event_hash)

    assert kinds_and_seqs(archive) == [("inserted", 5)]


def test_inserted_copy_of_event_is_named(archive: Archive) -> None:
    if archive.engine.dialect.name == "sqlite":
        pytest.skip("SQLite cannot drop a unique constraint without rebuilding the table")
    record_events(archive)

    tamper(
        archive,
        "ALTER TABLE audit_event DROP CONSTRAINT uq_audit_event_seq",
        "INSERT INTO audit_event (seq, occurred_at, actor, actor_id, action, object_type, object_id, client_address,"
        " summary, previous_hash, event_hash) SELECT seq, occurred_at, 'mallory', actor_id, action, object_type,"
        " object_id, client_address, summary, previous_hash, event_hash FROM audit_event WHERE seq = 5",
    )

    assert kinds_and_seqs(archive) == [("inserted", 5)]


def test_event_appended_after_head_is_named(archive: Archive) -> None:
    record_events(archive)
    last = event_at(archive, EVENT_COUNT)

    drop_triggers(archive.engine)
    forge_event(archive, seq=EVENT_COUNT + 1, previous_hash=last.event_hash)

    with archive.session() as session:
        report = verify_chain(session)
    assert [(f.kind, f.seq) for f in report.findings] == [("inserted", 9)]
    assert report.findings[0].message() == (
        "Event 9 was added after the chain head (event 8) without going through the audit log."
    )


def test_swapped_events_are_named(archive: Archive) -> None:
    record_events(archive)

    tamper(
        archive,
        "UPDATE audit_event SET seq = -5 WHERE seq = 5",
        "UPDATE audit_event SET seq = 5 WHERE seq = 6",
        "UPDATE audit_event SET seq = 6 WHERE seq = -5",
    )

    with archive.session() as session:
        report = verify_chain(session)
    assert [(f.kind, f.seq) for f in report.findings] == [("reordered", 5)]
    assert report.findings[0].message() == (
        "Events 5 and 6 were swapped: the event stored as 5 was written as 6, and the other way round."
    )


def test_rewritten_event_breaks_next_link(archive: Archive) -> None:
    record_events(archive)
    fifth = event_at(archive, 5)
    forged = compute_event_hash(
        seq=5, occurred_at=fifth.occurred_at, actor="mallory", actor_id=None, action=fifth.action,
        object_type=fifth.object_type, object_id=fifth.object_id, client_address=fifth.client_address,
        summary=fifth.summary, previous_hash=fifth.previous_hash,
    )

    tamper(archive, f"UPDATE audit_event SET actor = 'mallory', event_hash = '{forged}' WHERE seq = 5")

    with archive.session() as session:
        report = verify_chain(session)
    assert [(f.kind, f.seq) for f in report.findings] == [("broken_link", 6)]
    assert report.findings[0].params == {"seq": 6, "previous": 5}


def test_truncated_tail_is_named(archive: Archive) -> None:
    record_events(archive)

    tamper(archive, "DELETE FROM audit_event WHERE seq IN (7, 8)")

    with archive.session() as session:
        report = verify_chain(session)
    assert [(f.kind, f.seq) for f in report.findings] == [("truncated", 7)]
    assert report.findings[0].message() == (
        "The chain head names event 8, but the last event is 6, so events 7 to 8 were deleted from the end."
    )


def test_replaced_head_hash_is_named(archive: Archive) -> None:
    record_events(archive)

    tamper(archive, f"UPDATE audit_chain_head SET event_hash = '{'a' * 64}'")

    assert kinds_and_seqs(archive) == [("truncated", 8)]


def test_every_problem_is_reported(archive: Archive) -> None:
    record_events(archive)

    tamper(
        archive,
        "UPDATE audit_event SET action = 'view' WHERE seq = 2",
        "DELETE FROM audit_event WHERE seq = 5",
        "DELETE FROM audit_event WHERE seq = 8",
    )

    assert kinds_and_seqs(archive) == [("edited", 2), ("deleted", 5), ("truncated", 8)]


def test_missing_head_row_is_reported(archive: Archive) -> None:
    record_events(archive, 2)

    with archive.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_chain_head"))

    assert kinds_and_seqs(archive) == [("head_missing", 0)]
    with pytest.raises(AuditChainHeadMissingError):
        with archive.session() as session:
            record_event(session, actor="a", action="view", object_type="contract", object_id=1)
    with pytest.raises(AuditChainHeadMissingError):
        with archive.session() as session:
            chain_head(session)


def test_triggers_reject_update_and_delete(archive: Archive) -> None:
    record_events(archive, 2)

    with pytest.raises(DBAPIError, match="append-only"):
        with archive.engine.begin() as connection:
            connection.execute(text("UPDATE audit_event SET actor = 'mallory' WHERE seq = 1"))
    with pytest.raises(DBAPIError, match="append-only"):
        with archive.engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_event WHERE seq = 2"))

    assert kinds_and_seqs(archive) == []


@pytest.mark.parametrize("threads", [4])
def test_concurrent_recording_stays_contiguous(archive: Archive, threads: int) -> None:
    per_thread = 10
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def work(worker: int) -> None:
        try:
            start.wait()
            for number in range(per_thread):
                with archive.session() as session:
                    record_event(session, actor=f"thread{worker}", action="view", object_type="contract", object_id=number)
        except BaseException as error:  # noqa: BLE001 - reported by the assert below
            errors.append(error)

    workers = [threading.Thread(target=work, args=(worker,)) for worker in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=120)

    assert errors == []
    with archive.session() as session:
        seqs = list(session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))
        report = verify_chain(session)
    assert seqs == list(range(1, threads * per_thread + 1))
    assert report.findings == []


def test_export_writes_csv_with_bom_and_filters(archive: Archive) -> None:
    record_events(archive, 3)
    with archive.session() as session:
        record_event(session, actor="user2", action="edit", object_type="document", object_id=1)

    everything, filtered, future = io.StringIO(), io.StringIO(), io.StringIO()
    with archive.session() as session:
        assert export_events_csv(session, everything) == 4
        assert export_events_csv(session, filtered, actor="user2", action="download") == 1
        assert export_events_csv(session, future, since=datetime.now(timezone.utc) + timedelta(hours=1)) == 0

    lines = everything.getvalue().splitlines()
    assert lines[0].startswith("\ufeffseq,occurred_at,actor,actor_id,action")
    assert len(lines) == 5
    assert '"{""size"":1.5,""备注"":""第1次下载""}"' in lines[1]
    assert filtered.getvalue().splitlines()[1].startswith("2,")
    assert len(future.getvalue().splitlines()) == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_backfills_existing_events(backend: str, tmp_path: Path) -> None:
    database = postgres_database("audit") if backend == "postgresql" else nullcontext(f"sqlite:///{tmp_path}/old.sqlite3")
    with database as url:
        engine = make_engine(url)
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, "0006")
            for number, actor in enumerate(("张三", "李四", "王五"), start=1):
                connection.execute(text(
                    "INSERT INTO audit_event (occurred_at, actor, action, object_type, object_id, summary)"
                    f" VALUES (CURRENT_TIMESTAMP, '{actor}', 'upload', 'document', '{number}', '{{\"备注\": \"旧\"}}')"
                ))

        upgrade(engine)

        with Session(engine) as session:
            rows = session.execute(select(AuditEvent.id, AuditEvent.seq).order_by(AuditEvent.seq)).all()
            report = verify_chain(session)
            record_event(session, actor="new", action="view", object_type="contract", object_id=1)
            session.commit()
            after = verify_chain(session)
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as connection:
                connection.execute(text("DELETE FROM audit_event"))

        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.downgrade(config, "0006")
            command.upgrade(config, "head")
        with Session(engine) as session:
            again = verify_chain(session)
        engine.dispose()

    assert [tuple(row) for row in rows] == [(1, 1), (2, 2), (3, 3)]
    assert report.findings == []
    assert report.events_checked == 3
    assert after.findings == []
    assert after.events_checked == 4
    assert again.findings == []
    assert again.events_checked == 4


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_create_all_adds_head_and_triggers(backend: str, tmp_path: Path) -> None:
    database = postgres_database("create") if backend == "postgresql" else nullcontext(f"sqlite:///{tmp_path}/new.sqlite3")
    with database as url:
        engine = make_engine(url) if backend == "sqlite" else create_engine(url)
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            head = session.execute(select(AuditChainHead.seq, AuditChainHead.event_hash)).all()
            record_event(session, actor="a", action="view", object_type="contract", object_id=1)
            session.commit()
            report = verify_chain(session)
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as connection:
                connection.execute(text("UPDATE audit_event SET actor = 'mallory'"))
        Base.metadata.drop_all(engine)
        engine.dispose()

    assert [tuple(row) for row in head] == [(0, GENESIS_HASH)]
    assert report.findings == []
