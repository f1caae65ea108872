"""derive_obligations on short clause texts: each due-date form, payment stage, party and blank."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from archive.performance.terms import DueRule, SuggestedObligation
from ingest.obligations import derive_obligations
from ingest.structure import ROLE_CLAUSE, Clause


def clause(text: str, ordinal: int = 1, *, parent: int | None = None, heading: str | None = None) -> Clause:
    return Clause(
        ordinal=ordinal,
        role=ROLE_CLAUSE,
        number=None,
        heading=heading,
        text=text,
        level=1 if parent is None else 2,
        parent=parent,
        page_start=None,
        page_end=None,
        boxes=(),
        paragraph_start=None,
        paragraph_end=None,
    )


def derive_one(text: str, **kwargs: object) -> SuggestedObligation:
    found = derive_obligations([clause(text)], **kwargs)  # type: ignore[arg-type]
    assert len(found) == 1, found
    return found[0]


def test_advance_percent_after_signing_in_working_days() -> None:
    found = derive_one("甲方应于合同签订后15个工作日内向乙方支付合同总价的30%作为预付款。", total=Decimal("100000"), currency="CNY")
    assert found.kind == "payment"
    assert found.stage == "advance"
    assert found.percent == Decimal("30")
    assert found.amount == Decimal("30000.00")
    assert found.currency == "CNY"
    assert found.due == DueRule(event="signing", offset=15, unit="working_day")
    assert found.debtor_party == "甲方"
    assert found.debtor is None
    assert found.summary == "预付款 30%"
    assert found.clause_ordinal == 1
    assert found.source_text.startswith("甲方应于合同签订后")


def test_percent_amount_rounds_to_cents() -> None:
    found = derive_one("买方应于合同签订后5日内支付合同价款的30%。", total=Decimal("33333.33"), currency="CNY")
    assert found.amount == Decimal("10000.00")
    assert found.percent == Decimal("30")


def test_percent_without_total_has_no_amount() -> None:
    found = derive_one("验收合格后三十日内，买方向卖方支付合同价款的60%。")
    assert found.percent == Decimal("60")
    assert found.amount is None
    assert found.currency is None
    assert found.due == DueRule(event="acceptance", offset=30, unit="day")
    assert found.debtor_party == "买方"


def test_invoice_event_with_fixed_amount() -> None:
    found = derive_one("甲方在收到乙方开具的合法有效发票后十五日内支付进度款人民币50,000元。")
    assert found.stage == "progress"
    assert found.amount == Decimal("50000.00")
    assert found.currency == "CNY"
    assert found.percent is None
    assert found.due == DueRule(event="invoice", offset=15, unit="day")
    assert found.debtor_party == "甲方"


def test_uppercase_amount_after_effective_date() -> None:
    found = derive_one("委托方应在本合同生效之日起十日内支付首付款伍万元整。")
    assert found.stage == "advance"
    assert found.amount == Decimal("50000.00")
    assert found.due == DueRule(event="effective", offset=10, unit="day")
    assert found.debtor_party == "委托方"


def test_amount_stated_with_percent_is_kept() -> None:
    found = derive_one("合同签订后，10个工作日内首付合同总额的10%，金额10,000元，（大写：人民币壹万元整）；")
    assert found.amount == Decimal("10000.00")
    assert found.percent == Decimal("10")
    assert found.stage == "advance"


@pytest.mark.parametrize(
    ("text", "event", "offset", "unit"),
    [
        ("甲方应于合同签署后十五日内支付合同总价的10%。", "signing", 15, "day"),
        ("甲方应于合同生效后7个工作日内支付合同总价的10%。", "effective", 7, "working_day"),
        ("甲方应于交货后三十天内支付合同总价的10%。", "delivery", 30, "day"),
        ("甲方应于交付之日起二十日内支付合同总价的10%。", "delivery", 20, "day"),
        ("甲方应于到货后10日内支付合同总价的10%。", "delivery", 10, "day"),
        ("甲方应于货物送达后5个工作日内支付合同总价的10%。", "delivery", 5, "working_day"),
        ("甲方应于验收通过后叁拾日内支付合同总价的10%。", "acceptance", 30, "day"),
        ("甲方应于终验完成后3个月内支付合同总价的10%。", "acceptance", 3, "month"),
        ("甲方应于乙方开具发票后10日内支付合同总价的10%。", "invoice", 10, "day"),
        ("甲方应于合同期满之日起一个月内支付合同总价的10%。", "expiry", 1, "month"),
    ],
)
def test_relative_due_events_and_units(text: str, event: str, offset: int, unit: str) -> None:
    found = derive_one(text)
    assert found.due == DueRule(event=event, offset=offset, unit=unit)


def test_period_after_event_without_within() -> None:
    found = derive_one("经质量、性能验收合格并稳定运行2个月后，甲方向乙方支付合同总价的20%。")
    assert found.due == DueRule(event="acceptance", offset=2, unit="month")


def test_absolute_due_date() -> None:
    found = derive_one("乙方应于2024年6月30日前交付全部设备。")
    assert found.kind == "delivery"
    assert found.due == DueRule(on=dt.date(2024, 6, 30))
    assert found.due.form == "absolute"
    assert found.debtor_party == "乙方"


def test_absolute_date_for_payment() -> None:
    found = derive_one("甲方须在2025年1月15日之前支付尾款人民币20,000元。")
    assert found.stage == "final"
    assert found.due == DueRule(on=dt.date(2025, 1, 15))


def test_monthly_rent_payment() -> None:
    found = derive_one("承租方应于每月5日前支付当月租金人民币3,000元。")
    assert found.kind == "payment"
    assert found.due == DueRule(day_of_month=5)
    assert found.due.form == "monthly"
    assert found.amount == Decimal("3000.00")
    assert found.debtor_party == "承租方"


def test_monthly_report() -> None:
    found = derive_one("乙方应于每月10日前向甲方提交上月服务报告。")
    assert found.kind == "reporting"
    assert found.due == DueRule(day_of_month=10)
    assert found.debtor_party == "乙方"


def test_report_months_after_acceptance() -> None:
    found = derive_one("乙方应于验收合格后3个月内提交项目总结报告。")
    assert found.kind == "reporting"
    assert found.due == DueRule(event="acceptance", offset=3, unit="month")


def test_working_days_differ_from_days() -> None:
    days = derive_one("乙方应在合同签订后10日内交货。")
    working_days = derive_one("乙方应在合同签订后10个工作日内交货。")
    assert days.due == DueRule(event="signing", offset=10, unit="day")
    assert working_days.due == DueRule(event="signing", offset=10, unit="working_day")


def test_acceptance_deadline_after_delivery() -> None:
    found = derive_one("甲方应在到货后七日内组织验收。")
    assert found.kind == "acceptance"
    assert found.due == DueRule(event="delivery", offset=7, unit="day")
    assert found.debtor_party == "甲方"


def test_completion_deadline_in_uppercase_numerals() -> None:
    found = derive_one("卖方应在到货后叁拾日内完成安装调试。")
    assert found.kind == "completion"
    assert found.due == DueRule(event="delivery", offset=30, unit="day")
    assert found.debtor_party == "卖方"


def test_warranty_period_from_acceptance() -> None:
    found = derive_one("乙方提供的设备质保期为验收合格之日起24个月。")
    assert found.kind == "warranty"
    assert found.due == DueRule(event="acceptance", offset=24, unit="month")
    assert found.debtor_party == "乙方"


def test_warranty_years_without_start() -> None:
    found = derive_one("乙方提供的产品为全国联保一年。")
    assert found.kind == "warranty"
    assert found.due == DueRule(offset=12, unit="month")
    assert found.due.form == "unknown"
    assert found.summary == "联保 一年"


def test_retention_released_after_warranty() -> None:
    found = derive_one("甲方应于质保期满后十个工作日内退还质保金，即合同总价的5%。", total=Decimal("200000"))
    assert found.stage == "retention"
    assert found.percent == Decimal("5")
    assert found.amount == Decimal("10000.00")
    # The end of the warranty period is no DUE_EVENTS entry, so only the period is kept.
    assert found.due == DueRule(offset=10, unit="working_day")
    assert found.debtor_party == "甲方"


def test_payment_without_due_date() -> None:
    found = derive_one("甲方应向乙方支付尾款人民币20,000元。")
    assert found.stage == "final"
    assert found.amount == Decimal("20000.00")
    assert found.due == DueRule()
    assert found.due.form == "unknown"
    assert found.debtor_party == "甲方"


def test_payee_names_the_debtor() -> None:
    found = derive_one("验收合格后10日内，将合同总价的20%支付给乙方。")
    assert found.debtor_party == "甲方"


def test_full_payment_equal_to_total() -> None:
    found = derive_one("甲方应于合同签订后3日内支付人民币66,600元。", total=Decimal("66600"))
    assert found.stage == "full"


def test_tax_rate_is_not_a_share() -> None:
    found = derive_one("本合同总价为人民币100,000元（含6%增值税），甲方应一次性支付。")
    assert found.percent is None
    assert found.amount == Decimal("100000.00")
    assert found.stage == "full"


@pytest.mark.parametrize(
    "text",
    [
        "甲方于合同签订后____日内支付合同总价的____%作为预付款。",
        "甲方于合同签订后＿＿日内支付合同总价的＿＿%作为预付款。",
        "预付款：合同总价的{{ advance_rate }}%。",
        "甲方应支付预付款人民币${advance}元。",
        "甲方应支付预付款人民币______元。",
    ],
)
def test_blank_stage_has_no_amount(text: str) -> None:
    found = derive_one(text, total=Decimal("100000"))
    assert found.kind == "payment"
    assert found.stage == "advance"
    assert found.percent is None
    assert found.amount is None
    assert found.due == DueRule()


def test_blank_total_yields_nothing() -> None:
    assert derive_obligations([clause("本合同总价为人民币______元（大写：__________）。")]) == []


@pytest.mark.parametrize(
    "text",
    [
        "甲方逾期付款的，每逾期一日应按应付金额的0.5%向乙方支付违约金。",
        "乙方违约的，应向甲方支付合同总价20%的违约金。",
        "乙方应按时交货。",
        "任何一方变更联系方式的，应提前3个工作日书面通知另一方。",
        "合同解除后，乙方应在10日内返还甲方已支付的款项人民币5,000元。",
    ],
)
def test_no_obligation_suggested(text: str) -> None:
    assert derive_obligations([clause(text)]) == []


def test_table_row_and_sentence_suggest_once() -> None:
    text = (
        "付款安排如下：\n"
        "阶段 | 比例 | 付款时间\n"
        "预付款 | 30% | 合同签订后5日内\n"
        "甲方应于合同签订后5日内支付预付款，即合同总价的30%。"
    )
    found = derive_obligations([clause(text)], total=Decimal("10000"))
    assert len(found) == 1
    assert found[0].stage == "advance"
    assert found[0].amount == Decimal("3000.00")
    assert found[0].due == DueRule(event="signing", offset=5)
    assert found[0].debtor_party == "甲方"


def test_total_statement_and_payment_suggest_once() -> None:
    text = "甲方共计应支付人民币陆萬陆仟陆佰元整（￥66,600元）。交货之日起三个工作日内，甲方须向乙方支付全部货款66,600元。"
    found = derive_obligations([clause(text)])
    assert len(found) == 1
    assert found[0].due == DueRule(event="delivery", offset=3, unit="working_day")


def test_unticked_options_are_skipped() -> None:
    text = "付款方式：\n□甲方于合同签订后3日内支付合同总价的30%。\n☑甲方于合同签订后5日内支付合同总价的40%。"
    found = derive_obligations([clause(text)])
    assert [item.percent for item in found] == [Decimal("40")]


def test_items_take_payer_and_stage_from_parent() -> None:
    parent = clause("甲方按开发进度分三期向乙方支付：", ordinal=1)
    first = clause("（1）合同签订后7日内支付合同总价的20%；", ordinal=2, parent=1)
    second = clause("（2）交付后7日内支付合同总价的50%；", ordinal=3, parent=1)
    found = derive_obligations([parent, first, second])
    assert [item.debtor_party for item in found] == ["甲方", "甲方"]
    assert [item.stage for item in found] == ["progress", "progress"]
    assert [item.clause_ordinal for item in found] == [2, 3]


def test_instalment_stage_from_parent() -> None:
    parent = clause("买方分两期向卖方付款：", ordinal=1)
    item = clause("第一笔：合同签订后7日内支付合同总价的50%。", ordinal=2, parent=1)
    found = derive_obligations([parent, item])
    assert [obligation.stage for obligation in found] == ["instalment"]


def test_chinese_termination_notice() -> None:
    found = derive_one("任何一方解除本合同，应提前三十日书面通知对方。")
    assert found.kind == "termination_notice"
    assert found.due == DueRule(offset=-30, unit="day")
    assert found.debtor_party is None


def test_chinese_renewal_notice_before_expiry() -> None:
    found = derive_one("合同期满需续签的，乙方应在合同期满前一个月书面通知甲方。")
    assert found.kind == "renewal_notice"
    assert found.due == DueRule(event="expiry", offset=-1, unit="month")
    assert found.debtor_party == "乙方"


def test_english_percent_of_fees_after_invoice() -> None:
    found = derive_one(
        "Customer shall pay Supplier thirty percent (30%) of the Fees within thirty (30) days after receipt of invoice.",
        total=Decimal("50000"),
        currency="USD",
    )
    assert found.kind == "payment"
    assert found.percent == Decimal("30")
    assert found.amount == Decimal("15000.00")
    assert found.currency == "USD"
    assert found.due == DueRule(event="invoice", offset=30, unit="day")
    assert found.debtor_party == "Customer"


def test_english_net_terms() -> None:
    found = derive_one("Buyer shall pay the purchase price of US$12,000 net 30 days.")
    assert found.amount == Decimal("12000.00")
    assert found.currency == "USD"
    assert found.due == DueRule(event="invoice", offset=30)
    assert found.debtor_party == "Buyer"


def test_english_business_days_after_delivery() -> None:
    found = derive_one("The Company shall pay the final payment of $5,000 within ten (10) business days after delivery.")
    assert found.stage == "final"
    assert found.due == DueRule(event="delivery", offset=10, unit="working_day")
    assert found.debtor_party == "Company"


def test_english_termination_notice() -> None:
    found = derive_one("Either party may terminate this Agreement upon sixty (60) days' prior written notice to the other party.")
    assert found.kind == "termination_notice"
    assert found.due == DueRule(offset=-60, unit="day")


def test_english_renewal_notice() -> None:
    found = derive_one(
        "This Agreement renews automatically unless either party gives notice of non-renewal "
        "at least thirty (30) days prior to the expiration of the then-current term."
    )
    assert found.kind == "renewal_notice"
    assert found.due == DueRule(event="expiry", offset=-30, unit="day")


def test_english_warranty_from_delivery() -> None:
    found = derive_one("Supplier warrants the Products for a warranty period of twelve (12) months from the date of delivery.")
    assert found.kind == "warranty"
    assert found.due == DueRule(event="delivery", offset=12, unit="month")
    assert found.debtor_party == "Supplier"


def test_english_late_interest_is_no_payment() -> None:
    text = "Late payments shall bear interest at 1.5% of the amount due per month."
    assert derive_obligations([clause(text)]) == []


def test_english_within_days_without_event() -> None:
    found = derive_one("Customer shall pay the setup fee of $1,000 within fifteen (15) days.")
    assert found.amount == Decimal("1000.00")
    assert found.due == DueRule(offset=15)
    assert found.due.form == "unknown"


def test_wrapped_lines_join_into_one_sentence() -> None:
    text = "4.2 Termination. Either party may terminate this Agreement upon 30 days\nPage -8-\nprior written notice to the other."
    found = derive_obligations([clause(text, heading="Termination")])
    assert [item.kind for item in found] == ["termination_notice"]
    assert found[0].due == DueRule(offset=-30)
