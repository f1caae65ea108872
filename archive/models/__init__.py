"""All tables; importing this package registers them on Base.metadata."""

from archive.models.accounts import (
    ADMIN,
    LEGAL,
    ROLES,
    VIEWER,
    ApiToken,
    ContractAccess,
    GroupMember,
    LoginAttempt,
    User,
    UserGroup,
    WebSession,
)
from archive.models.audit import AuditChainHead, AuditEvent
from archive.models.base import Base
from archive.models.clauses import Clause, ExtractedField
from archive.models.contracts import AmendmentLink, Contract
from archive.models.documents import DOCUMENT_KINDS, VERSION_STATES, Blob, DeletionRequest, Document, DocumentVersion
from archive.models.evidence import EvidenceBuild, EvidenceDraft, EvidenceDraftContract, EvidenceDraftItem, EvidencePack
from archive.models.holds import LegalHold
from archive.models.performance import Alert, Fulfilment, Obligation, PerformanceRecord, RecordAttachment, RecordRevision

__all__ = [
    "ADMIN",
    "Alert",
    "Fulfilment",
    "Obligation",
    "PerformanceRecord",
    "RecordAttachment",
    "RecordRevision",
    "LEGAL",
    "ROLES",
    "VIEWER",
    "AmendmentLink",
    "AuditChainHead",
    "ApiToken",
    "ContractAccess",
    "GroupMember",
    "LoginAttempt",
    "User",
    "UserGroup",
    "WebSession",
    "AuditEvent",
    "Base",
    "Blob",
    "Clause",
    "Contract",
    "DOCUMENT_KINDS",
    "DeletionRequest",
    "Document",
    "DocumentVersion",
    "EvidenceBuild",
    "EvidenceDraft",
    "EvidenceDraftContract",
    "EvidenceDraftItem",
    "EvidencePack",
    "ExtractedField",
    "LegalHold",
    "VERSION_STATES",
]
