"""The timeline's SVG overview in headless Debian chromium: one mark per event, marks lead to the list, no script needed."""

from __future__ import annotations

import datetime as dt
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from archive.access import SYSTEM
from archive.context import open_archive
from archive.services import alerts as alert_service
from archive.services import holds as hold_service
from archive.services import obligations as obligation_service
from archive.services import records as record_service
from archive.services.contract_terms import update_terms
from archive.services.contracts import create_contract
from archive.settings import Settings
from tests.conftest import add_user, bearer
from tests.web.browser_support import require_browser, running_server, sign_in_as, take_screenshot, wait
from tests.web.conftest import parse

pytestmark = pytest.mark.browser

USER = "browser-timeline"
D = dt.date
RECORDS = (
    ("delivery", D(2025, 3, 1), "第一批设备到货"),
    ("communication", D(2025, 4, 8), "电话催告对方支付预付款"),
    ("payment", D(2025, 5, 20), "收到预付款"),
)


@dataclass(frozen=True)
class Site:
    url: str
    contract_id: int
    token: str


def seed(settings: Settings) -> int:
    """Create a contract with term dates, an overdue and a pending obligation, records, alerts and a hold."""
    today = dt.date.today()
    archive = open_archive(settings)
    try:
        with archive.session() as session:
            contract_id = create_contract(session, number="HT-2025-088", title="设备采购合同").id
            update_terms(session, contract_id, {"signed_on": "2025-01-20", "effective_on": "2025-02-01",
                                                "expires_on": (today + dt.timedelta(days=400)).isoformat(),
                                                "counterparty": "某某科技有限公司", "currency": "CNY",
                                                "total_amount": "1000000"}, actor=SYSTEM)
            obligation_service.create_obligation(
                session, contract_id, {"summary": "预付款 30%", "kind": "payment", "debtor": "customer",
                                       "amount": "300000", "due_rule": {"on": "2025-02-14"}}, actor=SYSTEM)
            obligation_service.create_obligation(
                session, contract_id, {"summary": "交货", "kind": "delivery", "debtor": "us",
                                       "due_rule": {"on": (today + dt.timedelta(days=60)).isoformat()}},
                actor=SYSTEM)
            for kind, occurred_on, summary in RECORDS:
                record_service.create_record(session, contract_id, record_service.RecordInput(
                    kind=kind, occurred_on=occurred_on, summary=summary,
                    amount=Decimal("100000") if kind == "payment" else None,
                    detail={"channel": "phone", "participants": "张三", "outcome": "对方承诺付款"}
                    if kind == "communication" else {}), actor=SYSTEM)
            alert_service.run_alerts(session, today=today)
        hold_service.place_hold(archive, contract_id, reason="诉前保全证据", actor="tester")
    finally:
        archive.close()
    return contract_id


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Start uvicorn on 127.0.0.1 over the seeded archive."""
    require_browser()
    data_dir = tmp_path_factory.mktemp("timeline-server")
    settings = Settings(data_dir=data_dir, database_url=None, _env_file=None)
    contract_id = seed(settings)
    token = add_user(settings, USER, "legal")
    with running_server(data_dir) as url:
        yield Site(url, contract_id, token)


def served_page(site: Site) -> str:
    """Return the timeline page as served, read without a browser, so no script has run on it."""
    request = urllib.request.Request(f"{site.url}/contracts/{site.contract_id}/timeline", headers=bearer(site.token))
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        return response.read().decode("utf-8")


def open_timeline(driver: WebDriver, site: Site) -> None:
    sign_in_as(driver, site.url, USER)
    driver.get(f"{site.url}/contracts/{site.contract_id}/timeline")
    wait(driver).until(lambda current: current.find_elements(By.CSS_SELECTOR, "#timeline-overview svg .mark"))


def test_page_complete_without_script(site: Site) -> None:
    tree = parse(served_page(site))
    items = tree.xpath("//main//li[contains(@class, 'event')]")

    # 3 term dates, 2 obligations, 3 records, the hold and at least the overdue alert.
    assert len(items) >= 10
    texts = " ".join(item.text_content() for item in items)
    for _, _, summary in RECORDS:
        assert summary in texts
    assert "预付款 30%" in texts
    assert "诉前保全证据" in texts
    assert all(item.get("id") and item.get("data-date") and item.get("data-kind") for item in items)
    # The overview stays hidden until the script draws it, so no empty box shows without script.
    [overview] = tree.xpath("//figure[@id='timeline-overview']")
    assert overview.get("hidden") is not None
    assert overview.xpath(".//svg") == []
    assert tree.xpath("//script[@src='/static/timeline.js'][@defer]")


def test_overview_one_mark_per_event(driver: WebDriver, site: Site) -> None:
    open_timeline(driver, site)

    items = driver.find_elements(By.CSS_SELECTOR, "li.event")
    marks = driver.find_elements(By.CSS_SELECTOR, "#timeline-overview svg .mark")
    assert len(marks) == len(items)
    assert len(items) == len(parse(served_page(site)).xpath("//main//li[contains(@class, 'event')]"))
    assert sorted(mark.get_attribute("data-target") for mark in marks) == sorted(item.get_attribute("id")
                                                                                 for item in items)
    assert driver.find_element(By.ID, "timeline-overview").is_displayed()

    titles = [mark.find_element(By.TAG_NAME, "title").get_attribute("textContent") for mark in marks]
    assert all(titles)
    assert any("预付款 30%" in title and "已逾期" in title for title in titles), titles
    # Exactly one mark is in the tab order, and the arrow keys move between the marks.
    assert [mark.get_attribute("tabindex") for mark in marks].count("0") == 1

    overdue_items = driver.find_elements(By.CSS_SELECTOR, "li.event.overdue")
    overdue_marks = driver.find_elements(By.CSS_SELECTOR, "#timeline-overview svg .mark.overdue")
    assert overdue_items
    assert len(overdue_marks) == len(overdue_items)
    assert {mark.find_element(By.CSS_SELECTOR, ".shape").tag_name for mark in overdue_marks} == {"path"}
    ordinary = driver.find_elements(By.CSS_SELECTOR, "#timeline-overview svg .mark:not(.overdue) .shape")
    assert {shape.tag_name for shape in ordinary} == {"circle"}

    assert driver.find_elements(By.CSS_SELECTOR, "#timeline-overview svg .today line")
    # The Content-Security-Policy forbids style attributes, so the drawing uses none.
    assert driver.execute_script("return document.querySelectorAll('#timeline-overview [style]').length") == 0
    take_screenshot(driver, "timeline", guide=True, english=True)


def test_click_mark_focuses_event(driver: WebDriver, site: Site) -> None:
    open_timeline(driver, site)
    marks = driver.find_elements(By.CSS_SELECTOR, "#timeline-overview svg .mark")
    last = marks[-1]

    driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", last)

    active = driver.switch_to.active_element
    assert active.get_attribute("id") == last.get_attribute("data-target")
    assert "targeted" in active.get_attribute("class").split()


def test_enter_on_mark_focuses_event(driver: WebDriver, site: Site) -> None:
    open_timeline(driver, site)
    marks = driver.find_elements(By.CSS_SELECTOR, "#timeline-overview svg .mark")
    driver.execute_script("arguments[0].focus()", marks[0])

    ActionChains(driver).send_keys(Keys.ARROW_RIGHT).perform()
    assert driver.switch_to.active_element.get_attribute("data-target") == marks[1].get_attribute("data-target")
    assert marks[1].get_attribute("tabindex") == "0"
    assert marks[0].get_attribute("tabindex") == "-1"

    ActionChains(driver).send_keys(Keys.ENTER).perform()
    active = driver.switch_to.active_element
    assert active.tag_name == "li"
    assert active.get_attribute("id") == marks[1].get_attribute("data-target")
    item_top = driver.execute_script("return arguments[0].getBoundingClientRect().top", active)
    assert 0 <= item_top <= driver.execute_script("return window.innerHeight")


def test_zoom_keeps_chosen_mark(driver: WebDriver, site: Site) -> None:
    open_timeline(driver, site)
    marks = driver.find_elements(By.CSS_SELECTOR, "#timeline-overview svg .mark")
    total = len(marks)
    first_target = marks[0].get_attribute("data-target")
    last_target = marks[-1].get_attribute("data-target")
    driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", marks[0])

    zoom_in = driver.find_element(By.CSS_SELECTOR, "button[data-zoom='in']")
    for _ in range(3):
        zoom_in.click()
    shown = driver.find_elements(By.CSS_SELECTOR, "#timeline-overview svg .mark")
    assert 0 < len(shown) < total
    assert first_target in [mark.get_attribute("data-target") for mark in shown]

    # End moves to the last event, so the strip pans to it.
    chosen = driver.find_element(By.CSS_SELECTOR, f"#timeline-overview svg .mark[data-target='{first_target}']")
    driver.execute_script("arguments[0].focus()", chosen)
    ActionChains(driver).send_keys(Keys.END).perform()
    assert driver.switch_to.active_element.get_attribute("data-target") == last_target
    shown = driver.find_elements(By.CSS_SELECTOR, "#timeline-overview svg .mark")
    assert first_target not in [mark.get_attribute("data-target") for mark in shown]

    driver.find_element(By.CSS_SELECTOR, "button[data-zoom='reset']").click()
    assert len(driver.find_elements(By.CSS_SELECTOR, "#timeline-overview svg .mark")) == total
