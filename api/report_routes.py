"""Exports (contract ledger, receivables), the records CSV import, and users' calendar feeds."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.auth import PUBLIC, access, request_actor
from api.deps import get_archive
from api.performance_routes import refresh_alerts
from archive.access import Permission, actor_for, check_contract_visible
from archive.content_disposition import content_disposition
from archive.errors import InvalidInputError, NotFoundError
from archive.exports.ledger import ledger_csv, ledger_xlsx
from archive.exports.receivables import receivables_csv, receivables_xlsx
from archive.i18n import get_translations, pick_locale
from archive.reminders.calendar_feed import calendar_feed
from archive.services import feeds, reports
from archive.services.audit import record_event
from archive.services.record_import import import_records

router = APIRouter(prefix="/api")
MEDIA_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "csv": "text/csv; charset=utf-8"}
# The Chinese names carry an English word too, so the ASCII fallback name still says what the file is.
EXPORT_NAMES = {"ledger": {"zh_CN": "合同台账-ledger", "en": "contract-ledger"},
                "receivables": {"zh_CN": "应收款-receivables", "en": "receivables"}}
MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _locale(request: Request) -> str:
    return pick_locale(request.query_params.get("lang") or request.cookies.get("lang"))


def _export(request: Request, name: str, fmt: str) -> Response:
    if fmt not in MEDIA_TYPES:
        raise InvalidInputError(detail=f"Unknown export format '{fmt}'. Use xlsx or csv.")
    archive, actor, locale = get_archive(request), request_actor(request), _locale(request)
    gettext = get_translations(locale).gettext
    today = dt.date.today()
    with archive.session() as session:
        if name == "ledger":
            rows: Any = reports.ledger_rows(session, actor=actor, today=today, gettext=gettext)
            data = ledger_xlsx(rows, locale) if fmt == "xlsx" else ledger_csv(rows, locale)
        else:
            rows = reports.receivable_rows(session, actor=actor, today=today, gettext=gettext)
            data = receivables_xlsx(rows, locale) if fmt == "xlsx" else receivables_csv(rows, locale)
        record_event(session, actor=actor.username, actor_id=actor.user_id, action="export",
                     object_type="export", object_id=name, summary={"format": fmt, "rows": len(rows)})
    filename = f"{EXPORT_NAMES[name][locale]}-{today.isoformat()}.{fmt}"
    return Response(data, media_type=MEDIA_TYPES[fmt], headers={"Content-Disposition": content_disposition(filename)})


@router.get("/exports/ledger.{fmt}")
@access(Permission.READ)
def export_ledger(fmt: str, request: Request) -> Response:
    """Export the contract ledger (合同台账) of the contracts you may see as XLSX or CSV. Add ?lang=en for English headers."""
    return _export(request, "ledger", fmt)


@router.get("/exports/receivables.{fmt}")
@access(Permission.READ)
def export_receivables(fmt: str, request: Request) -> Response:
    """Export amounts due, paid and overdue per instalment, with sheets by contract and by counterparty."""
    return _export(request, "receivables", fmt)


@router.post("/contracts/{contract_id}/records/import", status_code=201,
             openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}})
@access(Permission.WRITE)
async def import_contract_records(contract_id: int, request: Request, filename: str = "records.csv") -> dict[str, Any]:
    """Import records from a CSV body (UTF-8 or GBK), all rows or none; `filename` names it in error messages."""
    body = await request.body()
    if len(body) > MAX_IMPORT_BYTES:
        raise InvalidInputError(detail="The CSV file is larger than 5 MB; split it.")
    filename = filename[:200]
    actor = request_actor(request)
    with get_archive(request).session() as session:
        check_contract_visible(session, actor, contract_id)
        result = import_records(session, body, filename=filename, actor=actor, contract_id=contract_id)
        refresh_alerts(request, session, contract_id)
    return {"imported": result.imported, "duplicates": result.duplicates}


@router.post("/me/calendar-feed", status_code=201)
@access(Permission.READ)
def issue_calendar_feed(request: Request) -> dict[str, str]:
    """Give you a new secret calendar address with your due dates; the old address stops working."""
    archive = get_archive(request)
    with archive.session() as session:
        secret = feeds.issue_feed_token(session, request_actor(request))
    return {"url": f"{archive.settings.public_url.rstrip('/')}/api/calendar/{secret}.ics"}


@router.get("/calendar/{secret}.ics")
@access(PUBLIC)
def calendar(secret: str, request: Request) -> Response:
    """Return a user's due dates as iCalendar. The secret in the address is the credential."""
    archive = get_archive(request)
    with archive.session() as session:
        user = feeds.user_for_feed_token(session, secret)
        if user is None:
            raise NotFoundError(object="Calendar", id="-")
        actor = actor_for(session, user.id, user.username, user.role)
        locale = pick_locale(request.query_params.get("lang") or archive.settings.language)
        items = reports.due_items(session, actor=actor, base_url=archive.settings.public_url, today=dt.date.today(),
                                  gettext=get_translations(locale).gettext)
    name = f"合同履约 · {user.display_name or user.username}" if locale != "en" else f"Contract dates · {user.username}"
    return Response(calendar_feed(items, calendar_name=name, lang=locale), media_type="text/calendar; charset=utf-8")
