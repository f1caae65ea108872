"""The pack manifest and offline verification: every changed, missing, extra or damaged file is named."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from archive.evidence import verify
from archive.evidence.container import PackDigest, PackWriter
from archive.evidence.manifest import (
    CHECKSUM_NAME,
    FORMAT,
    MANIFEST_NAME,
    AuditHead,
    Manifest,
    ManifestError,
    ManifestFile,
    OriginalSource,
    PackInfo,
    checksum_file,
    dump_manifest,
    load_manifest,
    parse_checksum_file,
    write_manifest,
)
from archive.evidence.verify import PackProblem, VerifyReport, verify_against_archive, verify_pack

CHINA = dt.timezone(dt.timedelta(hours=8))
AS_OF = dt.datetime(2025, 6, 11, 9, 30, tzinfo=CHINA)
UPLOADED_AT = dt.datetime(2024, 3, 5, 1, 20, 33, 125000, tzinfo=dt.timezone.utc)
AUDIT_HASH = hashlib.sha256(b"audit event 120").hexdigest()
CATALOG = Path(__file__).resolve().parents[2] / "archive" / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"

CONTRACT_PDF = b"%PDF-1.7\n" + bytes(range(256)) * 64
AMENDMENT_DOCX = b"PK\x03\x04" + b"word/document.xml " * 500
INDEX_XLSX = b"PK\x03\x04" + b"xl/worksheets/sheet1.xml " * 300
RECORDS_CSV = "日期,类型,摘要\n2024-03-05,付款,收到首期款 30%\n".encode() * 100
README_TXT = "证据包核验说明：解压后运行 sha256sum -c manifest.sha256。\n".encode()

CONTRACT_NAME = "originals/证据1-1 买卖合同.pdf"
AMENDMENT_NAME = "originals/证据1-2 补充协议.docx"
INDEX_NAME = "证据目录.xlsx"
RECORDS_NAME = "履约记录.csv"
README_NAME = "README.txt"

needs_unzip = pytest.mark.skipif(shutil.which("unzip") is None, reason="Info-ZIP unzip is not installed")
needs_sha256sum = pytest.mark.skipif(shutil.which("sha256sum") is None, reason="GNU sha256sum is not installed")


def create_source(version_id: int, data: bytes, filename: str) -> OriginalSource:
    return OriginalSource(document_version_id=version_id, document_id=version_id + 100, contract_id=7,
                          original_filename=filename, blob_sha256=hashlib.sha256(data).hexdigest(),
                          uploaded_at=UPLOADED_AT, uploaded_by="张三")


def create_pack(path: Path, *, source_override: OriginalSource | None = None) -> PackDigest:
    """Write a pack with two originals, three generated files, the manifest and its checksum."""
    with path.open("wb") as output, PackWriter(output, AS_OF) as writer:
        files = []
        member = writer.add_bytes(CONTRACT_NAME, CONTRACT_PDF, "application/pdf")
        files.append(ManifestFile.from_member(
            member, "original", source_override or create_source(11, CONTRACT_PDF, "买卖合同-盖章版.pdf")))
        member = writer.add_bytes(AMENDMENT_NAME, AMENDMENT_DOCX,
                                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        files.append(ManifestFile.from_member(member, "original", create_source(12, AMENDMENT_DOCX, "补充协议.docx")))
        member = writer.add_bytes(INDEX_NAME, INDEX_XLSX,
                                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        files.append(ManifestFile.from_member(member, "index"))
        member = writer.add_bytes(RECORDS_NAME, RECORDS_CSV, "text/csv")
        files.append(ManifestFile.from_member(member, "records"))
        member = writer.add_bytes(README_NAME, README_TXT, "text/plain")
        files.append(ManifestFile.from_member(member, "readme"))
        write_manifest(writer, create_manifest(tuple(files)))
    return writer.close()


def create_manifest(files: tuple[ManifestFile, ...]) -> Manifest:
    return Manifest(
        pack=PackInfo(case_name="与某某科技有限公司买卖合同纠纷", draft_id=3, draft_revision=2, as_of=AS_OF,
                      prepared_by="李四"),
        audit_head=AuditHead(seq=120, event_hash=AUDIT_HASH),
        files=files,
    )


@pytest.fixture()
def pack(tmp_path: Path) -> Path:
    path = tmp_path / "证据包.zip"
    create_pack(path)
    return path


def read_members(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def rezip(path: Path, members: list[tuple[str, bytes]]) -> None:
    """Rewrite the pack with ordinary zipfile, as someone who edits files and zips them again would."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)


def replace_member(path: Path, name: str, change) -> None:  # type: ignore[no-untyped-def]
    rezip(path, [(member, change(data) if member == name else data) for member, data in read_members(path)])


def flip_byte(data: bytes, offset: int) -> bytes:
    return data[:offset] + bytes([data[offset] ^ 0x01]) + data[offset + 1:]


def flip_stored_byte(path: Path, name: str, offset_in_member: int = 100) -> None:
    """Flip one byte of a member's data in the ZIP file itself, leaving every header as it was."""
    with zipfile.ZipFile(path) as archive:
        header_offset = archive.getinfo(name).header_offset
    data = path.read_bytes()
    name_length, extra_length = struct.unpack("<HH", data[header_offset + 26:header_offset + 30])
    data_start = header_offset + 30 + name_length + extra_length
    path.write_bytes(flip_byte(data, data_start + offset_in_member))


def kinds_by_name(report: VerifyReport) -> list[tuple[str, str]]:
    return [(problem.kind, problem.name) for problem in report.problems]


def test_intact_pack_passes(tmp_path: Path) -> None:
    path = tmp_path / "pack.zip"
    digest = create_pack(path)

    report = verify_pack(path)

    assert report.intact
    assert report.problems == ()
    assert report.files_checked == 5
    assert report.zip_sha256 == digest.sha256
    assert report.manifest_sha256 == report.checksum_sha256
    assert report.summary() == "The pack is intact: all 5 files match the manifest."


def test_damaged_original_is_named(pack: Path) -> None:
    flip_stored_byte(pack, CONTRACT_NAME)

    report = verify_pack(pack)

    assert not report.intact
    assert kinds_by_name(report) == [(verify.CORRUPT, CONTRACT_NAME)]
    assert CONTRACT_NAME in report.problems[0].message()


def test_changed_original_is_named(pack: Path) -> None:
    replace_member(pack, CONTRACT_NAME, lambda data: flip_byte(data, 500))

    report = verify_pack(pack)

    assert kinds_by_name(report) == [(verify.CHANGED, CONTRACT_NAME)]
    problem = report.problems[0]
    assert problem.params["expected"] == hashlib.sha256(CONTRACT_PDF).hexdigest()
    assert problem.params["actual"] == hashlib.sha256(flip_byte(CONTRACT_PDF, 500)).hexdigest()
    assert problem.params["actual_size"] == problem.params["expected_size"] == len(CONTRACT_PDF)


def test_damaged_generated_file_is_named(pack: Path) -> None:
    flip_stored_byte(pack, INDEX_NAME)

    report = verify_pack(pack)

    assert kinds_by_name(report) == [(verify.CORRUPT, INDEX_NAME)]


def test_damaged_deflated_file_is_named(pack: Path) -> None:
    flip_stored_byte(pack, RECORDS_NAME, offset_in_member=20)

    report = verify_pack(pack)

    assert kinds_by_name(report) == [(verify.CORRUPT, RECORDS_NAME)]


def test_changed_generated_file_is_named(pack: Path) -> None:
    replace_member(pack, RECORDS_NAME, lambda data: data + "2024-04-01,付款,补记\n".encode())

    report = verify_pack(pack)

    assert kinds_by_name(report) == [(verify.CHANGED, RECORDS_NAME)]
    assert report.problems[0].params["actual_size"] > report.problems[0].params["expected_size"]


def test_edited_manifest_is_named(pack: Path) -> None:
    replace_member(pack, MANIFEST_NAME, lambda data: data.replace("李四".encode(), "王五".encode()))

    report = verify_pack(pack)

    assert kinds_by_name(report) == [(verify.MANIFEST_EDITED, MANIFEST_NAME)]
    message = report.problems[0].message()
    assert MANIFEST_NAME in message
    assert CHECKSUM_NAME in message


def test_damaged_manifest_is_named(pack: Path) -> None:
    flip_stored_byte(pack, MANIFEST_NAME, offset_in_member=10)

    report = verify_pack(pack)

    assert kinds_by_name(report) == [(verify.CORRUPT, MANIFEST_NAME)]
    assert report.manifest is None


def test_manifest_listing_other_digest_names_file(pack: Path) -> None:
    """A manifest edited to list another digest fails manifest.sha256, and the file no longer matches it."""
    real = hashlib.sha256(RECORDS_CSV).hexdigest()
    replace_member(pack, MANIFEST_NAME, lambda data: data.replace(real.encode(), b"0" * 64))

    report = verify_pack(pack)

    assert kinds_by_name(report) == [(verify.MANIFEST_EDITED, MANIFEST_NAME), (verify.CHANGED, RECORDS_NAME)]


def test_edited_checksum_is_named(pack: Path) -> None:
    replace_member(pack, CHECKSUM_NAME, lambda data: flip_byte(data, 3))

    report = verify_pack(pack)

    assert kinds_by_name(report) == [(verify.MANIFEST_EDITED, MANIFEST_NAME)]
    assert CHECKSUM_NAME in report.problems[0].message()
    assert report.checksum_sha256 != report.manifest_sha256


def test_damaged_checksum_is_named(pack: Path) -> None:
    flip_stored_byte(pack, CHECKSUM_NAME, offset_in_member=5)

    report = verify_pack(pack)

    assert kinds_by_name(report) == [(verify.CORRUPT, CHECKSUM_NAME)]


def test_malformed_checksum_is_named(pack: Path) -> None:
    replace_member(pack, CHECKSUM_NAME, lambda data: b"not a checksum\n")

    report = verify_pack(pack)

    assert kinds_by_name(report) == [(verify.CHECKSUM_INVALID, CHECKSUM_NAME)]


def test_missing_member_is_named(pack: Path) -> None:
    rezip(pack, [(name, data) for name, data in read_members(pack) if name != AMENDMENT_NAME])

    report = verify_pack(pack)

    assert kinds_by_name(report) == [(verify.MISSING, AMENDMENT_NAME)]
    assert report.problems[0].message() == f"{AMENDMENT_NAME} is listed in the manifest but missing from the pack."


def test_extra_member_is_named(pack: Path) -> None:
    rezip(pack, read_members(pack) + [("originals/证据9-9 后加文件.pdf", b"%PDF added later")])

    report = verify_pack(pack)

    assert kinds_by_name(report) == [(verify.EXTRA, "originals/证据9-9 后加文件.pdf")]


def test_missing_manifest_files_are_named(pack: Path) -> None:
    rezip(pack, [(name, data) for name, data in read_members(pack) if name not in (MANIFEST_NAME, CHECKSUM_NAME)])

    report = verify_pack(pack)

    assert kinds_by_name(report) == [(verify.MANIFEST_MISSING, MANIFEST_NAME), (verify.CHECKSUM_MISSING, CHECKSUM_NAME)]
    assert report.files_checked == 0


def test_invalid_manifest_is_named(pack: Path) -> None:
    replace_member(pack, MANIFEST_NAME, lambda data: data[:-20])
    replace_member(pack, CHECKSUM_NAME, lambda data: checksum_file(dict(read_members(pack))[MANIFEST_NAME]))

    report = verify_pack(pack)

    assert kinds_by_name(report) == [(verify.MANIFEST_INVALID, MANIFEST_NAME)]
    assert "not valid JSON" in report.problems[0].message()


def test_oversized_manifest_is_not_loaded(pack: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verify, "MAX_MANIFEST_BYTES", 100)

    report = verify_pack(pack)

    assert kinds_by_name(report) == [(verify.MANIFEST_INVALID, MANIFEST_NAME)]
    assert "larger than 100 bytes" in report.problems[0].message()
    assert report.manifest_sha256 == report.checksum_sha256


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_duplicate_and_unsafe_names_are_named(pack: Path) -> None:
    members = read_members(pack)
    rezip(pack, members + [(README_NAME, b"second readme"), ("../outside.txt", b"escape")])

    report = verify_pack(pack)

    assert (verify.DUPLICATE, README_NAME) in kinds_by_name(report)
    assert (verify.UNSAFE_NAME, "../outside.txt") in kinds_by_name(report)
    assert (verify.EXTRA, "../outside.txt") in kinds_by_name(report)


def test_folder_entries_are_accepted(pack: Path) -> None:
    with zipfile.ZipFile(pack, "a") as archive:
        archive.mkdir("originals")

    report = verify_pack(pack)

    assert report.intact, report.problems


def test_truncated_zip_reports_clear_error(pack: Path) -> None:
    data = pack.read_bytes()
    pack.write_bytes(data[: len(data) // 2])

    report = verify_pack(pack)

    assert kinds_by_name(report) == [(verify.UNREADABLE, pack.name)]
    assert report.problems[0].message() == (
        f"{pack.name} cannot be opened as a ZIP file, so it may be truncated or damaged. "
        "Copy or download the pack again."
    )
    assert report.summary() == "The pack is not intact. Problems found: 1."


def test_verify_non_zip_file(tmp_path: Path) -> None:
    pdf = tmp_path / "证据包.zip"
    pdf.write_bytes(b"%PDF-1.7\n" + b"0" * 200)

    report = verify_pack(pdf)

    assert kinds_by_name(report) == [(verify.UNREADABLE, pdf.name)]
    assert report.problems[0].message().startswith(f"{pdf.name} is not a ZIP file at all")


def test_any_truncation_is_reported(pack: Path) -> None:
    data = pack.read_bytes()

    for length in range(0, len(data), 97):
        pack.write_bytes(data[:length])
        report = verify_pack(pack)
        assert not report.intact, length


def test_flipped_bytes_never_raise(pack: Path) -> None:
    data = pack.read_bytes()

    for offset in range(0, len(data), 37):
        pack.write_bytes(flip_byte(data, offset))
        report = verify_pack(pack)
        for problem in report.problems:
            assert problem.message(), offset
        assert report.summary(), offset


def test_missing_file_is_reported(tmp_path: Path) -> None:
    report = verify_pack(tmp_path / "absent.zip")

    assert kinds_by_name(report) == [(verify.UNREADABLE, "absent.zip")]
    assert "No such file or directory" in report.problems[0].message()


def test_problems_listed_in_stable_order(pack: Path) -> None:
    members = [(name, data) for name, data in read_members(pack) if name != INDEX_NAME]
    members = [(name, data + b"!" if name == RECORDS_NAME else data) for name, data in members]
    rezip(pack, [("zz-extra.txt", b"z"), ("aa-extra.txt", b"a")] + members)

    first = verify_pack(pack)
    second = verify_pack(pack)

    assert kinds_by_name(first) == [
        (verify.CHANGED, RECORDS_NAME),
        (verify.MISSING, INDEX_NAME),
        (verify.EXTRA, "aa-extra.txt"),
        (verify.EXTRA, "zz-extra.txt"),
    ]
    assert first.problems == second.problems


def test_original_not_matching_its_blob_is_named(tmp_path: Path) -> None:
    path = tmp_path / "pack.zip"
    wrong = dataclasses.replace(create_source(11, CONTRACT_PDF, "买卖合同.pdf"), blob_sha256="1" * 64)
    create_pack(path, source_override=wrong)

    report = verify_pack(path)

    assert kinds_by_name(report) == [(verify.SOURCE_MISMATCH, CONTRACT_NAME)]


@needs_unzip
@needs_sha256sum
def test_sha256sum_accepts_checksum_file(pack: Path, tmp_path: Path) -> None:
    folder = tmp_path / "extracted"
    subprocess.run(["unzip", "-q", str(pack), "-d", str(folder)], check=True)

    checked = subprocess.run(["sha256sum", "-c", CHECKSUM_NAME], cwd=folder, capture_output=True, text=True,
                             check=False)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout == f"{MANIFEST_NAME}: OK\n"


@needs_unzip
@needs_sha256sum
def test_sha256sum_rejects_edited_manifest(pack: Path, tmp_path: Path) -> None:
    folder = tmp_path / "extracted"
    subprocess.run(["unzip", "-q", str(pack), "-d", str(folder)], check=True)
    manifest = folder / MANIFEST_NAME
    manifest.chmod(0o644)
    manifest.write_bytes(manifest.read_bytes().replace(b'"draft_id": 3', b'"draft_id": 4'))

    checked = subprocess.run(["sha256sum", "-c", CHECKSUM_NAME], cwd=folder, capture_output=True, text=True,
                             check=False)

    assert checked.returncode == 1
    assert f"{MANIFEST_NAME}: FAILED" in checked.stdout


def test_manifest_round_trip(pack: Path) -> None:
    data = dict(read_members(pack))[MANIFEST_NAME]

    manifest = load_manifest(data)

    assert dump_manifest(manifest) == data
    assert manifest.pack.as_of == AS_OF
    assert manifest.audit_head == AuditHead(seq=120, event_hash=AUDIT_HASH)
    assert [file.path for file in manifest.files] == [CONTRACT_NAME, AMENDMENT_NAME, INDEX_NAME, RECORDS_NAME,
                                                      README_NAME]
    contract = manifest.file(CONTRACT_NAME)
    assert contract is not None
    assert contract.source == create_source(11, CONTRACT_PDF, "买卖合同-盖章版.pdf")


def test_manifest_text_form(pack: Path) -> None:
    data = dict(read_members(pack))[MANIFEST_NAME]
    text = data.decode("utf-8")
    document = json.loads(text)

    assert text.endswith("}\n")
    assert text == json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    assert "买卖合同纠纷" in text
    assert document["format"] == FORMAT
    assert document["files"][0]["source"]["uploaded_at"] == "2024-03-05T01:20:33.125000+00:00"
    assert "source" not in document["files"][2]
    assert MANIFEST_NAME not in {file["path"] for file in document["files"]}


def test_checksum_file_format() -> None:
    data = b'{"format": "x"}\n'

    line = checksum_file(data)

    assert line == f"{hashlib.sha256(data).hexdigest()}  manifest.json\n".encode()
    assert parse_checksum_file(line) == hashlib.sha256(data).hexdigest()
    assert parse_checksum_file(line.replace(b"  ", b" *")) == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(("change", "error"), [
    (lambda document: document.update(format="contract-archive-evidence-pack/2"), "reads only"),
    (lambda document: document.pop("audit_head"), "missing audit_head"),
    (lambda document: document.update(extra=1), "does not define: extra"),
    (lambda document: document["files"][0].pop("source"), "needs its source"),
    (lambda document: document["files"][2].update(source=document["files"][0]["source"]), "only original files"),
    (lambda document: document["files"][1].update(path=document["files"][0]["path"]), "listed twice"),
    (lambda document: document["files"][1].update(path="../escape.pdf"), "path segment"),
    (lambda document: document["files"][1].update(path=MANIFEST_NAME), "written by the manifest"),
    (lambda document: document["files"][1].update(sha256="ABC"), "64 lowercase hex digits"),
    (lambda document: document["files"][1].update(size=-1), "0 or more"),
    (lambda document: document["files"][1].update(size=True), "0 or more"),
    (lambda document: document["files"][1].update(role="evidence"), "is not one of"),
    (lambda document: document["pack"].update(as_of="2025-06-11T09:30:00"), "UTC offset"),
    (lambda document: document["pack"].update(as_of="yesterday"), "not an ISO 8601"),
    (lambda document: document["audit_head"].update(seq=0), "1 or more"),
])
def test_invalid_manifest_rejected(pack: Path, change, error: str) -> None:  # type: ignore[no-untyped-def]
    document = json.loads(dict(read_members(pack))[MANIFEST_NAME])
    change(document)

    with pytest.raises(ManifestError, match=error):
        load_manifest(json.dumps(document, ensure_ascii=False).encode("utf-8"))


def test_manifest_not_utf8_rejected() -> None:
    with pytest.raises(ManifestError, match="not UTF-8"):
        load_manifest("{}".encode("utf-16"))


def test_write_manifest_rejects_unlisted_member(tmp_path: Path) -> None:
    with (tmp_path / "pack.zip").open("wb") as output:
        writer = PackWriter(output, AS_OF)
        writer.add_bytes(README_NAME, README_TXT, "text/plain")
        listed = ManifestFile.from_member(writer.add_bytes(RECORDS_NAME, RECORDS_CSV, "text/csv"), "records")

        with pytest.raises(ManifestError, match=f"does not list these members: {README_NAME}"):
            write_manifest(writer, create_manifest((listed,)))
        assert [member.name for member in writer.members] == [README_NAME, RECORDS_NAME]


def test_write_manifest_rejects_wrong_digest(tmp_path: Path) -> None:
    with (tmp_path / "pack.zip").open("wb") as output:
        writer = PackWriter(output, AS_OF)
        member = writer.add_bytes(README_NAME, README_TXT, "text/plain")
        wrong = dataclasses.replace(ManifestFile.from_member(member, "readme"), size=member.size + 1)

        with pytest.raises(ManifestError, match="differs from the member written"):
            write_manifest(writer, create_manifest((wrong,)))


class FakeLookup:
    """An archive with some document versions, audit events and recorded packs."""

    def __init__(self, versions: set[tuple[int, str]], events: dict[int, str], packs: set[str]) -> None:
        self.versions = versions
        self.events = events
        self.packs = packs

    def has_version(self, version_id: int, blob_sha256: str) -> bool:
        return (version_id, blob_sha256) in self.versions

    def audit_event_matches(self, seq: int, event_hash: str) -> bool:
        return self.events.get(seq) == event_hash

    def pack_recorded(self, manifest_sha256: str) -> bool:
        return manifest_sha256 in self.packs


def archive_for(report: VerifyReport) -> FakeLookup:
    assert report.manifest_sha256 is not None
    return FakeLookup(
        versions={(11, hashlib.sha256(CONTRACT_PDF).hexdigest()), (12, hashlib.sha256(AMENDMENT_DOCX).hexdigest())},
        events={119: "9" * 64, 120: AUDIT_HASH},
        packs={report.manifest_sha256},
    )


def test_archive_confirms_intact_pack(pack: Path) -> None:
    report = verify_pack(pack)

    check = verify_against_archive(report, archive_for(report))

    assert check.confirmed
    assert check.summary() == (
        "The archive confirms the pack: its manifest, audit event and document versions are on record."
    )


def test_archive_checks_manifest_object(pack: Path) -> None:
    report = verify_pack(pack)
    assert report.manifest is not None

    check = verify_against_archive(report.manifest, archive_for(report))

    assert check.confirmed


def test_unknown_version_is_named(pack: Path) -> None:
    report = verify_pack(pack)
    lookup = archive_for(report)
    lookup.versions.discard((12, hashlib.sha256(AMENDMENT_DOCX).hexdigest()))

    check = verify_against_archive(report, lookup)

    assert [(problem.kind, problem.name) for problem in check.problems] == [(verify.VERSION_UNKNOWN, AMENDMENT_NAME)]
    assert "document version 12" in check.problems[0].message()


def test_unknown_audit_head_is_reported(pack: Path) -> None:
    report = verify_pack(pack)
    lookup = archive_for(report)
    lookup.events[120] = "f" * 64

    check = verify_against_archive(report, lookup)

    assert [problem.kind for problem in check.problems] == [verify.AUDIT_HEAD_UNKNOWN]
    assert "event 120" in check.problems[0].message()


def test_unrecorded_pack_is_reported(pack: Path) -> None:
    report = verify_pack(pack)
    lookup = archive_for(report)
    lookup.packs.clear()

    check = verify_against_archive(report, lookup)

    assert [problem.kind for problem in check.problems] == [verify.PACK_NOT_RECORDED]
    assert not check.confirmed


def test_archive_tells_manifest_was_replaced(pack: Path) -> None:
    lookup = archive_for(verify_pack(pack))
    replace_member(pack, MANIFEST_NAME, lambda data: data.replace("李四".encode(), "王五".encode()))

    check = verify_against_archive(verify_pack(pack), lookup)

    assert [(problem.kind, problem.name) for problem in check.problems] == [(verify.MANIFEST_REPLACED, MANIFEST_NAME)]


def test_archive_tells_checksum_was_replaced(pack: Path) -> None:
    lookup = archive_for(verify_pack(pack))
    # Another hex digit keeps the line well-formed, whatever the digest starts with.
    replace_member(pack, CHECKSUM_NAME, lambda data: (b"1" if data[:1] == b"0" else b"0") + data[1:])

    check = verify_against_archive(verify_pack(pack), lookup)

    assert [(problem.kind, problem.name) for problem in check.problems] == [(verify.CHECKSUM_REPLACED, CHECKSUM_NAME)]


def test_archive_check_needs_manifest(pack: Path) -> None:
    pack.write_bytes(b"not a zip")

    check = verify_against_archive(verify_pack(pack), FakeLookup(set(), {}, set()))

    assert [problem.kind for problem in check.problems] == [verify.NO_MANIFEST]


def verify_messages() -> list[str]:
    return [value for name, value in vars(verify).items() if name.endswith("_MESSAGE") and isinstance(value, str)]


def test_every_message_is_translated() -> None:
    with CATALOG.open("rb") as po_file:
        catalog = read_po(po_file, locale="zh_CN")
    placeholder = re.compile(r"\{[a-z_]+\}")

    for message in verify_messages():
        entry = catalog.get(message)
        assert entry is not None and entry.string, message
        assert sorted(placeholder.findall(entry.string)) == sorted(placeholder.findall(message)), message


def test_problem_message_uses_gettext() -> None:
    problem = PackProblem(verify.MISSING, CONTRACT_NAME, verify.MISSING_MESSAGE)

    assert problem.message(lambda text: "清单列有 {name}，但证据包中缺少该文件。") == (
        f"清单列有 {CONTRACT_NAME}，但证据包中缺少该文件。"
    )


def test_kinds_cover_every_problem() -> None:
    kinds = [value for name, value in vars(verify).items()
             if name.isupper() and isinstance(value, str) and not name.endswith("_MESSAGE")
             and name not in ("MANIFEST_NAME", "CHECKSUM_NAME")]

    assert sorted(kinds) == sorted(verify.KINDS)


class _NamesWithoutFlag(zipfile.ZipInfo):
    """A member whose name is written in `encoding` with the UTF-8 flag clear, as older tools and Windows do."""

    encoding = "gbk"

    def _encodeFilenameFlags(self):  # type: ignore[no-untyped-def]
        return self.filename.encode(self.encoding), self.flag_bits & ~0x800


@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
def test_verify_rezipped_without_utf8_flag(pack: Path, tmp_path: Path, encoding: str) -> None:
    rezipped = tmp_path / "rezipped.zip"
    with zipfile.ZipFile(rezipped, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in read_members(pack):
            info = _NamesWithoutFlag(name, date_time=(2025, 6, 11, 9, 30, 0))
            info.encoding = encoding
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    with zipfile.ZipFile(rezipped) as archive:
        assert not any(info.flag_bits & 0x800 for info in archive.infolist())
        assert CONTRACT_NAME not in archive.namelist()  # Python alone shows the names as cp437

    report = verify_pack(rezipped)

    assert report.intact, report.problems
    assert report.files_checked == 5
