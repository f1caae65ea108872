"""Risk alerts (风险预警): the daily run that computes them, their states, and the lists that show them.

The run reads the whole archive into archive.performance.facts snapshots with one query per
table and computes alerts with archive.performance.alerts. Then it reconciles them with the
alert table by key. A new condition opens an alert, and one that persists keeps its state
(acknowledged stays acknowledged). The system resolves an alert whose condition cleared, with a note.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from archive.access import Actor, visible_contracts
from archive.errors import AlertStateError, NotFoundError
from archive.models import Alert, Contract
from archive.performance.alerts import compute_alerts
from archive.performance.facts import AlertSettings, ContractFacts, ObligationFacts, RecordFacts
from archive.services.audit import record_event
from archive.services.fulfilment import refresh_and_read
from archive.services.portfolio import Portfolio, read_portfolio
from archive.settings import Settings

ALERT_STATES = ("open", "acknowledged", "resolved")
SEVERITIES = ("critical", "high", "medium", "low")
# The note the daily run leaves on an alert whose condition no longer holds; pages translate it.
CLEARED_NOTE = "condition cleared"


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
    """Read contracts, confirmed obligations and records into snapshots, one query per table."""
    return facts_from(read_portfolio(session, contract_id))


def facts_from(portfolio: Portfolio, changes: dict[int, dict[str, object]] | None = None) -> Facts:
    """Build the snapshots from rows already read, with `changes` to obligations applied over them."""
    changes = changes or {}
    record_dates = portfolio.record_dates
    contracts = [
        ContractFacts(
            id=c.id, number=c.number, title=c.title, counterparty=c.counterparty, owner=c.owner,
            signed_on=c.signed_on, effective_on=c.effective_on, expires_on=c.expires_on, auto_renews=c.auto_renews,
            renewal_notice_days=c.renewal_notice_days, total_amount=c.total_amount, currency=c.currency,
            amount_mismatch=portfolio.amount_mismatches.get(c.id), terminated=c.terminated_on is not None,
        )
        for c in portfolio.contracts
    ]
    obligations = []
    for rows in portfolio.obligations.values():
        for o in rows:
            current = changes.get(o.id, {})
            due_date = current.get("due_date", o.due_date)
            paid = paid_by_due = Decimal(0)
            for fulfilment in portfolio.fulfilments.get(o.id, []):
                paid += fulfilment.amount or Decimal(0)
                paid_on = record_dates.get(fulfilment.record_id)
                if due_date is not None and paid_on is not None and paid_on <= due_date:
                    paid_by_due += fulfilment.amount or Decimal(0)
            obligations.append(ObligationFacts(
                id=o.id, contract_id=o.contract_id, kind=o.kind, debtor=o.debtor, summary=o.summary, amount=o.amount,
                currency=o.currency, due_date=due_date, waiting_for=current.get("waiting_for", o.waiting_for),
                waived=current.get("status", o.status) == "waived", paid_amount=paid, paid_by_due=paid_by_due,
                fulfilled_on=current.get("fulfilled_on", o.fulfilled_on), owner=o.owner, clause_id=o.clause_id,
            ))
    return Facts(contracts, obligations, _record_facts(portfolio))


def _record_facts(portfolio: Portfolio) -> list[RecordFacts]:
    rows = [row for group in portfolio.records.values() for row in group]
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
            amount=row.amount, demand=row.demand,
            document_kinds=tuple(sorted(portfolio.record_document_kinds.get(row.id, ()))),
            owner=row.responsible, closed_on=closed_on,
        ))
    return facts


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
    facts = facts_from(*refresh_and_read(session, contract_id, today=today))
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
                        .values(state="resolved", state_note=CLEARED_NOTE, state_by="system", state_at=now)
                        .execution_options(synchronize_session=False))
    for instance in list(session.identity_map.values()):
        if isinstance(instance, Alert):
            session.expire(instance)
    still_open = sum(1 for key in computed if key in stored and stored[key].state != "resolved")
    return RunSummary(today, len(facts.contracts), len(computed), len(inserts) + len(reopened), still_open,
                      len(cleared))


def _chunks(ids: list[int], size: int = 5000) -> list[list[int]]:
    return [ids[start:start + size] for start in range(0, len(ids), size)]


def latest_run_day(session: Session) -> dt.date | None:
    """Return the latest day alerts were computed as of, or None before the first run."""
    from sqlalchemy import func

    return session.scalar(select(func.max(Alert.last_seen_on)))


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
