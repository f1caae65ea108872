"""The outcome of ingesting one file, as the CLI and the API report it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

INGESTED = "ingested"
DUPLICATE = "duplicate"
NEEDS_OCR = "needs_ocr"
FAILED = "failed"
# Stored and waiting for a worker to read it.
PENDING = "pending"


@dataclass
class IngestResult:
    file: str
    status: str
    document_version_id: int | None = None
    document_id: int | None = None
    contract_id: int | None = None
    kind: str | None = None
    clause_count: int = 0
    fields: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    error_code: str | None = None
    error_params: dict[str, Any] | None = None
    duplicate_of: int | None = None
    # For a duplicate: the state of the version that already has these bytes (failed, needs_ocr, ...).
    status_of_existing: str | None = None
    amends_version_ids: list[int] = field(default_factory=list)
    link_method: str | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    needs_ocr_pages: list[int] = field(default_factory=list)

    @property
    def unusable(self) -> bool:
        """Whether the file is still not readable: it failed now, or it duplicates a failed version."""
        return self.status == FAILED or (self.status == DUPLICATE and self.status_of_existing == FAILED)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
