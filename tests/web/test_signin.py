"""Signing in and out in the browser: cookies, session fixation, login CSRF, throttling, headers and escaping."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import SESSION_COOKIE
from archive.services import accounts
from archive.settings import Settings
from tests.conftest import TEST_PASSWORD, add_user
from tests.web.conftest import build_docx

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)
    add_user(settings, "wang.wu", "legal")
    return settings


@pytest.fixture
def browser(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def login_token(client: TestClient) -> str:
    page = client.get("/login")
    return re.search(r'name="login_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


def sign_in(client: TestClient, password: str = TEST_PASSWORD, next_path: str = "/"):  # type: ignore[no-untyped-def]
    form = {"username": "wang.wu", "password": password, "login_token": login_token(client), "next": next_path}
    return client.post("/login", data=form, follow_redirects=False)


def page_csrf(client: TestClient) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)  # type: ignore[union-attr]


def test_sign_in_sets_session_cookie(browser: TestClient):
    response = sign_in(browser, next_path="/search?q=%E8%BF%9D%E7%BA%A6")

    assert response.status_code == 303
    assert response.headers["location"] == "/search?q=%E8%BF%9D%E7%BA%A6"
    cookie = next(value for value in response.headers.get_list("set-cookie") if value.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    # Plain HTTP to this computer (the test client's host) is the one case without the Secure flag.
    assert "Secure" not in cookie
    assert browser.get("/").status_code == 200


def test_cookie_secure_for_other_hosts(settings: Settings):
    with TestClient(create_app(settings), base_url="https://archive.example.com") as client:
        response = sign_in(client)

    cookie = next(value for value in response.headers.get_list("set-cookie") if value.startswith(SESSION_COOKIE))
    assert "Secure" in cookie


def test_planted_session_not_signed_in(browser: TestClient, settings: Settings):
    # An attacker's own valid session id, planted in the victim's browser before sign-in.
    attacker = TestClient(browser.app)
    sign_in(attacker)
    planted = attacker.cookies[SESSION_COOKIE]
    browser.cookies.set(SESSION_COOKIE, planted)

    response = sign_in(browser)

    issued = next(value for value in response.headers.get_list("set-cookie") if value.startswith(SESSION_COOKIE))
    assert issued.split(";")[0] != f"{SESSION_COOKIE}={planted}"
    # The planted id was ended at the victim's sign-in, so it opens nothing.
    stale = TestClient(browser.app, cookies={SESSION_COOKIE: planted})
    assert stale.get("/", follow_redirects=False).status_code == 303


def test_sign_in_form_needs_login_token(browser: TestClient):
    browser.get("/login")
    form = {"username": "wang.wu", "password": TEST_PASSWORD, "login_token": "forged", "next": "/"}

    response = browser.post("/login", data=form, follow_redirects=False)

    assert response.status_code == 403
    assert SESSION_COOKIE not in browser.cookies


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_next_stays_on_site(browser: TestClient, target: str):
    response = sign_in(browser, next_path=target)

    assert response.headers["location"] == "/"


def test_wrong_password_message(browser: TestClient):
    response = sign_in(browser, password="wrong password")

    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert SESSION_COOKIE not in browser.cookies


def test_sign_in_throttled(browser: TestClient):
    for _ in range(accounts.MAX_FAILURES_PER_USERNAME):
        sign_in(browser, password="wrong password")

    response = sign_in(browser)

    assert response.status_code == 429
    assert "15" in response.text
    assert SESSION_COOKIE not in browser.cookies


def test_sign_out_ends_session(browser: TestClient):
    sign_in(browser)
    cookie = browser.cookies[SESSION_COOKIE]

    response = browser.post("/logout", data={"csrf_token": page_csrf(browser)}, follow_redirects=False)

    assert response.status_code == 303
    old = TestClient(browser.app, cookies={SESSION_COOKIE: cookie})
    assert old.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_sign_out_needs_csrf_token(browser: TestClient):
    sign_in(browser)

    response = browser.post("/logout", follow_redirects=False)

    assert response.status_code == 403
    assert browser.get("/").status_code == 200


def test_security_headers_on_pages(browser: TestClient):
    sign_in(browser)

    for path in ("/login", "/", "/search?q=x", "/account"):
        headers = browser.get(path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert "script-src 'self'" in headers["content-security-policy"], path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["cache-control"] == "no-store", path


def test_download_not_cached(browser: TestClient):
    sign_in(browser)
    csrf = page_csrf(browser)
    upload = browser.post(
        "/api/documents", files={"file": ("合同.docx", build_docx(["第一条 合同标的"]), DOCX_TYPE)},
        data={"csrf_token": csrf},
    )
    version_id = upload.json()["results"][0]["document_version_id"]

    response = browser.get(f"/api/versions/{version_id}/download")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


def test_stored_script_escaped_everywhere(browser: TestClient):
    # Script in a file name, in the document's text (title and a clause) and in a search query.
    sign_in(browser)
    csrf = page_csrf(browser)
    body = build_docx([f"采购合同 {SCRIPT}", f"第一条 {SCRIPT} 违约责任", "第二条 付款方式"])
    upload = browser.post(
        "/upload", files={"file": (f'<img src=x onerror="alert(2)">{SCRIPT}.docx', body, DOCX_TYPE)},
        data={"csrf_token": csrf},
    )
    assert upload.status_code == 200, upload.text
    version_id = re.search(r'href="/versions/(\d+)"', upload.text).group(1)  # type: ignore[union-attr]
    contract_id = re.search(r'href="/contracts/(\d+)"', browser.get(f"/versions/{version_id}").text).group(1)  # type: ignore[union-attr]

    pages = {
        "upload result": upload.text,
        "contracts": browser.get("/").text,
        "contract": browser.get(f"/contracts/{contract_id}").text,
        "version": browser.get(f"/versions/{version_id}").text,
        "search": browser.get("/search", params={"q": f"违约 {SCRIPT}"}).text,
        "account": browser.get("/account").text,
    }
    for name, page in pages.items():
        assert SCRIPT not in page, name
        assert "<img src=x" not in page, name
    assert "&lt;script&gt;" in pages["version"]
    assert "&lt;script&gt;" in pages["search"]
