"""Tests for text analysis: bigrams, unigrams, jieba words and code tokens."""

from archive.search.tokenize import analyze, code_forms, iter_segments, normalize


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
