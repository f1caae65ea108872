"""Obligations other than payment: warranty periods, notice periods, delivery, acceptance,
completion and reporting deadlines.

Each needs a due rule in the same sentence, so a delivery duty with no date is not suggested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from archive.performance.terms import DueRule
from ingest.obligations.deadlines import FoundDue, event_in, find_due_rules
from ingest.obligations.parties import debtor_before
from ingest.obligations.patterns import NUMBER, number_value, unit_of

_WARRANTY = re.compile(
    r"质保期|保修期|质量保证期|保质期|维保期|免费维护|免费保修|联保|warranty period|warrant(?:s|y)?\b",
    re.IGNORECASE,
)
_WARRANTY_PERIOD = re.compile(
    rf"(?P<n>{NUMBER})\s*(?P<unit>个月|月|年|天|日|months?|years?|days?)", re.IGNORECASE
)
# The start of a warranty period: 自验收合格之日起, 货到现场起计, from the date of delivery.
_PERIOD_START = re.compile(r"起|后|开始|from|after|following", re.IGNORECASE)
# "twelve (12) months from the date of delivery" names the start after the period.
_START_AFTER = re.compile(r"\s*(?:from|after|following)\s+(?P<phrase>[^,;]{0,60})", re.IGNORECASE)
_SEGMENT_END = re.compile(r"[，,。；;]")
_SENTENCE_END = re.compile(r"[。；;]")
_CJK = re.compile(r"[\u4e00-\u9fff]")

# Kinds with a deadline, tried in this order. The first kind whose word the sentence contains wins.
# NOTE: a renewal word anywhere in the sentence makes any period before expiry a renewal notice.
_DEADLINE_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("renewal_notice", re.compile(r"续签|续约|续期|续租|续订|renew\w*", re.IGNORECASE)),
    ("termination_notice", re.compile(r"解除|终止|terminat\w*", re.IGNORECASE)),
    ("acceptance", re.compile(r"验收|inspect\w*", re.IGNORECASE)),
    ("delivery", re.compile(r"交货|交付|供货|发货|送达|deliver\w*|ship\b", re.IGNORECASE)),
    ("completion", re.compile(r"完成|竣工|完工|complet\w*", re.IGNORECASE)),
    ("reporting", re.compile(r"报告|报表|汇报|report\w*", re.IGNORECASE)),
)
_NOTICE = re.compile(r"通知|notice", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Duty:
    """A non-payment obligation read from a sentence."""

    kind: str
    summary: str
    due: DueRule
    debtor_party: str | None


def read_warranty(sentence: str) -> Duty | None:
    """Read a warranty period stated in the same segment as its keyword (质保期为12个月, 全国联保一年)."""
    # English lists use commas inside one term, so there the whole sentence is the segment.
    segment_end_re = _SEGMENT_END if _CJK.search(sentence) else _SENTENCE_END
    for keyword in _WARRANTY.finditer(sentence):
        ends_before = segment_end_re.finditer(sentence[: keyword.start()])
        segment_start = max((end.end() for end in ends_before), default=0)
        next_end = segment_end_re.search(sentence, keyword.end())
        segment_end = next_end.start() if next_end else len(sentence)
        period = _WARRANTY_PERIOD.search(sentence, segment_start, segment_end)
        value = number_value(period["n"]) if period else None
        if period is None or value is None:
            continue
        unit, multiplier = unit_of(period["unit"])
        before = sentence[: period.start()]
        event = event_in(before, last=True) if _PERIOD_START.search(before) else None
        start_after = _START_AFTER.match(sentence, period.end())
        if event is None and start_after:
            event = event_in(start_after["phrase"], last=False)
        due = DueRule(event=event, offset=value * multiplier, unit=unit)
        summary = f"{keyword.group(0)} {period.group(0)}"
        debtor = debtor_before(sentence, keyword.start(), keyword.end())
        return Duty("warranty", summary, due, debtor)
    return None


def _usable(kind: str, found: FoundDue) -> bool:
    """Tell whether a due rule fits an obligation kind.

    Notice periods count backwards and may lack an event. Other deadlines need a date,
    a day of the month or an event to count from.
    """
    if kind in ("renewal_notice", "termination_notice"):
        return found.rule.offset < 0
    return found.rule.offset >= 0 and found.rule.form != "unknown"


def read_deadline(sentence: str) -> Duty | None:
    """Read a notice period or a delivery, acceptance, completion or reporting deadline."""
    dues = find_due_rules(sentence)
    if not dues:
        return None
    for kind, pattern in _DEADLINE_KINDS:
        words = list(pattern.finditer(sentence))
        if not words:
            continue
        if kind in ("renewal_notice", "termination_notice") and not _NOTICE.search(sentence):
            continue
        usable = [found for found in dues if _usable(kind, found)]
        if not usable:
            continue
        due = usable[0].rule
        if kind == due.event:
            # "交货后7日内" dates something after delivery, not the delivery itself.
            continue
        debtor = None
        spans = [word.span() for word in words] + [(usable[0].start, usable[0].end)]
        for start, end in spans:
            debtor = debtor_before(sentence, start, end)
            if debtor is not None:
                break
        return Duty(kind, _summary(sentence, words, usable[0]), due, debtor)
    return None


def _summary(sentence: str, words: list[re.Match[str]], found: FoundDue) -> str:
    """Quote the obligation word nearest the due phrase through the due phrase.

    When the two are more than 40 characters apart, quote each and join them with "…".
    """
    word = min(words, key=lambda match: abs(match.start() - found.start))
    start, end = min(word.start(), found.start), max(word.end(), found.end)
    if end - start <= 40:
        return sentence[start:end].strip()
    first, second = sorted((word.group(0), sentence[found.start : found.end]), key=sentence.find)
    return f"{first} … {second}"
