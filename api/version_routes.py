"""JSON route that makes an uploaded version the newest version of another document of its contract."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from api.auth import access, client_address, request_actor
from api.deps import get_archive
from archive.access import Permission
from archive.context import Archive
from archive.services.version_merge import attach_as_new_version
from ingest.indexing import index_version

router = APIRouter(prefix="/api")
ArchiveDep = Annotated[Archive, Depends(get_archive)]


class MergeRequest(BaseModel):
    document_id: int = Field(description="The document the version becomes the newest version of.")
    force: bool = Field(default=False, description="Merge even when the two documents differ in kind.")


@router.post("/versions/{version_id}/merge")
@access(Permission.WRITE)
def merge_version(version_id: int, body: MergeRequest, archive: ArchiveDep, request: Request) -> dict[str, Any]:
    """Make the version the newest version of `document_id`; its old document is removed when emptied.

    Errors: 404 for an unknown or hidden version or document, 422 for the same document or
    documents of different contracts, 409 for different kinds without `force` or a contract on
    legal hold.
    """
    result = attach_as_new_version(
        archive, version_id=version_id, document_id=body.document_id, actor=request_actor(request),
        force=body.force, client_address=client_address(request),
    )
    index_version(archive, version_id)
    return result.as_dict()
