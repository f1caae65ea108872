"""Propose a first evidence draft for a dispute, for staff to edit before they save it.

propose_draft picks, from the contracts named, the evidence a legal team usually files for the
kind of dispute and describes each item: its name, its form (原件, 复印件, 电子数据), who issued
it and the fact it proves (证明目的). It groups the items (证据一 the contract and amendments,
证据二 and on the performance, payments, correspondence...) and writes all wording through the
message catalog, so a Chinese user gets Chinese wording and an English user English.

Only facts the archive stores go into the wording. Which party we are in the case, and whether
we hold signed originals, are unknown, so the claimant stays empty and every file is a copy.
"""

from __future__ import annotations

import datetime as dt
import gettext
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive import problems
from archive.access import Actor, Permission, check_contract_visible
from archive.clause_citation import cite_clause
from archive.errors import InvalidEvidenceDraftError
from archive.evidence.index_pdf import catalog_locale
from archive.models import (
    Clause,
    Contract,
    Document,
    DocumentVersion,
    EvidenceDraft,
    Fulfilment,
    Obligation,
    PerformanceRecord,
    RecordAttachment,
)
from archive.models.evidence import DISPUTE_KINDS
from archive.performance import labels as code_labels
from archive.services.contracts import get_contract_or_raise
from archive.services.evidence_drafts import (
    MAX_NAME,
    ItemInput,
    add_item,
    create_draft,
    update_draft,
)
from archive.services.portfolio import ACTIVE_REVIEWS

Translate = Callable[[str], str]

# Key clauses proposed per contract, besides the contract itself.
MAX_KEY_CLAUSES = 3
# A clause item without a heading is named by its first words: up to LABEL_MAX characters when a
# phrase ends there, else LABEL_CUT characters. Marks before LABEL_MIN end a label (送货地点：),
# not a phrase.
LABEL_MAX = 36
LABEL_CUT = 20
LABEL_MIN = 8

# Words that mark a clause as being about a topic, most telling first, each with the subject a
# matching clause proves (which picks its 证明目的). Latin words match at the start of a word.
TOPIC_KEYWORDS: dict[str, tuple[tuple[str, str], ...]] = {
    "payment": (
        *((word, "payment") for word in ("付款", "支付", "结算", "价款", "货款")),
        *((word, "rent") for word in ("租金", "房租", "押金", "rent", "security deposit")),
        *((word, "payment") for word in (
            "费用", "报酬", "收费", "付费", "payment", "fee", "price", "compensation", "invoice", "物业费")),
    ),
    "delivery": (
        *((word, "delivery") for word in (
            "交货", "交付", "供货", "到货", "送货", "发货", "delivery", "deliver", "shipment")),
        *((word, "performance") for word in (
            "工期", "服务期限", "履行期限", "进度", "期限", "completion date", "delivery schedule",
            "time of performance", "time for performance")),
    ),
    "quality": tuple((word, "quality") for word in (
        "质量", "质保", "保修", "验收", "检验", "检测", "售后", "技术标准", "标准规范", "成果要求",
        "quality", "warranty", "acceptance", "inspection", "defect", "specification")),
    "termination": tuple((word, "termination") for word in (
        "解除", "终止", "termination", "terminate", "rescission", "cancellation")),
    "liability": tuple((word, "liability") for word in (
        "违约责任", "违约", "breach", "default", "liquidated damages")),
}
# Phrases that contain a topic word without being about the topic. 保密期限 is no delivery term,
# and 到货款 and 质保金 are instalments of the price. "Execution and delivery" of a contract is its
# signing, and a duty that survives termination (终止后仍然有效) sets no condition for terminating.
# NOTE: the phrases are those met in the corpus contracts, so other compounds (such as a new
# 期限 of some other duty) can still match a topic they are not about.
TOPIC_FALSE_FRIENDS = {
    "delivery": ("保密期限", "有效期限", "责任期限", "保修期限", "质保期限", "质量期限", "付款期限", "支付期限",
                 "到货款", "发货款", "交货款", "提货款",
                 "execution and delivery", "executed and delivered", "delivery of this", "delivered by hand",
                 "delivered by facsimile", "delivered by email"),
    "quality": ("质保金", "质量保证金"),
    "termination": ("终止后", "解除后", "after termination", "after the termination"),
}
# Payment words that name charges besides the price. In a lease, a clause found only by them is
# about utilities and service charges, so it is left out when a clause heading names the rent.
SECONDARY_PAYMENT_WORDS = ("费用", "收费", "付费", "fee", "物业费")
# Headings of sections that only mention a topic in passing (boilerplate, dispute resolution),
# and words of a body that make it a dispute resolution clause. Their text never makes a key clause.
BOILERPLATE_HEADINGS = ("miscellaneous", "general provisions", "governing law", "counterparts", "notices",
                        "entire agreement", "confidential", "争议", "合同效力", "生效", "联络", "通知", "保密")
DISPUTE_RESOLUTION_WORDS = ("诉讼", "仲裁", "管辖", "arbitration", "jurisdiction")
# Headings of definition sections: a defined term (合同价：是指…) is no clause on its topic.
DEFINITION_HEADINGS = ("定义", "释义", "词语含义", "definition", "interpretation")
# Words that mark a letter or a communication record as being about payment.
PAYMENT_WORDS = ("付款", "支付", "货款", "欠款", "催款", "催告", "回款", "款项", "发票", "payment", "invoice", "overdue")

# The clause topics and the obligation kinds each dispute turns on. The "other" dispute has none.
# A wrongful termination turns on the termination clauses and on the liability for breach.
DISPUTE_TOPICS: dict[str, tuple[str, ...]] = {
    "unpaid_price": ("payment",),
    "late_delivery": ("delivery",),
    "quality_defect": ("quality",),
    "wrongful_termination": ("termination", "liability"),
}
DISPUTE_OBLIGATION_KINDS = {
    "unpaid_price": ("payment",),
    "late_delivery": ("delivery",),
    "quality_defect": ("acceptance", "warranty"),
    "wrongful_termination": ("termination_notice",),
}

CONTRACT_GROUP = 1
GROUP_TITLES = {
    "unpaid_price": ("Contract and amendments", "Performance", "Payment and demands"),
    "late_delivery": ("Contract and amendments", "Delivery and acceptance", "Correspondence and complaints"),
    "quality_defect": ("Contract and amendments", "Quality inspection and acceptance", "Complaints and correspondence"),
    "wrongful_termination": ("Contract and amendments", "Performance", "Termination and correspondence",
                             "Payments received"),
    "other": ("Contract and amendments",),
}
# Words of a contract's title that tell what the contract is about, tried in this order, so that
# a 设备租赁合同 is a lease and a 技术服务采购合同 a service contract. Latin words match at the
# start of a word.
CONTRACT_SUBJECT_WORDS = (
    ("lease", ("租赁", "出租", "承租", "租用", "lease", "rental", "tenancy")),
    ("service", ("服务", "咨询", "培训", "技术", "service", "consulting", "training")),
    ("goods", ("采购", "买卖", "供货", "购销", "销售", "订购", "purchase", "sale", "supply", "procurement")),
)
# Words of a lease's title that make it a lease of a building (房屋租赁合同纠纷 in Chinese courts).
PREMISES_WORDS = ("房", "大厦", "写字楼", "公寓", "商铺", "premises", "house", "apartment", "office space")
# The dispute's name per contract subject. The None entry is the name when the subject is unknown
# or the contracts differ in subject.
DISPUTE_NAMES: dict[str, dict[str | None, str]] = {
    "unpaid_price": {"goods": "Unpaid price dispute", "lease": "Unpaid rent dispute",
                     "premises": "Unpaid rent dispute", "service": "Unpaid service fee dispute",
                     None: "Contract price dispute"},
    "late_delivery": {"goods": "Late delivery dispute", "lease": "Late handover dispute",
                      "premises": "Late handover dispute", "service": "Late performance dispute",
                      None: "Late performance dispute"},
    "quality_defect": {"goods": "Quality defect dispute", "lease": "Lease dispute",
                       "premises": "Premises lease dispute", "service": "Service quality dispute",
                       None: "Quality dispute"},
    "wrongful_termination": {None: "Wrongful termination dispute"},
    "other": {"lease": "Lease dispute", "premises": "Premises lease dispute", None: "Contract dispute"},
}
# The group each document kind goes into, per dispute. Contracts and amendments always go into group 1.
DOCUMENT_GROUPS = {
    "unpaid_price": {"acceptance_report": 2, "payment_proof": 3, "invoice": 3, "correspondence": 3},
    "late_delivery": {"acceptance_report": 2, "correspondence": 3, "meeting_minutes": 3},
    "quality_defect": {"acceptance_report": 2, "correspondence": 3, "meeting_minutes": 3},
    "wrongful_termination": {"acceptance_report": 2, "correspondence": 3, "meeting_minutes": 3,
                             "payment_proof": 4, "invoice": 4},
    "other": {},
}
CONTRACT_KINDS = ("contract", "amendment")

# Purposes (证明目的) of the key clauses per subject, and the sentences that cite them in the
# purpose of the contract and of an amendment.
CLAUSE_PURPOSES = {
    "payment": "Proves the agreed price and payment terms.",
    "rent": "Proves the agreed rent, deposit and payment terms.",
    "delivery": "Proves the agreed time, place and manner of delivery.",
    "performance": "Proves the agreed time limit and schedule of performance.",
    "quality": "Proves the agreed quality standard and acceptance procedure.",
    "termination": "Proves the agreed conditions and procedure for terminating the contract.",
    "liability": "Proves the agreed liability for breach of contract.",
}
CLAUSE_CITATIONS = {
    "payment": "The contract sets out the price and payment terms in {clauses}.",
    "rent": "The contract sets out the rent, deposit and payment terms in {clauses}.",
    "delivery": "The contract sets out the time, place and manner of delivery in {clauses}.",
    "performance": "The contract sets out the time limit and schedule of performance in {clauses}.",
    "quality": "The contract sets out the quality standard and acceptance procedure in {clauses}.",
    "termination": "The contract sets out the conditions and procedure for terminating it in {clauses}.",
    "liability": "The contract sets out the liability for breach of contract in {clauses}.",
}
AMENDMENT_CITATIONS = {
    "payment": "The amendment sets out the price and payment terms in {clauses}.",
    "rent": "The amendment sets out the rent, deposit and payment terms in {clauses}.",
    "delivery": "The amendment sets out the time, place and manner of delivery in {clauses}.",
    "performance": "The amendment sets out the time limit and schedule of performance in {clauses}.",
    "quality": "The amendment sets out the quality standard and acceptance procedure in {clauses}.",
    "termination": "The amendment sets out the conditions and procedure for terminating the contract in {clauses}.",
    "liability": "The amendment sets out the liability for breach of contract in {clauses}.",
}
DOCUMENT_PURPOSES = {
    "amendment": "Proves that the parties amended or supplemented the contract; the amendment forms part of it.",
    "acceptance_report": "Proves the acceptance of the goods or services and its result.",
    "payment_proof": "Proves the payments made under the contract.",
    "invoice": "Proves that invoices were issued for the contract price.",
    "correspondence": "Proves what the parties wrote to each other about the performance of the contract.",
    "meeting_minutes": "Proves what the parties discussed and agreed at the meeting.",
}
# A document filed as a payment, an invoice or a letter whose title names a request for payment
# proves the demand, not a payment. A title that names a receipt or voucher proves a payment.
DEMAND_TITLE_WORDS = ("催款", "催告", "催收", "缴费通知", "付款通知", "收款通知", "结算通知",
                      "payment notice", "payment demand", "demand for payment", "payment reminder")
NOTICE_TITLE_WORDS = ("通知单", "通知书", "notice")  # a demand when the document is filed as a payment or invoice
PAYMENT_PROOF_TITLE_WORDS = ("回单", "凭证", "收据", "发票", "回执", "receipt", "remittance", "proof of payment")
DEMAND_PURPOSE = "Proves that payment under the contract was demanded from the other party."
# Words of a delivery record's summary that mark the delivery as late.
LATE_WORDS = ("迟于", "晚于", "逾期", "延迟", "迟延", "延误", "late", "delay", "overdue")
NOT_LATE_PHRASES = ("未逾期", "未延迟", "未迟延", "未延误", "没有逾期", "没有延迟", "not late", "no delay", "without delay")
# Words of a document title that make it a termination notice, which a wrongful termination turns on.
TERMINATION_WORDS = ("解除", "终止", "termination", "terminate", "rescission")
NOTICE_WORDS = ("通知", "notice", "letter")
TERMINATION_NOTICE_PURPOSE = "Proves that notice of termination was given and what it says."
# Hints added to a group's title when the draft lacks the key evidence of that group, so staff
# see the gap where they edit the draft. CLAUSE_GAPS name a missing clause of group 1 per
# topic, and RECORD_GAPS a missing record of a later group per dispute.
CLAUSE_GAPS = {
    "payment": "(no payment clause found; add it)",
    "delivery": "(no delivery or performance clause found; add it)",
    "quality": "(no quality or acceptance clause found; add it)",
    "termination": "(no termination clause found; add it)",
}
RECORD_GAPS = {
    "unpaid_price": (2, "(no delivery or acceptance records found; add them)"),
    "wrongful_termination": (3, "(no termination notice found; add it)"),
}
RECORD_PURPOSES = {
    "delivery": "Proves that delivery was made on {date}.",
    "progress": "Proves the progress of performance as of {date}.",
    "payment": "Proves that a payment was received on {date}.",
    "complaint": "Proves the complaint made on {date}.",
    "dispute": "Proves the dispute raised on {date}.",
    "change": "Proves the change requested or agreed on {date}.",
    "termination": "Proves that the contract was terminated or settled on {date}.",
    "training": "Proves the training given on {date}.",
    "reward": "Proves the reward or penalty of {date}.",
}
RESULT_PURPOSES = {
    ("acceptance", "passed"): "Proves that the goods or services passed acceptance on {date}.",
    ("acceptance", "failed"): "Proves that the acceptance of {date} did not pass.",
    ("acceptance", None): "Proves the acceptance of {date}.",
    ("quality_inspection", "passed"): "Proves that the quality inspection of {date} was passed.",
    ("quality_inspection", "failed"): "Proves that the quality inspection of {date} found defects.",
    ("quality_inspection", None): "Proves the quality inspection of {date}.",
}


@dataclass
class _Sources:
    """The data a draft may draw on: the contracts' live documents, their records and obligations."""

    contracts: list[Contract]
    documents: list[Document]
    current: dict[int, DocumentVersion]  # document id -> newest version that did not fail
    clauses: dict[int, list[Clause]]  # version id -> clauses in order
    records: list[PerformanceRecord]
    attached: dict[int, list[int]]  # record id -> ids of its live attached documents
    obligations: list[Obligation]
    paid: dict[int, Decimal]  # obligation id -> amount applied to it
    met_by: dict[int, list[Obligation]]  # record id -> obligations it fulfils
    obligation_clauses: dict[int, Clause]  # obligation id -> its clause in a current version
    document_of_version: dict[int, int]  # current version id -> document id
    locale: str = "en"  # language of the draft's wording, which sets how clauses are cited


@dataclass(frozen=True)
class _KeyClause:
    """A clause proposed as evidence of its own, with the subject it proves (payment, liability...)."""

    clause: Clause
    subject: str
    topic: str  # the key of TOPIC_KEYWORDS it was chosen for


@dataclass(frozen=True)
class _TopicMatch:
    """The strength of a clause's match on a topic: the lower `place` and `rank`, the stronger."""

    place: int  # 0 its heading names the topic, 1 its first sentence does, 2 only later text does
    rank: int  # position of the matching keyword in TOPIC_KEYWORDS
    subject: str
    keyword: str


@dataclass
class _Proposal:
    """Items collected before they are added, so each group keeps the order they were found in."""

    items: list[ItemInput] = field(default_factory=list)
    used_clauses: set[int] = field(default_factory=set)
    topics_found: set[str] = field(default_factory=set)  # topics with at least one key clause
    key_groups: set[int] = field(default_factory=set)  # groups that hold their key evidence (RECORD_GAPS)

    def add(self, item: ItemInput) -> None:
        if item.clause_id is not None:
            self.used_clauses.add(item.clause_id)
        self.items.append(item)


def propose_draft(session: Session, *, contract_ids: list[int], dispute: str, actor: Actor,
                  translations: gettext.NullTranslations) -> EvidenceDraft:
    """Create a draft on the contracts with a first selection of evidence for `dispute`, without saving it.

    Raises NotFoundError for a contract that does not exist or that `actor` may not see, and
    InvalidEvidenceDraftError for an unknown dispute kind.
    """
    actor.require(Permission.WRITE)
    if dispute not in DISPUTE_KINDS:
        raise InvalidEvidenceDraftError(problems.DISPUTE_INVALID, draft_id="", allowed=", ".join(DISPUTE_KINDS))
    unique_ids = list(dict.fromkeys(contract_ids))
    for contract_id in unique_ids:
        check_contract_visible(session, actor, contract_id)
    contracts = [get_contract_or_raise(session, contract_id) for contract_id in unique_ids]
    _ = translations.gettext
    sources = _load_sources(session, contracts)
    sources.locale = translations.info().get("language") or "en"

    draft = create_draft(session, case_name=_case_name(sources, dispute, _), contract_ids=unique_ids, actor=actor,
                         dispute=dispute, respondent=_truncate(_join_list(_counterparties(contracts), _)),
                         lang="zh_CN" if catalog_locale(translations).startswith("zh") else "en")
    proposal = _Proposal()
    _propose_contract_group(proposal, sources, dispute, _)
    _propose_performance(proposal, sources, dispute, _)
    update_draft(session, draft.id, {"group_titles": _group_titles(proposal, dispute, _)}, actor=actor)
    # add_item appends within a group, so adding group by group keeps each group's order.
    for item in sorted(proposal.items, key=lambda entry: entry.group_number):
        add_item(session, draft.id, item, actor=actor)
    return draft


# Loading


def _load_sources(session: Session, contracts: list[Contract]) -> _Sources:
    contract_ids = [contract.id for contract in contracts]
    documents = list(session.scalars(
        select(Document).where(Document.contract_id.in_(contract_ids), Document.deleted_at.is_(None))
        .order_by(Document.id)))
    current: dict[int, DocumentVersion] = {}
    if documents:
        versions = session.scalars(
            select(DocumentVersion).where(DocumentVersion.document_id.in_([d.id for d in documents]),
                                          DocumentVersion.state != "failed")
            .order_by(DocumentVersion.version_number, DocumentVersion.id))
        for version in versions:
            current[version.document_id] = version  # the last one read is the newest
    documents = [document for document in documents if document.id in current]
    clauses: dict[int, list[Clause]] = defaultdict(list)
    if current:
        for clause in session.scalars(
                select(Clause).where(Clause.document_version_id.in_([v.id for v in current.values()]))
                .order_by(Clause.ordinal)):
            clauses[clause.document_version_id].append(clause)

    records = list(session.scalars(
        select(PerformanceRecord).where(PerformanceRecord.contract_id.in_(contract_ids))
        .order_by(PerformanceRecord.occurred_on, PerformanceRecord.id)))
    live_documents = {document.id for document in documents}
    attached: dict[int, list[int]] = defaultdict(list)
    if records:
        for record_id, document_id in session.execute(
                select(RecordAttachment.record_id, RecordAttachment.document_id)
                .where(RecordAttachment.record_id.in_([r.id for r in records])).order_by(RecordAttachment.id)):
            if document_id in live_documents:
                attached[record_id].append(document_id)

    obligations = list(session.scalars(
        select(Obligation).where(Obligation.contract_id.in_(contract_ids), Obligation.review.in_(ACTIVE_REVIEWS))
        .order_by(Obligation.due_date.is_(None), Obligation.due_date, Obligation.id)))
    paid: dict[int, Decimal] = {}
    met_by: dict[int, list[Obligation]] = defaultdict(list)
    if obligations:
        by_id = {obligation.id: obligation for obligation in obligations}
        paid = dict(session.execute(
            select(Fulfilment.obligation_id, func.coalesce(func.sum(Fulfilment.amount), 0))
            .where(Fulfilment.obligation_id.in_(by_id)).group_by(Fulfilment.obligation_id)).all())
        for obligation_id, record_id in session.execute(
                select(Fulfilment.obligation_id, Fulfilment.record_id).where(Fulfilment.obligation_id.in_(by_id))
                .order_by(Fulfilment.id)):
            met_by[record_id].append(by_id[obligation_id])
    return _Sources(contracts=contracts, documents=documents, current=current, clauses=clauses, records=records,
                    attached=attached, obligations=obligations, paid=paid, met_by=met_by,
                    obligation_clauses=_current_clauses(session, obligations, current, clauses),
                    document_of_version={version.id: document_id for document_id, version in current.items()})


def _current_clauses(session: Session, obligations: list[Obligation], current: dict[int, DocumentVersion],
                     clauses: dict[int, list[Clause]]) -> dict[int, Clause]:
    """Map each obligation to its clause in the current version of a live document, where it has one.

    An obligation read from an older version points at that version's clause. The clause with
    the same number and heading in the current version of the same document is used in its place.
    """
    by_id = {clause.id: clause for version_clauses in clauses.values() for clause in version_clauses}
    found: dict[int, Clause] = {}
    for obligation in obligations:
        if obligation.clause_id is None:
            continue
        clause = by_id.get(obligation.clause_id)
        if clause is None:
            row = session.execute(
                select(Clause, DocumentVersion.document_id).join(
                    DocumentVersion, DocumentVersion.id == Clause.document_version_id)
                .where(Clause.id == obligation.clause_id)).first()
            version = current.get(row[1]) if row is not None else None
            if version is not None and row[0].number:
                clause = next((c for c in clauses.get(version.id, [])
                               if c.number == row[0].number and (c.heading or "") == (row[0].heading or "")), None)
        if clause is not None:
            found[obligation.id] = clause
    return found


# Group 1: contracts, amendments and their key clauses


def _propose_contract_group(proposal: _Proposal, sources: _Sources, dispute: str, _: Translate) -> None:
    topics = DISPUTE_TOPICS.get(dispute, ())
    obligation_kinds = DISPUTE_OBLIGATION_KINDS.get(dispute, ())
    for contract in sources.contracts:
        lease = _contract_subject(contract, sources) in ("lease", "premises")
        default_subject = _default_subject(topics, lease)
        documents = [d for d in sources.documents if d.contract_id == contract.id and d.kind in CONTRACT_KINDS]
        documents.sort(key=lambda d: (CONTRACT_KINDS.index(d.kind), d.id))
        obligations = [o for o in sources.obligations if o.contract_id == contract.id and o.kind in obligation_kinds]
        obligation_clauses = _obligation_clauses(sources, obligations)
        key_clauses = _key_clauses(sources, documents, topics, obligation_clauses, lease=lease) if topics else []
        proposal.topics_found.update(key.topic for key in key_clauses)
        key_list = [key.clause for key in key_clauses]
        # Overdue payments with a clause get an item of their own in the payment group.
        overdue_items = _overdue_payment_items(sources, contract, obligations, obligation_clauses, _) \
            if dispute == "unpaid_price" else []
        overdue_clauses = {item.clause_id for item in overdue_items}
        proposed = [*key_list, *(c for c in obligation_clauses.values() if c.id in overdue_clauses)]
        # Delivery dates are stated on the key clause that contains the obligation's clause.
        clause_facts: dict[int, list[str]] = defaultdict(list)
        stated: set[int] = set()
        if dispute == "late_delivery":
            for obligation in obligations:
                key = _containing_clause(obligation_clauses.get(obligation.id), key_list, sources)
                if key is not None and obligation.due_date is not None:
                    clause_facts[key.id].append(_delivery_fact(obligation, sources, _))
                    stated.add(obligation.id)
        unlinked = [o for o in obligations if o.id not in obligation_clauses and o.id not in stated]

        for document in documents:
            version = sources.current[document.id]
            cited = _cited_clauses(version, obligation_clauses, key_clauses, default_subject, proposed, sources)
            if document.kind == "contract":
                purpose = _contract_purpose(contract, cited, sources, _)
            else:
                purpose = _join_sentences([_(DOCUMENT_PURPOSES["amendment"]),
                                           *_citation(cited, sources, _, AMENDMENT_CITATIONS)], _)
            if document is documents[0]:
                # Obligations without a clause item are stated on the contract's first document.
                purpose = _join_sentences([purpose, *_obligation_facts(unlinked, dispute, sources, _)], _)
            proposal.add(ItemInput(source="version", document_version_id=version.id,
                                   name=_document_name(document, version, _), origin="copy",
                                   issuer=_parties(contract, _), purpose=purpose, group_number=CONTRACT_GROUP))
            for key in key_clauses:
                clause = key.clause
                if clause.document_version_id != version.id or clause.id in overdue_clauses:
                    continue
                purpose = _join_sentences([_(CLAUSE_PURPOSES[key.subject]), *clause_facts[clause.id]], _)
                proposal.add(ItemInput(source="clause", clause_id=clause.id,
                                       name=_clause_name(document, version, clause, sources, _), origin="copy",
                                       issuer=_parties(contract, _), purpose=purpose,
                                       pages=_clause_pages(clause, sources), group_number=CONTRACT_GROUP))
        for item in overdue_items:
            proposal.add(item)


def _default_subject(topics: tuple[str, ...], lease: bool) -> str | None:
    """Return the subject of a clause an obligation of the dispute comes from: rent for a lease's payments."""
    if not topics:
        return None
    if topics[0] == "payment" and lease:
        return "rent"
    return TOPIC_KEYWORDS[topics[0]][0][1]


def _cited_clauses(version: DocumentVersion, obligation_clauses: dict[int, Clause], key_clauses: list[_KeyClause],
                   default_subject: str | None, proposed: list[Clause], sources: _Sources) -> list[_KeyClause]:
    """Return the clauses a document's purpose cites: those its obligations come from, else its key clauses.

    An obligation's clause is cited only when the draft proposes it or a clause that contains it,
    so that a purpose never cites a clause missing from the draft.
    """
    from_obligations = sorted({c.id: c for c in obligation_clauses.values()
                               if c.document_version_id == version.id
                               and _containing_clause(c, proposed, sources) is not None}.values(),
                              key=lambda c: c.ordinal)
    if from_obligations and default_subject is not None:
        topic = next(topic for topic, words in TOPIC_KEYWORDS.items()
                     if any(subject == default_subject for _word, subject in words))
        return [_KeyClause(clause, default_subject, topic) for clause in from_obligations]
    return [key for key in key_clauses if key.clause.document_version_id == version.id]


def _containing_clause(clause: Clause | None, key_clauses: list[Clause], sources: _Sources) -> Clause | None:
    """Return the key clause that is `clause` or contains it."""
    if clause is None:
        return None
    by_id = {c.id: c for c in sources.clauses.get(clause.document_version_id, [])}
    return next((key for key in key_clauses if key.id == clause.id or _is_ancestor(key, clause, by_id)), None)


def _obligation_clauses(sources: _Sources, obligations: list[Obligation]) -> dict[int, Clause]:
    return {o.id: sources.obligation_clauses[o.id] for o in obligations if o.id in sources.obligation_clauses}


def _key_clauses(sources: _Sources, documents: list[Document], topics: tuple[str, ...],
                 obligation_clauses: dict[int, Clause], *, lease: bool) -> list[_KeyClause]:
    """Pick up to MAX_KEY_CLAUSES clauses on `topics`, in document order.

    The clauses the obligations come from come first. Then, per topic, the clauses whose heading
    names it, or only when no heading does, the clauses whose text mentions it, best match first.
    The topics take turns, so that a wrongful termination cites both the termination clause and
    the liability clause. A clause is replaced by its highest ancestor on the topic too, so that
    one item covers a whole section (七、付款期限与方式) rather than each of its sub-items.
    In a lease the rent is the price, so a heading that names it (租赁期限、租金及押金) wins over
    clauses on other charges. Elsewhere a clause on rent proves the price like any payment term.
    """
    versions = [sources.current[d.id] for d in documents]
    by_id = {clause.id: clause for version in versions for clause in sources.clauses.get(version.id, [])}
    chosen: list[_KeyClause] = []

    def add(clause: Clause, topic: str, subject: str) -> None:
        top = _topmost_on_topic(clause, topic, by_id)
        if any(top.id == key.clause.id or _is_ancestor(key.clause, top, by_id) for key in chosen):
            return
        chosen[:] = [key for key in chosen if not _is_ancestor(top, key.clause, by_id)]
        chosen.append(_KeyClause(top, "payment" if subject == "rent" and not lease else subject, topic))

    for clause in obligation_clauses.values():
        match = _topic_match(clause, topics[0])
        add(clause, topics[0], match.subject if match else _default_subject(topics, lease) or "")
    ranked = {topic: _ranked_candidates(sources, versions, topic, by_id, lease=lease) for topic in topics}
    while len(chosen) < MAX_KEY_CLAUSES and any(ranked.values()):
        for topic in topics:
            if ranked[topic] and len(chosen) < MAX_KEY_CLAUSES:
                clause, match = ranked[topic].pop(0)
                add(clause, topic, match.subject)
    order = {version.id: index for index, version in enumerate(versions)}
    chosen.sort(key=lambda key: (order.get(key.clause.document_version_id, len(order)), key.clause.ordinal))
    return chosen[:MAX_KEY_CLAUSES]


def _ranked_candidates(sources: _Sources, versions: list[DocumentVersion], topic: str,
                       by_id: dict[int, Clause], *, lease: bool) -> list[tuple[Clause, _TopicMatch]]:
    """Return the clauses on `topic`, best first: by heading, or by text when no heading names the topic."""
    found: list[tuple[Clause, _TopicMatch]] = []
    for version in versions:
        clauses = sources.clauses.get(version.id, [])
        notes = _instruction_clauses(clauses)
        for clause in clauses:
            if clause.role != "clause" or clause.id in notes or _in_section(clause, DEFINITION_HEADINGS, by_id):
                continue
            match = _topic_match(clause, topic)
            if match is None:
                continue
            if match.place > 0 and (_in_section(clause, BOILERPLATE_HEADINGS, by_id)
                                    or _mentions(clause.text, DISPUTE_RESOLUTION_WORDS)):
                continue
            found.append((clause, match))
    if any(match.place == 0 for _clause, match in found):
        found = [(clause, match) for clause, match in found if match.place == 0]
    if lease and any(match.place == 0 and match.subject == "rent" for _clause, match in found):
        found = [(clause, match) for clause, match in found if match.keyword not in SECONDARY_PAYMENT_WORDS]
    # Among equal matches a whole section comes before its sub-items, then document order.
    version_order = {version.id: index for index, version in enumerate(versions)}
    found.sort(key=lambda entry: (entry[1].place, entry[1].rank, entry[0].level,
                                  version_order[entry[0].document_version_id], entry[0].ordinal))
    return found


def _topic_match(clause: Clause, topic: str) -> _TopicMatch | None:
    """Return how centrally `clause` is about `topic`: in its heading, its first sentence or later text."""
    heading = _clause_heading(clause)
    body = _clause_body(clause)
    first_sentence = re.split(r"[。；;！？!?]|\.\s", body, maxsplit=1)[0]
    for place, text in enumerate((heading, first_sentence, body)):
        text = _without_false_friends(text, topic)
        for rank, (keyword, subject) in enumerate(TOPIC_KEYWORDS[topic]):
            if _has_keyword(text, keyword):
                return _TopicMatch(place, rank, subject, keyword)
    return None


def _topmost_on_topic(clause: Clause, topic: str, by_id: dict[int, Clause]) -> Clause:
    """Return the highest ancestor of `clause` whose heading or first sentence is on `topic`, else the clause."""
    top = clause
    parent = by_id.get(clause.parent_id) if clause.parent_id is not None else None
    while parent is not None:
        match = _topic_match(parent, topic)
        if match is not None and match.place <= 1:
            top = parent
        parent = by_id.get(parent.parent_id) if parent.parent_id is not None else None
    return top


def _clause_heading(clause: Clause) -> str:
    """Return the clause's heading, or the short label before a colon that opens it (送货地点：…)."""
    if clause.heading:
        return clause.heading
    first_line = _strip_number(clause).split("\n", 1)[0]
    label = re.split(r"[：:]", first_line, maxsplit=1)
    if len(label) == 2 and 0 < len(label[0].strip()) <= 12 and not re.search(r"[，,。]", label[0]):
        return label[0].strip()
    return ""


def _clause_body(clause: Clause) -> str:
    """Return the clause's text without its number and heading, with the line breaks of the layout joined."""
    text = _strip_number(clause)
    if clause.heading and text.startswith(clause.heading):
        text = text[len(clause.heading):].lstrip("：:. \n")
    # A line break between two Chinese characters only wraps the line.
    text = re.sub(r"(?<=[\u4e00-\u9fff])\n(?=[\u4e00-\u9fff])", "", text)
    return text.replace("\n", " ")


def _strip_number(clause: Clause) -> str:
    text = clause.text.strip()
    number = (clause.number or "").strip()
    if number and text.startswith(number):
        text = text[len(number):]
    return text.lstrip(" .．、\u3000")


def _without_false_friends(text: str, topic: str) -> str:
    lowered = text.lower()
    for phrase in TOPIC_FALSE_FRIENDS.get(topic, ()):
        lowered = lowered.replace(phrase, " ")
    return lowered


def _has_keyword(lowered: str, keyword: str) -> bool:
    if keyword.isascii():
        return re.search(r"\b" + re.escape(keyword), lowered) is not None
    return keyword in lowered


def _in_section(clause: Clause, headings: tuple[str, ...], by_id: dict[int, Clause]) -> bool:
    """Return whether the clause or one of its ancestors has a heading containing one of `headings`."""
    current: Clause | None = clause
    while current is not None:
        if _mentions(_clause_heading(current), headings):
            return True
        current = by_id.get(current.parent_id) if current.parent_id is not None else None
    return False


def _instruction_clauses(clauses: list[Clause]) -> set[int]:
    """Return the ids of the instructions printed before a model contract's articles (使用说明, 特别提示).

    Model texts open with notes numbered 一、二、 and then number the contract itself 第一条 or
    第一部分. Those notes are no contract terms, and citing one as 第一条 would confuse it with
    the contract's 第一条. Without a 第X条 or 第X部分 clause, no clause is treated as a note.
    """
    first_article = next((c for c in clauses if c.parent_id is None and c.role == "clause"
                          and re.match(r"第\s*\S+?\s*(?:条|部分|编|章)$", (c.number or "").strip())), None)
    if first_article is None:
        return set()
    notes: set[int] = set()
    for clause in clauses:
        if clause.ordinal >= first_article.ordinal:
            break
        if clause.parent_id in notes or (clause.parent_id is None and re.match(r"[一二三四五六七八九十]+、", clause.number or "")):
            notes.add(clause.id)
    return notes


def _is_ancestor(ancestor: Clause, clause: Clause, by_id: dict[int, Clause]) -> bool:
    parent_id = clause.parent_id
    while parent_id is not None:
        if parent_id == ancestor.id:
            return True
        parent = by_id.get(parent_id)
        parent_id = parent.parent_id if parent else None
    return False


def _mentions(text: str | None, keywords: Iterable[str]) -> bool:
    lowered = (text or "").lower()
    return any(keyword in lowered for keyword in keywords)


def _overdue_payment_items(sources: _Sources, contract: Contract, obligations: list[Obligation],
                           obligation_clauses: dict[int, Clause], _: Translate) -> list[ItemInput]:
    """Return one clause item per clause of an overdue payment the customer owes, naming what is unpaid."""
    facts: dict[int, list[str]] = defaultdict(list)
    for obligation in obligations:
        clause = obligation_clauses.get(obligation.id)
        if clause is not None and _is_overdue_payment(obligation):
            facts[clause.id].append(_overdue_fact(obligation, sources, _, proves=True))
    items = []
    for clause_id, sentences in facts.items():
        clause = next(c for c in obligation_clauses.values() if c.id == clause_id)
        document = _document_of(sources, clause)
        version = sources.current[document.id]
        items.append(ItemInput(source="clause", clause_id=clause.id,
                               name=_clause_name(document, version, clause, sources, _), origin="copy",
                               issuer=_parties(contract, _), purpose=_join_sentences(sentences, _),
                               pages=_clause_pages(clause, sources), group_number=3))
    return items


def _is_overdue_payment(obligation: Obligation) -> bool:
    return obligation.kind == "payment" and obligation.status == "overdue" and obligation.debtor != "us"


def _obligation_facts(obligations: list[Obligation], dispute: str, sources: _Sources, _: Translate) -> list[str]:
    """Return sentences on the obligations that have no clause item, for the contract's purpose."""
    if dispute == "unpaid_price":
        return [_overdue_fact(o, sources, _, proves=False) for o in obligations if _is_overdue_payment(o)]
    if dispute == "late_delivery":
        # Delivery records that met an obligation already state its due date.
        met = {o.id for fulfilled in sources.met_by.values() for o in fulfilled}
        return [_delivery_fact(o, sources, _) for o in obligations
                if o.kind == "delivery" and o.due_date is not None and o.id not in met]
    return []


def _overdue_fact(obligation: Obligation, sources: _Sources, _: Translate, *, proves: bool) -> str:
    name = _obligation_name(obligation, _)
    due = _date(obligation.due_date)
    if obligation.amount is None:
        template = "Proves that {obligation} fell due on {due_date} and is unpaid." if proves \
            else "{obligation} fell due on {due_date} and is unpaid."
        return _(template).format(obligation=name, due_date=due)
    outstanding = max(obligation.amount - sources.paid.get(obligation.id, Decimal(0)), Decimal(0))
    template = "Proves that {obligation} of {amount} fell due on {due_date} and {outstanding} of it is unpaid." \
        if proves else "{obligation} of {amount} fell due on {due_date} and {outstanding} of it is unpaid."
    return _(template).format(obligation=name, amount=_money(obligation.amount, obligation.currency, _),
                              due_date=due, outstanding=_money(outstanding, obligation.currency, _))


def _delivery_fact(obligation: Obligation, sources: _Sources, _: Translate) -> str:
    name = _obligation_name(obligation, _)
    due = obligation.due_date
    if obligation.fulfilled_on is not None and due is not None:
        late_days = (obligation.fulfilled_on - due).days
        if late_days > 0:
            return _("{obligation} was due by {due_date} and was met on {met_on}, {days} days late.").format(
                obligation=name, due_date=_date(due), met_on=_date(obligation.fulfilled_on), days=late_days)
        return _("{obligation} was due by {due_date} and was met on {met_on}.").format(
            obligation=name, due_date=_date(due), met_on=_date(obligation.fulfilled_on))
    if obligation.status == "overdue":
        return _("{obligation} was due by {due_date} and has not been met.").format(
            obligation=name, due_date=_date(due))
    return _("{obligation} is due by {due_date}.").format(obligation=name, due_date=_date(due))


def _contract_purpose(contract: Contract, cited: list[_KeyClause], sources: _Sources, _: Translate) -> str:
    values = {"counterparty": contract.counterparty or "", "date": _date(contract.signed_on)}
    if contract.counterparty and contract.signed_on:
        relation = _("Proves that we and {counterparty} signed this contract on {date}, "
                     "so a contract relationship exists between us.")
    elif contract.counterparty:
        relation = _("Proves that we and {counterparty} signed this contract, "
                     "so a contract relationship exists between us.")
    elif contract.signed_on:
        relation = _("Proves that the parties signed this contract on {date}, "
                     "so a contract relationship exists between them.")
    else:
        relation = _("Proves that the parties signed this contract, so a contract relationship exists between them.")
    return _join_sentences([relation.format(**values), *_citation(cited, sources, _, CLAUSE_CITATIONS)], _)


def _citation(cited: list[_KeyClause], sources: _Sources, _: Translate, templates: dict[str, str]) -> list[str]:
    """Return one sentence per subject that cites its clauses, such as 合同第四条约定了交货时间、地点和方式。"""
    by_subject: dict[str, list[Clause]] = defaultdict(list)
    for key in cited:
        by_subject[key.subject].append(key.clause)
    sentences = []
    for subject in CLAUSE_CITATIONS:  # a fixed order: price before delivery, termination before liability
        if by_subject.get(subject):
            clauses = _join_list([_clause_citation(clause, sources) for clause in by_subject[subject]], _)
            sentences.append(_(templates[subject]).format(clauses=clauses))
    return sentences


# Groups 2 and later: performance records and the other documents


def _propose_performance(proposal: _Proposal, sources: _Sources, dispute: str, _: Translate) -> None:
    entries: list[tuple[tuple[dt.date, int, int], ItemInput]] = []
    covered: set[int] = set()  # documents that a chosen record already brings into the pack
    for record in sources.records:
        group = _record_group(record, dispute)
        if group is None:
            continue
        record_documents = [*sources.attached.get(record.id, []),
                            *([record.document_id] if record.document_id is not None else [])]
        covered.update(record_documents)
        if _is_key_evidence(dispute, group, record=record) or any(
                _is_key_evidence(dispute, group, title=_document_title_text(sources, document_id))
                for document_id in record_documents):
            proposal.key_groups.add(group)
        item = ItemInput(source="record", record_id=record.id, name=_record_name(record, _), origin="electronic",
                         issuer=_("Us"), purpose=_record_purpose(record, dispute, sources, _), group_number=group)
        entries.append(((record.occurred_on, 0, record.id), item))

    document_groups = DOCUMENT_GROUPS[dispute]
    for document in sources.documents:
        if document.id in covered or document.kind in CONTRACT_KINDS:
            continue
        version = sources.current[document.id]
        title = _document_title_text(sources, document.id)
        demand = _is_payment_demand(document.kind, title)
        group = document_groups.get(document.kind)
        if dispute == "wrongful_termination" and (_is_termination_notice(title) or (demand and group is not None)):
            # A termination notice of any kind, and a demand filed among the payments, are letters.
            group = 3
        if group is None:
            continue
        if dispute == "unpaid_price" and document.kind == "correspondence" and not _mentions(title, PAYMENT_WORDS):
            continue
        if _is_key_evidence(dispute, group, title=title):
            proposal.key_groups.add(group)
        if dispute == "wrongful_termination" and _is_termination_notice(title):
            purpose = _(TERMINATION_NOTICE_PURPOSE)
        elif demand:
            purpose = _(DEMAND_PURPOSE)
        else:
            purpose = _(DOCUMENT_PURPOSES.get(document.kind, DOCUMENT_PURPOSES["correspondence"]))
        item = ItemInput(source="version", document_version_id=version.id, name=_document_name(document, version, _),
                         origin="copy", purpose=purpose, group_number=group)
        # Documents have no date of their own, so they follow the dated records of their group.
        entries.append(((dt.date.max, 1, document.id), item))

    for _key, item in sorted(entries, key=lambda entry: entry[0]):
        proposal.add(item)


def _document_title_text(sources: _Sources, document_id: int) -> str:
    """Return a document's title, its version's title and its file name, for matching words of a title."""
    document = next((d for d in sources.documents if d.id == document_id), None)
    if document is None:
        return ""
    version = sources.current[document.id]
    return " ".join(filter(None, (document.title, version.title, version.filename)))


def _is_payment_demand(kind: str, title: str) -> bool:
    """Return whether a document filed as a payment, an invoice or a letter is titled as a request for payment."""
    if kind not in ("payment_proof", "invoice", "correspondence") or _mentions(title, PAYMENT_PROOF_TITLE_WORDS):
        return False
    return _mentions(title, DEMAND_TITLE_WORDS) or (kind != "correspondence" and _mentions(title, NOTICE_TITLE_WORDS))


def _is_termination_notice(title: str) -> bool:
    return _mentions(title, TERMINATION_WORDS) and _mentions(title, NOTICE_WORDS)


def _is_key_evidence(dispute: str, group: int, *, record: PerformanceRecord | None = None, title: str = "") -> bool:
    """Return whether an item is the key evidence that RECORD_GAPS expects in `group` of `dispute`."""
    if dispute not in RECORD_GAPS or RECORD_GAPS[dispute][0] != group:
        return False
    if dispute == "wrongful_termination":
        return (record is not None and record.kind == "termination") or _is_termination_notice(title)
    # Any performance record or acceptance report shows that we performed before asking for the price.
    return record is not None or bool(title)


def _group_titles(proposal: _Proposal, dispute: str, _: Translate) -> dict[str, str]:
    """Return the dispute's group titles, each with a hint when the draft lacks that group's key evidence."""
    titles = {number: _(title) for number, title in enumerate(GROUP_TITLES[dispute], start=1)}
    topics = DISPUTE_TOPICS.get(dispute, ())
    if topics and topics[0] not in proposal.topics_found:
        titles[CONTRACT_GROUP] = _("{title} {gap}").format(title=titles[CONTRACT_GROUP], gap=_(CLAUSE_GAPS[topics[0]]))
    if dispute in RECORD_GAPS:
        group, gap = RECORD_GAPS[dispute]
        if group not in proposal.key_groups:
            titles[group] = _("{title} {gap}").format(title=titles[group], gap=_(gap))
    return {str(number): title for number, title in titles.items()}


def _record_group(record: PerformanceRecord, dispute: str) -> int | None:
    """Return the group a record goes into for `dispute`, or None when it is left out."""
    kind, status = record.kind, record.status
    if dispute == "unpaid_price":
        if kind in ("delivery", "progress") or (kind == "acceptance" and status == "passed"):
            return 2
        if kind == "payment":
            return 3
        if kind == "communication" and (record.demand or _mentions(record.summary, PAYMENT_WORDS)):
            return 3
        return None
    if dispute == "late_delivery":
        if kind in ("delivery", "acceptance"):
            return 2
        if kind in ("communication", "complaint", "dispute", "change"):
            return 3
        return None
    if dispute == "quality_defect":
        if kind in ("quality_inspection", "acceptance"):
            return 2
        if kind in ("complaint", "dispute", "communication"):
            return 3
        return None
    if dispute == "wrongful_termination":
        if kind in ("delivery", "progress") or (kind in ("acceptance", "quality_inspection") and status == "passed"):
            return 2
        if kind in ("termination", "communication", "dispute", "complaint", "change"):
            return 3
        if kind == "payment":
            return 4
        return None
    return None


def _record_purpose(record: PerformanceRecord, dispute: str, sources: _Sources, _: Translate) -> str:
    date = _date(record.occurred_on)
    if record.kind in ("acceptance", "quality_inspection"):
        status = record.status if record.status in ("passed", "failed") else None
        sentences = [_(RESULT_PURPOSES[(record.kind, status)]).format(date=date)]
    elif record.kind == "communication" and record.demand:
        sentences = [_("Proves that a written demand for performance was sent on {date}, "
                       "which also interrupts the limitation period.").format(date=date)]
    elif record.kind == "communication":
        # Lower case so that English reads "by phone"; Chinese labels have no case.
        channel = code_labels.label(code_labels.CHANNEL_LABELS, (record.detail or {}).get("channel"), _).lower()
        sentences = [_("Proves the communication of {date} by {channel}.").format(date=date, channel=channel)
                     if channel else _("Proves the communication of {date}.").format(date=date)]
    elif record.kind == "delivery" and dispute != "late_delivery":
        # A late delivery still proves delivery, but the purpose states the delay, so the draft
        # does not hide a defence of the other side. A late delivery dispute states it below.
        sentences = [_delivery_purpose(record, sources, _)]
    elif record.kind == "payment" and record.amount is not None:
        sentences = [_("Proves that a payment of {amount} was received on {date}.").format(
            amount=_money(record.amount, record.currency, _), date=date)]
    else:
        sentences = [_(RECORD_PURPOSES.get(record.kind, "Proves the facts recorded on {date}.")).format(date=date)]
    if dispute == "late_delivery" and record.kind == "delivery":
        sentences += [_delivery_fact(o, sources, _) for o in sources.met_by.get(record.id, [])
                      if o.kind == "delivery" and o.due_date is not None]
    if record.summary:
        sentences.append(_("Details: {summary}").format(summary=record.summary))
    return _join_sentences(sentences, _)


def _delivery_purpose(record: PerformanceRecord, sources: _Sources, _: Translate) -> str:
    date = _date(record.occurred_on)
    late_due_dates = [o.due_date for o in sources.met_by.get(record.id, [])
                      if o.kind == "delivery" and o.due_date is not None and o.due_date < record.occurred_on]
    if late_due_dates:
        return _("Proves that delivery was made on {date} (later than the agreed {due_date}).").format(
            date=date, due_date=_date(max(late_due_dates)))
    summary = (record.summary or "").lower()
    for phrase in NOT_LATE_PHRASES:
        summary = summary.replace(phrase, " ")
    if _mentions(summary, LATE_WORDS):
        return _("Proves that delivery was made on {date} (recorded as late).").format(date=date)
    return _(RECORD_PURPOSES["delivery"]).format(date=date)


def _record_name(record: PerformanceRecord, _: Translate) -> str:
    date = _date(record.occurred_on)
    if record.kind == "communication" and record.demand:
        return _("Written demand ({date})").format(date=date)
    kind = code_labels.label(code_labels.RECORD_KIND_LABELS, record.kind, _)
    return _("{kind} record ({date})").format(kind=kind, date=date)


# Wording helpers


def _case_name(sources: _Sources, dispute: str, _: Translate) -> str:
    contracts = sources.contracts
    subjects = {_contract_subject(contract, sources) for contract in contracts}
    names = DISPUTE_NAMES[dispute]
    dispute_name = _(names.get(subjects.pop() if len(subjects) == 1 else None, names[None]))
    title = _contract_title(contracts[0], _) if contracts else ""
    if len(contracts) > 1:
        template = _("{dispute} concerning “{title}” and other contracts")
    else:
        template = _("{dispute} concerning “{title}”")
    return _truncate(template.format(dispute=dispute_name, title=_fit_title(title, template)))


def _contract_subject(contract: Contract, sources: _Sources) -> str | None:
    """Return what the contract is about (lease, premises, service, goods), read from its titles, or None.

    The contract's own title is read first, then its contracts' and amendments' titles. A lease of
    a building is "premises".
    """
    documents = sorted((d for d in sources.documents if d.contract_id == contract.id and d.kind in CONTRACT_KINDS),
                       key=lambda d: (CONTRACT_KINDS.index(d.kind), d.id))
    for title in (contract.title, *(d.title for d in documents)):
        lowered = (title or "").lower()
        for subject, words in CONTRACT_SUBJECT_WORDS:
            if any(_has_keyword(lowered, word) for word in words):
                return "premises" if subject == "lease" and _mentions(lowered, PREMISES_WORDS) else subject
    return None


def _contract_title(contract: Contract, _: Translate) -> str:
    return contract.title or contract.number or _("Contract {id}").format(id=contract.id)


def _counterparties(contracts: list[Contract]) -> list[str]:
    return list(dict.fromkeys(c.counterparty.strip() for c in contracts if c.counterparty and c.counterparty.strip()))


def _parties(contract: Contract, _: Translate) -> str:
    if contract.counterparty:
        return _truncate(_("Us and {counterparty}").format(counterparty=contract.counterparty))
    return _("Both parties")


def _document_name(document: Document, version: DocumentVersion, _: Translate) -> str:
    title = document.title or version.title or version.filename.rsplit(".", 1)[0]
    template = _("“{title}”")
    return _truncate(template.format(title=_fit_title(title, template)))


def _fit_title(title: str, template: str) -> str:
    """Return `title` ready to go inside the title marks of `template`.

    Chinese nests title marks as 《关于〈租赁合同〉之补充协议》, so inside 《》 the title's own 《》
    become 〈〉. A title already wrapped in 《》 loses that pair, so that it is not wrapped twice.
    """
    if "《" not in template:
        return title
    title = title.strip()
    if title.startswith("《") and title.endswith("》") and _balanced_marks(title[1:-1]):
        title = title[1:-1]
    return title.replace("《", "〈").replace("》", "〉")


def _balanced_marks(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"《": 1, "》": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _document_of(sources: _Sources, clause: Clause) -> Document:
    document_id = sources.document_of_version[clause.document_version_id]
    return next(d for d in sources.documents if d.id == document_id)


def _clause_name(document: Document, version: DocumentVersion, clause: Clause, sources: _Sources,
                 _: Translate) -> str:
    """Return the item name of a clause: the document, the citation and the clause's heading or first words."""
    template = _("{document}, {clause}")
    document_name = _document_name(document, version, _)
    citation = _clause_citation(clause, sources)
    # The heading or first words get what the document and the citation leave of MAX_NAME.
    room = MAX_NAME - len(template.format(document=document_name, clause=f"{citation} "))
    if clause.heading:
        words = clause.heading.strip()
        words = words if len(words) <= room else _leading_words(words, room)
    else:
        words = _leading_words(_clause_body(clause), min(LABEL_MAX, room))
    return _truncate(template.format(document=document_name, clause=f"{citation} {words}".strip()))


def _leading_words(text: str, limit: int) -> str:
    """Return the first words of `text`, at most `limit` characters with "…", cut after a phrase where one ends.

    The cut falls at the last punctuation mark (，。；：) between LABEL_MIN and `limit`
    characters, else after LABEL_CUT characters (at a space in Latin text).
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ""
    window = text[:limit]
    ends = [m.start() for m in re.finditer(r"[，。；：,;:]|\.(?=\s)", window) if m.start() >= LABEL_MIN]
    if ends:
        cut = ends[-1]
    else:
        cut = min(LABEL_CUT, limit - 1)
        space = text.rfind(" ", LABEL_MIN, cut + 1)
        if text[:cut].isascii() and space > 0:
            cut = space
    return text[:cut].rstrip() + "…"


def _clause_citation(clause: Clause, sources: _Sources) -> str:
    """Return how a purpose cites the clause, with the numbers of the clauses that contain it (第八条第2项)."""
    return cite_clause(clause, sources.clauses.get(clause.document_version_id, []), sources.locale)


def _clause_pages(clause: Clause, sources: _Sources) -> str | None:
    """Return the pages of the clause and the clauses under it ("3-4"), or None when the version has no pages."""
    clauses = sources.clauses.get(clause.document_version_id, [])
    by_id = {c.id: c for c in clauses}
    covered = [clause, *(c for c in clauses if _is_ancestor(clause, c, by_id))]
    starts = [c.page_start for c in covered if c.page_start is not None]
    ends = [c.page_end if c.page_end is not None else c.page_start for c in covered if c.page_start is not None]
    if not starts:
        return None
    first, last = min(starts), max(ends)
    return str(first) if first == last else f"{first}-{last}"


def _obligation_name(obligation: Obligation, _: Translate) -> str:
    if obligation.summary:
        return obligation.summary
    if obligation.stage:
        return code_labels.label(code_labels.STAGE_LABELS, obligation.stage, _)
    return code_labels.label(code_labels.OBLIGATION_KIND_LABELS, obligation.kind, _)


def _money(amount: Decimal, currency: str | None, _: Translate) -> str:
    text = f"{amount:,.2f}"
    if currency in (None, "CNY"):
        return _("CNY {amount}").format(amount=text)
    return f"{currency} {text}"


def _date(day: dt.date | None) -> str:
    # ISO dates, as the rest of the archive's pages and exports write them.
    return day.isoformat() if day else ""


def _join_sentences(sentences: list[str], _: Translate) -> str:
    present = [sentence for sentence in sentences if sentence]
    if not present:
        return ""
    return reduce(lambda first, second: _("{first} {second}").format(first=first, second=second), present)


def _join_list(names: list[str], _: Translate) -> str:
    if not names:
        return ""
    return reduce(lambda first, second: _("{first}, {second}").format(first=first, second=second), names)


def _truncate(text: str, limit: int = MAX_NAME) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
