"""Settings passed to child processes (workers, benchmark servers) as environment variables."""

from __future__ import annotations

from pathlib import Path

from archive.settings import Settings


def test_child_environment_round_trips(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, blob_store="s3", s3_secret_key="secret", s3_secure=False, job_heartbeat_seconds=0.5,
        _env_file=None,
    )
    base = {"PATH": "/usr/bin", "CONTRACT_ARCHIVE_LANGUAGE": "en"}

    env = settings.child_environment(base)

    assert env["PATH"] == "/usr/bin"
    assert env["CONTRACT_ARCHIVE_LANGUAGE"] == "zh_CN"
    assert env["CONTRACT_ARCHIVE_S3_SECRET_KEY"] == "secret"
    assert env["CONTRACT_ARCHIVE_S3_SECURE"] == "false"
    assert "CONTRACT_ARCHIVE_S3_ENDPOINT" not in env
    child = Settings(_env_file=None, **{key[len("CONTRACT_ARCHIVE_"):].lower(): value
                                        for key, value in env.items() if key.startswith("CONTRACT_ARCHIVE_")})
    assert child == settings
