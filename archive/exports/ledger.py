"""The contract ledger: one row per contract with its dates, amounts, alerts and documents."""

from __future__ import annotations

from collections.abc import Sequence

from archive.exports.rows import LedgerRow
from archive.exports.tables import Cell, write_csv, write_xlsx
from archive.i18n import pick_locale

LEDGER_HEADERS = {
    "zh_CN": (
        "合同编号",
        "合同名称",
        "相对方",
        "负责人",
        "签订日期",
        "生效日期",
        "到期日期",
        "合同金额",
        "币种",
        "已收金额",
        "未收金额",
        "逾期金额",
        "未处理预警",
        "状态",
        "文件数",
    ),
    "en": (
        "Contract number",
        "Title",
        "Counterparty",
        "Owner",
        "Signed on",
        "Effective on",
        "Expires on",
        "Contract amount",
        "Currency",
        "Paid",
        "Outstanding",
        "Overdue",
        "Open alerts",
        "Status",
        "Documents",
    ),
}
SHEET_TITLES = {"zh_CN": "合同台账", "en": "Contract ledger"}


def ledger_table(rows: Sequence[LedgerRow], lang: str = "zh_CN") -> tuple[list[str], list[list[Cell]]]:
    """Return the ledger's header row in `lang` (Chinese unless it starts with "en") and its values."""
    headers = list(LEDGER_HEADERS[pick_locale(lang)])
    values: list[list[Cell]] = [
        [
            row.number,
            row.title,
            row.counterparty,
            row.owner,
            row.signed_on,
            row.effective_on,
            row.expires_on,
            row.total_amount,
            row.currency,
            row.paid_amount,
            row.outstanding_amount,
            row.overdue_amount,
            row.open_alerts,
            row.status,
            row.documents,
        ]
        for row in rows
    ]
    return headers, values


def ledger_xlsx(rows: Sequence[LedgerRow], lang: str = "zh_CN") -> bytes:
    """Return the ledger as an XLSX workbook with one sheet."""
    headers, values = ledger_table(rows, lang)
    return write_xlsx(headers, values, SHEET_TITLES[pick_locale(lang)])


def ledger_csv(rows: Sequence[LedgerRow], lang: str = "zh_CN") -> bytes:
    """Return the ledger as UTF-8 CSV with a byte order mark."""
    headers, values = ledger_table(rows, lang)
    return write_csv(headers, values)
