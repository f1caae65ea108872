"""Settings read from the environment (prefix CONTRACT_ARCHIVE_) at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every backend choice and limit in one place; defaults run with no service."""

    model_config = SettingsConfigDict(env_prefix="CONTRACT_ARCHIVE_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Where the database, blobs and index live.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; SQLite in data_dir when unset."
    )
    blob_store: Literal["local"] = Field(default="local", description="Where original files are kept.")
    blob_dir: Path | None = Field(default=None, description="Local blob directory; data_dir/blobs when unset.")
    search_backend: Literal["tantivy"] = Field(default="tantivy", description="Clause search index.")
    index_dir: Path | None = Field(default=None, description="Embedded index directory; data_dir/index when unset.")
    max_upload_mb: int = Field(default=200, gt=0, description="Largest accepted upload, in megabytes.")
    language: Literal["zh_CN", "en"] = Field(default="zh_CN", description="Default UI and CLI language.")

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
