"""JSON routes for deletion requests: staff ask, administrators decide."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from api.auth import access, request_actor
from api.deps import get_archive
from archive.access import Permission
from archive.services import deletions
from ingest.indexing import reindex_document

router = APIRouter(prefix="/api")


class DeletionAsk(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="Why the document should be deleted.")


class DeletionDecision(BaseModel):
    approve: bool
    note: str = Field(default="", max_length=2000)


@router.post("/documents/{document_id}/deletion-requests", status_code=201)
@access(Permission.WRITE)
def ask_deletion(document_id: int, body: DeletionAsk, request: Request) -> dict[str, Any]:
    """Ask for a document to be deleted; an administrator decides."""
    with get_archive(request).session() as session:
        return deletions.request_dict(
            deletions.request_deletion(session, request_actor(request), document_id, reason=body.reason)
        )


@router.get("/deletion-requests")
@access(Permission.ADMINISTER)
def list_deletion_requests(request: Request, state: str | None = "requested") -> list[dict[str, Any]]:
    with get_archive(request).session() as session:
        return [deletions.request_dict(item) for item in deletions.list_requests(session, state=state or None)]


@router.post("/deletion-requests/{request_id}/decision")
@access(Permission.ADMINISTER)
def decide_deletion(request_id: int, body: DeletionDecision, request: Request) -> dict[str, Any]:
    """Approve (the document is marked deleted and leaves search) or reject a deletion request."""
    archive = get_archive(request)
    with archive.session() as session:
        decided = deletions.decide(session, request_actor(request), request_id, approve=body.approve, note=body.note)
        result = deletions.request_dict(decided)
    if body.approve:
        reindex_document(archive, decided.document_id)
    return result
