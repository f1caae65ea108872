"""Due rules read from one sentence: absolute dates, periods after an event, monthly days.

A period counted before a date (提前30日通知, 60 days' prior notice) gets a negative
offset, so the due day is that many units before the event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from archive.performance.terms import DueRule
from ingest.fields.dates import find_dates
from ingest.obligations.patterns import (
    EVENT_KEYWORDS,
    NUMBER,
    PARTY_RE,
    UNIT,
    WARRANTY_END,
    number_value,
    unit_of,
)

# 15个工作日内, 三十天之内, within thirty (30) days.
_PERIOD_WITHIN = re.compile(rf"(?P<n>{NUMBER})\s*(?P<unit>{UNIT})\s*(?:之内|以内|内)")
# The words between an event and its period: 验收合格之日起, 合同签订后，甲方应于.
_ANCHOR_BEFORE = re.compile(
    rf"(?P<anchor>之日起|当日起|日起|之后|以后|后|起)\s*[，,]?"
    rf"(?:\s|{PARTY_RE.pattern}|应当|应|须|需要|需|必须|务必|最迟|在|于|并|即)*$"
)
# 验收合格并稳定运行2个月后: the period follows the event in the same segment.
_PERIOD_AFTER = re.compile(rf"(?P<n>{NUMBER})\s*(?P<unit>{UNIT})\s*(?:之后|以后|后)")
_ENGLISH_AFTER = re.compile(
    rf"(?P<n>{NUMBER})\s*(?P<unit>{UNIT})\s+(?:after|of|following|from)\s+"
    rf"(?P<phrase>[^;]{{0,90}})",
    re.IGNORECASE,
)
# "within ten (10) days" with no event named after it.
_ENGLISH_WITHIN = re.compile(
    rf"\bwithin\s+(?P<n>{NUMBER})\s*(?P<unit>{UNIT})\b(?!\s+(?:after|of|following|from)\b)",
    re.IGNORECASE,
)
_NET_TERMS = re.compile(r"\bnet\s*(?P<n>\d+)\b", re.IGNORECASE)
_CHINESE_BEFORE_EXPIRY = re.compile(
    rf"(?:届满|期满|到期)(?:之日|日)?(?:之前|以前|前)\s*(?P<n>{NUMBER})\s*(?P<unit>{UNIT})"
)
_CHINESE_IN_ADVANCE = re.compile(rf"提前\s*(?P<n>{NUMBER})\s*(?P<unit>{UNIT})")
_ENGLISH_NOTICE = re.compile(
    rf"(?P<n>{NUMBER})\s*(?P<unit>{UNIT})[’']?s?[’']?\s+"
    r"(?:prior\s+)?(?:written\s+)?(?:notice|prior to|before)",
    re.IGNORECASE,
)
_MONTHLY = re.compile(rf"每(?:个)?月(?:的)?\s*(?P<d>{NUMBER})\s*[日号]")
_ENGLISH_MONTHLY = re.compile(
    r"(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:calendar\s+)?day\s+of\s+"
    r"(?:each|every)\s+(?:calendar\s+)?month",
    re.IGNORECASE,
)
# A date is a deadline when 前 follows it or "by" precedes it: 2024年6月30日前, by 30 June 2024.
_DATE_AFTER = re.compile(r"^\s*(?:[（(]含[)）])?\s*(?:之前|以前|前)")
_DATE_BEFORE = re.compile(
    r"(?:by|before|on or before|no later than|not later than|最迟于|最迟在)\s*$", re.IGNORECASE
)
_AFTER_PAYMENT = re.compile(r"付款|支付|收款|payment", re.IGNORECASE)
_SEGMENT_END = re.compile(r"[，,。；;：:]")


@dataclass(frozen=True, slots=True)
class FoundDue:
    """A due rule written at sentence[start:end].

    `after_payment` marks a period that counts from a payment (付款后3日内), which dates
    a duty that follows the payment rather than the payment itself.
    """

    start: int
    end: int
    rule: DueRule
    after_payment: bool = False


def event_in(phrase: str, *, last: bool) -> str | None:
    """Return the due event a phrase names, the keyword nearest its end when `last`."""
    if WARRANTY_END.search(phrase):
        return None
    best: tuple[int, str] | None = None
    for event, pattern in EVENT_KEYWORDS:
        for match in pattern.finditer(phrase):
            position = match.end() if last else -match.start()
            if best is None or position > best[0]:
                best = (position, event)
    return best[1] if best else None


def _period(match: re.Match[str], sign: int = 1) -> tuple[int, str] | None:
    value = number_value(match["n"])
    if value is None:
        return None
    unit, multiplier = unit_of(match["unit"])
    return sign * value * multiplier, unit


def _mask_dates(text: str) -> str:
    """Blank out full dates so that 2024年6月30日 is not read as periods of years, months, days."""
    for (start, end), _ in find_dates(text):
        text = text[:start] + "■" * (end - start) + text[end:]
    return text


def _relative_chinese(text: str) -> list[FoundDue]:
    found: list[FoundDue] = []
    for match in _PERIOD_WITHIN.finditer(text):
        period = _period(match)
        if period is None:
            continue
        before = text[max(0, match.start() - 40) : match.start()]
        # NOTE: a compound condition (测试三个月，运行无任何问题后，10个工作日内) keeps the
        # period but not the event, because only the phrase right before 后 or 起 is read.
        anchor = _ANCHOR_BEFORE.search(before)
        event = None
        after_payment = False
        if anchor:
            phrase = _SEGMENT_END.split(before[: anchor.start()])[-1]
            event = event_in(phrase, last=True)
            after_payment = bool(_AFTER_PAYMENT.search(phrase))
        rule = DueRule(event=event, offset=period[0], unit=period[1])
        found.append(FoundDue(match.start(), match.end(), rule, after_payment))
    for match in _PERIOD_AFTER.finditer(text):
        segment = _SEGMENT_END.split(text[: match.start()])[-1]
        event = event_in(segment, last=True)
        period = _period(match)
        if event and period:
            rule = DueRule(event=event, offset=period[0], unit=period[1])
            found.append(FoundDue(match.start(), match.end(), rule))
    return found


def _relative_english(text: str) -> list[FoundDue]:
    found: list[FoundDue] = []
    for match in _ENGLISH_AFTER.finditer(text):
        period = _period(match)
        if period is not None:
            event = event_in(match["phrase"], last=False)
            rule = DueRule(event=event, offset=period[0], unit=period[1])
            after_payment = bool(_AFTER_PAYMENT.match(match["phrase"].strip()))
            found.append(FoundDue(match.start(), match.end("unit"), rule, after_payment))
    for match in _ENGLISH_WITHIN.finditer(text):
        period = _period(match)
        if period is not None:
            rule = DueRule(offset=period[0], unit=period[1])
            found.append(FoundDue(match.start(), match.end(), rule))
    for match in _NET_TERMS.finditer(text):
        # Net terms count from the invoice date.
        rule = DueRule(event="invoice", offset=int(match["n"]))
        found.append(FoundDue(match.start(), match.end(), rule))
    return found


def _notice_periods(text: str) -> list[FoundDue]:
    found: list[FoundDue] = []
    for pattern in (_CHINESE_BEFORE_EXPIRY, _CHINESE_IN_ADVANCE, _ENGLISH_NOTICE):
        for match in pattern.finditer(text):
            period = _period(match, sign=-1)
            if period is None:
                continue
            event = "expiry" if _counts_to_expiry(pattern, match, text) else None
            rule = DueRule(event=event, offset=period[0], unit=period[1])
            found.append(FoundDue(match.start(), match.end(), rule))
    return found


def _counts_to_expiry(pattern: re.Pattern[str], match: re.Match[str], text: str) -> bool:
    """Tell whether a notice period runs back from the expiry of the term.

    期满前30日 names expiry first, 合同到期提前30日 just before the period, and
    "30 days prior to the expiration" just after it.
    """
    if pattern is _CHINESE_BEFORE_EXPIRY:
        return True
    if pattern is _CHINESE_IN_ADVANCE:
        return event_in(text[max(0, match.start() - 20) : match.start()], last=True) == "expiry"
    return event_in(text[match.end() : match.end() + 80], last=False) == "expiry"


def _fixed_days(text: str, original: str) -> list[FoundDue]:
    found: list[FoundDue] = []
    for match in (*_MONTHLY.finditer(text), *_ENGLISH_MONTHLY.finditer(text)):
        day = number_value(match["d"])
        if day is not None and 1 <= day <= 31:
            found.append(FoundDue(match.start(), match.end(), DueRule(day_of_month=day)))
    for (start, end), date in find_dates(original):
        if _DATE_AFTER.match(original[end:]) or _DATE_BEFORE.search(original[:start]):
            found.append(FoundDue(start, end, DueRule(on=date)))
    return found


def find_due_rules(sentence: str) -> list[FoundDue]:
    """Find every due rule in a sentence, in text order."""
    masked = _mask_dates(sentence)
    found = [
        *_relative_chinese(masked),
        *_relative_english(masked),
        *_notice_periods(masked),
        *_fixed_days(masked, sentence),
    ]
    found.sort(key=lambda item: item.start)
    return found
