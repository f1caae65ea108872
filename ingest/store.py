"""Write what the analysis found for one version, in one transaction."""

from __future__ import annotations

import logging
import dataclasses
from dataclasses import asdict
from datetime import datetime, timezone

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from archive import notices
from archive.context import Archive
from archive.errors import ArchiveError
from archive.models import (
    AmendmentLink,
    Clause,
    Contract,
    Document,
    DocumentVersion,
    ExtractedField,
    Obligation,
    PerformanceRecord,
)
from archive.services import documents as document_service
from archive.services.audit import record_event
from archive.services.contracts import create_contract
from archive.services.holds import hold_contract_files
from archive.services.linking import LinkDecision, LinkQuery, find_contract, link_amendment, normalize_party
from ingest.analyse import Analysis
from ingest.parsed import ParsedDocument
from ingest.quality import assess_document
from ingest.result import FAILED, INGESTED, NEEDS_OCR, PENDING, IngestResult

logger = logging.getLogger(__name__)

# A version is reported as needing OCR when more than this share of its pages has no usable text.
NEEDS_OCR_PAGE_SHARE = 0.5
# Document kinds that belong to an existing contract rather than starting one.
DEPENDENT_KINDS = ("amendment", "acceptance_report", "payment_proof", "invoice", "correspondence", "meeting_minutes")


def write_analysis(archive: Archive, version_id: int, parsed: ParsedDocument, analysis: Analysis) -> IngestResult:
    """Replace the version's clauses, fields and links with the analysis, and file it under a contract."""
    with archive.session() as session:
        version = _locked_version(session, version_id)
        document = document_service.get_document_or_raise(session, version.document_id)
        if version.state != PENDING:
            # Another run wrote this version while this one was reading it.
            return _result_from_rows(session, version, document)
        _clear_version(session, version_id)
        clause_ids = _insert_clauses(session, version_id, analysis)
        _insert_fields(session, version_id, analysis, clause_ids)

        if document.kind_source != "staff":
            document.kind = analysis.kind
        # The text's own title beats file metadata, which is often a stale template title.
        title = _first_field(analysis, "title") or parsed.title
        document.title = document.title or title or version.filename
        version.title = title
        version.detected_kind = analysis.kind
        version.page_count = len(parsed.pages) or None
        version.has_revisions = parsed.has_revisions
        version.needs_ocr_pages = parsed.needs_ocr_pages
        version.quality = assess_document(parsed)
        version.revisions = [dataclasses.asdict(r) for r in parsed.revisions]
        version.comments = [dataclasses.asdict(c) for c in parsed.comments]
        version.page_furniture = list(parsed.page_furniture)
        # A new reading replaces the warnings of an earlier one (a retry after a raised OCR page
        # limit must not keep the limit's warning). Only the note about filing is kept, because
        # filing is not repeated for a version that was already filed.
        filing = [warning for warning in version.warnings or [] if warning == notices.NO_CONTRACT_MATCHED]
        version.warnings = _merge(analysis.warnings, filing)
        version.state = NEEDS_OCR if _mostly_needs_ocr(parsed, analysis) else INGESTED
        version.error_code = version.error_message = version.error_params = None
        version.ingested_at = datetime.now(timezone.utc)
        version.indexed_at = None

        decision = _file_under_contract(session, document, version, analysis)
        amended = _link_amendment(session, document, version, decision)
        if document.kind == "contract" and document.contract_id is not None:
            session.flush()
            _claim_dependents(session, document.contract_id)
        session.flush()
        # A file filed under a contract on hold is held before the analysis commits.
        hold_contract_files(archive, session, document.contract_id)
        suggested = _suggest_obligations(archive, session, document, version_id, analysis)
        record_event(
            session, actor="system", action="ingest", object_type="document_version", object_id=version_id,
            summary={"state": version.state, "clauses": len(clause_ids), "kind": document.kind,
                     "contract_id": document.contract_id, "obligations_suggested": suggested},
        )
        session.flush()
        result = _result_from_rows(session, version, document)
        result.amends_version_ids = amended
        result.link_method = decision.method if decision else None
        return result


def _suggest_obligations(archive: Archive, session: Session, document, version_id: int,  # type: ignore[no-untyped-def]
                         analysis: Analysis) -> int:
    """Fill the contract's terms from a contract's fields and suggest obligations from its clauses."""
    from archive.services.contract_terms import fill_terms_from_fields
    from archive.services.obligations import PartyRoles, add_suggestions
    from ingest.obligations import derive_obligations

    if document.kind not in ("contract", "amendment") or document.contract_id is None:
        return 0
    contract = session.get(Contract, document.contract_id)
    ours = archive.settings.our_party_names
    if document.kind == "contract":
        fill_terms_from_fields(session, contract, version_id, ours=ours)
    suggestions = derive_obligations(analysis.clauses, total=contract.total_amount, currency=contract.currency)
    return len(add_suggestions(session, contract_id=contract.id, version_id=version_id, suggestions=suggestions,
                               roles=PartyRoles(ours)))


def mark_failed(archive: Archive, version_id: int, error: ArchiveError) -> IngestResult:
    """Mark a version failed with a message a person can act on; its blob stays stored."""
    with archive.session() as session:
        version = _locked_version(session, version_id)
        if version.state != PENDING:
            document = document_service.get_document_or_raise(session, version.document_id)
            return _result_from_rows(session, version, document)
        version.error_code, version.error_message, version.error_params = error.code, str(error), error.params
        version.state = FAILED
        record_event(
            session, actor="system", action="ingest_failed", object_type="document_version", object_id=version_id,
            summary={"error_code": version.error_code},
        )
        document = document_service.get_document_or_raise(session, version.document_id)
        return _result_from_rows(session, version, document)


def _locked_version(session: Session, version_id: int) -> DocumentVersion:
    """Return the version with its row locked (PostgreSQL), so two writers of one version take turns."""
    version = session.scalars(
        select(DocumentVersion).where(DocumentVersion.id == version_id).with_for_update()
    ).one_or_none()
    if version is None:
        return document_service.get_version_or_raise(session, version_id)
    return version


def describe_version(archive: Archive, version_id: int, display_name: str) -> IngestResult:
    with archive.session() as session:
        version = document_service.get_version_or_raise(session, version_id)
        document = document_service.get_document_or_raise(session, version.document_id)
        result = _result_from_rows(session, version, document)
        result.file = display_name
        return result


def _clear_version(session: Session, version_id: int) -> None:
    # Processing a version again (retry, a re-run job) must not duplicate anything.
    session.execute(delete(AmendmentLink).where(AmendmentLink.amendment_version_id == version_id))
    session.execute(delete(ExtractedField).where(ExtractedField.document_version_id == version_id))
    session.execute(
        Clause.__table__.update().where(Clause.document_version_id == version_id).values(parent_id=None)
    )
    # Unreviewed suggestions are made again from the new reading. Reviewed obligations and
    # records keep their quoted source text, but lose the link to the clause rows replaced here.
    clause_ids = select(Clause.id).where(Clause.document_version_id == version_id)
    session.execute(delete(Obligation).where(Obligation.document_version_id == version_id,
                                             Obligation.review == "suggested"))
    session.execute(update(Obligation).where(Obligation.clause_id.in_(clause_ids)).values(clause_id=None))
    session.execute(update(PerformanceRecord).where(PerformanceRecord.clause_id.in_(clause_ids)).values(clause_id=None))
    session.execute(delete(Clause).where(Clause.document_version_id == version_id))


def _insert_clauses(session: Session, version_id: int, analysis: Analysis) -> dict[int, int]:
    rows = []
    for clause in analysis.clauses:
        row = Clause(
            document_version_id=version_id,
            ordinal=clause.ordinal,
            role=clause.role,
            number=clause.number,
            heading=clause.heading,
            text=clause.text,
            original_text=clause.original_text,
            raw_text=clause.raw_text,
            level=clause.level,
            page_start=clause.page_start,
            page_end=clause.page_end,
            boxes=[[page, *box.as_list()] for page, box in clause.boxes],
            paragraph_start=clause.paragraph_start,
            paragraph_end=clause.paragraph_end,
            table_rows=[list(row) for row in clause.table_rows],
        )
        rows.append(row)
    session.add_all(rows)
    session.flush()
    ids = {clause.ordinal: row.id for clause, row in zip(analysis.clauses, rows)}
    for clause, row in zip(analysis.clauses, rows):
        if clause.parent is not None:
            row.parent_id = ids.get(clause.parent)
    return ids


def _insert_fields(session: Session, version_id: int, analysis: Analysis, clause_ids: dict[int, int]) -> None:
    for field in analysis.fields:
        normalized = normalize_party(field.value) if field.name == "party" else field.normalized
        session.add(
            ExtractedField(
                document_version_id=version_id,
                clause_id=clause_ids.get(field.clause_ordinal) if field.clause_ordinal is not None else None,
                name=field.name,
                value=field.value,
                normalized=normalized,
                role=field.role,
                detail={"text": field.detail} if field.detail else None,
            )
        )


def _file_under_contract(
    session: Session, document: Document, version: DocumentVersion, analysis: Analysis
) -> LinkDecision | None:
    """Choose the contract for a document that has none yet, creating one when nothing matches."""
    if document.contract_id is not None:
        _fill_contract_facts(session, document, analysis)
        return None
    query = _link_query(analysis)
    version.link_query = asdict(query)
    decision = find_contract(
        session, query, exclude_version_id=version.id, exclude_contract_ids=_hidden_from_uploader(session, version)
    )
    version.link_candidates = [c.as_dict() for c in decision.candidates]
    if decision.contract_id is not None:
        document.contract_id = decision.contract_id
        _fill_contract_facts(session, document, analysis)
        return decision
    contract = create_contract(
        session,
        number=_first_field(analysis, "contract_number", normalized=True),
        title=document.title,
        auto_created=True,
    )
    document.contract_id = contract.id
    if document.kind in DEPENDENT_KINDS:
        version.warnings = _merge(version.warnings, [notices.NO_CONTRACT_MATCHED])
    return decision


def _fill_contract_facts(session: Session, document: Document, analysis: Analysis) -> None:
    """Take a contract's number and title from its contract document."""
    contract = session.get(Contract, document.contract_id)
    if contract is None or document.kind != "contract":
        return
    number = _first_field(analysis, "contract_number", normalized=True)
    if contract.auto_created:
        # The pipeline made this contract for an amendment or report; the contract itself names it best.
        contract.number = number or contract.number
        contract.title = document.title or contract.title
        contract.auto_created = False
        return
    contract.number = contract.number or number
    contract.title = contract.title or document.title


def _link_amendment(
    session: Session, document: Document, version: DocumentVersion, decision: LinkDecision | None
) -> list[int]:
    method = decision.method if decision and decision.method else "same_contract"
    return link_amendment(session, document=document, version=version, method=method,
                          evidence=decision.evidence if decision else None)


def _claim_dependents(session: Session, contract_id: int) -> None:
    """Adopt amendments and reports that name this contract but were filed before it arrived.

    Files arrive in any order: an amendment ingested before its contract was filed under
    a contract the pipeline made for it. Once the contract arrives, the amendment moves
    here (or the contract joined the amendment's contract) and is linked to it.
    """
    has_contract_document = select(Document.id).where(
        Document.contract_id == Contract.id, Document.kind == "contract"
    ).exists()
    shells = session.scalars(
        select(Contract.id).where(Contract.auto_created, Contract.id != contract_id, ~has_contract_document)
    ).all()
    documents = session.scalars(
        select(Document).where(
            Document.contract_id.in_([*shells, contract_id]), Document.kind.in_(DEPENDENT_KINDS)
        )
    ).all()
    for document in documents:
        version = document_service.latest_version(session, document.id)
        if version is None:
            continue
        decision = _decide_again(session, version)
        if document.contract_id != contract_id:
            if decision is None or decision.contract_id != contract_id:
                continue
            _move_document(session, document, version, contract_id, decision)
        version.warnings = [w for w in version.warnings or [] if w != notices.NO_CONTRACT_MATCHED]
        already_linked = session.scalar(
            select(AmendmentLink.id).where(AmendmentLink.amendment_version_id == version.id).limit(1)
        )
        if already_linked is None:
            chosen = decision if decision is not None and decision.contract_id == contract_id else None
            _link_amendment(session, document, version, chosen)
        session.flush()
    _delete_empty_shells(session, list(shells))


def _decide_again(session: Session, version: DocumentVersion) -> LinkDecision | None:
    if not version.link_query:
        return None
    query = LinkQuery(**{key: tuple(values) for key, values in version.link_query.items()})
    return find_contract(
        session, query, exclude_version_id=version.id, exclude_contract_ids=_hidden_from_uploader(session, version)
    )


def _hidden_from_uploader(session: Session, version: DocumentVersion) -> frozenset[int]:
    """Return the restricted contracts the version's uploader may not see; a file is never filed into one.

    Files stored by the system or a server command (no user of that name) may go anywhere.
    """
    from archive.access import actor_for, hidden_contract_ids
    from archive.models import User

    user = session.scalar(select(User).where(User.username == version.uploaded_by))
    if user is None:
        return frozenset()
    return hidden_contract_ids(session, actor_for(session, user.id, user.username, user.role))


def _move_document(
    session: Session, document: Document, version: DocumentVersion, contract_id: int, decision: LinkDecision
) -> None:
    previous = document.contract_id
    document.contract_id = contract_id
    document_service.move_obligations_with_document(session, document.id, contract_id)
    version.indexed_at = None  # the index entry carries the old contract id
    version.link_candidates = [c.as_dict() for c in decision.candidates]
    session.execute(delete(AmendmentLink).where(AmendmentLink.amendment_version_id == version.id))
    record_event(
        session, actor="system", action="document_moved", object_type="document", object_id=document.id,
        summary={"from_contract_id": previous, "to_contract_id": contract_id, "evidence": decision.evidence},
    )
    session.flush()


def _delete_empty_shells(session: Session, contract_ids: list[int]) -> None:
    for contract_id in contract_ids:
        document_service.delete_if_empty_auto_contract(session, contract_id=contract_id, actor="system")


def _link_query(analysis: Analysis) -> LinkQuery:
    refs = analysis.references
    parties = tuple(f.value for f in analysis.fields if f.name == "party")
    return LinkQuery(
        contract_numbers=tuple(getattr(refs, "contract_numbers", ()))
        + tuple(f.normalized or f.value for f in analysis.fields if f.name == "contract_number"),
        titles=tuple(getattr(refs, "quoted_titles", ())),
        dates=tuple(str(d) for d in getattr(refs, "dates", ())),
        parties=parties,
    )


def _first_field(analysis: Analysis, name: str, *, normalized: bool = False) -> str | None:
    for field in analysis.fields:
        if field.name == name:
            return (field.normalized or field.value) if normalized else field.value
    return None


def _mostly_needs_ocr(parsed: ParsedDocument, analysis: Analysis) -> bool:
    if not parsed.pages:
        return False
    missing = len(parsed.needs_ocr_pages)
    return missing > 0 and (missing > NEEDS_OCR_PAGE_SHARE * len(parsed.pages) or not analysis.clauses)


def _merge(*lists: list[str]) -> list[str]:
    merged: list[str] = []
    for items in lists:
        for item in items or []:
            if item and item not in merged:
                merged.append(item)
    return merged


def _result_from_rows(session: Session, version: DocumentVersion, document: Document) -> IngestResult:
    clause_count = len(session.scalars(select(Clause.id).where(Clause.document_version_id == version.id)).all())
    fields: dict[str, list[str]] = {}
    for field in session.scalars(
        select(ExtractedField).where(ExtractedField.document_version_id == version.id).order_by(ExtractedField.id)
    ):
        shown = f"{field.role}: {field.value}" if field.role else (field.normalized or field.value)
        fields.setdefault(field.name, []).append(shown)
    amends = session.scalars(
        select(AmendmentLink.amended_version_id).where(AmendmentLink.amendment_version_id == version.id)
    ).all()
    return IngestResult(
        file=version.filename,
        status=version.state,
        document_version_id=version.id,
        document_id=document.id,
        contract_id=document.contract_id,
        kind=document.kind,
        clause_count=clause_count,
        fields=fields,
        warnings=list(version.warnings or []),
        error=version.error_message,
        error_code=version.error_code,
        error_params=version.error_params,
        amends_version_ids=list(amends),
        candidates=list(version.link_candidates or []),
        needs_ocr_pages=list(version.needs_ocr_pages or []),
    )
