"""Performance records, obligations, their links, and the alerts computed from them.

archive.performance.terms contains the vocabularies (record kinds, obligation kinds, states).
Amounts are Numeric(18, 2) and never floats. Dates of facts are calendar dates (the day a
payment arrived), and times of changes are timestamps.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Numeric, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from archive.models.base import Base, utcnow

Money = Numeric(18, 2)


class PerformanceRecord(Base):
    """A dated fact about how a contract is performed (履约记录): a payment, a delivery, a complaint...

    It belongs to a contract and may concern one document, version or clause. Edits bump
    `revision` and copy the previous values into performance_record_revision first.
    """

    __tablename__ = "performance_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    document_version_id: Mapped[int | None] = mapped_column(ForeignKey("document_version.id"))
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clause.id"))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    occurred_on: Mapped[dt.date] = mapped_column(Date, index=True)
    responsible: Mapped[str | None] = mapped_column(String(200))
    # Depends on the kind: passed/failed for inspections and acceptance; the case state for
    # complaints and disputes; done/planned for others.
    status: Mapped[str | None] = mapped_column(String(40))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    summary: Mapped[str] = mapped_column(Text, default="")
    # A written demand for performance (催款函, 律师函): restarts the limitation period.
    demand: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Kind-specific values: for communication channel, participants, outcome; for cases the
    # record that opened the case.
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A complaint's or dispute's later steps point to the record that opened the case.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("performance_record.id"), index=True)
    revision: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime | None]


class RecordRevision(Base):
    """The values a record had before one edit; rows are only ever inserted."""

    __tablename__ = "performance_record_revision"
    __table_args__ = (UniqueConstraint("record_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("performance_record.id"), index=True)
    revision: Mapped[int]
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    replaced_by: Mapped[str] = mapped_column(String(200))
    replaced_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RecordAttachment(Base):
    """A document of the contract attached to a record, such as the acceptance report it records."""

    __tablename__ = "record_attachment"
    __table_args__ = (UniqueConstraint("record_id", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("performance_record.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)


class Obligation(Base):
    """A duty with a due date (履约义务), suggested from a clause or entered by staff."""

    __tablename__ = "obligation"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    document_version_id: Mapped[int | None] = mapped_column(ForeignKey("document_version.id"))
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clause.id"))
    kind: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str | None] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(Text, default="")
    source_text: Mapped[str | None] = mapped_column(Text)
    # customer or us
    debtor: Mapped[str | None] = mapped_column(String(20))
    debtor_party: Mapped[str | None] = mapped_column(String(100))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    percent: Mapped[Decimal | None] = mapped_column(Numeric(7, 3))
    # archive.performance.terms.DueRule.as_dict()
    due_rule: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Resolved from due_rule when its event is known; NULL while waiting_for names the event.
    due_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    waiting_for: Mapped[str | None] = mapped_column(String(20))
    calendar_known: Mapped[bool] = mapped_column(default=True)
    # suggested, confirmed, rejected, manual
    review: Mapped[str] = mapped_column(String(20), default="suggested", index=True)
    # pending, fulfilled, overdue, waived: refreshed whenever records change and by the daily job.
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    fulfilled_on: Mapped[dt.date | None] = mapped_column(Date)
    owner: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[dt.datetime | None]


class Fulfilment(Base):
    """A record that meets an obligation, in full or in part (a payment of part of an instalment)."""

    __tablename__ = "fulfilment"
    __table_args__ = (UniqueConstraint("obligation_id", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligation.id"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("performance_record.id"), index=True)
    # The part of the record's amount applied to this obligation; NULL for non-payment records.
    amount: Mapped[Decimal | None] = mapped_column(Money)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Alert(Base):
    """A risk warning (风险预警). The daily job computes alerts; people acknowledge and resolve them.

    `key` names the condition (overdue:obligation:12), so a condition that persists keeps
    its row and its state. When the condition clears, the job resolves the alert itself.
    """

    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    rule: Mapped[str] = mapped_column(String(40), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    obligation_id: Mapped[int | None] = mapped_column(ForeignKey("obligation.id"))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("performance_record.id"))
    severity: Mapped[str] = mapped_column(String(20), index=True)
    likelihood: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60))
    owner: Mapped[str | None] = mapped_column(String(200), index=True)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # open, acknowledged, resolved
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)
    state_note: Mapped[str | None] = mapped_column(Text)
    state_by: Mapped[str | None] = mapped_column(String(200))
    state_at: Mapped[dt.datetime | None]
    first_raised_on: Mapped[dt.date] = mapped_column(Date)
    last_seen_on: Mapped[dt.date] = mapped_column(Date)
