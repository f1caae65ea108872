"""Benchmark the clause index: build time, index size and search latency.

    python bench/search.py --sizes 100000 1000000          # through the HTTP API
    python bench/search.py --sizes 100000 --direct         # TantivyIndex.search in-process
    python bench/search.py --sizes 100000 --backend deployment

The HTTP mode starts `uvicorn --factory api.app:create_app` on 127.0.0.1 with
CONTRACT_ARCHIVE_DATA_DIR and CONTRACT_ARCHIVE_INDEX_DIR pointing at temporary
directories, and times `GET /api/search?q=...&limit=10` with httpx.

`--backend deployment` runs the app on a new PostgreSQL database with S3 blobs
(moto's server started here, or the endpoint in CONTRACT_ARCHIVE_S3_ENDPOINT),
which search does not use. With MEILI_URL set, the clauses go into a new
Meilisearch index and the app searches it. Without MEILI_URL, the Meilisearch
benchmark is not run and the app searches the embedded index instead. Either way
the clauses are written to the index only, never to the database. Each search
request still reads its hits' titles from the database, so the query for them
runs on PostgreSQL, but it finds no rows.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import tantivy  # noqa: E402

from archive.search.base import ClauseEntry, SearchIndex  # noqa: E402
from archive.search.tantivy_index import TantivyIndex  # noqa: E402
from archive.settings import Settings  # noqa: E402
from bench.ingest import POSTGRES_ADMIN_URL, Deployment, deployment_services, settings_environment  # noqa: E402

SEED = 20240305
CHINESE_SHARE = 0.8
MIN_CLAUSE_CHARS = 80
MAX_CLAUSE_CHARS = 400
CLAUSES_PER_DOCUMENT = 40
DOCUMENTS_PER_CONTRACT = 5
ADD_BATCH = 10_000
KINDS = ("contract", "amendment", "acceptance_report", "correspondence", "meeting_minutes")

WARMUP_REQUESTS = 3
TIMED_REQUESTS = 30
SERVER_START_TIMEOUT_S = 120.0
LATENCY_TARGET_MS = 50.0

# The query mix: (label, query). Contract numbers follow HT-<year>-<contract id>.
QUERY_MIX: tuple[tuple[str, str], ...] = (
    ("2-char word", "违约"),
    ("2-char word", "责任"),
    ("2-char word", "付款"),
    ("2-char word", "验收"),
    ("2-char word", "保密"),
    ("1 char", "约"),
    ("longer word", "违约责任"),
    ("longer word", "不可抗力"),
    ("longer word", "知识产权"),
    ("longer word", "验收合格之日"),
    ("longer word", "增值税专用发票"),
    ("two words", "违约 赔偿"),
    ("two words", "甲方 发票"),
    ("exclusion", "双方 -保密"),
    ("English", "indemnify"),
    ("English", "termination"),
    ("English phrase", '"confidential information"'),
    ("contract number", "HT-2024-0173"),
    ("number", "100000"),
    ("rare", "质押登记"),
    ("rare", "escrow"),
)

ZH_PARTIES = ("甲方", "乙方", "双方", "买方", "卖方", "承包人", "发包人", "供应商", "采购人", "任何一方", "受托方", "委托方")
ZH_MODALS = ("应", "应当", "须", "有权", "不得", "可以", "应及时", "同意", "负责")
ZH_VERBS = (
    "支付", "提供", "交付", "承担", "履行", "开具", "提交", "返还", "办理", "确认", "签署", "更换",
    "维护", "保管", "审核", "协助", "通知", "赔偿", "补偿", "退还", "核对", "移交", "检验", "安装",
)
ZH_OBJECTS = (
    "合同价款", "预付款", "进度款", "尾款", "质保金", "违约金", "技术资料", "验收报告", "增值税专用发票",
    "货物", "设备", "备品备件", "安装服务", "培训服务", "保密义务", "知识产权许可", "履约保证金",
    "结算清单", "变更申请", "测试记录", "运输保险", "原材料", "样品", "软件源代码", "用户手册",
    "检验证书", "发货通知", "对账单", "付款凭证", "会议纪要", "维修记录", "项目进度表",
)
ZH_TIME_STARTS = (
    "于签约后", "在收到发票后", "自收到书面通知之日起", "在交货前", "在本合同生效后", "自验收合格之日起",
    "于每月结算后", "在质保期满后", "自项目启动之日起", "在货物到达现场后",
)
ZH_TIME_UNITS = ("个工作日内", "日内", "天内")
ZH_CONDITIONS = (
    "经双方协商一致", "除本合同另有约定外", "合同履行过程中", "若乙方逾期交货", "如甲方未按约定付款",
    "因一方违约给对方造成损失的", "验收不合格的", "发生争议时", "如因不可抗力导致本合同无法履行",
    "涉及知识产权的", "在保修期内出现质量问题的", "一方要求变更合同内容的", "任何一方违反保密约定的",
    "未经对方书面同意", "政府政策发生重大调整的", "标的物在运输途中毁损的",
)
ZH_TAILS = (
    "并按照本合同第{article}条的约定执行", "合同总价为人民币{amount}元", "以书面形式为准",
    "相关费用由责任方承担", "本条款在合同终止后继续有效", "双方另行签订补充协议",
    "合同编号为HT-2024-{contract:04d}", "违约金按日万分之五计算", "争议提交{city}仲裁委员会仲裁",
    "具体以附件清单为准", "逾期视为认可", "该笔款项不计利息", "质押登记手续由乙方办理",
)
ZH_CITIES = ("上海", "北京", "深圳", "杭州", "南京", "苏州", "成都", "武汉", "广州", "天津")
ZH_ORG_WORDS = ("华信", "中天", "恒达", "远景", "瑞丰", "鼎盛", "宏图", "金桥", "新锐", "博远")
ZH_ORG_TYPES = ("科技有限公司", "贸易有限公司", "工程有限公司", "信息技术股份有限公司", "物流有限公司")
ZH_HEADINGS = ("付款方式", "违约责任", "保密条款", "验收", "不可抗力", "争议解决", "知识产权", "质量保证", "交付", "合同变更")

EN_PARTIES = ("The Buyer", "The Seller", "Each Party", "The Supplier", "The Customer", "Either Party", "The Contractor")
EN_MODALS = ("shall", "may", "shall not", "agrees to", "undertakes to", "shall promptly")
EN_VERBS = ("pay", "deliver", "provide", "return", "inspect", "replace", "maintain", "submit", "review", "install")
EN_OBJECTS = (
    "the Contract Price", "the Goods", "all technical documentation", "the acceptance certificate",
    "a valid invoice", "the spare parts", "the training services", "the performance bond",
    "the monthly statement", "the source code", "the test records", "the shipping documents",
)
EN_TIMES = (
    "within thirty (30) days after receipt of the invoice", "upon signing of this Agreement",
    "no later than March 5, 2024", "during the Warranty Period", "after the Acceptance Date",
    "within ten (10) business days of written notice", "at its own cost", "on a monthly basis",
)
EN_TAILS = (
    "in accordance with Article {article}", "for a total amount of USD {amount}",
    "subject to the laws of the People's Republic of China", "as set out in the Annex",
    "and such obligation shall survive termination", "under contract number HT-2024-{contract:04d}",
    "and keep all Confidential Information strictly confidential",
    "and indemnify the other Party against all losses", "including indemnification for reasonable legal fees",
    "with any amount held in escrow released on completion",
)
EN_HEADINGS = ("Payment", "Indemnification", "Confidentiality", "Termination", "Warranty", "Force Majeure", "Delivery")


def zipf_weights(count: int) -> list[float]:
    """Return cumulative weights 1, 1/2, 1/3, ... so early entries are common and late ones rare."""
    cumulative, total = [], 0.0
    for rank in range(1, count + 1):
        total += 1.0 / rank
        cumulative.append(total)
    return cumulative


def pick(rng: random.Random, options: tuple[str, ...]) -> str:
    """Choose one option with Zipf weights by position."""
    return rng.choices(options, cum_weights=zipf_weights(len(options)))[0]


def chinese_sentence(rng: random.Random, contract_id: int) -> str:
    """Return one Chinese contract sentence built from the vocabularies above."""
    parts = []
    if rng.random() < 0.3:
        parts.append(pick(rng, ZH_CONDITIONS) + "，")
    if rng.random() < 0.1:
        org = rng.choice(ZH_CITIES) + rng.choice(ZH_ORG_WORDS) + rng.choice(ZH_ORG_TYPES)
        parts.append(org + "（以下简称“" + rng.choice(ZH_PARTIES[:2]) + "”）")
    else:
        parts.append(pick(rng, ZH_PARTIES))
    if rng.random() < 0.6:
        days = rng.choice((3, 5, 7, 10, 15, 30, 60))
        parts.append(pick(rng, ZH_TIME_STARTS) + str(days) + rng.choice(ZH_TIME_UNITS))
    parts.append(pick(rng, ZH_MODALS) + rng.choice(ZH_VERBS) + pick(rng, ZH_OBJECTS))
    if rng.random() < 0.4:
        tail = pick(rng, ZH_TAILS).format(
            article=rng.randint(1, 30),
            amount=rng.randrange(10_000, 5_000_000, 1000),
            city=rng.choice(ZH_CITIES),
            contract=contract_id,
        )
        parts.append("，" + tail)
    return "".join(parts) + "。"


def english_sentence(rng: random.Random, contract_id: int) -> str:
    """Return one English contract sentence built from the vocabularies above."""
    words = [
        pick(rng, EN_PARTIES), pick(rng, EN_MODALS), rng.choice(EN_VERBS), pick(rng, EN_OBJECTS),
        pick(rng, EN_TIMES),
    ]
    if rng.random() < 0.4:
        words.append(
            pick(rng, EN_TAILS).format(
                article=rng.randint(1, 30),
                amount=f"{rng.randrange(10_000, 5_000_000, 1000):,}",
                contract=contract_id,
            )
        )
    return " ".join(words) + ". "


def generate_clauses(count: int, seed: int = SEED) -> Iterator[ClauseEntry]:
    """Yield `count` synthetic clauses, the same ones for the same seed."""
    rng = random.Random(seed)
    for clause_id in range(1, count + 1):
        document_id = (clause_id - 1) // CLAUSES_PER_DOCUMENT + 1
        contract_id = (document_id - 1) // DOCUMENTS_PER_CONTRACT + 1
        is_chinese = rng.random() < CHINESE_SHARE
        target = rng.randint(MIN_CLAUSE_CHARS, MAX_CLAUSE_CHARS)
        make_sentence = chinese_sentence if is_chinese else english_sentence
        text = ""
        while len(text) < target:
            text += make_sentence(rng, contract_id)
        article = (clause_id - 1) % CLAUSES_PER_DOCUMENT + 1
        heading = None
        if rng.random() < 0.5:
            heading = pick(rng, ZH_HEADINGS if is_chinese else EN_HEADINGS)
        yield ClauseEntry(
            clause_id=clause_id,
            document_version_id=document_id,
            document_id=document_id,
            contract_id=contract_id,
            kind=KINDS[document_id % len(KINDS)],
            number=f"第{article}条" if is_chinese else f"Article {article}",
            heading=heading,
            text=text[:MAX_CLAUSE_CHARS].strip(),
        )


def directory_size(path: Path) -> int:
    """Return the total size in bytes of the files under path."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def fill_index(index: SearchIndex, count: int) -> None:
    """Add `count` synthetic clauses in batches, commit and close the index."""
    batch: list[ClauseEntry] = []
    for entry in generate_clauses(count):
        batch.append(entry)
        if len(batch) >= ADD_BATCH:
            index.add(batch)
            batch = []
    index.add(batch)
    index.commit()
    index.close()


def build_index(index_dir: Path, count: int) -> tuple[float, int]:
    """Build an index of `count` clauses; return (seconds, bytes on disk)."""
    started = time.perf_counter()
    fill_index(TantivyIndex(index_dir, recreate=True), count)
    return time.perf_counter() - started, directory_size(index_dir)


def build_selected_index(settings: Settings, count: int) -> tuple[float, int | None]:
    """Build the index that `settings` select and return (seconds, bytes on disk), with None bytes for Meilisearch."""
    if settings.search_backend == "tantivy":
        return build_index(settings.resolved_index_dir, count)
    from archive.search.factory import open_search_index

    # NOTE: not run yet, because no Meilisearch server was available where the recorded numbers were taken.
    started = time.perf_counter()
    fill_index(open_search_index(settings, recreate=True), count)
    return time.perf_counter() - started, None


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def embedded_environment(data_dir: Path, index_dir: Path) -> dict[str, str]:
    """Return this process's environment with the data and index directories set."""
    env = dict(os.environ)
    env["CONTRACT_ARCHIVE_DATA_DIR"] = str(data_dir)
    env["CONTRACT_ARCHIVE_INDEX_DIR"] = str(index_dir)
    return env


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    """Start the app with uvicorn on 127.0.0.1 with `env` as its environment, and wait until search responds."""
    import httpx

    command = [
        sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]
    server = subprocess.Popen(command, cwd=REPO_ROOT, env=env)
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    url = f"http://127.0.0.1:{port}/api/search"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"uvicorn exited with code {server.returncode} before serving")
        try:
            if httpx.get(url, params={"q": "合同", "limit": 1}, timeout=5).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    server.terminate()
    server.wait(timeout=30)
    raise RuntimeError(f"uvicorn did not respond at {url} within {SERVER_START_TIMEOUT_S} s")


def measure(run_query: Callable[[str], int]) -> list[tuple[str, str, int, list[float]]]:
    """Time every query in the mix; return (label, query, total, milliseconds)."""
    rows = []
    for label, query in QUERY_MIX:
        total = 0
        for _ in range(WARMUP_REQUESTS):
            total = run_query(query)
        timings = []
        for _ in range(TIMED_REQUESTS):
            started = time.perf_counter()
            run_query(query)
            timings.append((time.perf_counter() - started) * 1000)
        rows.append((label, query, total, timings))
    return rows


def http_runner(port: int) -> tuple[Callable[[str], int], Callable[[], None]]:
    """Return a function that runs one search over HTTP, and one that closes the client."""
    import httpx

    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)

    def run(query: str) -> int:
        response = client.get("/api/search", params={"q": query, "limit": 10})
        response.raise_for_status()
        return response.json()["total"]

    return run, client.close


def percentile(values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def print_table(size: int, mode: str, rows: list[tuple[str, str, int, list[float]]]) -> None:
    """Print per-query and overall latency."""
    print(f"\n{size:,} clauses, {mode}, {TIMED_REQUESTS} timed requests per query, limit 10")
    print(f"{'kind':<16} {'query':<28} {'total':>9} {'p50 ms':>8} {'p95 ms':>8}")
    everything: list[float] = []
    for label, query, total, timings in rows:
        everything.extend(timings)
        print(
            f"{label:<16} {query:<28} {total:>9,} "
            f"{statistics.median(timings):>8.1f} {percentile(timings, 0.95):>8.1f}"
        )
    p95 = percentile(everything, 0.95)
    verdict = "meets" if p95 <= LATENCY_TARGET_MS else "misses"
    print(
        f"{'all queries':<16} {'':<28} {'':>9} {statistics.median(everything):>8.1f} {p95:>8.1f}"
        f"   ({verdict} the p95 target of {LATENCY_TARGET_MS:.0f} ms)"
    )


def machine_description() -> str:
    """Return CPU model, cores, RAM, Python and tantivy versions."""
    cpu = platform.processor() or "unknown CPU"
    ram_gb = 0.0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gb = int(line.split()[1]) / 1024 / 1024
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, {ram_gb:.1f} GB RAM, "
        f"Python {platform.python_version()}, {tantivy.__version__}"
    )


def print_build(size: int, seconds: float, size_bytes: int | None) -> None:
    on_disk = "size not measured on a Meilisearch server" if size_bytes is None else f"{size_bytes / 1e6:,.0f} MB"
    print(f"\n{size:,} clauses: build {seconds:.1f} s ({size / seconds:,.0f} clauses/s), index {on_disk}")


def measure_http(env: dict[str, str]) -> list[tuple[str, str, int, list[float]]]:
    """Start the app with `env`, time the query mix over HTTP, and stop the app."""
    port = free_port()
    server = start_server(env, port)
    try:
        run, close_client = http_runner(port)
        try:
            return measure(run)
        finally:
            close_client()
    finally:
        server.terminate()
        server.wait(timeout=30)


def run_size_deployment(size: int, deployment: Deployment) -> None:
    """Build one index size for the deployment form and measure search latency over HTTP."""
    with tempfile.TemporaryDirectory(prefix="bench-search-") as temp:
        data_dir = Path(temp) / "data"
        with deployment.settings(data_dir, index_dir=Path(temp) / "index") as settings:
            seconds, size_bytes = build_selected_index(settings, size)
            print_build(size, seconds, size_bytes)
            rows = measure_http(settings_environment(settings))
            search = "Meilisearch" if settings.search_backend == "meilisearch" else "tantivy"
        print_table(size, f"GET /api/search over HTTP (uvicorn, 1 worker), PostgreSQL + {search}", rows)


def run_size(size: int, direct: bool) -> None:
    """Build one index size and measure its search latency."""
    with tempfile.TemporaryDirectory(prefix="bench-search-") as temp:
        data_dir = Path(temp) / "data"
        index_dir = Path(temp) / "index"
        data_dir.mkdir()
        seconds, size_bytes = build_index(index_dir, size)
        print_build(size, seconds, size_bytes)

        if direct:
            index = TantivyIndex(index_dir)
            rows = measure(lambda q: index.search(q, limit=10).total)
            index.close()
            print_table(size, "TantivyIndex.search in-process", rows)
            return

        rows = measure_http(embedded_environment(data_dir, index_dir))
        print_table(size, "GET /api/search over HTTP (uvicorn, 1 worker)", rows)


def main() -> None:
    """Parse options and run every requested size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000], help="numbers of clauses to index")
    parser.add_argument(
        "--direct", action="store_true", help="time TantivyIndex.search in-process instead of over HTTP"
    )
    parser.add_argument(
        "--backend",
        choices=("embedded", "deployment"),
        default="embedded",
        help="embedded: SQLite and tantivy. deployment: PostgreSQL, S3, and Meilisearch when MEILI_URL is set.",
    )
    parser.add_argument(
        "--postgres-admin-url",
        default=POSTGRES_ADMIN_URL,
        help="SQLAlchemy URL of a database on the server where each size creates and drops its own database.",
    )
    options = parser.parse_args()
    if options.direct and options.backend == "deployment":
        parser.error("--direct times the embedded index in-process; use it without --backend deployment")
    print("machine:", machine_description())
    if options.backend == "embedded":
        for size in options.sizes:
            run_size(size, options.direct)
        return

    with tempfile.TemporaryDirectory(prefix="bench-search-services-") as work_dir:
        with deployment_services(options.postgres_admin_url, Path(work_dir)) as deployment:
            for name, value in deployment.backends:
                print(f"{name}: {value}")
            if not deployment.meili_url:
                print(
                    "The Meilisearch search benchmark was not run because MEILI_URL is not set. "
                    "The HTTP API is measured on PostgreSQL with the embedded index instead."
                )
            for size in options.sizes:
                run_size_deployment(size, deployment)


if __name__ == "__main__":
    main()
