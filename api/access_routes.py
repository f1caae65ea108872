"""JSON routes that restrict a contract to named users and groups, and show who may see it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from api.auth import access, request_actor
from api.deps import get_archive
from archive.access import Permission
from archive.services import restrictions

router = APIRouter(prefix="/api")


class AccessRequest(BaseModel):
    """A contract's audience: everyone signed in (restricted false), or only these users and groups."""

    restricted: bool
    users: list[str] = Field(default_factory=list, max_length=500)
    groups: list[str] = Field(default_factory=list, max_length=500)


@router.get("/contracts/{contract_id}/access")
@access(Permission.READ)
def get_access(contract_id: int, request: Request) -> dict[str, Any]:
    with get_archive(request).session() as session:
        return restrictions.contract_access(session, request_actor(request), contract_id)


@router.put("/contracts/{contract_id}/access")
@access(Permission.WRITE)
def set_access(contract_id: int, body: AccessRequest, request: Request) -> dict[str, Any]:
    """Restrict the contract to the listed users and groups (you are always added), or open it to all."""
    actor = request_actor(request)
    with get_archive(request).session() as session:
        if body.restricted:
            return restrictions.restrict_contract(
                session, actor, contract_id, usernames=body.users, group_names=body.groups
            )
        return restrictions.open_contract(session, actor, contract_id)
