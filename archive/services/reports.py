"""Rows for the contract ledger, the receivables view, the calendar feed and the digest.

Each function reads only the contracts its actor may see, in a few bulk queries.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.access import Actor, visible_contracts
from archive.exports.rows import DigestAlert, DueItem, LedgerRow, ReceivableRow
from archive.models import Alert, Contract, Document, Fulfilment, Obligation
from archive.performance.labels import OBLIGATION_KIND_LABELS, STATUS_LABELS, alert_message, label
from archive.services.portfolio import ACTIVE_REVIEWS

Gettext = Callable[[str], str]


def _identity(text: str) -> str:
    return text


def _paid(session: Session, contract_ids: set[int]) -> dict[int, Decimal]:
    paid: dict[int, Decimal] = defaultdict(Decimal)
    rows = session.execute(select(Obligation.contract_id, Fulfilment.obligation_id, Fulfilment.amount)
                           .join(Obligation, Obligation.id == Fulfilment.obligation_id))
    for contract_id, obligation_id, amount in rows:
        if contract_id in contract_ids:
            paid[obligation_id] += amount or Decimal(0)
    return paid


def _customer_payments(session: Session, contract_ids: set[int]) -> list[Obligation]:
    rows = session.scalars(select(Obligation).where(
        Obligation.kind == "payment", Obligation.debtor == "customer", Obligation.review.in_(ACTIVE_REVIEWS),
        Obligation.status != "waived", Obligation.amount.is_not(None)))
    return [o for o in rows if o.contract_id in contract_ids]


def receivable_rows(session: Session, *, actor: Actor, today: dt.date,
                    gettext: Gettext = _identity) -> list[ReceivableRow]:
    contracts = {c.id: c for c in session.scalars(select(Contract).where(visible_contracts(actor)))}
    obligations = _customer_payments(session, set(contracts))
    paid = _paid(session, set(contracts))
    rows = []
    for o in sorted(obligations, key=lambda o: (o.contract_id, o.due_date or dt.date.max, o.id)):
        contract = contracts[o.contract_id]
        received = paid.get(o.id, Decimal(0))
        outstanding = max(o.amount - received, Decimal(0))  # type: ignore[operator]
        overdue = o.due_date is not None and o.due_date < today and outstanding > 0
        rows.append(ReceivableRow(
            contract_id=contract.id, contract_number=contract.number, counterparty=contract.counterparty,
            obligation_id=o.id, summary=o.summary, due_date=o.due_date, currency=o.currency or contract.currency,
            amount=o.amount, paid=received, outstanding=outstanding,  # type: ignore[arg-type]
            days_overdue=(today - o.due_date).days if overdue else 0,  # type: ignore[operator]
            status=label(STATUS_LABELS, o.status, gettext),
        ))
    return rows


def ledger_rows(session: Session, *, actor: Actor, today: dt.date, gettext: Gettext = _identity) -> list[LedgerRow]:
    contracts = list(session.scalars(select(Contract).where(visible_contracts(actor)).order_by(Contract.id)))
    receivables = receivable_rows(session, actor=actor, today=today, gettext=gettext)
    paid: dict[int, Decimal] = defaultdict(Decimal)
    outstanding: dict[int, Decimal] = defaultdict(Decimal)
    overdue: dict[int, Decimal] = defaultdict(Decimal)
    for row in receivables:
        paid[row.contract_id] += row.paid
        outstanding[row.contract_id] += row.outstanding
        if row.days_overdue:
            overdue[row.contract_id] += row.outstanding
    alerts = Counter(session.scalars(select(Alert.contract_id).where(Alert.state != "resolved")))
    documents = dict(session.execute(select(Document.contract_id, func.count(Document.id))
                                     .where(Document.deleted_at.is_(None)).group_by(Document.contract_id)).all())
    return [
        LedgerRow(
            contract_id=c.id, number=c.number, title=c.title, counterparty=c.counterparty, owner=c.owner,
            signed_on=c.signed_on, effective_on=c.effective_on, expires_on=c.expires_on, total_amount=c.total_amount,
            currency=c.currency, paid_amount=paid[c.id], outstanding_amount=outstanding[c.id],
            overdue_amount=overdue[c.id], open_alerts=alerts.get(c.id, 0), status=gettext(_contract_state(c, today)),
            documents=documents.get(c.id, 0),
        )
        for c in contracts
    ]


def _contract_state(contract: Contract, today: dt.date) -> str:
    if contract.terminated_on is not None:
        return "Terminated"
    if contract.expires_on is not None and contract.expires_on < today:
        return "Expired"
    return "In force"


CONTRACT_STATES = ("Terminated", "Expired", "In force")


def due_items(session: Session, *, actor: Actor, base_url: str, today: dt.date, days_ahead: int | None = None,
              gettext: Gettext = _identity) -> list[DueItem]:
    """List open obligations with a due date on contracts `actor` owns, or all they may see when they own none.

    With `days_ahead` None, every open due date is listed (the calendar feed). With a number,
    those up to that many days ahead are listed, and all overdue ones (the digest).
    """
    contracts = {c.id: c for c in session.scalars(select(Contract).where(visible_contracts(actor)))}
    owned = {i for i, c in contracts.items() if c.owner == actor.username}
    statement = select(Obligation).where(Obligation.review.in_(ACTIVE_REVIEWS), Obligation.due_date.is_not(None),
                                         Obligation.status.in_(("pending", "overdue")))
    paid = _paid(session, set(contracts))
    items = []
    for o in session.scalars(statement):
        contract = contracts.get(o.contract_id)
        if contract is None or (owned and o.contract_id not in owned and o.owner != actor.username):
            continue
        if days_ahead is not None and o.due_date > today + dt.timedelta(days=days_ahead):  # type: ignore[operator]
            continue
        title = o.summary or label(OBLIGATION_KIND_LABELS, o.kind, gettext)
        items.append(DueItem(
            uid_key=f"obligation-{o.id}", contract_id=contract.id, contract_number=contract.number,
            counterparty=contract.counterparty, title=title, due_date=o.due_date,  # type: ignore[arg-type]
            # What is still owed, not the instalment's full amount, once part of it is paid.
            amount=max(o.amount - paid.get(o.id, Decimal(0)), Decimal(0)) if o.amount is not None else None,
            currency=o.currency, url=f"{base_url.rstrip('/')}/contracts/{contract.id}",
            status=label(STATUS_LABELS, o.status, gettext),
        ))
    return sorted(items, key=lambda i: (i.due_date, i.uid_key))


def digest_alerts(session: Session, *, actor: Actor, base_url: str, gettext: Gettext = _identity) -> list[DigestAlert]:
    """Open alerts the actor owns, or on contracts they may see when they own none."""
    rows = session.execute(select(Alert, Contract).join(Contract, Contract.id == Alert.contract_id)
                           .where(visible_contracts(actor), Alert.state == "open")).all()
    mine = [(a, c) for a, c in rows if a.owner == actor.username]
    subjects = dict(session.execute(select(Obligation.id, Obligation.summary)).all())
    return [
        DigestAlert(rule=a.rule, severity=a.severity, contract_number=c.number, counterparty=c.counterparty,
                    message=alert_message(a.rule, a.params, subjects.get(a.obligation_id, ""), gettext),
                    due_date=a.due_date, url=f"{base_url.rstrip('/')}/contracts/{c.id}")
        for a, c in (mine or rows)
    ]
