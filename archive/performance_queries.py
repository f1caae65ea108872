"""Read models of performance supervision: plain dicts for the API, the pages and the CLI."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.access import SYSTEM, Actor, check_contract_visible, visible_contracts
from archive.context import Archive
from archive.models import Alert, Contract, Document, DocumentVersion, Fulfilment, Obligation, PerformanceRecord, RecordAttachment
from archive.performance.scores import contract_scores, counterparty_scores
from archive.services import alerts as alert_service
from archive.services import obligations as obligation_service
from archive.services import records as record_service


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def record_dict(record: PerformanceRecord, attachments: list[int] | None = None) -> dict[str, Any]:
    return _plain({
        "id": record.id, "contract_id": record.contract_id, "kind": record.kind, "occurred_on": record.occurred_on,
        "responsible": record.responsible, "status": record.status, "amount": record.amount,
        "currency": record.currency, "summary": record.summary, "demand": record.demand, "detail": record.detail,
        "document_id": record.document_id, "document_version_id": record.document_version_id,
        "clause_id": record.clause_id, "case_id": record.case_id, "revision": record.revision,
        "created_by": record.created_by, "created_at": record.created_at, "updated_by": record.updated_by,
        "updated_at": record.updated_at, "attachments": attachments or [],
    })


def obligation_dict(obligation: Obligation, paid: Decimal | None = None) -> dict[str, Any]:
    outstanding = None
    if obligation.kind == "payment" and obligation.amount is not None:
        outstanding = max(obligation.amount - (paid or Decimal(0)), Decimal(0))
    return _plain({
        "id": obligation.id, "contract_id": obligation.contract_id, "kind": obligation.kind,
        "stage": obligation.stage, "summary": obligation.summary, "source_text": obligation.source_text,
        "debtor": obligation.debtor, "debtor_party": obligation.debtor_party, "amount": obligation.amount,
        "currency": obligation.currency, "percent": obligation.percent, "due_rule": obligation.due_rule,
        "due_date": obligation.due_date, "waiting_for": obligation.waiting_for,
        "calendar_known": obligation.calendar_known, "review": obligation.review, "status": obligation.status,
        "fulfilled_on": obligation.fulfilled_on, "paid": paid, "outstanding": outstanding,
        "owner": obligation.owner, "note": obligation.note, "clause_id": obligation.clause_id,
        "document_version_id": obligation.document_version_id,
    })


def alert_dict(alert: Alert, contract: Contract | None = None) -> dict[str, Any]:
    result = _plain({
        "id": alert.id, "key": alert.key, "rule": alert.rule, "contract_id": alert.contract_id,
        "obligation_id": alert.obligation_id, "record_id": alert.record_id, "severity": alert.severity,
        "likelihood": alert.likelihood, "action": alert.action, "owner": alert.owner, "due_date": alert.due_date,
        "params": alert.params, "state": alert.state, "state_note": alert.state_note, "state_by": alert.state_by,
        "state_at": alert.state_at, "first_raised_on": alert.first_raised_on, "last_seen_on": alert.last_seen_on,
    })
    if contract is not None:
        result["contract"] = {"id": contract.id, "number": contract.number, "title": contract.title,
                              "counterparty": contract.counterparty}
    return result


def scores_dict(scores: Any) -> dict[str, Any]:
    return _plain(dataclasses.asdict(scores))


def contract_performance(archive: Archive, contract_id: int, *, actor: Actor = SYSTEM,
                         today: dt.date | None = None) -> dict[str, Any]:
    """Return a contract's obligations, records, open alerts and scores, if `actor` may see it."""
    today = today or dt.date.today()
    with archive.session() as session:
        check_contract_visible(session, actor, contract_id)
        obligations = obligation_service.list_obligations(session, contract_id)
        paid = _paid(session, [o.id for o in obligations])
        records = list(session.scalars(select(PerformanceRecord).where(PerformanceRecord.contract_id == contract_id)
                                       .order_by(PerformanceRecord.occurred_on.desc(), PerformanceRecord.id.desc())))
        attachments = _attachments(session, [r.id for r in records])
        alerts, _ = alert_service.list_alerts(session, actor=actor, contract_id=contract_id)
        facts = alert_service.load_facts(session, contract_id)
        scores = contract_scores(facts.contracts[0], facts.obligations, facts.records, today=today)
        cases = {r.id: record_service.case_state(session, r) for r in records
                 if r.kind in record_service.CASE_KINDS and r.case_id is None}
        subjects = _alert_subjects(session, [a for a, _ in alerts])
        return {
            "obligations": [obligation_dict(o, paid.get(o.id)) for o in obligations],
            "records": [{**record_dict(r, attachments.get(r.id)), "case_state": cases.get(r.id)} for r in records],
            "alerts": [{**alert_dict(a), "subject": subjects.get(a.obligation_id, "")} for a, _ in alerts],
            "scores": scores_dict(scores),
        }


def record_detail(archive: Archive, record_id: int, *, actor: Actor = SYSTEM) -> dict[str, Any]:
    with archive.session() as session:
        record = record_service.get_record_or_raise(session, record_id)
        check_contract_visible(session, actor, record.contract_id, object_name="Performance record", object_id=record_id)
        attachments = _attachments(session, [record.id]).get(record.id, [])
        documents = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(attachments)))}
        latest = _latest_versions(session, list(documents))
        steps = list(session.scalars(select(PerformanceRecord).where(PerformanceRecord.case_id == record.id)
                                     .order_by(PerformanceRecord.occurred_on, PerformanceRecord.id)))
        fulfils = session.execute(select(Fulfilment.obligation_id, Fulfilment.amount)
                                  .where(Fulfilment.record_id == record.id)).all()
        return {
            "record": record_dict(record, attachments),
            "documents": [{"id": d.id, "kind": d.kind, "title": d.title, "latest_version_id": latest.get(d.id)}
                          for d in documents.values()],
            "history": [_plain({"revision": h.revision, "values": h.values, "replaced_by": h.replaced_by,
                                "replaced_at": h.replaced_at}) for h in record_service.record_history(session, record.id)],
            "case_steps": [record_dict(s) for s in steps],
            "case_state": record_service.case_state(session, record) if record.kind in record_service.CASE_KINDS else None,
            "fulfils": [{"obligation_id": o, "amount": _plain(a)} for o, a in fulfils],
        }


def alerts_dashboard(archive: Archive, *, actor: Actor = SYSTEM, **filters: Any) -> dict[str, Any]:
    with archive.session() as session:
        rows, total = alert_service.list_alerts(session, actor=actor, **filters)
        subjects = _alert_subjects(session, [a for a, _ in rows])
        return {"total": total,
                "alerts": [{**alert_dict(a, c), "subject": subjects.get(a.obligation_id, "")} for a, c in rows]}


def counterparty_score_list(archive: Archive, *, actor: Actor = SYSTEM, today: dt.date | None = None) -> list[dict[str, Any]]:
    today = today or dt.date.today()
    with archive.session() as session:
        visible = set(session.scalars(select(Contract.id).where(visible_contracts(actor))))
        facts = alert_service.load_facts(session)
        contracts = [c for c in facts.contracts if c.id in visible]
        scores = counterparty_scores(contracts, [o for o in facts.obligations if o.contract_id in visible],
                                     [r for r in facts.records if r.contract_id in visible], today=today)
        # The contract of each obligation, so a page can link an obligation id to its contract.
        obligation_contracts = {o.id: o.contract_id for o in facts.obligations if o.contract_id in visible}
        return [{"counterparty": name, **scores_dict(value),
                 "obligation_contracts": _obligation_contracts(value, obligation_contracts)}
                for name, value in sorted(scores.items())]


def _obligation_contracts(scores: Any, contracts: dict[int, int]) -> dict[int, int]:
    ids = (*scores.progress.on_time, *scores.progress.late, *scores.progress.unmet, *scores.payment.counted,
           *scores.payment.unpaid, *scores.payment.without_amount)
    return {obligation_id: contracts[obligation_id] for obligation_id in ids if obligation_id in contracts}


def _alert_subjects(session: Session, alerts: list[Alert]) -> dict[int, str]:
    """Map the obligation id of each alert to the obligation's summary, which alert sentences name."""
    ids = {a.obligation_id for a in alerts if a.obligation_id is not None}
    if not ids:
        return {}
    return dict(session.execute(select(Obligation.id, Obligation.summary).where(Obligation.id.in_(ids))).all())


def _latest_versions(session: Session, document_ids: list[int]) -> dict[int, int]:
    """Return the id of each document's newest version."""
    from sqlalchemy import func

    if not document_ids:
        return {}
    rows = session.execute(select(DocumentVersion.document_id, func.max(DocumentVersion.id))
                           .where(DocumentVersion.document_id.in_(document_ids)).group_by(DocumentVersion.document_id))
    return dict(rows.all())


def _paid(session: Session, obligation_ids: list[int]) -> dict[int, Decimal]:
    paid: dict[int, Decimal] = {}
    if obligation_ids:
        for obligation_id, amount in session.execute(
                select(Fulfilment.obligation_id, Fulfilment.amount).where(Fulfilment.obligation_id.in_(obligation_ids))):
            paid[obligation_id] = paid.get(obligation_id, Decimal(0)) + (amount or Decimal(0))
    return paid


def _attachments(session: Session, record_ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    if record_ids:
        for record_id, document_id in session.execute(
                select(RecordAttachment.record_id, RecordAttachment.document_id)
                .where(RecordAttachment.record_id.in_(record_ids)).order_by(RecordAttachment.id)):
            found.setdefault(record_id, []).append(document_id)
    return found
