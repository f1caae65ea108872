"""Field extraction over segmented clauses: dates, amounts, parties and the fields built from them."""

from ingest.fields.amounts import find_amounts, parse_amount_figures, parse_rmb_uppercase
from ingest.fields.dates import MonthDay, find_dates, parse_chinese_date, parse_month_day
from ingest.fields.extract import extract_fields, find_title
from ingest.fields.parties import find_parties

__all__ = [
    "MonthDay",
    "extract_fields",
    "find_amounts",
    "find_dates",
    "find_parties",
    "find_title",
    "parse_amount_figures",
    "parse_chinese_date",
    "parse_month_day",
    "parse_rmb_uppercase",
]
