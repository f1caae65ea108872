"""A contract performed over 2025 and later, checked at points in time against exact alerts, dates and scores.

The contract is signed on Monday 20 January 2025. Its terms:
- 30 % advance within 15 working days of signing. The count crosses the Spring Festival
  holiday (28 January to 4 February) and the working Sunday 26 January and Saturday 8 February.
- Delivery by 30 June, and acceptance within 10 working days of delivery.
- 60 % within 30 days of acceptance. The 30th day falls in the National Day holiday
  (1 to 8 October), so the date moves to 9 October.
- 10 % retention 12 months after acceptance.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from archive.access import SYSTEM
from archive.models import Alert, Contract, Obligation
from archive.performance.facts import AlertSettings
from archive.performance.scores import contract_scores
from archive.services import alerts as alert_service
from archive.services import obligations as obligation_service
from archive.services import records as record_service
from archive.services.contract_terms import update_terms
from archive.services.contracts import create_contract
from ingest.pipeline import ingest_path
from tests.conftest import corpus_file

D = dt.date
ACCEPTANCE_REPORT = "zh_swun_project-acceptance-report_tables.docx"


def obligation(session, contract_id: int, summary: str, **values):  # type: ignore[no-untyped-def]
    [created] = obligation_service.create_obligation(session, contract_id, {"summary": summary, **values}, actor=SYSTEM)
    return created.id


def alerts_on(session, today: dt.date) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    alert_service.run_alerts(session, today=today, settings=AlertSettings())
    rows = session.scalars(select(Alert).where(Alert.state != "resolved")).all()
    names = {o.id: o.summary for o in session.scalars(select(Obligation))}
    return sorted((a.rule, names.get(a.obligation_id, "-"), a.severity) for a in rows)


@pytest.fixture
def scenario(archive):  # type: ignore[no-untyped-def]
    report = corpus_file(ACCEPTANCE_REPORT)
    with archive.session() as session:
        contract_id = create_contract(session, number="HT-2025-001", title="设备采购合同").id
        update_terms(session, contract_id, {"signed_on": "2025-01-20", "total_amount": "1000000", "currency": "CNY",
                                            "counterparty": "某某科技有限公司"}, actor=SYSTEM)
        ids = {
            "advance": obligation(session, contract_id, "预付款 30%", kind="payment", stage="advance", debtor="customer",
                                  amount="300000", due_rule={"event": "signing", "offset": 15, "unit": "working_day"}),
            "delivery": obligation(session, contract_id, "交货", kind="delivery", debtor="us",
                                   due_rule={"on": "2025-06-30"}),
            "acceptance": obligation(session, contract_id, "验收", kind="acceptance", debtor="customer",
                                     due_rule={"event": "delivery", "offset": 10, "unit": "working_day"}),
            "final": obligation(session, contract_id, "进度款 60%", kind="payment", stage="progress",
                                debtor="customer", amount="600000",
                                due_rule={"event": "acceptance", "offset": 30, "unit": "day"}),
            "retention": obligation(session, contract_id, "质保金 10%", kind="payment", stage="retention",
                                    debtor="customer", amount="100000",
                                    due_rule={"event": "acceptance", "offset": 12, "unit": "month"}),
        }
    uploaded = ingest_path(archive, report, contract_id=contract_id, kind="acceptance_report", index=False)
    assert uploaded.document_id is not None, uploaded
    return archive, contract_id, ids, uploaded.document_id


def add(session, contract_id: int, kind: str, day: dt.date, **values):  # type: ignore[no-untyped-def]
    return record_service.create_record(
        session, contract_id, record_service.RecordInput(kind=kind, occurred_on=day, **values), actor=SYSTEM)


def test_due_dates_alerts_and_scores_through_two_holidays(scenario) -> None:  # type: ignore[no-untyped-def]
    archive, contract_id, ids, report_id = scenario
    with archive.session() as session:
        due = {name: session.get(Obligation, i).due_date for name, i in ids.items()}
        # Waiting for events that have not happened yet.
        assert due == {"advance": D(2025, 2, 14), "delivery": D(2025, 6, 30), "acceptance": None,
                       "final": None, "retention": None}
        assert alerts_on(session, D(2025, 2, 10)) == [("due_soon", "预付款 30%", "medium")]
        add(session, contract_id, "payment", D(2025, 2, 12), amount=Decimal("300000"))
        assert alerts_on(session, D(2025, 2, 13)) == []

        add(session, contract_id, "delivery", D(2025, 6, 20), summary="设备到货")
        add(session, contract_id, "quality_inspection", D(2025, 6, 25), status="failed", summary="两台设备外观破损")
        assert session.get(Obligation, ids["acceptance"]).due_date == D(2025, 7, 4)
        assert alerts_on(session, D(2025, 7, 1)) == [("due_soon", "验收", "medium"), ("inspection_failed", "-", "high")]

        add(session, contract_id, "quality_inspection", D(2025, 7, 10), status="passed", summary="更换后复检合格")
        assert alerts_on(session, D(2025, 8, 15)) == [("acceptance_missing", "-", "high"), ("overdue", "验收", "high")]

        add(session, contract_id, "acceptance", D(2025, 9, 5), status="passed", attachments=(report_id,))
        due = {name: session.get(Obligation, i).due_date for name, i in ids.items()}
        assert due["final"] == D(2025, 10, 9)  # 5 October is in the National Day holiday
        assert due["retention"] == D(2026, 9, 7)  # 5 September 2026 is a Saturday
        assert alerts_on(session, D(2025, 10, 8)) == [("due_soon", "进度款 60%", "medium")]

        add(session, contract_id, "payment", D(2025, 10, 20), amount=Decimal("200000"))
        add(session, contract_id, "communication", D(2025, 11, 10), demand=True, summary="发出催款函",
            detail={"channel": "letter", "participants": "法务部", "outcome": "对方签收"})
        assert alerts_on(session, D(2025, 12, 1)) == [
            ("overdue", "进度款 60%", "high"), ("partly_paid", "进度款 60%", "medium")]

        facts = alert_service.load_facts(session, contract_id)
        scores = contract_scores(facts.contracts[0], facts.obligations, facts.records, today=D(2025, 12, 1))
        assert scores.progress.value == 50.0  # delivery on time, acceptance late
        assert set(scores.progress.on_time) == {ids["delivery"]}
        assert set(scores.progress.late) == {ids["acceptance"]}
        assert scores.quality.value == 50.0  # one failed, one passed inspection
        assert scores.payment.amount_due == Decimal("900000")
        assert scores.payment.amount_on_time == Decimal("300000")
        assert scores.payment.amount_overdue == Decimal("400000")
        assert scores.payment.days_overdue == (D(2025, 12, 1) - D(2025, 10, 9)).days

        # Nothing more is paid. The 催款函 of 10 November 2025 restarted the limitation period.
        assert alerts_on(session, D(2028, 9, 1)) == [
            ("limitation_expiring", "进度款 60%", "critical"),
            ("overdue", "质保金 10%", "critical"),
            ("overdue", "进度款 60%", "critical"),
            ("partly_paid", "进度款 60%", "medium"),
        ]
        expiring = session.scalars(select(Alert).where(Alert.rule == "limitation_expiring")).one()
        assert expiring.due_date == D(2028, 11, 10)


def test_alert_state_survives_daily_runs_and_clears_itself(scenario) -> None:  # type: ignore[no-untyped-def]
    archive, contract_id, ids, _ = scenario
    with archive.session() as session:
        alerts_on(session, D(2025, 2, 10))
        alert = session.scalars(select(Alert)).one()
        alert_service.set_alert_state(session, alert.id, state="acknowledged", note="已电话提醒客户", actor=SYSTEM)
        alerts_on(session, D(2025, 2, 11))
        assert session.get(Alert, alert.id).state == "acknowledged"
        add(session, contract_id, "payment", D(2025, 2, 12), amount=Decimal("300000"))
        assert alerts_on(session, D(2025, 2, 13)) == []
        cleared = session.get(Alert, alert.id)
        assert (cleared.state, cleared.state_by, cleared.state_note) == ("resolved", "system", "condition cleared")
