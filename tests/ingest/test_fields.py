from ingest.fields.extract import extract_fields
from ingest.parsed import Block, ParsedDocument
from ingest.segment import segment


def docx_doc(*paragraphs: str) -> ParsedDocument:
    blocks = tuple(Block(text, paragraph_index=index) for index, text in enumerate(paragraphs))
    return ParsedDocument("application/vnd.openxmlformats-officedocument.wordprocessingml.document", blocks)


def extract(*paragraphs: str):
    doc = docx_doc(*paragraphs)
    clauses = segment(doc)
    fields, warnings = extract_fields(doc, clauses)
    return clauses, {f.name: f for f in fields}, [f for f in fields if f.name == "party"], warnings


CHINESE_CONTRACT = (
    "设备采购合同",
    "合同编号：HT-2024-0315",
    "买方（甲方）：华东制造有限公司",
    "卖方（乙方）：江南设备有限公司",
    "签订日期：二〇二四年三月五日",
    "第一条 合同标的",
    "乙方向甲方出售数控机床两台。",
    "第二条 合同价款",
    "合同总价为人民币123,000.00元（大写：人民币壹拾贰万叁仟元整）。",
    "第三条 合同期限",
    "本合同有效期自2024年3月5日起至2025年3月4日止。",
    "第四条 生效",
    "本合同自2024年3月6日起生效。",
    "（以下无正文）",
    "甲方（盖章）：                    乙方（盖章）：",
)


def test_contract_number_and_title():
    _, fields, _, _ = extract(*CHINESE_CONTRACT)

    assert fields["contract_number"].value == "HT-2024-0315"
    assert fields["contract_number"].clause_ordinal == 0
    assert fields["title"].value == "设备采购合同"


def test_parties_with_roles_and_aliases():
    _, _, parties, _ = extract(*CHINESE_CONTRACT)

    assert [(p.role, p.value, p.detail) for p in parties] == [
        ("买方", "华东制造有限公司", "甲方"),
        ("卖方", "江南设备有限公司", "乙方"),
    ]


def test_signing_effective_and_term():
    clauses, fields, _, _ = extract(*CHINESE_CONTRACT)

    assert fields["signing_date"].normalized == "2024-03-05"
    assert fields["signing_date"].value == "二〇二四年三月五日"
    assert fields["effective_date"].normalized == "2024-03-06"
    assert fields["term"].normalized == "2024-03-05/2025-03-04"
    assert fields["expiry_date"].normalized == "2025-03-04"
    term_clause = clauses[fields["term"].clause_ordinal]
    assert term_clause.number == "第三条"


def test_total_amount_figures_and_uppercase():
    clauses, fields, _, warnings = extract(*CHINESE_CONTRACT)

    assert fields["total_amount"].normalized == "123000.00"
    assert fields["total_amount_uppercase"].normalized == "123000.00"
    assert fields["currency"].normalized == "CNY"
    assert clauses[fields["total_amount"].clause_ordinal].number == "第二条"
    assert warnings == []


def test_amount_disagreement_warns_with_both_values():
    _, fields, _, warnings = extract(
        "服务合同", "第一条 价款", "合同总价：￥100,000.00元（大写：壹拾万零叁仟肆佰元整）。"
    )

    assert fields["total_amount"].normalized == "100000.00"
    assert fields["total_amount_uppercase"].normalized == "103400.00"
    assert len(warnings) == 1
    assert "100000.00" in warnings[0]
    assert "103400.00" in warnings[0]
    assert "第一条" in warnings[0]


def test_wan_yuan_amount():
    _, fields, _, _ = extract("技术服务合同", "一、服务费", "合同金额为12.3万元。")

    assert fields["total_amount"].normalized == "123000.00"


def test_english_between_parties_and_dates():
    _, fields, parties, _ = extract(
        "SERVICES AGREEMENT",
        "THIS AGREEMENT, dated and effective as of January 1, 2004 (this “Agreement”) between "
        "ALPHA HOLDINGS LLC, a Delaware limited liability company (the “Company”), and "
        "BETA SERVICES INC., a New York corporation (“Provider”).",
        "1. Services. Provider shall provide the services.",
        "2. Fees. The total fees are USD 1,000,000.",
    )

    assert [(p.role, p.value) for p in parties] == [
        ("Company", "ALPHA HOLDINGS LLC"),
        ("Provider", "BETA SERVICES INC."),
    ]
    assert fields["signing_date"].normalized == "2004-01-01"
    assert fields["effective_date"].normalized == "2004-01-01"
    assert fields["total_amount"].normalized == "1000000.00"
    assert fields["currency"].normalized == "USD"


def test_english_role_lines():
    _, _, parties = extract("PURCHASE CONTRACT", "Buyer: Alpha Ltd.", "Seller: Beta GmbH", "1. Goods.")[:3]

    assert [(p.role, p.value) for p in parties] == [("Buyer", "Alpha Ltd."), ("Seller", "Beta GmbH")]


def test_blank_template_fields_absent():
    _, fields, parties, _ = extract(
        "租赁合同", "出租方（甲方）：__________", "承租方（乙方）：", "第一条 租金", "月租金为人民币元（大写：元）。"
    )

    assert parties == []
    assert "total_amount" not in fields
    assert "contract_number" not in fields


def test_signing_date_from_signature_block():
    _, fields, _, _ = extract(
        "委托合同", "第一条 委托事项。", "第二条 报酬。", "甲方（签章）：", "2024年4月21日"
    )

    assert fields["signing_date"].normalized == "2024-04-21"


def test_month_day_without_year_not_used_as_date():
    _, fields, _, _ = extract("采购合同", "签订日期：3月5日", "第一条 标的。")

    assert "signing_date" not in fields


def test_dates_in_sentence():
    _, fields, _, _ = extract("采购合同", "第一条 期限", "本合同于2024年3月5日签订，有效期至2025年3月4日。")

    assert fields["signing_date"].normalized == "2024-03-05"
    assert fields["expiry_date"].normalized == "2025-03-04"


def test_effective_and_end_verbs():
    _, fields, _, _ = extract("服务合同", "第一条 期限", "本合同自2024年4月1日起生效，至2026年3月31日止。")

    assert fields["effective_date"].normalized == "2024-04-01"
    assert fields["expiry_date"].normalized == "2026-03-31"


def test_english_dates_in_sentence():
    _, fields, _, _ = extract(
        "SERVICES AGREEMENT", "1. Term. This Agreement is dated as of March 5, 2024 and expires on March 4, 2025."
    )

    assert fields["signing_date"].normalized == "2024-03-05"
    assert fields["expiry_date"].normalized == "2025-03-04"


def test_original_contract_date_not_signing():
    _, fields, _, _ = extract("补充协议", "一、双方于2023年5月1日签订的《租赁合同》解除。", "二、原合同于2023年5月1日签订。")

    assert "signing_date" not in fields


def test_party_trailing_punctuation_stripped():
    _, _, parties, _ = extract("采购合同", "甲方：示例科技有限公司。", "乙方：另一贸易有限公司；", "第一条 标的。")

    assert [p.value for p in parties] == ["示例科技有限公司", "另一贸易有限公司"]


def test_placeholder_parties_dropped():
    _, _, parties, _ = extract(
        "采购合同", "甲方：[NAME OF CONTRACTOR]", "乙方：123", "丙方：王", "丁方：[Company, Inc.] at ______",
        "买方：示例科技有限公司", "第一条 标的。",
    )

    assert [(p.role, p.value) for p in parties] == [("买方", "示例科技有限公司")]


def test_english_placeholder_between_dropped():
    _, _, parties, _ = extract(
        "SAAS SERVICES AGREEMENT",
        "This Agreement is between [Company, Inc.] with a place of business at ______ (“Company”), "
        "and the Customer listed above (“Customer”).",
        "1. Services.",
    )

    assert parties == []


def test_title_from_text_not_metadata():
    blocks = (Block("电脑及办公设备采购合同", paragraph_index=0), Block("第一条 标的。", paragraph_index=1))
    doc = ParsedDocument("application/pdf", blocks, title="装修工程合同书")
    fields, _ = extract_fields(doc, segment(doc))

    assert [f.value for f in fields if f.name == "title"] == ["电脑及办公设备采购合同"]


def test_metadata_title_alone_not_used():
    blocks = (Block("第一条 标的。", paragraph_index=0),)
    doc = ParsedDocument("application/pdf", blocks, title="装修工程合同书")
    fields, _ = extract_fields(doc, segment(doc))

    assert [f.name for f in fields if f.name == "title"] == []


def test_title_first_half_on_line_above():
    _, fields, _, _ = extract("GF—2024—2612", "房屋建筑和市政基础设施项目", "工程建设全过程咨询服务合同", "（示范文本）")

    assert fields["title"].value == "房屋建筑和市政基础设施项目工程建设全过程咨询服务合同"


def test_title_keeps_letterhead_apart():
    _, fields, _, _ = extract("西南民族大学", "项目验收报告", "一、项目概况")

    assert fields["title"].value == "项目验收报告"


def test_date_of_quoted_original_not_signing():
    _, fields, _, _ = extract(
        "租赁合同补充协议",
        "鉴于双方于2023年6月1日签订了《房屋租赁合同》，现经协商一致，订立本补充协议。",
        "一、租金调整为每月五千元。",
    )

    assert "signing_date" not in fields


def test_date_of_unquoted_original_not_signing():
    _, fields, _, _ = extract(
        "补充协议", "一、双方于2023年6月1日签署了买卖合同，现变更交货地点。", "二、其他条款不变。"
    )

    assert "signing_date" not in fields


def test_signing_this_agreement_is_signing_date():
    _, fields, _, _ = extract("补充协议", "一、双方于2024年2月1日签订本补充协议，以资信守。", "二、其他条款不变。")

    assert fields["signing_date"].normalized == "2024-02-01"


def test_amendment_signature_date_wins():
    _, fields, _, _ = extract(
        "采购合同补充协议",
        "甲方：某甲公司",
        "乙方：某乙公司",
        "鉴于甲乙双方于2024年1月10日签订了《采购合同》，现订立本补充协议。",
        "一、交货期顺延一个月。",
        "二、本协议于2024年2月2日签订。",
        "甲方（盖章）：乙方（盖章）：",
        "日期：2024年6月18日",
    )
    signing = fields["signing_date"]

    assert signing.normalized == "2024-06-18"
    assert signing.detail == "日期"


def test_latest_party_signature_date_wins():
    clauses, fields, _, _ = extract(
        "服务合同", "第一条 服务。", "第二条 价款。",
        "甲方（盖章）：", "签署日期：2024年3月1日",
        "乙方（盖章）：", "签署日期：2024年3月8日",
    )
    signing = fields["signing_date"]

    assert signing.normalized == "2024-03-08"
    assert clauses[signing.clause_ordinal].role == "signature"


def test_toc_not_used_for_fields():
    _, fields, _, _ = extract(
        "目录",
        "第一条 合同金额 2",
        "第二条 签订日期 3",
        "服务合同",
        "第一条 合同金额",
        "合同总价为人民币8,000.00元。",
    )

    assert fields["title"].value == "服务合同"
    assert fields["total_amount"].normalized == "8000.00"


def test_demo_amendment_signing_date(tmp_path):
    from cli.samples import write_samples
    from ingest.readers import read_document

    write_samples(tmp_path)
    [path] = [p for p in tmp_path.iterdir() if "补充协议" in p.name]
    doc = read_document(path.read_bytes(), filename=path.name, format="docx")
    clauses = segment(doc)
    fields, _ = extract_fields(doc, clauses)
    [signing] = [f for f in fields if f.name == "signing_date"]

    assert signing.normalized == "2024-05-20"
    assert clauses[signing.clause_ordinal].role == "signature"


def test_day_of_month_preamble_is_signing_date():
    _, fields, _, _ = extract(
        "DISTRIBUTOR AGREEMENT",
        "THIS DISTRIBUTOR AGREEMENT (the \"Agreement\") is made by and between Alpha Corp., a Delaware "
        "corporation (\"Company\") and Beta LLC (\"Distributor\") this 3rd day of May, 2011.",
        "1. Appointment. Company appoints Distributor.",
    )

    assert fields["signing_date"].normalized == "2011-05-03"


def test_as_of_the_day_of_is_signing_date():
    _, fields, _, _ = extract(
        "SUPPLY AGREEMENT",
        "This Supply Agreement is made by Gamma Inc. and Delta Ltd. as of the 1st day of March, 2021.",
        "1. Supply. Gamma shall supply the goods.",
    )

    assert fields["signing_date"].normalized == "2021-03-01"


def test_amended_agreement_date_not_signing():
    _, fields, _, _ = extract(
        "FIRST AMENDMENT TO SUPPLY AGREEMENT",
        "This Second Amendment (“Amendment”) to the Purchase Agreement dated May 2, 2015 between "
        "Alpha Corporation (“Alpha”) and Beta Corporation (“Beta”) (the “Agreement”) is made this "
        "14 day of October 2016.",
        "1. Term. The term of the Agreement is extended by one year.",
    )
    signing = fields["signing_date"]

    assert signing.normalized == "2016-10-14"
    assert signing.value == "14 day of October 2016"


def test_this_agreement_dated_is_signing_date():
    _, fields, _, _ = extract(
        "AMENDMENT TO SERVICES AGREEMENT",
        "This AMENDMENT TO LICENSE AGREEMENT, dated and effective as of July 8, 2012, is made between "
        "Alpha Company (the “Adviser”) and Beta Company (“Provider”).",
        "1. Fees. The fees are unchanged.",
    )

    assert fields["signing_date"].normalized == "2012-07-08"


def test_acceptance_dates_before_signature_lines():
    clauses, fields, _, _ = extract(
        "SUPPLY AGREEMENT",
        "1. Supply. Seller shall supply the product.",
        "2. Price. Buyer shall pay the price.",
        "BUYER SELLER",
        "ACCEPTED AND AGREED TO BY BUYER Alpha Company DATE OF: Alpha Inc. March 3, 2022 "
        "Date: February 14, 2022 /s/ A. Buyer /s/ B. Seller",
        "BY: A. Buyer BY: B. Seller",
        "Title: President Title: Vice President",
    )
    signing = fields["signing_date"]
    roles = [clause.role for clause in clauses]

    assert "signature" in roles
    assert signing.normalized == "2022-03-03"


def test_acceptance_party_role():
    _, _, parties, _ = extract("验收单", "本单位收到下列物品，数量无误。", "验收方：华南仪器设备有限公司", "验收日期：")

    assert [(p.role, p.value) for p in parties] == [("验收方", "华南仪器设备有限公司")]


def test_party_role_in_table_cell():
    doc = ParsedDocument(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (
            Block("设备采购合同", paragraph_index=0),
            Block(
                "需方（甲方）：东海科技股份有限公司 | 供方（乙方）：{{r supplierName }}",
                paragraph_index=1,
                cells=("需方（甲方）：东海科技股份有限公司", "供方（乙方）：{{r supplierName }}"),
            ),
            Block("第一条 标的", paragraph_index=2),
            Block("需方（甲方）： | 供方（乙方）：", paragraph_index=3, cells=("需方（甲方）：", "供方（乙方）：")),
        ),
    )
    fields, _ = extract_fields(doc, segment(doc))
    parties = [f for f in fields if f.name == "party"]

    assert [(p.role, p.value, p.detail) for p in parties] == [("需方", "东海科技股份有限公司", "甲方")]


def test_between_party_after_relation_phrase():
    _, _, parties, _ = extract(
        "RESELLER AGREEMENT",
        "This Agreement is entered into by and between Alpha Services, L.L.C., an Ohio limited "
        "liability company (\"Alpha\"), and its Distributor, Beta, Inc., a Texas corporation (\"Beta\").",
        "a. Alpha will provide Beta the cards.",
    )

    assert [(p.role, p.value) for p in parties] == [("Alpha", "Alpha Services, L.L.C."), ("Beta", "Beta, Inc.")]


def test_korean_defined_term_party():
    _, _, parties, _ = extract(
        "위촉 계약서",
        "가나다상사주식회사(이하 “회사”라 한다)는 판매대행계약서(이하 “대행 계약”이라 한다)에 따라 "
        "[ ]을 판매인으로 위촉한다.",
        "제1조(목적)",
    )

    assert [(p.role, p.value) for p in parties] == [("회사", "가나다상사주식회사")]


def test_total_from_table_row():
    doc = ParsedDocument(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (
            Block("验收单", paragraph_index=0),
            Block("单位：元", paragraph_index=1),
            Block("名称 | 数量 | 单价 | 金额", paragraph_index=2, cells=("名称", "数量", "单价", "金额")),
            Block("书架 | 4 | 300 | 1200", paragraph_index=3, cells=("书架", "4", "300", "1200")),
            Block("台灯 | 10 | 85 | 850", paragraph_index=4, cells=("台灯", "10", "85", "850")),
            Block("合计 | 2050", paragraph_index=5, cells=("合计", "2050")),
        ),
    )
    fields, _ = extract_fields(doc, segment(doc))
    by_name = {f.name: f for f in fields}

    assert by_name["total_amount"].normalized == "2050.00"
    assert by_name["currency"].normalized == "CNY"


def test_between_skips_signatory_terms():
    # The signatory's titles are defined terms too, and the other party is still a template prompt.
    _, _, parties, _ = extract(
        "SAMPLE CONTRACT",
        "This Contract is entered into by and between, the Office of Coastal Affairs (“OCA”), a body "
        "corporate, by its Chief Executive Officer (“CEO”) and Head of Procurement Agency (“HOPA”), "
        "whose place of business is 1 Harbour Road, and [NAME OF CONTRACTOR] (“CONTRACTOR”), a [Type of "
        "Business].",
        "1. Scope of Services.",
    )

    assert [(p.role, p.value) for p in parties] == [("OCA", "Office of Coastal Affairs")]


def test_between_keeps_capital_the():
    _, _, parties, _ = extract(
        "SUPPLY AGREEMENT",
        "This Agreement is made by and between The Harbour Company, a Delaware corporation (“Harbour”), "
        "by its President (“President”), and Delta Ltd., an English company (“Delta”).",
        "1. Supply.",
    )

    assert [(p.role, p.value) for p in parties] == [("Harbour", "The Harbour Company"), ("Delta", "Delta Ltd.")]
