"""Fulfilment: the records that meet each obligation, and each obligation's due date and status.

refresh_obligations recomputes, for one contract or all, every confirmed obligation's due date
from its rule and the contract's event dates. It also sets the status. Waived stays waived,
because staff decided it. Otherwise the status is fulfilled when met in full, overdue when
its date has passed, and pending before.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from archive import problems
from archive.errors import AllocationExceedsPaymentError, InvalidRecordError
from archive.models import Fulfilment, Obligation, PerformanceRecord
from archive.performance.due import resolve_due
from archive.performance.terms import DueRule
from archive.services.portfolio import ACTIVE_REVIEWS, Portfolio, read_portfolio

# The obligation kind a non-payment record meets when staff do not say which.
RECORD_MEETS = {"delivery": "delivery", "acceptance": "acceptance", "progress": "completion"}


def allocate_record(session: Session, record: PerformanceRecord, obligation_ids: tuple[int, ...] | None, *,
                    actor: str, replace: bool = False) -> list[Fulfilment]:
    """Apply a record to obligations: the ones given, or by default the earliest due that it can meet.

    A payment's amount is split over the customer's unpaid payment obligations in due-date order.
    A delivery or passed acceptance meets the earliest open obligation of that kind.
    """
    if replace:
        session.execute(delete(Fulfilment).where(Fulfilment.record_id == record.id))
    if record.status in ("planned", "cancelled"):
        return []  # a planned payment pays nothing yet
    candidates = _open_obligations(session, record, obligation_ids)
    if record.kind == "payment":
        # A payment in one currency never pays an instalment owed in another.
        other = [o for o in candidates if o.currency not in (None, record.currency)]
        if other and obligation_ids is not None:
            raise InvalidRecordError(problems.CURRENCY_MISMATCH, value=record.currency or "", owed=other[0].currency)
        candidates = [o for o in candidates if o not in other]
    created: list[Fulfilment] = []
    if record.kind == "payment":
        remaining = record.amount or Decimal(0)
        paid = _paid_amounts(session, [o.id for o in candidates])
        for obligation in candidates:
            if remaining <= 0:
                break
            outstanding = (obligation.amount - paid.get(obligation.id, Decimal(0))) if obligation.amount else remaining
            share = min(remaining, outstanding)
            if share <= 0:
                continue
            created.append(Fulfilment(obligation_id=obligation.id, record_id=record.id, amount=share, created_by=actor))
            remaining -= share
        if obligation_ids and remaining > 0 and record.amount and not created:
            raise AllocationExceedsPaymentError(allocated=str(record.amount), amount=str(record.amount))
    elif record.status not in ("failed", "planned", "cancelled"):
        wanted = RECORD_MEETS.get(record.kind)
        for obligation in candidates:
            if obligation_ids is not None or obligation.kind == wanted:
                created.append(Fulfilment(obligation_id=obligation.id, record_id=record.id, created_by=actor))
                if obligation_ids is None:
                    break
    session.add_all(created)
    session.flush()
    return created


def _open_obligations(session: Session, record: PerformanceRecord,
                      obligation_ids: tuple[int, ...] | None) -> list[Obligation]:
    statement = select(Obligation).where(Obligation.contract_id == record.contract_id)
    if obligation_ids is not None:
        if not obligation_ids:
            return []
        found = list(session.scalars(statement.where(Obligation.id.in_(obligation_ids))))
        found = [o for o in found if o.review in ACTIVE_REVIEWS]
        missing = sorted(set(obligation_ids) - {o.id for o in found})
        if missing:
            raise InvalidRecordError(problems.NOT_CONFIRMED_OBLIGATIONS, ids=", ".join(map(str, missing)))
        return sorted(found, key=lambda o: obligation_ids.index(o.id))
    statement = statement.where(Obligation.review.in_(ACTIVE_REVIEWS), Obligation.status != "waived",
                                Obligation.status != "fulfilled")
    if record.kind == "payment":
        statement = statement.where(Obligation.kind == "payment", Obligation.debtor == "customer")
    found = list(session.scalars(statement))
    return sorted(found, key=lambda o: (o.due_date is None, o.due_date or dt.date.max, o.id))


def _paid_amounts(session: Session, obligation_ids: list[int]) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = defaultdict(Decimal)
    if obligation_ids:
        rows = session.execute(select(Fulfilment.obligation_id, Fulfilment.amount)
                               .where(Fulfilment.obligation_id.in_(obligation_ids)))
        for obligation_id, amount in rows:
            totals[obligation_id] += amount or Decimal(0)
    return totals


def contract_events(contract, records: list, invoice_record_ids: set[int]) -> dict[str, dt.date]:  # type: ignore[no-untyped-def]
    """Return the dates relative due dates count from: the contract's own dates and the first record of each event."""
    events: dict[str, dt.date] = {}
    if contract.signed_on:
        events["signing"] = contract.signed_on
    if contract.effective_on or contract.signed_on:
        events["effective"] = contract.effective_on or contract.signed_on  # type: ignore[assignment]
    if contract.expires_on:
        events["expiry"] = contract.expires_on
    for record in sorted(records, key=lambda r: (r.occurred_on, r.id)):
        if record.status in ("planned", "cancelled"):
            continue
        if record.kind == "delivery":
            events.setdefault("delivery", record.occurred_on)
        elif record.kind == "acceptance" and record.status == "passed":
            events.setdefault("acceptance", record.occurred_on)
        if record.id in invoice_record_ids:
            events.setdefault("invoice", record.occurred_on)
    return events


def refresh_obligations(session: Session, contract_id: int | None = None, *, today: dt.date | None = None) -> int:
    """Recompute due dates and statuses of confirmed obligations; return how many changed."""
    return len(refresh_and_read(session, contract_id, today=today)[1])


def refresh_and_read(session: Session, contract_id: int | None = None, *,
                     today: dt.date | None = None) -> tuple[Portfolio, dict[int, dict[str, object]]]:
    """Recompute due dates and statuses, write the changes in bulk, and return the rows read and the changes.

    Obligation rows in the returned portfolio hold the values from before the change; the
    changes map each changed obligation's id to its new values.
    """
    today = today or dt.date.today()
    session.flush()
    portfolio = read_portfolio(session, contract_id)
    record_dates = portfolio.record_dates
    changes: dict[int, dict[str, object]] = {}
    for contract in portfolio.contracts:
        events = contract_events(contract, portfolio.records.get(contract.id, []), portfolio.invoice_records)
        for obligation in portfolio.obligations.get(contract.id, []):
            values = obligation_state(obligation, events, portfolio.fulfilments.get(obligation.id, []),
                                      record_dates, today)
            if any(getattr(obligation, name) != value for name, value in values.items()):
                changes[obligation.id] = values
    if changes:
        session.execute(update(Obligation), [{"id": key, **values} for key, values in changes.items()])
        for instance in list(session.identity_map.values()):
            if isinstance(instance, Obligation):
                session.expire(instance)
    return portfolio, changes


def obligation_state(obligation, events: dict[str, dt.date], fulfilments: list,  # type: ignore[no-untyped-def]
                     record_dates: dict[int, dt.date], today: dt.date) -> dict[str, object]:
    """Return the obligation's due date, event awaited, calendar flag, fulfilment day and status."""
    resolved = resolve_due(DueRule.from_dict(obligation.due_rule), events)
    met_on = fulfilled_on(obligation, fulfilments, record_dates)
    if obligation.status == "waived":
        status = "waived"
    elif met_on is not None:
        status = "fulfilled"
    elif obligation.kind == "warranty" and resolved.date is not None and resolved.date < today:
        # The warranty period has run out: nothing more is owed under it.
        status, met_on = "fulfilled", resolved.date
    elif resolved.date is not None and resolved.date < today:
        status = "overdue"
    else:
        status = "pending"
    return {"due_date": resolved.date, "waiting_for": resolved.waiting_for, "calendar_known": resolved.calendar_known,
            "fulfilled_on": met_on, "status": status}


def fulfilled_on(obligation, fulfilments: list, record_dates: dict[int, dt.date]) -> dt.date | None:  # type: ignore[no-untyped-def]
    """Return the day the obligation was met in full: for a payment, the day the paid total reached its amount."""
    ordered = sorted(fulfilments, key=lambda f: (record_dates.get(f.record_id, dt.date.max), f.id))
    if obligation.kind != "payment":
        return record_dates.get(ordered[0].record_id) if ordered else None
    if obligation.amount is None:
        return None
    paid = Decimal(0)
    for fulfilment in ordered:
        paid += fulfilment.amount or Decimal(0)
        if paid >= obligation.amount:
            return record_dates.get(fulfilment.record_id)
    return None
