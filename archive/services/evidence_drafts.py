"""Create, edit and save evidence drafts, which select, describe, order and group the evidence for a case.

A draft draws on one or more contracts, which the acting user must be able to see. Items point
at a document version, a clause or a performance record of those contracts. Items are ordered by
group and then by `position`, and an item's number within its group (the 2 of 证据 1-2) follows
that order.

Saving copies the header and items into a snapshot and records the snapshot's SHA-256 in an
audit event. A pack build of that revision uses the snapshot and the event's time and hash.
Edits after a save change only the live items, so builds keep using the snapshot until the next
save.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive import problems
from archive.access import Actor, Permission, check_contract_visible, hidden_contract_ids
from archive.errors import InvalidEvidenceDraftError, NotFoundError
from archive.evidence.bundle import PDF_MEDIA_TYPE, parse_page_selection
from archive.evidence.items import ORIGIN_KINDS
from archive.models import (
    Clause,
    Contract,
    Document,
    DocumentVersion,
    EvidenceDraft,
    EvidenceDraftContract,
    EvidenceDraftItem,
    PerformanceRecord,
)
from archive.models.base import utcnow
from archive.models.evidence import DISPUTE_KINDS, ITEM_SOURCES
from archive.services.audit import record_event

MAX_GROUP = 99
# Highest page number a page list may name when the file's page count is unknown.
MAX_PAGES = 10_000
# Maximum lengths in characters: MAX_NAME for one-line fields, MAX_TEXT for an item's purpose.
MAX_NAME = 300
MAX_TEXT = 20_000
# Fields of an item that staff can edit. The source an item points at cannot change after the item is added.
ITEM_TEXT_FIELDS = ("name", "origin", "issuer", "purpose", "pages", "group_number")
HEADER_FIELDS = ("case_name", "dispute", "claimant", "respondent", "group_titles", "lang")
PACK_LANGUAGES = ("zh_CN", "en")
# Names of the item sources in messages, translated through archive.vocabulary.OBJECT_NAMES.
SOURCE_NAMES = {"version": "Document version", "clause": "Clause", "record": "Performance record"}


@dataclass
class ItemInput:
    """Input for a new item: its source and the fields that the evidence index shows."""

    source: str
    name: str
    document_version_id: int | None = None
    clause_id: int | None = None
    record_id: int | None = None
    origin: str = "copy"
    issuer: str = ""
    purpose: str = ""
    pages: str | None = None
    group_number: int = 1


def get_draft_or_raise(session: Session, draft_id: int, actor: Actor, *, object_name: str = "Evidence draft",
                       object_id: int | None = None) -> EvidenceDraft:
    """Return the draft, or raise NotFoundError when it does not exist or `actor` may not see it.

    `actor` may not see a draft that draws on a contract hidden from them. `object_name` and
    `object_id` name the requested object (an item, a build or a pack of the draft), so that the
    error reveals nothing about the draft behind it.
    """
    requested_id = draft_id if object_id is None else object_id
    draft = session.get(EvidenceDraft, draft_id)
    if draft is None:
        raise NotFoundError(object=object_name, id=requested_id)
    for contract_id in draft_contract_ids(session, draft_id):
        check_contract_visible(session, actor, contract_id, object_name=object_name, object_id=requested_id)
    return draft


def draft_contract_ids(session: Session, draft_id: int) -> list[int]:
    """Return the ids of the contracts the draft draws on, in the order they were added."""
    return list(session.scalars(
        select(EvidenceDraftContract.contract_id).where(EvidenceDraftContract.draft_id == draft_id)
        .order_by(EvidenceDraftContract.id)))


def draft_items(session: Session, draft_id: int) -> list[EvidenceDraftItem]:
    """Return the draft's items in order: by group, then by position."""
    return list(session.scalars(
        select(EvidenceDraftItem).where(EvidenceDraftItem.draft_id == draft_id)
        .order_by(EvidenceDraftItem.group_number, EvidenceDraftItem.position, EvidenceDraftItem.id)))


def numbered(items: list[EvidenceDraftItem]) -> list[tuple[EvidenceDraftItem, int]]:
    """Pair each item (in draft_items order) with its number within its group."""
    counts: dict[int, int] = {}
    result = []
    for item in items:
        counts[item.group_number] = counts.get(item.group_number, 0) + 1
        result.append((item, counts[item.group_number]))
    return result


def create_draft(session: Session, *, case_name: str, contract_ids: list[int], actor: Actor, dispute: str = "other",
                 claimant: str = "", respondent: str = "", lang: str = "zh_CN") -> EvidenceDraft:
    """Create an empty draft that draws on the given contracts, and record an audit event."""
    actor.require(Permission.WRITE)
    unique_ids = list(dict.fromkeys(contract_ids))
    if not unique_ids:
        raise InvalidEvidenceDraftError(problems.CONTRACTS_MISSING, draft_id="")
    for contract_id in unique_ids:
        check_contract_visible(session, actor, contract_id)
        if session.get(Contract, contract_id) is None:
            raise NotFoundError(object="Contract", id=contract_id)
    draft = EvidenceDraft(created_by=actor.username, case_name="", dispute="other", claimant="", respondent="",
                          group_titles={}, lang="zh_CN")
    _set_header(draft, {"case_name": case_name, "dispute": dispute, "claimant": claimant,
                        "respondent": respondent, "lang": lang}, draft_label="")
    session.add(draft)
    session.flush()
    for contract_id in unique_ids:
        session.add(EvidenceDraftContract(draft_id=draft.id, contract_id=contract_id))
    record_event(session, actor=actor.username, actor_id=actor.user_id, action="create", object_type="evidence_draft",
                 object_id=draft.id, summary={"case_name": draft.case_name, "contracts": unique_ids,
                                              "dispute": draft.dispute})
    return draft


def add_contract(session: Session, draft_id: int, contract_id: int, *, actor: Actor) -> None:
    """Let the draft draw on one more contract's documents and records, and record an audit event.

    Adding a contract that the draft already draws on changes nothing and records no event.
    """
    actor.require(Permission.WRITE)
    draft = get_draft_or_raise(session, draft_id, actor)
    check_contract_visible(session, actor, contract_id)
    if session.get(Contract, contract_id) is None:
        raise NotFoundError(object="Contract", id=contract_id)
    if contract_id in draft_contract_ids(session, draft_id):
        return
    session.add(EvidenceDraftContract(draft_id=draft_id, contract_id=contract_id))
    _touch(draft)
    record_event(session, actor=actor.username, actor_id=actor.user_id, action="add_contract",
                 object_type="evidence_draft", object_id=draft_id, summary={"contract_id": contract_id})


def update_draft(session: Session, draft_id: int, changes: dict[str, Any], *, actor: Actor) -> EvidenceDraft:
    """Change the case name, dispute, parties or group titles.

    Raises InvalidEvidenceDraftError for any other field.
    """
    actor.require(Permission.WRITE)
    draft = get_draft_or_raise(session, draft_id, actor)
    unknown = sorted(set(changes) - set(HEADER_FIELDS))
    if unknown:
        raise InvalidEvidenceDraftError(problems.FIELDS_NOT_EDITABLE, draft_id=draft_id, fields=", ".join(unknown))
    _set_header(draft, changes, draft_label=draft_id)
    _touch(draft)
    return draft


def add_item(session: Session, draft_id: int, data: ItemInput, *, actor: Actor) -> EvidenceDraftItem:
    """Append an item to the end of its group.

    Raises InvalidEvidenceDraftError unless the item's source belongs to one of the draft's contracts.
    """
    actor.require(Permission.WRITE)
    draft = get_draft_or_raise(session, draft_id, actor)
    _check_source(session, draft_id, data)
    position = (session.scalar(select(func.max(EvidenceDraftItem.position))
                               .where(EvidenceDraftItem.draft_id == draft_id)) or 0) + 1
    item = EvidenceDraftItem(draft_id=draft_id, position=position, source=data.source,
                             document_version_id=data.document_version_id, clause_id=data.clause_id,
                             record_id=data.record_id, name="", origin="copy", issuer="", purpose="",
                             source_revision=_record_revision(session, data.record_id))
    _set_item_fields(item, {name: getattr(data, name) for name in ITEM_TEXT_FIELDS}, draft_id=draft_id,
                     page_count=_page_count(session, data.document_version_id))
    session.add(item)
    _touch(draft)
    session.flush()
    return item


def update_item(session: Session, item_id: int, changes: dict[str, Any], *, actor: Actor) -> EvidenceDraftItem:
    """Change an item's name, origin (original, copy or electronic), issuer, purpose, pages or group."""
    actor.require(Permission.WRITE)
    item = _get_item(session, item_id, actor)
    unknown = sorted(set(changes) - set(ITEM_TEXT_FIELDS))
    if unknown:
        raise InvalidEvidenceDraftError(problems.FIELDS_NOT_EDITABLE, draft_id=item.draft_id,
                                        fields=", ".join(unknown))
    if "group_number" in changes and _group(changes["group_number"], item.draft_id) != item.group_number:
        # A moved item goes to the end of its new group.
        item.position = (session.scalar(select(func.max(EvidenceDraftItem.position))
                                        .where(EvidenceDraftItem.draft_id == item.draft_id)) or 0) + 1
    _set_item_fields(item, changes, draft_id=item.draft_id,
                     page_count=_page_count(session, item.document_version_id))
    # Editing the item counts as reviewing it against the record as it is now.
    item.source_revision = _record_revision(session, item.record_id)
    _touch(session.get(EvidenceDraft, item.draft_id))
    return item


def remove_item(session: Session, item_id: int, *, actor: Actor) -> None:
    actor.require(Permission.WRITE)
    item = _get_item(session, item_id, actor)
    _touch(session.get(EvidenceDraft, item.draft_id))
    session.delete(item)


def arrange(session: Session, draft_id: int, order: list[tuple[int, int]], *, actor: Actor) -> None:
    """Set the group and order of every item at once.

    `order` lists every item of the draft as (item id, group number), in the new order. Raises
    InvalidEvidenceDraftError unless it lists exactly the draft's items.
    """
    actor.require(Permission.WRITE)
    draft = get_draft_or_raise(session, draft_id, actor)
    items = {item.id: item for item in draft_items(session, draft_id)}
    if sorted(item_id for item_id, _group in order) != sorted(items):
        raise InvalidEvidenceDraftError(problems.ITEMS_MISMATCH, draft_id=draft_id)
    for position, (item_id, group) in enumerate(order, start=1):
        items[item_id].group_number = _group(group, draft_id)
        items[item_id].position = position
    _touch(draft)


def move_item(session: Session, item_id: int, offset: int, *, actor: Actor) -> None:
    """Move an item up (negative offset) or down within its group.

    Does nothing when the move would take the item out of its group or out of the draft.
    """
    actor.require(Permission.WRITE)
    item = _get_item(session, item_id, actor)
    items = draft_items(session, item.draft_id)
    order = [(other.id, other.group_number) for other in items]
    index = next(i for i, (other_id, _g) in enumerate(order) if other_id == item.id)
    target = index + offset
    if 0 <= target < len(order) and order[target][1] == item.group_number:
        order.insert(target, order.pop(index))
        arrange(session, item.draft_id, order, actor=actor)


def save_draft(session: Session, draft_id: int, *, actor: Actor) -> EvidenceDraft:
    """Save the draft's header and numbered items as a new revision and record an audit event.

    The event contains the SHA-256 of the snapshot, and its time and hash fix what a build of
    this revision contains. Raises InvalidEvidenceDraftError for a draft without items.
    """
    actor.require(Permission.WRITE)
    draft = get_draft_or_raise(session, draft_id, actor)
    items = draft_items(session, draft_id)
    if not items:
        raise InvalidEvidenceDraftError(problems.DRAFT_EMPTY, draft_id=draft_id)
    snapshot = draft_snapshot(session, draft, items)
    digest = hashlib.sha256(canonical_json(snapshot)).hexdigest()
    draft.revision += 1
    event = record_event(session, actor=actor.username, actor_id=actor.user_id, action="save",
                         object_type="evidence_draft", object_id=draft.id,
                         summary={"revision": draft.revision, "items": len(items), "snapshot_sha256": digest})
    draft.saved_by = actor.username
    draft.saved_at = event.occurred_at
    draft.saved_event_seq = event.seq
    draft.saved_event_hash = event.event_hash
    draft.saved_snapshot = snapshot
    draft.dirty = False
    return draft


def draft_snapshot(session: Session, draft: EvidenceDraft, items: list[EvidenceDraftItem]) -> dict[str, Any]:
    """Return the draft's header and numbered items as plain JSON values."""
    return {
        "case_name": draft.case_name,
        "dispute": draft.dispute,
        "claimant": draft.claimant,
        "respondent": draft.respondent,
        "group_titles": {str(k): v for k, v in sorted((draft.group_titles or {}).items())},
        "lang": draft.lang,
        "contracts": draft_contract_ids(session, draft.id),
        "items": [
            {"group": item.group_number, "number": number, "source": item.source,
             "document_version_id": item.document_version_id, "clause_id": item.clause_id,
             "record_id": item.record_id, "name": item.name, "origin": item.origin, "issuer": item.issuer,
             "purpose": item.purpose, "pages": item.pages}
            for item, number in numbered(items)
        ],
    }


def canonical_json(value: Any) -> bytes:
    """Encode `value` as compact UTF-8 JSON with sorted keys, so that equal values give equal bytes."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def list_drafts(session: Session, *, actor: Actor, contract_id: int | None = None) -> list[EvidenceDraft]:
    """Return the drafts `actor` may see, newest first.

    When `contract_id` is given, only the drafts that draw on that contract are returned.
    """
    query = select(EvidenceDraft).order_by(EvidenceDraft.id.desc())
    if contract_id is not None:
        query = query.join(EvidenceDraftContract, EvidenceDraftContract.draft_id == EvidenceDraft.id).where(
            EvidenceDraftContract.contract_id == contract_id)
    drafts = list(session.scalars(query))
    if actor.is_admin:
        return drafts
    hidden = hidden_contract_ids(session, actor)
    if not hidden:
        return drafts
    used = session.execute(select(EvidenceDraftContract.draft_id, EvidenceDraftContract.contract_id)).all()
    blocked = {draft_id for draft_id, contract_id in used if contract_id in hidden}
    return [draft for draft in drafts if draft.id not in blocked]


def _get_item(session: Session, item_id: int, actor: Actor) -> EvidenceDraftItem:
    item = session.get(EvidenceDraftItem, item_id)
    if item is None:
        raise NotFoundError(object="Evidence item", id=item_id)
    get_draft_or_raise(session, item.draft_id, actor, object_name="Evidence item", object_id=item_id)
    return item


def _touch(draft: EvidenceDraft | None) -> None:
    if draft is not None:
        draft.updated_at = utcnow()
        draft.dirty = True


def _set_header(draft: EvidenceDraft, changes: dict[str, Any], *, draft_label: Any) -> None:
    for name, value in changes.items():
        if name == "group_titles":
            titles = {}
            for key, title in dict(value or {}).items():
                group = _group(key, draft_label)
                title = _text(title, draft_label, limit=MAX_NAME)
                if title:
                    titles[str(group)] = title
            draft.group_titles = titles
        elif name == "lang":
            if value not in PACK_LANGUAGES:
                raise InvalidEvidenceDraftError(problems.PACK_LANGUAGE_INVALID, draft_id=draft_label,
                                                allowed=", ".join(PACK_LANGUAGES))
            draft.lang = value
        elif name == "dispute":
            if value not in DISPUTE_KINDS:
                raise InvalidEvidenceDraftError(problems.DISPUTE_INVALID, draft_id=draft_label,
                                                allowed=", ".join(DISPUTE_KINDS))
            draft.dispute = value
        else:
            setattr(draft, name, _text(value, draft_label, limit=MAX_NAME))
    if not draft.case_name:
        raise InvalidEvidenceDraftError(problems.CASE_NAME_MISSING, draft_id=draft_label)


def _pages(value: Any, draft_id: int, page_count: int | None) -> str | None:
    """Return the page list, such as "1-3, 5", or None when it is empty.

    Raises InvalidEvidenceDraftError when the file is not a PDF (`page_count` 0), when the text
    is not a page list or repeats a page, or, when the file's page count is known, names a page
    outside the file.
    """
    text = _text(value, draft_id, limit=100)
    if not text:
        return None
    if page_count == 0:
        raise InvalidEvidenceDraftError(problems.PAGES_NOT_PDF, draft_id=draft_id, pages=text)
    limit = page_count or MAX_PAGES
    try:
        selected = parse_page_selection(text, limit)
    except ValueError:
        if page_count:
            raise InvalidEvidenceDraftError(problems.PAGES_OUTSIDE_FILE, draft_id=draft_id, pages=text,
                                            count=page_count) from None
        raise InvalidEvidenceDraftError(problems.PAGES_NOT_A_LIST, draft_id=draft_id, pages=text) from None
    repeated = sorted({page for page in selected if selected.count(page) > 1})
    if repeated:
        raise InvalidEvidenceDraftError(problems.PAGES_REPEATED, draft_id=draft_id, pages=text, page=repeated[0])
    return text


def changed_records(session: Session, draft_id: int) -> dict[int, tuple[int, int]]:
    """Return, by item id, the record items whose record was edited after the item was written.

    Each value is (the record's revision the item was written from, its revision now). The
    name and purpose of such an item may no longer match the record, so staff should review it.
    """
    rows = session.execute(
        select(EvidenceDraftItem.id, EvidenceDraftItem.source_revision, PerformanceRecord.revision)
        .join(PerformanceRecord, PerformanceRecord.id == EvidenceDraftItem.record_id)
        .where(EvidenceDraftItem.draft_id == draft_id)).all()
    return {item_id: (written or 1, current) for item_id, written, current in rows if current > (written or 1)}


def _record_revision(session: Session, record_id: int | None) -> int | None:
    if record_id is None:
        return None
    return session.scalar(select(PerformanceRecord.revision).where(PerformanceRecord.id == record_id))


def _page_count(session: Session, version_id: int | None) -> int | None:
    """Return the page count stored for a version's file, 0 for a file that is not a PDF, or None when unknown.

    Only PDF pages go into the bundle, so a page list on a Word file or an image would be dropped.
    """
    if version_id is None:
        return None
    row = session.execute(select(DocumentVersion.page_count, DocumentVersion.media_type)
                          .where(DocumentVersion.id == version_id)).first()
    if row is None:
        return None
    return row.page_count if row.media_type == PDF_MEDIA_TYPE else 0


def _set_item_fields(item: EvidenceDraftItem, changes: dict[str, Any], *, draft_id: int,
                     page_count: int | None = None) -> None:
    for name, value in changes.items():
        if name == "group_number":
            item.group_number = _group(value, draft_id)
        elif name == "origin":
            if value not in ORIGIN_KINDS:
                raise InvalidEvidenceDraftError(problems.ORIGIN_INVALID, draft_id=draft_id,
                                                allowed=", ".join(ORIGIN_KINDS))
            item.origin = value
        elif name == "pages":
            item.pages = _pages(value, draft_id, page_count)
        else:
            setattr(item, name, _text(value, draft_id, limit=MAX_NAME if name in ("name", "issuer") else MAX_TEXT))
    if not item.name:
        raise InvalidEvidenceDraftError(problems.NAME_MISSING, draft_id=draft_id)


def _text(value: Any, draft_id: Any, *, limit: int) -> str:
    text = " ".join(str(value or "").split()) if limit <= MAX_NAME else str(value or "").strip()
    if len(text) > limit:
        raise InvalidEvidenceDraftError(problems.TEXT_TOO_LONG if limit == MAX_TEXT else problems.OUT_OF_RANGE,
                                        draft_id=draft_id, field="text", value=f"{len(text)} characters")
    return text


def _group(value: Any, draft_id: Any) -> int:
    try:
        group = int(value)
    except (TypeError, ValueError):
        raise InvalidEvidenceDraftError(problems.GROUP_INVALID, draft_id=draft_id, value=str(value)[:20]) from None
    if not 1 <= group <= MAX_GROUP:
        raise InvalidEvidenceDraftError(problems.GROUP_INVALID, draft_id=draft_id, value=group)
    return group


def _check_source(session: Session, draft_id: int, data: ItemInput) -> None:
    if data.source not in ITEM_SOURCES:
        raise InvalidEvidenceDraftError(problems.SOURCE_INVALID, draft_id=draft_id, allowed=", ".join(ITEM_SOURCES))
    contracts = set(draft_contract_ids(session, draft_id))
    contract_id: int | None
    if data.source == "record":
        record = session.get(PerformanceRecord, data.record_id) if data.record_id else None
        contract_id = record.contract_id if record else None
        data.document_version_id = data.clause_id = None
        source_id = data.record_id
    else:
        if data.source == "clause":
            clause = session.get(Clause, data.clause_id) if data.clause_id else None
            data.document_version_id = clause.document_version_id if clause else None
            source_id = data.clause_id
        else:
            data.clause_id = None
            source_id = data.document_version_id
        data.record_id = None
        contract_id = session.scalar(
            select(Document.contract_id).join(DocumentVersion, DocumentVersion.document_id == Document.id)
            .where(DocumentVersion.id == data.document_version_id)) if data.document_version_id else None
    if contract_id is None or contract_id not in contracts:
        raise InvalidEvidenceDraftError(problems.SOURCE_NOT_IN_DRAFT, draft_id=draft_id,
                                        source=SOURCE_NAMES[data.source], id=source_id)
