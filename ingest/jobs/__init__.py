"""Run ingest work and pack builds in this process (the embedded default) or on worker processes (procrastinate).

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


def submit_pack_build(archive: Archive, build_id: int) -> None:
    """Start a queued evidence pack build on a thread here, or queue it for a worker."""
    if runs_inline(archive):
        from archive.services.evidence_builds import start_in_thread

        start_in_thread(archive, build_id)
        return
    from ingest.jobs import queue

    queue.defer_pack_build(archive.settings, build_id)
