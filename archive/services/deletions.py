"""Deleting a document: a request with a reason, then an administrator's decision, both in the audit log.

Nothing is removed silently. An approved deletion marks the document deleted: pages still list it
as deleted, its files stay in the blob store (where retention and legal holds keep them anyway),
and its clauses leave the search index. A document of a contract on legal hold cannot be deleted.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.access import Actor, check_contract_visible
from archive.errors import DeletionDecidedError, DeletionOnHoldError, DeletionReasonMissingError, NotFoundError
from archive.models import DeletionRequest, Document
from archive.services.audit import record_event
from archive.services.documents import get_document_or_raise
from archive.services.holds import active_holds

REQUESTED, APPROVED, REJECTED = "requested", "approved", "rejected"
MAX_REASON_LENGTH = 2000


def request_deletion(session: Session, actor: Actor, document_id: int, *, reason: str) -> DeletionRequest:
    """Record a request to delete a document; an open request for the same document is returned as it is."""
    reason = reason.strip()[:MAX_REASON_LENGTH]
    if not reason:
        raise DeletionReasonMissingError()
    document = get_document_or_raise(session, document_id)
    check_contract_visible(session, actor, document.contract_id, object_name="Document", object_id=document_id)
    open_request = session.scalar(
        select(DeletionRequest).where(DeletionRequest.document_id == document_id, DeletionRequest.state == REQUESTED)
    )
    if open_request is not None:
        return open_request
    request = DeletionRequest(document_id=document_id, reason=reason, requested_by=actor.username)
    session.add(request)
    session.flush()
    record_event(session, actor=actor.username, actor_id=actor.user_id, action="deletion_requested",
                 object_type="document", object_id=document_id, summary={"request_id": request.id, "reason": reason})
    return request


def decide(session: Session, actor: Actor, request_id: int, *, approve: bool, note: str = "") -> DeletionRequest:
    """Approve or reject a deletion request (administrators; the route checks the role)."""
    request = session.get(DeletionRequest, request_id)
    if request is None:
        raise NotFoundError(object="Deletion request", id=request_id)
    if request.state != REQUESTED:
        raise DeletionDecidedError(request_id=request_id, state=request.state)
    document = session.get(Document, request.document_id)
    assert document is not None
    now = datetime.now(timezone.utc)
    if approve:
        if document.contract_id is not None and active_holds(session, document.contract_id):
            raise DeletionOnHoldError(document_id=document.id, contract_id=document.contract_id)
        document.deleted_at = now
        document.deleted_by = actor.username
    request.state = APPROVED if approve else REJECTED
    request.decided_by = actor.username
    request.decided_at = now
    request.decision_note = note.strip()[:MAX_REASON_LENGTH] or None
    record_event(
        session, actor=actor.username, actor_id=actor.user_id,
        action="deletion_approved" if approve else "deletion_rejected", object_type="document",
        object_id=document.id, summary={"request_id": request.id, "note": request.decision_note or ""},
    )
    return request


def list_requests(session: Session, *, state: str | None = REQUESTED) -> list[DeletionRequest]:
    statement = select(DeletionRequest).order_by(DeletionRequest.id)
    if state is not None:
        statement = statement.where(DeletionRequest.state == state)
    return list(session.scalars(statement))


def request_dict(request: DeletionRequest) -> dict[str, object]:
    return {
        "id": request.id, "document_id": request.document_id, "reason": request.reason,
        "requested_by": request.requested_by, "requested_at": request.requested_at, "state": request.state,
        "decided_by": request.decided_by, "decided_at": request.decided_at, "decision_note": request.decision_note,
    }
