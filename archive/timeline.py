"""The timeline of one contract: its dates, documents, obligations, records, alerts and legal holds in date order.

The read model returns plain values only. Pages translate the kinds and states and group the
events by period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.access import SYSTEM, Actor, check_contract_visible
from archive.context import Archive
from archive.models import Alert, Document, DocumentVersion, ExtractedField, LegalHold, Obligation, PerformanceRecord
from archive.services import contracts as contract_service
from archive.services.portfolio import ACTIVE_REVIEWS

TIMELINE_KINDS = ("signing", "effective", "expiry", "document_version", "obligation", "record", "alert",
                  "legal_hold")
# Only alerts in these states still need handling, so resolved alerts stay off the timeline.
ALERT_STATES = ("open", "acknowledged")
_KIND_ORDER = {kind: position for position, kind in enumerate(TIMELINE_KINDS)}
# The document kind whose versions are dated by their extracted acceptance date.
ACCEPTANCE_REPORT_KIND = "acceptance_report"


def contract_timeline(
    archive: Archive,
    contract_id: int,
    *,
    actor: Actor = SYSTEM,
    kinds: Iterable[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> dict[str, Any]:
    """Return the contract and its events of `kinds` (all kinds when None) dated from `start` to `end` inclusive.

    Raises NotFoundError for a contract that does not exist or that `actor` may not see.
    Each kind is read with one query, so the number of queries does not grow with the events.
    """
    wanted = set(TIMELINE_KINDS) if kinds is None else set(kinds) & set(TIMELINE_KINDS)
    with archive.session() as session:
        check_contract_visible(session, actor, contract_id)
        contract = contract_service.get_contract_or_raise(session, contract_id)
        events = _term_events(contract, wanted)
        if "document_version" in wanted:
            events += _version_events(session, contract_id)
        if "obligation" in wanted:
            events += _obligation_events(session, contract_id)
        if "record" in wanted:
            events += _record_events(session, contract_id)
        if "alert" in wanted:
            events += _alert_events(session, contract_id)
        if "legal_hold" in wanted:
            events += _hold_events(session, contract_id)
        summary = {"id": contract.id, "number": contract.number, "title": contract.title,
                   "counterparty": contract.counterparty}

    events = [e for e in events if (start is None or e["date"] >= start) and (end is None or e["date"] <= end)]
    events.sort(key=lambda e: (e["date"], _KIND_ORDER[e["kind"]], e["id"] or 0))
    return {"contract": summary, "events": events, "kinds": sorted(wanted, key=_KIND_ORDER.__getitem__)}


def _event(date: dt.date, kind: str, link: str, *, object_id: int | None = None, title: str = "",
           state: str | None = None, overdue: bool = False, **extra: Any) -> dict[str, Any]:
    return {"date": date, "kind": kind, "id": object_id, "title": title, "state": state, "overdue": overdue,
            "link": link, "source_link": None, "severity": None, "record_kind": None, "alert": None, **extra}


def _term_events(contract: Any, wanted: set[str]) -> list[dict[str, Any]]:
    """Return the signing, effective and expiry dates as events that link to the contract's terms."""
    link = f"/contracts/{contract.id}#terms"
    dates = (("signing", contract.signed_on), ("effective", contract.effective_on), ("expiry", contract.expires_on))
    return [_event(date, kind, link) for kind, date in dates if kind in wanted and date is not None]


def _clause_link(version_id: int | None, clause_id: int | None) -> str | None:
    if version_id is None or clause_id is None:
        return None
    return f"/versions/{version_id}#clause-{clause_id}"


def _version_events(session: Session, contract_id: int) -> list[dict[str, Any]]:
    """Return each version on the date the document bears, else on its upload date.

    An acceptance report bears its acceptance date (验收日期), else its signing date, and any other
    document bears its signing date. `dated_by` names the extracted field that gave the date, and
    `uploaded_on` is set beside it, both None for a version dated by its upload.
    """
    rows = session.execute(
        select(DocumentVersion.id, DocumentVersion.version_number, DocumentVersion.filename,
               DocumentVersion.uploaded_at, Document.title, Document.kind, Document.deleted_at)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(Document.contract_id == contract_id)
    ).all()
    dates = _field_dates(session, [row.id for row in rows], ("acceptance_date", "signing_date"))
    events = []
    for row in rows:
        uploaded_on = row.uploaded_at.date()
        dated_by, date = _document_date(row.kind, dates.get(row.id, {}))
        shown_on = uploaded_on if date is None else date
        events.append(_event(
            shown_on, "document_version", f"/versions/{row.id}", object_id=row.id,
            title=f"{row.title or row.filename} v{row.version_number}",
            state="deleted" if row.deleted_at is not None else None, document_kind=row.kind,
            dated_by=dated_by, uploaded_on=uploaded_on if date is not None else None))
    return events


def _document_date(kind: str, dates: dict[str, dt.date]) -> tuple[str | None, dt.date | None]:
    """Return (field name, date) of the date a version of `kind` bears, or (None, None) for none."""
    names = ("acceptance_date", "signing_date") if kind == ACCEPTANCE_REPORT_KIND else ("signing_date",)
    for name in names:
        if name in dates:
            return name, dates[name]
    return None, None


def _field_dates(
    session: Session, version_ids: list[int], names: tuple[str, ...]
) -> dict[int, dict[str, dt.date]]:
    """Return the first readable date of each extracted field of `names`, by version and field name."""
    dates: dict[int, dict[str, dt.date]] = {}
    rows = session.execute(
        select(ExtractedField.document_version_id, ExtractedField.name, ExtractedField.normalized)
        .where(ExtractedField.document_version_id.in_(version_ids), ExtractedField.name.in_(names))
        .order_by(ExtractedField.id)
    )
    for version_id, name, normalized in rows:
        found = dates.setdefault(version_id, {})
        if name in found or not normalized:
            continue
        try:
            found[name] = dt.date.fromisoformat(normalized[:10])
        except ValueError:
            continue
    return dates


def _obligation_events(session: Session, contract_id: int) -> list[dict[str, Any]]:
    # NOTE: an obligation still waiting for its event (due_date NULL) has no date and is left out.
    rows = session.execute(
        select(Obligation.id, Obligation.summary, Obligation.due_date, Obligation.status,
               Obligation.document_version_id, Obligation.clause_id)
        .where(Obligation.contract_id == contract_id, Obligation.review.in_(ACTIVE_REVIEWS),
               Obligation.due_date.is_not(None))
    ).all()
    return [
        _event(row.due_date, "obligation", f"/contracts/{contract_id}#obligation-{row.id}", object_id=row.id,
               title=row.summary, state=row.status, overdue=row.status == "overdue",
               source_link=_clause_link(row.document_version_id, row.clause_id))
        for row in rows
    ]


def _record_events(session: Session, contract_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(PerformanceRecord.id, PerformanceRecord.kind, PerformanceRecord.occurred_on,
               PerformanceRecord.status, PerformanceRecord.summary, PerformanceRecord.document_version_id,
               PerformanceRecord.clause_id)
        .where(PerformanceRecord.contract_id == contract_id)
    ).all()
    return [
        _event(row.occurred_on, "record", f"/records/{row.id}", object_id=row.id, title=row.summary,
               state=row.status, record_kind=row.kind,
               source_link=_clause_link(row.document_version_id, row.clause_id))
        for row in rows
    ]


def _alert_events(session: Session, contract_id: int) -> list[dict[str, Any]]:
    alerts = session.scalars(
        select(Alert).where(Alert.contract_id == contract_id, Alert.state.in_(ALERT_STATES))
    ).all()
    obligation_ids = {a.obligation_id for a in alerts if a.obligation_id is not None}
    subjects: dict[int, str] = {}
    if obligation_ids:
        subjects = dict(session.execute(
            select(Obligation.id, Obligation.summary).where(Obligation.id.in_(obligation_ids))).all())
    return [
        _event(alert.due_date or alert.first_raised_on, "alert", f"/contracts/{contract_id}#alert-{alert.id}",
               object_id=alert.id, state=alert.state, overdue=alert.state == "open", severity=alert.severity,
               alert={"rule": alert.rule, "params": dict(alert.params or {}),
                      "subject": subjects.get(alert.obligation_id, "") if alert.obligation_id else ""})
        for alert in alerts
    ]


def _hold_events(session: Session, contract_id: int) -> list[dict[str, Any]]:
    holds = session.scalars(select(LegalHold).where(LegalHold.contract_id == contract_id)).all()
    return [
        _event(hold.placed_at.date(), "legal_hold", f"/contracts/{contract_id}", object_id=hold.id,
               title=hold.reason, state="lifted" if hold.lifted_at is not None else "active")
        for hold in holds
    ]
