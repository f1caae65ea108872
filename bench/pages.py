"""Time the server-side rendering of the contract timeline and the contract page on a large contract.

Usage: python bench/pages.py [--requests 20] [--records 300] [--obligations 300] [--versions 200]
                             [--documents 1000]

The script builds a SQLite archive in a temporary folder. One contract gets `--records`
records, `--obligations` manual obligations and `--versions` document versions (two per
document), inserted with SQLAlchemy core, plus the alerts that run_alerts raises for them.
A second contract gets `--documents` documents of one version each. Requests go through
FastAPI's TestClient in this process, signed in as an administrator with an API token, so
a time is the app's whole handling of a request without network or browser.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from api.app import create_app  # noqa: E402
from archive.access import SYSTEM  # noqa: E402
from archive.context import Archive, open_archive  # noqa: E402
from archive.models import (  # noqa: E402
    Alert,
    Blob,
    Document,
    DocumentVersion,
    Obligation,
    PerformanceRecord,
)
from archive.services import accounts, credentials  # noqa: E402
from archive.services.alerts import run_alerts  # noqa: E402
from archive.services.contract_terms import update_terms  # noqa: E402
from archive.services.contracts import create_contract  # noqa: E402
from archive.settings import Settings  # noqa: E402
from bench.machine import machine_summary  # noqa: E402

TODAY = dt.date(2025, 6, 11)
FIRST_DAY = dt.date(2023, 1, 1)
RECORD_KINDS = ("payment", "delivery", "communication", "inspection")
TARGET_MS = 200


def _day(index: int, spread: int = 900) -> dt.date:
    return FIRST_DAY + dt.timedelta(days=(index * 37) % spread)


def _insert_documents(archive: Archive, contract_id: int, documents: int, versions_per_document: int,
                      label: str) -> None:
    """Insert documents with their versions and blobs. Each blob gets a distinct made-up hash."""
    blobs, versions = [], []
    with archive.session() as session:
        first_document = (session.scalar(select(func.max(Document.id))) or 0) + 1
        first_version = (session.scalar(select(func.max(DocumentVersion.id))) or 0) + 1
        session.execute(insert(Document), [
            {"id": first_document + i, "contract_id": contract_id, "kind": "correspondence",
             "title": f"{label} 往来函件 {i + 1}"}
            for i in range(documents)
        ])
        for i in range(documents):
            for number in range(1, versions_per_document + 1):
                version_id = first_version + len(versions)
                sha = hashlib.sha256(f"{label}-{i}-{number}".encode()).hexdigest()
                blobs.append({"sha256": sha, "size": 1000, "media_type": "application/pdf"})
                versions.append({
                    "id": version_id, "document_id": first_document + i, "blob_sha256": sha,
                    "version_number": number, "supersedes_id": version_id - 1 if number > 1 else None,
                    "filename": f"letter-{i + 1}-v{number}.pdf", "media_type": "application/pdf", "size": 1000,
                    "uploaded_at": dt.datetime.combine(_day(i + number), dt.time(9, 30)), "state": "ingested",
                })
        session.execute(insert(Blob), blobs)
        session.execute(insert(DocumentVersion), versions)


def build_archive(data_dir: Path, args: argparse.Namespace) -> tuple[Archive, int, int, dict[str, int]]:
    """Create the two contracts and return the archive, their ids and the row counts of the first."""
    archive = open_archive(Settings(data_dir=data_dir, _env_file=None))
    with archive.session() as session:
        timeline_id = create_contract(session, number="BENCH-TIMELINE", title="时间线基准合同").id
        documents_id = create_contract(session, number="BENCH-DOCUMENTS", title="文件基准合同").id
        update_terms(session, timeline_id, {"signed_on": "2022-12-20", "effective_on": "2023-01-01",
                                            "expires_on": "2025-12-31", "counterparty": "某某科技有限公司"},
                     actor=SYSTEM)
        session.execute(insert(PerformanceRecord), [
            {"contract_id": timeline_id, "kind": RECORD_KINDS[i % len(RECORD_KINDS)], "occurred_on": _day(i),
             "status": "done", "summary": f"第 {i + 1} 次履约记录", "created_by": "bench"}
            for i in range(args.records)
        ])
        session.execute(insert(Obligation), [
            {"contract_id": timeline_id, "kind": "delivery", "summary": f"第 {i + 1} 批交货", "debtor": "us",
             "due_rule": {"on": _day(i + 5).isoformat()}, "due_date": _day(i + 5), "review": "manual",
             "status": "pending", "created_by": "bench"}
            for i in range(args.obligations)
        ])
    _insert_documents(archive, timeline_id, args.versions // 2, 2, "timeline")
    _insert_documents(archive, documents_id, args.documents, 1, "documents")
    with archive.session() as session:
        run_alerts(session, today=TODAY)
    with archive.session() as session:
        alerts = session.scalar(select(func.count()).select_from(Alert).where(
            Alert.contract_id == timeline_id, Alert.state.in_(("open", "acknowledged"))))
    counts = {"records": args.records, "obligations": args.obligations, "document versions": args.versions,
              "open or acknowledged alerts": alerts or 0}
    return archive, timeline_id, documents_id, counts


def admin_token(archive: Archive) -> str:
    with archive.session() as session:
        user = accounts.create_user(session, username="bench-admin", password="bench-password-123", role="admin",
                                    actor="bench")
        _, secret = credentials.create_token(session, user, name="bench")
    return secret


def time_requests(client: TestClient, url: str, count: int) -> list[float]:
    """Return the milliseconds of `count` GET requests of `url`, after one untimed warm-up request."""
    warm_up = client.get(url)
    if warm_up.status_code != 200:
        raise SystemExit(f"GET {url} failed with status {warm_up.status_code}: {warm_up.text[:300]}")
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} failed with status {response.status_code}")
    return timings


def p95(values: list[float]) -> float:
    """Return the 95th percentile by the nearest-rank method."""
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20, help="timed requests of each page")
    parser.add_argument("--records", type=int, default=300, help="records of the timeline contract")
    parser.add_argument("--obligations", type=int, default=300, help="manual obligations of the timeline contract")
    parser.add_argument("--versions", type=int, default=200, help="document versions of the timeline contract")
    parser.add_argument("--documents", type=int, default=1000, help="documents of the second contract")
    args = parser.parse_args()

    console = Console()
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as folder:
        started = time.perf_counter()
        archive, timeline_id, documents_id, counts = build_archive(Path(folder) / "data", args)
        token = admin_token(archive)
        built_in = time.perf_counter() - started
        settings = archive.settings
        archive.close()

        pages = [
            ("timeline, all kinds, by month", f"/contracts/{timeline_id}/timeline"),
            ("timeline, by day", f"/contracts/{timeline_id}/timeline?zoom=day"),
            # The PDF is a download, not a page, so the page target does not apply to it.
            ("timeline as PDF, all kinds", f"/contracts/{timeline_id}/timeline.pdf"),
            (f"contract page, {args.records} records and {args.obligations} obligations",
             f"/contracts/{timeline_id}"),
            (f"contract page, {args.documents} documents", f"/contracts/{documents_id}"),
            (f"timeline, {args.documents} documents", f"/contracts/{documents_id}/timeline"),
            (f"upload into the contract of {args.documents} documents", f"/upload?contract_id={documents_id}"),
        ]
        table = Table(title=f"Server-side rendering, {args.requests} requests each (target {TARGET_MS} ms)")
        for column in ("page", "url", "median ms", "p95 ms", "max ms", "KiB"):
            table.add_column(column, justify="left" if column in ("page", "url") else "right")
        with TestClient(create_app(settings), headers={"Authorization": f"Bearer {token}"}) as client:
            for name, url in pages:
                timings = time_requests(client, url, args.requests)
                size = len(client.get(url).content) / 1024
                table.add_row(name, url, f"{statistics.median(timings):.1f}", f"{p95(timings):.1f}",
                              f"{max(timings):.1f}", f"{size:.0f}")
            events = client.get(f"/contracts/{timeline_id}/timeline").text.count('class="event ')

    data = Table(title="Timeline contract")
    data.add_column("item")
    data.add_column("value", justify="right")
    for name, value in counts.items():
        data.add_row(name, f"{value:,}")
    data.add_row("timeline events shown", f"{events:,}")
    data.add_row("build seconds (not timed above)", f"{built_in:.1f}")

    machine = Table(title="Machine")
    machine.add_column("item")
    machine.add_column("value")
    for name, value in machine_summary(("fastapi", "sqlalchemy", "jinja2")):
        machine.add_row(name, value)
    machine.add_row("database", "SQLite (file in a temporary folder)")

    console.print(table)
    console.print(data)
    console.print(machine)


if __name__ == "__main__":
    main()
