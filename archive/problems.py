"""Messages that name what is wrong with one value of an input, for ProblemError and its subclasses.

They are constants so the message catalog lists them; the values go in separately.
"""

from __future__ import annotations

FIELDS_NOT_EDITABLE = "fields that cannot be changed: {fields}"
NOT_A_CASE = "record {id} does not open a complaint or dispute"
NOT_A_DATE = "'{value}' is not a date (use YYYY-MM-DD)"
DATE_MISSING = "a date is required"
RESULT_REQUIRED = "choose the result: passed or failed"
DATE_TOO_EARLY = "the date {value} is before 1970; check the year"
DATE_IN_FUTURE = "the date {value} is in the future; record it when it has happened, or mark it as planned"
STEP_BEFORE_CASE = "the step's date {value} is before the case's latest date {earliest}"
CURRENCY_MISMATCH = "a payment in {value} cannot pay an obligation owed in {owed}"
AMOUNT_TOO_LARGE = "amount {value} is too large"
AMOUNT_DECIMALS = "amount {value} has more than two decimals"
OWNER_UNKNOWN = "no user is named '{value}'"
EXPIRY_BEFORE_START = "the expiry date {value} is before the signing or effective date {start}"
DUE_RULE_MISSING = "set a due date, or the event and period it counts from, before confirming"
CASE_STATE_INVALID = "a case state must be one of: {allowed}"
CASE_STARTS_RECEIVED = "a new complaint or dispute starts as 'received'"
STATUS_INVALID = "status must be one of: {allowed}"
AMOUNT_NEGATIVE = "amount {value} must be zero or more"
PAYMENT_AMOUNT_MISSING = "a payment record needs its amount"
CURRENCY_INVALID = "currency '{value}' must be a three-letter code such as CNY"
CHANNEL_MISSING = "a communication needs its channel: {allowed}"
TEXT_TOO_LONG = "the text is longer than 20,000 characters"
NOT_CONFIRMED_OBLIGATIONS = "obligations {ids} are not confirmed obligations of this contract"
DECISION_INVALID = "decision must be confirm or reject, not '{value}'"
STATUS_NOT_SETTABLE = "only 'waived', or 'pending' to undo a waiver, can be set by hand"
WAIVER_NOTE_MISSING = "waiving an obligation needs a note saying why"
FIELDS_NOT_SETTABLE = "fields that cannot be set: {fields}"
KIND_MISSING = "an obligation needs its kind"
KIND_INVALID = "kind must be one of: {allowed}"
STAGE_INVALID = "stage must be one of: {allowed}"
DEBTOR_INVALID = "debtor must be 'customer' or 'us'"
NOT_A_NUMBER = "{field} '{value}' is not a number"
OUT_OF_RANGE = "{field} {value} is out of range"
DUE_RULE_INVALID = "due date rule is not valid: {reason}"
NOT_AN_AMOUNT = "'{value}' is not an amount"
NOT_DAYS = "'{value}' is not a number of days"
DOCUMENT_NOT_FILED = "the document is not filed under a contract"
CSV_ENCODING = "the file is neither UTF-8 nor GBK text"
CSV_HEADER = "the header needs columns kind (类型) and occurred_on (日期)"
CSV_TOO_MANY_ROWS = "more than {limit} rows"
CSV_NO_SUCH_CONTRACT = "no contract numbered '{number}'"
CSV_NO_CONTRACT = "the row names no contract you may see (contract_number or contract_id)"
CSV_UNKNOWN_KIND = "unknown record kind '{value}'"


def all_problems() -> tuple[str, ...]:
    return tuple(value for name, value in globals().items() if name.isupper() and isinstance(value, str))
