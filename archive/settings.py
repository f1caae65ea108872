"""Settings read from the environment (prefix CONTRACT_ARCHIVE_) at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


ENV_PREFIX = "CONTRACT_ARCHIVE_"


class Settings(BaseSettings):
    """Every backend choice and limit in one place; defaults run with no service."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Where the database, blobs and index live.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; SQLite in data_dir when unset."
    )
    blob_store: Literal["local", "s3"] = Field(default="local", description="Where original files are kept.")
    blob_dir: Path | None = Field(default=None, description="Local blob directory; data_dir/blobs when unset.")
    s3_endpoint: str | None = Field(default=None, description="S3 API host:port (MinIO), for blob_store=s3.")
    s3_access_key: str | None = Field(default=None, description="S3 access key.")
    s3_secret_key: SecretStr | None = Field(default=None, description="S3 secret key.")
    s3_bucket: str = Field(default="contract-archive", description="Versioned bucket with object lock.")
    s3_region: str | None = Field(default=None, description="S3 region, when the server needs one.")
    s3_secure: bool = Field(default=True, description="Use HTTPS for the S3 API.")
    s3_public_url: str | None = Field(
        default=None,
        description="Address browsers use for the S3 API (https://files.example.com), when it differs from s3_endpoint.",
    )
    s3_lock_mode: Literal["GOVERNANCE", "COMPLIANCE"] = Field(
        default="GOVERNANCE", description="Object lock mode for stored originals and evidence packs."
    )
    s3_retention_days: int = Field(
        default=3650, ge=0, description="Days each stored object stays locked; 0 disables retention."
    )
    search_backend: Literal["tantivy", "meilisearch"] = Field(default="tantivy", description="Clause search index.")
    index_dir: Path | None = Field(default=None, description="Embedded index directory; data_dir/index when unset.")
    meili_url: str | None = Field(default=None, description="Meilisearch URL, for search_backend=meilisearch.")
    meili_api_key: SecretStr | None = Field(default=None, description="Meilisearch API key.")
    meili_index: str = Field(default="clauses", description="Meilisearch index name.")
    job_backend: Literal["inprocess", "procrastinate"] = Field(
        default="inprocess", description="Run ingest jobs in the calling process or on worker processes."
    )
    job_heartbeat_seconds: float = Field(default=10.0, gt=0, description="How often a worker reports that it lives.")
    job_stalled_seconds: float = Field(
        default=60.0, gt=0, description="A worker silent this long is dead, and its jobs go back to the queue."
    )
    max_upload_mb: int = Field(default=200, gt=0, description="Largest accepted upload, in megabytes.")
    language: Literal["zh_CN", "en"] = Field(default="zh_CN", description="Default UI and CLI language.")
    time_zone: str = Field(default="Asia/Shanghai", description="IANA time zone that pages and the CLI show times in.")
    ocr_enabled: bool = Field(
        default=True, description="OCR PDF pages without a usable text layer, when tesseract is installed."
    )
    ocr_languages: str = Field(
        default="chi_sim+eng", description="Tesseract languages joined by '+', each with installed traineddata."
    )
    ocr_dpi: int = Field(default=300, ge=72, le=1200, description="Resolution pages are rendered at for OCR, in dpi.")
    ocr_page_timeout_seconds: float = Field(
        default=180.0, gt=0, description="Seconds tesseract may spend on one page before the page is left for OCR."
    )
    ocr_max_pages: int = Field(
        default=100, ge=0, description="Most pages OCRed per document; further pages stay marked as needing OCR."
    )
    secure_cookies: bool | None = Field(
        default=None,
        description="Mark the sign-in cookies Secure (HTTPS only). Unset: Secure unless the browser uses plain HTTP to this computer (localhost).",
    )
    ocr_workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1, ge=1,
        description="Pages OCRed at the same time, each by one tesseract process; the CPU count when unset.",
    )

    our_names: str = Field(
        default="",
        description="Our company's names as contracts write them, separated by '|'; the other party is the customer.",
    )
    alert_due_soon_days: int = Field(default=7, ge=0, le=365, description="Days before a due date that it counts as due soon.")
    alert_expiry_lead_days: int = Field(default=60, ge=0, le=730, description="Days before expiry or a renewal notice deadline to warn.")
    alert_limitation_lead_days: int = Field(default=90, ge=0, le=730, description="Days before a limitation period ends to warn.")
    public_url: str = Field(default="http://127.0.0.1:8000", description="Address users open the archive at; links in e-mails and calendar feeds use it.")
    smtp_host: str | None = Field(default=None, description="SMTP server for e-mail digests; none are sent when unset.")
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP port.")
    smtp_username: str | None = Field(default=None, description="SMTP user name, when the server needs one.")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    smtp_starttls: bool = Field(default=True, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_ssl: bool = Field(default=False, description="Connect to SMTP over TLS from the start (port 465).")
    smtp_sender: str = Field(default="contract-archive@localhost", description="From address of e-mail digests.")
    pdf_font: Path | None = Field(
        default=None, description="TrueType font (.ttf or .ttc) with Chinese characters for PDF exports; an installed one when unset."
    )

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        from archive.times import zone

        zone(value)
        return value

    @field_validator("smtp_host", "smtp_username", "smtp_password", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """Treat an empty value as unset, as Compose passes ${VAR:-} through as an empty string."""
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def our_party_names(self) -> frozenset[str]:
        return frozenset(name.strip() for name in self.our_names.split("|") if name.strip())

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'archive.sqlite3').resolve()}"

    @property
    def resolved_blob_dir(self) -> Path:
        return self.blob_dir or self.data_dir / "blobs"

    @property
    def resolved_index_dir(self) -> Path:
        return self.index_dir or self.data_dir / "index"

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    def child_environment(self, base: Mapping[str, str]) -> dict[str, str]:
        """Return `base` with these settings as CONTRACT_ARCHIVE_ variables, replacing any set before.

        A worker or server started with it opens the same archive as this process.
        """
        env = {key: value for key, value in base.items() if not key.startswith(ENV_PREFIX)}
        for name, value in self.model_dump().items():
            if value is None:
                continue
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            if isinstance(value, bool):
                value = "true" if value else "false"
            env[f"{ENV_PREFIX}{name.upper()}"] = str(value)
        return env
