"""The manifest of an evidence pack: what it contains, where each original came from, and its checksum file.

``manifest.json`` is UTF-8 JSON with sorted keys, an indent of 2, Chinese written as itself and
a trailing newline. Format 1 has these keys (timestamps are ISO 8601 with a UTC offset)::

    format        "contract-archive-evidence-pack/1"
    pack          case_name, draft_id, draft_revision, as_of, prepared_by
    audit_head    seq and event_hash of the last audit event when the pack was built
    files         one object per member in ZIP order: path, sha256, size, role, media_type, and for
                  role "original" a source object: document_version_id, document_id,
                  contract_id, original_filename, blob_sha256, uploaded_at, uploaded_by

``files`` lists every member of the ZIP except ``manifest.json`` and ``manifest.sha256``.
``manifest.sha256`` is one line in the format of GNU ``sha256sum``, so after extracting the pack
``sha256sum -c manifest.sha256`` checks the manifest, and the manifest checks everything else.
The SHA-256 of ``manifest.json`` is the pack's identity: it covers every file's digest and does
not depend on how the files are zipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from archive.evidence.container import InvalidMemberNameError, MemberDigest, PackWriter, check_member_name

FORMAT = "contract-archive-evidence-pack/1"
MANIFEST_NAME = "manifest.json"
CHECKSUM_NAME = "manifest.sha256"
MANIFEST_MEDIA_TYPE = "application/json"
CHECKSUM_MEDIA_TYPE = "text/plain"
RESERVED_NAMES = (MANIFEST_NAME, CHECKSUM_NAME)

ORIGINAL = "original"
# "record" is a performance record printed by the archive for an item without a file of its own.
ROLES = (ORIGINAL, "record", "index", "bundle", "timeline", "records", "readme")

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# GNU sha256sum output: the digest, a space, a space for text mode or "*" for binary mode, the name.
_CHECKSUM_LINE = re.compile(r"([0-9a-f]{64}) [ *](.+)\n?")


class ManifestError(ValueError):
    """A manifest or checksum file that does not follow format 1, or a manifest that does not match its pack."""


@dataclass(frozen=True)
class OriginalSource:
    """The archived document version that an original file is an unchanged copy of."""

    document_version_id: int
    document_id: int
    contract_id: int
    original_filename: str
    blob_sha256: str
    uploaded_at: dt.datetime
    uploaded_by: str

    def __post_init__(self) -> None:
        for name in ("document_version_id", "document_id", "contract_id"):
            _check_id(f"source.{name}", getattr(self, name))
        _check_text("source.original_filename", self.original_filename)
        _check_sha256("source.blob_sha256", self.blob_sha256)
        _check_aware("source.uploaded_at", self.uploaded_at)
        _check_text("source.uploaded_by", self.uploaded_by)


@dataclass(frozen=True)
class ManifestFile:
    """One member of the pack as the manifest lists it."""

    path: str
    sha256: str
    size: int
    role: str
    media_type: str
    source: OriginalSource | None = None  # set for role "original" only

    def __post_init__(self) -> None:
        try:
            check_member_name(self.path)
        except InvalidMemberNameError as error:
            raise ManifestError(f"files: {error}") from None
        if self.path in RESERVED_NAMES:
            raise ManifestError(f"files: {self.path} is written by the manifest itself and cannot be listed")
        _check_sha256(f"{self.path}: sha256", self.sha256)
        _check_count(f"{self.path}: size", self.size)
        if self.role not in ROLES:
            raise ManifestError(f"{self.path}: role {self.role!r} is not one of {', '.join(ROLES)}")
        _check_text(f"{self.path}: media_type", self.media_type)
        if self.role == ORIGINAL and self.source is None:
            raise ManifestError(f"{self.path}: an original file needs its source")
        if self.role != ORIGINAL and self.source is not None:
            raise ManifestError(f"{self.path}: only original files have a source, not role {self.role!r}")

    @classmethod
    def from_member(cls, member: MemberDigest, role: str, source: OriginalSource | None = None) -> ManifestFile:
        """List a member that PackWriter wrote."""
        return cls(path=member.name, sha256=member.sha256, size=member.size, role=role,
                   media_type=member.media_type, source=source)


@dataclass(frozen=True)
class PackInfo:
    """The pack's case and the saved draft revision it was built from.

    `as_of` is the moment that revision was saved. The pack's content reflects the archive at
    that moment, and it is the time of every ZIP entry. `prepared_by` saved the revision. Who
    built the pack, and when, is in the audit log, not here: building the same revision again
    must give the same bytes.
    """

    case_name: str
    draft_id: int
    draft_revision: int
    as_of: dt.datetime
    prepared_by: str

    def __post_init__(self) -> None:
        _check_text("pack.case_name", self.case_name)
        _check_id("pack.draft_id", self.draft_id)
        _check_aware("pack.as_of", self.as_of)
        _check_id("pack.draft_revision", self.draft_revision)
        _check_text("pack.prepared_by", self.prepared_by)


@dataclass(frozen=True)
class AuditHead:
    """The last audit event when the pack was built, so a later check can place the pack in the log."""

    seq: int
    event_hash: str

    def __post_init__(self) -> None:
        _check_id("audit_head.seq", self.seq)
        _check_sha256("audit_head.event_hash", self.event_hash)


@dataclass(frozen=True)
class Manifest:
    """The whole manifest: pack metadata, the audit chain head and every file but the manifest's own two."""

    pack: PackInfo
    audit_head: AuditHead
    files: tuple[ManifestFile, ...]

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for file in self.files:
            if file.path in seen:
                raise ManifestError(f"files: {file.path} is listed twice")
            seen.add(file.path)

    def file(self, path: str) -> ManifestFile | None:
        """Return the entry for `path`, or None when the manifest does not list it."""
        return next((file for file in self.files if file.path == path), None)

    @property
    def originals(self) -> tuple[ManifestFile, ...]:
        """Entries of role "original", in manifest order."""
        return tuple(file for file in self.files if file.role == ORIGINAL)


def dump_manifest(manifest: Manifest) -> bytes:
    """Serialise a manifest to the bytes of manifest.json."""
    document = {
        "format": FORMAT,
        "pack": {
            "case_name": manifest.pack.case_name,
            "draft_id": manifest.pack.draft_id,
            "draft_revision": manifest.pack.draft_revision,
            "as_of": manifest.pack.as_of.isoformat(),
            "prepared_by": manifest.pack.prepared_by,
        },
        "audit_head": {"seq": manifest.audit_head.seq, "event_hash": manifest.audit_head.event_hash},
        "files": [_file_document(file) for file in manifest.files],
    }
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2, allow_nan=False)
    return (text + "\n").encode("utf-8")


def load_manifest(data: bytes) -> Manifest:
    """Parse the bytes of manifest.json, raising ManifestError for anything format 1 does not allow."""
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ManifestError(f"manifest.json is not UTF-8: {error.reason} at byte {error.start}") from None
    except json.JSONDecodeError as error:
        raise ManifestError(f"manifest.json is not valid JSON: {error.msg} at line {error.lineno}") from None
    top = _object(document, "manifest", {"format", "pack", "audit_head", "files"})
    if top["format"] != FORMAT:
        raise ManifestError(f"format is {top['format']!r}, and this version reads only {FORMAT!r}")
    pack = _object(top["pack"], "pack", {"case_name", "draft_id", "draft_revision", "as_of", "prepared_by"})
    head = _object(top["audit_head"], "audit_head", {"seq", "event_hash"})
    if not isinstance(top["files"], list):
        raise ManifestError("files must be a list")
    return Manifest(
        pack=PackInfo(
            case_name=pack["case_name"],
            draft_id=pack["draft_id"],
            draft_revision=pack["draft_revision"],
            as_of=_timestamp("pack.as_of", pack["as_of"]),
            prepared_by=pack["prepared_by"],
        ),
        audit_head=AuditHead(seq=head["seq"], event_hash=head["event_hash"]),
        files=tuple(_load_file(index, value) for index, value in enumerate(top["files"])),
    )


def manifest_sha256(manifest_bytes: bytes) -> str:
    """Return the SHA-256 hex digest of manifest.json's bytes, the pack's identity."""
    return hashlib.sha256(manifest_bytes).hexdigest()


def checksum_file(manifest_bytes: bytes) -> bytes:
    """Return the bytes of manifest.sha256: one sha256sum line naming manifest.json."""
    return f"{manifest_sha256(manifest_bytes)}  {MANIFEST_NAME}\n".encode("ascii")


def parse_checksum_file(data: bytes) -> str:
    """Return the digest that manifest.sha256 gives for manifest.json, or raise ManifestError."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise ManifestError("manifest.sha256 contains bytes that are not ASCII") from None
    match = _CHECKSUM_LINE.fullmatch(text)
    if match is None:
        raise ManifestError("manifest.sha256 is not one line of 64 lowercase hex digits, two spaces and manifest.json")
    if match.group(2) != MANIFEST_NAME:
        raise ManifestError(f"manifest.sha256 names {match.group(2)!r}, not {MANIFEST_NAME}")
    return match.group(1)


def write_manifest(writer: PackWriter, manifest: Manifest) -> MemberDigest:
    """Add manifest.json and manifest.sha256 as the pack's last members and return manifest.json's digest.

    Raises ManifestError, before writing anything, when the manifest does not list exactly the
    members already written with their sizes and digests.
    """
    _check_lists_members(manifest, writer.members)
    manifest_bytes = dump_manifest(manifest)
    digest = writer.add_bytes(MANIFEST_NAME, manifest_bytes, MANIFEST_MEDIA_TYPE)
    writer.add_bytes(CHECKSUM_NAME, checksum_file(manifest_bytes), CHECKSUM_MEDIA_TYPE)
    return digest


def _check_lists_members(manifest: Manifest, members: Iterable[MemberDigest]) -> None:
    listed = {file.path: file for file in manifest.files}
    written = {member.name: member for member in members}
    unlisted = sorted(set(written) - set(listed))
    if unlisted:
        raise ManifestError(f"the manifest does not list these members: {', '.join(unlisted)}")
    not_written = sorted(set(listed) - set(written))
    if not_written:
        raise ManifestError(f"the manifest lists files the pack does not contain: {', '.join(not_written)}")
    for path, member in written.items():
        if (listed[path].sha256, listed[path].size) != (member.sha256, member.size):
            raise ManifestError(f"{path}: the manifest's sha256 or size differs from the member written")


def _file_document(file: ManifestFile) -> dict[str, Any]:
    document: dict[str, Any] = {
        "path": file.path,
        "sha256": file.sha256,
        "size": file.size,
        "role": file.role,
        "media_type": file.media_type,
    }
    if file.source is not None:
        source = file.source
        document["source"] = {
            "document_version_id": source.document_version_id,
            "document_id": source.document_id,
            "contract_id": source.contract_id,
            "original_filename": source.original_filename,
            "blob_sha256": source.blob_sha256,
            "uploaded_at": source.uploaded_at.isoformat(),
            "uploaded_by": source.uploaded_by,
        }
    return document


def _load_file(index: int, value: Any) -> ManifestFile:
    where = f"files[{index}]"
    file = _object(value, where, {"path", "sha256", "size", "role", "media_type"}, optional={"source"})
    source = None
    if "source" in file:
        raw = _object(file["source"], f"{where}.source", {
            "document_version_id", "document_id", "contract_id", "original_filename", "blob_sha256",
            "uploaded_at", "uploaded_by",
        })
        source = OriginalSource(
            document_version_id=raw["document_version_id"],
            document_id=raw["document_id"],
            contract_id=raw["contract_id"],
            original_filename=raw["original_filename"],
            blob_sha256=raw["blob_sha256"],
            uploaded_at=_timestamp(f"{where}.source.uploaded_at", raw["uploaded_at"]),
            uploaded_by=raw["uploaded_by"],
        )
    if not isinstance(file["path"], str):
        raise ManifestError(f"{where}.path must be a string")
    return ManifestFile(path=file["path"], sha256=file["sha256"], size=file["size"], role=file["role"],
                        media_type=file["media_type"], source=source)


def _object(value: Any, where: str, required: set[str], optional: frozenset[str] | set[str] = frozenset()
            ) -> dict[str, Any]:
    """Return `value` if it is a JSON object with all `required` keys and no keys outside `optional`."""
    if not isinstance(value, dict):
        raise ManifestError(f"{where} must be an object")
    missing = sorted(required - value.keys())
    if missing:
        raise ManifestError(f"{where} is missing {', '.join(missing)}")
    unknown = sorted(value.keys() - required - optional)
    if unknown:
        raise ManifestError(f"{where} has keys that format 1 does not define: {', '.join(unknown)}")
    return value


def _timestamp(where: str, value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise ManifestError(f"{where} must be an ISO 8601 string")
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise ManifestError(f"{where} {value!r} is not an ISO 8601 timestamp") from None


def _check_id(where: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ManifestError(f"{where} must be a whole number of 1 or more, not {value!r}")


def _check_count(where: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ManifestError(f"{where} must be a whole number of 0 or more, not {value!r}")


def _check_text(where: str, value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ManifestError(f"{where} must be a non-empty string, not {value!r}")


def _check_sha256(where: str, value: Any) -> None:
    if not isinstance(value, str) or not _SHA256_HEX.fullmatch(value):
        raise ManifestError(f"{where} must be 64 lowercase hex digits, not {value!r}")


def _check_aware(where: str, value: Any) -> None:
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise ManifestError(f"{where} must be a date and time with a UTC offset, not {value!r}")
