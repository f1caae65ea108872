"""Tests for normalize_text and the text quality gate."""

from __future__ import annotations

import unicodedata

import pytest

from ingest.cjk_radicals import RADICAL_SUPPLEMENT_TO_IDEOGRAPH
from ingest.normalize import normalize_text
from ingest.text_quality import assess_text, is_garbage_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＨＴ２０２４００１", "HT2024001"),
        ("第⼀条", "第一条"),
        ("⽅案", "方案"),
        ("⻘岛", "青岛"),
        ("⻝品", "食品"),
        ("ﬁnal", "final"),
    ],
    ids=["full-width", "kangxi-one", "kangxi-square", "supplement-blue", "supplement-eat", "ligature"],
)
def test_compatibility_folded(raw: str, expected: str):
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    "text",
    ["（一）甲方：北京；乙方，上海。", "“甲方”、“乙方”", "①面积100㎡", "金额￥100", "见附件……"],
    ids=["brackets-colon", "quotes-comma", "enclosed-squared", "yen", "ellipsis"],
)
def test_chinese_punctuation_kept(text: str):
    assert normalize_text(text) == text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("第 一 条", "第一条"),
        ("人 民 币 壹 拾 万 元 整", "人民币壹拾万元整"),
        ("甲 方 ：", "甲方："),
        ("甲方\u3000\u3000乙方", "甲方乙方"),
        ("广\u00a0州\u00a0市", "广州市"),
        ("称为 “甲方”", "称为“甲方”"),
    ],
    ids=["ascii-space", "amount", "full-width-colon", "ideographic-space", "nbsp", "quote"],
)
def test_space_between_cjk_deleted(raw: str, expected: str):
    assert normalize_text(raw) == expected


def test_latin_spaces_kept():
    assert normalize_text("Section 2.3 This Agreement") == "Section 2.3 This Agreement"


def test_nbsp_run_single_space():
    assert normalize_text("Reseller\u00a0\u00a0\u00a0\u00a0Agreement") == "Reseller Agreement"


def test_ideographic_space_kept_inside():
    assert normalize_text("Party A\u3000B") == "Party A\u3000B"


def test_line_endings_normalised():
    assert normalize_text("第一条\r\n第二条\r第三条") == "第一条\n第二条\n第三条"


def test_invisible_characters_deleted():
    assert normalize_text("合\u200b同\ufeff\u0002") == "合同"


def test_radical_map_covers_block():
    for code in range(0x2E80, 0x2EF4):
        folded = normalize_text(chr(code))
        name = unicodedata.name(chr(code), "")
        if code in RADICAL_SUPPLEMENT_TO_IDEOGRAPH or unicodedata.decomposition(chr(code)):
            assert "CJK UNIFIED IDEOGRAPH" in unicodedata.name(folded, "CJK UNIFIED IDEOGRAPH"), name
            assert not 0x2E80 <= ord(folded) <= 0x2EFF, name
    assert len(RADICAL_SUPPLEMENT_TO_IDEOGRAPH) == 112


def test_quality_flags_cid_markers():
    quality = assess_text("(cid:258)(cid:515)(cid:12)")
    assert quality.cid_markers == 3
    assert quality.is_garbage


def test_quality_flags_wrong_scripts():
    assert is_garbage_text("ᆿᒼᐸ⋵⊕ђ䐥᭯ᔰᐛぁ᯳ᐛᤑḽᮽԬ")


def test_quality_passes_contract_text():
    assert not is_garbage_text("第一条 甲方应于2024年3月5日前支付人民币壹拾万元整（￥100,000.00）。")
    assert not is_garbage_text("Section 2.3 This Agreement shall be governed by the laws of Delaware.")


def test_quality_flags_private_use():
    assert is_garbage_text("\ue000\ue001\ue002\ue003\ue004 ab")


def test_space_after_leading_clause_label_kept() -> None:
    assert normalize_text("第一条 合同标的") == "第一条 合同标的"
    assert normalize_text("第十二章\u3000附则") == "第十二章 附则"


def test_spaced_ocr_label_still_joined() -> None:
    assert normalize_text("第 一 条") == "第一条"
    assert normalize_text("依照第三条 约定") == "依照第三条约定"


def test_word_share_separates_text_from_shuffled_hanzi():
    from ingest.text_quality import MIN_CJK_WORD_SHARE, assess_text

    text = "甲方应当在合同签订后十五个工作日内向乙方支付合同总价款的百分之三十作为预付款，乙方收到预付款后开始履行合同义务。"
    shuffled = "".join(sorted(text, key=lambda char: (ord(char) * 7919) % 104729))
    real = assess_text(text, words=True)
    garbage = assess_text(shuffled, words=True)

    assert real.cjk_word_share > 0.7
    assert garbage.cjk_word_share < MIN_CJK_WORD_SHARE
    assert not real.is_garbage
    assert garbage.is_garbage
    # Without the word check, the shuffled text passes as common characters.
    assert not assess_text(shuffled).is_garbage


def test_letter_share_ignores_figures():
    from ingest.text_quality import assess_text

    quality = assess_text("\u9f00\u9f03\u9f06\u9f09 2024-03-05 100000.00")

    assert quality.expected_share > 0.5
    assert quality.letter_share == 0.0
    assert quality.is_garbage
    assert not assess_text("甲方 2024-03-05 100000.00").is_garbage
