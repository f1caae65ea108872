"""`contract-archive audit verify` and `audit export` on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from archive.context import Archive
from archive.models.audit import POSTGRESQL_APPEND_ONLY_TRIGGERS
from archive.services.audit import chain_head, record_event
from cli.main import app


@pytest.fixture
def archive(archive: Archive) -> Iterator[Archive]:
    """Yield the conftest archive, then restore the dropped trigger on PostgreSQL, whose database the next test reuses."""
    yield archive
    if archive.engine.dialect.name == "postgresql":
        with archive.engine.begin() as connection:
            connection.execute(text("TRUNCATE audit_event, audit_chain_head"))
            connection.execute(text("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event"))
            for statement in POSTGRESQL_APPEND_ONLY_TRIGGERS:
                connection.execute(text(statement))


def run(archive: Archive, *args: str) -> tuple[int, str]:
    environment = archive.settings.child_environment(os.environ)
    result = CliRunner().invoke(app, list(args), env={**environment, "COLUMNS": "300"})
    return result.exit_code, " ".join(result.output.split())


def record_events(archive: Archive, count: int) -> None:
    with archive.session() as session:
        for number in range(1, count + 1):
            record_event(session, actor="张三", action="download", object_type="document_version", object_id=number)


def test_verify_intact_log_prints_head(archive: Archive) -> None:
    record_events(archive, 3)
    with archive.session() as session:
        seq, head_hash = chain_head(session)

    code, output = run(archive, "--lang", "en", "audit", "verify")

    assert code == 0, output
    assert output == f"Audit log intact: 3 events checked. Chain head: event {seq}, hash {head_hash}."


def test_verify_prints_chinese_by_default(archive: Archive) -> None:
    record_events(archive, 2)

    code, output = run(archive, "audit", "verify")

    assert code == 0, output
    assert output.startswith("审计日志完整：已检查 2 条事件。")


def test_verify_names_each_finding(archive: Archive) -> None:
    record_events(archive, 6)
    with archive.engine.begin() as connection:
        if archive.engine.dialect.name == "sqlite":
            connection.execute(text("DROP TRIGGER audit_event_reject_update"))
            connection.execute(text("DROP TRIGGER audit_event_reject_delete"))
        else:
            connection.execute(text("DROP TRIGGER audit_event_append_only ON audit_event"))
        connection.execute(text("UPDATE audit_event SET object_id = '99' WHERE seq = 2"))
        connection.execute(text("DELETE FROM audit_event WHERE seq = 4"))

    code, output = run(archive, "--lang", "en", "audit", "verify")

    assert code == 1
    assert output == (
        "edited Event 2 was edited: its stored hash does not match its content. "
        "deleted Event 5 follows event 3, so event 4 is missing. "
        "Audit log altered: 2 problems found in 5 events."
    )


def test_export_writes_filtered_csv(archive: Archive, tmp_path: Path) -> None:
    record_events(archive, 2)
    with archive.session() as session:
        record_event(session, actor="李四", action="edit", object_type="document", object_id=1)
    target = tmp_path / "audit.csv"

    code, output = run(archive, "--lang", "en", "audit", "export", str(target), "--actor", "张三")

    assert code == 0, output
    assert output == f"Exported 2 audit events to {target}."
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfseq,")
    rows = raw.decode("utf-8-sig").splitlines()
    assert len(rows) == 3
    assert rows[1].split(",")[:3][0] == "1"
    assert "张三" in rows[1]
    assert all("李四" not in row for row in rows)


def test_export_rejects_invalid_date(archive: Archive, tmp_path: Path) -> None:
    code, output = run(archive, "--lang", "en", "audit", "export", str(tmp_path / "a.csv"), "--since", "yesterday")

    assert code == 2
    assert "Invalid value for '--since'" in output
