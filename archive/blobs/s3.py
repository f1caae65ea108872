"""Content-addressed blobs in an S3 bucket (MinIO) with versioning and object lock."""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

from urllib.parse import urlsplit

import urllib3.exceptions
from minio import Minio
from minio.error import InvalidResponseError, S3Error, ServerError
from minio.objectlockconfig import DAYS, ObjectLockConfig

from archive.blobs.base import BlobIntegrityError, relative_key
from archive.content_disposition import content_disposition
from archive.errors import BlobStoreSettingMissingError, BlobStoreUnavailableError, BucketWithoutObjectLockError
from archive.settings import Settings

logger = logging.getLogger(__name__)

BLOB_PREFIX = "blobs/"
READ_CHUNK_BYTES = 1024 * 1024
# Files up to this size go up in one PUT that carries a whole-file SHA-256 checksum. Larger files go
# up in parts of this size, and the client keeps one part in memory at a time.
UPLOAD_PART_BYTES = 8 * 1024 * 1024
SHA256_METADATA = "x-amz-meta-sha256"
MAX_PRESIGN_SECONDS = 7 * 24 * 3600  # maximum expiry of an S3 signature version 4 presigned URL
NOT_FOUND_CODES = frozenset({"NoSuchKey", "NoSuchVersion", "NoSuchObject"})
BUCKET_ALREADY_CREATED_CODES = frozenset({"BucketAlreadyOwnedByYou", "BucketAlreadyExists"})
# The region MinIO reports when none is configured.
DEFAULT_REGION = "us-east-1"


class S3BlobStore:
    """Blobs at s3://BUCKET/blobs/ab/cd/abcd..., where object lock keeps every version for the retention period."""

    def __init__(
        self,
        client: Minio,
        *,
        bucket: str,
        endpoint: str,
        region: str | None = None,
        lock_mode: str = "GOVERNANCE",
        retention_days: int = 0,
        presign_client: Minio | None = None,
    ) -> None:
        self.client = client
        # Signs download links for the address browsers use, which may differ from the app's own.
        self.presign_client = presign_client or client
        self.bucket = bucket
        self.endpoint = endpoint
        self.region = region
        self.lock_mode = lock_mode
        self.retention_days = retention_days
        self._open_bucket()

    @classmethod
    def from_settings(cls, settings: Settings) -> S3BlobStore:
        """Connect to the S3 API in `settings` and open (or create) the bucket with object lock."""
        if not settings.s3_endpoint:
            raise BlobStoreSettingMissingError(setting="S3_ENDPOINT")
        if not settings.s3_access_key:
            raise BlobStoreSettingMissingError(setting="S3_ACCESS_KEY")
        if settings.s3_secret_key is None:
            raise BlobStoreSettingMissingError(setting="S3_SECRET_KEY")
        client = Minio(
            settings.s3_endpoint,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key.get_secret_value(),
            secure=settings.s3_secure,
            region=settings.s3_region,
        )
        presign_client = None
        if settings.s3_public_url:
            public = urlsplit(settings.s3_public_url)
            presign_client = Minio(
                public.netloc,
                access_key=settings.s3_access_key,
                secret_key=settings.s3_secret_key.get_secret_value(),
                secure=public.scheme == "https",
                # Signing needs the region; with it set, the client never asks the public address for it.
                region=settings.s3_region or DEFAULT_REGION,
            )
        return cls(
            client,
            presign_client=presign_client,
            bucket=settings.s3_bucket,
            endpoint=settings.s3_endpoint,
            region=settings.s3_region,
            lock_mode=settings.s3_lock_mode,
            retention_days=settings.s3_retention_days,
        )

    def key_for(self, sha256: str) -> str:
        return BLOB_PREFIX + relative_key(sha256)

    def exists(self, sha256: str) -> bool:
        try:
            self._stat(sha256)
        except FileNotFoundError:
            return False
        return True

    def put_file(self, source: Path, sha256: str) -> bool:
        """Hash `source`, then upload it under its hash with a SHA-256 the server can check."""
        key = self.key_for(sha256)
        if self.exists(sha256):
            return False
        with source.open("rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            digest = _hash_stream(stream)
            if digest.hexdigest() != sha256:
                raise BlobIntegrityError(f"{source} does not hash to {sha256}, so nothing was stored")
            stream.seek(0)
            # Metadata stays ASCII: S3 user metadata travels in HTTP headers, so file names are never put there.
            headers: dict[str, Any] = {SHA256_METADATA: sha256}
            if size <= UPLOAD_PART_BYTES:
                # NOTE: S3 has no whole-object SHA-256 for multipart uploads, so larger files rely on the
                # per-part payload hash (plain HTTP) or Content-MD5 (HTTPS) that the minio client sends.
                headers["x-amz-checksum-sha256"] = base64.b64encode(digest.digest()).decode("ascii")
                headers["x-amz-sdk-checksum-algorithm"] = "SHA256"
            with self._translate_errors(key):
                result = self.client.put_object(
                    self.bucket,
                    key,
                    stream,
                    size,
                    metadata=headers,
                    part_size=UPLOAD_PART_BYTES,
                    num_parallel_uploads=1,
                )
        logger.info("blob stored sha256=%s bucket=%s version_id=%s", sha256, self.bucket, result.version_id)
        return True

    def open(self, sha256: str) -> BinaryIO:
        """Open a streaming reader over the object. Closing the reader releases the HTTP connection."""
        key = self.key_for(sha256)
        with self._translate_errors(key):
            response = self.client.get_object(self.bucket, key)
        return io.BufferedReader(_ObjectReader(response, self, key), buffer_size=READ_CHUNK_BYTES)

    def read_bytes(self, sha256: str) -> bytes:
        with self.open(sha256) as stream:
            return stream.read()

    def size(self, sha256: str) -> int:
        size = self._stat(sha256).size
        assert size is not None  # a HEAD of a stored object always returns Content-Length
        return size

    def iter_hashes(self) -> Iterator[str]:
        """Yield the SHA-256 of every object under `blobs/` whose key has the blob layout."""
        with self._translate_errors(BLOB_PREFIX):
            for item in self.client.list_objects(self.bucket, prefix=BLOB_PREFIX, recursive=True):
                name = item.object_name or ""
                sha256 = name.rpartition("/")[2]
                try:
                    if self.key_for(sha256) == name:
                        yield sha256
                except ValueError:
                    logger.warning("object outside the blob layout skipped bucket=%s key=%s", self.bucket, name)

    def verify(self, sha256: str) -> bool:
        """Stream the current version back and re-hash it. Raise FileNotFoundError when the blob is missing."""
        with self.open(sha256) as stream:
            intact = _hash_stream(stream).hexdigest() == sha256
        if not intact:
            logger.error("blob corrupt sha256=%s bucket=%s key=%s", sha256, self.bucket, self.key_for(sha256))
        return intact

    def set_legal_hold(self, sha256: str, on: bool) -> None:
        """Place or lift the legal hold on the blob's current version."""
        key = self.key_for(sha256)
        # NOTE: the HEAD first makes a missing blob raise FileNotFoundError on every server:
        # moto 5.2.6 responds to a legal-hold PUT on a missing key with HTTP 500 instead of NoSuchKey.
        self._stat(sha256)
        with self._translate_errors(key):
            if on:
                self.client.enable_object_legal_hold(self.bucket, key)
            else:
                self.client.disable_object_legal_hold(self.bucket, key)
        logger.info("legal hold %s sha256=%s bucket=%s", "placed" if on else "lifted", sha256, self.bucket)

    def has_legal_hold(self, sha256: str) -> bool:
        key = self.key_for(sha256)
        with self._translate_errors(key):
            return self.client.is_object_legal_hold_enabled(self.bucket, key)

    def download_url(self, sha256: str, *, filename: str, media_type: str, expires_seconds: int) -> str | None:
        """Presign a GET whose response carries `filename` (RFC 5987 `filename*`) and `media_type`."""
        if not 1 <= expires_seconds <= MAX_PRESIGN_SECONDS:
            raise ValueError(f"expires_seconds must be 1 to {MAX_PRESIGN_SECONDS}, not {expires_seconds}")
        key = self.key_for(sha256)
        response_headers = {
            "response-content-disposition": content_disposition(filename),
            "response-content-type": media_type,
        }
        with self._translate_errors(key):
            return self.presign_client.presigned_get_object(
                self.bucket, key, expires=timedelta(seconds=expires_seconds), response_headers=response_headers
            )

    def _stat(self, sha256: str) -> Any:
        key = self.key_for(sha256)
        with self._translate_errors(key):
            return self.client.stat_object(self.bucket, key)

    def _open_bucket(self) -> None:
        """Create the bucket with object lock when missing, check it has object lock, and apply the retention."""
        with self._translate_errors(BLOB_PREFIX):
            if not self.client.bucket_exists(self.bucket):
                self._create_bucket()
            try:
                config = self.client.get_object_lock_config(self.bucket)
            except S3Error as error:
                if error.code == "ObjectLockConfigurationNotFoundError":
                    raise BucketWithoutObjectLockError(bucket=self.bucket, endpoint=self.endpoint) from error
                raise
            self._apply_default_retention(config)

    def _create_bucket(self) -> None:
        try:
            self.client.make_bucket(self.bucket, location=self.region, object_lock=True)
        except S3Error as error:
            if error.code not in BUCKET_ALREADY_CREATED_CODES:
                raise
            # Another process created it between our check and our request. Its object lock is checked next.
            return
        logger.info("bucket created with object lock bucket=%s endpoint=%s", self.bucket, self.endpoint)

    def _apply_default_retention(self, config: ObjectLockConfig) -> None:
        if self.retention_days == 0:
            if config.mode is not None:
                # Retention days 0 means the archive sets no rule, and it never removes a rule someone else set.
                logger.info(
                    "bucket default retention kept bucket=%s mode=%s duration=%s %s",
                    self.bucket, config.mode, config.duration, config.duration_unit,
                )
            return
        wanted = ObjectLockConfig(self.lock_mode, self.retention_days, DAYS)
        if config != wanted:
            self.client.set_object_lock_config(self.bucket, wanted)
            logger.info(
                "bucket default retention set bucket=%s mode=%s days=%s",
                self.bucket, self.lock_mode, self.retention_days,
            )

    @contextmanager
    def _translate_errors(self, key: str) -> Iterator[None]:
        """Turn S3 and network errors into FileNotFoundError or BlobStoreUnavailableError naming bucket and key."""
        try:
            yield
        except S3Error as error:
            if error.code in NOT_FOUND_CODES:
                raise FileNotFoundError(
                    f"blob not found: object {key} in bucket {self.bucket} at {self.endpoint}"
                ) from error
            raise self.unavailable(key, f"{error.code}: {error.message}") from error
        except (ServerError, InvalidResponseError, urllib3.exceptions.HTTPError) as error:
            raise self.unavailable(key, str(error)) from error

    def unavailable(self, key: str, detail: str) -> BlobStoreUnavailableError:
        return BlobStoreUnavailableError(endpoint=self.endpoint, bucket=self.bucket, key=key, detail=detail)


class _ObjectReader(io.RawIOBase):
    """The body of a GET response as a raw stream, so io.BufferedReader can wrap it."""

    def __init__(self, response: Any, store: S3BlobStore, key: str) -> None:
        super().__init__()
        self._response = response
        self._store = store
        self._key = key

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            return int(self._response.readinto(buffer))
        except urllib3.exceptions.HTTPError as error:
            raise self._store.unavailable(self._key, f"reading the object failed: {error}") from error

    def close(self) -> None:
        if not self.closed:
            try:
                self._response.close()
                self._response.release_conn()
            finally:
                super().close()


def _hash_stream(stream: BinaryIO) -> Any:
    digest = hashlib.sha256()
    while chunk := stream.read(READ_CHUNK_BYTES):
        digest.update(chunk)
    return digest
