"""Append-only audit events."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from archive.models import AuditEvent


def record_event(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: int | str,
    summary: dict[str, Any] | None = None,
    client_address: str | None = None,
) -> AuditEvent:
    """Add one audit event to the session; the caller's transaction commits it."""
    event = AuditEvent(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=summary or {},
        client_address=client_address,
    )
    session.add(event)
    return event
