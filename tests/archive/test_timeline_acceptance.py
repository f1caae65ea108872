"""An acceptance report on a contract's timeline sits on its acceptance date (验收日期)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from archive.context import Archive
from archive.models import DocumentVersion
from archive.services.contracts import create_contract
from archive.timeline import contract_timeline
from ingest.pipeline import ingest_path
from tests.conftest import corpus_file
from tests.web.conftest import build_docx

D = dt.date


def new_contract(archive: Archive) -> int:
    with archive.session() as session:
        return create_contract(session, number="HT-2025-007", title="设备采购合同").id


def add_document(
    archive: Archive, contract_id: int, path: Path, kind: str = "acceptance_report"
) -> int:
    result = ingest_path(archive, path, contract_id=contract_id, kind=kind, index=False)
    assert result.document_version_id is not None, result
    return result.document_version_id


def write_docx(folder: Path, name: str, paragraphs: list[str]) -> Path:
    path = folder / name
    path.write_bytes(build_docx(paragraphs))
    return path


def version_event(archive: Archive, contract_id: int, version_id: int) -> dict[str, Any]:
    events = contract_timeline(archive, contract_id, kinds=["document_version"])["events"]
    [event] = [e for e in events if e["id"] == version_id]
    return event


def upload_day(archive: Archive, version_id: int) -> dt.date:
    with archive.session() as session:
        version = session.get(DocumentVersion, version_id)
        assert version is not None
        return version.uploaded_at.date()


REPORT = [
    "设备验收报告",
    "合同编号：HT-2025-007",
    "项目开始时间：2025年3月1日",
    "项目完成时间：2025年6月30日",
    "验收日期：2025年7月10日",
    "验收结论：设备运行正常，验收合格。",
    "签署日期：2025年7月12日",
]


def test_report_on_acceptance_date(sqlite_archive: Archive, tmp_path: Path) -> None:
    contract_id = new_contract(sqlite_archive)
    path = write_docx(tmp_path, "验收报告.docx", REPORT)
    version_id = add_document(sqlite_archive, contract_id, path)

    event = version_event(sqlite_archive, contract_id, version_id)

    assert event["date"] == D(2025, 7, 10)
    assert event["dated_by"] == "acceptance_date"
    assert event["document_kind"] == "acceptance_report"
    assert event["uploaded_on"] == upload_day(sqlite_archive, version_id)


def test_other_kind_keeps_signing_date(sqlite_archive: Archive, tmp_path: Path) -> None:
    """Only an acceptance report is dated by its acceptance date, so a letter keeps its signing date."""
    contract_id = new_contract(sqlite_archive)
    path = write_docx(tmp_path, "来函.docx", REPORT)
    version_id = add_document(sqlite_archive, contract_id, path, kind="correspondence")

    event = version_event(sqlite_archive, contract_id, version_id)

    assert event["date"] == D(2025, 7, 12)
    assert event["dated_by"] == "signing_date"


def test_report_falls_back_to_signing_date(
    sqlite_archive: Archive, tmp_path: Path
) -> None:
    contract_id = new_contract(sqlite_archive)
    lines = [line for line in REPORT if not line.startswith("验收日期")]
    version_id = add_document(sqlite_archive, contract_id, write_docx(tmp_path, "验收报告.docx", lines))

    event = version_event(sqlite_archive, contract_id, version_id)

    assert event["date"] == D(2025, 7, 12)
    assert event["dated_by"] == "signing_date"
    assert event["uploaded_on"] == upload_day(sqlite_archive, version_id)


@pytest.mark.corpus
def test_blank_report_on_upload_date(sqlite_archive: Archive, tmp_path: Path) -> None:
    contract_id = new_contract(sqlite_archive)
    path = corpus_file("zh_zhongzhixin_acceptance-form_yanshoudan_item-table.docx")
    version_id = add_document(sqlite_archive, contract_id, path)

    event = version_event(sqlite_archive, contract_id, version_id)

    assert event["date"] == upload_day(sqlite_archive, version_id)
    assert event["dated_by"] is None
    assert event["uploaded_on"] is None


@pytest.mark.corpus
def test_corpus_report_on_acceptance_date(sqlite_archive: Archive) -> None:
    contract_id = new_contract(sqlite_archive)
    path = corpus_file("zh_swun_project-acceptance-report_tables.docx")
    version_id = add_document(sqlite_archive, contract_id, path)

    event = version_event(sqlite_archive, contract_id, version_id)

    assert event["date"] == D(2020, 6, 18)
    assert event["dated_by"] == "acceptance_date"
    assert event["uploaded_on"] == upload_day(sqlite_archive, version_id)


def test_timeline_page_acceptance_wording(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from api.app import create_app
    from archive.settings import Settings
    from tests.web.conftest import add_user, bearer

    settings = Settings(data_dir=tmp_path / "data", _env_file=None)
    token = add_user(settings, "clerk", "admin")
    with TestClient(create_app(settings), headers=bearer(token)) as client:
        archive = client.app.state.archive
        report = ingest_path(archive, corpus_file("zh_swun_project-acceptance-report_tables.docx"),
                             kind="acceptance_report", index=False)
        page = client.get(f"/contracts/{report.contract_id}/timeline").text

    assert "按验收日期排列，上传于" in page
    assert "按签订日期排列" not in page
