"""JSON routes for the signed-in user: who am I, my API tokens, and the API schema."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

from api.auth import access, request_actor, request_credential
from api.deps import get_archive
from archive.access import Permission
from archive.services import credentials

router = APIRouter(prefix="/api")


class TokenRequest(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="What the token is for, e.g. the script's name.")


def _token_dict(token: Any) -> dict[str, Any]:
    return {
        "id": token.id, "name": token.name, "prefix": token.prefix, "created_at": token.created_at,
        "last_used_at": token.last_used_at, "revoked_at": token.revoked_at,
    }


@router.get("/openapi.json", include_in_schema=False)
@access(Permission.READ)
def openapi_schema(request: Request) -> dict[str, Any]:
    app = request.app
    return get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)


@router.get("/me")
@access(Permission.READ)
def who_am_i(request: Request) -> dict[str, Any]:
    actor = request_actor(request)
    credential = request_credential(request)
    return {"id": actor.user_id, "username": actor.username, "role": actor.role,
            "signed_in_with": credential.method if credential else None}


@router.get("/tokens")
@access(Permission.READ)
def list_tokens(request: Request) -> list[dict[str, Any]]:
    credential = request_credential(request)
    assert credential is not None
    with get_archive(request).session() as session:
        return [_token_dict(token) for token in credentials.list_tokens(session, credential.user)]


@router.post("/tokens", status_code=201)
@access(Permission.READ)
def create_token(request: Request, body: TokenRequest) -> dict[str, Any]:
    """Create a token for the signed-in user. The response contains the token, which is not shown again."""
    credential = request_credential(request)
    assert credential is not None
    with get_archive(request).session() as session:
        token, secret = credentials.create_token(session, session.merge(credential.user), name=body.name)
        return {**_token_dict(token), "token": secret}


@router.delete("/tokens/{token_id}")
@access(Permission.READ)
def revoke_token(request: Request, token_id: int) -> dict[str, Any]:
    """Revoke one of the signed-in user's tokens. Another user's token is not found."""
    credential = request_credential(request)
    assert credential is not None
    with get_archive(request).session() as session:
        return _token_dict(credentials.revoke_token(session, session.merge(credential.user), token_id))
