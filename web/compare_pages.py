"""The comparison page: two versions of a document, or a contract beside its amendment, clause by clause.

`GET /compare?left=ID&right=ID` reads both versions through the same query as the version page,
so a version the user may not see is "not found" here too, and records a view of each in the
audit log. With `mode=amendment`, or when the right version is an amendment and no mode is
given, the page shows each contract clause beside the amendment clauses that change it. An
amendment compared without `left` is compared with the current version of its contract's main
document.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from api.auth import access, record_view, request_actor
from api.deps import get_archive
from archive import queries
from archive.access import Permission
from archive.compare import ClauseText, compare_amendment, compare_versions
from archive.context import Archive
from archive.errors import NotFoundError
from archive.models import Document, DocumentVersion
from web.i18n import request_translations
from web.pages import render_error_page
from web.templating import render

MODES = ("versions", "amendment")
# Largest id a database integer column holds; a larger number names no version.
MAX_VERSION_ID = 2**31 - 1
# Document kinds offered in the form besides the documents of the two versions shown.
COMPARABLE_KINDS = ("contract", "amendment")

logger = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
ArchiveDep = Annotated[Archive, Depends(get_archive)]


class CompareInputError(Exception):
    """A query parameter of the comparison page that cannot be used, with the message to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@router.get("/compare", response_class=HTMLResponse)
@access(Permission.READ)
def compare_page(
    request: Request,
    archive: ArchiveDep,
    left: Annotated[str, Query(max_length=40)] = "",
    right: Annotated[str, Query(max_length=40)] = "",
    mode: Annotated[str, Query(max_length=20)] = "",
    changed_only: Annotated[str, Query(max_length=5)] = "",
) -> Response:
    """Show the clauses of two versions side by side, or a contract with the amendment that changes it."""
    gettext = request_translations(request).gettext
    actor = request_actor(request)
    try:
        right_id = _version_id(right, gettext, side=gettext("right"))
        left_id = _version_id(left, gettext, side=gettext("left"), required=False)
        if mode and mode not in MODES:
            raise CompareInputError(
                gettext("Unknown comparison mode '{mode}': use versions or amendment.").format(mode=mode)
            )
        right_detail = queries.version_detail(archive, right_id, actor=actor)
        chosen_mode = mode or ("amendment" if right_detail["document"]["kind"] == "amendment" else "versions")
        if left_id is None:
            if chosen_mode != "amendment":
                raise CompareInputError(gettext(
                    "Choose the version to compare with: the address needs left=ID as well as right=ID."
                ))
            left_id = base_contract_version(archive, right_detail)
            if left_id is None:
                raise CompareInputError(gettext(
                    "Version {id} is filed under no contract with a main contract document, so there is no "
                    "contract text to compare it with. Add left=ID with the id of the contract version to the address."
                ).format(id=right_id))
        left_detail = queries.version_detail(archive, left_id, actor=actor)
    except CompareInputError as error:
        logger.info("compare page rejected left=%r right=%r mode=%r: %s", left, right, mode, error)
        return render_error_page(request, status=400, message=error.message)

    record_view(archive, request, actor, left_id)
    if right_id != left_id:
        record_view(archive, request, actor, right_id)

    left_clauses = [ClauseText.from_mapping(c) for c in left_detail["clauses"]]
    right_clauses = [ClauseText.from_mapping(c) for c in right_detail["clauses"]]
    if chosen_mode == "amendment":
        rows: list[Any] = compare_amendment(left_clauses, right_clauses)
    else:
        rows = compare_versions(left_clauses, right_clauses)
    only_changes = changed_only in ("1", "true", "on", "yes")
    context = {
        "left": left_detail,
        "right": right_detail,
        "mode": chosen_mode,
        "changed_only": only_changes,
        "rows": [row for row in rows if row.is_change] if only_changes else rows,
        "counts": _state_counts(rows),
        "choices": comparable_versions(archive, [left_detail, right_detail]),
    }
    return render(request, "compare.html", context)


def _version_id(value: str, gettext: Any, *, side: str, required: bool = True) -> int | None:
    """Return a version id read from a query parameter; a number too large for an id names no version."""
    value = value.strip()
    if not value:
        if required:
            raise CompareInputError(gettext(
                "Choose the versions to compare: the address needs right=ID, and left=ID unless the right "
                "version is an amendment."
            ))
        return None
    if not (value.isascii() and value.isdigit()):
        raise CompareInputError(
            gettext("'{value}' is not a document version id ({side} side): use the number shown on the version page.")
            .format(value=value, side=side)
        )
    number = int(value)
    if number > MAX_VERSION_ID:
        raise NotFoundError(object="Document version", id=number)
    return number


def _state_counts(rows: list[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
    return counts


def base_contract_version(archive: Archive, amendment: dict[str, Any]) -> int | None:
    """Return the current version of the main contract document that an amendment belongs to, or None.

    The main document is the contract's first document of kind contract that is not deleted. An
    amendment filed under no contract falls back to the version its amendment link names.
    `amendment` is a `queries.version_detail` result. The caller reads the returned version through
    `queries.version_detail` too, which checks that the user may see it.
    """
    contract = amendment["contract"]
    if contract is not None:
        with archive.session() as session:
            version_id = session.scalar(
                select(DocumentVersion.id)
                .join(Document, Document.id == DocumentVersion.document_id)
                .where(Document.contract_id == contract["id"], Document.kind == "contract",
                       Document.deleted_at.is_(None), Document.id != amendment["document"]["id"])
                .order_by(Document.id, DocumentVersion.version_number.desc())
                .limit(1)
            )
        if version_id is not None:
            return version_id
    links = amendment["amends"]
    return links[0]["version_id"] if links else None


def comparable_versions(archive: Archive, details: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the versions the form offers for the compared versions' `details`.

    These are the versions of the compared documents and of the contracts and amendments filed
    under the same contracts. Both compared versions already passed the visibility check, so
    their contracts are visible to the user.
    """
    document_ids = {detail["document"]["id"] for detail in details}
    contract_ids = {detail["contract"]["id"] for detail in details if detail["contract"] is not None}
    with archive.session() as session:
        condition = Document.id.in_(document_ids)
        if contract_ids:
            condition = condition | (
                Document.contract_id.in_(contract_ids) & Document.kind.in_(COMPARABLE_KINDS)
                & Document.deleted_at.is_(None)
            )
        rows = session.execute(
            select(DocumentVersion.id, DocumentVersion.version_number, DocumentVersion.title,
                   DocumentVersion.filename, Document.kind, Document.title)
            .join(Document, Document.id == DocumentVersion.document_id)
            .where(condition)
            .order_by(Document.id, DocumentVersion.version_number)
        ).all()
    return [
        {"id": version_id, "version_number": number, "title": document_title or title or filename, "kind": kind}
        for version_id, number, title, filename, kind, document_title in rows
    ]


__all__ = ["base_contract_version", "comparable_versions", "router"]
