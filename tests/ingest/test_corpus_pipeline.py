"""The main job on the real corpus: `contract-archive ingest`, a re-run, links and search."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from archive.context import Archive
from archive.models import AmendmentLink, AuditEvent, Blob, Clause, Contract, DocumentVersion
from archive.queries import search_clauses, version_detail
from cli.main import app
from tests.conftest import CORPUS_DIR, open_test_archive, postgres_database, signed_in_client

pytestmark = pytest.mark.corpus

CUAD_BASE = "en_cuad_services-agreement_federated_base.pdf"
CUAD_AMENDMENTS = (
    "en_cuad_services-agreement_federated_amendment1.pdf",
    "en_cuad_services-agreement_federated_amendment2.pdf",
)
GARBLED = "zh_tender-excerpt_cid-font-no-tounicode_garbled.pdf"
USER_PASSWORD = "en_oha-sample-contract_user-password-encrypted_pw-test123_watermark.pdf"


def run_ingest(data_dir: Path, database_url: str | None, *args: str) -> tuple[int, dict[str, dict]]:
    env = {"CONTRACT_ARCHIVE_DATA_DIR": str(data_dir)}
    if database_url:
        env["CONTRACT_ARCHIVE_DATABASE_URL"] = database_url
    result = CliRunner().invoke(app, ["--lang", "en", "ingest", "--json", *args], env=env)
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, {Path(row["file"]).name: row for row in rows}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def corpus_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    if not CORPUS_DIR.is_dir():
        pytest.skip("../shared/corpus is not available")
    data_dir = tmp_path_factory.mktemp(f"corpus-{request.param}")
    with _database(request.param) as database_url:
        exit_code, results = run_ingest(data_dir, database_url, str(CORPUS_DIR))
        archive = open_test_archive(data_dir, request.param, database_url)
        settings = archive.settings
        counts_before = _counts(archive)
        rerun_exit, rerun = run_ingest(data_dir, database_url, str(CORPUS_DIR))
        yield {
            "archive": archive, "settings": settings, "exit_code": exit_code, "results": results, "counts_before": counts_before,
            "rerun_exit": rerun_exit, "rerun": rerun,
        }
        archive.close()


def _database(backend: str):  # type: ignore[no-untyped-def]
    from contextlib import nullcontext

    return postgres_database("corpus") if backend == "postgresql" else nullcontext(None)


def _counts(archive: Archive) -> dict[str, int]:
    with archive.session() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Blob, Contract, DocumentVersion, Clause, AmendmentLink, AuditEvent)
        }


def test_every_document_file_has_a_result(corpus_run: dict) -> None:
    documents = {p.name for p in CORPUS_DIR.iterdir() if p.suffix in (".pdf", ".docx")}
    assert set(corpus_run["results"]) == documents


def test_exit_status_reports_the_failed_file(corpus_run: dict) -> None:
    failed = {name for name, row in corpus_run["results"].items() if row["status"] == "failed"}
    assert failed == {USER_PASSWORD}
    assert corpus_run["exit_code"] == 1


def test_encrypted_file_message_names_file_and_fix(corpus_run: dict) -> None:
    row = corpus_run["results"][USER_PASSWORD]
    assert row["error_code"] == "encrypted"
    assert USER_PASSWORD in row["error"]
    assert "password" in row["error"]


def test_text_documents_are_ingested_with_clauses(corpus_run: dict) -> None:
    for name, row in corpus_run["results"].items():
        if name in (USER_PASSWORD, GARBLED):
            continue
        assert row["status"] == "ingested", name
        assert row["clause_count"] >= 1, name
        assert row["document_version_id"] and row["contract_id"], name


def test_garbled_pdf_read_by_ocr(corpus_run: dict) -> None:
    import shutil

    row = corpus_run["results"][GARBLED]
    detail = version_detail(corpus_run["archive"], row["document_version_id"])
    text = "".join(c["text"] for c in detail["clauses"])
    quality = detail["version"]["quality"]
    assert "(cid:" not in text
    if shutil.which("tesseract") is None:
        # Without Tesseract the pages stay marked, and the reason names the packages to install.
        assert row["status"] == "needs_ocr"
        assert row["needs_ocr_pages"] == [1, 2, 3, 4]
        assert text == ""
        return
    assert row["status"] == "ingested"
    assert row["needs_ocr_pages"] == []
    assert "商务标" in text
    assert [page["ocr"] for page in quality["pages"]] == [True, True, True, True]
    assert all(page["ocr_confidence"] > 60 for page in quality["pages"])


def test_clean_chinese_pdf_quality_trusted(corpus_run: dict) -> None:
    row = corpus_run["results"]["zh_office-equipment-procurement-contract_original.pdf"]
    quality = version_detail(corpus_run["archive"], row["document_version_id"])["version"]["quality"]
    assert quality["verdict"] == "trusted"
    assert quality["expected_share"] > 0.98
    assert quality["table_rows"] >= 8
    assert [p["page"] for p in quality["pages"]] == [1, 2, 3]


def test_rerun_reports_duplicates_and_changes_nothing(corpus_run: dict) -> None:
    statuses = {row["status"] for row in corpus_run["rerun"].values()}
    assert statuses == {"duplicate"}
    after, before = _counts(corpus_run["archive"]), corpus_run["counts_before"]
    # Nothing stored changes; each attempt to store the same bytes again is audited.
    assert {table: count for table, count in after.items() if table != "audit_event"} == {
        table: count for table, count in before.items() if table != "audit_event"
    }
    assert after["audit_event"] == before["audit_event"] + len(corpus_run["rerun"])
    with corpus_run["archive"].session() as session:
        newest = session.scalars(
            select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(len(corpus_run["rerun"]))
        ).all()
    assert set(newest) == {"upload_duplicate"}
    # The password-protected PDF is still unreadable, so the re-run still exits 1.
    assert corpus_run["rerun"][USER_PASSWORD]["status_of_existing"] == "failed"
    assert corpus_run["rerun_exit"] == 1


def test_cuad_amendments_link_to_base(corpus_run: dict) -> None:
    results = corpus_run["results"]
    base = results[CUAD_BASE]
    archive = corpus_run["archive"]
    for name in CUAD_AMENDMENTS:
        amendment = version_detail(archive, results[name]["document_version_id"])
        assert amendment["document"]["kind"] == "amendment"
        assert [link["version_id"] for link in amendment["amends"]] == [base["document_version_id"]], name
        assert amendment["document"]["contract_id"] == base["contract_id"], name


def test_gf_docx_numbers_from_numbering_part(corpus_run: dict) -> None:
    row = corpus_run["results"]["zh_gf-2024-2612_whole-process-consulting-model_auto-numbering.docx"]
    numbers = [c["number"] for c in version_detail(corpus_run["archive"], row["document_version_id"])["clauses"]]
    assert "第1条" in numbers
    assert "1.1" in numbers
    assert "1.1.1" in numbers


@pytest.mark.parametrize(
    ("query", "expected_file"),
    [
        ("违约", "zh_student_software-dev-contract_diyitiao.docx"),
        ("责任", "zh_office-equipment-procurement-contract_original.pdf"),
        ("付款", "zh_zhaoxin_source-code-sales-contract_filled_tracked-ins.docx"),
        ("验收", "zh_swun_project-acceptance-report_tables.docx"),
        ("保密", "zh_most_tech-service-contract_model-text_jishu-fuwu.docx"),
        ("amendment", "en_cuad_services-agreement_federated_base.pdf"),
        ("indemnify", "en_cuad_distributor-agreement_limeenergy.pdf"),
        ("GF-2024-2612", "zh_gf-2024-2612_whole-process-consulting-model_auto-numbering.docx"),
    ],
)
def test_search_finds_corpus_clauses(corpus_run: dict, query: str, expected_file: str) -> None:
    version_id = corpus_run["results"][expected_file]["document_version_id"]
    page = search_clauses(corpus_run["archive"], query, limit=100)
    matching = [hit for hit in page["hits"] if hit["document_version_id"] == version_id]
    assert matching, f"{query} found nothing in {expected_file}"
    assert all("<mark>" in hit["snippet"] for hit in page["hits"])


def test_search_api_and_page_find_corpus_clauses(corpus_run: dict) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    version_id = corpus_run["results"]["en_cuad_distributor-agreement_limeenergy.pdf"]["document_version_id"]
    corpus_run["archive"].index.close()  # the app opens its own index on the same directory
    with signed_in_client(corpus_run["settings"]) as client:
        for query in ("违约", "责任", "付款", "验收", "保密", "amendment", "indemnify", "GF-2024-2612"):
            api = client.get("/api/search", params={"q": query, "limit": 5})
            page = client.get("/search", params={"q": query})
            assert api.status_code == 200, query
            assert api.json()["total"] > 0, query
            assert page.status_code == 200, query
            assert "<mark>" in page.text, query
        hits = client.get("/api/search", params={"q": "indemnify", "limit": 50}).json()["hits"]
        assert version_id in {hit["document_version_id"] for hit in hits}


def test_search_never_returns_garbage_text(corpus_run: dict) -> None:
    page = search_clauses(corpus_run["archive"], "cid", limit=100)
    assert all("(cid:" not in hit["snippet"] for hit in page["hits"])


def test_tracked_changes_stored_with_authors(corpus_run: dict) -> None:
    row = corpus_run["results"]["ko_miraeasset_agent-appointment-contract_tracked-changes-130ins-42del.docx"]
    version = version_detail(corpus_run["archive"], row["document_version_id"])["version"]
    inserts = [r for r in version["revisions"] if r["kind"] == "insert"]
    assert 120 <= len(inserts) <= 140
    assert all(r["author"] for r in version["revisions"])
    assert version["quality"]["has_revisions"] is True


def test_tracked_changes_keep_original_clause_text(corpus_run: dict) -> None:
    row = corpus_run["results"]["ko_miraeasset_agent-appointment-contract_tracked-changes-130ins-42del.docx"]
    clauses = version_detail(corpus_run["archive"], row["document_version_id"])["clauses"]
    changed = [c for c in clauses if c["original_text"] is not None]

    assert len(changed) >= 10
    assert all(c["original_text"] != c["text"] for c in changed)
    # Clauses that no revision touched keep no second copy.
    assert len(changed) < len(clauses)



def test_version_page_shows_original_clause_text(corpus_run: dict) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    row = corpus_run["results"]["ko_miraeasset_agent-appointment-contract_tracked-changes-130ins-42del.docx"]
    corpus_run["archive"].index.close()  # the app opens its own index on the same directory
    with signed_in_client(corpus_run["settings"]) as client:
        page = client.get(f"/versions/{row['document_version_id']}")

    assert page.status_code == 200
    assert page.text.count("修订前文本") >= 10


def test_docx_header_kept_apart(corpus_run: dict) -> None:
    row = corpus_run["results"]["zh_junlian_lease-contract_fixed-rent_sdt-content-controls.docx"]
    detail = version_detail(corpus_run["archive"], row["document_version_id"])
    furniture = detail["version"]["page_furniture"]
    assert len(furniture) == 1
    assert all(furniture[0] not in clause["text"].split("\n")[0] for clause in detail["clauses"][1:])


def test_ocr_clauses_marked_in_api_and_page(corpus_run: dict) -> None:
    import shutil

    from fastapi.testclient import TestClient

    from api.app import create_app

    if shutil.which("tesseract") is None:
        pytest.skip("tesseract is not installed, so nothing was read by OCR")
    garbled = corpus_run["results"][GARBLED]["document_version_id"]
    clean = corpus_run["results"]["zh_office-equipment-procurement-contract_original.pdf"]["document_version_id"]
    corpus_run["archive"].index.close()  # the app opens its own index on the same directory
    with signed_in_client(corpus_run["settings"]) as client:
        scanned = client.get(f"/api/versions/{garbled}").json()
        typed = client.get(f"/api/versions/{clean}").json()
        page = client.get(f"/versions/{garbled}")

    assert scanned["clauses"]
    assert all(clause["from_ocr"] for clause in scanned["clauses"])
    assert not any(clause["from_ocr"] for clause in typed["clauses"])
    assert page.text.count("OCR 识别") >= len(scanned["clauses"])
    assert "经 OCR 识别的页：1, 2, 3, 4" in page.text
