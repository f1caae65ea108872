"""Clause and field accuracy on the shared corpus, against the hand-written files in tests/expected.

Usage: python bench/accuracy.py [--corpus ../shared/corpus] [--expected tests/expected]

Each corpus file with an expected file goes through the real reader, clause
segmentation, field extraction and kind detection. Clause boundaries are scored
by precision and recall: a produced clause matches an expected one when the
numbers are equal after normalisation and, for PDFs, both start on the same
page. The two sequences are aligned with difflib.SequenceMatcher, so one missed
or extra boundary costs one match and does not shift the rest. Each field is
scored as right or wrong per file. A "null" in an expected file means the
document states no value, so any produced value is wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
DEFAULT_EXPECTED = ROOT / "tests" / "expected"
FIELD_NAMES = ("kind", "contract_number", "parties", "signing_date", "total_amount")
# Separators that printed numbers end with (第一条、, 1., 一、) and that segmenters may keep or drop.
TRAILING_SEPARATORS = ".、:："


@dataclass
class FileScore:
    """Clause and field results for one corpus file."""

    name: str
    expected_clauses: int = 0
    produced_clauses: int = 0
    matched_clauses: int = 0
    field_ok: dict[str, bool] = field(default_factory=dict)
    party_slots: int = 0
    party_slots_ok: int = 0
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def precision(self) -> float:
        return ratio(self.matched_clauses, self.produced_clauses)

    @property
    def recall(self) -> float:
        return ratio(self.matched_clauses, self.expected_clauses)


@dataclass
class Totals:
    """Clause precision and recall, and the share of files (party slots for parties) with each field right.

    `precision` and `recall` pool all boundaries, so long documents weigh more. The `mean_`
    values average the per-file scores, so each document weighs the same.
    """

    files: int
    precision: float
    recall: float
    mean_precision: float
    mean_recall: float
    field_accuracy: dict[str, float]


def ratio(part: int, whole: int) -> float:
    """Return part / whole, counting an empty whole as a perfect score (nothing to find, nothing invented)."""
    return 1.0 if whole == 0 else part / whole


def normalize_label(label: str) -> str:
    """Fold a clause number to a comparable key: NFKC, no spaces, no trailing separator, case-folded."""
    folded = unicodedata.normalize("NFKC", label)
    folded = "".join(folded.split()).casefold()
    return folded.rstrip(TRAILING_SEPARATORS)


def normalize_text(value: str | None) -> str | None:
    if value is None:
        return None
    return "".join(unicodedata.normalize("NFKC", value).split()).casefold()


def same_amount(expected: str | None, produced: str | None) -> bool:
    if expected is None or produced is None:
        return expected is None and produced is None
    try:
        return Decimal(expected) == Decimal(produced)
    except InvalidOperation:
        return False


def clause_keys(clauses: list[dict], is_pdf: bool) -> list[tuple[str, int | None]]:
    return [(normalize_label(c["label"]), c["page"] if is_pdf else None) for c in clauses]


def score_clauses(
    expected: list[tuple[str, int | None]], produced: list[tuple[str, int | None]]
) -> int:
    """Return how many boundaries match when the two ordered sequences are aligned."""
    matcher = SequenceMatcher(None, expected, produced, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks())


def score_parties(expected: list[dict], produced: list[tuple[str | None, str]]) -> tuple[int, int, list[str]]:
    """Score parties by role: one slot per role that either side names, right when both agree.

    A file where neither side names a party counts as one correct slot, so documents
    without parties still reward extracting none.
    """
    produced_by_role: dict[str, str] = {}
    for role, name in produced:
        key = normalize_text(role) or ""
        produced_by_role.setdefault(key, name)
    expected_by_role = {normalize_text(p["role"]) or "": p["name_prefix"] for p in expected}
    roles = set(produced_by_role) | set(expected_by_role)
    if not roles:
        return 1, 1, []
    correct = 0
    notes: list[str] = []
    for role in sorted(roles):
        prefix = expected_by_role.get(role)
        name = produced_by_role.get(role)
        if prefix is None:
            notes.append(f"extra party role {role}")
        elif name is None:
            notes.append(f"missed party role {role}")
        elif not (normalize_text(name) or "").startswith(normalize_text(prefix) or ""):
            notes.append(f"wrong party name for {role}")
        else:
            correct += 1
    return len(roles), correct, notes


def first_field(fields: list, name: str):
    return next((f for f in fields if f.name == name), None)


def read_file(path: Path, expected: dict):
    from ingest.readers import read_document

    data = path.read_bytes()
    file_format = path.suffix.lstrip(".").lower()
    password = expected.get("password")
    if password:
        # read_document takes no password, so an encrypted PDF goes to the PDF reader it dispatches to.
        from ingest.readers.pdf import read_pdf

        return read_pdf(data, filename=path.name, password=password)
    return read_document(data, filename=path.name, format=file_format)


def evaluate_file(path: Path, expected: dict) -> FileScore:
    """Run reader, segmentation, extraction and kind detection on one file and score them."""
    from ingest.fields.extract import extract_fields
    from ingest.kind import detect_kind
    from ingest.segment import segment

    score = FileScore(name=path.name)
    is_pdf = path.suffix.lower() == ".pdf"
    expected_keys = clause_keys(expected["clauses"], is_pdf)
    score.expected_clauses = len(expected_keys)
    try:
        doc = read_file(path, expected)
        clauses = segment(doc)
        fields, _warnings = extract_fields(doc, clauses)
        kind = detect_kind(doc, clauses)
    except Exception as error:  # noqa: BLE001 - a failing file scores zero and the run goes on
        score.error = f"{type(error).__name__}: {error}"
        expected_parties = max(1, len(expected["parties"]))
        score.party_slots = expected_parties
        score.field_ok = {name: False for name in FIELD_NAMES}
        return score

    produced_keys = [
        (normalize_label(c.number), c.page_start if is_pdf else None)
        for c in clauses
        if c.role == "clause" and c.number
    ]
    score.produced_clauses = len(produced_keys)
    score.matched_clauses = score_clauses(expected_keys, produced_keys)

    score.field_ok["kind"] = kind == expected["kind"]
    if not score.field_ok["kind"]:
        score.notes.append(f"kind {kind}")

    number = first_field(fields, "contract_number")
    produced_number = number.value if number else None
    score.field_ok["contract_number"] = normalize_text(produced_number) == normalize_text(expected["contract_number"])
    if not score.field_ok["contract_number"]:
        score.notes.append(f"contract number {produced_number!r}")

    parties = [(f.role, f.value) for f in fields if f.name == "party"]
    score.party_slots, score.party_slots_ok, party_notes = score_parties(expected["parties"], parties)
    score.field_ok["parties"] = score.party_slots == score.party_slots_ok
    score.notes.extend(party_notes)

    signing = first_field(fields, "signing_date")
    produced_date = signing.normalized if signing else None
    score.field_ok["signing_date"] = produced_date == expected["signing_date"]
    if not score.field_ok["signing_date"]:
        score.notes.append(f"signing date {produced_date}")

    amount = first_field(fields, "total_amount")
    produced_amount = amount.normalized if amount else None
    score.field_ok["total_amount"] = same_amount(expected["total_amount"], produced_amount)
    if not score.field_ok["total_amount"]:
        score.notes.append(f"total amount {produced_amount}")
    return score


def load_expected(expected_dir: Path) -> dict[str, dict]:
    """Return the expected results keyed by corpus file name."""
    return {
        path.name.removesuffix(".json"): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(expected_dir.glob("*.json"))
    }


def evaluate_corpus(corpus: Path, expected_dir: Path) -> list[FileScore]:
    """Score every corpus file that has an expected file; a missing corpus file is an error row."""
    scores = []
    for name, expected in load_expected(expected_dir).items():
        path = corpus / name
        if not path.is_file():
            scores.append(FileScore(name=name, error=f"corpus file not found: {path}"))
            continue
        scores.append(evaluate_file(path, expected))
    return scores


def totals(scores: list[FileScore]) -> Totals:
    matched = sum(s.matched_clauses for s in scores)
    accuracy = {}
    for name in FIELD_NAMES:
        if name == "parties":
            accuracy[name] = ratio(sum(s.party_slots_ok for s in scores), sum(s.party_slots for s in scores))
        else:
            accuracy[name] = ratio(sum(1 for s in scores if s.field_ok.get(name)), len(scores))
    return Totals(
        files=len(scores),
        precision=ratio(matched, sum(s.produced_clauses for s in scores)),
        recall=ratio(matched, sum(s.expected_clauses for s in scores)),
        mean_precision=sum(s.precision for s in scores) / len(scores) if scores else 1.0,
        mean_recall=sum(s.recall for s in scores) / len(scores) if scores else 1.0,
        field_accuracy=accuracy,
    )


def format_report(scores: list[FileScore]) -> str:
    """Return a plain-text table, one row per file, then the totals."""
    mark = {True: "ok", False: "--"}
    header = (
        f"{'file':<72} {'exp':>4} {'got':>4} {'match':>5} {'prec':>5} {'rec':>5}  "
        f"kind num  parties  date amount  notes"
    )
    lines = [header, "-" * len(header)]
    for s in scores:
        if s.error and not s.field_ok:
            lines.append(f"{s.name:<72} {s.expected_clauses:>4} {'-':>4} {'-':>5} {'-':>5} {'-':>5}  {s.error}")
            continue
        parties = f"{s.party_slots_ok}/{s.party_slots}"
        notes = "; ".join(([s.error] if s.error else []) + s.notes)
        lines.append(
            f"{s.name:<72} {s.expected_clauses:>4} {s.produced_clauses:>4} {s.matched_clauses:>5} "
            f"{s.precision:>5.2f} {s.recall:>5.2f}  {mark[s.field_ok['kind']]:<4} "
            f"{mark[s.field_ok['contract_number']]:<4} {parties:<8} {mark[s.field_ok['signing_date']]:<4} "
            f"{mark[s.field_ok['total_amount']]:<6} {notes}"
        )
    summary = totals(scores)
    lines.append("-" * len(header))
    lines.append(
        f"totals over {summary.files} files: clause precision {summary.precision:.3f}, "
        f"recall {summary.recall:.3f} (all boundaries pooled); per-file mean precision "
        f"{summary.mean_precision:.3f}, recall {summary.mean_recall:.3f}"
    )
    lines.append(
        "field accuracy: " + ", ".join(f"{name} {value:.3f}" for name, value in summary.field_accuracy.items())
    )
    return "\n".join(lines)


def main() -> None:
    from bench.machine import machine_summary

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="Folder with the corpus files.")
    parser.add_argument("--expected", type=Path, default=DEFAULT_EXPECTED, help="Folder with the expected JSON files.")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"corpus folder not found: {args.corpus}; pass --corpus")

    print(format_report(evaluate_corpus(args.corpus, args.expected)))
    print()
    print("machine:")
    for name, value in machine_summary(("pypdfium2", "pdfplumber", "python-docx", "lxml")):
        print(f"  {name}: {value}")


if __name__ == "__main__":
    main()
