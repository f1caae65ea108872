"""Contracts and the links between an amendment and the contract version it amends."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from archive.models.base import Base, utcnow


class Contract(Base):
    """The agreement with one customer; groups its documents."""

    __tablename__ = "contract"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(200), index=True)
    title: Mapped[str | None] = mapped_column(String(500))
    # True when the pipeline created it because a document matched no existing contract.
    auto_created: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Only administrators and the users and groups in contract_access may see a restricted contract.
    restricted: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Terms that dates and alerts count from. Filled from the contract's extracted fields when
    # empty; staff corrections (terms_source "staff") are never overwritten.
    counterparty: Mapped[str | None] = mapped_column(String(300))
    owner: Mapped[str | None] = mapped_column(String(200))
    signed_on: Mapped[dt.date | None] = mapped_column(Date)
    effective_on: Mapped[dt.date | None] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    total_amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    auto_renews: Mapped[bool] = mapped_column(default=False, server_default=false())
    renewal_notice_days: Mapped[int | None]
    terminated_on: Mapped[dt.date | None] = mapped_column(Date)
    # detected or staff
    terms_source: Mapped[str] = mapped_column(String(20), default="detected", server_default="detected")


class AmendmentLink(Base):
    """An amendment version -> the contract version it amends, with how it was found."""

    __tablename__ = "amendment_link"
    __table_args__ = (UniqueConstraint("amendment_version_id", "amended_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    amendment_version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id"), index=True)
    amended_version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id"), index=True)
    # explicit (staff chose it), contract_number, title (a quoted title matched)
    method: Mapped[str] = mapped_column(String(40))
    evidence: Mapped[str | None] = mapped_column(String(500))
    amendment_clause_id: Mapped[int | None] = mapped_column(ForeignKey("clause.id"))
    amended_clause_id: Mapped[int | None] = mapped_column(ForeignKey("clause.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
