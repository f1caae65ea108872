"""Dates written in Chinese (2024年3月5日, 二〇二四年三月五日, ２０２４年３月５日) and English.

A date without a year is never completed from today's date: `find_dates` skips
it, and `parse_month_day` returns it as a `MonthDay` that has no year.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ingest.numbering import FULLWIDTH_TO_ASCII, chinese_numeral_value

# Years outside this range are typos or numbers that only look like years.
MIN_YEAR = 1900
MAX_YEAR = 2200

_YEAR = r"(?P<y>(?<![0-9０-９])[0-9０-９]{4}|[〇○零Ｏ一二三四五六七八九]{4})"
# A zero-padded month or day in Chinese numerals (〇三月〇五日) reads digit by digit.
_MONTH = r"(?P<m>[0-9０-９]{1,2}|[〇○零一二三四五六七八九十]{1,3})"
_DAY = r"(?P<d>[0-9０-９]{1,2}|[〇○零一二三四五六七八九十廿卅]{1,3})"
_CHINESE_DATE = re.compile(rf"{_YEAR}\s*年\s*{_MONTH}\s*月\s*{_DAY}\s*[日号]")
_CHINESE_MONTH_DAY = re.compile(rf"(?<![0-9０-９]){_MONTH}\s*月\s*{_DAY}\s*[日号]")
# NOTE: only year-first numeric dates are read; 05/03/2024 or 1.1.2019 is ambiguous between
# day-first and month-first order and is skipped.
_NUMERIC_DATE = re.compile(
    r"(?<![\d.])(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?![\d.]\d)"
)

_MONTH_NAMES = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH_NAME = r"(?P<mon>" + "|".join(sorted(_MONTH_NAMES, key=len, reverse=True)) + r")\.?"
_ORDINAL = r"(?:st|nd|rd|th)?"
_ENGLISH_MDY = re.compile(
    rf"\b{_MONTH_NAME}\s+(?P<d>\d{{1,2}}){_ORDINAL},?\s+(?P<y>\d{{4}})\b", re.IGNORECASE
)
_ENGLISH_DMY = re.compile(
    rf"\b(?P<d>\d{{1,2}}){_ORDINAL}\s+(?:day\s+of\s+)?{_MONTH_NAME},?\s+(?P<y>\d{{4}})\b",
    re.IGNORECASE,
)

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class MonthDay:
    """A date written without a year (3月5日); the year is unknown, not assumed."""

    month: int
    day: int


def _number(text: str) -> int | None:
    ascii_text = text.translate(FULLWIDTH_TO_ASCII)
    if ascii_text.isdigit():
        return int(ascii_text)
    return chinese_numeral_value(text)


def _make_date(year: int | None, month: int | None, day: int | None) -> dt.date | None:
    if year is None or month is None or day is None:
        return None
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def find_dates(text: str) -> list[tuple[Span, dt.date]]:
    """Find every full, valid date in `text` with its (start, end) span, in text order."""
    found: list[tuple[Span, dt.date]] = []
    taken: list[Span] = []

    def add(span: Span, value: dt.date | None) -> None:
        if value is None or any(span[0] < end and start < span[1] for start, end in taken):
            return
        taken.append(span)
        found.append((span, value))

    for match in _CHINESE_DATE.finditer(text):
        year = _number(match.group("y"))
        add(match.span(), _make_date(year, _number(match.group("m")), _number(match.group("d"))))
    for match in _NUMERIC_DATE.finditer(text):
        add(match.span(), _make_date(int(match["y"]), int(match["m"]), int(match["d"])))
    for pattern in (_ENGLISH_MDY, _ENGLISH_DMY):
        for match in pattern.finditer(text):
            month = _MONTH_NAMES[match.group("mon").lower()]
            add(match.span(), _make_date(int(match["y"]), month, int(match["d"])))
    found.sort(key=lambda item: item[0])
    return found


def parse_chinese_date(text: str) -> dt.date | None:
    """Parse the first full date in `text`; None when it has none, lacks a year or is invalid."""
    dates = find_dates(text)
    return dates[0][1] if dates else None


def parse_month_day(text: str) -> MonthDay | None:
    """Parse a month and day written without a year (3月5日), keeping the year unknown."""
    full_spans = [span for span, _ in find_dates(text)]
    for match in _CHINESE_MONTH_DAY.finditer(text):
        if not any(start <= match.start() < end for start, end in full_spans):
            break
    else:
        return None
    month = _number(match.group("m"))
    day = _number(match.group("d"))
    # 2000 is a leap year, so 2月29日 passes the range check.
    if month is None or day is None or _make_date(2000, month, day) is None:
        return None
    return MonthDay(month, day)
