"""The new-version scorer: which documents of a contract an upload may be a new version of."""

from __future__ import annotations

import hashlib
import time

from archive.context import Archive
from archive.models import Clause, Contract, Document, DocumentVersion, ExtractedField
from archive.services import documents as document_service
from archive.services.contracts import create_contract
from archive.services.version_candidates import (
    RULE_CLAUSES,
    RULE_FILENAME,
    RULE_TITLE,
    filename_stem_key,
    find_version_candidates,
    pair_similarity,
    text_pairs,
)

PURCHASE_CLAUSES = [
    "第一条 标的：甲方向乙方采购服务器十台，型号与配置见附件一。",
    "第二条 价款：合同总价为人民币壹拾贰万元整（￥120,000.00），含税。",
    "第三条 交付：乙方应于合同签订后三十日内将货物送至甲方指定地点。",
    "第四条 验收：甲方应在收到货物后十个工作日内组织验收并出具验收报告。",
    "第五条 违约责任：任何一方违约，应向守约方支付合同总价百分之五的违约金。",
]


def new_contract(session, number: str = "HT-2024-001", title: str = "设备采购合同") -> int:  # type: ignore[no-untyped-def]
    return create_contract(session, number=number, title=title).id


def add_document(
    session,  # type: ignore[no-untyped-def]
    contract_id: int | None,
    *,
    kind: str,
    filename: str,
    title: str | None = None,
    clauses: list[str] = (),  # type: ignore[assignment]
    number: str | None = None,
    document_id: int | None = None,
) -> tuple[int, int]:
    """Store a version with its clauses (a new document unless `document_id`); return (document id, version id)."""
    sha256 = hashlib.sha256(f"{filename}|{title}|{clauses}|{document_id}".encode()).hexdigest()
    document_service.ensure_blob(session, sha256=sha256, size=100, media_type="application/pdf")
    if document_id is None:
        document = document_service.create_document(session, contract_id=contract_id, kind=kind, title=title)
        version_number, supersedes = 1, None
    else:
        document = session.get(Document, document_id)
        previous = document_service.latest_version(session, document_id)
        version_number, supersedes = previous.version_number + 1, previous.id
    version = DocumentVersion(
        document_id=document.id, blob_sha256=sha256, version_number=version_number, supersedes_id=supersedes,
        filename=filename, media_type="application/pdf", size=100, state="ingested", title=title,
    )
    session.add(version)
    session.flush()
    for ordinal, text in enumerate(clauses):
        session.add(Clause(document_version_id=version.id, ordinal=ordinal, role="clause", text=text))
    if number:
        session.add(ExtractedField(document_version_id=version.id, name="contract_number", value=number,
                                   normalized=number))
    session.flush()
    return document.id, version.id


def candidates_of(archive: Archive, version_id: int):  # type: ignore[no-untyped-def]
    with archive.session() as session:
        return find_version_candidates(session, version_id)


def test_similar_title_same_kind(archive: Archive) -> None:
    with archive.session() as session:
        contract = new_contract(session)
        old, _ = add_document(session, contract, kind="amendment", filename="a.pdf", title="设备采购合同补充协议（一）")
        _, new = add_document(session, contract, kind="amendment", filename="b.pdf", title="设备采购合同补充协议(一)")

    found = candidates_of(archive, new)

    assert [c.document_id for c in found] == [old]
    assert RULE_TITLE in found[0].rules
    assert found[0].title == "设备采购合同补充协议（一）"


def test_title_needs_same_kind(archive: Archive) -> None:
    with archive.session() as session:
        contract = new_contract(session)
        add_document(session, contract, kind="invoice", filename="a.pdf", title="设备采购合同补充协议")
        _, new = add_document(session, contract, kind="amendment", filename="b.pdf", title="设备采购合同补充协议")

    assert candidates_of(archive, new) == []


def test_filename_stem_without_marks(archive: Archive) -> None:
    with archive.session() as session:
        contract = new_contract(session)
        old, _ = add_document(session, contract, kind="contract", filename="采购合同-HT-2024-001-v1.docx",
                              number="HT-2024-001")
        _, new = add_document(session, contract, kind="contract", filename="采购合同-HT-2024-001-v2（修订版）.docx",
                              number="HT-2024-001")

    found = candidates_of(archive, new)

    assert [c.document_id for c in found] == [old]
    assert found[0].rules == (RULE_FILENAME,)


def test_filename_blocked_by_other_number(archive: Archive) -> None:
    with archive.session() as session:
        contract = new_contract(session)
        add_document(session, contract, kind="invoice", filename="发票-2024-v1.pdf", number="FP-001")
        _, new = add_document(session, contract, kind="invoice", filename="发票-2024-v2.pdf", number="FP-002")

    assert candidates_of(archive, new) == []


def test_clause_text_any_kind(archive: Archive) -> None:
    revised = [*PURCHASE_CLAUSES[:4], "第五条 违约责任：任何一方违约，应向守约方支付合同总价百分之十的违约金。"]
    with archive.session() as session:
        contract = new_contract(session)
        old, _ = add_document(session, contract, kind="contract", filename="purchase.pdf", title="设备采购合同",
                              clauses=PURCHASE_CLAUSES)
        _, new = add_document(session, contract, kind="other", filename="scan-0001.pdf", title="扫描件",
                              clauses=revised)

    found = candidates_of(archive, new)

    assert [c.document_id for c in found] == [old]
    assert found[0].rules == (RULE_CLAUSES,)
    assert found[0].clause_similarity > 0.8
    assert found[0].kind == "contract"


def test_unrelated_document_not_offered(archive: Archive) -> None:
    with archive.session() as session:
        contract = new_contract(session)
        add_document(session, contract, kind="contract", filename="purchase.pdf", title="设备采购合同",
                     clauses=PURCHASE_CLAUSES)
        _, new = add_document(session, contract, kind="acceptance_report", filename="验收报告.pdf", title="设备验收报告",
                              clauses=["验收日期：2024年8月9日", "经测试，设备运行正常，验收合格。"])

    assert candidates_of(archive, new) == []


def test_other_contract_not_offered(archive: Archive) -> None:
    with archive.session() as session:
        first = new_contract(session)
        second = new_contract(session, number="HT-2024-002", title="运维服务合同")
        add_document(session, first, kind="contract", filename="a.pdf", title="设备采购合同", clauses=PURCHASE_CLAUSES)
        _, new = add_document(session, second, kind="contract", filename="b.pdf", title="设备采购合同",
                              clauses=PURCHASE_CLAUSES)

    assert candidates_of(archive, new) == []


def test_deleted_document_not_offered(archive: Archive) -> None:
    from datetime import datetime, timezone

    with archive.session() as session:
        contract = new_contract(session)
        old, _ = add_document(session, contract, kind="contract", filename="a.pdf", title="设备采购合同")
        session.get(Document, old).deleted_at = datetime.now(timezone.utc)
        _, new = add_document(session, contract, kind="contract", filename="b.pdf", title="设备采购合同")

    assert candidates_of(archive, new) == []


def test_versioned_document_gets_no_offer(archive: Archive) -> None:
    with archive.session() as session:
        contract = new_contract(session)
        add_document(session, contract, kind="contract", filename="a.pdf", title="设备采购合同")
        document, _ = add_document(session, contract, kind="contract", filename="b.pdf", title="设备采购合同")
        _, second = add_document(session, contract, kind="contract", filename="c.pdf", title="设备采购合同",
                                 document_id=document)

    assert candidates_of(archive, second) == []


def test_candidates_best_first(archive: Archive) -> None:
    with archive.session() as session:
        contract = new_contract(session)
        by_name, _ = add_document(session, contract, kind="contract", filename="设备采购合同.pdf", title="合同文本")
        by_title_and_text, _ = add_document(session, contract, kind="contract", filename="x.pdf",
                                            title="设备采购合同", clauses=PURCHASE_CLAUSES)
        _, new = add_document(session, contract, kind="contract", filename="设备采购合同-v2.pdf", title="设备采购合同",
                              clauses=PURCHASE_CLAUSES)

    found = candidates_of(archive, new)

    assert [c.document_id for c in found] == [by_title_and_text, by_name]
    assert found[0].score > found[1].score


def test_scorer_writes_nothing(archive: Archive) -> None:
    with archive.session() as session:
        contract = new_contract(session)
        add_document(session, contract, kind="contract", filename="a.pdf", title="设备采购合同")
        _, new = add_document(session, contract, kind="contract", filename="b.pdf", title="设备采购合同")
    with archive.session() as session:
        before = (session.query(Document).count(), session.query(DocumentVersion).count(), session.query(Contract).count())
        find_version_candidates(session, new)
        assert not session.dirty and not session.new and not session.deleted
    with archive.session() as session:
        after = (session.query(Document).count(), session.query(DocumentVersion).count(), session.query(Contract).count())
    assert after == before


def test_scorer_fast_on_large_contract(archive: Archive) -> None:
    long_clauses = [f"第{i}条 " + "乙方应按照本合同约定的时间、地点和方式提供服务并接受甲方监督。" * 20 for i in range(40)]
    with archive.session() as session:
        contract = new_contract(session)
        for index in range(60):
            add_document(session, contract, kind="correspondence", filename=f"函件-{index}.pdf", title=f"催款函第{index}号",
                         clauses=[f"{index}", *long_clauses[:10]])
        _, new = add_document(session, contract, kind="contract", filename="new.pdf", title="设备采购合同",
                              clauses=long_clauses)

    started = time.perf_counter()
    candidates_of(archive, new)
    elapsed = time.perf_counter() - started

    # Measured well under 0.5 s on SQLite and PostgreSQL; 3 s leaves room for slow test machines.
    assert elapsed < 3.0


def test_filename_stem_key_drops_marks() -> None:
    assert filename_stem_key("采购合同-v2（修订版）.docx") == filename_stem_key("采购合同.docx")
    assert filename_stem_key("Service Agreement FINAL (1).pdf") == filename_stem_key("service agreement.pdf")
    assert filename_stem_key("合同-2024-03-05-定稿.pdf") == filename_stem_key("合同.pdf")
    assert filename_stem_key("HT-2024-001.pdf") == "ht2024001"


def test_pair_similarity_bounds() -> None:
    same = text_pairs("甲方向乙方采购服务器十台")

    assert pair_similarity(same, same) == 1.0
    assert pair_similarity(same, frozenset()) == 0.0
    assert pair_similarity(same, text_pairs("完全不同的一段文字内容")) < 0.1
