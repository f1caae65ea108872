"""Conformance tests every blob store passes, then tests of what only the local or the S3 store does."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import tracemalloc
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
import urllib3
from minio import Minio
from minio.commonconfig import GOVERNANCE
from minio.error import S3Error
from minio.objectlockconfig import DAYS

from archive.blobs.base import BlobIntegrityError, BlobStore
from archive.blobs.local import BlobIntegrityError as LocalBlobIntegrityError
from archive.blobs.local import LocalBlobStore
from archive.blobs.s3 import S3BlobStore
from archive.blobs.spool import spool_stream
from archive.errors import (
    BlobStoreSettingMissingError,
    BlobStoreUnavailableError,
    BucketWithoutObjectLockError,
    FileTooLargeError,
)
from archive.settings import Settings
from tests.s3_server import S3TestServer

LARGE_BLOB_BYTES = 40 * 1024 * 1024
MISSING_SHA256 = "0" * 64
CHINESE_FILENAME = "采购合同（终稿）.pdf"

SettingsFactory = Callable[..., Settings]


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def put_bytes(store: BlobStore, tmp_path: Path, data: bytes) -> str:
    sha = sha256_of(data)
    assert store.put_file(write(tmp_path / f"in-{sha[:12]}.bin", data), sha) is True
    return sha


def checksum_headers(data: bytes) -> dict[str, str]:
    """Headers moto requires for a plain-HTTP upload to a bucket with object lock."""
    return {
        "x-amz-checksum-sha256": base64.b64encode(hashlib.sha256(data).digest()).decode("ascii"),
        "x-amz-sdk-checksum-algorithm": "SHA256",
    }


@pytest.fixture(params=["local", "s3"])
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def open_store(store_kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], BlobStore]:
    """Return a function that opens the same store again, as a restarted process would."""
    if store_kind == "local":
        return lambda: LocalBlobStore(tmp_path / "blobs")
    settings = request.getfixturevalue("s3_settings_factory")()
    return lambda: S3BlobStore.from_settings(settings)


@pytest.fixture
def store(open_store: Callable[[], BlobStore]) -> BlobStore:
    return open_store()


def corrupt(store: BlobStore, sha256: str, s3_server: S3TestServer | None) -> None:
    """Change a stored blob's bytes behind the store's back."""
    if isinstance(store, LocalBlobStore):
        path = store.path_for(sha256)
        os.chmod(path, 0o644)
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
        return
    assert isinstance(store, S3BlobStore) and s3_server is not None
    tampered = b"tampered " + sha256.encode("ascii")
    s3_server.client().put_object(
        store.bucket, store.key_for(sha256), io.BytesIO(tampered), len(tampered), metadata=checksum_headers(tampered)
    )


# Conformance: every store.


def test_put_then_read_back(store: BlobStore, tmp_path: Path) -> None:
    data = "合同正文".encode() * 1000

    sha = put_bytes(store, tmp_path, data)

    assert store.exists(sha)
    assert store.read_bytes(sha) == data
    assert store.size(sha) == len(data)


def test_large_blob_streams_in_bounded_memory(store: BlobStore, tmp_path: Path) -> None:
    data = os.urandom(LARGE_BLOB_BYTES)
    sha = sha256_of(data)
    source = write(tmp_path / "large.bin", data)
    del data
    copy = tmp_path / "copy.bin"

    tracemalloc.start()
    try:
        created = store.put_file(source, sha)
        _, put_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        with store.open(sha) as stream, copy.open("wb") as out:
            shutil.copyfileobj(stream, out)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert created is True
    assert put_peak < LARGE_BLOB_BYTES // 2
    assert read_peak < LARGE_BLOB_BYTES // 4
    assert copy.stat().st_size == LARGE_BLOB_BYTES
    assert sha256_of(copy.read_bytes()) == sha
    assert store.size(sha) == LARGE_BLOB_BYTES


def test_open_reads_part_and_closes(store: BlobStore, tmp_path: Path) -> None:
    data = b"0123456789" * 100_000
    sha = put_bytes(store, tmp_path, data)

    with store.open(sha) as stream:
        head = stream.read(10)
        rest = stream.read()

    assert head == data[:10]
    assert rest == data[10:]
    assert stream.closed
    with store.open(sha) as stream:
        assert stream.read(5) == data[:5]  # closing after a partial read must not break the next request
    assert store.read_bytes(sha) == data


def test_put_twice_returns_false(store: BlobStore, tmp_path: Path) -> None:
    data = b"same bytes"
    sha = sha256_of(data)
    source = write(tmp_path / "in.bin", data)

    assert store.put_file(source, sha) is True
    assert store.put_file(source, sha) is False
    assert list(store.iter_hashes()) == [sha]


def test_wrong_hash_rejected_and_nothing_stored(store: BlobStore, tmp_path: Path) -> None:
    data = b"payload"
    wrong = sha256_of(b"other")

    with pytest.raises(BlobIntegrityError):
        store.put_file(write(tmp_path / "in.bin", data), wrong)

    assert not store.exists(wrong)
    assert not store.exists(sha256_of(data))
    assert list(store.iter_hashes()) == []


def test_iter_hashes_lists_every_blob(store: BlobStore, tmp_path: Path) -> None:
    hashes = {put_bytes(store, tmp_path, f"合同 {n}".encode()) for n in range(3)}
    store.set_legal_hold(next(iter(hashes)), True)

    assert sorted(store.iter_hashes()) == sorted(hashes)


def test_verify_detects_corruption(store: BlobStore, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    intact = put_bytes(store, tmp_path, b"intact contract bytes")
    damaged = put_bytes(store, tmp_path, b"bytes that will be damaged")
    s3_server = request.getfixturevalue("s3_server") if isinstance(store, S3BlobStore) else None

    corrupt(store, damaged, s3_server)

    assert store.verify(intact) is True
    assert store.verify(damaged) is False


def test_legal_hold_set_read_lift(store: BlobStore, open_store: Callable[[], BlobStore], tmp_path: Path) -> None:
    sha = put_bytes(store, tmp_path, b"evidence")
    other = put_bytes(store, tmp_path, b"not evidence")
    assert store.has_legal_hold(sha) is False

    store.set_legal_hold(sha, True)

    assert store.has_legal_hold(sha) is True
    assert store.has_legal_hold(other) is False
    assert open_store().has_legal_hold(sha) is True  # a hold survives a restart
    store.set_legal_hold(sha, False)
    assert store.has_legal_hold(sha) is False
    store.set_legal_hold(sha, False)  # lifting twice is harmless
    assert open_store().has_legal_hold(sha) is False


@pytest.mark.parametrize(
    "operation",
    [
        lambda s: s.open(MISSING_SHA256),
        lambda s: s.read_bytes(MISSING_SHA256),
        lambda s: s.size(MISSING_SHA256),
        lambda s: s.verify(MISSING_SHA256),
        lambda s: s.has_legal_hold(MISSING_SHA256),
        lambda s: s.set_legal_hold(MISSING_SHA256, True),
    ],
    ids=["open", "read_bytes", "size", "verify", "has_legal_hold", "set_legal_hold"],
)
def test_missing_blob_raises_file_not_found(store: BlobStore, operation: Callable[[BlobStore], object]) -> None:
    assert store.exists(MISSING_SHA256) is False
    with pytest.raises(FileNotFoundError):
        operation(store)


@pytest.mark.parametrize("key", ["../../etc/passwd", "A" * 64, "abc"])
def test_non_hash_keys_rejected(store: BlobStore, key: str) -> None:
    with pytest.raises(ValueError):
        store.exists(key)
    with pytest.raises(ValueError):
        store.open(key)


# Local store.


def test_local_put_file_stores_under_sha256(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    sha = put_bytes(store, tmp_path, b"x")

    assert store.path_for(sha) == tmp_path / "blobs" / sha[:2] / sha[2:4] / sha


def test_local_stored_blob_is_read_only(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    sha = put_bytes(store, tmp_path, b"x")

    assert os.stat(store.path_for(sha)).st_mode & 0o222 == 0


def test_local_rejected_put_leaves_no_file(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")

    with pytest.raises(LocalBlobIntegrityError):  # the old import path still names the same class
        store.put_file(write(tmp_path / "in.bin", b"payload"), sha256_of(b"other"))

    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []


def test_local_hold_is_marker_file(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    sha = put_bytes(store, tmp_path, b"x")

    store.set_legal_hold(sha, True)

    assert (tmp_path / "blobs" / ".holds" / sha).is_file()
    assert [p.name for p in (tmp_path / "blobs" / ".holds").iterdir()] == [sha]


def test_local_iter_hashes_skips_incomplete_upload(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    sha = put_bytes(store, tmp_path, b"x")
    write(store.path_for(sha).parent / ".incoming-abc123", b"partial")

    assert list(store.iter_hashes()) == [sha]


def test_local_download_url_is_none(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    sha = put_bytes(store, tmp_path, b"x")

    assert store.download_url(sha, filename=CHINESE_FILENAME, media_type="application/pdf", expires_seconds=60) is None


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


# S3 store.


@pytest.fixture
def s3_store(s3_settings_factory: SettingsFactory) -> S3BlobStore:
    return S3BlobStore.from_settings(s3_settings_factory())


def version_ids(client: Minio, store: S3BlobStore, sha256: str) -> list[str]:
    versions = client.list_objects(store.bucket, prefix=store.key_for(sha256), include_version=True)
    return [str(v.version_id) for v in versions]


def test_s3_bucket_has_object_lock_and_versioning(s3_store: S3BlobStore, s3_server: S3TestServer) -> None:
    client = s3_server.client()

    config = client.get_object_lock_config(s3_store.bucket)

    assert config.mode == GOVERNANCE
    assert (config.duration, config.duration_unit) == (1, DAYS)
    assert client.get_bucket_versioning(s3_store.bucket).status == "Enabled"


def test_s3_key_layout_and_ascii_metadata(s3_store: S3BlobStore, s3_server: S3TestServer, tmp_path: Path) -> None:
    sha = put_bytes(s3_store, tmp_path, "合同正文".encode())

    stat = s3_server.client().stat_object(s3_store.bucket, f"blobs/{sha[:2]}/{sha[2:4]}/{sha}")

    assert stat.metadata is not None
    assert stat.metadata["x-amz-meta-sha256"] == sha
    user_metadata = {k: v for k, v in stat.metadata.items() if k.lower().startswith("x-amz-meta-")}
    assert list(user_metadata) == ["x-amz-meta-sha256"]
    assert all(k.isascii() and v.isascii() for k, v in stat.metadata.items())


def test_s3_put_twice_keeps_one_version(s3_store: S3BlobStore, s3_server: S3TestServer, tmp_path: Path) -> None:
    sha = put_bytes(s3_store, tmp_path, b"same bytes")

    assert s3_store.put_file(tmp_path / f"in-{sha[:12]}.bin", sha) is False
    assert len(version_ids(s3_server.client(), s3_store, sha)) == 1


def test_s3_retained_version_cannot_be_deleted(
    s3_store: S3BlobStore, s3_server: S3TestServer, tmp_path: Path
) -> None:
    sha = put_bytes(s3_store, tmp_path, b"signed contract")
    client = s3_server.client()
    [version_id] = version_ids(client, s3_store, sha)

    with pytest.raises(S3Error) as raised:
        client.remove_object(s3_store.bucket, s3_store.key_for(sha), version_id=version_id)

    assert raised.value.code == "AccessDenied"
    assert s3_store.read_bytes(sha) == b"signed contract"


@pytest.mark.xfail(
    strict=True,
    reason="moto 5.2.6 applies no bucket default retention to objects created by a multipart upload "
    "(moto/s3/models.py complete_multipart_upload)",
)
def test_s3_retained_large_version_cannot_be_deleted(
    s3_store: S3BlobStore, s3_server: S3TestServer, tmp_path: Path
) -> None:
    sha = put_bytes(s3_store, tmp_path, os.urandom(12 * 1024 * 1024))
    client = s3_server.client()
    [version_id] = version_ids(client, s3_store, sha)

    with pytest.raises(S3Error):
        client.remove_object(s3_store.bucket, s3_store.key_for(sha), version_id=version_id)


def test_s3_held_version_cannot_be_deleted(
    s3_settings_factory: SettingsFactory, s3_server: S3TestServer, tmp_path: Path
) -> None:
    store = S3BlobStore.from_settings(s3_settings_factory(s3_retention_days=0))  # only the hold protects it
    sha = put_bytes(store, tmp_path, b"evidence for the dispute")
    client = s3_server.client()
    [version_id] = version_ids(client, store, sha)
    store.set_legal_hold(sha, True)

    with pytest.raises(S3Error) as raised:
        client.remove_object(store.bucket, store.key_for(sha), version_id=version_id)

    assert raised.value.code == "AccessDenied"
    assert store.read_bytes(sha) == b"evidence for the dispute"
    store.set_legal_hold(sha, False)
    # Once the hold is lifted the same delete succeeds, so the hold was what rejected it.
    client.remove_object(store.bucket, store.key_for(sha), version_id=version_id)
    assert store.exists(sha) is False


def test_s3_retention_zero_sets_no_default_rule(
    s3_settings_factory: SettingsFactory, s3_server: S3TestServer
) -> None:
    store = S3BlobStore.from_settings(s3_settings_factory(s3_retention_days=0))

    config = s3_server.client().get_object_lock_config(store.bucket)

    assert config.mode is None


def test_s3_reopen_updates_retention(s3_settings_factory: SettingsFactory, s3_server: S3TestServer) -> None:
    first = s3_settings_factory()
    S3BlobStore.from_settings(first)

    S3BlobStore.from_settings(first.model_copy(update={"s3_retention_days": 30}))

    config = s3_server.client().get_object_lock_config(first.s3_bucket)
    assert (config.mode, config.duration) == (GOVERNANCE, 30)


def test_s3_bucket_without_lock_rejected(s3_settings_factory: SettingsFactory, s3_server: S3TestServer) -> None:
    settings = s3_settings_factory()
    s3_server.client().make_bucket(settings.s3_bucket)

    with pytest.raises(BucketWithoutObjectLockError) as raised:
        S3BlobStore.from_settings(settings)

    assert settings.s3_bucket in str(raised.value)
    assert "CONTRACT_ARCHIVE_S3_BUCKET" in str(raised.value)


def test_s3_missing_endpoint_named(s3_settings_factory: SettingsFactory) -> None:
    with pytest.raises(BlobStoreSettingMissingError) as raised:
        S3BlobStore.from_settings(s3_settings_factory(s3_endpoint=None))

    assert "CONTRACT_ARCHIVE_S3_ENDPOINT" in str(raised.value)


def test_s3_unreachable_server_names_bucket(s3_store: S3BlobStore, tmp_path: Path) -> None:
    sha = put_bytes(s3_store, tmp_path, b"x")
    # The same bucket through a client that cannot connect: nothing listens on port 9 (discard), and it never retries.
    offline = Minio(
        "127.0.0.1:9", access_key="a", secret_key="b", secure=False, region="us-east-1",
        http_client=urllib3.PoolManager(retries=False),
    )
    s3_store.client = offline

    with pytest.raises(BlobStoreUnavailableError) as raised:
        s3_store.size(sha)

    message = str(raised.value)
    assert s3_store.bucket in message
    assert s3_store.key_for(sha) in message
    assert "CONTRACT_ARCHIVE_S3_ENDPOINT" in message
    assert raised.value.status == 503


def test_s3_download_url_serves_chinese_name(s3_store: S3BlobStore, tmp_path: Path) -> None:
    data = "合同正文 PDF bytes".encode()
    sha = put_bytes(s3_store, tmp_path, data)

    url = s3_store.download_url(sha, filename=CHINESE_FILENAME, media_type="application/pdf", expires_seconds=60)

    assert url is not None
    assert url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(url, timeout=10) as response:
        body = response.read()
        disposition = response.headers["Content-Disposition"]
        media_type = response.headers["Content-Type"]
    assert body == data
    assert f"filename*=UTF-8''{quote(CHINESE_FILENAME, safe='')}" in disposition
    assert 'filename="download.pdf"' in disposition
    disposition.encode("latin-1")
    assert media_type == "application/pdf"


def test_s3_download_url_rejects_long_expiry(s3_store: S3BlobStore, tmp_path: Path) -> None:
    sha = put_bytes(s3_store, tmp_path, b"x")

    with pytest.raises(ValueError):
        s3_store.download_url(sha, filename="a.pdf", media_type="application/pdf", expires_seconds=8 * 24 * 3600)


def test_s3_download_url_uses_public_address(s3_settings_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    internal = s3_settings_factory()
    port = internal.s3_endpoint.rsplit(":", 1)[1]
    # Browsers reach the same server under another name than the app does.
    store = S3BlobStore.from_settings(s3_settings_factory(s3_public_url=f"http://localhost:{port}"))
    sha = put_bytes(store, tmp_path, b"public bytes")

    url = store.download_url(sha, filename=CHINESE_FILENAME, media_type="application/pdf", expires_seconds=60)

    assert url is not None
    assert url.startswith(f"http://localhost:{port}/")
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"public bytes"
