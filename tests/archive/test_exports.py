"""Ledger and receivables exports, read back with openpyxl and the csv module."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from archive.exports.ledger import ledger_csv, ledger_table, ledger_xlsx
from archive.exports.receivables import receivables_csv, receivables_xlsx
from archive.exports.rows import LedgerRow, ReceivableRow
from archive.exports.tables import display_width, write_csv, write_xlsx

INJECTION = '=HYPERLINK("x")'


def ledger_row(**changes) -> LedgerRow:
    values = dict(
        contract_id=1,
        number="HT-2026-001",
        title="设备采购合同",
        counterparty="上海甲有限公司",
        owner="张三",
        signed_on=dt.date(2026, 1, 5),
        effective_on=dt.date(2026, 1, 10),
        expires_on=dt.date(2027, 1, 9),
        total_amount=Decimal("1234567.89"),
        currency="CNY",
        paid_amount=Decimal("1000000.00"),
        outstanding_amount=Decimal("234567.89"),
        overdue_amount=Decimal("34567.89"),
        open_alerts=2,
        status="履行中",
        documents=4,
    )
    values.update(changes)
    return LedgerRow(**values)


def receivable(contract_id, number, counterparty, obligation_id, currency, amount, paid, days_overdue=0):
    amount, paid = Decimal(amount), Decimal(paid)
    return ReceivableRow(
        contract_id=contract_id,
        contract_number=number,
        counterparty=counterparty,
        obligation_id=obligation_id,
        summary=f"第{obligation_id}期款",
        due_date=dt.date(2026, 3, obligation_id),
        currency=currency,
        amount=amount,
        paid=paid,
        outstanding=amount - paid,
        days_overdue=days_overdue,
        status="逾期" if days_overdue else "未到期",
    )


RECEIVABLES = [
    receivable(1, "HT-001", "甲公司", 1, "CNY", "1000.10", "400.00", days_overdue=12),
    receivable(1, "HT-001", "甲公司", 2, "CNY", "2000.20", "0"),
    receivable(1, "HT-001", "甲公司", 3, "USD", "300.00", "100.00", days_overdue=3),
    receivable(2, "HT-002", "甲公司", 4, "CNY", "500.05", "500.05"),
    receivable(3, "HT-003", "乙公司", 5, "USD", "0.10", "0", days_overdue=1),
    receivable(3, "HT-003", "乙公司", 6, "USD", "0.20", "0", days_overdue=1),
]


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def sheet_values(worksheet) -> list[list]:
    return [list(row) for row in worksheet.iter_rows(values_only=True)]


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def as_decimal(value) -> Decimal:
    """Convert a cell value to a two-decimal amount, because openpyxl reads numbers back as int or float."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_ledger_headers_chinese_by_default():
    headers, values = ledger_table([ledger_row()])
    assert headers[0] == "合同编号"
    assert headers[-1] == "文件数"
    assert len(headers) == 15
    assert len(values[0]) == 15


def test_ledger_headers_english_for_en_locales():
    for lang in ("en", "en-US", "en_GB"):
        headers, _ = ledger_table([ledger_row()], lang=lang)
        assert headers[:3] == ["Contract number", "Title", "Counterparty"]


def test_ledger_xlsx_cells_and_formats():
    workbook = load(ledger_xlsx([ledger_row(), ledger_row(contract_id=2, number="HT-2026-002", total_amount=None)]))
    sheet = workbook.active

    assert sheet.title == "合同台账"
    assert [cell.value for cell in sheet[1]] == list(ledger_table([])[0])
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:O3"

    signed = sheet["E2"]
    assert signed.value == dt.datetime(2026, 1, 5)
    assert signed.number_format == "yyyy-mm-dd"
    total = sheet["H2"]
    assert as_decimal(total.value) == Decimal("1234567.89")
    assert total.number_format == "#,##0.00"
    assert sheet["H3"].value is None
    assert sheet["M2"].value == 2
    assert sheet["N2"].value == "履行中"


def test_ledger_xlsx_column_width_counts_cjk_double():
    long_title = "关于年度设备维护与备件供应的框架协议"
    sheet = load(ledger_xlsx([ledger_row(title=long_title)])).active
    assert display_width(long_title) == 2 * len(long_title)
    assert sheet.column_dimensions["B"].width >= 2 * len(long_title)
    # Widths follow content: the short currency column stays narrower than the title column.
    assert sheet.column_dimensions["I"].width < sheet.column_dimensions["B"].width


def test_xlsx_keeps_formula_text_as_text():
    sheet = load(write_xlsx(["名称"], [[INJECTION], ["#N/A"]], "表")).active
    assert sheet["A2"].value == INJECTION
    assert sheet["A2"].data_type == "s"
    assert sheet["A3"].value == "#N/A"
    assert sheet["A3"].data_type == "s"


def test_ledger_csv_bom_and_rows():
    data = ledger_csv([ledger_row()])
    assert data.startswith(b"\xef\xbb\xbf")

    rows = read_csv(data)
    assert rows[0][0] == "合同编号"
    assert rows[1][0] == "HT-2026-001"
    assert rows[1][4] == "2026-01-05"
    assert rows[1][7] == "1234567.89"
    assert rows[1][12] == "2"


def test_csv_neutralises_formula_text_only():
    data = ledger_csv([ledger_row(counterparty=INJECTION, overdue_amount=Decimal("-80.00"), owner="@admin")])
    row = read_csv(data)[1]
    assert row[2] == "'" + INJECTION
    assert row[3] == "'@admin"
    assert row[11] == "-80.00"


@pytest.mark.parametrize("text", ["=1+1", "+86 10", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_csv_prefixes_each_formula_start(text):
    row = read_csv(write_csv(["a", "b"], [[text, Decimal("-1.5")]]))[1]
    assert row[0] == "'" + text
    assert row[1] == "-1.5"


def test_receivables_xlsx_sheets_chinese():
    workbook = load(receivables_xlsx(RECEIVABLES))
    assert workbook.sheetnames == ["明细", "按合同", "按相对方"]
    details = sheet_values(workbook["明细"])
    assert details[0][0] == "合同编号"
    assert len(details) == 1 + len(RECEIVABLES)
    assert details[1][2] == "第1期款"
    assert as_decimal(details[1][7]) == Decimal("600.10")
    assert workbook["明细"]["F2"].number_format == "#,##0.00"


def test_receivables_sheets_english():
    workbook = load(receivables_xlsx(RECEIVABLES, lang="en"))
    assert workbook.sheetnames == ["Details", "By contract", "By counterparty"]
    assert workbook["By counterparty"]["A1"].value == "Counterparty"


def test_receivables_by_contract_sums_per_currency():
    sheet = load(receivables_xlsx(RECEIVABLES))["按合同"]
    rows = sheet_values(sheet)
    assert rows[0] == ["合同编号", "相对方", "币种", "应收金额", "已收金额", "未收金额", "逾期金额", "履约事项数"]
    totals = {(row[0], row[2]): [as_decimal(value) for value in row[3:7]] + [row[7]] for row in rows[1:]}

    assert set(totals) == {("HT-001", "CNY"), ("HT-001", "USD"), ("HT-002", "CNY"), ("HT-003", "USD")}
    assert totals[("HT-001", "CNY")] == [
        Decimal("3000.30"),
        Decimal("400.00"),
        Decimal("2600.30"),
        Decimal("600.10"),
        2,
    ]
    assert totals[("HT-001", "USD")] == [Decimal("300.00"), Decimal("100.00"), Decimal("200.00"), Decimal("200.00"), 1]
    assert totals[("HT-002", "CNY")] == [Decimal("500.05"), Decimal("500.05"), Decimal("0.00"), Decimal("0.00"), 1]
    # 0.1 + 0.2 is exactly 0.30 with Decimal sums.
    assert totals[("HT-003", "USD")] == [Decimal("0.30"), Decimal("0.00"), Decimal("0.30"), Decimal("0.30"), 2]
    assert sheet["D2"].number_format == "#,##0.00"


def test_receivables_by_counterparty_sums_per_currency():
    rows = sheet_values(load(receivables_xlsx(RECEIVABLES))["按相对方"])
    assert rows[0] == ["相对方", "币种", "应收金额", "已收金额", "未收金额", "逾期金额", "合同数"]
    totals = {(row[0], row[1]): [as_decimal(value) for value in row[2:6]] + [row[6]] for row in rows[1:]}

    assert set(totals) == {("甲公司", "CNY"), ("甲公司", "USD"), ("乙公司", "USD")}
    assert totals[("甲公司", "CNY")] == [Decimal("3500.35"), Decimal("900.05"), Decimal("2600.30"), Decimal("600.10"), 2]
    assert totals[("甲公司", "USD")] == [Decimal("300.00"), Decimal("100.00"), Decimal("200.00"), Decimal("200.00"), 1]
    assert totals[("乙公司", "USD")] == [Decimal("0.30"), Decimal("0.00"), Decimal("0.30"), Decimal("0.30"), 1]


def test_receivables_csv_details():
    data = receivables_csv(RECEIVABLES + [receivable(4, "HT-004", INJECTION, 7, "CNY", "10", "20")])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = read_csv(data)
    assert rows[0][:3] == ["合同编号", "相对方", "履约事项"]
    assert len(rows) == 1 + len(RECEIVABLES) + 1
    assert rows[1] == ["HT-001", "甲公司", "第1期款", "2026-03-01", "CNY", "1000.10", "400.00", "600.10", "12", "逾期"]
    # An overpaid obligation has a negative outstanding amount, which stays a plain number.
    assert rows[-1][1] == "'" + INJECTION
    assert rows[-1][7] == "-10"


def test_row_length_mismatch_raises():
    with pytest.raises(ValueError, match="has 1 values but the sheet has 2 columns"):
        write_xlsx(["a", "b"], [["only one"]], "表")
