"""The evidence index (证据目录) of a pack as an A4 PDF, and the rows that the PDF and XLSX forms share.

The index lists the items under their group rows (证据一, then 1-1, 1-2, ...) with the columns
序号, 证据名称, 证据来源, 证明目的 and 页码, where 页码 is the item's page range in the bundle
that archive.evidence.bundle builds. Texts come from the message catalog through the
translations object the caller passes, so the index reads in Chinese or English. Every
character is printed in one embedded TrueType font with Chinese glyphs (archive.pdf_fonts).
"""

from __future__ import annotations

import datetime as dt
import gettext as gettext_module
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from babel.dates import format_date
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from archive.evidence.items import ORIGIN_KINDS, EvidenceItem, PageRange
from archive.pdf_fonts import register_cjk_font

ORIGIN_LABELS = {"original": "Original", "copy": "Copy", "electronic": "Electronic data"}
# The 页码 cell of an item that is not in the bundle, such as a spreadsheet.
NOT_IN_BUNDLE = "—"
CHINESE_DIGITS = "零一二三四五六七八九"

MARGIN = 18 * mm
# 序号, 证据名称, 证据来源 and 页码 columns; 证明目的 takes the rest of the A4 width.
NUMBER_WIDTH, NAME_WIDTH, SOURCE_WIDTH, PAGES_WIDTH = 15 * mm, 44 * mm, 32 * mm, 20 * mm
PURPOSE_WIDTH = A4[0] - 2 * MARGIN - NUMBER_WIDTH - NAME_WIDTH - SOURCE_WIDTH - PAGES_WIDTH
BOTTOM_MARGIN = MARGIN + 6 * mm
FRAME_HEIGHT = A4[1] - MARGIN - BOTTOM_MARGIN
# reportlab's default left and right padding of a table cell, in points.
CELL_PADDING = 6
HEADER_BACKGROUND = colors.HexColor("#e8eaf0")
GROUP_BACKGROUND = colors.HexColor("#f4f5f8")
GRID_COLOR = colors.HexColor("#8a8f99")
CJK_CHARACTERS = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


@dataclass(frozen=True)
class Parties:
    """The parties named in the index header."""

    submitter: str  # 提交人: the party submitting the evidence, with its role, such as "某公司（原告）"
    opponent: str  # 对方当事人


@dataclass(frozen=True)
class IndexRow:
    """One row of the index table below its header: a group row when `group_title` is set, else an item."""

    group_title: str | None = None
    number: str = ""
    name: str = ""
    source: str = ""
    purpose: str = ""
    pages: str = ""


def column_titles(gettext: Callable[[str], str]) -> list[str]:
    """Return the table's header: 序号, 证据名称, 证据来源, 证明目的, 页码 in the catalog's language."""
    return [gettext("No."), gettext("Name of evidence"), gettext("Source of evidence"),
            gettext("Fact to be proved"), gettext("Pages in bundle")]


def header_lines(*, case_name: str, parties: Parties, date: dt.date,
                 translations: gettext_module.NullTranslations) -> list[str]:
    """Return the lines above the table: case name, submitter, opposing party and date."""
    gettext = translations.gettext
    line = gettext("{label}: {value}")
    return [
        line.format(label=gettext("Case name"), value=case_name),
        line.format(label=gettext("Submitted by"), value=parties.submitter),
        line.format(label=gettext("Opposing party"), value=parties.opponent),
        line.format(label=gettext("Date"), value=format_date(date, format="long", locale=catalog_locale(translations))),
    ]


def index_rows(items: Sequence[EvidenceItem], ranges: Mapping[str, PageRange], *,
               translations: gettext_module.NullTranslations,
               group_titles: Mapping[int, str] | None = None) -> list[IndexRow]:
    """Return the table rows: a group row before the first item of each group, then the items, in the given order.

    A group with a title in `group_titles` prints as 证据一：合同及补充协议, else as 证据一.

    Raises ValueError for an item whose origin is not one of ORIGIN_KINDS.
    """
    gettext = translations.gettext
    chinese = catalog_locale(translations).startswith("zh")
    rows: list[IndexRow] = []
    current_group: int | None = None
    for item in items:
        if item.origin not in ORIGIN_KINDS:
            raise ValueError(f"Evidence item {item.label} has the invalid origin {item.origin!r}. Use one of {ORIGIN_KINDS}.")
        if item.group != current_group:
            current_group = item.group
            number = chinese_numeral(item.group) if chinese else str(item.group)
            group_title = gettext("Evidence group {number}").format(number=number)
            if (group_titles or {}).get(item.group):
                group_title = gettext("{label}: {value}").format(label=group_title, value=group_titles[item.group])
            rows.append(IndexRow(group_title=group_title))
        origin = gettext(ORIGIN_LABELS[item.origin])
        page_range = ranges.get(item.label)
        rows.append(IndexRow(
            number=item.label,
            name=item.name,
            source=f"{origin}\n{item.issuer}" if item.issuer else origin,
            purpose=item.purpose,
            pages=str(page_range) if page_range is not None else NOT_IN_BUNDLE,
        ))
    return rows


def catalog_locale(translations: gettext_module.NullTranslations) -> str:
    """Return the language of a catalog from archive.i18n (zh_CN or en), or en for one without a Language header."""
    return translations.info().get("language") or "en"


def chinese_numeral(number: int) -> str:
    """Return 1..99 in Chinese numerals as group names print them (一, 十, 十二, 二十一); other numbers in digits."""
    if not 1 <= number <= 99:
        return str(number)
    tens, ones = divmod(number, 10)
    if tens == 0:
        return CHINESE_DIGITS[ones]
    text = ("" if tens == 1 else CHINESE_DIGITS[tens]) + "十"
    return text + (CHINESE_DIGITS[ones] if ones else "")


def build_index_pdf(
    items: Sequence[EvidenceItem],
    ranges: Mapping[str, PageRange],
    *,
    case_name: str,
    parties: Parties,
    date: dt.date,
    translations: gettext_module.NullTranslations,
    font_path: Path | None = None,
    group_titles: Mapping[int, str] | None = None,
) -> bytes:
    """Return the evidence index of `items` as an A4 PDF.

    `ranges` maps item labels to their pages in the bundle, as build_bundle returns them. An
    item without a range shows "—". `font_path` is the configured CJK font (settings.pdf_font) or
    None for an installed one. The same arguments give the same bytes, because reportlab runs in
    its invariant mode, which fixes the document's dates and ids. Raises PdfFontError when no
    usable font is installed.
    """
    gettext = translations.gettext
    font_name = register_cjk_font(font_path)
    styles = _Styles(font_name)
    title = gettext("Evidence index")

    story: list[Any] = [styles.paragraph(title, styles.title)]
    for line in header_lines(case_name=case_name, parties=parties, date=date, translations=translations):
        story.append(styles.paragraph(line, styles.header))
    story.append(Spacer(1, 4 * mm))
    story.append(_index_table(index_rows(items, ranges, translations=translations, group_titles=group_titles), styles, gettext))

    footer = _footer_canvas(font_name, lambda page, pages: gettext("Page {number} of {total} pages").format(
        number=page, total=pages))
    output = io.BytesIO()
    document = SimpleDocTemplate(
        output, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=BOTTOM_MARGIN,
        title=f"{title}: {case_name}", author="contract-archive", creator="contract-archive", invariant=True,
        initialFontName=font_name, lang="zh-CN" if catalog_locale(translations).startswith("zh") else "en",
    )
    document.build(story, canvasmaker=footer)
    return output.getvalue()


class _Styles:
    """Paragraph styles in one font, with Chinese-style line breaking where a text needs it."""

    def __init__(self, font_name: str) -> None:
        self.font_name = font_name
        self.title = ParagraphStyle("title", fontName=font_name, fontSize=18, leading=24, alignment=1,
                                    spaceAfter=5 * mm)
        self.header = ParagraphStyle("header", fontName=font_name, fontSize=10.5, leading=16)
        self.cell = ParagraphStyle("cell", fontName=font_name, fontSize=9, leading=12.5)
        self.heading = ParagraphStyle("heading", parent=self.cell, alignment=1)
        self.group = ParagraphStyle("group", parent=self.cell, fontSize=10, leading=14)
        self._wrapping: dict[str, ParagraphStyle] = {}

    def paragraph(self, text: str, style: ParagraphStyle, width: float | None = None) -> Paragraph:
        """Return a Paragraph of plain `text`, with markup escaped and line breaks kept.

        reportlab breaks lines only at spaces unless the style's wordWrap is CJK, which breaks
        between any two characters. That is used for Chinese text and for a run without spaces
        wider than `width`, such as a long file name, which would otherwise run out of its cell.
        """
        if CJK_CHARACTERS.search(text) or (width is not None and _longest_run(text, self.font_name,
                                                                               style.fontSize) > width):
            style = self._wrapping.setdefault(style.name, ParagraphStyle(f"{style.name}-wrap", parent=style,
                                                                         wordWrap="CJK"))
        return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _longest_run(text: str, font_name: str, size: float) -> float:
    return max((stringWidth(run, font_name, size) for run in text.split()), default=0)


def _index_table(rows: list[IndexRow], styles: _Styles, gettext: Callable[[str], str]) -> LongTable:
    """Return the index table, whose header row repeats on every page."""
    widths = (NUMBER_WIDTH, NAME_WIDTH, SOURCE_WIDTH, PURPOSE_WIDTH, PAGES_WIDTH)
    data: list[list[Any]] = [[styles.paragraph(title, styles.heading) for title in column_titles(gettext)]]
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), styles.font_name),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BACKGROUND),
        ("GRID", (0, 0), (-1, -1), 0.5, GRID_COLOR),
    ]
    group_rows: list[int] = []
    for index, row in enumerate(rows, start=1):
        if row.group_title is not None:
            data.append([styles.paragraph(row.group_title, styles.group), "", "", "", ""])
            commands += [("SPAN", (0, index), (-1, index)),
                         ("BACKGROUND", (0, index), (-1, index), GROUP_BACKGROUND)]
            group_rows.append(index)
            continue
        cells = (row.number, row.name, row.source, row.purpose, row.pages)
        data.append([styles.paragraph(text, styles.cell, width - 2 * CELL_PADDING)
                     for text, width in zip(cells, widths, strict=True)])

    # A group row stays on the page of its first item, unless that item is so tall that keeping
    # them together would leave a page mostly empty or, for a row taller than a page, fail.
    for index in group_rows:
        if index + 1 < len(data) and _row_height(data[index + 1], widths) < FRAME_HEIGHT / 2:
            commands.append(("NOSPLIT", (0, index), (-1, index + 1)))
    # splitInRow lets a row taller than a page, such as a very long 证明目的, continue on the next page.
    table = LongTable(data, colWidths=widths, repeatRows=1, hAlign="CENTER", splitInRow=1)
    table.setStyle(TableStyle(commands))
    return table


def _row_height(cells: list[Any], widths: Sequence[float]) -> float:
    """Return the height of a table row of Paragraphs, with reportlab's default cell padding of 3 points above and below."""
    heights = [cell.wrap(width - 2 * CELL_PADDING, FRAME_HEIGHT)[1] for cell, width in zip(cells, widths, strict=True)]
    return max(heights) + 6


def _footer_canvas(font_name: str, page_label: Callable[[int, int], str]) -> type[Canvas]:
    """Return a canvas class that prints "第 x 页 共 y 页" centred at the foot of every page.

    The total is known only after the last page, so the canvas keeps each finished page's state
    and draws the footers when the document is saved.
    """

    class FooterCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's method name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.saveState()
                self.setFont(font_name, 9)
                self.drawCentredString(self._pagesize[0] / 2, MARGIN, page_label(number, total))
                self.restoreState()
                Canvas.showPage(self)
            Canvas.save(self)

    return FooterCanvas
