"""The object store interface: immutable blobs keyed by SHA-256."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Protocol


class BlobStore(Protocol):
    def put_file(self, source: Path, sha256: str) -> bool:
        """Store the file's bytes under `sha256`; return False when they were already stored."""

    def exists(self, sha256: str) -> bool:
        """Return whether a blob is stored."""

    def open(self, sha256: str) -> BinaryIO:
        """Open a stored blob for reading."""

    def read_bytes(self, sha256: str) -> bytes:
        """Return a stored blob's bytes."""
