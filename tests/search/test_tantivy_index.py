"""Tests for TantivyIndex against a real on-disk tantivy index."""

import re

import pytest

from archive.search import tantivy_index
from archive.search.base import ClauseEntry
from archive.search.tantivy_index import (
    SearchIndexFormatError,
    SearchIndexLockedError,
    TantivyIndex,
)

MARK_RE = re.compile(r"<mark>(.*?)</mark>")


def clause(clause_id, text, *, version=1, contract=1, kind="contract", heading=None, number=None):
    return ClauseEntry(
        clause_id=clause_id,
        document_version_id=version,
        document_id=version,
        contract_id=contract,
        kind=kind,
        number=number,
        heading=heading,
        text=text,
    )


@pytest.fixture
def index(tmp_path):
    opened = TantivyIndex(tmp_path / "index")
    yield opened
    opened.close()


def fill(index, *entries):
    index.add(entries)
    index.commit()


def ids(page):
    return [hit.clause_id for hit in page.hits]


def marked(snippet):
    return MARK_RE.findall(snippet)


def test_word_inside_jieba_compound(index):
    fill(index, clause(1, "乙方应承担违约责任"), clause(2, "本合同自签订之日起生效"))
    assert ids(index.search("责任")) == [1]


def test_middle_word_of_organisation(index):
    fill(index, clause(1, "上海华信科技有限公司（以下简称乙方）"), clause(2, "北京远景贸易有限公司"))
    assert ids(index.search("华信")) == [1]
    assert ids(index.search("科技")) == [1]
    assert ids(index.search("信科")) == [1]


def test_contract_number_excludes_decoy(index):
    fill(
        index,
        clause(1, "合同编号HT2024001"),
        clause(2, "第12条"),
        clause(3, "2024年3月5日"),
        clause(4, "人民币100000元"),
        clause(5, "HT部门于2024年签订第001号文件，另附100份"),
    )
    assert ids(index.search("HT2024001")) == [1]


def test_numbers_dates_and_articles(index):
    fill(
        index,
        clause(1, "合同编号HT2024001"),
        clause(2, "第12条"),
        clause(3, "2024年3月5日"),
        clause(4, "人民币100000元"),
        clause(5, "HT部门于2024年签订第001号文件，另附100份"),
    )
    assert ids(index.search("第12条")) == [2]
    assert ids(index.search("2024年3月5日")) == [3]
    assert ids(index.search("100000")) == [4]
    assert sorted(ids(index.search("2024"))) == [3, 5]


def test_contract_number_forms_match_each_other(index):
    fill(index, clause(1, "合同编号：HT-2024-001"), clause(2, "合同编号HT2024001"))
    assert sorted(ids(index.search("HT-2024-001"))) == [1, 2]
    assert sorted(ids(index.search("ht2024001"))) == [1, 2]


def test_highlight_equals_query(index):
    fill(index, clause(1, "甲方应于签约后支付"))
    hit = index.search("支付").hits[0]
    assert marked(hit.snippet) == ["支付"]
    assert hit.snippet == "甲方应于签约后<mark>支付</mark>"


def test_kana_document_leaves_kanji_results(index):
    fill(index, clause(1, "甲方应于签约后支付"), clause(2, "乙方收到发票后支付尾款"))
    before = ids(index.search("支付"))
    fill(index, clause(3, "株式会社サクラ（以下简称丙方）负责运输"))
    assert ids(index.search("支付")) == before


def test_not_excludes_cjk_term(index):
    fill(
        index,
        clause(1, "本合同由甲乙双方签订"),
        clause(2, "This agreement is signed by both parties."),
        clause(3, "双方保密协议"),
    )
    assert sorted(ids(index.search("双方"))) == [1, 3]
    assert ids(index.search("双方 AND NOT 保密")) == [1]
    assert ids(index.search("双方 -保密")) == [1]


def test_whole_word_ranks_above_substring(index):
    fill(index, clause(1, "乙方应承担违约责任"), clause(2, "各方自行承担责任"))
    assert ids(index.search("责任")) == [2, 1]


def test_heading_match_ranks_first(index):
    fill(
        index,
        clause(1, "逾期付款的，应支付滞纳金"),
        clause(2, "双方协商解决", heading="滞纳金"),
    )
    assert ids(index.search("滞纳金"))[0] == 2


def test_single_character_query(index):
    fill(index, clause(1, "乙方应承担违约责任"), clause(2, "合同生效"))
    assert ids(index.search("约")) == [1]
    assert marked(index.search("约").hits[0].snippet) == ["约"]


def test_longer_string_across_words(index):
    fill(index, clause(1, "甲方应于签约后支付合同价款"), clause(2, "甲方应支付价款"))
    assert ids(index.search("签约后支付合")) == [1]


def test_english_case_and_stem(index):
    fill(
        index,
        clause(1, "Party A shall INDEMNIFY Party B."),
        clause(2, "Indemnification obligations survive termination."),
        clause(3, "Party B shall pay the price."),
    )
    assert ids(index.search("indemnify"))[0] == 1
    assert sorted(ids(index.search("indemnify"))) == [1, 2]
    assert marked(index.search("Indemnify").hits[0].snippet) == ["INDEMNIFY"]


def test_english_phrase(index):
    fill(index, clause(1, "a force majeure event"), clause(2, "majeure force is not a phrase"))
    assert ids(index.search('"force majeure"')) == [1]
    assert sorted(ids(index.search("force majeure"))) == [1, 2]


def test_filters_by_contract_and_kind(index):
    fill(
        index,
        clause(1, "付款条件", contract=1, kind="contract"),
        clause(2, "付款条件变更", contract=1, kind="amendment"),
        clause(3, "付款条件", contract=2, kind="contract"),
    )
    assert sorted(ids(index.search("付款", contract_id=1))) == [1, 2]
    assert ids(index.search("付款", kind="amendment")) == [2]
    page = index.search("付款", contract_id=2, kind="amendment")
    assert page.total == 0


def test_total_and_paging(index):
    fill(index, *[clause(i, f"第{i}项 付款安排") for i in range(1, 26)])
    first = index.search("付款", limit=10)
    third = index.search("付款", limit=10, offset=20)
    assert first.total == 25
    assert len(first.hits) == 10
    assert len(third.hits) == 5
    assert not set(ids(first)) & set(ids(third))


def test_limit_zero_counts_only(index):
    fill(index, clause(1, "付款"), clause(2, "付款"))
    page = index.search("付款", limit=0)
    assert page.total == 2
    assert page.hits == []


def test_negative_paging_clamped(index):
    fill(index, clause(1, "付款"))
    assert ids(index.search("付款", limit=-5, offset=-3)) == []
    assert ids(index.search("付款", offset=-3)) == [1]


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "AND",
        "NOT",
        "双方 AND NOT (保密",
        "😀",
        "((",
        "责" * 500,
        "a " * 250,
        "-",
        "OR",
        "%%%",
        "-%",
        "￥" * 600,
        "1" * 80 + "%",
        '"¥"',
        "2024-02-31",
        "9" * 70 + ",000.00",
    ],
)
def test_hostile_input_never_raises(index, text):
    fill(index, clause(1, "双方保密协议"))
    page = index.search(text)
    assert page.total == len(page.hits)


def test_hit_fields_and_escaping(index):
    fill(
        index,
        clause(7, "<b>付款</b> & 结算", version=3, contract=5, kind="amendment", heading="付款", number="5.2"),
    )
    hit = index.search("付款").hits[0]
    assert (hit.clause_id, hit.document_version_id, hit.contract_id) == (7, 3, 5)
    assert (hit.kind, hit.number, hit.heading) == ("amendment", "5.2", "付款")
    assert hit.snippet == "&lt;b&gt;<mark>付款</mark>&lt;/b&gt; &amp; 结算"
    assert hit.score > 0


def test_long_text_snippet_centred_on_match(index):
    text = "前言" * 200 + "违约金按日计算" + "结尾" * 200
    fill(index, clause(1, text))
    snippet = index.search("违约金").hits[0].snippet
    assert marked(snippet) == ["违约金"]
    assert snippet.startswith("…")
    assert snippet.endswith("…")


def test_add_replaces_same_clause_id(index):
    fill(index, clause(1, "旧的付款条款"))
    fill(index, clause(1, "新的验收条款"))
    assert index.search("付款").total == 0
    assert ids(index.search("验收")) == [1]


def test_delete_version_and_clear(index):
    fill(index, clause(1, "付款", version=1), clause(2, "付款", version=2))
    index.delete_version(1)
    index.commit()
    assert ids(index.search("付款")) == [2]
    index.clear()
    index.commit()
    assert index.search("付款").total == 0


def test_reader_sees_writer_commits(tmp_path):
    writer = TantivyIndex(tmp_path / "index")
    reader = TantivyIndex(tmp_path / "index")
    try:
        fill(writer, clause(1, "付款"))
        assert writer.search("付款").total == 1
        reopened = TantivyIndex(tmp_path / "index")
        assert reopened.search("付款").total == 1
        reopened.close()
        assert reader.search("合同").total == 0
    finally:
        writer.close()
        reader.close()


def test_second_writer_gets_locked_error(tmp_path, monkeypatch):
    monkeypatch.setattr(tantivy_index, "WRITER_LOCK_TIMEOUT_S", 0.3)
    first = TantivyIndex(tmp_path / "index")
    second = TantivyIndex(tmp_path / "index")
    try:
        first.add([clause(1, "付款")])
        with pytest.raises(SearchIndexLockedError):
            second.add([clause(2, "验收")])
        first.commit()
        first.close()
        second.add([clause(2, "验收")])
        second.commit()
        assert second.search("验收").total == 1
    finally:
        first.close()
        second.close()


def test_format_mismatch_asks_for_reindex(tmp_path):
    TantivyIndex(tmp_path / "index").close()
    (tmp_path / "index" / tantivy_index.FORMAT_FILE).write_text('{"format": 0}')
    with pytest.raises(SearchIndexFormatError, match="reindex"):
        TantivyIndex(tmp_path / "index")
    rebuilt = TantivyIndex(tmp_path / "index", recreate=True)
    assert rebuilt.search("付款").total == 0
    rebuilt.close()


def fill_percent(index):
    fill(
        index,
        clause(1, "首付款为合同总价的30%"),
        clause(2, "首付款为合同总价的30％"),
        clause(3, "乙方应在30天内交付"),
        clause(4, "계약 후 30일 이내"),
        clause(5, "百分之三十的货款"),
        clause(6, "年利率为30.5%"),
    )


def test_percent_query_needs_sign(index):
    fill_percent(index)
    page = index.search("30%")
    assert sorted(ids(page)) == [1, 2]
    assert {hit.clause_id: marked(hit.snippet) for hit in page.hits} == {1: ["30%"], 2: ["30％"]}


def test_plain_number_finds_percent(index):
    fill_percent(index)
    page = index.search("30")
    # A decimal is indexed by its parts like a clause number (3.5), so 30.5% matches too.
    assert sorted(ids(page)) == [1, 2, 3, 4, 6]
    snippets = {hit.clause_id: marked(hit.snippet) for hit in page.hits}
    assert snippets[1] == ["30"]
    assert snippets[6] == ["30"]


def test_chinese_percent_matches_itself(index):
    fill_percent(index)
    page = index.search("百分之三十")
    assert ids(page) == [5]
    assert marked(page.hits[0].snippet) == ["百分之三十"]


def test_decimal_percent_whole(index):
    fill_percent(index)
    fill(index, clause(7, "违约金为5%"))
    assert ids(index.search("5%")) == [7]
    assert ids(index.search("30.5%")) == [6]


def test_percent_sign_alone(index):
    fill_percent(index)
    assert sorted(ids(index.search("%"))) == [1, 2, 6]


def fill_money(index):
    fill(
        index,
        clause(1, "合同总价为￥66,600.00元"),
        clause(2, "人民币66600元"),
        clause(3, "价款66,600元（含税）"),
        clause(4, "Price: USD 1,000 (CNY 7,000), payable to RMB66,600.00 account"),
        clause(5, "price $500 or €400 or £300"),
        clause(6, "本合同一式¥份"),
        clause(7, "列表1,2,3项，另有600件"),
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("¥", [1, 6]),
        ("￥", [1, 6]),
        ("$", [5]),
        ("€", [5]),
        ("£", [5]),
        ("RMB", [4]),
        ("USD", [4]),
        ("CNY", [4]),
        ("￥66,600.00", [1]),
        ("¥66600", [1]),
        ("$500", [5]),
    ],
)
def test_currency_queries(index, query, expected):
    fill_money(index)
    assert sorted(ids(index.search(query))) == expected


@pytest.mark.parametrize("query", ["66600", "66,600", "66600.00", "66,600.00"])
def test_amount_forms_match_each_other(index, query):
    fill_money(index)
    page = index.search(query)
    assert sorted(ids(page)) == [1, 2, 3, 4]
    snippets = {hit.clause_id: marked(hit.snippet) for hit in page.hits}
    assert snippets[1] == ["66,600.00"]
    assert snippets[2] == ["66600"]
    assert snippets[3] == ["66,600"]
    assert snippets[4] == ["66,600.00"]


def test_amount_parts_do_not_match(index):
    fill_money(index)
    assert ids(index.search("600")) == [7]
    assert marked(index.search("600").hits[0].snippet) == ["600"]
    assert index.search("123").total == 0


def test_currency_highlight_original_form(index):
    fill_money(index)
    hit = index.search("￥66,600.00").hits[0]
    assert marked(hit.snippet) == ["￥66,600.00"]
    assert marked(index.search("$").hits[0].snippet) == ["$"]


@pytest.mark.parametrize("query", ["2024-03-05", "2024.3.5", "2024/03/05", "2024年3月5日", "2024-3-5"])
def test_date_forms_match_each_other(index, query):
    fill(
        index,
        clause(1, "签订日期：2024-03-05"),
        clause(2, "本合同于2024年3月5日签订"),
        clause(3, "落款2024.3.5"),
        clause(4, "日期2024/03/05"),
        clause(5, "2024年3月15日交付，2024-03-25验收"),
    )
    page = index.search(query)
    assert sorted(ids(page)) == [1, 2, 3, 4]
    snippets = {hit.clause_id: marked(hit.snippet) for hit in page.hits}
    assert snippets[1] == ["2024-03-05"]
    assert snippets[2] == ["2024年3月5日"]
    assert snippets[3] == ["2024.3.5"]
    assert snippets[4] == ["2024/03/05"]
