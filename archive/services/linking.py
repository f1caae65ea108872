"""Find the contract a new document belongs to from the numbers, titles, dates and parties it names."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from archive import notices
from archive.models import AmendmentLink, Contract, Document, DocumentVersion, ExtractedField

# Points per kind of agreement between a document's references and a contract.
SCORE_NUMBER = 10
SCORE_TITLE_EXACT = 4
SCORE_TITLE_PARTIAL = 2
SCORE_DATE = 3
SCORE_PARTY = 2
MAX_PARTY_SCORE = 4
# A contract is chosen only with this many points and this lead over the runner-up.
MIN_LINK_SCORE = 5
MIN_LEAD = 2
MAX_CANDIDATES = 5

_TITLE_NOISE = re.compile(r"[\s《》〈〉“”\"'‘’「」『』()（）\[\]【】,，.。:：;；、_\-—]+")


@dataclass(frozen=True)
class LinkQuery:
    """The contract numbers, titles, dates and parties a new document names for its contract."""

    contract_numbers: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()  # ISO dates
    parties: tuple[str, ...] = ()


@dataclass
class Candidate:
    contract_id: int
    score: int = 0
    reasons: list[str] = field(default_factory=list)
    number_matched: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"contract_id": self.contract_id, "score": self.score, "reasons": self.reasons}


@dataclass(frozen=True)
class LinkDecision:
    contract_id: int | None
    method: str | None
    evidence: str | None
    candidates: list[Candidate]


def normalize_title(title: str) -> str:
    """Fold case, width and punctuation so that quoted and printed titles compare equal."""
    title = unicodedata.normalize("NFKC", title).lower()
    return _TITLE_NOISE.sub("", title)


def normalize_party(name: str) -> str:
    name = normalize_title(name)
    return re.sub(r"(inc|llc|ltd|corp|corporation|company|co)$", "", name)


def find_contract(
    session: Session, query: LinkQuery, *, exclude_version_id: int | None = None,
    exclude_contract_ids: Collection[int] = (),
) -> LinkDecision:
    """Score existing contracts against `query` and choose one when the evidence is clear.

    Contracts in `exclude_contract_ids` (restricted ones the uploader may not see) are neither
    chosen nor named as candidates.
    """
    facts = _contract_facts(session, query, exclude_version_id)
    facts = {contract_id: fact for contract_id, fact in facts.items() if contract_id not in exclude_contract_ids}
    candidates = [_score(contract_id, fact, query) for contract_id, fact in facts.items()]
    candidates = sorted((c for c in candidates if c.score > 0), key=lambda c: -c.score)[:MAX_CANDIDATES]
    if not candidates or candidates[0].score < MIN_LINK_SCORE:
        return LinkDecision(None, None, None, candidates)
    best = candidates[0]
    if len(candidates) > 1 and best.score - candidates[1].score < MIN_LEAD:
        return LinkDecision(None, None, None, candidates)
    method = "contract_number" if best.number_matched else "title"
    return LinkDecision(best.contract_id, method, notices.EVIDENCE_SEPARATOR.join(best.reasons), candidates)


@dataclass
class _Facts:
    numbers: set[str] = field(default_factory=set)
    titles: set[str] = field(default_factory=set)
    dates: set[str] = field(default_factory=set)
    parties: set[str] = field(default_factory=set)


def _contract_facts(session: Session, query: LinkQuery, exclude_version_id: int | None) -> dict[int, _Facts]:
    numbers = {n.upper() for n in query.contract_numbers}
    party_keys = {normalize_party(p) for p in query.parties if normalize_party(p)}
    title_keys = {normalize_title(t) for t in query.titles if normalize_title(t)}

    # Candidate contracts: any that share a number, a party or a title with the query.
    conditions = []
    if numbers:
        conditions.append(Contract.number.in_(numbers))
        conditions.append(
            Contract.id.in_(
                select(Document.contract_id)
                .join(DocumentVersion, DocumentVersion.document_id == Document.id)
                .join(ExtractedField, ExtractedField.document_version_id == DocumentVersion.id)
                .where(ExtractedField.name == "contract_number", ExtractedField.normalized.in_(numbers))
            )
        )
    if query.parties:
        conditions.append(
            Contract.id.in_(
                select(Document.contract_id)
                .join(DocumentVersion, DocumentVersion.document_id == Document.id)
                .join(ExtractedField, ExtractedField.document_version_id == DocumentVersion.id)
                .where(ExtractedField.name == "party", ExtractedField.normalized.in_(party_keys))
            )
        )
    if title_keys:
        # NOTE: titles match by containment, which SQL cannot index, so every titled contract is scored.
        conditions.append(Contract.title.is_not(None))
    if not conditions:
        return {}
    contracts = session.scalars(select(Contract).where(or_(*conditions))).all()

    facts: dict[int, _Facts] = defaultdict(_Facts)
    for contract in contracts:
        fact = facts[contract.id]
        if contract.number:
            fact.numbers.add(contract.number.upper())
        if contract.title:
            fact.titles.add(normalize_title(contract.title))
    if not facts:
        return {}
    rows = session.execute(
        select(Document.contract_id, Document.kind, DocumentVersion.title, ExtractedField.name, ExtractedField.normalized, ExtractedField.value)
        .join(DocumentVersion, DocumentVersion.document_id == Document.id)
        .join(ExtractedField, ExtractedField.document_version_id == DocumentVersion.id, isouter=True)
        .where(Document.contract_id.in_(facts.keys()))
        .where(DocumentVersion.id != (exclude_version_id or -1))
    ).all()
    for contract_id, kind, version_title, name, normalized, value in rows:
        fact = facts[contract_id]
        if version_title and kind == "contract":
            fact.titles.add(normalize_title(version_title))
        if name == "contract_number" and normalized:
            fact.numbers.add(normalized.upper())
        elif name in ("signing_date", "effective_date") and normalized:
            fact.dates.add(normalized)
        elif name == "party" and value:
            fact.parties.add(normalize_party(value))
    return facts


def _score(contract_id: int, fact: _Facts, query: LinkQuery) -> Candidate:
    candidate = Candidate(contract_id)
    for number in query.contract_numbers:
        if number.upper() in fact.numbers:
            candidate.score += SCORE_NUMBER
            candidate.reasons.append(notices.LINK_REASON_NUMBER.format(number=number))
            candidate.number_matched = True
            break
    title_score = 0
    for title in query.titles:
        key = normalize_title(title)
        if not key:
            continue
        if key in fact.titles:
            title_score = max(title_score, SCORE_TITLE_EXACT)
        elif any(len(key) >= 4 and (key in t or t in key) for t in fact.titles if len(t) >= 4):
            title_score = max(title_score, SCORE_TITLE_PARTIAL)
    if title_score:
        candidate.score += title_score
        candidate.reasons.append(notices.LINK_REASON_TITLE)
    if set(query.dates) & fact.dates:
        candidate.score += SCORE_DATE
        candidate.reasons.append(notices.LINK_REASON_DATE.format(dates=", ".join(sorted(set(query.dates) & fact.dates))))
    shared = {normalize_party(p) for p in query.parties} & fact.parties
    if shared:
        candidate.score += min(MAX_PARTY_SCORE, SCORE_PARTY * len(shared))
        candidate.reasons.append(notices.LINK_REASON_PARTIES.format(count=len(shared)))
    return candidate


def link_amendment(
    session: Session, *, document: Document, version: DocumentVersion, method: str, evidence: str | None
) -> list[int]:
    """Link an amendment version to the current version of every contract document in its contract."""
    if document.kind != "amendment" or document.contract_id is None:
        return []
    targets = session.scalars(
        select(DocumentVersion)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(Document.contract_id == document.contract_id, Document.kind == "contract")
        .where(DocumentVersion.id != version.id)
        .order_by(DocumentVersion.document_id, DocumentVersion.version_number.desc())
    ).all()
    latest: dict[int, DocumentVersion] = {}
    for target in targets:
        latest.setdefault(target.document_id, target)
    for target in latest.values():
        session.add(
            AmendmentLink(amendment_version_id=version.id, amended_version_id=target.id, method=method, evidence=evidence)
        )
    return [t.id for t in latest.values()]


def relink_document(session: Session, *, document: Document, method: str) -> None:
    """Replace the amendment links of every version of `document` after it moved or changed kind."""
    versions = session.scalars(select(DocumentVersion).where(DocumentVersion.document_id == document.id)).all()
    for version in versions:
        session.execute(delete(AmendmentLink).where(AmendmentLink.amendment_version_id == version.id))
    session.flush()
    for version in versions:
        link_amendment(session, document=document, version=version, method=method, evidence=None)
