"""Import performance records from a CSV file, all rows or none.

Headers may be English field names or the Chinese column names of the export (日期, 类型,
金额 ...), and kinds may be codes or their Chinese names. Files saved by Excel in China are
often GBK rather than UTF-8; both are read. Every row is checked before any is stored, and each
problem names the file and line.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
import io
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive import problems
from archive.access import Actor, visible_contracts
from archive.errors import ArchiveError, CsvImportError
from archive.models import Contract, PerformanceRecord
from archive.performance.terms import RECORD_KINDS
from archive.services.records import RecordInput, create_record

HEADERS = {
    "contract_id": "contract_id", "合同id": "contract_id",
    "contract_number": "contract_number", "合同编号": "contract_number",
    "kind": "kind", "类型": "kind", "记录类型": "kind",
    "occurred_on": "occurred_on", "date": "occurred_on", "日期": "occurred_on",
    "summary": "summary", "摘要": "summary", "内容": "summary", "说明": "summary",
    "responsible": "responsible", "负责人": "responsible",
    "status": "status", "状态": "status", "结果": "status",
    "amount": "amount", "金额": "amount",
    "currency": "currency", "币种": "currency",
    "demand": "demand", "催告": "demand", "催款": "demand",
    "channel": "channel", "方式": "channel", "沟通方式": "channel",
    "participants": "participants", "参与人": "participants",
    "outcome": "outcome", "结果说明": "outcome",
}
KIND_NAMES = {
    "进度": "progress", "质量检查": "quality_inspection", "质检": "quality_inspection", "付款": "payment",
    "收款": "payment", "交付": "delivery", "交货": "delivery", "验收": "acceptance", "沟通": "communication",
    "变更": "change", "投诉": "complaint", "纠纷": "dispute", "培训": "training", "奖励": "reward",
    "终止": "termination", "结算": "termination",
    # Words staff also use for the same kinds.
    "争议": "dispute", "检验": "quality_inspection", "质量检验": "quality_inspection", "到货": "delivery",
    "发货": "delivery", "回款": "payment", "解除": "termination",
}
STATUS_NAMES = {"合格": "passed", "通过": "passed", "不合格": "failed", "未通过": "failed", "完成": "done",
                "计划": "planned", "取消": "cancelled"}
CHANNEL_NAMES = {"电话": "phone", "邮件": "email", "电子邮件": "email", "会议": "meeting", "走访": "visit",
                 "拜访": "visit", "函件": "letter", "信函": "letter"}
TRUE_WORDS = {"1", "true", "yes", "y", "是", "有"}
MAX_ROWS = 10_000


def decode_csv(data: bytes) -> str:
    """Decode UTF-8 (with or without a byte order mark), else GB18030, which covers GBK."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


@dataclass(frozen=True)
class ImportResult:
    imported: int
    # Rows equal to a record already stored (same contract, kind, day, amount and text), which were skipped.
    duplicates: int


def import_records(session: Session, data: bytes, *, filename: str, actor: Actor,
                   contract_id: int | None = None) -> ImportResult:
    """Check every row, then store them all in the caller's transaction, skipping rows already recorded."""
    try:
        text = decode_csv(data)
    except UnicodeDecodeError as error:
        raise CsvImportError(problems.CSV_ENCODING, filename=filename, line=1) from error
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = {name: HEADERS.get((name or "").strip().lower()) for name in reader.fieldnames or []}
    if "kind" not in columns.values() or "occurred_on" not in columns.values():
        raise CsvImportError(problems.CSV_HEADER, filename=filename, line=1)
    numbers, visible = _visible_contracts(session, actor)
    parsed: list[tuple[int, int, RecordInput]] = []
    for line, row in enumerate(reader, start=2):
        if line > MAX_ROWS + 1:
            raise CsvImportError(problems.CSV_TOO_MANY_ROWS, filename=filename, line=line, limit=MAX_ROWS)
        values = {columns[k]: (v or "").strip() for k, v in row.items() if k in columns and columns[k]}
        if not any(values.values()):
            continue
        try:
            parsed.append((line, _contract(values, contract_id, numbers, visible), _record(values)))
        except _RowProblem as problem:
            raise CsvImportError(problem.template, filename=filename, line=line, **problem.values) from None
    imported = duplicates = 0
    for line, target, record in parsed:
        if _already_recorded(session, target, record):
            duplicates += 1
            continue
        try:
            create_record(session, target, record, actor=actor)
        except ArchiveError as error:
            raise CsvImportError(cause=error, filename=filename, line=line) from error
        imported += 1
    return ImportResult(imported, duplicates)


def _already_recorded(session: Session, contract_id: int, record: RecordInput) -> bool:
    """Tell whether the contract has a record with the same kind, day, amount and text, as a file imported twice would."""
    amount = record.amount.quantize(Decimal("0.01")) if record.amount is not None else None
    found = session.scalar(select(PerformanceRecord.id).where(
        PerformanceRecord.contract_id == contract_id, PerformanceRecord.kind == record.kind,
        PerformanceRecord.occurred_on == record.occurred_on, PerformanceRecord.summary == record.summary.strip(),
        PerformanceRecord.amount.is_(None) if amount is None else PerformanceRecord.amount == amount,
    ).limit(1))
    return found is not None


class _RowProblem(Exception):
    """A row that cannot become a record: one of archive.problems and its values."""

    def __init__(self, template: str, **values: str) -> None:
        super().__init__(template.format(**values))
        self.template, self.values = template, values


def _visible_contracts(session: Session, actor: Actor) -> tuple[dict[str, int], set[int]]:
    """Return the numbers of the contracts `actor` may see, and their ids."""
    rows = session.execute(select(Contract.number, Contract.id).where(visible_contracts(actor))).all()
    return {number: contract_id for number, contract_id in rows if number}, {contract_id for _, contract_id in rows}


def _contract(values: dict[str, str], contract_id: int | None, numbers: dict[str, int], visible: set[int]) -> int:
    if contract_id is not None:
        return contract_id
    if values.get("contract_number"):
        found = numbers.get(values["contract_number"])
        if found is None:
            raise _RowProblem(problems.CSV_NO_SUCH_CONTRACT, number=values["contract_number"][:100])
        return found
    if values.get("contract_id", "").isdigit() and int(values["contract_id"]) in visible:
        return int(values["contract_id"])
    raise _RowProblem(problems.CSV_NO_CONTRACT)


def _record(values: dict[str, str]) -> RecordInput:
    kind = KIND_NAMES.get(values["kind"], values["kind"])
    if kind not in RECORD_KINDS:
        raise _RowProblem(problems.CSV_UNKNOWN_KIND, value=values["kind"][:40],
                          allowed="、".join(dict.fromkeys(KIND_NAMES)))
    try:
        day = dt.date.fromisoformat(values["occurred_on"].replace("/", "-"))
    except ValueError:
        raise _RowProblem(problems.NOT_A_DATE, value=values["occurred_on"][:40]) from None
    amount = None
    if values.get("amount"):
        try:
            amount = Decimal(values["amount"].replace(",", "").replace("，", ""))
        except InvalidOperation:
            raise _RowProblem(problems.NOT_AN_AMOUNT, value=values["amount"][:40]) from None
    status = values.get("status") or None
    status = STATUS_NAMES.get(status, status) if status else None
    detail = {}
    if kind == "communication":
        detail = {"channel": CHANNEL_NAMES.get(values.get("channel", ""), values.get("channel", "")),
                  "participants": values.get("participants", ""), "outcome": values.get("outcome", "")}
    return RecordInput(kind=kind, occurred_on=day, summary=values.get("summary", ""),
                       responsible=values.get("responsible") or None, status=status, amount=amount,
                       currency=values.get("currency") or None, demand=values.get("demand", "").lower() in TRUE_WORDS,
                       detail=detail)
