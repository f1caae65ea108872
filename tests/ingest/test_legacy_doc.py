"""Legacy .doc files, read through a real LibreOffice conversion.

The .doc files are made at test time: LibreOffice saves corpus DOCX files as Word 97-2003
into a temporary folder, and each twin's clauses are compared with those of its DOCX.

LibreOffice 7.4 recomputes cross-reference (REF) fields when it writes a .doc, and a REF with
the \\r switch (paragraph number of the target) comes out empty. The GF-2024-2612 model text
builds its special-terms headings from such fields, so its twin would lose 49 clause numbers
before our reader sees it. The twin is therefore saved from a copy whose REF fields are replaced
by the text they display, as Word's "unlink fields" does, so the test measures the reader alone.
"""

from __future__ import annotations

import io
import os
import zipfile
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
from lxml import etree

from tests.conftest import corpus_file

GF_DOCX = "zh_gf-2024-2612_whole-process-consulting-model_auto-numbering.docx"
STUDENT_DOCX = "zh_student_software-dev-contract_diyitiao.docx"
TWIN_TIMEOUT_SECONDS = 120
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
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


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


def unlink_ref_fields(docx: bytes) -> bytes:
    """Return a copy of `docx` whose REF fields are replaced by the text they display."""
    source = zipfile.ZipFile(io.BytesIO(docx))
    root = etree.fromstring(source.read("word/document.xml"))
    for paragraph in root.iter(w("p")):
        open_fields: list[dict] = []
        for run in list(paragraph.iter(w("r"))):
            char = run.find(w("fldChar"))
            char_type = char.get(w("fldCharType")) if char is not None else None
            if char_type == "begin":
                open_fields.append({"instruction": "", "in_result": False, "field_runs": [run]})
                continue
            if not open_fields:
                continue
            field = open_fields[-1]
            instruction = run.find(w("instrText"))
            if instruction is not None and not field["in_result"]:
                field["instruction"] += instruction.text or ""
                field["field_runs"].append(run)
            elif char_type == "separate":
                field["in_result"] = True
                field["field_runs"].append(run)
            elif char_type == "end":
                field["field_runs"].append(run)
                open_fields.pop()
                if field["instruction"].strip().startswith("REF "):
                    for field_run in field["field_runs"]:
                        field_run.getparent().remove(field_run)
    unlinked = io.BytesIO()
    with zipfile.ZipFile(unlinked, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            target.writestr(item, data)
    return unlinked.getvalue()


def make_doc_twin(source: Path, folder: Path) -> Path:
    """Save `source`, REF fields unlinked, as Word 97-2003 into `folder` and return the .doc path."""
    soffice = require_soffice()
    unlinked = folder / "unlinked" / source.name
    unlinked.parent.mkdir(exist_ok=True)
    unlinked.write_bytes(unlink_ref_fields(source.read_bytes()))
    command = [
        soffice,
        f"-env:UserInstallation={(folder / 'profile').as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        "doc",
        "--outdir",
        str(folder),
        str(unlinked),
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


def read_clauses(data: bytes, filename: str, fmt: str) -> list:
    parsed = read_document(data, filename=filename, format=fmt)
    return [clause for clause in segment(parsed) if clause.role == ROLE_CLAUSE]


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


def read_twins(twins: dict[str, Path], name: str) -> tuple[list, list]:
    """Return the clauses of the corpus DOCX and of its .doc twin."""
    docx_clauses = read_clauses(corpus_file(name).read_bytes(), name, "docx")
    twin = twins[name]
    started = time.monotonic()
    doc_clauses = read_clauses(twin.read_bytes(), twin.name, "doc")
    print(f"{twin.name}: .doc read through LibreOffice in {time.monotonic() - started:.2f} s")
    return docx_clauses, doc_clauses


@pytest.mark.corpus
@pytest.mark.parametrize("name", [STUDENT_DOCX, GF_DOCX])
def test_doc_twin_has_same_clauses(twins: dict[str, Path], name: str) -> None:
    docx_clauses, doc_clauses = read_twins(twins, name)

    assert len(docx_clauses) > 10
    assert [c.number for c in doc_clauses] == [c.number for c in docx_clauses]
    # NOTE: LibreOffice's .doc export may move a table to the clause after it, so clauses with a table differ.
    without_tables = [
        (ours.number, ours.text, theirs.text)
        for ours, theirs in zip(docx_clauses, doc_clauses)
        if not (ours.table_rows or theirs.table_rows)
    ]
    different = [number for number, ours, theirs in without_tables if ours != theirs]
    print(f"{name}: {len(doc_clauses)} clauses, {len(different)} of {len(without_tables)} without tables differ")
    assert different == []


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
