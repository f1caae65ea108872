"""Input rows for the exports, the calendar feed and the e-mail digest.

The service layer fills these from the database, so the output formats need no
session and can be tested with literal values. Amounts are Decimal in the row's
currency (an ISO 4217 code such as CNY). `status` fields hold text ready to show
in the output's language, because the formats print them as they are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class LedgerRow:
    """One contract in the contract ledger, with its payment totals."""

    contract_id: int
    number: str | None
    title: str | None
    counterparty: str | None
    owner: str | None
    signed_on: dt.date | None
    effective_on: dt.date | None
    expires_on: dt.date | None
    total_amount: Decimal | None
    currency: str | None
    paid_amount: Decimal
    outstanding_amount: Decimal
    overdue_amount: Decimal
    open_alerts: int
    status: str
    documents: int


@dataclass(frozen=True)
class ReceivableRow:
    """One payment obligation a customer owes, with what it has paid so far."""

    contract_id: int
    contract_number: str | None
    counterparty: str | None
    obligation_id: int
    summary: str
    due_date: dt.date | None
    currency: str | None
    amount: Decimal
    paid: Decimal
    outstanding: Decimal
    # 0 when the obligation is not overdue.
    days_overdue: int
    status: str


@dataclass(frozen=True)
class DueItem:
    """A dated obligation or deadline shown in the calendar feed and the digest."""

    # Stable across runs (for example "obligation-42"), so calendar clients update the event in place.
    uid_key: str
    contract_id: int
    contract_number: str | None
    counterparty: str | None
    title: str
    due_date: dt.date
    amount: Decimal | None
    currency: str | None
    # Absolute link to the contract page.
    url: str
    status: str


@dataclass(frozen=True)
class DigestAlert:
    """An open alert listed in the digest. Its `message` is already in the recipient's language."""

    rule: str
    # low, medium, high or critical.
    severity: str
    contract_number: str | None
    counterparty: str | None
    message: str
    due_date: dt.date | None
    url: str
