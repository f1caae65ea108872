"""Performance records (履约记录): create, edit with history, attach files, and follow cases.

Every change is in the audit log. A payment record is applied to the customer's payment
obligations it pays: those given, or else the earliest due first. Any record may date an event
that obligations count from (an acceptance record dates 验收合格). So each change ends by
refreshing the contract's obligations.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive import problems
from archive.access import Actor
from archive.errors import (
    AttachmentNotInContractError,
    CaseTransitionError,
    InvalidRecordError,
    NotFoundError,
    ProblemError,
    UnknownRecordKindError,
)
from archive.models import Clause, Document, DocumentVersion, PerformanceRecord, RecordAttachment, RecordRevision
from archive.performance.terms import CASE_STATES, CASE_TRANSITIONS, COMMUNICATION_CHANNELS, RECORD_KINDS
from archive.services.audit import record_event
from archive.services.contracts import get_contract_or_raise
from archive.services.fulfilment import allocate_record, refresh_obligations

CASE_KINDS = ("complaint", "dispute")
RESULT_KINDS = ("quality_inspection", "acceptance")
RESULT_STATUSES = ("passed", "failed")
OTHER_STATUSES = ("done", "planned", "cancelled")
# Fields an edit may change; the rest (contract, kind, case) identify the record.
EDITABLE = ("occurred_on", "summary", "responsible", "status", "amount", "currency", "demand", "detail")
MAX_AMOUNT = Decimal("1e15")
# Records before this day are typing errors, not facts of a contract still supervised.
EARLIEST_DATE = dt.date(1970, 1, 1)
CURRENCY_CODE = re.compile(r"[A-Za-z]{3}")


def check_amount(amount: Decimal, error: type[ProblemError]) -> None:
    """Raise `error` unless `amount` is a finite, non-negative amount of at most two decimals below MAX_AMOUNT."""
    if not amount.is_finite() or amount < 0:
        raise error(problems.AMOUNT_NEGATIVE, value=str(amount)[:40])
    if amount >= MAX_AMOUNT:
        raise error(problems.AMOUNT_TOO_LARGE, value=str(amount)[:40])
    if amount != amount.quantize(Decimal("0.01")):
        raise error(problems.AMOUNT_DECIMALS, value=str(amount)[:40])


@dataclass
class RecordInput:
    """Input of one record. With `obligation_ids` None the record is applied to obligations automatically."""

    kind: str
    occurred_on: dt.date
    summary: str = ""
    responsible: str | None = None
    status: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    demand: bool = False
    detail: dict[str, Any] = field(default_factory=dict)
    document_id: int | None = None
    document_version_id: int | None = None
    clause_id: int | None = None
    attachments: tuple[int, ...] = ()
    obligation_ids: tuple[int, ...] | None = None


def get_record_or_raise(session: Session, record_id: int) -> PerformanceRecord:
    record = session.get(PerformanceRecord, record_id)
    if record is None:
        raise NotFoundError(object="Performance record", id=record_id)
    return record


def create_record(session: Session, contract_id: int, data: RecordInput, *, actor: Actor,
                  case_id: int | None = None) -> PerformanceRecord:
    """Validate and store one record, apply it to obligations, and audit it."""
    contract = get_contract_or_raise(session, contract_id)
    _validate(data, case_step=case_id is not None)
    _check_sources(session, contract_id, data)
    record = PerformanceRecord(
        contract_id=contract_id, kind=data.kind, occurred_on=data.occurred_on, summary=data.summary.strip(),
        responsible=(data.responsible or "").strip() or None, status=_default_status(data),
        amount=data.amount, currency=_currency(data, contract.currency), demand=data.demand,
        detail=dict(data.detail), document_id=data.document_id, document_version_id=data.document_version_id,
        clause_id=data.clause_id, case_id=case_id, created_by=actor.username,
    )
    session.add(record)
    session.flush()
    for document_id in dict.fromkeys(data.attachments):
        session.add(RecordAttachment(record_id=record.id, document_id=document_id))
    allocate_record(session, record, data.obligation_ids, actor=actor.username)
    record_event(
        session, actor=actor.username, actor_id=actor.user_id, action="record_created",
        object_type="performance_record", object_id=record.id,
        summary={"contract_id": contract_id, "kind": record.kind, "occurred_on": record.occurred_on.isoformat(),
                 "amount": str(record.amount) if record.amount is not None else None},
    )
    refresh_obligations(session, contract_id)
    return record


def update_record(session: Session, record_id: int, changes: dict[str, Any], *, actor: Actor) -> PerformanceRecord:
    """Change a record; its previous values are kept as a revision, and the change is audited."""
    record = get_record_or_raise(session, record_id)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidRecordError(problems.FIELDS_NOT_EDITABLE, fields=", ".join(unknown))
    before = record_values(record)
    merged = RecordInput(kind=record.kind, **{**{k: before[k] for k in EDITABLE}, **changes})
    merged.occurred_on = _as_date(merged.occurred_on)
    merged.amount = Decimal(str(merged.amount)) if merged.amount is not None else None
    _validate(merged, case_step=record.case_id is not None)
    changed = {name: value for name, value in changes.items() if before[name] != _json_value(value)}
    if not changed:
        return record
    session.add(RecordRevision(record_id=record.id, revision=record.revision, values=before,
                               replaced_by=actor.username))
    for name in changed:
        setattr(record, name, getattr(merged, name))
    record.revision += 1
    record.updated_by, record.updated_at = actor.username, dt.datetime.now(dt.timezone.utc)
    session.flush()
    if record.kind == "payment" and "amount" in changed:
        allocate_record(session, record, None, actor=actor.username, replace=True)
    record_event(
        session, actor=actor.username, actor_id=actor.user_id, action="record_edited",
        object_type="performance_record", object_id=record.id,
        summary={"revision": record.revision, "changed": {k: [before[k], _json_value(changes[k])] for k in changed}},
    )
    refresh_obligations(session, record.contract_id)
    return record


def record_history(session: Session, record_id: int) -> list[RecordRevision]:
    return list(session.scalars(
        select(RecordRevision).where(RecordRevision.record_id == record_id).order_by(RecordRevision.revision)
    ))


def attach_document(session: Session, record_id: int, document_id: int, *, actor: Actor) -> None:
    """Attach a document of the record's contract, such as a file uploaded for it."""
    record = get_record_or_raise(session, record_id)
    _check_attachment(session, record.contract_id, document_id)
    exists = session.scalar(select(RecordAttachment.id).where(
        RecordAttachment.record_id == record_id, RecordAttachment.document_id == document_id))
    if exists:
        return
    session.add(RecordAttachment(record_id=record_id, document_id=document_id))
    record_event(session, actor=actor.username, actor_id=actor.user_id, action="record_attachment_added",
                 object_type="performance_record", object_id=record_id, summary={"document_id": document_id})
    session.flush()
    refresh_obligations(session, record.contract_id)


def case_state(session: Session, case: PerformanceRecord) -> str:
    """Return the state of a complaint or dispute: the status of its latest step."""
    latest = session.scalar(
        select(PerformanceRecord.status).where(PerformanceRecord.case_id == case.id)
        .order_by(PerformanceRecord.occurred_on.desc(), PerformanceRecord.id.desc()).limit(1)
    )
    return latest or case.status or "received"


def advance_case(session: Session, case_id: int, *, target: str, occurred_on: dt.date, summary: str,
                 actor: Actor, responsible: str | None = None) -> PerformanceRecord:
    """Move a complaint or dispute to its next state; the step is a record of its own.

    Escalating a complaint opens a dispute that points back to it.
    """
    case = get_record_or_raise(session, case_id)
    if case.kind not in CASE_KINDS or case.case_id is not None:
        raise InvalidRecordError(problems.NOT_A_CASE, id=case_id)
    current = case_state(session, case)
    latest = session.scalar(select(func.max(PerformanceRecord.occurred_on)).where(PerformanceRecord.case_id == case.id))
    earliest = max(filter(None, (case.occurred_on, latest)))
    if occurred_on < earliest:
        raise InvalidRecordError(problems.STEP_BEFORE_CASE, value=occurred_on.isoformat(), earliest=earliest.isoformat())
    allowed = CASE_TRANSITIONS[current]
    if target not in allowed:
        raise CaseTransitionError(kind=case.kind, current=current, target=target,
                                  allowed=", ".join(allowed) or "-")
    step = create_record(
        session, case.contract_id,
        RecordInput(kind=case.kind, occurred_on=occurred_on, summary=summary, status=target,
                    responsible=responsible or case.responsible, obligation_ids=()),
        actor=actor, case_id=case.id,
    )
    if target == "escalated" and case.kind == "complaint":
        create_record(
            session, case.contract_id,
            RecordInput(kind="dispute", occurred_on=occurred_on, summary=summary or case.summary,
                        status="received", responsible=responsible or case.responsible,
                        detail={"escalated_from": case.id}, obligation_ids=()),
            actor=actor,
        )
    return step


def record_values(record: PerformanceRecord) -> dict[str, Any]:
    return {name: _json_value(getattr(record, name)) for name in EDITABLE}


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    return value


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise InvalidRecordError(problems.NOT_A_DATE, value=str(value)[:40]) from error


def _validate(data: RecordInput, *, case_step: bool = False) -> None:
    if data.kind not in RECORD_KINDS:
        raise UnknownRecordKindError(kind=data.kind, kinds=", ".join(RECORD_KINDS))
    if not isinstance(data.occurred_on, dt.date):
        raise InvalidRecordError(problems.DATE_MISSING)
    if data.occurred_on < EARLIEST_DATE:
        raise InvalidRecordError(problems.DATE_TOO_EARLY, value=data.occurred_on.isoformat())
    if data.occurred_on > dt.date.today() and data.status not in ("planned", "cancelled"):
        raise InvalidRecordError(problems.DATE_IN_FUTURE, value=data.occurred_on.isoformat())
    if data.kind in RESULT_KINDS and data.status not in RESULT_STATUSES:
        raise InvalidRecordError(problems.RESULT_REQUIRED)
    if data.kind in CASE_KINDS and data.status not in (None, *CASE_STATES):
        raise InvalidRecordError(problems.CASE_STATE_INVALID, allowed=", ".join(CASE_STATES))
    if data.kind in CASE_KINDS and not case_step and data.status not in (None, "received"):
        raise InvalidRecordError(problems.CASE_STARTS_RECEIVED)
    if data.kind not in RESULT_KINDS + CASE_KINDS and data.status not in (None, *OTHER_STATUSES):
        raise InvalidRecordError(problems.STATUS_INVALID, allowed=", ".join(OTHER_STATUSES))
    if data.amount is not None:
        check_amount(data.amount, InvalidRecordError)
    if data.kind == "payment" and data.amount is None:
        raise InvalidRecordError(problems.PAYMENT_AMOUNT_MISSING)
    if data.currency is not None and not CURRENCY_CODE.fullmatch(data.currency):
        raise InvalidRecordError(problems.CURRENCY_INVALID, value=data.currency)
    if data.kind == "communication":
        channel = data.detail.get("channel")
        if channel not in COMMUNICATION_CHANNELS:
            raise InvalidRecordError(problems.CHANNEL_MISSING, allowed=", ".join(COMMUNICATION_CHANNELS))
    if len(data.summary) > 20_000:
        raise InvalidRecordError(problems.TEXT_TOO_LONG)


def _default_status(data: RecordInput) -> str | None:
    if data.kind in CASE_KINDS:
        return data.status or "received"
    return data.status or (None if data.kind in RESULT_KINDS else "done")


def _currency(data: RecordInput, contract_currency: str | None) -> str | None:
    if data.currency:
        return data.currency.upper()
    if data.amount is not None:
        return contract_currency or "CNY"
    return None


def _check_sources(session: Session, contract_id: int, data: RecordInput) -> None:
    if data.document_id is not None:
        _check_attachment(session, contract_id, data.document_id)
    if data.document_version_id is not None:
        version = session.get(DocumentVersion, data.document_version_id)
        if version is None:
            raise NotFoundError(object="Document version", id=data.document_version_id)
        _check_attachment(session, contract_id, version.document_id)
    if data.clause_id is not None:
        clause = session.get(Clause, data.clause_id)
        if clause is None:
            raise NotFoundError(object="Clause", id=data.clause_id)
        version = session.get(DocumentVersion, clause.document_version_id)
        _check_attachment(session, contract_id, version.document_id if version else -1)
    for document_id in data.attachments:
        _check_attachment(session, contract_id, document_id)


def _check_attachment(session: Session, contract_id: int, document_id: int) -> None:
    document = session.get(Document, document_id)
    if document is None or document.contract_id != contract_id:
        raise AttachmentNotInContractError(document_id=document_id, contract_id=contract_id)

