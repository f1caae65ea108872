"""Suggest performance obligations from a contract's clauses, for staff to confirm."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from archive.performance.terms import DueRule, SuggestedObligation
from ingest.fields.amounts import CENT
from ingest.obligations.deadlines import find_due_rules
from ingest.obligations.duties import read_deadline, read_warranty
from ingest.obligations.parties import debtor_before
from ingest.obligations.payments import PAYMENT_VERB, PaymentTerm, parent_stage, read_payment
from ingest.obligations.sentences import CJK, split_sentences
from ingest.structure import ROLE_CLAUSE, ROLE_PREAMBLE, Clause

def _parent_payer(parent: Clause | None) -> str | None:
    """Return the payer a clause introducing a list of payments names (甲方按进度向乙方支付：)."""
    if parent is None:
        return None
    for sentence in split_sentences(parent.text):
        verb = PAYMENT_VERB.search(sentence)
        if verb:
            debtor = debtor_before(sentence, verb.start(), verb.end())
            if debtor is not None:
                return debtor
    return None


def _summary(term: PaymentTerm, sentence: str, amount: Decimal | None) -> str:
    chinese = bool(CJK.search(sentence))
    label = term.stage_written or ("付款" if chinese else "payment")
    if term.percent is not None:
        return f"{label} {term.percent.normalize():f}%"
    if amount is not None:
        return f"{label} {amount:,.2f}"
    return label


def _payment(
    clause: Clause,
    parent: Clause | None,
    sentence: str,
    total: Decimal | None,
    currency: str | None,
) -> SuggestedObligation | None:
    term = read_payment(sentence)
    if term is None:
        return None

    dues = [
        found.rule
        for found in find_due_rules(sentence)
        if not found.after_payment and found.rule.offset >= 0
    ]
    due = dues[0] if dues else DueRule()

    amount = term.amount
    if amount is None and term.percent is not None and total is not None:
        amount = (total * term.percent / 100).quantize(CENT)

    stage = term.stage
    if stage is None and amount is not None and total is not None and amount == total:
        stage = "full"
    if stage is None and parent is not None:
        stage = parent_stage(parent.text)

    debtor = debtor_before(sentence, term.verb_at, term.verb_end) or _parent_payer(parent)
    return SuggestedObligation(
        kind="payment",
        summary=_summary(term, sentence, amount),
        due=due,
        debtor_party=debtor,
        amount=amount,
        currency=(term.currency or currency) if amount is not None else None,
        percent=term.percent,
        stage=stage,
        clause_ordinal=clause.ordinal,
        source_text=sentence,
    )


def _duty(clause: Clause, sentence: str) -> SuggestedObligation | None:
    duty = read_warranty(sentence) or read_deadline(sentence)
    if duty is None:
        return None
    return SuggestedObligation(
        kind=duty.kind,
        summary=duty.summary,
        due=duty.due,
        debtor_party=duty.debtor_party,
        clause_ordinal=clause.ordinal,
        source_text=sentence,
    )


def _same_payment(first: SuggestedObligation, second: SuggestedObligation) -> bool:
    """Tell whether two payment suggestions from one clause state the same instalment."""
    if first.kind != "payment" or second.kind != "payment":
        return False
    if first.clause_ordinal != second.clause_ordinal:
        return False
    if first.stage is not None and second.stage is not None and first.stage != second.stage:
        return False
    if first.amount is not None and first.amount == second.amount:
        return True
    return first.percent is not None and first.percent == second.percent


def _same_terms(first: SuggestedObligation, second: SuggestedObligation) -> bool:
    """Tell whether two suggestions state the same terms.

    Payments are compared across the document and other duties within one clause.

    Two warranty periods of the same length are one warranty, wherever they are stated,
    because later clauses refer back to it (within the 24 month warranty period).
    """
    if first.kind == "warranty" and second.kind == "warranty":
        return (first.due.offset, first.due.unit) == (second.due.offset, second.due.unit)
    if first.kind != "payment" and first.clause_ordinal != second.clause_ordinal:
        return False
    keys = ("kind", "stage", "percent", "amount", "due")
    return all(getattr(first, key) == getattr(second, key) for key in keys)


def _deduplicate(suggestions: list[SuggestedObligation]) -> list[SuggestedObligation]:
    """Merge suggestions that repeat one obligation (a table row and its sentence, say).

    Of two repeats the one with a known due date is kept, then the one naming a debtor party.
    """
    unique: list[SuggestedObligation] = []
    for suggestion in suggestions:
        for index, earlier in enumerate(unique):
            if _same_payment(earlier, suggestion) or _same_terms(earlier, suggestion):
                unique[index] = _better(earlier, suggestion)
                break
        else:
            unique.append(suggestion)
    return unique


def _better(first: SuggestedObligation, second: SuggestedObligation) -> SuggestedObligation:
    def rank(suggestion: SuggestedObligation) -> tuple[bool, bool]:
        return suggestion.due.form != "unknown", suggestion.debtor_party is not None

    return second if rank(second) > rank(first) else first


def derive_obligations(
    clauses: Sequence[Clause], *, total: Decimal | None = None, currency: str | None = None
) -> list[SuggestedObligation]:
    """Suggest the obligations the clauses state: payments, deadlines, warranty and notice periods.

    `total` is the contract total, used to turn a percentage into an amount, and
    `currency` the currency of amounts derived from it. Each sentence yields at most one
    suggestion, and a payment takes precedence over other duties in the same sentence.
    `debtor` is left None for the caller to map `debtor_party` to the customer or us.
    """
    by_ordinal = {clause.ordinal: clause for clause in clauses}
    suggestions: list[SuggestedObligation] = []
    for clause in clauses:
        if clause.role not in (ROLE_CLAUSE, ROLE_PREAMBLE):
            continue
        parent = by_ordinal.get(clause.parent) if clause.parent is not None else None
        for sentence in split_sentences(clause.text, heading=clause.heading):
            suggestion = _payment(clause, parent, sentence, total, currency)
            if suggestion is None:
                suggestion = _duty(clause, sentence)
            if suggestion is not None:
                suggestions.append(suggestion)
    return _deduplicate(suggestions)
