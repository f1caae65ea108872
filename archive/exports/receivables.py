"""The receivables view: each payment obligation, and totals by contract and by counterparty.

Totals are Decimal sums kept apart per currency, so a contract or counterparty
with CNY and USD obligations gets one summary row for each currency. The overdue
total is the outstanding amount of obligations with `days_overdue` above zero.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from archive.exports.rows import ReceivableRow
from archive.exports.tables import Cell, Sheet, write_csv, write_workbook
from archive.i18n import pick_locale

DETAIL_HEADERS = {
    "zh_CN": ("合同编号", "相对方", "履约事项", "到期日期", "币种", "应收金额", "已收金额", "未收金额", "逾期天数", "状态"),
    "en": (
        "Contract number",
        "Counterparty",
        "Obligation",
        "Due date",
        "Currency",
        "Amount due",
        "Paid",
        "Outstanding",
        "Days overdue",
        "Status",
    ),
}
BY_CONTRACT_HEADERS = {
    "zh_CN": ("合同编号", "相对方", "币种", "应收金额", "已收金额", "未收金额", "逾期金额", "履约事项数"),
    "en": (
        "Contract number",
        "Counterparty",
        "Currency",
        "Amount due",
        "Paid",
        "Outstanding",
        "Overdue",
        "Obligations",
    ),
}
BY_COUNTERPARTY_HEADERS = {
    "zh_CN": ("相对方", "币种", "应收金额", "已收金额", "未收金额", "逾期金额", "合同数"),
    "en": ("Counterparty", "Currency", "Amount due", "Paid", "Outstanding", "Overdue", "Contracts"),
}
SHEET_TITLES = {
    "zh_CN": ("明细", "按合同", "按相对方"),
    "en": ("Details", "By contract", "By counterparty"),
}


@dataclass
class Totals:
    """Running Decimal sums for one group of obligations in one currency."""

    amount: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    outstanding: Decimal = Decimal(0)
    overdue: Decimal = Decimal(0)
    obligations: int = 0
    contract_ids: set[int] = field(default_factory=set)

    def add(self, row: ReceivableRow) -> None:
        self.amount += row.amount
        self.paid += row.paid
        self.outstanding += row.outstanding
        if row.days_overdue > 0:
            self.overdue += row.outstanding
        self.obligations += 1
        self.contract_ids.add(row.contract_id)


def group_totals(
    rows: Sequence[ReceivableRow], key: Callable[[ReceivableRow], Hashable]
) -> dict[Hashable, tuple[ReceivableRow, Totals]]:
    """Sum `rows` per `key`, keeping the first row of each group for its labels."""
    groups: dict[Hashable, tuple[ReceivableRow, Totals]] = {}
    for row in rows:
        group_key = key(row)
        if group_key not in groups:
            groups[group_key] = (row, Totals())
        groups[group_key][1].add(row)
    return groups


def receivable_details(rows: Sequence[ReceivableRow], lang: str = "zh_CN") -> tuple[list[str], list[list[Cell]]]:
    """Return one line per obligation, in the order given."""
    headers = list(DETAIL_HEADERS[pick_locale(lang)])
    values: list[list[Cell]] = [
        [
            row.contract_number,
            row.counterparty,
            row.summary,
            row.due_date,
            row.currency,
            row.amount,
            row.paid,
            row.outstanding,
            row.days_overdue,
            row.status,
        ]
        for row in rows
    ]
    return headers, values


def summary_by_contract(rows: Sequence[ReceivableRow], lang: str = "zh_CN") -> tuple[list[str], list[list[Cell]]]:
    """Return one line per contract and currency, sorted by contract number."""
    groups = group_totals(rows, lambda row: (row.contract_id, row.currency or ""))
    ordered = sorted(
        groups.items(), key=lambda item: (item[1][0].contract_number or "", item[0][0], item[0][1])
    )
    values: list[list[Cell]] = []
    for _, (first, totals) in ordered:
        values.append(
            [
                first.contract_number,
                first.counterparty,
                first.currency,
                totals.amount,
                totals.paid,
                totals.outstanding,
                totals.overdue,
                totals.obligations,
            ]
        )
    return list(BY_CONTRACT_HEADERS[pick_locale(lang)]), values


def summary_by_counterparty(rows: Sequence[ReceivableRow], lang: str = "zh_CN") -> tuple[list[str], list[list[Cell]]]:
    """Return one line per counterparty and currency, sorted by counterparty name."""
    groups = group_totals(rows, lambda row: (row.counterparty or "", row.currency or ""))
    values: list[list[Cell]] = []
    for _, (first, totals) in sorted(groups.items(), key=lambda item: item[0]):
        values.append(
            [
                first.counterparty,
                first.currency,
                totals.amount,
                totals.paid,
                totals.outstanding,
                totals.overdue,
                len(totals.contract_ids),
            ]
        )
    return list(BY_COUNTERPARTY_HEADERS[pick_locale(lang)]), values


def receivables_xlsx(rows: Sequence[ReceivableRow], lang: str = "zh_CN") -> bytes:
    """Return a workbook with three sheets: the details, the totals by contract and by counterparty."""
    titles = SHEET_TITLES[pick_locale(lang)]
    tables = (receivable_details(rows, lang), summary_by_contract(rows, lang), summary_by_counterparty(rows, lang))
    return write_workbook([Sheet(title, headers, values) for title, (headers, values) in zip(titles, tables)])


def receivables_csv(rows: Sequence[ReceivableRow], lang: str = "zh_CN") -> bytes:
    """Return only the detail lines as UTF-8 CSV with a byte order mark, because a CSV file has one table."""
    headers, values = receivable_details(rows, lang)
    return write_csv(headers, values)
