import datetime as dt

import pytest

from ingest.fields.dates import MonthDay, find_dates, parse_chinese_date, parse_month_day


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("二〇二四年三月五日", dt.date(2024, 3, 5)),
        ("２０２４年３月５日", dt.date(2024, 3, 5)),
        ("2024 年 3 月 5 日", dt.date(2024, 3, 5)),
        ("签订日期：2024年3月5日", dt.date(2024, 3, 5)),
        ("2007年10月10日", dt.date(2007, 10, 10)),
        ("二〇二四年十二月三十一日", dt.date(2024, 12, 31)),
        ("二零二四年三月廿一日", dt.date(2024, 3, 21)),
        ("二〇二四年一月卅一日", dt.date(2024, 1, 31)),
        ("2024年3月5号", dt.date(2024, 3, 5)),
        ("2024-03-05", dt.date(2024, 3, 5)),
        ("dated as of January 1, 2004", dt.date(2004, 1, 1)),
        ("made this 1st day of April, 2007", dt.date(2007, 4, 1)),
        ("made this 14 day of October 2016", dt.date(2016, 10, 14)),
        ("as of the 2nd day of March, 2021", dt.date(2021, 3, 2)),
    ],
)
def test_parse_chinese_date_forms(text, expected):
    assert parse_chinese_date(text) == expected


@pytest.mark.parametrize("text", ["2024年2月30日", "2023年2月29日", "2024年13月1日", "2024年0月1日"])
def test_parse_chinese_date_rejects_invalid(text):
    assert parse_chinese_date(text) is None


def test_month_day_without_year_is_not_a_date():
    assert parse_chinese_date("3月5日") is None
    assert find_dates("请于3月5日前付款") == []


def test_month_day_keeps_year_unknown():
    assert parse_month_day("请于3月5日前付款") == MonthDay(3, 5)
    assert parse_month_day("每年十二月廿日") == MonthDay(12, 20)


def test_month_day_ignores_full_dates():
    assert parse_month_day("2024年3月5日") is None


def test_find_dates_two_dates_exact_spans():
    text = "本合同于2024年3月5日签订，有效期至2025年3月4日。"
    found = find_dates(text)

    assert [value for _, value in found] == [dt.date(2024, 3, 5), dt.date(2025, 3, 4)]
    assert [text[start:end] for (start, end), _ in found] == ["2024年3月5日", "2025年3月4日"]


def test_find_dates_spaced_form_span():
    text = "签订于 2024 年 3 月 5 日。"
    [((start, end), value)] = find_dates(text)

    assert text[start:end] == "2024 年 3 月 5 日"
    assert value == dt.date(2024, 3, 5)


def test_find_dates_year_embedded_in_number():
    assert find_dates("编号12024年3月5日") == []


def test_zero_padded_chinese_month_and_day():
    import datetime as dt

    from ingest.fields.dates import parse_chinese_date

    assert parse_chinese_date("签订日期：二〇二四年〇三月〇五日") == dt.date(2024, 3, 5)
    assert parse_chinese_date("二〇二四年一〇月〇一日") == dt.date(2024, 10, 1)
    assert parse_chinese_date("二〇二四年〇〇月〇五日") is None
