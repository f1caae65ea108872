"""The obligation forms of the contract page: confirm with corrections, manual entry, edit, waiver and access.

Each test builds its contract with make_contract, reads the form from the page as a browser
would submit it, changes some fields, and checks the page and the database.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from archive.access import SYSTEM
from archive.models import AuditEvent, Obligation
from archive.performance.terms import DueRule, SuggestedObligation
from archive.services import obligations as obligation_service
from archive.services.contract_terms import update_terms
from archive.services.restrictions import restrict_contract
from tests.conftest import add_user, signed_in_client
from tests.web.conftest import parse
from tests.web.test_performance_pages import Contract, archive_of, make_contract, post_forms, text_of
from web.performance_forms import ObligationReviewForm, obligation_changes

D = dt.date


@pytest.fixture
def contract(client: TestClient, tmp_path: Path) -> Contract:
    return make_contract(client, tmp_path)


def form_values(page: str, form_xpath: str) -> dict[str, str]:
    """Return what a browser submits from the form at `form_xpath`: checked radios, selected options."""
    [form] = parse(page).xpath(form_xpath)
    return dict(form.form_values())


def review_form(page: str, obligation_id: int) -> dict[str, str]:
    return form_values(page, f"//details[@id='review-{obligation_id}']/form")


def edit_form(page: str, obligation_id: int) -> dict[str, str]:
    return form_values(page, f"//details[@id='edit-{obligation_id}']/form")


def obligation(client: TestClient, obligation_id: int) -> Obligation:
    with archive_of(client).session() as session:
        row = session.get(Obligation, obligation_id)
        assert row is not None, obligation_id
        session.expunge(row)
        return row


def obligations_of(client: TestClient, contract_id: int) -> list[Obligation]:
    with archive_of(client).session() as session:
        rows = session.scalars(select(Obligation).where(Obligation.contract_id == contract_id)
                               .order_by(Obligation.id)).all()
        session.expunge_all()
        return list(rows)


def changed_fields(client: TestClient, obligation_id: int, action: str) -> set[str]:
    """Return the fields the latest audit event `action` of the obligation records as changed."""
    with archive_of(client).session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "obligation",
                                                         AuditEvent.object_id == str(obligation_id),
                                                         AuditEvent.action == action)
                                .order_by(AuditEvent.id.desc())).first()
        assert event is not None, (obligation_id, action)
        return set(event.summary["changed"])


def add_undated_suggestion(client: TestClient, contract: Contract) -> int:
    """Add a suggestion whose clause states no due date, and return its id."""
    with archive_of(client).session() as session:
        [suggestion] = obligation_service.add_suggestions(
            session, contract_id=contract.id, version_id=contract.version_id,
            suggestions=[SuggestedObligation(kind="delivery", summary="交付全部设备", due=DueRule(), debtor="us")])
        return suggestion.id


# Confirming a suggestion


def test_review_form_prefilled(client: TestClient, contract: Contract) -> None:
    page = client.get(f"/contracts/{contract.id}").text

    values = review_form(page, contract.suggestion_id)

    assert values["decision"] == "confirm"
    assert values["summary"] == "尾款 70%"
    assert values["kind"] == "payment"
    assert values["stage"] == "final"
    assert values["amount"] == "700000.00"
    assert values["currency"] == "CNY"
    assert values["due_form"] == "event"
    assert values["due_event"] == "acceptance"
    assert values["due_offset"] == "30"
    assert values["due_unit"] == "day"
    [summary] = parse(page).xpath(f"//details[@id='review-{contract.suggestion_id}']/summary")
    assert summary.text_content() == "核对并确认"


def test_confirm_with_corrections(client: TestClient, contract: Contract) -> None:
    values = review_form(client.get(f"/contracts/{contract.id}").text, contract.suggestion_id)
    values.update(amount="650,000.50", due_form="event", due_event="signing", due_offset="30", due_unit="day")

    response = client.post(f"/obligations/{contract.suggestion_id}/review", data=values, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == f"/contracts/{contract.id}#obligation-{contract.suggestion_id}"
    confirmed = obligation(client, contract.suggestion_id)
    assert confirmed.review == "confirmed"
    assert confirmed.amount == Decimal("650000.50")
    assert confirmed.due_rule["event"] == "signing"
    assert confirmed.due_date == D(2025, 2, 19)
    assert confirmed.summary == "尾款 70%"
    assert changed_fields(client, contract.suggestion_id, "obligation_confirmed") == {"amount", "due_rule"}
    row = text_of(client.get(f"/contracts/{contract.id}").text, f"//tr[@id='obligation-{contract.suggestion_id}']")
    assert "2025-02-19" in row
    assert "650000.50" in row


def test_confirm_sets_missing_due_date(client: TestClient, contract: Contract) -> None:
    suggestion_id = add_undated_suggestion(client, contract)
    page = client.get(f"/contracts/{contract.id}").text
    assert parse(page).xpath(f"//p[@id='review-{suggestion_id}-due-hint']")
    values = review_form(page, suggestion_id)
    assert "due_form" not in values
    values.update(due_form="on", due_on="2025-04-30")

    response = client.post(f"/obligations/{suggestion_id}/review", data=values, follow_redirects=False)

    assert response.status_code == 303
    confirmed = obligation(client, suggestion_id)
    assert confirmed.review == "confirmed"
    assert confirmed.due_date == D(2025, 4, 30)
    assert confirmed.debtor == "us"


def test_unchanged_fields_not_sent(client: TestClient, contract: Contract) -> None:
    values = review_form(client.get(f"/contracts/{contract.id}").text, contract.suggestion_id)
    values.update(amount="650,000.50")

    with archive_of(client).session() as session:
        stored = session.get(Obligation, contract.suggestion_id)
        changes = obligation_changes(ObligationReviewForm(**values), stored, lambda text: text)

    assert changes == {"amount": Decimal("650000.50")}


def test_confirm_invalid_date_keeps_values(client: TestClient, contract: Contract) -> None:
    values = review_form(client.get(f"/contracts/{contract.id}").text, contract.suggestion_id)
    values.update(amount="123,456", summary="尾款（已核对）", due_form="on", due_on="2025-02-30")

    response = client.post(f"/obligations/{contract.suggestion_id}/review", data=values)

    assert response.status_code == 422
    error = text_of(response.text, f"//p[@id='obligation-error-{contract.suggestion_id}']")
    assert "2025-02-30" in error
    assert "不是日期" in error
    tree = parse(response.text)
    prefix = f"review-{contract.suggestion_id}"
    assert tree.xpath(f"//details[@id='{prefix}']")[0].get("open") is not None
    assert tree.xpath(f"//input[@id='{prefix}-due-on']/@value") == ["2025-02-30"]
    assert tree.xpath(f"//input[@id='{prefix}-due-form-on']")[0].get("checked") is not None
    assert tree.xpath(f"//input[@id='{prefix}-amount']/@value") == ["123,456"]
    assert tree.xpath(f"//textarea[@id='{prefix}-summary']")[0].text == "尾款（已核对）"
    unchanged = obligation(client, contract.suggestion_id)
    assert unchanged.review == "suggested"
    assert unchanged.amount == Decimal("700000.00")


def test_confirm_decision_only_keeps_suggestion(client: TestClient, contract: Contract) -> None:
    response = client.post(f"/obligations/{contract.suggestion_id}/review", data={"decision": "confirm"},
                           follow_redirects=False)

    assert response.status_code == 303
    confirmed = obligation(client, contract.suggestion_id)
    assert confirmed.amount == Decimal("700000.00")
    assert confirmed.due_rule["event"] == "acceptance"
    assert changed_fields(client, contract.suggestion_id, "obligation_confirmed") == set()


# Manual entry


def test_add_monthly_obligation(client: TestClient, contract: Contract) -> None:
    with archive_of(client).session() as session:
        update_terms(session, contract.id, {"expires_on": "2025-06-30"}, actor=SYSTEM)
    before = {o.id for o in obligations_of(client, contract.id)}

    response = client.post(f"/contracts/{contract.id}/obligations", follow_redirects=False, data={
        "summary": "月度运维报告", "kind": "reporting", "debtor": "us", "due_form": "monthly", "due_day": "5",
        "due_unit": "day", "owner": "李四"})

    assert response.status_code == 303
    created = [o for o in obligations_of(client, contract.id) if o.id not in before]
    assert len(created) == 5
    assert {o.review for o in created} == {"manual"}
    assert response.headers["location"] == f"/contracts/{contract.id}#obligation-{created[0].id}"
    page = client.get(f"/contracts/{contract.id}").text
    months = []
    for number, row in enumerate(created, start=1):
        text = text_of(page, f"//tr[@id='obligation-{row.id}']")
        assert f"月度运维报告 ({number})" in text
        months.append(row.due_date.month)
        assert row.due_date.isoformat() in text
    assert months == [2, 3, 4, 5, 6]


def test_add_obligation_error_keeps_values(client: TestClient, contract: Contract) -> None:
    before = len(obligations_of(client, contract.id))

    response = client.post(f"/contracts/{contract.id}/obligations", data={
        "summary": "质保金", "kind": "payment", "stage": "retention", "amount": "十万", "due_form": "on",
        "due_on": "2026-01-20"})

    assert response.status_code == 422
    assert "十万" in text_of(response.text, "//p[@id='new-obligation-error']")
    tree = parse(response.text)
    assert tree.xpath("//details[@id='add-obligation']")[0].get("open") is not None
    assert tree.xpath("//input[@id='new-obligation-amount']/@value") == ["十万"]
    assert tree.xpath("//select[@id='new-obligation-stage']/option[@selected]/@value") == ["retention"]
    assert tree.xpath("//input[@id='new-obligation-due-on']/@value") == ["2026-01-20"]
    assert len(obligations_of(client, contract.id)) == before


# Editing and waiving


def test_edit_due_date(client: TestClient, contract: Contract) -> None:
    values = edit_form(client.get(f"/contracts/{contract.id}?edit={contract.delivery_id}").text, contract.delivery_id)
    assert values["due_form"] == "on"
    assert values["due_on"] == "2025-03-10"
    values.update(due_on="2025-03-20")

    response = client.post(f"/obligations/{contract.delivery_id}", data=values, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == f"/contracts/{contract.id}#obligation-{contract.delivery_id}"
    edited = obligation(client, contract.delivery_id)
    assert edited.due_date == D(2025, 3, 20)
    assert edited.summary == "交货"
    assert changed_fields(client, contract.delivery_id, "obligation_edited") == {"due_rule"}
    row = text_of(client.get(f"/contracts/{contract.id}").text, f"//tr[@id='obligation-{contract.delivery_id}']")
    assert "2025-03-20" in row


def test_edit_error_keeps_values(client: TestClient, contract: Contract) -> None:
    values = edit_form(client.get(f"/contracts/{contract.id}?edit={contract.delivery_id}").text, contract.delivery_id)
    values.update(due_form="event", due_event="delivery", due_offset="十五")

    response = client.post(f"/obligations/{contract.delivery_id}", data=values)

    assert response.status_code == 422
    assert "十五" in text_of(response.text, f"//p[@id='obligation-error-{contract.delivery_id}']")
    tree = parse(response.text)
    prefix = f"edit-{contract.delivery_id}"
    assert tree.xpath(f"//details[@id='{prefix}']")[0].get("open") is not None
    assert tree.xpath(f"//input[@id='{prefix}-due-offset']/@value") == ["十五"]
    assert tree.xpath(f"//select[@id='{prefix}-due-event']/option[@selected]/@value") == ["delivery"]
    assert obligation(client, contract.delivery_id).due_date == D(2025, 3, 10)


def test_waive_needs_note(client: TestClient, contract: Contract) -> None:
    response = client.post(f"/obligations/{contract.advance_id}", data={"form_name": "waive", "note": " "})

    assert response.status_code == 422
    assert "豁免履约义务须填写理由" in text_of(response.text, f"//p[@id='obligation-error-{contract.advance_id}']")
    assert obligation(client, contract.advance_id).status != "waived"


def test_edit_forms_one_at_a_time(client: TestClient, contract: Contract) -> None:
    tree = parse(client.get(f"/contracts/{contract.id}").text)
    assert tree.xpath("//details[starts-with(@id, 'edit-')]") == []
    link = f"/contracts/{contract.id}?edit={contract.delivery_id}#obligation-{contract.delivery_id}-forms"
    assert tree.xpath(f"//tr[@id='obligation-{contract.delivery_id}-forms']//a/@href") == [link]

    tree = parse(client.get(link.split("#")[0]).text)
    assert [d.get("id") for d in tree.xpath("//details[starts-with(@id, 'edit-')]")] == [f"edit-{contract.delivery_id}"]
    assert tree.xpath(f"//tr[@id='obligation-{contract.delivery_id}-forms']//form[@class='waive']")


def test_waive_and_undo(client: TestClient, contract: Contract) -> None:
    response = client.post(f"/obligations/{contract.advance_id}", follow_redirects=False,
                           data={"form_name": "waive", "note": "客户以货抵款，经总经理批准"})

    assert response.status_code == 303
    waived = obligation(client, contract.advance_id)
    assert (waived.status, waived.note) == ("waived", "客户以货抵款，经总经理批准")
    page = client.get(f"/contracts/{contract.id}?edit={contract.advance_id}").text
    row = text_of(page, f"//tr[@id='obligation-{contract.advance_id}']")
    assert "已豁免" in row
    assert "客户以货抵款" in row
    undo = parse(page).xpath(f"//tr[@id='obligation-{contract.advance_id}-forms']//input[@name='form_name']/@value")
    assert "undo_waiver" in undo
    assert "waive" not in undo

    response = client.post(f"/obligations/{contract.advance_id}", data={"form_name": "undo_waiver"},
                           follow_redirects=False)

    assert response.status_code == 303
    assert obligation(client, contract.advance_id).status != "waived"


# Access


def test_viewer_sees_no_obligation_forms(client: TestClient, contract: Contract) -> None:
    before = {(o.id, o.review, o.status, o.due_rule["on"]) for o in obligations_of(client, contract.id)}
    settings = archive_of(client).settings
    with signed_in_client(settings, "viewer") as viewer:
        page = viewer.get(f"/contracts/{contract.id}?edit={contract.delivery_id}")
        assert page.status_code == 200
        assert [a for a in post_forms(page.text) if a not in ("/logout", "/calendar-feed")] == []
        tree = parse(page.text)
        assert tree.xpath("//details[@id='add-obligation']") == []
        assert tree.xpath(f"//details[@id='review-{contract.suggestion_id}']") == []
        assert tree.xpath(f"//details[@id='edit-{contract.delivery_id}']") == []

        posts = {
            f"/obligations/{contract.suggestion_id}/review": {
                "decision": "confirm", "form_name": "obligation", "kind": "payment", "amount": "1"},
            f"/contracts/{contract.id}/obligations": {"kind": "other", "summary": "x", "due_form": "on",
                                                     "due_on": "2025-05-01"},
            f"/obligations/{contract.delivery_id}": {"form_name": "edit", "kind": "delivery", "due_form": "on",
                                                     "due_on": "2025-05-01"},
            f"/obligations/{contract.advance_id}": {"form_name": "waive", "note": "x"},
        }
        for url, data in posts.items():
            assert viewer.post(url, data=data, follow_redirects=False).status_code == 403, url
    after = {(o.id, o.review, o.status, o.due_rule["on"]) for o in obligations_of(client, contract.id)}
    assert after == before


def test_restricted_contract_forms_not_found(client: TestClient, tmp_path: Path) -> None:
    hidden = make_contract(client, tmp_path, number="HT-2025-010")
    settings = archive_of(client).settings
    add_user(settings, "outsider", "legal")
    with archive_of(client).session() as session:
        restrict_contract(session, SYSTEM, hidden.id, usernames=["tester"], group_names=[])
    before = {(o.id, o.review, o.status, o.due_rule["on"]) for o in obligations_of(client, hidden.id)}

    with signed_in_client(settings, "legal") as outsider:
        posts = {
            f"/obligations/{hidden.suggestion_id}/review": {"decision": "confirm"},
            f"/contracts/{hidden.id}/obligations": {"kind": "other", "summary": "x", "due_form": "on",
                                                    "due_on": "2025-05-01"},
            f"/obligations/{hidden.delivery_id}": {"form_name": "edit", "kind": "delivery", "due_form": "on",
                                                   "due_on": "2025-05-01"},
            f"/obligations/{hidden.advance_id}": {"form_name": "waive", "note": "x"},
        }
        for url, data in posts.items():
            assert outsider.post(url, data=data, follow_redirects=False).status_code == 404, url
    after = {(o.id, o.review, o.status, o.due_rule["on"]) for o in obligations_of(client, hidden.id)}
    assert after == before
