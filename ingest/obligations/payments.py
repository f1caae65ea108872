"""Payment terms in one sentence: stage, percentage of the total, amount and payer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ingest.fields.amounts import CENT, find_amounts
from ingest.obligations.deadlines import find_due_rules
from ingest.numbering import CHINESE_NUMERAL_CHARS, chinese_numeral_value
from ingest.obligations.patterns import BLANK, BLANK_RE, REFUND_RE, REMEDY_RE

PAYMENT_VERB = re.compile(
    r"支付|付款|付清|首付|结清|\bpay(?:s|able)?\b|\bpaid\b|\bremit|\bpayment\s+(?:of|for|shall|is|will)\b",
    re.IGNORECASE,
)
# Stage words in the order they are tried, so 质保金 is checked before 尾款-like words.
STAGE_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("retention", re.compile(r"质保金|质量保证金|保修金|保留金|retention|retainage|holdback", re.IGNORECASE)),
    (
        "advance",
        re.compile(r"预付款|预付|首付款|首付|定金|订金|advance payment|down payment|upfront", re.IGNORECASE),
    ),
    ("final", re.compile(r"尾款|余款|最后一笔|final payment|final instal+ment", re.IGNORECASE)),
    ("progress", re.compile(r"进度款|发货款|到货款|验收款|progress payment|milestone payment", re.IGNORECASE)),
    ("instalment", re.compile(r"分期|第[一二三四五六七八九十\d]+期|instal+ments?", re.IGNORECASE)),
    (
        "full",
        re.compile(r"全部(?:总)?(?:金额|款项|货款|价款|费用|合同款)|全额|一次性|全款|in full", re.IGNORECASE),
    ),
)
# The stage a parent clause gives the items under it: 按开发进度分四个阶段, 分三期.
_PARENT_STAGES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("progress", re.compile(r"进度")),
    ("instalment", re.compile(r"分期|分[一两二三四五六七八九十\d]+[期次个]|阶段|instal+ments", re.IGNORECASE)),
)

_PERCENT = re.compile(
    rf"(?P<n>\d+(?:\.\d+)?)\s*(?:[%％]|percent\b|per cent\b)|百分之(?P<cn>[{CHINESE_NUMERAL_CHARS}]+)",
    re.IGNORECASE,
)
_BLANK_PERCENT = re.compile(rf"(?:{BLANK}|的\s+|[（(]\s*[)）])\s*[%％]")
_BLANK_AMOUNT = re.compile(rf"{BLANK}\s*(?:万元|元)")
# A percentage that is a tax rate (税率1%, 6%增值税) is no share of the price.
_TAX_BEFORE = re.compile(r"(?:税率|税)\s*[【\[（(]?\s*$")
_TAX_AFTER = re.compile(r"^\s*[】\]）)]?\s*(?:的)?(?:增值税|税|VAT|tax)", re.IGNORECASE)
# In English a share of the price names what it is a share of: 30% of the Fees.
_ENGLISH_SHARE = re.compile(
    r"^\)?\s+of\s+(?:the\s+)?(?:[\w-]+\s+){0,3}?"
    r"(?:fees?|price|amount|total|sum|consideration|value)\b",
    re.IGNORECASE,
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Deductions from a payment (扣除乙方应承担的违约金后支付) do not make it a remedy.
_DEDUCTION = re.compile(r"扣除[^，,。；;]{0,40}?后|less any[^,;.]{0,60}", re.IGNORECASE)
# Square brackets mark filled-in values (金额为【58000】元), which the amount parser cannot read.
_FILL_BRACKETS = re.compile(r"[【】\[\]]")


@dataclass(frozen=True, slots=True)
class PaymentTerm:
    """The terms of one payment in a sentence. `verb_at` and `verb_end` locate the payment word."""

    stage: str | None
    stage_written: str | None
    percent: Decimal | None
    amount: Decimal | None
    currency: str | None
    verb_at: int
    verb_end: int


def _percent(sentence: str) -> Decimal | None:
    english = not _CJK.search(sentence)
    for match in _PERCENT.finditer(sentence):
        before, after = sentence[: match.start()], sentence[match.end() :]
        if _TAX_BEFORE.search(before) or _TAX_AFTER.match(after):
            continue
        if english and not _ENGLISH_SHARE.match(sentence[match.end() :]):
            continue
        if match["n"]:
            return Decimal(match["n"])
        value = chinese_numeral_value(match["cn"])
        if value is not None:
            return Decimal(value)
    return None


def _has_blank_share(sentence: str) -> bool:
    for match in (*_BLANK_PERCENT.finditer(sentence), *_BLANK_AMOUNT.finditer(sentence)):
        if not _TAX_AFTER.match(sentence[match.end() :]):
            return True
    return False


def _amount(sentence: str, percent: Decimal | None) -> tuple[Decimal | None, str | None]:
    """Return the amount paid and its currency.

    With a percentage and several amounts, the amount that is that share of another wins
    (30% of 100,000 is 30,000). Otherwise the first amount after the payment word wins.
    """
    # NOTE: a sentence naming two instalments in amounts only (首付1万元，尾款2万元) yields the first.
    cleaned = _FILL_BRACKETS.sub("", BLANK_RE.sub(" ", sentence))
    found = find_amounts(cleaned)
    if not found:
        return None, None
    if percent is not None and len(found) > 1:
        for part in found:
            for whole in found:
                if whole.value and (whole.value * percent / 100).quantize(CENT) == part.value:
                    return part.value, part.currency
    verb = PAYMENT_VERB.search(cleaned)
    after_verb = [amount for amount in found if verb and amount.start >= verb.start()]
    chosen = after_verb[0] if after_verb else found[-1]
    return chosen.value, chosen.currency


def stage_in(text: str) -> tuple[str, str] | None:
    """Return the payment stage a text names and the word as written, or None."""
    for stage, pattern in STAGE_WORDS:
        match = pattern.search(text)
        if match:
            return stage, match.group(0)
    return None


def parent_stage(text: str) -> str | None:
    """Return the stage that a clause introducing a list of payments gives its items."""
    for stage, pattern in _PARENT_STAGES:
        if pattern.search(text):
            return stage
    return None


def read_payment(sentence: str) -> PaymentTerm | None:
    """Read a payment the sentence obliges, or None when it states none.

    A payment needs a payment word or a stage word, and an amount, a percentage, a
    template blank for one, or a due date that does not count from the payment itself.
    Sentences about penalties, late-payment interest or refunds (other than the release
    of retention money) are remedies and yield None.
    """
    verb = PAYMENT_VERB.search(sentence)
    stage = stage_in(sentence)
    if verb is None and stage is None:
        return None
    if REMEDY_RE.search(_DEDUCTION.sub("", sentence)):
        return None
    if REFUND_RE.search(sentence) and (stage is None or stage[0] != "retention"):
        return None

    percent = _percent(sentence)
    amount, currency = _amount(sentence, percent)
    states_share = percent is not None or amount is not None or _has_blank_share(sentence)
    if not states_share and not _dated(sentence):
        return None

    # Without a payment word, the stage word (预付款：30%) takes the place of the verb.
    marker = verb.span() if verb is not None else _stage_span(sentence)
    verb_at, verb_end = marker
    return PaymentTerm(
        stage=stage[0] if stage else None,
        stage_written=stage[1] if stage else None,
        percent=percent,
        amount=amount,
        currency=currency,
        verb_at=verb_at,
        verb_end=verb_end,
    )


def _dated(sentence: str) -> bool:
    """Tell whether the sentence dates a payment (收到发票后10日内付款) without counting from it."""
    return any(
        found.rule.form != "unknown" and found.rule.offset >= 0 and not found.after_payment
        for found in find_due_rules(sentence)
    )


def _stage_span(sentence: str) -> tuple[int, int]:
    for _, pattern in STAGE_WORDS:
        match = pattern.search(sentence)
        if match:
            return match.span()
    return 0, 0
