"""Tests of a pack built from real files: the CUAD services agreement, its two amendments, payments and a dispute.

The tests run on SQLite with local blobs and on PostgreSQL with blobs in a real S3 API server.
There the pack's legal hold is an S3 object lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pypdfium2
import pytest
from sqlalchemy import select

from archive.access import SYSTEM
from archive.errors import EvidenceDraftNotSavedError
from archive.evidence.manifest import CHECKSUM_NAME, MANIFEST_NAME, load_manifest
from archive.models import AuditEvent, Clause, DocumentVersion, EvidenceDraft, EvidencePack
from archive.services import evidence_drafts as drafts
from archive.services import records as record_service
from archive.services.consistency import check
from archive.services.contracts import create_contract
from archive.services.evidence_packs import build_pack, check_pack, get_pack, open_pack
from ingest import indexing
from ingest.pipeline import ingest_path
from tests.archive.test_evidence_verify import flip_byte, read_members, replace_member
from tests.conftest import corpus_file

BASE = "en_cuad_services-agreement_federated_base.pdf"
AMENDMENTS = ("en_cuad_services-agreement_federated_amendment1.pdf", "en_cuad_services-agreement_federated_amendment2.pdf")
DEMAND_LETTER = "zh_junlian_payment-reminder_cuikuan-tongzhishu.docx"
STAMP = re.compile(r"证据\s*(\d+-\d+)")
PAGE_STAMP = re.compile(r"第\s*(\d+)\s*页")



def version_of(session, document_id: int) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(DocumentVersion.id).where(DocumentVersion.document_id == document_id))


@pytest.fixture
def saved_draft(archive):  # type: ignore[no-untyped-def]
    base = ingest_path(archive, corpus_file(BASE), kind="contract", index=False)
    assert base.contract_id is not None, base
    amendments = [ingest_path(archive, corpus_file(name), contract_id=base.contract_id, kind="amendment", index=False)
                  for name in AMENDMENTS]
    letter = ingest_path(archive, corpus_file(DEMAND_LETTER), contract_id=base.contract_id, kind="correspondence",
                         index=False)
    contract_id = base.contract_id
    with archive.session() as session:
        add = lambda kind, day, **values: record_service.create_record(  # noqa: E731
            session, contract_id, record_service.RecordInput(kind=kind, occurred_on=day, **values), actor=SYSTEM)
        first = add("payment", dt.date(2020, 6, 30), amount=Decimal("12500.00"), currency="USD",
                    summary="Q2 fee received")
        second = add("payment", dt.date(2020, 9, 30), amount=Decimal("12500.00"), currency="USD",
                     summary="Q3 fee received")
        demand = add("communication", dt.date(2021, 1, 15), summary="Demand for the unpaid Q4 fee", demand=True,
                     detail={"channel": "letter"}, attachments=(letter.document_id,))
        dispute = add("dispute", dt.date(2021, 3, 1), summary="Customer disputes the Q4 invoice")
        payment_clause = session.scalars(
            select(Clause).where(Clause.document_version_id == version_of(session, base.document_id),
                                 Clause.page_start.is_not(None)).order_by(Clause.ordinal).offset(3)).first()
        draft = drafts.create_draft(session, case_name="与 Federated 服务协议付款纠纷", contract_ids=[contract_id],
                                    actor=SYSTEM, dispute="unpaid_price", claimant="Federated Services Company（申请人）",
                                    respondent="Federated Government Income Securities（被申请人）")
        item = drafts.ItemInput
        versions = [version_of(session, r.document_id) for r in (base, *amendments)]
        drafts.add_item(session, draft.id, item(source="version", document_version_id=versions[0], name="服务协议",
                                                origin="copy", issuer="双方", purpose="证明双方存在服务合同关系"),
                        actor=SYSTEM)
        for number, version_id in enumerate(versions[1:], start=1):
            drafts.add_item(session, draft.id, item(source="version", document_version_id=version_id,
                                                    name=f"第{number}号修订协议", issuer="双方",
                                                    purpose="证明费用条款的变更"), actor=SYSTEM)
        drafts.add_item(session, draft.id, item(source="clause", clause_id=payment_clause.id, name="服务协议付款条款",
                                                issuer="双方", purpose="证明付款期限"), actor=SYSTEM)
        for record in (first, second):
            drafts.add_item(session, draft.id, item(source="record", record_id=record.id, group_number=2,
                                                    name=f"收款记录 {record.occurred_on}", origin="electronic",
                                                    issuer="我方财务部", purpose="证明对方曾按期付款"), actor=SYSTEM)
        drafts.add_item(session, draft.id, item(source="record", record_id=demand.id, group_number=3, name="催款通知书",
                                                issuer="我方", purpose="证明已书面催告付款"), actor=SYSTEM)
        drafts.add_item(session, draft.id, item(source="record", record_id=dispute.id, group_number=3,
                                                name="争议登记", origin="electronic", issuer="我方法务部",
                                                purpose="证明争议发生的时间"), actor=SYSTEM)
        drafts.update_draft(session, draft.id, {"group_titles": {"1": "合同及修订协议", "2": "付款情况",
                                                                 "3": "催告与争议"}}, actor=SYSTEM)
        drafts.save_draft(session, draft.id, actor=SYSTEM)
        draft_id = draft.id
    return archive, contract_id, draft_id


def test_build_pack_of_cuad_dispute(saved_draft, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    archive, contract_id, draft_id = saved_draft
    steps: list[tuple[str, int, int]] = []
    built = build_pack(archive, draft_id, actor=SYSTEM, progress=lambda *step: steps.append(step))
    pack = tmp_path / built.file_name
    with open_pack(archive, built, actor=SYSTEM) as stream, pack.open("wb") as out:
        shutil.copyfileobj(stream, out)

    members = dict(read_members(pack))
    manifest = load_manifest(members[MANIFEST_NAME])
    roles = {file.path: file.role for file in manifest.files}
    assert sorted(set(roles.values())) == ["bundle", "index", "original", "readme", "record", "records", "timeline"]
    originals = [file for file in manifest.originals]
    assert [file.path for file in originals] == [
        "证据/1-1 服务协议.pdf", "证据/1-2 第1号修订协议.pdf", "证据/1-3 第2号修订协议.pdf", "证据/3-1 附件1 催款通知书.docx"]
    with archive.session() as session:
        for file in originals:
            version = session.get(DocumentVersion, file.source.document_version_id)
            assert file.sha256 == version.blob_sha256
            assert file.source.blob_sha256 == version.blob_sha256
            assert members[file.path] == archive.blobs.read_bytes(version.blob_sha256)
            assert file.source.original_filename == version.filename
    last_step, done, total = steps[-1]
    assert last_step == "write"
    assert done == total
    assert total > 0

    # The index's 页码 column matches the stamps in the bundle.
    index_pages = index_page_column(members["证据目录.pdf"])
    stamped = bundle_stamps(members["证据汇编.pdf"])
    assert [number for number, _ in stamped] == list(range(1, len(stamped) + 1))
    for label, pages in index_pages.items():
        if pages == "—":
            continue
        first, _, last = pages.partition("-")
        span = range(int(first), int(last or first) + 1)
        assert [stamp_label for number, stamp_label in stamped if number in span] == [label] * len(span), label
    assert index_pages["1-4"] != "—"
    # The written demand is printed from its record; its Word letter is packed but not printed.
    assert index_pages["3-1"] != "—"
    assert roles["证据/3-1 催款通知书.pdf"] == "record"
    printout = " ".join(page_text for page_text in pdf_texts(members["证据/3-1 催款通知书.pdf"]))
    assert DEMAND_LETTER in printout
    assert "书面催告" in printout
    assert index_pages["3-2"] != "—"
    assert "2-1" in index_pages
    assert len(index_pages) == 8
    assert_index_shows_chinese(members["证据目录.pdf"], tmp_path)

    # Info-ZIP lists the Chinese names (UTF-8 flag) and tests every member.
    if shutil.which("unzip") is None and os.environ.get("CI"):
        pytest.fail("Info-ZIP unzip is not installed, although .ci/run installs it")
    if shutil.which("unzip"):
        tested = subprocess.run(["unzip", "-t", str(pack)], capture_output=True, check=False)
        assert tested.returncode == 0, tested.stdout.decode("utf-8", "replace")
        assert "证据/1-1 服务协议.pdf" in tested.stdout.decode("utf-8")
        folder = tmp_path / "out"
        subprocess.run(["unzip", "-q", str(pack), "-d", str(folder)], check=True)
        assert (folder / "证据目录.xlsx").read_bytes() == members["证据目录.xlsx"]

    checked = check_pack(pack, archive)
    assert checked.report.intact, checked.report.problems
    assert checked.archive is not None
    assert checked.archive.confirmed, checked.archive.problems

    with archive.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "evidence_pack",
                                                         AuditEvent.action == "build")).one()
        assert event.summary["zip_sha256"] == built.blob_sha256
        assert event.summary["manifest_sha256"] == checked.report.manifest_sha256
        assert session.get(EvidencePack, built.id).audit_event_seq == event.seq
    assert archive.blobs.has_legal_hold(built.blob_sha256)


@pytest.mark.parametrize("role", ["original", "record", "index", "bundle", "timeline", "records", "readme",
                                  MANIFEST_NAME, CHECKSUM_NAME])
def test_check_pack_names_each_changed_file(saved_draft, tmp_path: Path, role: str) -> None:  # type: ignore[no-untyped-def]
    archive, _contract_id, draft_id = saved_draft
    built = build_pack(archive, draft_id, actor=SYSTEM)
    pack = tmp_path / "pack.zip"
    pack.write_bytes(archive.blobs.read_bytes(built.blob_sha256))
    manifest = load_manifest(dict(read_members(pack))[MANIFEST_NAME])
    name = role if role in (MANIFEST_NAME, CHECKSUM_NAME) else next(f.path for f in manifest.files if f.role == role)

    replace_member(pack, name, lambda data: flip_byte(data, len(data) // 2))

    checked = check_pack(pack, archive)
    assert not checked.ok
    # Offline, an edited checksum file only shows that it and the manifest disagree. The archive
    # recorded the manifest's digest, so it names which of the two was changed.
    named = {problem.name for problem in checked.report.problems + checked.archive.problems}
    assert name in named, (checked.report.problems, checked.archive.problems)


def test_build_pack_repeatable_after_archive_changes(saved_draft) -> None:  # type: ignore[no-untyped-def]
    archive, contract_id, draft_id = saved_draft
    first = build_pack(archive, draft_id, actor=SYSTEM)
    with archive.session() as session:
        # Later facts and an edit of a packed record must not change what the saved revision packs.
        record_service.create_record(session, contract_id, record_service.RecordInput(
            kind="payment", occurred_on=dt.date(2021, 6, 1), amount=Decimal("100.00"), currency="USD"), actor=SYSTEM)
        item = drafts.draft_items(session, draft_id)[0]
        drafts.update_item(session, item.id, {"name": "改过的名称"}, actor=SYSTEM)
    second = build_pack(archive, draft_id, actor=SYSTEM)

    assert second.blob_sha256 == first.blob_sha256
    assert second.manifest_sha256 == first.manifest_sha256
    assert second.id != first.id

    with archive.session() as session:
        drafts.save_draft(session, draft_id, actor=SYSTEM)
    third = build_pack(archive, draft_id, actor=SYSTEM)
    assert third.blob_sha256 != first.blob_sha256
    names = [name for name, _ in read_members_of(archive, third.blob_sha256)]
    assert "证据/1-1 改过的名称.pdf" in names


def test_build_pack_rejects_unsaved_draft(archive) -> None:  # type: ignore[no-untyped-def]
    base = ingest_path(archive, corpus_file(AMENDMENTS[0]), kind="contract", index=False)
    with archive.session() as session:
        draft = drafts.create_draft(session, case_name="未保存", contract_ids=[base.contract_id], actor=SYSTEM)
        draft_id = draft.id
    with pytest.raises(EvidenceDraftNotSavedError, match=f"draft {draft_id} has not been saved"):
        build_pack(archive, draft_id, actor=SYSTEM)
    with archive.session() as session:
        assert session.scalars(select(EvidencePack)).all() == []


def test_open_pack_returns_stored_bytes(saved_draft) -> None:  # type: ignore[no-untyped-def]
    archive, _contract_id, draft_id = saved_draft
    built = build_pack(archive, draft_id, actor=SYSTEM)
    again = get_pack(archive, built.id, actor=SYSTEM)
    with open_pack(archive, again, actor=SYSTEM) as stream:
        data = stream.read()

    assert hashlib.sha256(data).hexdigest() == built.blob_sha256
    assert len(data) == built.size
    with archive.session() as session:
        assert session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "evidence_pack")).all() == [
            "build", "download"]


def assert_index_shows_chinese(pdf: bytes, tmp_path: Path) -> None:
    """Render the index's first page to PNG and check with tesseract that it shows Chinese glyphs, not empty boxes."""
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract is not installed")
    image = tmp_path / "index.png"
    document = pypdfium2.PdfDocument(pdf)
    try:
        document[0].render(scale=3).to_pil().save(image)
    finally:
        document.close()
    result = subprocess.run(["tesseract", str(image), "-", "-l", "chi_sim"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    text = re.sub(r"\s+", "", result.stdout)
    for expected in ("证据目录", "合同及修订协议", "催告与争议", "证明目的"):
        assert expected in text, text


def pdf_texts(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [document[index].get_textpage().get_text_range() for index in range(len(document))]
    finally:
        document.close()


def read_members_of(archive, sha256: str) -> list[tuple[str, bytes]]:  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(io.BytesIO(archive.blobs.read_bytes(sha256))) as pack:
        return [(info.filename, pack.read(info)) for info in pack.infolist()]


def index_page_column(pdf: bytes) -> dict[str, str]:
    """Return the 页码 (pages) cell of each item label, read back from the table in the index PDF."""
    found: dict[str, str] = {}
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            for table in page.extract_tables():
                for row in table:
                    cells = [(cell or "").strip() for cell in row]
                    if cells and re.fullmatch(r"\d+-\d+", cells[0]):
                        found[cells[0]] = cells[-1]
    return found


def bundle_stamps(pdf: bytes) -> list[tuple[int, str]]:
    """Return (page number, item label) as stamped on each page of the bundle."""
    stamps = []
    document = pypdfium2.PdfDocument(pdf)
    try:
        for index in range(len(document)):
            text = document[index].get_textpage().get_text_range()
            labels = STAMP.findall(text)
            numbers = PAGE_STAMP.findall(text)
            stamps.append((int(numbers[-1]), labels[-1]))
    finally:
        document.close()
    return stamps


def test_manifest_records_the_saved_revision(saved_draft) -> None:  # type: ignore[no-untyped-def]
    archive, _contract_id, draft_id = saved_draft
    built = build_pack(archive, draft_id, actor=SYSTEM)
    manifest = json.loads(dict(read_members_of(archive, built.blob_sha256))[MANIFEST_NAME])
    with archive.session() as session:
        draft = session.get(EvidenceDraft, draft_id)
        assert manifest["pack"]["draft_revision"] == draft.revision
        assert draft.revision == 1
        assert manifest["audit_head"] == {"seq": draft.saved_event_seq, "event_hash": draft.saved_event_hash}
        assert manifest["pack"]["prepared_by"] == "system"


def test_consistency_check_accepts_pack_blob(saved_draft) -> None:  # type: ignore[no-untyped-def]
    archive, _contract_id, draft_id = saved_draft
    built = build_pack(archive, draft_id, actor=SYSTEM)

    report = check(archive, indexing=indexing)

    blob_findings = [f for f in report.findings if f.kind.startswith("blob_")]
    assert blob_findings == []
    assert report.blobs_verified >= 5  # the contract, two amendments, the letter and the pack
    assert archive.blobs.verify(built.blob_sha256)


def test_shared_clause_file_named_after_document(sqlite_archive, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base = ingest_path(sqlite_archive, corpus_file(BASE), kind="contract", index=False)
    with sqlite_archive.session() as session:
        clause = session.scalars(select(Clause).where(Clause.document_version_id == base.document_version_id,
                                                      Clause.page_start == 2)).first()
        draft = drafts.create_draft(session, case_name="条款在前", contract_ids=[base.contract_id], actor=SYSTEM)
        drafts.add_item(session, draft.id, drafts.ItemInput(source="clause", clause_id=clause.id, name="付款条款"),
                        actor=SYSTEM)
        drafts.add_item(session, draft.id, drafts.ItemInput(source="version", name="《服务协议》",
                                                            document_version_id=base.document_version_id),
                        actor=SYSTEM)
        drafts.save_draft(session, draft.id, actor=SYSTEM)
        draft_id = draft.id

    built = build_pack(sqlite_archive, draft_id, actor=SYSTEM)

    names = [name for name, _ in read_members_of(sqlite_archive, built.blob_sha256)]
    assert [name for name in names if name.startswith("证据/")] == ["证据/1-2 服务协议.pdf"]
    members = dict(read_members_of(sqlite_archive, built.blob_sha256))
    pages = index_page_column(members["证据目录.pdf"])
    assert pages["1-1"] == "1"  # the clause's own page, first in the bundle
    assert pages["1-2"] == "2-5"


ENCRYPTED = "en_oha-sample-contract_user-password-encrypted_pw-test123_watermark.pdf"


def test_pack_keeps_unreadable_pdf_out_of_bundle(sqlite_archive) -> None:  # type: ignore[no-untyped-def]
    base = ingest_path(sqlite_archive, corpus_file(BASE), kind="contract", index=False)
    locked = ingest_path(sqlite_archive, corpus_file(ENCRYPTED), contract_id=base.contract_id, index=False)
    with sqlite_archive.session() as session:
        other = create_contract(session, number="HT-OTHER", title="无关合同").id
        assert session.get(DocumentVersion, locked.document_version_id).state == "failed"
        draft = drafts.create_draft(session, case_name="加密文件", contract_ids=[base.contract_id, other],
                                    actor=SYSTEM)
        for name, version_id in (("服务协议", base.document_version_id), ("加密合同", locked.document_version_id)):
            drafts.add_item(session, draft.id, drafts.ItemInput(source="version", name=name,
                                                                document_version_id=version_id), actor=SYSTEM)
        drafts.save_draft(session, draft.id, actor=SYSTEM)
        draft_id = draft.id

    built = build_pack(sqlite_archive, draft_id, actor=SYSTEM)

    members = dict(read_members_of(sqlite_archive, built.blob_sha256))
    assert members["证据/1-2 加密合同.pdf"] == corpus_file(ENCRYPTED).read_bytes()
    pages = index_page_column(members["证据目录.pdf"])
    assert pages["1-1"] == "1-4"
    assert pages["1-2"] == "—"
    # Only the contract that items come from has its timeline and records in the pack.
    performance = [name for name in members if name.startswith("履约情况/")]
    assert len(performance) == 2
    assert not any("HT-OTHER" in name for name in performance)
