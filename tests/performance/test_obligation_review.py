"""Reviewing suggested obligations: monthly duties laid out per month, edits on confirmation, waivers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from archive.access import SYSTEM
from archive.context import Archive
from archive.errors import InvalidObligationError
from archive.performance.terms import DueRule, SuggestedObligation
from archive.services.contract_terms import update_terms
from archive.services.contracts import create_contract
from archive.services.obligations import PartyRoles, add_suggestions, review_obligation, update_obligation


def lease(session) -> int:  # type: ignore[no-untyped-def]
    contract_id = create_contract(session, number="ZL-2025-01", title="房屋租赁合同").id
    update_terms(session, contract_id, {"effective_on": "2025-01-01", "expires_on": "2025-12-31",
                                        "total_amount": "120000"}, actor=SYSTEM)
    return contract_id


def suggest(session, contract_id: int, suggestion: SuggestedObligation, roles: PartyRoles = PartyRoles()):  # type: ignore[no-untyped-def]
    [created] = add_suggestions(session, contract_id=contract_id, version_id=None, suggestions=[suggestion], roles=roles)
    return created


def test_monthly_rent_becomes_one_obligation_per_month(sqlite_archive: Archive) -> None:
    with sqlite_archive.session() as session:
        contract_id = lease(session)
        rent = suggest(session, contract_id, SuggestedObligation(
            kind="payment", summary="租金", due=DueRule(day_of_month=5), amount=Decimal("10000"), debtor_party="乙方"))
        created = review_obligation(session, rent.id, decision="confirm", actor=SYSTEM)
        dates = [o.due_date for o in created]
    assert len(created) == 12
    # 5 January 2025 is a Sunday, 5 April is in the Qingming holiday, 5 October in National Day.
    assert dates[0] == dt.date(2025, 1, 6)
    assert dates[3] == dt.date(2025, 4, 7)
    assert dates[9] == dt.date(2025, 10, 9)
    assert [o.summary for o in created][:2] == ["租金 (1)", "租金 (2)"]


def test_percent_becomes_amount_and_party_maps_to_debtor(sqlite_archive: Archive) -> None:
    with sqlite_archive.session() as session:
        contract_id = lease(session)
        ours = PartyRoles(frozenset({"甲方"}))
        deposit = suggest(session, contract_id, SuggestedObligation(
            kind="payment", summary="押金 10%", due=DueRule(event="signing", offset=5, unit="working_day"),
            percent=Decimal("10"), debtor_party="乙方"), ours)
        refund = suggest(session, contract_id, SuggestedObligation(
            kind="payment", summary="退还押金", due=DueRule(event="expiry", offset=10), debtor_party="甲方"), ours)
        assert (deposit.amount, deposit.debtor) == (Decimal("12000.00"), "customer")
        assert refund.debtor == "us"
        [confirmed] = review_obligation(session, refund.id, decision="confirm", changes={"amount": "12000"}, actor=SYSTEM)
        assert (confirmed.amount, confirmed.due_date) == (Decimal("12000"), dt.date(2026, 1, 12))


def test_waiving_needs_a_note(sqlite_archive: Archive) -> None:
    with sqlite_archive.session() as session:
        contract_id = lease(session)
        fee = suggest(session, contract_id, SuggestedObligation(kind="payment", summary="服务费", due=DueRule(on=dt.date(2025, 2, 1)),
                                                                amount=Decimal("500")))
        review_obligation(session, fee.id, decision="confirm", actor=SYSTEM)
        with pytest.raises(InvalidObligationError, match="needs a note"):
            update_obligation(session, fee.id, {"status": "waived"}, actor=SYSTEM)
        waived = update_obligation(session, fee.id, {"status": "waived", "note": "双方协商免除"}, actor=SYSTEM)
        assert waived.status == "waived"
