"""Ingest and indexing jobs on procrastinate, a PostgreSQL job queue, run by `contract-archive worker`.

Jobs live in the archive's own PostgreSQL database, in a schema of their own (`procrastinate`), so
they need no other service and stay apart from the archive's tables and migrations.

Why a job is never lost and never done twice:
- A version stays `pending` until its analysis is written in one transaction, and `process_version`
  does nothing for a version that is no longer pending. Running a job again writes nothing again.
- Each version has one job lock, so two workers never read the same version at once.
- A worker that dies leaves its job in `doing`. Workers send heartbeats. At start and every
  minute, a worker sends the jobs of workers whose heartbeat stopped back to the queue, and queues
  every pending version that has no job, such as one whose job was never written.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import procrastinate
from procrastinate import jobs as procrastinate_jobs
from procrastinate import sql as procrastinate_sql
from procrastinate import utils as procrastinate_utils
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from archive.context import Archive, open_archive
from archive.errors import JobQueueSettingsError
from archive.models import DocumentVersion
from archive.settings import Settings

logger = logging.getLogger(__name__)

JOB_SCHEMA = "procrastinate"
INGEST_QUEUE = "ingest"
INDEX_QUEUE = "index"
PACK_QUEUE = "packs"
INGEST_TASK = "archive:ingest_version"
INDEX_TASK = "archive:index_pending"
RECOVER_TASK = "archive:recover"
PACK_TASK = "archive:build_pack"
# Any fixed number works: workers that start together take this advisory lock to create the schema once.
SCHEMA_LOCK_ID = 730_412_001
# Ingest errors mark the version failed and never raise. An exception here means the database or the
# object store failed, so a later attempt may get past it.
INGEST_RETRY = procrastinate.RetryStrategy(max_attempts=5, exponential_wait=2)

# The archive a worker process opened: jobs in one process share its engine, blob store and index.
_worker_archive: Archive | None = None
_worker_lock = threading.Lock()


def connection_string(settings: Settings) -> str:
    """Return the libpq connection string of the archive database, with the job schema on the search path."""
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() != "postgresql":
        raise JobQueueSettingsError(backend=settings.job_backend, database=url.get_backend_name())
    libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
    separator = "&" if "?" in libpq else "?"
    return f"{libpq}{separator}options=-csearch_path%3D{JOB_SCHEMA}"


def make_app(settings: Settings) -> procrastinate.App:
    """Return a new procrastinate app for the archive database, with the archive's tasks registered."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=connection_string(settings)))
    app.task(name=INGEST_TASK, queue=INGEST_QUEUE, retry=INGEST_RETRY, pass_context=True)(ingest_version)
    app.task(name=INDEX_TASK, queue=INDEX_QUEUE, retry=INGEST_RETRY)(index_pending)
    # No retry: a failed build records its error for the page, and staff start it again.
    app.task(name=PACK_TASK, queue=PACK_QUEUE)(build_pack)
    recover_task = app.task(name=RECOVER_TASK, queue=INGEST_QUEUE, queueing_lock=RECOVER_TASK, pass_context=True)(
        recover_periodically
    )
    app.periodic(cron="* * * * *")(recover_task)
    return app


def ensure_schema(settings: Settings) -> None:
    """Create the job queue's tables and functions in their own schema, once, when the first worker starts."""
    connection_string(settings)  # a database other than PostgreSQL cannot hold the queue
    engine = create_engine(settings.resolved_database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": SCHEMA_LOCK_ID})
            try:
                exists = connection.execute(text(f"SELECT to_regclass('{JOB_SCHEMA}.procrastinate_jobs')")).scalar()
                if exists is None:
                    connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {JOB_SCHEMA}"))
                    connection.commit()
                    app = make_app(settings)
                    with app.open():
                        app.schema_manager.apply_schema()
                    logger.info("job queue schema created in schema %s", JOB_SCHEMA)
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": SCHEMA_LOCK_ID})
                connection.commit()
    finally:
        engine.dispose()


@contextmanager
def opened_app(settings: Settings) -> Iterator[procrastinate.App]:
    """Open an app for deferring jobs from synchronous code (the API, the CLI)."""
    app = make_app(settings)
    with app.open():
        yield app


def defer_ingest(settings: Settings, version_id: int) -> None:
    """Queue the reading of one stored version; a job already waiting for it is enough."""
    with opened_app(settings) as app:
        _defer_ingest(app, version_id)


def defer_pack_build(settings: Settings, build_id: int) -> None:
    """Queue an evidence pack build that a page asked for."""
    with opened_app(settings) as app:
        app.configure_task(PACK_TASK, lock=f"pack-build-{build_id}").defer(build_id=build_id)


def _defer_ingest(app: procrastinate.App, version_id: int) -> None:
    lock = f"version-{version_id}"
    try:
        app.configure_task(INGEST_TASK, lock=lock, queueing_lock=lock).defer(version_id=version_id)
    except procrastinate.exceptions.AlreadyEnqueued:
        logger.info("ingest job already queued document_version_id=%s", version_id)


def _defer_index(app: procrastinate.App) -> None:
    try:
        app.configure_task(INDEX_TASK, lock=INDEX_TASK, queueing_lock=INDEX_TASK).defer()
    except procrastinate.exceptions.AlreadyEnqueued:
        pass  # the waiting job will index this version's clauses too


def _archive() -> Archive:
    global _worker_archive
    with _worker_lock:
        if _worker_archive is None:
            _worker_archive = open_archive(Settings())
        return _worker_archive


def ingest_version(context: procrastinate.JobContext, version_id: int) -> None:
    """Read, analyse and write one version, then queue the index update (the `archive:ingest_version` task)."""
    from ingest.pipeline import process_version

    result = process_version(_archive(), version_id, index=False)
    logger.info("ingest job done document_version_id=%s status=%s", version_id, result.status)
    _defer_index(context.app)


def index_pending() -> None:
    """Bring the search index up to date with the database."""
    from ingest import indexing

    indexed = indexing.index_pending(_archive())
    logger.info("index job done versions=%s", indexed)


def build_pack(build_id: int) -> None:
    """Build one queued evidence pack (the `archive:build_pack` task)."""
    from archive.services.evidence_builds import run_build

    run_build(_archive(), build_id)


def recover_periodically(context: procrastinate.JobContext, timestamp: int) -> None:
    """Requeue stalled jobs and pending versions every minute, while any worker runs."""
    recover(context.app, _archive().settings)


def recover(app: procrastinate.App, settings: Settings) -> dict[str, int]:
    """Send jobs of dead workers back to the queue and queue pending versions that have no job."""
    stalled = _stalled_jobs(app, settings)
    for job in stalled:
        logger.warning("requeueing job %s (%s) of a worker that stopped", job.id, job.task_name)
        app.job_manager.retry_job_by_id(job.id, retry_at=procrastinate_utils.utcnow())
    queued = _queue_pending_versions(app)
    return {"stalled": len(stalled), "queued": queued}


def _stalled_jobs(app: procrastinate.App, settings: Settings) -> list[Any]:
    """Return the `doing` jobs of workers without a heartbeat for `job_stalled_seconds` (the job manager has no sync form)."""
    rows = app.connector.get_sync_connector().execute_query_all(
        query=procrastinate_sql.queries["select_stalled_jobs_by_heartbeat"],
        queue=None,
        task_name=None,
        seconds_since_heartbeat=settings.job_stalled_seconds,
    )
    return [procrastinate_jobs.Job.from_row(row) for row in rows]


def _queue_pending_versions(app: procrastinate.App) -> int:
    waiting = {
        job.task_kwargs.get("version_id")
        for job in app.job_manager.list_jobs(task=INGEST_TASK)
        if job.status in ("todo", "doing")
    }
    archive = _archive()
    with archive.session() as session:
        pending = session.scalars(select(DocumentVersion.id).where(DocumentVersion.state == "pending")).all()
    missing = [version_id for version_id in pending if version_id not in waiting]
    for version_id in missing:
        _defer_ingest(app, version_id)
    if missing:
        logger.info("queued %s pending versions that had no job", len(missing))
    return len(missing)


def run_worker(settings: Settings, *, concurrency: int = 1) -> None:
    """Run a worker until it is stopped; it recovers stalled work before taking jobs."""
    global _worker_archive
    ensure_schema(settings)
    with _worker_lock:
        if _worker_archive is None:
            _worker_archive = open_archive(settings)
    app = make_app(settings)
    with app.open():
        counts = recover(app, settings)
        logger.info("worker starting: requeued %s stalled jobs, queued %s pending versions",
                    counts["stalled"], counts["queued"])
    app.run_worker(
        queues=[INGEST_QUEUE, INDEX_QUEUE, PACK_QUEUE],
        concurrency=concurrency,
        update_heartbeat_interval=settings.job_heartbeat_seconds,
        stalled_worker_timeout=settings.job_stalled_seconds,
        install_signal_handlers=True,
    )
