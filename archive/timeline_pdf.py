"""The timeline of one contract as an A4 PDF for meetings: a header, one table row per event, page numbers.

Texts come from the message catalog through the translations object the caller passes, so the
PDF reads in the language of the page it was exported from. Every character is printed in one
embedded TrueType font with Chinese glyphs (archive.pdf_fonts), so the file looks the same on
any computer and its text can be searched and copied.
"""

from __future__ import annotations

import datetime as dt
import gettext as gettext_module
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from archive.access import Actor
from archive.context import Archive
from archive.pdf_fonts import register_cjk_font
from archive.performance import labels as code_labels
from archive.services.audit import record_event
from archive.timeline import TIMELINE_KINDS, contract_timeline

# The timeline page's names of the event kinds; the template uses the same message ids.
KIND_LABELS = {
    "signing": "Signing",
    "effective": "Taking effect",
    "expiry": "Expiry",
    "document_version": "Document version",
    "obligation": "Obligation",
    "record": "Performance record",
    "alert": "Risk alert",
    "legal_hold": "Legal hold",
}
MARGIN = 16 * mm
# Date, kind, item and state columns; the item column takes the rest of the A4 width.
DATE_WIDTH, KIND_WIDTH, STATE_WIDTH = 24 * mm, 30 * mm, 32 * mm
ITEM_WIDTH = A4[0] - 2 * MARGIN - DATE_WIDTH - KIND_WIDTH - STATE_WIDTH
# reportlab's default left and right padding of a table cell, in points.
CELL_PADDING = 6
OVERDUE_COLOR = colors.HexColor("#b3261e")
OVERDUE_BACKGROUND = colors.HexColor("#fbe9e7")
HEADER_BACKGROUND = colors.HexColor("#e8eaf0")
STRIPE_BACKGROUND = colors.HexColor("#f7f7f9")
GRID_COLOR = colors.HexColor("#b0b4bd")
CJK_CHARACTERS = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


@dataclass(frozen=True)
class TimelinePdf:
    """A built timeline PDF with what the download's file name and the audit event need."""

    data: bytes
    contract: dict[str, Any]
    event_count: int


def export_timeline_pdf(
    archive: Archive,
    contract_id: int,
    *,
    actor: Actor,
    translations: gettext_module.NullTranslations,
    lang: str,
    kinds: Iterable[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    client_address: str | None = None,
) -> TimelinePdf:
    """Build the PDF of the contract's timeline with the events `actor` may see, and audit the export.

    `lang` is the PDF's language tag (zh-CN or en). Raises NotFoundError for a contract that does
    not exist or that `actor` may not see, and PdfFontError when no usable font is installed.
    """
    timeline = contract_timeline(archive, contract_id, actor=actor, kinds=kinds, start=start, end=end)
    font_name = register_cjk_font(archive.settings.pdf_font)
    data = build_timeline_pdf(
        timeline, translations=translations, font_name=font_name, lang=lang, generated_by=actor.username,
        generated_at=dt.datetime.now().astimezone(), start=start, end=end,
    )
    with archive.session() as session:
        record_event(session, actor=actor.username, actor_id=actor.user_id, action="export",
                     object_type="contract", object_id=contract_id, client_address=client_address,
                     summary={"export": "timeline", "format": "pdf", "events": len(timeline["events"]),
                              "kinds": list(timeline["kinds"]),
                              "start": start.isoformat() if start else None,
                              "end": end.isoformat() if end else None})
    return TimelinePdf(data=data, contract=timeline["contract"], event_count=len(timeline["events"]))


def build_timeline_pdf(
    timeline: dict[str, Any],
    *,
    translations: gettext_module.NullTranslations,
    font_name: str,
    lang: str,
    generated_by: str,
    generated_at: dt.datetime,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> bytes:
    """Return the PDF of `timeline` (as contract_timeline returns it) set in the registered font `font_name`.

    The same arguments give the same bytes, because reportlab runs in its invariant mode, which
    fixes the document's dates and ids.
    """
    gettext = translations.gettext
    styles = _Styles(font_name)
    contract = timeline["contract"]
    title = contract["title"] or gettext("(untitled)")

    story: list[Any] = [
        styles.paragraph(f"{gettext('Timeline')}: {title}", styles.title),
        _header_table(timeline, styles, gettext, generated_by=generated_by, generated_at=generated_at,
                      start=start, end=end),
        Spacer(1, 5 * mm),
    ]
    if timeline["events"]:
        story.append(_events_table(timeline["events"], styles, gettext))
    else:
        story.append(styles.paragraph(gettext("No events match the filter."), styles.body))

    # "Page {number} of {total}" and not the alert list's "Page {page} of {pages}", because printed
    # Chinese footers read 第 x 页 / 共 y 页 while the pager reads 第 x 页，共 y 页.
    footer = _footer_canvas(font_name, left=f"{contract['number'] or ''} {gettext('Timeline')}".strip(),
                            page_label=lambda page, pages: gettext("Page {number} of {total}").format(
                                number=page, total=pages))
    output = io.BytesIO()
    document = SimpleDocTemplate(
        output, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN + 6 * mm,
        title=f"{gettext('Timeline')}: {title}", author="contract-archive", subject=contract["number"] or "",
        creator="contract-archive", invariant=True, initialFontName=font_name, lang=lang,
    )
    document.build(story, canvasmaker=footer)
    return output.getvalue()


def event_item(event: dict[str, Any], gettext: Callable[[str], str]) -> str:
    """Return the text the timeline page shows for an event.

    That is the alert's sentence, the record's kind and summary, or the title.
    """
    if event["kind"] == "alert":
        alert = event["alert"]
        return code_labels.alert_message(alert["rule"], alert.get("params") or {}, alert.get("subject") or "",
                                         gettext)
    if event["kind"] == "record":
        kind = code_labels.label(code_labels.RECORD_KIND_LABELS, event["record_kind"], gettext)
        return f"{kind}: {event['title']}" if event["title"] else kind
    return event["title"] or gettext(KIND_LABELS[event["kind"]])


def event_state(event: dict[str, Any], gettext: Callable[[str], str]) -> str:
    """Return the state the timeline page shows for an event, or an empty string when it has none."""
    state = event["state"]
    if event["kind"] == "alert":
        severity = code_labels.label(code_labels.SEVERITY_LABELS, event["severity"], gettext)
        return f"{severity} · {code_labels.label(code_labels.STATUS_LABELS, state, gettext)}"
    if event["kind"] == "legal_hold":
        return gettext("lifted") if state == "lifted" else gettext("On legal hold")
    if event["kind"] == "document_version":
        return gettext("deleted") if state == "deleted" else ""
    return code_labels.label(code_labels.STATUS_LABELS, state, gettext) if state else ""


class _Styles:
    """Paragraph styles in one font: Chinese text wraps between any two characters, other text at spaces."""

    def __init__(self, font_name: str) -> None:
        self.font_name = font_name
        self.title = ParagraphStyle("title", fontName=font_name, fontSize=16, leading=21, spaceAfter=4 * mm)
        self.body = ParagraphStyle("body", fontName=font_name, fontSize=9, leading=12)
        self.cell = ParagraphStyle("cell", fontName=font_name, fontSize=8.5, leading=11)
        self._cjk: dict[str, ParagraphStyle] = {}

    def cell_text(self, text: str, width: float) -> str | Paragraph:
        """Return `text` as it is when it fits on one line of `width` points, else as a wrapping Paragraph.

        Most items fit on one line, and a plain string skips the Paragraph's line breaking, which
        measures every character and took most of the build time in a profile of 1,000 events.
        """
        if "\n" not in text and stringWidth(text, self.font_name, self.cell.fontSize) <= width:
            return text
        return self.paragraph(text, self.cell)

    def paragraph(self, text: str, style: ParagraphStyle) -> Paragraph:
        """Return a Paragraph of plain `text`, with its markup characters escaped."""
        if CJK_CHARACTERS.search(text):
            style = self._cjk.setdefault(style.name, ParagraphStyle(f"{style.name}-cjk", parent=style,
                                                                    wordWrap="CJK"))
        return Paragraph(escape(text), style)


def _header_table(timeline: dict[str, Any], styles: _Styles, gettext: Callable[[str], str], *,
                  generated_by: str, generated_at: dt.datetime, start: dt.date | None,
                  end: dt.date | None) -> Table:
    """Return the table of contract number, counterparty, filter, dates, event count and generation."""
    contract = timeline["contract"]
    kinds = timeline["kinds"]
    if set(kinds) == set(TIMELINE_KINDS):
        kinds_text = gettext("All kinds")
    else:
        kinds_text = " · ".join(gettext(KIND_LABELS[kind]) for kind in kinds)
    if start is None and end is None:
        dates_text = gettext("All dates")
    else:
        dates_text = gettext("{start} to {end}").format(start=start.isoformat() if start else "…",
                                                         end=end.isoformat() if end else "…")
    offset = generated_at.strftime("%z")
    when = f"{generated_at:%Y-%m-%d %H:%M}"
    if offset:
        when += f" UTC{offset[:3]}:{offset[3:]}"
    rows = [
        (gettext("Contract number"), contract["number"] or "—"),
        (gettext("Counterparty"), contract["counterparty"] or "—"),
        (gettext("Kinds of event"), kinds_text),
        (gettext("Dates"), dates_text),
        (gettext("Events shown"), str(len(timeline["events"]))),
        (gettext("Generated at"), when),
        (gettext("Generated by"), generated_by),
    ]
    data = [[styles.paragraph(label, styles.body), styles.paragraph(value, styles.body)] for label, value in rows]
    table = Table(data, colWidths=(32 * mm, A4[0] - 2 * MARGIN - 32 * mm), hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), styles.font_name),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TEXTCOLOR", (0, 0), (0, -1), colors.HexColor("#555a66")),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ]))
    return table


def _events_table(events: list[dict[str, Any]], styles: _Styles, gettext: Callable[[str], str]) -> LongTable:
    """Return the events table; its header row repeats on every page, and overdue rows carry the word Overdue."""
    overdue_word = gettext("Overdue")
    data: list[list[Any]] = [[gettext("Date"), gettext("Event kind"), gettext("Item"), gettext("State")]]
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), styles.font_name),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("LEADING", (0, 0), (-1, -1), 11),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BACKGROUND),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), (colors.white, STRIPE_BACKGROUND)),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, GRID_COLOR),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, GRID_COLOR),
    ]
    for row, event in enumerate(events, start=1):
        state = event_state(event, gettext)
        if event["overdue"]:
            # The word, not only the colour, marks the row, so it survives black-and-white printing.
            # An overdue obligation's state already reads Overdue, so the word is not repeated.
            if event["state"] != "overdue":
                state = f"{overdue_word}\n{state}" if state else overdue_word
            commands += [("BACKGROUND", (0, row), (-1, row), OVERDUE_BACKGROUND),
                         ("TEXTCOLOR", (3, row), (3, row), OVERDUE_COLOR)]
        data.append([event["date"].isoformat(), gettext(KIND_LABELS[event["kind"]]),
                     styles.cell_text(event_item(event, gettext), ITEM_WIDTH - 2 * CELL_PADDING), state])
    table = LongTable(data, colWidths=(DATE_WIDTH, KIND_WIDTH, ITEM_WIDTH, STATE_WIDTH), repeatRows=1,
                      hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


def _footer_canvas(font_name: str, *, left: str, page_label: Callable[[int, int], str]) -> type[Canvas]:
    """Return a canvas class that prints `left` and "Page x of y" at the foot of every page.

    The total is known only after the last page, so the canvas keeps each finished page's state
    and writes all the pages when the document is saved.
    """

    class FooterCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._finished_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's method name
            self._finished_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._finished_pages)
            for number, state in enumerate(self._finished_pages, start=1):
                self.__dict__.update(state)
                self._draw_footer(number, total)
                Canvas.showPage(self)
            Canvas.save(self)

        def _draw_footer(self, page: int, pages: int) -> None:
            width = self._pagesize[0]
            self.saveState()
            self.setFont(font_name, 8)
            self.setFillColor(colors.HexColor("#555a66"))
            self.drawString(MARGIN, MARGIN, left)
            self.drawRightString(width - MARGIN, MARGIN, page_label(page, pages))
            self.restoreState()

    return FooterCanvas
