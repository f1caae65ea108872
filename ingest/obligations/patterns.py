"""Regular expressions and number words shared by the obligation readers.

Clause text is searched as written, in Chinese or English. Party names, due events and
template blanks are listed here so that payments, deadlines and parties read them alike.
"""

from __future__ import annotations

import re

from ingest.numbering import CHINESE_NUMERAL_CHARS, chinese_numeral_value

# Template blanks: ____, ＿＿, {{ field }}, {% tag %}, ${field}, 【 】 and [ ].
BLANK = r"(?:_{2,}|＿+|\{\{[^{}]*\}\}|\{%[^{}]*%\}|\$\{[^{}]*\}|【\s*】|\[\s*\])"
BLANK_RE = re.compile(BLANK)

_ENGLISH_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_ENGLISH_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
_ENGLISH_WORDS = [*_ENGLISH_UNITS, *_ENGLISH_TENS, "hundred"]
_ENGLISH_WORD = "|".join(sorted(_ENGLISH_WORDS, key=len, reverse=True))
ENGLISH_NUMBER = rf"(?:(?:{_ENGLISH_WORD})(?:[\s-]+(?:and[\s-]+)?(?:{_ENGLISH_WORD}))*)"

# A count of days or months: 15, 十五, 叁拾, thirty (30), thirty.
NUMBER = (
    rf"(?:(?:{ENGLISH_NUMBER}\s*)?\(\s*\d+\s*\)|\d+|[{CHINESE_NUMERAL_CHARS}]+"
    rf"|\b{ENGLISH_NUMBER}\b)"
)

# Period units, longest first. 个月 and 月 count months, 年 counts twelve months.
UNIT = (
    r"(?:个工作日|工作日|个日历日|日历日|个自然日|自然日|个自然月|个月|月|年|日|天|周|星期"
    r"|business\s+days?|working\s+days?|calendar\s+days?|days?|months?|years?|weeks?)"
)

# Keywords of the events a relative due date counts from, checked in this order.
EVENT_KEYWORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("invoice", re.compile(r"发票|invoice", re.IGNORECASE)),
    ("acceptance", re.compile(r"验收|终验|acceptance|accepted", re.IGNORECASE)),
    (
        "delivery",
        re.compile(
            r"交货|交付|到货|送达|供货|运抵|交由|收货|货到|发货|delivery|delivered|shipment"
            r"|receipt of (?:the )?(?:products?|goods)",
            re.IGNORECASE,
        ),
    ),
    ("signing", re.compile(r"签订|签署|签字|签约|execution|signing|signature", re.IGNORECASE)),
    ("effective", re.compile(r"生效|effective date", re.IGNORECASE)),
    ("expiry", re.compile(r"届满|期满|到期|expir", re.IGNORECASE)),
)

# Events that end a warranty period. A date counted from them matches no DUE_EVENTS entry.
WARRANTY_END = re.compile(r"质保期满|保修期满|质保期届满|保修期届满|warranty period expires", re.IGNORECASE)

_CHINESE_PARTIES = (
    "甲方", "乙方", "丙方", "买方", "卖方", "委托方", "受托方", "委托人", "受托人", "出租方", "承租方",
    "出租人", "承租人", "发包人", "承包人", "发包方", "承包方", "供方", "需方", "采购方", "供应商",
    "买受人", "出卖人", "转让方", "受让方", "许可方", "被许可方", "服务方", "培训机构", "学员",
)
_ENGLISH_PARTIES = (
    "Customer", "Company", "Client", "Supplier", "Vendor", "Buyer", "Seller", "Purchaser",
    "Licensee", "Licensor", "Distributor", "Contractor", "Consultant", "Provider", "Adviser",
    "Advisor", "Landlord", "Tenant", "Lessee", "Lessor", "Owner", "Manufacturer", "Reseller",
)
PARTY_RE = re.compile(
    "|".join(sorted(_CHINESE_PARTIES, key=len, reverse=True))
    + r"|\b(?:"
    + "|".join(_ENGLISH_PARTIES)
    + r")\b"
)

# Each party's counterpart, for "向乙方支付" where only the payee is named.
COUNTERPARTS: dict[str, str] = {}
for _first, _second in (
    ("甲方", "乙方"), ("买方", "卖方"), ("委托方", "受托方"), ("委托人", "受托人"), ("出租方", "承租方"),
    ("出租人", "承租人"), ("发包人", "承包人"), ("发包方", "承包方"), ("供方", "需方"), ("买受人", "出卖人"),
    ("转让方", "受让方"), ("许可方", "被许可方"), ("Buyer", "Seller"), ("Licensor", "Licensee"),
    ("Landlord", "Tenant"), ("Lessor", "Lessee"),
):
    COUNTERPARTS[_first] = _second
    COUNTERPARTS[_second] = _first

# Sums owed only on breach or by way of refund are remedies, not performance obligations.
REMEDY_RE = re.compile(
    r"违约金|滞纳金|赔偿|罚款|罚金|利息|逾期|补偿"
    r"|penalt|liquidated damages|\binterest\b|\blate\b|indemnif",
    re.IGNORECASE,
)
# Refunds are not performance, except the release of retention money (退还质保金).
REFUND_RE = re.compile(r"退还|返还|退回|refund", re.IGNORECASE)

# Sentence ends: Chinese full stops and semicolons anywhere, English full stops before a capital.
SENTENCE_END = re.compile(r"[。；;！？!?]|(?<=[a-z0-9)”\"])\.\s+(?=[A-Z(“\"])")
# Commas and colons end a segment, the part of a sentence that one due phrase or party governs.
SEGMENT_END = re.compile(r"[，,：:。；;]")


def number_value(text: str) -> int | None:
    """Return the value of a count written in figures, Chinese numerals or English words."""
    text = text.strip()
    digits = re.search(r"\((\s*\d+\s*)\)", text)
    if digits:
        return int(digits.group(1))
    if text.isdigit():
        return int(text)
    if text and all(ch in CHINESE_NUMERAL_CHARS for ch in text):
        return chinese_numeral_value(text)
    return _english_value(text)


def _english_value(text: str) -> int | None:
    total = 0
    for word in re.split(r"[\s-]+", text.lower()):
        if word == "and":
            continue
        if word in _ENGLISH_UNITS:
            total += _ENGLISH_UNITS[word]
        elif word in _ENGLISH_TENS:
            total += _ENGLISH_TENS[word]
        elif word == "hundred":
            total = max(total, 1) * 100
        else:
            return None
    return total or None


def unit_of(text: str) -> tuple[str, int]:
    """Map a written period unit to a DUE_UNITS entry and the multiplier into that unit."""
    lowered = text.lower()
    if "工作日" in text or "business" in lowered or "working" in lowered:
        return "working_day", 1
    if "年" in text or "year" in lowered:
        return "month", 12
    if "月" in text or "month" in lowered:
        return "month", 1
    if text in ("周", "星期") or "week" in lowered:
        return "day", 7
    return "day", 1
