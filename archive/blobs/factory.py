"""Open the blob store that the settings select."""

from __future__ import annotations

from archive.blobs.base import BlobStore
from archive.settings import Settings


def open_blob_store(settings: Settings) -> BlobStore:
    """Open the local content-addressed directory, or the S3 bucket (MinIO) when `blob_store` is s3."""
    if settings.blob_store == "s3":
        from archive.blobs.s3 import S3BlobStore

        return S3BlobStore.from_settings(settings)
    from archive.blobs.local import LocalBlobStore

    return LocalBlobStore(settings.resolved_blob_dir)
