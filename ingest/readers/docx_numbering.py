"""Automatic paragraph numbers of a DOCX file, rendered from word/numbering.xml.

Word stores list and heading numbers (第一条, （一）, 1.1) only as definitions.
An abstractNum contains up to nine levels (start value, number format, label
template such as "第%1条"). A num points at one abstractNum and may override
levels, and paragraphs refer to a num directly or through their style. The
visible label exists only after counting the numbered paragraphs in body order,
which is what `ListCounters` does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from lxml import etree

from ingest.readers.docx_xml import MC, W, w_attr

MAX_LEVELS = 9

_PLACEHOLDER = re.compile(r"%([1-9])")

# Formats whose label is not a number; the bullet character carries no clause information.
_NO_LABEL_FORMATS = frozenset({"bullet", "none"})

Formatter = Callable[[int], str]

_CJK_DIGITS = "〇一二三四五六七八九"
_LEGAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_HEAVENLY_STEMS = "甲乙丙丁戊己庚辛壬癸"
_EARTHLY_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_KOREAN_DIGITS = "영일이삼사오육칠팔구"
_GANADA = "가나다라마바사아자차카타파하"
_CHOSUNG = "ㄱㄴㄷㄹㅁㅂㅅㅇㅈㅊㅋㅌㅍㅎ"
_ROMAN = (
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Level:
    """One level of a list definition (w:lvl)."""

    ilvl: int
    start: int = 1
    num_format: str = "decimal"
    # Zero-padding width of a custom format such as "001, 002, 003, ...".
    pad_width: int = 0
    text: str = ""
    # Separator written between the label and the paragraph text: "tab", "space" or "nothing".
    suffix: str = "tab"
    is_legal: bool = False
    # w:lvlRestart: None restarts after any higher level, 0 never restarts,
    # n restarts after a paragraph at level n - 1 or above.
    restart: int | None = None
    style_id: str | None = None


@dataclass(frozen=True, slots=True)
class ListInstance:
    """A w:num resolved to its levels and the key of the counter set it advances."""

    num_id: str
    counter_key: str
    levels: Mapping[int, Level]


@dataclass(slots=True)
class NumberingDefinitions:
    """The parsed numbering part: list instances by numId."""

    instances: dict[str, ListInstance] = field(default_factory=dict)
    unknown_formats: set[str] = field(default_factory=set)

    @classmethod
    def from_xml(
        cls,
        root: etree._Element | None,
        style_num_ids: Mapping[str, str] | None = None,
    ) -> NumberingDefinitions:
        """Parse a w:numbering element; `style_num_ids` maps numbering style ids to numIds."""
        definitions = cls()
        if root is None:
            return definitions

        abstracts: dict[str, etree._Element] = {}
        for abstract in root.iter(W.abstractNum):
            abstract_id = w_attr(abstract, "abstractNumId")
            if abstract_id is not None:
                abstracts[abstract_id] = abstract
        nums: dict[str, etree._Element] = {}
        for num in root.iter(W.num):
            num_id = w_attr(num, "numId")
            if num_id is not None:
                nums[num_id] = num

        for num_id, num in nums.items():
            abstract_id = _child_val(num, W.abstractNumId)
            abstract_id = _follow_style_link(abstract_id, abstracts, nums, style_num_ids or {})
            if abstract_id is None:
                continue
            levels = {
                level.ilvl: level
                for level in _parse_levels(abstracts[abstract_id], definitions.unknown_formats)
            }
            has_start_override = False
            for override in num.iter(W.lvlOverride):
                ilvl = _int(w_attr(override, "ilvl"))
                if ilvl is None or not 0 <= ilvl < MAX_LEVELS:
                    continue
                replacement = override.find(W.lvl)
                if replacement is not None:
                    levels[ilvl] = _parse_level(replacement, definitions.unknown_formats, ilvl)
                start = _int(_child_val(override, W.startOverride))
                if start is not None:
                    has_start_override = True
                    levels[ilvl] = replace(levels.get(ilvl, Level(ilvl)), start=start)
            # Nums without overrides share one counter set per abstractNum, so a list
            # continues across them as in Word. A startOverride makes a separate list.
            # NOTE: Word's sharing rules for interleaved overridden nums are not published;
            # this model matches the common case of one restart per num.
            key = f"num:{num_id}" if has_start_override else f"abstract:{abstract_id}"
            definitions.instances[num_id] = ListInstance(num_id, key, levels)
        return definitions

    def level_for_style(self, num_id: str, style_id: str) -> int | None:
        """Return the level of list `num_id` that is linked to paragraph style `style_id`."""
        instance = self.instances.get(num_id)
        if instance is None:
            return None
        for level in instance.levels.values():
            if level.style_id == style_id:
                return level.ilvl
        return None


class ListCounters:
    """The running counts of every list, advanced paragraph by paragraph in body order."""

    def __init__(self, definitions: NumberingDefinitions) -> None:
        self._definitions = definitions
        self._counts: dict[str, list[int | None]] = {}

    def next_label(self, num_id: str, ilvl: int) -> tuple[str, str] | None:
        """Advance list `num_id` at level `ilvl`; return (label, separator) or None.

        numId "0" and undefined lists or levels mean the paragraph is not numbered.
        """
        instance = self._definitions.instances.get(num_id)
        if instance is None or not 0 <= ilvl < MAX_LEVELS:
            return None
        level = instance.levels.get(ilvl)
        if level is None:
            return None

        counts = self._counts.setdefault(instance.counter_key, [None] * MAX_LEVELS)
        current = counts[ilvl]
        counts[ilvl] = level.start if current is None else current + 1
        for lower in range(ilvl + 1, MAX_LEVELS):
            if _restarts_after(instance.levels.get(lower), ilvl):
                counts[lower] = None

        if level.num_format in _NO_LABEL_FORMATS and not _PLACEHOLDER.search(level.text):
            label = "" if level.num_format == "bullet" else level.text
        else:
            label = _PLACEHOLDER.sub(lambda m: self._render(instance, level, counts, m), level.text)
        separator = "" if level.suffix == "nothing" else " "
        return label, separator

    def _render(
        self,
        instance: ListInstance,
        rendering: Level,
        counts: list[int | None],
        match: re.Match[str],
    ) -> str:
        referenced = int(match.group(1)) - 1
        level = instance.levels.get(referenced, Level(referenced))
        value = counts[referenced]
        if value is None:
            # A higher level not reached yet counts as started, so "1.1" precedes the
            # first level-0 paragraph and that paragraph then shows "2". Templates rely on
            # this when they advance level 0 with hidden paragraphs.
            # NOTE: matches LibreOffice; Word's rendering of this case was not checked.
            value = level.start
            if referenced < rendering.ilvl:
                counts[referenced] = value
        if rendering.is_legal and level.num_format not in _NO_LABEL_FORMATS:
            return str(value)
        return format_number(value, level.num_format, level.pad_width)


def _restarts_after(level: Level | None, used_ilvl: int) -> bool:
    if level is None or level.restart is None:
        return True
    if level.restart == 0:
        return False
    return used_ilvl <= level.restart - 1


def _parse_levels(abstract: etree._Element, unknown_formats: set[str]) -> Iterable[Level]:
    for lvl in abstract.iter(W.lvl):
        ilvl = _int(w_attr(lvl, "ilvl"))
        if ilvl is not None and 0 <= ilvl < MAX_LEVELS:
            yield _parse_level(lvl, unknown_formats, ilvl)


def _parse_level(lvl: etree._Element, unknown_formats: set[str], ilvl: int) -> Level:
    num_format, pad_width = _level_format(lvl)
    if num_format not in _FORMATTERS and num_format not in _NO_LABEL_FORMATS:
        unknown_formats.add(num_format)
    lvl_text = lvl.find(W.lvlText)
    restart = lvl.find(W.lvlRestart)
    is_legal = lvl.find(W.isLgl)
    # ECMA-376 makes a missing w:start mean 0; an unreadable value falls back to 1.
    start = _int(_child_val(lvl, W.start)) if lvl.find(W.start) is not None else 0
    return Level(
        ilvl=ilvl,
        start=1 if start is None else start,
        num_format=num_format,
        pad_width=pad_width,
        text=(w_attr(lvl_text, "val") or "") if lvl_text is not None else "",
        suffix=_child_val(lvl, W.suff) or "tab",
        is_legal=is_legal is not None and _on(w_attr(is_legal, "val")),
        restart=_int(w_attr(restart, "val")) if restart is not None else None,
        style_id=_child_val(lvl, W.pStyle),
    )


def _level_format(lvl: etree._Element) -> tuple[str, int]:
    """Return the level's numFmt and padding, preferring a custom format Word 2010 adds."""
    direct = lvl.find(W.numFmt)
    if direct is not None:
        return _format_of(direct)
    alternate = lvl.find(MC.AlternateContent)
    if alternate is None:
        return "decimal", 0
    for branch in (*alternate.findall(MC.Choice), *alternate.findall(MC.Fallback)):
        num_fmt = branch.find(W.numFmt)
        if num_fmt is None:
            continue
        num_format, pad_width = _format_of(num_fmt)
        if num_format != "custom":
            return num_format, pad_width
    return "decimal", 0


def _format_of(num_fmt: etree._Element) -> tuple[str, int]:
    value = w_attr(num_fmt, "val") or "decimal"
    if value != "custom":
        return value, 0
    # Word 2010 writes zero-padded formats as custom "001, 002, 003, ...".
    sample = (w_attr(num_fmt, "format") or "").split(",")[0].strip()
    if sample.isdigit() and sample.isascii():
        return "decimal", len(sample)
    return "custom", 0


def _follow_style_link(
    abstract_id: str | None,
    abstracts: Mapping[str, etree._Element],
    nums: Mapping[str, etree._Element],
    style_num_ids: Mapping[str, str],
) -> str | None:
    """Resolve an abstractNum that only names a numbering style (w:numStyleLink)."""
    seen: set[str] = set()
    while abstract_id is not None and abstract_id in abstracts and abstract_id not in seen:
        seen.add(abstract_id)
        style_id = _child_val(abstracts[abstract_id], W.numStyleLink)
        if style_id is None:
            return abstract_id
        linked_num = nums.get(style_num_ids.get(style_id, ""))
        if linked_num is None:
            return abstract_id
        abstract_id = _child_val(linked_num, W.abstractNumId)
    return abstract_id if abstract_id in abstracts else None


def _child_val(element: etree._Element, tag: str) -> str | None:
    child = element.find(tag)
    return w_attr(child, "val") if child is not None else None


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _on(value: str | None) -> bool:
    return value is None or value.lower() not in {"0", "false", "off"}


# Number formats.


def format_number(value: int, num_format: str, pad_width: int = 0) -> str:
    """Render `value` in an OOXML number format (ST_NumberFormat); unknown formats as decimal."""
    formatter = _FORMATTERS.get(num_format)
    if formatter is None:
        return str(value).zfill(pad_width)
    return formatter(value)


def _decimal_zero(value: int) -> str:
    return str(value).zfill(2)


def _full_width(value: int) -> str:
    return "".join(chr(ord("０") + int(digit)) for digit in str(value))


def _from_sequence(first: int, count: int) -> Formatter:
    """Return a formatter for a run of consecutive code points such as ① to ⑳."""

    def render(value: int) -> str:
        if 1 <= value <= count:
            return chr(first + value - 1)
        return str(value)

    return render


def _letters(alphabet: str) -> Formatter:
    """Return a Word-style letter formatter: A..Z, then AA, BB, ..."""

    def render(value: int) -> str:
        if value <= 0:
            return str(value)
        letter = alphabet[(value - 1) % len(alphabet)]
        return letter * ((value - 1) // len(alphabet) + 1)

    return render


def _cycle(symbols: str) -> Formatter:
    def render(value: int) -> str:
        if value <= 0:
            return str(value)
        return symbols[(value - 1) % len(symbols)]

    return render


def _roman(value: int) -> str:
    if not 0 < value < 4000:
        return str(value)
    parts = []
    for amount, numeral in _ROMAN:
        count, value = divmod(value, amount)
        parts.append(numeral * count)
    return "".join(parts)


def _digit_by_digit(digits: str) -> Formatter:
    def render(value: int) -> str:
        if value < 0:
            return str(value)
        return "".join(digits[int(digit)] for digit in str(value))

    return render


def _counting(digits: str, units: str, bare_ten: bool, zero_word: str) -> Formatter:
    """Return a formatter for positional counting words (一百零一, 壹佰零壹, 백일).

    `units` are the words for 10, 100 and 1000. `bare_ten` writes 10-19 as 十, 十一
    rather than 一十, 一十一. Numbers from 10000 are written group by group with 万.
    """
    ten_thousand = "萬" if digits == _KOREAN_DIGITS else "万"

    def below_ten_thousand(value: int, leading: bool) -> str:
        parts: list[str] = []
        pending_zero = False
        for power in (3, 2, 1, 0):
            digit = value // 10**power % 10
            if digit == 0:
                if parts:
                    pending_zero = True
                continue
            if pending_zero and zero_word:
                parts.append(zero_word)
            pending_zero = False
            unit = units[power - 1] if power else ""
            if power == 1 and digit == 1 and bare_ten and leading and not parts:
                parts.append(unit)
            else:
                parts.append(digits[digit] + unit)
        return "".join(parts)

    def render(value: int) -> str:
        if value < 0:
            return str(value)
        if value == 0:
            return digits[0]
        high, low = divmod(value, 10000)
        if high == 0:
            return below_ten_thousand(low, leading=True)
        text = render(high) + ten_thousand
        if low == 0:
            return text
        gap = zero_word if low < 1000 else ""
        return text + gap + below_ten_thousand(low, leading=False)

    return render


_chinese_counting = _counting(_CJK_DIGITS, "十百千", bare_ten=True, zero_word="零")
_chinese_legal = _counting(_LEGAL_DIGITS, "拾佰仟", bare_ten=False, zero_word="零")
_korean_counting = _counting(_KOREAN_DIGITS, "십백천", bare_ten=True, zero_word="")


_ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)  # fmt: skip
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_ORDINAL_WORDS = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
    "nine": "ninth", "twelve": "twelfth",
}  # fmt: skip
_THOUSAND = 1000
_CARDINAL_TEXT_LIMIT = 1_000_000


def _english_words(value: int) -> str:
    """Return lower-case English words for 0 <= value < 1,000,000: "one hundred twenty-three"."""
    if value >= _THOUSAND:
        thousands, rest = divmod(value, _THOUSAND)
        head = _english_words(thousands) + " thousand"
        return f"{head} {_english_words(rest)}" if rest else head
    if value >= 100:
        hundreds, rest = divmod(value, 100)
        head = _ONES[hundreds] + " hundred"
        return f"{head} {_english_words(rest)}" if rest else head
    if value < len(_ONES):
        return _ONES[value]
    tens, ones = divmod(value, 10)
    return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")


def _cardinal_text(value: int) -> str:
    if not 0 <= value < _CARDINAL_TEXT_LIMIT:
        return str(value)
    return _english_words(value).capitalize()


def _ordinal_text(value: int) -> str:
    """Return "First", "Twenty-second": the last word of the cardinal made ordinal."""
    if not 0 < value < _CARDINAL_TEXT_LIMIT:
        return str(value)
    words = _english_words(value)
    cut = max(words.rfind(" "), words.rfind("-")) + 1
    head, last = words[:cut], words[cut:]
    if last in _ORDINAL_WORDS:
        last = _ORDINAL_WORDS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return (head + last).capitalize()


def _hex(value: int) -> str:
    # NOTE: upper-case digits are assumed; Word's rendering of numFmt "hex" was not checked.
    return format(value, "X") if value >= 0 else str(value)


def _number_in_dash(value: int) -> str:
    return f"- {value} -"


def _sexagenary(value: int) -> str:
    """Return the sexagenary-cycle name: 甲子, 乙丑, ... (ideographZodiacTraditional)."""
    if value <= 0:
        return str(value)
    index = value - 1
    stem = _HEAVENLY_STEMS[index % len(_HEAVENLY_STEMS)]
    return stem + _EARTHLY_BRANCHES[index % len(_EARTHLY_BRANCHES)]


def _ordinal(value: int) -> str:
    if 10 <= value % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")
    return f"{value}{suffix}"


_FORMATTERS: dict[str, Formatter] = {
    "decimal": str,
    "decimalHalfWidth": str,
    "arabicAbjad": str,
    "decimalZero": _decimal_zero,
    "decimalFullWidth": _full_width,
    "decimalFullWidth2": _full_width,
    "decimalEnclosedCircle": _from_sequence(ord("①"), 20),
    "decimalEnclosedCircleChinese": _from_sequence(ord("①"), 20),
    "decimalEnclosedFullstop": _from_sequence(ord("⒈"), 20),
    "decimalEnclosedParen": _from_sequence(ord("⑴"), 20),
    "ideographEnclosedCircle": _from_sequence(ord("㈠"), 10),
    "ideographParenthesized": _from_sequence(ord("㈠"), 10),
    "upperLetter": _letters("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    "lowerLetter": _letters("abcdefghijklmnopqrstuvwxyz"),
    "upperRoman": _roman,
    "lowerRoman": lambda value: _roman(value).lower(),
    "ordinal": _ordinal,
    "cardinalText": _cardinal_text,
    "ordinalText": _ordinal_text,
    "hex": _hex,
    "numberInDash": _number_in_dash,
    # Footnote-style symbols; after the fourth they repeat doubled, as letters do.
    "chicago": _letters("*\u2020\u2021\u00a7"),
    "chineseCounting": _chinese_counting,
    "chineseCountingThousand": _chinese_counting,
    "taiwaneseCounting": _chinese_counting,
    "taiwaneseCountingThousand": _chinese_counting,
    "japaneseCounting": _chinese_counting,
    "chineseLegalSimplified": _chinese_legal,
    "ideographLegalTraditional": _counting("零壹貳參肆伍陸柒捌玖", "拾佰仟", False, "零"),
    "ideographTraditional": _cycle(_HEAVENLY_STEMS),
    "ideographZodiac": _cycle(_EARTHLY_BRANCHES),
    "ideographZodiacTraditional": _sexagenary,
    "ideographDigital": _digit_by_digit(_CJK_DIGITS),
    "taiwaneseDigital": _digit_by_digit(_CJK_DIGITS),
    "japaneseDigitalTenThousand": _digit_by_digit(_CJK_DIGITS),
    "koreanDigital": _digit_by_digit(_KOREAN_DIGITS),
    "koreanDigital2": _digit_by_digit(_CJK_DIGITS),
    "koreanCounting": _korean_counting,
    "ganada": _cycle(_GANADA),
    "chosung": _cycle(_CHOSUNG),
}
