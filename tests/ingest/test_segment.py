from ingest.parsed import BBox, Block, Page, ParsedDocument
from ingest.segment import MAX_SIGNATURE_LINES, segment

PAGE_LEFT = 72.0
PAGE_RIGHT = 523.0


def docx_doc(*paragraphs: str | tuple[str, ...]) -> ParsedDocument:
    """Build a DOCX-like document: strings are paragraphs, tuples are table rows."""
    blocks = []
    for index, item in enumerate(paragraphs):
        if isinstance(item, tuple):
            blocks.append(Block(" | ".join(item), paragraph_index=index, cells=item))
        else:
            blocks.append(Block(item, paragraph_index=index))
    return ParsedDocument("application/vnd.openxmlformats-officedocument.wordprocessingml.document", tuple(blocks))


def pdf_doc(*lines: tuple[int, str, bool]) -> ParsedDocument:
    """Build a PDF-like document from (page, text, runs to the right margin) lines."""
    blocks = []
    tops: dict[int, float] = {}
    for page, text, full in lines:
        top = tops.get(page, 72.0)
        tops[page] = top + 16
        right = PAGE_RIGHT if full else PAGE_LEFT + 12 * min(len(text), 30)
        blocks.append(Block(text, page=page, bbox=BBox(PAGE_LEFT, top, right, top + 12), font_size=10.5))
    return ParsedDocument("application/pdf", tuple(blocks))


def numbers(clauses):
    return [c.number for c in clauses if c.role == "clause"]


def by_number(clauses, number):
    [clause] = [c for c in clauses if c.number == number]
    return clause


def test_chinese_articles_nesting():
    clauses = segment(docx_doc(
        "技术服务合同",
        "甲方：某某公司",
        "第一条 合同标的",
        "（一）服务内容：系统运维。",
        "1、日常巡检；",
        "2、故障处理；",
        "（二）服务地点：北京。",
        "第二条 价款",
        "（一）合同总价为人民币10万元。",
    ))

    assert numbers(clauses) == ["第一条", "（一）", "1、", "2、", "（二）", "第二条", "（一）"]
    first, paren_one, item_one = by_number(clauses, "第一条"), clauses[2], clauses[3]
    assert first.heading == "合同标的"
    assert first.level == 0
    assert first.parent is None
    assert paren_one.parent == first.ordinal
    assert paren_one.level == 1
    assert item_one.parent == paren_one.ordinal
    assert item_one.level == 2
    assert clauses[4].parent == paren_one.ordinal
    assert clauses[5].parent == first.ordinal
    assert clauses[7].parent == clauses[6].ordinal


def test_preamble_is_own_unit():
    clauses = segment(docx_doc("采购合同", "甲方：某某公司", "乙方：另一公司", "第一条 标的", "买卖办公设备。"))

    assert clauses[0].role == "preamble"
    assert clauses[0].number is None
    assert clauses[0].text.splitlines() == ["采购合同", "甲方：某某公司", "乙方：另一公司"]
    assert clauses[1].text == "第一条 标的\n买卖办公设备。"
    assert clauses[1].paragraph_start == 3
    assert clauses[1].paragraph_end == 4


def test_large_chinese_article_numbers():
    paragraphs = [f"第{n}条 内容{n}。" for n in ("九十九", "一百", "一百零一", "一百零二")]
    clauses = segment(docx_doc(*paragraphs))

    assert numbers(clauses) == ["第九十九条", "第一百条", "第一百零一条", "第一百零二条"]


def test_article_with_dun_separator():
    clauses = segment(docx_doc("第一条、合同标的", "1、技术目标：", "第二条、合作方式"))

    assert numbers(clauses) == ["第一条", "1、", "第二条"]
    assert clauses[0].heading == "合同标的"
    assert clauses[1].heading == "技术目标"


def test_chapters_above_articles():
    clauses = segment(docx_doc(
        "第一章 总则", "第一条 目的。", "第二条 范围。", "第二章 价款", "第三条 价款。",
    ))

    chapter_two = by_number(clauses, "第二章")
    article_three = by_number(clauses, "第三条")
    assert chapter_two.level == 0
    assert article_three.parent == chapter_two.ordinal
    assert by_number(clauses, "第二条").parent == by_number(clauses, "第一章").ordinal


def test_style_order_learned_from_document():
    # Here 1. lists sit above （一） lists, the reverse of the usual order.
    clauses = segment(docx_doc(
        "1. 定义", "（一）合同：本合同。", "（二）甲方：委托人。", "2. 价款", "（一）总价：十万元。",
    ))

    assert [c.level for c in clauses] == [0, 1, 1, 0, 1]
    assert clauses[4].parent == clauses[3].ordinal


def test_dotted_hierarchy():
    clauses = segment(docx_doc(
        "1. Definitions", "1.1 Agreement means this document.", "1.1.1 It includes schedules.",
        "1.2 Party means a signatory.", "2. Services", "2.1 Supplier shall perform the Services.",
    ))

    assert numbers(clauses) == ["1.", "1.1", "1.1.1", "1.2", "2.", "2.1"]
    assert [c.level for c in clauses] == [0, 1, 2, 1, 0, 1]
    assert clauses[2].parent == clauses[1].ordinal
    assert clauses[3].parent == clauses[0].ordinal
    assert clauses[5].parent == clauses[4].ordinal
    assert clauses[0].heading == "Definitions"


def test_english_articles_sections_letters():
    clauses = segment(docx_doc(
        "ARTICLE I", "DEFINITIONS", "Section 1.1 Terms. Words have these meanings:",
        "(a) Affiliate means a controlled entity;", "(b) Business Day means a weekday;",
        "ARTICLE II", "PAYMENT", "Section 2.1 Fees. Customer shall pay the fees.",
    ))

    assert numbers(clauses) == ["ARTICLE I", "Section 1.1", "(a)", "(b)", "ARTICLE II", "Section 2.1"]
    article_one = clauses[0]
    assert article_one.heading == "DEFINITIONS"
    assert clauses[1].parent == article_one.ordinal
    assert clauses[1].heading == "Terms"
    assert clauses[2].parent == clauses[1].ordinal
    assert clauses[5].parent == clauses[4].ordinal


def test_letter_i_after_h_and_roman_items():
    letters = [f"({c}) item {c};" for c in "abcdefghi"]
    clauses = segment(docx_doc("1. Scope", *letters, "(i) first roman under (i);", "(ii) second;"))
    by_text = {c.text: c for c in clauses}

    letter_i = by_text["(i) item i;"]
    assert letter_i.parent == clauses[0].ordinal
    roman_two = by_text["(ii) second;"]
    assert roman_two.parent == letter_i.ordinal
    assert by_text["(i) first roman under (i);"].parent == letter_i.ordinal


def test_circled_and_parenthesised_digits():
    clauses = segment(docx_doc("一、付款", "(1) 首付款：", "①签约后支付；", "②验收后支付。", "(2) 尾款。"))

    assert numbers(clauses) == ["一、", "(1)", "①", "②", "(2)"]
    assert [c.level for c in clauses] == [0, 1, 2, 2, 1]


def test_out_of_sequence_number_is_text():
    clauses = segment(docx_doc("第一条 标的。", "第二条 价款。", "第九条 约定的违约金另计。", "第三条 期限。"))

    assert numbers(clauses) == ["第一条", "第二条", "第三条"]
    assert "第九条" in by_number(clauses, "第二条").text


def test_small_gap_in_numbering_accepted():
    clauses = segment(docx_doc("1. One.", "2. Two.", "4. Four, one line lost.", "5. Five."))

    assert numbers(clauses) == ["1.", "2.", "4.", "5."]


def test_table_rows_are_not_clause_starts():
    clauses = segment(docx_doc(
        "第一条 货物清单",
        ("1.", "笔记本电脑", "10台"),
        ("2.", "打印机", "2台"),
        "第二条 交付",
    ))

    assert numbers(clauses) == ["第一条", "第二条"]
    assert clauses[0].table_rows == (("1.", "笔记本电脑", "10台"), ("2.", "打印机", "2台"))


def test_table_of_contents_lines_skipped():
    clauses = segment(docx_doc(
        "目录",
        "第一条 定义……………………3",
        "第二条 价款……………………5",
        "合同正文",
        "第一条 定义",
        "第二条 价款",
    ))

    assert numbers(clauses) == ["第一条", "第二条"]
    assert [c.role for c in clauses] == ["toc", "preamble", "clause", "clause"]
    assert clauses[0].paragraph_end == 2
    assert by_number(clauses, "第一条").paragraph_start == 4


def test_toc_without_leaders_after_title():
    clauses = segment(docx_doc(
        "TABLE OF CONTENTS", "1. SCOPE 3", "2. FEES 7", "SERVICES AGREEMENT",
        "1. SCOPE.", "The supplier provides services.", "2. FEES.",
    ))

    assert numbers(clauses) == ["1.", "2."]
    assert [c.role for c in clauses] == ["toc", "preamble", "clause", "clause"]
    assert by_number(clauses, "1.").paragraph_start == 4


def test_quantities_are_not_clause_starts():
    clauses = segment(docx_doc("第一条 期限", "2024年3月5日起算。", "1.5倍违约金。", "第二条 其他"))

    assert numbers(clauses) == ["第一条", "第二条"]


def test_wrapped_pdf_line_starting_with_number():
    clauses = segment(pdf_doc(
        (1, "第一条 付款", False),
        (1, "甲方应按下列比例付款，首期款为合同总价的百分之三十，余款按照附件", True),
        (1, "1. 所列进度支付。", False),
        (1, "第二条 交付", False),
    ))

    assert numbers(clauses) == ["第一条", "第二条"]
    assert clauses[0].text == "第一条 付款\n甲方应按下列比例付款，首期款为合同总价的百分之三十，余款按照附件1. 所列进度支付。"


def test_pdf_line_after_sentence_end_starts_clause():
    clauses = segment(pdf_doc(
        (1, "第一条 付款", False),
        (1, "甲方应按下列比例付款，首期款为合同总价的百分之三十，余款分两期支付。", True),
        (1, "1. 验收合格后支付百分之六十。", False),
        (1, "2. 质保期满后支付百分之十。", False),
    ))

    assert numbers(clauses) == ["第一条", "1.", "2."]


def test_pdf_join_latin_and_hyphen():
    clauses = segment(pdf_doc(
        (1, "1. Services. The supplier shall provide the services described in the state-", True),
        (1, "ment of work and all related support services as agreed", True),
        (1, "between the parties.", False),
    ))

    assert clauses[0].text == (
        "1. Services. The supplier shall provide the services described in the statement "
        "of work and all related support services as agreed between the parties."
    )
    assert clauses[0].heading == "Services"


def test_pdf_page_span_and_boxes():
    clauses = segment(pdf_doc(
        (1, "第一条 标的", False),
        (1, "乙方向甲方提供软件开发服务。", False),
        (2, "开发内容详见附件。", False),
        (2, "第二条 价款", False),
    ))

    first = clauses[0]
    assert (first.page_start, first.page_end) == (1, 2)
    assert [page for page, _ in first.boxes] == [1, 2]
    page_one_box = first.boxes[0][1]
    assert page_one_box.top == 72.0
    assert page_one_box.bottom == 72.0 + 16 + 12


def test_page_numbers_left_out_of_text():
    clauses = segment(pdf_doc(
        (1, "第一条 标的", False), (1, "- 1 -", False), (2, "乙方提供服务。", False),
    ))

    assert clauses[0].text == "第一条 标的\n乙方提供服务。"


def test_signature_block_chinese():
    clauses = segment(docx_doc(
        "第一条 标的。", "第二条 生效。本合同自双方签字盖章之日起生效。", "（以下无正文）",
        "甲方（盖章）：", "乙方（盖章）：", "日期：2024年3月5日",
    ))

    assert [c.role for c in clauses] == ["clause", "clause", "signature"]
    signature = clauses[-1]
    assert signature.number is None
    assert signature.text.startswith("（以下无正文）")
    assert signature.paragraph_end == 5


def test_signature_block_seal_line():
    clauses = segment(docx_doc("一、标的。", "二、价款。", "甲方（盖章）：                乙方（盖章）：", "2024年3月5日"))

    assert [c.role for c in clauses] == ["clause", "clause", "signature"]


def test_signature_block_english_by_name():
    clauses = segment(docx_doc(
        "1. Term. This Agreement lasts one year.", "2. Notices. Notices are written.",
        "ACME CORP.", "By: ____________", "Name: Jane Doe", "Title: CEO",
    ))

    assert [c.role for c in clauses] == ["clause", "clause", "signature"]
    assert clauses[-1].text.splitlines()[0] == "By: ____________"


def test_in_witness_whereof_then_exhibit():
    clauses = segment(docx_doc(
        "1. Scope. Services.", "2. Term. One year.",
        "IN WITNESS WHEREOF, the parties have signed this Agreement.",
        "By: /s/ A", "Name: A", "EXHIBIT A", "1. Service levels", "2. Support hours",
    ))

    assert [c.role for c in clauses] == ["clause", "clause", "signature", "clause", "clause", "clause"]
    exhibit = clauses[3]
    assert exhibit.number == "EXHIBIT A"
    assert clauses[4].parent == exhibit.ordinal


def test_nested_restart_keeps_outer_sequence():
    clauses = segment(docx_doc(
        "1. Warranties.", "1.1 Each party warrants the following agreements:",
        "1. Agreement of 2004.", "2. Agreement of 2005.", "1.2 No other warranty.",
        "2. Term.", "2.1 The term is one year.",
    ))

    assert numbers(clauses) == ["1.", "1.1", "1.", "2.", "1.2", "2.", "2.1"]
    assert clauses[2].parent == clauses[1].ordinal
    assert clauses[5].level == 0
    assert clauses[6].parent == clauses[5].ordinal


def test_heading_none_for_sentence():
    clauses = segment(docx_doc("1、甲方应当提供专人与乙方联络并对乙方的开发进度及质量进行监督。"))

    assert clauses[0].heading is None


def test_document_without_numbers_is_one_preamble():
    clauses = segment(docx_doc("验收单", "验收结论：合格", ("名称", "数量"), ("电脑", "2")))

    assert [c.role for c in clauses] == ["preamble"]
    assert len(clauses[0].table_rows) == 2


def test_signature_mid_document_ends_at_new_part():
    clauses = segment(docx_doc(
        "第一部分 合同协议书", "一、项目概况", "二、合同生效", "委托人：（公章）", "受托人：（公章）",
        "第二部分 通用合同条款", "第1条 一般约定", "1.1 定义和解释", "1.1.1 合同：指本合同。", "1.1.2 委托人：指甲方。",
        "1.2 联络", "第2条 委托人",
    ))

    assert [c.role for c in clauses].count("signature") == 1
    signature = next(c for c in clauses if c.role == "signature")
    assert signature.text.splitlines() == ["委托人：（公章）", "受托人：（公章）"]
    assert numbers(clauses)[3:] == ["第二部分", "第1条", "1.1", "1.1.1", "1.1.2", "1.2", "第2条"]
    assert by_number(clauses, "1.1.1").parent == by_number(clauses, "1.1").ordinal
    assert by_number(clauses, "第2条").parent == by_number(clauses, "第二部分").ordinal


def test_signature_block_line_limit():
    form_lines = [f"联系人{n}：" for n in range(40)]
    clauses = segment(docx_doc("第一条 标的。", "甲方（盖章）：", *form_lines))

    signature = clauses[1]
    assert signature.role == "signature"
    assert len(signature.text.splitlines()) == MAX_SIGNATURE_LINES
    assert clauses[2].role == "preamble"
    assert clauses[2].text.splitlines()[-1] == "联系人39："


def test_signature_block_page_limit():
    clauses = segment(pdf_doc(
        (1, "第一条 标的。", False), (1, "甲方（盖章）：", False), (2, "日期：", False),
        (3, "请另行填写", False), (3, "以上内容", False),
    ))

    assert [c.role for c in clauses] == ["clause", "signature", "preamble"]
    assert (clauses[1].page_start, clauses[1].page_end) == (1, 2)
    assert clauses[2].page_start == 3


def test_signature_line_numbered_two_stays():
    clauses = segment(docx_doc("1. Scope.", "2. Term.", "By: /s/ A", "Name: A", "2 originals signed."))

    assert [c.role for c in clauses] == ["clause", "clause", "signature"]


def test_next_annex_after_signature():
    clauses = segment(docx_doc(
        "1. Scope.", "IN WITNESS WHEREOF, the parties signed.", "Exhibit A - Service Levels",
        "1. Availability.", "2. Support.", "Exhibit B - Fees", "1. Rates.",
    ))

    assert numbers(clauses) == ["1.", "Exhibit A", "1.", "2.", "Exhibit B", "1."]
    assert clauses[-1].parent == by_number(clauses, "Exhibit B").ordinal


def test_first_clause_number_lost():
    clauses = segment(docx_doc("THIS CONTRACT is made today.", "2. Time. Work ends in May.", "3 Pay", "4. Conduct."))

    assert numbers(clauses) == ["2.", "4."]
    assert clauses[0].role == "preamble"


def test_lone_late_number_stays_text():
    clauses = segment(docx_doc("Pay within", "2. weeks", "Notes", "3 days later"))

    assert [c.role for c in clauses] == ["preamble"]


def caps_pdf(*headings: str) -> ParsedDocument:
    body = "The parties agree to the terms written in this section of the agreement, as follows"
    lines = [(1, "SUPPLY AGREEMENT", False)]
    for heading in headings:
        lines += [(1, heading, False), (1, body, True), (1, "and no others.", False)]
    doc = pdf_doc(*lines)
    # A centred title does not start at the left text edge.
    title = doc.blocks[0]
    centred = Block(title.text, page=1, bbox=BBox(200.0, title.bbox.top, 380.0, title.bbox.bottom), font_size=12)
    return ParsedDocument(doc.media_type, (centred, *doc.blocks[1:]))


def test_unnumbered_caps_headings_pdf():
    clauses = segment(caps_pdf("PRICING", "GOVERNING LAW", "ENTIRE AGREEMENT"))

    assert [c.role for c in clauses] == ["preamble", "clause", "clause", "clause"]
    assert [c.heading for c in clauses[1:]] == ["PRICING", "GOVERNING LAW", "ENTIRE AGREEMENT"]
    assert all(c.number is None for c in clauses)
    assert clauses[0].text == "SUPPLY AGREEMENT"


def test_few_caps_lines_stay_preamble():
    clauses = segment(caps_pdf("RECITALS", "WITNESSETH"))

    assert [c.role for c in clauses] == ["preamble"]


def test_article_heading_after_full_line():
    clauses = segment(pdf_doc(
        (1, "甲方：示例科技有限公司，地址位于北京市海淀区中关村大街一号示例大厦", True),
        (1, "第一条 合同标的", False),
        (1, "乙方提供服务。", False),
    ))

    assert numbers(clauses) == ["第一条"]
    assert clauses[1].heading == "合同标的"


def test_article_out_of_sequence_after_full_line():
    clauses = segment(pdf_doc(
        (1, "第一条 合同标的", False),
        (1, "乙方应按约定提供服务，未按约定提供服务的，应按本合同约定承担责任，具体见", True),
        (1, "第五条 违约责任", False),
        (1, "第二条 价款", False),
    ))

    assert numbers(clauses) == ["第一条", "第二条"]


def test_section_subsection_after_section():
    clauses = segment(docx_doc(
        "Section 1 Definitions.", "Section 2.1 Fees. Customer pays.", "Section 2.2 Taxes. Customer pays.",
        "Section 3 Term.",
    ))

    assert numbers(clauses) == ["Section 1", "Section 2.1", "Section 2.2", "Section 3"]
    assert clauses[2].parent == clauses[1].parent
    assert clauses[3].level == 0


def test_list_under_multilevel_dotted():
    clauses = segment(docx_doc(
        "一、总则", "（1）适用范围；", "（2）定义。", "1.1 服务", "1.1.1 受托人应提交计划，包括：",
        "（1）服务顺序；", "（2）交付日期。", "1.1.2 委托人应审批计划。", "1.2 暂停",
    ))

    item = clauses[5]
    assert item.number == "（1）"
    assert item.parent == by_number(clauses, "1.1.1").ordinal
    assert by_number(clauses, "1.1.2").parent == by_number(clauses, "1.1").ordinal
    assert by_number(clauses, "1.2").heading == "暂停"


def test_article_number_with_spaces():
    clauses = segment(pdf_doc((1, "第 1 条 一般约定", False), (1, "第 2 条 委托人", False)))

    assert numbers(clauses) == ["第 1 条", "第 2 条"]
    assert clauses[1].heading == "委托人"


def test_dotted_under_article_skips_first():
    clauses = segment(docx_doc("第6条 服务费用", "6.2 支付程序", "6.4 争议款项", "第7条 变更"))

    assert numbers(clauses) == ["第6条", "6.2", "6.4", "第7条"]
    assert clauses[1].parent == clauses[0].ordinal


def test_heading_with_enumeration_comma():
    clauses = segment(docx_doc("第5条 进度计划、延误和暂停", "5.1 开始"))

    assert clauses[0].heading == "进度计划、延误和暂停"


def test_running_header_is_furniture():
    lines = []
    for page in (1, 2, 3):
        lines += [(page, "Exhibit A — Sample Contract", False), (page, f"{page}. Clause {page}.", False)]
    clauses = segment(pdf_doc(*lines))

    assert numbers(clauses) == ["1.", "2.", "3."]
    assert all("Sample Contract" not in c.text for c in clauses)


def test_signature_labels_after_last_clause():
    clauses = segment(docx_doc(
        "一、标的：办公桌十张。",
        "二、其他",
        "1. 本合同一式两份。",
        "2. 双方签字后生效。",
        "甲方单位名称：某甲有限公司乙方单位名称：某乙有限公司",
        "（盖公章）（盖公章）",
        "签约代表：签约代表：",
        "签署日期：签署日期：",
    ))

    assert [c.role for c in clauses] == ["clause", "clause", "clause", "clause", "signature"]
    assert by_number(clauses, "2.").text == "2. 双方签字后生效。"
    assert clauses[-1].paragraph_start == 4
    assert clauses[-1].paragraph_end == 7


def test_signature_party_representative_date():
    clauses = segment(docx_doc(
        "第一条 标的", "乙方开发软件。", "第二条 其他", "1、本合同一式两份。",
        "甲方：某甲公司乙方：某乙公司",
        "地址：某市某路地址：某市某街",
        "授权代表：张三授权代表：李四",
        "签订时间：2024年1月2日签订时间：2024年1月2日",
    ))

    assert [c.role for c in clauses][-1] == "signature"
    assert by_number(clauses, "1、").text == "1、本合同一式两份。"
    assert clauses[-1].text.startswith("甲方：某甲公司")


def test_contact_lines_stay_in_clause():
    clauses = segment(docx_doc(
        "第一条 标的", "第二条 通知", "双方联系方式如下：",
        "甲方：某甲公司", "联系人：张三", "电话：010-1234",
        "乙方：某乙公司", "联系人：李四", "电话：010-5678",
    ))

    assert [c.role for c in clauses] == ["clause", "clause"]
    assert clauses[-1].text.endswith("电话：010-5678")


def toc_pdf() -> ParsedDocument:
    leader = "." * 40
    return pdf_doc(
        (1, "说明", False),
        (1, "一、适用范围", False),
        (1, "本文本适用于咨询服务。", False),
        (1, "二、使用方法", False),
        (1, "当事人应当如实填写。", False),
        (2, "目录", False),
        (2, "第一部分 协议书" + leader, True),
        (2, "一、项目概况" + leader + "1", True),
        (2, "二、服务内容" + leader, True),
        (2, "三、委托人代表与咨询项目总负责人及其", False),
        (2, "职责" + leader + "3", True),
        (2, "第二部分 通用条款" + leader + "5", True),
        (2, "2", False),
        (3, "第一部分 协议书", False),
        (3, "一、项目概况", False),
        (3, "项目名称：某项目。", False),
        (3, "二、服务内容", False),
    )


def test_toc_is_own_unit():
    clauses = segment(toc_pdf())
    [toc] = [c for c in clauses if c.role == "toc"]

    assert toc.page_start == toc.page_end == 2
    assert toc.text.splitlines()[0] == "目录"
    assert len(toc.text.splitlines()) == 7
    assert "2" not in toc.text.splitlines()
    before = [c for c in clauses if c.page_start == 1]
    assert [c.number for c in before] == [None, "一、", "二、"]
    assert before[-1].page_end == 1


def test_clauses_after_toc_start_afresh():
    clauses = segment(toc_pdf())
    part = by_number(clauses, "第一部分")

    assert part.page_start == 3
    assert part.level == 0
    body = [c for c in clauses if c.page_start == 3]
    assert [c.number for c in body] == ["第一部分", "一、", "二、"]
    assert body[1].parent == part.ordinal


def test_untitled_leader_run_is_toc():
    leader = "…" * 10
    clauses = segment(docx_doc(
        "服务合同",
        "第一条 定义" + leader + "2",
        "第二条 价款" + leader + "3",
        "第三条 期限" + leader + "4",
        "第一条 定义",
        "本合同用语含义如下。",
    ))

    assert [c.role for c in clauses] == ["preamble", "toc", "clause"]
    assert clauses[1].paragraph_start == 1
    assert clauses[1].paragraph_end == 3


def test_single_leader_line_stays_in_clause():
    clauses = segment(docx_doc("第一条 签署", "签字" + "." * 10 + "1", "第二条 其他"))

    assert [c.role for c in clauses] == ["clause", "clause"]
    assert clauses[0].paragraph_end == 1


def test_title_after_items_opens_preamble():
    clauses = segment(docx_doc(
        "说明",
        "1、本文本为示范文本。",
        "2、双方可另行签订补充协议。",
        "房屋租赁合同",
        "出租人（甲方）：某某",
        "第一条 房屋情况",
        "1. 房屋坐落于某市。",
        "2. 面积一百平方米。",
    ))

    assert [c.role for c in clauses] == ["preamble", "clause", "clause", "preamble", "clause", "clause", "clause"]
    lease = clauses[3]
    assert lease.text.splitlines() == ["房屋租赁合同", "出租人（甲方）：某某"]
    assert by_number(clauses, "2、").text == "2、双方可另行签订补充协议。"
    article = by_number(clauses, "第一条")
    assert article.level == 0
    assert clauses[-1].parent == article.ordinal


def test_sentence_about_contract_is_not_title():
    clauses = segment(docx_doc("1、本文本为示范文本。", "本补充协议", "2、双方协商。"))

    assert [c.role for c in clauses] == ["clause", "clause"]
    assert clauses[0].text == "1、本文本为示范文本。\n本补充协议"


def titled_pdf(title_x0: float) -> ParsedDocument:
    body = pdf_doc(
        (1, "1、本文本为示范文本，由某部门制定。", False),
        (1, "2、本合同适用于住房租赁。", False),
        (2, "住房租赁合同", False),
        (2, "出租人：某某", False),
        (2, "第一条 房屋情况", False),
    )
    blocks = list(body.blocks)
    title = blocks[2]
    blocks[2] = Block(title.text, page=2, bbox=BBox(title_x0, title.bbox.top, title_x0 + 140, title.bbox.bottom),
                      font_size=20)
    pages = tuple(Page(number, 595.0, 842.0, 200) for number in (1, 2))
    return ParsedDocument("application/pdf", tuple(blocks), pages=pages)


def test_centred_pdf_title_opens_preamble():
    clauses = segment(titled_pdf(227.5))

    assert [c.role for c in clauses] == ["clause", "clause", "preamble", "clause"]
    assert clauses[2].page_start == 2
    assert by_number(clauses, "2、").page_end == 1


def test_left_pdf_title_line_stays():
    clauses = segment(titled_pdf(PAGE_LEFT))

    assert [c.role for c in clauses] == ["clause", "clause", "clause"]
    assert by_number(clauses, "2、").page_end == 2


def test_schedule_sections_from_three():
    clauses = segment(docx_doc(
        "1. Scope. Services.", "2. Term. One year.",
        "IN WITNESS WHEREOF, the parties have signed this Agreement.",
        "By: /s/ A", "Name: A",
        "SCHEDULE 1",
        "THIS SCHEDULE is made today.",
        "I. Propagation.",
        "3. RESEARCH PLAN",
        "The plan lists the research activities.",
        "4. LOCATION OF WORK:",
        "5. STAFF:",
        "5.1 Scientists of each party.",
    ))
    schedule = by_number(clauses, "SCHEDULE 1")

    # The outline section I. and the numbered sections from 3. are all sections of the schedule.
    assert [c.number for c in clauses if c.parent == schedule.ordinal] == ["I", "3.", "4.", "5."]
    assert by_number(clauses, "3.").level == 1
    assert by_number(clauses, "5.1").parent == by_number(clauses, "5.").ordinal
    assert schedule.text == "SCHEDULE 1\nTHIS SCHEDULE is made today."


def test_dot_letters_and_roman_items_nest():
    clauses = segment(docx_doc(
        "1. PURPOSE",
        "a. The reseller may sell cards.",
        "b. The cards keep their lives:",
        "i. Select cards for nine months;",
        "ii. Other cards for three months.",
        "c. Orders are placed monthly.",
        "2. EXCLUSIVITY",
    ))
    purpose = by_number(clauses, "1.")
    letter_b = by_number(clauses, "b")
    roman_one = by_number(clauses, "i")

    assert numbers(clauses) == ["1.", "a", "b", "i", "ii", "c", "2."]
    assert by_number(clauses, "a").parent == purpose.ordinal
    assert letter_b.parent == purpose.ordinal
    assert roman_one.parent == letter_b.ordinal
    assert by_number(clauses, "ii").parent == letter_b.ordinal
    assert by_number(clauses, "c").parent == purpose.ordinal
    assert by_number(clauses, "2.").parent is None


def test_dot_letter_i_after_g_is_roman():
    letters = [f"{c}. Item {c}." for c in "abcdefg"]
    clauses = segment(docx_doc("1. Shipping", *letters, "i. During period one.", "ii. During period two.",
                               "h. One point is one dollar."))
    by_text = {c.text: c for c in clauses}
    letter_g = by_text["g. Item g."]

    assert by_text["i. During period one."].parent == letter_g.ordinal
    assert by_text["ii. During period two."].parent == letter_g.ordinal
    assert by_text["h. One point is one dollar."].parent == clauses[0].ordinal


def test_dot_letter_i_after_h_continues_letters():
    letters = [f"{c}. Item {c}." for c in "abcdefghi"]
    clauses = segment(docx_doc("1. Terms", *letters))
    by_text = {c.text: c for c in clauses}

    assert by_text["i. Item i."].parent == clauses[0].ordinal
    assert by_text["i. Item i."].level == by_text["h. Item h."].level


def test_upper_paren_letters_nest():
    clauses = segment(docx_doc(
        "1. Minimum Purchases. The Distributor shall buy:",
        "(A) 375 units in the first year;",
        "(B) 750 units in the next year.",
        "(c) any violation by either of them of the patent.",
    ))
    first = by_number(clauses, "1.")

    assert numbers(clauses) == ["1.", "(A)", "(B)"]
    assert by_number(clauses, "(A)").parent == first.ordinal
    assert by_number(clauses, "(B)").parent == first.ordinal


def test_recitals_are_siblings_of_sections():
    clauses = segment(docx_doc(
        "DISTRIBUTOR AGREEMENT",
        "RECITALS",
        "A. The Company's Business. The Company sells an energy device.",
        "B. Representations. The Distributor has the staff to sell it.",
        "1. ESTABLISHMENT OF DISTRIBUTORSHIP",
        "1.1 Grant. The Company appoints the Distributor.",
    ))
    section = by_number(clauses, "1.")

    assert numbers(clauses) == ["A", "B", "1.", "1.1"]
    assert by_number(clauses, "B").parent is None
    assert section.parent is None
    assert section.level == by_number(clauses, "A").level
    assert by_number(clauses, "1.1").parent == section.ordinal


def test_outline_letter_heading_keeps_children():
    clauses = segment(docx_doc("A. GENERAL", "1. SCOPE", "2. TERM", "B. SPECIFIC", "1. PRICE"))

    assert by_number(clauses, "2.").parent == by_number(clauses, "A").ordinal
    assert clauses[-1].parent == by_number(clauses, "B").ordinal


def test_exhibit_sub_label_kept_whole():
    clauses = segment(docx_doc(
        "1. Scope. Services.",
        "IN WITNESS WHEREOF, the parties have signed this Agreement.",
        "By: /s/ A", "Name: A",
        "EXHIBIT 1",
        "Trust terms.",
        "EXHIBIT 1.A",
        "Form of order.",
        "EXHIBIT 1.B",
        "Destruction certificate.",
    ))

    assert numbers(clauses)[-3:] == ["EXHIBIT 1", "EXHIBIT 1.A", "EXHIBIT 1.B"]


def test_wrapped_exhibit_reference_not_clause():
    clauses = segment(docx_doc(
        "1. Destruction. Seller shall destroy the cards as set out in Exhibit",
        "1.C, and destruction fees apply.",
        "2. Fees. Seller pays the fees.",
    ))

    assert numbers(clauses) == ["1.", "2."]


def test_korean_articles():
    clauses = segment(docx_doc(
        "위촉계약서",
        "제1조(목적)",
        "본 계약은 위촉 조건을 정한다.",
        "제2조 (위촉기간)",
        "1. 위촉기간은 1년으로 한다.",
        "제1조에 따른 목적은 변경할 수 없다.",
        "제3조(수수료)",
    ))
    article_two = by_number(clauses, "제2조")

    assert numbers(clauses) == ["제1조", "제2조", "1.", "제3조"]
    assert article_two.heading == "(위촉기간)"
    assert by_number(clauses, "1.").parent == article_two.ordinal
    assert by_number(clauses, "제3조").parent is None


def test_numbered_blank_lines():
    clauses = segment(docx_doc(
        "第四条 甲方提供的工作条件",
        "1．提供技术资料：",
        "（1）；",
        "（2）；",
        "（3）。",
        "2．提供工作条件：",
    ))

    assert numbers(clauses) == ["第四条", "1．", "（1）", "（2）", "（3）", "2．"]
    assert by_number(clauses, "（3）").parent == by_number(clauses, "1．").ordinal


def test_checkbox_options_numbered():
    clauses = segment(docx_doc(
        "第二条 培训收费",
        "（一）收费标准",
        "其中：",
        "☐1.培训费：元。",
        "☐2.培训资料费：元。",
        "☐3. 其他费用：。",
        "（二）付费方式",
    ))

    assert numbers(clauses) == ["第二条", "（一）", "1.", "2.", "3.", "（二）"]
    assert by_number(clauses, "3.").parent == by_number(clauses, "（一）").ordinal


def test_rule_line_does_not_wrap_into_item():
    rule = "-" * 60
    clauses = segment(pdf_doc(
        (1, "1. PENALTIES", False),
        (1, "a. Penalties are calculated monthly.", False),
        (1, "b. The example below shows one month:", False),
        (1, rule, True),
        (1, "d. Schoolpop pays penalties within thirty days.", False),
    ))

    assert numbers(clauses) == ["1.", "a", "b", "d"]


def test_letter_exhibits_without_signature():
    clauses = segment(docx_doc(
        "1. SERVICES",
        "Company provides the Services.",
        "2. MISCELLANEOUS",
        "[Optional: add further terms here]",
        "EXHIBIT A",
        "Implementation Plan",
        "1. Data migration.",
        "[Describe the milestones here]",
        "EXHIBIT B",
        "Support Hours",
    ))
    exhibit_a = by_number(clauses, "EXHIBIT A")

    assert numbers(clauses) == ["1.", "2.", "EXHIBIT A", "1.", "EXHIBIT B"]
    assert exhibit_a.level == 0
    assert clauses[-2].parent == exhibit_a.ordinal


def test_filing_stamp_before_clauses_not_annex():
    clauses = segment(docx_doc(
        "EXHIBIT 10.2",
        "SUPPLY AGREEMENT",
        "This Agreement is made between Seller and Buyer.",
        "1. Supply. Seller sells the goods.",
    ))

    assert numbers(clauses) == ["1."]
    assert clauses[0].role == "preamble"


def test_compound_exhibit_under_schedule_pdf():
    clauses = segment(pdf_doc(
        (1, "1. New Exhibits. New Exhibit AA-1 is attached.", False),
        (1, "2. Pricing. New Exhibit D-1 is attached.", False),
        (1, "IN WITNESS WHEREOF, the parties have signed this Amendment.", False),
        (2, "Schedule 1", False),
        (2, "Exhibit AA-1", False),
        (2, "Drawing 17, revision C", False),
        (3, "Schedule 2", False),
        (3, "Exhibit D-1", False),
        (3, "Pricing", False),
    ))

    assert numbers(clauses) == ["1.", "2.", "Schedule 1", "Exhibit AA-1", "Schedule 2", "Exhibit D-1"]
    assert by_number(clauses, "Exhibit D-1").page_start == 3


def test_chinese_annex_compound_label():
    clauses = segment(docx_doc(
        "第一条 标的",
        "买卖办公设备。",
        "附件2-1 设备清单",
        "一、台式电脑。",
    ))

    assert numbers(clauses) == ["第一条", "附件2-1", "一、"]


def test_quoted_replacement_items_pdf():
    clauses = segment(pdf_doc(
        (1, "1. Amendment to Exhibit A. Exhibit A to the Agreement is supplemented with the following text", True),
        (1, "in full as set out here:", False),
        (1, "“3. Hosting. The provider runs the platform in two data centres.", False),
        (1, "4. Backups. The provider copies the “Customer Data” every night.", False),
        (1, "5. Reporting. The provider sends a monthly uptime report.", False),
        (1, "Items 3 to 5 apply from the first day of the renewal term.”", False),
        (1, "2. Effect. All other terms remain in force.", False),
    ))
    amending = by_number(clauses, "1.")

    assert numbers(clauses) == ["1.", "2."]
    assert "4. Backups." in amending.text
    assert "5. Reporting." in amending.text


def test_quotation_opened_after_colon_inline():
    clauses = segment(docx_doc(
        "1. Term. Section 3 of the Agreement is amended to read: “3. Term. The term is two years.",
        "4. Renewal. The term renews for one year.”",
        "2. Effect. All other terms remain in force.",
    ))

    assert numbers(clauses) == ["1.", "2."]


def test_straight_quoted_replacement_items():
    clauses = segment(docx_doc(
        "1. Notices. Section 3 is replaced as follows:",
        '"3. Notices. Notices are given in writing.',
        '4. Assignment. Neither party may assign this Agreement."',
        "2. Counterparts. This Amendment may be signed in counterparts.",
    ))

    assert numbers(clauses) == ["1.", "2."]


def test_unclosed_quotation_keeps_numbering():
    clauses = segment(docx_doc(
        "1. Definitions. Terms are defined as follows: “Services",
        "2. Fees. Customer pays the fees.",
        "3. Term. The term is one year.",
    ))

    assert numbers(clauses) == ["1.", "2.", "3."]


def test_quotation_without_colon_keeps_numbering():
    clauses = segment(docx_doc(
        "1. Scope. The parties call this the “Revised",
        "Specifications” in what follows.",
        "2. Fees. Customer pays the fees.",
    ))

    assert numbers(clauses) == ["1.", "2."]


def test_list_after_colon_nests():
    # 1. sits above （1） in the first article, yet under an item ending in a colon it nests.
    clauses = segment(docx_doc(
        "第一条 房屋", "1.房屋坐落于某处。", "（1）共有人已书面同意。",
        "第二条 付款", "（一）乙方按下列第种方式付款：", "1.一次性付款：乙方一次付清。", "2.分期付款：乙方分两期付清。",
        "（二）房款资金监管", "第三条 其他",
    ))

    assert numbers(clauses) == ["第一条", "1.", "（1）", "第二条", "（一）", "1.", "2.", "（二）", "第三条"]
    first_item = by_number(clauses, "（一）")
    assert [c.parent for c in clauses if c.number in ("1.", "2.") and c.ordinal > first_item.ordinal] == [
        first_item.ordinal, first_item.ordinal,
    ]
    assert by_number(clauses, "（二）").parent == by_number(clauses, "第二条").ordinal


def test_inline_first_item_list():
    clauses = segment(docx_doc("第一条 登记", "1．申请登记人：", "2．登记材料：（1）", "（2）", "（3）", "3．合同类型："))

    assert numbers(clauses) == ["第一条", "1．", "2．", "（2）", "（3）", "3．"]
    assert by_number(clauses, "（3）").parent == by_number(clauses, "2．").ordinal


def test_lone_opening_bracket_joins_next():
    clauses = segment(pdf_doc(
        (1, "第一条 承诺", False),
        (1, "（1）该房屋没有司法查封；", False),
        (1, "（", False),
        (1, "2）其他情形。", False),
    ))

    assert numbers(clauses) == ["第一条", "（1）", "（2）"]
    assert by_number(clauses, "（2）").text == "（2）其他情形。"


def test_centred_annex_title_not_wrapped():
    # On a form page the right text edge comes from short lines, so a centred title reaches it.
    def line(top, x0, x1, text):
        return Block(text, page=1, bbox=BBox(x0, top, x1, top + 12), font_size=12.0)

    blocks = (
        line(30, 112, 380, "第十条 本合同自双方签字之日起生效。"),
        line(60, 112, 150, "附件1"),
        line(100, 160, 437, "房屋附属设施设备、装饰装修、相关物品清单"),
        line(140, 112, 241, "（一）房屋附属设施设备："),
        line(160, 112, 440, "1.供水：自来水公司供水，水表一只，位于厨房吊顶之内。"),
        line(180, 112, 447, "2.供电：国家电网供电，电表一只，位于楼道电表箱之内。"),
        line(200, 112, 445, "（二）装修装饰情况：厨房、卫生间已经装修，其余为毛坯。"),
        line(220, 112, 446, "（三）家具、电器等物品情况：空调两台，热水器一台。"),
    )
    doc = ParsedDocument("application/pdf", blocks, pages=(Page(1, 595.0, 842.0, 200),))
    clauses = segment(doc)

    assert numbers(clauses) == ["第十条", "附件1", "（一）", "1.", "2.", "（二）", "（三）"]


def test_outline_numbers_nest_by_parts():
    clauses = segment(docx_doc(
        "SCHEDULE 1",
        "A. Unless otherwise specified herein, the terms of the agreement shall apply to this schedule.",
        "B. In the event of any difference between the two, the terms of this schedule shall prevail.",
        "I. Propagation.", "I.A. Rationale:", "I.B. Goal: plants.", "I.B.i. Objective 1: supply.",
        "I.B.ii. Objective 2: test.", "II. Breeding", "II. B. Goal: a collection.", "II B.ii. Objective: cross.",
        "I am the only sentence here.",
    ))

    assert numbers(clauses) == ["A", "B", "I", "I.A", "I.B", "I.B.i", "I.B.ii", "II", "II. B", "II B.ii"]
    section_one = by_number(clauses, "I")
    assert section_one.parent is None
    assert by_number(clauses, "I.B.ii").parent == by_number(clauses, "I.B").ordinal
    assert by_number(clauses, "I.A").parent == section_one.ordinal
    assert by_number(clauses, "II B.ii").text.endswith("I am the only sentence here.")


def test_chinese_section_starts_late_after_open_items():
    # A scan whose first section heading 一、采购概况 OCR did not read: 二、 must still close 1、 to 3、.
    clauses = segment(docx_doc(
        "电脑及办公设备采购合同",
        "1、采购名称：电脑及办公设备采购",
        "2、送货地点：山西省太原市小店区",
        "3、送货方式：由乙方承担运输费用。",
        "二、采购内容",
        "乙方为甲方提供笔记本电脑及打印办公设备。",
        "三、采购明细",
        "现将具体设备名称、品牌型号如下：",
        "四、供货期限",
        "供货期限为合同签订后三个工作日内。",
    ))

    assert numbers(clauses) == ["1、", "2、", "3、", "二、", "三、", "四、"]
    assert "乙方为甲方提供" in by_number(clauses, "二、").text
    assert "二、" not in by_number(clauses, "3、").text


def test_chinese_section_word_in_item_stays_text():
    # 二、 inside a full sentence line is not a heading, and a lone 二、 without 三、 is not confirmed.
    clauses = segment(docx_doc(
        "1、采购名称：电脑及办公设备采购",
        "2、送货地点：山西省太原市小店区",
        "二、三日内送达，乙方承担运输费用并负责安装调试，安装完毕后由甲方验收签字确认无误。",
    ))

    assert numbers(clauses) == ["1、", "2、"]
