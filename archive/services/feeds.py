"""Secret addresses of users' iCalendar feeds.

Calendar apps fetch a feed without signing in, so its address carries a random secret. Only
the secret's SHA-256 is stored; issuing a new one makes the old address stop working.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.access import Actor
from archive.models import User
from archive.services.audit import record_event
from archive.services.credentials import digest


def issue_feed_token(session: Session, actor: Actor) -> str:
    """Give the user a new feed secret, replacing any earlier one; return it (shown once)."""
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None:
        raise ValueError("only a signed-in user has a calendar feed")
    secret = secrets.token_urlsafe(32)
    user.feed_token_hash = digest(secret)
    record_event(session, actor=actor.username, actor_id=actor.user_id, action="calendar_feed_issued",
                 object_type="user", object_id=user.id)
    session.flush()
    return secret


def user_for_feed_token(session: Session, secret: str) -> User | None:
    """Return the active user whose feed secret this is, or None."""
    if not secret or len(secret) > 200:
        return None
    user = session.scalars(select(User).where(User.feed_token_hash == digest(secret))).one_or_none()
    if user is None or user.disabled_at is not None:
        return None
    return user
