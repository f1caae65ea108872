"""derive_obligations on real contracts: the full list of obligations a lawyer would note for each file.

Each expected row was written from reading the document. The test compares the whole list,
so a missing obligation and an extra (false) one both fail.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

import pytest

from archive.performance.terms import DueRule, SuggestedObligation
from ingest.analyse import analyse
from ingest.obligations import derive_obligations
from ingest.readers import read_document
from tests.conftest import corpus_file


class Expected(NamedTuple):
    kind: str
    stage: str | None
    percent: Decimal | None
    amount: Decimal | None
    due: DueRule
    debtor_party: str | None
    # Words the source sentence must contain.
    quote: str


def derive_from_file(name: str) -> list[SuggestedObligation]:
    path = corpus_file(name)
    document = read_document(path.read_bytes(), filename=path.name, format=path.suffix.lstrip("."))
    analysis = analyse(document)
    totals = [field.normalized for field in analysis.fields if field.name == "total_amount" and field.normalized]
    total = Decimal(totals[0]) if totals else None
    currency = "CNY" if name.startswith("zh_") else "USD"
    return derive_obligations(analysis.clauses, total=total, currency=currency)


def compare(found: list[SuggestedObligation], expected: list[Expected]) -> None:
    rows = [(o.kind, o.stage, o.percent, o.amount, o.due, o.debtor_party) for o in found]
    assert rows == [row[:6] for row in expected]
    for obligation, row in zip(found, expected):
        assert row.quote in obligation.source_text
        assert obligation.debtor is None


ZHAOXIN_PAYMENT = Expected(
    "payment", "full", None, Decimal("58000.00"), DueRule(event="effective", offset=7, unit="working_day"), "甲方",
    "合同生效日起",
)

CASES: dict[str, list[Expected]] = {
    # 四、供货期限: delivery 3 working days after signing; 六、联保一年; 七、full price 3 working days after supply.
    "zh_office-equipment-procurement-contract_original.pdf": [
        Expected("delivery", None, None, None, DueRule(event="signing", offset=3, unit="working_day"), "乙方", "合同签订后三个工作日内"),
        Expected("warranty", None, None, None, DueRule(offset=12, unit="month"), "乙方", "全国联保一年"),
        Expected(
            "payment", "full", None, Decimal("66600.00"), DueRule(event="delivery", offset=3, unit="working_day"), "甲方",
            "供货之日起三个工作日内",
        ),
    ],
    # 7.1: the whole price of 58000 within 7 working days of the effective date; the rest are penalties.
    "zh_zhaoxin_source-code-sales-contract_filled_tracked-ins.docx": [ZHAOXIN_PAYMENT],
    "zh_zhaoxin_source-code-sales-contract_template.pdf": [ZHAOXIN_PAYMENT],
    # 免费维护 2 years from acceptance, then four instalments of 10/10/30/50 percent of 100,000.
    # The third and fourth count from trial periods without problems, which no DUE_EVENTS entry names.
    "zh_student_software-dev-contract_diyitiao.docx": [
        Expected("warranty", None, None, None, DueRule(event="acceptance", offset=24, unit="month"), None, "验收合格之日起2年内"),
        Expected(
            "payment", "advance", Decimal("10"), Decimal("10000.00"),
            DueRule(event="signing", offset=10, unit="working_day"), "甲方", "首付合同总额的10%",
        ),
        Expected(
            "payment", "progress", Decimal("10"), Decimal("10000.00"),
            DueRule(event="delivery", offset=10, unit="working_day"), "甲方", "交由甲方测试后",
        ),
        Expected(
            "payment", "progress", Decimal("30"), Decimal("30000.00"),
            DueRule(offset=10, unit="working_day"), "甲方", "测试三个月",
        ),
        Expected(
            "payment", "final", Decimal("50"), Decimal("50000.00"),
            DueRule(offset=10, unit="working_day"), "甲方", "最后一笔",
        ),
    ],
    # 7.1 payment stages with blank percentages; the delivery date and warranty months are blanks too.
    "zh_wole_equipment-procurement-contract_placeholders.docx": [
        Expected("payment", "advance", None, None, DueRule(), None, "预付款"),
        Expected("payment", "progress", None, None, DueRule(), "甲方", "发货款"),
        Expected(
            "payment", "progress", None, None, DueRule(event="delivery", offset=15, unit="working_day"), "甲方", "到货款",
        ),
        Expected(
            "payment", "progress", None, None, DueRule(event="acceptance", offset=2, unit="month"), "甲方", "验收款",
        ),
        Expected("payment", "retention", None, None, DueRule(offset=5, unit="working_day"), "甲方", "质保金"),
    ],
    # Fees follow a formula in Exhibit B, so only the two 60-day termination notices are dated.
    "en_cuad_services-agreement_federated_base.pdf": [
        Expected("termination_notice", None, None, None, DueRule(offset=-60), None, "either party on not less than 60 days"),
        Expected("termination_notice", None, None, None, DueRule(offset=-60), None, "the Board"),
    ],
    # 2.7 payment 30 days after receipt of Products; 3.3 warranty 24 months after delivery;
    # 4.1 quarterly reports from 90 days after execution; 4.2 termination on 30 days' notice.
    "en_cuad_distributor-agreement_limeenergy.pdf": [
        Expected("payment", None, None, None, DueRule(event="delivery", offset=30), "Distributor", "receipt of Products"),
        Expected("warranty", None, None, None, DueRule(event="delivery", offset=24, unit="month"), "Company", "twenty-four (24) months"),
        Expected("reporting", None, None, None, DueRule(event="signing", offset=90), "Distributor", "written reports"),
        Expected("termination_notice", None, None, None, DueRule(offset=-30), None, "30 days"),
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_corpus_obligations(name: str) -> None:
    compare(derive_from_file(name), CASES[name])


def test_corpus_payment_amounts_use_total() -> None:
    found = derive_from_file("zh_student_software-dev-contract_diyitiao.docx")
    payments = [o for o in found if o.kind == "payment"]
    assert sum((o.amount or Decimal(0)) for o in payments) == Decimal("100000.00")
    assert {o.currency for o in payments} == {"CNY"}


def test_corpus_template_blanks_give_no_amounts() -> None:
    found = derive_from_file("zh_wole_equipment-procurement-contract_placeholders.docx")
    assert [o.amount for o in found] == [None] * 5
    assert [o.percent for o in found] == [None] * 5
