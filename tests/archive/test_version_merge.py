"""Making an upload the newest version of another document, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from archive.access import SYSTEM, Actor
from archive.context import Archive
from archive.errors import NotFoundError
from archive.models import (
    AuditEvent,
    Contract,
    DeletionRequest,
    Document,
    DocumentVersion,
    LegalHold,
    Obligation,
    PerformanceRecord,
    RecordAttachment,
)
from archive.services.version_merge import (
    MergeContractOnHoldError,
    MergeDeletionRequestedError,
    MergeDifferentContractsError,
    MergeKindMismatchError,
    MergeNotLatestError,
    MergeSameDocumentError,
    attach_as_new_version,
)
from tests.archive.test_version_candidates import PURCHASE_CLAUSES, add_document, new_contract


@pytest.fixture
def pair(archive: Archive) -> dict[str, int]:
    """A contract with a two-version contract document and a new upload of it as a document of its own."""
    with archive.session() as session:
        contract = new_contract(session)
        old_document, first = add_document(session, contract, kind="contract", filename="合同-v1.pdf",
                                           title="设备采购合同", clauses=PURCHASE_CLAUSES)
        _, second = add_document(session, contract, kind="contract", filename="合同-v2.pdf", title="设备采购合同",
                                 clauses=PURCHASE_CLAUSES, document_id=old_document)
        new_document, upload = add_document(session, contract, kind="contract", filename="合同-v3.pdf",
                                            title="设备采购合同", clauses=PURCHASE_CLAUSES[:3])
    return {"contract": contract, "target": old_document, "first": first, "second": second,
            "source": new_document, "upload": upload}


def merge(archive: Archive, ids: dict[str, int], **options):  # type: ignore[no-untyped-def]
    return attach_as_new_version(archive, version_id=ids["upload"], document_id=ids["target"],
                                 actor=options.pop("actor", SYSTEM), **options)


def test_merge_makes_newest_version(archive: Archive, pair: dict[str, int]) -> None:
    result = merge(archive, pair)

    with archive.session() as session:
        moved = session.get(DocumentVersion, pair["upload"])
        versions = session.scalars(select(DocumentVersion).where(DocumentVersion.document_id == pair["target"])
                                   .order_by(DocumentVersion.version_number)).all()
        source = session.get(Document, pair["source"])

    assert result.document_id == pair["target"]
    assert result.version_number == 3
    assert result.supersedes_id == pair["second"]
    assert result.source_document_removed
    assert moved.document_id == pair["target"]
    assert moved.version_number == 3
    assert moved.supersedes_id == pair["second"]
    assert moved.indexed_at is None
    assert [v.id for v in versions] == [pair["first"], pair["second"], pair["upload"]]
    assert source is None


def test_merge_keeps_old_versions_readable(archive: Archive, pair: dict[str, int]) -> None:
    with archive.session() as session:
        before = {v.id: (v.blob_sha256, v.filename, v.version_number) for v in session.scalars(select(DocumentVersion))}

    merge(archive, pair)

    with archive.session() as session:
        after = {v.id: (v.blob_sha256, v.filename, v.version_number) for v in session.scalars(select(DocumentVersion))}
    assert set(after) == set(before)
    assert after[pair["first"]] == before[pair["first"]]
    assert after[pair["second"]] == before[pair["second"]]
    assert after[pair["upload"]][:2] == before[pair["upload"]][:2]


def test_merge_recorded_in_audit(archive: Archive, pair: dict[str, int]) -> None:
    actor = Actor(user_id=None, username="legal-staff", role="legal")
    merge(archive, pair, actor=actor, client_address="127.0.0.1")

    with archive.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "version_merged")).one()

    assert event.actor == "legal-staff"
    assert event.object_type == "document_version"
    assert event.object_id == str(pair["upload"])
    assert event.summary["from"]["document_id"] == pair["source"]
    assert event.summary["to"] == {"document_id": pair["target"], "version_number": 3, "supersedes_id": pair["second"]}
    assert event.summary["source_document_removed"] is True


def test_obligations_and_records_follow(archive: Archive, pair: dict[str, int]) -> None:
    with archive.session() as session:
        obligation = Obligation(contract_id=pair["contract"], document_version_id=pair["upload"], kind="payment",
                                summary="首期款", created_by="test")
        record = PerformanceRecord(contract_id=pair["contract"], document_id=pair["source"],
                                   document_version_id=pair["upload"], kind="delivery",
                                   occurred_on=dt.date(2024, 5, 1), created_by="test")
        session.add_all([obligation, record])
        session.flush()
        session.add(RecordAttachment(record_id=record.id, document_id=pair["source"]))
        ids = (obligation.id, record.id)

    merge(archive, pair)

    with archive.session() as session:
        obligation = session.get(Obligation, ids[0])
        record = session.get(PerformanceRecord, ids[1])
        attachments = session.scalars(select(RecordAttachment.document_id).where(RecordAttachment.record_id == ids[1])).all()
    assert obligation.document_version_id == pair["upload"]
    assert obligation.contract_id == pair["contract"]
    assert record.document_id == pair["target"]
    assert record.document_version_id == pair["upload"]
    assert attachments == [pair["target"]]


def test_attachment_to_both_kept_once(archive: Archive, pair: dict[str, int]) -> None:
    with archive.session() as session:
        record = PerformanceRecord(contract_id=pair["contract"], kind="acceptance", occurred_on=dt.date(2024, 5, 1),
                                   created_by="test")
        session.add(record)
        session.flush()
        session.add_all([RecordAttachment(record_id=record.id, document_id=pair["source"]),
                         RecordAttachment(record_id=record.id, document_id=pair["target"])])
        record_id = record.id

    merge(archive, pair)

    with archive.session() as session:
        attachments = session.scalars(select(RecordAttachment.document_id).where(RecordAttachment.record_id == record_id)).all()
    assert attachments == [pair["target"]]


def test_same_document_rejected(archive: Archive, pair: dict[str, int]) -> None:
    with pytest.raises(MergeSameDocumentError) as raised:
        attach_as_new_version(archive, version_id=pair["second"], document_id=pair["target"], actor=SYSTEM)

    assert raised.value.status == 422


def test_different_contracts_rejected(archive: Archive, pair: dict[str, int]) -> None:
    with archive.session() as session:
        other = new_contract(session, number="HT-2024-002", title="运维服务合同")
        other_document, _ = add_document(session, other, kind="contract", filename="运维.pdf", title="运维服务合同")

    with pytest.raises(MergeDifferentContractsError) as raised:
        attach_as_new_version(archive, version_id=pair["upload"], document_id=other_document, actor=SYSTEM)

    assert raised.value.status == 422
    assert str(pair["contract"]) in str(raised.value)


def test_kind_mismatch_needs_force(archive: Archive, pair: dict[str, int]) -> None:
    with archive.session() as session:
        session.get(Document, pair["source"]).kind = "other"

    with pytest.raises(MergeKindMismatchError) as raised:
        merge(archive, pair)
    result = merge(archive, pair, force=True)

    assert raised.value.status == 409
    assert result.version_number == 3
    with archive.session() as session:
        assert session.get(Document, pair["target"]).kind == "contract"


def test_held_contract_rejected(archive: Archive, pair: dict[str, int]) -> None:
    with archive.session() as session:
        session.add(LegalHold(contract_id=pair["contract"], reason="诉讼", placed_by="admin"))

    with pytest.raises(MergeContractOnHoldError) as raised:
        merge(archive, pair)

    assert raised.value.status == 409
    with archive.session() as session:
        assert session.get(DocumentVersion, pair["upload"]).document_id == pair["source"]


def test_lifted_hold_allows_merge(archive: Archive, pair: dict[str, int]) -> None:
    with archive.session() as session:
        session.add(LegalHold(contract_id=pair["contract"], reason="诉讼", placed_by="admin",
                              lifted_by="admin", lifted_at=dt.datetime.now(dt.timezone.utc), lift_reason="和解"))

    assert merge(archive, pair).version_number == 3


@pytest.mark.parametrize("which", ["version", "document"])
def test_unknown_ids_not_found(archive: Archive, pair: dict[str, int], which: str) -> None:
    ids = {**pair, "upload" if which == "version" else "target": 987654}

    with pytest.raises(NotFoundError):
        merge(archive, ids)


def test_restricted_contract_not_found(archive: Archive, pair: dict[str, int]) -> None:
    with archive.session() as session:
        session.get(Contract, pair["contract"]).restricted = True
    outsider = Actor(user_id=424242, username="outsider", role="legal")

    with pytest.raises(NotFoundError):
        merge(archive, pair, actor=outsider)


def test_older_version_cannot_move(archive: Archive, pair: dict[str, int]) -> None:
    with pytest.raises(MergeNotLatestError):
        attach_as_new_version(archive, version_id=pair["first"], document_id=pair["source"], actor=SYSTEM)


def test_deletion_request_blocks_merge(archive: Archive, pair: dict[str, int]) -> None:
    with archive.session() as session:
        session.add(DeletionRequest(document_id=pair["source"], reason="重复上传", requested_by="legal"))

    with pytest.raises(MergeDeletionRequestedError):
        merge(archive, pair)
