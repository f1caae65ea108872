"""Write a table of plain values as an XLSX workbook (openpyxl) or as a CSV file.

Cells may be str, int, Decimal, date, datetime or None. Decimal is treated as a
money amount and int as a count. Both formats keep numbers as numbers, so Excel
can sum and filter them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.cell.cell import Cell as WorksheetCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

Cell = str | int | Decimal | dt.date | None

AMOUNT_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# Column widths are in Excel character units, where a CJK character takes two.
MIN_COLUMN_WIDTH = 6
MAX_COLUMN_WIDTH = 60
# Characters that make Excel, LibreOffice or Google Sheets read a CSV cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Control characters that XML 1.0, and so XLSX, cannot store (tab, LF and CR are allowed).
XML_ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a title of at most 31 characters, the header row and the data rows."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]]


def write_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Cell]], sheet_title: str) -> bytes:
    """Return an XLSX workbook with one sheet holding `headers` and `rows`."""
    return write_workbook([Sheet(sheet_title, headers, list(rows))])


def write_workbook(sheets: Sequence[Sheet]) -> bytes:
    """Return an XLSX workbook with one worksheet per entry of `sheets`, in order.

    Each sheet gets a bold header row that stays in view when scrolling, an
    autofilter over the whole table and column widths that fit the longest value.
    """
    if not sheets:
        raise ValueError("A workbook needs at least one sheet.")
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in sheets:
        fill_worksheet(workbook.create_sheet(sheet.title), sheet)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def fill_worksheet(worksheet: Worksheet, sheet: Sheet) -> None:
    """Write the header and rows of `sheet` into an empty openpyxl worksheet."""
    bold = Font(bold=True)
    widths = [display_width(header) for header in sheet.headers]
    for column, header in enumerate(sheet.headers, start=1):
        cell = worksheet.cell(row=1, column=column, value=header)
        cell.font = bold

    for row_index, values in enumerate(sheet.rows, start=2):
        if len(values) != len(sheet.headers):
            raise ValueError(
                f"Row {row_index - 1} of sheet {sheet.title!r} has {len(values)} values "
                f"but the sheet has {len(sheet.headers)} columns."
            )
        for column, value in enumerate(values, start=1):
            write_xlsx_cell(worksheet.cell(row=row_index, column=column), value)
            widths[column - 1] = max(widths[column - 1], display_width(value))

    for column, width in enumerate(widths, start=1):
        fitted = min(max(width + 2, MIN_COLUMN_WIDTH), MAX_COLUMN_WIDTH)
        worksheet.column_dimensions[get_column_letter(column)].width = fitted
    worksheet.freeze_panes = "A2"
    if sheet.headers:
        last_column = get_column_letter(len(sheet.headers))
        worksheet.auto_filter.ref = f"A1:{last_column}{len(sheet.rows) + 1}"


def write_xlsx_cell(cell: WorksheetCell, value: Cell) -> None:
    """Store one value with its number format. Text is stored as text, never as a formula."""
    if isinstance(value, str):
        cell.value = XML_ILLEGAL_CHARACTERS.sub("", value)
        # openpyxl turns text starting with "=" into a formula and "#N/A" into an error value.
        cell.data_type = "s"
        return

    cell.value = value
    if isinstance(value, dt.datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, Decimal):
        cell.number_format = AMOUNT_FORMAT


def display_width(value: Cell) -> int:
    """Return how many Excel character units `value` needs, counting a wide (CJK) character as two."""
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return len("2000-01-01 00:00")
    if isinstance(value, dt.date):
        return len("2000-01-01")
    if isinstance(value, Decimal):
        return len(f"{value:,.2f}")
    longest = 0
    for line in str(value).splitlines() or [""]:
        width = sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in line)
        longest = max(longest, width)
    return longest


def write_csv(headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """Return the table as CSV in UTF-8 with a byte order mark, so Excel opens it as UTF-8.

    Text cells that a spreadsheet would run as a formula get a leading apostrophe.
    Numbers are written plainly (1234.50, -80.00) and keep their sign.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_text(header) for header in headers])
    for values in rows:
        writer.writerow([csv_cell(value) for value in values])
    return buffer.getvalue().encode("utf-8-sig")


def csv_cell(value: Cell) -> str:
    """Format one value for CSV: ISO dates, plain decimal numbers, neutralised text."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    return csv_text(str(value))


def csv_text(text: str) -> str:
    """Prefix text that starts like a formula with an apostrophe, so a spreadsheet shows it as text."""
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text
