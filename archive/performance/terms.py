"""The vocabulary of performance records and obligations, and the rule that dates an obligation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

RECORD_KINDS = (
    "progress",
    "quality_inspection",
    "payment",
    "delivery",
    "acceptance",
    "communication",
    "change",
    "complaint",
    "dispute",
    "training",
    "reward",
    "termination",
)
COMMUNICATION_CHANNELS = ("phone", "email", "meeting", "visit", "letter")

OBLIGATION_KINDS = (
    "payment",
    "delivery",
    "completion",
    "acceptance",
    "warranty",
    "reporting",
    "renewal_notice",
    "termination_notice",
    "other",
)
# The party that owes an obligation: the customer (counterparty) or us.
DEBTORS = ("customer", "us")
# Payment stages named in Chinese contracts.
PAYMENT_STAGES = ("advance", "progress", "final", "retention", "instalment", "full")
# suggested: derived from a clause and not yet reviewed. confirmed, rejected: decided by staff. manual: entered by staff.
REVIEW_STATES = ("suggested", "confirmed", "rejected", "manual")
OBLIGATION_STATUSES = ("pending", "fulfilled", "overdue", "waived")

# Events a relative due date counts from. Each has a record kind that dates it, except
# signing, effective and expiry, which are dates of the contract.
DUE_EVENTS = ("signing", "effective", "delivery", "acceptance", "invoice", "expiry")
EVENT_RECORD_KINDS = {"delivery": "delivery", "acceptance": "acceptance", "invoice": "payment"}
DUE_UNITS = ("day", "working_day", "month")

# Complaint and dispute workflow. Every step is a record of its own.
CASE_STATES = ("received", "investigating", "resolved", "escalated", "closed")
CASE_TRANSITIONS = {
    "received": ("investigating", "resolved", "escalated", "closed"),
    "investigating": ("resolved", "escalated", "closed"),
    "resolved": ("closed", "investigating"),
    "escalated": ("resolved", "closed"),
    "closed": (),
}


@dataclass(frozen=True)
class DueRule:
    """When an obligation falls due.

    Exactly one form applies:
    - absolute: `on` is the last day (2024年6月30日前 gives on=2024-06-30);
    - relative: `event` plus `offset` `unit`s (合同签订后15个工作日内 gives event=signing,
      offset=15, unit=working_day); the date is known once the event is;
    - monthly: `day_of_month` each month (每月5日前 gives day_of_month=5), from `event` when given.
    """

    on: dt.date | None = None
    event: str | None = None
    offset: int = 0
    unit: str = "day"
    day_of_month: int | None = None

    def __post_init__(self) -> None:
        if self.event is not None and self.event not in DUE_EVENTS:
            raise ValueError(f"unknown due event {self.event!r}")
        if self.unit not in DUE_UNITS:
            raise ValueError(f"unknown due unit {self.unit!r}")
        if self.day_of_month is not None and not 1 <= self.day_of_month <= 31:
            raise ValueError(f"day of month out of range: {self.day_of_month}")

    @property
    def form(self) -> str:
        if self.on is not None:
            return "absolute"
        if self.day_of_month is not None:
            return "monthly"
        if self.event is not None:
            return "relative"
        return "unknown"

    def as_dict(self) -> dict[str, object]:
        return {
            "on": self.on.isoformat() if self.on else None,
            "event": self.event,
            "offset": self.offset,
            "unit": self.unit,
            "day_of_month": self.day_of_month,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object] | None) -> DueRule:
        data = data or {}
        on = data.get("on")
        return cls(
            on=dt.date.fromisoformat(str(on)) if on else None,
            event=data.get("event") or None,  # type: ignore[arg-type]
            offset=int(data.get("offset") or 0),  # type: ignore[arg-type]
            unit=str(data.get("unit") or "day"),
            day_of_month=int(data["day_of_month"]) if data.get("day_of_month") else None,  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class SuggestedObligation:
    """An obligation read from one clause, for staff to confirm, edit or reject."""

    kind: str
    summary: str
    due: DueRule
    debtor: str | None = None
    # The party the clause names as owing it, as written (甲方, 乙方, 买方, Customer...), when it names one.
    debtor_party: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    # Share of the contract total, 0-100, when the clause states a percentage.
    percent: Decimal | None = None
    stage: str | None = None
    # Ordinal of the source clause within its version, and the words the suggestion came from.
    clause_ordinal: int | None = None
    source_text: str = ""
