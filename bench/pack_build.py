"""Time building a whole evidence pack from an archive, and measure its peak memory.

Usage: python bench/pack_build.py [--files 20] [--file-mb 25] [--pages 5] [--others 0] [--folder PATH]

The untimed setup creates a new archive (SQLite and a local blob store) in a temporary folder,
with one contract. The contract has `--files` scanned-like PDFs, which bench/bundle.py's
generator makes as uncompressed images of random bytes. It also has `--others` files of random
bytes of the same size, stored with the DOCX media type, which go into the pack but not into the
bundle. A draft lists every file as an item and is saved.

A child process times `archive.services.evidence_packs.build_pack`, the whole build. The build
copies the PDFs out of the blob store, merges and stamps the bundle, and writes the index, the
timeline and the records. It then streams every original into the ZIP, stores the ZIP as a blob
and records the audit event. The child reports the time and its own peak resident set size
(ru_maxrss, imports included). Throughput is the pack's size divided by the build time.
Afterwards, untimed, the pack is checked with verify_pack.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from bench.bundle import generate_pdfs, max_rss_mb  # noqa: E402
from bench.machine import machine_summary  # noqa: E402

MB = 10**6
TARGET_MB_PER_SECOND = 100
TARGET_PEAK_MB = 300
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def settings_for(folder: Path):  # type: ignore[no-untyped-def]
    from archive.settings import Settings

    return Settings(data_dir=folder / "data", _env_file=None)


def set_up(folder: Path, arguments: argparse.Namespace) -> int:
    """Create the archive, its files and a saved draft that lists them, and return the draft's id."""
    from archive.access import SYSTEM
    from archive.context import open_archive
    from archive.models import Blob, Document, DocumentVersion
    from archive.services import evidence_drafts as drafts
    from archive.services.contracts import create_contract

    size = int(arguments.file_mb * MB)
    sources = [(path, "application/pdf") for path in generate_pdfs(folder, arguments.files, arguments.pages, size)]
    for index in range(arguments.others):
        path = folder / f"letter-{index + 1:03d}.docx"
        path.write_bytes(os.urandom(size))
        sources.append((path, DOCX_MEDIA_TYPE))

    archive = open_archive(settings_for(folder))
    try:
        with archive.session() as session:
            contract_id = create_contract(session, number="BENCH-1", title="基准测试合同").id
            draft = drafts.create_draft(session, case_name="基准测试证据包", contract_ids=[contract_id], actor=SYSTEM)
            for number, (path, media_type) in enumerate(sources, start=1):
                sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
                archive.blobs.put_file(path, sha256)
                session.add(Blob(sha256=sha256, size=path.stat().st_size, media_type=media_type))
                document = Document(contract_id=contract_id, kind="other", title=path.stem)
                session.add(document)
                session.flush()
                version = DocumentVersion(document_id=document.id, blob_sha256=sha256, filename=path.name,
                                          media_type=media_type, size=path.stat().st_size, state="ingested")
                session.add(version)
                session.flush()
                drafts.add_item(session, draft.id, drafts.ItemInput(
                    source="version", document_version_id=version.id, name=f"扫描件 {number}", issuer="甲公司",
                    purpose="基准测试"), actor=SYSTEM)
                path.unlink()  # the blob store keeps the only copy, as in a real archive
            drafts.save_draft(session, draft.id, actor=SYSTEM)
            return draft.id
    finally:
        archive.close()


def run_child(folder: Path, draft_id: int) -> None:
    """Build the pack in this process and print the measurements as JSON."""
    from archive.access import SYSTEM
    from archive.context import open_archive
    from archive.services.evidence_packs import build_pack

    archive = open_archive(settings_for(folder))
    try:
        started = time.perf_counter()
        built = build_pack(archive, draft_id, actor=SYSTEM)
        seconds = time.perf_counter() - started
    finally:
        archive.close()
    print(json.dumps({"seconds": seconds, "peak_mb": max_rss_mb(), "size": built.size, "sha256": built.blob_sha256,
                      "files": built.file_count}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20, help="number of scanned-like PDFs")
    parser.add_argument("--file-mb", type=float, default=25, help="size of each file in MB (10**6 bytes)")
    parser.add_argument("--pages", type=int, default=5, help="pages in each PDF, one image each")
    parser.add_argument("--others", type=int, default=0, help="number of non-PDF files of the same size")
    parser.add_argument("--folder", type=Path, default=None,
                        help="folder in which the temporary archive is created (default: the system temporary folder)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(Path(args.child[0]), int(args.child[1]))
        return

    console = Console()
    with tempfile.TemporaryDirectory(prefix="bench-pack-build-", dir=args.folder) as folder_name:
        folder = Path(folder_name)
        started = time.perf_counter()
        draft_id = set_up(folder, args)
        set_up_seconds = time.perf_counter() - started
        command = [sys.executable, str(Path(__file__).resolve()), "--child", str(folder), str(draft_id)]
        child = subprocess.run(command, capture_output=True, text=True, check=False)
        if child.returncode != 0:
            raise SystemExit(f"The pack build failed with exit status {child.returncode}:\n{child.stderr}")
        result = json.loads(child.stdout.strip().splitlines()[-1])

        from archive.context import open_archive
        from archive.evidence.verify import verify_pack

        archive = open_archive(settings_for(folder))
        try:
            pack_path = archive.blobs.path_for(result["sha256"])  # type: ignore[attr-defined]
            verify_started = time.perf_counter()
            report = verify_pack(pack_path)
            verify_seconds = time.perf_counter() - verify_started
        finally:
            archive.close()

    pack_mb = result["size"] / MB
    table = Table(title=f"Evidence pack of {args.files} PDFs and {args.others} other files of {args.file_mb:g} MB")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    table.add_row("pack size", f"{pack_mb:,.0f} MB ({result['files']} files)", "")
    table.add_row("build seconds", f"{result['seconds']:.2f}", "")
    table.add_row("build throughput", f"{pack_mb / result['seconds']:,.0f} MB/s", f">= {TARGET_MB_PER_SECOND} MB/s")
    table.add_row("peak RSS of the build process", f"{result['peak_mb']:,.0f} MB", f"< {TARGET_PEAK_MB} MB")
    table.add_row("verify_pack", "intact" if report.intact else f"{len(report.problems)} problems", "intact")
    table.add_row("verify seconds (untimed for the target)", f"{verify_seconds:.2f}", "")
    table.add_row("set-up seconds (untimed)", f"{set_up_seconds:.1f}", "")

    machine = Table(title="Machine")
    machine.add_column("item")
    machine.add_column("value")
    for name, value in machine_summary(("pikepdf", "reportlab", "sqlalchemy")):
        machine.add_row(name, value)
    machine.add_row("archive folder", str(args.folder or tempfile.gettempdir()))
    console.print(table)
    console.print(machine)


if __name__ == "__main__":
    main()
