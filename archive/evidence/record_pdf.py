"""PDF printout of a performance record, for an evidence item that has no file of its own.

The printout states that the archive printed it from the record as it stood at the pack's "as
of" time, so that a reader does not take it for a document the parties exchanged.
"""

from __future__ import annotations

import datetime as dt
import gettext as gettext_module
import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from archive.evidence.container import CHINA_STANDARD_TIME

MARGIN = 20 * mm
GRID_COLOR = colors.HexColor("#8a8f99")


def build_record_pdf(
    *,
    title: str,
    rows: Sequence[tuple[str, str]],
    as_of: dt.datetime,
    translations: gettext_module.NullTranslations,
    font_name: str,
) -> bytes:
    """Return an A4 PDF with `title` and a two-column table of (label, value) `rows`.

    `font_name` must be a font already registered with reportlab. The same arguments give the
    same bytes, because reportlab runs in its invariant mode.
    """
    gettext = translations.gettext
    title_style = ParagraphStyle("title", fontName=font_name, fontSize=15, leading=20, wordWrap="CJK")
    cell_style = ParagraphStyle("cell", fontName=font_name, fontSize=10, leading=14, wordWrap="CJK")
    note_style = ParagraphStyle("note", fontName=font_name, fontSize=8.5, leading=12, wordWrap="CJK",
                                textColor=colors.HexColor("#444444"))

    def cell(text: str) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), cell_style)

    width = A4[0] - 2 * MARGIN
    table = Table([[cell(label), cell(value)] for label, value in rows], colWidths=[35 * mm, width - 35 * mm])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, GRID_COLOR),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f4f5f8")),
    ]))
    note = gettext(
        "Printed by contract-archive from the performance record as it stood at {as_of}. "
        "The record and its history are kept in the archive's audit log."
    ).format(as_of=as_of.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M (UTC+8)"))
    output = io.BytesIO()
    document = SimpleDocTemplate(output, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                                 bottomMargin=MARGIN, title=title, author="contract-archive",
                                 creator="contract-archive", invariant=True, initialFontName=font_name)
    document.build([Paragraph(escape(title), title_style), Spacer(1, 5 * mm), table, Spacer(1, 6 * mm),
                    Paragraph(escape(note), note_style)])
    return output.getvalue()
