"""Repairs to the text of OCR lines: amounts and currency signs that Tesseract's word splitting or misreading broke."""

from __future__ import annotations

import re

# Tesseract splits an amount at its marks, so 66,600.00 comes out as the words `66,` `600.` `00`
# and the line reads "66, 600. 00", which no amount or date pattern matches. A comma (ASCII or
# full-width) followed by a space and exactly three digits is a thousands group.
_THOUSANDS = re.compile(r"(?<=\d[,，])\s+(?=\d{3}(?!\d))")
# After a grouped number, a point followed by a space and one or two digits is its decimal part.
_DECIMALS = re.compile(r"(?<=\d{3})([.．])\s+(?=\d{1,2}(?!\d))")


# chi_sim reads the unit 仟 of an amount in words (陆萬陆仟陆佰元整) as 件 or 什, which breaks the
# amount: only 陆佰元整 was parsed. Between an uppercase numeral and the next numeral or a smaller
# unit, those two characters can only be 仟.
_UPPERCASE_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_MISREAD_THOUSAND = re.compile(f"(?<=[{_UPPERCASE_DIGITS}])[件什](?=[{_UPPERCASE_DIGITS}佰拾元圆])")


# chi_sim reads the yuan sign ￥ before an amount as 圣 or 芋 (（￥66,600.00 元）, RMB￥66,600). Neither
# character comes right before a number in contract text, so before digits they are the sign.
_MISREAD_YUAN_SIGN = re.compile(r"[圣芋](?=\s?\d)")


def repair_yuan_sign(text: str) -> str:
    """Return the text with ￥ restored where OCR read it as 圣 or 芋 before a number."""
    return _MISREAD_YUAN_SIGN.sub("￥", text)


def repair_amount_in_words(text: str) -> str:
    """Return the text with 仟 restored where OCR read it as 件 or 什 inside an amount in words."""
    return _MISREAD_THOUSAND.sub("仟", text)


def join_number_groups(text: str) -> str:
    """Return the text with the spaces OCR put inside grouped numbers removed: "66, 600. 00" -> "66,600.00"."""
    joined = _THOUSANDS.sub("", text)
    if joined == text:
        return text
    return _DECIMALS.sub(r"\1", joined)


def repair_amounts(text: str) -> str:
    """Apply the three repairs."""
    return repair_yuan_sign(repair_amount_in_words(join_number_groups(text)))
