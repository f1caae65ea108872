from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import upload

HOSTILE_QUERIES = [
    '"',
    '"违约',
    "AND",
    "NOT",
    "违约 AND NOT",
    "(((",
    "责任)",
    "title:违约",
    "*",
    "违约~2^3",
    "😀📄",
    "违" * 500,
    "a" * 2000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\\",
    "   ",
]


@pytest.fixture
def loaded(client: TestClient, samples: Path) -> TestClient:
    for name in sorted(p.name for p in samples.iterdir()):
        assert upload(client, samples / name).status_code == 201
    return client


def test_chinese_word_found_and_highlighted(loaded: TestClient) -> None:
    body = loaded.get("/api/search", params={"q": "违约"}).json()

    assert body["total"] >= 1
    hit = body["hits"][0]
    assert "<mark>违约</mark>" in hit["snippet"]
    assert hit["number"] == "第六条"
    assert {"clause_id", "document_version_id", "contract_id", "number", "snippet", "score"} <= hit.keys()


def test_word_inside_longer_word_found(loaded: TestClient) -> None:
    numbers = [hit["number"] for hit in loaded.get("/api/search", params={"q": "责任"}).json()["hits"]]
    assert "第六条" in numbers  # 责任 occurs only inside 违约责任 there


def test_contract_number_found(loaded: TestClient) -> None:
    body = loaded.get("/api/search", params={"q": "HT-2024-001"}).json()
    kinds = {hit["kind"] for hit in body["hits"]}
    assert {"contract", "amendment", "acceptance_report"} <= kinds


def test_english_term_found(loaded: TestClient) -> None:
    hits = loaded.get("/api/search", params={"q": "indemnify"}).json()["hits"]
    assert [hit["number"] for hit in hits] == ["4."]


def test_kind_filter(loaded: TestClient) -> None:
    hits = loaded.get("/api/search", params={"q": "HT-2024-001", "kind": "amendment"}).json()["hits"]
    assert hits
    assert {hit["kind"] for hit in hits} == {"amendment"}


def test_paging_returns_distinct_hits(loaded: TestClient) -> None:
    first = loaded.get("/api/search", params={"q": "甲方", "limit": 2}).json()
    second = loaded.get("/api/search", params={"q": "甲方", "limit": 2, "offset": 2}).json()
    assert first["total"] > 2
    assert {h["clause_id"] for h in first["hits"]}.isdisjoint({h["clause_id"] for h in second["hits"]})


@pytest.mark.parametrize("query", HOSTILE_QUERIES, ids=range(len(HOSTILE_QUERIES)))
def test_any_input_is_a_query(loaded: TestClient, query: str) -> None:
    response = loaded.get("/api/search", params={"q": query})

    assert response.status_code == 200
    for hit in response.json()["hits"]:
        assert "<script>" not in hit["snippet"]


def test_kind_correction_updates_search_filter(loaded: TestClient) -> None:
    hit = loaded.get("/api/search", params={"q": "验收合格", "kind": "acceptance_report"}).json()["hits"][0]

    loaded.patch(f"/api/documents/{hit['document_id']}", json={"kind": "correspondence"})

    moved = loaded.get("/api/search", params={"q": "验收合格", "kind": "correspondence"}).json()["hits"]
    assert hit["clause_id"] in {h["clause_id"] for h in moved}
