"""Read models: plain dicts that the CLI, the API and the pages render."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from archive.access import SYSTEM, Actor, check_contract_visible, hidden_contract_ids, visible_contracts
from archive.context import Archive
from archive.models import AmendmentLink, Clause, Contract, Document, DocumentVersion, ExtractedField
from archive.services import contracts as contract_service
from archive.services import documents as document_service
from archive.services import holds as hold_service

MAX_SEARCH_LIMIT = 100


def version_detail(archive: Archive, version_id: int, *, actor: Actor = SYSTEM) -> dict[str, Any]:
    """Return a version with its document, contract, fields, clauses and links, as `actor` may see them."""
    with archive.session() as session:
        version = document_service.get_version_or_raise(session, version_id)
        document = document_service.get_document_or_raise(session, version.document_id)
        check_contract_visible(session, actor, document.contract_id, object_name="Document version", object_id=version_id)
        contract = session.get(Contract, document.contract_id) if document.contract_id else None
        clauses = session.scalars(
            select(Clause).where(Clause.document_version_id == version_id).order_by(Clause.ordinal)
        ).all()
        numbers = {c.id: c.number for c in clauses}
        fields = _fields(session, [version_id], numbers)
        ocr_pages = _ocr_pages(version.quality)
        from_ocr = {c.id for c in clauses if _on_pages(c, ocr_pages)}
        for values in fields.values():
            for field in values:
                field["from_ocr"] = field["clause_id"] in from_ocr
        siblings = session.scalars(
            select(DocumentVersion).where(DocumentVersion.document_id == document.id).order_by(DocumentVersion.version_number)
        ).all()
        detail_version = version_dict(version)
        candidate_ids = [c["contract_id"] for c in detail_version["link_candidates"]]
        existing = set(
            session.scalars(select(Contract.id).where(Contract.id.in_(candidate_ids), visible_contracts(actor))).all()
        )
        # Contracts the pipeline made and later merged are gone; only offer those that exist.
        existing.discard(document.contract_id)  # the contract it is filed under is no alternative
        detail_version["link_candidates"] = [c for c in detail_version["link_candidates"] if c["contract_id"] in existing]
        return {
            "version": detail_version,
            "document": document_dict(document),
            "contract": contract_dict(contract) if contract else None,
            "fields": fields,
            "clauses": [{**clause_dict(c), "from_ocr": c.id in from_ocr} for c in clauses],
            "versions": [version_dict(v) for v in siblings],
            "amends": _links(session, AmendmentLink.amendment_version_id == version_id, "amended_version_id", actor),
            "amended_by": _links(session, AmendmentLink.amended_version_id == version_id, "amendment_version_id", actor),
        }


def contract_detail(archive: Archive, contract_id: int, *, actor: Actor = SYSTEM,
                    summary: bool = False) -> dict[str, Any]:
    """Return a contract with its documents, versions, key fields and amendments, if `actor` may see it.

    With `summary`, each version carries only what a list of versions shows (`version_summary_dict`).
    """
    with archive.session() as session:
        check_contract_visible(session, actor, contract_id)
        contract = contract_service.get_contract_or_raise(session, contract_id)
        documents = contract_service.contract_documents(session, contract_id, summary=summary)
        version_ids = [v.id for _, versions in documents for v in versions]
        contract_version_ids = [v.id for d, versions in documents if d.kind == "contract" for v in versions[-1:]]
        clause_numbers = dict(
            session.execute(select(Clause.id, Clause.number).where(Clause.document_version_id.in_(contract_version_ids))).all()
        )
        amendments = session.scalars(
            select(AmendmentLink).where(AmendmentLink.amendment_version_id.in_(version_ids)).order_by(AmendmentLink.id)
        ).all()
        to_dict = version_summary_dict if summary else version_dict
        return {
            "contract": contract_dict(contract),
            "fields": _fields(session, contract_version_ids, clause_numbers),
            "documents": [
                {**document_dict(d), "versions": [to_dict(v) for v in versions]} for d, versions in documents
            ],
            "amendments": [
                {"amendment_version_id": a.amendment_version_id, "amended_version_id": a.amended_version_id,
                 "method": a.method, "evidence": a.evidence}
                for a in amendments
            ],
            "legal_holds": [
                {"id": hold.id, "reason": hold.reason, "placed_by": hold.placed_by,
                 "placed_at": hold.placed_at.isoformat(timespec="minutes")}
                for hold in hold_service.active_holds(session, contract_id)
            ],
        }


def list_contracts(archive: Archive, *, limit: int = 100, offset: int = 0, actor: Actor = SYSTEM) -> dict[str, Any]:
    """Return a page of the contracts `actor` may see, and how many they are."""
    visible = visible_contracts(actor)
    with archive.session() as session:
        rows = contract_service.list_contracts(session, limit=limit, offset=offset, visible=visible)
        return {
            "total": contract_service.count_contracts(session, visible=visible),
            "contracts": [{**contract_dict(c), "document_count": count} for c, count in rows],
        }


ATTENTION_STATES = ("failed", "needs_ocr", "pending")


def list_versions(
    archive: Archive, *, states: tuple[str, ...], limit: int = 100, actor: Actor = SYSTEM
) -> list[dict[str, Any]]:
    """Return the newest versions in `states` that `actor` may see, such as the ones staff must look at."""
    with archive.session() as session:
        versions = session.scalars(
            select(DocumentVersion)
            .join(Document, Document.id == DocumentVersion.document_id)
            .outerjoin(Contract, Contract.id == Document.contract_id)
            .where(DocumentVersion.state.in_(states), or_(Document.contract_id.is_(None), visible_contracts(actor)))
            .order_by(DocumentVersion.id.desc())
            .limit(limit)
        ).all()
        return [version_dict(v) for v in versions]


# The largest id a BIGINT column stores, in PostgreSQL and SQLite alike.
MAX_ID = 2**63 - 1


def search_clauses(
    archive: Archive,
    query: str,
    *,
    contract_id: int | None = None,
    kind: str | None = None,
    limit: int = 10,
    offset: int = 0,
    actor: Actor = SYSTEM,
) -> dict[str, Any]:
    """Search the clause index and add each hit's document title and file name.

    Clauses of contracts `actor` may not see are left out inside the index, so that the
    total and the pages count only what `actor` may see.
    """
    limit = max(0, min(limit, MAX_SEARCH_LIMIT))
    with archive.session() as session:
        hidden = hidden_contract_ids(session, actor)
    # An id beyond BIGINT names no contract, and the index rejects it as a 64-bit integer.
    out_of_range = contract_id is not None and not 0 <= contract_id <= MAX_ID
    if out_of_range or (contract_id is not None and contract_id in hidden):
        return {"query": query, "total": 0, "limit": limit, "offset": offset, "hits": []}
    page = archive.index.search(
        query, contract_id=contract_id, kind=kind, limit=limit, offset=max(0, offset), exclude_contract_ids=hidden
    )
    version_ids = {hit.document_version_id for hit in page.hits}
    clause_ids = {hit.clause_id for hit in page.hits}
    titles: dict[int, tuple[str | None, str, str]] = {}
    first_pages: dict[int, int | None] = {}
    if version_ids:
        with archive.session() as session:
            for vid, title, filename, media_type in session.execute(
                select(DocumentVersion.id, DocumentVersion.title, DocumentVersion.filename,
                       DocumentVersion.media_type).where(DocumentVersion.id.in_(version_ids))
            ):
                titles[vid] = (title, filename, media_type)
            rows = session.execute(select(Clause.id, Clause.page_start).where(Clause.id.in_(clause_ids)))
            first_pages = {clause_id: page_start for clause_id, page_start in rows}
    hits = []
    for hit in page.hits:
        title, filename, media_type = titles.get(hit.document_version_id, (None, None, None))
        hits.append(
            {
                "clause_id": hit.clause_id,
                "document_version_id": hit.document_version_id,
                "document_id": hit.document_id,
                "contract_id": hit.contract_id,
                "kind": hit.kind,
                "number": hit.number,
                "heading": hit.heading,
                "snippet": hit.snippet,
                "score": round(float(hit.score), 4),
                "document_title": title,
                "filename": filename,
                "media_type": media_type,
                "page": first_pages.get(hit.clause_id),
            }
        )
    return {"query": query, "total": page.total, "limit": limit, "offset": offset, "hits": hits}


def contract_dict(contract: Contract) -> dict[str, Any]:
    return {"id": contract.id, "number": contract.number, "title": contract.title,
            "auto_created": contract.auto_created, "created_at": contract.created_at,
            "terms": terms_dict(contract)}


def terms_dict(contract: Contract) -> dict[str, Any]:
    return {
        "counterparty": contract.counterparty, "owner": contract.owner, "signed_on": contract.signed_on,
        "effective_on": contract.effective_on, "expires_on": contract.expires_on,
        "total_amount": str(contract.total_amount) if contract.total_amount is not None else None,
        "currency": contract.currency, "auto_renews": contract.auto_renews,
        "renewal_notice_days": contract.renewal_notice_days, "terminated_on": contract.terminated_on,
        "source": contract.terms_source,
    }


def document_dict(document: Document) -> dict[str, Any]:
    return {"id": document.id, "contract_id": document.contract_id, "kind": document.kind,
            "kind_source": document.kind_source, "title": document.title,
            "deleted_at": document.deleted_at, "deleted_by": document.deleted_by}


def version_summary_dict(row: Any) -> dict[str, Any]:
    """The fields of a version that a list of versions shows, from a row of contracts.VERSION_SUMMARY_COLUMNS."""
    values = dict(row._mapping)
    values["sha256"] = values.pop("blob_sha256")
    values["indexed"] = values.pop("indexed_at") is not None
    return values


def version_dict(version: DocumentVersion) -> dict[str, Any]:
    return {
        "id": version.id,
        "document_id": version.document_id,
        "version_number": version.version_number,
        "supersedes_id": version.supersedes_id,
        "filename": version.filename,
        "title": version.title,
        "media_type": version.media_type,
        "size": version.size,
        "sha256": version.blob_sha256,
        "uploaded_by": version.uploaded_by,
        "uploaded_at": version.uploaded_at,
        "state": version.state,
        "error_code": version.error_code,
        "error_message": version.error_message,
        "error_params": version.error_params,
        "detected_kind": version.detected_kind,
        "page_count": version.page_count,
        "has_revisions": version.has_revisions,
        "needs_ocr_pages": version.needs_ocr_pages or [],
        "quality": version.quality,
        "revisions": version.revisions or [],
        "comments": version.comments or [],
        "page_furniture": version.page_furniture or [],
        "warnings": version.warnings or [],
        "link_candidates": version.link_candidates or [],
        "indexed": version.indexed_at is not None,
    }


def clause_dict(clause: Clause) -> dict[str, Any]:
    return {
        "id": clause.id,
        "ordinal": clause.ordinal,
        "role": clause.role,
        "number": clause.number,
        "heading": clause.heading,
        "text": clause.text,
        "original_text": clause.original_text,
        "raw_text": clause.raw_text,
        "level": clause.level,
        "parent_id": clause.parent_id,
        "page_start": clause.page_start,
        "page_end": clause.page_end,
        "boxes": clause.boxes or [],
        "paragraph_start": clause.paragraph_start,
        "paragraph_end": clause.paragraph_end,
        "table_rows": clause.table_rows or [],
    }


def _fields(session: Session, version_ids: list[int], clause_numbers: dict[int, str | None]) -> dict[str, list[dict[str, Any]]]:
    fields: dict[str, list[dict[str, Any]]] = {}
    if not version_ids:
        return fields
    rows = session.scalars(
        select(ExtractedField).where(ExtractedField.document_version_id.in_(version_ids)).order_by(ExtractedField.id)
    )
    for field in rows:
        display = f"{field.role}: {field.value}" if field.role else field.value
        if field.name == "currency":
            display = field.normalized or field.value  # CNY rather than the ￥ it was read from
        fields.setdefault(field.name, []).append(
            {
                "id": field.id,
                "value": field.value,
                "normalized": field.normalized,
                "role": field.role,
                "display": display,
                "document_version_id": field.document_version_id,
                "clause_id": field.clause_id,
                "clause_number": clause_numbers.get(field.clause_id) if field.clause_id else None,
                "confirmed": field.confirmed,
            }
        )
    return fields


def _ocr_pages(quality: dict[str, Any] | None) -> dict[int, float | None]:
    """Return the OCRed pages of a version's quality record, with each page's mean word confidence."""
    pages = (quality or {}).get("pages") or []
    return {page["page"]: page.get("ocr_confidence") for page in pages if page.get("ocr")}


def _on_pages(clause: Clause, pages: dict[int, float | None]) -> bool:
    if not pages or clause.page_start is None:
        return False
    last = clause.page_end or clause.page_start
    return any(number in pages for number in range(clause.page_start, last + 1))


def _links(session: Session, condition: Any, other_column: str, actor: Actor = SYSTEM) -> list[dict[str, Any]]:
    """Return amendment links whose other version lies in a contract `actor` may see."""
    other = getattr(AmendmentLink, other_column)
    rows = session.scalars(
        select(AmendmentLink)
        .join(DocumentVersion, DocumentVersion.id == other)
        .join(Document, Document.id == DocumentVersion.document_id)
        .outerjoin(Contract, Contract.id == Document.contract_id)
        .where(condition, or_(Document.contract_id.is_(None), visible_contracts(actor)))
        .order_by(AmendmentLink.id)
    ).all()
    return [
        {"version_id": getattr(link, other_column), "method": link.method, "evidence": link.evidence} for link in rows
    ]
