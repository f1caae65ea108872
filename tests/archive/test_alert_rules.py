"""Each alert rule of compute_alerts on hand-made facts, with its boundaries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from archive.performance.alerts import compute_alerts
from archive.performance.facts import AlertSettings, ComputedAlert, ContractFacts, ObligationFacts, RecordFacts

D = dt.date
TODAY = D(2025, 6, 11)  # a Wednesday


def days(count: int) -> dt.date:
    """Return the day `count` days after TODAY (before it when negative)."""
    return TODAY + dt.timedelta(days=count)


def contract(**fields: object) -> ContractFacts:
    values: dict[str, object] = {"id": 1, "owner": "wang.wu"}
    values.update(fields)
    return ContractFacts(**values)  # type: ignore[arg-type]


def obligation(**fields: object) -> ObligationFacts:
    values: dict[str, object] = {"id": 10, "contract_id": 1, "kind": "payment", "debtor": "customer"}
    values.update(fields)
    return ObligationFacts(**values)  # type: ignore[arg-type]


def record(record_id: int, kind: str, occurred_on: dt.date, **fields: object) -> RecordFacts:
    return RecordFacts(id=record_id, contract_id=int(fields.pop("contract_id", 1)), kind=kind, occurred_on=occurred_on, **fields)  # type: ignore[arg-type]


def run(
    obligations: list[ObligationFacts] = (),  # type: ignore[assignment]
    records: list[RecordFacts] = (),  # type: ignore[assignment]
    *,
    contracts: list[ContractFacts] | None = None,
    today: dt.date = TODAY,
    settings: AlertSettings = AlertSettings(),
) -> list[ComputedAlert]:
    return compute_alerts(
        contracts if contracts is not None else [contract()], obligations, records, today=today, settings=settings
    )


def summary(alerts: list[ComputedAlert]) -> list[tuple[str, str, str]]:
    return [(alert.rule, alert.key, alert.severity) for alert in alerts]


# due_soon


def test_due_soon_exactly_seven_days_ahead() -> None:
    alerts = run([obligation(amount=Decimal("1000.00"), due_date=days(7))])

    assert alerts == [
        ComputedAlert(
            key="due_soon:obligation:10",
            rule="due_soon",
            contract_id=1,
            severity="medium",
            likelihood="medium",
            action="remind_customer",
            owner="wang.wu",
            obligation_id=10,
            due_date=days(7),
            params={"days_left": 7, "due_date": "2025-06-18", "amount": "1000.00"},
        )
    ]


def test_due_soon_eight_days_ahead_is_quiet() -> None:
    assert run([obligation(amount=Decimal("1000.00"), due_date=days(8))]) == []


def test_due_today_is_due_soon_not_overdue() -> None:
    alerts = run([obligation(due_date=TODAY)])

    assert summary(alerts) == [("due_soon", "due_soon:obligation:10", "medium")]
    assert alerts[0].params == {"days_left": 0, "due_date": "2025-06-11"}


def test_due_soon_our_payment_is_high() -> None:
    alerts = run([obligation(debtor="us", amount=Decimal("50"), due_date=days(3))])

    assert summary(alerts) == [("due_soon", "due_soon:obligation:10", "high")]
    assert alerts[0].action == "prepare_performance"


def test_due_soon_our_delivery_is_medium() -> None:
    alerts = run([obligation(kind="delivery", debtor="us", due_date=days(3), owner="li.si")])

    assert summary(alerts) == [("due_soon", "due_soon:obligation:10", "medium")]
    assert alerts[0].action == "prepare_performance"
    assert alerts[0].owner == "li.si"


def test_due_soon_follows_settings() -> None:
    settings = AlertSettings(due_soon_days=3)

    assert run([obligation(due_date=days(4))], settings=settings) == []
    assert summary(run([obligation(due_date=days(3))], settings=settings)) == [
        ("due_soon", "due_soon:obligation:10", "medium")
    ]


def test_due_soon_skips_fulfilled_waived_undated() -> None:
    assert run([obligation(due_date=days(2), fulfilled_on=days(-1))]) == []
    assert run([obligation(due_date=days(2), waived=True)]) == []
    assert run([obligation(due_date=None, waiting_for="delivery")]) == []


def test_obligation_without_debtor_is_quiet() -> None:
    assert run([obligation(debtor=None, due_date=days(2))]) == []
    assert run([obligation(debtor=None, kind="delivery", due_date=days(-2))]) == []


# overdue and partly_paid


def test_overdue_due_yesterday() -> None:
    alerts = run([obligation(amount=Decimal("1000.00"), due_date=days(-1))])

    assert alerts == [
        ComputedAlert(
            key="overdue:obligation:10",
            rule="overdue",
            contract_id=1,
            severity="high",
            likelihood="high",
            action="send_demand",
            owner="wang.wu",
            obligation_id=10,
            due_date=days(-1),
            params={"days_overdue": 1, "amount_outstanding": "1000.00"},
        )
    ]


def test_overdue_our_delivery_asks_to_perform() -> None:
    alerts = run([obligation(kind="delivery", debtor="us", amount=Decimal("80"), due_date=days(-5))])

    assert summary(alerts) == [("overdue", "overdue:obligation:10", "high")]
    assert alerts[0].action == "perform_now"
    assert alerts[0].params == {"days_overdue": 5}


def test_overdue_critical_after_ninety_days() -> None:
    at_ninety = run([obligation(due_date=days(-90))])
    at_ninety_one = run([obligation(due_date=days(-91))])

    assert summary(at_ninety) == [("overdue", "overdue:obligation:10", "high")]
    assert summary(at_ninety_one) == [("overdue", "overdue:obligation:10", "critical")]
    assert at_ninety_one[0].params == {"days_overdue": 91}


def test_overdue_key_stable_across_days() -> None:
    facts = [obligation(due_date=days(-3))]

    first = run(facts)
    later = run(facts, today=days(10))

    assert [alert.key for alert in first] == ["overdue:obligation:10"]
    assert [alert.key for alert in later] == ["overdue:obligation:10"]
    assert later[0].params == {"days_overdue": 13}


def test_overdue_skips_fulfilled_and_waived() -> None:
    assert run([obligation(due_date=days(-3), fulfilled_on=days(-4))]) == []
    assert run([obligation(due_date=days(-3), fulfilled_on=days(-1))]) == []
    assert run([obligation(due_date=days(-3), waived=True, amount=Decimal("9"), paid_amount=Decimal("1"))]) == []


def test_partly_paid_raises_overdue_and_partly_paid() -> None:
    alerts = run([obligation(amount=Decimal("1000.00"), paid_amount=Decimal("400.00"), due_date=days(-2))])

    assert summary(alerts) == [
        ("overdue", "overdue:obligation:10", "high"),
        ("partly_paid", "partly_paid:obligation:10", "medium"),
    ]
    overdue, partly_paid = alerts
    assert overdue.params == {"days_overdue": 2, "amount_outstanding": "600.00"}
    assert partly_paid == ComputedAlert(
        key="partly_paid:obligation:10",
        rule="partly_paid",
        contract_id=1,
        severity="medium",
        likelihood="high",
        action="collect_balance",
        owner="wang.wu",
        obligation_id=10,
        due_date=days(-2),
        params={"paid": "400.00", "outstanding": "600.00"},
    )


def test_partly_paid_before_due_date_is_quiet() -> None:
    assert run([obligation(amount=Decimal("1000"), paid_amount=Decimal("400"), due_date=days(20))]) == []


def test_partly_paid_needs_a_payment_made() -> None:
    alerts = run([obligation(amount=Decimal("1000"), paid_amount=Decimal("0"), due_date=days(-2))])

    assert [alert.rule for alert in alerts] == ["overdue"]


def test_partly_paid_only_for_customer_payments() -> None:
    alerts = run([obligation(debtor="us", amount=Decimal("1000"), paid_amount=Decimal("400"), due_date=days(-2))])

    assert [(alert.rule, alert.action) for alert in alerts] == [("overdue", "perform_now")]
    assert alerts[0].params == {"days_overdue": 2, "amount_outstanding": "600"}


def test_terminated_contract_has_no_due_alerts() -> None:
    facts = [
        obligation(id=10, kind="delivery", debtor="us", due_date=days(2)),
        obligation(id=11, kind="delivery", debtor="customer", due_date=days(-2)),
    ]

    assert run(facts, contracts=[contract(terminated=True)]) == []


# inspection_failed


def test_inspection_failed_without_later_pass() -> None:
    records = [
        record(1, "quality_inspection", days(-40), status="passed"),
        record(2, "quality_inspection", days(-10), status="failed", owner="zhao.liu"),
    ]

    assert run(records=records) == [
        ComputedAlert(
            key="inspection_failed:record:2",
            rule="inspection_failed",
            contract_id=1,
            severity="high",
            likelihood="high",
            action="require_rectification",
            owner="zhao.liu",
            record_id=2,
            params={"inspected_on": "2025-06-01"},
        )
    ]


def test_inspection_failed_cleared_by_later_pass() -> None:
    records = [
        record(1, "quality_inspection", days(-10), status="failed"),
        record(2, "quality_inspection", days(-3), status="passed"),
    ]

    assert run(records=records) == []


def test_inspection_failed_same_day_pass_entered_later_clears() -> None:
    entered_after = [
        record(5, "quality_inspection", days(-3), status="failed"),
        record(6, "quality_inspection", days(-3), status="passed"),
    ]
    entered_before = [
        record(4, "quality_inspection", days(-3), status="passed"),
        record(5, "quality_inspection", days(-3), status="failed"),
    ]

    assert run(records=entered_after) == []
    assert summary(run(records=entered_before)) == [("inspection_failed", "inspection_failed:record:5", "high")]


def test_inspection_failed_other_contract_pass() -> None:
    records = [
        record(1, "quality_inspection", days(-10), status="failed"),
        record(2, "quality_inspection", days(-3), status="passed", contract_id=2),
    ]

    alerts = run(records=records, contracts=[contract(), contract(id=2)])

    assert summary(alerts) == [("inspection_failed", "inspection_failed:record:1", "high")]


def test_inspection_failed_future_pass() -> None:
    records = [
        record(1, "quality_inspection", days(-10), status="failed"),
        record(2, "quality_inspection", days(1), status="passed"),
    ]

    assert summary(run(records=records)) == [("inspection_failed", "inspection_failed:record:1", "high")]


def test_each_unresolved_failure_alerts() -> None:
    records = [
        record(1, "quality_inspection", days(-20), status="failed"),
        record(2, "quality_inspection", days(-10), status="failed"),
    ]

    assert [alert.key for alert in run(records=records)] == [
        "inspection_failed:record:1",
        "inspection_failed:record:2",
    ]


# inspection_missing and acceptance_missing


def test_inspection_missing_after_sixteen_days() -> None:
    alerts = run(records=[record(3, "delivery", days(-16))])

    assert alerts == [
        ComputedAlert(
            key="inspection_missing:record:3",
            rule="inspection_missing",
            contract_id=1,
            severity="medium",
            likelihood="medium",
            action="schedule_inspection",
            owner="wang.wu",
            record_id=3,
            due_date=days(-1),
            params={"delivered_on": "2025-05-26", "days_since": 16},
        )
    ]


def test_inspection_missing_quiet_at_fifteen_days() -> None:
    assert run(records=[record(3, "delivery", days(-15))]) == []


def test_inspection_on_delivery_day_counts() -> None:
    records = [record(3, "delivery", days(-20)), record(4, "quality_inspection", days(-20), status="passed")]

    assert run(records=records) == []


def test_inspection_before_delivery_does_not_count() -> None:
    records = [record(3, "delivery", days(-20)), record(4, "quality_inspection", days(-21), status="passed")]

    assert summary(run(records=records)) == [("inspection_missing", "inspection_missing:record:3", "medium")]


def test_acceptance_missing_after_thirty_one_days() -> None:
    alerts = run(records=[record(3, "delivery", days(-31), owner="li.si")])

    assert summary(alerts) == [
        ("acceptance_missing", "acceptance_missing:record:3", "high"),
        ("inspection_missing", "inspection_missing:record:3", "medium"),
    ]
    acceptance = alerts[0]
    assert acceptance == ComputedAlert(
        key="acceptance_missing:record:3",
        rule="acceptance_missing",
        contract_id=1,
        severity="high",
        likelihood="medium",
        action="obtain_acceptance_report",
        owner="li.si",
        record_id=3,
        due_date=days(-1),
        params={"delivered_on": "2025-05-11", "days_since": 31},
    )


def test_acceptance_missing_quiet_at_thirty_days() -> None:
    alerts = run(records=[record(3, "delivery", days(-30))])

    assert [alert.rule for alert in alerts] == ["inspection_missing"]


def test_acceptance_without_report_clears_only_inspection() -> None:
    records = [record(3, "delivery", days(-40)), record(4, "acceptance", days(-35), status="passed")]

    assert summary(run(records=records)) == [("acceptance_missing", "acceptance_missing:record:3", "high")]


def test_acceptance_with_report_clears_both() -> None:
    records = [
        record(3, "delivery", days(-40)),
        record(4, "acceptance", days(-35), status="passed", document_kinds=("acceptance_report",)),
    ]

    assert run(records=records) == []


def test_acceptance_report_before_delivery_does_not_count() -> None:
    records = [
        record(3, "delivery", days(-40)),
        record(4, "acceptance", days(-41), status="passed", document_kinds=("acceptance_report",)),
    ]

    assert [alert.rule for alert in run(records=records)] == ["acceptance_missing", "inspection_missing"]


# case_open_too_long


def test_complaint_open_thirty_one_days() -> None:
    alerts = run(records=[record(5, "complaint", days(-31), status="investigating")])

    assert alerts == [
        ComputedAlert(
            key="case_open_too_long:record:5",
            rule="case_open_too_long",
            contract_id=1,
            severity="medium",
            likelihood="medium",
            action="escalate_case",
            owner="wang.wu",
            record_id=5,
            due_date=days(-1),
            params={"kind": "complaint", "opened_on": "2025-05-11", "days_open": 31, "status": "investigating"},
        )
    ]


def test_complaint_open_thirty_days_is_quiet() -> None:
    assert run(records=[record(5, "complaint", days(-30), status="received")]) == []


def test_dispute_open_too_long_is_high() -> None:
    at_ninety = run(records=[record(6, "dispute", days(-90), status="escalated")])
    at_ninety_one = run(records=[record(6, "dispute", days(-91), status="escalated")])

    assert at_ninety == []
    assert summary(at_ninety_one) == [("case_open_too_long", "case_open_too_long:record:6", "high")]


def test_closed_or_resolved_case_is_quiet() -> None:
    records = [
        record(5, "complaint", days(-100), status="resolved", closed_on=days(-50)),
        record(6, "dispute", days(-200), status="closed", closed_on=days(-20)),
    ]

    assert run(records=records) == []


def test_case_without_status_counts_as_open() -> None:
    alerts = run(records=[record(5, "complaint", days(-40))])

    assert summary(alerts) == [("case_open_too_long", "case_open_too_long:record:5", "medium")]
    assert alerts[0].params["status"] == ""


# contract_expiring and auto_renewal_notice


def test_contract_expiring_at_lead_days() -> None:
    alerts = run(contracts=[contract(expires_on=days(60))])

    assert alerts == [
        ComputedAlert(
            key="contract_expiring:contract:1:2025-08-10",
            rule="contract_expiring",
            contract_id=1,
            severity="medium",
            likelihood="high",
            action="decide_renewal",
            owner="wang.wu",
            due_date=days(60),
            params={"expires_on": "2025-08-10", "days_left": 60},
        )
    ]


def test_contract_expiring_boundaries() -> None:
    assert run(contracts=[contract(expires_on=days(61))]) == []
    assert run(contracts=[contract(expires_on=days(-1))]) == []
    on_last_day = run(contracts=[contract(expires_on=TODAY)])
    assert summary(on_last_day) == [("contract_expiring", "contract_expiring:contract:1:2025-06-11", "medium")]
    assert on_last_day[0].params["days_left"] == 0


def test_contract_expiring_skips_terminated_and_auto_renewing() -> None:
    assert run(contracts=[contract(expires_on=days(10), terminated=True)]) == []
    assert run(contracts=[contract(expires_on=days(200), auto_renews=True, renewal_notice_days=30)]) == []


def test_auto_renewal_notice_deadline_in_lead_days() -> None:
    alerts = run(contracts=[contract(expires_on=days(90), auto_renews=True, renewal_notice_days=30)])

    assert alerts == [
        ComputedAlert(
            key="auto_renewal_notice:contract:1:2025-08-10",
            rule="auto_renewal_notice",
            contract_id=1,
            severity="medium",
            likelihood="high",
            action="decide_renewal",
            owner="wang.wu",
            due_date=days(60),
            params={"notice_deadline": "2025-08-10", "expires_on": "2025-09-09", "days_left": 60},
        )
    ]


def test_auto_renewal_notice_boundaries() -> None:
    assert run(contracts=[contract(expires_on=days(91), auto_renews=True, renewal_notice_days=30)]) == []
    assert run(contracts=[contract(expires_on=days(29), auto_renews=True, renewal_notice_days=30)]) == []
    on_deadline = run(contracts=[contract(expires_on=days(30), auto_renews=True, renewal_notice_days=30)])
    assert [alert.params["days_left"] for alert in on_deadline] == [0]


def test_auto_renewal_without_notice_days_uses_expiry() -> None:
    alerts = run(contracts=[contract(expires_on=days(45), auto_renews=True)])

    assert summary(alerts) == [("auto_renewal_notice", "auto_renewal_notice:contract:1:2025-07-26", "medium")]
    assert alerts[0].due_date == days(45)


# amount_mismatch


def test_amount_mismatch() -> None:
    detail = "第3条：小写 100,000.00 元，大写 壹拾万零壹元整"

    alerts = run(contracts=[contract(amount_mismatch=detail)])

    assert alerts == [
        ComputedAlert(
            key="amount_mismatch:contract:1",
            rule="amount_mismatch",
            contract_id=1,
            severity="high",
            likelihood="medium",
            action="verify_amount",
            owner="wang.wu",
            params={"detail": detail},
        )
    ]
    assert run(contracts=[contract(amount_mismatch=detail, terminated=True)]) == []


# limitation_expiring and limitation_expired


def test_limitation_expired_with_overdue() -> None:
    # Due 2022-06-10: the period counts from 2022-06-11 and ended on Tuesday 2025-06-10.
    alerts = run([obligation(amount=Decimal("500.00"), due_date=D(2022, 6, 10))])

    assert summary(alerts) == [
        ("limitation_expired", "limitation_expired:obligation:10:2022-06-11", "critical"),
        ("overdue", "overdue:obligation:10", "critical"),
    ]
    assert alerts[0] == ComputedAlert(
        key="limitation_expired:obligation:10:2022-06-11",
        rule="limitation_expired",
        contract_id=1,
        severity="critical",
        likelihood="high",
        action="seek_legal_advice",
        owner="wang.wu",
        obligation_id=10,
        due_date=D(2025, 6, 10),
        params={"end": "2025-06-10", "counted_from": "2022-06-11", "days_left": -1},
    )


def test_limitation_expiring_at_lead_days() -> None:
    # Due 2022-09-09: the period ends on Tuesday 2025-09-09, 90 days after TODAY.
    alerts = run([obligation(amount=Decimal("500.00"), due_date=D(2022, 9, 9))], contracts=[contract(terminated=True)])

    assert alerts == [
        ComputedAlert(
            key="limitation_expiring:obligation:10:2022-09-10",
            rule="limitation_expiring",
            contract_id=1,
            severity="critical",
            likelihood="high",
            action="send_demand",
            owner="wang.wu",
            obligation_id=10,
            due_date=D(2025, 9, 9),
            params={"end": "2025-09-09", "counted_from": "2022-09-10", "days_left": 90},
        )
    ]


def test_limitation_quiet_beyond_lead_days() -> None:
    terminated = [contract(terminated=True)]

    assert run([obligation(due_date=D(2022, 9, 10))], contracts=terminated) == []


def test_limitation_ending_today_is_expiring() -> None:
    alerts = run([obligation(due_date=D(2022, 6, 11))], contracts=[contract(terminated=True)])

    assert summary(alerts) == [("limitation_expiring", "limitation_expiring:obligation:10:2022-06-12", "critical")]
    assert alerts[0].params["days_left"] == 0


def test_limitation_end_in_national_day_holiday() -> None:
    today = D(2025, 8, 1)

    alerts = run([obligation(due_date=D(2022, 10, 3))], contracts=[contract(terminated=True)], today=today)

    assert [(alert.rule, alert.due_date, alert.params) for alert in alerts] == [
        ("limitation_expiring", D(2025, 10, 9), {"end": "2025-10-09", "counted_from": "2022-10-04", "days_left": 69})
    ]


def test_limitation_restarted_by_demand() -> None:
    records = [record(7, "communication", D(2022, 10, 5), demand=True, status="sent")]

    alerts = run(
        [obligation(due_date=D(2022, 6, 1))], records, contracts=[contract(terminated=True)], today=D(2025, 8, 1)
    )

    assert [(alert.rule, alert.key, alert.due_date, alert.params) for alert in alerts] == [
        (
            "limitation_expiring",
            "limitation_expiring:obligation:10:2022-10-06",
            D(2025, 10, 9),
            {"end": "2025-10-09", "counted_from": "2022-10-06", "days_left": 69, "demand_record_id": 7},
        )
    ]


def test_limitation_demand_before_due_date_does_not_restart() -> None:
    records = [record(7, "communication", D(2022, 5, 20), demand=True)]

    alerts = run([obligation(due_date=D(2022, 6, 1))], records, contracts=[contract(terminated=True)])

    assert [(alert.rule, alert.params) for alert in alerts] == [
        ("limitation_expired", {"end": "2025-06-03", "counted_from": "2022-06-02", "days_left": -8})
    ]


def test_limitation_applies_to_partly_paid() -> None:
    facts = [obligation(amount=Decimal("900"), paid_amount=Decimal("300"), due_date=D(2022, 6, 1))]

    alerts = run(facts, contracts=[contract(terminated=True)])

    assert [alert.rule for alert in alerts] == ["limitation_expired"]


def test_limitation_skips_paid_waived_ours_and_non_payments() -> None:
    terminated = [contract(terminated=True)]
    due = D(2022, 6, 1)

    assert run([obligation(due_date=due, fulfilled_on=D(2023, 1, 1))], contracts=terminated) == []
    assert run([obligation(due_date=due, amount=Decimal("9"), paid_amount=Decimal("9"))], contracts=terminated) == []
    assert run([obligation(due_date=due, waived=True)], contracts=terminated) == []
    assert run([obligation(due_date=due, debtor="us")], contracts=terminated) == []
    assert run([obligation(due_date=due, kind="delivery")], contracts=terminated) == []


def test_limitation_follows_settings() -> None:
    settings = AlertSettings(limitation_years=4, limitation_lead_days=10)
    terminated = [contract(terminated=True)]

    assert run([obligation(due_date=D(2022, 6, 1))], contracts=terminated, settings=settings) == []
    alerts = run([obligation(due_date=D(2021, 6, 15))], contracts=terminated, settings=settings)
    assert [(alert.rule, alert.params["end"]) for alert in alerts] == [("limitation_expiring", "2025-06-16")]


# owners, order and missing contracts


def test_owner_prefers_obligation_then_contract() -> None:
    facts = [
        obligation(id=10, due_date=days(-1), owner="li.si"),
        obligation(id=11, due_date=days(-1)),
    ]

    alerts = run(facts)

    assert [(alert.obligation_id, alert.owner) for alert in alerts] == [(10, "li.si"), (11, "wang.wu")]


def test_alerts_sorted_by_contract_rule_key() -> None:
    contracts = [contract(id=2, amount_mismatch="x"), contract(id=1, expires_on=days(5))]
    facts = [
        obligation(id=12, contract_id=2, due_date=days(-1)),
        obligation(id=3, contract_id=1, due_date=days(2)),
        obligation(id=11, contract_id=1, due_date=days(-1)),
        obligation(id=2, contract_id=1, due_date=days(-1)),
    ]

    alerts = run(facts, contracts=contracts)

    assert [(alert.contract_id, alert.key) for alert in alerts] == [
        (1, "contract_expiring:contract:1:2025-06-16"),
        (1, "due_soon:obligation:3"),
        (1, "overdue:obligation:11"),
        (1, "overdue:obligation:2"),
        (2, "amount_mismatch:contract:2"),
        (2, "overdue:obligation:12"),
    ]


def test_facts_of_unknown_contract_are_skipped() -> None:
    facts = [obligation(contract_id=99, due_date=days(-1))]
    records = [record(1, "quality_inspection", days(-1), status="failed", contract_id=99)]

    assert run(facts, records) == []


def test_warranty_end_is_not_overdue() -> None:
    warranty = ObligationFacts(id=901, contract_id=1, kind="warranty", debtor="us", due_date=TODAY - dt.timedelta(days=3))
    soon = ObligationFacts(id=902, contract_id=1, kind="warranty", debtor="us", due_date=TODAY + dt.timedelta(days=2))
    assert compute_alerts([ContractFacts(id=1)], [warranty, soon], [], today=TODAY) == []
