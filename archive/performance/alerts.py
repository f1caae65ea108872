"""Risk alerts (风险预警) computed from snapshots of contracts, obligations and records.

docs/scores.md states every rule for staff. The rules in short:

    due_soon, overdue, partly_paid        an obligation nearing or past its due date
    limitation_expiring, limitation_expired   an unpaid customer payment nearing or past
                                          the end of its limitation period
    inspection_failed, inspection_missing, acceptance_missing   deliveries and inspections
    case_open_too_long                    a complaint or dispute left open
    contract_expiring, auto_renewal_notice   the contract term ending
    amount_mismatch                       amounts in figures and in words disagree

Terminated contracts raise only the limitation alerts, because a claim for money owed
survives termination. Waived obligations raise nothing. Records dated after `today`
count as not yet happened.

An alert's key names its rule and subject (overdue:obligation:12), so the daily job can
keep an alert's state while its condition persists. Rules whose condition restarts
with a new date add that date: a contract renewed to a new expiry date, or a
limitation period restarted by a demand, gives a new key and so a new open alert.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from archive.performance.facts import AlertSettings, ComputedAlert, ContractFacts, ObligationFacts, RecordFacts
from archive.performance.limitation import limitation_period

# Case states in which a complaint or dispute needs no more work.
CLOSED_CASE_STATES = ("resolved", "closed")
# Overdue by more than this many days makes an overdue alert critical.
CRITICAL_OVERDUE_DAYS = 90


@dataclass(frozen=True)
class _Inputs:
    """Inputs shared by every rule in one run: the day and the settings."""

    today: dt.date
    settings: AlertSettings


def compute_alerts(
    contracts: Iterable[ContractFacts],
    obligations: Iterable[ObligationFacts],
    records: Iterable[RecordFacts],
    *,
    today: dt.date,
    settings: AlertSettings = AlertSettings(),
) -> list[ComputedAlert]:
    """Compute every alert that holds on `today`, sorted by contract id, rule and key.

    Obligations and records whose contract is not in `contracts` are skipped, because
    whether their contract is terminated is unknown.
    """
    inputs = _Inputs(today, settings)
    obligations_by_contract: dict[int, list[ObligationFacts]] = defaultdict(list)
    for obligation in obligations:
        obligations_by_contract[obligation.contract_id].append(obligation)
    records_by_contract: dict[int, list[RecordFacts]] = defaultdict(list)
    for record in records:
        if record.occurred_on <= today:
            records_by_contract[record.contract_id].append(record)

    alerts: list[ComputedAlert] = []
    for contract in contracts:
        contract_obligations = obligations_by_contract.get(contract.id, [])
        contract_records = records_by_contract.get(contract.id, [])
        alerts.extend(_limitation_alerts(contract, contract_obligations, contract_records, inputs))
        if contract.terminated:
            continue
        alerts.extend(_contract_term_alerts(contract, inputs))
        for obligation in contract_obligations:
            alerts.extend(_obligation_alerts(contract, obligation, inputs))
        alerts.extend(_record_alerts(contract, contract_records, inputs))

    alerts.sort(key=lambda alert: (alert.contract_id, alert.rule, alert.key))
    return alerts


# Obligations whose due date ends a period rather than a duty: nothing is overdue when it passes.
PERIOD_KINDS = ("warranty",)


def _obligation_alerts(contract: ContractFacts, obligation: ObligationFacts, inputs: _Inputs) -> list[ComputedAlert]:
    """Apply due_soon, overdue and partly_paid to one obligation.

    NOTE: an obligation whose debtor is not set raises no due_soon or overdue alert,
    because the recommended action depends on who owes it.
    """
    if obligation.waived or obligation.fulfilled or obligation.due_date is None:
        return []
    if obligation.kind in PERIOD_KINDS:
        return []  # the end of a warranty period is not a duty that can be late
    alerts: list[ComputedAlert] = []
    days_left = (obligation.due_date - inputs.today).days
    owner = obligation.owner or contract.owner
    by_us = obligation.debtor == "us"
    by_customer = obligation.debtor == "customer"

    if (by_us or by_customer) and 0 <= days_left <= inputs.settings.due_soon_days:
        params: dict[str, str | int] = {"days_left": days_left, "due_date": obligation.due_date.isoformat()}
        if obligation.amount is not None:
            params["amount"] = _money(obligation.amount)
        urgent_payment = obligation.kind == "payment" and by_us
        alerts.append(
            ComputedAlert(
                key=f"due_soon:obligation:{obligation.id}",
                rule="due_soon",
                contract_id=contract.id,
                severity="high" if urgent_payment else "medium",
                likelihood="medium",
                action="prepare_performance" if by_us else "remind_customer",
                owner=owner,
                obligation_id=obligation.id,
                due_date=obligation.due_date,
                params=params,
            )
        )

    if (by_us or by_customer) and days_left < 0:
        days_overdue = -days_left
        params = {"days_overdue": days_overdue}
        if obligation.kind == "payment" and obligation.amount is not None:
            params["amount_outstanding"] = _money(obligation.amount - obligation.paid_amount)
        alerts.append(
            ComputedAlert(
                key=f"overdue:obligation:{obligation.id}",
                rule="overdue",
                contract_id=contract.id,
                severity="critical" if days_overdue > CRITICAL_OVERDUE_DAYS else "high",
                likelihood="high",
                action="send_demand" if by_customer else "perform_now",
                owner=owner,
                obligation_id=obligation.id,
                due_date=obligation.due_date,
                params=params,
            )
        )

    # Only the customer's payments, because collecting the balance is no action for a payment we owe.
    if (
        obligation.kind == "payment"
        and by_customer
        and obligation.amount is not None
        and 0 < obligation.paid_amount < obligation.amount
        and days_left < 0
    ):
        alerts.append(
            ComputedAlert(
                key=f"partly_paid:obligation:{obligation.id}",
                rule="partly_paid",
                contract_id=contract.id,
                severity="medium",
                likelihood="high",
                action="collect_balance",
                owner=owner,
                obligation_id=obligation.id,
                due_date=obligation.due_date,
                params={
                    "paid": _money(obligation.paid_amount),
                    "outstanding": _money(obligation.amount - obligation.paid_amount),
                },
            )
        )
    return alerts


def _limitation_alerts(
    contract: ContractFacts, obligations: list[ObligationFacts], records: list[RecordFacts], inputs: _Inputs
) -> list[ComputedAlert]:
    """Apply limitation_expiring and limitation_expired to the unpaid customer payments of a contract."""
    alerts: list[ComputedAlert] = []
    demands = [record for record in records if record.demand]
    for obligation in obligations:
        if obligation.kind != "payment" or obligation.debtor != "customer":
            continue
        if obligation.waived or obligation.fulfilled:
            continue
        if obligation.amount is not None and obligation.paid_amount >= obligation.amount:
            continue
        period = limitation_period(
            obligation, demands, today=inputs.today, years=inputs.settings.limitation_years
        )
        if period is None:
            continue

        days_left = (period.ends_on - inputs.today).days
        if days_left < 0:
            rule, action = "limitation_expired", "seek_legal_advice"
        elif days_left <= inputs.settings.limitation_lead_days:
            rule, action = "limitation_expiring", "send_demand"
        else:
            continue
        params: dict[str, str | int] = {
            "end": period.ends_on.isoformat(),
            "counted_from": period.counted_from.isoformat(),
            "days_left": days_left,
        }
        if period.restarted_by is not None:
            params["demand_record_id"] = period.restarted_by
        alerts.append(
            ComputedAlert(
                key=f"{rule}:obligation:{obligation.id}:{period.counted_from.isoformat()}",
                rule=rule,
                contract_id=contract.id,
                severity="critical",
                likelihood="high",
                action=action,
                owner=obligation.owner or contract.owner,
                obligation_id=obligation.id,
                due_date=period.ends_on,
                params=params,
            )
        )
    return alerts


def _record_alerts(contract: ContractFacts, records: list[RecordFacts], inputs: _Inputs) -> list[ComputedAlert]:
    """Apply the inspection, acceptance and case rules to the records of one contract.

    Each rule needs only the latest date of some kind of record, so one pass collects
    those dates and a second pass checks each delivery, inspection and case against them.
    """
    latest_pass: tuple[dt.date, int] | None = None
    latest_check: dt.date | None = None
    latest_report: dt.date | None = None
    for record in records:
        if record.kind == "quality_inspection" and record.status == "passed":
            position = (record.occurred_on, record.id)
            latest_pass = position if latest_pass is None or position > latest_pass else latest_pass
        if record.kind in ("quality_inspection", "acceptance"):
            latest_check = _later(latest_check, record.occurred_on)
        if record.kind == "acceptance" and "acceptance_report" in record.document_kinds:
            latest_report = _later(latest_report, record.occurred_on)

    alerts: list[ComputedAlert] = []
    for record in records:
        if record.kind == "quality_inspection" and record.status == "failed":
            # A pass on the same day as the failure clears it only when entered after it.
            if latest_pass is None or latest_pass < (record.occurred_on, record.id):
                alerts.append(_inspection_failed(contract, record))
        elif record.kind == "delivery":
            alerts.extend(_delivery_alerts(contract, record, latest_check, latest_report, inputs))
        elif record.kind in ("complaint", "dispute"):
            alerts.extend(_case_alerts(contract, record, inputs))
    return alerts


def _inspection_failed(contract: ContractFacts, record: RecordFacts) -> ComputedAlert:
    return ComputedAlert(
        key=f"inspection_failed:record:{record.id}",
        rule="inspection_failed",
        contract_id=contract.id,
        severity="high",
        likelihood="high",
        action="require_rectification",
        owner=record.owner or contract.owner,
        record_id=record.id,
        params={"inspected_on": record.occurred_on.isoformat()},
    )


def _delivery_alerts(
    contract: ContractFacts,
    delivery: RecordFacts,
    latest_check: dt.date | None,
    latest_report: dt.date | None,
    inputs: _Inputs,
) -> list[ComputedAlert]:
    """Apply inspection_missing and acceptance_missing to one delivery record."""
    alerts: list[ComputedAlert] = []
    days_since = (inputs.today - delivery.occurred_on).days
    params: dict[str, str | int] = {"delivered_on": delivery.occurred_on.isoformat(), "days_since": days_since}
    owner = delivery.owner or contract.owner

    inspection_days = inputs.settings.inspection_days
    if days_since > inspection_days and (latest_check is None or latest_check < delivery.occurred_on):
        alerts.append(
            ComputedAlert(
                key=f"inspection_missing:record:{delivery.id}",
                rule="inspection_missing",
                contract_id=contract.id,
                severity="medium",
                likelihood="medium",
                action="schedule_inspection",
                owner=owner,
                record_id=delivery.id,
                due_date=delivery.occurred_on + dt.timedelta(days=inspection_days),
                params=dict(params),
            )
        )

    acceptance_days = inputs.settings.acceptance_days
    if days_since > acceptance_days and (latest_report is None or latest_report < delivery.occurred_on):
        alerts.append(
            ComputedAlert(
                key=f"acceptance_missing:record:{delivery.id}",
                rule="acceptance_missing",
                contract_id=contract.id,
                severity="high",
                likelihood="medium",
                action="obtain_acceptance_report",
                owner=owner,
                record_id=delivery.id,
                due_date=delivery.occurred_on + dt.timedelta(days=acceptance_days),
                params=dict(params),
            )
        )
    return alerts


def _case_alerts(contract: ContractFacts, case: RecordFacts, inputs: _Inputs) -> list[ComputedAlert]:
    """Apply case_open_too_long to a complaint or dispute record.

    The record is taken as the whole case, and its `status` as the case's current state.
    """
    if case.status in CLOSED_CASE_STATES:
        return []
    is_dispute = case.kind == "dispute"
    limit = inputs.settings.dispute_open_days if is_dispute else inputs.settings.complaint_open_days
    days_open = (inputs.today - case.occurred_on).days
    if days_open <= limit:
        return []
    return [
        ComputedAlert(
            key=f"case_open_too_long:record:{case.id}",
            rule="case_open_too_long",
            contract_id=contract.id,
            severity="high" if is_dispute else "medium",
            likelihood="medium",
            action="escalate_case",
            owner=case.owner or contract.owner,
            record_id=case.id,
            due_date=case.occurred_on + dt.timedelta(days=limit),
            params={
                "kind": case.kind,
                "opened_on": case.occurred_on.isoformat(),
                "days_open": days_open,
                "status": case.status or "",
            },
        )
    ]


def _contract_term_alerts(contract: ContractFacts, inputs: _Inputs) -> list[ComputedAlert]:
    """Apply contract_expiring, auto_renewal_notice and amount_mismatch to one contract."""
    alerts: list[ComputedAlert] = []
    lead_days = inputs.settings.expiry_lead_days
    expires_on = contract.expires_on

    if expires_on is not None and not contract.auto_renews:
        days_left = (expires_on - inputs.today).days
        if 0 <= days_left <= lead_days:
            alerts.append(
                ComputedAlert(
                    key=f"contract_expiring:contract:{contract.id}:{expires_on.isoformat()}",
                    rule="contract_expiring",
                    contract_id=contract.id,
                    severity="medium",
                    likelihood="high",
                    action="decide_renewal",
                    owner=contract.owner,
                    due_date=expires_on,
                    params={"expires_on": expires_on.isoformat(), "days_left": days_left},
                )
            )

    if expires_on is not None and contract.auto_renews:
        deadline = expires_on - dt.timedelta(days=contract.renewal_notice_days or 0)
        days_left = (deadline - inputs.today).days
        if 0 <= days_left <= lead_days:
            alerts.append(
                ComputedAlert(
                    key=f"auto_renewal_notice:contract:{contract.id}:{deadline.isoformat()}",
                    rule="auto_renewal_notice",
                    contract_id=contract.id,
                    severity="medium",
                    likelihood="high",
                    action="decide_renewal",
                    owner=contract.owner,
                    due_date=deadline,
                    params={
                        "notice_deadline": deadline.isoformat(),
                        "expires_on": expires_on.isoformat(),
                        "days_left": days_left,
                    },
                )
            )

    if contract.amount_mismatch is not None:
        alerts.append(
            ComputedAlert(
                key=f"amount_mismatch:contract:{contract.id}",
                rule="amount_mismatch",
                contract_id=contract.id,
                severity="high",
                likelihood="medium",
                action="verify_amount",
                owner=contract.owner,
                params={"detail": contract.amount_mismatch},
            )
        )
    return alerts


def _later(current: dt.date | None, day: dt.date) -> dt.date:
    return day if current is None or day > current else current


def _money(amount: Decimal) -> str:
    """Format an amount in plain notation (1000.00, never 1E+3) for the alert's params."""
    return format(amount, "f")
