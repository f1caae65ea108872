"""Addresses with ids or dates out of range, or values of the wrong type: a clear page, never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import parse

HUGE = "9223372036854775808"  # one more than the largest BIGINT
HUGER = "99999999999999999999"

OUT_OF_RANGE = [
    f"/contracts/{HUGE}",
    f"/contracts/{HUGE}/timeline",
    f"/contracts/{HUGE}/timeline.pdf",
    f"/versions/{HUGER}",
    f"/versions/{HUGE}/view",
    f"/versions/{HUGE}/pages/1.png",
    f"/records/{HUGE}",
    f"/upload/results?v={HUGER}",
    f"/compare?left={HUGE}&right={HUGE}",
    "/contracts/1/timeline?around=0001-01-01",
    "/contracts/1/timeline.pdf?around=9999-12-31",
]


def error_message(page: str) -> str:
    return " ".join(parse(page).xpath("//main")[0].text_content().split())


@pytest.mark.parametrize("url", OUT_OF_RANGE)
def test_out_of_range_page(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code in (400, 404), (url, response.status_code)
    assert "text/html" in response.headers["content-type"]
    message = error_message(response.text)
    assert "超出范围" in message or "不存在" in message or "未找到" in message, message


def test_out_of_range_api(client: TestClient) -> None:
    response = client.get(f"/api/contracts/{HUGE}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "out_of_range"


def test_search_huge_contract_filter(client: TestClient) -> None:
    response = client.get("/search", params={"q": "合同", "contract_id": HUGER})
    assert response.status_code == 200
    assert "共 0 条匹配条款" in error_message(response.text)


def test_invalid_value_named_in_chinese(client: TestClient) -> None:
    response = client.get("/search", params={"q": "合" * 2001})
    assert response.status_code == 422
    message = error_message(response.text)
    assert "以下值无效：q" in message
    assert "String should have" not in message


def test_invalid_value_named_in_english(client: TestClient) -> None:
    response = client.get("/versions/1/view", params={"clause": "abc", "lang": "en"})
    assert response.status_code == 422
    message = error_message(response.text)
    assert "These values in the address or form are invalid: clause." in message
    assert "Input should be" not in message


def test_unknown_address_signed_in_menu(client: TestClient) -> None:
    response = client.get("/no-such-page", headers={"accept": "text/html"})

    assert response.status_code == 404
    page = parse(response.text)
    assert "不存在" in error_message(response.text)
    assert page.xpath("//a[@href='/account']/text()") == ["tester"]
    assert page.xpath("//nav//a[@href='/upload']")


def test_unknown_address_signed_out(client: TestClient) -> None:
    response = client.get("/no-such-page", headers={"accept": "text/html", "authorization": ""})

    assert response.status_code == 404
    assert parse(response.text).xpath("//a[@href='/account']") == []
