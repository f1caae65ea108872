"""Tests for the Meilisearch token fields and query translation, which need no server."""

from archive.search.meili_index import make_document, quote_filter_value
from archive.search.meili_tokens import (
    HEAD,
    MAX_CONJUNCTIONS,
    PREFIX,
    TAIL,
    TOKEN_DIGITS,
    UNIGRAM,
    UNIT,
    WORD,
    build_token_fields,
    encode,
    letter_prefixes,
    meili_query_string,
    query_conjunctions,
    unit_stream,
)
from archive.search.base import ClauseEntry
from archive.search.query import parse_query
from archive.search.tokenize import normalize


def test_cjk_run_gives_head_bigrams_tail():
    assert unit_stream(normalize("验收合格")) == [
        (HEAD, "验"),
        (UNIT, "验收"),
        (UNIT, "收合"),
        (UNIT, "合格"),
        (TAIL, "格"),
    ]


def test_lone_character_and_numbers():
    assert unit_stream(normalize("第12条")) == [
        (HEAD, "第"),
        (UNIT, "第"),
        (TAIL, "第"),
        (UNIT, "12"),
        (HEAD, "条"),
        (UNIT, "条"),
        (TAIL, "条"),
    ]


def test_signs_and_amounts_are_units():
    assert unit_stream(normalize("￥58,000 30%")) == [
        (UNIT, "¥"),
        (UNIT, "58000"),
        (UNIT, "30"),
        (UNIT, "%"),
    ]


def test_token_is_fixed_width_digits():
    token = encode(UNIT, "验收")
    assert len(token) == TOKEN_DIGITS
    assert token.isdigit()
    assert token.isascii()


def test_roles_give_different_tokens():
    assert encode(UNIT, "约") != encode(UNIGRAM, "约")
    assert encode(HEAD, "约") != encode(TAIL, "约")


def test_fields_contain_encoded_bigrams_and_unigrams():
    fields = build_token_fields("违约金")
    assert fields.units.split() == [
        encode(HEAD, "违"),
        encode(UNIT, "违约"),
        encode(UNIT, "约金"),
        encode(TAIL, "金"),
    ]
    assert fields.unigrams.split() == [encode(UNIGRAM, c) for c in "违约金"]
    assert encode(WORD, "违约金") in fields.words.split()


def test_words_field_has_letter_prefixes():
    words = build_token_fields("Indemnification applies").words.split()
    assert encode(PREFIX, "indemn") in words
    assert encode(PREFIX, "indemnification") in words
    assert encode(PREFIX, "indem") not in words


def test_letter_prefixes_stop_at_digits():
    assert letter_prefixes("abcdefg2024") == ["abcdef", "abcdefg"]
    assert letter_prefixes("ht-2024-001") == []


def test_substring_query_is_bigram_phrase():
    conjunctions = query_conjunctions(parse_query("验收合"))
    assert len(conjunctions) == 1
    assert conjunctions[0].required == {(encode(UNIT, "验收"), encode(UNIT, "收合"))}


def test_substring_phrase_is_in_document_units():
    query = query_conjunctions(parse_query("收合格"))[0]
    (phrase,) = query.required
    units = build_token_fields("货物经验收合格后").units
    assert " ".join(phrase) in units


def test_edge_lone_characters_use_tail_and_head():
    (conjunction,) = query_conjunctions(parse_query("第12条"))
    assert conjunction.required == {(encode(TAIL, "第"), encode(UNIT, "12"), encode(HEAD, "条"))}
    units = build_token_fields("依据第12条款").units
    assert " ".join(next(iter(conjunction.required))) in units


def test_single_character_uses_unigram():
    (conjunction,) = query_conjunctions(parse_query("约"))
    assert conjunction.required == {(encode(UNIGRAM, "约"),)}


def test_percent_query_uses_whole_word():
    (conjunction,) = query_conjunctions(parse_query("30％"))
    assert conjunction.required == {(encode(WORD, "30%"),)}


def test_date_has_phrase_and_iso_alternatives():
    conjunctions = query_conjunctions(parse_query("2024年3月5日"))
    assert len(conjunctions) == 2
    assert any(c.required == {(encode(WORD, "2024-03-05"),)} for c in conjunctions)


def test_or_becomes_two_conjunctions():
    conjunctions = query_conjunctions(parse_query("付款 OR 验收 合同"))
    assert len(conjunctions) == 2
    for conjunction in conjunctions:
        assert (encode(UNIT, "合同"),) in conjunction.required


def test_not_becomes_excluded_phrase():
    (conjunction,) = query_conjunctions(parse_query("双方 -保密"))
    assert conjunction.excluded == {(encode(UNIT, "保密"),)}
    assert meili_query_string(conjunction) == f'"{encode(UNIT, "双方")}" -"{encode(UNIT, "保密")}"'


def test_required_and_excluded_same_phrase_matches_nothing():
    assert query_conjunctions(parse_query("保密 -保密")) == []


def test_overlong_token_matches_nothing():
    assert query_conjunctions(parse_query("a" * 100)) == []


def test_conjunctions_capped():
    text = " ".join(f"词{i} OR 项{i}" for i in range(10))
    assert len(query_conjunctions(parse_query(text))) == MAX_CONJUNCTIONS


def test_query_string_has_only_digits_quotes_and_spaces():
    for text in ['"unterminated', "-", "kind = x", "¥58,000", "30%", "a) OR (b"]:
        for conjunction in query_conjunctions(parse_query(text)):
            assert set(meili_query_string(conjunction)) <= set('0123456789" -'), text


def test_document_keeps_display_fields():
    entry = ClauseEntry(
        clause_id=7,
        document_version_id=3,
        document_id=2,
        contract_id=5,
        kind="amendment",
        number="5.2",
        heading=None,
        text="<b>付款</b>",
    )
    document = make_document(entry)
    assert document["clause_id"] == 7
    assert document["text"] == "<b>付款</b>"
    assert document["heading"] is None
    assert document["heading_units"] == ""
    assert encode(UNIT, "付款") in document["body_units"].split()


def test_filter_value_quoted():
    assert quote_filter_value('a"b\\c') == '"a\\"b\\\\c"'
