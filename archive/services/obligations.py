"""Obligations (履约义务): suggestions read from clauses, staff review, and manual entries.

A suggestion does nothing until staff confirm it; then it gets a due date and status from
archive.services.fulfilment and takes part in alerts. A monthly duty (每月5日前) becomes one
obligation per month of the contract's term when it is confirmed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive import problems
from archive.access import Actor
from archive.errors import InvalidObligationError, NotFoundError, ObligationReviewedError
from archive.models import Clause, Contract, Obligation
from archive.performance.due import add_months, monthly_due_dates
from archive.performance.terms import DEBTORS, OBLIGATION_KINDS, PAYMENT_STAGES, DueRule, SuggestedObligation
from archive.services.audit import record_event
from archive.services.contracts import get_contract_or_raise
from archive.services.fulfilment import refresh_obligations

# The usual debtor of each kind when the clause names no party we can map: we sell, the customer pays.
DEFAULT_DEBTOR = {"payment": "customer", "acceptance": "customer"}
EDITABLE = ("kind", "stage", "summary", "debtor", "amount", "currency", "percent", "due_rule", "owner", "note")
# A monthly duty without an expiry date is laid out this many months ahead.
MONTHLY_HORIZON_MONTHS = 12


@dataclass(frozen=True)
class PartyRoles:
    """Our party names as clauses write them. Every other party is the customer."""

    ours: frozenset[str] = frozenset()

    def debtor(self, suggestion: SuggestedObligation) -> str | None:
        party = (suggestion.debtor_party or "").strip()
        if party and self.ours:
            return "us" if party in self.ours else "customer"
        return DEFAULT_DEBTOR.get(suggestion.kind, "us" if suggestion.kind in ("delivery", "completion",
                                                                               "warranty", "reporting") else None)


def get_obligation_or_raise(session: Session, obligation_id: int) -> Obligation:
    obligation = session.get(Obligation, obligation_id)
    if obligation is None:
        raise NotFoundError(object="Obligation", id=obligation_id)
    return obligation


def add_suggestions(session: Session, *, contract_id: int, version_id: int | None,
                    suggestions: list[SuggestedObligation], roles: PartyRoles = PartyRoles()) -> list[Obligation]:
    """Store suggestions from one version's clauses, skipping any already suggested from it."""
    clause_ids = dict(session.execute(
        select(Clause.ordinal, Clause.id).where(Clause.document_version_id == version_id)).all())
    existing = {(o.clause_id, o.summary) for o in session.scalars(
        select(Obligation).where(Obligation.document_version_id == version_id))}
    contract = get_contract_or_raise(session, contract_id)
    created = []
    for suggestion in suggestions:
        clause_id = clause_ids.get(suggestion.clause_ordinal) if suggestion.clause_ordinal is not None else None
        if (clause_id, suggestion.summary) in existing:
            continue
        amount = suggestion.amount
        if amount is None and suggestion.percent is not None and contract.total_amount is not None:
            amount = (contract.total_amount * suggestion.percent / 100).quantize(Decimal("0.01"))
        obligation = Obligation(
            contract_id=contract_id, document_version_id=version_id, clause_id=clause_id, kind=suggestion.kind,
            stage=suggestion.stage, summary=suggestion.summary[:2000], source_text=suggestion.source_text,
            debtor=suggestion.debtor or roles.debtor(suggestion), debtor_party=suggestion.debtor_party,
            amount=amount, currency=suggestion.currency or (contract.currency if amount is not None else None),
            percent=suggestion.percent, due_rule=suggestion.due.as_dict(), review="suggested", created_by="system",
        )
        session.add(obligation)
        existing.add((clause_id, suggestion.summary))
        created.append(obligation)
    session.flush()
    return created


def create_obligation(session: Session, contract_id: int, values: dict[str, Any], *, actor: Actor) -> list[Obligation]:
    """Enter an obligation by hand; a monthly rule gives one per month."""
    get_contract_or_raise(session, contract_id)
    obligation = Obligation(contract_id=contract_id, review="manual", created_by=actor.username,
                            reviewed_by=actor.username, reviewed_at=dt.datetime.now(dt.timezone.utc))
    _set_values(obligation, {"summary": "", **values})
    _require_due_rule(obligation)
    session.add(obligation)
    session.flush()
    created = _expand_monthly(session, obligation)
    record_event(session, actor=actor.username, actor_id=actor.user_id, action="obligation_created",
                 object_type="obligation", object_id=obligation.id,
                 summary={"contract_id": contract_id, "kind": obligation.kind, "count": len(created)})
    refresh_obligations(session, contract_id)
    return created


def review_obligation(session: Session, obligation_id: int, *, decision: str, changes: dict[str, Any] | None = None,
                      note: str | None = None, actor: Actor) -> list[Obligation]:
    """Confirm (with any edits) or reject a suggestion. Confirmed monthly duties expand per month."""
    obligation = get_obligation_or_raise(session, obligation_id)
    if decision not in ("confirm", "reject"):
        raise InvalidObligationError(problems.DECISION_INVALID, value=str(decision)[:40])
    if obligation.review != "suggested":
        raise ObligationReviewedError(id=obligation_id, review=obligation.review, reviewed_by=obligation.reviewed_by or "")
    before = _snapshot(obligation)
    if changes:
        _set_values(obligation, changes)
    if decision == "confirm":
        _require_due_rule(obligation)
    obligation.review = "confirmed" if decision == "confirm" else "rejected"
    obligation.reviewed_by, obligation.reviewed_at = actor.username, dt.datetime.now(dt.timezone.utc)
    if note:
        obligation.note = note
    session.flush()
    result = _expand_monthly(session, obligation) if decision == "confirm" else [obligation]
    record_event(session, actor=actor.username, actor_id=actor.user_id, action=f"obligation_{obligation.review}",
                 object_type="obligation", object_id=obligation.id,
                 summary={"changed": {k: [before[k], v] for k, v in _snapshot(obligation).items() if before[k] != v}})
    refresh_obligations(session, obligation.contract_id)
    return result


def update_obligation(session: Session, obligation_id: int, changes: dict[str, Any], *, actor: Actor) -> Obligation:
    """Edit a confirmed or manual obligation, or waive it (status "waived") with a note."""
    obligation = get_obligation_or_raise(session, obligation_id)
    before = _snapshot(obligation)
    waive = changes.pop("status", None)
    if waive not in (None, "waived", "pending"):
        raise InvalidObligationError(problems.STATUS_NOT_SETTABLE)
    if waive == "waived" and not str(changes.get("note") or "").strip():
        raise InvalidObligationError(problems.WAIVER_NOTE_MISSING)
    _set_values(obligation, changes)
    if waive:
        obligation.status = waive
    session.flush()
    record_event(session, actor=actor.username, actor_id=actor.user_id, action="obligation_edited",
                 object_type="obligation", object_id=obligation.id,
                 summary={"changed": {k: [before[k], v] for k, v in _snapshot(obligation).items() if before[k] != v}})
    refresh_obligations(session, obligation.contract_id)
    return obligation


def _require_due_rule(obligation: Obligation) -> None:
    """Raise unless the obligation has a fixed day, an event with its period, or a day of the month."""
    if DueRule.from_dict(obligation.due_rule).form == "unknown":
        raise InvalidObligationError(problems.DUE_RULE_MISSING)


def list_obligations(session: Session, contract_id: int, *, include_rejected: bool = False) -> list[Obligation]:
    statement = select(Obligation).where(Obligation.contract_id == contract_id)
    if not include_rejected:
        statement = statement.where(Obligation.review != "rejected")
    rows = session.scalars(statement).all()
    return sorted(rows, key=lambda o: (o.review == "suggested", o.due_date is None, o.due_date or dt.date.max, o.id))


def _set_values(obligation: Obligation, values: dict[str, Any]) -> None:
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise InvalidObligationError(problems.FIELDS_NOT_SETTABLE, fields=", ".join(unknown))
    for name, value in values.items():
        setattr(obligation, name, _checked(name, value))
    if not obligation.kind:
        raise InvalidObligationError(problems.KIND_MISSING)


def _checked(name: str, value: Any) -> Any:
    if name == "kind" and value not in OBLIGATION_KINDS:
        raise InvalidObligationError(problems.KIND_INVALID, allowed=", ".join(OBLIGATION_KINDS))
    if name == "stage" and value not in (None, *PAYMENT_STAGES):
        raise InvalidObligationError(problems.STAGE_INVALID, allowed=", ".join(PAYMENT_STAGES))
    if name == "debtor" and value not in (None, *DEBTORS):
        raise InvalidObligationError(problems.DEBTOR_INVALID)
    if name in ("amount", "percent") and value is not None:
        try:
            value = Decimal(str(value))
        except ArithmeticError as error:
            raise InvalidObligationError(problems.NOT_A_NUMBER, field=name, value=str(value)[:40]) from error
        if value < 0 or (name == "percent" and value > 100):
            raise InvalidObligationError(problems.OUT_OF_RANGE, field=name, value=str(value))
    if name == "currency" and value is not None:
        value = str(value).upper()
        if not (len(value) == 3 and value.isalpha()):
            raise InvalidObligationError(problems.CURRENCY_INVALID, value=str(value)[:40])
    if name == "due_rule":
        try:
            value = DueRule.from_dict(value if isinstance(value, dict) else None).as_dict()
        except (TypeError, ValueError) as error:
            raise InvalidObligationError(problems.DUE_RULE_INVALID, reason=str(error)) from error
    if name == "summary":
        value = str(value or "").strip()[:2000]
    return value


def _snapshot(obligation: Obligation) -> dict[str, Any]:
    values = {name: getattr(obligation, name) for name in EDITABLE}
    values["status"] = obligation.status
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in values.items()}


def _expand_monthly(session: Session, obligation: Obligation) -> list[Obligation]:
    """Replace a monthly rule by one absolute due date per month of the contract's term."""
    rule = DueRule.from_dict(obligation.due_rule)
    if rule.day_of_month is None:
        return [obligation]
    contract = session.get(Contract, obligation.contract_id)
    start = (contract.effective_on or contract.signed_on) if contract else None
    if start is None:
        return [obligation]  # stays monthly, waiting for the effective date
    end = contract.expires_on or add_months(start, MONTHLY_HORIZON_MONTHS) - dt.timedelta(days=1)
    dates = monthly_due_dates(rule.day_of_month, start, end)
    if not dates:
        return [obligation]
    obligation.due_rule = DueRule(on=dates[0]).as_dict()
    created = [obligation]
    for number, day in enumerate(dates[1:], start=2):
        twin = Obligation(**{c: getattr(obligation, c) for c in (
            "contract_id", "document_version_id", "clause_id", "kind", "stage", "source_text", "debtor",
            "debtor_party", "amount", "currency", "percent", "review", "owner", "created_by", "reviewed_by",
            "reviewed_at")})
        twin.summary = f"{obligation.summary} ({number})"
        twin.due_rule = DueRule(on=day).as_dict()
        session.add(twin)
        created.append(twin)
    obligation.summary = f"{obligation.summary} (1)"
    session.flush()
    return created
