"""The performance forms as typed values: what each form posts, and its conversion into service input.

Every field arrives as text, so a form can be shown again exactly as it was typed when a
service rejects it. The conversions only parse text, and the services decide what is valid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, Field

from archive import problems
from archive.errors import InvalidObligationError, InvalidRecordError, ProblemError
from archive.performance.terms import DueRule
from archive.services.contract_terms import TERM_FIELDS
from archive.services.records import RecordInput

TEXT = 20_000
SHORT = 200


class RecordForm(BaseModel):
    """A new performance record, from the contract page or from a document version page."""

    kind: str = Field(default="", max_length=40)
    occurred_on: str = Field(default="", max_length=40)
    summary: str = Field(default="", max_length=TEXT)
    responsible: str = Field(default="", max_length=SHORT)
    status: str = Field(default="", max_length=40)
    amount: str = Field(default="", max_length=40)
    currency: str = Field(default="", max_length=10)
    demand: str = Field(default="", max_length=10)
    channel: str = Field(default="", max_length=40)
    participants: str = Field(default="", max_length=SHORT)
    outcome: str = Field(default="", max_length=TEXT)
    document_id: str = Field(default="", max_length=20)


class RecordEditForm(BaseModel):
    """An edit of a record's editable values. The kind and the contract cannot be changed."""

    occurred_on: str = Field(default="", max_length=40)
    summary: str = Field(default="", max_length=TEXT)
    responsible: str = Field(default="", max_length=SHORT)
    # Absent for complaints and disputes, whose state changes only through case steps. FastAPI
    # reads an empty form value as absent, so the form offers no empty choice.
    status: str | None = Field(default=None, max_length=40)
    amount: str = Field(default="", max_length=40)
    currency: str = Field(default="", max_length=10)
    demand: str = Field(default="", max_length=10)


class CaseStepForm(BaseModel):
    target: str = Field(default="", max_length=40)
    occurred_on: str = Field(default="", max_length=40)
    summary: str = Field(default="", max_length=TEXT)


class TermsForm(BaseModel):
    """The contract terms form. It sends every field, and the service stores only the changed ones.

    An empty field clears its term, so `form_name`, a hidden input of the form, is required: a
    POST that did not come from the form fails validation instead of clearing every term.
    """

    form_name: Literal["terms"]
    counterparty: str = Field(default="", max_length=300)
    owner: str = Field(default="", max_length=300)
    signed_on: str = Field(default="", max_length=40)
    effective_on: str = Field(default="", max_length=40)
    expires_on: str = Field(default="", max_length=40)
    total_amount: str = Field(default="", max_length=40)
    currency: str = Field(default="", max_length=10)
    auto_renews: str = Field(default="", max_length=10)
    renewal_notice_days: str = Field(default="", max_length=10)
    terminated_on: str = Field(default="", max_length=40)


def record_input(form: RecordForm, gettext: Callable[[str], str], *,
                 document_version_id: int | None = None) -> RecordInput:
    """Convert a new-record form into RecordInput.

    Raise InvalidRecordError for a date or an amount that does not parse.
    """
    detail = {name: value.strip() for name, value in
              (("channel", form.channel), ("participants", form.participants), ("outcome", form.outcome))
              if value.strip()}
    attachments = (int(form.document_id),) if form.document_id.strip().isdigit() else ()
    return RecordInput(
        kind=form.kind,
        occurred_on=parse_date(form.occurred_on, gettext),
        summary=form.summary,
        responsible=form.responsible.strip() or None,
        status=form.status or None,
        amount=parse_amount(form.amount, gettext),
        currency=form.currency.strip() or None,
        demand=bool(form.demand),
        detail=detail,
        document_version_id=document_version_id,
        attachments=attachments,
    )


def record_changes(form: RecordEditForm, gettext: Callable[[str], str]) -> dict[str, Any]:
    """Convert an edit form into the changes update_record takes. It stores only the values that differ."""
    changes: dict[str, Any] = {
        "occurred_on": parse_date(form.occurred_on, gettext),
        "summary": form.summary,
        "responsible": form.responsible.strip() or None,
        "amount": parse_amount(form.amount, gettext),
        "currency": form.currency.strip().upper() or None,
        "demand": bool(form.demand),
    }
    if form.status is not None:
        changes["status"] = form.status or None
    return changes


def terms_changes(form: TermsForm) -> dict[str, Any]:
    """Return every term as typed, because update_terms parses and checks each one."""
    values = form.model_dump()
    return {name: values[name].strip() for name in TERM_FIELDS}


def parse_date(text: str, gettext: Callable[[str], str], *,
               error: type[ProblemError] = InvalidRecordError) -> dt.date:
    """Parse a YYYY-MM-DD date. Raise `error`, the error of the form's object, when it does not parse."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as cause:
        raise error(problems.NOT_A_DATE, value=text[:40]) from cause


def parse_amount(text: str, gettext: Callable[[str], str], *,
                 error: type[ProblemError] = InvalidRecordError) -> Decimal | None:
    """Parse an amount typed with optional thousands separators (1,200.50). Empty text gives None.

    Raise `error`, the error of the form's object, when the text is not a finite number.
    """
    cleaned = text.strip().replace(",", "").replace("，", "")
    if not cleaned:
        return None
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as cause:
        raise error(problems.NOT_AN_AMOUNT, value=text[:40]) from cause
    if not amount.is_finite():
        raise error(problems.NOT_AN_AMOUNT, value=text[:40])
    return amount


# Obligations


class ObligationForm(BaseModel):
    """Fields of an obligation as typed in the confirm form of a suggestion, the manual entry form or the edit form.

    `due_form` names which due-date fields apply: "on" (a fixed day), "event" (a period after an
    event) or "monthly" (a day of each month). Empty means the due date is left as it is.
    """

    summary: str = Field(default="", max_length=2000)
    kind: str = Field(default="", max_length=40)
    stage: str = Field(default="", max_length=40)
    debtor: str = Field(default="", max_length=20)
    amount: str = Field(default="", max_length=40)
    currency: str = Field(default="", max_length=10)
    owner: str = Field(default="", max_length=SHORT)
    note: str = Field(default="", max_length=2000)
    due_form: str = Field(default="", max_length=20)
    due_on: str = Field(default="", max_length=40)
    due_event: str = Field(default="", max_length=40)
    due_offset: str = Field(default="", max_length=10)
    due_unit: str = Field(default="", max_length=20)
    due_day: str = Field(default="", max_length=10)


class ObligationReviewForm(ObligationForm):
    """A review of a suggestion. The reject form sends only `decision` and `note`.

    The confirm form also sends `form_name` "obligation" with every field, so an empty field
    there clears its value, while a review without `form_name` changes no field.
    """

    decision: str = Field(max_length=20)
    form_name: Literal["", "obligation"] = ""


class ObligationChangeForm(ObligationForm):
    """An edit of a confirmed or manual obligation ("edit"), a waiver ("waive") or its undoing ("undo_waiver")."""

    form_name: Literal["edit", "waive", "undo_waiver"]


def obligation_values(form: ObligationForm, gettext: Callable[[str], str]) -> dict[str, Any]:
    """Convert an obligation form into the values create_obligation takes.

    The due rule is left out when no due-date form is chosen. Raise InvalidObligationError for a
    date, an amount or a number that does not parse.
    """
    values: dict[str, Any] = {
        "kind": form.kind,
        "stage": form.stage or None,
        "summary": form.summary.strip(),
        "debtor": form.debtor or None,
        "amount": parse_amount(form.amount, gettext, error=InvalidObligationError),
        "currency": form.currency.strip().upper() or None,
        "owner": form.owner.strip() or None,
        "note": form.note.strip() or None,
    }
    due_rule = parse_due_rule(form, gettext)
    if due_rule is not None:
        values["due_rule"] = due_rule
    return values


def obligation_changes(form: ObligationForm, current: Any, gettext: Callable[[str], str]) -> dict[str, Any]:
    """Return the values of the form that differ from the obligation `current`, for review or update.

    The note is left out, because each route decides what the note of its form means.
    """
    values = obligation_values(form, gettext)
    values.pop("note")
    changes: dict[str, Any] = {}
    for name, value in values.items():
        stored = getattr(current, name)
        if name == "due_rule":
            stored = _normalized_rule(stored)
        elif name == "summary":
            stored = (stored or "").strip()
        if value != stored:
            changes[name] = value
    return changes


def obligation_form_values(obligation: dict[str, Any]) -> dict[str, str]:
    """Return an obligation (performance_queries.obligation_dict) as the obligation form shows it."""
    values = {name: "" if obligation.get(name) is None else str(obligation[name])
              for name in ("summary", "kind", "stage", "debtor", "amount", "currency", "owner")}
    rule = obligation.get("due_rule") or {}
    values.update(due_form="", due_on="", due_event="", due_offset="", due_unit="day", due_day="")
    if rule.get("on"):
        values.update(due_form="on", due_on=str(rule["on"]))
    elif rule.get("day_of_month"):
        values.update(due_form="monthly", due_day=str(rule["day_of_month"]))
    elif rule.get("event"):
        values.update(due_form="event", due_event=str(rule["event"]), due_offset=str(rule.get("offset") or 0),
                      due_unit=str(rule.get("unit") or "day"))
    return values


def parse_due_rule(form: ObligationForm, gettext: Callable[[str], str]) -> dict[str, Any] | None:
    """Build the due rule of the chosen due-date form, in the shape of DueRule.as_dict().

    Return None when no form is chosen. The service checks the event, the unit and the ranges.
    """
    rule: dict[str, Any] = {"on": None, "event": None, "offset": 0, "unit": "day", "day_of_month": None}
    if form.due_form == "on":
        rule["on"] = parse_date(form.due_on, gettext, error=InvalidObligationError).isoformat()
    elif form.due_form == "event":
        rule["event"] = form.due_event or None
        rule["offset"] = _parse_whole_number(form.due_offset, gettext("Period after the event"))
        rule["unit"] = form.due_unit or "day"
    elif form.due_form == "monthly":
        rule["day_of_month"] = _parse_whole_number(form.due_day, gettext("Day of the month"))
    else:
        return None
    return rule


def _parse_whole_number(text: str, field: str) -> int:
    try:
        return int(text.strip())
    except ValueError as error:
        raise InvalidObligationError(problems.NOT_A_NUMBER, field=field, value=text[:40]) from error


def _normalized_rule(rule: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return a stored due rule in the shape of DueRule.as_dict(), or None when it cannot be read."""
    try:
        return DueRule.from_dict(rule).as_dict()
    except (TypeError, ValueError):
        return None
