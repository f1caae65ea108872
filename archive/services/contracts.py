"""Reading and writing contracts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from archive.errors import NotFoundError
from archive.models import Contract, Document, DocumentVersion


def get_contract_or_raise(session: Session, contract_id: int) -> Contract:
    contract = session.get(Contract, contract_id)
    if contract is None:
        raise NotFoundError(object="Contract", id=contract_id)
    return contract


def create_contract(
    session: Session, *, number: str | None, title: str | None, auto_created: bool = False
) -> Contract:
    contract = Contract(number=number, title=title, auto_created=auto_created, id=_next_sqlite_id(session))
    session.add(contract)
    session.flush()
    return contract


def _next_sqlite_id(session: Session) -> int | None:
    """Return an id above every contract ever merged away, on SQLite; None elsewhere.

    SQLite gives a new row the highest id plus one, so a new contract would take the id of a
    merged contract that had the highest one, and audit events naming that id would point at
    two contracts. PostgreSQL's sequence never hands out an id twice.
    """
    from archive.models import AuditEvent

    if session.get_bind().dialect.name != "sqlite":
        return None
    merged = session.scalars(select(AuditEvent.object_id).where(
        AuditEvent.object_type == "contract", AuditEvent.action == "contract_merged"))
    highest_merged = max((int(value) for value in merged if value.isdigit()), default=0)
    highest = session.scalar(select(func.max(Contract.id))) or 0
    return max(highest, highest_merged) + 1 if highest_merged >= highest else None


def list_contracts(
    session: Session, *, limit: int = 100, offset: int = 0, visible: ColumnElement[bool] | None = None
) -> list[tuple[Contract, int]]:
    """Return contracts, newest first, each with its number of documents; only those matching `visible` if given."""
    counts = (
        select(Document.contract_id, func.count(Document.id).label("documents"))
        .group_by(Document.contract_id)
        .subquery()
    )
    rows = session.execute(
        select(Contract, func.coalesce(counts.c.documents, 0))
        .outerjoin(counts, counts.c.contract_id == Contract.id)
        .where(visible if visible is not None else true())
        .order_by(Contract.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [(contract, count) for contract, count in rows]


def count_contracts(session: Session, *, visible: ColumnElement[bool] | None = None) -> int:
    return session.scalar(select(func.count(Contract.id)).where(visible if visible is not None else true())) or 0


# The columns of a version that a list of versions shows.
VERSION_SUMMARY_COLUMNS = (
    DocumentVersion.id, DocumentVersion.document_id, DocumentVersion.version_number, DocumentVersion.supersedes_id,
    DocumentVersion.filename, DocumentVersion.title, DocumentVersion.media_type, DocumentVersion.size,
    DocumentVersion.blob_sha256, DocumentVersion.uploaded_by, DocumentVersion.uploaded_at, DocumentVersion.state,
    DocumentVersion.detected_kind, DocumentVersion.page_count, DocumentVersion.indexed_at,
)


def contract_documents(session: Session, contract_id: int, *,
                       summary: bool = False) -> list[tuple[Document, list[DocumentVersion]]]:
    """Return a contract's documents with their versions, oldest version first.

    With `summary`, each version is a row of only the columns a list of versions shows, without the
    large JSON columns (quality, revisions, comments, warnings, link candidates) read at ingest.
    """
    documents = session.scalars(
        select(Document).where(Document.contract_id == contract_id).order_by(Document.id)
    ).all()
    of_contract = (Document.id == DocumentVersion.document_id, Document.contract_id == contract_id)
    if summary:
        # Plain rows with the same attribute names: building ORM objects took most of the time on large contracts.
        versions: Sequence[Any] = session.execute(
            select(*VERSION_SUMMARY_COLUMNS).join(Document, of_contract[0]).where(of_contract[1])
            .order_by(DocumentVersion.version_number)
        ).all()
    else:
        versions = session.scalars(
            select(DocumentVersion).join(Document, of_contract[0]).where(of_contract[1])
            .order_by(DocumentVersion.version_number)
        ).all()
    by_document: dict[int, list[DocumentVersion]] = {d.id: [] for d in documents}
    for version in versions:
        by_document[version.document_id].append(version)
    return [(document, by_document[document.id]) for document in documents]
