"""Working days on the mainland China public-holiday calendar.

The calendar comes from the chinesecalendar package, which follows the State Council's
yearly notice, including weekends that become working days. The notice for a year
comes out in November or December. For a year the package does not cover yet, weekends and
the holidays on fixed dates (New Year's Day, 1-2 May, 1-3 October) count as rest days. The
lunar holidays and swapped working weekends of that year are missing, so `calendar_known`
returns False for it and callers can warn.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar


# Public holidays on fixed solar dates under 全国年节及纪念日放假办法 as revised for 2025:
# New Year's Day, 1-2 May and 1-3 October.
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


@lru_cache(maxsize=4096)
def _lookup(day: dt.date) -> tuple[bool, bool]:
    """Return (is working day, calendar known for this year)."""
    try:
        return chinese_calendar.is_workday(day), True
    except NotImplementedError:
        return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS, False


def is_working_day(day: dt.date) -> bool:
    return _lookup(day)[0]


def calendar_known(year: int) -> bool:
    return _lookup(dt.date(year, 6, 1))[1]


def add_working_days(start: dt.date, count: int) -> dt.date:
    """Return the `count`-th working day after `start` (start itself is not counted).

    With count 0, return start when it is a working day, else the next working day.
    """
    day = start
    if count <= 0:
        while not is_working_day(day):
            day += dt.timedelta(days=1)
        return day
    remaining = count
    while remaining:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def roll_to_working_day(day: dt.date) -> dt.date:
    """Move a rest day to the next working day: a period ending on a rest day ends then (Civil Code art. 203)."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Count working days after `start` up to and including `end`, negative when end is earlier."""
    if end < start:
        return -working_days_between(end, start)
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
