"""Legal holds on contracts, on SQLite with local blobs and on PostgreSQL with S3 blobs (moto)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from archive.context import Archive
from archive.errors import DocumentOnHoldError, HoldAlreadyLiftedError, HoldReasonMissingError, PermissionDeniedError
from archive.models import AuditEvent, Document, DocumentVersion
from archive.services import documents as document_service
from archive.services.contracts import create_contract
from archive.services.holds import contract_blobs, lift_hold, place_hold
from cli.samples import write_samples
from ingest.pipeline import ingest_path
from tests.conftest import signed_in_client

CONTRACT_FILE = "采购合同-HT-2024-001.docx"
AMENDMENT_FILE = "补充协议-HT-2024-001.docx"
ACCEPTANCE_FILE = "验收报告-HT-2024-001.docx"


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    return write_samples(tmp_path / "samples")


def blobs_of(archive: Archive, contract_id: int) -> set[str]:
    with archive.session() as session:
        return contract_blobs(session, contract_id)


def events(archive: Archive, action: str) -> list[AuditEvent]:
    with archive.session() as session:
        found = list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
        for event in found:
            session.expunge(event)
        return found


def test_hold_covers_existing_and_new_files(archive: Archive, samples: Path) -> None:
    contract = ingest_path(archive, samples / CONTRACT_FILE)
    ingest_path(archive, samples / AMENDMENT_FILE)
    contract_id = contract.contract_id
    before = blobs_of(archive, contract_id)
    assert len(before) == 2

    hold = place_hold(archive, contract_id, reason="买方拖欠货款仲裁案", actor="法务部张三")
    # A file filed under the contract after the hold is held as it arrives.
    later = ingest_path(archive, samples / ACCEPTANCE_FILE)

    assert later.contract_id == contract_id
    held = blobs_of(archive, contract_id)
    assert len(held) == 3
    assert all(archive.blobs.has_legal_hold(sha256) for sha256 in held)
    [placed] = events(archive, "legal_hold_placed")
    assert placed.actor == "法务部张三"
    assert placed.summary == {"hold_id": hold.id, "reason": "买方拖欠货款仲裁案", "files": 2}


def test_only_admin_lifts_and_lift_is_logged(archive: Archive, samples: Path) -> None:
    contract_id = ingest_path(archive, samples / CONTRACT_FILE).contract_id
    hold = place_hold(archive, contract_id, reason="质量纠纷", actor="legal")
    [sha256] = blobs_of(archive, contract_id)

    with pytest.raises(PermissionDeniedError) as denied:
        lift_hold(archive, hold.id, reason="结案", actor="viewer", is_admin=False)
    assert "administrator" in str(denied.value)
    assert archive.blobs.has_legal_hold(sha256)

    lifted = lift_hold(archive, hold.id, reason="仲裁已结案", actor="admin", is_admin=True)

    assert lifted.lifted_by == "admin"
    assert not archive.blobs.has_legal_hold(sha256)
    [event] = events(archive, "legal_hold_lifted")
    assert event.summary == {"hold_id": hold.id, "reason": "仲裁已结案", "files_released": 1}
    with pytest.raises(HoldAlreadyLiftedError):
        lift_hold(archive, hold.id, reason="again", actor="admin", is_admin=True)


def test_file_stays_held_while_another_hold_covers_it(archive: Archive, samples: Path) -> None:
    contract_id = ingest_path(archive, samples / CONTRACT_FILE).contract_id
    first = place_hold(archive, contract_id, reason="仲裁案", actor="legal")
    place_hold(archive, contract_id, reason="另案诉讼", actor="legal")
    [sha256] = blobs_of(archive, contract_id)

    lift_hold(archive, first.id, reason="仲裁已结案", actor="admin", is_admin=True)

    assert archive.blobs.has_legal_hold(sha256)


def test_held_document_cannot_move_out(archive: Archive, samples: Path) -> None:
    contract_id = ingest_path(archive, samples / CONTRACT_FILE).contract_id
    place_hold(archive, contract_id, reason="仲裁案", actor="legal")

    with archive.session() as session:
        other = create_contract(session, number="HT-OTHER", title="另一合同")
        session.flush()
        other_id = other.id
    with pytest.raises(DocumentOnHoldError) as raised, archive.session() as session:
        document = session.scalars(select(Document).where(Document.contract_id == contract_id)).first()
        document_service.move_document(session, document=document, contract_id=other_id, actor="legal")
    assert str(contract_id) in str(raised.value)
    with archive.session() as session:
        assert session.scalars(select(Document.contract_id)).all() == [contract_id]


def test_hold_needs_reason(archive: Archive, samples: Path) -> None:
    contract_id = ingest_path(archive, samples / CONTRACT_FILE).contract_id

    with pytest.raises(HoldReasonMissingError):
        place_hold(archive, contract_id, reason="   ", actor="legal")
    assert events(archive, "legal_hold_placed") == []


def test_hold_is_an_s3_legal_hold(archive: Archive, samples: Path) -> None:
    from archive.blobs.s3 import S3BlobStore

    if not isinstance(archive.blobs, S3BlobStore):
        pytest.skip("the local store keeps holds as marker files, checked through has_legal_hold")
    contract_id = ingest_path(archive, samples / CONTRACT_FILE).contract_id
    hold = place_hold(archive, contract_id, reason="仲裁案", actor="legal")
    [sha256] = blobs_of(archive, contract_id)
    store = archive.blobs

    # Asked of the server directly, not through the archive's own bookkeeping.
    assert store.client.is_object_legal_hold_enabled(store.bucket, store.key_for(sha256))
    lift_hold(archive, hold.id, reason="结案", actor="admin", is_admin=True)
    assert not store.client.is_object_legal_hold_enabled(store.bucket, store.key_for(sha256))


def test_cli_places_lists_and_lifts(archive: Archive, samples: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cli import main as cli_main

    contract_id = ingest_path(archive, samples / CONTRACT_FILE).contract_id
    monkeypatch.setattr(cli_main, "_open", lambda: _reopen(archive))
    runner = CliRunner()

    placed = runner.invoke(cli_main.app, ["--lang", "en", "hold", "place", str(contract_id), "--reason", "仲裁案"])
    listed = runner.invoke(cli_main.app, ["--lang", "en", "hold", "list"])
    lifted = runner.invoke(cli_main.app, ["--lang", "en", "hold", "lift", "1", "--reason", "结案"])
    again = runner.invoke(cli_main.app, ["--lang", "en", "hold", "lift", "1", "--reason", "结案"])

    assert placed.exit_code == 0, placed.output
    assert f"placed on contract {contract_id}" in placed.output
    assert "仲裁案" in listed.output
    assert "active" in listed.output
    assert lifted.exit_code == 0, lifted.output
    assert again.exit_code != 0
    assert "already lifted" in again.output
    [event] = events(archive, "legal_hold_lifted")
    assert event.actor.startswith("cli:")


def _reopen(archive: Archive) -> Archive:
    from archive.context import open_archive

    return open_archive(archive.settings)


def test_api_places_and_lists_holds(archive: Archive, samples: Path) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    contract_id = ingest_path(archive, samples / CONTRACT_FILE).contract_id
    with signed_in_client(archive.settings) as client:
        empty = client.post(f"/api/contracts/{contract_id}/legal-holds", json={"reason": ""})
        created = client.post(f"/api/contracts/{contract_id}/legal-holds", json={"reason": "仲裁案"})
        listed = client.get(f"/api/contracts/{contract_id}/legal-holds")
        missing = client.post("/api/contracts/999/legal-holds", json={"reason": "仲裁案"})

    assert empty.status_code == 422
    assert created.status_code == 201
    assert created.json()["active"] is True
    assert [hold["reason"] for hold in listed.json()] == ["仲裁案"]
    assert missing.status_code == 404
    with archive.session() as session:
        sha256 = session.scalars(select(DocumentVersion.blob_sha256)).one()
    assert archive.blobs.has_legal_hold(sha256)


def test_contract_page_shows_active_hold(archive: Archive, samples: Path) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    contract_id = ingest_path(archive, samples / CONTRACT_FILE).contract_id
    hold = place_hold(archive, contract_id, reason="买方拖欠货款仲裁案", actor="法务部张三")
    with signed_in_client(archive.settings) as client:
        held = client.get(f"/contracts/{contract_id}").text
    lift_hold(archive, hold.id, reason="结案", actor="admin", is_admin=True)
    with signed_in_client(archive.settings) as client:
        lifted = client.get(f"/contracts/{contract_id}").text

    assert "法律保全中" in held
    assert "买方拖欠货款仲裁案" in held
    assert "法务部张三" in held
    assert "法律保全中" not in lifted
