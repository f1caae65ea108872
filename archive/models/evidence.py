"""Evidence pack drafts (the chosen, ordered and described evidence) and the packs built from them.

A draft is edited freely. Saving it increments `revision` and records an audit event, and that
event fixes what a build of this revision contains. The event's time is the pack's "as of"
moment, and its seq and hash are the audit chain head written into the manifest. So two builds
of one saved revision give the same bytes. A built pack is a blob, and its row is never changed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from archive.models.base import Base, utcnow

# Kinds of item source: a document version (the whole file or some pages), a clause of a
# version (the pages it is on), or a performance record (its attached files, else a printout).
ITEM_SOURCES = ("version", "clause", "record")

# The disputes the archive can propose a first selection for.
DISPUTE_KINDS = ("unpaid_price", "late_delivery", "quality_defect", "wrongful_termination", "other")


class EvidenceDraft(Base):
    """A selection of evidence for one case, saved by staff and built into packs."""

    __tablename__ = "evidence_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_name: Mapped[str] = mapped_column(String(300))
    dispute: Mapped[str] = mapped_column(String(40), default="other")
    # The parties as the evidence index prints them (申请人/原告 and 被申请人/被告).
    claimant: Mapped[str] = mapped_column(String(300), default="")
    respondent: Mapped[str] = mapped_column(String(300), default="")
    # Group titles by group number, such as {"1": "合同及补充协议"}. A group without a title
    # prints as 证据一 (evidence group one).
    group_titles: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # The language of the pack's own files (index, stamps, printouts): zh_CN or en. It belongs to
    # the draft, not to the requesting page, so a revision always builds to the same bytes.
    lang: Mapped[str] = mapped_column(String(10), default="zh_CN", server_default="zh_CN")
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # 0 until the first save, and each save increments it.
    revision: Mapped[int] = mapped_column(default=0)
    saved_by: Mapped[str | None] = mapped_column(String(200))
    saved_at: Mapped[datetime | None]
    saved_event_seq: Mapped[int | None]
    saved_event_hash: Mapped[str | None] = mapped_column(String(64))
    # The header and numbered items as saved (archive.services.evidence_drafts.draft_snapshot).
    saved_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # True when items changed after the last save, so a build would not show them.
    dirty: Mapped[bool] = mapped_column(default=True)


class EvidenceDraftContract(Base):
    """A contract whose documents and records the draft draws on."""

    __tablename__ = "evidence_draft_contract"
    __table_args__ = (UniqueConstraint("draft_id", "contract_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("evidence_draft.id"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)


class EvidenceDraftItem(Base):
    """One item of a draft, in the order staff set. Its number within its group follows that order."""

    __tablename__ = "evidence_draft_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("evidence_draft.id"), index=True)
    position: Mapped[int]
    group_number: Mapped[int] = mapped_column(default=1)
    source: Mapped[str] = mapped_column(String(20))  # one of ITEM_SOURCES
    document_version_id: Mapped[int | None] = mapped_column(ForeignKey("document_version.id"))
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clause.id"))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("performance_record.id"))
    name: Mapped[str] = mapped_column(String(300))
    origin: Mapped[str] = mapped_column(String(20), default="copy")  # archive.evidence.items.ORIGIN_KINDS
    issuer: Mapped[str] = mapped_column(String(300), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    pages: Mapped[str | None] = mapped_column(String(100))
    # The record's revision when the item was added or last edited, so the editor can tell staff
    # that a record changed under the name and purpose written from it.
    source_revision: Mapped[int | None]


class EvidencePack(Base):
    """A pack built from one saved revision of a draft. The row is inserted once and never changed."""

    __tablename__ = "evidence_pack"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("evidence_draft.id"), index=True)
    draft_revision: Mapped[int]
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"), index=True)
    # manifest_sha256 (the SHA-256 of manifest.json) is the pack's identity. blob_sha256 is the
    # SHA-256 of the whole ZIP file, which also covers ZIP metadata such as entry dates.
    manifest_sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    file_count: Mapped[int]
    file_name: Mapped[str] = mapped_column(String(300))
    built_by: Mapped[str] = mapped_column(String(200))
    built_at: Mapped[datetime] = mapped_column(default=utcnow)
    audit_event_seq: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)


# "queued" builds wait for a thread or worker. A "done" build has pack_id set, and a "failed"
# build has error_code set to the reason.
BUILD_STATES = ("queued", "running", "done", "failed")


class EvidenceBuild(Base):
    """A request to build a pack, with its progress, so a page can show a long build as it runs."""

    __tablename__ = "evidence_build"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("evidence_draft.id"), index=True)
    draft_revision: Mapped[int]
    # The language of the page that requested the build. The pack's own language is the draft's.
    lang: Mapped[str] = mapped_column(String(10), default="zh_CN")
    state: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    # Current step, "prepare" (done and total count items) or "write" (done and total count bytes).
    step: Mapped[str | None] = mapped_column(String(20))
    done: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    pack_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_pack.id"))
    error_code: Mapped[str | None] = mapped_column(String(60))
    error_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_by_id: Mapped[int | None]
    requested_role: Mapped[str] = mapped_column(String(20))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
