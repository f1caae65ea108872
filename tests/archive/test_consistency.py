"""The consistency check and repair, on SQLite with local blobs and on PostgreSQL with S3 blobs."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from pydantic import SecretStr
from sqlalchemy import select, update
from typer.testing import CliRunner

from archive.blobs.local import LocalBlobStore
from archive.blobs.s3 import S3BlobStore
from archive.context import Archive
from archive.models import AuditEvent, Clause, DocumentVersion
from archive.search.base import ClauseEntry
from archive.services import consistency
from archive.services.consistency import ConsistencyReport, check, repair
from archive.settings import Settings
from cli.main import app
from cli.samples import write_samples
from ingest import indexing
from ingest.pipeline import ingest_path
from tests.s3_server import unique_bucket_name

CATALOG = Path(__file__).resolve().parents[2] / "archive" / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
UNKNOWN_CLAUSE_ID = 987_654_321


# Helpers


def ingest_samples(archive: Archive, tmp_path: Path) -> list[int]:
    """Ingest the CLI's sample documents and return their version ids."""
    version_ids = []
    for path in sorted(write_samples(tmp_path / "samples").iterdir()):
        result = ingest_path(archive, path)
        assert result.status == "ingested", result
        assert result.document_version_id is not None
        version_ids.append(result.document_version_id)
    return version_ids


def run_check(archive: Archive, *, verify_hashes: bool = True) -> ConsistencyReport:
    return check(archive, indexing=indexing, verify_hashes=verify_hashes)


def kinds(report: ConsistencyReport) -> dict[str, int]:
    return report.counts()


def version_sha256(archive: Archive, version_id: int) -> str:
    with archive.session() as session:
        return session.get(DocumentVersion, version_id).blob_sha256


def indexable_clause_ids(archive: Archive, version_id: int) -> set[int]:
    with archive.session() as session:
        return set(session.scalars(
            select(Clause.id).where(
                Clause.document_version_id == version_id, Clause.role.not_in(indexing.UNINDEXED_ROLES)
            )
        ))


def checksum_headers(data: bytes) -> dict[str, str]:
    """Headers moto requires for a plain-HTTP upload to a bucket with object lock."""
    return {
        "x-amz-checksum-sha256": base64.b64encode(hashlib.sha256(data).digest()).decode("ascii"),
        "x-amz-sdk-checksum-algorithm": "SHA256",
    }


def remove_blob(archive: Archive, sha256: str, request: pytest.FixtureRequest) -> None:
    """Delete a stored blob behind the archive's back: the file, or every S3 object version."""
    store = archive.blobs
    if isinstance(store, LocalBlobStore):
        path = store.path_for(sha256)
        os.chmod(path, 0o644)
        path.unlink()
    else:
        assert isinstance(store, S3BlobStore)
        client = request.getfixturevalue("s3_server").client()
        key = store.key_for(sha256)
        for item in client.list_objects(store.bucket, prefix=key, include_version=True):
            client.remove_object(store.bucket, key, version_id=item.version_id)
    assert store.exists(sha256) is False


def corrupt_blob(archive: Archive, sha256: str, request: pytest.FixtureRequest) -> None:
    """Change a stored blob's bytes: rewrite the file, or upload a new S3 object version under the same key."""
    store = archive.blobs
    if isinstance(store, LocalBlobStore):
        path = store.path_for(sha256)
        os.chmod(path, 0o644)
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
        return
    assert isinstance(store, S3BlobStore)
    tampered = b"tampered " + sha256.encode("ascii")
    request.getfixturevalue("s3_server").client().put_object(
        store.bucket, store.key_for(sha256), io.BytesIO(tampered), len(tampered), metadata=checksum_headers(tampered)
    )


def put_extra_blob(archive: Archive, tmp_path: Path) -> str:
    data = "未登记的文件 unregistered file".encode()
    sha256 = hashlib.sha256(data).hexdigest()
    source = tmp_path / "extra.bin"
    source.write_bytes(data)
    assert archive.blobs.put_file(source, sha256) is True
    return sha256


def use_bucket_without_retention(archive: Archive) -> None:
    """Point an S3 archive at a new bucket with no default retention, so the test can delete object versions."""
    if isinstance(archive.blobs, S3BlobStore):
        settings = archive.settings.model_copy(update={"s3_retention_days": 0, "s3_bucket": unique_bucket_name()})
        archive.blobs = S3BlobStore.from_settings(settings)


def repair_events(archive: Archive) -> list[AuditEvent]:
    with archive.session() as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "consistency_repair")))
        session.expunge_all()
    return events


def cli_environment(settings: Settings) -> dict[str, str | None]:
    """Return `settings` as CONTRACT_ARCHIVE_ variables, so the CLI opens the same archive."""
    env: dict[str, str | None] = {key: None for key in os.environ if key.startswith("CONTRACT_ARCHIVE_")}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, bool):
            value = "true" if value else "false"
        env[f"CONTRACT_ARCHIVE_{name.upper()}"] = str(value)
    return env


# check


def test_clean_archive_reports_nothing(archive: Archive, tmp_path: Path) -> None:
    version_ids = ingest_samples(archive, tmp_path)

    report = run_check(archive)

    assert report.findings == []
    assert report.clean is True
    assert report.blobs_listed == len(version_ids)
    assert report.blobs_verified == len(version_ids)
    assert report.clauses_checked > 0


def test_removed_blob_is_missing(archive: Archive, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    use_bucket_without_retention(archive)
    version_ids = ingest_samples(archive, tmp_path)
    lost = version_sha256(archive, version_ids[0])
    remove_blob(archive, lost, request)

    report = run_check(archive)

    assert kinds(report) == {"blob_missing": 1}
    [finding] = report.findings
    assert (finding.sha256, finding.document_version_id) == (lost, version_ids[0])
    assert "backup" in finding.message
    assert report.blobs_verified == len(version_ids) - 1


def test_changed_blob_is_corrupt(archive: Archive, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    version_ids = ingest_samples(archive, tmp_path)
    damaged = version_sha256(archive, version_ids[1])
    corrupt_blob(archive, damaged, request)

    report = run_check(archive)

    assert kinds(report) == {"blob_corrupt": 1}
    assert report.findings[0].sha256 == damaged
    assert report.findings[0].document_version_id == version_ids[1]


def test_no_verify_skips_rehashing(archive: Archive, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    version_ids = ingest_samples(archive, tmp_path)
    corrupt_blob(archive, version_sha256(archive, version_ids[0]), request)

    report = run_check(archive, verify_hashes=False)

    assert report.findings == []
    assert report.blobs_verified == 0
    assert report.hashes_verified is False


def test_progress_counts_every_stored_blob(archive: Archive, tmp_path: Path) -> None:
    version_ids = ingest_samples(archive, tmp_path)
    put_extra_blob(archive, tmp_path)
    calls: list[tuple[int, int]] = []

    check(archive, indexing=indexing, progress=lambda done, total: calls.append((done, total)))

    blobs = len(version_ids) + 1
    assert calls == [(done, blobs) for done in range(1, blobs + 1)]


def test_unnamed_blob_is_orphaned(archive: Archive, tmp_path: Path) -> None:
    ingest_samples(archive, tmp_path)
    extra = put_extra_blob(archive, tmp_path)

    report = run_check(archive)

    assert kinds(report) == {"blob_orphaned": 1}
    assert report.findings[0].sha256 == extra
    assert report.findings[0].document_version_id is None


def test_deleted_index_entries_are_missing(archive: Archive, tmp_path: Path) -> None:
    version_ids = ingest_samples(archive, tmp_path)
    archive.index.delete_version(version_ids[0])
    archive.index.commit()

    report = run_check(archive)

    assert kinds(report) == {"index_missing": 1}
    [finding] = report.findings
    assert finding.document_version_id == version_ids[0]
    assert set(finding.clause_ids) == indexable_clause_ids(archive, version_ids[0])


def test_unknown_index_entry_is_orphaned(archive: Archive, tmp_path: Path) -> None:
    ingest_samples(archive, tmp_path)
    archive.index.add([ClauseEntry(
        clause_id=UNKNOWN_CLAUSE_ID, document_version_id=UNKNOWN_CLAUSE_ID, document_id=1, contract_id=1,
        kind="contract", number="1", heading=None, text="不存在的条款",
    )])
    archive.index.commit()

    report = run_check(archive)

    assert kinds(report) == {"index_orphaned": 1}
    assert report.findings[0].clause_ids == (UNKNOWN_CLAUSE_ID,)
    assert report.findings[0].document_version_id is None


def test_indexed_failed_version_is_orphaned(archive: Archive, tmp_path: Path) -> None:
    version_ids = ingest_samples(archive, tmp_path)
    with archive.session() as session:
        session.execute(update(DocumentVersion).where(DocumentVersion.id == version_ids[0]).values(state="failed"))

    report = run_check(archive)

    assert kinds(report) == {"index_orphaned": len(indexable_clause_ids(archive, version_ids[0]))}
    assert {f.document_version_id for f in report.findings} == {version_ids[0]}
    assert {f.state for f in report.findings} == {"failed"}


def test_unindexed_version_is_reported(archive: Archive, tmp_path: Path) -> None:
    version_ids = ingest_samples(archive, tmp_path)
    with archive.session() as session:
        session.execute(update(DocumentVersion).where(DocumentVersion.id == version_ids[2]).values(indexed_at=None))

    report = run_check(archive)

    assert kinds(report) == {"version_not_indexed": 1}
    assert report.findings[0].document_version_id == version_ids[2]


def test_pending_version_reported_with_age(archive: Archive, tmp_path: Path) -> None:
    version_ids = ingest_samples(archive, tmp_path)
    archive.index.delete_version(version_ids[0])
    archive.index.commit()
    uploaded = datetime.now(timezone.utc) - timedelta(hours=3, minutes=5)
    with archive.session() as session:
        session.execute(
            update(DocumentVersion).where(DocumentVersion.id == version_ids[0]).values(state="pending", uploaded_at=uploaded)
        )

    report = run_check(archive)

    assert kinds(report) == {"version_pending": 1}
    [finding] = report.findings
    assert finding.document_version_id == version_ids[0]
    assert finding.age_seconds is not None
    assert 3 * 3600 <= finding.age_seconds < 4 * 3600
    assert "3 hours" in finding.message
    assert f"contract-archive retry {version_ids[0]}" in finding.message


# repair


def test_repair_restores_deleted_index_entries(archive: Archive, tmp_path: Path) -> None:
    version_ids = ingest_samples(archive, tmp_path)
    archive.index.delete_version(version_ids[0])
    archive.index.commit()

    result = repair(archive, run_check(archive), indexing=indexing)

    assert result.remaining == []
    assert result.versions_reindexed == [version_ids[0]]
    assert result.index_rebuilt is False
    assert indexable_clause_ids(archive, version_ids[0]) <= archive.index.indexed_clause_ids()
    assert run_check(archive).findings == []


def test_repair_removes_unknown_index_entry(archive: Archive, tmp_path: Path) -> None:
    ingest_samples(archive, tmp_path)
    archive.index.add([ClauseEntry(
        clause_id=UNKNOWN_CLAUSE_ID, document_version_id=UNKNOWN_CLAUSE_ID, document_id=1, contract_id=1,
        kind="contract", number="1", heading=None, text="不存在的条款",
    )])
    archive.index.commit()

    result = repair(archive, run_check(archive), indexing=indexing)

    assert result.remaining == []
    assert result.index_rebuilt is True
    assert UNKNOWN_CLAUSE_ID not in archive.index.indexed_clause_ids()
    assert run_check(archive).findings == []


def test_repair_removes_failed_version_from_index(archive: Archive, tmp_path: Path) -> None:
    version_ids = ingest_samples(archive, tmp_path)
    with archive.session() as session:
        session.execute(update(DocumentVersion).where(DocumentVersion.id == version_ids[0]).values(state="failed"))

    result = repair(archive, run_check(archive), indexing=indexing)

    assert result.remaining == []
    assert result.versions_removed_from_index == [version_ids[0]]
    assert not indexable_clause_ids(archive, version_ids[0]) & archive.index.indexed_clause_ids()


def test_repair_runs_outbox(archive: Archive, tmp_path: Path) -> None:
    version_ids = ingest_samples(archive, tmp_path)
    with archive.session() as session:
        session.execute(update(DocumentVersion).values(indexed_at=None))

    result = repair(archive, run_check(archive), indexing=indexing)

    assert result.remaining == []
    assert result.versions_reindexed == sorted(version_ids)
    assert run_check(archive).findings == []


def test_repair_keeps_orphaned_blob(archive: Archive, tmp_path: Path) -> None:
    ingest_samples(archive, tmp_path)
    extra = put_extra_blob(archive, tmp_path)

    result = repair(archive, run_check(archive), indexing=indexing)

    assert archive.blobs.exists(extra) is True
    assert [(f.kind, f.sha256) for f in result.remaining] == [("blob_orphaned", extra)]


def test_repair_leaves_missing_and_corrupt_blobs(
    archive: Archive, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    use_bucket_without_retention(archive)
    version_ids = ingest_samples(archive, tmp_path)
    lost = version_sha256(archive, version_ids[0])
    damaged = version_sha256(archive, version_ids[1])
    remove_blob(archive, lost, request)
    corrupt_blob(archive, damaged, request)

    result = repair(archive, run_check(archive), indexing=indexing)

    assert sorted((f.kind, f.sha256) for f in result.remaining) == [("blob_corrupt", damaged), ("blob_missing", lost)]
    assert archive.blobs.exists(lost) is False
    assert archive.blobs.verify(damaged) is False


def test_repair_leaves_pending_version(archive: Archive, tmp_path: Path) -> None:
    version_ids = ingest_samples(archive, tmp_path)
    with archive.session() as session:
        session.execute(update(DocumentVersion).where(DocumentVersion.id == version_ids[0]).values(state="pending"))

    result = repair(archive, run_check(archive), indexing=indexing)

    assert [(f.kind, f.document_version_id) for f in result.remaining] == [("version_pending", version_ids[0])]
    assert result.versions_removed_from_index == [version_ids[0]]


def test_repair_records_audit_event(archive: Archive, tmp_path: Path) -> None:
    version_ids = ingest_samples(archive, tmp_path)
    archive.index.delete_version(version_ids[0])
    archive.index.commit()
    put_extra_blob(archive, tmp_path)

    repair(archive, run_check(archive), indexing=indexing)

    [event] = repair_events(archive)
    assert event.actor == "local"
    assert event.summary["found"] == {"blob_orphaned": 1, "index_missing": 1}
    assert event.summary["versions_reindexed"] == 1
    assert event.summary["remaining"] == {"blob_orphaned": 1}


# CLI


def invoke_check(archive: Archive, *args: str):  # type: ignore[no-untyped-def]
    # The CLI opens its own archive. Closing the test's copy releases the index writer's lock first.
    archive.close()
    return CliRunner().invoke(app, [*args], env=cli_environment(archive.settings))


def test_cli_clean_exits_zero(archive: Archive, tmp_path: Path) -> None:
    version_ids = ingest_samples(archive, tmp_path)

    result = invoke_check(archive, "check", "--json")

    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["clean"] is True
    assert payload["findings"] == []
    assert payload["blobs_verified"] == len(version_ids)
    assert payload["repair"] is None


def test_cli_problems_exit_one(archive: Archive, tmp_path: Path) -> None:
    ingest_samples(archive, tmp_path)
    extra = put_extra_blob(archive, tmp_path)

    result = invoke_check(archive, "--lang", "en", "check", "--json")

    assert result.exit_code == 1, result.output
    payload = json.loads(result.stdout)
    assert payload["counts"] == {"blob_orphaned": 1}
    assert payload["findings"][0]["sha256"] == extra
    assert payload["findings"][0]["message"].startswith(f"Blob {extra} is in the blob store")


def test_cli_repair_exit_zero_when_fixed(archive: Archive, tmp_path: Path) -> None:
    version_ids = ingest_samples(archive, tmp_path)
    archive.index.delete_version(version_ids[0])
    archive.index.commit()

    result = invoke_check(archive, "check", "--repair", "--json")

    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["counts"] == {"index_missing": 1}
    assert payload["repair"]["versions_reindexed"] == [version_ids[0]]
    assert payload["repair"]["remaining"] == []


def test_cli_repair_keeps_blob_exit_one(archive: Archive, tmp_path: Path) -> None:
    ingest_samples(archive, tmp_path)
    extra = put_extra_blob(archive, tmp_path)

    result = invoke_check(archive, "--lang", "en", "check", "--repair")

    assert result.exit_code == 1, result.output
    assert "blob_orphaned" in result.stdout
    assert "Problems that remain after repair" in result.stdout
    assert archive.blobs.exists(extra) is True


def test_cli_table_in_chinese_by_default(archive: Archive, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    version_ids = ingest_samples(archive, tmp_path)
    corrupt_blob(archive, version_sha256(archive, version_ids[0]), request)

    result = invoke_check(archive, "check")

    assert result.exit_code == 1, result.output
    assert "一致性问题" in result.stdout
    assert "存储对象已损坏" in result.stdout


def test_cli_no_verify_exit_zero(archive: Archive, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    version_ids = ingest_samples(archive, tmp_path)
    corrupt_blob(archive, version_sha256(archive, version_ids[0]), request)

    result = invoke_check(archive, "--lang", "en", "check", "--no-verify")

    assert result.exit_code == 0, result.output
    assert "Blob hashes were not verified" in result.stdout


# Messages


def test_finding_messages_translated() -> None:
    with CATALOG.open("rb") as po_file:
        catalog = read_po(po_file, locale="zh_CN")
    words = (*consistency.MESSAGES, *consistency.KINDS)

    untranslated = [word for word in words if not (catalog.get(word) and catalog.get(word).string)]

    assert untranslated == []
