"""Documents, their immutable versions and the blobs that hold the bytes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from archive.models.base import Base, utcnow

DOCUMENT_KINDS = (
    "contract",
    "amendment",
    "acceptance_report",
    "payment_proof",
    "invoice",
    "correspondence",
    "meeting_minutes",
    "other",
)

# pending: stored, not yet read; ingested: clauses and fields written;
# needs_ocr: some pages have no usable text layer; failed: see error_code/error_message.
VERSION_STATES = ("pending", "ingested", "needs_ocr", "failed")


class Blob(Base):
    """Stored bytes, keyed by their SHA-256; written once, never changed."""

    __tablename__ = "blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Document(Base):
    """One logical file in a contract's archive; its content lives in versions."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL while the document is not yet filed under a contract (for example, it failed to read).
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    # detected (by the pipeline) or staff (corrected by a person, never overwritten)
    kind_source: Mapped[str] = mapped_column(String(20), default="detected")
    title: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when an administrator approved a deletion request. The document stays listed as deleted,
    # its files stay stored, and its clauses leave the search index.
    deleted_at: Mapped[datetime | None] = mapped_column()
    deleted_by: Mapped[str | None] = mapped_column(String(200))


class DeletionRequest(Base):
    """A request to delete a document, and an administrator's decision on it."""

    __tablename__ = "deletion_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    # requested, approved or rejected
    state: Mapped[str] = mapped_column(String(20), default="requested")
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column()
    decision_note: Mapped[str | None] = mapped_column(Text)


class DocumentVersion(Base):
    """One uploaded file. The bytes never change; a newer version supersedes it."""

    __tablename__ = "document_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    # Unique: the same bytes are one version, wherever they were uploaded from.
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"), unique=True)
    version_number: Mapped[int] = mapped_column(default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("document_version.id"))
    filename: Mapped[str] = mapped_column(String(500))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    uploaded_by: Mapped[str] = mapped_column(String(200), default="local")
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    error_code: Mapped[str | None] = mapped_column(String(60))
    error_message: Mapped[str | None] = mapped_column(Text)
    error_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    title: Mapped[str | None] = mapped_column(String(500))
    detected_kind: Mapped[str | None] = mapped_column(String(40))
    page_count: Mapped[int | None]
    has_revisions: Mapped[bool] = mapped_column(default=False)
    needs_ocr_pages: Mapped[list[int]] = mapped_column(JSON, default=list)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The quality gate's record: characters, share in expected scripts, pages needing OCR,
    # table rows, revisions and a verdict (trusted, review, unreadable), per page and in total.
    quality: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Tracked changes ({kind, author, date, text, paragraph_index}) and reviewers' comments
    # ({author, date, text, paragraph_index}) as the file records them, and the distinct texts
    # of running headers and footers, all kept apart from the clause text.
    revisions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    comments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    page_furniture: Mapped[list[str]] = mapped_column(JSON, default=list)
    link_candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The contract numbers, titles, dates and parties the document names, kept so that
    # a contract ingested later can claim it.
    link_query: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    ingested_at: Mapped[datetime | None]
    # NULL until the clauses are in the search index; reindex and the indexer use it as an outbox.
    indexed_at: Mapped[datetime | None] = mapped_column(index=True)
