"""The object store interface: immutable blobs keyed by SHA-256."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

HEX_DIGITS = frozenset("0123456789abcdef")


class BlobIntegrityError(Exception):
    """The bytes offered or stored do not hash to the key they are filed under."""


def relative_key(sha256: str) -> str:
    """Return the blob's key `ab/cd/abcd...` shared by every store; raise ValueError for anything but a SHA-256."""
    if len(sha256) != 64 or not HEX_DIGITS.issuperset(sha256):
        raise ValueError(f"not a lowercase SHA-256 hex digest: {sha256!r}")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class BlobStore(Protocol):
    """Content-addressed storage of original files and evidence packs; nothing stored is ever changed."""

    def put_file(self, source: Path, sha256: str) -> bool:
        """Store the file's bytes under `sha256`, verified by hash; return False when they were already stored."""

    def exists(self, sha256: str) -> bool:
        """Return whether a blob is stored."""

    def open(self, sha256: str) -> BinaryIO:
        """Open a stored blob for streaming reads."""

    def read_bytes(self, sha256: str) -> bytes:
        """Return a stored blob's bytes."""

    def size(self, sha256: str) -> int:
        """Return a stored blob's size in bytes."""

    def iter_hashes(self) -> Iterator[str]:
        """Yield the SHA-256 of every stored blob."""

    def verify(self, sha256: str) -> bool:
        """Re-read a stored blob and return whether its bytes still hash to `sha256`."""

    def set_legal_hold(self, sha256: str, on: bool) -> None:
        """Place or lift a legal hold; a held blob cannot be removed by anyone."""

    def has_legal_hold(self, sha256: str) -> bool:
        """Return whether a legal hold is placed on the blob."""

    def download_url(self, sha256: str, *, filename: str, media_type: str, expires_seconds: int) -> str | None:
        """Return a presigned URL that downloads the blob under `filename`, or None when the app must proxy it."""
