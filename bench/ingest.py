"""Ingest throughput on the corpus's text PDFs, end to end, and peak memory on the longest one.

Usage: python bench/ingest.py [--corpus ../shared/corpus] [--repeat 1] [--code CHECKOUT]

Each file goes through the whole pipeline on the embedded defaults (SQLite,
local blobs, tantivy) in a fresh data directory: spool, sniff, store, read,
segment, extract, write, index. The table splits the time by step. Peak
memory is measured in a child process that ingests only the 154-page file.
A last row times reading, segmenting and extracting every corpus DOCX file.

`--code` measures the packages of another checkout (an older commit in a git
worktree) with this script, so a before-and-after comparison runs the same
measurement on both.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from bench.machine import machine_summary  # noqa: E402

LONG_FILE = "en_cuad_collaboration_154p_ceres.pdf"


def text_pdfs(corpus: Path) -> list[Path]:
    """Return the corpus PDFs that the manifest lists with a text layer."""
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8") as manifest:
        rows = list(csv.DictReader(manifest, delimiter="\t"))
    return [corpus / r["file"] for r in rows if r["format"] == "pdf" and r["text_layer"] == "yes"]


def page_count(path: Path) -> int:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError:
        return 0
    try:
        return len(document)
    finally:
        document.close()


def instrument(timings: dict[str, float]) -> None:
    """Wrap the pipeline's steps so each adds its wall time to `timings`."""
    import ingest.pipeline as pipeline

    def timed(name: str, function):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                timings[name] += time.perf_counter() - start

        return wrapper

    pipeline.read_document = timed("read", pipeline.read_document)
    pipeline.analyse = timed("segment + extract", pipeline.analyse)
    pipeline.write_analysis = timed("write (database)", pipeline.write_analysis)
    pipeline.indexing.index_pending = timed("index", pipeline.indexing.index_pending)
    pipeline.accept = timed("spool + sniff + store", pipeline.accept)


def run_throughput(files: list[Path], repeat: int) -> tuple[int, float, dict[str, float], list[str]]:
    from archive.context import open_archive
    from archive.settings import Settings
    from ingest import indexing
    from ingest.pipeline import ingest_path

    timings: dict[str, float] = defaultdict(float)
    instrument(timings)
    pages = sum(page_count(f) for f in files) * repeat
    statuses: list[str] = []
    elapsed = 0.0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as data_dir:
            archive = open_archive(Settings(data_dir=Path(data_dir), _env_file=None))
            archive.index  # open the index before timing, as a running server has it open
            start = time.perf_counter()
            for path in files:
                statuses.append(ingest_path(archive, path, index=False).status)
            indexing.index_pending(archive)  # the module attribute is the timed wrapper
            elapsed += time.perf_counter() - start
            archive.close()
    return pages, elapsed, timings, statuses


DOCX_ROUNDS = 5


def reread_docx(corpus: Path) -> tuple[int, float]:
    """Return the number of corpus DOCX files and the best time of DOCX_ROUNDS rounds reading them all."""
    from ingest.fields.extract import extract_fields
    from ingest.readers import read_document
    from ingest.segment import segment

    files = [(path.name, path.read_bytes()) for path in sorted(corpus.glob("*.docx"))]
    best = float("inf")
    for _ in range(DOCX_ROUNDS):
        start = time.perf_counter()
        for name, data in files:
            document = read_document(data, filename=name, format="docx")
            extract_fields(document, segment(document))
        best = min(best, time.perf_counter() - start)
    return len(files), best


def peak_memory_child(path: Path, code_root: Path) -> dict[str, float]:
    """Ingest one file in a fresh process and return its peak RSS and time."""
    code = (
        "import json, resource, sys, tempfile, time\n"
        f"sys.path.insert(0, {str(code_root)!r})\n"
        "from pathlib import Path\n"
        "from archive.context import open_archive\n"
        "from archive.settings import Settings\n"
        "from ingest.pipeline import ingest_path\n"
        "with tempfile.TemporaryDirectory() as d:\n"
        "    archive = open_archive(Settings(data_dir=Path(d), _env_file=None))\n"
        "    start = time.perf_counter()\n"
        f"    result = ingest_path(archive, Path({str(path)!r}))\n"
        "    elapsed = time.perf_counter() - start\n"
        "    archive.close()\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps({'peak_mb': peak, 'seconds': elapsed, 'status': result.status, 'clauses': result.clause_count}))\n"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--repeat", type=int, default=1, help="Ingest the set this many times, each into a fresh archive.")
    parser.add_argument("--code", type=Path, default=ROOT, help="Checkout whose packages are measured.")
    args = parser.parse_args()
    code_root = args.code.resolve()
    sys.path.insert(0, str(code_root))

    files = text_pdfs(args.corpus)
    if not files:
        sys.exit(f"no text PDFs found in {args.corpus}")
    pages, elapsed, timings, statuses = run_throughput(files, args.repeat)
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    memory = peak_memory_child(args.corpus / LONG_FILE, code_root)
    docx_files, docx_seconds = reread_docx(args.corpus)

    console = Console()
    table = Table(title="Ingest, end to end (embedded defaults)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("files x repeat", f"{len(files)} x {args.repeat}")
    table.add_row("pages", str(pages))
    table.add_row("statuses", ", ".join(f"{s}: {statuses.count(s)}" for s in sorted(set(statuses))))
    table.add_row("wall time", f"{elapsed:.2f} s")
    table.add_row("pages per second (wall)", f"{pages / elapsed:.1f}")
    table.add_row("process CPU time", f"{cpu.ru_utime + cpu.ru_stime:.2f} s")
    for step, seconds in sorted(timings.items(), key=lambda item: -item[1]):
        table.add_row(f"  step: {step}", f"{seconds:.2f} s ({100 * seconds / elapsed:.0f}%)")
    table.add_row(f"{LONG_FILE}: time", f"{memory['seconds']:.2f} s ({memory['clauses']} clauses)")
    table.add_row(f"{LONG_FILE}: peak RSS", f"{memory['peak_mb']:.0f} MB")
    table.add_row(f"{docx_files} DOCX files: read + segment + extract (best of {DOCX_ROUNDS})", f"{docx_seconds:.2f} s")
    table.add_row("code measured", str(code_root))
    console.print(table)

    machine = Table(title="Machine")
    machine.add_column("item")
    machine.add_column("value")
    for name, value in machine_summary(("pypdfium2", "pdfplumber", "tantivy", "SQLAlchemy")):
        machine.add_row(name, value)
    console.print(machine)


if __name__ == "__main__":
    main()
