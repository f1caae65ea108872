"""The pages in headless Debian chromium as staff use them: sign in, search, open a hit on its original
page with the clause marked, switch language, read pages on a tablet, and move around by keyboard.

The screenshots these tests take are the ones the user guide shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions

from archive.context import open_archive
from archive.settings import Settings
from ingest.pipeline import ingest_path
from tests.conftest import add_user, corpus_file
from tests.web.browser_support import require_browser, running_server, sign_in_as, take_screenshot, wait
from tests.web.conftest import Loaded, ingest_samples

pytestmark = pytest.mark.browser

USER = "browser-viewer"
PDF = "zh_office-equipment-procurement-contract_original.pdf"
# A heading of the contract's clause on page 2 of the PDF.
SEARCHED = "供货期限"


@pytest.fixture(scope="module")
def loaded_site(tmp_path_factory: pytest.TempPathFactory, samples: Path) -> Iterator[tuple[str, Loaded]]:
    """A server over an archive holding the samples and one real Chinese contract PDF."""
    require_browser()
    source = corpus_file(PDF)
    data_dir = tmp_path_factory.mktemp("guide-server")
    settings = Settings(data_dir=data_dir, database_url=None, _env_file=None)
    loaded = ingest_samples(settings, samples)
    archive = open_archive(settings)
    try:
        result = ingest_path(archive, source)
    finally:
        archive.close()
    assert result.status == "ingested", result.error
    add_user(settings, USER, "legal")
    with running_server(data_dir) as url:
        yield url, loaded


@pytest.fixture
def site(loaded_site: tuple[str, Loaded]) -> str:
    return loaded_site[0]


def test_sign_in_page(driver: WebDriver, site: str) -> None:
    driver.get(site + "/login")
    driver.delete_all_cookies()
    driver.get(site + "/login")
    assert driver.find_element(By.CSS_SELECTOR, "form.login label[for=username]").text
    take_screenshot(driver, "sign-in", guide=True, english=True)
    sign_in_as(driver, site, USER)
    assert "HT" in driver.find_element(By.CSS_SELECTOR, "main").text or driver.find_elements(By.CSS_SELECTOR, "main table")
    take_screenshot(driver, "contracts", guide=True, english=True)


def test_search_hit_opens_marked_page(driver: WebDriver, site: str) -> None:
    sign_in_as(driver, site, USER)
    driver.get(site + "/search")
    box = driver.find_element(By.ID, "q")
    box.send_keys(SEARCHED)
    box.send_keys(Keys.ENTER)
    wait(driver).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "li.hit")))
    hit = next(h for h in driver.find_elements(By.CSS_SELECTOR, "li.hit") if SEARCHED in h.text)
    assert "第 2 页" in hit.text
    take_screenshot(driver, "search", guide=True, english=True)

    hit = next(h for h in driver.find_elements(By.CSS_SELECTOR, "li.hit") if SEARCHED in h.text)
    hit.find_element(By.CSS_SELECTOR, "a").click()
    wait(driver).until(expected_conditions.url_contains("#page-2"))
    assert "/view?clause=" in driver.current_url
    page_two = driver.find_element(By.ID, "page-2")
    assert "current" in page_two.get_attribute("class")
    image = page_two.find_element(By.TAG_NAME, "img")
    wait(driver).until(lambda _: driver.execute_script(
        "return arguments[0].complete && arguments[0].naturalWidth > 0", image))
    share = float(page_two.get_attribute("data-clause-top"))
    assert 0 < share < 1
    # viewer.js scrolls past the page's top to the clause, leaving a margin of 80 pixels above it.
    # Without the script the clause would sit about 580 pixels down this page.
    clause_y = ("const box = arguments[0].getBoundingClientRect();"
                "return box.top + arguments[1] * box.height;")
    wait(driver).until(lambda _: 0 <= driver.execute_script(clause_y, image, share) < 200)
    assert SEARCHED in driver.find_element(By.CSS_SELECTOR, "section.viewer-clause h2").text
    # The highlight is drawn into the picture: the page image carries the clause's id.
    assert image.get_attribute("src").endswith("2.png?clause=" + driver.current_url.split("clause=")[1].split("#")[0])
    take_screenshot(driver, "viewer", guide=True, english=True)


def test_language_switch_on_the_viewer(driver: WebDriver, site: str) -> None:
    sign_in_as(driver, site, USER)
    driver.get(site + "/search?q=" + SEARCHED)
    driver.find_element(By.CSS_SELECTOR, "li.hit a").click()
    wait(driver).until(expected_conditions.url_contains("/view?clause="))
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    driver.find_element(By.LINK_TEXT, "English").click()
    wait(driver).until(lambda current: current.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
    assert "Highlighted clause" in driver.find_element(By.CSS_SELECTOR, "section.viewer-clause h2").text
    assert "Download the original" in driver.find_element(By.CSS_SELECTOR, "main").text
    take_screenshot(driver, "viewer-english")
    driver.find_element(By.LINK_TEXT, "中文").click()
    wait(driver).until(lambda current: current.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN")
    assert "标出的条款" in driver.find_element(By.CSS_SELECTOR, "section.viewer-clause h2").text


def test_amendment_beside_its_contract(driver: WebDriver, loaded_site: tuple[str, Loaded]) -> None:
    site, loaded = loaded_site
    sign_in_as(driver, site, USER)
    driver.get(f"{site}/versions/{loaded.version('amendment')}")
    driver.find_element(By.LINK_TEXT, "与原合同对照").click()
    wait(driver).until(expected_conditions.url_contains("/compare?"))

    assert driver.find_element(By.TAG_NAME, "h1").text == "合同与补充协议对照"
    rows = driver.find_elements(By.CSS_SELECTOR, ".cmp-row")
    assert any("补充协议未变更" in row.text for row in rows)

    driver.find_element(By.CSS_SELECTOR, ".cmp-summary a").click()
    wait(driver).until(expected_conditions.url_contains("changed_only=1"))
    rows = driver.find_elements(By.CSS_SELECTOR, ".cmp-row")
    assert rows and not any("补充协议未变更" in row.text for row in rows)
    changed = [row for row in rows if "修改" in row.text]
    assert changed, "no clause is marked as changed by the amendment"
    # The changed contract clause and the amendment clause that changes it sit side by side.
    assert changed[0].find_element(By.CSS_SELECTOR, ".cmp-left .cmp-text").text
    assert changed[0].find_element(By.CSS_SELECTOR, ".cmp-right .cmp-text").text
    take_screenshot(driver, "compare", guide=True, english=True)


TABLET = (768, 1024)
LAPTOP = (1280, 800)
LAYOUT_PAGES = ["/", "/contracts/{contract}", "/contracts/{contract}/timeline", "/versions/{version}",
                "/versions/{amendment}", "/compare?right={amendment}", "/search?q=验收",
                "/upload?contract_id={contract}", "/alerts", "/scores"]


@pytest.mark.parametrize("size", [TABLET, LAPTOP], ids=["tablet", "laptop"])
def test_pages_fit_the_screen(driver: WebDriver, loaded_site: tuple[str, Loaded], size: tuple[int, int]) -> None:
    """No page needs sideways scrolling of the whole window; wide tables scroll inside their own box."""
    site, loaded = loaded_site
    sign_in_as(driver, site, USER)
    driver.set_window_size(*size)
    try:
        overflowing = []
        for template in LAYOUT_PAGES:
            url = template.format(contract=loaded.contract("contract"), version=loaded.version("contract"),
                                  amendment=loaded.version("amendment"))
            driver.get(site + url)
            wide, viewport = driver.execute_script(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            if wide > viewport:
                overflowing.append((url, wide, viewport))
        if size == TABLET:
            driver.get(site + f"/contracts/{loaded.contract('contract')}")
            take_screenshot(driver, "contract-tablet", guide=True)
        assert overflowing == []
    finally:
        driver.set_window_size(1280, 900)


def test_keyboard_reaches_content_first(driver: WebDriver, site: str) -> None:
    """The first Tab lands on the skip link, and following it puts the keyboard in the page's content."""
    sign_in_as(driver, site, USER)
    driver.get(site + "/")
    ActionChains(driver).send_keys(Keys.TAB).perform()
    focused = driver.switch_to.active_element
    assert focused.get_attribute("class") == "skip"
    assert focused.is_displayed(), "the skip link stays hidden when focused"
    focused.send_keys(Keys.ENTER)
    wait(driver).until(expected_conditions.url_contains("#main"))
    focused = driver.switch_to.active_element
    focused.send_keys(Keys.TAB)
    landed = driver.switch_to.active_element
    assert driver.execute_script("return document.getElementById('main').contains(arguments[0])", landed)
    outline = landed.value_of_css_property("outline-style")
    assert outline != "none", "a focused control shows no outline"


def test_timeline_prints_without_controls(driver: WebDriver, loaded_site: tuple[str, Loaded]) -> None:
    site, loaded = loaded_site
    sign_in_as(driver, site, USER)
    driver.get(f"{site}/contracts/{loaded.contract('contract')}/timeline")
    assert driver.find_element(By.CSS_SELECTOR, "form.timeline-filters").is_displayed()
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        hidden = ["form.timeline-filters", "header.top", ".timeline-nav", ".overview-zoom"]
        shown = [css for css in hidden for element in driver.find_elements(By.CSS_SELECTOR, css) if element.is_displayed()]
        assert shown == []
        assert driver.find_element(By.CSS_SELECTOR, "main h1").is_displayed()
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
