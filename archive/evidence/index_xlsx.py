"""The evidence index (证据目录) of a pack as an XLSX workbook, with the same rows as the PDF form.

The same arguments give the same bytes. openpyxl stamps the current time on the workbook's
modified property and on every ZIP entry, so the workbook is written with the time the caller
passes instead.
"""

from __future__ import annotations

import datetime as dt
import gettext as gettext_module
import io
import os
import zipfile
from collections.abc import Mapping, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.writer.excel import ExcelWriter

from archive.evidence.index_pdf import Parties, column_titles, header_lines, index_rows
from archive.evidence.items import EvidenceItem, PageRange
from archive.exports.tables import write_xlsx_cell

# Widths of 序号, 证据名称, 证据来源, 证明目的 and 页码 in Excel character units (a CJK character takes two).
COLUMN_WIDTHS = {"A": 8, "B": 30, "C": 18, "D": 48, "E": 10}
LAST_COLUMN = "E"
HEADER_FILL = PatternFill("solid", fgColor="E8EAF0")
GROUP_FILL = PatternFill("solid", fgColor="F4F5F8")
THIN = Side(style="thin", color="8A8F99")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
# ZIP stores local times from 1980 on, with even seconds.
ZIP_EPOCH = dt.datetime(1980, 1, 1)


def build_index_xlsx(
    items: Sequence[EvidenceItem],
    ranges: Mapping[str, PageRange],
    *,
    case_name: str,
    parties: Parties,
    date: dt.date,
    translations: gettext_module.NullTranslations,
    generated_at: dt.datetime,
    group_titles: Mapping[int, str] | None = None,
) -> bytes:
    """Return the evidence index of `items` as an XLSX workbook with one worksheet.

    The sheet has the title and header lines, then the table with a frozen header row that is
    repeated on every printed page. It prints on A4 portrait, fitted to the page width.
    `generated_at` becomes the workbook's created and modified times and the ZIP entries'
    times; an aware datetime is converted to UTC.
    """
    gettext = translations.gettext
    title = gettext("Evidence index")
    workbook = Workbook()
    sheet = workbook.active
    # Excel limits sheet titles to 31 characters.
    sheet.title = title[:31]

    sheet.append([title])
    sheet.merge_cells(f"A1:{LAST_COLUMN}1")
    sheet["A1"].font = Font(bold=True, size=16)
    sheet["A1"].alignment = Alignment(horizontal="center")
    row_number = 1
    for line in header_lines(case_name=case_name, parties=parties, date=date, translations=translations):
        row_number += 1
        write_xlsx_cell(sheet.cell(row=row_number, column=1), line)
        sheet.merge_cells(f"A{row_number}:{LAST_COLUMN}{row_number}")

    # One empty row between the header lines and the table.
    header_row = row_number + 2
    for column, text in enumerate(column_titles(gettext), start=1):
        cell = sheet.cell(row=header_row, column=column)
        write_xlsx_cell(cell, text)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = GRID
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    row_number = header_row
    for row in index_rows(items, ranges, translations=translations, group_titles=group_titles):
        row_number += 1
        if row.group_title is not None:
            cell = sheet.cell(row=row_number, column=1)
            write_xlsx_cell(cell, row.group_title)
            cell.font = Font(bold=True)
            sheet.merge_cells(f"A{row_number}:{LAST_COLUMN}{row_number}")
            for column in range(1, 6):
                sheet.cell(row=row_number, column=column).fill = GROUP_FILL
                sheet.cell(row=row_number, column=column).border = GRID
            continue
        for column, text in enumerate((row.number, row.name, row.source, row.purpose, row.pages), start=1):
            cell = sheet.cell(row=row_number, column=column)
            write_xlsx_cell(cell, text)
            cell.alignment = WRAP
            cell.border = GRID

    for letter, width in COLUMN_WIDTHS.items():
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.fitToWidth = 1
    # 0 lets the table run over as many pages as it needs.
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.horizontalCentered = True

    # openpyxl keeps merged ranges in a set, whose order changes between processes with string hashing.
    sheet.merged_cells = _SortedCellRanges(sheet.merged_cells.ranges)

    timestamp = _utc(generated_at)
    workbook.properties.creator = "contract-archive"
    workbook.properties.title = f"{title}: {case_name}"
    workbook.properties.created = timestamp
    workbook.properties.modified = timestamp
    workbook.properties.lastModifiedBy = None
    return _save(workbook, timestamp)


def _utc(moment: dt.datetime) -> dt.datetime:
    """Return `moment` as a naive UTC datetime, as openpyxl's document properties expect."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def _save(workbook: Workbook, timestamp: dt.datetime) -> bytes:
    """Write `workbook` with `timestamp` in every ZIP entry, not the current time that openpyxl's save uses."""
    buffer = io.BytesIO()
    archive = _FixedTimeZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    archive.date_time = max(timestamp, ZIP_EPOCH).timetuple()[:6]
    # In openpyxl 3.1, save_workbook runs ExcelWriter after setting the modified time to now.
    ExcelWriter(workbook, archive).save()
    return buffer.getvalue()


class _FixedTimeZipFile(zipfile.ZipFile):
    """A ZipFile whose entries get `date_time` instead of the current time or a file's modification time.

    openpyxl adds most parts with writestr and each worksheet with write, from a temporary file.
    """

    date_time: tuple[int, int, int, int, int, int] = ZIP_EPOCH.timetuple()[:6]

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):  # type: ignore[no-untyped-def]
        if isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            return super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)
        info = zipfile.ZipInfo(zinfo_or_arcname, date_time=self.date_time)
        info.compress_type = self.compression
        # The permissions that ZipFile.writestr gives an entry written by name.
        info.external_attr = 0o600 << 16
        return super().writestr(info, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):  # type: ignore[no-untyped-def]
        with open(filename, "rb") as source:
            data = source.read()
        self.writestr(arcname or os.path.basename(filename), data, compress_type, compresslevel)


class _SortedCellRanges(MultiCellRange):
    """Merged cell ranges that openpyxl writes in row and column order, so the sheet's XML is the same each time."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self.ranges, key=lambda cell: (cell.min_row, cell.min_col, cell.max_row, cell.max_col)))
