"""An embedded index folder that disappears is refilled from the database, so searches still find clauses."""

from __future__ import annotations

import shutil
from pathlib import Path

from archive.context import open_archive
from archive.queries import search_clauses
from archive.settings import Settings
from cli.samples import write_samples
from ingest.indexing import index_pending
from ingest.pipeline import ingest_path


def test_lost_index_folder_is_refilled(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)
    samples = write_samples(tmp_path / "samples")
    archive = open_archive(settings)
    ingest_path(archive, samples / "采购合同-HT-2024-001.docx")
    before = search_clauses(archive, "违约", limit=5)["total"]
    archive.close()
    shutil.rmtree(settings.resolved_index_dir)

    reopened = open_archive(settings)
    try:
        reopened.index  # noqa: B018 - opening the index is what notices the loss
        index_pending(reopened)
        after = search_clauses(reopened, "违约", limit=5)["total"]
    finally:
        reopened.close()

    assert before > 0
    assert after == before
