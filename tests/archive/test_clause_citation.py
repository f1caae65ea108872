"""Clause citations built from stored clause rows: the whole number path, in Chinese and in English."""

from __future__ import annotations

import pytest

from archive.clause_citation import cite_clause, read_number
from archive.models import Clause


def tree(*rows: tuple[int, str, str, str]) -> list[Clause]:
    """Return clauses from (level, number, heading, text) rows, each the child of the last row one level up."""
    clauses: list[Clause] = []
    last_at_level: dict[int, Clause] = {}
    for ordinal, (level, number, heading, text) in enumerate(rows):
        parent = last_at_level.get(level - 1) if level else None
        clause = Clause(id=ordinal + 1, ordinal=ordinal, role="clause", number=number, heading=heading or None,
                        text=text, level=level, parent_id=parent.id if parent else None)
        clauses.append(clause)
        last_at_level[level] = clause
    return clauses


CHINESE = tree(
    (0, "七、", "付款方式", "七、付款方式"),
    (1, "（一）", "", "（一）预付款：合同总价的30%"),
    (0, "八、", "双方责任", "八、双方责任"),
    (1, "1.", "甲方", "1. 甲方：按期付款"),
    (1, "2.", "乙方", "2. 乙方：按期交货"),
    (2, "（1）", "", "（1）交货时间"),
    (0, "第九条", "违约责任", "第九条 违约责任"),
    (1, "9.1", "", "9.1 乙方迟延交货的，应支付违约金。"),
    (0, "第10条", "合同解除", "第10条 合同解除"),
    (1, "10.2", "", "10.2 由受托人解除合同"),
    (2, "10.2.1", "", "10.2.1 委托人逾期付款的"),
)


@pytest.mark.parametrize(("ordinal", "chinese", "english"), [
    (0, "第七条", "Article 7"),
    (1, "第七条第（一）项", "Article 7(1)"),
    (4, "第八条第2项", "Article 8(2)"),
    (5, "第八条第2项第（1）目", "Article 8(2)(1)"),
    (7, "第9.1条", "Article 9.1"),
    (9, "第10.2条", "Article 10.2"),
    (10, "第10.2.1条", "Article 10.2.1"),
])
def test_chinese_contract_paths(ordinal: int, chinese: str, english: str) -> None:
    assert cite_clause(CHINESE[ordinal], CHINESE, "zh_CN") == chinese
    assert cite_clause(CHINESE[ordinal], CHINESE, "en") == english


def test_part_and_annex_are_named() -> None:
    clauses = tree(
        (0, "第二部分", "通用合同条款", "第二部分通用合同条款"),
        (1, "第6条", "服务费用和支付", "第6条 服务费用和支付"),
        (2, "6.2", "支付程序和方式", "6.2 支付程序和方式"),
        (0, "附件2", "服务费用和支付", "附件2 服务费用和支付"),
        (1, "三、", "服务费用的支付", "三、服务费用的支付"),
    )
    assert cite_clause(clauses[2], clauses, "zh_CN") == "第二部分（通用合同条款）第6.2条"
    assert cite_clause(clauses[2], clauses, "en") == "Article 6.2 of Part 2"
    assert cite_clause(clauses[4], clauses, "zh_CN") == "附件2第三条"
    assert cite_clause(clauses[4], clauses, "en") == "Article 3 of Annex 2"


def test_english_contract_paths() -> None:
    clauses = tree(
        (0, "5.", "Duration and Termination", "5. Duration and Termination."),
        (1, "(b)", "", "(b) Notwithstanding the foregoing, the Services"),
        (2, "(iii)", "", "(iii) may be terminated at any time"),
        (0, "Article 6", "Amendment", "Article 6 Amendment"),
        (1, "(a)", "", "(a) This Agreement may be amended"),
        (0, "Section 7.2", "Notices", "Section 7.2 Notices"),
        (0, "EXHIBIT B", "FEES", "EXHIBIT B\nFEES"),
    )
    assert cite_clause(clauses[2], clauses, "en") == "Section 5(b)(iii)"
    assert cite_clause(clauses[2], clauses, "zh_CN") == "第5(b)(iii)条"
    assert cite_clause(clauses[4], clauses, "en") == "Article 6(a)"
    assert cite_clause(clauses[5], clauses, "en") == "Section 7.2"
    assert cite_clause(clauses[6], clauses, "en") == "Exhibit B"
    assert cite_clause(clauses[6], clauses, "zh_CN") == "附件B"


def test_missing_parent_id_uses_preceding_lower_level() -> None:
    clauses = tree((0, "八、", "双方责任", "八、双方责任"), (1, "2.", "乙方", "2. 乙方：按期交货"))
    clauses[1].parent_id = None
    assert cite_clause(clauses[1], clauses, "zh_CN") == "第八条第2项"


def test_unreadable_number_is_kept() -> None:
    clauses = tree((0, "甲方义务", "", "甲方义务：按期付款"))
    assert read_number("甲方义务") is None
    assert cite_clause(clauses[0], clauses, "zh_CN") == "甲方义务"
