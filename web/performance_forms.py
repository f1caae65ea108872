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
from archive.errors import InvalidRecordError
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


def parse_date(text: str, gettext: Callable[[str], str]) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as error:
        raise InvalidRecordError(problems.NOT_A_DATE, value=text[:40]) from error


def parse_amount(text: str, gettext: Callable[[str], str]) -> Decimal | None:
    """Parse an amount typed with optional thousands separators (1,200.50). Empty text gives None."""
    cleaned = text.strip().replace(",", "").replace("，", "")
    if not cleaned:
        return None
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as error:
        raise InvalidRecordError(problems.NOT_AN_AMOUNT, value=text[:40]) from error
    if not amount.is_finite():
        raise InvalidRecordError(problems.NOT_AN_AMOUNT, value=text[:40])
    return amount
