"""Contract parties with their roles: 甲方/乙方, 出租方/承租方, Party A, "between X and Y"."""

from __future__ import annotations

import re

from ingest.structure import ROLE_PREAMBLE, ROLE_SIGNATURE, Clause, Field

CHINESE_ROLES = (
    "甲方", "乙方", "丙方", "丁方", "买方", "卖方", "买受人", "出卖人", "发包人", "承包人",
    "出租方", "出租人", "承租方", "承租人", "委托方", "委托人", "受托方", "受托人",
    "供方", "需方", "供货方", "采购方", "需求方", "服务方", "许可方", "被许可方",
    "转让方", "受让方", "借款人", "贷款人", "验收方",
)
ENGLISH_ROLES = (
    "Party A", "Party B", "Party C", "Buyer", "Seller", "Purchaser", "Vendor", "Lessor", "Lessee",
    "Landlord", "Tenant", "Licensor", "Licensee", "Customer", "Supplier", "Client", "Contractor",
)
# Longer roles first, so 被许可方 is not read as 许可方.
_ROLE_ALTERNATION = "|".join(
    re.escape(role) for role in sorted(CHINESE_ROLES + ENGLISH_ROLES, key=len, reverse=True)
)
_ROLE_LINE = re.compile(
    rf"^\s*(?P<role>{_ROLE_ALTERNATION})\s*(?:[(（](?P<alias>[^)）]{{1,16}})[)）])?\s*[:：]\s*(?P<rest>.*)$"
)
# The name ends where a seal note, a second role on the same line or a wide gap begins.
_NAME_END = re.compile(
    rf"\s{{2,}}|[(（]\s*(?:盖章|签章|签字|公章|签名|以下简称|以下称|下称)"
    rf"|\s*(?:{_ROLE_ALTERNATION})\s*[(（:：]"
)
_SEAL_WORDS = re.compile(r"盖章|签章|签字|公章|签名")
_STARTS_WITH_ROLE = re.compile(rf"^(?:{_ROLE_ALTERNATION})\s*[(（:：]")
_BLANK = re.compile(r"^[\s_＿\-—.…·□☐]*$")
# Template fields: ${name}, {{ name }} and the prompt text Word shows in empty content controls.
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}|\{\{[^}]*\}\}|(?:请在此处|单击或点击此处|单击此处|点击此处)输入\S*")
# A run of underscores is a field left to fill in: "[Company, Inc.] at ______".
_FILL_IN_BLANK = re.compile(r"[_＿]{3,}")
_BRACKETED = re.compile(r"\[[^\]]*\]|【[^】]*】|［[^］]*］")
# Spaces and punctuation around a name that belong to the label or end the sentence; a full
# stop stays because it ends "Inc." and "Ltd.".
_NAME_TRIM = " \t\u3000:：,，;；。、"
MIN_NAME_CHARS = 2
# The readers join the cells of a table row with this separator.
_TABLE_CELL_SEPARATOR = " | "
# Party blocks sit in the first lines of a contract; later role lines are clause text.
MAX_PARTY_LINES = 40

_BETWEEN = re.compile(r"\bbetween\b", re.IGNORECASE)
_DEFINED_TERM = re.compile(r"[(（]\s*(?:the\s+|hereinafter\s+(?:referred\s+to\s+as\s+)?)?[“\"']([^”\"']{1,40})[”\"']\s*[)）]")
_DESCRIPTOR = re.compile(r",\s+(?:a|an)\s+\S.*$", re.IGNORECASE)
# A relation written before the name: "and its Distributor, Acme, Inc.".
_LEADING_DESCRIPTOR = re.compile(r"^(?:its|his|her|their|our)\s+[^,]{1,40},\s*", re.IGNORECASE)
_AND_SPLIT = re.compile(r"(?:,\s*|\s+)and\s+")
_LEADING_ARTICLE = re.compile(r"^the\s+")
# Words that introduce the person signing for a party.
_SIGNATORY = re.compile(r"\b(?:by|through)\s+(?:its|his|her|their)\b|\bacting\s+by\b", re.IGNORECASE)
# Defined terms in a preamble that name the document or a date, not a party.
_NOT_A_PARTY_TERM = re.compile(r"Agreement|Amendment|Date|Contract", re.IGNORECASE)
# A Korean preamble defines a party's term after its name: 가나상사주식회사(이하 "회사"라 한다).
# NOTE: the name is the run of characters without spaces before the bracket, so a name written
# with a space (주식회사 가나상사) keeps only its last word.
_KOREAN_DEFINED_TERM = re.compile(
    r"(?P<name>[^\s(（\[\]]{2,60})\s*[(（]\s*이하\s*[“”\"'‘’「]?\s*(?P<role>[^“”\"'‘’」)）]{1,12}?)\s*"
    r"[“”\"'‘’」]?\s*(?:이?라고?|로)\s*(?:한다|함|칭한다|칭함)?\s*[)）]"
)
# Defined terms of a Korean preamble that name a contract (계약, 계약서, 약정서) rather than a party.
_KOREAN_DOCUMENT_TERM = re.compile(r"계약|약정")
# Characters of a preamble searched for "between X and Y".
BETWEEN_WINDOW = 1200
MAX_NAME_CHARS = 120


def _clean_name(rest: str) -> str | None:
    rest = _PLACEHOLDER.sub("", rest).strip()
    if _STARTS_WITH_ROLE.match(rest):
        # "甲方（盖章）： 乙方（签字）：" names no party.
        return None
    end = _NAME_END.search(rest)
    name = (rest[: end.start()] if end else rest).strip(_NAME_TRIM)
    if len(name) > MAX_NAME_CHARS or not is_party_name(name):
        return None
    return name


def is_party_name(name: str) -> bool:
    """Return whether `name` can name a party, rather than a blank or a template placeholder."""
    if _BLANK.match(name) or _FILL_IN_BLANK.search(name) or len(name) < MIN_NAME_CHARS:
        return False
    # [NAME OF CONTRACTOR] or 【  】: only a bracketed prompt.
    unbracketed = _BRACKETED.sub("", name)
    return any(ch.isalpha() for ch in unbracketed)


def find_role_parties(clauses: list[Clause]) -> list[Field]:
    """Find parties on "甲方：name" / "Buyer: name" lines of the preamble, then the signature."""
    fields: list[Field] = []
    seen: set[tuple[str, str]] = set()
    for clause in clauses:
        if clause.role not in (ROLE_PREAMBLE, ROLE_SIGNATURE):
            continue
        for line in clause.text.splitlines()[:MAX_PARTY_LINES]:
            # A table row puts each party in its own cell: "需方（甲方）：X | 供方（乙方）：Y".
            for cell in line.split(_TABLE_CELL_SEPARATOR):
                match = _ROLE_LINE.match(cell)
                if not match:
                    continue
                if match["alias"] and _SEAL_WORDS.search(match["alias"]):
                    continue
                name = _clean_name(match["rest"])
                if name is None or (match["role"], name) in seen:
                    continue
                seen.add((match["role"], name))
                fields.append(
                    Field("party", name, None, clause.ordinal, role=match["role"], detail=match["alias"])
                )
        if fields and clause.role == ROLE_PREAMBLE:
            # The preamble named the parties; signature lines would only repeat them.
            break
    return fields


def _parties_after_between(window: str, clause_ordinal: int) -> list[Field]:
    """Return up to two parties defined after "between": the first right there, a later one after "and".

    A defined term that names no party (a signatory's "CEO", a template's [NAME OF CONTRACTOR]) is
    passed over, unless it is the first one, which must follow "between" directly.
    """
    fields: list[Field] = []
    boundary = 0
    after_signatory = False
    for term in _DEFINED_TERM.finditer(window):
        if _NOT_A_PARTY_TERM.search(term.group(1)):
            continue
        segment = window[boundary : term.start()]
        # "by its Chief Executive Officer (“CEO”) and Head of … (“HOPA”)" defines who signs, not a party.
        joined_to_signatory = after_signatory and "," not in segment.strip(" )）")
        after_signatory = bool(fields) and (_SIGNATORY.search(segment) is not None or joined_to_signatory)
        if after_signatory:
            boundary = term.end()
            continue
        name = segment if not fields else _AND_SPLIT.split(segment)[-1]
        name = _DESCRIPTOR.sub("", name).strip(" ,;")
        name = _LEADING_DESCRIPTOR.sub("", name)
        # "between the Office of …": a lower-case article is not part of the name, "The Coca-Cola Company" is.
        name = _LEADING_ARTICLE.sub("", name)
        boundary = term.end()
        if len(name) > MAX_NAME_CHARS or not is_party_name(name):
            if not fields:
                return []
            continue
        fields.append(Field("party", name, None, clause_ordinal, role=term.group(1)))
        if len(fields) == 2:
            break
    return fields


def find_between_parties(clauses: list[Clause]) -> list[Field]:
    """Find the parties of an English "by and between X (“A”) and Y (“B”)" preamble."""
    preamble = next((c for c in clauses if c.role == ROLE_PREAMBLE), None)
    if preamble is None:
        return []
    text = " ".join(preamble.text.split())
    # A cover page may print "between X and Y" without defined terms, so try each "between".
    # One that names a single party counts only when no later one names two.
    single: list[Field] = []
    for found in _BETWEEN.finditer(text):
        window = text[found.end() : found.end() + BETWEEN_WINDOW]
        fields = _parties_after_between(window, preamble.ordinal)
        if len(fields) == 2:
            return fields
        single = single or fields
    return single


def find_korean_defined_parties(clauses: list[Clause]) -> list[Field]:
    """Find the parties of a Korean preamble that defines each one: 회사명(이하 "회사"라 한다)."""
    preamble = next((c for c in clauses if c.role == ROLE_PREAMBLE), None)
    if preamble is None:
        return []
    fields: list[Field] = []
    for match in _KOREAN_DEFINED_TERM.finditer(preamble.text):
        name, role = match["name"], match["role"].strip()
        if _KOREAN_DOCUMENT_TERM.search(name) or _KOREAN_DOCUMENT_TERM.search(role):
            continue
        if not is_party_name(name) or any(found.role == role for found in fields):
            continue
        fields.append(Field("party", name, None, preamble.ordinal, role=role))
    return fields


def find_parties(clauses: list[Clause]) -> list[Field]:
    """Find the parties of a document with their roles as written."""
    return find_role_parties(clauses) or find_between_parties(clauses) or find_korean_defined_parties(clauses)
