"""Ingest on procrastinate workers: real worker processes, PostgreSQL, S3 blobs, a killed worker.

Each test starts `contract-archive worker` as a child process with the archive's settings in
its environment, and stops it by process id.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from archive.context import Archive, open_archive
from archive.models import AuditEvent, Clause, DocumentVersion
from archive.settings import Settings
from ingest.indexing import UNINDEXED_ROLES
from ingest.jobs import queue
from ingest.pipeline import ingest_path, process_version
from ingest.result import PENDING
from tests.conftest import REPO_ROOT, corpus_file, postgres_database

LONG_FILE = "en_cuad_collaboration_154p_ceres.pdf"
SHORT_FILE = "zh_beijing_training-service-model_bf-2021-2730.pdf"
HEARTBEAT_SECONDS = 0.5
STALLED_SECONDS = 2.0
WAIT_SECONDS = 90.0


def environment(settings: Settings) -> dict[str, str]:
    """Return this process's environment plus `settings` as CONTRACT_ARCHIVE_ variables."""
    return settings.child_environment(os.environ)


class WorkerProcess:
    """One `contract-archive worker` child process in its own process group."""

    def __init__(self, settings: Settings, log_path: Path) -> None:
        self.log_path = log_path
        self._log = log_path.open("ab")
        command = [sys.executable, "-c", "from cli.main import main; main()", "-v", "worker"]
        self.process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=environment(settings), stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """End the worker at once, as a crash or a power cut would: no clean-up runs."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def job_settings(s3_settings_factory: Callable[..., Settings]) -> Iterator[Settings]:
    """Settings for PostgreSQL (a new database), S3 blobs and procrastinate workers with short timeouts."""
    with postgres_database("jobs") as database_url:
        yield s3_settings_factory(
            database_url=database_url,
            job_backend="procrastinate",
            job_heartbeat_seconds=HEARTBEAT_SECONDS,
            job_stalled_seconds=STALLED_SECONDS,
        )


@pytest.fixture
def job_archive(job_settings: Settings) -> Iterator[Archive]:
    opened = open_archive(job_settings)
    queue.ensure_schema(job_settings)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def start_worker(job_settings: Settings, tmp_path: Path) -> Iterator[Callable[[], WorkerProcess]]:
    started: list[WorkerProcess] = []

    def start() -> WorkerProcess:
        worker = WorkerProcess(job_settings, tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def wait_for(condition: Callable[[], bool], what: str, worker: WorkerProcess | None = None) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        if worker is not None and worker.process.poll() is not None:
            pytest.fail(f"the worker exited with {worker.process.returncode} while waiting for {what}\n{worker.log()[-3000:]}")
        time.sleep(0.2)
    log = worker.log()[-3000:] if worker else ""
    pytest.fail(f"timed out waiting for {what}\n{log}")


def version_state(archive: Archive, version_id: int) -> str:
    with archive.session() as session:
        return session.get(DocumentVersion, version_id).state


def job_status(archive: Archive, version_id: int) -> str | None:
    with archive.engine.connect() as connection:
        return connection.execute(
            text(
                f"SELECT status FROM {queue.JOB_SCHEMA}.procrastinate_jobs "
                "WHERE task_name = 'archive:ingest_version' AND (args->>'version_id')::int = :id "
                "ORDER BY id DESC LIMIT 1"
            ),
            {"id": version_id},
        ).scalar()


def count_rows(archive: Archive, statement) -> int:  # type: ignore[no-untyped-def]
    with archive.session() as session:
        return session.scalar(statement)


def assert_written_once(archive: Archive, version_id: int, worker: WorkerProcess) -> None:
    """Check one set of clauses, one ingest event, one blob and an index entry per clause."""
    clause_ids = set(
        archive_scalars(
            archive,
            select(Clause.id).where(Clause.document_version_id == version_id, Clause.role.not_in(UNINDEXED_ROLES)),
        )
    )
    ordinals = archive_scalars(archive, select(Clause.ordinal).where(Clause.document_version_id == version_id))
    ingest_events = count_rows(
        archive,
        select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "ingest", AuditEvent.object_id == str(version_id)
        ),
    )
    assert len(clause_ids) > 100
    assert len(ordinals) == len(set(ordinals))
    assert ingest_events == 1
    assert len(list(archive.blobs.iter_hashes())) == 1
    wait_for(lambda: archive_indexed(archive, clause_ids), "the index to hold every clause", worker)


def archive_scalars(archive: Archive, statement) -> list:  # type: ignore[no-untyped-def]
    with archive.session() as session:
        return list(session.scalars(statement))


def archive_indexed(archive: Archive, clause_ids: set[int]) -> bool:
    # The worker writes the embedded index in its own process, so reopen it to see its commits.
    archive.index.close()
    archive._index = None
    return archive.index.indexed_clause_ids() == clause_ids


def test_upload_waits_for_worker_then_is_read(job_archive: Archive, start_worker) -> None:  # type: ignore[no-untyped-def]
    result = ingest_path(job_archive, corpus_file(SHORT_FILE))

    assert result.status == PENDING
    assert version_state(job_archive, result.document_version_id) == "pending"
    worker = start_worker()
    wait_for(lambda: version_state(job_archive, result.document_version_id) == "ingested", "the ingest", worker)
    clause_count = count_rows(
        job_archive, select(func.count()).select_from(Clause).where(Clause.document_version_id == result.document_version_id)
    )
    assert clause_count > 10


def test_killed_worker_job_finishes_on_restart_once(job_archive: Archive, start_worker) -> None:  # type: ignore[no-untyped-def]
    result = ingest_path(job_archive, corpus_file(LONG_FILE))
    version_id = result.document_version_id
    first = start_worker()
    wait_for(lambda: job_status(job_archive, version_id) == "doing", "the worker to take the job", first)
    time.sleep(1.0)  # the 154-page file takes several seconds to read, so this is mid-ingest
    first.kill()

    assert job_status(job_archive, version_id) == "doing"
    assert version_state(job_archive, version_id) == "pending"
    assert count_rows(job_archive, select(func.count()).select_from(Clause)) == 0

    second = start_worker()
    wait_for(lambda: version_state(job_archive, version_id) == "ingested", "the restarted ingest", second)
    assert "stalled" in second.log() or "requeueing job" in second.log()
    assert_written_once(job_archive, version_id, second)


def test_job_run_twice_writes_nothing_twice(job_archive: Archive, start_worker) -> None:  # type: ignore[no-untyped-def]
    result = ingest_path(job_archive, corpus_file(LONG_FILE))
    version_id = result.document_version_id
    # Queue it again, as a second upload of the same file or a retry would: one job waits, not two.
    queue.defer_ingest(job_archive.settings, version_id)
    with job_archive.engine.connect() as connection:
        waiting = connection.execute(
            text(f"SELECT count(*) FROM {queue.JOB_SCHEMA}.procrastinate_jobs WHERE status = 'todo' "
                 "AND task_name = 'archive:ingest_version'")
        ).scalar()
    assert waiting == 1

    worker = start_worker()
    wait_for(lambda: version_state(job_archive, version_id) == "ingested", "the ingest", worker)
    # Running the same work again, as a job retried after a lost acknowledgement would.
    again = process_version(job_archive, version_id, index=False)
    assert again.status == "ingested"
    assert_written_once(job_archive, version_id, worker)


def test_pending_version_without_job_is_queued_by_worker(job_archive: Archive, start_worker) -> None:  # type: ignore[no-untyped-def]
    result = ingest_path(job_archive, corpus_file(SHORT_FILE))
    # The job is lost, as if the queue had been restored from an older backup.
    with job_archive.engine.begin() as connection:
        # procrastinate's triggers name its tables without a schema.
        connection.execute(text(f"SET LOCAL search_path TO {queue.JOB_SCHEMA}"))
        connection.execute(text("DELETE FROM procrastinate_jobs"))

    worker = start_worker()
    wait_for(lambda: version_state(job_archive, result.document_version_id) == "ingested", "the ingest", worker)
    assert "queued 1 pending versions" in worker.log()


def test_worker_backend_needs_postgresql(tmp_path: Path) -> None:
    from archive.errors import JobQueueSettingsError

    settings = Settings(data_dir=tmp_path, job_backend="procrastinate", _env_file=None)

    with pytest.raises(JobQueueSettingsError) as raised:
        queue.connection_string(settings)
    assert "PostgreSQL" in str(raised.value)
    assert "CONTRACT_ARCHIVE_JOB_BACKEND=inprocess" in str(raised.value)


def test_migrate_command_creates_job_schema(job_settings: Settings) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    result = CliRunner().invoke(app, ["--lang", "en", "migrate"], env=environment(job_settings))

    assert result.exit_code == 0, result.output
    assert "schema is up to date" in result.output
    archive = open_archive(job_settings, migrate=False)
    try:
        with archive.engine.connect() as connection:
            table = connection.execute(text(f"SELECT to_regclass('{queue.JOB_SCHEMA}.procrastinate_jobs')")).scalar()
    finally:
        archive.close()
    assert table is not None


def test_worker_command_refuses_inprocess_backend(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    env = environment(Settings(data_dir=tmp_path, _env_file=None))
    result = CliRunner().invoke(app, ["--lang", "en", "worker"], env=env)

    assert result.exit_code == 2
    assert "CONTRACT_ARCHIVE_JOB_BACKEND is inprocess" in result.output
