"""A real S3 API server for the tests: moto's standalone server in a child process on 127.0.0.1.

A child process rather than moto's ThreadedMotoServer keeps the server's own copies of every
object out of this process, so tests can measure how much memory the client side uses.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from minio import Minio

from archive.settings import Settings

HOST = "127.0.0.1"
ACCESS_KEY = "contract-archive-test"
SECRET_KEY = "contract-archive-test-secret"
REGION = "us-east-1"
START_TIMEOUT_SECONDS = 30.0
START_ATTEMPTS = 3


class S3TestServer:
    """moto_server on a free port. `start` waits until it responds and `stop` ends the child by its process id."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"{HOST}:{self.port}"

    def start(self) -> None:
        for _ in range(START_ATTEMPTS):
            self.port = _free_port()
            with self.log_path.open("ab") as log:
                self._process = subprocess.Popen(
                    [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(self.port)],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            if self._wait_until_ready():
                return
            self.stop()
        raise RuntimeError(f"moto_server failed to start on {HOST}. Its output is in {self.log_path}")

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def client(self) -> Minio:
        return Minio(self.endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY, secure=False, region=REGION)

    def settings(self, data_dir: Path, *, bucket: str | None = None, **overrides: object) -> Settings:
        """Return Settings for blob_store=s3 on this server, with a new bucket unless `bucket` is given."""
        values: dict[str, object] = {
            "data_dir": data_dir,
            "blob_store": "s3",
            "s3_endpoint": self.endpoint,
            "s3_access_key": ACCESS_KEY,
            "s3_secret_key": SECRET_KEY,
            "s3_bucket": bucket or unique_bucket_name(),
            "s3_region": REGION,
            "s3_secure": False,
            "s3_retention_days": 1,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[arg-type]

    def _wait_until_ready(self) -> bool:
        assert self._process is not None
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return False  # exited, most likely because another process took the port
            try:
                with urllib.request.urlopen(f"http://{self.endpoint}/moto-api/", timeout=1):
                    return True
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        return False


def unique_bucket_name() -> str:
    return f"test-{uuid.uuid4().hex}"


def _free_port() -> int:
    # The port is free when this returns, but another process could take it before the server binds.
    # `start` handles that by trying again.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])
