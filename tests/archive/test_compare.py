"""Clause comparison: alignment by number and text, diffs, and the clause references of amendments."""

from __future__ import annotations

import pytest

from archive.compare import (
    ADD_ACTION,
    ADDED,
    CHANGED,
    DELETE,
    DELETE_ACTION,
    EQUAL,
    INSERT,
    REMOVED,
    RENUMBERED,
    REPLACE_ACTION,
    UNCHANGED,
    ClauseText,
    Segment,
    amendment_targets,
    classify_action,
    compare_amendment,
    compare_versions,
    diff_segments,
    find_references,
    read_number,
    replacement_text,
    tokenize,
)
from archive.numerals import chinese_numeral_value


def clause(clause_id: int, number: str | None, body: str, *, parent: int | None = None,
           role: str = "clause") -> ClauseText:
    """Return a clause whose text starts with its number, as the segmenter stores it."""
    text = f"{number} {body}" if number else body
    return ClauseText(id=clause_id, number=number, heading=None, text=text, role=role, parent_id=parent)


CONTRACT = [
    clause(1, None, "设备采购合同\n甲方：示例科技有限公司", role="preamble"),
    clause(2, "第一条", "合同标的\n乙方向甲方供应服务器十台。"),
    clause(3, "第二条", "保密\n双方对知悉的对方商业秘密负有保密义务，保密期限不因合同终止而终止。"),
    clause(4, "第三条", "付款方式"),
    clause(5, "（一）", "合同签订后15个工作日内，甲方支付合同总价款的30%作为预付款；", parent=4),
    clause(6, "（二）", "设备验收合格后30日内，甲方支付合同总价款的65%；", parent=4),
    clause(7, "第四条", "争议解决\n提交甲方所在地人民法院诉讼解决。"),
    clause(8, "第五条", "其他\n本合同一式两份，双方各执一份。"),
]


def states(rows) -> list[tuple[str, str | None, str | None]]:  # type: ignore[no-untyped-def]
    return [(row.state, row.left and row.left.number, row.right and row.right.number) for row in rows]


def test_identical_versions_unchanged() -> None:
    rows = compare_versions(CONTRACT, CONTRACT)
    assert [row.state for row in rows] == [UNCHANGED] * len(CONTRACT)
    assert all(row.segments == () for row in rows)


def test_alignment_by_number_and_renumbering() -> None:
    right = [
        clause(11, None, "设备采购合同\n甲方：示例科技有限公司", role="preamble"),
        clause(12, "第一条", "合同标的\n乙方向甲方供应服务器二十台。"),
        clause(13, "第二条", "培训\n乙方负责培训甲方操作人员，共计三次。"),
        clause(14, "第三条", "保密\n双方对知悉的对方商业秘密负有保密义务，保密期限不因合同终止而终止。"),
        clause(15, "第四条", "付款方式"),
        clause(16, "（一）", "合同签订后15个工作日内，甲方支付合同总价款的30%作为预付款；", parent=15),
        clause(17, "（二）", "设备验收合格后30日内，甲方支付合同总价款的65%；", parent=15),
        clause(18, "第五条", "争议解决\n提交乙方所在地仲裁委员会仲裁解决。"),
    ]
    rows = compare_versions(CONTRACT, right)
    assert states(rows) == [
        (UNCHANGED, None, None),
        (CHANGED, "第一条", "第一条"),
        (ADDED, None, "第二条"),
        (RENUMBERED, "第二条", "第三条"),
        (RENUMBERED, "第三条", "第四条"),
        (RENUMBERED, "（一）", "（一）"),
        (RENUMBERED, "（二）", "（二）"),
        (CHANGED, "第四条", "第五条"),
        (REMOVED, "第五条", None),
    ]


def test_removed_clause_follows_its_predecessor() -> None:
    right = [c for c in CONTRACT if c.id != 3]
    rows = compare_versions(CONTRACT, right)
    assert states(rows)[1:4] == [
        (UNCHANGED, "第一条", "第一条"),
        (REMOVED, "第二条", None),
        (UNCHANGED, "第三条", "第三条"),
    ]


def test_rewritten_clause_is_changed() -> None:
    right = list(CONTRACT)
    right[-1] = clause(8, "第五条", "通知\n一切通知以书面形式送达对方地址。")
    rows = compare_versions(CONTRACT, right)
    assert states(rows)[-1] == (CHANGED, "第五条", "第五条")


def test_rewrapped_text_is_unchanged() -> None:
    right = list(CONTRACT)
    right[2] = clause(3, "第二条", "保密\n双方对知悉的对方商业秘密负有保密义务，\n保密期限不因合同终止而终止。")
    assert compare_versions(CONTRACT, right)[2].state == UNCHANGED


def test_chinese_diff_is_character_level() -> None:
    segments = diff_segments("提交甲方所在地人民法院诉讼解决。", "提交乙方所在地人民法院诉讼解决。")
    assert segments == (
        Segment(EQUAL, "提交"),
        Segment(DELETE, "甲"),
        Segment(INSERT, "乙"),
        Segment(EQUAL, "方所在地人民法院诉讼解决。"),
    )


def test_english_diff_is_word_level() -> None:
    segments = diff_segments("Customer shall pay USD 24,000 per year.", "Customer shall pay USD 30,000 per quarter.")
    assert Segment(DELETE, "24,000") in segments
    assert Segment(INSERT, "30,000") in segments
    assert Segment(DELETE, "year") in segments
    assert Segment(INSERT, "quarter") in segments
    assert Segment(EQUAL, "Customer shall pay USD ") == segments[0]


def test_diff_segments_rebuild_both_texts() -> None:
    left = "乙方应于2024年6月30日前交付设备 (the Equipment)。"
    right = "乙方应于2024年7月31日前交付全部设备 (all Equipment)。"
    segments = diff_segments(left, right)
    assert "".join(s.text for s in segments if s.kind != INSERT) == left
    assert "".join(s.text for s in segments if s.kind != DELETE) == right


def test_long_texts_diff_line_by_line() -> None:
    lines = [f"{n}. The Supplier shall deliver lot {n} of the goods to the Buyer." for n in range(200)]
    changed = list(lines)
    changed[100] = "100. The Supplier shall deliver lot 100 of the goods to the Carrier."
    segments = diff_segments("\n".join(lines), "\n".join(changed))
    assert [s for s in segments if s.kind != EQUAL] == [Segment(DELETE, "Buyer"), Segment(INSERT, "Carrier")]


def test_tokenizer_cjk_words_numbers() -> None:
    assert tokenize("付款30%给Party A，共123,000.00元") == [
        "付", "款", "30%", "给", "Party", " ", "A", "，", "共", "123,000.00", "元",
    ]
    assert tokenize("third-party's claims") == ["third-party's", " ", "claims"]


def test_comparison_text_keeps_markup_as_text() -> None:
    left = [clause(1, "1.", "Notices.")]
    right = [clause(1, "1.", "Notices. <script>alert(1)</script>")]
    [row] = compare_versions(left, right)
    assert row.state == CHANGED
    assert Segment(INSERT, " <script>alert(1)</script>") in row.segments


def test_many_clauses_compare() -> None:
    # A 600-clause version against itself with every tenth clause edited and one inserted at the top.
    left = [clause(n, f"{n // 10 + 1}.{n % 10 + 1}", f"The Licensee shall report item {n} within {n % 7 + 1} days.")
            for n in range(600)]
    right = [clause(1000, "0.1", "A new definitions clause.")] + [
        clause(c.id + 2000, c.number, c.body.replace("report", "disclose") if c.id % 10 == 0 else c.body)
        for c in left
    ]
    rows = compare_versions(left, right)
    counts = {state: sum(row.state == state for row in rows) for state in (UNCHANGED, CHANGED, ADDED)}
    assert counts == {UNCHANGED: 540, CHANGED: 60, ADDED: 1}


@pytest.mark.parametrize(("printed", "value"), [
    ("三", 3), ("十", 10), ("十二", 12), ("二十", 20), ("二十一", 21), ("一百零五", 105), ("壹拾叁", 13), ("两", 2),
])
def test_chinese_numerals(printed: str, value: int) -> None:
    assert chinese_numeral_value(printed) == value


@pytest.mark.parametrize(("printed", "kind", "values"), [
    ("第三条", "条", (3,)),
    ("第十二条", "条", (12,)),
    ("第 1 条", "条", (1,)),
    ("第二章", "章", (2,)),
    ("Article 5", "条", (5,)),
    ("ARTICLE IV", "条", (4,)),
    ("Section 3.2", "dotted", (3, 2)),
    ("3.", "dotted", (3,)),
    ("3.2.1", "dotted", (3, 2, 1)),
    ("（一）", "item", (1,)),
    ("(b)", "item", (2,)),
    ("一、", "item", (1,)),
    ("EXHIBIT A", "annex", (1,)),
    ("附件二", "annex", (2,)),
])
def test_read_stored_numbers(printed: str, kind: str, values: tuple[int, ...]) -> None:
    number = read_number(printed)
    assert number is not None
    assert number.kind == kind
    assert number.values == values


def test_chinese_references() -> None:
    text = "原合同第三条第（一）项约定的预付款比例调整为40%；原合同第十二条第二款、第3.2条删除。"
    references = find_references(text)
    assert [r.printed for r in references] == ["第三条第（一）项", "第十二条第二款", "第3.2条"]
    assert [r.path for r in references] == [
        (("条", "3"), ("项", "1")),
        (("条", "12"), ("款", "2")),
        (("dotted", "3.2"),),
    ]
    assert [classify_action(text, r) for r in references] == [REPLACE_ACTION, DELETE_ACTION, DELETE_ACTION]


def test_english_references() -> None:
    text = ("Section 3.2 of the Agreement is amended to read as follows: the fee is USD 10. "
            "Sections 4(b) and 5 are hereby deleted. A new Article IV is added. "
            "Exhibit A is deleted in its entirety and replaced with the following.")
    references = find_references(text)
    assert [r.path for r in references] == [
        (("dotted", "3.2"),),
        (("dotted", "4"), ("item", "b")),
        (("dotted", "5"),),
        (("条", "4"),),
        (("annex", "A"),),
    ]
    assert [classify_action(text, r) for r in references] == [
        REPLACE_ACTION, DELETE_ACTION, DELETE_ACTION, ADD_ACTION, REPLACE_ACTION,
    ]


def test_law_and_self_references_ignored() -> None:
    text = ("根据《中华人民共和国民法典》第五百七十七条及公司法第二十条，本协议第二条另有约定。"
            "Section 2(a)(51) of the Investment Company Act applies, and Section 3 of this Amendment governs.")
    assert find_references(text) == []


def test_action_before_reference() -> None:
    text = "删除原合同第五条。"
    [reference] = find_references(text)
    assert classify_action(text, reference) == DELETE_ACTION
    text = "在原合同第三条后增加一款。"
    [reference] = find_references(text)
    assert classify_action(text, reference) == ADD_ACTION


def test_unrecognised_wording_has_no_action() -> None:
    text = "原合同第二条继续有效。"
    [reference] = find_references(text)
    assert classify_action(text, reference) is None


def test_targets_resolve_to_stored_numbers() -> None:
    amendment = clause(20, "二、", "付款方式调整\n原合同第三条第（一）项约定的预付款比例调整为40%。")
    [target] = amendment_targets(CONTRACT, amendment)
    assert target.clause is not None
    assert target.clause.id == 5
    assert target.action == REPLACE_ACTION


def test_paragraph_targets_its_article() -> None:
    amendment = clause(20, "一、", "原合同第四条第二款修改为：提交仲裁委员会仲裁。")
    [target] = amendment_targets(CONTRACT, amendment)
    assert target.clause is not None
    assert target.clause.id == 7


def test_article_in_enumerated_contract() -> None:
    contract = [clause(1, "一、", "货物"), clause(2, "二、", "价款"), clause(3, "三、", "交付")]
    [target] = amendment_targets(contract, clause(9, "1.", "原合同第三条修改为：乙方于7月交付。"))
    assert target.clause is not None
    assert target.clause.id == 3


def test_english_section_and_subclause_targets() -> None:
    contract = [
        clause(1, "1.", "Services."),
        clause(2, "4.", "Indemnification."),
        clause(3, "(a)", "FASC shall not be responsible.", parent=2),
        clause(4, "(b)", "The Adviser shall indemnify FASC.", parent=2),
        clause(5, "5.", "Term."),
        clause(6, "5.1", "Two years.", parent=5),
        clause(7, "EXHIBIT A", "DESCRIPTION OF SERVICES"),
    ]
    amendment = clause(20, "1.", "Clause 4(b) is deleted. Section 5.1 is amended to read: three years. "
                                  "Exhibit A is amended. Article 9 is added.")
    targets = amendment_targets(contract, amendment)
    assert [t.clause.id if t.clause else None for t in targets] == [4, 6, 7, None]
    assert [t.action for t in targets] == [DELETE_ACTION, REPLACE_ACTION, REPLACE_ACTION, ADD_ACTION]


def test_amendment_rows_follow_contract_order() -> None:
    amendment = [
        clause(30, None, "补充协议\n鉴于双方签订了原合同第一条所述的采购合同", role="preamble"),
        clause(31, "一、", "交货时间变更\n原合同第四条约定的诉讼解决变更为仲裁解决。"),
        clause(32, "二、", "付款方式调整\n原合同第三条第（一）项约定的预付款比例调整为40%。"),
        clause(33, "三、", "删除原合同第五条。"),
        clause(34, "四、", "增加第六条：乙方提供三年质保。"),
        clause(35, "五、", "本补充协议与原合同冲突的，以本补充协议为准。"),
    ]
    rows = compare_amendment(CONTRACT, amendment)
    summary = [(row.state, row.contract.id if row.contract else None, [a.id for a in row.amendments], row.actions)
               for row in rows]
    assert summary == [
        (UNCHANGED, 1, [], ()),
        (UNCHANGED, 2, [], ()),  # the preamble's mention of 第一条 changes nothing
        (UNCHANGED, 3, [], ()),
        (UNCHANGED, 4, [], ()),
        (CHANGED, 5, [32], (REPLACE_ACTION,)),
        (UNCHANGED, 6, [], ()),
        (CHANGED, 7, [31], (REPLACE_ACTION,)),
        (REMOVED, 8, [33], (DELETE_ACTION,)),
        (ADDED, None, [34], (ADD_ACTION,)),
        (ADDED, None, [35], ()),
    ]
    unresolved = rows[8].targets[0]
    assert unresolved.reference.printed == "第六条"
    assert unresolved.clause is None


def test_replacement_text_quoted() -> None:
    text = "原合同第四条修改为：“第四条 争议解决\n提交乙方所在地仲裁委员会仲裁解决。”"
    reference = find_references(text)[0]
    assert replacement_text(text, reference) == "第四条 争议解决\n提交乙方所在地仲裁委员会仲裁解决。"
    english = 'Section 5.1 is amended to read as follows: "5.1 The term is three years."'
    [reference] = find_references(english)
    assert replacement_text(english, reference) == "5.1 The term is three years."


def test_replacement_text_after_colon() -> None:
    text = "原合同第四条修改为：提交仲裁委员会仲裁解决。"
    [reference] = find_references(text)
    assert replacement_text(text, reference) == "提交仲裁委员会仲裁解决。"


def test_replacement_value_is_no_wording() -> None:
    text = "原合同第四条约定的交货时间变更为2024年7月31日前。"
    [reference] = find_references(text)
    assert replacement_text(text, reference) is None


def test_replaced_clause_diffed_against_new_wording() -> None:
    amendment = clause(9, "一、", "原合同第四条修改为：“第四条 争议解决\n提交乙方所在地仲裁委员会仲裁解决。”")
    [row] = [row for row in compare_amendment(CONTRACT, [amendment]) if row.is_change]
    assert row.contract is not None
    assert row.contract.id == 7
    # The 第四条 inside the quoted wording is no second reference.
    assert len(row.targets) == 1
    assert Segment(DELETE, "甲") in row.segments
    assert Segment(INSERT, "乙") in row.segments
    assert "".join(s.text for s in row.segments if s.kind != INSERT) == CONTRACT[6].body


def test_partial_replacement_not_diffed() -> None:
    amendment = clause(9, "一、", "原合同第四条约定的交货时间变更为2024年7月31日前。")
    [row] = [row for row in compare_amendment(CONTRACT, [amendment]) if row.is_change]
    assert row.segments == ()
