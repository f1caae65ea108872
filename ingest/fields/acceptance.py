"""The acceptance date (验收日期) of an acceptance report, 验收单 or acceptance certificate."""

from __future__ import annotations

import datetime as dt
import re

from ingest.fields.dates import Span, find_dates
from ingest.structure import Clause, Field

# 验收日期, 项目验收日期, 验收时间, 验收完成日期, 终验日期, "Date of Acceptance", "Acceptance Date".
# A planned or preliminary date (计划验收日期, 预计验收时间, 初步验收日期) is not the acceptance date.
_ACCEPTANCE_LABEL = re.compile(
    r"(?<!计划)(?<!预计)(?<!预定)(?<!约定)(?<!初步)(?<!拟)"
    r"(?:验收(?:完成|通过|合格)?(?:日期|时间)|终验(?:日期|时间))"
    r"|\bDate\s+of\s+(?:Final\s+)?Acceptance\b|\b(?:Final\s+)?Acceptance\s+Date\b",
    re.IGNORECASE,
)
# Separators allowed between a label and its value: a colon, the " | " joining table cells,
# 为 or "is".
_VALUE_LEAD = re.compile(r"[ \t\u3000:：|]*(?:(?:为|是|is\b)[ \t\u3000]*)?", re.IGNORECASE)


def find_acceptance_date(clauses: list[Clause]) -> Field | None:
    """Return the latest date written as the value of an acceptance-date label, or None.

    The date must follow its label directly, in the same cell or line or in the next table cell,
    or stand alone on the next line. So a label left blank (验收日期： or 年  月  日) gives no
    field, and dates under other labels, such as the project's start and finish, are not taken.
    Of several labelled dates the latest is returned, because acceptance is complete when the
    last party signs it off.
    """
    found: list[Field] = []
    for clause in clauses:
        text = clause.text
        labels = list(_ACCEPTANCE_LABEL.finditer(text))
        if not labels:
            continue
        dates_by_start = {span[0]: (span, value) for span, value in find_dates(text)}
        for label in labels:
            labelled = _labelled_value(text, label.end(), dates_by_start)
            if labelled is None:
                continue
            (date_start, date_end), value = labelled
            found.append(Field("acceptance_date", text[date_start:date_end], value.isoformat(),
                               clause.ordinal, detail=label.group(0)))
    if not found:
        return None
    # ISO dates sort in date order, and max keeps the first of equal dates.
    return max(found, key=lambda field: field.normalized or "")


def _labelled_value(
    text: str, label_end: int, dates_by_start: dict[int, tuple[Span, dt.date]]
) -> tuple[Span, dt.date] | None:
    """Return the date written as a label's value, on the label's line or alone on the next line."""
    start = _value_start(text, label_end)
    if start in dates_by_start:
        return dates_by_start[start]
    below = _next_line_start(text, start)
    if below is None or below not in dates_by_start:
        return None
    span, value = dates_by_start[below]
    # A date that opens a sentence on the next line is not the label's value.
    if text[span[1]:].split("\n", 1)[0].strip():
        return None
    return span, value


def _value_start(text: str, label_end: int) -> int:
    """Return where the value after a label starts, past its colon, cell separator and 为."""
    lead = _VALUE_LEAD.match(text, label_end)
    return lead.end() if lead else label_end


def _next_line_start(text: str, position: int) -> int | None:
    """Return where the next line's text starts when nothing but a line break is at `position`."""
    if not text.startswith("\n", position):
        return None
    following = position + 1
    while following < len(text) and text[following] in " \t\u3000":
        following += 1
    return following
