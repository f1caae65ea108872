"""Content-addressed blobs in a local directory, written atomically."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

logger = logging.getLogger(__name__)

COPY_CHUNK_BYTES = 1024 * 1024


class BlobIntegrityError(Exception):
    """The bytes offered do not hash to the key they were offered under."""


class LocalBlobStore:
    """Blobs at ROOT/ab/cd/abcd...; a blob is written once and never modified."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def put_file(self, source: Path, sha256: str) -> bool:
        """Copy `source` in under its hash: temporary file, fsync, rename, fsync directory."""
        target = self.path_for(sha256)
        if target.is_file():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                while chunk := src.read(COPY_CHUNK_BYTES):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if digest.hexdigest() != sha256:
                raise BlobIntegrityError(f"{source} does not hash to {sha256}")
            os.chmod(tmp_name, 0o444)
            os.replace(tmp_name, target)
            _fsync_directory(target.parent)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        logger.info("blob stored sha256=%s", sha256)
        return True

    def open(self, sha256: str) -> BinaryIO:
        return self.path_for(sha256).open("rb")

    def read_bytes(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()

    def copy_to(self, sha256: str, destination: BinaryIO) -> None:
        with self.open(sha256) as src:
            shutil.copyfileobj(src, destination, COPY_CHUNK_BYTES)


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
