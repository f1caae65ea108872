"""The upload page in headless Debian chromium: two files at once, progress, corrections and a new-version offer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select

from archive.context import open_archive
from archive.settings import Settings
from ingest.pipeline import ingest_path
from tests.conftest import add_user
from tests.web.browser_support import require_browser, running_server, sign_in_as, take_screenshot, wait
from tests.web.conftest import build_docx
from tests.web.test_upload_pages import CONTRACT_V1, CONTRACT_V2

pytestmark = pytest.mark.browser

USER = "browser-upload"
REPORT = ["设备验收报告", "合同编号：HT-2025-010", "验收日期：2025年4月1日", "一、验收结论", "服务器十台运行正常，验收合格。"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, Path]]:
    """Start uvicorn over an archive with one contract document; yield the URL, the contract id and a file folder."""
    require_browser()
    data_dir = tmp_path_factory.mktemp("upload-server")
    files = tmp_path_factory.mktemp("upload-files")
    first = files / "设备采购合同-v1.docx"
    first.write_bytes(build_docx(CONTRACT_V1))
    settings = Settings(data_dir=data_dir, database_url=None, _env_file=None)
    archive = open_archive(settings)
    try:
        result = ingest_path(archive, first)
    finally:
        archive.close()
    assert result.contract_id is not None, result
    add_user(settings, USER, "legal")
    with running_server(data_dir) as url:
        yield url, result.contract_id, files


def row_named(driver: WebDriver, filename: str) -> WebElement:
    """Return the result row whose first cell names `filename`."""
    for row in driver.find_elements(By.CSS_SELECTOR, "#upload-results tbody tr"):
        if row.find_element(By.TAG_NAME, "td").text == filename:
            return row
    raise AssertionError(f"no result row for {filename}")


def confirmation_in(filename: str, text: str):  # type: ignore[no-untyped-def]
    """Return a wait condition that is true once the row of `filename` shows the confirmation `text`."""
    def condition(driver: WebDriver) -> bool:
        try:
            return any(p.text == text for p in row_named(driver, filename).find_elements(By.CLASS_NAME, "confirmation"))
        except Exception:  # noqa: BLE001 - the row is being replaced
            return False

    return condition


def test_two_files_progress_corrections_offer(driver: WebDriver, site: tuple[str, int, Path]) -> None:
    server, contract_id, files = site
    revised = files / "设备采购合同-v2.docx"
    revised.write_bytes(build_docx(CONTRACT_V2))
    report = files / "验收报告.docx"
    report.write_bytes(build_docx(REPORT))
    sign_in_as(driver, server, USER)

    driver.get(f"{server}/contracts/{contract_id}")
    driver.find_element(By.LINK_TEXT, "上传补充文件").click()
    wait(driver).until(lambda current: "/upload?contract_id=" in current.current_url)
    assert "HT-2025-010" in driver.find_element(By.CSS_SELECTOR, "p.upload-target").text
    assert driver.find_element(By.CSS_SELECTOR, "#drop-zone label[for=file]").is_displayed()

    driver.find_element(By.ID, "file").send_keys(f"{revised}\n{report}")
    wait(driver).until(lambda current: len(current.find_elements(By.CSS_SELECTOR, "#upload-results tbody tr")) == 2)
    wait(driver).until(lambda current: len(current.find_elements(By.CSS_SELECTOR, "#upload-queue li.done")) == 2)
    progress = [bar.get_attribute("value") for bar in driver.find_elements(By.CSS_SELECTOR, "#upload-queue progress")]
    assert progress == ["100", "100"]
    assert [p.text for p in driver.find_elements(By.CSS_SELECTOR, "#upload-queue .upload-percent")] == ["100 %", "100 %"]

    report_row = row_named(driver, report.name)
    report_cells = report_row.find_elements(By.TAG_NAME, "td")
    assert "已入库" in report_cells[1].text
    assert Select(report_cells[2].find_element(By.TAG_NAME, "select")).first_selected_option.text == "验收报告"
    contract_link = report_cells[4].find_element(By.CSS_SELECTOR, "a.upload-contract")
    assert contract_link.get_attribute("href") == f"{server}/contracts/{contract_id}"
    assert "HT-2025-010" in contract_link.text

    Select(report_cells[2].find_element(By.TAG_NAME, "select")).select_by_value("invoice")
    report_cells[2].find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(driver).until(confirmation_in(report.name, "文件类型已保存。"))
    kind = row_named(driver, report.name).find_elements(By.TAG_NAME, "td")[2]
    assert Select(kind.find_element(By.TAG_NAME, "select")).first_selected_option.text == "发票"

    revised_row = row_named(driver, revised.name)
    version_id = revised_row.get_attribute("data-version-id")
    offer = revised_row.find_element(By.CSS_SELECTOR, "form.upload-offer button")
    assert offer.text == "作为《设备采购合同》的新版本"
    offer.click()
    wait(driver).until(confirmation_in(revised.name, "该文件现为《设备采购合同》的第 2 版。"))
    assert row_named(driver, revised.name).find_elements(By.TAG_NAME, "td")[5].text.startswith("v2")
    take_screenshot(driver, "upload", guide=True)
    report_version = row_named(driver, report.name).get_attribute("data-version-id")

    # The results page again, in English on a tablet: the table scrolls in its box, not the page.
    driver.set_window_size(768, 1024)
    try:
        driver.get(f"{server}/upload/results?v={version_id}&v={report_version}&lang=en")
        assert len(driver.find_elements(By.CSS_SELECTOR, "#upload-results tbody tr")) == 2
        wide, viewport = driver.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert wide <= viewport
    finally:
        driver.set_window_size(1280, 900)
        driver.get(f"{server}/upload?lang=zh_CN")

    driver.get(f"{server}/contracts/{contract_id}/timeline")
    item = driver.find_element(By.CSS_SELECTOR, f"a[href='/versions/{version_id}']")
    assert "v2" in item.text


def test_dropped_file_error_shown(driver: WebDriver, site: tuple[str, int, Path]) -> None:
    server, _, _ = site
    sign_in_as(driver, server, USER)
    driver.get(f"{server}/upload")

    # Selenium cannot drag files from the desktop, so the page gets a drop event with a File built in it.
    driver.execute_script(
        "const transfer = new DataTransfer();"
        "transfer.items.add(new File(['纯文本，不是 PDF。'], '拖入的文件.pdf', {type: 'application/pdf'}));"
        "const zone = document.getElementById('drop-zone');"
        "zone.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));"
    )
    wait(driver).until(lambda current: current.find_elements(By.CSS_SELECTOR, "#upload-queue li.failed"))
    message = driver.find_element(By.CSS_SELECTOR, "#upload-queue li.failed .upload-message").text

    assert "拖入的文件.pdf" in message
    assert "PDF" in message
    assert row_named(driver, "拖入的文件.pdf").find_element(By.CLASS_NAME, "error").text == message


def test_oversized_file_not_sent(driver: WebDriver, site: tuple[str, int, Path]) -> None:
    server, _, _ = site
    sign_in_as(driver, server, USER)
    driver.get(f"{server}/upload")
    limit_message = driver.find_element(By.ID, "upload-form").get_attribute("data-too-large")

    # The server's limit (200 MB by default) is lowered in the page, so a small file stands for a large one.
    driver.execute_script(
        "document.getElementById('upload-form').dataset.maxBytes = '8';"
        "const transfer = new DataTransfer();"
        "transfer.items.add(new File(['%PDF-1.4 and more'], '太大的合同.pdf', {type: 'application/pdf'}));"
        "document.getElementById('drop-zone').dispatchEvent("
        "  new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));"
    )
    failed = wait(driver).until(lambda current: current.find_elements(By.CSS_SELECTOR, "#upload-queue li.failed"))
    message = failed[0].find_element(By.CLASS_NAME, "upload-message").text

    assert "{file}" in limit_message
    assert message == limit_message.replace("{file}", "太大的合同.pdf")
    assert "200 MB" in message
    assert driver.find_elements(By.CSS_SELECTOR, "#upload-results tbody tr") == []
