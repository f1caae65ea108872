"""Administrators' pages: the audit log with filters, its chain check, and its export as CSV."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import access, client_address, request_actor
from api.deps import get_archive
from archive.access import Permission
from archive.content_disposition import content_disposition
from archive.context import Archive
from archive.services.audit import export_events_csv, list_events, record_event
from archive.services.audit_chain import verify_chain
from web.templating import render

router = APIRouter(include_in_schema=False)
ArchiveDep = Annotated[Archive, Depends(get_archive)]
PAGE_SIZE = 50


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


class AuditFilters:
    """The filter form of the audit page: days (`until` included), actor and action."""

    def __init__(
        self,
        since: Annotated[str, Query(max_length=20)] = "",
        until: Annotated[str, Query(max_length=20)] = "",
        actor: Annotated[str, Query(max_length=200)] = "",
        action: Annotated[str, Query(max_length=60)] = "",
    ) -> None:
        self.form = {"since": since, "until": until, "actor": actor, "action": action}

    def arguments(self) -> dict[str, object]:
        """Return the filters as list_events and export_events_csv arguments."""
        first, last = _day(self.form["since"]), _day(self.form["until"])
        return {
            "since": datetime.combine(first, time.min, timezone.utc) if first else None,
            "until": datetime.combine(last + timedelta(days=1), time.min, timezone.utc) if last else None,
            "actor": self.form["actor"].strip() or None,
            "action": self.form["action"].strip() or None,
        }


FiltersDep = Annotated[AuditFilters, Depends()]


@router.get("/admin/audit", response_class=HTMLResponse)
@access(Permission.ADMINISTER)
def audit_page(
    request: Request, archive: ArchiveDep, filters: FiltersDep, page: Annotated[int, Query(ge=1, le=100_000)] = 1
) -> Response:
    with archive.session() as session:
        total, events = list_events(
            session, **filters.arguments(), limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE  # type: ignore[arg-type]
        )
        report = verify_chain(session)
    context = {
        "events": events, "total": total, "page": page, "page_size": PAGE_SIZE, "report": report,
        "filters": filters.form,
    }
    return render(request, "audit.html", context)


@router.get("/admin/audit.csv")
@access(Permission.ADMINISTER)
def audit_export(request: Request, archive: ArchiveDep, filters: FiltersDep) -> Response:
    """Send the matching events as CSV; the export itself is an audit event."""
    actor = request_actor(request)
    buffer = io.StringIO(newline="")
    arguments = filters.arguments()
    with archive.session() as session:
        rows = export_events_csv(session, buffer, **arguments)  # type: ignore[arg-type]
        record_event(
            session, actor=actor.username, actor_id=actor.user_id, action="audit_exported", object_type="audit_log",
            object_id="-", client_address=client_address(request),
            summary={"rows": rows, **{key: str(value) for key, value in arguments.items() if value is not None}},
        )
    headers = {"Content-Disposition": content_disposition("audit-log.csv")}
    return Response(buffer.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8", headers=headers)
