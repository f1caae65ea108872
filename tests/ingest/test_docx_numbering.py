"""Tests of number formats and list counting rendered from numbering.xml."""

from __future__ import annotations

import pytest

from ingest.normalize import normalize_text
from ingest.readers.docx import read_docx
from ingest.readers.docx_numbering import format_number
from tests.ingest.docx_samples import (
    abstract_num,
    build_docx,
    level,
    num,
    paragraph,
    paragraph_style,
)


@pytest.mark.parametrize(
    ("value", "num_format", "expected"),
    [
        (1, "decimal", "1"),
        (7, "decimalZero", "07"),
        (12, "decimalFullWidth", "１２"),
        (3, "decimalEnclosedCircle", "③"),
        (21, "decimalEnclosedCircle", "21"),
        (28, "upperLetter", "BB"),
        (3, "lowerLetter", "c"),
        (1994, "upperRoman", "MCMXCIV"),
        (9, "lowerRoman", "ix"),
        (1, "chineseCounting", "一"),
        (10, "chineseCounting", "十"),
        (11, "chineseCounting", "十一"),
        (20, "chineseCounting", "二十"),
        (101, "chineseCountingThousand", "一百零一"),
        (110, "chineseCountingThousand", "一百一十"),
        (1010, "chineseCountingThousand", "一千零一十"),
        (2024, "chineseCountingThousand", "二千零二十四"),
        (10001, "chineseCountingThousand", "一万零一"),
        (12, "chineseLegalSimplified", "壹拾贰"),
        (105, "chineseLegalSimplified", "壹佰零伍"),
        (3, "ideographTraditional", "丙"),
        (2024, "ideographDigital", "二〇二四"),
        (2, "ordinal", "2nd"),
        (1, "ordinal", "1st"),
        (13, "ordinal", "13th"),
        (1, "cardinalText", "One"),
        (21, "cardinalText", "Twenty-one"),
        (1, "ordinalText", "First"),
        (20, "ordinalText", "Twentieth"),
        (123, "ordinalText", "One hundred twenty-third"),
        (3, "decimalEnclosedParen", "⑶"),
        (2, "decimalEnclosedFullstop", "⒉"),
        (27, "upperLetter", "AA"),
        (53, "lowerLetter", "aaa"),
        (31, "hex", "1F"),
        (4, "numberInDash", "- 4 -"),
        (2, "chicago", "†"),
        (5, "chicago", "**"),
        (2, "ideographZodiacTraditional", "乙丑"),
        (2, "ideographZodiac", "丑"),
        (2, "ideographEnclosedCircle", "㈡"),
        (12, "ideographLegalTraditional", "壹拾貳"),
        (12, "taiwaneseCountingThousand", "十二"),
        (3, "decimalEnclosedCircleChinese", "③"),
        (7, "decimalFullWidth2", "７"),
        (5, "unknownFormat", "5"),
    ],
)
def test_format_number_values(value: int, num_format: str, expected: str) -> None:
    assert format_number(value, num_format) == expected


def _texts(data: bytes) -> list[str]:
    return [block.text for block in read_docx(data, filename="sample.docx").blocks]


# Two-level Chinese clause numbering: 第%1条 and （%2）.
_CHINESE_CLAUSES = abstract_num(
    0,
    level(0, "chineseCountingThousand", "第%1条", suffix="space"),
    level(1, "chineseCounting", "（%2）", suffix="nothing"),
)


def test_chinese_clause_labels_two_levels() -> None:
    body = "".join(
        [
            paragraph("合同标的", num_id=1, ilvl=0),
            paragraph("设备", num_id=1, ilvl=1),
            paragraph("安装", num_id=1, ilvl=1),
            paragraph("价款", num_id=1, ilvl=0),
            paragraph("总价", num_id=1, ilvl=1),
        ]
    )
    texts = _texts(build_docx(body, numbering=_CHINESE_CLAUSES + num(1, 0)))

    assert texts[0] == "第一条 合同标的"
    assert texts[1] == normalize_text("（一）设备")
    assert texts[2] == normalize_text("（二）安装")
    assert texts[3] == "第二条 价款"
    # A level-0 paragraph restarts the level below it.
    assert texts[4] == normalize_text("（一）总价")


def test_decimal_multilevel_labels() -> None:
    numbering = abstract_num(
        0, level(0, "decimal", "Article %1."), level(1, "decimal", "%1.%2"), level(2, "lowerLetter", "(%3)")
    ) + num(1, 0)
    body = "".join(
        [
            paragraph("Definitions", num_id=1, ilvl=0),
            paragraph("Terms", num_id=1, ilvl=1),
            paragraph("Services", num_id=1, ilvl=0),
            paragraph("Scope", num_id=1, ilvl=1),
            paragraph("Hosting", num_id=1, ilvl=2),
            paragraph("Support", num_id=1, ilvl=2),
            paragraph("Fees", num_id=1, ilvl=1),
        ]
    )
    texts = _texts(build_docx(body, numbering=numbering))

    assert texts == [
        "Article 1. Definitions",
        "1.1 Terms",
        "Article 2. Services",
        "2.1 Scope",
        "(a) Hosting",
        "(b) Support",
        "2.2 Fees",
    ]


def test_is_legal_level_renders_decimal() -> None:
    numbering = abstract_num(
        0,
        level(0, "chineseCountingThousand", "第%1章"),
        level(1, "decimal", "%1.%2", is_legal=True),
        level(2, "decimal", "%1.%2.%3"),
    ) + num(1, 0)
    body = "".join(
        [
            paragraph("总则", num_id=1, ilvl=0),
            paragraph("总则", num_id=1, ilvl=0),
            paragraph("定义", num_id=1, ilvl=1),
            paragraph("术语", num_id=1, ilvl=2),
        ]
    )
    texts = _texts(build_docx(body, numbering=numbering))

    assert texts[1] == "第二章 总则"
    assert texts[2] == "2.1 定义"
    # Without isLgl the level-0 number keeps its Chinese format.
    assert texts[3] == "二.1.1 术语"


def test_numbering_through_style_chain() -> None:
    numbering = _CHINESE_CLAUSES + num(1, 0)
    styles = "".join(
        [
            paragraph_style("Clause", "Clause Heading", num_id=1, ilvl=0),
            paragraph_style("ClauseBold", "Clause Heading Bold", based_on="Clause"),
            paragraph_style("Item", "Clause Item", num_id=1, ilvl=1),
        ]
    )
    body = "".join(
        [
            paragraph("合同标的", style="ClauseBold"),
            paragraph("设备", style="Item"),
            paragraph("说明文字", style="Item", num_id=0),
            paragraph("付款", style="Clause"),
        ]
    )
    doc = read_docx(build_docx(body, numbering=numbering, styles=styles), filename="s.docx")
    texts = [block.text for block in doc.blocks]

    assert texts[0] == "第一条 合同标的"
    assert doc.blocks[0].style == "Clause Heading Bold"
    assert texts[1] == normalize_text("（一）设备")
    # numId 0 on the paragraph switches the style's numbering off.
    assert texts[2] == "说明文字"
    assert texts[3] == "第二条 付款"


def test_style_linked_level_without_ilvl() -> None:
    numbering = abstract_num(
        0, level(0, "decimal", "%1.", style="H1"), level(1, "decimal", "%1.%2", style="H2")
    ) + num(5, 0)
    styles = paragraph_style("H1", "heading 1", num_id=5) + paragraph_style("H2", "heading 2", num_id=5)
    body = paragraph("Scope", style="H1") + paragraph("Detail", style="H2")
    doc = read_docx(build_docx(body, numbering=numbering, styles=styles), filename="s.docx")

    assert [block.text for block in doc.blocks] == ["1. Scope", "1.1 Detail"]
    assert doc.blocks[0].style == "Heading 1"


def test_start_override_restarts_list() -> None:
    numbering = abstract_num(0, level(0, "decimal", "%1.")) + num(1, 0) + num(2, 0) + num(3, 0, {0: 1})
    body = "".join(
        [
            paragraph("a", num_id=1, ilvl=0),
            paragraph("b", num_id=1, ilvl=0),
            # Another num on the same abstractNum continues the count.
            paragraph("c", num_id=2, ilvl=0),
            # A num with a startOverride starts again.
            paragraph("d", num_id=3, ilvl=0),
            paragraph("e", num_id=3, ilvl=0),
        ]
    )
    texts = _texts(build_docx(body, numbering=numbering))

    assert texts == ["1. a", "2. b", "3. c", "1. d", "2. e"]


def test_start_value_and_suffix_nothing() -> None:
    numbering = abstract_num(0, level(0, "chineseCounting", "%1、", start=3, suffix="nothing")) + num(1, 0)
    texts = _texts(build_docx(paragraph("服务内容", num_id=1, ilvl=0), numbering=numbering))

    assert texts == [normalize_text("三、服务内容")]


def test_level_restart_never() -> None:
    numbering = abstract_num(
        0, level(0, "decimal", "%1."), level(1, "decimal", "(%2)", restart=0)
    ) + num(1, 0)
    body = "".join(
        [
            paragraph("A", num_id=1, ilvl=0),
            paragraph("x", num_id=1, ilvl=1),
            paragraph("B", num_id=1, ilvl=0),
            paragraph("y", num_id=1, ilvl=1),
        ]
    )
    texts = _texts(build_docx(body, numbering=numbering))

    assert texts == ["1. A", "(1) x", "2. B", "(2) y"]


def test_bullet_and_missing_num_have_no_label() -> None:
    numbering = abstract_num(0, level(0, "bullet", "\u2022")) + num(1, 0)
    body = paragraph("first point", num_id=1, ilvl=0) + paragraph("orphan", num_id=9, ilvl=0)
    texts = _texts(build_docx(body, numbering=numbering))

    assert texts == ["first point", "orphan"]


def test_hidden_numbered_paragraph_counts() -> None:
    numbering = abstract_num(0, level(0, "decimal", "%1"), level(1, "decimal", "%1.%2")) + num(1, 0)
    hidden = (
        '<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>'
        "<w:rPr><w:vanish/></w:rPr></w:pPr></w:p>"
    )
    body = paragraph("one", num_id=1, ilvl=1) + hidden + paragraph("two", num_id=1, ilvl=1)
    texts = _texts(build_docx(body, numbering=numbering))

    # The level-1 item before any level-0 paragraph counts level 0 as started.
    assert texts == ["1.1 one", "2.1 two"]


def test_unknown_format_warns() -> None:
    numbering = abstract_num(0, level(0, "hebrew2", "%1.")) + num(1, 0)
    doc = read_docx(build_docx(paragraph("x", num_id=1, ilvl=0), numbering=numbering), filename="s.docx")

    assert doc.blocks[0].text == "1. x"
    assert any("hebrew2" in warning for warning in doc.warnings)


def test_legal_and_stem_numbering_become_clauses() -> None:
    from ingest.segment import segment

    numbering = abstract_num(
        0,
        level(0, "chineseLegalSimplified", "第%1条", suffix="space"),
        level(1, "ideographTraditional", "%2、", suffix="nothing"),
    ) + num(1, 0)
    body = "".join(
        [
            paragraph("合同标的", num_id=1, ilvl=0),
            paragraph("服务器十台。", num_id=1, ilvl=1),
            paragraph("交货地点为甲方仓库。", num_id=1, ilvl=1),
            paragraph("合同价款", num_id=1, ilvl=0),
            paragraph("甲、乙双方确认总价为十万元。"),
        ]
    )
    parsed = read_docx(build_docx(body, numbering=numbering), filename="legal.docx")
    clauses = [c for c in segment(parsed) if c.role == "clause"]

    assert [c.number for c in clauses] == ["第壹条", "甲、", "乙、", "第贰条"]
    assert [c.level for c in clauses] == [0, 1, 1, 0]
    # Typed, not numbered by Word, 甲、乙双方 is the start of a sentence.
    assert clauses[-1].text.endswith("甲、乙双方确认总价为十万元。")
    assert [block.auto_numbered for block in parsed.blocks] == [True, True, True, True, False]
