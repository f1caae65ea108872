"""Reading and writing documents and their versions."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive import notices
from archive.errors import DocumentOnHoldError, NotFoundError, UnknownKindError
from archive.models import DOCUMENT_KINDS, Blob, Document, DocumentVersion


def get_version_or_raise(session: Session, version_id: int) -> DocumentVersion:
    version = session.get(DocumentVersion, version_id)
    if version is None:
        raise NotFoundError(object="Document version", id=version_id)
    return version


def get_document_or_raise(session: Session, document_id: int) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFoundError(object="Document", id=document_id)
    return document


def find_version_by_sha256(session: Session, sha256: str) -> DocumentVersion | None:
    return session.scalar(select(DocumentVersion).where(DocumentVersion.blob_sha256 == sha256))


def ensure_blob(session: Session, *, sha256: str, size: int, media_type: str) -> Blob:
    blob = session.get(Blob, sha256)
    if blob is None:
        blob = Blob(sha256=sha256, size=size, media_type=media_type)
        session.add(blob)
    return blob


def create_document(session: Session, *, contract_id: int, kind: str, title: str | None) -> Document:
    validate_kind(kind)
    document = Document(contract_id=contract_id, kind=kind, title=title)
    session.add(document)
    session.flush()
    return document


def latest_version(session: Session, document_id: int) -> DocumentVersion | None:
    return session.scalar(
        select(DocumentVersion)
        .where(DocumentVersion.document_id == document_id)
        .order_by(DocumentVersion.version_number.desc())
        .limit(1)
    )


def next_version_number(session: Session, document_id: int) -> int:
    current = session.scalar(
        select(func.max(DocumentVersion.version_number)).where(DocumentVersion.document_id == document_id)
    )
    return (current or 0) + 1


def set_document_kind(session: Session, *, document: Document, kind: str) -> None:
    """Record a kind chosen by staff; the pipeline never overwrites it."""
    validate_kind(kind)
    document.kind = kind
    document.kind_source = "staff"


def validate_kind(kind: str) -> None:
    if kind not in DOCUMENT_KINDS:
        raise UnknownKindError(kind=kind, kinds=", ".join(DOCUMENT_KINDS))


def move_document(session: Session, *, document: Document, contract_id: int, actor: str) -> None:
    """File a document under another contract, chosen by staff; links follow, the move is audited."""
    from archive.services.audit import record_event
    from archive.services.contracts import get_contract_or_raise
    from archive.services.linking import relink_document

    get_contract_or_raise(session, contract_id)
    previous = document.contract_id
    if previous is not None and _on_hold(session, previous):
        raise DocumentOnHoldError(document_id=document.id, contract_id=previous)
    document.contract_id = contract_id
    session.flush()
    move_obligations_with_document(session, document.id, contract_id)
    relink_document(session, document=document, method="explicit")
    for version in session.scalars(select(DocumentVersion).where(DocumentVersion.document_id == document.id)):
        version.warnings = [w for w in version.warnings or [] if w != notices.NO_CONTRACT_MATCHED]
    record_event(
        session, actor=actor, action="document_moved", object_type="document", object_id=document.id,
        summary={"from_contract_id": previous, "to_contract_id": contract_id, "by": "staff"},
    )
    if previous is not None:
        delete_if_empty_auto_contract(session, contract_id=previous, actor=actor)


def delete_if_empty_auto_contract(session: Session, *, contract_id: int, actor: str) -> bool:
    """Remove a contract the pipeline made once its last document has moved away; audited."""
    from archive.models import Contract
    from archive.services.audit import record_event

    from archive.models import Alert, Obligation, PerformanceRecord

    contract = session.get(Contract, contract_id)
    if contract is None or not contract.auto_created:
        return False
    # A contract that still has documents, records, obligations or alerts is kept: they are evidence.
    for column in (Document.contract_id, PerformanceRecord.contract_id, Obligation.contract_id, Alert.contract_id):
        if session.scalar(select(column).where(column == contract_id).limit(1)) is not None:
            return False
    session.delete(contract)
    record_event(
        session, actor=actor, action="contract_merged", object_type="contract", object_id=contract_id,
        summary={"reason": "its documents were moved to the contract they belong to"},
    )
    return True


def move_obligations_with_document(session: Session, document_id: int, contract_id: int) -> None:
    """Move the obligations read from a document's versions, and their alerts, to the contract it now belongs to."""
    from sqlalchemy import update

    from archive.models import Alert, Obligation

    session.flush()
    versions = select(DocumentVersion.id).where(DocumentVersion.document_id == document_id)
    obligations = select(Obligation.id).where(Obligation.document_version_id.in_(versions))
    session.execute(update(Alert).where(Alert.obligation_id.in_(obligations)).values(contract_id=contract_id)
                    .execution_options(synchronize_session=False))
    session.execute(update(Obligation).where(Obligation.document_version_id.in_(versions))
                    .values(contract_id=contract_id).execution_options(synchronize_session=False))
    session.expire_all()


def _on_hold(session: Session, contract_id: int) -> bool:
    from archive.models import LegalHold

    return session.scalar(
        select(LegalHold.id).where(LegalHold.contract_id == contract_id, LegalHold.lifted_at.is_(None)).limit(1)
    ) is not None
