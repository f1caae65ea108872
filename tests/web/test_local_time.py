"""Pages and the CLI show stored UTC times in the archive's time zone, as packs and CSV files do."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from archive.access import SYSTEM
from archive.models import PerformanceRecord
from archive.services import records as record_service
from archive.services.contracts import create_contract
from archive.settings import Settings
from archive.times import as_local, format_local
from tests.web.conftest import parse


def test_format_local_naive_and_aware_times() -> None:
    utc_time = dt.datetime(2026, 1, 31, 20, 30)
    assert format_local(utc_time) == "2026-02-01 04:30"
    assert format_local(utc_time.replace(tzinfo=dt.timezone.utc), "Europe/Berlin") == "2026-01-31 21:30"
    assert format_local("2026-01-31T20:30:00+00:00") == "2026-02-01 04:30"
    assert format_local(None) == ""
    assert as_local(utc_time).utcoffset() == dt.timedelta(hours=8)


def test_settings_reject_unknown_time_zone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="'Beijing' is not an IANA time zone such as Asia/Shanghai"):
        Settings(data_dir=tmp_path, time_zone="Beijing", _env_file=None)


def test_record_page_shows_local_entry_time(client: TestClient) -> None:
    archive = client.app.state.archive
    with archive.session() as session:
        contract_id = create_contract(session, number="HT-TIME", title="时间").id
        record_id = record_service.create_record(session, contract_id, record_service.RecordInput(
            kind="progress", occurred_on=dt.date(2024, 5, 1), summary="进度"), actor=SYSTEM).id
    with archive.session() as session:
        entered = session.get(PerformanceRecord, record_id).created_at

    page = parse(client.get(f"/records/{record_id}").text)

    text = " ".join(page.xpath("//main")[0].text_content().split())
    assert format_local(entered) in text
    utc = (entered if entered.tzinfo else entered.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)
    assert utc.strftime("%Y-%m-%d %H:%M") not in text
