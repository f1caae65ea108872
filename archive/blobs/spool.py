"""Spool an incoming stream to a temporary file while hashing it and enforcing the size limit."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from archive.errors import FileTooLargeError

SPOOL_CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class SpooledFile:
    path: Path
    sha256: str
    size: int

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def spool_stream(stream: BinaryIO, *, filename: str, limit_bytes: int, spool_dir: Path) -> SpooledFile:
    """Copy `stream` to a file in `spool_dir`; raise FileTooLargeError past `limit_bytes`."""
    spool_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, name = tempfile.mkstemp(dir=spool_dir, prefix="upload-")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(SPOOL_CHUNK_BYTES):
                size += len(chunk)
                if size > limit_bytes:
                    raise FileTooLargeError(file=filename, limit_mb=limit_bytes // (1024 * 1024))
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return SpooledFile(path=path, sha256=digest.hexdigest(), size=size)
