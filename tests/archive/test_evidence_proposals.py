"""Proposed evidence drafts: the items, groups and wording chosen for each kind of dispute.

The contract is the equipment procurement contract of the corpus, signed on 20 January 2025.
It has a later version and a version that failed to read. Its other documents are a
supplementary agreement, an acceptance report, a payment reminder (催款函), a payment notice and
a deleted acceptance form. Its payment obligations come from clauses 7.1（1）, （3） and （4） of
the first version. The records run from February to November 2025. Obligation statuses are
computed for 1 December 2025, so no check depends on today's date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from sqlalchemy import select

from archive.access import SYSTEM, Actor
from archive.clause_citation import ancestors, cite_clause
from archive.errors import InvalidEvidenceDraftError, NotFoundError
from archive.i18n import get_translations
from archive.models import Clause, DocumentVersion, EvidenceDraft, EvidenceDraftContract, Obligation
from archive.services import obligations as obligation_service
from archive.services import records as record_service
from archive.services.contract_terms import update_terms
from archive.services.contracts import create_contract
from archive.services.deletions import decide, request_deletion
from archive.services.evidence_drafts import MAX_NAME, draft_items
from archive.services.evidence_proposals import propose_draft
from archive.services.fulfilment import refresh_obligations
from archive.services.restrictions import restrict_contract
from ingest.pipeline import ingest_path
from tests.conftest import corpus_file

D = dt.date
CONTRACT = "zh_wole_equipment-procurement-contract_placeholders.docx"
AMENDMENT = "zh_wole_supplementary-agreement_buchong-xieyi.docx"
ACCEPTANCE_REPORT = "zh_swun_project-acceptance-report_tables.docx"
PAYMENT_REMINDER = "zh_junlian_payment-reminder_cuikuan-tongzhishu.docx"
PAYMENT_NOTICE = "mixed_junlian_payment-notice_fukuan-tongzhidan.docx"
DELETED_FORM = "zh_hust_equipment-acceptance-form_template_merged-cells.docx"
UNREADABLE_PDF = "en_oha-sample-contract_user-password-encrypted_pw-test123_watermark.pdf"
COUNTERPARTY = "浙江沃乐科技股份有限公司"
STATUS_DAY = D(2025, 12, 1)
ZH = get_translations("zh_CN")
EN = get_translations("en")


@dataclass
class Case:
    archive: object
    contract_id: int
    contract_document: int
    current_version: int
    first_version: int
    amendment_version: int
    documents: dict[str, int]
    records: dict[str, int]


@dataclass(frozen=True)
class Row:
    group: int
    source: str
    version: int | None
    clause: int | None
    record: int | None
    name: str
    origin: str
    issuer: str
    purpose: str
    pages: str | None


def ingest(archive, path: Path, contract_id: int, kind: str,  # type: ignore[no-untyped-def]
           **options) -> tuple[int, int]:
    result = ingest_path(archive, path, contract_id=contract_id, kind=kind, index=False, **options)
    assert result.document_id is not None, result
    return result.document_id, result.document_version_id


def signed_copy(tmp_path: Path) -> Path:
    """Return the contract with one line added, as a second upload of it would differ."""
    document = docx.Document(str(corpus_file(CONTRACT)))
    document.add_paragraph("（本版本为双方盖章版本）")
    path = tmp_path / "通用设备采购合同-盖章版.docx"
    document.save(str(path))
    return path


def confirm(session, contract_id: int, version_id: int, summary: str,  # type: ignore[no-untyped-def]
            amount: str, due_on: str) -> int:
    suggestion = session.scalars(select(Obligation).where(
        Obligation.contract_id == contract_id, Obligation.summary == summary,
        Obligation.clause_id.in_(select(Clause.id).where(Clause.document_version_id == version_id)))).one()
    obligation_service.review_obligation(session, suggestion.id, decision="confirm", actor=SYSTEM,
                                         changes={"amount": amount, "due_rule": {"on": due_on}})
    return suggestion.id


def add(session, contract_id: int, kind: str, day: dt.date, **values) -> int:  # type: ignore[no-untyped-def]
    record = record_service.create_record(
        session, contract_id, record_service.RecordInput(kind=kind, occurred_on=day, **values), actor=SYSTEM)
    return record.id


@pytest.fixture
def case(archive, tmp_path: Path) -> Case:  # type: ignore[no-untyped-def]
    with archive.session() as session:
        contract_id = create_contract(session, number="HT-2025-017", title="通用设备采购合同").id
        update_terms(session, contract_id, {"signed_on": "2025-01-20", "total_amount": "1000000", "currency": "CNY",
                                            "counterparty": COUNTERPARTY}, actor=SYSTEM)

    contract_document, first_version = ingest(archive, corpus_file(CONTRACT), contract_id, "contract")
    _, current_version = ingest(archive, signed_copy(tmp_path), contract_id, "contract",
                                new_version_of=contract_document)
    unreadable = ingest_path(archive, corpus_file(UNREADABLE_PDF), contract_id=contract_id,
                             new_version_of=contract_document, index=False)
    assert unreadable.status == "failed", unreadable
    _, amendment_version = ingest(archive, corpus_file(AMENDMENT), contract_id, "amendment")
    documents = {
        "report": ingest(archive, corpus_file(ACCEPTANCE_REPORT), contract_id, "acceptance_report")[0],
        "reminder": ingest(archive, corpus_file(PAYMENT_REMINDER), contract_id, "correspondence")[0],
        "notice": ingest(archive, corpus_file(PAYMENT_NOTICE), contract_id, "payment_proof")[0],
        "deleted": ingest(archive, corpus_file(DELETED_FORM), contract_id, "acceptance_report")[0],
    }

    with archive.session() as session:
        request = request_deletion(session, SYSTEM, documents["deleted"], reason="误传的空白验收单模板")
        decide(session, SYSTEM, request.id, approve=True)

        confirm(session, contract_id, first_version, "预付款", "300000", "2025-02-14")
        confirm(session, contract_id, first_version, "到货款", "300000", "2025-07-31")
        confirm(session, contract_id, first_version, "验收款", "300000", "2025-10-31")
        obligation_service.create_obligation(session, contract_id, {
            "summary": "交付全部设备", "kind": "delivery", "debtor": "us", "due_rule": {"on": "2025-06-30"}},
            actor=SYSTEM)

        records = {
            "advance": add(session, contract_id, "payment", D(2025, 2, 12), amount=Decimal("300000")),
            "delivery": add(session, contract_id, "delivery", D(2025, 7, 5), summary="设备全部到货"),
            "failed": add(session, contract_id, "quality_inspection", D(2025, 7, 8), status="failed",
                          summary="两台设备外观破损"),
            "complaint": add(session, contract_id, "complaint", D(2025, 7, 9), summary="客户投诉设备破损"),
            "passed": add(session, contract_id, "quality_inspection", D(2025, 7, 20), status="passed",
                          summary="更换后复检合格"),
            "acceptance": add(session, contract_id, "acceptance", D(2025, 8, 1), status="passed",
                              attachments=(documents["report"],)),
            "call": add(session, contract_id, "communication", D(2025, 9, 1), summary="电话沟通到货款支付安排",
                        detail={"channel": "phone"}),
            "meeting": add(session, contract_id, "communication", D(2025, 9, 5), summary="讨论二期项目排期",
                           detail={"channel": "meeting"}),
            "partial": add(session, contract_id, "payment", D(2025, 10, 20), amount=Decimal("100000")),
            "demand": add(session, contract_id, "communication", D(2025, 11, 10), demand=True, summary="发出催款函",
                          detail={"channel": "letter"}, attachments=(documents["reminder"],)),
            "termination": add(session, contract_id, "termination", D(2025, 11, 20), summary="客户书面通知解除合同"),
        }
        # The record services compute statuses for today, so compute them again for a fixed day.
        refresh_obligations(session, contract_id, today=STATUS_DAY)
    return Case(archive, contract_id, contract_document, current_version, first_version, amendment_version,
                documents, records)


def propose(case: Case, dispute: str, translations=ZH,  # type: ignore[no-untyped-def]
            actor: Actor = SYSTEM) -> tuple[EvidenceDraft, list[Row]]:
    with case.archive.session() as session:
        draft = propose_draft(session, contract_ids=[case.contract_id], dispute=dispute, actor=actor,
                              translations=translations)
        rows = [Row(i.group_number, i.source, i.document_version_id, i.clause_id, i.record_id, i.name, i.origin,
                    i.issuer, i.purpose, i.pages) for i in draft_items(session, draft.id)]
        session.expunge(draft)
    return draft, rows


def in_group(rows: list[Row], group: int) -> list[Row]:
    return [row for row in rows if row.group == group]


def clause_numbers(case: Case, rows: list[Row]) -> list[str]:
    with case.archive.session() as session:
        return [session.get(Clause, row.clause).number for row in rows if row.clause is not None]


def version_ids(case: Case, document_key: str) -> set[int]:
    with case.archive.session() as session:
        return set(session.scalars(select(DocumentVersion.id).where(
            DocumentVersion.document_id == case.documents[document_key])))


def test_unpaid_price_header_and_groups(case: Case) -> None:
    draft, rows = propose(case, "unpaid_price")
    assert draft.case_name == "关于《通用设备采购合同》的拖欠货款纠纷"
    assert draft.dispute == "unpaid_price"
    assert draft.claimant == ""
    assert draft.respondent == COUNTERPARTY
    assert draft.group_titles == {"1": "合同及补充协议", "2": "履行情况", "3": "付款及催款"}
    assert draft.revision == 0
    assert draft.saved_snapshot is None
    assert sorted({row.group for row in rows}) == [1, 2, 3]


def test_unpaid_price_contract_group(case: Case) -> None:
    _, rows = propose(case, "unpaid_price")
    contract, payment_clause, amendment, amendment_clause = in_group(rows, 1)

    assert (contract.source, contract.version) == ("version", case.current_version)
    assert contract.name == "《通用设备采购合同》"
    assert (contract.origin, contract.issuer) == ("copy", f"我方与{COUNTERPARTY}")
    assert contract.purpose.startswith(f"证明我方与{COUNTERPARTY}于2025-01-20签订本合同，双方之间存在合同关系。")
    assert "合同第7.1条第（1）项、第7.1条第（3）项、第7.1条第（4）项约定了合同价款及付款期限和方式。" in contract.purpose

    # The obligations' sub-items roll up into the section that contains them.
    assert payment_clause.source == "clause"
    assert clause_numbers(case, [payment_clause]) == ["七、"]
    assert payment_clause.name == "《通用设备采购合同》第七条 付款期限与方式"
    assert payment_clause.purpose == "证明双方约定的合同价款及付款期限和方式。"
    assert payment_clause.pages is None  # DOCX files have no pages

    assert (amendment.source, amendment.version) == ("version", case.amendment_version)
    assert amendment.purpose.startswith("证明双方对合同进行了补充或变更")
    # The supplementary agreement's own payment term, cited as a term of the agreement.
    assert amendment.purpose.endswith("补充协议第二条第1.2项约定了合同价款及付款期限和方式。")
    assert (amendment_clause.source, amendment_clause.name) == ("clause", "《合同补充协议书》第二条第1.2项 付款方式：同主合同。")


def test_unpaid_price_performance_group(case: Case) -> None:
    _, rows = propose(case, "unpaid_price")
    performance = in_group(rows, 2)
    assert [row.record for row in performance] == [case.records["delivery"], case.records["acceptance"]]
    delivery, acceptance = performance
    assert delivery.name == "交付记录（2025-07-05）"
    # The delivery met the obligation due on 30 June late, and the purpose states the delay.
    assert delivery.purpose == "证明已于2025-07-05交付（晚于约定的2025-06-30）。具体情况：设备全部到货"
    assert (delivery.origin, delivery.issuer) == ("electronic", "我方")
    assert acceptance.purpose == "证明标的于2025-08-01验收合格。"
    # The acceptance record brings the attached report, so the report is not listed twice.
    assert not any(row.version in version_ids(case, "report") for row in rows)


def test_unpaid_price_payment_group(case: Case) -> None:
    _, rows = propose(case, "unpaid_price")
    payments = in_group(rows, 3)
    records = [row.record for row in payments if row.source == "record"]
    assert records == [case.records[k] for k in ("advance", "call", "partial", "demand")]
    by_record = {row.record: row for row in payments}
    assert by_record[case.records["advance"]].purpose == "证明于2025-02-12收到付款人民币300,000.00元。"
    demand = by_record[case.records["demand"]]
    assert demand.name == "书面催告函（2025-11-10）"
    assert "诉讼时效因此中断" in demand.purpose
    assert "通过电话沟通" in by_record[case.records["call"]].purpose
    # A meeting about other business does not prove the debt.
    assert case.records["meeting"] not in by_record

    notice = [row for row in payments if row.source == "version"]
    assert [row.version for row in notice] == [max(version_ids(case, "notice"))]
    # 君联大厦缴费付款通知单 requests payment, so it proves the demand, not a payment.
    assert notice[0].purpose == "证明已向对方催收合同项下的款项。"

    overdue = [row for row in payments if row.source == "clause"]
    assert clause_numbers(case, overdue) == ["（3）", "（4）"]
    # The partial payment of 20 October went to the earliest due instalment.
    assert overdue[0].purpose == "证明到货款人民币300,000.00元已于2025-07-31到期，尚有人民币200,000.00元未付。"
    assert overdue[1].purpose == "证明验收款人民币300,000.00元已于2025-10-31到期，尚有人民币300,000.00元未付。"
    assert overdue[0].name.startswith("《通用设备采购合同》第7.1条第（3）项 到货款")


def test_clauses_come_from_the_newest_version(case: Case) -> None:
    _, rows = propose(case, "unpaid_price")
    with case.archive.session() as session:
        clause_versions = {session.get(Clause, row.clause).document_version_id for row in rows if row.clause}
    assert clause_versions == {case.current_version, case.amendment_version}
    assert case.first_version not in {row.version for row in rows}


def test_deleted_documents_are_left_out(case: Case) -> None:
    deleted = version_ids(case, "deleted")
    for dispute in ("unpaid_price", "late_delivery", "quality_defect", "wrongful_termination", "other"):
        _, rows = propose(case, dispute)
        assert not any(row.version in deleted for row in rows), dispute


def test_late_delivery(case: Case) -> None:
    draft, rows = propose(case, "late_delivery")
    assert draft.case_name == "关于《通用设备采购合同》的逾期交货纠纷"
    assert draft.group_titles["2"] == "交货及验收情况"

    contract, delivery_clause, _amendment, amendment_clause = in_group(rows, 1)
    assert clause_numbers(case, [delivery_clause]) == ["二、"]
    assert amendment_clause.name == "《合同补充协议书》第二条第1.1项 供货时间：年月日。"
    assert delivery_clause.purpose == "证明双方约定的交货时间、地点和方式。"
    assert "合同第二条约定了交货时间、地点和方式。" in contract.purpose

    delivery, acceptance = in_group(rows, 2)
    assert delivery.record == case.records["delivery"]
    assert "交付全部设备约定于2025-06-30前完成，实际于2025-07-05完成，逾期5天。" in delivery.purpose
    assert acceptance.record == case.records["acceptance"]

    letters = in_group(rows, 3)
    assert [row.record for row in letters if row.source == "record"] == [
        case.records[k] for k in ("complaint", "call", "meeting", "demand")]
    assert not any(row.record in (case.records["advance"], case.records["partial"]) for row in rows)


def test_quality_defect(case: Case) -> None:
    draft, rows = propose(case, "quality_defect")
    assert draft.group_titles == {"1": "合同及补充协议", "2": "质量检验及验收", "3": "投诉及往来函件"}
    clauses = [row for row in in_group(rows, 1) if row.source == "clause"]
    assert clause_numbers(case, clauses) == ["四、", "五、", "六、"]
    assert all(row.purpose == "证明双方约定的质量标准及验收程序。" for row in clauses)

    inspections = in_group(rows, 2)
    assert [row.record for row in inspections] == [case.records[k] for k in ("failed", "passed", "acceptance")]
    assert inspections[0].purpose == "证明2025-07-08的质量检查不合格，发现质量问题。具体情况：两台设备外观破损"
    assert inspections[0].name == "质量检查记录（2025-07-08）"

    complaints = in_group(rows, 3)
    assert complaints[0].record == case.records["complaint"]
    assert complaints[0].purpose == "证明2025-07-09提出投诉的情况。具体情况：客户投诉设备破损"
    assert not any(row.record == case.records["delivery"] for row in rows)


def test_wrongful_termination(case: Case) -> None:
    draft, rows = propose(case, "wrongful_termination")
    assert draft.group_titles["4"] == "付款情况"
    contract = in_group(rows, 1)[0]
    clauses = [row for row in in_group(rows, 1) if row.source == "clause"]
    # The termination rights (force majeure, and ending the purchase before shipment) and the
    # liability section; the confidentiality duty that survives termination is left out.
    assert clause_numbers(case, clauses) == ["九、", "11.3", "13.1"]
    assert [row.purpose for row in clauses] == [
        "证明双方约定的违约责任。", "证明双方约定的合同解除条件及程序。", "证明双方约定的合同解除条件及程序。"]
    assert contract.purpose.endswith(
        "合同第11.3条、第13.1条约定了合同解除的条件及程序。合同第九条约定了违约责任。")

    performed = [row.record for row in in_group(rows, 2)]
    assert performed == [case.records[k] for k in ("delivery", "passed", "acceptance")]
    # The failed inspection does not show that we performed.
    assert case.records["failed"] not in {row.record for row in rows}
    termination = [row for row in in_group(rows, 3) if row.record == case.records["termination"]]
    assert termination[0].purpose == "证明合同于2025-11-20终止或结算的情况。具体情况：客户书面通知解除合同"
    assert [row.record for row in in_group(rows, 4) if row.source == "record"] == [
        case.records["advance"], case.records["partial"]]


def test_other_dispute_has_contracts_only(case: Case) -> None:
    draft, rows = propose(case, "other")
    assert draft.case_name == "关于《通用设备采购合同》的合同纠纷"
    assert draft.group_titles == {"1": "合同及补充协议"}
    assert [(row.group, row.source, row.version) for row in rows] == [
        (1, "version", case.current_version), (1, "version", case.amendment_version)]
    assert rows[0].purpose == f"证明我方与{COUNTERPARTY}于2025-01-20签订本合同，双方之间存在合同关系。"


def test_english_wording(case: Case) -> None:
    draft, rows = propose(case, "unpaid_price", translations=EN)
    assert draft.case_name == "Unpaid price dispute concerning “通用设备采购合同”"
    assert draft.group_titles == {"1": "Contract and amendments", "2": "Performance", "3": "Payment and demands"}
    contract = rows[0]
    assert contract.name == "“通用设备采购合同”"
    assert contract.issuer == f"Us and {COUNTERPARTY}"
    assert contract.purpose.startswith(f"Proves that we and {COUNTERPARTY} signed this contract on 2025-01-20, ")
    assert "in Article 7.1(1), Article 7.1(3), Article 7.1(4)." in contract.purpose
    overdue = [row for row in in_group(rows, 3) if row.source == "clause"]
    assert overdue[0].purpose == ("Proves that 到货款 of CNY 300,000.00 fell due on 2025-07-31 "
                                  "and CNY 200,000.00 of it is unpaid.")
    assert not any("证明" in row.purpose for row in rows)


def test_draft_is_created_unsaved_with_its_contract(case: Case) -> None:
    draft, _ = propose(case, "late_delivery")
    with case.archive.session() as session:
        stored = session.get(EvidenceDraft, draft.id)
        contracts = session.scalars(select(EvidenceDraftContract.contract_id)
                                   .where(EvidenceDraftContract.draft_id == draft.id)).all()
        assert (stored.revision, stored.saved_at, stored.dirty) == (0, None, True)
    assert contracts == [case.contract_id]


def test_hidden_contract_raises_not_found(case: Case) -> None:
    with case.archive.session() as session:
        restrict_contract(session, SYSTEM, case.contract_id, usernames=[], group_names=[])
    outsider = Actor(user_id=None, username="legal-user", role="legal")
    with pytest.raises(NotFoundError):
        propose(case, "unpaid_price", actor=outsider)
    with case.archive.session() as session:
        assert session.scalars(select(EvidenceDraft)).all() == []


def test_unknown_dispute_is_rejected(case: Case) -> None:
    with pytest.raises(InvalidEvidenceDraftError):
        propose(case, "breach_of_warranty")


def test_two_contracts_share_one_draft(case: Case) -> None:
    with case.archive.session() as session:
        second = create_contract(session, number="HT-2025-018", title="设备维保合同").id
        update_terms(session, second, {"counterparty": "杭州示例维保有限公司"}, actor=SYSTEM)
        draft = propose_draft(session, contract_ids=[case.contract_id, second], dispute="other", actor=SYSTEM,
                              translations=ZH)
        case_name, respondent = draft.case_name, draft.respondent
    assert case_name == "关于《通用设备采购合同》等合同的合同纠纷"
    assert respondent == f"{COUNTERPARTY}、杭州示例维保有限公司"


# Real contracts of the corpus, each proposed for every dispute. The expected citations name the
# clause's whole number path (第八条第2项, never the sub-item's own 第2条) and the chosen clauses
# are those whose heading names the dispute's subject.
OFFICE = "zh_office-equipment-procurement-contract_original.pdf"
TRAINING = "zh_beijing_training-service-model_bf-2021-2730.pdf"
TECH_SERVICE = "zh_most_tech-service-contract_model-text_jishu-fuwu.docx"
CONSULTING = "zh_gf-2024-2612_whole-process-consulting-model_auto-numbering.docx"
FEDERATED = ("en_cuad_services-agreement_federated_base.pdf", "en_cuad_services-agreement_federated_amendment1.pdf",
             "en_cuad_services-agreement_federated_amendment2.pdf")
GENERAL, SPECIAL = "第二部分（通用合同条款）", "第三部分（专用合同条款）"


def ingest_contract(archive, names: tuple[str, ...]) -> int:  # type: ignore[no-untyped-def]
    """Ingest the corpus files `names` as one contract followed by its amendments; return the contract id."""
    with archive.session() as session:
        contract_id = create_contract(session, number="HT-CORPUS", title="").id
    for index, name in enumerate(names):
        ingest(archive, corpus_file(name), contract_id, "contract" if index == 0 else "amendment")
    return contract_id


def propose_for(archive, contract_id: int, dispute: str,  # type: ignore[no-untyped-def]
                translations=ZH) -> list[Row]:
    with archive.session() as session:
        draft = propose_draft(session, contract_ids=[contract_id], dispute=dispute, actor=SYSTEM,
                              translations=translations)
        return [Row(i.group_number, i.source, i.document_version_id, i.clause_id, i.record_id, i.name, i.origin,
                    i.issuer, i.purpose, i.pages) for i in draft_items(session, draft.id)]


def clause_names(rows: list[Row]) -> list[str]:
    return [row.name for row in rows if row.source == "clause"]


def test_office_contract_citations(sqlite_archive) -> None:  # type: ignore[no-untyped-def]
    office = ingest_contract(sqlite_archive, (OFFICE,))
    title = "《电脑及办公设备采购合同》"
    rows = propose_for(sqlite_archive, office, "late_delivery")
    # 四、供货期限 and the delivery place and manner under 一、, not 八、双方责任 2.乙方.
    assert rows[0].purpose.endswith("合同第一条第2项、第一条第3项、第四条约定了交货时间、地点和方式。")
    assert clause_names(rows) == [f"{title}第一条第2项 送货地点：山西省太原市小店区五羊新城广场 13 楼",
                                  f"{title}第一条第3项 送货方式：由乙方承担此次采购产生的所有运输费用…",
                                  f"{title}第四条 供货期限"]

    rows = propose_for(sqlite_archive, office, "unpaid_price")
    assert rows[0].purpose.endswith("合同第七条约定了合同价款及付款期限和方式。")
    assert clause_names(rows) == [f"{title}第七条 付款方式"]

    rows = propose_for(sqlite_archive, office, "quality_defect")
    assert rows[0].purpose.endswith("合同第五条、第六条约定了质量标准及验收程序。")

    rows = propose_for(sqlite_archive, office, "wrongful_termination")
    # 九、其它事宜 1. contains the right to terminate for late payment, 2. the liability for breach.
    assert rows[0].purpose.endswith("合同第九条第1项约定了合同解除的条件及程序。合同第九条第2项约定了违约责任。")
    assert [row.name.split(" ")[0] for row in rows if row.source == "clause"] == [
        f"{title}第九条第1项", f"{title}第九条第2项"]
    assert [row.purpose for row in rows if row.source == "clause"] == [
        "证明双方约定的合同解除条件及程序。", "证明双方约定的违约责任。"]


def test_office_contract_english_citations(sqlite_archive) -> None:  # type: ignore[no-untyped-def]
    office = ingest_contract(sqlite_archive, (OFFICE,))
    rows = propose_for(sqlite_archive, office, "late_delivery", translations=EN)
    assert rows[0].purpose.endswith(
        "The contract sets out the time, place and manner of delivery in Article 1(2), Article 1(3), Article 4.")
    rows = propose_for(sqlite_archive, office, "wrongful_termination", translations=EN)
    assert rows[0].purpose.endswith("in Article 9(1). The contract sets out the liability for breach of contract "
                                    "in Article 9(2).")


def test_training_model_citations(sqlite_archive) -> None:  # type: ignore[no-untyped-def]
    training = ingest_contract(sqlite_archive, (TRAINING,))
    expected = {
        "unpaid_price": "合同第二条约定了合同价款及付款期限和方式。",
        "late_delivery": "合同第一条第（三）项约定了履行期限及进度安排。",
        "wrongful_termination": "合同第五条第（一）项、第五条第（二）项约定了合同解除的条件及程序。合同第六条约定了违约责任。",
    }
    for dispute, citation in expected.items():
        rows = propose_for(sqlite_archive, training, dispute)
        assert rows[0].purpose.endswith(citation), dispute
    # The usage notes numbered 一、 before 第一条 are no contract terms and are never cited.
    for dispute in ("unpaid_price", "late_delivery", "quality_defect", "wrongful_termination"):
        rows = propose_for(sqlite_archive, training, dispute)
        assert all(re.search(r"》第[一二三四五六七八九十]+条", name) for name in clause_names(rows)), dispute


def test_tech_service_model_citations(sqlite_archive) -> None:  # type: ignore[no-untyped-def]
    service = ingest_contract(sqlite_archive, (TECH_SERVICE,))
    expected = {
        "unpaid_price": "合同第四条约定了合同价款及付款期限和方式。",
        # 技术服务期限 and 技术服务进度, not 5．技术服务质量期限要求.
        "late_delivery": "合同第二条第2项、第二条第3项约定了履行期限及进度安排。",
        "quality_defect": "合同第二条第4项、第二条第5项、第七条约定了质量标准及验收程序。",
        "wrongful_termination": "合同第十一条约定了合同解除的条件及程序。合同第九条约定了违约责任。",
    }
    for dispute, citation in expected.items():
        rows = propose_for(sqlite_archive, service, dispute)
        assert rows[0].purpose.endswith(citation), dispute


def test_consulting_model_names_the_part(sqlite_archive) -> None:  # type: ignore[no-untyped-def]
    consulting = ingest_contract(sqlite_archive, (CONSULTING,))
    # The general and the special conditions both have a 第6条, so the part is named with it.
    expected = {
        "unpaid_price": f"合同{GENERAL}第6条、{SPECIAL}第6条、附件2约定了合同价款及付款期限和方式。",
        "late_delivery": f"合同{GENERAL}第4.3条约定了交货时间、地点和方式。"
                         "合同第一部分（合同协议书）第五条、附件3约定了履行期限及进度安排。",
        "quality_defect": f"合同{GENERAL}第1.4条、{GENERAL}第4.2条、{SPECIAL}第1.4条约定了质量标准及验收程序。",
        "wrongful_termination": f"合同{GENERAL}第12条、{SPECIAL}第12条约定了合同解除的条件及程序。"
                                f"合同{GENERAL}第11条约定了违约责任。",
    }
    for dispute, citation in expected.items():
        rows = propose_for(sqlite_archive, consulting, dispute)
        assert rows[0].purpose.endswith(citation), dispute
    rows = propose_for(sqlite_archive, consulting, "unpaid_price", translations=EN)
    assert rows[0].purpose.endswith("in Article 6 of Part 2, Article 6 of Part 3, Annex 2.")


def test_federated_agreement_family(sqlite_archive) -> None:  # type: ignore[no-untyped-def]
    federated = ingest_contract(sqlite_archive, FEDERATED)
    rows = propose_for(sqlite_archive, federated, "unpaid_price", translations=EN)
    assert rows[0].purpose.endswith("The contract sets out the price and payment terms in Section 2, Exhibit B.")
    assert clause_names(rows) == ["“SERVICES AGREEMENT”, Section 2 Fees",
                                  "“SERVICES AGREEMENT”, Exhibit B CALCULATION AND PAYMENT OF SERVICES FEES"]

    rows = propose_for(sqlite_archive, federated, "wrongful_termination", translations=EN)
    assert rows[0].purpose.endswith("The contract sets out the conditions and procedure for terminating it in Section 5.")
    rows = propose_for(sqlite_archive, federated, "wrongful_termination")
    assert rows[0].purpose.endswith("合同第5条约定了合同解除的条件及程序。")

    # No clause is about delivery: "execution and delivery" in 2. Miscellaneous of the amendments
    # is their signing.
    for translations in (ZH, EN):
        rows = propose_for(sqlite_archive, federated, "late_delivery", translations=translations)
        assert clause_names(rows) == []
        assert [row.purpose for row in rows[1:]] == [_amendment_purpose(translations)] * 2
    rows = propose_for(sqlite_archive, federated, "quality_defect")
    assert clause_names(rows) == []


def _amendment_purpose(translations) -> str:  # type: ignore[no-untyped-def]
    return translations.gettext(
        "Proves that the parties amended or supplemented the contract; the amendment forms part of it.")


# Follow-ups from a litigation lawyer's review of proposals on the corpus contracts.
LEASE = ("zh_guangzhou_housing-lease-model_sf-2017-0601.pdf", "zh_junlian_lease-termination_supplementary-agreement.docx")
ACCEPTANCE_FORM = "zh_hust_equipment-acceptance-form_template_merged-cells.docx"
FAMILIES = {"lease": LEASE, "training": (TRAINING,), "tech_service": (TECH_SERVICE,), "office": (OFFICE,),
            "federated": FEDERATED}
DISPUTES = ("unpaid_price", "late_delivery", "quality_defect", "wrongful_termination")


def propose_header(archive, contract_id: int, dispute: str,  # type: ignore[no-untyped-def]
                   translations=ZH) -> tuple[str, dict[str, str]]:
    with archive.session() as session:
        draft = propose_draft(session, contract_ids=[contract_id], dispute=dispute, actor=SYSTEM,
                              translations=translations)
        return draft.case_name, dict(draft.group_titles)


def test_lease_rent_clause_is_the_price(sqlite_archive) -> None:  # type: ignore[no-untyped-def]
    lease = ingest_contract(sqlite_archive, LEASE)
    rows = propose_for(sqlite_archive, lease, "unpaid_price")
    # 第四条 and 附表2 are utilities and service charges, not the rent.
    assert clause_names(rows) == ["《广州市住房租赁合同》第二条 租赁期限、租金及押金"]
    assert rows[0].purpose.endswith("合同第二条约定了租金、押金及支付方式。")
    assert rows[1].purpose == "证明双方约定的租金、押金及支付方式。"

    rows = propose_for(sqlite_archive, lease, "unpaid_price", translations=EN)
    assert rows[0].purpose.endswith("The contract sets out the rent, deposit and payment terms in Article 2.")


def test_non_lease_payment_clauses_unchanged(sqlite_archive) -> None:  # type: ignore[no-untyped-def]
    federated = ingest_contract(sqlite_archive, FEDERATED)
    rows = propose_for(sqlite_archive, federated, "unpaid_price")
    # Fees are the price of a services agreement, so they stay its payment clauses.
    assert rows[0].purpose.endswith("合同第2条、附件B约定了合同价款及付款期限和方式。")


@pytest.mark.parametrize(("family", "unpaid", "quality", "late"), [
    ("lease", "拖欠租金纠纷", "房屋租赁合同纠纷", "逾期交付租赁物纠纷"),
    ("training", "拖欠服务费纠纷", "服务质量纠纷", "逾期履行纠纷"),
    ("tech_service", "拖欠服务费纠纷", "服务质量纠纷", "逾期履行纠纷"),
    ("office", "拖欠货款纠纷", "产品质量纠纷", "逾期交货纠纷"),
    ("federated", "拖欠服务费纠纷", "服务质量纠纷", "逾期履行纠纷"),
])
def test_case_name_fits_contract_subject(sqlite_archive, family: str, unpaid: str, quality: str,  # type: ignore[no-untyped-def]
                                         late: str) -> None:
    contract_id = ingest_contract(sqlite_archive, FAMILIES[family])
    expected = {"unpaid_price": unpaid, "quality_defect": quality, "late_delivery": late,
                "wrongful_termination": "合同解除纠纷"}
    for dispute, name in expected.items():
        case_name, _titles = propose_header(sqlite_archive, contract_id, dispute)
        assert case_name.endswith(f"》的{name}"), (dispute, case_name)


def test_case_name_english_and_fallback(sqlite_archive) -> None:  # type: ignore[no-untyped-def]
    lease = ingest_contract(sqlite_archive, LEASE)
    assert propose_header(sqlite_archive, lease, "unpaid_price", EN)[0] == \
        "Unpaid rent dispute concerning “广州市住房租赁合同”"
    federated = ingest_contract(sqlite_archive, FEDERATED)
    assert propose_header(sqlite_archive, federated, "quality_defect", EN)[0] == \
        "Service quality dispute concerning “SERVICES AGREEMENT”"
    # An acceptance form filed as the contract names no subject, so the names stay neutral.
    form = ingest_contract(sqlite_archive, (ACCEPTANCE_FORM,))
    assert propose_header(sqlite_archive, form, "unpaid_price")[0] == "关于《华中科技大学低值设备验收单》的合同价款纠纷"
    assert propose_header(sqlite_archive, form, "quality_defect")[0] == "关于《华中科技大学低值设备验收单》的质量纠纷"
    assert propose_header(sqlite_archive, form, "unpaid_price", EN)[0] == \
        "Contract price dispute concerning “华中科技大学低值设备验收单”"


def test_nested_title_marks(sqlite_archive) -> None:  # type: ignore[no-untyped-def]
    lease = ingest_contract(sqlite_archive, LEASE)
    rows = propose_for(sqlite_archive, lease, "other")
    assert rows[1].name == "《关于〈君联大厦租赁合同〉解除之补充协议》"
    # English wraps titles in “”, so the Chinese marks inside stay as they are.
    rows = propose_for(sqlite_archive, lease, "other", translations=EN)
    assert rows[1].name == "“关于《君联大厦租赁合同》解除之补充协议”"


def test_nested_title_marks_in_case_name(sqlite_archive) -> None:  # type: ignore[no-untyped-def]
    # The supplementary agreement filed as a contract of its own gives the case its title.
    agreement = ingest_contract(sqlite_archive, LEASE[1:])
    case_name, _titles = propose_header(sqlite_archive, agreement, "unpaid_price")
    assert case_name == "关于《关于〈君联大厦租赁合同〉解除之补充协议》的拖欠租金纠纷"
    with sqlite_archive.session() as session:
        wrapped = create_contract(session, number="HT-WRAPPED", title="《技术服务合同》").id
    assert propose_header(sqlite_archive, wrapped, "other")[0] == "关于《技术服务合同》的合同纠纷"


def test_late_delivery_record_says_late(case: Case) -> None:
    with case.archive.session() as session:
        # The only delivery obligation is met already, so these records meet none.
        late = add(session, case.contract_id, "delivery", D(2025, 7, 12), summary="补发配件，迟于约定日期送达")
        on_time = add(session, case.contract_id, "delivery", D(2025, 7, 15), summary="备品按期送达，未逾期")
    for dispute in ("unpaid_price", "wrongful_termination"):
        _, rows = propose(case, dispute)
        by_record = {row.record: row for row in in_group(rows, 2)}
        assert by_record[case.records["delivery"]].purpose.startswith("证明已于2025-07-05交付（晚于约定的2025-06-30）。")
        assert by_record[late].purpose.startswith("证明已于2025-07-12交付（记录载明交付迟延）。")
        assert by_record[on_time].purpose.startswith("证明已于2025-07-15交付。")
    _, rows = propose(case, "unpaid_price", translations=EN)
    delivery = next(row for row in rows if row.record == case.records["delivery"])
    assert delivery.purpose.startswith("Proves that delivery was made on 2025-07-05 (later than the agreed 2025-06-30).")


def test_payment_notice_is_a_demand(case: Case) -> None:
    notice_versions = version_ids(case, "notice")
    _, rows = propose(case, "unpaid_price", translations=EN)
    notice = next(row for row in rows if row.version in notice_versions)
    assert notice.purpose == "Proves that payment under the contract was demanded from the other party."
    # A demand is no payment received, so a wrongful termination files it with the letters.
    _, rows = propose(case, "wrongful_termination")
    notice = next(row for row in rows if row.version in notice_versions)
    assert (notice.group, notice.purpose) == (3, "证明已向对方催收合同项下的款项。")


def test_missing_key_evidence_hints(sqlite_archive) -> None:  # type: ignore[no-untyped-def]
    lease = ingest_contract(sqlite_archive, LEASE)
    # The supplementary agreement on terminating the lease is no termination notice.
    _name, titles = propose_header(sqlite_archive, lease, "wrongful_termination")
    assert titles["3"] == "解除及往来函件（未找到解除通知，请补充）"
    assert titles["1"] == "合同及补充协议"
    _name, titles = propose_header(sqlite_archive, lease, "wrongful_termination", EN)
    assert titles["3"] == "Termination and correspondence (no termination notice found; add it)"
    _name, titles = propose_header(sqlite_archive, lease, "unpaid_price")
    assert titles == {"1": "合同及补充协议", "2": "履行情况（未找到交付或验收记录，请补充）", "3": "付款及催款"}

    form = ingest_contract(sqlite_archive, (ACCEPTANCE_FORM,))
    _name, titles = propose_header(sqlite_archive, form, "unpaid_price")
    assert titles["1"] == "合同及补充协议（未找到付款条款，请补充）"
    _name, titles = propose_header(sqlite_archive, form, "unpaid_price", EN)
    assert titles["1"] == "Contract and amendments (no payment clause found; add it)"

    federated = ingest_contract(sqlite_archive, FEDERATED)
    assert propose_header(sqlite_archive, federated, "late_delivery")[1]["1"] == \
        "合同及补充协议（未找到交付或履行期限条款，请补充）"
    assert propose_header(sqlite_archive, federated, "quality_defect")[1]["1"] == \
        "合同及补充协议（未找到质量或验收条款，请补充）"
    assert propose_header(sqlite_archive, federated, "wrongful_termination")[1]["1"] == "合同及补充协议"


def test_termination_notice_fills_the_gap(sqlite_archive, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lease = ingest_contract(sqlite_archive, LEASE)
    letter = docx.Document()
    letter.add_paragraph("解除合同通知书")
    letter.add_paragraph("因贵方欠缴租金逾期，我方依据合同第九条解除《广州市住房租赁合同》。")
    path = tmp_path / "解除合同通知书.docx"
    letter.save(str(path))
    _document, version = ingest(sqlite_archive, path, lease, "other")

    _name, titles = propose_header(sqlite_archive, lease, "wrongful_termination")
    assert titles["3"] == "解除及往来函件"
    rows = propose_for(sqlite_archive, lease, "wrongful_termination")
    notice = next(row for row in rows if row.version == version)
    assert (notice.group, notice.purpose) == (3, "证明解除合同通知的发出情况及其内容。")


def test_unpaid_price_hint_absent_with_records(case: Case) -> None:
    draft, _rows = propose(case, "unpaid_price")
    assert draft.group_titles["2"] == "履行情况"
    draft, _rows = propose(case, "wrongful_termination")
    assert draft.group_titles["3"] == "解除及往来函件"


def cited_in(purpose: str) -> list[str]:
    """Return the clause citations of a purpose's sentences "合同…约定了…" and "补充协议…约定了…"."""
    cited = []
    for sentence in purpose.split("。"):
        if "约定了" not in sentence:
            continue
        head = sentence.split("约定了", 1)[0]
        head = head.removeprefix("补充协议") if head.startswith("补充协议") else head.removeprefix("合同")
        cited.extend(head.split("、"))
    return cited


def proposed_citations(archive, rows: list[Row]) -> set[str]:  # type: ignore[no-untyped-def]
    """Return the citations of the proposed clause items and of every clause inside one."""
    citations: set[str] = set()
    with archive.session() as session:
        for row in rows:
            if row.clause is None:
                continue
            clause = session.get(Clause, row.clause)
            clauses = list(session.scalars(select(Clause).where(
                Clause.document_version_id == clause.document_version_id).order_by(Clause.ordinal)))
            for candidate in clauses:
                if candidate.id == clause.id or clause in ancestors(candidate, clauses):
                    citations.add(cite_clause(candidate, clauses, "zh_CN"))
    return citations


def test_purposes_cite_only_proposed_clauses(sqlite_archive) -> None:  # type: ignore[no-untyped-def]
    for family, names in FAMILIES.items():
        contract_id = ingest_contract(sqlite_archive, names)
        for dispute in DISPUTES:
            rows = propose_for(sqlite_archive, contract_id, dispute)
            proposed = proposed_citations(sqlite_archive, rows)
            for row in in_group(rows, 1):
                if row.source == "version":
                    assert set(cited_in(row.purpose)) <= proposed, (family, dispute, row.purpose)


def test_fixture_purposes_cite_only_proposed_clauses(case: Case) -> None:
    for dispute in DISPUTES:
        _, rows = propose(case, dispute)
        proposed = proposed_citations(case.archive, rows)
        cited = [c for row in in_group(rows, 1) if row.source == "version" for c in cited_in(row.purpose)]
        assert cited, dispute
        assert set(cited) <= proposed, dispute


def test_clause_names_cut_at_punctuation(sqlite_archive) -> None:  # type: ignore[no-untyped-def]
    training = ingest_contract(sqlite_archive, (TRAINING,))
    title = "《北京市专业技术类职业资格培训服务合同》"
    rows = propose_for(sqlite_archive, training, "quality_defect")
    assert f"{title}第三条第（二）项 甲方收取的培训服务费等经营收入首先应该用于确保培训服务合同正常履行…" in clause_names(rows)
    rows = propose_for(sqlite_archive, training, "wrongful_termination")
    assert clause_names(rows)[:2] == [
        f"{title}第五条第（一）项 在签订合同并完成付费7日之内，乙方没有参加培训就主动放弃培训的…",
        f"{title}第五条第（二）项 因甲方原因导致无法按时开班的，甲方应提前通知乙方解除合同…"]


def test_clause_names_fit_the_limit(sqlite_archive) -> None:  # type: ignore[no-untyped-def]
    for family, names in FAMILIES.items():
        contract_id = ingest_contract(sqlite_archive, names)
        for dispute in DISPUTES:
            for name in clause_names(propose_for(sqlite_archive, contract_id, dispute)):
                assert len(name) <= MAX_NAME, (family, name)
                # Each name ends with a whole heading or its first words, cut at a phrase where one ends.
                assert not re.search(r"[，。；：]…$", name), (family, name)
