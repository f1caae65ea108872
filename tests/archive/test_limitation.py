"""The limitation period of an unpaid obligation: start, restart by demand, rolling past holidays."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from archive.performance.facts import ObligationFacts, RecordFacts
from archive.performance.limitation import LimitationPeriod, latest_demand_after, limitation_period

D = dt.date
TODAY = D(2025, 6, 1)


def payment(due_date: dt.date | None, *, contract_id: int = 1) -> ObligationFacts:
    return ObligationFacts(
        id=10, contract_id=contract_id, kind="payment", debtor="customer", amount=Decimal("1000.00"), due_date=due_date
    )


def demand(record_id: int, day: dt.date, *, contract_id: int = 1, is_demand: bool = True) -> RecordFacts:
    return RecordFacts(id=record_id, contract_id=contract_id, kind="communication", occurred_on=day, demand=is_demand)


def test_period_ends_on_corresponding_day() -> None:
    # 2025-03-03 is a Monday and a working day, so nothing rolls.
    period = limitation_period(payment(D(2022, 3, 3)), [], today=TODAY)

    assert period == LimitationPeriod(
        ends_on=D(2025, 3, 3), counted_from=D(2022, 3, 4), nominal_end=D(2025, 3, 3), restarted_by=None
    )


def test_period_end_on_weekend_rolls_to_monday() -> None:
    period = limitation_period(payment(D(2022, 3, 1)), [], today=TODAY)

    assert period is not None
    assert period.nominal_end == D(2025, 3, 1)  # a Saturday
    assert period.ends_on == D(2025, 3, 3)


def test_period_end_in_national_day_holiday_rolls_to_october_9() -> None:
    # 2025-10-01 to 2025-10-08 is the National Day and Mid-Autumn holiday.
    period = limitation_period(payment(D(2022, 10, 3)), [], today=TODAY)

    assert period is not None
    assert period.counted_from == D(2022, 10, 4)
    assert period.nominal_end == D(2025, 10, 3)
    assert period.ends_on == D(2025, 10, 9)


def test_period_end_on_working_saturday_stays() -> None:
    # Saturday 2025-10-11 is a working day that makes up for the holiday.
    period = limitation_period(payment(D(2022, 10, 11)), [], today=TODAY)

    assert period is not None
    assert period.ends_on == D(2025, 10, 11)


def test_period_from_february_29_ends_on_month_end() -> None:
    period = limitation_period(payment(D(2024, 2, 29)), [], today=TODAY)

    assert period is not None
    assert period.nominal_end == D(2027, 2, 28)  # a Sunday
    assert period.ends_on == D(2027, 3, 1)


def test_demand_after_due_date_restarts_period() -> None:
    records = [demand(7, D(2022, 10, 5))]

    period = limitation_period(payment(D(2021, 6, 30)), records, today=TODAY)

    assert period == LimitationPeriod(
        ends_on=D(2025, 10, 9), counted_from=D(2022, 10, 6), nominal_end=D(2025, 10, 5), restarted_by=7
    )


def test_latest_of_several_demands_counts() -> None:
    records = [demand(8, D(2023, 2, 1)), demand(7, D(2022, 10, 5)), demand(9, D(2022, 12, 1))]

    period = limitation_period(payment(D(2021, 6, 30)), records, today=TODAY)

    assert period is not None
    assert period.restarted_by == 8
    assert period.counted_from == D(2023, 2, 2)
    assert period.ends_on == D(2026, 2, 2)


def test_demand_before_due_date_does_not_restart() -> None:
    records = [demand(7, D(2022, 9, 20))]

    period = limitation_period(payment(D(2022, 10, 3)), records, today=TODAY)

    assert period is not None
    assert period.restarted_by is None
    assert period.counted_from == D(2022, 10, 4)
    assert period.ends_on == D(2025, 10, 9)


def test_demand_on_due_date_does_not_restart() -> None:
    period = limitation_period(payment(D(2022, 10, 3)), [demand(7, D(2022, 10, 3))], today=TODAY)

    assert period is not None
    assert period.restarted_by is None


def test_demand_after_today_is_ignored() -> None:
    period = limitation_period(payment(D(2022, 10, 3)), [demand(7, D(2025, 6, 2))], today=TODAY)

    assert period is not None
    assert period.restarted_by is None


def test_demand_on_today_restarts() -> None:
    period = limitation_period(payment(D(2022, 10, 3)), [demand(7, TODAY)], today=TODAY)

    assert period is not None
    assert period.restarted_by == 7
    assert period.counted_from == D(2025, 6, 2)


def test_demand_on_other_contract_is_ignored() -> None:
    period = limitation_period(payment(D(2022, 10, 3)), [demand(7, D(2023, 1, 5), contract_id=2)], today=TODAY)

    assert period is not None
    assert period.restarted_by is None


def test_record_not_marked_demand_is_ignored() -> None:
    period = limitation_period(payment(D(2022, 10, 3)), [demand(7, D(2023, 1, 5), is_demand=False)], today=TODAY)

    assert period is not None
    assert period.restarted_by is None


def test_period_not_started_before_due_date_passes() -> None:
    assert limitation_period(payment(TODAY), [], today=TODAY) is None
    assert limitation_period(payment(None), [], today=TODAY) is None


def test_due_yesterday_starts_period_today() -> None:
    period = limitation_period(payment(D(2025, 5, 31)), [], today=TODAY)

    assert period is not None
    assert period.counted_from == TODAY


def test_other_length_in_years() -> None:
    period = limitation_period(payment(D(2022, 3, 3)), [], today=TODAY, years=2)

    assert period is not None
    assert period.nominal_end == D(2024, 3, 3)  # a Sunday
    assert period.ends_on == D(2024, 3, 4)


def test_same_day_demands_pick_higher_id() -> None:
    records = [demand(12, D(2023, 1, 5)), demand(11, D(2023, 1, 5))]

    latest = latest_demand_after(1, D(2022, 10, 3), records, today=TODAY)

    assert latest is not None
    assert latest.id == 12
