"""Read legacy Word 97-2003 (.doc) and WPS files by converting them to DOCX with LibreOffice.

LibreOffice runs headless with a user profile of its own in a temporary folder, so
conversions running at the same time do not share (and lock) one profile. The DOCX
copy is read by the DOCX reader and then deleted; the bytes passed in are not changed.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from archive.errors import CorruptFileError, LibreOfficeMissingError
from ingest.parsed import ParsedDocument
from ingest.readers.docx import read_docx
from ingest.sniff import WORKS_MEDIA_TYPE, sniff

logger = logging.getLogger(__name__)

# Names of the LibreOffice launcher; Debian 12's packages install both in /usr/bin.
SOFFICE_NAMES = ("soffice", "libreoffice")
# Covers creating a fresh profile on every call. It is meant to stop only a conversion that
# hangs: LibreOffice 7.4 converted a 60-page contract in under 2 seconds on 2 cores
# (tests/ingest/test_legacy_doc.py prints the times).
# NOTE: an estimate, not measured against large scanned or image-heavy .doc files.
CONVERT_TIMEOUT_SECONDS = 120
# The export filter named explicitly, because "docx" alone may pick another OOXML filter.
DOCX_TARGET = "docx:MS Word 2007 XML"
LEGACY_FORMAT_NAME = "Word 97-2003"
# The end of soffice's output that goes into an error's detail.
OUTPUT_TAIL_CHARS = 300
CONVERSION_WARNING = (
    "The text was read from a DOCX copy that LibreOffice converted from the original; "
    "check numbering and layout against the original file."
)


def find_soffice() -> str | None:
    """Return the path of the LibreOffice executable on PATH, or None."""
    for name in SOFFICE_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def read_legacy_word(data: bytes, *, filename: str) -> ParsedDocument:
    """Convert a .doc or WPS file to DOCX with LibreOffice and read that copy."""
    # NOTE: LibreOffice 7.4 recomputes REF cross-reference fields and a REF ... \r result
    # (paragraph number) comes out empty, so a heading numbered by such a field loses its number.
    sniffed = sniff(data, filename)
    if sniffed.format != "doc":
        detail = f"its content is {sniffed.format.upper()}"
        raise CorruptFileError(file=filename, format=LEGACY_FORMAT_NAME, detail=detail)
    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeMissingError(file=filename)

    started = time.monotonic()
    suffix = _source_suffix(sniffed.media_type)
    docx = convert_to_docx(data, filename=filename, soffice=soffice, suffix=suffix)
    elapsed = time.monotonic() - started
    logger.info("converted %s to DOCX with LibreOffice in %.1f s", filename, elapsed)
    parsed = read_docx(docx, filename=filename)
    warnings = (CONVERSION_WARNING, *parsed.warnings)
    return replace(parsed, media_type=sniffed.media_type, warnings=warnings)


def convert_to_docx(data: bytes, *, filename: str, soffice: str, suffix: str = ".doc") -> bytes:
    """Return the DOCX that LibreOffice makes from `data`, always removing the temporary folder."""
    return convert_with_soffice(data, filename=filename, soffice=soffice, suffix=suffix, target=DOCX_TARGET,
                                extension="docx", format_name=LEGACY_FORMAT_NAME)


def convert_with_soffice(data: bytes, *, filename: str, soffice: str, suffix: str, target: str,
                         extension: str, format_name: str) -> bytes:
    """Return the file LibreOffice exports from `data` with the `target` filter, always removing the temporary folder."""
    with tempfile.TemporaryDirectory(prefix="contract-archive-soffice-") as folder:
        root = Path(folder)
        # A fixed ASCII name, because the uploaded name may contain anything.
        source = root / f"source{suffix}"
        source.write_bytes(data)
        output_dir = root / "out"
        command = [
            soffice,
            f"-env:UserInstallation={(root / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(output_dir),
            str(source),
        ]
        messages = _run(command, filename=filename, format_name=format_name)
        converted = output_dir / f"source.{extension}"
        if not converted.is_file() or converted.stat().st_size == 0:
            # soffice exits with 0 even when it could not load the file, so the output decides.
            tail = messages[-OUTPUT_TAIL_CHARS:].strip() or "no message"
            detail = f"LibreOffice wrote no {extension.upper()} ({tail})"
            raise CorruptFileError(file=filename, format=format_name, detail=detail)
        return converted.read_bytes()


def _run(command: list[str], *, filename: str, format_name: str) -> str:
    """Run soffice in its own process group and return its standard output and error."""
    # The launcher (oosplash) starts soffice.bin as a child; a new session lets a timeout stop both.
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=CONVERT_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        detail = f"LibreOffice conversion timed out after {CONVERT_TIMEOUT_SECONDS} seconds"
        raise CorruptFileError(file=filename, format=format_name, detail=detail) from None
    messages = (stdout + stderr).decode("utf-8", errors="replace")
    if process.returncode != 0:
        tail = messages[-OUTPUT_TAIL_CHARS:].strip()
        detail = f"LibreOffice exited with status {process.returncode} ({tail})"
        raise CorruptFileError(file=filename, format=format_name, detail=detail)
    return messages


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # every process of the group has already exited
    process.communicate()


def _source_suffix(media_type: str) -> str:
    # LibreOffice picks its import filter partly by the extension.
    return ".wps" if media_type == WORKS_MEDIA_TYPE else ".doc"
