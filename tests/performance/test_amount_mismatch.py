"""A contract whose amount in figures disagrees with its Chinese uppercase amount raises an alert."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
from sqlalchemy import select

from archive.context import Archive
from archive.models import Alert
from archive.services.alerts import run_alerts
from ingest.pipeline import ingest_path

LINES = (
    "设备采购合同",
    "合同编号：HT-2025-099",
    "甲方：示例科技有限公司",
    "乙方：样本设备制造有限公司",
    "第一条 合同价款",
    "合同总价款为人民币壹拾贰万元整（￥123,000.00），含税。",
    "第二条 付款方式",
    "合同签订后10个工作日内，甲方支付合同总价款的30%。",
)


def write_contract(path: Path, lines: tuple[str, ...]) -> Path:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(str(path))
    return path


def test_uppercase_and_figures_disagree(sqlite_archive: Archive, tmp_path: Path) -> None:
    result = ingest_path(sqlite_archive, write_contract(tmp_path / "合同.docx", LINES), index=False)
    assert result.contract_id is not None
    with sqlite_archive.session() as session:
        run_alerts(session, today=dt.date(2025, 3, 1))
        alerts = session.scalars(select(Alert)).all()
    assert [(a.rule, a.contract_id, a.severity) for a in alerts] == [("amount_mismatch", result.contract_id, "high")]
    assert "123,000.00" in alerts[0].params["detail"]


def test_matching_amounts_raise_nothing(sqlite_archive: Archive, tmp_path: Path) -> None:
    lines = tuple(line.replace("壹拾贰万元整", "壹拾贰万叁仟元整") for line in LINES)
    ingest_path(sqlite_archive, write_contract(tmp_path / "合同.docx", lines), index=False)
    with sqlite_archive.session() as session:
        run_alerts(session, today=dt.date(2025, 3, 1))
        assert session.scalars(select(Alert)).all() == []
