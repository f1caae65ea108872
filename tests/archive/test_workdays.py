"""Working days on the China calendar, including a year the calendar package does not cover yet."""

from __future__ import annotations

import datetime as dt

from archive.performance.workdays import add_working_days, calendar_known, is_working_day, working_days_between

D = dt.date


def test_adjusted_weekends_are_working_days() -> None:
    assert is_working_day(D(2025, 1, 26))  # Sunday before the Spring Festival
    assert is_working_day(D(2025, 10, 11))  # Saturday after National Day
    assert not is_working_day(D(2025, 1, 29))
    assert not is_working_day(D(2025, 10, 8))


def test_period_across_the_spring_festival() -> None:
    assert add_working_days(D(2025, 1, 20), 15) == D(2025, 2, 14)
    assert working_days_between(D(2025, 1, 20), D(2025, 2, 14)) == 15


def test_unknown_year_keeps_fixed_holidays() -> None:
    assert not calendar_known(2030)
    assert not is_working_day(D(2030, 1, 1))  # a Tuesday, but New Year's Day
    assert not is_working_day(D(2030, 10, 2))  # a Wednesday in the National Day holiday
    assert is_working_day(D(2030, 1, 2))
    assert add_working_days(D(2029, 12, 31), 1) == D(2030, 1, 2)
