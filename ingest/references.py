"""References an amendment or acceptance report makes to the contract it belongs to."""

from __future__ import annotations

import datetime as dt
import re

from ingest.fields.dates import find_dates
from ingest.fields.extract import CONTRACT_NUMBER_LABEL, CONTRACT_NUMBER_VALUE, clean_contract_number
from ingest.parsed import ParsedDocument
from ingest.structure import Clause, References

_QUOTED_TITLE = re.compile(r"《(?P<t>[^》]{2,80})》")
# 《…法》, 《…条例》 and the like name laws and rules, never the contract being amended.
_LAW_TITLE = re.compile(r"(?:^中华人民共和国|法$|条例$|规定$|办法$|细则$|解释$|通则$|标准$|规范$|规则$)")

_AGREEMENT_WORD = r"(?:Agreement|AGREEMENT|Contract|CONTRACT)"
# Capitalised words of a title; "Agreement", "This" and "Exhibit" end or start other phrases.
_TITLE_WORDS = (
    r"(?<![A-Za-z&\-])(?:(?!(?:Agreement|AGREEMENT|This|THIS|Exhibit|EXHIBIT|Amendment|AMENDMENT|TO|AND|OF|FOR)\b)"
    r"[A-Z][A-Za-z&\-]*\s+(?:(?:and|of|to|for|AND|OF|TO|FOR)\s+)?){1,6}"
)
# "Amendment to (the) Supply and Manufacturing Agreement"
_AMENDMENT_OF = re.compile(
    rf"(?:Amendment|AMENDMENT|Addendum|ADDENDUM)\s+(?:No\.\s*\d+\s+)?(?:to|TO)\s+(?:the\s+|THE\s+)?"
    rf"(?P<t>{_TITLE_WORDS}{_AGREEMENT_WORD})"
)
# "that certain Services Agreement dated as of January 1, 2004"
_DATED_TITLE = re.compile(
    rf"(?P<t>{_TITLE_WORDS}{_AGREEMENT_WORD})\s*,?\s*(?:\([^)]{{0,60}}\)\s*,?\s*)?"
    rf"(?:dated|entered\s+into)\s+(?:as\s+of\s+|on\s+)?",
)
_THE_AGREEMENT_DATED = re.compile(r"\b(?:the|that)\s+(?:certain\s+)?Agreement\s+dated\s+(?:as\s+of\s+)?")
# "于2023年5月1日签订的《…》": a date right before 签订/签署/订立 names the original contract.
_SIGNED_AFTER_DATE = re.compile(r"^\s*(?:双方)?\s*(?:签订|签署|订立|签定)")
_ORIGINAL_SIGNED_LABEL = re.compile(r"原合同(?:签订|签署)(?:日期|时间)\s*[:：]?\s*$")
# A date belongs to "dated" when it starts this close after it.
DATED_WINDOW = 12
SIGNED_LABEL_WINDOW = 12


def _contract_numbers(text: str) -> list[str]:
    numbers: list[str] = []
    for label in CONTRACT_NUMBER_LABEL.finditer(text):
        candidate = text[label.end() :].split("\n", 1)[0].strip()
        value = CONTRACT_NUMBER_VALUE.match(candidate)
        number = clean_contract_number(value.group(0)) if value else ""
        if any(ch.isdigit() for ch in number) and number not in numbers:
            numbers.append(number)
    return numbers


def _quoted_titles(text: str) -> list[str]:
    """Return 《…》 titles that are not laws, then English agreement titles, without case duplicates."""
    titles: list[str] = []
    for match in _QUOTED_TITLE.finditer(text):
        title = match.group("t").strip()
        if not _LAW_TITLE.search(title) and title not in titles:
            titles.append(title)
    flat = " ".join(text.split())
    for pattern in (_AMENDMENT_OF, _DATED_TITLE):
        for match in pattern.finditer(flat):
            title = match.group("t").strip()
            if title.lower().startswith(("this ", "the ")):
                title = title.split(" ", 1)[1]
            if title.lower() not in {t.lower() for t in titles} and title.lower() != "agreement":
                titles.append(title)
    return titles


def _referenced_dates(text: str) -> list[dt.date]:
    flat = " ".join(text.split())
    dates = find_dates(flat)
    anchors = [m.end() for m in _DATED_TITLE.finditer(flat)] + [
        m.end() for m in _THE_AGREEMENT_DATED.finditer(flat)
    ]
    found: list[dt.date] = []
    for (start, end), value in dates:
        after_dated = any(0 <= start - anchor <= DATED_WINDOW for anchor in anchors)
        before_signed = bool(_SIGNED_AFTER_DATE.match(flat[end : end + 6]))
        labelled = bool(_ORIGINAL_SIGNED_LABEL.search(flat[max(0, start - SIGNED_LABEL_WINDOW) : start]))
        if (after_dated or before_signed or labelled) and value not in found:
            found.append(value)
    return found


def find_references(doc: ParsedDocument, clauses: list[Clause]) -> References:
    """Find the contract numbers, quoted titles and dates a document cites to name another one."""
    text = "\n".join(clause.text for clause in clauses) if clauses else doc.text
    return References(
        contract_numbers=tuple(_contract_numbers(text)),
        quoted_titles=tuple(_quoted_titles(text)),
        dates=tuple(_referenced_dates(text)),
    )
