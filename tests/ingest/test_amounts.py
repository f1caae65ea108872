import re
from decimal import Decimal

import pytest

from ingest.fields.amounts import (
    find_amounts,
    find_table_row_amounts,
    parse_amount_figures,
    parse_rmb_uppercase,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("人民币壹拾万元整", "100000.00"),
        ("壹拾万零叁仟肆佰元整", "103400.00"),
        ("壹万贰仟元零伍分", "12000.05"),
        ("贰拾万零壹佰元", "200100.00"),
        ("壹佰萬元整", "1000000.00"),
        ("拾万元整", "100000.00"),
        ("人民币壹拾贰万叁仟元整", "123000.00"),
        ("人民币（大写）：壹拾贰万叁仟元整", "123000.00"),
        ("RMB：伍仟圆正", "5000.00"),
        ("￥ 叁佰元整", "300.00"),
        ("壹元伍角陆分", "1.56"),
        ("伍角", "0.50"),
        ("壹仟元零伍角", "1000.50"),
        ("壹亿贰仟万元整", "120000000.00"),
        ("壹億零伍佰万元整", "105000000.00"),
        ("叁千元整", "3000.00"),
        ("陆萬陆仟陆佰元整", "66600.00"),
    ],
)
def test_parse_rmb_uppercase_values(text, expected):
    assert parse_rmb_uppercase(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "人民币", "壹贰元", "叁仟伍", "佰拾元", "壹万壹万元"])
def test_parse_rmb_uppercase_rejects(text):
    assert parse_rmb_uppercase(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("人民币123,000.00元", "123000.00"),
        ("12.3万元", "123000.00"),
        ("USD 1,000,000", "1000000.00"),
        ("$1,250,000.00", "1250000.00"),
        ("￥100,000.00", "100000.00"),
        ("１２３元", "123.00"),
        ("1500", "1500.00"),
    ],
)
def test_parse_amount_figures_values(text, expected):
    assert parse_amount_figures(text) == Decimal(expected)


def test_parse_amount_figures_needs_currency_in_text():
    assert parse_amount_figures("首付10%") is None
    assert parse_amount_figures("第3条") is None


def test_find_amounts_figures_and_uppercase():
    text = "合同总价为人民币100,000.00元（大写：人民币壹拾万元整），首付￥10,000元。"
    amounts = find_amounts(text)

    assert [a.value for a in amounts] == [Decimal("100000.00"), Decimal("100000.00"), Decimal("10000.00")]
    assert [a.uppercase for a in amounts] == [False, True, False]
    assert {a.currency for a in amounts} == {"CNY"}
    assert text[amounts[1].start : amounts[1].end] == "壹拾万元整"


@pytest.mark.parametrize(
    ("text", "written", "expected"),
    [
        ("合计壹拾贰万叁仟肆佰伍拾陆元柒角捌分。", "壹拾贰万叁仟肆佰伍拾陆元柒角捌分", "123456.78"),
        ("押金壹万元伍角陆分，", "壹万元伍角陆分", "10000.56"),
        ("尾款伍角陆分整", "伍角陆分整", "0.56"),
        ("另付陆分", "陆分", "0.06"),
    ],
)
def test_find_amounts_jiao_and_fen(text, written, expected):
    [amount] = find_amounts(text)

    assert text[amount.start : amount.end] == written
    assert amount.value == Decimal(expected)


def test_find_amounts_dollar_currency():
    [amount] = find_amounts("a fee of $1,250,000.00 per year")

    assert amount.currency == "USD"
    assert amount.value == Decimal("1250000.00")


TOTAL_LABEL = re.compile(r"合计|总计")


def test_table_row_total_uses_unit_note():
    text = "单位：万元\n名称 | 金额\n设备 | 12\n合计 | 1,234.5\n"
    (amount,) = find_table_row_amounts(text, TOTAL_LABEL)

    assert amount.value == Decimal("12345000.00")
    assert amount.currency == "CNY"
    assert text[amount.start : amount.end] == "1,234.5"


def test_table_row_total_takes_last_number():
    text = " | ".join(["合计（元）", "3", "", "600"]) + "\n"
    (amount,) = find_table_row_amounts(text, TOTAL_LABEL)

    assert amount.value == Decimal("600.00")
    assert amount.currency is None


@pytest.mark.parametrize("text", ["合计金额为 | 500\n", "名称 | 合计 | 500\n", "合计 | 待定\n", "合计 500\n"])
def test_table_row_total_needs_label_cell(text):
    assert find_table_row_amounts(text, TOTAL_LABEL) == []
