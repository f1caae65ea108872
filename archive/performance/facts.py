"""Snapshots of contracts, obligations and records: the input of the alert and score computations.

archive.services builds these from the database in a few bulk queries, so computing alerts
for every contract needs no query per contract.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class ContractFacts:
    id: int
    number: str | None = None
    title: str | None = None
    counterparty: str | None = None
    owner: str | None = None
    signed_on: dt.date | None = None
    effective_on: dt.date | None = None
    expires_on: dt.date | None = None
    auto_renews: bool = False
    # Days before expiry by which a party must give notice to stop an automatic renewal.
    renewal_notice_days: int | None = None
    total_amount: Decimal | None = None
    currency: str | None = None
    # The amount in figures and in Chinese uppercase disagree somewhere in the contract text.
    amount_mismatch: str | None = None
    terminated: bool = False


@dataclass(frozen=True)
class ObligationFacts:
    id: int
    contract_id: int
    kind: str
    debtor: str | None
    summary: str = ""
    amount: Decimal | None = None
    currency: str | None = None
    # None while the event the date counts from has not happened; then waiting_for names it.
    due_date: dt.date | None = None
    waiting_for: str | None = None
    waived: bool = False
    # Sum of the payments allocated to it.
    paid_amount: Decimal = Decimal(0)
    # The part of paid_amount paid on or before the due date; None when unknown.
    paid_by_due: Decimal | None = None
    # The day the obligation was met in full (the last payment, or the record that fulfilled it).
    fulfilled_on: dt.date | None = None
    owner: str | None = None
    clause_id: int | None = None

    @property
    def fulfilled(self) -> bool:
        return self.fulfilled_on is not None


@dataclass(frozen=True)
class RecordFacts:
    id: int
    contract_id: int
    kind: str
    occurred_on: dt.date
    # For quality_inspection and acceptance: passed or failed. For complaint and dispute: the case state.
    status: str | None = None
    amount: Decimal | None = None
    # A written demand for performance (催款函, 律师函) that restarts the limitation period.
    demand: bool = False
    # Kinds of the documents attached to the record (acceptance_report, payment_proof...).
    document_kinds: tuple[str, ...] = ()
    owner: str | None = None
    # The day a complaint or dispute was closed or resolved, when it was.
    closed_on: dt.date | None = None


@dataclass(frozen=True)
class AlertSettings:
    """Lead times and limits, in calendar days unless the name says otherwise."""

    due_soon_days: int = 7
    inspection_days: int = 15
    acceptance_days: int = 30
    complaint_open_days: int = 30
    dispute_open_days: int = 90
    expiry_lead_days: int = 60
    limitation_years: int = 3
    limitation_lead_days: int = 90


@dataclass(frozen=True)
class ComputedAlert:
    """One warning. `key` identifies it across daily runs: the same condition gives the same key."""

    key: str
    rule: str
    contract_id: int
    severity: str  # low, medium, high, critical
    likelihood: str  # low, medium, high
    action: str  # code of the recommended action; the UI translates it
    owner: str | None = None
    obligation_id: int | None = None
    record_id: int | None = None
    due_date: dt.date | None = None
    # Values the message shows: amounts as strings, dates as ISO strings, counts.
    params: dict[str, str | int] = field(default_factory=dict)
