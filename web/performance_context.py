"""Template contexts of the pages that show performance: each reads its queries and adds labels and form values.

The routes that show a page and the routes whose form failed both build the page here, so a
failed form shows the same page with the message and the typed values.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Request

from api.auth import request_actor
from archive import performance_queries, queries
from archive.context import Archive
from archive.errors import render_error
from archive.models import DOCUMENT_KINDS
from web.i18n import request_translations
from web.performance_forms import obligation_form_values
from web.performance_views import RECORD_KIND_FOR_DOCUMENT, CodeLabels, form_choices, next_case_states


def labels_context(request: Request) -> dict[str, Any]:
    """Return the label lookups and form choices every performance template uses."""
    return {"labels": CodeLabels(request_translations(request).gettext), **form_choices(),
            "today": dt.date.today().isoformat()}


def contract_context(request: Request, archive: Archive, contract_id: int, **overrides: Any) -> dict[str, Any]:
    """Build the contract page: documents and fields, terms, obligations, records, open alerts and scores."""
    actor = request_actor(request)
    detail = queries.contract_detail(archive, contract_id, actor=actor, summary=True)
    performance = performance_queries.contract_performance(archive, contract_id, actor=actor)
    attachable = [d for d in detail["documents"] if not d["deleted_at"]]
    context = {
        **detail,
        **performance,
        **labels_context(request),
        "kinds": DOCUMENT_KINDS,
        "attachable_documents": attachable,
        "document_titles": {d["id"]: _document_title(d) for d in detail["documents"]},
        "terms_form": _terms_values(detail["contract"]["terms"]),
        "terms_error": None,
        "record_form": {},
        "record_error": None,
        # Messages and typed values of rejected obligation forms. The values are keyed by form:
        # "review-<id>", "edit-<id>", "waive-<id>", or "new" for the manual entry form.
        "obligation_errors": {},
        "obligation_forms": {},
        "new_obligation_error": None,
        "obligation_form": obligation_form_values,
        "editing": None,
        "alert_errors": {},
        "alert_notes": {},
    }
    context.update(overrides)
    return context


def version_context(request: Request, archive: Archive, version_id: int, **overrides: Any) -> dict[str, Any]:
    """Build the document version page, with the form that records the document as a performance record."""
    detail = queries.version_detail(archive, version_id, actor=request_actor(request))
    gettext = request_translations(request).gettext
    version = detail["version"]
    error = render_error(version["error_code"], version["error_params"], gettext, version["error_message"] or "")
    context = {
        **detail,
        **labels_context(request),
        "kinds": DOCUMENT_KINDS,
        "error": error,
        "record_form": {"kind": RECORD_KIND_FOR_DOCUMENT.get(detail["document"]["kind"], "")},
        "record_error": None,
    }
    context.update(overrides)
    return context


def record_context(request: Request, archive: Archive, record_id: int, **overrides: Any) -> dict[str, Any]:
    """Build the record page: details, attachments, edit history, case steps and the obligations it meets."""
    actor = request_actor(request)
    detail = performance_queries.record_detail(archive, record_id, actor=actor)
    record = detail["record"]
    contract = queries.contract_detail(archive, record["contract_id"], actor=actor, summary=True)["contract"]
    context = {
        **detail,
        **labels_context(request),
        "contract": contract,
        "next_states": next_case_states(detail["case_state"]),
        "edit_form": {name: record[name] for name in ("occurred_on", "summary", "responsible", "status", "amount",
                                                      "currency", "demand")},
        "edit_error": None,
        "case_form": {},
        "case_error": None,
    }
    context.update(overrides)
    return context


def _document_title(document: dict[str, Any]) -> str:
    """Return a document's title, else the file name of its latest version."""
    if document["title"]:
        return document["title"]
    versions = document["versions"]
    return versions[-1]["filename"] if versions else ""


def _terms_values(terms: dict[str, Any]) -> dict[str, Any]:
    """Return the terms as the form shows them: dates as YYYY-MM-DD and missing values as empty text."""
    values = {}
    for name, value in terms.items():
        if isinstance(value, dt.date):
            value = value.isoformat()
        values[name] = "" if value is None else value
    return values
