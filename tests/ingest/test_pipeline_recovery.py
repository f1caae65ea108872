"""Interrupted and unreadable ingests: nothing is lost and nothing is reported wrongly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archive.blobs.spool import spool_stream
from archive.context import Archive
from cli.main import app
from cli.samples import write_samples
from ingest.pipeline import accept, ingest_path

CONTRACT = "采购合同-HT-2024-001.docx"


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_samples(tmp_path_factory.mktemp("samples"))


def run_cli(data_dir: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--lang", "en", *args], env={"CONTRACT_ARCHIVE_DATA_DIR": str(data_dir)})


def test_pending_version_is_resumed_not_duplicate(archive: Archive, samples: Path) -> None:
    path = samples / CONTRACT
    with path.open("rb") as stream:
        spooled = spool_stream(stream, filename=path.name, limit_bytes=10**8, spool_dir=archive.spool_dir)
    # A run that stopped right after storing the file: the version exists but was never read.
    pending = accept(archive, spooled, filename=path.name, contract_id=None, new_version_of=None, kind=None, actor="t")
    spooled.discard()

    result = ingest_path(archive, path)

    assert result.status == "ingested"
    assert result.document_version_id == pending.version_id
    assert result.clause_count > 0
    assert archive.index.search("违约").total > 0


def test_duplicate_of_failed_file_exits_nonzero(tmp_path: Path) -> None:
    broken = tmp_path / "truncated.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog")

    first = run_cli(tmp_path / "data", "ingest", "--json", str(broken))
    second = run_cli(tmp_path / "data", "ingest", "--json", str(broken))

    assert first.exit_code == 1
    row = json.loads(second.stdout.splitlines()[0])
    assert row["status"] == "duplicate"
    assert row["status_of_existing"] == "failed"
    assert "truncated.pdf" in row["error"]
    assert second.exit_code == 1


def test_unreadable_file_fails_alone(tmp_path: Path, samples: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / CONTRACT).write_bytes((samples / CONTRACT).read_bytes())
    (folder / "gone.pdf").symlink_to(tmp_path / "does-not-exist.pdf")

    result = run_cli(tmp_path / "data", "ingest", "--json", str(folder))

    rows = {Path(r["file"]).name: r for r in map(json.loads, result.stdout.splitlines())}
    assert rows["gone.pdf"]["status"] == "failed"
    assert "gone.pdf" in rows["gone.pdf"]["error"]
    assert rows[CONTRACT]["status"] == "ingested"
    assert result.exit_code == 1
    searched = run_cli(tmp_path / "data", "search", "--json", "违约")
    assert searched.stdout.strip(), "the file stored before the failure must be searchable"


def test_search_accepts_leading_minus(tmp_path: Path, samples: Path) -> None:
    run_cli(tmp_path / "data", "ingest", str(samples))

    result = run_cli(tmp_path / "data", "search", "--json", "合同 -违约")

    assert result.exit_code == 0
    assert all("第六条" != json.loads(line)["number"] for line in result.stdout.splitlines())


def test_search_rejects_unknown_kind(tmp_path: Path) -> None:
    result = run_cli(tmp_path / "data", "search", "--kind", "poem", "违约")

    assert result.exit_code == 2
    assert "poem" in result.stderr


def test_unopenable_path_is_clear_failure(archive: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "合同.pdf"
    folder.mkdir()  # opening a folder as a file fails with an OSError, as a file without read permission does

    result = ingest_path(archive, folder)

    assert result.status == "failed"
    assert result.error_code == "unreadable"
    assert "合同.pdf" in result.error


def test_index_of_older_format_is_rebuilt(tmp_path: Path, samples: Path) -> None:
    data_dir = tmp_path / "data"
    assert run_cli(data_dir, "ingest", str(samples / CONTRACT)).exit_code == 0
    marker = data_dir / "index" / "contract-archive-index.json"
    marker.write_text(json.dumps({"format": 0}))  # as an index written by an older release

    result = run_cli(data_dir, "search", "--json", "违约")

    assert result.exit_code == 0
    assert [json.loads(line)["number"] for line in result.stdout.splitlines()] == ["第六条"]
