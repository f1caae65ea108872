"""Field extraction: contract number, title, parties, dates, term and total amount."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from archive import notices
from ingest.fields import amounts as amount_finder
from ingest.fields import dates as date_finder
from ingest.fields.acceptance import find_acceptance_date
from ingest.fields.amounts import FoundAmount, find_table_row_amounts
from ingest.fields.parties import find_parties
from ingest.parsed import ParsedDocument
from ingest.structure import ROLE_CLAUSE, ROLE_PREAMBLE, ROLE_SIGNATURE, ROLE_TOC, Clause, Field

# Each field looks through the same clauses for dates and amounts, so a clause text is scanned once.
SCAN_CACHE_SIZE = 4096


@lru_cache(maxsize=SCAN_CACHE_SIZE)
def find_dates(text: str) -> tuple[tuple[tuple[int, int], dt.date], ...]:
    return tuple(date_finder.find_dates(text))


@lru_cache(maxsize=SCAN_CACHE_SIZE)
def find_amounts(text: str) -> tuple[FoundAmount, ...]:
    return tuple(amount_finder.find_amounts(text))

CONTRACT_NUMBER_LABEL = re.compile(
    r"(?:原?(?:合同|协议|采购合同|订单)(?:编号|号|编码)|^\s*编\s*号|Contract\s+No\.?|Contract\s+Number|"
    r"Agreement\s+No\.?|Agreement\s+Number)\s*[:：]?\s*(?:为|是)?\s*",
    re.IGNORECASE | re.MULTILINE,
)
# A contract number: letters, digits and the punctuation used in them (BF-2021-2730, 京(2024)第12号).
CONTRACT_NUMBER_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_/.()（）〔〕\[\]【】#第号字]{2,40}")

_TITLE_WORDS = re.compile(
    r"合同|协议|协议书|报告|验收单|验收证书|通知书|通知单|函$|纪要|发票|凭证|回单|确认书|계약서|"
    r"AGREEMENT|Agreement|CONTRACT|Contract|AMENDMENT|Amendment|ADDENDUM|Addendum|MINUTES|Minutes|"
    r"INVOICE|Invoice|REPORT|Report|CERTIFICATE|Certificate|NOTICE|Notice|ORDER FORM|Order Form"
)
_TITLE_END = re.compile(
    r"(?:合同|协议|协议书|报告|单|证书|通知书|函|纪要|发票|凭证|确认书|AGREEMENT|Agreement|CONTRACT|Contract)"
    r"\s*(?:[(（][^)）]*[)）])?$"
)
_QUOTED = re.compile(r"《[^》]*》")
_CJK_ONLY = re.compile(r"^[\u4e00-\u9fff]+$")
# A line above the title that names the issuer (西南民族大学, 某某有限公司) is a letterhead.
# NOTE: an issuer name with another ending is joined to the title as its first half.
_ISSUER_END = re.compile(r"(?:大学|学院|学校|公司|集团|医院|银行|局|厅|部|委员会|中心|研究院|研究所)$")
MAX_TITLE_CHARS = 60
# Lines at the top of a document searched for its title.
TITLE_SEARCH_LINES = 20

_SIGNING_LABEL = re.compile(
    r"(签订日期|签署日期|签约日期|签订时间|签署时间|签约时间|签字日期|签章日期|"
    r"\bdated\b|\bDated\b|made\s+(?:and\s+entered\s+into\s+)?(?:as\s+of|this|on)|entered\s+into\s+(?:as\s+of|on)|"
    # "… and Y this 3rd day of May, 2011" and "as of the 1st day of": the preamble's own date.
    r"\b(?:this|as\s+of\s+the)\s+(?=\d{1,2}(?:st|nd|rd|th)?\s+day\s+of\b))"
)
# A document noun right before "dated": "Supply Agreement dated", "This Agreement, dated".
_DOCUMENT_BEFORE_LABEL = re.compile(
    r"(?:Agreement|Amendment|Contract|Lease|Order|Addendum)\s*,?\s*dated\s*$", re.IGNORECASE
)
# The last determiner before that noun shows whose date it is: "This Agreement, dated" is this
# document's, "to the Supply Agreement dated" and "that certain Agreement dated" are another's.
_DETERMINER = re.compile(r"\b(this|the|that|such|said)\b", re.IGNORECASE)
# Characters before a label searched for the noun phrase that it qualifies.
REFERENCE_WINDOW = 120
_EFFECTIVE_LABEL = re.compile(
    r"生效日期|effective\s+(?:as\s+of|on|from)|[“\"]Effective\s+Date[”\"]", re.IGNORECASE
)
_EXPIRY_LABEL = re.compile(
    r"有效期至|有效期限至|届满日期?|到期日期?|终止日期|截止日期|"
    r"expires?\s+on|expiration\s+date\s*(?:is|:)?|terminates?\s+on",
    re.IGNORECASE,
)
# Verbs that follow the date they govern: "于2024年3月5日签订", "自2024年3月6日起生效", "至2025年3月4日止".
# A few characters (由双方, 起) may sit between the date and the verb.
# "于2023年5月1日签订的《租赁合同》" describes another document, so 的 after the verb excludes it.
_SIGNED_AFTER = re.compile(r"^[^，。；,;\n]{0,6}?(?:签订|签署|订立|签定|签约)(?!的)")
# The object of a signing verb, up to the end of its clause of the sentence: 了《设备采购合同》.
_VERB_OBJECT = re.compile(r"^\s*[了的]?\s*(?P<object>[^，。；,;\n]{0,24})")
# An object naming a document: a quoted title, a contract or an agreement.
_DOCUMENT_OBJECT = re.compile(r"《|合同|协议")
# 本合同 and 此协议 name the document being read.
_THIS_DOCUMENT = ("本", "此")
# Labels of a party's signing date in a signature block: 日期：, 签署日期：, 签订时间：, Date:.
_SIGNATURE_DATE_LABEL = re.compile(
    r"(?:签订|签署|签约|签字|签章)?日期|(?:签订|签署|签约|签字|签章)时间|\b(?:Dated?|DATED?)\b"
)
# Text that only a signature block contains: a conformed signature, a testimonium, an acceptance.
_SIGNATURE_MARK = re.compile(r"/s/|IN WITNESS WHEREOF|ACCEPTED AND AGREED", re.IGNORECASE)
_EFFECTIVE_AFTER = re.compile(r"^[^，。；,;\n]{0,6}?生效")
_EXPIRY_AFTER = re.compile(r"^\s*(?:止|届满|到期)")
# Text just before a date that shows it belongs to another document: 原合同于…签订, 《…》.
_OTHER_DOCUMENT = re.compile(r"原合同|原协议|《")
OTHER_DOCUMENT_WINDOW = 16
VERB_WINDOW = 12
_TERM_LABEL = re.compile(r"合同期限|合同有效期|有效期限?|租赁期限?|服务期限?|合作期限|履行期限|委托期限|期限")
_TERM_LENGTH = re.compile(
    r"期限为\s*(?P<n>[0-9一二三四五六七八九十两]+)\s*(?P<u>年|个月|月|日|天)"
    r"|term\s+of\s+(?:\w+\s+)?\(?(?P<en>\d+)\)?\s+(?P<eu>years?|months?)",
    re.IGNORECASE,
)
# A date belongs to a label when it starts within this many characters after it.
LABEL_DATE_WINDOW = 40
TERM_WINDOW = 60

_TOTAL_LABELS = (
    re.compile(
        r"合同总价|合同总额|合同总金额|合同金额|合同价款|合同价格|签约合同价|总价款|总金额|总价|总费用|费用总额|"
        r"total\s+(?:contract\s+)?(?:price|amount|fees?)|aggregate\s+(?:amount|price)",
        re.IGNORECASE,
    ),
    re.compile(r"合计|总计|价税合计"),
)
# "合同总额的10%，金额10,000元" is an instalment, not the total.
_SHARE_OF_TOTAL = re.compile(r"[%％]|百分之|[一二三四五六七八九十]成")
# Amounts this many characters after a total label belong to it.
TOTAL_AMOUNT_WINDOW = 80
# An uppercase amount and a figure amount this close together in one clause state the same sum.
CROSS_CHECK_WINDOW = 60


def find_title(clauses: list[Clause], doc: ParsedDocument | None = None) -> str | None:
    """Return the document's title: a short top line naming a document type, from the text only.

    File metadata is never used because it is often stale or junk (a template's title,
    "temp.pdf"). `doc` is accepted for callers that pass it and is not read.
    """
    lines: list[str] = []
    for clause in [c for c in clauses if c.role != ROLE_TOC][:2]:
        lines.extend(line.strip() for line in clause.text.splitlines() if line.strip())
    lines = lines[:TITLE_SEARCH_LINES]
    for index, line in enumerate(lines):
        if len(line) > MAX_TITLE_CHARS or re.search(r"[:：。;；]", line):
            continue
        if not _TITLE_WORDS.search(_QUOTED.sub("", line)):
            if _QUOTED.search(line) and index + 1 < len(lines) and _TITLE_WORDS.search(lines[index + 1]):
                # 关于《某合同》解除之 / 补充协议: the type word is on the next line.
                return line + lines[index + 1]
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if (
            not _TITLE_END.search(line)
            and following
            and len(following) <= MAX_TITLE_CHARS
            and not re.search(r"[:：。;；]", following)
            and _TITLE_END.search(following)
        ):
            # 肇新合同管理系统 / 源码销售合同: a title printed on two lines.
            line = line + following
        elif index > 0 and _is_title_prefix(lines[index - 1]):
            # 房屋建筑和市政基础设施项目 / 工程建设全过程咨询服务合同: the first line has no type word.
            line = lines[index - 1] + line
        return re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "", line)
    return None


def _is_title_prefix(line: str) -> bool:
    """Return whether a line above a title reads as its first half rather than a letterhead."""
    return bool(_CJK_ONLY.match(line)) and len(line) <= MAX_TITLE_CHARS and not _ISSUER_END.search(line)


_BRACKET_PAIRS = {")": "(", "）": "（", "]": "[", "】": "【", "〕": "〔"}


def clean_contract_number(value: str) -> str:
    """Drop closing brackets and dots that end the sentence around a contract number."""
    value = value.rstrip(".")
    while value and value[-1] in _BRACKET_PAIRS and value.count(value[-1]) > value.count(
        _BRACKET_PAIRS[value[-1]]
    ):
        value = value[:-1].rstrip(".")
    return value


def _contract_number(clauses: list[Clause]) -> Field | None:
    for clause in clauses:
        for label in CONTRACT_NUMBER_LABEL.finditer(clause.text):
            after = clause.text[label.end() :]
            line_rest = after.split("\n", 1)
            candidate = line_rest[0].strip()
            if not candidate and len(line_rest) > 1:
                # The number is printed on the line below its label.
                candidate = line_rest[1].split("\n", 1)[0].strip()
            value = CONTRACT_NUMBER_VALUE.match(candidate)
            number = clean_contract_number(value.group(0)) if value else ""
            if any(ch.isdigit() for ch in number):
                return Field("contract_number", number, None, clause.ordinal)
    return None


def _labelled_date(
    clauses: list[Clause], label: re.Pattern[str], name: str, after: re.Pattern[str] | None = None
) -> Field | None:
    """Return the first date right after `label` or right before the verb `after`, as field `name`."""
    for clause in clauses:
        text = clause.text
        dates = find_dates(text)
        for match in label.finditer(text):
            if _is_reference_date_label(text, match):
                continue
            for (start, end), value in dates:
                if match.end() <= start <= match.end() + LABEL_DATE_WINDOW:
                    return Field(name, text[start:end], value.isoformat(), clause.ordinal, detail=match.group(0))
        if after is None:
            continue
        for (start, end), value in dates:
            verb = after.match(text[end : end + VERB_WINDOW])
            if verb is None or _names_other_document(text[end + verb.end() :]):
                continue
            if _OTHER_DOCUMENT.search(text[max(0, start - OTHER_DOCUMENT_WINDOW) : start]):
                continue
            detail = verb.group(0).strip()
            return Field(name, text[start:end], value.isoformat(), clause.ordinal, detail=detail)
    return None


def _is_reference_date_label(text: str, label: re.Match[str]) -> bool:
    """Return whether a label such as "dated" qualifies another document named just before it."""
    before = text[max(0, label.start() - REFERENCE_WINDOW) : label.end()]
    if not _DOCUMENT_BEFORE_LABEL.search(before):
        return False
    # The noun phrase starts after the last sentence end, so "This" of an earlier sentence is not read.
    phrase = re.split(r"[.;。；\n]\s", before)[-1]
    # NOTE: "This Amendment to the Services Agreement, dated …" reads as a reference date because
    # "the" comes last, although the date may belong to the amendment.
    determiners = _DETERMINER.findall(phrase)
    return bool(determiners) and determiners[-1].lower() != "this"


def _names_other_document(after_verb: str) -> bool:
    """Return whether a verb's object names another document (签订了《设备采购合同》), not this one."""
    found = _VERB_OBJECT.match(after_verb)
    if found is None:
        return False
    target = found.group("object").strip()
    return not target.startswith(_THIS_DOCUMENT) and bool(_DOCUMENT_OBJECT.search(target))


def _signature_labelled_date(clauses: list[Clause]) -> Field | None:
    """Return the latest labelled date of the first signature block that has one.

    A contract is concluded when the last party signs, so of 甲方 and 乙方 dates the later wins.
    Later signature blocks belong to annexes or amendments bound into the same file.
    """
    for index, clause in enumerate(clauses):
        if clause.role != ROLE_SIGNATURE:
            continue
        block = [clause]
        previous = clauses[index - 1] if index > 0 else None
        if previous is not None and previous.role != ROLE_SIGNATURE and _SIGNATURE_MARK.search(previous.text):
            # "ACCEPTED AND AGREED … Date: … /s/" may be segmented as a clause before the "BY:" lines.
            block.insert(0, previous)
        labelled = [found for part in block for found in _labelled_signature_dates(part)]
        if labelled:
            # ISO dates sort in date order.
            return max(labelled, key=lambda found: found.normalized or "")
    return None


def _labelled_signature_dates(clause: Clause) -> list[Field]:
    """Return the first date after each signing-date label of one signature clause."""
    text = clause.text
    dates = find_dates(text)
    labelled: list[Field] = []
    for label in _SIGNATURE_DATE_LABEL.finditer(text):
        for (start, end), value in dates:
            if label.end() <= start <= label.end() + LABEL_DATE_WINDOW:
                labelled.append(
                    Field("signing_date", text[start:end], value.isoformat(), clause.ordinal,
                          detail=label.group(0))
                )
                break
    return labelled


def _signature_date(clauses: list[Clause]) -> Field | None:
    for clause in clauses:
        if clause.role != ROLE_SIGNATURE:
            continue
        dates = find_dates(clause.text)
        if dates:
            (start, end), value = dates[-1]
            return Field("signing_date", clause.text[start:end], value.isoformat(), clause.ordinal,
                         detail="signature block")
    return None


def _term_fields(clauses: list[Clause]) -> list[Field]:
    for clause in clauses:
        text = clause.text
        dates = find_dates(text)
        for label in _TERM_LABEL.finditer(text):
            window_end = label.end() + TERM_WINDOW
            inside = [(span, value) for span, value in dates if label.end() <= span[0] < window_end]
            if len(inside) >= 2:
                (first_span, first), (second_span, second) = inside[0], inside[1]
                if second > first:
                    written = text[label.start() : second_span[1]]
                    return [
                        Field("term", written, f"{first.isoformat()}/{second.isoformat()}", clause.ordinal),
                        Field("expiry_date", text[second_span[0] : second_span[1]], second.isoformat(),
                              clause.ordinal),
                    ]
        length = _TERM_LENGTH.search(text)
        if length:
            return [Field("term", length.group(0), None, clause.ordinal)]
    return []


# NOTE: the first labelled amount wins, so a contract that states a subtotal under 合同金额
# before its grand total reports the subtotal.
def _pick_total(clauses: list[Clause]) -> tuple[FoundAmount | None, FoundAmount | None, int | None]:
    """Return (figures, uppercase, clause ordinal) for the total amount, by label priority."""
    for label_pattern in _TOTAL_LABELS:
        for clause in clauses:
            for label in label_pattern.finditer(clause.text):
                amounts = find_amounts(clause.text)
                near = [
                    a for a in amounts
                    if label.end() <= a.start <= label.end() + TOTAL_AMOUNT_WINDOW
                    and not _SHARE_OF_TOTAL.search(clause.text[label.end() : a.start])
                ]
                figures = next((a for a in near if not a.uppercase), None)
                uppercase = next((a for a in near if a.uppercase), None)
                if figures or uppercase:
                    return figures, uppercase, clause.ordinal
            # An item table states its total as a bare number in the row of its label: 合计 | 3200.
            # Of several such rows, the last one is taken because subtotals come before the total.
            rows = find_table_row_amounts(clause.text, label_pattern)
            if rows:
                return rows[-1], None, clause.ordinal
    return None, None, None


def _amount_fields(clauses: list[Clause]) -> list[Field]:
    figures, uppercase, ordinal = _pick_total(clauses)
    fields: list[Field] = []
    if figures is not None:
        fields.append(Field("total_amount", figures.written, str(figures.value), ordinal))
    if uppercase is not None:
        fields.append(Field("total_amount_uppercase", uppercase.written, str(uppercase.value), ordinal))
    source = figures or uppercase
    if source is not None and source.currency:
        fields.append(Field("currency", source.written, source.currency, ordinal))
    return fields


def cross_check_amounts(clauses: list[Clause]) -> list[str]:
    """Warn where an uppercase amount and the figures next to it in one clause disagree."""
    warnings: list[str] = []
    for clause in clauses:
        amounts = find_amounts(clause.text)
        figures = [a for a in amounts if not a.uppercase and a.currency in (None, "CNY")]
        for upper in (a for a in amounts if a.uppercase):
            def distance(other: FoundAmount, upper: FoundAmount = upper) -> int:
                return min(abs(other.start - upper.end), abs(upper.start - other.end))

            near = [a for a in figures if distance(a) <= CROSS_CHECK_WINDOW]
            if not near:
                continue
            closest = min(near, key=distance)
            if closest.value != upper.value:
                warnings.append(
                    notices.AMOUNTS_DISAGREE.format(
                        figures=closest.written,
                        figures_value=closest.value,
                        uppercase=upper.written,
                        uppercase_value=upper.value,
                        clause=clause.number or clause.role,
                    )
                )
    return warnings


def _front_parties(clauses: list[Clause]) -> list[Field]:
    """Find the parties, trying each preamble before the first clause in turn.

    A cover page and a table of contents may stand before the preamble that names the parties.
    """
    parties = find_parties(clauses)
    first_clause = next((c.ordinal for c in clauses if c.role == ROLE_CLAUSE), None)
    front = [
        c for c in clauses
        if c.role == ROLE_PREAMBLE and (first_clause is None or c.ordinal < first_clause)
    ]
    for preamble in front[1:]:
        if parties:
            return parties
        later = [c for c in clauses if c.role != ROLE_PREAMBLE or c.ordinal >= preamble.ordinal]
        parties = find_parties(later)
    return parties


def extract_fields(doc: ParsedDocument, clauses: list[Clause]) -> tuple[list[Field], list[str]]:
    """Extract the contract's fields, each with its clause, and warnings about inconsistent values."""
    # A table of contents repeats headings and labels without their values.
    clauses = [c for c in clauses if c.role != ROLE_TOC]
    fields: list[Field] = []
    title = find_title(clauses, doc)
    if title:
        fields.append(Field("title", title, None, clauses[0].ordinal if clauses else None))

    number = _contract_number(clauses)
    if number:
        fields.append(number)
    fields.extend(_front_parties(clauses))

    # A date labelled in the signature block is the day this document was signed. A date in the
    # body may be the signing date of an earlier contract that this one amends.
    front = [c for c in clauses if c.role == ROLE_PREAMBLE] + [c for c in clauses if c.role != ROLE_PREAMBLE]
    signing = (
        _signature_labelled_date(clauses)
        or _labelled_date(front, _SIGNING_LABEL, "signing_date", _SIGNED_AFTER)
        or _signature_date(clauses)
    )
    if signing:
        fields.append(signing)
    effective = _labelled_date(front, _EFFECTIVE_LABEL, "effective_date", _EFFECTIVE_AFTER)
    if effective:
        fields.append(effective)
    term = _term_fields(clauses)
    fields.extend(term)
    if not any(f.name == "expiry_date" for f in term):
        expiry = _labelled_date(front, _EXPIRY_LABEL, "expiry_date", _EXPIRY_AFTER)
        if expiry:
            fields.append(expiry)
    acceptance = find_acceptance_date(clauses)
    if acceptance:
        fields.append(acceptance)
    fields.extend(_amount_fields(clauses))
    return fields, cross_check_amounts(clauses)
