"""JSON routes for performance records, obligations, alerts and scores.

Each route checks that the caller may see the contract concerned; the services validate,
audit and refresh obligations.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.auth import access, request_actor
from api.deps import get_archive
from archive import performance_queries as queries
from archive.access import Permission, check_contract_visible
from archive.models import Alert
from archive.errors import NotFoundError
from archive.services import alerts as alert_service
from archive.services import contract_terms
from archive.services import obligations as obligation_service
from archive.services import records as record_service

router = APIRouter(prefix="/api")
RECORD_FILES_OPENAPI = {
    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "array", "items": {"type": "string", "format": "binary"}},
                       "kind": {"type": "string", "description": "Document kind, instead of detecting it."}},
    }}}}
}


class RecordBody(BaseModel):
    """A performance record. `obligation_ids` omitted: a payment pays the earliest due instalments."""

    kind: str = Field(description="progress, quality_inspection, payment, delivery, acceptance, communication, ...")
    occurred_on: dt.date
    summary: str = Field(default="", max_length=20_000)
    responsible: str | None = Field(default=None, max_length=200)
    status: str | None = Field(default=None, max_length=40)
    amount: Decimal | None = None
    currency: str | None = Field(default=None, max_length=3)
    demand: bool = False
    detail: dict[str, Any] = Field(default_factory=dict)
    document_id: int | None = None
    document_version_id: int | None = None
    clause_id: int | None = None
    attachments: list[int] = Field(default_factory=list, max_length=100)
    obligation_ids: list[int] | None = None


class RecordPatch(BaseModel):
    """Changes to a record. Its contract, kind and case cannot change; a field not listed here is refused."""

    model_config = ConfigDict(extra="forbid")

    occurred_on: dt.date | None = None
    summary: str | None = Field(default=None, max_length=20_000)
    responsible: str | None = Field(default=None, max_length=200)
    status: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    demand: bool | None = None
    detail: dict[str, Any] | None = None


class AttachmentBody(BaseModel):
    document_id: int


class CaseStepBody(BaseModel):
    target: str = Field(description="investigating, resolved, escalated or closed")
    occurred_on: dt.date
    summary: str = Field(default="", max_length=20_000)
    responsible: str | None = None


class ObligationBody(BaseModel):
    kind: str
    summary: str = Field(default="", max_length=2000)
    stage: str | None = None
    debtor: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    percent: Decimal | None = None
    due_rule: dict[str, Any] = Field(default_factory=dict,
                                     description="{on} or {event, offset, unit} or {day_of_month}")
    owner: str | None = None
    note: str | None = None


class ReviewBody(BaseModel):
    decision: str = Field(description="confirm or reject")
    changes: dict[str, Any] = Field(default_factory=dict)
    note: str | None = Field(default=None, max_length=2000)


class AlertStateBody(BaseModel):
    state: str = Field(description="acknowledged, resolved (needs a note) or open")
    note: str | None = Field(default=None, max_length=2000)


def refresh_alerts(request: Request, session: Any, contract_id: int) -> None:
    """Bring one contract's obligations and alerts up to date after a change, before the next daily run."""
    settings = alert_service.alert_settings(get_archive(request).settings)
    alert_service.run_alerts(session, contract_id=contract_id, settings=settings)


def _record_contract(session: Any, request: Request, record_id: int) -> int:
    record = record_service.get_record_or_raise(session, record_id)
    check_contract_visible(session, request_actor(request), record.contract_id,
                           object_name="Performance record", object_id=record_id)
    return record.contract_id


@router.get("/contracts/{contract_id}/performance")
@access(Permission.READ)
def contract_performance(contract_id: int, request: Request) -> dict[str, Any]:
    """Obligations, records, open alerts and scores of one contract."""
    return queries.contract_performance(get_archive(request), contract_id, actor=request_actor(request))


@router.patch("/contracts/{contract_id}/terms")
@access(Permission.WRITE)
def update_terms(contract_id: int, changes: dict[str, Any], request: Request) -> dict[str, Any]:
    """Correct the dates, total, counterparty or renewal terms that obligations count from."""
    from archive.queries import terms_dict

    actor = request_actor(request)
    with get_archive(request).session() as session:
        check_contract_visible(session, actor, contract_id)
        terms = terms_dict(contract_terms.update_terms(session, contract_id, changes, actor=actor))
        refresh_alerts(request, session, contract_id)
        return terms


@router.post("/contracts/{contract_id}/records", status_code=201)
@access(Permission.WRITE)
def create_record(contract_id: int, body: RecordBody, request: Request) -> dict[str, Any]:
    actor = request_actor(request)
    data = record_service.RecordInput(**{**body.model_dump(), "attachments": tuple(body.attachments),
                                        "obligation_ids": tuple(body.obligation_ids)
                                        if body.obligation_ids is not None else None})
    with get_archive(request).session() as session:
        check_contract_visible(session, actor, contract_id)
        record = record_service.create_record(session, contract_id, data, actor=actor)
        refresh_alerts(request, session, contract_id)
        record_id = record.id
    return queries.record_detail(get_archive(request), record_id, actor=actor)


@router.get("/records/{record_id}")
@access(Permission.READ)
def get_record(record_id: int, request: Request) -> dict[str, Any]:
    """Return a record with its attachments, edit history, case steps and the obligations it meets."""
    return queries.record_detail(get_archive(request), record_id, actor=request_actor(request))


@router.patch("/records/{record_id}")
@access(Permission.WRITE)
def update_record(record_id: int, body: RecordPatch, request: Request) -> dict[str, Any]:
    actor = request_actor(request)
    with get_archive(request).session() as session:
        contract_id = _record_contract(session, request, record_id)
        record_service.update_record(session, record_id, body.model_dump(exclude_unset=True), actor=actor)
        refresh_alerts(request, session, contract_id)
    return queries.record_detail(get_archive(request), record_id, actor=actor)


@router.post("/records/{record_id}/attachments", status_code=201)
@access(Permission.WRITE)
def attach_document(record_id: int, body: AttachmentBody, request: Request) -> dict[str, Any]:
    actor = request_actor(request)
    with get_archive(request).session() as session:
        contract_id = _record_contract(session, request, record_id)
        record_service.attach_document(session, record_id, body.document_id, actor=actor)
        refresh_alerts(request, session, contract_id)
    return queries.record_detail(get_archive(request), record_id, actor=actor)


@router.post("/records/{record_id}/files", status_code=201, openapi_extra=RECORD_FILES_OPENAPI)
@access(Permission.WRITE, csrf_in_route=True)
async def upload_record_files(record_id: int, request: Request) -> JSONResponse:
    """Upload files for a record: each is stored and read as a document of the record's contract, then attached."""
    from api.auth import check_csrf, request_credential
    from api.uploads import ingest_form, read_upload_form

    archive, actor = get_archive(request), request_actor(request)
    form = await read_upload_form(request, archive)
    try:
        check_csrf(request_credential(request), form.fields.get("csrf_token"))  # type: ignore[arg-type]
        with archive.session() as session:
            contract_id = _record_contract(session, request, record_id)
        form.fields["contract_id"], form.fields["document_id"] = str(contract_id), ""
        results = await ingest_form(archive, form, actor=actor)
    finally:
        form.close()
    attached = []
    with archive.session() as session:
        for result in results:
            if result.document_id is not None and result.contract_id == contract_id:
                record_service.attach_document(session, record_id, result.document_id, actor=actor)
                attached.append(result.document_id)
        refresh_alerts(request, session, contract_id)
    status = 201 if attached else 422
    return JSONResponse({"results": [r.as_dict() for r in results], "attached": attached,
                         "record": queries.record_detail(archive, record_id, actor=actor)}, status_code=status)


@router.post("/records/{record_id}/case-steps", status_code=201)
@access(Permission.WRITE)
def advance_case(record_id: int, body: CaseStepBody, request: Request) -> dict[str, Any]:
    """Move a complaint or dispute on (investigating, resolved, escalated, closed); each step is a record."""
    actor = request_actor(request)
    with get_archive(request).session() as session:
        contract_id = _record_contract(session, request, record_id)
        record_service.advance_case(session, record_id, target=body.target, occurred_on=body.occurred_on,
                                    summary=body.summary, responsible=body.responsible, actor=actor)
        refresh_alerts(request, session, contract_id)
    return queries.record_detail(get_archive(request), record_id, actor=actor)


@router.post("/contracts/{contract_id}/obligations", status_code=201)
@access(Permission.WRITE)
def create_obligation(contract_id: int, body: ObligationBody, request: Request) -> list[dict[str, Any]]:
    actor = request_actor(request)
    with get_archive(request).session() as session:
        check_contract_visible(session, actor, contract_id)
        created = obligation_service.create_obligation(session, contract_id, body.model_dump(), actor=actor)
        refresh_alerts(request, session, contract_id)
        return [queries.obligation_dict(o) for o in created]


def _obligation_contract(session: Any, request: Request, obligation_id: int) -> int:
    obligation = obligation_service.get_obligation_or_raise(session, obligation_id)
    check_contract_visible(session, request_actor(request), obligation.contract_id,
                           object_name="Obligation", object_id=obligation_id)
    return obligation.contract_id


@router.post("/obligations/{obligation_id}/review")
@access(Permission.WRITE)
def review_obligation(obligation_id: int, body: ReviewBody, request: Request) -> list[dict[str, Any]]:
    """Confirm a suggested obligation (optionally edited) or reject it."""
    actor = request_actor(request)
    with get_archive(request).session() as session:
        contract_id = _obligation_contract(session, request, obligation_id)
        result = obligation_service.review_obligation(session, obligation_id, decision=body.decision,
                                                      changes=body.changes, note=body.note, actor=actor)
        refresh_alerts(request, session, contract_id)
        return [queries.obligation_dict(o) for o in result]


@router.patch("/obligations/{obligation_id}")
@access(Permission.WRITE)
def update_obligation(obligation_id: int, changes: dict[str, Any], request: Request) -> dict[str, Any]:
    """Edit an obligation, or waive it with {"status": "waived", "note": "..."}."""
    actor = request_actor(request)
    with get_archive(request).session() as session:
        contract_id = _obligation_contract(session, request, obligation_id)
        obligation = obligation_service.update_obligation(session, obligation_id, changes, actor=actor)
        refresh_alerts(request, session, contract_id)
        return queries.obligation_dict(obligation)


@router.get("/alerts")
@access(Permission.READ)
def list_alerts(
    request: Request,
    state: Annotated[list[Literal["open", "acknowledged", "resolved"]], Query()] = ["open", "acknowledged"],  # noqa: B006
    severity: str | None = None, rule: str | None = None, owner: str | None = None, contract_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100, offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Alerts on the contracts you may see, most severe first."""
    return queries.alerts_dashboard(get_archive(request), actor=request_actor(request), states=tuple(state),
                                    severity=severity, rule=rule, owner=owner, contract_id=contract_id,
                                    limit=limit, offset=offset)


@router.post("/alerts/{alert_id}/state")
@access(Permission.WRITE)
def set_alert_state(alert_id: int, body: AlertStateBody, request: Request) -> dict[str, Any]:
    actor = request_actor(request)
    with get_archive(request).session() as session:
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise NotFoundError(object="Alert", id=alert_id)
        check_contract_visible(session, actor, alert.contract_id, object_name="Alert", object_id=alert_id)
        return queries.alert_dict(alert_service.set_alert_state(session, alert_id, state=body.state,
                                                                note=body.note, actor=actor))


@router.post("/alerts/run")
@access(Permission.ADMINISTER)
def run_alerts(request: Request) -> dict[str, Any]:
    """Run the daily alert computation now."""
    archive = get_archive(request)
    with archive.session() as session:
        summary = alert_service.run_alerts(session, settings=alert_service.alert_settings(archive.settings))
    return {k: str(v) if isinstance(v, dt.date) else v for k, v in summary.__dict__.items()}


@router.get("/scores/counterparties")
@access(Permission.READ)
def counterparty_scores(request: Request) -> dict[str, Any]:
    """Progress, quality and payment scores per counterparty, over the contracts you may see."""
    return {"counterparties": queries.counterparty_score_list(get_archive(request), actor=request_actor(request))}
