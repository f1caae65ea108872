"""The SearchIndex contract, run against every backend: tantivy always, Meilisearch with MEILI_URL."""

import os
import re
import time
import uuid

import pytest

from archive.search.base import ClauseEntry
from archive.search.tantivy_index import TantivyIndex

MARK_RE = re.compile(r"<mark>(.*?)</mark>")
LARGE_EXCLUSION_MAX_SECONDS = 1.0
MEILI_SKIP_REASON = (
    "MEILI_URL is not set: the Meilisearch conformance tests did NOT run. "
    "Set MEILI_URL (and MEILI_API_KEY if the server needs one) to run them."
)


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


def open_meili_index():
    from archive.search.meili_index import MeiliIndex

    name = f"test_clauses_{os.getpid()}_{uuid.uuid4().hex[:12]}"
    return MeiliIndex(os.environ["MEILI_URL"], name, api_key=os.environ.get("MEILI_API_KEY"))


@pytest.fixture(params=["tantivy", "meilisearch"])
def index(request, tmp_path):
    if request.param == "tantivy":
        opened = TantivyIndex(tmp_path / "index")
        yield opened
        opened.close()
        return

    if not os.environ.get("MEILI_URL"):
        pytest.skip(MEILI_SKIP_REASON)
    opened = open_meili_index()
    try:
        yield opened
    finally:
        opened.close()
        opened.drop()


def fill(index, *entries):
    index.add(entries)
    index.commit()


def ids(page):
    return sorted(hit.clause_id for hit in page.hits)


def marked(snippet):
    return MARK_RE.findall(snippet)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("验收", [1]),
        ("违约", [2]),
        ("约金", [2]),
        ("收合", [1]),
        ("合格", [1]),
        ("华信", [3]),
        ("信科", [3]),
        ("签约后支付合", [4]),
        ("约", [2, 4]),
    ],
)
def test_chinese_substrings(index, query, expected):
    fill(
        index,
        clause(1, "货物经验收合格后付款"),
        clause(2, "乙方应支付违约金"),
        clause(3, "上海华信科技有限公司"),
        clause(4, "甲方应于签约后支付合同价款"),
        clause(5, "本合同自签订之日起生效"),
    )
    assert ids(index.search(query)) == expected


def test_chinese_substring_highlighted(index):
    fill(index, clause(1, "货物经验收合格后付款"))
    assert index.search("收合").hits[0].snippet == "货物经验<mark>收合</mark>格后付款"


def test_all_terms_must_match(index):
    fill(index, clause(1, "验收合格后付款"), clause(2, "验收不合格的退货"), clause(3, "付款方式"))
    assert ids(index.search("验收 付款")) == [1]


def test_english_case_insensitive(index):
    fill(index, clause(1, "Party A shall PAY the Price."), clause(2, "Force majeure."))
    assert ids(index.search("pay")) == [1]
    assert ids(index.search("PRICE")) == [1]
    assert marked(index.search("Pay").hits[0].snippet) == ["PAY"]


def test_mixed_chinese_english(index):
    fill(
        index,
        clause(1, "乙方交付Software许可证"),
        clause(2, "乙方交付硬件"),
        clause(3, "Software license only"),
    )
    assert ids(index.search("交付 software")) == [1]
    assert ids(index.search("Software许可")) == [1]


def test_phrase_with_lone_edge_characters(index):
    fill(index, clause(1, "依据第12条款处理"), clause(2, "第12项"), clause(3, "12条"))
    assert ids(index.search("第12条")) == [1]


def test_quoted_phrase(index):
    fill(index, clause(1, "a force majeure event"), clause(2, "majeure force is not a phrase"))
    assert ids(index.search('"force majeure"')) == [1]
    assert ids(index.search("force majeure")) == [1, 2]


def test_percent_as_written(index):
    fill(
        index,
        clause(1, "首付款为合同总价的30%"),
        clause(2, "首付款为合同总价的30％"),
        clause(3, "乙方应在30天内交付"),
        clause(4, "年利率为30.5%"),
    )
    assert ids(index.search("30%")) == [1, 2]
    assert ids(index.search("30.5%")) == [4]
    assert ids(index.search("%")) == [1, 2, 4]


def test_currency_and_amount_as_written(index):
    fill(
        index,
        clause(1, "合同总价为¥58,000元"),
        clause(2, "合同总价为人民币58000元"),
        clause(3, "price $500"),
        clause(4, "另有000件"),
    )
    assert ids(index.search("¥58,000")) == [1]
    assert ids(index.search("58,000")) == [1, 2]
    assert ids(index.search("¥")) == [1]
    assert ids(index.search("$500")) == [3]
    assert marked(index.search("¥58,000").hits[0].snippet) == ["¥58,000"]


def test_date_forms(index):
    fill(
        index,
        clause(1, "本合同于2024年3月5日签订"),
        clause(2, "签订日期：2024-03-05"),
        clause(3, "2024年3月15日交付"),
    )
    assert ids(index.search("2024年3月5日")) == [1, 2]
    assert ids(index.search("2024-03-05")) == [1, 2]
    assert marked(index.search("2024-03-05").hits[0].snippet) in (["2024年3月5日"], ["2024-03-05"])


def test_contract_number_forms(index):
    fill(index, clause(1, "合同编号：HT-2024-001"), clause(2, "合同编号HT2024001"), clause(3, "HT部门2024年"))
    assert ids(index.search("HT-2024-001")) == [1, 2]
    assert ids(index.search("ht2024001")) == [1, 2]


def test_filters_by_contract_and_kind(index):
    fill(
        index,
        clause(1, "付款条件", contract=1, kind="contract"),
        clause(2, "付款条件变更", contract=1, kind="amendment"),
        clause(3, "付款条件", contract=2, kind="contract"),
    )
    assert ids(index.search("付款", contract_id=1)) == [1, 2]
    assert ids(index.search("付款", kind="amendment")) == [2]
    assert ids(index.search("付款", contract_id=2, kind="contract")) == [3]
    assert index.search("付款", contract_id=2, kind="amendment").total == 0


def test_kind_filter_with_quotes_is_a_value(index):
    fill(index, clause(1, "付款条件", kind="contract"))
    assert index.search("付款", kind='contract" OR kind = "x').total == 0


def test_not_and_or_operators(index):
    fill(index, clause(1, "本合同由甲乙双方签订"), clause(2, "双方保密协议"), clause(3, "验收报告"))
    assert ids(index.search("双方 -保密")) == [1]
    assert ids(index.search("双方 AND NOT 保密")) == [1]
    assert ids(index.search("保密 OR 验收")) == [2, 3]
    assert ids(index.search("-双方")) == [3]


def test_delete_version_removes_only_that_version(index):
    fill(
        index,
        clause(1, "付款", version=1),
        clause(2, "付款安排", version=1),
        clause(3, "付款", version=2),
    )
    index.delete_version(1)
    index.commit()
    assert ids(index.search("付款")) == [3]
    assert index.indexed_clause_ids() == {3}


def test_clear_removes_everything(index):
    fill(index, clause(1, "付款"), clause(2, "验收"))
    index.clear()
    index.commit()
    assert index.search("付款").total == 0
    assert index.indexed_clause_ids() == set()


def test_add_same_clause_id_replaces(index):
    fill(index, clause(1, "旧的付款条款"))
    fill(index, clause(1, "新的验收条款"))
    assert index.search("付款").total == 0
    assert ids(index.search("验收")) == [1]
    assert index.indexed_clause_ids() == {1}


def test_total_and_paging(index):
    fill(index, *[clause(i, f"第{i}项 付款安排") for i in range(1, 26)], clause(99, "验收"))
    first = index.search("付款", limit=10)
    second = index.search("付款", limit=10, offset=10)
    third = index.search("付款", limit=10, offset=20)
    assert first.total == 25
    assert third.total == 25
    assert [len(first.hits), len(second.hits), len(third.hits)] == [10, 10, 5]
    seen = ids(first) + ids(second) + ids(third)
    assert sorted(seen) == list(range(1, 26))


def test_unaligned_offset(index):
    fill(index, *[clause(i, "付款安排") for i in range(1, 8)])
    page = index.search("付款", limit=4, offset=5)
    assert page.total == 7
    assert len(page.hits) == 2


def test_total_of_or_query_counts_each_clause_once(index):
    fill(index, clause(1, "付款与验收"), clause(2, "付款"), clause(3, "验收"), clause(4, "交付"))
    page = index.search("付款 OR 验收")
    assert page.total == 3
    assert ids(page) == [1, 2, 3]


def test_limit_zero_counts_only(index):
    fill(index, clause(1, "付款"), clause(2, "付款"))
    page = index.search("付款", limit=0)
    assert page.total == 2
    assert page.hits == []


def test_hit_fields_and_html_escaping(index):
    fill(
        index,
        clause(
            7,
            "<script>alert(1)</script>付款 & 结算",
            version=3,
            contract=5,
            kind="amendment",
            heading="付款",
            number="5.2",
        ),
    )
    hit = index.search("付款").hits[0]
    assert (hit.clause_id, hit.document_version_id, hit.document_id) == (7, 3, 3)
    assert (hit.contract_id, hit.kind, hit.number, hit.heading) == (5, "amendment", "5.2", "付款")
    assert hit.snippet == "&lt;script&gt;alert(1)&lt;/script&gt;<mark>付款</mark> &amp; 结算"
    assert "<script>" not in hit.snippet
    assert hit.score > 0


def test_script_text_is_searchable_and_escaped(index):
    fill(index, clause(1, "<script>alert(1)</script>"))
    hit = index.search("script").hits[0]
    assert hit.snippet == "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        '"',
        '"unterminated phrase',
        "AND",
        "NOT",
        "OR",
        "-",
        "((违约)) AND [责任]",
        "双方 AND NOT (保密",
        "title:foo* ~2 ^3 \\ / + && || !",
        "kind = contract OR 1=1",
        "😀🔥",
        "%%%",
        "￥" * 600,
        "责" * 500,
        "a " * 250,
        "第12条" * 100,
        "1" * 80 + "%",
        " OR ".join(f"词{i}" for i in range(40)),
    ],
)
def test_any_input_is_a_query(index, text):
    fill(index, clause(1, "双方保密协议"))
    page = index.search(text)
    assert page.total >= len(page.hits)


def test_empty_query_finds_nothing(index):
    fill(index, clause(1, "双方保密协议"))
    assert index.search("").total == 0
    assert index.search('""').total == 0


def test_indexed_clause_ids(index):
    assert index.indexed_clause_ids() == set()
    fill(index, *[clause(i, f"条款{i}", version=i % 3) for i in range(1, 31)])
    assert index.indexed_clause_ids() == set(range(1, 31))


def fill_exclusion_corpus(index):
    fill(
        index,
        clause(1, "付款条件", contract=1, kind="contract"),
        clause(2, "付款安排", contract=1, kind="amendment"),
        clause(3, "付款条件", contract=2, kind="contract"),
        clause(4, "付款期限", contract=3, kind="amendment"),
        clause(5, "验收标准", contract=2, kind="contract"),
    )


def page_ids_in_order(page):
    return [hit.clause_id for hit in page.hits]


def test_exclusion_removes_contract_hits(index):
    fill_exclusion_corpus(index)
    page = index.search("付款", exclude_contract_ids=[1])
    assert ids(page) == [3, 4]
    assert page.total == 2
    page = index.search("付款", exclude_contract_ids={1, 3})
    assert ids(page) == [3]
    assert page.total == 1


def test_exclusion_of_unknown_contract_changes_nothing(index):
    fill_exclusion_corpus(index)
    page = index.search("付款", exclude_contract_ids=(99,))
    assert ids(page) == [1, 2, 3, 4]
    assert page.total == 4


def test_exclusion_total_counts_remaining_hits(index):
    fill_exclusion_corpus(index)
    page = index.search("付款", limit=1, exclude_contract_ids=[2])
    assert page.total == 3
    assert len(page.hits) == 1
    assert page.hits[0].clause_id in {1, 2, 4}
    count_only = index.search("付款", limit=0, exclude_contract_ids=[2])
    assert count_only.total == 3
    assert count_only.hits == []


def test_exclusion_paging_returns_each_hit_once(index):
    # Contracts 1, 2 and 3 take turns, so removing contract 2 after paging
    # would leave every page short by about a third.
    fill(index, *[clause(i, "付款安排", contract=i % 3 + 1) for i in range(1, 31)])
    remaining = [i for i in range(1, 31) if i % 3 + 1 != 2]
    pages = [
        index.search("付款", limit=7, offset=offset, exclude_contract_ids=[2])
        for offset in (0, 7, 14, 21)
    ]
    assert [page.total for page in pages] == [20, 20, 20, 20]
    assert [len(page.hits) for page in pages] == [7, 7, 6, 0]
    seen = [clause_id for page in pages for clause_id in page_ids_in_order(page)]
    assert len(seen) == len(set(seen))
    assert sorted(seen) == remaining


def test_exclusion_of_every_contract_finds_nothing(index):
    fill_exclusion_corpus(index)
    page = index.search("付款", exclude_contract_ids=[1, 2, 3])
    assert page.total == 0
    assert page.hits == []
    assert index.search("-付款", exclude_contract_ids=[1, 2, 3]).total == 0


def test_exclusion_with_contract_filter(index):
    fill_exclusion_corpus(index)
    page = index.search("付款", contract_id=1, exclude_contract_ids=[2, 3])
    assert ids(page) == [1, 2]
    assert page.total == 2
    page = index.search("付款", contract_id=1, exclude_contract_ids=[1])
    assert page.total == 0
    assert page.hits == []


def test_exclusion_with_kind_filter(index):
    fill_exclusion_corpus(index)
    page = index.search("付款", kind="amendment", exclude_contract_ids=[1])
    assert ids(page) == [4]
    assert page.total == 1
    page = index.search("付款", kind="contract", exclude_contract_ids=[2])
    assert ids(page) == [1]
    assert page.total == 1
    page = index.search("付款", contract_id=2, kind="contract", exclude_contract_ids=[1])
    assert ids(page) == [3]
    assert page.total == 1


def test_exclusion_with_or_and_not_queries(index):
    fill_exclusion_corpus(index)
    page = index.search("条件 OR 期限", exclude_contract_ids=[2])
    assert ids(page) == [1, 4]
    assert page.total == 2
    page = index.search("-条件", exclude_contract_ids=[3])
    assert ids(page) == [2, 5]
    assert page.total == 2


def test_large_exclusion_set(index):
    # Clause i belongs to contract i, and clause 1001 to contract 6000, outside the excluded range.
    fill(
        index,
        *[clause(i, "付款安排", contract=i) for i in range(1, 1001)],
        clause(1001, "付款安排", contract=6000),
    )
    excluded = [contract for contract in range(1, 5002) if contract != 500]
    assert len(excluded) == 5000

    started = time.perf_counter()
    page = index.search("付款", limit=10, exclude_contract_ids=excluded)
    elapsed = time.perf_counter() - started

    assert ids(page) == [500, 1001]
    assert page.total == 2
    if isinstance(index, TantivyIndex):
        # The search measured a few milliseconds on a 2-core machine. The bound is loose,
        # so it fails only on a gross slowdown such as one search per excluded id.
        assert elapsed < LARGE_EXCLUSION_MAX_SECONDS
