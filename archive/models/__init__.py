"""All tables; importing this package registers them on Base.metadata."""

from archive.models.audit import AuditEvent
from archive.models.base import Base
from archive.models.clauses import Clause, ExtractedField
from archive.models.contracts import AmendmentLink, Contract
from archive.models.documents import DOCUMENT_KINDS, VERSION_STATES, Blob, Document, DocumentVersion
from archive.models.holds import LegalHold

__all__ = [
    "AmendmentLink",
    "AuditEvent",
    "Base",
    "Blob",
    "Clause",
    "Contract",
    "DOCUMENT_KINDS",
    "Document",
    "DocumentVersion",
    "ExtractedField",
    "LegalHold",
    "VERSION_STATES",
]
