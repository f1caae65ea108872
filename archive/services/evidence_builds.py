"""Pack builds that run in the background and report their progress in the database.

A page requests a build and polls its row. With job_backend "inprocess" the build runs on a
thread of the server process. With job_backend "procrastinate", ingest.jobs.queue defers it to a
worker. Either way `run_build` does the work, writes progress at most twice a second, and records
the outcome. The outcome is the pack, or the error's code and parameters, so that the page can
show the error in the reader's language.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from archive.access import Actor, Permission, actor_for
from archive.context import Archive
from archive.errors import ArchiveError, EvidenceDraftNotSavedError, NotFoundError
from archive.models import EvidenceBuild
from archive.models.base import utcnow
from archive.services.evidence_as_of import aware
from archive.services.evidence_drafts import get_draft_or_raise
from archive.services.evidence_packs import build_pack

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL_SECONDS = 0.5
ACTIVE_STATES = ("queued", "running")
# A build still "running" this long after it started is taken to be on a thread or worker that
# died, so a new request for the same revision marks it failed and queues a new build.
STALE_AFTER = dt.timedelta(minutes=30)


def request_build(session: Session, draft_id: int, *, actor: Actor, lang: str) -> EvidenceBuild:
    """Queue a build of the draft's saved revision, or return the one already queued or running for it."""
    actor.require(Permission.WRITE)
    draft = get_draft_or_raise(session, draft_id, actor)
    if not draft.revision or draft.saved_snapshot is None:
        raise EvidenceDraftNotSavedError(draft_id=draft_id)
    for active in session.scalars(select(EvidenceBuild).where(
            EvidenceBuild.draft_id == draft_id, EvidenceBuild.draft_revision == draft.revision,
            EvidenceBuild.state.in_(ACTIVE_STATES))):
        if active.state == "queued" or aware(active.started_at or active.requested_at) > utcnow() - STALE_AFTER:
            return active
        active.state = "failed"
        active.error_code = "build_interrupted"
        active.finished_at = utcnow()
    build = EvidenceBuild(draft_id=draft_id, draft_revision=draft.revision, lang=lang, state="queued",
                          done=0, total=0, requested_by=actor.username, requested_by_id=actor.user_id,
                          requested_role=actor.role)
    session.add(build)
    session.flush()
    return build


def get_build(session: Session, build_id: int, *, actor: Actor) -> EvidenceBuild:
    """Return the build, or raise NotFoundError when it does not exist or `actor` may not see its draft."""
    build = session.get(EvidenceBuild, build_id)
    if build is None:
        raise NotFoundError(object="Evidence pack build", id=build_id)
    get_draft_or_raise(session, build.draft_id, actor, object_name="Evidence pack build", object_id=build_id)
    return build


def build_status(build: EvidenceBuild) -> dict[str, Any]:
    """Return the build's state for the API and the page's script."""
    return {"id": build.id, "draft_id": build.draft_id, "draft_revision": build.draft_revision, "state": build.state,
            "step": build.step, "done": build.done, "total": build.total, "pack_id": build.pack_id,
            "error_code": build.error_code}


def start_in_thread(archive: Archive, build_id: int) -> threading.Thread:
    """Run the build on a daemon thread of this process and return the thread."""
    thread = threading.Thread(target=run_build, args=(archive, build_id), name=f"pack-build-{build_id}", daemon=True)
    thread.start()
    return thread


def run_build(archive: Archive, build_id: int) -> None:
    """Run a queued build and record its outcome in the build's row.

    Does nothing when the build is no longer queued. Any exception from building the pack is
    logged and recorded as the build's error, not raised.
    """
    with archive.session() as session:
        # One UPDATE claims the build, so a build submitted twice still runs once.
        claimed = session.execute(
            update(EvidenceBuild).where(EvidenceBuild.id == build_id, EvidenceBuild.state == "queued")
            .values(state="running", started_at=utcnow())).rowcount
        if not claimed:
            return  # finished already, or claimed by another thread or worker
        build = session.get(EvidenceBuild, build_id)
        actor = (actor_for(session, build.requested_by_id, build.requested_by, build.requested_role)
                 if build.requested_by_id is not None
                 else Actor(user_id=None, username=build.requested_by, role=build.requested_role))
        draft_id, revision = build.draft_id, build.draft_revision

    last = 0.0

    def report(step: str, done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < PROGRESS_INTERVAL_SECONDS and done < total:
            return
        last = now
        with archive.session() as progress_session:
            row = progress_session.get(EvidenceBuild, build_id)
            row.step, row.done, row.total = step, done, total

    try:
        pack = build_pack(archive, draft_id, actor=actor, progress=report, revision=revision)
    except ArchiveError as error:
        logger.warning("evidence pack build failed build_id=%s code=%s", build_id, error.code)
        _finish(archive, build_id, state="failed", error_code=error.code, error_params=_plain(error.params))
        return
    except Exception:
        logger.exception("evidence pack build crashed build_id=%s", build_id)
        _finish(archive, build_id, state="failed", error_code="internal_error", error_params={})
        return
    _finish(archive, build_id, state="done", pack_id=pack.id)


def interrupt_unfinished_builds(archive: Archive) -> int:
    """Mark every queued and running build failed and return how many were marked.

    The in-process backend calls this at startup, because the threads of those builds died with
    the previous process.
    """
    with archive.session() as session:
        return session.execute(
            update(EvidenceBuild).where(EvidenceBuild.state.in_(ACTIVE_STATES))
            .values(state="failed", error_code="build_interrupted", finished_at=utcnow())).rowcount


def _finish(archive: Archive, build_id: int, **values: Any) -> None:
    with archive.session() as session:
        row = session.get(EvidenceBuild, build_id)
        for name, value in values.items():
            setattr(row, name, value)
        if values.get("state") == "done":
            row.done = row.total = max(row.total, row.done)
        row.finished_at = utcnow()


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    return {key: value if isinstance(value, (str, int, float, bool, type(None), dict, list)) else str(value)
            for key, value in params.items()}
