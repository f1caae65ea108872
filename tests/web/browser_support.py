"""Shared pieces of the browser tests: a uvicorn server on 127.0.0.1, Debian's chromium, and screenshots.

Screenshots are test artifacts. They go to build/screenshots/ (or $SCREENSHOT_DIR). With
UPDATE_GUIDE_IMAGES=1, the ones the user guide shows are also written to docs/images/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

from tests.conftest import TEST_PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
REPO_ROOT = Path(__file__).resolve().parents[2]
GUIDE_IMAGES = REPO_ROOT / "docs" / "images"
STARTUP_SECONDS = 60
WAIT_SECONDS = 20

# Builds the app from CONTRACT_ARCHIVE_DATA_DIR because create_app needs settings,
# which `uvicorn --factory` cannot pass.
SERVER_SCRIPT = """
import os, uvicorn
from api.app import create_app
from archive.settings import Settings
settings = Settings(data_dir=os.environ["CONTRACT_ARCHIVE_DATA_DIR"], database_url=None, _env_file=None)
uvicorn.run(create_app(settings), host="127.0.0.1", port=int(os.environ["PORT"]), log_level="warning")
"""


def require_browser() -> None:
    """Skip without Debian's chromium and chromedriver, but fail in CI, where they must exist."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if not missing:
        return
    reason = f"browser tests need {' and '.join(missing)} (Debian packages chromium and chromium-driver)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; they are required when CI is set")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_health(process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    """Poll the sign-in page (open without sign-in) until it returns 200, failing early if the server process exits."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with status {process.returncode} before it was ready:\n{_tail(log_path)}")
        try:
            with urllib.request.urlopen(f"{url}/login", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"server at {url} did not answer /login within {STARTUP_SECONDS} s")


def _tail(log_path: Path, size: int = 4000) -> str:
    return log_path.read_bytes()[-size:].decode(errors="replace")


@contextmanager
def running_server(data_dir: Path) -> Iterator[str]:
    """Run uvicorn on a free 127.0.0.1 port over the SQLite archive in `data_dir`; yield its base URL."""
    port = free_port()
    environment = {key: value for key, value in os.environ.items() if not key.startswith("CONTRACT_ARCHIVE_")}
    environment.update({"CONTRACT_ARCHIVE_DATA_DIR": str(data_dir), "PORT": str(port)})
    # The server's output goes to a file: a pipe that is never read would stall the server once it filled.
    log_path = data_dir.parent / f"{data_dir.name}-server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-c", SERVER_SCRIPT], cwd=REPO_ROOT, env=environment,
                                   stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(process, url, log_path)
        yield url
        if process.poll() is not None:
            pytest.fail(f"server exited with status {process.returncode} during the tests:\n{_tail(log_path)}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def start_chromium(profile_dir: Path) -> WebDriver:
    """A headless chromium with a fresh profile, driven through Debian's chromedriver."""
    require_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,900",
        f"--user-data-dir={profile_dir}",
    ):
        options.add_argument(argument)
    # An explicit Service path keeps Selenium Manager from looking for (or downloading) a driver.
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def wait(driver: WebDriver) -> WebDriverWait:
    return WebDriverWait(driver, WAIT_SECONDS)


def sign_in_as(driver: WebDriver, server: str, username: str) -> None:
    """Sign in through the form with no cookies left from an earlier test, and wait for the contracts page."""
    driver.get(server + "/login")
    driver.delete_all_cookies()
    driver.get(server + "/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(TEST_PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
    wait(driver).until(lambda current: current.current_url.rstrip("/") == server)


def screenshot_dir() -> Path:
    return Path(os.environ.get("SCREENSHOT_DIR") or REPO_ROOT / "build" / "screenshots")


def take_screenshot(driver: WebDriver, name: str, *, guide: bool = False, english: bool = False) -> Path:
    """Save the page as `name`.png among the artifacts, and check it is a PNG.

    With `guide`, the picture is one the user guide shows; UPDATE_GUIDE_IMAGES=1 copies it to
    docs/images/. With `english` as well, the page is reloaded in English for `name`-en.png and then
    in Chinese again. Use it only on a page that a reload shows the same way.
    """
    folder = screenshot_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    assert driver.save_screenshot(str(path)), f"chromium saved no screenshot {path}"
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    if guide and os.environ.get("UPDATE_GUIDE_IMAGES") == "1":
        GUIDE_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, GUIDE_IMAGES / path.name)
        if english:
            _reload_in(driver, "en")
            assert driver.save_screenshot(str(GUIDE_IMAGES / f"{name}-en.png"))
            _reload_in(driver, "zh_CN")
    return path


def _reload_in(driver: WebDriver, lang: str) -> None:
    """Reload the current page with ?lang= (which the site remembers), keeping its fragment."""
    address, _, fragment = driver.current_url.partition("#")
    parts = urlsplit(address)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != "lang"] + [("lang", lang)]
    driver.get(urlunsplit(parts._replace(query=urlencode(query))) + (f"#{fragment}" if fragment else ""))
    wait(driver).until(lambda current: current.execute_script("return document.readyState") == "complete")
