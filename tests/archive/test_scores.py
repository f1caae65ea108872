"""Progress, quality and payment scores of a contract and of a counterparty, with the ids behind them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from archive.performance.facts import ContractFacts, ObligationFacts, RecordFacts
from archive.performance.scores import PaymentScore, ProgressScore, QualityScore, contract_scores, counterparty_scores

D = dt.date
TODAY = D(2025, 6, 11)


def days(count: int) -> dt.date:
    return TODAY + dt.timedelta(days=count)


def contract(contract_id: int = 1, **fields: object) -> ContractFacts:
    return ContractFacts(id=contract_id, **fields)  # type: ignore[arg-type]


def obligation(obligation_id: int, kind: str, debtor: str | None, due_date: dt.date | None, **fields: object) -> ObligationFacts:
    values: dict[str, object] = {"contract_id": 1}
    values.update(fields)
    return ObligationFacts(id=obligation_id, kind=kind, debtor=debtor, due_date=due_date, **values)  # type: ignore[arg-type]


def inspection(record_id: int, status: str | None, occurred_on: dt.date = days(-5), contract_id: int = 1) -> RecordFacts:
    return RecordFacts(id=record_id, contract_id=contract_id, kind="quality_inspection", occurred_on=occurred_on, status=status)


# progress


def test_progress_counts_due_non_payments() -> None:
    obligations = [
        obligation(1, "delivery", "us", days(-10), fulfilled_on=days(-10)),  # on time, on the due date
        obligation(2, "acceptance", "customer", days(-10), fulfilled_on=days(-12)),  # early
        obligation(3, "delivery", "us", days(-10), fulfilled_on=days(-2)),  # late
        obligation(4, "reporting", "customer", days(-1)),  # not met
        obligation(5, "delivery", "us", TODAY),  # due today: not counted yet
        obligation(6, "delivery", "us", days(-3), waived=True),
        obligation(7, "payment", "customer", days(-3)),  # payments count in the payment score
        obligation(8, "delivery", None, days(-3)),  # debtor unknown
        obligation(9, "delivery", "us", None, waiting_for="acceptance"),
    ]

    scores = contract_scores(contract(), obligations, [], today=TODAY)

    assert scores.progress == ProgressScore(value=50.0, on_time=(1, 2), late=(3,), unmet=(4,))
    assert scores.progress.counted == 4


def test_progress_none_when_nothing_due() -> None:
    obligations = [obligation(1, "delivery", "us", days(5))]

    scores = contract_scores(contract(), obligations, [], today=TODAY)

    assert scores.progress == ProgressScore(value=None, on_time=(), late=(), unmet=())


# quality


def test_quality_passed_over_passed_and_failed() -> None:
    records = [
        inspection(1, "passed"),
        inspection(2, "failed"),
        inspection(3, "passed"),
        inspection(4, "passed"),
        inspection(5, "planned"),  # neither passed nor failed
        inspection(6, "failed", occurred_on=days(3)),  # dated after today
        RecordFacts(id=7, contract_id=1, kind="acceptance", occurred_on=days(-1), status="failed"),
    ]

    scores = contract_scores(contract(), [], records, today=TODAY)

    assert scores.quality == QualityScore(value=75.0, passed=(1, 3, 4), failed=(2,))


def test_quality_none_without_inspections() -> None:
    scores = contract_scores(contract(), [], [inspection(1, None)], today=TODAY)

    assert scores.quality == QualityScore(value=None, passed=(), failed=())


# payment


def test_payment_amount_weighted_on_time_share() -> None:
    obligations = [
        # 3000 paid in full on its due date: on time.
        obligation(1, "payment", "customer", days(-30), amount=Decimal("3000.00"), paid_amount=Decimal("3000.00"), fulfilled_on=days(-30)),
        # 1000 paid in full 5 days late.
        obligation(2, "payment", "customer", days(-20), amount=Decimal("1000.00"), paid_amount=Decimal("1000.00"), fulfilled_on=days(-15)),
        # 4000, 1500 paid, due 10 days ago: 2500 and 10 days overdue.
        obligation(3, "payment", "customer", days(-10), amount=Decimal("4000.00"), paid_amount=Decimal("1500.00")),
        # No amount, due 4 days ago: counts for days overdue only.
        obligation(4, "payment", "customer", days(-4)),
        # Not counted: not yet due, waived, owed by us.
        obligation(5, "payment", "customer", TODAY, amount=Decimal("999")),
        obligation(6, "payment", "customer", days(-4), amount=Decimal("999"), waived=True),
        obligation(7, "payment", "us", days(-4), amount=Decimal("999")),
    ]

    scores = contract_scores(contract(currency="CNY"), obligations, [], today=TODAY)

    assert scores.payment == PaymentScore(
        value=37.5,  # 3000 / 8000
        amount_due=Decimal("8000.00"),
        amount_on_time=Decimal("3000.00"),
        days_overdue=14,  # 10 + 4
        amount_overdue=Decimal("2500.00"),
        counted=(1, 2, 3),
        unpaid=(3, 4),
        without_amount=(4,),
        currencies=("CNY",),
    )


def test_payment_counts_the_part_paid_by_the_due_date() -> None:
    """The example in docs/scores.md: of 4000 due, 1500 paid, 500 of it before the due date."""
    obligations = [
        obligation(1, "payment", "customer", days(-30), amount=Decimal("3000.00"), paid_amount=Decimal("3000.00"), fulfilled_on=days(-30)),
        obligation(2, "payment", "customer", days(-20), amount=Decimal("1000.00"), paid_amount=Decimal("1000.00"), fulfilled_on=days(-15)),
        obligation(3, "payment", "customer", days(-10), amount=Decimal("4000.00"), paid_amount=Decimal("1500.00"),
                   paid_by_due=Decimal("500.00")),
    ]

    payment = contract_scores(contract(), obligations, [], today=TODAY).payment

    assert payment.amount_on_time == Decimal("3500.00")
    assert payment.value == 43.75


def test_payment_partial_without_dates_counts_as_late() -> None:
    """Facts built without paid_by_due count a part payment of an unpaid obligation as late."""
    obligations = [
        obligation(1, "payment", "customer", days(-10), amount=Decimal("100"), paid_amount=Decimal("60")),
        obligation(2, "payment", "customer", days(-10), amount=Decimal("100"), paid_amount=Decimal("100"), fulfilled_on=days(-11)),
    ]

    payment = contract_scores(contract(), obligations, [], today=TODAY).payment

    assert payment.value == 50.0
    assert payment.amount_overdue == Decimal("40")
    assert payment.unpaid == (1,)


def test_payment_none_without_amounts() -> None:
    obligations = [obligation(1, "payment", "customer", days(-3))]

    payment = contract_scores(contract(), obligations, [], today=TODAY).payment

    assert payment.value is None
    assert payment.days_overdue == 3
    assert payment.without_amount == (1,)
    assert payment.counted == ()


def test_payment_lists_mixed_currencies() -> None:
    obligations = [
        obligation(1, "payment", "customer", days(-3), amount=Decimal("10"), currency="USD"),
        obligation(2, "payment", "customer", days(-3), amount=Decimal("10")),
    ]

    payment = contract_scores(contract(currency="CNY"), obligations, [], today=TODAY).payment

    assert payment.currencies == ("CNY", "USD")
    assert payment.value == 0.0


def test_contract_scores_ignore_other_contracts() -> None:
    obligations = [obligation(1, "delivery", "us", days(-3), contract_id=2)]
    records = [inspection(1, "passed", contract_id=2)]

    scores = contract_scores(contract(), obligations, records, today=TODAY)

    assert scores.contract_ids == (1,)
    assert scores.progress.value is None
    assert scores.quality.value is None


# counterparty


def test_counterparty_pools_its_contracts() -> None:
    contracts = [
        contract(1, counterparty="华信科技有限公司"),
        contract(2, counterparty="华信科技有限公司", terminated=True),
        contract(3, counterparty="恒达贸易有限公司"),
        contract(4),  # no counterparty
    ]
    obligations = [
        obligation(1, "delivery", "us", days(-5), fulfilled_on=days(-6), contract_id=1),
        obligation(2, "delivery", "us", days(-5), contract_id=2),
        obligation(3, "acceptance", "customer", days(-5), contract_id=2, fulfilled_on=days(-5)),
        obligation(4, "payment", "customer", days(-5), amount=Decimal("200"), fulfilled_on=days(-5), paid_amount=Decimal("200"), contract_id=1),
        obligation(5, "payment", "customer", days(-2), amount=Decimal("600"), contract_id=2),
        obligation(6, "delivery", "us", days(-5), contract_id=3, fulfilled_on=days(-1)),
        obligation(7, "delivery", "us", days(-5), contract_id=4),
    ]
    records = [
        inspection(1, "passed", contract_id=1),
        inspection(2, "failed", contract_id=2),
        inspection(3, "failed", contract_id=3),
    ]

    scores = counterparty_scores(contracts, obligations, records, today=TODAY)

    assert set(scores) == {"华信科技有限公司", "恒达贸易有限公司"}
    huaxin = scores["华信科技有限公司"]
    assert huaxin.contract_ids == (1, 2)
    assert huaxin.progress.value == pytest.approx(200 / 3)
    assert (huaxin.progress.on_time, huaxin.progress.late, huaxin.progress.unmet) == ((1, 3), (), (2,))
    assert huaxin.quality == QualityScore(value=50.0, passed=(1,), failed=(2,))
    assert huaxin.payment.value == 25.0
    assert huaxin.payment.amount_due == Decimal("800")
    assert huaxin.payment.amount_overdue == Decimal("600")
    assert huaxin.payment.days_overdue == 2
    assert huaxin.payment.counted == (4, 5)

    hengda = scores["恒达贸易有限公司"]
    assert hengda.contract_ids == (3,)
    assert hengda.progress == ProgressScore(value=0.0, on_time=(), late=(6,), unmet=())
    assert hengda.quality == QualityScore(value=0.0, passed=(), failed=(3,))
    assert hengda.payment.value is None


def test_counterparty_matches_contract_scores_for_one_contract() -> None:
    contracts = [contract(1, counterparty="远景物流有限公司")]
    obligations = [
        obligation(1, "delivery", "us", days(-5), fulfilled_on=days(-6)),
        obligation(2, "payment", "customer", days(-5), amount=Decimal("50")),
    ]
    records = [inspection(1, "passed"), inspection(2, "failed")]

    by_party = counterparty_scores(contracts, obligations, records, today=TODAY)["远景物流有限公司"]
    single = contract_scores(contracts[0], obligations, records, today=TODAY)

    assert by_party == single
