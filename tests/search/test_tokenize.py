"""Tests for text analysis: bigrams, unigrams, jieba words and code tokens."""

import pytest

from archive.search.tokenize import (
    amount_form,
    analyze,
    code_forms,
    date_form,
    iter_dates,
    iter_segments,
    normalize,
)


def test_cjk_run_gives_bigrams_and_unigrams():
    tokens = analyze("违约责任")
    assert tokens.grams.split() == ["违约", "约责", "责任"]
    assert tokens.unigrams.split() == ["违", "约", "责", "任"]


def test_lone_cjk_character_is_its_own_unit():
    assert analyze("第12条").grams.split() == ["第", "12", "条"]


def test_punctuation_produces_no_unit():
    assert analyze("甲方，乙方").grams.split() == ["甲方", "乙方"]


def test_jieba_words_keep_compound_whole():
    words = analyze("乙方应承担违约责任").words.split()
    assert "违约责任" in words
    assert "责任" not in words


def test_contract_number_whole_compact_and_parts():
    tokens = analyze("合同编号HT-2024-001")
    assert tokens.grams.split()[-3:] == ["ht", "2024", "001"]
    words = tokens.words.split()
    assert "ht-2024-001" in words
    assert "ht2024001" in words


def test_code_without_joiners_split_at_digits():
    forms = code_forms("ht2024001")
    assert forms.whole == "ht2024001"
    assert forms.compact is None
    assert forms.parts == ("ht", "2024001")


def test_grouped_amount_has_compact_form():
    assert code_forms("100,000").compact == "100000"


def test_dotted_number_has_no_compact_form():
    assert code_forms("1.1.1").compact is None


def test_english_words_lowercased_and_stemmed():
    tokens = analyze("Party A shall Indemnify")
    assert "indemnify" in tokens.grams.split()
    assert "indemnifi" in tokens.words.split()
    assert "parti" in tokens.words.split()


def test_full_width_forms_normalized():
    assert normalize("ＨＴ２０２４") == "ht2024"
    assert analyze("ＨＴ２０２４").grams.split() == ["ht", "2024"]


def test_overlong_token_dropped():
    tokens = analyze("a" * 500 + " 合同")
    assert tokens.grams.split() == ["合同"]


def test_segments_mark_cjk_and_spans():
    segments = list(iter_segments(normalize("第12条")))
    assert [(s.text, s.is_cjk, s.start, s.end) for s in segments] == [
        ("第", True, 0, 1),
        ("12", False, 1, 3),
        ("条", True, 3, 4),
    ]


def test_emoji_and_symbols_give_no_tokens():
    tokens = analyze("😀 ()[] --")
    assert tokens.grams == ""
    assert tokens.unigrams == ""
    assert tokens.words == ""


def test_percent_is_own_word():
    tokens = analyze("总价的30%")
    assert tokens.grams.split()[-2:] == ["30", "%"]
    assert "30%" in tokens.words.split()
    assert "30" in tokens.words.split()


def test_full_width_percent_folds():
    assert "30%" in analyze("总价的30％").words.split()
    assert "30%" in analyze("30 %").words.split()
    assert "30%" in analyze("30.00%").words.split()


def test_per_mille_is_own_word():
    words = analyze("按日万分之五或0.5‰计").words.split()
    assert "0.5‰" in words
    assert "0.5%" not in words


def test_currency_signs_are_units():
    assert analyze("合同总价￥66,600.00元").grams.split() == ["合同", "同总", "总价", "¥", "66600", "元"]
    assert analyze("$500 €400 £3").grams.split() == ["$", "500", "€", "400", "£", "3"]


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("66,600", "66600"),
        ("66,600.00", "66600"),
        ("66600.00", "66600"),
        ("1,234,567.5", "1234567.5"),
        ("66,600.50", "66600.50"),
        ("66600", None),
        ("5.10", None),
        ("5.0", None),
        ("1,2,3", None),
        ("1234,567", None),
    ],
)
def test_amount_form(token, expected):
    assert amount_form(token) == expected


def test_amount_is_one_unit_in_codes():
    assert analyze("RMB66,600.00").grams.split() == ["rmb", "66600"]
    assert code_forms("66,600.00").parts == ("66600",)
    assert code_forms("66,600.00").compact == "66600"


def test_list_commas_not_merged():
    assert analyze("第1,2,3项").grams.split() == ["第", "1", "2", "3", "项"]
    assert analyze("2024,100").grams.split() == ["2024", "100"]
    assert "123" not in analyze("1,2,3").words.split()


def test_clause_numbers_keep_form():
    assert analyze("5.10").grams.split() == ["5", "10"]
    assert analyze("5.1").grams.split() == ["5", "1"]


@pytest.mark.parametrize(
    "text", ["2024-03-05", "2024.3.5", "2024/03/05", "2024年3月5日", "２０２４年３月５日", "2024 年 3 月 5 日"]
)
def test_date_forms_share_token(text):
    assert date_form(normalize(text)) == "2024-03-05"
    assert "2024-03-05" in analyze(text).words.split()


@pytest.mark.parametrize(
    "text", ["2024-13-05", "2024-02-31", "2024-03/05", "HT-2024-03-05", "1.2024.3.5", "2024年3月"]
)
def test_non_dates_give_no_date(text):
    assert list(iter_dates(normalize(text))) == []


def test_date_spans_in_text():
    found = list(iter_dates(normalize("于2024年3月5日签订，2024.4.1生效")))
    assert found == [("2024-03-05", 1, 10), ("2024-04-01", 13, 21)]


def test_segment_kinds():
    segments = list(iter_segments(normalize("￥66,600 30% 合同")))
    assert [(s.text, s.kind) for s in segments] == [
        ("¥", "sign"),
        ("66,600", "code"),
        ("30%", "percent"),
        ("合同", "cjk"),
    ]
