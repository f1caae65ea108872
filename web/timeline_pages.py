"""The timeline page of one contract: its events in date order under year, month or day headings.

The page needs no JavaScript. The filter form is a GET form, and the period around the chosen
date carries the anchor `around`, which the "today" link and the earlier and later links jump to.
Where JavaScript runs, web/static/timeline.js draws an overview strip from the events' data
attributes. The same filters give the timeline as a PDF at /contracts/{id}/timeline.pdf.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import access, client_address, request_actor
from api.deps import get_archive
from archive.access import Permission
from archive.content_disposition import content_disposition
from archive.context import Archive
from archive.timeline import TIMELINE_KINDS, contract_timeline
from archive.timeline_pdf import export_timeline_pdf
from web.i18n import request_locale, request_translations
from web.performance_context import labels_context
from web.templating import render

ZOOMS = ("year", "month", "day")
DEFAULT_ZOOM = "month"
# How far either side of `around` the page reaches at each zoom, in days. Without `around` the
# page shows every event.
WINDOW_DAYS = {"year": 3 * 366, "month": 183, "day": 15}

# The Chinese name carries an English word too, so the ASCII fallback file name still says what the file is.
PDF_NAMES = {"zh_CN": "时间线-timeline", "en": "timeline"}
# Characters that file systems or the Content-Disposition header do not accept in a file name.
UNSAFE_FILENAME_CHARACTERS = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')

router = APIRouter(include_in_schema=False)
ArchiveDep = Annotated[Archive, Depends(get_archive)]
KindQuery = Annotated[list[str] | None, Query(max_length=40)]
ZoomQuery = Annotated[str, Query(max_length=10)]
AroundQuery = Annotated[str, Query(max_length=10)]


@dataclass(frozen=True)
class TimelineFilter:
    """The page's query parameters after checking: known kinds, a known zoom and the date window around `around`."""

    kinds: list[str]
    zoom: str
    around: dt.date | None
    start: dt.date | None
    end: dt.date | None


def timeline_filter(kind: list[str] | None, zoom: str, around: str) -> TimelineFilter:
    """Return the filter of the query parameters. Unknown kinds, zooms and dates fall back to showing everything."""
    kinds = [k for k in TIMELINE_KINDS if k in (kind or [])] or list(TIMELINE_KINDS)
    zoom = zoom if zoom in ZOOMS else DEFAULT_ZOOM
    around_date = _parse_date(around) if around else None
    start = end = None
    if around_date is not None:
        window = dt.timedelta(days=WINDOW_DAYS[zoom])
        start, end = around_date - window, around_date + window
    return TimelineFilter(kinds=kinds, zoom=zoom, around=around_date, start=start, end=end)


def period_key(date: dt.date, zoom: str) -> str:
    """Return the heading of the period that contains `date`: 2025, 2025-03 or 2025-03-14."""
    if zoom == "year":
        return f"{date.year:04d}"
    if zoom == "month":
        return f"{date.year:04d}-{date.month:02d}"
    return date.isoformat()


def group_events(events: list[dict[str, Any]], zoom: str, *, today: dt.date,
                 around: dt.date | None) -> list[dict[str, Any]]:
    """Group date-sorted events by period, marking the period of today and the period of `around`."""
    periods: list[dict[str, Any]] = []
    for event in events:
        key = period_key(event["date"], zoom)
        if not periods or periods[-1]["key"] != key:
            periods.append({"key": key, "events": [], "current": key == period_key(today, zoom),
                            "around": False})
        periods[-1]["events"].append(event)

    if around is not None and periods:
        # The anchor goes to the first period at or after `around`, else to the last one.
        target = period_key(around, zoom)
        chosen = next((p for p in periods if p["key"] >= target), periods[-1])
        chosen["around"] = True
    return periods


def _parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


@router.get("/contracts/{contract_id}/timeline", response_class=HTMLResponse)
@access(Permission.READ)
def timeline_page(
    request: Request,
    contract_id: int,
    archive: ArchiveDep,
    kind: KindQuery = None,
    zoom: ZoomQuery = DEFAULT_ZOOM,
    around: AroundQuery = "",
) -> Response:
    """Show the contract's timeline, filtered by kind, grouped by `zoom` and centred on `around` when given."""
    chosen = timeline_filter(kind, zoom, around)
    kinds, zoom, around_date, start, end = chosen.kinds, chosen.zoom, chosen.around, chosen.start, chosen.end
    today = dt.date.today()

    timeline = contract_timeline(archive, contract_id, actor=request_actor(request), kinds=kinds,
                                 start=start, end=end)
    periods = group_events(timeline["events"], zoom, today=today, around=around_date)
    shift = dt.timedelta(days=2 * WINDOW_DAYS[zoom])
    context = {
        **labels_context(request),
        "contract": timeline["contract"],
        "periods": periods,
        "event_count": len(timeline["events"]),
        "event_kinds": {event["kind"] for event in timeline["events"]},
        "any_overdue": any(event["overdue"] for event in timeline["events"]),
        "all_kinds": TIMELINE_KINDS,
        "selected_kinds": set(kinds),
        "zooms": ZOOMS,
        "zoom": zoom,
        "around": around_date.isoformat() if around_date else "",
        "earlier": (around_date - shift).isoformat() if around_date else "",
        "later": (around_date + shift).isoformat() if around_date else "",
        "today_date": today.isoformat(),
        "window_start": start,
        "window_end": end,
    }
    return render(request, "timeline.html", context)


@router.get("/contracts/{contract_id}/timeline.pdf")
@access(Permission.READ)
def timeline_pdf(
    request: Request,
    contract_id: int,
    archive: ArchiveDep,
    kind: KindQuery = None,
    zoom: ZoomQuery = DEFAULT_ZOOM,
    around: AroundQuery = "",
) -> Response:
    """Download the timeline the page shows with the same filters as an A4 PDF, in the page's language."""
    chosen = timeline_filter(kind, zoom, around)
    locale = request_locale(request)
    pdf = export_timeline_pdf(
        archive, contract_id, actor=request_actor(request), translations=request_translations(request),
        lang="zh-CN" if locale == "zh_CN" else "en", kinds=chosen.kinds, start=chosen.start, end=chosen.end,
        client_address=client_address(request),
    )
    label = UNSAFE_FILENAME_CHARACTERS.sub("-", pdf.contract["number"] or str(contract_id)).strip(" .-")
    filename = f"{PDF_NAMES.get(locale, PDF_NAMES['en'])}-{label or contract_id}-{dt.date.today().isoformat()}.pdf"
    return Response(pdf.data, media_type="application/pdf",
                    headers={"Content-Disposition": content_disposition(filename)})
