"""A contract's terms that dates and alerts count from: parties, dates, total, renewal.

They are filled from the fields read from the contract's main text until staff correct them.
After a correction (terms_source "staff"), only staff change them.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.access import Actor
from archive import problems
from archive.errors import InvalidTermsError
from archive.models import Contract, ExtractedField, User
from archive.services.accounts import normalize_username
from archive.services.audit import record_event
from archive.services.contracts import get_contract_or_raise
from archive.services.fulfilment import refresh_obligations
from archive.services.records import check_amount

TERM_FIELDS = ("counterparty", "owner", "signed_on", "effective_on", "expires_on", "total_amount", "currency",
               "auto_renews", "renewal_notice_days", "terminated_on")
DATE_TERMS = ("signed_on", "effective_on", "expires_on", "terminated_on")


def fill_terms_from_fields(session: Session, contract: Contract, version_id: int, *, ours: frozenset[str]) -> None:
    """Copy the version's extracted dates, total and counterparty into empty terms of a detected contract."""
    if contract.terms_source == "staff":
        return
    fields = list(session.scalars(select(ExtractedField).where(ExtractedField.document_version_id == version_id)))
    by_name: dict[str, ExtractedField] = {}
    for field in fields:
        by_name.setdefault(field.name, field)
    if contract.signed_on is None and "signing_date" in by_name:
        contract.signed_on = _date(by_name["signing_date"].normalized)
    if contract.expires_on is None and "expiry_date" in by_name:
        contract.expires_on = _date(by_name["expiry_date"].normalized)
    if contract.total_amount is None and "total_amount" in by_name:
        contract.total_amount = _decimal(by_name["total_amount"].normalized)
    if contract.currency is None and "currency" in by_name:
        contract.currency = (by_name["currency"].normalized or "")[:3] or None
    if contract.counterparty is None:
        parties = [f.value.strip() for f in fields if f.name == "party" and f.value.strip()]
        others = [p for p in parties if p not in ours]
        # With our names unknown, the first party named is taken as the customer; staff correct it.
        if others:
            contract.counterparty = others[0][:300]


def update_terms(session: Session, contract_id: int, changes: dict[str, Any], *, actor: Actor) -> Contract:
    """Correct terms by hand; audited, and obligations are re-dated from the new dates."""
    contract = get_contract_or_raise(session, contract_id)
    unknown = sorted(set(changes) - set(TERM_FIELDS))
    if unknown:
        raise InvalidTermsError(problems.FIELDS_NOT_SETTABLE, fields=", ".join(unknown))
    changed: dict[str, list[Any]] = {}
    for name, value in changes.items():
        value = _checked(name, value)
        if getattr(contract, name) != value:
            changed[name] = [_plain(getattr(contract, name)), _plain(value)]
            setattr(contract, name, value)
    if not changed:
        return contract
    start = contract.effective_on or contract.signed_on
    if contract.expires_on is not None and start is not None and contract.expires_on < start:
        raise InvalidTermsError(problems.EXPIRY_BEFORE_START, value=contract.expires_on.isoformat(),
                                start=start.isoformat())
    if "owner" in changed and contract.owner is not None:
        owner = normalize_username(contract.owner)
        if session.scalar(select(User.id).where(User.username == owner)) is None:
            raise InvalidTermsError(problems.OWNER_UNKNOWN, value=contract.owner)
        contract.owner = owner
    contract.terms_source = "staff"
    session.flush()
    record_event(session, actor=actor.username, actor_id=actor.user_id, action="contract_terms_edited",
                 object_type="contract", object_id=contract_id, summary={"changed": changed})
    refresh_obligations(session, contract_id)
    return contract


def _checked(name: str, value: Any) -> Any:
    if value in ("", None):
        return False if name == "auto_renews" else None
    if name in DATE_TERMS:
        parsed = _date(str(value)) if not isinstance(value, dt.date) else value
        if parsed is None:
            raise InvalidTermsError(problems.NOT_A_DATE, value=str(value)[:40])
        return parsed
    if name == "total_amount":
        try:
            amount = Decimal(str(value).strip().replace(",", ""))
        except (InvalidOperation, ValueError):
            raise InvalidTermsError(problems.NOT_AN_AMOUNT, value=str(value)[:40]) from None
        check_amount(amount, InvalidTermsError)
        return amount
    if name == "renewal_notice_days":
        if not str(value).isdigit() or int(value) > 3650:
            raise InvalidTermsError(problems.NOT_DAYS, value=str(value)[:40])
        return int(value)
    if name == "auto_renews":
        return value in (True, "true", "on", "1", 1)
    if name == "currency":
        code = str(value).upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise InvalidTermsError(problems.CURRENCY_INVALID, value=str(value)[:40])
        return code
    return str(value).strip()[:300] or None


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, Decimal)):
        return str(value)
    return value


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        return None


def _decimal(text: str | None) -> Decimal | None:
    try:
        return Decimal((text or "").strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None
