import hashlib
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import httpx
from fastapi.testclient import TestClient

from api.app import create_app
from archive.settings import Settings
from tests.api.conftest import upload
from tests.conftest import add_user, bearer

CONTRACT = "采购合同-HT-2024-001.docx"
AMENDMENT = "补充协议-HT-2024-001.docx"
REPORT = "验收报告-HT-2024-001.docx"


def test_upload_ingests_and_reports(client: TestClient, samples: Path) -> None:
    response = upload(client, samples / CONTRACT)

    assert response.status_code == 201
    result = response.json()["results"][0]
    assert result["status"] == "ingested"
    assert result["kind"] == "contract"
    assert result["file"] == CONTRACT
    assert result["clause_count"] >= 8
    assert result["fields"]["contract_number"] == ["HT-2024-001"]


def test_same_bytes_again_is_duplicate(client: TestClient, samples: Path) -> None:
    first = upload(client, samples / CONTRACT).json()["results"][0]
    second = upload(client, samples / CONTRACT)

    assert second.status_code == 200
    result = second.json()["results"][0]
    assert result["status"] == "duplicate"
    assert result["duplicate_of"] == first["document_version_id"]
    assert client.get("/api/contracts").json()["total"] == 1


def test_amendment_and_report_join_contract_by_number(client: TestClient, samples: Path) -> None:
    contract = upload(client, samples / CONTRACT).json()["results"][0]
    amendment = upload(client, samples / AMENDMENT).json()["results"][0]
    report = upload(client, samples / REPORT).json()["results"][0]

    assert amendment["kind"] == "amendment"
    assert amendment["contract_id"] == contract["contract_id"]
    assert amendment["amends_version_ids"] == [contract["document_version_id"]]
    assert report["kind"] == "acceptance_report"
    assert report["contract_id"] == contract["contract_id"]
    detail = client.get(f"/api/contracts/{contract['contract_id']}").json()
    assert len(detail["documents"]) == 3
    assert detail["amendments"][0]["method"] == "contract_number"


def test_upload_with_only_rfc5987_filename(client: TestClient, samples: Path) -> None:
    data = (samples / CONTRACT).read_bytes()
    boundary = "testboundary7d93"
    body = (
        f"--{boundary}\r\n"
        f"Content-Disposition: form-data; name=\"file\"; filename*=UTF-8''{quote(CONTRACT)}\r\n"
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + data + f"\r\n--{boundary}--\r\n".encode()

    response = client.post(
        "/api/documents", content=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )

    assert response.status_code == 201
    assert response.json()["results"][0]["file"] == CONTRACT


def download(client: TestClient, version_id: int) -> tuple[bytes, str, str]:
    """Download as a browser would: follow the S3 store's redirect to the presigned URL.

    Return the bytes, the Content-Disposition header and the archive's X-Content-SHA256 header.
    """
    response = client.get(f"/api/versions/{version_id}/download", follow_redirects=False)
    if response.status_code == 307:
        with urllib.request.urlopen(response.headers["location"], timeout=10) as presigned:
            return presigned.read(), presigned.headers["Content-Disposition"], response.headers["x-content-sha256"]
    assert response.status_code == 200
    return response.content, response.headers["content-disposition"], response.headers["x-content-sha256"]


def test_download_returns_original_with_chinese_name(client: TestClient, samples: Path) -> None:
    result = upload(client, samples / CONTRACT).json()["results"][0]

    data, disposition, sha256 = download(client, result["document_version_id"])

    assert data == (samples / CONTRACT).read_bytes()
    assert f"filename*=UTF-8''{quote(CONTRACT)}" in disposition
    assert sha256 == hashlib.sha256(data).hexdigest()


def test_new_version_supersedes_previous(client: TestClient, samples: Path, tmp_path: Path) -> None:
    first = upload(client, samples / CONTRACT).json()["results"][0]
    changed = tmp_path / "采购合同-v2.docx"
    changed.write_bytes((samples / CONTRACT).read_bytes() + b"\0")  # other bytes, still a readable ZIP

    second = upload(client, changed, document_id=str(first["document_id"])).json()["results"][0]

    assert second["document_id"] == first["document_id"]
    version = client.get(f"/api/versions/{second['document_version_id']}").json()["version"]
    assert version["version_number"] == 2
    assert version["supersedes_id"] == first["document_version_id"]
    assert client.get(f"/api/versions/{first['document_version_id']}").status_code == 200


def test_empty_file_rejected_with_name(client: TestClient, tmp_path: Path) -> None:
    empty = tmp_path / "空白合同.pdf"
    empty.write_bytes(b"")

    response = upload(client, empty)

    assert response.status_code == 422
    result = response.json()["results"][0]
    assert result["status"] == "failed"
    assert result["error_code"] == "empty_file"
    assert "空白合同.pdf" in result["error"]


def test_oversized_upload_rejected(client: TestClient, tmp_path: Path) -> None:
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024))

    response = upload(client, big)

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"
    assert "big.pdf" in response.json()["error"]["message"]


def test_upload_without_file_is_clear_error(client: TestClient) -> None:
    response = client.post("/api/documents", data={"contract_id": "1"}, files={"other": ("x.txt", b"x")})

    assert response.status_code == 422
    assert "file" in response.json()["error"]["message"]


def test_unknown_version_is_404_json(client: TestClient) -> None:
    response = client.get("/api/versions/999999")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_kind_correction_is_kept(client: TestClient, samples: Path) -> None:
    result = upload(client, samples / REPORT).json()["results"][0]

    response = client.patch(f"/api/documents/{result['document_id']}", json={"kind": "correspondence"})

    assert response.status_code == 200
    assert response.json()["kind"] == "correspondence"
    assert response.json()["kind_source"] == "staff"
    bad = client.patch(f"/api/documents/{result['document_id']}", json={"kind": "poem"})
    assert bad.status_code == 422


def test_openapi_documents_upload(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    assert "multipart/form-data" in spec["paths"]["/api/documents"]["post"]["requestBody"]["content"]
    assert "/api/search" in spec["paths"]


def test_download_over_http_streams(client: TestClient, samples: Path) -> None:
    result = upload(client, samples / AMENDMENT).json()["results"][0]
    url = f"/api/versions/{result['document_version_id']}/download"
    with client.stream("GET", url, follow_redirects=False) as response:
        if response.status_code == 307:
            # The S3 store hands out a presigned URL, which streams from the S3 server itself.
            with urllib.request.urlopen(response.headers["location"], timeout=10) as presigned:
                data = presigned.read()
        else:
            data = b"".join(response.iter_bytes())
    assert data == (samples / AMENDMENT).read_bytes()
    assert isinstance(response, httpx.Response)


def test_amendment_before_contract_is_linked_later(client: TestClient, samples: Path) -> None:
    amendment = upload(client, samples / AMENDMENT).json()["results"][0]
    contract = upload(client, samples / CONTRACT).json()["results"][0]

    version = client.get(f"/api/versions/{amendment['document_version_id']}").json()
    assert version["document"]["contract_id"] == contract["contract_id"]
    assert [link["version_id"] for link in version["amends"]] == [contract["document_version_id"]]
    assert version["version"]["warnings"] == []
    detail = client.get(f"/api/contracts/{contract['contract_id']}").json()
    assert detail["contract"]["title"] == "设备采购合同"
    assert detail["contract"]["number"] == "HT-2024-001"


def test_staff_move_relinks_amendment(client: TestClient, samples: Path) -> None:
    contract = upload(client, samples / CONTRACT).json()["results"][0]
    other = upload(client, samples / "services-agreement-sample.docx").json()["results"][0]
    amendment = upload(client, samples / AMENDMENT).json()["results"][0]

    response = client.patch(f"/api/documents/{amendment['document_id']}", json={"contract_id": other["contract_id"]})

    assert response.status_code == 200
    version = client.get(f"/api/versions/{amendment['document_version_id']}").json()
    assert version["document"]["contract_id"] == other["contract_id"]
    assert version["amends"] == [{"version_id": other["document_version_id"], "method": "explicit", "evidence": None}]
    hits = client.get("/api/search", params={"q": "补充协议", "contract_id": other["contract_id"]}).json()["hits"]
    assert {h["document_version_id"] for h in hits} == {amendment["document_version_id"]}
    assert contract["contract_id"] != other["contract_id"]


def test_move_to_missing_contract_is_404(client: TestClient, samples: Path) -> None:
    result = upload(client, samples / REPORT).json()["results"][0]
    response = client.patch(f"/api/documents/{result['document_id']}", json={"contract_id": 424242})
    assert response.status_code == 404


def test_failed_versions_are_listed(client: TestClient, tmp_path: Path) -> None:
    broken = tmp_path / "损坏.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog")
    failed = upload(client, broken).json()["results"][0]

    listed = client.get("/api/versions").json()["versions"]
    page = client.get("/")

    assert [v["id"] for v in listed] == [failed["document_version_id"]]
    assert "损坏.pdf" in page.text
    assert "需要处理的文件" in page.text


def test_new_version_with_other_contract_rejected(client: TestClient, samples: Path, tmp_path: Path) -> None:
    first = upload(client, samples / CONTRACT).json()["results"][0]
    other = upload(client, samples / "services-agreement-sample.docx").json()["results"][0]
    changed = tmp_path / "v2.docx"
    changed.write_bytes((samples / CONTRACT).read_bytes() + b"\0")

    response = upload(client, changed, document_id=str(first["document_id"]), contract_id=str(other["contract_id"]))

    assert response.status_code == 422
    assert response.json()["results"][0]["error_code"] == "conflicting_target"


def test_move_removes_empty_pipeline_contract(client: TestClient, samples: Path) -> None:
    report = upload(client, samples / REPORT).json()["results"][0]  # no contract yet: filed under a new one
    contract = upload(client, samples / "services-agreement-sample.docx").json()["results"][0]

    client.patch(f"/api/documents/{report['document_id']}", json={"contract_id": contract["contract_id"]})

    assert client.get(f"/api/contracts/{report['contract_id']}").status_code == 404
    assert client.get(f"/api/versions/{report['document_version_id']}").json()["version"]["warnings"] == []


def test_download_answers_head(client: TestClient, samples: Path) -> None:
    result = upload(client, samples / CONTRACT).json()["results"][0]
    response = client.head(f"/api/versions/{result['document_version_id']}/download")
    assert response.status_code == 200
    assert response.headers["content-length"] == str((samples / CONTRACT).stat().st_size)


def test_download_redirects_to_s3(s3_settings_factory: Callable[..., Settings], samples: Path) -> None:
    s3_settings = s3_settings_factory(max_upload_mb=2)
    token = add_user(s3_settings, "tester", "legal")
    with TestClient(create_app(s3_settings), headers=bearer(token)) as s3_client:
        result = upload(s3_client, samples / CONTRACT).json()["results"][0]

        response = s3_client.get(f"/api/versions/{result['document_version_id']}/download", follow_redirects=False)

    assert response.status_code == 307
    location = response.headers["location"]
    assert location.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(location, timeout=10) as presigned:
        body = presigned.read()
        disposition = presigned.headers["Content-Disposition"]
    assert body == (samples / CONTRACT).read_bytes()
    assert f"filename*=UTF-8''{quote(CONTRACT)}" in disposition
    assert response.headers["x-content-sha256"] == hashlib.sha256(body).hexdigest()


def test_download_of_missing_original_says_what_to_do(client: TestClient, samples: Path) -> None:
    result = upload(client, samples / CONTRACT).json()["results"][0]
    archive = client.app.state.archive
    version = client.get(f"/api/versions/{result['document_version_id']}").json()["version"]
    sha256 = version["sha256"]
    _remove_blob(archive, sha256)

    response = client.get(f"/api/versions/{result['document_version_id']}/download", follow_redirects=False)

    assert response.status_code == 500
    body = response.json()["error"]
    assert body["code"] == "blob_missing"
    assert sha256 in body["message"]
    assert "contract-archive check" in body["message"]


def _remove_blob(archive, sha256: str) -> None:  # type: ignore[no-untyped-def]
    """Remove a stored original behind the archive's back, as a failed disk or a careless admin would."""
    from archive.blobs.local import LocalBlobStore

    store = archive.blobs
    if isinstance(store, LocalBlobStore):
        path = store.path_for(sha256)
        path.chmod(0o644)
        path.unlink()
        return
    # The S3 test buckets keep one day of retention, so governance mode is bypassed to delete.
    key = store.key_for(sha256)
    for version in store.client.list_objects(store.bucket, prefix=key, include_version=True):
        store.client._execute(  # noqa: SLF001 - minio has no public bypass flag on remove_object
            "DELETE", store.bucket, key, query_params={"versionId": version.version_id},
            headers={"x-amz-bypass-governance-retention": "true"},
        )
