"""One read of the rows that dating obligations and computing alerts need, for one contract or all.

The daily run covers every contract, so it reads each table once, as plain rows rather than
ORM objects, and both steps work from that read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from archive.models import Contract, Document, DocumentVersion, Fulfilment, Obligation, PerformanceRecord, RecordAttachment

ACTIVE_REVIEWS = ("confirmed", "manual")
# The fixed words of notices.AMOUNTS_DISAGREE, which version warnings keep formatted.
MISMATCH_MARK = " disagrees with the uppercase amount "


@dataclass
class Portfolio:
    contracts: list[Any]
    # Confirmed and manual obligations, records and fulfilments, each grouped by contract or obligation id.
    obligations: dict[int, list[Any]]
    records: dict[int, list[Any]]
    fulfilments: dict[int, list[Any]]
    # Records with an attached invoice: they date the "invoice" event.
    invoice_records: set[int]
    # Kinds of the documents attached to each record or named as its document.
    record_document_kinds: dict[int, set[str]]
    # A contract's first 大写/小写 mismatch warning.
    amount_mismatches: dict[int, str] = field(default_factory=dict)

    @property
    def record_dates(self) -> dict[int, Any]:
        return {r.id: r.occurred_on for rows in self.records.values() for r in rows}


def read_portfolio(session: Session, contract_id: int | None = None) -> Portfolio:
    """Read everything for `contract_id`, or for every contract, with one query per table."""
    def of_contract(column: Any) -> ColumnElement[bool]:
        return column == contract_id if contract_id is not None else true()

    contracts = session.execute(select(
        Contract.id, Contract.number, Contract.title, Contract.counterparty, Contract.owner, Contract.signed_on,
        Contract.effective_on, Contract.expires_on, Contract.auto_renews, Contract.renewal_notice_days,
        Contract.total_amount, Contract.currency, Contract.terminated_on,
    ).where(of_contract(Contract.id))).all()
    obligations = _grouped(session.execute(select(
        Obligation.id, Obligation.contract_id, Obligation.kind, Obligation.debtor, Obligation.summary,
        Obligation.amount, Obligation.currency, Obligation.due_rule, Obligation.status, Obligation.due_date,
        Obligation.waiting_for, Obligation.fulfilled_on, Obligation.calendar_known, Obligation.owner,
        Obligation.clause_id,
    ).where(of_contract(Obligation.contract_id), Obligation.review.in_(ACTIVE_REVIEWS))), "contract_id")
    records = _grouped(session.execute(select(
        PerformanceRecord.id, PerformanceRecord.contract_id, PerformanceRecord.kind, PerformanceRecord.status,
        PerformanceRecord.occurred_on, PerformanceRecord.amount, PerformanceRecord.demand,
        PerformanceRecord.responsible, PerformanceRecord.case_id,
    ).where(of_contract(PerformanceRecord.contract_id))), "contract_id")
    fulfilments = select(Fulfilment.id, Fulfilment.obligation_id, Fulfilment.record_id, Fulfilment.amount)
    if contract_id is not None:
        fulfilments = fulfilments.join(Obligation, Obligation.id == Fulfilment.obligation_id).where(
            Obligation.contract_id == contract_id)
    kinds: dict[int, set[str]] = defaultdict(set)
    for record_id, kind in session.execute(
        select(RecordAttachment.record_id, Document.kind).join(Document, Document.id == RecordAttachment.document_id)
        .where(of_contract(Document.contract_id))
    ):
        kinds[record_id].add(kind)
    invoices = {record_id for record_id, found in kinds.items() if "invoice" in found}
    for record_id, kind in session.execute(
        select(PerformanceRecord.id, Document.kind).join(Document, Document.id == PerformanceRecord.document_id)
        .where(of_contract(PerformanceRecord.contract_id))
    ):
        kinds[record_id].add(kind)
    return Portfolio(
        contracts=contracts, obligations=obligations, records=records,
        fulfilments=_grouped(session.execute(fulfilments), "obligation_id"), invoice_records=invoices,
        record_document_kinds=kinds, amount_mismatches=_amount_mismatches(session, of_contract(Document.contract_id)),
    )


def _grouped(rows: Any, key: str) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def _amount_mismatches(session: Session, where: ColumnElement[bool]) -> dict[int, str]:
    found: dict[int, str] = {}
    rows = session.execute(
        select(Document.contract_id, DocumentVersion.warnings)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(where, Document.deleted_at.is_(None), Document.kind.in_(("contract", "amendment")))
    )
    for contract_id, warnings in rows:
        for warning in warnings or []:
            if contract_id is not None and MISMATCH_MARK in warning:
                found.setdefault(contract_id, warning)
    return found
