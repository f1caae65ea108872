"""The contract timeline page: every kind of event in date order, filters, zoom, overdue marks, access and language."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import html

from archive.access import SYSTEM
from archive.services import holds as hold_service
from archive.services.contract_terms import update_terms
from archive.services.restrictions import restrict_contract
from archive.timeline import TIMELINE_KINDS
from tests.conftest import add_user, signed_in_client
from tests.web.conftest import Loaded, parse
from tests.web.test_performance_pages import (
    SCRIPT,
    Contract,
    add_record,
    archive_of,
    make_contract,
    overdue_alert,
)

D = dt.date


@pytest.fixture
def contract(client: TestClient, tmp_path: Path) -> Contract:
    """The performance pages' contract, with every kind of timeline event."""
    made = make_contract(client, tmp_path)
    archive = archive_of(client)
    with archive.session() as session:
        update_terms(session, made.id, {"effective_on": "2025-02-01", "expires_on": "2026-01-31"}, actor=SYSTEM)
    add_record(client, made.id, kind="delivery", occurred_on=D(2025, 3, 1), summary="第一批设备到货")
    hold_service.place_hold(archive, made.id, reason="诉前保全证据", actor="tester")
    return made


def events_of(page: str) -> list[html.HtmlElement]:
    return parse(page).xpath("//main//li[contains(@class, 'event')]")


def kind_of(event: html.HtmlElement) -> str:
    [kind] = [c[len("kind-"):] for c in event.get("class").split() if c.startswith("kind-")]
    return kind


def links_of(event: html.HtmlElement) -> list[str]:
    return [a.get("href") for a in event.xpath(".//a")]


def timeline_url(contract: Contract) -> str:
    return f"/contracts/{contract.id}/timeline"


def test_every_kind_in_date_order(client: TestClient, contract: Contract) -> None:
    response = client.get(timeline_url(contract))
    assert response.status_code == 200
    events = events_of(response.text)

    dates = [event.xpath(".//time/@datetime")[0] for event in events]
    assert dates == sorted(dates)
    assert {kind_of(event) for event in events} == set(TIMELINE_KINDS)

    links = [link for event in events for link in links_of(event)]
    assert f"/versions/{contract.version_id}" in links
    assert f"/contracts/{contract.id}#obligation-{contract.advance_id}" in links
    assert f"/contracts/{contract.id}#obligation-{contract.delivery_id}" in links
    assert f"/contracts/{contract.id}#alert-{overdue_alert(client, contract).id}" in links
    assert any(link.startswith("/records/") for link in links)


def test_term_dates_without_suggestion(client: TestClient, contract: Contract) -> None:
    events = events_of(client.get(timeline_url(contract)).text)
    dated = {kind_of(event): event.xpath(".//time/@datetime")[0] for event in events}

    assert dated["signing"] == "2025-01-20"
    assert dated["effective"] == "2025-02-01"
    assert dated["expiry"] == "2026-01-31"
    # An unreviewed suggestion is not an obligation yet, so it stays off the timeline.
    links = [link for event in events for link in links_of(event)]
    assert f"/contracts/{contract.id}#obligation-{contract.suggestion_id}" not in links


def test_kind_filter(client: TestClient, contract: Contract) -> None:
    page = client.get(timeline_url(contract), params=[("kind", "record"), ("kind", "obligation")]).text
    kinds = {kind_of(event) for event in events_of(page)}
    assert kinds == {"record", "obligation"}

    checked = parse(page).xpath("//input[@name='kind'][@checked]/@value")
    assert sorted(checked) == ["obligation", "record"]


def test_unknown_kind_shows_all(client: TestClient, contract: Contract) -> None:
    page = client.get(timeline_url(contract), params={"kind": "nonsense"}).text
    assert {kind_of(event) for event in events_of(page)} == set(TIMELINE_KINDS)


@pytest.mark.parametrize(("zoom", "expected"), [
    ("year", ["2025", "2026"]),
    ("month", ["2025-01", "2025-02", "2025-03"]),
    ("day", ["2025-01-20", "2025-02-14", "2025-03-01", "2025-03-10"]),
])
def test_zoom_headings(client: TestClient, contract: Contract, zoom: str, expected: list[str]) -> None:
    page = client.get(timeline_url(contract), params={"zoom": zoom}).text
    headings = [h.text_content().split()[0] for h in parse(page).xpath("//main//section[contains(@class, 'period')]/h2")]
    assert headings == sorted(headings)
    for heading in expected:
        assert heading in headings, (zoom, heading, headings)
    assert len(headings) == len(set(headings))


def test_period_of_today_marked(client: TestClient, contract: Contract) -> None:
    # The legal hold was placed today, so today's year has a period.
    page = client.get(timeline_url(contract), params={"zoom": "year"}).text
    current = parse(page).xpath("//main//section[contains(@class, 'current')]/h2")
    assert len(current) == 1
    assert current[0].text_content().split()[0] == str(dt.date.today().year)
    assert "含今天" in current[0].text_content()


def test_around_limits_window(client: TestClient, contract: Contract) -> None:
    page = client.get(timeline_url(contract), params={"zoom": "day", "around": "2025-02-14"}).text
    dates = [d for event in events_of(page) for d in event.xpath(".//time/@datetime")]
    assert "2025-02-14" in dates
    assert all("2025-01-30" <= d <= "2025-03-01" for d in dates), dates
    [anchor] = parse(page).xpath("//section[@id='around']/h2")
    assert anchor.text_content().split()[0] == "2025-02-14"


def test_today_link_sets_around(client: TestClient, contract: Contract) -> None:
    page = client.get(timeline_url(contract), params={"zoom": "day"}).text
    [today_link] = parse(page).xpath("//nav[contains(@class, 'timeline-nav')]//a[text()='今天']/@href")
    assert f"around={dt.date.today().isoformat()}" in today_link
    assert "zoom=day" in today_link


def test_overdue_obligation_marked(client: TestClient, contract: Contract) -> None:
    events = events_of(client.get(timeline_url(contract)).text)
    advance_link = f"/contracts/{contract.id}#obligation-{contract.advance_id}"
    [advance] = [event for event in events if advance_link in links_of(event)]
    [delivery] = [event for event in events if f"#obligation-{contract.delivery_id}" in " ".join(links_of(event))]

    assert "overdue" in advance.get("class").split()
    assert "已逾期" in advance.text_content()
    assert "overdue" not in delivery.get("class").split()
    assert "已逾期" not in delivery.text_content()


def test_contract_page_links_timeline(client: TestClient, contract: Contract) -> None:
    page = client.get(f"/contracts/{contract.id}").text
    assert parse(page).xpath(f"//main//a[@href='/contracts/{contract.id}/timeline']")


def test_viewer_reads_timeline(client: TestClient, contract: Contract) -> None:
    with signed_in_client(archive_of(client).settings, "viewer") as viewer:
        response = viewer.get(timeline_url(contract))
    assert response.status_code == 200
    assert {kind_of(event) for event in events_of(response.text)} == set(TIMELINE_KINDS)


def test_restricted_timeline_not_found(client: TestClient, contract: Contract) -> None:
    settings = archive_of(client).settings
    add_user(settings, "outsider", "legal")
    with archive_of(client).session() as session:
        restrict_contract(session, SYSTEM, contract.id, usernames=["tester"], group_names=[])

    assert client.get(timeline_url(contract)).status_code == 200
    with signed_in_client(settings, "legal") as outsider:
        response = outsider.get(timeline_url(contract))
    assert response.status_code == 404
    assert "HT-2025-001" not in response.text


def test_unknown_contract_not_found(client: TestClient) -> None:
    assert client.get("/contracts/999999/timeline").status_code == 404


def test_record_summary_escaped(client: TestClient, contract: Contract) -> None:
    add_record(client, contract.id, kind="communication", occurred_on=D(2025, 3, 2), summary=SCRIPT,
               detail={"channel": "letter", "participants": "张三", "outcome": "ok"})
    page = client.get(timeline_url(contract)).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_chinese_by_default(client: TestClient, contract: Contract) -> None:
    page = client.get(timeline_url(contract)).text
    assert '<html lang="zh-CN">' in page
    assert "时间线" in page
    assert "法律保全" in page
    assert "履约记录" in page


def test_timeline_in_english(client: TestClient, contract: Contract) -> None:
    page = client.get(timeline_url(contract), params={"lang": "en"}).text
    assert '<html lang="en">' in page
    assert "<h1>Timeline:" in page
    assert "Legal hold" in page
    assert "Overdue" in page
    assert "时间线" not in page
    assert "已逾期" not in page


def test_version_dated_as_signed(site: TestClient, loaded: Loaded) -> None:
    """A version bearing a signing date sits on that date, with its upload date beside it."""
    amendment = loaded.version("amendment")
    fields = site.get(f"/api/versions/{amendment}").json()["fields"]
    signed = fields["signing_date"][0]["normalized"]
    page = parse(site.get(f"/contracts/{loaded.contract('amendment')}/timeline").text)
    [item] = page.xpath(f"//li[@id='event-document-version-{amendment}']")

    assert item.get("data-date") == signed
    uploaded = dt.date.today().isoformat()
    assert signed != uploaded
    assert f"上传于 {uploaded}" in item.text_content()
