"""Legal holds on contracts: every stored file of a held contract is kept from removal.

A hold is placed on the contract and on each of its blobs in the object store (S3 legal hold in
the deployment form, a marker file in the local store). Files added to the contract while the hold
is active are held as they are filed. Only an administrator lifts a hold, and both steps are in
the audit log.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.context import Archive
from archive.errors import HoldAlreadyLiftedError, HoldReasonMissingError, NotFoundError, PermissionDeniedError
from archive.models import Document, DocumentVersion, LegalHold
from archive.services.audit import record_event
from archive.services.contracts import get_contract_or_raise


def contract_blobs(session: Session, contract_id: int) -> set[str]:
    """Return the SHA-256 of every version of every document filed under the contract."""
    rows = session.scalars(
        select(DocumentVersion.blob_sha256)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(Document.contract_id == contract_id)
    )
    return set(rows)


def active_holds(session: Session, contract_id: int) -> list[LegalHold]:
    return list(
        session.scalars(
            select(LegalHold).where(LegalHold.contract_id == contract_id, LegalHold.lifted_at.is_(None))
        )
    )


def place_hold(archive: Archive, contract_id: int, *, reason: str, actor: str) -> LegalHold:
    """Hold every file of the contract and record who placed the hold and why."""
    reason = reason.strip()
    if not reason:
        raise HoldReasonMissingError()
    with archive.session() as session:
        get_contract_or_raise(session, contract_id)
        blobs = contract_blobs(session, contract_id)
        # The store is held first: if it fails, no hold is recorded that does not protect anything.
        for sha256 in sorted(blobs):
            archive.blobs.set_legal_hold(sha256, True)
        hold = LegalHold(contract_id=contract_id, reason=reason, placed_by=actor)
        session.add(hold)
        session.flush()
        record_event(
            session, actor=actor, action="legal_hold_placed", object_type="contract", object_id=contract_id,
            summary={"hold_id": hold.id, "reason": reason, "files": len(blobs)},
        )
        session.expunge(hold)
        return hold


def lift_hold(archive: Archive, hold_id: int, *, reason: str, actor: str, is_admin: bool) -> LegalHold:
    """Lift a hold; files stay held while another active hold covers them."""
    if not is_admin:
        raise PermissionDeniedError(action="lift a legal hold")
    reason = reason.strip()
    if not reason:
        raise HoldReasonMissingError()
    with archive.session() as session:
        hold = session.get(LegalHold, hold_id, with_for_update=True)
        if hold is None:
            raise NotFoundError(object="legal hold", id=hold_id)
        if hold.lifted_at is not None:
            raise HoldAlreadyLiftedError(id=hold_id, lifted_by=hold.lifted_by or "", lifted_at=hold.lifted_at.isoformat())
        hold.lifted_by, hold.lifted_at, hold.lift_reason = actor, datetime.now(timezone.utc), reason
        session.flush()
        still_held = _blobs_under_active_holds(session)
        released = sorted(contract_blobs(session, hold.contract_id) - still_held)
        for sha256 in released:
            archive.blobs.set_legal_hold(sha256, False)
        record_event(
            session, actor=actor, action="legal_hold_lifted", object_type="contract", object_id=hold.contract_id,
            summary={"hold_id": hold.id, "reason": reason, "files_released": len(released)},
        )
        session.expunge(hold)
        return hold


def hold_contract_files(archive: Archive, session: Session, contract_id: int | None) -> int:
    """Hold every file of a contract that is on hold, such as one just filed under it; return how many."""
    if contract_id is None or not active_holds(session, contract_id):
        return 0
    blobs = contract_blobs(session, contract_id)
    for sha256 in sorted(blobs):
        if not archive.blobs.has_legal_hold(sha256):
            archive.blobs.set_legal_hold(sha256, True)
    return len(blobs)


def _blobs_under_active_holds(session: Session) -> set[str]:
    contract_ids = set(session.scalars(select(LegalHold.contract_id).where(LegalHold.lifted_at.is_(None))))
    held: set[str] = set()
    for contract_id in contract_ids:
        held |= contract_blobs(session, contract_id)
    return held


def list_holds(session: Session, contract_id: int | None = None) -> list[LegalHold]:
    statement = select(LegalHold).order_by(LegalHold.id)
    if contract_id is not None:
        statement = statement.where(LegalHold.contract_id == contract_id)
    return list(session.scalars(statement))
