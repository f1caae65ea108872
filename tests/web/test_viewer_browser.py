"""Search, open a hit on its original page, and see the clause marked there, in headless Debian chromium.

The screenshots these tests take are the ones the user guide shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions

from archive.context import open_archive
from archive.settings import Settings
from ingest.pipeline import ingest_path
from tests.conftest import add_user, corpus_file
from tests.web.browser_support import require_browser, running_server, sign_in_as, take_screenshot, wait

pytestmark = pytest.mark.browser

USER = "browser-viewer"
PDF = "zh_office-equipment-procurement-contract_original.pdf"
# A heading of the contract's clause on page 2 of the PDF.
SEARCHED = "供货期限"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server over an archive holding one real Chinese contract PDF."""
    require_browser()
    source = corpus_file(PDF)
    data_dir = tmp_path_factory.mktemp("viewer-server")
    settings = Settings(data_dir=data_dir, database_url=None, _env_file=None)
    archive = open_archive(settings)
    try:
        result = ingest_path(archive, source)
    finally:
        archive.close()
    assert result.status == "ingested", result.error
    add_user(settings, USER, "legal")
    with running_server(data_dir) as url:
        yield url


def in_view(driver: WebDriver, element) -> bool:  # type: ignore[no-untyped-def]
    top = driver.execute_script("return arguments[0].getBoundingClientRect().top", element)
    # Scrolling to an anchor can leave the element's top a fraction of a pixel above the viewport.
    return -1 <= top < driver.execute_script("return window.innerHeight")


def test_sign_in_page(driver: WebDriver, site: str) -> None:
    driver.get(site + "/login")
    driver.delete_all_cookies()
    driver.get(site + "/login")
    assert driver.find_element(By.CSS_SELECTOR, "form.login label[for=username]").text
    take_screenshot(driver, "sign-in", guide=True)
    sign_in_as(driver, site, USER)
    assert "HT" in driver.find_element(By.CSS_SELECTOR, "main").text or driver.find_elements(By.CSS_SELECTOR, "main table")
    take_screenshot(driver, "contracts", guide=True)


def test_search_hit_opens_the_original_page_with_the_clause_marked(driver: WebDriver, site: str) -> None:
    sign_in_as(driver, site, USER)
    driver.get(site + "/search")
    box = driver.find_element(By.ID, "q")
    box.send_keys(SEARCHED)
    box.send_keys(Keys.ENTER)
    wait(driver).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "li.hit")))
    hit = next(h for h in driver.find_elements(By.CSS_SELECTOR, "li.hit") if SEARCHED in h.text)
    assert "第 2 页" in hit.text
    take_screenshot(driver, "search", guide=True)

    hit.find_element(By.CSS_SELECTOR, "a").click()
    wait(driver).until(expected_conditions.url_contains("#page-2"))
    assert "/view?clause=" in driver.current_url
    page_two = driver.find_element(By.ID, "page-2")
    assert "current" in page_two.get_attribute("class")
    image = page_two.find_element(By.TAG_NAME, "img")
    wait(driver).until(lambda _: driver.execute_script(
        "return arguments[0].complete && arguments[0].naturalWidth > 0", image))
    assert in_view(driver, page_two), "the clause's page is not scrolled into view"
    assert SEARCHED in driver.find_element(By.CSS_SELECTOR, "section.viewer-clause h2").text
    # The highlight is drawn into the picture: the page image carries the clause's id.
    assert image.get_attribute("src").endswith("2.png?clause=" + driver.current_url.split("clause=")[1].split("#")[0])
    take_screenshot(driver, "viewer", guide=True)


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
    take_screenshot(driver, "viewer-en", guide=True)
    driver.find_element(By.LINK_TEXT, "中文").click()
    wait(driver).until(lambda current: current.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN")
    assert "标出的条款" in driver.find_element(By.CSS_SELECTOR, "section.viewer-clause h2").text


def test_screenshots_are_kept(site: str) -> None:
    from tests.web.browser_support import screenshot_dir

    for name in ("search", "viewer"):
        path: Path = screenshot_dir() / f"{name}.png"
        assert path.is_file() and path.stat().st_size > 10_000, path
