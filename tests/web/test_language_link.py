"""The header's language link on pages shown in response to a POST leads to a GET page, never to the POST address.

A GET on a POST-only address fails with 405, so a form shown again with its error must link to
the page the form is on. Each case posts a form, follows the link and expects the page itself.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from tests.web.conftest import build_docx, parse
from tests.web.test_performance_pages import add_record, make_contract
from web.templating import page_address, with_language

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def language_link(page: str) -> str:
    [link] = parse(page).xpath("//div[@class='lang']/a/@href")
    return link


def request_for(method: str, path: str, query: str = "") -> Request:
    return Request({"type": "http", "method": method, "path": path, "query_string": query.encode(), "headers": []})


def test_with_language_keeps_query_and_fragment() -> None:
    assert with_language("/evidence-drafts/7?edit=3#item-3", "en") == "/evidence-drafts/7?edit=3&lang=en#item-3"
    assert with_language("/search?q=%E5%90%88%E5%90%8C&lang=en", "zh_CN") == "/search?q=%E5%90%88%E5%90%8C&lang=zh_CN"
    assert with_language("", "en") == "/?lang=en"


def test_page_address_by_method() -> None:
    assert page_address(request_for("GET", "/search", "q=x&page=2")) == "/search?q=x&page=2"
    assert page_address(request_for("POST", "/evidence-drafts/7/save")) == "/"
    assert page_address(request_for("POST", "/evidence-drafts/7/save"), "/evidence-drafts/7#status") == (
        "/evidence-drafts/7#status")


def test_terms_error_links_contract_page(client: TestClient, tmp_path: Path) -> None:
    contract = make_contract(client, tmp_path)

    response = client.post(f"/contracts/{contract.id}/terms", data={"form_name": "terms", "total_amount": "一百万"})

    assert response.status_code == 422
    link = language_link(response.text)
    assert link == f"/contracts/{contract.id}?lang=en#terms"
    switched = client.get(link)
    assert switched.status_code == 200
    assert parse(switched.text).xpath("//html/@lang") == ["en"]


def test_record_error_links_record_page(client: TestClient, tmp_path: Path) -> None:
    contract = make_contract(client, tmp_path)
    record = add_record(client, contract.id, kind="payment", occurred_on=dt.date(2025, 2, 12), amount=Decimal("5000"))

    response = client.post(f"/records/{record.id}", data={"occurred_on": "2025-02-12", "amount": ""})

    assert response.status_code == 422
    link = language_link(response.text)
    assert link == f"/records/{record.id}?lang=en#edit"
    assert client.get(link).status_code == 200


def test_new_record_error_links_contract_page(client: TestClient, tmp_path: Path) -> None:
    contract = make_contract(client, tmp_path)

    response = client.post(f"/contracts/{contract.id}/records", data={"kind": "payment", "occurred_on": "2025-02-12"})

    assert response.status_code == 422
    link = language_link(response.text)
    assert link == f"/contracts/{contract.id}?lang=en#add-record"
    assert client.get(link).status_code == 200


def test_token_error_links_account_page(client: TestClient) -> None:
    response = client.post("/account/tokens", data={"name": ""})

    assert response.status_code == 422
    assert language_link(response.text) == "/account?lang=en"
    assert client.get("/account?lang=en").status_code == 200


def test_upload_result_links_results_page(client: TestClient) -> None:
    report = build_docx(["设备验收报告", "一、验收结论", "设备运行正常，验收合格。"])

    response = client.post("/upload", files={"file": ("验收报告.docx", report, DOCX_TYPE)})

    assert response.status_code == 200
    link = language_link(response.text)
    assert link.startswith("/upload/results?v=")
    switched = client.get(link)
    assert switched.status_code == 200
    assert "验收报告.docx" in switched.text


def test_upload_error_links_upload_form(client: TestClient) -> None:
    response = client.post("/upload", data={"contract_id": "12"}, files={"other": ("a.txt", b"x", "text/plain")})

    assert response.status_code >= 400
    assert language_link(response.text) == "/upload?contract_id=12&lang=en"


@pytest.mark.parametrize("path", ["/evidence-drafts/987654/save", "/records/987654"])
def test_error_page_after_post_links_home(client: TestClient, path: str) -> None:
    response = client.post(path, data={"occurred_on": "2025-02-12"})

    assert response.status_code == 404
    assert language_link(response.text) == "/?lang=en"
