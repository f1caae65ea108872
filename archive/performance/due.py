"""Turn a DueRule into a date, given the dates of the events it counts from.

Periods follow the Civil Code: a period in days starts counting the day after its event
(art. 201), and a period whose last day is a rest day ends on the next working day (art. 203).
Working-day periods count working days on the China calendar. An absolute date is the date
the parties agreed and is not moved.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from archive.performance.terms import DueRule
from archive.performance.workdays import add_working_days, calendar_known, roll_to_working_day


@dataclass(frozen=True)
class ResolvedDue:
    """The due date, or the event still awaited, and whether the holiday calendar was known."""

    date: dt.date | None
    waiting_for: str | None = None
    calendar_known: bool = True


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day `months` later; a day missing in the target month becomes its last day (art. 202)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def resolve_due(rule: DueRule, events: dict[str, dt.date]) -> ResolvedDue:
    """Return when `rule` falls due. `events` maps a DUE_EVENTS name to the day it happened."""
    if rule.on is not None:
        return ResolvedDue(rule.on)
    if rule.day_of_month is not None:
        start = events.get(rule.event or "effective") or events.get("signing")
        if start is None:
            return ResolvedDue(None, waiting_for=rule.event or "effective")
        return ResolvedDue(*_first_monthly(start, rule.day_of_month))
    if rule.event is None:
        return ResolvedDue(None)
    start = events.get(rule.event)
    if start is None:
        return ResolvedDue(None, waiting_for=rule.event)
    if rule.unit == "working_day":
        due = add_working_days(start, rule.offset)
    elif rule.unit == "month":
        due = roll_to_working_day(add_months(start, rule.offset))
    else:
        due = roll_to_working_day(start + dt.timedelta(days=rule.offset))
    return ResolvedDue(due, calendar_known=calendar_known(start.year) and calendar_known(due.year))


def monthly_due_dates(day_of_month: int, start: dt.date, end: dt.date) -> list[dt.date]:
    """List each month's due day from `start` to `end` inclusive, each moved past rest days."""
    dates: list[dt.date] = []
    first, _ = _first_monthly(start, day_of_month)
    month = dt.date(first.year, first.month, 1)
    while True:
        last = calendar.monthrange(month.year, month.month)[1]
        nominal = dt.date(month.year, month.month, min(day_of_month, last))
        if nominal > end:
            return dates
        if nominal >= start:
            dates.append(roll_to_working_day(nominal))
        month = add_months(month, 1)


def _first_monthly(start: dt.date, day_of_month: int) -> tuple[dt.date, bool]:
    last = calendar.monthrange(start.year, start.month)[1]
    nominal = dt.date(start.year, start.month, min(day_of_month, last))
    if nominal < start:
        nominal = add_months(dt.date(start.year, start.month, 1), 1)
        nominal = nominal.replace(day=min(day_of_month, calendar.monthrange(nominal.year, nominal.month)[1]))
    due = roll_to_working_day(nominal)
    return due, calendar_known(due.year)
