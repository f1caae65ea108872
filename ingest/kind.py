"""Document kind detection from the title and the wording at the top of a document."""

from __future__ import annotations

import re

from ingest.fields.extract import find_title
from ingest.parsed import ParsedDocument
from ingest.structure import Clause

KIND_CONTRACT = "contract"
KIND_AMENDMENT = "amendment"
KIND_ACCEPTANCE_REPORT = "acceptance_report"
KIND_PAYMENT_PROOF = "payment_proof"
KIND_INVOICE = "invoice"
KIND_CORRESPONDENCE = "correspondence"
KIND_MEETING_MINUTES = "meeting_minutes"
KIND_OTHER = "other"

# Checked in this order, so 补充协议 is an amendment before 协议 makes it a contract and
# 付款通知单 is a payment proof before 通知 makes it correspondence.
KIND_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (KIND_AMENDMENT, re.compile(
        r"补充协议|补充合同|变更协议|修改协议|修订协议|补充条款|\bAMENDMENT\b|\bAmendment\b|"
        r"\bADDENDUM\b|\bAddendum\b|\bSUPPLEMENT(?:AL)?\s+AGREEMENT\b|\bSupplement(?:al)?\s+Agreement\b"
    )),
    (KIND_ACCEPTANCE_REPORT, re.compile(
        r"验收报告|验收单|验收证书|验收确认|验收意见|验收记录|ACCEPTANCE\s+(?:CERTIFICATE|REPORT)|"
        r"Acceptance\s+(?:Certificate|Report)"
    )),
    (KIND_PAYMENT_PROOF, re.compile(
        r"付款通知|付款凭证|付款单|缴费通知|回单|收款收据|收据|PAYMENT\s+(?:NOTICE|RECEIPT)|"
        r"Payment\s+(?:Notice|Receipt)|Remittance"
    )),
    (KIND_INVOICE, re.compile(r"发票|\bINVOICE\b|\bInvoice\b")),
    (KIND_MEETING_MINUTES, re.compile(r"会议纪要|会议记录|MINUTES|Minutes\s+of")),
    (KIND_CORRESPONDENCE, re.compile(
        r"催款|律师函|通知书|告知书|函$|函件|DEMAND\s+LETTER|Demand\s+Letter|\bNOTICE\b|\bNotice\s+of\b"
    )),
    (KIND_CONTRACT, re.compile(
        r"合同|协议|协议书|契约|订单|계약서|AGREEMENT|Agreement|CONTRACT|Contract|\bLEASE\b|\bLease\b|"
        r"ORDER\s+FORM|Order\s+Form"
    )),
)
_QUOTED_TITLE = re.compile(r"《[^》]*》|“[^”]*”|\"[^\"]*\"")
# Lines at the top of a document read when its title names no kind.
HEAD_LINES = 6


def kind_of_text(text: str) -> str | None:
    """Return the kind a title or heading names, ignoring quoted titles of other documents."""
    own_words = _QUOTED_TITLE.sub("", text)
    for kind, pattern in KIND_PATTERNS:
        if pattern.search(own_words):
            return kind
    return None


def detect_kind(doc: ParsedDocument, clauses: list[Clause]) -> str:
    """Return the document kind: contract, amendment, acceptance_report, payment_proof, …, other."""
    title = find_title(clauses, doc)
    if title:
        kind = kind_of_text(title)
        if kind:
            return kind

    head: list[str] = []
    for block in doc.blocks:
        if block.text.strip():
            head.append(block.text.strip())
        if len(head) >= HEAD_LINES:
            break
    for line in head:
        kind = kind_of_text(line)
        if kind and kind != KIND_CONTRACT:
            return kind
    if any(kind_of_text(line) == KIND_CONTRACT for line in head):
        return KIND_CONTRACT
    return KIND_OTHER
