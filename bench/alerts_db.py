"""Time the daily alert run on a database holding a generated portfolio.

Usage: python bench/alerts_db.py [--contracts 10000] [--obligations 40000] [--records 60000]
                                 [--database-url URL]

bench/alerts.py times the pure computation. This benchmark times what the daily job
`contract-archive alerts run` does: re-date every confirmed obligation from the stored
records, read the facts back, compute the alerts and store them. The portfolio comes from the
same seeded generator. Each paid obligation gets one payment record that pays it, so the
database has more records than --records. The first run stores every alert as new; the second
run finds them stored and only updates them, as on an ordinary day. Without --database-url a
new SQLite file in a temporary directory is used.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from archive.context import open_archive  # noqa: E402
from archive.models import Alert, Contract, Fulfilment, Obligation, PerformanceRecord  # noqa: E402
from archive.performance.terms import DueRule  # noqa: E402
from archive.services.alerts import run_alerts  # noqa: E402
from archive.settings import Settings  # noqa: E402
from bench.alerts import SEED, TODAY, generate_contracts, generate_obligations, generate_records  # noqa: E402
from bench.machine import machine_summary  # noqa: E402


def load(archive, contracts, obligations, records) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Insert the generated facts with bulk inserts; return the row counts."""
    contract_rows = [
        {"id": c.id, "number": c.number, "counterparty": c.counterparty, "owner": c.owner, "signed_on": c.signed_on,
         "effective_on": c.effective_on, "expires_on": c.expires_on, "auto_renews": c.auto_renews,
         "renewal_notice_days": c.renewal_notice_days, "total_amount": c.total_amount, "currency": c.currency,
         "terminated_on": c.expires_on if c.terminated else None, "auto_created": False, "restricted": False,
         "terms_source": "staff", "created_at": None}
        for c in contracts
    ]
    obligation_rows, payment_rows, fulfilment_rows = [], [], []
    next_record = len(records) + 1
    for o in obligations:
        rule = DueRule(on=o.due_date) if o.due_date else DueRule(event="delivery", offset=10)
        obligation_rows.append({
            "id": o.id, "contract_id": o.contract_id, "kind": o.kind, "debtor": o.debtor, "summary": o.summary,
            "amount": o.amount, "currency": o.currency, "due_rule": rule.as_dict(), "review": "confirmed",
            "status": "waived" if o.waived else "pending", "owner": o.owner, "created_by": "bench",
            "calendar_known": True,
        })
        if o.fulfilled_on is not None or o.paid_amount:
            day = o.fulfilled_on or o.due_date or TODAY
            payment_rows.append({"id": next_record, "contract_id": o.contract_id,
                                 "kind": "payment" if o.kind == "payment" else o.kind, "occurred_on": day,
                                 "amount": o.paid_amount or None, "summary": "", "demand": False, "detail": {},
                                 "revision": 1, "created_by": "bench",
                                 "status": "passed" if o.kind == "acceptance" else "done"})
            fulfilment_rows.append({"obligation_id": o.id, "record_id": next_record,
                                    "amount": o.paid_amount or None, "created_by": "bench"})
            next_record += 1
    record_rows = [
        {"id": r.id, "contract_id": r.contract_id, "kind": r.kind, "occurred_on": r.occurred_on, "status": r.status,
         "amount": r.amount, "summary": "", "demand": r.demand, "detail": {}, "revision": 1, "created_by": "bench",
         "responsible": r.owner}
        for r in records
    ]
    with archive.session() as session:
        for model, rows in ((Contract, contract_rows), (Obligation, obligation_rows),
                            (PerformanceRecord, record_rows + payment_rows), (Fulfilment, fulfilment_rows)):
            for start in range(0, len(rows), 5000):
                chunk = rows[start:start + 5000]
                if model is Contract:
                    chunk = [{k: v for k, v in row.items() if k != "created_at"} for row in chunk]
                session.execute(insert(model), chunk)
    return {"contracts": len(contract_rows), "obligations": len(obligation_rows),
            "records": len(record_rows) + len(payment_rows), "fulfilments": len(fulfilment_rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=10_000)
    parser.add_argument("--obligations", type=int, default=40_000)
    parser.add_argument("--records", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--database-url", default=None, help="an empty database; a new SQLite file when unset")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    contracts = generate_contracts(rng, args.contracts)
    obligations = generate_obligations(rng, contracts, args.obligations)
    records = generate_records(rng, contracts, args.records)

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), database_url=args.database_url, _env_file=None)
        archive = open_archive(settings)
        try:
            started = time.perf_counter()
            counts = load(archive, contracts, obligations, records)
            loaded_in = time.perf_counter() - started
            runs = []
            for label in ("first run (all alerts new)", "second run (alerts stored)"):
                started = time.perf_counter()
                with archive.session() as session:
                    summary = run_alerts(session, today=TODAY)
                runs.append((label, time.perf_counter() - started, summary))
            with archive.session() as session:
                by_rule = Counter(rule for (rule,) in session.query(Alert.rule))
        finally:
            archive.close()

    console = Console()
    facts = Table(title=f"Database portfolio ({archive.engine.dialect.name}), seed {args.seed}")
    facts.add_column("rows")
    facts.add_column("count", justify="right")
    for name, count in counts.items():
        facts.add_row(name, f"{count:,}")
    facts.add_row("load seconds (not part of the run)", f"{loaded_in:.1f}")
    console.print(facts)
    timing = Table(title=f"run_alerts on {TODAY.isoformat()}")
    for column in ("run", "seconds", "alerts", "new", "cleared"):
        timing.add_column(column, justify="right" if column != "run" else "left")
    for label, seconds, summary in runs:
        timing.add_row(label, f"{seconds:.2f}", f"{summary.computed:,}", f"{summary.opened:,}", f"{summary.cleared:,}")
    console.print(timing)
    rules = Table(title="Stored alerts by rule")
    rules.add_column("rule")
    rules.add_column("alerts", justify="right")
    for rule, count in sorted(by_rule.items()):
        rules.add_row(rule, f"{count:,}")
    console.print(rules)
    machine = Table(title="Machine")
    machine.add_column("item")
    machine.add_column("value")
    for name, value in machine_summary(("chinesecalendar", "sqlalchemy")):
        machine.add_row(name, value)
    machine.add_row("peak resident set of this process", f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    console.print(machine)


if __name__ == "__main__":
    main()
