"""Pages of evidence drafts, pack builds and packs.

Staff start a draft from a contract (empty, or proposed for a dispute), edit its items in the
editor, save it as a numbered revision, build a pack from the saved revision and download it.
The verify page checks a pack file that someone sends back. The services in archive/services
validate and audit every change. These routes call one service each, then redirect, or show the
page again with the service's message and the values as typed, so nothing typed is lost.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.auth import CSRF_HEADER, access, check_csrf, request_actor, request_credential
from api.deps import get_archive
from api.multipart import ParsedForm, UploadedPart, parse_multipart
from archive import problems
from archive.access import Actor, Permission, check_contract_visible, visible_contracts
from archive.clause_citation import cite_clause
from archive.context import Archive
from archive.errors import (
    ArchiveError,
    InvalidEvidenceDraftError,
    NoFileUploadedError,
    NotFoundError,
    PackTooLargeError,
    render_error,
)
from archive.evidence.bundle import PDF_MEDIA_TYPE
from archive.evidence.index_pdf import ORIGIN_LABELS, chinese_numeral
from archive.evidence.items import ORIGIN_KINDS
from archive.i18n import get_translations
from archive.models import (
    Clause,
    Contract,
    Document,
    DocumentVersion,
    EvidenceBuild,
    EvidenceDraft,
    EvidenceDraftContract,
    EvidenceDraftItem,
    EvidencePack,
    PerformanceRecord,
)
from archive.models.base import utcnow
from archive.performance.labels import RECORD_KIND_LABELS
from archive.services import evidence_drafts as drafts
from archive.services.contracts import get_contract_or_raise
from archive.services.evidence_as_of import record_attachments_as_of
from archive.services.evidence_builds import ACTIVE_STATES, build_status, get_build, request_build
from archive.services.evidence_packs import PackCheck, check_pack, get_pack, list_packs
from archive.services.evidence_proposals import RECORD_PURPOSES, propose_draft
from ingest.jobs import submit_pack_build
from web.form_responses import redirect_after_post, rejected_message
from web.i18n import request_locale, request_translations
from web.templating import render

router = APIRouter(include_in_schema=False)
ArchiveDep = Annotated[Archive, Depends(get_archive)]

# Form fields are limited above the services' own limits, so that a text slightly too long gets
# the service's message on the page instead of a validation error page.
FORM_TEXT = 25_000
FORM_SHORT = 1_000
# Labels of the dispute kinds in the new-draft form, in the order offered.
DISPUTE_LABELS = {
    "unpaid_price": "Unpaid price",
    "late_delivery": "Late delivery",
    "quality_defect": "Quality defect",
    "wrongful_termination": "Wrongful termination",
    "other": "Other dispute",
}
# Labels of the pack languages (archive.services.evidence_drafts.PACK_LANGUAGES), in the order offered.
PACK_LANGUAGE_LABELS = {"zh_CN": "Chinese", "en": "English"}
STEP_LABELS = {"prepare": "Preparing the bundle", "write": "Writing the pack"}
STATE_LABELS = {"queued": "Waiting to start", "running": "Building", "done": "Done", "failed": "Failed"}
# How many characters of a clause's text or a record's summary a choice in the add forms shows.
CHOICE_TEXT = 40
# How many characters of a clause without a heading a default item name quotes.
NAME_TEXT = 20
# Up to this many other contracts the add-contract form offers in a list; with more, staff type a number.
CONTRACT_CHOICES = 200
# Most recent builds the editor lists.
RECENT_BUILDS = 5
COPY_CHUNK = 1 << 20
VERIFY_PAGE = "/evidence-packs/verify"


class NewDraftForm(BaseModel):
    """The new-draft form of a contract: a proposed selection for a dispute, or an empty draft.

    `lang` is the pack language, which is also the language a proposal is worded in. It defaults
    to Chinese whatever the page language, because Chinese courts take Chinese packs.
    """

    start: str = Field(default="proposal", max_length=20)
    dispute: str = Field(default="other", max_length=40)
    case_name: str = Field(default="", max_length=FORM_SHORT)
    lang: str = Field(default="zh_CN", max_length=20)


class HeaderForm(BaseModel):
    """The case header. A form without `lang` leaves the pack language as it is."""

    case_name: str = Field(default="", max_length=FORM_SHORT)
    dispute: str = Field(default="other", max_length=40)
    claimant: str = Field(default="", max_length=FORM_SHORT)
    respondent: str = Field(default="", max_length=FORM_SHORT)
    lang: str = Field(default="", max_length=20)


class ItemForm(BaseModel):
    """An item's editable fields, as typed."""

    name: str = Field(default="", max_length=FORM_SHORT)
    origin: str = Field(default="copy", max_length=20)
    issuer: str = Field(default="", max_length=FORM_SHORT)
    purpose: str = Field(default="", max_length=FORM_TEXT)
    pages: str = Field(default="", max_length=FORM_SHORT)
    group_number: str = Field(default="1", max_length=20)


class AddItemForm(ItemForm):
    """A new item. `source` names which of the three ids is used.

    An empty origin or issuer gets the source's default (see add_item). FastAPI reads an empty
    form field as a missing one, so an issuer cleared in the form cannot be told from one left out.
    """

    origin: str = Field(default="", max_length=20)
    source: str = Field(default="", max_length=20)
    document_version_id: str = Field(default="", max_length=20)
    clause_id: str = Field(default="", max_length=20)
    record_id: str = Field(default="", max_length=20)


class AddContractForm(BaseModel):
    """Another contract for the draft: chosen from the list (`contract_id`), or typed by number or id."""

    contract_id: str = Field(default="", max_length=20)
    contract_number: str = Field(default="", max_length=FORM_SHORT)


class MoveForm(BaseModel):
    """Move an item one place up or down (`direction`), or to the end of another group (`group`)."""

    direction: str = Field(default="", max_length=10)
    group: str = Field(default="", max_length=20)


# Drafts of a contract and the new-draft form


@router.get("/contracts/{contract_id}/evidence", response_class=HTMLResponse)
@access(Permission.READ)
def contract_drafts_page(request: Request, contract_id: int, archive: ArchiveDep) -> Response:
    return render(request, "evidence_drafts.html", contract_drafts_context(request, archive, contract_id))


@router.post("/contracts/{contract_id}/evidence", response_class=HTMLResponse)
@access(Permission.WRITE)
def start_draft(request: Request, contract_id: int, archive: ArchiveDep,
                form: Annotated[NewDraftForm, Form()]) -> Response:
    """Create a draft on the contract: the proposed evidence for the chosen dispute, or no items.

    The draft's pack language is the one chosen in the form, and a proposal is worded in it.
    """
    actor = request_actor(request)
    case_name = form.case_name.strip()
    try:
        with archive.session() as session:
            check_contract_visible(session, actor, contract_id)
            if form.start == "empty":
                draft = drafts.create_draft(session, case_name=case_name, contract_ids=[contract_id], actor=actor,
                                            dispute=form.dispute, lang=form.lang)
            else:
                # get_translations gives English for an unknown language, so check the choice first.
                if form.lang not in drafts.PACK_LANGUAGES:
                    raise InvalidEvidenceDraftError(problems.PACK_LANGUAGE_INVALID, draft_id="",
                                                    allowed=", ".join(drafts.PACK_LANGUAGES))
                draft = propose_draft(session, contract_ids=[contract_id], dispute=form.dispute, actor=actor,
                                      translations=get_translations(form.lang))
                changes = {"lang": form.lang}
                if case_name:
                    changes["case_name"] = case_name
                drafts.update_draft(session, draft.id, changes, actor=actor)
            draft_id = draft.id
    except ArchiveError as error:
        context = contract_drafts_context(request, archive, contract_id, new_form=form.model_dump(),
                                          error=rejected_message(request, error, "evidence_new", contract_id))
        return render(request, "evidence_drafts.html", context, status=error.status,
                      page_url=f"/contracts/{contract_id}/evidence")
    return redirect_after_post(f"/evidence-drafts/{draft_id}")


@router.get("/evidence-drafts", response_class=HTMLResponse)
@access(Permission.READ)
def all_drafts_page(request: Request, archive: ArchiveDep) -> Response:
    with archive.session() as session:
        rows = draft_rows(session, drafts.list_drafts(session, actor=request_actor(request)))
    return render(request, "evidence_drafts.html", {"contract": None, "drafts": rows, **_choices()})


def contract_drafts_context(request: Request, archive: Archive, contract_id: int, *,
                            new_form: dict[str, Any] | None = None, error: str | None = None) -> dict[str, Any]:
    """Return the contract's drafts and the new-draft form; a contract the caller may not see is not found."""
    actor = request_actor(request)
    with archive.session() as session:
        check_contract_visible(session, actor, contract_id)
        contract = get_contract_or_raise(session, contract_id)
        rows = draft_rows(session, drafts.list_drafts(session, actor=actor, contract_id=contract_id))
        contract_values = {"id": contract.id, "number": contract.number, "title": contract.title}
    return {"contract": contract_values, "drafts": rows,
            "new_form": new_form or {"start": "proposal", "lang": "zh_CN"}, "error": error, **_choices()}


def draft_rows(session: Session, found: list[EvidenceDraft]) -> list[dict[str, Any]]:
    """Describe each draft for the list: its header, item and pack counts, and saved revision."""
    ids = [draft.id for draft in found]
    item_counts: dict[int, int] = {}
    pack_counts: dict[int, int] = {}
    contracts: dict[int, list[dict[str, Any]]] = {draft_id: [] for draft_id in ids}
    if ids:
        item_counts = dict(session.execute(
            select(EvidenceDraftItem.draft_id, func.count()).where(EvidenceDraftItem.draft_id.in_(ids))
            .group_by(EvidenceDraftItem.draft_id)).all())
        pack_counts = dict(session.execute(
            select(EvidencePack.draft_id, func.count()).where(EvidencePack.draft_id.in_(ids))
            .group_by(EvidencePack.draft_id)).all())
        for draft_id, contract_id, number, title in session.execute(
                select(EvidenceDraftContract.draft_id, Contract.id, Contract.number, Contract.title)
                .join(Contract, Contract.id == EvidenceDraftContract.contract_id)
                .where(EvidenceDraftContract.draft_id.in_(ids)).order_by(EvidenceDraftContract.id)):
            contracts[draft_id].append({"id": contract_id, "number": number, "title": title})
    return [{"id": draft.id, "case_name": draft.case_name, "dispute": draft.dispute, "revision": draft.revision,
             "saved_at": draft.saved_at, "dirty": draft.dirty, "items": item_counts.get(draft.id, 0),
             "packs": pack_counts.get(draft.id, 0), "contracts": contracts.get(draft.id, [])}
            for draft in found]


def _choices() -> dict[str, Any]:
    return {"dispute_labels": DISPUTE_LABELS, "origin_labels": {kind: ORIGIN_LABELS[kind] for kind in ORIGIN_KINDS},
            "language_labels": PACK_LANGUAGE_LABELS}


# The draft editor


@router.get("/evidence-drafts/{draft_id}", response_class=HTMLResponse)
@access(Permission.READ)
def draft_page(request: Request, draft_id: int, archive: ArchiveDep,
               edit: Annotated[int | None, Query()] = None,
               clauses_of: Annotated[int | None, Query()] = None) -> Response:
    """Show the draft; `edit` opens one item's edit form and `clauses_of` picks the version whose clauses can be added."""
    context = editor_context(request, archive, draft_id, editing=edit, clauses_of=clauses_of)
    return render(request, "evidence_draft.html", context)


@router.post("/evidence-drafts/{draft_id}/header", response_class=HTMLResponse)
@access(Permission.WRITE)
def change_header(request: Request, draft_id: int, archive: ArchiveDep,
                  form: Annotated[HeaderForm, Form()]) -> Response:
    """Set the case name, dispute and parties that head the evidence index, and the pack language."""
    changes = form.model_dump()
    if not changes["lang"]:
        del changes["lang"]

    def change(session: Session) -> None:
        drafts.update_draft(session, draft_id, changes, actor=request_actor(request))

    return _change_draft(request, archive, draft_id, change, form_key="header", typed=changes, anchor="case")


@router.post("/evidence-drafts/{draft_id}/group-titles", response_class=HTMLResponse)
@access(Permission.WRITE)
def change_group_titles(request: Request, draft_id: int, archive: ArchiveDep,
                        group: Annotated[list[str], Form(max_length=20)] = [],  # noqa: B006 - FastAPI copies defaults
                        title: Annotated[list[str], Form(max_length=FORM_SHORT)] = []) -> Response:  # noqa: B006
    """Set the title of every group listed in the form; an empty title removes it."""
    titles = dict(zip(group, title))

    def change(session: Session) -> None:
        drafts.update_draft(session, draft_id, {"group_titles": titles}, actor=request_actor(request))

    return _change_draft(request, archive, draft_id, change, form_key="titles", typed=titles, anchor="groups")


@router.post("/evidence-drafts/{draft_id}/items", response_class=HTMLResponse)
@access(Permission.WRITE)
def add_item(request: Request, draft_id: int, archive: ArchiveDep,
             form: Annotated[AddItemForm, Form()]) -> Response:
    """Append a document version, a clause or a performance record of the draft's contracts to a group.

    Defaults for the fields left empty are worded in the draft's pack language, as the pack prints them.
    """
    added: list[int] = []

    def change(session: Session) -> None:
        pack_lang = _pack_language(session.get(EvidenceDraft, draft_id))
        gettext = get_translations(pack_lang).gettext
        record = form.source == "record"
        data = drafts.ItemInput(
            source=form.source, name=form.name, document_version_id=_optional_id(form.document_version_id),
            clause_id=_optional_id(form.clause_id), record_id=_optional_id(form.record_id),
            origin=form.origin.strip() or ("electronic" if record else "copy"),
            issuer=form.issuer.strip() or (gettext("Us") if record else ""),
            purpose=form.purpose, pages=form.pages, group_number=form.group_number)
        if not data.name.strip():
            data.name = default_item_name(session, data, gettext, pack_lang)
        if record and not data.purpose.strip():
            data.purpose = default_record_purpose(session, data, gettext)
        added.append(drafts.add_item(session, draft_id, data, actor=request_actor(request)).id)

    typed = form.model_dump()
    response = _change_draft(request, archive, draft_id, change, form_key=f"add-{form.source}", typed=typed,
                             anchor="add-items")
    if added:
        return redirect_after_post(f"/evidence-drafts/{draft_id}#item-{added[0]}")
    return response


@router.post("/evidence-drafts/{draft_id}/contracts", response_class=HTMLResponse)
@access(Permission.WRITE)
def add_contract(request: Request, draft_id: int, archive: ArchiveDep,
                 form: Annotated[AddContractForm, Form()]) -> Response:
    """Let the draft draw on the documents and records of one more contract."""
    actor = request_actor(request)

    def change(session: Session) -> None:
        contract_id = _chosen_contract(session, request, draft_id, form)
        drafts.add_contract(session, draft_id, contract_id, actor=actor)

    return _change_draft(request, archive, draft_id, change, form_key="contract", typed=form.model_dump(),
                         anchor="contracts")


def _chosen_contract(session: Session, request: Request, draft_id: int, form: AddContractForm) -> int:
    """Return the id of the contract the form names: from the list, else by its number, else by its id."""
    chosen = _optional_id(form.contract_id)
    if chosen is not None:
        return chosen
    typed = form.contract_number.strip()
    if not typed:
        raise InvalidEvidenceDraftError(problems.CONTRACTS_MISSING, draft_id=draft_id)
    visible = visible_contracts(request_actor(request))
    # NOTE: when several contracts the user may see share a number, the oldest one is added.
    by_number = session.scalar(select(Contract.id).where(Contract.number == typed, visible).order_by(Contract.id))
    if by_number is not None:
        return by_number
    by_id = _optional_id(typed)
    if by_id is not None and session.scalar(select(Contract.id).where(Contract.id == by_id, visible)) is not None:
        return by_id
    raise NotFoundError(object="Contract", id=typed)


@router.post("/evidence-drafts/{draft_id}/items/{item_id}", response_class=HTMLResponse)
@access(Permission.WRITE)
def change_item(request: Request, draft_id: int, item_id: int, archive: ArchiveDep,
                form: Annotated[ItemForm, Form()]) -> Response:
    """Change an item's name, form, issuer, purpose, pages or group."""
    changes = form.model_dump()

    def change(session: Session) -> None:
        _draft_item(session, request, draft_id, item_id)
        drafts.update_item(session, item_id, changes, actor=request_actor(request))

    return _change_draft(request, archive, draft_id, change, form_key=f"item-{item_id}", typed=changes,
                         anchor=f"item-{item_id}", editing=item_id)


@router.post("/evidence-drafts/{draft_id}/items/{item_id}/move", response_class=HTMLResponse)
@access(Permission.WRITE)
def move_item(request: Request, draft_id: int, item_id: int, archive: ArchiveDep,
              form: Annotated[MoveForm, Form()]) -> Response:
    """Move an item up or down within its group, or to the end of another group."""

    def change(session: Session) -> None:
        _draft_item(session, request, draft_id, item_id)
        if form.group.strip():
            # The service keeps the item's place when the group is its own.
            drafts.update_item(session, item_id, {"group_number": form.group}, actor=request_actor(request))
        elif form.direction in ("up", "down"):
            drafts.move_item(session, item_id, -1 if form.direction == "up" else 1, actor=request_actor(request))
        else:
            raise InvalidEvidenceDraftError(problems.GROUP_INVALID, draft_id=draft_id, value="—")

    return _change_draft(request, archive, draft_id, change, form_key=f"move-{item_id}",
                         typed={"group": form.group}, anchor=f"item-{item_id}")


@router.post("/evidence-drafts/{draft_id}/items/{item_id}/remove", response_class=HTMLResponse)
@access(Permission.WRITE)
def remove_item(request: Request, draft_id: int, item_id: int, archive: ArchiveDep) -> Response:
    def change(session: Session) -> None:
        _draft_item(session, request, draft_id, item_id)
        drafts.remove_item(session, item_id, actor=request_actor(request))

    return _change_draft(request, archive, draft_id, change, form_key="remove", typed={}, anchor="items")


@router.post("/evidence-drafts/{draft_id}/save", response_class=HTMLResponse)
@access(Permission.WRITE)
def save_draft(request: Request, draft_id: int, archive: ArchiveDep) -> Response:
    """Save the draft as its next revision, which builds then use."""

    def change(session: Session) -> None:
        drafts.save_draft(session, draft_id, actor=request_actor(request))

    return _change_draft(request, archive, draft_id, change, form_key="save", typed={}, anchor="status")


@router.post("/evidence-drafts/{draft_id}/builds", response_class=HTMLResponse)
@access(Permission.WRITE)
def start_build(request: Request, draft_id: int, archive: ArchiveDep) -> Response:
    """Queue a build of the saved revision and show its progress; a build already running is shown instead."""
    actor = request_actor(request)
    try:
        with archive.session() as session:
            drafts.get_draft_or_raise(session, draft_id, actor)
            running = set(session.scalars(select(EvidenceBuild.id).where(
                EvidenceBuild.draft_id == draft_id, EvidenceBuild.state.in_(ACTIVE_STATES))))
            build = request_build(session, draft_id, actor=actor, lang=request_locale(request))
            build_id = build.id
    except ArchiveError as error:
        context = editor_context(request, archive, draft_id,
                                 error=rejected_message(request, error, "evidence_build", draft_id))
        return render(request, "evidence_draft.html", context, status=error.status,
                      page_url=f"/evidence-drafts/{draft_id}#status")
    # The build row is committed now, so the thread or worker that runs it can read it.
    if build_id not in running:
        submit_pack_build(archive, build_id)
    return redirect_after_post(f"/evidence-builds/{build_id}")


def _change_draft(request: Request, archive: Archive, draft_id: int, change: Callable[[Session], None], *,
                  form_key: str, typed: dict[str, Any], anchor: str, editing: int | None = None) -> Response:
    """Run one change in a transaction, then go back to the editor; on a rejected change show the editor again.

    The editor then shows the service's message and the form as typed, and the draft as it was
    before the change, because the transaction was rolled back.
    """
    try:
        with archive.session() as session:
            drafts.get_draft_or_raise(session, draft_id, request_actor(request))
            change(session)
    except ArchiveError as error:
        if isinstance(error, NotFoundError) and error.params.get("object") == "Evidence draft":
            raise
        message = rejected_message(request, error, form_key, draft_id)
        status = error.status
    else:
        return redirect_after_post(f"/evidence-drafts/{draft_id}#{anchor}")
    context = editor_context(request, archive, draft_id, editing=editing, error=message,
                             typed={form_key: typed}, error_form=form_key)
    # The language link leads to the editor itself, because a GET on this POST's address fails with 405.
    page_url = f"/evidence-drafts/{draft_id}" + (f"?edit={editing}" if editing is not None else "") + f"#{anchor}"
    return render(request, "evidence_draft.html", context, status=status, page_url=page_url)


def _draft_item(session: Session, request: Request, draft_id: int, item_id: int) -> EvidenceDraftItem:
    """Return the item of this draft, or raise NotFoundError, also for an item of another draft."""
    item = session.get(EvidenceDraftItem, item_id)
    if item is None or item.draft_id != draft_id:
        raise NotFoundError(object="Evidence item", id=item_id)
    return item


def _optional_id(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def default_item_name(session: Session, data: drafts.ItemInput, gettext: Callable[[str], str], locale: str) -> str:
    """Return the name an item gets when the add form's name is left empty: its document, clause or record.

    Documents and clauses are named as the proposals name them. A document's name is its title in
    title marks (《》 in Chinese). A clause's name adds the clause's citation in `locale`
    (第八条第2项) and its heading or first words.
    """
    if data.source == "record" and data.record_id is not None:
        record = session.get(PerformanceRecord, data.record_id)
        if record is not None:
            kind = gettext(RECORD_KIND_LABELS.get(record.kind, record.kind))
            return gettext("{kind} record ({date})").format(kind=kind, date=record.occurred_on.isoformat())
    if data.source == "clause" and data.clause_id is not None:
        clause = session.get(Clause, data.clause_id)
        if clause is not None:
            version = session.get(DocumentVersion, clause.document_version_id)
            document = session.get(Document, version.document_id) if version else None
            siblings = session.scalars(select(Clause).where(Clause.document_version_id == clause.document_version_id)
                                       .order_by(Clause.ordinal)).all()
            cited = f"{cite_clause(clause, siblings, locale)} {_clause_words(clause, NAME_TEXT)}".strip()
            title = gettext("“{title}”").format(title=_document_title(document, version))
            return _shortened(gettext("{document}, {clause}").format(document=title, clause=cited))
    if data.source == "version" and data.document_version_id is not None:
        version = session.get(DocumentVersion, data.document_version_id)
        if version is not None:
            title = _document_title(session.get(Document, version.document_id), version)
            return _shortened(gettext("“{title}”").format(title=title))
    return ""


def default_record_purpose(session: Session, data: drafts.ItemInput, gettext: Callable[[str], str]) -> str:
    """Return the fact a record item proves when the add form leaves it empty: what happened when, and the summary."""
    record = session.get(PerformanceRecord, data.record_id) if data.record_id is not None else None
    if record is None:
        return ""
    template = RECORD_PURPOSES.get(record.kind, "Proves the facts recorded on {date}.")
    purpose = gettext(template).format(date=record.occurred_on.isoformat())
    if record.summary.strip():
        details = gettext("Details: {summary}").format(summary=record.summary.strip())
        purpose = gettext("{first} {second}").format(first=purpose, second=details)
    return purpose[:drafts.MAX_TEXT]


def _pack_language(draft: EvidenceDraft | None) -> str:
    """Return the draft's pack language, or Chinese when there is no draft or its value is not a pack language."""
    lang = draft.lang if draft is not None else None
    return lang if lang in drafts.PACK_LANGUAGES else "zh_CN"


def _saved_language(snapshot: dict[str, Any] | None) -> str | None:
    """Return the pack language of a saved revision, as a build reads it, or None before the first save."""
    if snapshot is None:
        return None
    lang = snapshot.get("lang", "zh_CN")
    return lang if lang in drafts.PACK_LANGUAGES else "zh_CN"


def _shortened(text: str) -> str:
    return text if len(text) <= drafts.MAX_NAME else text[:drafts.MAX_NAME - 1] + "…"


def _document_title(document: Document | None, version: DocumentVersion | None) -> str:
    if document is not None and document.title:
        return document.title
    if version is None:
        return ""
    return version.title or version.filename.rsplit(".", 1)[0]


def _clause_words(clause: Clause, limit: int) -> str:
    """Return the clause's heading, else its first words, without the number that the text starts with."""
    words = (clause.heading or clause.text or "").strip()
    number = (clause.number or "").strip()
    if number and words.startswith(number):
        words = words[len(number):].lstrip(" .．、\u3000")
    return words if len(words) <= limit else words[:limit] + "…"


def _clause_label(clause: Clause) -> str:
    return f"{clause.number or ''} {_clause_words(clause, CHOICE_TEXT)}".strip()


def editor_context(request: Request, archive: Archive, draft_id: int, *, editing: int | None = None,
                   clauses_of: int | None = None, error: str | None = None,
                   typed: dict[str, dict[str, Any]] | None = None, error_form: str | None = None) -> dict[str, Any]:
    """Return everything the editor shows: header, numbered items by group, sources to add, builds and packs."""
    actor = request_actor(request)
    gettext = request_translations(request).gettext
    chinese = request_locale(request) == "zh_CN"
    with archive.session() as session:
        draft = drafts.get_draft_or_raise(session, draft_id, actor)
        contract_ids = drafts.draft_contract_ids(session, draft_id)
        items = drafts.draft_items(session, draft_id)
        titles = {int(key): value for key, value in (draft.group_titles or {}).items()}
        groups = _groups(items, titles, chinese, gettext, _bundle_facts(session, items),
                         drafts.changed_records(session, draft_id))
        versions = _version_choices(session, contract_ids, gettext)
        chosen = clauses_of if any(v["id"] == clauses_of for v in versions) else _main_version(versions)
        context = {
            "draft": {"id": draft.id, "case_name": draft.case_name, "dispute": draft.dispute,
                      "claimant": draft.claimant, "respondent": draft.respondent, "lang": _pack_language(draft),
                      "saved_lang": _saved_language(draft.saved_snapshot) if draft.revision else None,
                      "revision": draft.revision, "saved_at": draft.saved_at, "saved_by": draft.saved_by,
                      "dirty": draft.dirty, "created_by": draft.created_by, "updated_at": draft.updated_at},
            "contracts": [{"id": c.id, "number": c.number, "title": c.title}
                          for c in (session.get(Contract, contract_id) for contract_id in contract_ids) if c],
            "contract_choices": _contract_choices(session, actor, contract_ids),
            "groups": groups,
            "changed_items": [item for group in groups for item in group["items"] if item["record_change"]],
            "title_rows": _title_rows(groups, titles, chinese, gettext),
            "next_group": max([g["number"] for g in groups] + list(titles) + [0]) + 1,
            "version_choices": versions,
            "clauses_of": chosen,
            "clause_choices": _clause_choices(session, chosen),
            "record_choices": _record_choices(session, contract_ids, gettext),
            # The add-record form offers the issuer add_item uses, in the pack language.
            "default_issuer": get_translations(_pack_language(draft)).gettext("Us"),
            "builds": _recent_builds(session, draft_id),
            "packs": list_packs(session, draft_id),
        }
    context.update(editing=editing, error=error, error_form=error_form, typed=typed or {},
                   step_labels=STEP_LABELS, state_labels=STATE_LABELS, **_choices())
    return context


def _group_label(number: int, chinese: bool, gettext: Callable[[str], str]) -> str:
    return gettext("Evidence group {number}").format(number=chinese_numeral(number) if chinese else number)


def _groups(items: list[EvidenceDraftItem], titles: dict[int, str], chinese: bool, gettext: Callable[[str], str],
            facts: dict[int, dict[str, Any]], changed: dict[int, tuple[int, int]]) -> list[dict[str, Any]]:
    """Return the groups that have items, each with its label, title and numbered items in order.

    `facts` contains, by item id, the pages a clause item bundles by default and whether the item's
    file is a PDF (see _bundle_facts). `changed` contains, by item id, the record revisions of the
    record items whose record was edited after the item was written (see changed_records).
    """
    groups: list[dict[str, Any]] = []
    numbered = drafts.numbered(items)
    for index, (item, number) in enumerate(numbered):
        if not groups or groups[-1]["number"] != item.group_number:
            groups.append({"number": item.group_number, "label": _group_label(item.group_number, chinese, gettext),
                           "title": titles.get(item.group_number, ""), "items": []})
        group_items = groups[-1]["items"]
        next_same_group = index + 1 < len(numbered) and numbered[index + 1][0].group_number == item.group_number
        group_items.append({
            "id": item.id, "label": f"{item.group_number}-{number}", "name": item.name, "origin": item.origin,
            "issuer": item.issuer, "purpose": item.purpose, "pages": item.pages or "", "source": item.source,
            "clause_pages": facts[item.id]["clause_pages"], "printed": facts[item.id]["printed"],
            "group_number": item.group_number, "link": _source_link(item), "first": number == 1,
            "last": not next_same_group, "record_change": changed.get(item.id),
        })
    return groups


def _bundle_facts(session: Session, items: list[EvidenceDraftItem]) -> dict[int, dict[str, Any]]:
    """Describe how each item enters the printed bundle (证据汇编.pdf), as a pack build of the draft would.

    `clause_pages` are the pages of a clause item's clause ("3-4"), which the bundle takes when the
    item names no pages of its own, else None. `printed` is False for an item whose file is not a
    PDF, such as a DOCX file or an image, because the pack contains it as an original only. A record without
    an attached document is printed as a PDF of the record, and a record with attachments brings
    its first attached document, as in the pack.
    """
    facts: dict[int, dict[str, Any]] = {}
    now = utcnow()
    for item in items:
        clause_pages = None
        media_type = PDF_MEDIA_TYPE
        if item.source == "record":
            attached = record_attachments_as_of(session, item.record_id, now) if item.record_id is not None else []
            if attached:
                media_type = attached[0].media_type
        else:
            version = session.get(DocumentVersion, item.document_version_id)
            media_type = version.media_type if version is not None else PDF_MEDIA_TYPE
            clause = session.get(Clause, item.clause_id) if item.source == "clause" and item.clause_id else None
            if clause is not None and clause.page_start:
                end = clause.page_end or clause.page_start
                clause_pages = str(clause.page_start) if end == clause.page_start else f"{clause.page_start}-{end}"
        facts[item.id] = {"clause_pages": clause_pages, "printed": media_type == PDF_MEDIA_TYPE}
    return facts


def _contract_choices(session: Session, actor: Actor, contract_ids: list[int]) -> list[dict[str, Any]] | None:
    """Return the contracts the actor may see that the draft does not draw on yet, or None when there are too many.

    With None, the add-contract form shows a field for the contract number instead of a list.
    """
    query = select(Contract.id, Contract.number, Contract.title).where(visible_contracts(actor))
    if contract_ids:
        query = query.where(Contract.id.not_in(contract_ids))
    rows = session.execute(query.order_by(Contract.number, Contract.id).limit(CONTRACT_CHOICES + 1)).all()
    if len(rows) > CONTRACT_CHOICES:
        return None
    return [{"id": contract_id, "label": " · ".join(str(part) for part in (number, title) if part) or str(contract_id)}
            for contract_id, number, title in rows]


def _source_link(item: EvidenceDraftItem) -> dict[str, Any]:
    """Return the address and kind of what an item points at, for the editor's source column."""
    if item.source == "record":
        return {"kind": "record", "href": f"/records/{item.record_id}", "id": item.record_id}
    if item.source == "clause":
        return {"kind": "clause", "href": f"/versions/{item.document_version_id}#clause-{item.clause_id}",
                "id": item.clause_id, "version": item.document_version_id}
    return {"kind": "version", "href": f"/versions/{item.document_version_id}", "id": item.document_version_id}


def _title_rows(groups: list[dict[str, Any]], titles: dict[int, str], chinese: bool,
                gettext: Callable[[str], str]) -> list[dict[str, Any]]:
    """Return one title field per group that has items or a title, and one for the next new group."""
    numbers = sorted({group["number"] for group in groups} | set(titles))
    numbers.append((numbers[-1] if numbers else 0) + 1)
    return [{"number": n, "label": _group_label(n, chinese, gettext), "title": titles.get(n, "")}
            for n in numbers if n <= drafts.MAX_GROUP]


def _version_choices(session: Session, contract_ids: list[int], gettext: Callable[[str], str]) -> list[dict[str, Any]]:
    """Return the readable versions of the live documents of the draft's contracts, for the add forms."""
    if not contract_ids:
        return []
    rows = session.execute(
        select(DocumentVersion.id, DocumentVersion.version_number, DocumentVersion.filename, DocumentVersion.title,
               Document.id, Document.title, Document.kind, Document.contract_id)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(Document.contract_id.in_(contract_ids), Document.deleted_at.is_(None),
               DocumentVersion.state != "failed")
        .order_by(Document.contract_id, Document.id, DocumentVersion.version_number)).all()
    prefixes = _contract_prefixes(session, contract_ids)
    return [{"id": version_id, "kind": kind, "document_id": document_id,
             "label": prefixes[contract_id]
             + f"{gettext(kind)} · {document_title or title or filename} · v{number} · {filename}"}
            for version_id, number, filename, title, document_id, document_title, kind, contract_id in rows]


def _contract_prefixes(session: Session, contract_ids: list[int]) -> dict[int, str]:
    """Return the text that starts a choice of each contract: its number, when the draft has several contracts."""
    if len(contract_ids) < 2:
        return {contract_id: "" for contract_id in contract_ids}
    numbers = dict(session.execute(select(Contract.id, Contract.number).where(Contract.id.in_(contract_ids))).all())
    return {contract_id: f"{numbers.get(contract_id) or contract_id} · " for contract_id in contract_ids}


def _main_version(versions: list[dict[str, Any]]) -> int | None:
    """Return the newest version of the first contract document, else of the first document listed."""
    if not versions:
        return None
    first = next((v for v in versions if v["kind"] == "contract"), versions[0])
    return [v for v in versions if v["document_id"] == first["document_id"]][-1]["id"]


def _clause_choices(session: Session, version_id: int | None) -> list[dict[str, Any]]:
    if version_id is None:
        return []
    clauses = session.scalars(select(Clause).where(Clause.document_version_id == version_id)
                              .order_by(Clause.ordinal))
    return [{"id": clause.id, "label": _clause_label(clause) or str(clause.id)} for clause in clauses]


def _record_choices(session: Session, contract_ids: list[int], gettext: Callable[[str], str]) -> list[dict[str, Any]]:
    if not contract_ids:
        return []
    records = session.scalars(select(PerformanceRecord).where(PerformanceRecord.contract_id.in_(contract_ids))
                              .order_by(PerformanceRecord.occurred_on, PerformanceRecord.id))
    prefixes = _contract_prefixes(session, contract_ids)
    choices = []
    for record in records:
        summary = record.summary.strip()
        if len(summary) > CHOICE_TEXT:
            summary = summary[:CHOICE_TEXT] + "…"
        kind = gettext(RECORD_KIND_LABELS.get(record.kind, record.kind))
        label = f"{record.occurred_on.isoformat()} · {kind} · {summary}".rstrip(" ·")
        choices.append({"id": record.id, "label": prefixes[record.contract_id] + label})
    return choices


def _recent_builds(session: Session, draft_id: int) -> list[dict[str, Any]]:
    builds = session.scalars(select(EvidenceBuild).where(EvidenceBuild.draft_id == draft_id)
                             .order_by(EvidenceBuild.id.desc()).limit(RECENT_BUILDS))
    return [{**build_status(build), "requested_at": build.requested_at} for build in builds]


# Builds and packs


@router.get("/evidence-builds/{build_id}", response_class=HTMLResponse)
@access(Permission.READ)
def build_page(request: Request, build_id: int, archive: ArchiveDep) -> Response:
    """Show a build's progress; the page reloads itself (or its script polls) until the build ends."""
    gettext = request_translations(request).gettext
    with archive.session() as session:
        build = get_build(session, build_id, actor=request_actor(request))
        status = _status(build, gettext)
        revision = _built_revision(session.get(EvidenceDraft, build.draft_id), build.draft_revision)
    pack = get_pack(archive, status["pack_id"], actor=request_actor(request)) if status["pack_id"] else None
    context = {"build": status, "revision": revision, "pack": pack, "step_labels": STEP_LABELS,
               "state_labels": STATE_LABELS, "language_labels": PACK_LANGUAGE_LABELS}
    return render(request, "evidence_build.html", context)


def _built_revision(draft: EvidenceDraft | None, revision: int) -> dict[str, Any]:
    """Describe the saved revision a build is of: its case name, its pack language and any later save.

    The draft keeps only its last saved snapshot. When the draft has been saved again since the
    build was requested, `later` is the newer revision, and `lang` is None because that revision's
    language is no longer stored.
    """
    snapshot = draft.saved_snapshot if draft is not None else None
    later = draft.revision if draft is not None and draft.revision > revision else None
    # NOTE: after a later save the case name shown is the newer revision's, since older snapshots are not kept.
    case_name = (snapshot or {}).get("case_name") or (draft.case_name if draft is not None else "")
    return {"case_name": case_name, "later": later, "lang": None if later else _saved_language(snapshot)}


@router.get("/evidence-builds/{build_id}/status")
@access(Permission.READ)
def build_status_json(request: Request, build_id: int, archive: ArchiveDep) -> Response:
    """Return the build's state and progress as JSON for the progress page's script."""
    gettext = request_translations(request).gettext
    with archive.session() as session:
        status = _status(get_build(session, build_id, actor=request_actor(request)), gettext)
    return JSONResponse(status)


def _status(build: EvidenceBuild, gettext: Callable[[str], str]) -> dict[str, Any]:
    """Return build_status with the percent done of the current step and the error message in the reader's language."""
    status = build_status(build)
    status["percent"] = 100 if build.state == "done" else (
        min(100, build.done * 100 // build.total) if build.total else 0)
    status["error"] = None
    if build.state == "failed":
        fallback = gettext("An internal error occurred; it has been logged. Nothing you stored was lost.")
        status["error"] = render_error(build.error_code, build.error_params, gettext, fallback)
    return status


@router.get("/evidence-packs/{pack_id}/download")
@access(Permission.READ)
def download_pack(request: Request, pack_id: int, archive: ArchiveDep) -> Response:
    """Send the stored pack byte for byte, with its SHA-256 in X-Content-SHA256. Every download is audited."""
    from api.evidence_routes import pack_download_response

    return pack_download_response(archive, request, pack_id)


# Verifying a pack file


@router.get("/evidence-packs/verify", response_class=HTMLResponse)
@access(Permission.READ)
def verify_page(request: Request, archive: ArchiveDep) -> Response:
    return render(request, "evidence_verify.html", _verify_context(archive))


@router.post("/evidence-packs/verify", response_class=HTMLResponse)
@access(Permission.READ, csrf_in_route=True)
async def verify_upload(request: Request, archive: ArchiveDep) -> Response:
    """Check an uploaded pack against its manifest and against the archive's records, and list every difference.

    The upload is streamed to a spool file, so a large pack does not fill memory. The CSRF token
    travels in the multipart form, which the access check does not read, so it is checked here.
    """
    gettext = request_translations(request).gettext
    credential = request_credential(request)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        check_csrf(credential, request.headers.get(CSRF_HEADER))
    form: ParsedForm | None = None
    try:
        form = await parse_multipart(request.headers.get("content-type", ""), request.stream(),
                                     limit_bytes=archive.settings.max_upload_bytes)
        check_csrf(credential, form.fields.get("csrf_token"))
        part = _pack_part(form, archive)
        report = await _check_part(archive, part)
    except ArchiveError as error:
        context = _verify_context(archive)
        context["error"] = rejected_message(request, error, "evidence_verify", 0)
        return render(request, "evidence_verify.html", context, status=error.status, page_url=VERIFY_PAGE)
    finally:
        if form is not None:
            form.close()
    context = _verify_context(archive)
    context.update(report=report, file_name=part.filename, size=part.size,
                   problems=[problem.message(gettext) for problem in report.report.problems],
                   archive_problems=[problem.message(gettext) for problem in report.archive.problems]
                   if report.archive else [])
    return render(request, "evidence_verify.html", context, page_url=VERIFY_PAGE)


def _verify_context(archive: Archive) -> dict[str, Any]:
    return {"report": None, "error": None, "max_upload_mb": archive.settings.max_upload_mb}


def _pack_part(form: ParsedForm, archive: Archive) -> UploadedPart:
    parts = form.files.get("file", [])
    if not parts or not parts[0].filename:
        raise NoFileUploadedError()
    if parts[0].too_large:
        raise PackTooLargeError(file=parts[0].filename, limit_mb=archive.settings.max_upload_mb)
    return parts[0]


async def _check_part(archive: Archive, part: UploadedPart) -> PackCheck:
    """Copy the spooled upload to a file under its own name (the report names the file) and check it."""

    def check() -> PackCheck:
        archive.spool_dir.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="verify-", dir=archive.spool_dir))
        try:
            path = folder / part.filename
            part.file.seek(0)
            with path.open("wb") as out:
                shutil.copyfileobj(part.file, out, COPY_CHUNK)
            return check_pack(path, archive)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    return await run_in_threadpool(check)


__all__ = ["router"]
