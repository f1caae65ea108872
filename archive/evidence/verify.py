"""Check an evidence pack offline against its manifest, and the manifest against the archive.

`verify_pack` needs only the ZIP file: it reads every member, compares each SHA-256 and size
with manifest.json and compares manifest.json with manifest.sha256. Because anyone can rewrite
both manifest files, `verify_against_archive` then checks with the archive that it recorded this
manifest, that each original's document version exists and that the audit event the pack names
is in the log.

Messages are English message ids that archive/locale translates; their values go in `params`.
"""

from __future__ import annotations

import hashlib
import os
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from archive.evidence.container import InvalidMemberNameError, check_member_name
from archive.evidence.manifest import (
    CHECKSUM_NAME,
    MANIFEST_NAME,
    RESERVED_NAMES,
    Manifest,
    ManifestError,
    dump_manifest,
    load_manifest,
    manifest_sha256,
    parse_checksum_file,
)

READ_CHUNK_SIZE = 1 << 20
UTF8_NAME_FLAG = 0x800  # general purpose bit 11: the name is UTF-8
# Largest manifest.json or manifest.sha256 read into memory. A manifest entry takes about 600
# bytes, so this allows packs of over 100,000 files while a forged pack cannot exhaust memory.
MAX_MANIFEST_BYTES = 64 << 20

# Kinds of problem, in the order a report lists them.
UNREADABLE = "unreadable"
CORRUPT = "corrupt"
DUPLICATE = "duplicate"
UNSAFE_NAME = "unsafe_name"
MANIFEST_MISSING = "manifest_missing"
MANIFEST_INVALID = "manifest_invalid"
CHECKSUM_MISSING = "checksum_missing"
CHECKSUM_INVALID = "checksum_invalid"
MANIFEST_EDITED = "manifest_edited"
CHANGED = "changed"
MISSING = "missing"
EXTRA = "extra"
SOURCE_MISMATCH = "source_mismatch"
NO_MANIFEST = "no_manifest"
MANIFEST_REPLACED = "manifest_replaced"
CHECKSUM_REPLACED = "checksum_replaced"
PACK_NOT_RECORDED = "pack_not_recorded"
AUDIT_HEAD_UNKNOWN = "audit_head_unknown"
VERSION_UNKNOWN = "version_unknown"
KINDS = (
    UNREADABLE, CORRUPT, DUPLICATE, UNSAFE_NAME, MANIFEST_MISSING, MANIFEST_INVALID, CHECKSUM_MISSING,
    CHECKSUM_INVALID, MANIFEST_EDITED, CHANGED, MISSING, EXTRA, SOURCE_MISMATCH, NO_MANIFEST,
    MANIFEST_REPLACED, CHECKSUM_REPLACED, PACK_NOT_RECORDED, AUDIT_HEAD_UNKNOWN, VERSION_UNKNOWN,
)

# English message ids, which archive/locale translates.
UNREADABLE_MESSAGE = "{name} cannot be read: {reason}."
NOT_A_ZIP_MESSAGE = (
    "{name} cannot be opened as a ZIP file, so it may be truncated or damaged. Copy or download the pack again."
)
NOT_ZIP_AT_ALL_MESSAGE = (
    "{name} is not a ZIP file at all (it does not start as one), so it is not an evidence pack. "
    "Check that you chose the pack's .zip file."
)
CORRUPT_MESSAGE = "{name} is damaged inside the ZIP file: its data fails the ZIP checksum or cannot be decompressed."
DUPLICATE_MESSAGE = (
    "{name} appears {count} times in the ZIP file, so an extracted copy may not be the file that was checked."
)
UNSAFE_NAME_MESSAGE = (
    "{name} is not a safe file name: it could be written outside the extraction folder "
    "or cannot be extracted on Windows."
)
MANIFEST_MISSING_MESSAGE = "manifest.json is missing, so the files cannot be checked."
MANIFEST_INVALID_MESSAGE = "manifest.json is not a valid manifest ({reason}), so the files cannot be checked."
CHECKSUM_MISSING_MESSAGE = "manifest.sha256 is missing, so manifest.json itself cannot be checked."
CHECKSUM_INVALID_MESSAGE = (
    "manifest.sha256 is not a valid checksum file ({reason}), so manifest.json itself cannot be checked."
)
MANIFEST_EDITED_MESSAGE = (
    "manifest.json does not match manifest.sha256, so one of the two was changed after the pack was built. "
    "The SHA-256 of manifest.json is {actual}, but manifest.sha256 gives {expected}."
)
CHANGED_MESSAGE = (
    "{name} was changed: it has SHA-256 {actual} and {actual_size} bytes, "
    "but the manifest lists SHA-256 {expected} and {expected_size} bytes."
)
MISSING_MESSAGE = "{name} is listed in the manifest but missing from the pack."
EXTRA_MESSAGE = "{name} is in the pack but not listed in the manifest."
SOURCE_MISMATCH_MESSAGE = (
    "{name} is listed as an unchanged copy of the stored file {blob}, but the manifest gives it the SHA-256 {actual}."
)
NO_MANIFEST_MESSAGE = "The pack has no readable manifest, so it cannot be compared with the archive."
MANIFEST_REPLACED_MESSAGE = (
    "manifest.json was changed: the archive recorded this pack with the SHA-256 in manifest.sha256, {expected}."
)
CHECKSUM_REPLACED_MESSAGE = (
    "manifest.sha256 was changed: the archive recorded this pack with the SHA-256 of manifest.json, {actual}."
)
PACK_NOT_RECORDED_MESSAGE = "The archive has no record of a pack whose manifest.json has SHA-256 {actual}."
AUDIT_HEAD_UNKNOWN_MESSAGE = (
    "The audit log has no event {seq} with hash {event_hash}, "
    "which the pack names as the log's last event when it was built."
)
VERSION_UNKNOWN_MESSAGE = "{name}: the archive has no document version {version_id} with SHA-256 {blob}."
INTACT_MESSAGE = "The pack is intact: all {count} files match the manifest."
NOT_INTACT_MESSAGE = "The pack is not intact. Problems found: {count}."
ARCHIVE_MATCHES_MESSAGE = (
    "The archive confirms the pack: its manifest, audit event and document versions are on record."
)
ARCHIVE_DIFFERS_MESSAGE = "The archive does not confirm the pack. Problems found: {count}."
ARCHIVE_RECORDED_FILES_DIFFER_MESSAGE = (
    "The archive recorded this pack's manifest, audit event and document versions, but the files above differ "
    "from that manifest, so the pack is not the one the archive built."
)

# Errors that zipfile raises for a damaged central directory: a bad signature or offset, a
# name that is not valid UTF-8 (UnicodeDecodeError is a ValueError) or a made-up version number.
_DIRECTORY_READ_ERRORS = (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, struct.error)
# Errors that reading one member raises when its local header or data is damaged.
_MEMBER_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError,
                       RuntimeError, struct.error)


@dataclass(frozen=True)
class PackProblem:
    """One difference between the pack and its manifest, or between the manifest and the archive.

    `name` is the member the problem is about, or the pack file's name for problems with the
    whole file.
    """

    kind: str
    name: str
    template: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, gettext: Callable[[str], str] = lambda text: text) -> str:
        """Return the message in the language of `gettext`."""
        return gettext(self.template).format(name=self.name, **self.params)


@dataclass(frozen=True)
class VerifyReport:
    """The result of verify_pack.

    `manifest_sha256` is the SHA-256 of manifest.json as read, and `checksum_sha256` is the
    digest that manifest.sha256 gives for it. Each is None when its file is missing or
    unreadable. `zip_sha256` is the SHA-256 of the whole ZIP file.
    """

    path: str
    problems: tuple[PackProblem, ...]
    manifest: Manifest | None
    manifest_sha256: str | None
    checksum_sha256: str | None
    zip_sha256: str | None
    files_checked: int

    @property
    def intact(self) -> bool:
        return not self.problems

    def summary(self, gettext: Callable[[str], str] = lambda text: text) -> str:
        """Return one sentence saying whether the pack is intact."""
        if self.intact:
            return gettext(INTACT_MESSAGE).format(count=self.files_checked)
        return gettext(NOT_INTACT_MESSAGE).format(count=len(self.problems))


@dataclass(frozen=True)
class ArchiveCheck:
    """The result of verify_against_archive."""

    problems: tuple[PackProblem, ...]
    # False when the offline check found files that differ from the manifest the archive recorded.
    files_intact: bool = True

    @property
    def confirmed(self) -> bool:
        return not self.problems

    def summary(self, gettext: Callable[[str], str] = lambda text: text) -> str:
        """Return one sentence saying whether the archive confirms the pack."""
        if self.confirmed and not self.files_intact:
            return gettext(ARCHIVE_RECORDED_FILES_DIFFER_MESSAGE)
        if self.confirmed:
            return gettext(ARCHIVE_MATCHES_MESSAGE)
        return gettext(ARCHIVE_DIFFERS_MESSAGE).format(count=len(self.problems))


class ArchiveLookup(Protocol):
    """Lookups in the archive that verify_against_archive needs, implemented by the caller."""

    def has_version(self, version_id: int, blob_sha256: str) -> bool:
        """Return whether document version `version_id` exists and stores the blob `blob_sha256`."""
        ...

    def audit_event_matches(self, seq: int, event_hash: str) -> bool:
        """Return whether the audit event with sequence number `seq` has the hash `event_hash`."""
        ...

    def pack_recorded(self, manifest_sha256: str) -> bool:
        """Return whether the archive recorded a built pack whose manifest.json has this SHA-256."""
        ...


def verify_pack(path: str | os.PathLike[str]) -> VerifyReport:
    """Check a pack file offline and report every difference from its manifest by member name.

    A damaged or incomplete pack raises nothing. An unreadable file, a truncated ZIP or a member
    that fails its CRC becomes a problem in the report.
    """
    pack_name = os.path.basename(os.fspath(path))
    try:
        zip_sha256 = _file_sha256(path)
    except OSError as error:
        reason = error.strerror or str(error)
        return _unreadable(path, PackProblem(UNREADABLE, pack_name, UNREADABLE_MESSAGE, {"reason": reason}))
    try:
        archive = zipfile.ZipFile(path)
    except _DIRECTORY_READ_ERRORS:
        message = NOT_A_ZIP_MESSAGE if _starts_like_zip(path) else NOT_ZIP_AT_ALL_MESSAGE
        return _unreadable(path, PackProblem(UNREADABLE, pack_name, message))

    with archive:
        _decode_legacy_names(archive)
        problems = _name_problems(archive)
        digests, contents, corrupt = _read_members(archive)
    problems += [PackProblem(CORRUPT, name, CORRUPT_MESSAGE) for name in sorted(corrupt)]

    manifest, manifest_problems = _read_manifest(contents, corrupt)
    problems += manifest_problems
    actual = digests[MANIFEST_NAME][0] if MANIFEST_NAME in digests else None
    expected, checksum_problems = _read_checksum(contents, corrupt, actual)
    problems += checksum_problems

    files_checked = 0
    if manifest is not None:
        problems += _compare_files(manifest, digests, corrupt)
        problems += _source_problems(manifest)
        files_checked = len(manifest.files)

    return VerifyReport(path=os.fspath(path), problems=_in_report_order(problems), manifest=manifest,
                        manifest_sha256=actual, checksum_sha256=expected, zip_sha256=zip_sha256,
                        files_checked=files_checked)


def verify_against_archive(source: VerifyReport | Manifest, lookup: ArchiveLookup) -> ArchiveCheck:
    """Ask the archive whether it recorded this pack, its audit event and each original's version.

    `source` is a report from verify_pack, or a manifest. A manifest's SHA-256 is then computed
    from its serialisation by dump_manifest, which equals manifest.json for packs this project
    wrote.
    """
    files_intact = not isinstance(source, VerifyReport) or source.intact
    if isinstance(source, VerifyReport):
        if source.manifest is None:
            return ArchiveCheck(problems=(PackProblem(NO_MANIFEST, MANIFEST_NAME, NO_MANIFEST_MESSAGE),))
        manifest = source.manifest
        actual = source.manifest_sha256 or manifest_sha256(dump_manifest(manifest))
        expected = source.checksum_sha256
    else:
        manifest = source
        actual = manifest_sha256(dump_manifest(manifest))
        expected = None

    problems = _recorded_pack_problems(lookup, actual, expected)
    head = manifest.audit_head
    if not lookup.audit_event_matches(head.seq, head.event_hash):
        problems.append(PackProblem(AUDIT_HEAD_UNKNOWN, MANIFEST_NAME, AUDIT_HEAD_UNKNOWN_MESSAGE,
                                    {"seq": head.seq, "event_hash": head.event_hash}))
    for file in manifest.originals:
        assert file.source is not None  # Manifest requires a source on every original
        if not lookup.has_version(file.source.document_version_id, file.source.blob_sha256):
            problems.append(PackProblem(VERSION_UNKNOWN, file.path, VERSION_UNKNOWN_MESSAGE, {
                "version_id": file.source.document_version_id, "blob": file.source.blob_sha256,
            }))
    return ArchiveCheck(problems=_in_report_order(problems), files_intact=files_intact)


def _recorded_pack_problems(lookup: ArchiveLookup, actual: str, expected: str | None) -> list[PackProblem]:
    """Check the manifest's digest against the archive's record, and tell which manifest file changed."""
    if lookup.pack_recorded(actual):
        if expected is not None and expected != actual:
            return [PackProblem(CHECKSUM_REPLACED, CHECKSUM_NAME, CHECKSUM_REPLACED_MESSAGE, {"actual": actual})]
        return []
    if expected is not None and expected != actual and lookup.pack_recorded(expected):
        return [PackProblem(MANIFEST_REPLACED, MANIFEST_NAME, MANIFEST_REPLACED_MESSAGE, {"expected": expected})]
    return [PackProblem(PACK_NOT_RECORDED, MANIFEST_NAME, PACK_NOT_RECORDED_MESSAGE, {"actual": actual})]


def _unreadable(path: str | os.PathLike[str], problem: PackProblem) -> VerifyReport:
    return VerifyReport(path=os.fspath(path), problems=(problem,), manifest=None, manifest_sha256=None,
                        checksum_sha256=None, zip_sha256=None, files_checked=0)


def _starts_like_zip(path: str | os.PathLike[str]) -> bool:
    """Return whether the file begins with a ZIP signature (a local file header or an empty archive's end record)."""
    with open(path, "rb") as stream:
        return stream.read(4) in (b"PK\x03\x04", b"PK\x05\x06")


def _file_sha256(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(READ_CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def _decode_legacy_names(archive: zipfile.ZipFile) -> None:
    """Give members without the UTF-8 flag the names their bytes spell in UTF-8 or GB18030.

    zipfile decodes such names as cp437. A pack extracted and zipped again by a tool that writes
    UTF-8 without the flag, or by Windows in a Chinese locale (GBK), would otherwise show every
    Chinese name as missing. The first encoding that decodes the bytes strictly into printable
    text wins, with cp437 kept as the last resort. Only `filename` changes: zipfile compares
    `orig_filename` with the member's local header when it opens it.
    """
    for info in archive.infolist():
        if info.flag_bits & UTF8_NAME_FLAG:
            continue
        try:
            raw = info.orig_filename.encode("cp437")
        except UnicodeEncodeError:
            continue  # not a name zipfile decoded as cp437
        if raw.isascii():
            continue
        for encoding in ("utf-8", "gb18030"):
            try:
                name = raw.decode(encoding)
            except UnicodeDecodeError:
                continue
            if name.isprintable():
                info.filename = name
                break


def _name_problems(archive: zipfile.ZipFile) -> list[PackProblem]:
    problems = []
    counts = Counter(info.filename for info in archive.infolist())
    for name, count in counts.items():
        if count > 1:
            problems.append(PackProblem(DUPLICATE, name, DUPLICATE_MESSAGE, {"count": count}))
        try:
            # Folder entries, which many ZIP tools add, end in "/" and are otherwise checked like files.
            check_member_name(name.removesuffix("/"))
        except InvalidMemberNameError:
            problems.append(PackProblem(UNSAFE_NAME, name, UNSAFE_NAME_MESSAGE))
    return problems


def _read_members(archive: zipfile.ZipFile
                  ) -> tuple[dict[str, tuple[str, int]], dict[str, bytes | None], set[str]]:
    """Read every member once and return (sha256 and size by name, manifest file contents, damaged names).

    Only the two manifest files are kept in memory, and only up to MAX_MANIFEST_BYTES: a larger
    one has None as its content. Every other member is hashed in chunks. Reading to the end makes
    zipfile compare the CRC-32, so a damaged member raises here.
    """
    digests: dict[str, tuple[str, int]] = {}
    contents: dict[str, bytes | None] = {}
    corrupt: set[str] = set()
    for info in archive.infolist():
        if info.is_dir():
            continue
        keep = info.filename in RESERVED_NAMES
        kept = bytearray()
        digest = hashlib.sha256()
        size = 0
        try:
            with archive.open(info) as member:
                while chunk := member.read(READ_CHUNK_SIZE):
                    digest.update(chunk)
                    size += len(chunk)
                    if keep and size <= MAX_MANIFEST_BYTES:
                        kept += chunk
        except _MEMBER_READ_ERRORS:
            corrupt.add(info.filename)
            continue
        digests[info.filename] = (digest.hexdigest(), size)
        if keep:
            contents[info.filename] = bytes(kept) if size <= MAX_MANIFEST_BYTES else None
    return digests, contents, corrupt


def _read_manifest(contents: dict[str, bytes | None], corrupt: set[str]
                   ) -> tuple[Manifest | None, list[PackProblem]]:
    if MANIFEST_NAME in corrupt:
        return None, []
    if MANIFEST_NAME not in contents:
        return None, [PackProblem(MANIFEST_MISSING, MANIFEST_NAME, MANIFEST_MISSING_MESSAGE)]
    data = contents[MANIFEST_NAME]
    try:
        if data is None:
            raise ManifestError(f"manifest.json is larger than {MAX_MANIFEST_BYTES} bytes")
        return load_manifest(data), []
    except ManifestError as error:
        return None, [PackProblem(MANIFEST_INVALID, MANIFEST_NAME, MANIFEST_INVALID_MESSAGE, {"reason": str(error)})]


def _read_checksum(contents: dict[str, bytes | None], corrupt: set[str], actual: str | None
                   ) -> tuple[str | None, list[PackProblem]]:
    """Return the digest in manifest.sha256 and the problems with it or with manifest.json."""
    if CHECKSUM_NAME in corrupt:
        return None, []
    if CHECKSUM_NAME not in contents:
        return None, [PackProblem(CHECKSUM_MISSING, CHECKSUM_NAME, CHECKSUM_MISSING_MESSAGE)]
    try:
        data = contents[CHECKSUM_NAME]
        if data is None:
            raise ManifestError(f"manifest.sha256 is larger than {MAX_MANIFEST_BYTES} bytes")
        expected = parse_checksum_file(data)
    except ManifestError as error:
        return None, [PackProblem(CHECKSUM_INVALID, CHECKSUM_NAME, CHECKSUM_INVALID_MESSAGE, {"reason": str(error)})]
    if actual is not None and actual != expected:
        return expected, [PackProblem(MANIFEST_EDITED, MANIFEST_NAME, MANIFEST_EDITED_MESSAGE,
                                      {"actual": actual, "expected": expected})]
    return expected, []


def _compare_files(manifest: Manifest, digests: dict[str, tuple[str, int]], corrupt: set[str]) -> list[PackProblem]:
    problems = []
    for file in manifest.files:
        if file.path in corrupt:
            continue
        if file.path not in digests:
            problems.append(PackProblem(MISSING, file.path, MISSING_MESSAGE))
            continue
        sha256, size = digests[file.path]
        if (sha256, size) != (file.sha256, file.size):
            problems.append(PackProblem(CHANGED, file.path, CHANGED_MESSAGE, {
                "actual": sha256, "actual_size": size, "expected": file.sha256, "expected_size": file.size,
            }))
    listed = {file.path for file in manifest.files}
    for name in sorted(set(digests) | corrupt):
        if name not in listed and name not in RESERVED_NAMES:
            problems.append(PackProblem(EXTRA, name, EXTRA_MESSAGE))
    return problems


def _source_problems(manifest: Manifest) -> list[PackProblem]:
    """Find originals whose listed digest differs from the blob they claim to copy unchanged."""
    problems = []
    for file in manifest.originals:
        assert file.source is not None  # Manifest requires a source on every original
        if file.source.blob_sha256 != file.sha256:
            problems.append(PackProblem(SOURCE_MISMATCH, file.path, SOURCE_MISMATCH_MESSAGE,
                                        {"blob": file.source.blob_sha256, "actual": file.sha256}))
    return problems


def _in_report_order(problems: list[PackProblem]) -> tuple[PackProblem, ...]:
    return tuple(sorted(problems, key=lambda problem: (KINDS.index(problem.kind), problem.name, problem.template)))
