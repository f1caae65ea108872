"""The performance pages over a real archive: records, obligation review, alerts, cases, dashboard, access and language.

Each test builds its contract through the services, works the pages through their forms
(signed in with an API token, so no CSRF token is needed), and checks the page and the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy import select

from archive.access import SYSTEM
from archive.context import Archive
from archive.models import Alert, Clause, Obligation, PerformanceRecord, RecordAttachment
from archive.performance.terms import DueRule, SuggestedObligation
from archive.services import alerts as alert_service
from archive.services import obligations as obligation_service
from archive.services import records as record_service
from archive.services.contract_terms import update_terms
from archive.services.contracts import create_contract
from archive.services.restrictions import restrict_contract
from ingest.pipeline import ingest_path
from tests.conftest import add_user, bearer, signed_in_client
from tests.web.conftest import build_docx, parse

D = dt.date
# Alerts are computed as of this day: the advance payment (due 14 February) is then overdue.
TODAY = D(2025, 3, 3)
SCRIPT = "<script>alert(1)</script>"


@dataclass(frozen=True)
class Contract:
    """A contract with an acceptance report, obligations and the alerts of TODAY."""

    id: int
    document_id: int
    version_id: int
    advance_id: int
    delivery_id: int
    suggestion_id: int
    clause_id: int


def archive_of(client: TestClient) -> Archive:
    return client.app.state.archive


def make_contract(client: TestClient, folder: Path, number: str = "HT-2025-001") -> Contract:
    """Create a contract with two obligations, a suggestion and an acceptance report, then run the alerts."""
    archive = archive_of(client)
    with archive.session() as session:
        contract_id = create_contract(session, number=number, title="设备采购合同").id
        update_terms(session, contract_id, {"signed_on": "2025-01-20", "total_amount": "1000000", "currency": "CNY",
                                            "counterparty": "某某科技有限公司"}, actor=SYSTEM)
        [advance] = obligation_service.create_obligation(
            session, contract_id, {"summary": "预付款 30%", "kind": "payment", "stage": "advance", "debtor": "customer",
                                   "amount": "300000", "owner": "张三", "due_rule": {"on": "2025-02-14"}}, actor=SYSTEM)
        [delivery] = obligation_service.create_obligation(
            session, contract_id, {"summary": "交货", "kind": "delivery", "debtor": "us", "owner": "李四",
                                   "due_rule": {"on": "2025-03-10"}}, actor=SYSTEM)
        ids = (advance.id, delivery.id)
    path = folder / f"验收报告-{number}.docx"
    path.write_bytes(build_docx(["设备验收报告", f"合同编号：{number}", "一、验收结论", "经测试，设备运行正常，验收合格。"]))
    result = ingest_path(archive, path, contract_id=contract_id, kind="acceptance_report", index=False)
    assert result.document_version_id is not None, result
    with archive.session() as session:
        first_clause = session.scalars(select(Clause).where(Clause.document_version_id == result.document_version_id)
                                       .order_by(Clause.ordinal)).first()
        assert first_clause is not None
        [suggestion] = obligation_service.add_suggestions(
            session, contract_id=contract_id, version_id=result.document_version_id,
            suggestions=[SuggestedObligation(
                kind="payment", summary="尾款 70%", due=DueRule(event="acceptance", offset=30),
                amount=Decimal("700000"), stage="final", clause_ordinal=first_clause.ordinal,
                source_text="验收合格后30日内支付尾款")])
        suggestion_id, clause_id = suggestion.id, first_clause.id
        alert_service.run_alerts(session, today=TODAY)
    return Contract(contract_id, result.document_id, result.document_version_id, *ids, suggestion_id, clause_id)


def alerts_of(client: TestClient, contract_id: int) -> list[Alert]:
    with archive_of(client).session() as session:
        rows = session.scalars(select(Alert).where(Alert.contract_id == contract_id).order_by(Alert.id)).all()
        session.expunge_all()
        return list(rows)


def overdue_alert(client: TestClient, contract: Contract) -> Alert:
    alerts = alerts_of(client, contract.id)
    [alert] = [a for a in alerts if a.rule == "overdue" and a.obligation_id == contract.advance_id]
    return alert


def records_of(client: TestClient, contract_id: int) -> list[PerformanceRecord]:
    with archive_of(client).session() as session:
        rows = session.scalars(select(PerformanceRecord).where(PerformanceRecord.contract_id == contract_id)
                               .order_by(PerformanceRecord.id)).all()
        session.expunge_all()
        return list(rows)


def add_record(client: TestClient, contract_id: int, **values: object) -> PerformanceRecord:
    with archive_of(client).session() as session:
        record = record_service.create_record(
            session, contract_id, record_service.RecordInput(**values), actor=SYSTEM)  # type: ignore[arg-type]
        session.flush()
        session.expunge(record)
        return record


def post_forms(page: str) -> list[str]:
    """Return the actions of the POST forms in a page's main content."""
    return [form.get("action") for form in parse(page).xpath("//main//form[@method='post']")]


def text_of(page: str, xpath: str) -> str:
    found = parse(page).xpath(xpath)
    assert found, f"nothing at {xpath}"
    return " ".join(element.text_content() for element in found)


@pytest.fixture
def contract(client: TestClient, tmp_path: Path) -> Contract:
    return make_contract(client, tmp_path)


# Records


def test_record_form_adds_payment(client: TestClient, contract: Contract) -> None:
    response = client.post(f"/contracts/{contract.id}/records", follow_redirects=False, data={
        "kind": "payment", "occurred_on": "2025-02-12", "amount": "100,000", "summary": "收到预付款第一笔",
        "document_id": str(contract.document_id)})

    assert response.status_code == 303
    assert response.headers["location"] == f"/contracts/{contract.id}#records"
    [record] = records_of(client, contract.id)
    assert record.kind == "payment"
    assert record.amount == Decimal("100000.00")
    assert record.currency == "CNY"
    page = client.get(f"/contracts/{contract.id}").text
    row = text_of(page, f"//tr[@id='record-{record.id}']")
    assert "付款" in row
    assert "100000.00" in row
    assert "收到预付款第一笔" in row
    assert "验收报告" in row or "设备验收报告" in row
    advance = text_of(page, f"//tr[@id='obligation-{contract.advance_id}']")
    assert "200000.00" in advance  # outstanding after the payment


def test_payment_without_amount_shows_error(client: TestClient, contract: Contract) -> None:
    response = client.post(f"/contracts/{contract.id}/records", data={
        "kind": "payment", "occurred_on": "2025-02-12", "summary": "对方称已付款", "responsible": "王五"})

    assert response.status_code == 422
    error = text_of(response.text, "//p[@id='record-error']")
    assert "履约记录无效" in error
    assert "付款记录须填写金额" in error
    tree = parse(response.text)
    assert tree.xpath("//details[@id='add-record']")[0].get("open") is not None
    assert tree.xpath("//select[@id='record-kind']/option[@selected]")[0].get("value") == "payment"
    assert tree.xpath("//textarea[@id='record-summary']")[0].text == "对方称已付款"
    assert tree.xpath("//input[@id='record-responsible']")[0].get("value") == "王五"
    assert tree.xpath("//input[@id='record-date']")[0].get("value") == "2025-02-12"
    assert records_of(client, contract.id) == []


def test_unparsable_amount_shows_error(client: TestClient, contract: Contract) -> None:
    response = client.post(f"/contracts/{contract.id}/records", data={
        "kind": "payment", "occurred_on": "2025-02-12", "amount": "十万"})

    assert response.status_code == 422
    assert "十万" in text_of(response.text, "//p[@id='record-error']")
    assert parse(response.text).xpath("//input[@id='record-amount']")[0].get("value") == "十万"


def test_version_page_records_document(client: TestClient, contract: Contract) -> None:
    page = client.get(f"/versions/{contract.version_id}").text
    selected = parse(page).xpath("//select[@id='record-kind']/option[@selected]")
    assert [option.get("value") for option in selected] == ["acceptance"]

    response = client.post(f"/versions/{contract.version_id}/records", follow_redirects=False, data={
        "kind": "acceptance", "occurred_on": "2025-02-20", "status": "passed", "summary": "验收合格"})

    assert response.status_code == 303
    [record] = records_of(client, contract.id)
    assert (record.kind, record.status, record.document_version_id) == ("acceptance", "passed", contract.version_id)
    with archive_of(client).session() as session:
        attached = session.scalars(select(RecordAttachment.document_id).where(RecordAttachment.record_id == record.id))
        assert list(attached) == [contract.document_id]
    record_page = client.get(f"/records/{record.id}").text
    assert parse(record_page).xpath("//ul/li/a/@href").count(f"/versions/{contract.version_id}") == 1


def test_version_record_error_keeps_form(client: TestClient, contract: Contract) -> None:
    response = client.post(f"/versions/{contract.version_id}/records", data={
        "kind": "acceptance", "occurred_on": "2025-02-20", "summary": "缺少验收结论"})

    assert response.status_code == 422
    assert "请选择结果：合格或不合格" in text_of(response.text, "//p[@id='record-error']")
    assert parse(response.text).xpath("//textarea[@id='record-summary']")[0].text == "缺少验收结论"


def test_record_history_after_edit(client: TestClient, contract: Contract) -> None:
    record = add_record(client, contract.id, kind="delivery", occurred_on=D(2025, 3, 1), summary="第一批到货")

    response = client.post(f"/records/{record.id}", follow_redirects=False, data={
        "occurred_on": "2025-03-02", "summary": "第一批到货（更正日期）", "status": "done"})

    assert response.status_code == 303
    page = client.get(f"/records/{record.id}").text
    history = parse(page).xpath("//section[@aria-labelledby='history']//tbody/tr")
    assert len(history) == 1
    cells = [cell.text_content().strip() for cell in history[0].xpath("./td")]
    assert cells[0] == "1"
    assert cells[1] == "tester"
    assert cells[2][:4] == str(dt.date.today().year)
    assert "2025-03-01" in cells[3]
    assert "第一批到货" in cells[3]
    assert "第一批到货（更正日期）" in text_of(page, "//dd[contains(@class, 'summary')]")
    assert "2025-03-02" in text_of(page, "//h1")


def test_record_edit_error_keeps_values(client: TestClient, contract: Contract) -> None:
    record = add_record(client, contract.id, kind="payment", occurred_on=D(2025, 2, 12), amount=Decimal("5000"))

    response = client.post(f"/records/{record.id}", data={"occurred_on": "2025-02-12", "summary": "金额待核", "amount": ""})

    assert response.status_code == 422
    assert "付款记录须填写金额" in text_of(response.text, "//p[@id='edit-error']")
    assert parse(response.text).xpath("//textarea[@id='edit-summary']")[0].text == "金额待核"
    [stored] = records_of(client, contract.id)
    assert stored.amount == Decimal("5000.00")
    assert stored.revision == 1


# Complaint workflow


def test_complaint_escalates_to_dispute(client: TestClient, contract: Contract) -> None:
    client.post(f"/contracts/{contract.id}/records", data={
        "kind": "complaint", "occurred_on": "2025-03-01", "summary": "客户投诉设备噪音过大"})
    [complaint] = records_of(client, contract.id)
    page = client.get(f"/records/{complaint.id}").text
    targets = parse(page).xpath("//form[contains(@action, '/case-steps')]/input[@name='target']/@value")
    assert list(targets) == ["investigating", "resolved", "escalated", "closed"]

    for target, day in (("investigating", "2025-03-02"), ("escalated", "2025-03-05")):
        response = client.post(f"/records/{complaint.id}/case-steps", follow_redirects=False,
                               data={"target": target, "occurred_on": day, "summary": f"步骤：{target}"})
        assert response.status_code == 303, response.text

    page = client.get(f"/records/{complaint.id}").text
    assert "已升级为纠纷" in text_of(page, "//section[@aria-labelledby='case']/p")
    steps = text_of(page, "//ol[@class='steps']")
    assert "步骤：investigating" in steps
    assert "步骤：escalated" in steps
    targets = parse(page).xpath("//form[contains(@action, '/case-steps')]/input[@name='target']/@value")
    assert list(targets) == ["resolved", "closed"]
    disputes = [r for r in records_of(client, contract.id) if r.kind == "dispute"]
    assert len(disputes) == 1
    assert disputes[0].detail == {"escalated_from": complaint.id}
    dispute_page = client.get(f"/records/{disputes[0].id}").text
    assert parse(dispute_page).xpath(f"//a[@href='/records/{complaint.id}']")
    contract_page = client.get(f"/contracts/{contract.id}").text
    assert "已升级为纠纷" in text_of(contract_page, f"//tr[@id='record-{complaint.id}']")


def test_case_step_not_allowed_shows_error(client: TestClient, contract: Contract) -> None:
    complaint = add_record(client, contract.id, kind="complaint", occurred_on=D(2025, 3, 1), summary="投诉")
    client.post(f"/records/{complaint.id}/case-steps", data={"target": "closed", "occurred_on": "2025-03-02"})

    response = client.post(f"/records/{complaint.id}/case-steps",
                           data={"target": "investigating", "occurred_on": "2025-03-03", "summary": "重新调查"})

    assert response.status_code == 422
    assert "closed" in text_of(response.text, "//p[@id='case-error']")
    assert not parse(response.text).xpath("//form[contains(@action, '/case-steps')]")


# Obligations


def test_suggestion_links_source_clause(client: TestClient, contract: Contract) -> None:
    page = client.get(f"/contracts/{contract.id}").text

    card = parse(page).xpath(f"//li[@id='obligation-{contract.suggestion_id}']")[0]
    links = card.xpath(".//a/@href")
    assert f"/versions/{contract.version_id}#clause-{contract.clause_id}" in links
    assert "验收合格后30日内支付尾款" in card.text_content()
    assert card.xpath(".//input[@name='decision']/@value") == ["confirm", "reject"]


def test_confirm_suggestion(client: TestClient, contract: Contract) -> None:
    response = client.post(f"/obligations/{contract.suggestion_id}/review", follow_redirects=False,
                           data={"decision": "confirm"})

    assert response.status_code == 303
    assert response.headers["location"].endswith(f"#obligation-{contract.suggestion_id}")
    with archive_of(client).session() as session:
        obligation = session.get(Obligation, contract.suggestion_id)
        assert obligation.review == "confirmed"
        assert obligation.reviewed_by == "tester"
    page = client.get(f"/contracts/{contract.id}").text
    row = text_of(page, f"//tr[@id='obligation-{contract.suggestion_id}']")
    assert "等待验收合格" in row
    assert "700000.00" in row


def test_reject_suggestion(client: TestClient, contract: Contract) -> None:
    response = client.post(f"/obligations/{contract.suggestion_id}/review", follow_redirects=False,
                           data={"decision": "reject", "note": "重复条款"})

    assert response.status_code == 303
    with archive_of(client).session() as session:
        obligation = session.get(Obligation, contract.suggestion_id)
        assert (obligation.review, obligation.note) == ("rejected", "重复条款")
    page = client.get(f"/contracts/{contract.id}").text
    assert not parse(page).xpath(f"//*[@id='obligation-{contract.suggestion_id}']")


def test_second_review_shows_error(client: TestClient, contract: Contract) -> None:
    client.post(f"/obligations/{contract.suggestion_id}/review", data={"decision": "reject"})

    response = client.post(f"/obligations/{contract.suggestion_id}/review", data={"decision": "confirm"})

    assert response.status_code == 409
    error = text_of(response.text, f"//p[@id='obligation-error-{contract.suggestion_id}']")
    assert str(contract.suggestion_id) in error
    assert "tester" in error
    with archive_of(client).session() as session:
        assert session.get(Obligation, contract.suggestion_id).review == "rejected"


# Alerts


def test_contract_page_shows_alert(client: TestClient, contract: Contract) -> None:
    alert = overdue_alert(client, contract)

    page = client.get(f"/contracts/{contract.id}").text

    card = text_of(page, f"//li[@id='alert-{alert.id}']")
    assert "预付款 30%已逾期 17 天" in card
    assert "张三" in card
    assert "高" in card


def test_acknowledge_alert(client: TestClient, contract: Contract) -> None:
    alert = overdue_alert(client, contract)

    response = client.post(f"/alerts/{alert.id}/state", follow_redirects=False, data={"state": "acknowledged"})

    assert response.status_code == 303
    assert overdue_alert(client, contract).state == "acknowledged"
    page = client.get(f"/contracts/{contract.id}").text
    card = parse(page).xpath(f"//li[@id='alert-{alert.id}']")[0]
    assert card.xpath(".//input[@name='state']/@value") == ["resolved"]
    assert "已知悉" in card.text_content()


def test_resolve_alert_needs_note(client: TestClient, contract: Contract) -> None:
    alert = overdue_alert(client, contract)

    response = client.post(f"/alerts/{alert.id}/state", data={"state": "resolved", "note": "  "})

    assert response.status_code == 422
    assert "须填写说明" in text_of(response.text, f"//p[@id='alert-error-{alert.id}']")
    assert overdue_alert(client, contract).state == "open"


def test_resolve_alert_with_note(client: TestClient, contract: Contract) -> None:
    alert = overdue_alert(client, contract)

    response = client.post(f"/alerts/{alert.id}/state", follow_redirects=False,
                           data={"state": "resolved", "note": "客户已承诺三日内付款"})

    assert response.status_code == 303
    resolved = overdue_alert(client, contract)
    assert (resolved.state, resolved.state_note, resolved.state_by) == ("resolved", "客户已承诺三日内付款", "tester")
    page = client.get(f"/contracts/{contract.id}").text
    assert not parse(page).xpath(f"//li[@id='alert-{alert.id}']")


# Dashboard


def dashboard_rows(page: str) -> list[str]:
    return [row.get("id") for row in parse(page).xpath("//table[@class='alerts']/tbody/tr")]


def test_dashboard_filters(client: TestClient, contract: Contract) -> None:
    alerts = alerts_of(client, contract.id)
    severities = {a.severity for a in alerts}
    assert len(alerts) >= 2, [(a.rule, a.severity) for a in alerts]
    overdue = overdue_alert(client, contract)
    client.post(f"/alerts/{overdue.id}/state", data={"state": "acknowledged"})

    everything = client.get("/alerts").text
    assert sorted(dashboard_rows(everything)) == sorted(f"alert-{a.id}" for a in alerts)
    assert parse(everything).xpath(f"//tr[@id='alert-{overdue.id}']//a/@href") == [
        f"/contracts/{contract.id}#alert-{overdue.id}"]

    for severity in severities:
        page = client.get(f"/alerts?severity={severity}").text
        assert sorted(dashboard_rows(page)) == sorted(f"alert-{a.id}" for a in alerts if a.severity == severity)
        assert parse(page).xpath("//select[@id='filter-severity']/option[@selected]/@value") == [severity]

    by_rule = client.get("/alerts?rule=overdue").text
    assert dashboard_rows(by_rule) == [f"alert-{overdue.id}"]
    assert parse(by_rule).xpath("//select[@id='filter-rule']/option[@selected]/@value") == ["overdue"]

    by_owner = client.get("/alerts?owner=张三").text
    assert f"alert-{overdue.id}" in dashboard_rows(by_owner)
    assert all(a.owner == "张三" for a in alerts if f"alert-{a.id}" in dashboard_rows(by_owner))
    assert parse(by_owner).xpath("//input[@id='filter-owner']/@value") == ["张三"]

    acknowledged = client.get("/alerts?state=acknowledged").text
    assert dashboard_rows(acknowledged) == [f"alert-{overdue.id}"]
    assert dashboard_rows(client.get("/alerts?state=resolved").text) == []
    assert dashboard_rows(client.get("/alerts?owner=nobody").text) == []
    assert dashboard_rows(client.get("/alerts?page=2").text) == []


def test_dashboard_downloads_and_feed(client: TestClient, contract: Contract) -> None:
    page = client.get("/alerts").text
    links = parse(page).xpath("//section[@class='downloads']//a/@href")
    assert links == ["/api/exports/ledger.xlsx", "/api/exports/ledger.csv", "/api/exports/receivables.xlsx",
                     "/api/exports/receivables.csv"]
    assert client.get("/api/exports/ledger.csv").status_code == 200
    assert "/calendar-feed" in post_forms(page)

    feed = client.post("/calendar-feed")

    assert feed.status_code == 200
    url = parse(feed.text).xpath("//input[@id='feed-url']/@value")[0]
    assert url.endswith(".ics")
    assert "/api/calendar/" in url


def test_scores_page_lists_counterparty(client: TestClient, contract: Contract) -> None:
    page = client.get("/scores").text

    assert "某某科技有限公司" in text_of(page, "//main//table")
    assert f"/contracts/{contract.id}" in parse(page).xpath("//main//table//a/@href")
    section = parse(page).xpath("//section[@aria-labelledby='party-1']")[0]
    assert f"/contracts/{contract.id}#obligation-{contract.advance_id}" in section.xpath(".//a/@href")


def test_contract_scores_link_obligations(client: TestClient, contract: Contract) -> None:
    page = client.get(f"/contracts/{contract.id}").text

    scores = parse(page).xpath("//section[@aria-labelledby='scores']")[0]
    assert f"/contracts/{contract.id}#obligation-{contract.advance_id}" in scores.xpath(".//a/@href")
    assert "300000.00" in scores.text_content()


# Terms


def test_terms_form_updates_terms(client: TestClient, contract: Contract) -> None:
    page = client.get(f"/contracts/{contract.id}").text
    form = parse(page).xpath("//form[contains(@action, '/terms')]")[0]
    values = {field.get("name"): field.get("value") or "" for field in form.xpath(".//input")
              if field.get("type") != "checkbox"}
    add_user(archive_of(client).settings, "赵六", "legal")
    values.update({"owner": "赵六", "expires_on": "2026-01-19"})

    response = client.post(f"/contracts/{contract.id}/terms", data=values, follow_redirects=False)

    assert response.status_code == 303
    terms = text_of(client.get(f"/contracts/{contract.id}").text, "//section[@aria-labelledby='terms']/dl")
    assert "赵六" in terms
    assert "2026-01-19" in terms
    assert "2025-01-20" in terms
    assert "某某科技有限公司" in terms


def test_terms_owner_must_be_a_user(client: TestClient, contract: Contract) -> None:
    response = client.post(f"/contracts/{contract.id}/terms", data={"form_name": "terms", "owner": "法务部 赵六"})

    assert response.status_code == 422
    assert text_of(response.text, "//p[@id='terms-error']") == "合同要素无效：没有名为“法务部 赵六”的用户"


def test_terms_form_error_keeps_values(client: TestClient, contract: Contract) -> None:
    response = client.post(f"/contracts/{contract.id}/terms", data={
        "form_name": "terms", "counterparty": "新相对方", "total_amount": "一百万"})

    assert response.status_code == 422
    assert "一百万" in text_of(response.text, "//p[@id='terms-error']")
    assert parse(response.text).xpath("//input[@id='terms-counterparty']/@value") == ["新相对方"]
    assert "某某科技有限公司" in text_of(client.get(f"/contracts/{contract.id}").text, "//section[@aria-labelledby='terms']/dl")


def test_terms_post_without_form_changes_nothing(client: TestClient, contract: Contract) -> None:
    response = client.post(f"/contracts/{contract.id}/terms", data={})

    assert response.status_code == 422
    assert "某某科技有限公司" in text_of(client.get(f"/contracts/{contract.id}").text, "//section[@aria-labelledby='terms']/dl")


# Access, escaping and language


def test_viewer_sees_no_forms(client: TestClient, contract: Contract) -> None:
    complaint = add_record(client, contract.id, kind="complaint", occurred_on=D(2025, 3, 1), summary="投诉")
    alert = overdue_alert(client, contract)
    settings = archive_of(client).settings
    with signed_in_client(settings, "viewer") as viewer:
        for url in (f"/contracts/{contract.id}", f"/records/{complaint.id}", f"/versions/{contract.version_id}",
                    "/alerts"):
            page = viewer.get(url)
            assert page.status_code == 200, url
            assert [a for a in post_forms(page.text) if a not in ("/logout", "/calendar-feed")] == [], url
        assert "预付款 30%已逾期" in viewer.get(f"/contracts/{contract.id}").text

        posts = {
            f"/contracts/{contract.id}/records": {"kind": "progress", "occurred_on": "2025-03-01"},
            f"/contracts/{contract.id}/terms": {"form_name": "terms", "owner": "x"},
            f"/versions/{contract.version_id}/records": {"kind": "acceptance", "occurred_on": "2025-03-01"},
            f"/obligations/{contract.suggestion_id}/review": {"decision": "confirm"},
            f"/alerts/{alert.id}/state": {"state": "acknowledged"},
            f"/records/{complaint.id}": {"occurred_on": "2025-03-01", "summary": "改"},
            f"/records/{complaint.id}/case-steps": {"target": "closed", "occurred_on": "2025-03-02"},
        }
        for url, data in posts.items():
            assert viewer.post(url, data=data, follow_redirects=False).status_code == 403, url
    assert overdue_alert(client, contract).state == "open"
    assert [r.id for r in records_of(client, contract.id)] == [complaint.id]


def test_restricted_contract_alerts_hidden(client: TestClient, tmp_path: Path) -> None:
    hidden = make_contract(client, tmp_path, number="HT-2025-009")
    settings = archive_of(client).settings
    add_user(settings, "outsider", "legal")
    with archive_of(client).session() as session:
        restrict_contract(session, SYSTEM, hidden.id, usernames=["tester"], group_names=[])
    alert = overdue_alert(client, hidden)

    assert f"alert-{alert.id}" in dashboard_rows(client.get("/alerts").text)
    with signed_in_client(settings, "legal") as outsider:
        page = outsider.get("/alerts").text
        assert dashboard_rows(page) == []
        assert "HT-2025-009" not in page
        assert outsider.get(f"/contracts/{hidden.id}").status_code == 404
        refused = outsider.post(f"/alerts/{alert.id}/state", data={"state": "acknowledged"}, follow_redirects=False)
        assert refused.status_code == 404
        assert outsider.get("/scores").text.count("某某科技有限公司") == 0
    assert overdue_alert(client, hidden).state == "open"


def test_record_summary_escaped(client: TestClient, contract: Contract) -> None:
    record = add_record(client, contract.id, kind="communication", occurred_on=D(2025, 3, 1), summary=SCRIPT,
                        detail={"channel": "letter", "participants": SCRIPT, "outcome": "ok"})

    for url in (f"/contracts/{contract.id}", f"/records/{record.id}"):
        page = client.get(url).text
        assert "<script>alert(1)</script>" not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url


def test_pages_chinese_by_default(client: TestClient, contract: Contract) -> None:
    record = add_record(client, contract.id, kind="delivery", occurred_on=D(2025, 3, 1))
    for url, heading in ((f"/contracts/{contract.id}", "履约义务"), (f"/records/{record.id}", "修改历史"),
                         ("/alerts", "风险预警"), ("/scores", "相对方评分")):
        page = client.get(url).text
        assert '<html lang="zh-CN">' in page, url
        assert heading in page, url
    assert "风险预警" in text_of(client.get("/").text, "//header//nav")
    assert "预付款 30%已逾期 17 天" in client.get("/alerts").text


def test_pages_in_english(client: TestClient, contract: Contract) -> None:
    record = add_record(client, contract.id, kind="delivery", occurred_on=D(2025, 3, 1))
    for url, heading in ((f"/contracts/{contract.id}", "Obligations"), (f"/records/{record.id}", "Edit history"),
                         ("/alerts", "Risk alerts"), ("/scores", "Counterparty scores")):
        page = client.get(url, params={"lang": "en"}).text
        assert '<html lang="en">' in page, url
        assert heading in page, url
        assert "履约义务" not in page, url
    page = client.get("/alerts", params={"lang": "en"}).text
    assert "预付款 30% is 17 days overdue." in page
    assert "Send a written demand" in page


def test_unknown_record_not_found(client: TestClient) -> None:
    assert client.get("/records/999999").status_code == 404
