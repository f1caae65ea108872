"""Performance supervision in headless Debian chromium: add a payment on a contract page, then find its alert."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.select import Select

from archive.access import SYSTEM
from archive.context import open_archive
from archive.services import alerts as alert_service
from archive.services import obligations as obligation_service
from archive.services.contract_terms import update_terms
from archive.services.contracts import create_contract
from archive.settings import Settings
from tests.conftest import add_user
from tests.web.browser_support import require_browser, running_server, sign_in_as, wait

pytestmark = pytest.mark.browser

USER = "browser-performance"


def seed(settings: Settings) -> int:
    """Create a contract whose advance payment fell due ten days ago, run the alerts, and return its id."""
    today = dt.date.today()
    archive = open_archive(settings)
    try:
        with archive.session() as session:
            contract_id = create_contract(session, number="HT-2026-077", title="运维服务合同").id
            update_terms(session, contract_id, {"counterparty": "某某信息技术有限公司", "currency": "CNY",
                                                "total_amount": "200000"}, actor=SYSTEM)
            obligation_service.create_obligation(
                session, contract_id, {"summary": "首期服务费", "kind": "payment", "debtor": "customer",
                                       "amount": "80000", "owner": USER,
                                       "due_rule": {"on": (today - dt.timedelta(days=10)).isoformat()}},
                actor=SYSTEM)
            alert_service.run_alerts(session, today=today)
    finally:
        archive.close()
    return contract_id


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """Start uvicorn on 127.0.0.1 over a seeded archive, and yield its base URL and the contract id."""
    require_browser()
    data_dir = tmp_path_factory.mktemp("performance-server")
    settings = Settings(data_dir=data_dir, database_url=None, _env_file=None)
    contract_id = seed(settings)
    add_user(settings, USER, "legal")
    with running_server(data_dir) as url:
        yield url, contract_id


def sign_in(browser: WebDriver, server: str) -> None:
    sign_in_as(browser, server, USER)


def save_screenshot(browser: WebDriver, path: Path) -> None:
    assert browser.save_screenshot(str(path))
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_payment_form_then_alerts(driver: WebDriver, site: tuple[str, int], tmp_path: Path) -> None:
    server, contract_id = site
    sign_in(driver, server)
    driver.get(f"{server}/contracts/{contract_id}")
    assert "首期服务费" in driver.find_element(By.ID, "obligations").find_element(By.XPATH, "..").text

    driver.find_element(By.CSS_SELECTOR, "#add-record > summary").click()
    Select(driver.find_element(By.ID, "record-kind")).select_by_value("payment")
    driver.find_element(By.ID, "record-amount").send_keys("30000")
    driver.find_element(By.ID, "record-summary").send_keys("浏览器录入：首期服务费部分到账")
    save_screenshot(driver, tmp_path / "record-form.png")
    submit = driver.find_element(By.CSS_SELECTOR, "form.record-form button[type=submit]")
    submit.click()
    # Waiting for the old form to go stale can race chromedriver ("Node with given id does not belong to
    # the document"), so wait for the redirect's address instead: the page before had no fragment.
    wait(driver).until(lambda current: current.current_url.endswith("#records"))
    wait(driver).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "table.records tbody tr")))
    rows = driver.find_elements(By.CSS_SELECTOR, "table.records tbody tr")
    assert len(rows) == 1
    assert "付款" in rows[0].text
    assert "30000.00" in rows[0].text
    assert "首期服务费部分到账" in rows[0].text
    save_screenshot(driver, tmp_path / "contract-records.png")

    driver.find_element(By.LINK_TEXT, "风险预警").click()
    wait(driver).until(expected_conditions.url_contains("/alerts"))
    alerts = driver.find_elements(By.CSS_SELECTOR, "table.alerts tbody tr")
    texts = [row.text for row in alerts]
    assert any("首期服务费已逾期 10 天" in text for text in texts), texts
    link = alerts[0].find_element(By.CSS_SELECTOR, "a[href^='/contracts/']")
    assert link.get_attribute("href").startswith(f"{server}/contracts/{contract_id}#alert-")
    save_screenshot(driver, tmp_path / "alerts.png")
