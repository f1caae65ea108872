"""Pages of performance supervision: records, obligation review, contract terms, alerts and scores.

The services validate and audit. These routes check that the caller may see the contract
concerned (the services do not), call one service, and either redirect back or show the
page again with the service's message and the values as typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.auth import access, request_actor
from api.deps import get_archive
from api.performance_routes import refresh_alerts
from archive import performance_queries, problems
from archive.access import Permission, check_contract_visible
from archive.context import Archive
from archive.errors import ArchiveError, InvalidRecordError, NotFoundError
from archive.models import Alert, Document, DocumentVersion
from archive.services import alerts as alert_service
from archive.services import contract_terms, feeds
from archive.services import obligations as obligation_service
from archive.services import records as record_service
from web.form_responses import redirect_after_post, rejected_message
from web.i18n import request_translations
from web.performance_context import contract_context, labels_context, record_context, version_context
from web.performance_forms import (
    CaseStepForm,
    ObligationChangeForm,
    ObligationForm,
    ObligationReviewForm,
    RecordEditForm,
    RecordForm,
    TermsForm,
    obligation_changes,
    obligation_values,
    parse_date,
    record_changes,
    record_input,
    terms_changes,
)
from web.performance_views import ALERT_STATES, SEVERITIES
from web.templating import render

ALERTS_PAGE_SIZE = 50
MAX_ALERTS_PAGE = 1000

router = APIRouter(include_in_schema=False)
ArchiveDep = Annotated[Archive, Depends(get_archive)]


# Contract page forms


@router.post("/contracts/{contract_id}/terms", response_class=HTMLResponse)
@access(Permission.WRITE)
def update_terms(request: Request, contract_id: int, archive: ArchiveDep,
                 form: Annotated[TermsForm, Form()]) -> Response:
    actor = request_actor(request)
    try:
        with archive.session() as session:
            check_contract_visible(session, actor, contract_id)
            contract_terms.update_terms(session, contract_id, terms_changes(form), actor=actor)
            refresh_alerts(request, session, contract_id)
    except ArchiveError as error:
        context = contract_context(request, archive, contract_id, terms_form=form.model_dump(),
                                   terms_error=rejected_message(request, error, "terms", contract_id))
        return render(request, "contract.html", context, status=error.status,
                      page_url=f"/contracts/{contract_id}#terms")
    return redirect_after_post(f"/contracts/{contract_id}#terms")


@router.post("/contracts/{contract_id}/records", response_class=HTMLResponse)
@access(Permission.WRITE)
def add_record(request: Request, contract_id: int, archive: ArchiveDep,
               form: Annotated[RecordForm, Form()]) -> Response:
    actor = request_actor(request)
    gettext = request_translations(request).gettext
    try:
        with archive.session() as session:
            check_contract_visible(session, actor, contract_id)
            record_service.create_record(session, contract_id, record_input(form, gettext), actor=actor)
            refresh_alerts(request, session, contract_id)
    except ArchiveError as error:
        context = contract_context(request, archive, contract_id, record_form=form.model_dump(),
                                   record_error=rejected_message(request, error, "record", contract_id))
        return render(request, "contract.html", context, status=error.status,
                      page_url=f"/contracts/{contract_id}#add-record")
    return redirect_after_post(f"/contracts/{contract_id}#records")


@router.post("/versions/{version_id}/records", response_class=HTMLResponse)
@access(Permission.WRITE)
def record_document(request: Request, version_id: int, archive: ArchiveDep,
                    form: Annotated[RecordForm, Form()]) -> Response:
    """Create a record of the version's contract with the version's document attached."""
    actor = request_actor(request)
    gettext = request_translations(request).gettext
    try:
        with archive.session() as session:
            document = _visible_version_document(session, request, version_id)
            if document.contract_id is None:
                raise InvalidRecordError(problems.DOCUMENT_NOT_FILED)
            form.document_id = str(document.id)
            data = record_input(form, gettext, document_version_id=version_id)
            record_service.create_record(session, document.contract_id, data, actor=actor)
            contract_id = document.contract_id
            refresh_alerts(request, session, contract_id)
    except ArchiveError as error:
        context = version_context(request, archive, version_id, record_form=form.model_dump(),
                                  record_error=rejected_message(request, error, "version_record", version_id))
        return render(request, "version.html", context, status=error.status,
                      page_url=f"/versions/{version_id}#record-document")
    return redirect_after_post(f"/contracts/{contract_id}#records")


@router.post("/obligations/{obligation_id}/review", response_class=HTMLResponse)
@access(Permission.WRITE)
def review_obligation(request: Request, obligation_id: int, archive: ArchiveDep,
                      form: Annotated[ObligationReviewForm, Form()]) -> Response:
    """Confirm a suggestion with the fields staff corrected, or reject it. Unchanged fields are not sent."""
    actor = request_actor(request)
    gettext = request_translations(request).gettext
    with archive.session() as session:
        contract_id = _visible_obligation_contract(session, request, obligation_id)
    try:
        with archive.session() as session:
            changes = None
            if form.decision == "confirm" and form.form_name:
                obligation = obligation_service.get_obligation_or_raise(session, obligation_id)
                changes = obligation_changes(form, obligation, gettext)
            obligation_service.review_obligation(session, obligation_id, decision=form.decision, changes=changes,
                                                 note=form.note.strip() or None, actor=actor)
            refresh_alerts(request, session, contract_id)
    except ArchiveError as error:
        message = rejected_message(request, error, "review", obligation_id)
        typed = {f"review-{obligation_id}": form.model_dump()} if form.form_name else {}
        context = contract_context(request, archive, contract_id, obligation_errors={obligation_id: message},
                                   obligation_forms=typed)
        return render(request, "contract.html", context, status=error.status,
                      page_url=f"/contracts/{contract_id}#obligation-{obligation_id}")
    return redirect_after_post(f"/contracts/{contract_id}#obligation-{obligation_id}")


@router.post("/contracts/{contract_id}/obligations", response_class=HTMLResponse)
@access(Permission.WRITE)
def add_obligation(request: Request, contract_id: int, archive: ArchiveDep,
                   form: Annotated[ObligationForm, Form()]) -> Response:
    """Enter an obligation by hand. A monthly rule gives one obligation per month of the contract's term."""
    actor = request_actor(request)
    gettext = request_translations(request).gettext
    try:
        with archive.session() as session:
            check_contract_visible(session, actor, contract_id)
            created = obligation_service.create_obligation(session, contract_id, obligation_values(form, gettext),
                                                           actor=actor)
            first_id = created[0].id
            refresh_alerts(request, session, contract_id)
    except ArchiveError as error:
        context = contract_context(request, archive, contract_id, obligation_forms={"new": form.model_dump()},
                                   new_obligation_error=rejected_message(request, error, "obligation_new", contract_id))
        return render(request, "contract.html", context, status=error.status,
                      page_url=f"/contracts/{contract_id}#add-obligation")
    return redirect_after_post(f"/contracts/{contract_id}#obligation-{first_id}")


@router.post("/obligations/{obligation_id}", response_class=HTMLResponse)
@access(Permission.WRITE)
def change_obligation(request: Request, obligation_id: int, archive: ArchiveDep,
                      form: Annotated[ObligationChangeForm, Form()]) -> Response:
    """Edit a confirmed or manual obligation, waive it with a note, or undo its waiver."""
    actor = request_actor(request)
    gettext = request_translations(request).gettext
    with archive.session() as session:
        contract_id = _visible_obligation_contract(session, request, obligation_id)
    try:
        with archive.session() as session:
            changes = _obligation_update(session, obligation_id, form, gettext)
            obligation_service.update_obligation(session, obligation_id, changes, actor=actor)
            refresh_alerts(request, session, contract_id)
    except ArchiveError as error:
        message = rejected_message(request, error, f"obligation_{form.form_name}", obligation_id)
        form_key = "waive" if form.form_name == "waive" else "edit"
        context = contract_context(request, archive, contract_id, obligation_errors={obligation_id: message},
                                   obligation_forms={f"{form_key}-{obligation_id}": form.model_dump()})
        return render(request, "contract.html", context, status=error.status,
                      page_url=f"/contracts/{contract_id}#obligation-{obligation_id}")
    return redirect_after_post(f"/contracts/{contract_id}#obligation-{obligation_id}")


def _obligation_update(session: Session, obligation_id: int, form: ObligationChangeForm,
                       gettext: Callable[[str], str]) -> dict[str, Any]:
    """Return the changes update_obligation takes for an edit, a waiver or the undoing of a waiver."""
    note = form.note.strip() or None
    if form.form_name == "undo_waiver":
        return {"status": "pending"}
    if form.form_name == "waive":
        # Sent without a note, the waiver keeps the stored note, and the service decides whether that is enough.
        return {"status": "waived", **({"note": note} if note else {})}
    obligation = obligation_service.get_obligation_or_raise(session, obligation_id)
    changes = obligation_changes(form, obligation, gettext)
    if note != obligation.note:
        changes["note"] = note
    return changes


@router.post("/alerts/{alert_id}/state", response_class=HTMLResponse)
@access(Permission.WRITE)
def set_alert_state(request: Request, alert_id: int, archive: ArchiveDep,
                    state: Annotated[str, Form(max_length=20)],
                    note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Acknowledge or resolve an alert from its contract's page."""
    actor = request_actor(request)
    with archive.session() as session:
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise NotFoundError(object="Alert", id=alert_id)
        check_contract_visible(session, actor, alert.contract_id, object_name="Alert", object_id=alert_id)
        contract_id = alert.contract_id
    try:
        with archive.session() as session:
            alert_service.set_alert_state(session, alert_id, state=state, note=note, actor=actor)
    except ArchiveError as error:
        message = rejected_message(request, error, "alert_state", alert_id)
        context = contract_context(request, archive, contract_id, alert_errors={alert_id: message},
                                   alert_notes={alert_id: note})
        return render(request, "contract.html", context, status=error.status,
                      page_url=f"/contracts/{contract_id}#alerts")
    return redirect_after_post(f"/contracts/{contract_id}#alerts")


# Record page


@router.get("/records/{record_id}", response_class=HTMLResponse)
@access(Permission.READ)
def record_page(request: Request, record_id: int, archive: ArchiveDep) -> Response:
    return render(request, "record.html", record_context(request, archive, record_id))


@router.post("/records/{record_id}", response_class=HTMLResponse)
@access(Permission.WRITE)
def edit_record(request: Request, record_id: int, archive: ArchiveDep,
                form: Annotated[RecordEditForm, Form()]) -> Response:
    actor = request_actor(request)
    gettext = request_translations(request).gettext
    try:
        with archive.session() as session:
            contract_id = _visible_record_contract(session, request, record_id)
            record_service.update_record(session, record_id, record_changes(form, gettext), actor=actor)
            refresh_alerts(request, session, contract_id)
    except ArchiveError as error:
        context = record_context(request, archive, record_id, edit_form=form.model_dump(),
                                 edit_error=rejected_message(request, error, "record_edit", record_id))
        return render(request, "record.html", context, status=error.status, page_url=f"/records/{record_id}#edit")
    return redirect_after_post(f"/records/{record_id}#history")


@router.post("/records/{record_id}/case-steps", response_class=HTMLResponse)
@access(Permission.WRITE)
def advance_case(request: Request, record_id: int, archive: ArchiveDep,
                 form: Annotated[CaseStepForm, Form()]) -> Response:
    """Move a complaint or dispute to the chosen state. The step becomes a record of its own."""
    actor = request_actor(request)
    gettext = request_translations(request).gettext
    try:
        with archive.session() as session:
            contract_id = _visible_record_contract(session, request, record_id)
            record_service.advance_case(session, record_id, target=form.target,
                                        occurred_on=parse_date(form.occurred_on, gettext),
                                        summary=form.summary, actor=actor)
            refresh_alerts(request, session, contract_id)
    except ArchiveError as error:
        context = record_context(request, archive, record_id, case_form=form.model_dump(),
                                 case_error=rejected_message(request, error, "case_step", record_id))
        return render(request, "record.html", context, status=error.status, page_url=f"/records/{record_id}#case")
    return redirect_after_post(f"/records/{record_id}#case")


# Alerts dashboard and scores


@router.get("/alerts", response_class=HTMLResponse)
@access(Permission.READ)
def alerts_page(
    request: Request,
    archive: ArchiveDep,
    state: Annotated[str, Query(max_length=20)] = "",
    severity: Annotated[str, Query(max_length=20)] = "",
    rule: Annotated[str, Query(max_length=40)] = "",
    owner: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query()] = 1,
) -> Response:
    """List the alerts on contracts the caller may see, by default the open and acknowledged ones."""
    page = min(max(page, 1), MAX_ALERTS_PAGE)
    states = (state,) if state in ALERT_STATES else ("open", "acknowledged")
    result = performance_queries.alerts_dashboard(
        archive, actor=request_actor(request), states=states,
        severity=severity if severity in SEVERITIES else None, rule=rule or None, owner=owner.strip() or None,
        limit=ALERTS_PAGE_SIZE, offset=(page - 1) * ALERTS_PAGE_SIZE,
    )
    context = {**result, **labels_context(request), "page": page, "page_size": ALERTS_PAGE_SIZE,
               "filters": {"state": state, "severity": severity, "rule": rule, "owner": owner}}
    return render(request, "alerts.html", context)


@router.post("/calendar-feed", response_class=HTMLResponse)
@access(Permission.READ)
def issue_calendar_feed(request: Request, archive: ArchiveDep) -> Response:
    """Issue and show a new secret calendar address with the caller's due dates. The previous address stops working."""
    with archive.session() as session:
        secret = feeds.issue_feed_token(session, request_actor(request))
    url = f"{archive.settings.public_url.rstrip('/')}/api/calendar/{secret}.ics"
    # The address is shown once, so the language link leads back to the alerts page that issues one.
    return render(request, "calendar_feed.html", {"feed_url": url}, page_url="/alerts")


@router.get("/scores", response_class=HTMLResponse)
@access(Permission.READ)
def scores_page(request: Request, archive: ArchiveDep) -> Response:
    parties = performance_queries.counterparty_score_list(archive, actor=request_actor(request))
    return render(request, "scores.html", {"parties": parties, **labels_context(request)})


# Visibility checks: an object of a contract the caller may not see is reported as not found.


def _visible_version_document(session: Session, request: Request, version_id: int) -> Document:
    version = session.get(DocumentVersion, version_id)
    document = session.get(Document, version.document_id) if version is not None else None
    if document is None:
        raise NotFoundError(object="Document version", id=version_id)
    check_contract_visible(session, request_actor(request), document.contract_id,
                           object_name="Document version", object_id=version_id)
    return document


def _visible_obligation_contract(session: Session, request: Request, obligation_id: int) -> int:
    obligation = obligation_service.get_obligation_or_raise(session, obligation_id)
    check_contract_visible(session, request_actor(request), obligation.contract_id,
                           object_name="Obligation", object_id=obligation_id)
    return obligation.contract_id


def _visible_record_contract(session: Session, request: Request, record_id: int) -> int:
    record = record_service.get_record_or_raise(session, record_id)
    check_contract_visible(session, request_actor(request), record.contract_id,
                           object_name="Performance record", object_id=record_id)
    return record.contract_id
