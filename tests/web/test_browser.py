"""The pages in headless Debian chromium against a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.select import Select

from archive.settings import Settings
from tests.conftest import add_user
from tests.web.browser_support import require_browser, running_server, sign_in_as, take_screenshot, wait
from tests.web.conftest import build_docx, ingest_samples

pytestmark = pytest.mark.browser

BROWSER_USER = "browser-legal"


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, samples: Path) -> Iterator[str]:
    """Start uvicorn on a free port over a data directory with the samples, and yield its base URL."""
    require_browser()
    data_dir = tmp_path_factory.mktemp("server-data")
    settings = Settings(data_dir=data_dir, database_url=None, _env_file=None)
    ingest_samples(settings, samples)
    add_user(settings, BROWSER_USER, "legal")

    with running_server(data_dir) as url:
        yield url


@pytest.fixture
def browser(driver: WebDriver, server: str) -> WebDriver:
    """The session's browser signed in through the sign-in form, with no language cookie from an earlier test."""
    driver.get(server + "/login")
    driver.delete_all_cookies()
    sign_in(driver, server)
    return driver


def sign_in(driver: WebDriver, server: str) -> None:
    sign_in_as(driver, server, BROWSER_USER)


def html_lang(driver: WebDriver) -> str:
    return driver.find_element(By.TAG_NAME, "html").get_attribute("lang") or ""


def nav_text(driver: WebDriver) -> str:
    return driver.find_element(By.CSS_SELECTOR, "header.top nav").text


def shown_kind(cell: WebElement) -> str:
    """Return the kind a result cell shows: the selected option of its form, else its text."""
    selects = cell.find_elements(By.TAG_NAME, "select")
    if selects:
        return Select(selects[0]).first_selected_option.text
    return cell.text.strip()


def upload_file(browser: WebDriver, server: str, path: Path) -> list[WebElement]:
    """Upload `path` through the upload form and return the cells of the first result row."""
    browser.get(server + "/upload")
    browser.find_element(By.ID, "file").send_keys(str(path))
    browser.find_element(By.CSS_SELECTOR, "form.upload button[type=submit]").click()
    row = wait(browser).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "tbody tr")))
    return row.find_elements(By.TAG_NAME, "td")


def acceptance_report(folder: Path, name: str, date: str) -> Path:
    """Write a short acceptance report DOCX. Each test passes its own date so the bytes differ."""
    path = folder / name
    path.write_bytes(
        build_docx([
            "设备验收报告",
            "合同编号：HT-2024-001",
            f"验收日期：{date}",
            "一、验收内容",
            "服务器十台，外观完好。",
            "二、验收结论",
            "经测试，设备运行正常，验收合格。",
        ])
    )
    return path


def test_contracts_page_chinese(browser: WebDriver, server: str) -> None:
    browser.get(server + "/")
    table = browser.find_element(By.CSS_SELECTOR, "main table").text

    assert html_lang(browser) == "zh-CN"
    assert "合同" in nav_text(browser)
    assert "HT-2024-001" in table
    assert "设备采购合同" in table
    assert "SERVICES AGREEMENT" in table


def test_search_hit_targets_clause(browser: WebDriver, server: str, tmp_path: Path) -> None:
    browser.get(server + "/")
    box = browser.find_element(By.ID, "q")
    box.send_keys("违约")
    box.send_keys(Keys.ENTER)

    wait(browser).until(expected_conditions.url_contains("/search"))
    marks = browser.find_elements(By.CSS_SELECTOR, "li.hit mark")
    assert marks, "no highlighted hit"
    assert marks[0].text == "违约"
    assert marks[0].value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"

    screenshot = tmp_path / "search.png"
    assert browser.save_screenshot(str(screenshot))
    png = screenshot.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 1000

    browser.find_element(By.CSS_SELECTOR, "li.hit > a").click()
    wait(browser).until(expected_conditions.url_contains("#clause-"))
    assert "/versions/" in browser.current_url
    fragment = browser.current_url.split("#", 1)[1]
    target = browser.find_element(By.ID, fragment)
    others = [c for c in browser.find_elements(By.CSS_SELECTOR, "li.clause") if c.get_attribute("id") != fragment]

    assert target.is_displayed()
    assert "第六条" in target.text
    assert browser.execute_script("return document.querySelector(':target') === arguments[0]", target)
    top = browser.execute_script("return arguments[0].getBoundingClientRect().top", target)
    assert 0 <= top < browser.execute_script("return window.innerHeight")
    assert others, "the version page shows only one clause"
    styled = ("background-color", "border-left-color")
    target_style = [target.value_of_css_property(name) for name in styled]
    for other in others:
        if "role-clause" in (other.get_attribute("class") or ""):
            assert [other.value_of_css_property(name) for name in styled] != target_style


def test_language_link_switches(browser: WebDriver, server: str) -> None:
    browser.get(server + "/search")
    assert "检索" in nav_text(browser)

    browser.find_element(By.LINK_TEXT, "English").click()
    wait(browser).until(lambda current: html_lang(current) == "en")
    assert "Contracts" in nav_text(browser)
    assert "Search" in nav_text(browser)
    assert "检索" not in nav_text(browser)

    browser.get(server + "/")
    assert html_lang(browser) == "en"

    browser.find_element(By.LINK_TEXT, "中文").click()
    wait(browser).until(lambda current: html_lang(current) == "zh-CN")
    assert "检索" in nav_text(browser)


def test_upload_form_shows_result(browser: WebDriver, server: str, tmp_path: Path) -> None:
    path = acceptance_report(tmp_path, "验收报告-浏览器上传.docx", "2024年8月9日")
    cells = upload_file(browser, server, path)

    assert cells[0].text == path.name
    assert "已入库" in cells[1].text
    assert shown_kind(cells[2]) == "验收报告"
    assert int(cells[3].text) > 0


def went_stale(element):  # type: ignore[no-untyped-def]
    """Return a wait condition that is true once `element` has left the page.

    chromedriver sometimes reports a node of the page being replaced as "does not belong to the
    document" instead of stale. Both mean the old page is gone.
    """
    def condition(_browser: WebDriver) -> bool:
        try:
            element.is_enabled()
        except WebDriverException:  # StaleElementReferenceException is one
            return True
        return False

    return condition


def test_kind_correction_sticks(browser: WebDriver, server: str, tmp_path: Path) -> None:
    path = acceptance_report(tmp_path, "验收单-更正类型.docx", "2024年8月16日")
    cells = upload_file(browser, server, path)
    cells[0].find_element(By.TAG_NAME, "a").click()
    wait(browser).until(expected_conditions.url_contains("/versions/"))
    version_url = browser.current_url

    Select(browser.find_element(By.ID, "kind")).select_by_value("invoice")
    save = browser.find_element(By.CSS_SELECTOR, "form.inline button[type=submit]")
    save.click()
    wait(browser).until(went_stale(save))
    browser.refresh()

    assert browser.current_url == version_url
    assert Select(browser.find_element(By.ID, "kind")).first_selected_option.text == "发票"
    assert "人工设定" in browser.find_element(By.CSS_SELECTOR, "form.inline small").text
    assert "发票" in browser.find_element(By.CSS_SELECTOR, "p.crumbs").text
