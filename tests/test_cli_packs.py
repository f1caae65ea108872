"""`contract-archive pack drafts|build|download|verify` on a real archive and a real corpus contract."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archive.access import SYSTEM
from archive.context import Archive
from archive.models import DocumentVersion
from archive.services import evidence_drafts as drafts
from cli.main import app
from ingest.pipeline import ingest_path
from tests.archive.test_evidence_verify import flip_byte, replace_member
from tests.conftest import REPO_ROOT, corpus_file

CONTRACT = "en_cuad_services-agreement_federated_base.pdf"


def run(archive: Archive, *args: str, **overrides: str) -> tuple[int, str]:
    environment = {**archive.settings.child_environment(os.environ), "COLUMNS": "300", **overrides}
    result = CliRunner().invoke(app, list(args), env=environment)
    return result.exit_code, " ".join(result.output.split())


@pytest.fixture
def draft_id(sqlite_archive: Archive) -> int:
    ingested = ingest_path(sqlite_archive, corpus_file(CONTRACT), kind="contract", index=False)
    with sqlite_archive.session() as session:
        version = session.get(DocumentVersion, ingested.document_version_id)
        draft = drafts.create_draft(session, case_name="服务费纠纷", contract_ids=[ingested.contract_id], actor=SYSTEM)
        drafts.add_item(session, draft.id, drafts.ItemInput(source="version", document_version_id=version.id,
                                                            name="服务协议", purpose="证明合同关系"), actor=SYSTEM)
        return draft.id


def save(archive: Archive, draft_id: int) -> None:
    with archive.session() as session:
        drafts.save_draft(session, draft_id, actor=SYSTEM)


def test_build_download_and_verify(sqlite_archive: Archive, draft_id: int, tmp_path: Path) -> None:
    save(sqlite_archive, draft_id)
    out = tmp_path / "pack.zip"

    code, output = run(sqlite_archive, "--lang", "en", "pack", "build", str(draft_id), "--out", str(out))
    assert code == 0, output
    assert f"Pack 1 built from revision 1 of draft {draft_id}: 9 files" in output
    zip_sha = output.split("ZIP SHA-256: ")[1].split()[0]
    assert sqlite_archive.blobs.read_bytes(zip_sha) == out.read_bytes()

    code, output = run(sqlite_archive, "--lang", "en", "pack", "drafts")
    assert code == 0, output
    assert "服务费纠纷" in output, output

    again = tmp_path / "again.zip"
    code, output = run(sqlite_archive, "pack", "download", "1", str(again))
    assert code == 0, output
    assert again.read_bytes() == out.read_bytes()

    code, output = run(sqlite_archive, "--lang", "en", "pack", "verify", str(out))
    assert code == 0, output
    assert "The pack is intact: all 7 files match the manifest." in output
    assert "The archive confirms the pack" in output

    code, output = run(sqlite_archive, "pack", "verify", str(out))
    assert code == 0, output
    assert "证据包完整" in output, output


def test_verify_changed_file_exits_1(sqlite_archive: Archive, draft_id: int, tmp_path: Path) -> None:
    save(sqlite_archive, draft_id)
    out = tmp_path / "pack.zip"
    assert run(sqlite_archive, "pack", "build", str(draft_id), "--out", str(out))[0] == 0
    replace_member(out, "证据/1-1 服务协议.pdf", lambda data: flip_byte(data, 500))

    code, output = run(sqlite_archive, "--lang", "en", "pack", "verify", str(out))

    assert code == 1
    assert "changed 证据/1-1 服务协议.pdf" in output, output


def test_verify_unreachable_archive_checks_files_only(sqlite_archive: Archive, draft_id: int,
                                                      tmp_path: Path) -> None:
    save(sqlite_archive, draft_id)
    out = tmp_path / "pack.zip"
    assert run(sqlite_archive, "pack", "build", str(draft_id), "--out", str(out))[0] == 0

    code, output = run(sqlite_archive, "--lang", "en", "pack", "verify", str(out),
                       CONTRACT_ARCHIVE_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")

    assert code == 3, output  # intact, but not confirmed
    assert "The pack is intact" in output
    assert "The archive cannot be reached, so only the files were checked" in output

    assert run(sqlite_archive, "pack", "verify", str(out), "--offline")[0] == 0


@pytest.mark.parametrize("setting", ["database", "data_dir"])
def test_verify_never_creates_missing_archive(
        sqlite_archive: Archive, draft_id: int, tmp_path: Path, setting: str) -> None:
    save(sqlite_archive, draft_id)
    out = tmp_path / "pack.zip"
    assert run(sqlite_archive, "pack", "build", str(draft_id), "--out", str(out))[0] == 0
    wrong = tmp_path / "no-such-folder"
    override = ({"CONTRACT_ARCHIVE_DATABASE_URL": f"sqlite:///{wrong}/archive.db"} if setting == "database"
                else {"CONTRACT_ARCHIVE_DATA_DIR": str(wrong), "CONTRACT_ARCHIVE_DATABASE_URL": ""})

    code, output = run(sqlite_archive, "--lang", "en", "pack", "verify", str(out), **override)

    assert code == 3, output
    database = "archive.db" if setting == "database" else "archive.sqlite3"
    assert f"the database file {wrong}/{database} does not exist" in output
    assert not wrong.exists()


def test_verify_separates_changed_file_from_unknown_pack(sqlite_archive: Archive, draft_id: int,
                                                        tmp_path: Path) -> None:
    save(sqlite_archive, draft_id)
    out = tmp_path / "pack.zip"
    assert run(sqlite_archive, "pack", "build", str(draft_id), "--out", str(out))[0] == 0
    replace_member(out, "证据目录.pdf", lambda data: flip_byte(data, 300))

    code, output = run(sqlite_archive, "--lang", "en", "pack", "verify", str(out))

    assert code == 1
    assert "The archive confirms the pack" not in output
    assert "the files above differ from that manifest, so the pack is not the one the archive built" in output


def test_build_rejects_unsaved_draft(sqlite_archive: Archive, draft_id: int) -> None:
    code, output = run(sqlite_archive, "--lang", "en", "pack", "build", str(draft_id))

    assert code == 2
    assert f"Evidence draft {draft_id} has not been saved yet." in output
    assert "Traceback" not in output


def test_verify_rejects_non_pack_file(sqlite_archive: Archive, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.zip"
    bogus.write_text("not a zip")

    code, output = run(sqlite_archive, "--lang", "en", "pack", "verify", str(bogus), "--offline")

    assert code == 1
    assert "notes.zip" in output
    assert "Traceback" not in output


def test_build_in_two_processes_same_bytes(sqlite_archive: Archive, draft_id: int) -> None:
    save(sqlite_archive, draft_id)
    hashes = set()
    for seed in ("1", "2"):
        environment = {**sqlite_archive.settings.child_environment(os.environ), "PYTHONHASHSEED": seed,
                       "COLUMNS": "300"}
        result = subprocess.run([sys.executable, "-c", "from cli.main import main; main()", "--lang", "en", "pack",
                                 "build", str(draft_id)], cwd=REPO_ROOT, env=environment, capture_output=True,
                                text=True, check=False, timeout=300)
        assert result.returncode == 0, result.stderr
        hashes.add(result.stdout.split("ZIP SHA-256: ")[1].split()[0])
    assert len(hashes) == 1


def test_download_to_a_missing_folder_names_the_file(sqlite_archive: Archive, draft_id: int, tmp_path: Path) -> None:
    save(sqlite_archive, draft_id)
    assert run(sqlite_archive, "pack", "build", str(draft_id))[0] == 0
    target = tmp_path / "no-such-folder" / "pack.zip"

    code, output = run(sqlite_archive, "--lang", "en", "pack", "download", "1", str(target))

    assert code == 1
    assert f"Cannot write {target}" in output
    assert "Traceback" not in output
