"""The limitation period (诉讼时效) of a claim for an obligation the other party has not met.

The rules come from the Civil Code of the PRC:
- art. 188: the period is three years from the day the creditor knew or should have known
  that its right was infringed. For an obligation with a due date, that is the due date;
- art. 195: a demand for performance (催款函, 律师函) restarts the period from the demand;
- art. 201: the day of the event is not counted, so the period counts from the next day;
- art. 202: a period in years or months ends on the corresponding day of the last month,
  or on that month's last day when the month has no such day;
- art. 203: a period whose last day is a rest day ends on the next working day.

So an obligation due on 2022-10-03 has a period counted from 2022-10-04 whose nominal
last day is 2025-10-03. That day falls in the 2025 National Day holiday, so the period
ends on 2025-10-09.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from archive.performance.due import add_months
from archive.performance.facts import ObligationFacts, RecordFacts
from archive.performance.workdays import roll_to_working_day

DEFAULT_LIMITATION_YEARS = 3


@dataclass(frozen=True)
class LimitationPeriod:
    """A limitation period with what it was computed from, so the UI can explain it."""

    # The last day on which the claim can still be brought, after rolling past rest days.
    ends_on: dt.date
    # The first day of the period: the day after the due date, or after the latest demand.
    counted_from: dt.date
    # The corresponding day before rolling past rest days (art. 202).
    nominal_end: dt.date
    # The demand record that restarted the period, or None when it runs from the due date.
    restarted_by: int | None = None


def limitation_period(
    obligation: ObligationFacts,
    records: Iterable[RecordFacts],
    *,
    today: dt.date,
    years: int = DEFAULT_LIMITATION_YEARS,
) -> LimitationPeriod | None:
    """Compute the limitation period of a claim for `obligation`, or None before it starts.

    The period has not started while the obligation has no due date or the due date is
    today or later. `records` may hold any records. Only demands on the obligation's
    contract dated after the due date and on or before today restart the period, and
    the latest of them counts.

    NOTE: art. 189 starts the period of a debt paid in instalments (分期履行) from the last
    instalment's due date. Each obligation is dated by its own due date here, so an
    instalment's period may end earlier than a court would find.
    NOTE: a partial payment or other acknowledgement by the debtor also restarts the
    period (art. 195), but only records marked as demands are counted here.
    """
    due_date = obligation.due_date
    if due_date is None or due_date >= today:
        return None

    latest_demand = latest_demand_after(obligation.contract_id, due_date, records, today=today)
    if latest_demand is None:
        event_day, restarted_by = due_date, None
    else:
        event_day, restarted_by = latest_demand.occurred_on, latest_demand.id

    nominal_end = add_months(event_day, 12 * years)
    return LimitationPeriod(
        ends_on=roll_to_working_day(nominal_end),
        counted_from=event_day + dt.timedelta(days=1),
        nominal_end=nominal_end,
        restarted_by=restarted_by,
    )


def latest_demand_after(
    contract_id: int, after: dt.date, records: Iterable[RecordFacts], *, today: dt.date
) -> RecordFacts | None:
    """Return the latest demand record of the contract dated after `after` and on or before today.

    Of demands on the same day, the one with the higher id is returned, so the result
    does not depend on the order of `records`.
    """
    latest: RecordFacts | None = None
    for record in records:
        if not record.demand or record.contract_id != contract_id:
            continue
        if not after < record.occurred_on <= today:
            continue
        if latest is None or (record.occurred_on, record.id) > (latest.occurred_on, latest.id):
            latest = record
    return latest
