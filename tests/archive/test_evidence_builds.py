"""Pack builds in the background: a server thread, a worker process, progress and recorded failures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.access import SYSTEM
from archive.context import Archive
from archive.errors import EvidenceDraftNotSavedError, render_error
from archive.i18n import get_translations
from archive.models import DocumentVersion, EvidenceBuild, EvidencePack
from archive.services import evidence_drafts as drafts
from archive.services.contracts import create_contract
from archive.models.base import utcnow
from archive.services.evidence_builds import (
    STALE_AFTER,
    build_status,
    interrupt_unfinished_builds,
    request_build,
    run_build,
    start_in_thread,
)
from ingest.jobs import submit_pack_build
from ingest.pipeline import ingest_path
from tests.conftest import corpus_file
from tests.jobs.test_worker import job_archive, job_settings, start_worker, wait_for  # noqa: F401 - fixtures

CONTRACT = "en_cuad_services-agreement_federated_base.pdf"


def saved_draft(archive: Archive, contract_id: int | None = None) -> tuple[int, str]:
    """Ingest the contract and save a new draft with one item of it.

    Returns the draft id and the SHA-256 of the contract's blob.
    """
    ingested = ingest_path(archive, corpus_file(CONTRACT), kind="contract", contract_id=contract_id, index=False)
    with archive.session() as session:
        version = session.get(DocumentVersion, ingested.document_version_id)
        draft = drafts.create_draft(session, case_name="服务费纠纷", contract_ids=[contract_id or ingested.contract_id],
                                    actor=SYSTEM)
        drafts.add_item(session, draft.id, drafts.ItemInput(source="version", document_version_id=version.id,
                                                            name="服务协议"), actor=SYSTEM)
        drafts.save_draft(session, draft.id, actor=SYSTEM)
        return draft.id, version.blob_sha256


def queue_build(archive: Archive, draft_id: int) -> int:
    with archive.session() as session:
        return request_build(session, draft_id, actor=SYSTEM, lang="zh_CN").id


def build_row(archive: Archive, build_id: int) -> EvidenceBuild:
    with archive.session() as session:
        return session.get(EvidenceBuild, build_id)


def test_thread_build_reports_progress(archive: Archive) -> None:
    draft_id, _blob = saved_draft(archive)
    build_id = queue_build(archive, draft_id)
    assert queue_build(archive, draft_id) == build_id  # a second request while queued returns the same build

    start_in_thread(archive, build_id).join(timeout=120)

    row = build_row(archive, build_id)
    status = build_status(row)
    assert status["state"] == "done", status
    assert status["step"] == "write"
    assert status["done"] == status["total"]
    assert status["total"] > 100_000
    with archive.session() as session:
        pack = session.get(EvidencePack, row.pack_id)
        assert archive.blobs.exists(pack.blob_sha256)
    assert queue_build(archive, draft_id) != build_id  # a finished build does not block the next


def test_request_build_rejects_unsaved_draft(archive: Archive) -> None:
    ingested = ingest_path(archive, corpus_file(CONTRACT), kind="contract", index=False)
    with archive.session() as session:
        draft_id = drafts.create_draft(session, case_name="未保存", contract_ids=[ingested.contract_id],
                                       actor=SYSTEM).id
    with pytest.raises(EvidenceDraftNotSavedError), archive.session() as session:
        request_build(session, draft_id, actor=SYSTEM, lang="zh_CN")
    with archive.session() as session:
        assert session.scalars(select(EvidenceBuild)).all() == []


def test_run_build_fails_on_missing_original(sqlite_archive: Archive) -> None:
    draft_id, blob = saved_draft(sqlite_archive)
    path: Path = sqlite_archive.blobs.path_for(blob)  # type: ignore[attr-defined]
    path.chmod(0o644)
    path.unlink()
    build_id = queue_build(sqlite_archive, draft_id)

    run_build(sqlite_archive, build_id)

    row = build_row(sqlite_archive, build_id)
    assert (row.state, row.error_code, row.pack_id) == ("failed", "evidence_source_missing", None)
    message = render_error(row.error_code, row.error_params, get_translations("zh_CN").gettext, "")
    assert message.startswith("证据 1-1（服务协议）无法打包")
    assert blob in message
    with sqlite_archive.session() as session:
        assert session.scalars(select(EvidencePack)).all() == []


def test_worker_process_builds_pack(job_archive: Archive, start_worker) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    with job_archive.session() as session:
        contract_id = create_contract(session, number="HT-2020-7", title="Services Agreement").id
    # The worker processes the upload later, and the draft needs only the stored version.
    draft_id, _blob = saved_draft(job_archive, contract_id)
    build_id = queue_build(job_archive, draft_id)
    submit_pack_build(job_archive, build_id)
    assert build_row(job_archive, build_id).state == "queued"

    worker = start_worker()
    wait_for(lambda: build_row(job_archive, build_id).state in ("done", "failed"), "the pack build", worker)

    row = build_row(job_archive, build_id)
    assert row.state == "done", (row.error_code, row.error_params, worker.log()[-2000:])
    with job_archive.session() as session:
        pack = session.get(EvidencePack, row.pack_id)
        assert job_archive.blobs.has_legal_hold(pack.blob_sha256)


def test_run_build_fails_on_changed_original(sqlite_archive: Archive) -> None:
    draft_id, blob = saved_draft(sqlite_archive)
    path: Path = sqlite_archive.blobs.path_for(blob)  # type: ignore[attr-defined]
    data = bytearray(path.read_bytes())
    # Flip a byte inside the text of a content stream. The PDF still opens, but it is no longer the
    # stored original.
    offset = data.index(b"BT") + 1
    data[offset] ^= 0x20
    path.chmod(0o644)
    path.write_bytes(bytes(data))
    build_id = queue_build(sqlite_archive, draft_id)

    run_build(sqlite_archive, build_id)

    row = build_row(sqlite_archive, build_id)
    assert (row.state, row.error_code) == ("failed", "evidence_source_missing")
    with sqlite_archive.session() as session:
        assert session.scalars(select(EvidencePack)).all() == []


def test_request_build_replaces_stale_build(sqlite_archive: Archive) -> None:
    draft_id, _blob = saved_draft(sqlite_archive)
    build_id = queue_build(sqlite_archive, draft_id)
    with sqlite_archive.session() as session:
        row = session.get(EvidenceBuild, build_id)
        row.state = "running"
        row.started_at = utcnow() - STALE_AFTER + dt.timedelta(minutes=1)
    assert queue_build(sqlite_archive, draft_id) == build_id  # started less than STALE_AFTER ago, so still active

    with sqlite_archive.session() as session:
        session.get(EvidenceBuild, build_id).started_at = utcnow() - STALE_AFTER - dt.timedelta(minutes=1)
    replacement = queue_build(sqlite_archive, draft_id)

    assert replacement != build_id
    old = build_row(sqlite_archive, build_id)
    assert (old.state, old.error_code) == ("failed", "build_interrupted")
    assert render_error(old.error_code, old.error_params, get_translations("en").gettext, "").startswith(
        "The pack build stopped without finishing")


def test_build_submitted_twice_runs_once(archive: Archive) -> None:
    draft_id, _blob = saved_draft(archive)
    build_id = queue_build(archive, draft_id)

    threads = [start_in_thread(archive, build_id) for _ in range(3)]
    for thread in threads:
        thread.join(timeout=120)

    assert build_row(archive, build_id).state == "done"
    with archive.session() as session:
        assert len(session.scalars(select(EvidencePack)).all()) == 1


def test_interrupt_unfinished_builds_fails_queued_build(sqlite_archive: Archive) -> None:
    draft_id, _blob = saved_draft(sqlite_archive)
    build_id = queue_build(sqlite_archive, draft_id)

    assert interrupt_unfinished_builds(sqlite_archive) == 1

    row = build_row(sqlite_archive, build_id)
    assert (row.state, row.error_code) == ("failed", "build_interrupted")
    assert queue_build(sqlite_archive, draft_id) != build_id


def test_build_of_replaced_revision_fails_clearly(sqlite_archive: Archive) -> None:
    draft_id, _blob = saved_draft(sqlite_archive)
    build_id = queue_build(sqlite_archive, draft_id)
    with sqlite_archive.session() as session:
        drafts.save_draft(session, draft_id, actor=SYSTEM)

    run_build(sqlite_archive, build_id)

    row = build_row(sqlite_archive, build_id)
    assert row.state == "failed"
    assert row.error_code == "evidence_revision_replaced"
    message = render_error(row.error_code, row.error_params, get_translations("zh_CN").gettext, "")
    assert message.startswith("证据草稿")
    assert "第 1 版未生成证据包" in message
    with sqlite_archive.session() as session:
        assert session.scalars(select(EvidencePack)).all() == []
