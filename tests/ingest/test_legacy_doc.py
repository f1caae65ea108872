"""Legacy .doc files, read through a real LibreOffice conversion.

The .doc files are made at test time: LibreOffice saves corpus DOCX files as Word 97-2003
into a temporary folder, and each twin's clause numbers are compared with those of its DOCX.
"""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from archive.context import Archive
from archive.errors import CorruptFileError, LibreOfficeMissingError
from archive.services.documents import get_version_or_raise
from ingest.pipeline import ingest_path, ingest_stream
from ingest.readers import legacy
from ingest.readers import read_document
from ingest.result import FAILED, INGESTED
from ingest.segment import segment
from ingest.sniff import DOC_MEDIA_TYPE, OLE_MAGIC
from ingest.structure import ROLE_CLAUSE
from tests.conftest import corpus_file

GF_DOCX = "zh_gf-2024-2612_whole-process-consulting-model_auto-numbering.docx"
STUDENT_DOCX = "zh_student_software-dev-contract_diyitiao.docx"
TWIN_TIMEOUT_SECONDS = 120
# Share of the GF model text's clause numbers that its .doc twin keeps (448 of 497 were kept).
MIN_GF_SHARED = 0.85
SHORT_TIMEOUT_SECONDS = 0.5
# Passes the sniffing check for a Word document but is no document LibreOffice can load.
BROKEN_DOC = OLE_MAGIC + b"\x00" * 504 + "WordDocument".encode("utf-16-le") + b"\xff" * 4096


def require_soffice() -> str:
    """Return the soffice path; skip without LibreOffice, but fail in CI, where it is installed."""
    path = legacy.find_soffice()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required in CI but was not found on PATH")
        pytest.skip("LibreOffice (soffice) is not installed")
    return path


def make_doc_twin(source: Path, folder: Path) -> Path:
    """Save `source` as Word 97-2003 into `folder` with LibreOffice and return the .doc path."""
    soffice = require_soffice()
    command = [
        soffice,
        f"-env:UserInstallation={(folder / 'profile').as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        "doc",
        "--outdir",
        str(folder),
        str(source),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=TWIN_TIMEOUT_SECONDS)
    twin = folder / f"{source.stem}.doc"
    assert twin.is_file(), f"LibreOffice wrote no .doc for {source.name}"
    return twin


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("doc-twins")
    twin_paths = {}
    for name in (GF_DOCX, STUDENT_DOCX):
        started = time.monotonic()
        twin_paths[name] = make_doc_twin(corpus_file(name), folder)
        print(f"{name}: DOCX to .doc in {time.monotonic() - started:.2f} s")
    return twin_paths


@pytest.fixture
def private_tempdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point tempfile at an empty folder, so a test can see what a conversion leaves behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def clause_numbers(data: bytes, filename: str, fmt: str) -> list[str | None]:
    parsed = read_document(data, filename=filename, format=fmt)
    return [clause.number for clause in segment(parsed) if clause.role == ROLE_CLAUSE]


def processes_mentioning(text: str) -> list[int]:
    """Return the ids of running processes whose command line contains `text`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command_line = (entry / "cmdline").read_bytes().decode("utf-8", errors="replace")
        except OSError:
            continue  # the process exited while the list was read
        if text in command_line:
            found.append(int(entry.name))
    return found


def read_twin_numbers(twins: dict[str, Path], name: str) -> tuple[list[str | None], list[str | None]]:
    """Return the clause numbers of the corpus DOCX and of its .doc twin."""
    docx_numbers = clause_numbers(corpus_file(name).read_bytes(), name, "docx")
    twin = twins[name]
    started = time.monotonic()
    doc_numbers = clause_numbers(twin.read_bytes(), twin.name, "doc")
    print(f"{twin.name}: .doc read through LibreOffice in {time.monotonic() - started:.2f} s")
    return docx_numbers, doc_numbers


def is_subsequence(part: list[str | None], whole: list[str | None]) -> bool:
    remaining = iter(whole)
    return all(number in remaining for number in part)


@pytest.mark.corpus
def test_student_twin_has_same_numbers(twins: dict[str, Path]) -> None:
    docx_numbers, doc_numbers = read_twin_numbers(twins, STUDENT_DOCX)

    assert len(docx_numbers) > 10
    assert doc_numbers == docx_numbers


@pytest.mark.corpus
def test_gf_twin_keeps_numbers_in_order(twins: dict[str, Path]) -> None:
    # The special terms (专用合同条款) of this model text build their headings from REF cross-reference
    # fields: cached text "2.1." from REF ... \r plus the typed "2" reads "2.1.2". LibreOffice 7.4
    # recomputes these fields when it saves, and the \r result comes out empty, so such headings
    # lose their clause number in the twin. The general terms keep every number.
    docx_numbers, doc_numbers = read_twin_numbers(twins, GF_DOCX)
    shared = len(doc_numbers) / len(docx_numbers)
    print(f"{GF_DOCX}: {len(doc_numbers)} of {len(docx_numbers)} clause numbers kept ({shared:.0%})")

    assert len(docx_numbers) > 100
    assert is_subsequence(doc_numbers, docx_numbers)
    assert shared >= MIN_GF_SHARED


@pytest.mark.corpus
def test_doc_reader_keeps_media_type_and_warns(twins: dict[str, Path]) -> None:
    twin = twins[STUDENT_DOCX]
    parsed = read_document(twin.read_bytes(), filename=twin.name, format="doc")

    assert parsed.media_type == DOC_MEDIA_TYPE
    assert legacy.CONVERSION_WARNING in parsed.warnings
    assert parsed.blocks


@pytest.mark.corpus
def test_pipeline_ingests_doc_and_stores_it(archive: Archive, twins: dict[str, Path]) -> None:
    twin = twins[GF_DOCX]
    result = ingest_path(archive, twin)

    assert result.status == INGESTED, result.error
    assert result.clause_count > 0
    assert legacy.CONVERSION_WARNING in result.warnings
    with archive.session() as session:
        version = get_version_or_raise(session, result.document_version_id)
        sha256, media_type = version.blob_sha256, version.media_type
    assert media_type == DOC_MEDIA_TYPE
    assert archive.blobs.read_bytes(sha256) == twin.read_bytes()


def test_missing_soffice_names_file_and_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LibreOfficeMissingError) as raised:
        read_document(BROKEN_DOC, filename="旧合同.doc", format="doc")

    message = str(raised.value)
    assert "旧合同.doc" in message
    assert "apt-get install libreoffice-writer-nogui" in message
    assert ".docx or PDF" in message


def test_missing_soffice_fails_version_keeps_blob(
    sqlite_archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    result = ingest_stream(sqlite_archive, io.BytesIO(BROKEN_DOC), filename="旧合同.doc")

    assert result.status == FAILED
    assert result.error_code == LibreOfficeMissingError.code
    with sqlite_archive.session() as session:
        sha256 = get_version_or_raise(session, result.document_version_id).blob_sha256
    assert sqlite_archive.blobs.read_bytes(sha256) == BROKEN_DOC


def test_unloadable_doc_is_corrupt_and_cleaned_up(private_tempdir: Path) -> None:
    require_soffice()
    with pytest.raises(CorruptFileError) as raised:
        read_document(BROKEN_DOC, filename="坏文件.doc", format="doc")

    assert "坏文件.doc" in str(raised.value)
    assert "Word 97-2003" in str(raised.value)
    assert list(private_tempdir.iterdir()) == []


@pytest.mark.corpus
def test_converted_doc_leaves_no_files(twins: dict[str, Path], private_tempdir: Path) -> None:
    twin = twins[STUDENT_DOCX]
    read_document(twin.read_bytes(), filename=twin.name, format="doc")

    assert list(private_tempdir.iterdir()) == []


@pytest.mark.corpus
def test_timeout_stops_soffice_and_cleans_up(
    twins: dict[str, Path], private_tempdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Long enough for soffice.bin to start, far too short to convert a 60-page contract with a fresh profile.
    monkeypatch.setattr(legacy, "CONVERT_TIMEOUT_SECONDS", SHORT_TIMEOUT_SECONDS)
    twin = twins[GF_DOCX]
    with pytest.raises(CorruptFileError) as raised:
        read_document(twin.read_bytes(), filename=twin.name, format="doc")

    assert "timed out" in str(raised.value)
    assert list(private_tempdir.iterdir()) == []
    assert processes_mentioning(str(private_tempdir)) == []
