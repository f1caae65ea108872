"""The acceptance date (验收日期) of acceptance reports: label forms, blank labels and real forms."""

from __future__ import annotations

import pytest

from ingest.analyse import analyse
from ingest.fields.extract import extract_fields
from ingest.parsed import Block, ParsedDocument
from ingest.readers import read_document
from ingest.segment import segment
from ingest.structure import Field
from tests.conftest import corpus_file

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CELL_SEPARATOR = " | "


def paragraph_or_row(index: int, line: str | tuple[str, ...]) -> Block:
    """Return a paragraph for a string, or a table row as the DOCX reader writes it for a tuple of cells."""
    if isinstance(line, tuple):
        return Block(CELL_SEPARATOR.join(line), paragraph_index=index, cells=line)
    return Block(line, paragraph_index=index)


def acceptance_fields(*lines: str | tuple[str, ...]) -> list[Field]:
    doc = ParsedDocument(DOCX, tuple(paragraph_or_row(i, line) for i, line in enumerate(lines)))
    fields, _ = extract_fields(doc, segment(doc))
    return [f for f in fields if f.name == "acceptance_date"]


def acceptance_date(*lines: str | tuple[str, ...]) -> str | None:
    found = acceptance_fields(*lines)
    assert len(found) <= 1
    return found[0].normalized if found else None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("验收日期：2025年7月10日", "2025-07-10"),
        ("验收日期: 2025-07-10", "2025-07-10"),
        ("项目验收日期：2020年6月18日", "2020-06-18"),
        ("验收时间：2020年6月18日上午", "2020-06-18"),
        ("验收完成日期：2020/6/18", "2020-06-18"),
        ("终验日期：2020.6.18", "2020-06-18"),
        ("验收日期为2024年5月6日。", "2024-05-06"),
        ("验收日期：二〇二〇年六月十八日", "2020-06-18"),
        ("验收日期：２０２０年６月１８日", "2020-06-18"),
        ("验收日期： 2020 年 6 月 18 日", "2020-06-18"),
        ("Date of Acceptance: June 18, 2020", "2020-06-18"),
        ("Acceptance Date: 18 July 2025", "2025-07-18"),
        ("ACCEPTANCE DATE: 2025-07-18", "2025-07-18"),
    ],
)
def test_label_on_same_line(line: str, expected: str) -> None:
    assert acceptance_date("设备验收单", "验收结论：合格。", line) == expected


def test_value_in_next_cell() -> None:
    found = acceptance_fields(
        "项目验收报告",
        ("项目名称：", "疫情地图查询系统"),
        ("项目开始时间：", "2020年4月2日"),
        ("项目完成时间：", "2020年6月11日"),
        ("项目验收日期：", "2020年6月18日"),
    )

    assert [f.normalized for f in found] == ["2020-06-18"]
    assert found[0].value == "2020年6月18日"
    assert found[0].detail == "验收日期"


def test_value_on_next_line() -> None:
    assert acceptance_date("到货验收单", "验收结论：合格。", "验收日期：", "2025年7月10日") == "2025-07-10"


def test_next_line_sentence_not_value() -> None:
    assert acceptance_date("到货验收单", "验收日期：", "2025年7月10日供货商送货到场。") is None


@pytest.mark.parametrize(
    "lines",
    [
        ("验收单", "验收方：某某有限公司", "验收日期："),
        ("验收单", "验收日期：    年  月  日"),
        ("验收单", "验收日期：年月日"),
        ("验收单", ("验收日期", "")),
        ("验收单", ("验收日期：", "    年  月  日")),
        ("验收单", "验收日期：", "签署日期：2024年3月5日"),
        ("验收证书", "Acceptance Date: ____________"),
    ],
)
def test_empty_label_gives_none(lines: tuple[str | tuple[str, ...], ...]) -> None:
    assert acceptance_date(*lines) is None


def test_planned_date_ignored() -> None:
    assert acceptance_date("验收报告", "计划验收日期：2020年7月1日", "预计验收时间：2020年7月2日") is None


def test_date_later_in_sentence_ignored() -> None:
    assert acceptance_date("验收报告", "验收时间：交货后十日内，最迟不晚于2024年5月1日。") is None


def test_other_labelled_dates_ignored() -> None:
    assert acceptance_date(
        "项目验收报告", "项目开始时间：2020年4月2日", "项目完成时间：2020年6月11日", "签署日期：2020年6月20日"
    ) is None


def test_latest_of_several_labels() -> None:
    found = acceptance_fields("验收报告", "甲方验收日期：2020年6月18日", "乙方验收日期：2020年6月20日")

    assert [f.normalized for f in found] == ["2020-06-20"]


def test_label_in_prose_gives_none() -> None:
    assert acceptance_date(
        "设备采购合同", "签订日期：二〇二四年三月五日", "第一条 验收", "甲方应在到货后十日内验收，验收日期以验收单为准。"
    ) is None


def analyse_corpus(name: str):  # type: ignore[no-untyped-def]
    path = corpus_file(name)
    document = read_document(path.read_bytes(), filename=path.name, format=path.suffix.lstrip("."))
    return analyse(document)


@pytest.mark.corpus
def test_corpus_report_acceptance_date() -> None:
    analysis = analyse_corpus("zh_swun_project-acceptance-report_tables.docx")
    found = [f for f in analysis.fields if f.name == "acceptance_date"]

    assert analysis.kind == "acceptance_report"
    assert [f.normalized for f in found] == ["2020-06-18"]
    assert found[0].normalized not in ("2020-04-02", "2020-06-11")


@pytest.mark.corpus
@pytest.mark.parametrize(
    "name",
    [
        "zh_zhongzhixin_acceptance-form_yanshoudan_item-table.docx",
        "zh_hust_equipment-acceptance-form_template_merged-cells.docx",
    ],
)
def test_corpus_blank_forms_have_none(name: str) -> None:
    analysis = analyse_corpus(name)

    assert analysis.kind == "acceptance_report"
    assert [f for f in analysis.fields if f.name == "acceptance_date"] == []
