"""Evidence packs in headless Debian chromium: propose a draft, move an item, save, build, watch the progress, verify.

The screenshots these tests take are the ones the user guide's section on evidence packs shows.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions

from archive.access import SYSTEM
from archive.context import open_archive
from archive.i18n import get_translations
from archive.models import EvidencePack
from archive.services.evidence_builds import request_build, run_build
from archive.services.evidence_drafts import save_draft
from archive.services.evidence_proposals import propose_draft
from archive.settings import Settings
from ingest.pipeline import ingest_path
from tests.conftest import add_user, corpus_file
from tests.web.browser_support import require_browser, running_server, sign_in_as, take_screenshot, wait

pytestmark = pytest.mark.browser

USER = "browser-evidence"
CORPUS = ("en_cuad_services-agreement_federated_base.pdf", "en_cuad_services-agreement_federated_amendment1.pdf",
          "en_cuad_services-agreement_federated_amendment2.pdf")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings, int]]:
    """A server over an archive holding the services agreement and its amendments; yields URL, settings, contract id."""
    require_browser()
    data_dir = tmp_path_factory.mktemp("evidence-server")
    settings = Settings(data_dir=data_dir, database_url=None, _env_file=None)
    archive = open_archive(settings)
    try:
        results = [ingest_path(archive, corpus_file(name), index=False) for name in CORPUS]
    finally:
        archive.close()
    assert [r.status for r in results] == ["ingested"] * 3, results
    add_user(settings, USER, "legal")
    with running_server(data_dir) as url:
        yield url, settings, results[0].contract_id


def numbers_and_names(driver: WebDriver) -> list[tuple[str, str]]:
    rows = driver.find_elements(By.CSS_SELECTOR, "tr.evidence-item")
    return [(row.find_element(By.CSS_SELECTOR, "td.number").text, row.find_element(By.CSS_SELECTOR, "td.name").text)
            for row in rows]


def test_propose_move_save_build(driver: WebDriver, site: tuple[str, Settings, int]) -> None:
    server, _, contract_id = site
    sign_in_as(driver, server, USER)
    driver.get(f"{server}/contracts/{contract_id}")
    driver.find_element(By.LINK_TEXT, "证据包").click()
    wait(driver).until(expected_conditions.url_contains(f"/contracts/{contract_id}/evidence"))
    assert driver.find_element(By.ID, "start-proposal").is_selected()
    driver.find_element(By.CSS_SELECTOR, "form.new-draft button[type=submit]").click()
    wait(driver).until(expected_conditions.url_matches(r"/evidence-drafts/\d+$"))

    before = numbers_and_names(driver)
    assert [number for number, _ in before] == [f"1-{index}" for index in range(1, len(before) + 1)]
    assert len(before) >= 4
    assert driver.find_element(By.ID, "group-1").text == "证据一：合同及补充协议"

    third = driver.find_elements(By.CSS_SELECTOR, "tr.evidence-item")[2]
    item_id = third.get_attribute("data-item")
    third.find_element(By.CSS_SELECTOR, "button.move-up").click()
    wait(driver).until(expected_conditions.url_contains(f"#item-{item_id}"))
    wait(driver).until(lambda current: numbers_and_names(current)[1][1] == before[2][1])
    names = [name for _, name in before]
    reordered = [names[0], names[2], names[1], *names[3:]]
    assert numbers_and_names(driver) == [(f"1-{index}", name) for index, name in enumerate(reordered, start=1)]
    driver.get(driver.current_url.split("#")[0] + "#items")
    take_screenshot(driver, "evidence-draft", guide=True, english=True)

    driver.find_element(By.ID, "save-draft").click()
    wait(driver).until(expected_conditions.url_contains("#status"))
    assert "已保存第 1 版" in driver.find_element(By.CSS_SELECTOR, "section.draft-status").text

    driver.find_element(By.ID, "build-pack").click()
    wait(driver).until(expected_conditions.url_matches(r"/evidence-builds/\d+$"))
    link = wait(driver).until(expected_conditions.visibility_of_element_located((By.ID, "download-pack")))
    assert link.get_attribute("href").endswith("/download")
    assert driver.find_element(By.ID, "build-bar").get_attribute("value") == "100"
    assert len(driver.find_element(By.ID, "pack-sha256").text) == 64
    take_screenshot(driver, "evidence-build", guide=True, english=True)


def test_progress_bar_follows_build(driver: WebDriver, site: tuple[str, Settings, int], tmp_path: Path) -> None:
    """A queued build's page polls its status. When the build runs and ends, the page shows the download link."""
    server, settings, contract_id = site
    archive = open_archive(settings)
    try:
        with archive.session() as session:
            draft = propose_draft(session, contract_ids=[contract_id], dispute="late_delivery",
                                  actor=SYSTEM, translations=get_translations("zh_CN"))
            save_draft(session, draft.id, actor=SYSTEM)
            # Queued without starting it, so the page shows the build before it runs.
            build_id = request_build(session, draft.id, actor=SYSTEM, lang="zh_CN").id

        sign_in_as(driver, server, USER)
        driver.get(f"{server}/evidence-builds/{build_id}")
        assert driver.find_element(By.ID, "build-state").text == "等待开始"
        assert driver.find_element(By.ID, "build-bar").get_attribute("value") == "0"
        assert driver.find_elements(By.ID, "download-pack") == []

        runner = threading.Thread(target=run_build, args=(archive, build_id))
        runner.start()
        runner.join(timeout=60)
        assert not runner.is_alive(), "the build did not finish within 60 s"

        # The page's script reads the final state and reloads the page, which then offers the pack.
        link = wait(driver).until(expected_conditions.visibility_of_element_located((By.ID, "download-pack")))
        assert driver.find_element(By.CSS_SELECTOR, "#build-state").text == "已完成"
        with archive.session() as session:
            pack = session.query(EvidencePack).filter_by(draft_id=draft.id).one()
            pack_path = tmp_path / pack.file_name
            pack_path.write_bytes(archive.blobs.read_bytes(pack.blob_sha256))
            sha256 = pack.blob_sha256
        assert link.get_attribute("href").endswith(f"/evidence-packs/{pack.id}/download")
        assert driver.find_element(By.ID, "pack-sha256").text == sha256
    finally:
        archive.close()

    driver.get(f"{server}/evidence-packs/verify")
    driver.find_element(By.ID, "pack-file").send_keys(str(pack_path))
    driver.find_element(By.CSS_SELECTOR, "form.verify-form button[type=submit]").click()
    verdict = wait(driver).until(expected_conditions.visibility_of_element_located((By.ID, "verify-verdict")))
    assert verdict.text == "核验通过"
    assert "证据包完整" in driver.find_element(By.ID, "verify-summary").text
    assert sha256 in driver.find_element(By.CSS_SELECTOR, "section.verify-result").text
    take_screenshot(driver, "evidence-verify", guide=True)
