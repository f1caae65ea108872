"""CSV import errors name the file and line and read in the user's language."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from archive.access import SYSTEM
from archive.context import Archive
from archive.errors import CsvImportError
from archive.i18n import get_translations
from archive.models import PerformanceRecord
from archive.services.contracts import create_contract
from archive.services.record_import import import_records

ZH = get_translations("zh_CN").gettext


def refused(archive: Archive, text: str) -> CsvImportError:
    with archive.session() as session:
        contract_id = create_contract(session, number="HT-1", title="合同").id
        with pytest.raises(CsvImportError) as caught:
            import_records(session, text.encode("utf-8"), filename="台账.csv", actor=SYSTEM, contract_id=contract_id)
    return caught.value


def test_row_problem_is_translated(sqlite_archive: Archive) -> None:
    error = refused(sqlite_archive, "日期,类型\n2025-02-30,付款\n")
    assert str(error) == "台账.csv, line 2: '2025-02-30' is not a date (use YYYY-MM-DD)"
    assert error.localized(ZH) == "台账.csv 第 2 行：“2025-02-30”不是日期（请用 YYYY-MM-DD）"


def test_refused_record_is_translated(sqlite_archive: Archive) -> None:
    error = refused(sqlite_archive, "日期,类型\n2025-02-12,付款\n")
    assert str(error) == "台账.csv, line 2: Performance record is not valid: a payment record needs its amount"
    assert error.localized(ZH) == "台账.csv 第 2 行：履约记录无效：付款记录须填写金额"


def test_header_without_kind(sqlite_archive: Archive) -> None:
    error = refused(sqlite_archive, "日期,金额\n2025-02-12,100\n")
    assert error.localized(ZH) == "台账.csv 第 1 行：表头须包含“类型”（kind）和“日期”（occurred_on）两列"


def test_import_kind_synonyms_and_unknown(sqlite_archive: Archive) -> None:
    with sqlite_archive.session() as session:
        contract_id = create_contract(session, number="HT-IMPORT", title="导入").id
        text = "日期,类型,摘要,金额\n2024-05-01,争议,对方拒付,\n2024-05-02,到货,设备到货,\n2024-05-03,回款,收款,100\n"
        result = import_records(session, text.encode("utf-8"), filename="台账.csv", actor=SYSTEM,
                                contract_id=contract_id)
        assert result.imported == 3
        kinds = session.scalars(select(PerformanceRecord.kind).where(PerformanceRecord.contract_id == contract_id)
                                .order_by(PerformanceRecord.occurred_on)).all()
        assert kinds == ["dispute", "delivery", "payment"]

    error = refused(sqlite_archive, "日期,类型\n2024-05-01,出差\n")
    message = error.localized(get_translations("zh_CN").gettext)
    assert "未知的记录类型“出差”；请使用以下之一：进度、质量检查" in message
    assert "纠纷" in message
