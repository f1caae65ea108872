"""Clauses of a version and the fields read from them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from archive.models.base import Base, utcnow


class Clause(Base):
    """A numbered unit of a version's text, with its pages and positions."""

    __tablename__ = "clause"
    __table_args__ = (UniqueConstraint("document_version_id", "ordinal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id"), index=True)
    ordinal: Mapped[int]
    role: Mapped[str] = mapped_column(String(20))  # preamble, clause, signature
    number: Mapped[str | None] = mapped_column(String(100))
    heading: Mapped[str | None] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    # The clause as it read before tracked changes were accepted, when that differs from `text`.
    original_text: Mapped[str | None] = mapped_column(Text)
    # The text as the file encodes it (before Unicode folding), when that differs from `text`.
    raw_text: Mapped[str | None] = mapped_column(Text)
    level: Mapped[int] = mapped_column(default=0)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("clause.id"))
    page_start: Mapped[int | None]
    page_end: Mapped[int | None]
    # [[page, x0, top, x1, bottom], ...] in PDF points from the page's top-left corner
    boxes: Mapped[list[list[float]]] = mapped_column(JSON, default=list)
    paragraph_start: Mapped[int | None]
    paragraph_end: Mapped[int | None]
    table_rows: Mapped[list[list[str]]] = mapped_column(JSON, default=list)


class ExtractedField(Base):
    """A value read from a document, with the clause it came from."""

    __tablename__ = "extracted_field"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id"), index=True)
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clause.id"))
    name: Mapped[str] = mapped_column(String(60), index=True)
    value: Mapped[str] = mapped_column(Text)
    normalized: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(60))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    confirmed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
