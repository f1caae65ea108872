"""Find documents of the same contract that a just uploaded file is probably a new version of.

An upload without a target document starts a new document. When that file is a revised copy
of a document the contract already has, staff should be able to make it that document's newest
version instead. Three rules find such documents, and each compares the new version with the
latest version of every other document in its contract:

- title: the same kind and a similar title;
- filename: the same kind, a similar file name once version marks such as "v2" or "修订版" are
  removed, and no conflicting contract numbers;
- clauses: a high share of shared character pairs in the clause text, whatever the kinds.

The scorer only reads. It loads one contract's documents, their latest versions, and clause text
cut to CLAUSE_TEXT_CHARS per version, so its cost grows with the size of one contract.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from pathlib import PurePosixPath

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.models import Clause, Document, DocumentVersion, ExtractedField
from archive.services.linking import normalize_title

# Minimum similarities (0 to 1) for each rule.
MIN_TITLE_SIMILARITY = 0.85
MIN_FILENAME_SIMILARITY = 0.8
MIN_CLAUSE_SIMILARITY = 0.6
# Each rule that matches beyond the best one adds this much to a candidate's score.
EXTRA_RULE_BONUS = 0.05
# Clause text compared per version, in characters; enough for the body of most contracts.
CLAUSE_TEXT_CHARS = 20_000
# The most recently created documents of the contract that are compared.
MAX_COMPARED_DOCUMENTS = 200
MAX_CANDIDATES = 3

RULE_TITLE = "title"
RULE_FILENAME = "filename"
RULE_CLAUSES = "clauses"

# Version marks in file names: v2, V1.3, 第2版, 修订版, 最终稿, 定稿, 副本, copy, final, draft, (1), dates.
_VERSION_MARKS = re.compile(
    r"v\d+(?:\.\d+)*|第[\d一二三四五六七八九十]+[版稿]|(?:修订|修改|最终|签署|盖章|扫描)[版稿]?|[终定草][版稿]"
    r"|副本|copy|final|draft|rev\d*|\(\d+\)|（\d+）"
    r"|\d{4}年\d{1,2}月\d{1,2}日|\d{4}[-._]\d{1,2}[-._]\d{1,2}(?!\d)|(?<!\d)\d{8}(?!\d)"
)
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class VersionCandidate:
    """A document that the new version may continue, with the rules that point to it."""

    document_id: int
    latest_version_id: int
    title: str
    kind: str
    score: float
    rules: tuple[str, ...]
    clause_similarity: float


@dataclass(frozen=True)
class _Profile:
    """The parts of one version that the rules compare: kind, title, file name stem, contract numbers, text pairs."""

    document_id: int
    version_id: int
    kind: str
    title: str
    title_key: str
    stem_key: str
    numbers: frozenset[str]
    pairs: frozenset[str]


def find_version_candidates(session: Session, version_id: int, *, limit: int = MAX_CANDIDATES) -> list[VersionCandidate]:
    """Return the documents of the version's contract that it may be a new version of, best first.

    Returns nothing for a version of a document that already has more than one version, because
    that file was uploaded as a version on purpose, and for a document not filed under a contract.
    """
    version = session.get(DocumentVersion, version_id)
    if version is None:
        return []
    document = session.get(Document, version.document_id)
    if document is None or document.contract_id is None or document.deleted_at is not None:
        return []
    version_count = session.scalar(
        select(func.count(DocumentVersion.id)).where(DocumentVersion.document_id == document.id)
    )
    if version_count != 1:
        return []

    others = _latest_versions(session, document.contract_id, exclude_document_id=document.id)
    if not others:
        return []
    versions = [version, *(other for _, other in others)]
    numbers = _contract_numbers(session, [v.id for v in versions])
    texts = _clause_texts(session, [v.id for v in versions])
    new = _profile(document, version, numbers, texts)
    candidates = []
    for other_document, other_version in others:
        candidate = _compare(new, _profile(other_document, other_version, numbers, texts))
        if candidate is not None:
            candidates.append(candidate)
    candidates.sort(key=lambda c: (-c.score, -c.latest_version_id))
    return candidates[:limit]


def resembles_previous_version(session: Session, version_id: int) -> bool | None:
    """Return whether a version looks like the version it supersedes, by the same rules as the offers.

    Returns None for a first version. A new version whose title, file name and clauses all differ
    from the one before (and whose contract number, where both have one, differs too) was
    probably filed under the wrong document.
    """
    version = session.get(DocumentVersion, version_id)
    if version is None or version.supersedes_id is None:
        return None
    previous = session.get(DocumentVersion, version.supersedes_id)
    document = session.get(Document, version.document_id)
    if previous is None or document is None:
        return None
    numbers = _contract_numbers(session, [version.id, previous.id])
    texts = _clause_texts(session, [version.id, previous.id])
    # The title of each version, not the document's, which the first version named.
    new = replace(_profile(document, version, numbers, texts), title_key=normalize_title(version.title or ""))
    old = replace(_profile(document, previous, numbers, texts), title_key=normalize_title(previous.title or ""))
    return _compare(new, old) is not None


def title_similarity(first: str, second: str) -> float:
    """Return how alike two titles are (0 to 1), ignoring case, width, spaces and punctuation."""
    return _ratio(normalize_title(first), normalize_title(second))


def filename_stem_key(filename: str) -> str:
    """Return the file name without its extension and version marks, folded for comparison."""
    stem = PurePosixPath(filename).stem
    stem = unicodedata.normalize("NFKC", stem).lower()
    stem = _VERSION_MARKS.sub("", stem)
    return normalize_title(stem)


def text_pairs(text: str) -> frozenset[str]:
    """Return the set of adjacent character pairs of `text` with whitespace removed."""
    folded = _WHITESPACE.sub("", unicodedata.normalize("NFKC", text).lower())[:CLAUSE_TEXT_CHARS]
    return frozenset(folded[i : i + 2] for i in range(len(folded) - 1))


def pair_similarity(first: frozenset[str], second: frozenset[str]) -> float:
    """Return the Jaccard index of two pair sets; 0 when either is empty."""
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def _compare(new: _Profile, other: _Profile) -> VersionCandidate | None:
    same_kind = new.kind == other.kind
    scores: dict[str, float] = {}

    title_score = _ratio(new.title_key, other.title_key)
    if same_kind and title_score >= MIN_TITLE_SIMILARITY:
        scores[RULE_TITLE] = title_score

    numbers_conflict = bool(new.numbers and other.numbers and not new.numbers & other.numbers)
    stem_score = _ratio(new.stem_key, other.stem_key)
    if same_kind and not numbers_conflict and stem_score >= MIN_FILENAME_SIMILARITY:
        # A file name is weaker evidence than a title printed in the document.
        scores[RULE_FILENAME] = 0.9 * stem_score

    clause_score = pair_similarity(new.pairs, other.pairs)
    if clause_score >= MIN_CLAUSE_SIMILARITY:
        scores[RULE_CLAUSES] = clause_score

    if not scores:
        return None
    best = max(scores.values())
    score = min(1.0, best + EXTRA_RULE_BONUS * (len(scores) - 1))
    rules = tuple(rule for rule in (RULE_TITLE, RULE_FILENAME, RULE_CLAUSES) if rule in scores)
    return VersionCandidate(
        document_id=other.document_id, latest_version_id=other.version_id, title=other.title, kind=other.kind,
        score=round(score, 3), rules=rules, clause_similarity=round(clause_score, 3),
    )


def _latest_versions(
    session: Session, contract_id: int, *, exclude_document_id: int
) -> list[tuple[Document, DocumentVersion]]:
    """Return the newest documents of the contract (not deleted) with their latest versions."""
    documents = session.scalars(
        select(Document)
        .where(Document.contract_id == contract_id, Document.id != exclude_document_id, Document.deleted_at.is_(None))
        .order_by(Document.id.desc())
        .limit(MAX_COMPARED_DOCUMENTS)
    ).all()
    if not documents:
        return []
    latest_numbers = (
        select(DocumentVersion.document_id, func.max(DocumentVersion.version_number).label("number"))
        .where(DocumentVersion.document_id.in_([d.id for d in documents]))
        .group_by(DocumentVersion.document_id)
        .subquery()
    )
    versions = session.scalars(
        select(DocumentVersion).join(
            latest_numbers,
            (latest_numbers.c.document_id == DocumentVersion.document_id)
            & (latest_numbers.c.number == DocumentVersion.version_number),
        )
    ).all()
    by_document = {v.document_id: v for v in versions}
    return [(d, by_document[d.id]) for d in documents if d.id in by_document]


def _contract_numbers(session: Session, version_ids: list[int]) -> dict[int, set[str]]:
    numbers: dict[int, set[str]] = {}
    rows = session.execute(
        select(ExtractedField.document_version_id, ExtractedField.normalized, ExtractedField.value)
        .where(ExtractedField.document_version_id.in_(version_ids), ExtractedField.name == "contract_number")
    ).all()
    for version_id, normalized, value in rows:
        numbers.setdefault(version_id, set()).add((normalized or value).upper())
    return numbers


def _clause_texts(session: Session, version_ids: list[int]) -> dict[int, str]:
    """Return each version's clause text in reading order, cut to CLAUSE_TEXT_CHARS."""
    parts: dict[int, list[str]] = {}
    lengths: dict[int, int] = {}
    rows = session.execute(
        select(Clause.document_version_id, Clause.text)
        .where(Clause.document_version_id.in_(version_ids))
        .order_by(Clause.document_version_id, Clause.ordinal)
    )
    for version_id, text in rows:
        if lengths.get(version_id, 0) >= CLAUSE_TEXT_CHARS:
            continue
        parts.setdefault(version_id, []).append(text)
        lengths[version_id] = lengths.get(version_id, 0) + len(text)
    return {version_id: "\n".join(texts) for version_id, texts in parts.items()}


def _profile(document: Document, version: DocumentVersion, numbers: dict[int, set[str]],
             texts: dict[int, str]) -> _Profile:
    title = document.title or version.title or PurePosixPath(version.filename).stem
    title_key = normalize_title(version.title or document.title or "")
    return _Profile(
        document_id=document.id,
        version_id=version.id,
        kind=document.kind,
        title=title,
        title_key=title_key,
        stem_key=filename_stem_key(version.filename),
        numbers=frozenset(numbers.get(version.id, ())),
        pairs=text_pairs(texts.get(version.id, "")),
    )


def _ratio(first: str, second: str) -> float:
    if not first or not second:
        return 0.0
    if first == second:
        return 1.0
    return SequenceMatcher(None, first, second, autojunk=False).ratio()
