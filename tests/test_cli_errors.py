"""Settings and backends that cannot be used give one clear message and exit status 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("CONTRACT_ARCHIVE_")}
    environment.update(CONTRACT_ARCHIVE_DATA_DIR=str(tmp_path / "data"), COLUMNS="200", **env)
    command = [sys.executable, "-c", "from cli.main import main; main()", "--lang", "en", *args]
    return subprocess.run(command, cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"CONTRACT_ARCHIVE_JOB_BACKEND": "bogus"}, "Setting CONTRACT_ARCHIVE_JOB_BACKEND is invalid"),
        ({"CONTRACT_ARCHIVE_MAX_UPLOAD_MB": "abc"}, "Setting CONTRACT_ARCHIVE_MAX_UPLOAD_MB is invalid"),
        ({"CONTRACT_ARCHIVE_BLOB_STORE": "s3"}, "CONTRACT_ARCHIVE_S3_ENDPOINT is not set"),
        ({"CONTRACT_ARCHIVE_SEARCH_BACKEND": "meilisearch"}, "CONTRACT_ARCHIVE_MEILI_URL"),
    ],
)
def test_bad_setting_gives_one_message(tmp_path: Path, env: dict[str, str], expected: str) -> None:
    result = run_cli(tmp_path, "search", "合同", **env)

    assert result.returncode == 2, result.stderr
    assert expected in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_worker_on_sqlite_names_the_fix(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "worker", CONTRACT_ARCHIVE_JOB_BACKEND="procrastinate")

    assert result.returncode == 2
    assert "CONTRACT_ARCHIVE_JOB_BACKEND=inprocess" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_missing_database_names_the_setting(tmp_path: Path) -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/contract_archive_no_such_database"
    result = run_cli(tmp_path, "search", "合同", CONTRACT_ARCHIVE_DATABASE_URL=url)

    assert result.returncode == 2
    message = " ".join(result.stderr.split())
    assert "CONTRACT_ARCHIVE_DATABASE_URL" in message
    assert "Traceback" not in result.stderr


def test_show_prints_why_a_version_failed(tmp_path: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    ingested = run_cli(tmp_path, "ingest", str(broken))
    assert ingested.returncode == 1, ingested.stdout + ingested.stderr

    output = run_cli(tmp_path, "show", "1")

    assert output.returncode == 0, output.stderr
    text = " ".join(output.stdout.split())
    assert "broken.png could not be read as image" in text
