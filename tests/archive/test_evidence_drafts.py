"""Evidence drafts: choosing, describing, ordering and grouping items, and saving pinned revisions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from archive.access import SYSTEM, Actor
from archive.errors import InvalidEvidenceDraftError, NotFoundError, RoleRequiredError
from archive.i18n import get_translations
from archive.models import AuditEvent, Clause, Contract, ContractAccess, EvidenceDraft
from archive.services import evidence_drafts as drafts
from archive.services import records as record_service
from archive.services.contracts import create_contract
from ingest.pipeline import ingest_path
from tests.conftest import corpus_file

BASE = "en_cuad_services-agreement_federated_base.pdf"
AMENDMENT = "en_cuad_services-agreement_federated_amendment1.pdf"
LEGAL = Actor(user_id=None, username="王律师", role="legal")
VIEWER = Actor(user_id=None, username="访客", role="viewer")


@pytest.fixture
def contract(archive):  # type: ignore[no-untyped-def]
    base = ingest_path(archive, corpus_file(BASE), kind="contract", index=False)
    amendment = ingest_path(archive, corpus_file(AMENDMENT), contract_id=base.contract_id, kind="amendment",
                            index=False)
    with archive.session() as session:
        clause_id = session.scalar(select(Clause.id).where(Clause.document_version_id == base.document_version_id)
                                   .order_by(Clause.ordinal).offset(2).limit(1))
    return archive, base.contract_id, base.document_version_id, amendment.document_version_id, clause_id


def new_draft(session, contract_id: int, **values):  # type: ignore[no-untyped-def]
    return drafts.create_draft(session, case_name=values.pop("case_name", "服务费纠纷"), contract_ids=[contract_id],
                               actor=values.pop("actor", LEGAL), **values)


def item(**values) -> drafts.ItemInput:  # type: ignore[no-untyped-def]
    return drafts.ItemInput(**{"source": "version", "name": "服务协议", **values})


def labels(session, draft_id: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(f"{i.group_number}-{n}", i.name) for i, n in drafts.numbered(drafts.draft_items(session, draft_id))]


def test_items_numbered_in_order_within_groups(contract) -> None:  # type: ignore[no-untyped-def]
    archive, contract_id, base_id, amendment_id, clause_id = contract
    with archive.session() as session:
        draft = new_draft(session, contract_id)
        a = drafts.add_item(session, draft.id, item(document_version_id=base_id), actor=LEGAL)
        b = drafts.add_item(session, draft.id, item(document_version_id=amendment_id, name="修订协议"), actor=LEGAL)
        c = drafts.add_item(session, draft.id, item(source="clause", clause_id=clause_id, name="付款条款",
                                                    group_number=2), actor=LEGAL)
        assert labels(session, draft.id) == [("1-1", "服务协议"), ("1-2", "修订协议"), ("2-1", "付款条款")]
        assert c.document_version_id == base_id  # add_item copies the clause's version to the item

        drafts.move_item(session, b.id, -1, actor=LEGAL)
        assert labels(session, draft.id) == [("1-1", "修订协议"), ("1-2", "服务协议"), ("2-1", "付款条款")]
        drafts.move_item(session, c.id, -1, actor=LEGAL)  # the first of its group stays where it is
        assert labels(session, draft.id)[2] == ("2-1", "付款条款")

        drafts.update_item(session, a.id, {"group_number": 2}, actor=LEGAL)
        assert labels(session, draft.id) == [("1-1", "修订协议"), ("2-1", "付款条款"), ("2-2", "服务协议")]

        drafts.arrange(session, draft.id, [(a.id, 1), (b.id, 1), (c.id, 3)], actor=LEGAL)
        assert labels(session, draft.id) == [("1-1", "服务协议"), ("1-2", "修订协议"), ("3-1", "付款条款")]

        drafts.remove_item(session, b.id, actor=LEGAL)
        assert labels(session, draft.id) == [("1-1", "服务协议"), ("3-1", "付款条款")]


@pytest.mark.parametrize(("change", "message"), [
    ({"name": "  "}, "every item needs a name"),
    ({"origin": "photocopy"}, "form must be one of: original, copy, electronic"),
    ({"group_number": 0}, "group 0 must be a whole number from 1 to 99"),
    ({"group_number": "二"}, "group 二 must be a whole number"),
    ({"purpose": "证" * 20_001}, "longer than 20,000 characters"),
    ({"document_version_id": 5}, "fields that cannot be changed: document_version_id"),
])
def test_update_item_rejects_invalid_changes(contract, change, message) -> None:  # type: ignore[no-untyped-def]
    archive, contract_id, base_id, _amendment_id, _clause_id = contract
    with archive.session() as session:
        draft = new_draft(session, contract_id)
        added = drafts.add_item(session, draft.id, item(document_version_id=base_id, purpose="证明合同关系"),
                                actor=LEGAL)
        ids = (draft.id, added.id)
    with pytest.raises(InvalidEvidenceDraftError, match=message), archive.session() as session:
        drafts.update_item(session, ids[1], change, actor=LEGAL)
    with archive.session() as session:
        assert labels(session, ids[0]) == [("1-1", "服务协议")]
        assert drafts.draft_items(session, ids[0])[0].purpose == "证明合同关系"


def test_add_item_rejects_invalid_sources(contract) -> None:  # type: ignore[no-untyped-def]
    archive, contract_id, base_id, _amendment_id, _clause_id = contract
    with archive.session() as session:
        other = create_contract(session, number="HT-OTHER", title="另一份合同").id
        record = record_service.create_record(session, other, record_service.RecordInput(
            kind="progress", occurred_on=dt.date(2024, 5, 1), summary="进度"), actor=SYSTEM)
        draft = new_draft(session, contract_id)
        with pytest.raises(InvalidEvidenceDraftError, match=f"record {record.id} does not belong"):
            drafts.add_item(session, draft.id, item(source="record", record_id=record.id), actor=LEGAL)
        with pytest.raises(InvalidEvidenceDraftError, match="version 999999 does not belong"):
            drafts.add_item(session, draft.id, item(document_version_id=999999), actor=LEGAL)
        with pytest.raises(InvalidEvidenceDraftError, match="source must be one of"):
            drafts.add_item(session, draft.id, item(source="email", document_version_id=base_id), actor=LEGAL)


def test_save_draft_records_revision_and_event(contract) -> None:  # type: ignore[no-untyped-def]
    archive, contract_id, base_id, _amendment_id, _clause_id = contract
    with archive.session() as session:
        draft = new_draft(session, contract_id, claimant="甲公司", respondent="乙公司")
        with pytest.raises(InvalidEvidenceDraftError, match="the draft has no items"):
            drafts.save_draft(session, draft.id, actor=LEGAL)
        added = drafts.add_item(session, draft.id, item(document_version_id=base_id), actor=LEGAL)
        drafts.save_draft(session, draft.id, actor=LEGAL)
        drafts.update_item(session, added.id, {"name": "改名"}, actor=LEGAL)
        draft_id = draft.id
    with archive.session() as session:
        draft = session.get(EvidenceDraft, draft_id)
        assert draft.revision == 1
        assert draft.dirty
        assert draft.saved_snapshot["items"][0]["name"] == "服务协议"  # the snapshot keeps it until the next save
        assert draft.saved_snapshot["claimant"] == "甲公司"
        event = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "evidence_draft",
                                                         AuditEvent.action == "save")).one()
        assert (event.seq, event.event_hash) == (draft.saved_event_seq, draft.saved_event_hash)
        assert event.summary["revision"] == 1
        assert len(event.summary["snapshot_sha256"]) == 64
        assert event.actor == "王律师"

        drafts.save_draft(session, draft_id, actor=LEGAL)
        assert draft.revision == 2
        assert not draft.dirty
        assert draft.saved_snapshot["items"][0]["name"] == "改名"


def test_header_validation(contract) -> None:  # type: ignore[no-untyped-def]
    archive, contract_id, _base_id, _amendment_id, _clause_id = contract
    with archive.session() as session:
        with pytest.raises(InvalidEvidenceDraftError, match="a case name is required"):
            new_draft(session, contract_id, case_name=" ")
        with pytest.raises(InvalidEvidenceDraftError, match="choose at least one contract"):
            drafts.create_draft(session, case_name="x", contract_ids=[], actor=LEGAL)
        draft = new_draft(session, contract_id)
        with pytest.raises(InvalidEvidenceDraftError, match="dispute must be one of"):
            drafts.update_draft(session, draft.id, {"dispute": "fraud"}, actor=LEGAL)
        drafts.update_draft(session, draft.id, {"group_titles": {"1": " 合同 ", "2": ""}}, actor=LEGAL)
        assert draft.group_titles == {"1": "合同"}


def test_draft_access_checks_role_and_restriction(contract) -> None:  # type: ignore[no-untyped-def]
    archive, contract_id, base_id, _amendment_id, _clause_id = contract
    with archive.session() as session:
        with pytest.raises(RoleRequiredError):
            new_draft(session, contract_id, actor=VIEWER)
        draft = new_draft(session, contract_id)
        draft_id = draft.id
        session.get(Contract, contract_id).restricted = True
    outsider = Actor(user_id=4242, username="外人", role="legal")
    with archive.session() as session:
        with pytest.raises(NotFoundError, match=f"Evidence draft {draft_id} was not found"):
            drafts.add_item(session, draft_id, item(document_version_id=base_id), actor=outsider)
        assert drafts.list_drafts(session, actor=outsider) == []
        assert [d.id for d in drafts.list_drafts(session, actor=SYSTEM)] == [draft_id]
        assert session.scalars(select(ContractAccess)).all() == []


@pytest.mark.parametrize(("pages", "message"), [
    ("abc", "the pages 'abc' are not a page list within the file's 4 pages"),
    ("5-2", "are not a page list within the file's 4 pages"),
    ("0", "are not a page list within the file's 4 pages"),
    ("1-999", "the pages '1-999' are not a page list within the file's 4 pages"),
    ("1，1，3", "page 1 is listed more than once in '1，1，3'"),
])
def test_item_pages_checked_against_file(contract, pages, message) -> None:  # type: ignore[no-untyped-def]
    archive, contract_id, base_id, _amendment_id, _clause_id = contract
    with archive.session() as session:
        draft = new_draft(session, contract_id)
        with pytest.raises(InvalidEvidenceDraftError, match=message):
            drafts.add_item(session, draft.id, item(document_version_id=base_id, pages=pages), actor=LEGAL)
        added = drafts.add_item(session, draft.id, item(document_version_id=base_id, pages="1，3-4"), actor=LEGAL)
        assert added.pages == "1，3-4"
        with pytest.raises(InvalidEvidenceDraftError, match=message):
            drafts.update_item(session, added.id, {"pages": pages}, actor=LEGAL)


def test_record_item_pages_limited_to_max_pages(contract) -> None:  # type: ignore[no-untyped-def]
    archive, contract_id, _base_id, _amendment_id, _clause_id = contract
    with archive.session() as session:
        record = record_service.create_record(session, contract_id, record_service.RecordInput(
            kind="progress", occurred_on=dt.date(2024, 5, 1), summary="进度"), actor=SYSTEM)
        draft = new_draft(session, contract_id)
        added = drafts.add_item(session, draft.id, item(source="record", record_id=record.id, pages="2-30"),
                                actor=LEGAL)
        assert added.pages == "2-30"
        with pytest.raises(InvalidEvidenceDraftError, match="are not a page list such as 1-3"):
            drafts.update_item(session, added.id, {"pages": "1-20000"}, actor=LEGAL)


def test_hidden_draft_item_not_found_by_id(contract) -> None:  # type: ignore[no-untyped-def]
    archive, contract_id, base_id, _amendment_id, _clause_id = contract
    with archive.session() as session:
        draft = new_draft(session, contract_id)
        added = drafts.add_item(session, draft.id, item(document_version_id=base_id), actor=LEGAL)
        session.get(Contract, contract_id).restricted = True
        ids = (draft.id, added.id)
    outsider = Actor(user_id=4242, username="外人", role="legal")
    with archive.session() as session, pytest.raises(NotFoundError) as raised:
        drafts.update_item(session, ids[1], {"name": "x"}, actor=outsider)
    assert str(raised.value) == f"Evidence item {ids[1]} was not found."


def test_add_contract_allows_its_sources(contract) -> None:  # type: ignore[no-untyped-def]
    archive, contract_id, _base_id, _amendment_id, _clause_id = contract
    with archive.session() as session:
        other = create_contract(session, number="HT-2", title="第二份合同").id
        record = record_service.create_record(session, other, record_service.RecordInput(
            kind="progress", occurred_on=dt.date(2024, 5, 1), summary="进度"), actor=SYSTEM)
        draft = new_draft(session, contract_id)
        with pytest.raises(InvalidEvidenceDraftError, match="does not belong"):
            drafts.add_item(session, draft.id, item(source="record", record_id=record.id), actor=LEGAL)
        drafts.add_contract(session, draft.id, other, actor=LEGAL)
        drafts.add_contract(session, draft.id, other, actor=LEGAL)
        drafts.add_item(session, draft.id, item(source="record", record_id=record.id), actor=LEGAL)
        assert drafts.draft_contract_ids(session, draft.id) == [contract_id, other]
        with pytest.raises(NotFoundError, match="Contract 999999 was not found"):
            drafts.add_contract(session, draft.id, 999999, actor=LEGAL)


def test_pages_of_a_word_file_are_rejected(contract) -> None:  # type: ignore[no-untyped-def]
    archive, contract_id, _base_id, _amendment_id, _clause_id = contract
    letter = ingest_path(archive, corpus_file("zh_junlian_payment-reminder_cuikuan-tongzhishu.docx"),
                         contract_id=contract_id, index=False)
    with archive.session() as session:
        draft = new_draft(session, contract_id)
        with pytest.raises(InvalidEvidenceDraftError, match="pages '1' can only be chosen in a PDF file"):
            drafts.add_item(session, draft.id, item(document_version_id=letter.document_version_id, pages="1"),
                            actor=LEGAL)
        added = drafts.add_item(session, draft.id, item(document_version_id=letter.document_version_id),
                                actor=LEGAL)
        assert added.pages is None


def test_draft_language_is_saved_with_the_revision(contract) -> None:  # type: ignore[no-untyped-def]
    archive, contract_id, base_id, _amendment_id, _clause_id = contract
    with archive.session() as session:
        draft = new_draft(session, contract_id, lang="en")
        drafts.add_item(session, draft.id, item(document_version_id=base_id), actor=LEGAL)
        with pytest.raises(InvalidEvidenceDraftError, match="language must be one of: zh_CN, en"):
            drafts.update_draft(session, draft.id, {"lang": "fr"}, actor=LEGAL)
        drafts.save_draft(session, draft.id, actor=LEGAL)
        assert draft.saved_snapshot["lang"] == "en"


def test_items_written_from_an_edited_record_are_flagged(contract) -> None:  # type: ignore[no-untyped-def]
    archive, contract_id, _base_id, _amendment_id, _clause_id = contract
    with archive.session() as session:
        record = record_service.create_record(session, contract_id, record_service.RecordInput(
            kind="payment", occurred_on=dt.date(2024, 5, 1), amount=Decimal("8000.00"), currency="CNY",
            summary="收款"), actor=SYSTEM)
        draft = new_draft(session, contract_id)
        added = drafts.add_item(session, draft.id, item(source="record", record_id=record.id,
                                                        name="付款记录（2024-05-01）"), actor=LEGAL)
        assert drafts.changed_records(session, draft.id) == {}

        record_service.update_record(session, record.id, {"amount": Decimal("7000.00")}, actor=SYSTEM)
        assert drafts.changed_records(session, draft.id) == {added.id: (1, 2)}

        drafts.update_item(session, added.id, {"purpose": "证明收到付款人民币7,000.00元"}, actor=LEGAL)
        assert drafts.changed_records(session, draft.id) == {}


def test_foreign_source_is_named_in_chinese(contract) -> None:  # type: ignore[no-untyped-def]
    archive, contract_id, _base_id, _amendment_id, _clause_id = contract
    with archive.session() as session:
        draft = new_draft(session, contract_id)
        with pytest.raises(InvalidEvidenceDraftError) as raised:
            drafts.add_item(session, draft.id, item(document_version_id=999999), actor=LEGAL)

    message = raised.value.localized(get_translations("zh_CN").gettext)

    assert "文件版本 999999 不属于该草稿所涉合同" in message
    assert "version" not in message
