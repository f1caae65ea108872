"""Time compute_alerts and the scores on a generated portfolio of contracts.

Usage: python bench/alerts.py [--contracts 10000] [--obligations 40000] [--records 60000]
                              [--repeat 3] [--seed 20250611]

The portfolio is generated from a seeded random generator, so the same arguments give
the same facts. Each obligation and record goes to a contract chosen uniformly at
random, about 4 obligations and 6 records per contract by default. The mix:
- contracts signed 2020-2025, running one to three years. 20% renew automatically,
  5% are terminated and 1% have an amount mismatch;
- obligations are half payments (mostly owed by the customer) and half deliveries,
  acceptances, warranties and reports (mostly owed by us). Of those already due, 70% were
  met on time, 15% late and 15% are still open, a third of them partly paid;
- records are payments, deliveries, inspections (85% passed), acceptances (70% with an
  acceptance report), communications (10% of them demands), complaints and disputes.

Generating the facts is not timed. Each step runs `--repeat` times, and the table shows
the fastest run. One more run under tracemalloc measures the peak of memory allocated
by Python during each step. The process's peak resident set size is printed as well.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import sys
import time
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from archive.performance.alerts import compute_alerts  # noqa: E402
from archive.performance.facts import ContractFacts, ObligationFacts, RecordFacts  # noqa: E402
from archive.performance.scores import Scores, contract_scores, counterparty_scores  # noqa: E402
from bench.machine import machine_summary  # noqa: E402

SEED = 20250611
TODAY = dt.date(2025, 6, 11)
FIRST_SIGNING = dt.date(2020, 1, 1)

CITIES = ("上海", "北京", "深圳", "杭州", "南京", "苏州", "成都", "武汉", "广州", "天津")
NAME_WORDS = ("华信", "中天", "恒达", "远景", "瑞丰", "鼎盛", "宏图", "金桥", "新锐", "博远")
COMPANY_TYPES = ("科技有限公司", "贸易有限公司", "工程有限公司", "信息技术股份有限公司", "物流有限公司")
OWNERS = ("zhang.san", "li.si", "wang.wu", "zhao.liu", "chen.qi", "liu.ba", "sun.jiu", "zhou.shi")

# (kind, weight, share owed by the customer)
OBLIGATION_MIX = (
    ("payment", 50, 0.85),
    ("delivery", 20, 0.1),
    ("acceptance", 8, 0.9),
    ("warranty", 5, 0.1),
    ("reporting", 7, 0.3),
    ("renewal_notice", 2, 0.5),
    ("other", 8, 0.5),
)
RECORD_MIX = (
    ("payment", 25),
    ("delivery", 15),
    ("quality_inspection", 15),
    ("acceptance", 10),
    ("communication", 20),
    ("progress", 8),
    ("complaint", 4),
    ("dispute", 1),
    ("change", 2),
)
CASE_STATES = ("received", "investigating", "resolved", "escalated", "closed")


def random_day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max((end - start).days, 0)))


def random_amount(rng: random.Random) -> Decimal:
    return Decimal(rng.randrange(1_000_000, 500_000_000)) / 100


def generate_contracts(rng: random.Random, count: int) -> list[ContractFacts]:
    """Generate `count` contracts with ids 1..count, shared among about count / 12 counterparties."""
    parties = [rng.choice(CITIES) + rng.choice(NAME_WORDS) + rng.choice(COMPANY_TYPES) for _ in range(max(count // 12, 1))]
    contracts = []
    for contract_id in range(1, count + 1):
        signed_on = random_day(rng, FIRST_SIGNING, TODAY)
        auto_renews = rng.random() < 0.2
        contracts.append(
            ContractFacts(
                id=contract_id,
                number=f"HT-{signed_on.year}-{contract_id:05d}",
                counterparty=rng.choice(parties),
                owner=rng.choice(OWNERS),
                signed_on=signed_on,
                effective_on=signed_on,
                expires_on=signed_on + dt.timedelta(days=rng.choice((365, 730, 1095))),
                auto_renews=auto_renews,
                renewal_notice_days=rng.choice((None, 30, 60)) if auto_renews else None,
                total_amount=random_amount(rng),
                currency="CNY",
                amount_mismatch="小写与大写金额不一致" if rng.random() < 0.01 else None,
                terminated=rng.random() < 0.05,
            )
        )
    return contracts


def generate_obligations(rng: random.Random, contracts: list[ContractFacts], count: int) -> list[ObligationFacts]:
    """Generate `count` obligations on contracts chosen at random."""
    kinds = [kind for kind, _, _ in OBLIGATION_MIX]
    weights = [weight for _, weight, _ in OBLIGATION_MIX]
    customer_share = {kind: share for kind, _, share in OBLIGATION_MIX}
    obligations = []
    for obligation_id in range(1, count + 1):
        contract = rng.choice(contracts)
        kind = rng.choices(kinds, weights)[0]
        debtor = "customer" if rng.random() < customer_share[kind] else "us"
        amount = random_amount(rng) if kind == "payment" and rng.random() < 0.95 else None
        due_date = None
        if rng.random() > 0.05:
            assert contract.signed_on is not None and contract.expires_on is not None
            due_date = random_day(rng, contract.signed_on, contract.expires_on)

        paid_amount, fulfilled_on = Decimal(0), None
        if due_date is not None and due_date < TODAY:
            outcome = rng.random()
            if outcome < 0.70:
                fulfilled_on = due_date - dt.timedelta(days=rng.randint(0, 10))
            elif outcome < 0.85:
                fulfilled_on = min(due_date + dt.timedelta(days=rng.randint(1, 120)), TODAY)
            elif amount is not None and rng.random() < 0.33:
                paid_amount = (amount * Decimal(rng.randint(10, 90)) / 100).quantize(Decimal("0.01"))
            if fulfilled_on is not None and amount is not None:
                paid_amount = amount

        obligations.append(
            ObligationFacts(
                id=obligation_id,
                contract_id=contract.id,
                kind=kind,
                debtor=debtor,
                amount=amount,
                currency="CNY" if amount is not None else None,
                due_date=due_date,
                waiting_for="delivery" if due_date is None else None,
                waived=rng.random() < 0.02,
                paid_amount=paid_amount,
                fulfilled_on=fulfilled_on,
                owner=rng.choice(OWNERS) if rng.random() < 0.3 else None,
            )
        )
    return obligations


def generate_records(rng: random.Random, contracts: list[ContractFacts], count: int) -> list[RecordFacts]:
    """Generate `count` records on contracts chosen at random, 1% of them dated after TODAY."""
    kinds = [kind for kind, _ in RECORD_MIX]
    weights = [weight for _, weight in RECORD_MIX]
    records = []
    for record_id in range(1, count + 1):
        contract = rng.choice(contracts)
        kind = rng.choices(kinds, weights)[0]
        assert contract.signed_on is not None
        occurred_on = random_day(rng, contract.signed_on, TODAY + dt.timedelta(days=3 if rng.random() < 0.01 else 0))
        status, document_kinds, demand, closed_on = None, (), False, None
        if kind == "quality_inspection":
            status = "passed" if rng.random() < 0.85 else "failed"
        elif kind == "acceptance":
            status = "passed" if rng.random() < 0.9 else "failed"
            document_kinds = ("acceptance_report",) if rng.random() < 0.7 else ()
        elif kind == "communication":
            demand = rng.random() < 0.1
        elif kind in ("complaint", "dispute"):
            status = rng.choice(CASE_STATES)
            if status in ("resolved", "closed"):
                closed_on = random_day(rng, occurred_on, TODAY)
        records.append(
            RecordFacts(
                id=record_id,
                contract_id=contract.id,
                kind=kind,
                occurred_on=occurred_on,
                status=status,
                amount=random_amount(rng) if kind == "payment" else None,
                demand=demand,
                document_kinds=document_kinds,
                owner=rng.choice(OWNERS) if rng.random() < 0.3 else None,
                closed_on=closed_on,
            )
        )
    return records


def score_every_contract(
    contracts: list[ContractFacts], obligations: list[ObligationFacts], records: list[RecordFacts]
) -> list[Scores]:
    """Group the facts by contract and score each contract, as a page listing all contracts would."""
    obligations_by_contract: dict[int, list[ObligationFacts]] = defaultdict(list)
    for obligation in obligations:
        obligations_by_contract[obligation.contract_id].append(obligation)
    records_by_contract: dict[int, list[RecordFacts]] = defaultdict(list)
    for record in records:
        records_by_contract[record.contract_id].append(record)
    return [
        contract_scores(
            contract, obligations_by_contract.get(contract.id, []), records_by_contract.get(contract.id, []), today=TODAY
        )
        for contract in contracts
    ]


def fastest(step: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Run `step` `repeat` times; return the shortest wall time in seconds and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = step()
        best = min(best, time.perf_counter() - started)
    return best, result


def traced_peak(step: Callable[[], Any]) -> int:
    """Return the peak bytes Python allocated while `step` ran, beyond what was allocated before."""
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - baseline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=10_000, help="number of contracts")
    parser.add_argument("--obligations", type=int, default=40_000, help="number of obligations in total")
    parser.add_argument("--records", type=int, default=60_000, help="number of records in total")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each step; the fastest is shown")
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the random generator")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    started = time.perf_counter()
    contracts = generate_contracts(rng, args.contracts)
    obligations = generate_obligations(rng, contracts, args.obligations)
    records = generate_records(rng, contracts, args.records)
    generated_in = time.perf_counter() - started

    steps: list[tuple[str, Callable[[], Any]]] = [
        ("compute_alerts", lambda: compute_alerts(contracts, obligations, records, today=TODAY)),
        ("contract_scores, every contract", lambda: score_every_contract(contracts, obligations, records)),
        ("counterparty_scores", lambda: counterparty_scores(contracts, obligations, records, today=TODAY)),
    ]
    results = {}
    table = Table(title=f"Alerts and scores on {TODAY.isoformat()}, fastest of {args.repeat} runs")
    table.add_column("step")
    table.add_column("seconds", justify="right")
    table.add_column("peak traced MiB", justify="right")
    table.add_column("output", justify="right")
    for name, step in steps:
        seconds, result = fastest(step, args.repeat)
        results[name] = result
        peak = traced_peak(step)
        table.add_row(name, f"{seconds:.3f}", f"{peak / 2**20:.1f}", f"{len(result):,}")

    alerts = results["compute_alerts"]
    by_rule = Counter(alert.rule for alert in alerts)
    rules = Table(title="Alerts by rule")
    rules.add_column("rule")
    rules.add_column("alerts", justify="right")
    for rule, count in sorted(by_rule.items()):
        rules.add_row(rule, f"{count:,}")
    rules.add_row("all", f"{len(alerts):,}")

    inputs = Table(title="Generated facts")
    inputs.add_column("item")
    inputs.add_column("value", justify="right")
    inputs.add_row("contracts", f"{len(contracts):,}")
    inputs.add_row("obligations", f"{len(obligations):,}")
    inputs.add_row("records", f"{len(records):,}")
    inputs.add_row("counterparties", f"{len({c.counterparty for c in contracts}):,}")
    inputs.add_row("seed", str(args.seed))
    inputs.add_row("generation seconds (not timed above)", f"{generated_in:.1f}")

    machine = Table(title="Machine")
    machine.add_column("item")
    machine.add_column("value")
    for name, value in machine_summary(("chinesecalendar",)):
        machine.add_row(name, value)
    # ru_maxrss is in KiB on Linux.
    machine.add_row("peak resident set of this process", f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")

    console = Console()
    for printed in (inputs, table, rules, machine):
        console.print(printed)


if __name__ == "__main__":
    main()
