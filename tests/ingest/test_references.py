import datetime as dt

from ingest.parsed import Block, ParsedDocument
from ingest.references import find_references
from ingest.segment import segment


def references(*paragraphs: str):
    blocks = tuple(Block(text, paragraph_index=index) for index, text in enumerate(paragraphs))
    doc = ParsedDocument("application/vnd.openxmlformats-officedocument.wordprocessingml.document", blocks)
    return find_references(doc, segment(doc))


def test_chinese_amendment_references():
    found = references(
        "补充协议",
        "甲乙双方于2023年5月10日签订的《办公楼租赁合同》（原合同编号：ZL-2023-018）约定如下变更：",
        "1、租金调整为每月人民币5,000元。",
        "2、本协议未约定事项以原合同为准。",
    )

    assert found.contract_numbers == ("ZL-2023-018",)
    assert found.quoted_titles == ("办公楼租赁合同",)
    assert found.dates == (dt.date(2023, 5, 10),)


def test_law_titles_are_not_references():
    found = references("补充协议", "根据《中华人民共和国民法典》及《采购合同》，双方协商如下：", "1、交货期延长。")

    assert found.quoted_titles == ("采购合同",)


def test_english_amendment_references():
    found = references(
        "AMENDMENT TO SERVICES AGREEMENT",
        "WHEREAS, the parties have entered into that certain Services Agreement dated as of "
        "January 1, 2004 (the “Services Agreement”);",
        "1. Amendment. Exhibit A is replaced.",
    )

    # The heading and the recital name the same agreement; case-insensitive duplicates collapse.
    assert [title.lower() for title in found.quoted_titles] == ["services agreement"]
    assert found.dates == (dt.date(2004, 1, 1),)


def test_document_without_references():
    found = references("采购合同", "第一条 标的。")

    assert found.is_empty
