"""Performance records, obligations, alerts, exports, CSV import and calendar feeds through the JSON API.

The contract is the generated sample purchase contract (total ￥123,000, 30 % within 15 working
days of signing on 5 March 2024), read by the real pipeline.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import icalendar
import openpyxl
import pytest
from fastapi.testclient import TestClient

from archive.services.audit import list_events
from tests.api.conftest import upload
from tests.conftest import signed_in_client

CONTRACT_FILE = "采购合同-HT-2024-001.docx"


@pytest.fixture
def contract(client: TestClient, samples) -> dict:  # type: ignore[no-untyped-def]
    response = upload(client, samples / CONTRACT_FILE)
    assert response.status_code == 201, response.text
    contract_id = response.json()["results"][0]["contract_id"]
    return {"id": contract_id, "performance": client.get(f"/api/contracts/{contract_id}/performance").json()}


def test_ingest_fills_terms_and_suggests_payment_terms(client: TestClient, contract: dict) -> None:
    terms = client.get(f"/api/contracts/{contract['id']}").json()["contract"]["terms"]
    assert (terms["signed_on"], terms["total_amount"], terms["currency"]) == ("2024-03-05", "123000.00", "CNY")
    suggested = {o["summary"]: o for o in contract["performance"]["obligations"] if o["review"] == "suggested"}
    advance = suggested["预付款 30%"]
    assert (advance["amount"], advance["debtor"], advance["due_rule"]["event"], advance["due_rule"]["unit"]) == (
        "36900.00", "customer", "signing", "working_day")
    assert advance["due_date"] is None  # a suggestion is not dated until confirmed
    assert advance["clause_id"] is not None


def test_confirm_dates_a_suggestion_and_reject_hides_it(client: TestClient, contract: dict) -> None:
    suggested = {o["summary"]: o["id"] for o in contract["performance"]["obligations"] if o["review"] == "suggested"}
    confirmed = client.post(f"/api/obligations/{suggested['预付款 30%']}/review", json={"decision": "confirm"})
    assert confirmed.status_code == 200, confirmed.text
    # 5 March 2024 plus 15 working days (Qingming, 4-6 April, is later).
    assert confirmed.json()[0]["due_date"] == "2024-03-26"
    undated = client.post(f"/api/obligations/{suggested['质保金 5%']}/review", json={"decision": "confirm"})
    assert undated.status_code == 422
    assert "set a due date" in undated.text
    rejected = client.post(f"/api/obligations/{suggested['质保金 5%']}/review", json={"decision": "reject", "note": "重复"})
    assert rejected.json()[0]["review"] == "rejected"
    again = client.post(f"/api/obligations/{suggested['质保金 5%']}/review", json={"decision": "confirm"})
    assert again.status_code == 409
    listed = {o["id"] for o in client.get(f"/api/contracts/{contract['id']}/performance").json()["obligations"]}
    assert suggested["质保金 5%"] not in listed


def test_payment_record_edit_history(client: TestClient, contract: dict) -> None:
    ids = {o["summary"]: o["id"] for o in contract["performance"]["obligations"]}
    client.post(f"/api/obligations/{ids['预付款 30%']}/review", json={"decision": "confirm"})
    created = client.post(f"/api/contracts/{contract['id']}/records",
                          json={"kind": "payment", "occurred_on": "2024-03-20", "amount": "20000", "summary": "首笔"})
    assert created.status_code == 201, created.text
    record = created.json()
    assert record["fulfils"] == [{"obligation_id": ids["预付款 30%"], "amount": "20000.00"}]
    edited = client.patch(f"/api/records/{record['record']['id']}", json={"amount": "36900", "summary": "预付款全额"})
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert body["record"]["revision"] == 2
    assert body["history"][0]["values"]["amount"] == "20000.00"
    assert body["history"][0]["values"]["summary"] == "首笔"
    performance = client.get(f"/api/contracts/{contract['id']}/performance").json()
    advance = next(o for o in performance["obligations"] if o["id"] == ids["预付款 30%"])
    assert (advance["status"], advance["paid"], advance["outstanding"]) == ("fulfilled", "36900.00", "0.00")
    archive = client.app.state.archive
    with archive.session() as session:
        actions = [e.action for e in list_events(session, limit=500)[1]]
    assert {"record_created", "record_edited", "obligation_confirmed"} <= set(actions)


@pytest.mark.parametrize(("body", "words"), [
    ({"kind": "payment", "occurred_on": "2024-03-20"}, "needs its amount"),
    ({"kind": "shipment", "occurred_on": "2024-03-20"}, "Unknown performance record kind"),
    ({"kind": "quality_inspection", "occurred_on": "2024-03-20"}, "choose the result: passed or failed"),
    ({"kind": "delivery", "occurred_on": "2099-01-01"}, "is in the future"),
    ({"kind": "delivery", "occurred_on": "1900-01-01"}, "before 1970"),
    ({"kind": "payment", "occurred_on": "2024-03-20", "amount": "1.005"}, "more than two decimals"),
    ({"kind": "payment", "occurred_on": "2024-03-20", "amount": "99999999999999999999999"}, "too large"),
    ({"kind": "payment", "occurred_on": "2024-03-20", "amount": "10", "currency": "人民币"}, "three-letter code"),
    ({"kind": "communication", "occurred_on": "2024-03-20"}, "channel"),
    ({"kind": "delivery", "occurred_on": "2024-03-20", "attachments": [999999]}, "not filed under contract"),
])
def test_bad_records_are_refused_with_a_reason(client: TestClient, contract: dict, body: dict, words: str) -> None:
    response = client.post(f"/api/contracts/{contract['id']}/records", json=body)
    assert response.status_code == 422, response.text
    assert words in response.text
    assert client.get(f"/api/contracts/{contract['id']}/performance").json()["records"] == []


def test_payment_in_another_currency_pays_nothing(client: TestClient, contract: dict) -> None:
    ids = {o["summary"]: o["id"] for o in contract["performance"]["obligations"]}
    client.post(f"/api/obligations/{ids['预付款 30%']}/review", json={"decision": "confirm"})
    usd = client.post(f"/api/contracts/{contract['id']}/records",
                      json={"kind": "payment", "occurred_on": "2024-03-20", "amount": "100", "currency": "USD"})
    assert usd.json()["fulfils"] == []
    named = client.post(f"/api/contracts/{contract['id']}/records",
                        json={"kind": "payment", "occurred_on": "2024-03-20", "amount": "100", "currency": "USD",
                              "obligation_ids": [ids["预付款 30%"]]})
    assert named.status_code == 422
    assert "a payment in USD cannot pay an obligation owed in CNY" in named.text


def test_complaint_workflow_escalates_to_a_dispute(client: TestClient, contract: dict) -> None:
    opened = client.post(f"/api/contracts/{contract['id']}/records",
                         json={"kind": "complaint", "occurred_on": "2024-07-01", "summary": "设备噪音过大"}).json()
    case_id = opened["record"]["id"]
    assert opened["case_state"] == "received"
    refused = client.post(f"/api/records/{case_id}/case-steps", json={"target": "received", "occurred_on": "2024-07-02"})
    assert refused.status_code == 422
    assert "cannot move" in refused.text
    for target, day in (("investigating", "2024-07-02"), ("escalated", "2024-07-20")):
        step = client.post(f"/api/records/{case_id}/case-steps", json={"target": target, "occurred_on": day})
        assert step.status_code == 201, step.text
    early = client.post(f"/api/records/{case_id}/case-steps", json={"target": "closed", "occurred_on": "2024-07-10"})
    assert early.status_code == 422
    assert "before the case's latest date 2024-07-20" in early.text
    detail = client.get(f"/api/records/{case_id}").json()
    assert detail["case_state"] == "escalated"
    assert [s["status"] for s in detail["case_steps"]] == ["investigating", "escalated"]
    records = client.get(f"/api/contracts/{contract['id']}/performance").json()["records"]
    dispute = next(r for r in records if r["kind"] == "dispute")
    assert (dispute["detail"]["escalated_from"], dispute["case_state"]) == (case_id, "received")


def test_alerts_run_list_and_change_state(client: TestClient, contract: dict) -> None:
    ids = {o["summary"]: o["id"] for o in contract["performance"]["obligations"]}
    client.post(f"/api/obligations/{ids['预付款 30%']}/review", json={"decision": "confirm"})
    assert client.post("/api/alerts/run").status_code == 200
    alerts = client.get("/api/alerts").json()
    overdue = [a for a in alerts["alerts"] if a["rule"] == "overdue"]  # limitation alerts depend on today
    assert [a["obligation_id"] for a in overdue] == [ids["预付款 30%"]]
    assert overdue[0]["contract"]["id"] == contract["id"]
    alert_id = overdue[0]["id"]
    no_note = client.post(f"/api/alerts/{alert_id}/state", json={"state": "resolved"})
    assert no_note.status_code == 422
    assert "needs a note" in no_note.text
    done = client.post(f"/api/alerts/{alert_id}/state", json={"state": "resolved", "note": "客户已承诺本周付款"})
    assert done.json()["state"] == "resolved"
    assert alert_id not in {a["id"] for a in client.get("/api/alerts").json()["alerts"]}
    assert alert_id in {a["id"] for a in client.get("/api/alerts?state=resolved").json()["alerts"]}


def test_restricted_contract_hides_its_performance(client: TestClient, contract: dict, settings) -> None:  # type: ignore[no-untyped-def]
    ids = {o["summary"]: o["id"] for o in contract["performance"]["obligations"]}
    client.post(f"/api/obligations/{ids['预付款 30%']}/review", json={"decision": "confirm"})
    record = client.post(f"/api/contracts/{contract['id']}/records",
                         json={"kind": "delivery", "occurred_on": "2024-06-20"}).json()["record"]
    client.post("/api/alerts/run")
    assert client.put(f"/api/contracts/{contract['id']}/access", json={"restricted": True}).status_code == 200
    with signed_in_client(settings, "legal") as outsider:
        assert outsider.get(f"/api/contracts/{contract['id']}/performance").status_code == 404
        assert outsider.get(f"/api/records/{record['id']}").status_code == 404
        assert outsider.patch(f"/api/records/{record['id']}", json={"summary": "x"}).status_code == 404
        assert outsider.post(f"/api/obligations/{ids['付款 65%']}/review", json={"decision": "reject"}).status_code == 404
        assert outsider.get("/api/alerts").json() == {"total": 0, "alerts": []}
        ledger = outsider.get("/api/exports/receivables.csv")
        assert "HT-2024-001" not in ledger.content.decode("utf-8-sig")


def test_ledger_and_receivables_exports(client: TestClient, contract: dict) -> None:
    ids = {o["summary"]: o["id"] for o in contract["performance"]["obligations"]}
    client.post(f"/api/obligations/{ids['预付款 30%']}/review", json={"decision": "confirm"})
    client.post(f"/api/contracts/{contract['id']}/records", json={"kind": "payment", "occurred_on": "2024-03-20", "amount": "10000"})
    xlsx = client.get("/api/exports/ledger.xlsx")
    assert xlsx.status_code == 200
    disposition = xlsx.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="ledger-')
    assert "filename*=UTF-8''%E5%90%88%E5%90%8C%E5%8F%B0%E8%B4%A6-ledger-" in disposition
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    headers = rows[0]
    assert headers[:3] == ("合同编号", "合同名称", "相对方")
    row = dict(zip(headers, rows[1]))
    assert (row["合同编号"], row["已收金额"], row["未收金额"]) == ("HT-2024-001", 10000, 26900)
    text = client.get("/api/exports/receivables.csv?lang=en").content
    assert text.startswith(b"\xef\xbb\xbf")
    [detail] = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))
    assert (detail["Amount due"], detail["Paid"], detail["Outstanding"]) == ("36900.00", "10000.00", "26900.00")
    assert client.get("/api/exports/ledger.pdf").status_code == 422


def test_csv_import_all_or_nothing(client: TestClient, contract: dict) -> None:
    url = f"/api/contracts/{contract['id']}/records/import"
    good = "日期,类型,金额,摘要,方式\n2024-03-20,付款,1000,首笔,\n2024-04-01,沟通,,电话催款,电话\n".encode("gbk")
    response = client.post(url, params={"filename": "付款记录.csv"}, content=good, headers={"Content-Type": "text/csv"})
    assert response.status_code == 201, response.text
    assert response.json() == {"imported": 2, "duplicates": 0}
    again = client.post(url, params={"filename": "付款记录.csv"}, content=good, headers={"Content-Type": "text/csv"})
    assert again.json() == {"imported": 0, "duplicates": 2}
    bad = "日期,类型,金额\n2024-05-01,付款,500\n2024-05-02,出差,\n".encode("utf-8-sig")
    refused = client.post(url, params={"filename": "第二批.csv"}, content=bad, headers={"Content-Type": "text/csv"})
    assert refused.status_code == 422
    assert "第二批.csv, line 3: unknown record kind '出差'; use one of: 进度、质量检查" in refused.text
    records = client.get(f"/api/contracts/{contract['id']}/performance").json()["records"]
    assert sorted(r["occurred_on"] for r in records) == ["2024-03-20", "2024-04-01"]


def test_calendar_feed_secret(client: TestClient, contract: dict) -> None:
    ids = {o["summary"]: o["id"] for o in contract["performance"]["obligations"]}
    client.post(f"/api/obligations/{ids['预付款 30%']}/review", json={"decision": "confirm"})
    url = client.post("/api/me/calendar-feed").json()["url"]
    path = url.split("127.0.0.1:8000", 1)[1]
    anonymous = TestClient(client.app)
    feed = anonymous.get(path)
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    assert [(str(e["UID"]), e["DTSTART"].dt.isoformat()) for e in events] == [
        (f"obligation-{ids['预付款 30%']}@contract-archive", "2024-03-26")]
    client.post(f"/api/contracts/{contract['id']}/records", json={"kind": "payment", "occurred_on": "2024-03-20", "amount": "10000"})
    [event] = icalendar.Calendar.from_ical(anonymous.get(path).content).walk("VEVENT")
    assert "26,900.00" in str(event["DESCRIPTION"])  # what is still owed, not the whole 36,900
    renewed = client.post("/api/me/calendar-feed").json()["url"]
    assert renewed != url
    assert anonymous.get(path).status_code == 404
    assert anonymous.get("/api/calendar/not-a-secret.ics").status_code == 404


def test_terms_corrections_are_checked_and_redate_obligations(client: TestClient, contract: dict) -> None:
    ids = {o["summary"]: o["id"] for o in contract["performance"]["obligations"]}
    client.post(f"/api/obligations/{ids['预付款 30%']}/review", json={"decision": "confirm"})
    bad = client.patch(f"/api/contracts/{contract['id']}/terms", json={"signed_on": "2024-13-01"})
    assert bad.status_code == 422
    assert "is not a date" in bad.text
    unknown = client.patch(f"/api/contracts/{contract['id']}/terms", json={"owner": "nobody"})
    assert unknown.status_code == 422
    assert "no user is named 'nobody'" in unknown.text
    backwards = client.patch(f"/api/contracts/{contract['id']}/terms", json={"expires_on": "2024-01-01"})
    assert backwards.status_code == 422
    assert "before the signing or effective date 2024-03-05" in backwards.text
    fixed = client.patch(f"/api/contracts/{contract['id']}/terms", json={"signed_on": "2025-01-20", "owner": "Tester"})
    assert fixed.json()["source"] == "staff"
    assert fixed.json()["owner"] == "tester"
    advance = next(o for o in client.get(f"/api/contracts/{contract['id']}/performance").json()["obligations"]
                   if o["id"] == ids["预付款 30%"])
    assert advance["due_date"] == "2025-02-14"  # across the 2025 Spring Festival
    assert Decimal(advance["amount"]) == Decimal("36900")


def test_files_uploaded_for_a_record_become_its_documents(client: TestClient, contract: dict, samples) -> None:  # type: ignore[no-untyped-def]
    record = client.post(f"/api/contracts/{contract['id']}/records",
                         json={"kind": "acceptance", "occurred_on": "2024-07-05", "status": "passed"}).json()["record"]
    report = samples / "验收报告-HT-2024-001.docx"
    with report.open("rb") as stream:
        response = client.post(f"/api/records/{record['id']}/files", files={"file": (report.name, stream)},
                               data={"contract_id": "999999"})
    assert response.status_code == 201, response.text
    body = response.json()
    [result] = body["results"]
    assert result["contract_id"] == contract["id"]
    assert body["attached"] == [result["document_id"]]
    assert [(d["id"], d["kind"]) for d in body["record"]["documents"]] == [(result["document_id"], "acceptance_report")]


def payment_rules(client: TestClient) -> list[str]:
    """Rules of the open alerts, without the limitation ones, which depend on the day the test runs."""
    alerts = client.get("/api/alerts").json()["alerts"]
    return sorted(a["rule"] for a in alerts if not a["rule"].startswith("limitation"))


def test_alerts_refresh_after_a_change(client: TestClient, contract: dict) -> None:
    ids = {o["summary"]: o["id"] for o in contract["performance"]["obligations"]}
    client.post(f"/api/obligations/{ids['预付款 30%']}/review", json={"decision": "confirm"})
    assert payment_rules(client) == ["overdue"]  # due 26 March 2024, long past
    client.post(f"/api/contracts/{contract['id']}/records", json={"kind": "payment", "occurred_on": "2024-04-10", "amount": "9000"})
    assert payment_rules(client) == ["overdue", "partly_paid"]
    client.post(f"/api/contracts/{contract['id']}/records", json={"kind": "payment", "occurred_on": "2024-04-20", "amount": "27900"})
    assert client.get("/api/alerts").json()["alerts"] == []


def test_unknown_fields_and_states_are_refused(client: TestClient, contract: dict) -> None:
    record = client.post(f"/api/contracts/{contract['id']}/records",
                         json={"kind": "delivery", "occurred_on": "2024-06-20"}).json()["record"]
    changed = client.patch(f"/api/records/{record['id']}", json={"kind": "payment"})
    assert changed.status_code == 422
    assert client.get(f"/api/records/{record['id']}").json()["record"]["kind"] == "delivery"
    assert client.get("/api/alerts?state=all").status_code == 422


def test_moving_a_contract_document_takes_its_obligations_along(client: TestClient, contract: dict) -> None:
    document_id = client.get(f"/api/contracts/{contract['id']}").json()["documents"][0]["id"]
    archive = client.app.state.archive
    from archive.services.contracts import create_contract

    with archive.session() as session:
        target = create_contract(session, number="HT-2024-001-B", title="设备采购合同（正式编号）").id
    moved = client.patch(f"/api/documents/{document_id}", json={"contract_id": target})
    assert moved.status_code == 200, moved.text
    assert client.get(f"/api/contracts/{contract['id']}").status_code == 404  # the empty shell was merged away
    summaries = {o["summary"] for o in client.get(f"/api/contracts/{target}/performance").json()["obligations"]}
    assert "预付款 30%" in summaries
    with archive.session() as session:
        newest = create_contract(session, number=None, title="新合同").id
    assert newest not in (contract["id"], target)


def test_alert_run_uses_configured_lead_time(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from archive.access import SYSTEM
    from archive.context import open_archive
    from archive.services.contracts import create_contract
    from archive.services.obligations import create_obligation
    from archive.settings import Settings

    settings = Settings(data_dir=tmp_path / "data", alert_due_soon_days=30, _env_file=None)
    archive = open_archive(settings)
    with archive.session() as session:
        contract_id = create_contract(session, number="HT-LEAD", title="提前期").id
        due = (dt.date.today() + dt.timedelta(days=20)).isoformat()
        create_obligation(session, contract_id, {"summary": "尾款", "kind": "payment", "debtor": "customer",
                                                 "amount": "100", "due_rule": {"on": due}}, actor=SYSTEM)
    archive.close()
    with signed_in_client(settings, "admin") as admin:
        assert admin.post("/api/alerts/run").status_code == 200
        assert [a["rule"] for a in admin.get("/api/alerts").json()["alerts"]] == ["due_soon"]
