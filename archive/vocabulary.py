"""Words that reach the UI as data (kinds, states, field names) and so need catalog entries."""

from __future__ import annotations

from archive.models import DOCUMENT_KINDS, VERSION_STATES
from archive.performance.labels import all_labels
from archive.problems import all_problems

CLAUSE_ROLES = ("preamble", "clause", "signature", "toc")
INGEST_STATUSES = ("ingested", "duplicate", "needs_ocr", "failed")
FIELD_NAMES = (
    "contract_number",
    "title",
    "party",
    "signing_date",
    "effective_date",
    "expiry_date",
    "acceptance_date",
    "term",
    "total_amount",
    "total_amount_uppercase",
    "currency",
)
LINK_METHODS = ("explicit", "contract_number", "title", "same_contract")
OBJECT_NAMES = ("Contract", "Document", "Document version", "Performance record", "Obligation", "Alert", "Clause",
                "Evidence draft", "Evidence item", "Evidence pack", "Evidence pack build")
QUALITY_VERDICTS = ("trusted", "review", "unreadable")
REVISION_KINDS = ("insert", "delete", "move_from", "move_to", "format")


def data_words() -> tuple[str, ...]:
    return (
        DOCUMENT_KINDS + VERSION_STATES + CLAUSE_ROLES + INGEST_STATUSES + FIELD_NAMES + LINK_METHODS + OBJECT_NAMES
        + QUALITY_VERDICTS + REVISION_KINDS + all_labels() + all_problems() + ("condition cleared", "Terminated", "Expired", "In force")
    )
