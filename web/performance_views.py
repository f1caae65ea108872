"""Translated labels of performance codes, and the choices the performance forms offer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archive.performance import labels as code_labels
from archive.performance.terms import (
    CASE_TRANSITIONS,
    COMMUNICATION_CHANNELS,
    DEBTORS,
    DUE_EVENTS,
    DUE_UNITS,
    OBLIGATION_KINDS,
    PAYMENT_STAGES,
    RECORD_KINDS,
)

# The record kind a document of each kind usually records. Other document kinds preselect no record kind.
RECORD_KIND_FOR_DOCUMENT = {
    "acceptance_report": "acceptance",
    "payment_proof": "payment",
    "invoice": "payment",
    "correspondence": "communication",
}
# Every status a new record may carry. The service checks which ones fit the chosen kind.
RECORD_STATUSES = ("done", "planned", "cancelled", "passed", "failed")
SEVERITIES = ("critical", "high", "medium", "low")
ALERT_STATES = ("open", "acknowledged", "resolved")


class CodeLabels:
    """Label lookups for templates: each method returns the label of a code in the request's language."""

    def __init__(self, gettext: Callable[[str], str]) -> None:
        self._gettext = gettext

    def _label(self, mapping: dict[str, str], code: str | None) -> str:
        return code_labels.label(mapping, code, self._gettext)

    def record_kind(self, code: str | None) -> str:
        return self._label(code_labels.RECORD_KIND_LABELS, code)

    def obligation_kind(self, code: str | None) -> str:
        return self._label(code_labels.OBLIGATION_KIND_LABELS, code)

    def stage(self, code: str | None) -> str:
        return self._label(code_labels.STAGE_LABELS, code)

    def status(self, code: str | None) -> str:
        return self._label(code_labels.STATUS_LABELS, code)

    def debtor(self, code: str | None) -> str:
        return self._label(code_labels.DEBTOR_LABELS, code)

    def event(self, code: str | None) -> str:
        return self._label(code_labels.EVENT_LABELS, code)

    def unit(self, code: str | None) -> str:
        return self._label(code_labels.UNIT_LABELS, code)

    def channel(self, code: str | None) -> str:
        return self._label(code_labels.CHANNEL_LABELS, code)

    def severity(self, code: str | None) -> str:
        return self._label(code_labels.SEVERITY_LABELS, code)

    def likelihood(self, code: str | None) -> str:
        return self._label(code_labels.LIKELIHOOD_LABELS, code)

    def action(self, code: str | None) -> str:
        return self._label(code_labels.ACTION_LABELS, code)

    def rule(self, code: str | None) -> str:
        return self._label(code_labels.RULE_LABELS, code)

    def due_rule(self, rule: dict[str, Any] | None) -> str:
        """Describe a due rule (archive.performance.terms.DueRule.as_dict()) in words."""
        gettext = self._gettext
        rule = rule or {}
        if rule.get("on"):
            return gettext("by {date}").format(date=rule["on"])
        if rule.get("day_of_month"):
            return gettext("by day {day} of each month").format(day=rule["day_of_month"])
        if rule.get("event"):
            unit = self.unit(rule.get("unit") or "day")
            return gettext("{offset} {unit} after {event}").format(
                offset=rule.get("offset") or 0, unit=unit, event=self.event(rule["event"]))
        return gettext("no due date stated")

    def alert_message(self, alert: dict[str, Any]) -> str:
        """Return the alert's sentence, naming its obligation by the summary the read model adds as `subject`."""
        return code_labels.alert_message(alert["rule"], alert.get("params") or {}, alert.get("subject") or "",
                                         self._gettext)


def form_choices() -> dict[str, Any]:
    """Return the codes the record, case, alert and obligation forms offer, for the template context."""
    return {
        "record_kinds": RECORD_KINDS,
        "record_statuses": RECORD_STATUSES,
        "channels": COMMUNICATION_CHANNELS,
        "severities": SEVERITIES,
        "alert_states": ALERT_STATES,
        "alert_rules": tuple(code_labels.RULE_LABELS),
        "obligation_kinds": OBLIGATION_KINDS,
        "payment_stages": PAYMENT_STAGES,
        "debtors": DEBTORS,
        "due_events": DUE_EVENTS,
        "due_units": DUE_UNITS,
    }


def next_case_states(case_state: str | None) -> tuple[str, ...]:
    """Return the states a complaint or dispute in `case_state` may move to."""
    return CASE_TRANSITIONS.get(case_state or "", ())
