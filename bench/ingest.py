"""Ingest throughput on the corpus's text PDFs, end to end, and peak memory on the longest one.

Usage: python bench/ingest.py [--corpus ../shared/corpus] [--repeat 1] [--code CHECKOUT]
                              [--backend embedded|deployment] [--workers N]

Each file goes through the whole pipeline in a fresh archive: spool, sniff,
store, read, segment, extract, write, index. The table splits the time by step.
Peak memory is measured in a child process that ingests only the 154-page file.
A last row times reading, segmenting and extracting every corpus DOCX file.

`--backend embedded` (the default) uses SQLite, local blobs and tantivy in a
temporary data directory. `--backend deployment` uses a new PostgreSQL database
per repeat, S3 blobs (moto's server started here, or the endpoint in
CONTRACT_ARCHIVE_S3_ENDPOINT and the other CONTRACT_ARCHIVE_S3_ variables), and
Meilisearch when MEILI_URL is set, else tantivy. `--workers N` (deployment only)
queues every file for N `contract-archive worker` processes and times until all
versions are read and indexed. The steps then run in the workers, so the table
has no per-step split.

`--code` measures the packages of another checkout (an older commit in a git
worktree) with this script, so a before-and-after comparison runs the same
measurement on both.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from bench.machine import machine_summary  # noqa: E402

if TYPE_CHECKING:
    from archive.settings import Settings
    from tests.s3_server import S3TestServer

LONG_FILE = "en_cuad_collaboration_154p_ceres.pdf"

# The server database from which each repeat creates (and afterwards drops) its own database.
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# Objects stay locked this long in a bucket the benchmark creates. GOVERNANCE mode lets an admin remove them sooner.
BENCH_RETENTION_DAYS = 1
WORKER_START_TIMEOUT_SECONDS = 120.0
WORKER_STOP_TIMEOUT_SECONDS = 15.0
# How often the database is checked for versions the workers have not finished. The wall time
# with workers is therefore up to this much too long.
POLL_SECONDS = 0.1
LOG_TAIL_CHARS = 3000


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


# --- Deployment form: PostgreSQL, S3 and the search backend that MEILI_URL selects ---------------
# bench/search.py imports these helpers too.


def settings_environment(settings: Settings) -> dict[str, str]:
    """Return this process's environment with `settings` as CONTRACT_ARCHIVE_ variables."""
    return settings.child_environment(os.environ)


@dataclass
class Deployment:
    """Services of the deployment form for one benchmark run. `settings` yields the settings of one fresh archive on them."""

    admin_url: str
    s3_server: S3TestServer | None
    meili_url: str | None
    backends: list[tuple[str, str]] = field(default_factory=list)

    @contextmanager
    def settings(self, data_dir: Path, **overrides: object) -> Iterator[Settings]:
        """Create a PostgreSQL database, choose a new bucket and search index, and yield Settings for them.

        The database and the Meilisearch index are removed afterwards. Buckets stay: moto's are
        discarded with its server, and objects in a bucket on a real S3 server stay locked for
        BENCH_RETENTION_DAYS.
        """
        from archive.settings import Settings

        with throwaway_database(self.admin_url) as database_url:
            values: dict[str, object] = {
                "database_url": database_url,
                "job_backend": "inprocess",
                **self.search_overrides(),
                **overrides,
            }
            if self.s3_server is not None:
                settings = self.s3_server.settings(data_dir, **values)
            else:
                settings = Settings(
                    _env_file=None,
                    data_dir=data_dir,
                    blob_dir=None,
                    index_dir=None,
                    blob_store="s3",
                    s3_bucket=f"contract-archive-bench-{uuid.uuid4().hex[:12]}",
                    s3_retention_days=BENCH_RETENTION_DAYS,
                    **values,  # type: ignore[arg-type]
                )
            try:
                yield settings
            finally:
                if settings.search_backend == "meilisearch":
                    drop_meili_index(settings)

    def search_overrides(self) -> dict[str, object]:
        # NOTE: the Meilisearch branch has not run, because no Meilisearch server was available where
        # the recorded numbers were taken.
        if not self.meili_url:
            return {"search_backend": "tantivy"}
        return {
            "search_backend": "meilisearch",
            "meili_url": self.meili_url,
            "meili_api_key": os.environ.get("MEILI_API_KEY"),
            "meili_index": f"bench_{os.getpid()}_{uuid.uuid4().hex[:12]}",
        }


def drop_meili_index(settings: Settings) -> None:
    from archive.search.factory import open_search_index

    index = open_search_index(settings)
    try:
        index.drop()  # type: ignore[attr-defined]
    finally:
        index.close()


@contextmanager
def throwaway_database(admin_url: str) -> Iterator[str]:
    """Create a PostgreSQL database on the server of `admin_url`, yield its URL, and drop it afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(admin_url)
    name = f"contract_archive_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def postgres_server_version(admin_url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url)
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar()).split()[0]
    finally:
        engine.dispose()


@contextmanager
def deployment_services(admin_url: str, work_dir: Path) -> Iterator[Deployment]:
    """Start what the deployment form needs and is not already running here; stop it afterwards, also on error."""
    from importlib import metadata

    from sqlalchemy.engine import make_url

    try:
        postgres_version = postgres_server_version(admin_url)
    except Exception as error:  # noqa: BLE001 - any failure to connect means the server is unusable here
        raise SystemExit(
            f"PostgreSQL is not reachable at {make_url(admin_url).render_as_string()}: {error}. "
            "Start it or pass --postgres-admin-url."
        ) from error
    database_row = (
        "database",
        f"PostgreSQL {postgres_version} at {make_url(admin_url).host}:{make_url(admin_url).port}, new database per archive",
    )
    meili_url = os.environ.get("MEILI_URL") or None
    if meili_url:
        search_row = ("search", f"Meilisearch at {meili_url}, new index per archive")
    else:
        search_row = ("search", "tantivy; Meilisearch not measured because MEILI_URL is not set")

    if os.environ.get("CONTRACT_ARCHIVE_S3_ENDPOINT"):
        s3_row = ("blob store", f"S3 at {os.environ['CONTRACT_ARCHIVE_S3_ENDPOINT']} (from the environment), new bucket per archive")
        yield Deployment(admin_url, None, meili_url, [database_row, s3_row, search_row])
        return

    from tests.s3_server import S3TestServer

    server = S3TestServer(work_dir / "moto_server.log")
    server.start()
    try:
        s3_row = (
            "blob store",
            f"S3: moto_server {metadata.version('moto')} in a child process at {server.endpoint}, new bucket per archive",
        )
        yield Deployment(admin_url, server, meili_url, [database_row, s3_row, search_row])
    finally:
        server.stop()


# --- Throughput ---------------------------------------------------------------------------------


@dataclass
class Throughput:
    """Measurements of one throughput run."""

    pages: int
    elapsed: float
    timings: dict[str, float]
    statuses: list[str]
    final_states: Counter[str] | None = None
    submit_seconds: float | None = None
    worker_cpu_seconds: float | None = None
    process_cpu_seconds: float = 0.0


SettingsFactory = Callable[[Path], AbstractContextManager["Settings"]]


@contextmanager
def embedded_settings(data_dir: Path) -> Iterator[Settings]:
    from archive.settings import Settings

    yield Settings(data_dir=data_dir, _env_file=None)


def run_throughput(files: list[Path], repeat: int, make_settings: SettingsFactory) -> Throughput:
    """Ingest the files in this process, each repeat into a fresh archive, timing each pipeline step."""
    from archive.context import open_archive
    from ingest import indexing
    from ingest.pipeline import ingest_path

    timings: dict[str, float] = defaultdict(float)
    instrument(timings)
    pages = sum(page_count(f) for f in files) * repeat
    statuses: list[str] = []
    elapsed = 0.0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as data_dir, make_settings(Path(data_dir)) as settings:
            archive = open_archive(settings)
            archive.index  # open the index before timing, as a running server has it open
            start = time.perf_counter()
            for path in files:
                statuses.append(ingest_path(archive, path, index=False).status)
            indexing.index_pending(archive)  # the module attribute is the timed wrapper
            elapsed += time.perf_counter() - start
            archive.close()
    return Throughput(pages, elapsed, timings, statuses)


class WorkerProcess:
    """One `contract-archive worker` child process, in its own process group so that stopping it reaches nothing else."""

    def __init__(self, settings: Settings, code_root: Path, log_path: Path) -> None:
        self.log_path = log_path
        self._log = log_path.open("ab")
        command = [sys.executable, "-c", "from cli.main import main; main()", "-v", "worker"]
        self.process = subprocess.Popen(
            command,
            cwd=code_root,
            env=settings_environment(settings),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def check_running(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(
                f"worker {self.process.pid} exited with code {self.process.returncode}. The end of its log:\n"
                f"{self.log_tail()}"
            )

    def cpu_seconds(self) -> float:
        """Return the user plus system CPU time the worker has used so far, read from /proc."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        # After the command name, utime and stime are the 12th and 13th fields, in clock ticks.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """Send SIGTERM to the worker's process group and wait, then SIGKILL if it has not stopped in time."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=WORKER_STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()

    def log_tail(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-LOG_TAIL_CHARS:]


def wait_for_workers(archive, workers: list[WorkerProcess]) -> None:  # type: ignore[no-untyped-def]
    """Wait until every worker has registered in procrastinate's worker table, so start-up is not timed."""
    from sqlalchemy import text

    from ingest.jobs.queue import JOB_SCHEMA

    deadline = time.monotonic() + WORKER_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        for worker in workers:
            worker.check_running()
        with archive.engine.connect() as connection:
            registered = connection.execute(text(f"SELECT count(*) FROM {JOB_SCHEMA}.procrastinate_workers")).scalar()
        if registered >= len(workers):
            return
        time.sleep(POLL_SECONDS)
    raise RuntimeError(f"{len(workers)} workers did not register within {WORKER_START_TIMEOUT_SECONDS:.0f} s")


def unfinished_versions(archive) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Return the number of versions still pending and of readable versions the index lacks.

    Failed versions are never indexed, so only the states that indexing takes count as unindexed.
    """
    from sqlalchemy import func, select

    from archive.models import DocumentVersion
    from ingest.indexing import INDEXABLE_STATES

    with archive.session() as session:
        pending = session.scalar(
            select(func.count()).select_from(DocumentVersion).where(DocumentVersion.state == "pending")
        )
        unindexed = session.scalar(
            select(func.count()).select_from(DocumentVersion).where(
                DocumentVersion.indexed_at.is_(None), DocumentVersion.state.in_(INDEXABLE_STATES)
            )
        )
    return pending, unindexed


def version_states(archive) -> Counter[str]:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from archive.models import DocumentVersion

    with archive.session() as session:
        return Counter(session.scalars(select(DocumentVersion.state)))


def run_with_workers(
    files: list[Path],
    repeat: int,
    deployment: Deployment,
    worker_count: int,
    code_root: Path,
    log_dir: Path,
    timeout: float,
) -> Throughput:
    """Queue every file for `worker_count` worker processes and time until every version is read and indexed."""
    from archive.context import open_archive
    from ingest.jobs import queue
    from ingest.pipeline import ingest_path

    pages = sum(page_count(f) for f in files) * repeat
    statuses: list[str] = []
    final_states: Counter[str] = Counter()
    elapsed = submit_seconds = worker_cpu = 0.0
    for round_number in range(repeat):
        with ExitStack() as cleanup:
            data_dir = Path(cleanup.enter_context(tempfile.TemporaryDirectory()))
            settings = cleanup.enter_context(deployment.settings(data_dir, job_backend="procrastinate"))
            archive = open_archive(settings)
            cleanup.callback(archive.close)
            queue.ensure_schema(settings)
            workers: list[WorkerProcess] = []
            for number in range(worker_count):
                worker = WorkerProcess(settings, code_root, log_dir / f"worker-{round_number}-{number}.log")
                workers.append(worker)
                cleanup.callback(worker.stop)  # runs before the database is dropped, also on error
            wait_for_workers(archive, workers)

            start = time.perf_counter()
            for path in files:
                statuses.append(ingest_path(archive, path).status)
            submit_seconds += time.perf_counter() - start
            deadline = time.monotonic() + timeout
            while unfinished_versions(archive) != (0, 0):
                for worker in workers:
                    worker.check_running()
                if time.monotonic() > deadline:
                    pending, unindexed = unfinished_versions(archive)
                    # The logs are in a temporary directory that is removed on exit, so show their ends here.
                    tails = "\n".join(f"--- worker {w.process.pid} ---\n{w.log_tail()}" for w in workers)
                    raise RuntimeError(
                        f"timed out after {timeout:g} s with {pending} versions pending and {unindexed} "
                        f"not indexed. Raise --timeout if the workers were still busy. The ends of their logs:\n{tails}"
                    )
                time.sleep(POLL_SECONDS)
            elapsed += time.perf_counter() - start

            worker_cpu += sum(worker.cpu_seconds() for worker in workers)
            final_states.update(version_states(archive))
    return Throughput(pages, elapsed, {}, statuses, final_states, submit_seconds, worker_cpu)


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


def peak_memory_child(path: Path, code_root: Path, settings: Settings | None = None) -> dict[str, float]:
    """Ingest one file in a fresh process and return its peak RSS and time.

    Without `settings` the child uses the embedded defaults in a temporary directory. With them,
    it reads them from its environment, as a deployed process does.
    """
    if settings is None:
        open_settings = (
            "with tempfile.TemporaryDirectory() as d:\n"
            "    archive = open_archive(Settings(data_dir=Path(d), _env_file=None))\n"
        )
        env = None
    else:
        open_settings = "if True:\n    archive = open_archive(Settings(_env_file=None))\n"
        env = settings_environment(settings)
    code = (
        "import json, resource, sys, tempfile, time\n"
        f"sys.path.insert(0, {str(code_root)!r})\n"
        "from pathlib import Path\n"
        "from archive.context import open_archive\n"
        "from archive.settings import Settings\n"
        "from ingest.pipeline import ingest_path\n"
        + open_settings
        + "    start = time.perf_counter()\n"
        f"    result = ingest_path(archive, Path({str(path)!r}))\n"
        "    elapsed = time.perf_counter() - start\n"
        "    archive.close()\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps({'peak_mb': peak, 'seconds': elapsed, 'status': result.status, 'clauses': result.clause_count}))\n"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return json.loads(output.stdout.strip().splitlines()[-1])


def process_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- Report -------------------------------------------------------------------------------------


def throughput_rows(files: list[Path], repeat: int, result: Throughput, workers: int) -> list[tuple[str, str]]:
    elapsed = result.elapsed
    rows = [
        ("files x repeat", f"{len(files)} x {repeat}"),
        ("pages", str(result.pages)),
        ("statuses", ", ".join(f"{s}: {result.statuses.count(s)}" for s in sorted(set(result.statuses)))),
    ]
    if result.final_states is not None:
        rows.append(("version states at the end", ", ".join(f"{s}: {n}" for s, n in sorted(result.final_states.items()))))
    if result.submit_seconds is not None:
        rows.append(("time to store and queue every file", f"{result.submit_seconds:.2f} s"))
    rows.append(("wall time", f"{elapsed:.2f} s"))
    rows.append(("pages per second (wall)", f"{result.pages / elapsed:.1f}"))
    rows.append(("process CPU time (this process)", f"{result.process_cpu_seconds:.2f} s"))
    if result.worker_cpu_seconds is not None:
        rows.append((f"CPU time of the {workers} workers, start-up included", f"{result.worker_cpu_seconds:.2f} s"))
    for step, seconds in sorted(result.timings.items(), key=lambda item: -item[1]):
        rows.append((f"  step: {step}", f"{seconds:.2f} s ({100 * seconds / elapsed:.0f}%)"))
    if workers:
        rows.append(("per-step times", "not measured: the steps run in the worker processes"))
    return rows


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--repeat", type=int, default=1, help="Ingest the set this many times, each into a fresh archive.")
    parser.add_argument("--code", type=Path, default=ROOT, help="Checkout whose packages are measured.")
    parser.add_argument(
        "--backend",
        choices=("embedded", "deployment"),
        default="embedded",
        help="embedded: SQLite, local blobs, tantivy. deployment: PostgreSQL, S3, and Meilisearch when MEILI_URL is set.",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="Number of `contract-archive worker` processes (deployment only); 0 runs the jobs in this process.",
    )
    parser.add_argument(
        "--postgres-admin-url",
        default=POSTGRES_ADMIN_URL,
        help="SQLAlchemy URL of a database on the server where each repeat creates and drops its own database.",
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="Seconds to wait for the workers to finish one repeat."
    )
    args = parser.parse_args()
    if args.workers < 0:
        parser.error(f"--workers must be 0 or more, got {args.workers}")
    if args.workers and args.backend != "deployment":
        parser.error("--workers needs --backend deployment, because workers share a PostgreSQL job queue")
    return args


def main() -> None:
    args = parse_arguments()
    code_root = args.code.resolve()
    sys.path.insert(0, str(code_root))

    files = text_pdfs(args.corpus)
    if not files:
        sys.exit(f"no text PDFs found in {args.corpus}")

    console = Console()
    with ExitStack() as services:
        work_dir = Path(services.enter_context(tempfile.TemporaryDirectory(prefix="bench-ingest-")))
        if args.backend == "embedded":
            backends = [("backends", "SQLite, local blob directory, tantivy (embedded defaults)")]
            result = run_throughput(files, args.repeat, embedded_settings)
            result.process_cpu_seconds = process_cpu_seconds()
            memory = peak_memory_child(args.corpus / LONG_FILE, code_root)
        else:
            deployment = services.enter_context(deployment_services(args.postgres_admin_url, work_dir))
            jobs = f"procrastinate, {args.workers} worker processes of concurrency 1" if args.workers else "in this process"
            backends = [*deployment.backends, ("jobs", jobs)]
            for name, value in backends:
                console.print(f"{name}: {value}")
            if args.workers:
                result = run_with_workers(
                    files, args.repeat, deployment, args.workers, code_root, work_dir, args.timeout
                )
            else:
                result = run_throughput(files, args.repeat, deployment.settings)
            result.process_cpu_seconds = process_cpu_seconds()
            with tempfile.TemporaryDirectory() as data_dir, deployment.settings(Path(data_dir)) as settings:
                memory = peak_memory_child(args.corpus / LONG_FILE, code_root, settings)
    docx_files, docx_seconds = reread_docx(args.corpus)

    title = "embedded defaults" if args.backend == "embedded" else "deployment form"
    if args.workers:
        title += f", {args.workers} workers"
    table = Table(title=f"Ingest, end to end ({title})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for name, value in backends:
        table.add_row(name, value)
    for name, value in throughput_rows(files, args.repeat, result, args.workers):
        table.add_row(name, value)
    memory_label = LONG_FILE if args.backend == "embedded" else f"{LONG_FILE}, in-process ingest"
    table.add_row(f"{memory_label}: time", f"{memory['seconds']:.2f} s ({memory['status']}, {memory['clauses']} clauses)")
    table.add_row(f"{memory_label}: peak RSS", f"{memory['peak_mb']:.0f} MB")
    table.add_row(f"{docx_files} DOCX files: read + segment + extract (best of {DOCX_ROUNDS})", f"{docx_seconds:.2f} s")
    table.add_row("code measured", str(code_root))
    console.print(table)

    packages = ("pypdfium2", "pdfplumber", "tantivy", "SQLAlchemy")
    if args.backend == "deployment":
        packages += ("psycopg", "procrastinate", "minio", "moto")
    machine = Table(title="Machine")
    machine.add_column("item")
    machine.add_column("value")
    for name, value in machine_summary(packages):
        machine.add_row(name, value)
    console.print(machine)


if __name__ == "__main__":
    main()
