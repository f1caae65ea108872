"""The party a sentence names as the debtor of an obligation, as written."""

from __future__ import annotations

import re

from ingest.obligations.patterns import COUNTERPARTS, PARTY_RE

# A party named right after these words receives the performance (向乙方支付, 为甲方送达).
_CREDITOR_MARK = re.compile(r"(?:向|给|为|对|至|通知|\bto|\bfor)\s*(?:the\s+)?$", re.IGNORECASE)
# "支付给乙方" and "pay to Seller" name the payee after the verb.
_PAYEE_AFTER = re.compile(
    rf"^\s*(?:给|予|至|to)\s*(?:the\s+)?(?P<party>{PARTY_RE.pattern})", re.IGNORECASE
)
# "payable by Customer" names the debtor after the verb.
_DEBTOR_AFTER = re.compile(rf"^\S*\s+by\s+(?:the\s+)?(?P<party>{PARTY_RE.pattern})", re.IGNORECASE)
# Words allowed between a subject and its recipient: 甲方须向乙方, Buyer shall pay to.
_SUBJECT_GAP = re.compile(r"^[\s应当须需要必须务必将应该]{0,6}(?:向|给|为|对)$")
# A party followed by a modal verb is the subject of a duty: 甲方应, Buyer shall.
_MODAL_AFTER = re.compile(r"\s*(?:应当|应|须|需|必须|务必|shall|will|must|agrees)", re.IGNORECASE)
_SEGMENT_END = re.compile(r"[，,：:。；;]")


def debtor_before(sentence: str, verb_at: int, verb_end: int) -> str | None:
    """Return the party that performs the verb at sentence[verb_at:verb_end], or None.

    The rules are tried in order. First comes a subject right before the recipient
    (甲方须向乙方支付), then a debtor after the verb (payable by Customer). Then, among the
    parties before the verb other than the payee, come the last one followed by a modal
    verb (甲方应), the first one in the verb's segment and the last one in the sentence.
    Last comes the counterpart of the payee (支付给乙方, 向乙方支付) from COUNTERPARTS.
    """
    mentions: list[tuple[re.Match[str], bool]] = [
        (match, bool(_CREDITOR_MARK.search(sentence[: match.start()])))
        for match in PARTY_RE.finditer(sentence[:verb_at])
    ]
    for (previous, previous_marked), (current, marked) in zip(mentions, mentions[1:]):
        gap = sentence[previous.end() : current.start()]
        if marked and not previous_marked and _SUBJECT_GAP.match(gap):
            return previous.group(0)

    after = sentence[verb_end:]
    named_debtor = _DEBTOR_AFTER.match(after)
    if named_debtor:
        return named_debtor["party"]
    payee_match = _PAYEE_AFTER.match(after)
    payee = payee_match["party"] if payee_match else None

    candidates = [match for match, marked in mentions if not marked and match.group(0) != payee]
    with_modal = [match for match in candidates if _MODAL_AFTER.match(sentence, match.end())]
    if with_modal:
        return with_modal[-1].group(0)
    segment_start = max((m.end() for m in _SEGMENT_END.finditer(sentence[:verb_at])), default=0)
    in_segment = [match for match in candidates if match.start() >= segment_start]
    if in_segment:
        return in_segment[0].group(0)
    if candidates:
        return candidates[-1].group(0)
    if payee is not None:
        return COUNTERPARTS.get(payee)
    creditors = [match for match, marked in mentions if marked]
    if creditors:
        return COUNTERPARTS.get(creditors[-1].group(0))
    return None
