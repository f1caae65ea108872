"""The records, timeline and versions of a contract as they stood at a pack's "as of" moment.

A pack is built from a saved draft, and building it again later must give the same bytes, so
everything a pack shows is read as of the draft's save. Versions uploaded and records entered
after the save are left out. A record edited after the save shows the values it had then, taken
from its revisions. An obligation's state is computed for the day of the save.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import Document, DocumentVersion, Obligation, PerformanceRecord, RecordAttachment, RecordRevision


def aware(moment: dt.datetime) -> dt.datetime:
    """Return `moment` as an aware datetime, reading a naive value as UTC.

    SQLite returns the UTC timestamps it stores without an offset.
    """
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.timezone.utc)


def record_as_of(session: Session, record: PerformanceRecord, as_of: dt.datetime) -> dict[str, Any] | None:
    """Return the record's editable values at `as_of`, or None when it was entered later."""
    if aware(record.created_at) > as_of:
        return None
    values: dict[str, Any] = {
        "occurred_on": record.occurred_on, "summary": record.summary, "responsible": record.responsible,
        "status": record.status, "amount": record.amount, "currency": record.currency, "demand": record.demand,
        "detail": record.detail or {}, "revision": record.revision,
    }
    if record.updated_at is not None and aware(record.updated_at) > as_of:
        # The first revision replaced after `as_of` contains the values the record had at `as_of`.
        earlier = session.scalars(
            select(RecordRevision).where(RecordRevision.record_id == record.id, RecordRevision.replaced_at > as_of)
            .order_by(RecordRevision.revision).limit(1)).first()
        if earlier is not None:
            old = dict(earlier.values)
            values.update(old)
            values["revision"] = earlier.revision
            values["occurred_on"] = dt.date.fromisoformat(str(old.get("occurred_on", record.occurred_on)))
            amount = old.get("amount")
            values["amount"] = Decimal(str(amount)) if amount not in (None, "") else None
    return values


def records_as_of(session: Session, contract_id: int, as_of: dt.datetime) -> list[tuple[PerformanceRecord, dict[str, Any]]]:
    """Return the contract's records entered by `as_of` with their values then, by date and id."""
    records = session.scalars(
        select(PerformanceRecord).where(PerformanceRecord.contract_id == contract_id,
                                        PerformanceRecord.created_at <= as_of)).all()
    result = [(record, values) for record in records if (values := record_as_of(session, record, as_of)) is not None]
    result.sort(key=lambda pair: (pair[1]["occurred_on"], pair[0].id))
    return result


def newest_version_as_of(session: Session, document_id: int, as_of: dt.datetime) -> DocumentVersion | None:
    """Return the document's newest version uploaded by `as_of`, or None when there is none.

    The version's ingest state is not checked, so a version whose ingest failed can be returned.
    """
    return session.scalars(
        select(DocumentVersion).where(DocumentVersion.document_id == document_id,
                                      DocumentVersion.uploaded_at <= as_of)
        .order_by(DocumentVersion.version_number.desc(), DocumentVersion.id.desc()).limit(1)).first()


def record_attachments_as_of(session: Session, record_id: int, as_of: dt.datetime) -> list[DocumentVersion]:
    """Return the newest version as of `as_of` of each document attached to the record.

    The versions are ordered by document id. A document with no version uploaded by `as_of` is skipped.
    """
    document_ids = session.scalars(
        select(RecordAttachment.document_id).join(Document, Document.id == RecordAttachment.document_id)
        .where(RecordAttachment.record_id == record_id).order_by(RecordAttachment.document_id)).all()
    versions = []
    for document_id in document_ids:
        version = newest_version_as_of(session, document_id, as_of)
        if version is not None:
            versions.append(version)
    return versions


def obligation_state_as_of(obligation: Obligation, day: dt.date) -> str:
    """Return pending, fulfilled, overdue or waived for the obligation on `day`."""
    if obligation.status == "waived":
        return "waived"
    if obligation.fulfilled_on is not None and obligation.fulfilled_on <= day:
        return "fulfilled"
    if obligation.due_date is not None and obligation.due_date < day:
        return "overdue"
    return "pending"


def timeline_as_of(session: Session, timeline: dict[str, Any], as_of: dt.datetime) -> dict[str, Any]:
    """Return `timeline`, as contract_timeline builds it, without the events entered after `as_of`.

    Versions and records entered later are dropped. Records show their values at `as_of`, and
    obligations show their state on the day of `as_of`. Alert and legal hold events are dropped
    because they change daily and are not part of the evidence.
    """
    day = as_of.date()
    contract_id = timeline["contract"]["id"]
    versions = {row.id: row for row in session.execute(
        select(DocumentVersion.id, DocumentVersion.uploaded_at, Document.deleted_at)
        .join(Document, Document.id == DocumentVersion.document_id).where(Document.contract_id == contract_id))}
    records = {record.id: values for record, values in records_as_of(session, contract_id, as_of)}
    obligations = {o.id: o for o in session.scalars(select(Obligation).where(Obligation.contract_id == contract_id))}
    events = []
    for event in timeline["events"]:
        kind = event["kind"]
        if kind in ("alert", "legal_hold"):
            continue
        if kind == "document_version":
            row = versions.get(event["id"])
            if row is None or aware(row.uploaded_at) > as_of:
                continue
            deleted = row.deleted_at is not None and aware(row.deleted_at) <= as_of
            event = {**event, "state": "deleted" if deleted else None}
        elif kind == "record":
            values = records.get(event["id"])
            if values is None:
                continue
            event = {**event, "date": values["occurred_on"], "title": values["summary"], "state": values["status"]}
        elif kind == "obligation":
            obligation = obligations.get(event["id"])
            if obligation is None or aware(obligation.created_at) > as_of:
                continue
            state = obligation_state_as_of(obligation, day)
            event = {**event, "state": state, "overdue": state == "overdue"}
        events.append(event)
    # The sort is stable, so events of one day keep the timeline's order of kinds.
    events.sort(key=lambda e: e["date"])
    kinds = [kind for kind in timeline["kinds"] if kind not in ("alert", "legal_hold")]
    return {**timeline, "events": events, "kinds": kinds}
