"""The values of Chinese and Roman numerals, shared by clause segmentation and comparison."""

from __future__ import annotations

CHINESE_DIGITS: dict[str, int] = {
    "〇": 0, "○": 0, "Ｏ": 0, "零": 0,
    "一": 1, "壹": 1, "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2,
    "三": 3, "叁": 3, "參": 3, "四": 4, "肆": 4, "五": 5, "伍": 5,
    "六": 6, "陆": 6, "陸": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}
CHINESE_UNITS: dict[str, int] = {
    "十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000,
}
# Ligatures used in dates: 廿 is twenty, 卅 thirty.
CHINESE_TENS_LIGATURES: dict[str, int] = {"廿": 20, "卅": 30}

CHINESE_NUMERAL_CHARS = "".join(CHINESE_DIGITS) + "".join(CHINESE_UNITS) + "".join(
    CHINESE_TENS_LIGATURES
)

ROMAN_VALUES: dict[str, int] = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def chinese_numeral_value(text: str) -> int | None:
    """Return the value of a Chinese numeral below 10000 (一百零一, 廿三, 十二), or None."""
    if not text:
        return None
    if len(text) > 1 and all(ch in CHINESE_DIGITS for ch in text):
        # Digit-by-digit form used in years: 二〇二四.
        value = 0
        for ch in text:
            value = value * 10 + CHINESE_DIGITS[ch]
        return value

    total = 0
    pending: int | None = None
    last_unit = 10**9
    for ch in text:
        if ch in CHINESE_DIGITS:
            if pending is not None and CHINESE_DIGITS[ch] != 0:
                return None
            pending = CHINESE_DIGITS[ch] if CHINESE_DIGITS[ch] != 0 else None
        elif ch in CHINESE_TENS_LIGATURES:
            if total or pending is not None:
                return None
            total = CHINESE_TENS_LIGATURES[ch]
            last_unit = 10
        elif ch in CHINESE_UNITS:
            unit = CHINESE_UNITS[ch]
            if unit >= last_unit:
                return None
            # A bare leading 十 means one ten (十二 = 12).
            total += (pending if pending is not None else 1) * unit
            pending = None
            last_unit = unit
        else:
            return None
    if pending is not None:
        total += pending
    return total


def roman_value(text: str) -> int | None:
    """Return the value of a Roman numeral up to C (case-insensitive), or None."""
    letters = text.upper()
    if not letters or any(ch not in ROMAN_VALUES for ch in letters):
        return None
    total = 0
    for index, ch in enumerate(letters):
        value = ROMAN_VALUES[ch]
        following = ROMAN_VALUES[letters[index + 1]] if index + 1 < len(letters) else 0
        total += -value if value < following else value
    if total <= 0 or to_roman(total) != letters:
        return None
    return total


def to_roman(value: int) -> str:
    """Return the canonical upper-case Roman numeral for 1..399."""
    parts = ((100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"),
             (5, "V"), (4, "IV"), (1, "I"))
    out = []
    for amount, symbol in parts:
        while value >= amount:
            out.append(symbol)
            value -= amount
    return "".join(out)
