"""Content-addressed blobs in a local directory, written atomically."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from archive.blobs.base import HEX_DIGITS, BlobIntegrityError, relative_key

__all__ = ["BlobIntegrityError", "LocalBlobStore"]

logger = logging.getLogger(__name__)

COPY_CHUNK_BYTES = 1024 * 1024
HOLDS_DIRNAME = ".holds"


class LocalBlobStore:
    """Blobs at ROOT/ab/cd/abcd...; a blob is written once and never modified.

    A legal hold is a marker file ROOT/.holds/<sha256>. Nothing in this store deletes blobs,
    so the marker records the hold for people and tools rather than enforcing it.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.holds_dir = root / HOLDS_DIRNAME

    def path_for(self, sha256: str) -> Path:
        return self.root / relative_key(sha256)

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

    def size(self, sha256: str) -> int:
        return self.path_for(sha256).stat().st_size

    def iter_hashes(self) -> Iterator[str]:
        """Yield the SHA-256 of every blob file, skipping temporary files and hold markers."""
        for path in self.root.glob("??/??/*"):
            name = path.name
            if len(name) != 64 or not HEX_DIGITS.issuperset(name):
                continue
            if path.relative_to(self.root).as_posix() == relative_key(name) and path.is_file():
                yield name

    def verify(self, sha256: str) -> bool:
        """Re-hash the stored file; raise FileNotFoundError when it is missing."""
        digest = hashlib.sha256()
        with self.open(sha256) as stream:
            while chunk := stream.read(COPY_CHUNK_BYTES):
                digest.update(chunk)
        intact = digest.hexdigest() == sha256
        if not intact:
            logger.error("blob corrupt sha256=%s path=%s", sha256, self.path_for(sha256))
        return intact

    def set_legal_hold(self, sha256: str, on: bool) -> None:
        """Write or remove the hold marker; raise FileNotFoundError when the blob is not stored."""
        if not self.exists(sha256):
            raise FileNotFoundError(f"blob {sha256} is not stored in {self.root}")
        marker = self._hold_marker(sha256)
        if on:
            _write_atomically(marker, f"{sha256}\n".encode("ascii"))
        elif marker.is_file():
            marker.unlink()
            _fsync_directory(self.holds_dir)
        logger.info("legal hold %s sha256=%s", "placed" if on else "lifted", sha256)

    def has_legal_hold(self, sha256: str) -> bool:
        if not self.exists(sha256):
            raise FileNotFoundError(f"blob {sha256} is not stored in {self.root}")
        return self._hold_marker(sha256).is_file()

    def download_url(self, sha256: str, *, filename: str, media_type: str, expires_seconds: int) -> str | None:
        """Return None: a local blob has no URL of its own, so the app streams it."""
        relative_key(sha256)
        return None

    def _hold_marker(self, sha256: str) -> Path:
        relative_key(sha256)
        return self.holds_dir / sha256


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp_name, target)
        _fsync_directory(target.parent)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
