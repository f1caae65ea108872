"""Run ingest work in this process (the embedded default) or on worker processes (procrastinate).

Either way the database is the source of truth: a version stays `pending` until its analysis is
written, so a lost job only delays the work and the same job run twice writes nothing twice.
"""

from __future__ import annotations

from archive.context import Archive
from ingest.result import PENDING, IngestResult


def runs_inline(archive: Archive) -> bool:
    """Return whether ingest work runs in the calling process."""
    return archive.settings.job_backend == "inprocess"


def submit_version(archive: Archive, version_id: int, *, filename: str) -> IngestResult:
    """Queue the reading of a stored version for a worker and report it as pending."""
    from ingest.jobs import queue

    queue.defer_ingest(archive.settings, version_id)
    return IngestResult(file=filename, status=PENDING, document_version_id=version_id)
