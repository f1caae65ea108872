"""Facts the upload page shows next to each result: the contract it was filed under and new-version offers.

The page lists, for each uploaded file, its status and kind, the contract (number and title),
the documents of that contract the file may be a new version of, and the recent contracts that
staff can move it to. Everything here only reads, and leaves out contracts the actor may not see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from archive.access import Actor, check_contract_visible, visible_contracts
from archive.context import Archive
from archive.models import Contract, Document, DocumentVersion
from archive.services.version_candidates import VersionCandidate, find_version_candidates, resembles_previous_version

# Contracts offered in the "move to contract" list of each result, newest first.
RECENT_CONTRACTS = 30
# A result in one of these states was not stored as a new document, so it gets no new-version offer.
NO_OFFER_STATES = ("failed", "duplicate")


@dataclass
class ResultReview:
    """The facts shown beside one upload result."""

    contract: dict[str, Any] | None = None
    candidates: list[VersionCandidate] = field(default_factory=list)
    # The number of the version within its document, and the document's title, after a merge.
    version_number: int | None = None
    document_title: str | None = None
    # False when a new version looks nothing like the version it supersedes.
    resembles_previous: bool | None = None


def contract_summary(contract: Contract) -> dict[str, Any]:
    return {"id": contract.id, "number": contract.number, "title": contract.title}


def upload_target(archive: Archive, contract_id: int, *, actor: Actor) -> dict[str, Any]:
    """Return the contract an upload goes into; NotFoundError when it is unknown or hidden from `actor`."""
    from archive.services.contracts import get_contract_or_raise

    with archive.session() as session:
        check_contract_visible(session, actor, contract_id)
        return contract_summary(get_contract_or_raise(session, contract_id))


def recent_contracts(archive: Archive, *, actor: Actor, limit: int = RECENT_CONTRACTS) -> list[dict[str, Any]]:
    """Return the newest contracts `actor` may see, for the "move to contract" lists."""
    with archive.session() as session:
        contracts = session.scalars(
            select(Contract).where(visible_contracts(actor)).order_by(Contract.id.desc()).limit(limit)
        ).all()
        return [contract_summary(c) for c in contracts]


def review_results(archive: Archive, results: list[Any], *, actor: Actor) -> list[ResultReview]:
    """Return a ResultReview for each ingest result, in the same order.

    `results` are IngestResult objects (from the ingest package); only their status,
    document_version_id and contract_id are read.
    """
    reviews = []
    with archive.session() as session:
        for result in results:
            review = ResultReview()
            if result.contract_id is not None:
                contract = session.scalar(
                    select(Contract).where(Contract.id == result.contract_id, visible_contracts(actor))
                )
                review.contract = contract_summary(contract) if contract is not None else None
            if result.document_version_id is not None:
                version = session.get(DocumentVersion, result.document_version_id)
                document = session.get(Document, version.document_id) if version is not None else None
                if version is not None and document is not None:
                    review.version_number = version.version_number
                    review.document_title = document.title
                    review.resembles_previous = resembles_previous_version(session, version.id)
            if result.document_version_id is not None and result.status not in NO_OFFER_STATES:
                review.candidates = find_version_candidates(session, result.document_version_id)
            reviews.append(review)
    return reviews


def visible_version_filename(archive: Archive, version_id: int, *, actor: Actor) -> str:
    """Return the version's file name; raise NotFoundError when it does not exist or `actor` may not see it."""
    from archive.services.documents import get_document_or_raise, get_version_or_raise

    with archive.session() as session:
        version = get_version_or_raise(session, version_id)
        document = get_document_or_raise(session, version.document_id)
        check_contract_visible(session, actor, document.contract_id, object_name="Document version",
                               object_id=version_id)
        return version.filename
