"""Risk alerts (风险预警): the daily run that computes them, their states, and the lists that show them.

The run reads the whole archive into archive.performance.facts snapshots with one query per
table and computes alerts with archive.performance.alerts. Then it reconciles them with the
alert table by key. A new condition opens an alert, and one that persists keeps its state
(acknowledged stays acknowledged). The system resolves an alert whose condition cleared, with a note.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, insert, select, true, update
from sqlalchemy.orm import Session

from archive.access import Actor, visible_contracts
from archive.errors import AlertStateError, NotFoundError
from archive.models import (
    Alert,
    Contract,
    Document,
    DocumentVersion,
    Fulfilment,
    Obligation,
    PerformanceRecord,
    RecordAttachment,
)
from archive.performance.alerts import compute_alerts
from archive.performance.facts import AlertSettings, ContractFacts, ObligationFacts, RecordFacts
from archive.services.audit import record_event
from archive.services.fulfilment import ACTIVE_REVIEWS, refresh_obligations
from archive.settings import Settings

ALERT_STATES = ("open", "acknowledged", "resolved")
SEVERITIES = ("critical", "high", "medium", "low")
# The fixed words of notices.AMOUNTS_DISAGREE, which version warnings keep formatted.
_MISMATCH_MARK = " disagrees with the uppercase amount "


@dataclass(frozen=True)
class Facts:
    contracts: list[ContractFacts]
    obligations: list[ObligationFacts]
    records: list[RecordFacts]


@dataclass(frozen=True)
class RunSummary:
    today: dt.date
    contracts: int
    computed: int
    opened: int
    still_open: int
    cleared: int


def load_facts(session: Session, contract_id: int | None = None) -> Facts:
    """Read contracts, confirmed obligations and records into snapshots, one query per table.

    Columns are read as plain rows rather than ORM objects, which keeps the daily run over
    every contract fast.
    """
    def of_contract(column):  # type: ignore[no-untyped-def]
        return column == contract_id if contract_id is not None else true()

    mismatches = _amount_mismatches(session, of_contract(Document.contract_id))
    contracts = [
        ContractFacts(
            id=c.id, number=c.number, title=c.title, counterparty=c.counterparty, owner=c.owner,
            signed_on=c.signed_on, effective_on=c.effective_on, expires_on=c.expires_on, auto_renews=c.auto_renews,
            renewal_notice_days=c.renewal_notice_days, total_amount=c.total_amount, currency=c.currency,
            amount_mismatch=mismatches.get(c.id), terminated=c.terminated_on is not None,
        )
        for c in session.execute(select(
            Contract.id, Contract.number, Contract.title, Contract.counterparty, Contract.owner, Contract.signed_on,
            Contract.effective_on, Contract.expires_on, Contract.auto_renews, Contract.renewal_notice_days,
            Contract.total_amount, Contract.currency, Contract.terminated_on,
        ).where(of_contract(Contract.id)))
    ]
    paid: dict[int, Decimal] = defaultdict(Decimal)
    paid_by_due: dict[int, Decimal] = defaultdict(Decimal)
    paid_rows = session.execute(
        select(Fulfilment.obligation_id, Fulfilment.amount, PerformanceRecord.occurred_on, Obligation.due_date)
        .join(Obligation, Obligation.id == Fulfilment.obligation_id)
        .join(PerformanceRecord, PerformanceRecord.id == Fulfilment.record_id)
        .where(of_contract(Obligation.contract_id)))
    for obligation_id, amount, paid_on, due_date in paid_rows:
        paid[obligation_id] += amount or Decimal(0)
        if due_date is not None and paid_on <= due_date:
            paid_by_due[obligation_id] += amount or Decimal(0)
    obligations = [
        ObligationFacts(
            id=o.id, contract_id=o.contract_id, kind=o.kind, debtor=o.debtor, summary=o.summary, amount=o.amount,
            currency=o.currency, due_date=o.due_date, waiting_for=o.waiting_for, waived=o.status == "waived",
            paid_amount=paid.get(o.id, Decimal(0)), paid_by_due=paid_by_due.get(o.id, Decimal(0)),
            fulfilled_on=o.fulfilled_on, owner=o.owner, clause_id=o.clause_id,
        )
        for o in session.execute(select(
            Obligation.id, Obligation.contract_id, Obligation.kind, Obligation.debtor, Obligation.summary,
            Obligation.amount, Obligation.currency, Obligation.due_date, Obligation.waiting_for, Obligation.status,
            Obligation.fulfilled_on, Obligation.owner, Obligation.clause_id,
        ).where(of_contract(Obligation.contract_id), Obligation.review.in_(ACTIVE_REVIEWS)))
    ]
    return Facts(contracts, obligations, _record_facts(session, of_contract))


def _record_facts(session: Session, of_contract) -> list[RecordFacts]:  # type: ignore[no-untyped-def]
    kinds: dict[int, set[str]] = defaultdict(set)
    for record_id, kind in session.execute(
        select(RecordAttachment.record_id, Document.kind).join(Document, Document.id == RecordAttachment.document_id)
        .where(of_contract(Document.contract_id))
    ):
        kinds[record_id].add(kind)
    for record_id, kind in session.execute(
        select(PerformanceRecord.id, Document.kind).join(Document, Document.id == PerformanceRecord.document_id)
        .where(of_contract(PerformanceRecord.contract_id))
    ):
        kinds[record_id].add(kind)
    rows = session.execute(select(
        PerformanceRecord.id, PerformanceRecord.contract_id, PerformanceRecord.kind, PerformanceRecord.occurred_on,
        PerformanceRecord.status, PerformanceRecord.amount, PerformanceRecord.demand, PerformanceRecord.responsible,
        PerformanceRecord.case_id,
    ).where(of_contract(PerformanceRecord.contract_id))).all()
    latest_step: dict[int, tuple[dt.date, int, str | None]] = {}
    for row in rows:
        if row.case_id is not None:
            step = (row.occurred_on, row.id, row.status)
            if row.case_id not in latest_step or step[:2] > latest_step[row.case_id][:2]:
                latest_step[row.case_id] = step
    facts = []
    for row in rows:
        if row.case_id is not None:
            continue  # a step of a case counts through the record that opened it
        status, closed_on = row.status, None
        if row.id in latest_step:
            step_on, _, status = latest_step[row.id]
            if status in ("resolved", "closed"):
                closed_on = step_on
        facts.append(RecordFacts(
            id=row.id, contract_id=row.contract_id, kind=row.kind, occurred_on=row.occurred_on, status=status,
            amount=row.amount, demand=row.demand, document_kinds=tuple(sorted(kinds.get(row.id, ()))),
            owner=row.responsible, closed_on=closed_on,
        ))
    return facts


def _amount_mismatches(session: Session, where: ColumnElement[bool]) -> dict[int, str]:
    found: dict[int, str] = {}
    rows = session.execute(
        select(Document.contract_id, DocumentVersion.warnings)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(where, Document.deleted_at.is_(None), Document.kind.in_(("contract", "amendment")))
    )
    for contract_id, warnings in rows:
        for warning in warnings or []:
            if contract_id is not None and _MISMATCH_MARK in warning:
                found.setdefault(contract_id, warning)
    return found


# Columns the daily run sets from each computed alert.
_COMPUTED_COLUMNS = ("rule", "contract_id", "obligation_id", "record_id", "severity", "likelihood", "action",
                     "owner", "due_date", "params")


def alert_settings(settings: Settings) -> AlertSettings:
    """Return the lead times configured in `settings`."""
    return AlertSettings(due_soon_days=settings.alert_due_soon_days, expiry_lead_days=settings.alert_expiry_lead_days,
                         limitation_lead_days=settings.alert_limitation_lead_days)


def run_alerts(session: Session, *, today: dt.date | None = None, settings: AlertSettings = AlertSettings(),
               contract_id: int | None = None) -> RunSummary:
    """Refresh obligations, compute every alert and reconcile them with the stored ones.

    With `contract_id`, only that contract's obligations and alerts are refreshed, which pages
    do after each change so its alerts are current before the next daily run.
    """
    today = today or dt.date.today()
    refresh_obligations(session, contract_id, today=today)
    facts = load_facts(session, contract_id)
    computed = {a.key: a for a in compute_alerts(facts.contracts, facts.obligations, facts.records,
                                                 today=today, settings=settings)}
    stored_rows = select(Alert.id, Alert.key, Alert.state, Alert.state_by,
                         *(getattr(Alert, c) for c in _COMPUTED_COLUMNS))
    if contract_id is not None:
        stored_rows = stored_rows.where(Alert.contract_id == contract_id)
    stored = {row.key: row for row in session.execute(stored_rows)}
    inserts, updates, reopened, seen = [], [], [], []
    now = dt.datetime.now(dt.timezone.utc)
    for key, alert in computed.items():
        values = {column: getattr(alert, column) for column in _COMPUTED_COLUMNS}
        values["params"] = dict(alert.params)
        row = stored.get(key)
        if row is None:
            inserts.append({"key": key, **values, "state": "open", "first_raised_on": today, "last_seen_on": today})
            continue
        seen.append(row.id)
        if row.state == "resolved" and row.state_by == "system":
            reopened.append(row.id)
            updates.append({"id": row.id, **values, "state": "open", "state_note": None, "state_by": None,
                            "state_at": None})
        elif any(getattr(row, column) != value for column, value in values.items()):
            updates.append({"id": row.id, **values})
    cleared = [row.id for key, row in stored.items() if key not in computed and row.state != "resolved"]
    if inserts:
        session.execute(insert(Alert), inserts)
    if updates:
        session.execute(update(Alert), updates)
    for chunk in _chunks(seen):
        session.execute(update(Alert).where(Alert.id.in_(chunk)).values(last_seen_on=today)
                        .execution_options(synchronize_session=False))
    for chunk in _chunks(cleared):
        session.execute(update(Alert).where(Alert.id.in_(chunk))
                        .values(state="resolved", state_note="condition cleared", state_by="system", state_at=now)
                        .execution_options(synchronize_session=False))
    for instance in list(session.identity_map.values()):
        if isinstance(instance, Alert):
            session.expire(instance)
    still_open = sum(1 for key in computed if key in stored and stored[key].state != "resolved")
    return RunSummary(today, len(facts.contracts), len(computed), len(inserts) + len(reopened), still_open,
                      len(cleared))


def _chunks(ids: list[int], size: int = 5000) -> list[list[int]]:
    return [ids[start:start + size] for start in range(0, len(ids), size)]


def set_alert_state(session: Session, alert_id: int, *, state: str, note: str | None, actor: Actor) -> Alert:
    """Acknowledge or resolve an alert (resolving needs a note), or reopen it; audited."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFoundError(object="Alert", id=alert_id)
    note = (note or "").strip() or None
    if state not in ALERT_STATES or state == alert.state or (state == "resolved" and not note):
        raise AlertStateError(id=alert_id, current=alert.state, target=state)
    previous = alert.state
    alert.state, alert.state_note = state, note
    alert.state_by, alert.state_at = actor.username, dt.datetime.now(dt.timezone.utc)
    record_event(session, actor=actor.username, actor_id=actor.user_id, action=f"alert_{state}",
                 object_type="alert", object_id=alert_id,
                 summary={"contract_id": alert.contract_id, "rule": alert.rule, "from": previous, "note": note})
    session.flush()
    return alert


def list_alerts(session: Session, *, actor: Actor, contract_id: int | None = None, states: tuple[str, ...] = ("open", "acknowledged"),
                severity: str | None = None, rule: str | None = None, owner: str | None = None,
                limit: int = 200, offset: int = 0) -> tuple[list[tuple[Alert, Contract]], int]:
    """Alerts on contracts `actor` may see, most severe and earliest due first, with the total count."""
    from sqlalchemy import case, func

    where = [visible_contracts(actor), Alert.state.in_(states)]
    if contract_id is not None:
        where.append(Alert.contract_id == contract_id)
    if severity:
        where.append(Alert.severity == severity)
    if rule:
        where.append(Alert.rule == rule)
    if owner:
        where.append(Alert.owner == owner)
    rank = case({s: i for i, s in enumerate(SEVERITIES)}, value=Alert.severity, else_=len(SEVERITIES))
    statement = select(Alert, Contract).join(Contract, Contract.id == Alert.contract_id).where(*where)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.execute(
        statement.order_by(rank, Alert.due_date.is_(None), Alert.due_date, Alert.id).limit(limit).offset(offset)
    ).all()
    return [(alert, contract) for alert, contract in rows], total
