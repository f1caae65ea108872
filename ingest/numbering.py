"""Clause number patterns. The numeral values come from archive.numerals and are re-exported here."""

from __future__ import annotations

import re
from dataclasses import dataclass

from archive.numerals import (
    CHINESE_DIGITS,
    CHINESE_NUMERAL_CHARS,
    CHINESE_TENS_LIGATURES,
    CHINESE_UNITS,
    ROMAN_VALUES,
    chinese_numeral_value,
    roman_value,
    to_roman,
)

# Full-width digits and parentheses map one-to-one to ASCII, so string offsets survive.
FULLWIDTH_TO_ASCII = str.maketrans(
    "０１２３４５６７８９（）．：　", "0123456789().: "
)

CIRCLED_DIGITS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

# Empty and ticked boxes printed in front of numbered options of a model text.
CHECK_BOXES = "☐□■☑☒✓✔"

# Largest value accepted for a clause number; larger numbers are amounts or years.
MAX_CLAUSE_VALUE = 300


@dataclass(frozen=True, slots=True)
class NumberMatch:
    """One reading of a line's leading clause number.

    `style` names the numbering family, such as "zh_article" for 第X条 or "dotted"
    for 1.1. `values` contains the number's components, several only for dotted
    numbers. `rest_start` is the offset of the text after the number and its
    separator, and `start` and `end` delimit `printed` in the line.
    """

    style: str
    values: tuple[int, ...]
    printed: str
    rest_start: int
    start: int
    end: int

    @property
    def value(self) -> int:
        return self.values[-1]


# Styles whose rank is fixed: they never nest below a list style.
STRONG_STYLE_RANKS: dict[str, int] = {
    "zh_part": 0,
    "zh_chapter": 1,
    "en_article": 2,
    "zh_section": 2,
    "zh_article": 3,
    # 제N조 is the Korean article, ranked like 第N条.
    "ko_article": 3,
}

# 壹贰叁 are the financial numerals of Word's chineseLegalSimplified numbering (第壹条).
_ZH_NUM = "[〇○零一二三四五六七八九十百千两壹贰貳叁參肆伍陆陸柒捌玖拾佰0-9]{1,6}"
_ZH_ENUM_CHARS = "一二三四五六七八九十百壹贰貳叁參肆伍陆陸柒捌玖拾佰"
# Word's ideographTraditional and ideographZodiac numbering count 甲乙丙… and 子丑寅….
HEAVENLY_STEMS = "甲乙丙丁戊己庚辛壬癸"
EARTHLY_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_SEP = r"[ \t\u3000、.:：,，]*"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # PDF text often has spaces around an Arabic numeral: 第 1 条.
    ("zh_part", re.compile(rf"^第 ?(?P<n>{_ZH_NUM}) ?(?:编|部分)(?![的中内])")),
    ("zh_chapter", re.compile(rf"^第 ?(?P<n>{_ZH_NUM}) ?章(?![的中内])")),
    ("zh_section", re.compile(rf"^第 ?(?P<n>{_ZH_NUM}) ?节(?![的中内])")),
    ("zh_article", re.compile(rf"^第 ?(?P<n>{_ZH_NUM}) ?条(?![的中内款规所约])")),
    # A Korean particle right after 조 (제3조에, 제3조의) makes the line a cross-reference.
    ("ko_article", re.compile(r"^제 ?(?P<n>\d{1,3}) ?조(?![에의를은는와과및])")),
    ("en_article", re.compile(r"^(?:ARTICLE|Article)\s+(?P<n>[IVXLC]+|\d{1,3})\b(?!\.\d)\.?")),
    ("en_section", re.compile(r"^(?:SECTION|Section)\s+(?P<n>\d{1,3}(?:\.\d{1,3}){0,3})\b\.?")),
    ("zh_enum", re.compile(rf"^(?P<n>[{_ZH_ENUM_CHARS}]{{1,4}})\s*[、.．](?!\d)")),
    ("zh_paren", re.compile(rf"^[(（]\s*(?P<n>[{_ZH_ENUM_CHARS}]{{1,4}})\s*[)）]")),
    ("arabic_dun", re.compile(r"^(?P<n>\d{1,3})\s*、")),
    ("arabic_paren", re.compile(r"^[(（]\s*(?P<n>\d{1,3})\s*[)）]")),
    ("arabic_half_paren", re.compile(r"^(?P<n>\d{1,3})[)）]")),
    ("circled", re.compile(rf"^(?P<n>[{CIRCLED_DIGITS}])")),
    ("latin_paren", re.compile(r"^\((?P<n>[a-z]{1,2})\)")),
    ("roman_paren", re.compile(r"^\((?P<n>[ivx]{1,5})\)")),
    ("latin_upper_paren", re.compile(r"^\((?P<n>[A-Z])\)")),
    # A letter or Roman numeral with a point needs white space after it, so "e.g." and
    # "i.e." are not item numbers. The letter reading comes first, so "i." after "h."
    # continues the letters and "i." elsewhere opens a Roman list.
    ("latin_dot", re.compile(r"^(?P<n>[a-z])\.(?=\s)")),
    ("roman_dot", re.compile(r"^(?P<n>[ivx]{1,5})\.(?=\s)")),
    ("latin_upper_dot", re.compile(r"^(?P<n>[A-Z])\.(?=\s)")),
    # Outline numbers of US schedules: I., I.A., I.B.i., also printed as II B.ii. or II.C. iii.
    # At least one point is required, so the pronoun "I" starting a sentence is no number.
    ("outline", re.compile(
        r"^(?P<n>[IVX]{1,4}(?:(?:\.\s?|\s)[A-Z](?:\.\s?[ivx]{1,4})?)?)\.?(?=\s)"
    )),
    # 1. / 1.1 / 1.1.1 / 1.1. ; a single component needs its trailing point, and a
    # dotted date such as 1.1.2019 is not a number.
    ("dotted", re.compile(
        r"^(?P<n>\d{1,3}(?:[.．]\d{1,3}){1,3})(?![.．]?\d)[.．]?(?![\d%])|^(?P<n1>\d{1,3})[.．](?![\d%])"
    )),
)


_OUTLINE_PARTS = re.compile(r"^(?P<r>[IVX]+)(?:[.\s]+(?P<l>[A-Z])(?:\.\s?(?P<s>[ivx]+))?)?$")


def _outline_value(raw: str) -> tuple[int, ...] | None:
    """Return (section, letter, item) of an outline number such as II.B.iv, or None."""
    found = _OUTLINE_PARTS.match(raw)
    if found is None:
        return None
    section = roman_value(found["r"])
    if section is None:
        return None
    values = [section]
    if found["l"]:
        values.append(ord(found["l"]) - ord("A") + 1)
    if found["s"]:
        item = roman_value(found["s"])
        if item is None:
            return None
        values.append(item)
    return tuple(values)


# Read only on automatically numbered DOCX paragraphs: typed at a line start, 甲、乙双方 is a sentence.
_AUTO_NUMBER_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("zh_stem", re.compile(rf"^(?P<n>[{HEAVENLY_STEMS}])\s*[、.．]")),
    ("zh_branch", re.compile(rf"^(?P<n>[{EARTHLY_BRANCHES}])\s*[、.．]")),
)


def _style_value(style: str, raw: str) -> tuple[int, ...] | None:
    if style == "zh_stem":
        return (HEAVENLY_STEMS.index(raw) + 1,)
    if style == "zh_branch":
        return (EARTHLY_BRANCHES.index(raw) + 1,)
    if style == "outline":
        return _outline_value(raw)
    if style in ("dotted", "en_section"):
        return tuple(int(part) for part in re.split(r"[.．]", raw))
    if style == "circled":
        return (CIRCLED_DIGITS.index(raw) + 1,)
    if raw.isascii() and raw.isdigit():
        return (int(raw),)
    if style == "latin_paren":
        if len(raw) == 2 and raw[0] != raw[1]:
            return None
        # (aa) follows (z) in some long lists.
        return ((ord(raw[0]) - ord("a") + 1) + 26 * (len(raw) - 1),)
    if style in ("latin_dot", "latin_upper_dot", "latin_upper_paren"):
        return (ord(raw.lower()) - ord("a") + 1,)
    if style in ("roman_paren", "roman_dot", "en_article"):
        value = roman_value(raw)
        return (value,) if value is not None else None
    value = chinese_numeral_value(raw)
    return (value,) if value is not None else None


def match_numbers(line: str, *, auto_numbered: bool = False) -> list[NumberMatch]:
    """Return every reading of a clause number at the start of `line`, most specific first.

    `auto_numbered` marks a line whose label Word's automatic numbering printed, which
    also admits the 甲、 and 子、 styles.
    """
    # A check box in front of a numbered option (☐1.) is not part of the number.
    text = line.lstrip().lstrip(CHECK_BOXES).lstrip()
    offset = len(line) - len(text)
    matches: list[NumberMatch] = []
    patterns = _PATTERNS + _AUTO_NUMBER_PATTERNS if auto_numbered else _PATTERNS
    for style, pattern in patterns:
        found = pattern.match(text)
        if not found:
            continue
        raw = found.group("n") if found.groupdict().get("n") else found.group("n1")
        values = _style_value(style, raw)
        if values is None or not values or min(values) <= 0 or max(values) > MAX_CLAUSE_VALUE:
            continue
        printed = found.group(0).rstrip(" :：,，")
        if style == "outline" and "." not in printed:
            continue
        if style != "dotted" or len(values) > 1:
            printed = printed.rstrip(".．")
        sep = re.compile(_SEP).match(text, found.end())
        rest_start = offset + (sep.end() if sep else found.end())
        start = offset
        matches.append(NumberMatch(style, values, printed, rest_start, start, start + len(printed)))
    return matches
