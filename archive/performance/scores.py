"""Performance scores (绩效考核) of a contract or a counterparty, each 0-100 with its inputs.

docs/scores.md states the formulas for staff. Every score is None while nothing counts
towards it yet, and lists the ids of the obligations or records behind it, so the UI can
show how it was reached.

    progress = 100 * non-payment obligations met on time / non-payment obligations due
    quality  = 100 * passed inspections / (passed + failed inspections)
    payment  = 100 * amount paid on time / amount of customer payments due

An obligation is due when its due date is before today and it is not waived. Only
obligations whose debtor is the customer or us count. Records dated after today do not
count.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from archive.performance.facts import ContractFacts, ObligationFacts, RecordFacts

KNOWN_DEBTORS = ("customer", "us")


@dataclass(frozen=True)
class ProgressScore:
    """Share of due non-payment obligations that were met on or before their due date."""

    value: float | None
    on_time: tuple[int, ...]  # obligation ids met on or before the due date
    late: tuple[int, ...]  # obligation ids met after the due date
    unmet: tuple[int, ...]  # obligation ids not met yet

    @property
    def counted(self) -> int:
        return len(self.on_time) + len(self.late) + len(self.unmet)


@dataclass(frozen=True)
class QualityScore:
    """Share of quality inspections that passed, among those that passed or failed."""

    value: float | None
    passed: tuple[int, ...]  # record ids
    failed: tuple[int, ...]  # record ids


@dataclass(frozen=True)
class PaymentScore:
    """Amount-weighted share of the customer's due payments that were paid on time, and what is overdue."""

    value: float | None
    # Sum of the amounts of the due payment obligations that have an amount.
    amount_due: Decimal
    # Sum of the amounts of those obligations that were paid in full on or before their due date.
    amount_on_time: Decimal
    # Sum over unpaid due obligations of (today - due date), in calendar days.
    days_overdue: int
    # Sum over unpaid due obligations of (amount - paid amount).
    amount_overdue: Decimal
    counted: tuple[int, ...]  # ids of the due obligations whose amounts are weighed
    unpaid: tuple[int, ...]  # ids of the due obligations not paid in full, with or without an amount
    without_amount: tuple[int, ...]  # ids of due obligations left out of the share for lack of an amount
    # Currencies of the counted obligations. With more than one, the sums mix currencies.
    currencies: tuple[str, ...]


@dataclass(frozen=True)
class Scores:
    """The three scores of one contract, or of all contracts with one counterparty."""

    contract_ids: tuple[int, ...]
    progress: ProgressScore
    quality: QualityScore
    payment: PaymentScore


def contract_scores(
    contract: ContractFacts,
    obligations: Iterable[ObligationFacts],
    records: Iterable[RecordFacts],
    *,
    today: dt.date,
) -> Scores:
    """Score one contract. Obligations and records of other contracts are ignored."""
    own_obligations = [obligation for obligation in obligations if obligation.contract_id == contract.id]
    own_records = [record for record in records if record.contract_id == contract.id]
    return _score(
        (contract.id,), own_obligations, own_records, {contract.id: contract.currency}, today=today
    )


def counterparty_scores(
    contracts: Iterable[ContractFacts],
    obligations: Iterable[ObligationFacts],
    records: Iterable[RecordFacts],
    *,
    today: dt.date,
) -> dict[str, Scores]:
    """Score each counterparty over all its contracts, terminated ones included.

    The obligations and records of a counterparty's contracts are pooled before dividing,
    so a contract with many obligations weighs more than one with few. Contracts without
    a counterparty are left out.
    """
    contract_ids_by_party: dict[str, list[int]] = defaultdict(list)
    currencies: dict[int, str | None] = {}
    for contract in contracts:
        if contract.counterparty is None:
            continue
        contract_ids_by_party[contract.counterparty].append(contract.id)
        currencies[contract.id] = contract.currency

    obligations_by_contract: dict[int, list[ObligationFacts]] = defaultdict(list)
    for obligation in obligations:
        obligations_by_contract[obligation.contract_id].append(obligation)
    records_by_contract: dict[int, list[RecordFacts]] = defaultdict(list)
    for record in records:
        records_by_contract[record.contract_id].append(record)

    scores: dict[str, Scores] = {}
    for party, contract_ids in contract_ids_by_party.items():
        party_obligations = [o for cid in contract_ids for o in obligations_by_contract.get(cid, [])]
        party_records = [r for cid in contract_ids for r in records_by_contract.get(cid, [])]
        scores[party] = _score(tuple(sorted(contract_ids)), party_obligations, party_records, currencies, today=today)
    return scores


def _score(
    contract_ids: tuple[int, ...],
    obligations: list[ObligationFacts],
    records: list[RecordFacts],
    currencies: dict[int, str | None],
    *,
    today: dt.date,
) -> Scores:
    due = [
        obligation
        for obligation in obligations
        if obligation.due_date is not None
        and obligation.due_date < today
        and not obligation.waived
        and obligation.debtor in KNOWN_DEBTORS
    ]
    due.sort(key=lambda obligation: obligation.id)
    past_records = sorted((record for record in records if record.occurred_on <= today), key=lambda r: r.id)
    return Scores(
        contract_ids=contract_ids,
        # A warranty period's end is no duty met on time or late, so it does not count.
        progress=_progress_score([o for o in due if o.kind not in ("payment", "warranty")]),
        quality=_quality_score(past_records),
        payment=_payment_score(
            [o for o in due if o.kind == "payment" and o.debtor == "customer"], currencies, today=today
        ),
    )


def _progress_score(due_obligations: list[ObligationFacts]) -> ProgressScore:
    """Score obligations already selected as due. Met on time means fulfilled_on <= due_date."""
    on_time, late, unmet = [], [], []
    for obligation in due_obligations:
        if obligation.fulfilled_on is None:
            unmet.append(obligation.id)
        elif obligation.due_date is not None and obligation.fulfilled_on <= obligation.due_date:
            on_time.append(obligation.id)
        else:
            late.append(obligation.id)
    counted = len(on_time) + len(late) + len(unmet)
    value = 100 * len(on_time) / counted if counted else None
    return ProgressScore(value, tuple(on_time), tuple(late), tuple(unmet))


def _quality_score(records: list[RecordFacts]) -> QualityScore:
    """Score quality inspections. Inspections with another status (planned, none) do not count."""
    passed = [r.id for r in records if r.kind == "quality_inspection" and r.status == "passed"]
    failed = [r.id for r in records if r.kind == "quality_inspection" and r.status == "failed"]
    counted = len(passed) + len(failed)
    value = 100 * len(passed) / counted if counted else None
    return QualityScore(value, tuple(passed), tuple(failed))


def _payment_score(
    due_payments: list[ObligationFacts], contract_currencies: dict[int, str | None], *, today: dt.date
) -> PaymentScore:
    """Score customer payment obligations already selected as due.

    An obligation paid in full on or before its due date counts its whole amount as on
    time. Otherwise the part paid by the due date (paid_by_due) counts, when the facts carry it.
    """
    amount_due = Decimal(0)
    amount_on_time = Decimal(0)
    amount_overdue = Decimal(0)
    days_overdue = 0
    counted, unpaid, without_amount = [], [], []
    currencies: set[str] = set()

    for obligation in due_payments:
        due_date = obligation.due_date or today
        fulfilled_on = obligation.fulfilled_on
        if fulfilled_on is None:
            unpaid.append(obligation.id)
            days_overdue += (today - due_date).days

        if obligation.amount is None:
            without_amount.append(obligation.id)
            continue
        counted.append(obligation.id)
        currency = obligation.currency or contract_currencies.get(obligation.contract_id)
        if currency:
            currencies.add(currency)
        amount_due += obligation.amount
        if fulfilled_on is not None and fulfilled_on <= due_date:
            amount_on_time += obligation.amount
        elif obligation.paid_by_due is not None:
            amount_on_time += min(obligation.paid_by_due, obligation.amount)
        if fulfilled_on is None:
            amount_overdue += max(obligation.amount - obligation.paid_amount, Decimal(0))

    value = float(100 * amount_on_time / amount_due) if amount_due > 0 else None
    return PaymentScore(
        value=value,
        amount_due=amount_due,
        amount_on_time=amount_on_time,
        days_overdue=days_overdue,
        amount_overdue=amount_overdue,
        counted=tuple(counted),
        unpaid=tuple(unpaid),
        without_amount=tuple(without_amount),
        currencies=tuple(sorted(currencies)),
    )
