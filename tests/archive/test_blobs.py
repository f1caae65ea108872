import hashlib
import os
from pathlib import Path

import pytest

from archive.blobs.local import BlobIntegrityError, LocalBlobStore
from archive.blobs.spool import spool_stream
from archive.errors import FileTooLargeError


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_put_file_stores_under_sha256(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    data = "合同正文".encode() * 1000
    sha = hashlib.sha256(data).hexdigest()

    created = store.put_file(write(tmp_path / "in.bin", data), sha)

    assert created is True
    assert store.read_bytes(sha) == data
    assert store.path_for(sha) == tmp_path / "blobs" / sha[:2] / sha[2:4] / sha


def test_put_file_twice_keeps_one_copy(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    data = b"same bytes"
    sha = hashlib.sha256(data).hexdigest()
    source = write(tmp_path / "in.bin", data)

    assert store.put_file(source, sha) is True
    assert store.put_file(source, sha) is False
    assert len([p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]) == 1


def test_put_file_rejects_wrong_hash(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    wrong = hashlib.sha256(b"other").hexdigest()

    with pytest.raises(BlobIntegrityError):
        store.put_file(write(tmp_path / "in.bin", b"payload"), wrong)

    assert not store.exists(wrong)
    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []


def test_stored_blob_is_read_only(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    sha = hashlib.sha256(b"x").hexdigest()
    store.put_file(write(tmp_path / "in.bin", b"x"), sha)

    assert os.stat(store.path_for(sha)).st_mode & 0o222 == 0


def test_path_for_rejects_non_hash_keys(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    with pytest.raises(ValueError):
        store.path_for("../../etc/passwd")


def test_spool_hashes_and_counts(tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    with write(tmp_path / "in.bin", data).open("rb") as stream:
        spooled = spool_stream(stream, filename="in.bin", limit_bytes=10 * 1024 * 1024, spool_dir=tmp_path / "spool")

    assert spooled.sha256 == hashlib.sha256(data).hexdigest()
    assert spooled.size == len(data)
    assert spooled.path.read_bytes() == data


def test_spool_over_limit_raises_and_cleans_up(tmp_path: Path) -> None:
    data = b"x" * (2 * 1024 * 1024 + 1)
    with write(tmp_path / "big.pdf", data).open("rb") as stream:
        with pytest.raises(FileTooLargeError) as raised:
            spool_stream(stream, filename="big.pdf", limit_bytes=2 * 1024 * 1024, spool_dir=tmp_path / "spool")

    assert "big.pdf" in str(raised.value)
    assert list((tmp_path / "spool").iterdir()) == []
