"""`contract-archive alerts run|digest`, `records import` and `export` on a real archive and a local SMTP server."""

from __future__ import annotations

import email
import email.policy
import os
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from archive.access import SYSTEM
from archive.context import Archive
from archive.services.accounts import create_user, set_email
from archive.services.contract_terms import update_terms
from archive.services.contracts import create_contract
from archive.services.obligations import create_obligation
from cli.main import app
from tests.archive.test_digest import RecordingHandler, start_server
from tests.conftest import TEST_PASSWORD


def run(archive: Archive, *args: str, **env: str) -> tuple[int, str]:
    environment = {**archive.settings.child_environment(os.environ), **env, "COLUMNS": "300"}
    result = CliRunner().invoke(app, ["--lang", "en", *args], env=environment)
    return result.exit_code, " ".join(result.output.split())


@pytest.fixture
def contract(sqlite_archive: Archive) -> int:
    with sqlite_archive.session() as session:
        create_user(session, username="lawyer", password=TEST_PASSWORD, role="legal", display_name="王律师", actor="test")
        contract_id = create_contract(session, number="HT-2025-007", title="维保服务合同").id
        update_terms(session, contract_id, {"signed_on": "2025-01-20", "counterparty": "甲公司", "owner": "lawyer"},
                     actor=SYSTEM)
        create_obligation(session, contract_id, {"summary": "预付款", "kind": "payment", "debtor": "customer",
                                                 "amount": "5000", "due_rule": {"on": "2025-02-14"}}, actor=SYSTEM)
        set_email(session, "lawyer", "lawyer@example.test", actor="test")
    return contract_id


def test_alerts_run_then_digest_reaches_the_owner(sqlite_archive: Archive, contract: int) -> None:
    code, output = run(sqlite_archive, "alerts", "run", "--today", "2025-02-10")
    assert code == 0, output
    assert "Alerts as of 2025-02-10: 1 contracts, 1 alerts (1 new, 0 cleared)." in output
    handler = RecordingHandler()
    server = start_server(handler)
    try:
        code, output = run(sqlite_archive, "alerts", "digest", "--today", "2025-02-10",
                           CONTRACT_ARCHIVE_SMTP_HOST="127.0.0.1", CONTRACT_ARCHIVE_SMTP_PORT=str(server.port),
                           CONTRACT_ARCHIVE_SMTP_STARTTLS="false", CONTRACT_ARCHIVE_LANGUAGE="zh_CN")
    finally:
        server.stop()
    assert code == 0, output
    assert "Digests sent: 1; failed: 0." in output
    [envelope] = handler.envelopes
    assert envelope.rcpt_tos == ["lawyer@example.test"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert str(message["Subject"]) == "合同履约提醒：1 条预警，1 项即将到期"
    text = message.get_body(("plain",)).get_content()
    assert "预付款将于 2025-02-14 到期，还有 4 天。" in text
    assert "HT-2025-007" in text


def test_backdated_run_keeps_acknowledgements(sqlite_archive: Archive, contract: int) -> None:
    from sqlalchemy import select

    from archive.models import Alert
    from archive.services.alerts import set_alert_state

    run(sqlite_archive, "alerts", "run", "--today", "2025-02-10")
    with sqlite_archive.session() as session:
        alert_id = session.scalars(select(Alert.id)).one()
        set_alert_state(session, alert_id, state="acknowledged", note="已电话联系", actor=SYSTEM)
    code, output = run(sqlite_archive, "alerts", "run", "--today", "2025-01-01")
    assert code == 2
    assert "already computed as of 2025-02-10" in output
    code, output = run(sqlite_archive, "alerts", "run", "--today", "2025-01-01", "--dry-run")
    assert code == 0
    assert output == "Dry run, nothing stored. Alerts as of 2025-01-01: 1 contracts, 0 alerts (0 new, 1 cleared)."
    with sqlite_archive.session() as session:
        assert session.get(Alert, alert_id).state == "acknowledged"


def test_digest_without_smtp_says_what_to_set(sqlite_archive: Archive, contract: int) -> None:
    code, output = run(sqlite_archive, "alerts", "digest")
    assert code == 2
    assert "CONTRACT_ARCHIVE_SMTP_HOST" in output


def test_digest_reports_an_unreachable_server(sqlite_archive: Archive, contract: int) -> None:
    run(sqlite_archive, "alerts", "run", "--today", "2025-02-10")
    code, output = run(sqlite_archive, "alerts", "digest", "--today", "2025-02-10",
                       CONTRACT_ARCHIVE_SMTP_HOST="127.0.0.1", CONTRACT_ARCHIVE_SMTP_PORT="9",
                       CONTRACT_ARCHIVE_SMTP_STARTTLS="false")
    assert code == 1
    assert "lawyer@example.test" in output
    assert "127.0.0.1:9" in output
    assert "Traceback" not in output


def test_records_import_checks_every_row_first(sqlite_archive: Archive, contract: int, tmp_path: Path) -> None:
    run(sqlite_archive, "alerts", "run", "--today", "2025-02-10")
    bad = tmp_path / "records.csv"
    bad.write_text("合同编号,日期,类型,金额\nHT-2025-007,2025-02-12,付款,5000\nHT-2025-008,2025-02-13,付款,1\n",
                   encoding="utf-8")
    code, output = run(sqlite_archive, "records", "import", str(bad))
    assert code == 2
    # The console wraps long lines, so compare without spaces.
    assert f"{bad},line3:nocontractnumbered'HT-2025-008'" in output.replace(" ", "")
    good = tmp_path / "good.csv"
    good.write_text("合同编号,日期,类型,金额\nHT-2025-007,2025-02-12,付款,5000\n", encoding="gbk")
    code, output = run(sqlite_archive, "records", "import", str(good))
    assert (code, output) == (0, f"Imported 1 records from {good}.")
    code, output = run(sqlite_archive, "records", "import", str(good))
    assert (code, output) == (0, f"Imported 0 records from {good}. 1 rows were already recorded and were skipped.")
    code, output = run(sqlite_archive, "alerts", "run", "--today", "2025-02-13")
    assert "1 contracts, 0 alerts (0 new, 1 cleared)" in output


def test_export_ledger_writes_xlsx_and_refuses_other_names(sqlite_archive: Archive, contract: int, tmp_path: Path) -> None:
    target = tmp_path / "台账.xlsx"
    code, output = run(sqlite_archive, "export", "ledger", str(target), CONTRACT_ARCHIVE_LANGUAGE="zh_CN")
    assert code == 0, output
    rows = list(openpyxl.load_workbook(target).active.iter_rows(values_only=True))
    assert rows[0][0] == "合同编号"
    assert rows[1][0] == "HT-2025-007"
    code, output = run(sqlite_archive, "export", "receivables", str(tmp_path / "out.pdf"))
    assert code == 2
    assert "neither" in output


def test_daily_schedule_waits_for_the_time_each_day() -> None:
    import datetime as dt

    from cli.performance import next_run, run_daily

    clock = [dt.datetime(2025, 2, 10, 9, 30)]
    waits, calls = [], []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += dt.timedelta(seconds=seconds)

    run_daily(lambda: calls.append(clock[0]), dt.time(7, 0), now=lambda: clock[0], sleep=sleep, runs=2)
    assert calls == [dt.datetime(2025, 2, 11, 7, 0), dt.datetime(2025, 2, 12, 7, 0)]
    assert waits == [21.5 * 3600, 24 * 3600]
    assert next_run(dt.datetime(2025, 2, 10, 6, 59), dt.time(7, 0)) == dt.datetime(2025, 2, 10, 7, 0)


def test_served_links_follow_the_port_unless_set() -> None:
    from archive.settings import Settings
    from cli.main import served_settings

    assert served_settings(Settings(_env_file=None), "127.0.0.1", 8765).public_url == "http://127.0.0.1:8765"
    assert served_settings(Settings(_env_file=None), "0.0.0.0", 80).public_url == "http://127.0.0.1:80"
    chosen = Settings(_env_file=None, public_url="https://archive.example.com")
    assert served_settings(chosen, "0.0.0.0", 8000).public_url == "https://archive.example.com"
