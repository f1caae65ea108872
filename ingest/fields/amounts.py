"""Money amounts in figures (人民币123,000.00元, 12.3万元, $1,250,000.00) and in Chinese uppercase."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ingest.numbering import CHINESE_DIGITS, FULLWIDTH_TO_ASCII

CENT = Decimal("0.01")

_SMALL_UNITS: dict[str, int] = {
    "拾": 10, "十": 10, "佰": 100, "百": 100, "仟": 1000, "千": 1000,
}
_LARGE_UNITS: dict[str, int] = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_YUAN = "元圆圓"
_WHOLE = "整正"

# Prefixes and labels that may surround an uppercase amount: 人民币, RMB, ￥, （大写）, colons.
_UPPERCASE_AFFIXES = re.compile(r"^(?:人民币|RMB|CNY|[￥¥]|[(（]?大写[)）]?|金额|[:：\s])+")
_UPPERCASE_DIGIT = "壹贰貳叁參肆伍陆陸柒捌玖拾佰仟"
_AMOUNT_CHAR = "".join(CHINESE_DIGITS) + "".join(_SMALL_UNITS) + "".join(_LARGE_UNITS)
_DIGIT_CHAR = "".join(CHINESE_DIGITS)
# An uppercase amount in running text: amount characters ending in 元/圆, then 角 and 分 each
# optional, or an amount of 角 and 分 only, then 整/正.
_UPPERCASE_IN_TEXT = re.compile(
    rf"[{_AMOUNT_CHAR}]+[{_YUAN}](?:[{_DIGIT_CHAR}]+角)?(?:[{_DIGIT_CHAR}]+分)?[{_WHOLE}]?"
    rf"|[{_DIGIT_CHAR}]+角(?:[{_DIGIT_CHAR}]+分)?[{_WHOLE}]?"
    rf"|[{_DIGIT_CHAR}]+分[{_WHOLE}]?"
)

_CURRENCY_CODES: dict[str, str] = {
    "人民币": "CNY", "RMB": "CNY", "CNY": "CNY", "￥": "CNY", "¥": "CNY", "元": "CNY",
    "万元": "CNY", "亿元": "CNY",
    "USD": "USD", "US$": "USD", "$": "USD", "美元": "USD", "dollars": "USD", "Dollars": "USD",
    "EUR": "EUR", "€": "EUR", "欧元": "EUR", "HKD": "HKD", "港元": "HKD", "港币": "HKD",
    "GBP": "GBP", "£": "GBP", "英镑": "GBP",
}
_MULTIPLIERS: dict[str, int] = {"万": 10**4, "万元": 10**4, "亿": 10**8, "亿元": 10**8}
_FIGURES = re.compile(
    r"(?P<cur>人民币|RMB|CNY|USD|US\$|EUR|HKD|GBP|[￥¥$€£])?[ \t]*[:：]?[ \t]*"
    r"(?P<num>(?<![\d.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\d.,])\d+(?:\.\d+)?)"
    r"[ \t]*(?P<unit>亿元|万元|美元|欧元|港元|港币|英镑|元|亿|万|dollars|Dollars)?"
)


@dataclass(frozen=True, slots=True)
class FoundAmount:
    """An amount found in text: its span, value, currency code and whether it is uppercase."""

    start: int
    end: int
    value: Decimal
    currency: str | None
    uppercase: bool
    written: str


def _parse_integer(text: str) -> int | None:
    """Parse the yuan part of an uppercase amount (壹拾万零叁仟肆佰)."""
    total = 0
    section = 0
    digit: int | None = None
    last_small = 10**9
    last_large = 10**13
    for ch in text:
        if ch in CHINESE_DIGITS:
            value = CHINESE_DIGITS[ch]
            if value == 0:
                if digit is not None:
                    return None
                continue
            if digit is not None:
                return None
            digit = value
        elif ch in _SMALL_UNITS:
            unit = _SMALL_UNITS[ch]
            if unit >= last_small:
                return None
            if digit is None and unit != 10:
                return None
            # A leading 拾 without 壹 is one ten (拾万元 = 100000).
            section += (digit if digit is not None else 1) * unit
            digit = None
            last_small = unit
        elif ch in _LARGE_UNITS:
            unit = _LARGE_UNITS[ch]
            section += digit or 0
            if section == 0 or unit == last_large:
                return None
            if unit == 10**8:
                total = (total + section) * unit
            else:
                if unit > last_large:
                    return None
                total += section * unit
            section = 0
            digit = None
            last_small = 10**9
            last_large = unit
        else:
            return None
    return total + section + (digit or 0)


_FRACTION = re.compile(
    rf"^零?(?:(?P<jiao>[{''.join(CHINESE_DIGITS)}])角)?零?(?:(?P<fen>[{''.join(CHINESE_DIGITS)}])分)?$"
)


def parse_rmb_uppercase(text: str) -> Decimal | None:
    """Parse a Chinese uppercase amount such as 人民币壹拾贰万叁仟元整 into yuan, or None."""
    cleaned = _UPPERCASE_AFFIXES.sub("", text.strip()).rstrip("。，,;； ")
    cleaned = cleaned.rstrip(_WHOLE)
    if not cleaned:
        return None

    yuan_at = max(cleaned.rfind(mark) for mark in _YUAN)
    if yuan_at >= 0:
        integer_text, fraction_text = cleaned[:yuan_at], cleaned[yuan_at + 1 :]
    elif cleaned.endswith(("角", "分")):
        integer_text, fraction_text = "", cleaned
    else:
        return None

    integer = _parse_integer(integer_text) if integer_text else 0
    fraction = _FRACTION.match(fraction_text)
    if integer is None or fraction is None:
        return None
    if not integer_text and not fraction_text.strip("零"):
        return None
    jiao = CHINESE_DIGITS[fraction["jiao"]] if fraction["jiao"] else 0
    fen = CHINESE_DIGITS[fraction["fen"]] if fraction["fen"] else 0
    value = Decimal(integer) + Decimal(jiao) / 10 + Decimal(fen) / 100
    return value.quantize(CENT)


def _figure_value(number: str, unit: str | None) -> Decimal | None:
    try:
        value = Decimal(number.replace(",", ""))
    except InvalidOperation:
        return None
    value *= _MULTIPLIERS.get(unit or "", 1)
    return value.quantize(CENT)


def parse_amount_figures(text: str) -> Decimal | None:
    """Parse the first amount in figures (￥100,000.00, 12.3万元, USD 1,000,000), or None."""
    ascii_text = text.translate(FULLWIDTH_TO_ASCII).strip()
    for match in _FIGURES.finditer(ascii_text):
        bare_number = match.group(0).strip() == ascii_text
        if match["cur"] or match["unit"] or bare_number:
            return _figure_value(match["num"], match["unit"])
    return None


def currency_code(marker: str | None) -> str | None:
    """Return the ISO 4217 code for a currency marker (人民币, ￥, $, 美元…), or None."""
    if marker is None:
        return None
    return _CURRENCY_CODES.get(marker.strip())


def find_amounts(text: str) -> list[FoundAmount]:
    """Find amounts in figures (with a currency or 元) and uppercase amounts, in text order."""
    found: list[FoundAmount] = []
    for match in _UPPERCASE_IN_TEXT.finditer(text):
        if not any(ch in _UPPERCASE_DIGIT for ch in match.group(0)):
            continue
        value = parse_rmb_uppercase(match.group(0))
        if value is not None:
            found.append(FoundAmount(match.start(), match.end(), value, "CNY", True, match.group(0)))

    ascii_text = text.translate(FULLWIDTH_TO_ASCII)
    for match in _FIGURES.finditer(ascii_text):
        if not (match["cur"] or match["unit"]):
            continue
        value = _figure_value(match["num"], match["unit"])
        if value is None:
            continue
        code = currency_code(match["cur"]) or currency_code(match["unit"])
        start, end = match.start(), match.end()
        found.append(FoundAmount(start, end, value, code, False, text[start:end].strip()))
    found.sort(key=lambda amount: amount.start)
    return found


# A table's unit note ("单位：元", "单位：万元") gives the currency and scale of its bare numbers.
_TABLE_UNIT_NOTE = re.compile(r"单位\s*[:：]\s*(?:人民币)?\s*(?P<unit>亿元|万元|元)")
_BARE_NUMBER_CELL = re.compile(r"^\s*(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*$")
TABLE_CELL_SEPARATOR = " | "
# What may follow a total label in its cell: 合计（元）, 合计：.
_LABEL_CELL_REST = re.compile(r"^\s*(?:[(（][^)）]{0,8}[)）])?\s*[:：]?\s*$")


def find_table_row_amounts(text: str, label: re.Pattern[str]) -> list[FoundAmount]:
    """Find the last bare number of each table row whose first cell is `label` (合计 | 3200).

    Readers join table cells with " | ". A number in a cell has no currency of its own, so the
    last unit note (单位：元) before the row gives its currency and scale; without one the value
    is taken as written and the currency is None.
    """
    found: list[FoundAmount] = []
    ascii_text = text.translate(FULLWIDTH_TO_ASCII)
    offset = 0
    for line in ascii_text.splitlines(keepends=True):
        cells = line.rstrip("\r\n").split(TABLE_CELL_SEPARATOR)
        numbers = [cell for cell in cells[1:] if _BARE_NUMBER_CELL.match(cell)]
        if numbers and _is_label_cell(cells[0], label):
            cell = numbers[-1].strip()
            start = offset + line.rindex(cell)
            notes = list(_TABLE_UNIT_NOTE.finditer(ascii_text, 0, offset))
            unit = notes[-1]["unit"] if notes else None
            value = _figure_value(cell, unit)
            if value is not None:
                end = start + len(cell)
                found.append(FoundAmount(start, end, value, currency_code(unit), False, text[start:end]))
        offset += len(line)
    return found


def _is_label_cell(cell: str, label: re.Pattern[str]) -> bool:
    """Return whether a cell holds only `label`, with an optional unit in brackets or a colon."""
    match = label.match(cell.strip())
    return match is not None and _LABEL_CELL_REST.match(cell.strip()[match.end() :]) is not None
