"""Tests for query parsing and building: syntax, operators and hostile input."""

import pytest

from archive.search.query import MAX_TERMS, build_query, parse_query
from archive.search.tantivy_index import build_schema


def texts(clauses):
    return [[term.text for term in clause] for clause in clauses]


def test_spaces_and_terms():
    parsed = parse_query("违约 责任")
    assert [texts(group) for group in parsed.required] == [[["违约"]], [["责任"]]]
    assert parsed.excluded == []


def test_not_operator_excludes():
    parsed = parse_query("双方 AND NOT 保密")
    assert [texts(group) for group in parsed.required] == [[["双方"]]]
    assert texts(parsed.excluded) == [["保密"]]


def test_leading_minus_excludes():
    parsed = parse_query("双方 -保密")
    assert texts(parsed.excluded) == [["保密"]]


def test_or_joins_neighbours():
    parsed = parse_query("违约 OR 赔偿 付款")
    assert [texts(group) for group in parsed.required] == [[["违约"], ["赔偿"]], [["付款"]]]


def test_quoted_phrase_is_one_term():
    parsed = parse_query('"force majeure" 合同')
    assert [texts(group) for group in parsed.required] == [[["force majeure"]], [["合同"]]]


def test_chinese_quotes_are_quotes():
    parsed = parse_query("“不可 抗力”")
    assert [texts(group) for group in parsed.required] == [[["不可 抗力"]]]


def test_touching_segments_form_one_phrase():
    parsed = parse_query("第12条")
    assert [texts(group) for group in parsed.required] == [[["第 12 条"]]]


def test_punctuation_separates_terms():
    parsed = parse_query("甲方,乙方")
    assert [texts(group) for group in parsed.required] == [[["甲方", "乙方"]]]


def test_lowercase_not_is_a_word():
    parsed = parse_query("shall not")
    assert [texts(group) for group in parsed.required] == [[["shall"]], [["not"]]]
    assert parsed.excluded == []


def test_repeated_term_kept_once():
    parsed = parse_query("合同 合同 合同")
    assert len(parsed.required) == 1


def test_term_count_capped():
    parsed = parse_query(" ".join(f"w{i}" for i in range(MAX_TERMS * 2)))
    assert len(parsed.required) == MAX_TERMS


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        '"',
        '"unterminated phrase',
        "AND",
        "NOT",
        "OR 合同",
        "-",
        "((违约)) AND [责任]",
        "😀🔥",
        "合同 😀 AND NOT (保密",
        "title:foo* ~2 ^3 \\ / + && || !",
        "责" * 500,
        "a " * 250,
        "第12条" * 100,
        "HT-" * 200,
        "%%%%",
        "-%",
        "￥" * 600,
        "1" * 80 + "%",
        "¥ $ € £ ‰",
        "2024-02-31",
        "1,2,3,4,5,6,7,8,9" * 20,
    ],
)
def test_hostile_input_builds_or_is_empty(text):
    parsed = parse_query(text)
    query = build_query(parsed, build_schema())
    assert (query is None) == parsed.is_empty()


def test_only_exclusions_build_query():
    parsed = parse_query("-保密")
    assert parsed.required == []
    assert build_query(parsed, build_schema()) is not None


def test_percent_is_one_segment():
    parsed = parse_query("30%")
    assert [texts(group) for group in parsed.required] == [[["30%"]]]
    assert parsed.required[0][0][0].segments[0].kind == "percent"


def test_sign_attached_to_amount():
    parsed = parse_query("￥66,600.00")
    assert [texts(group) for group in parsed.required] == [[["¥ 66,600.00"]]]


def test_lone_sign_is_a_term():
    parsed = parse_query("€")
    assert [texts(group) for group in parsed.required] == [[["€"]]]


def test_date_term_carries_date():
    for text in ("2024年3月5日", "2024.3.5", "2024/03/05", "2024-3-5"):
        term = parse_query(text).required[0][0][0]
        assert term.date == "2024-03-05", text


def test_date_inside_longer_term_ignored():
    term = parse_query("2024年3月5日前").required[0][0][0]
    assert term.date is None
