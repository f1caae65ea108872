"""English UI wording of the performance codes; the message catalog translates each one.

Codes (payment, overdue, send_demand) stay stable in the API and the database. Pages and
e-mails show these labels, which avoids one code meaning two things in the catalog (the
record kind "progress" and the payment stage "progress").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archive.notices import localize_notice

RECORD_KIND_LABELS = {
    "progress": "Progress", "quality_inspection": "Quality inspection", "payment": "Payment",
    "delivery": "Delivery", "acceptance": "Acceptance", "communication": "Communication", "change": "Change",
    "complaint": "Complaint", "dispute": "Dispute", "training": "Training", "reward": "Reward",
    "termination": "Termination or settlement",
}
OBLIGATION_KIND_LABELS = {
    "payment": "Payment", "delivery": "Delivery", "completion": "Completion", "acceptance": "Acceptance",
    "warranty": "Warranty", "reporting": "Reporting", "renewal_notice": "Renewal notice",
    "termination_notice": "Termination notice", "other": "Other duty",
}
STAGE_LABELS = {
    "advance": "Advance payment", "progress": "Progress payment", "final": "Final payment",
    "retention": "Retention money", "instalment": "Instalment", "full": "Full payment",
}
STATUS_LABELS = {
    "pending": "Pending", "fulfilled": "Fulfilled", "overdue": "Overdue", "waived": "Waived",
    "passed": "Passed", "failed": "Not passed", "done": "Done", "planned": "Planned", "cancelled": "Cancelled",
    "received": "Received", "investigating": "Investigating", "resolved": "Resolved", "escalated": "Escalated to dispute",
    "closed": "Closed", "open": "Open", "acknowledged": "Acknowledged",
    "suggested": "Suggested", "confirmed": "Confirmed", "rejected": "Rejected", "manual": "Entered by hand",
}
DEBTOR_LABELS = {"customer": "Customer", "us": "Us"}
EVENT_LABELS = {
    "signing": "Signing", "effective": "Taking effect", "delivery": "Delivery", "acceptance": "Passed acceptance",
    "invoice": "Invoice received", "expiry": "Expiry",
}
UNIT_LABELS = {"day": "days", "working_day": "working days", "month": "months"}
CHANNEL_LABELS = {"phone": "Phone", "email": "E-mail", "meeting": "Meeting", "visit": "Visit", "letter": "Letter"}
SEVERITY_LABELS = {"critical": "Critical", "high": "High", "medium": "Medium", "low": "Low"}
LIKELIHOOD_LABELS = {"high": "Likely", "medium": "Possible", "low": "Unlikely"}
ACTION_LABELS = {
    "prepare_performance": "Prepare to perform on time",
    "remind_customer": "Remind the customer",
    "send_demand": "Send a written demand (催款函) and keep proof of delivery",
    "perform_now": "Perform now and tell the customer",
    "collect_balance": "Collect the balance",
    "require_rectification": "Require rectification and inspect again",
    "schedule_inspection": "Schedule the inspection",
    "obtain_acceptance_report": "Obtain the signed acceptance report",
    "escalate_case": "Escalate or close the case",
    "decide_renewal": "Decide on renewal and give notice in time",
    "verify_amount": "Check the amount against the signed original",
    "seek_legal_advice": "Ask counsel how to proceed",
}
RULE_LABELS = {
    "due_soon": "Due soon", "overdue": "Overdue", "partly_paid": "Partly paid",
    "inspection_failed": "Inspection failed", "inspection_missing": "Inspection missing",
    "acceptance_missing": "Acceptance report missing", "case_open_too_long": "Case open too long",
    "contract_expiring": "Contract expiring", "auto_renewal_notice": "Automatic renewal",
    "amount_mismatch": "Amount mismatch", "limitation_expiring": "Limitation period ending",
    "limitation_expired": "Limitation period ended",
}
ALERT_MESSAGES = {
    "due_soon": "{subject} is due on {due_date}, in {days_left} days.",
    "overdue": "{subject} is {days_overdue} days overdue.",
    "partly_paid": "{subject}: {paid} paid, {outstanding} outstanding.",
    "inspection_failed": "The quality inspection of {inspected_on} did not pass and no later inspection passed.",
    "inspection_missing": "Delivered on {delivered_on}, {days_since} days ago, and not inspected since.",
    "acceptance_missing": "Delivered on {delivered_on}, {days_since} days ago, with no acceptance report recorded since.",
    "case_open_too_long": "A case opened on {opened_on} has been open for {days_open} days.",
    "contract_expiring": "The contract expires on {expires_on}, in {days_left} days.",
    "auto_renewal_notice": "The contract renews automatically unless notice is given by {notice_deadline}.",
    "amount_mismatch": "Amounts in figures and in words disagree: {detail}",
    "limitation_expiring": "The limitation period for {subject} ends on {end} (counted from {counted_from}).",
    "limitation_expired": "The limitation period for {subject} ended on {end} (counted from {counted_from}).",
}

ALL_LABEL_MAPS = (
    RECORD_KIND_LABELS, OBLIGATION_KIND_LABELS, STAGE_LABELS, STATUS_LABELS, DEBTOR_LABELS, EVENT_LABELS,
    UNIT_LABELS, CHANNEL_LABELS, SEVERITY_LABELS, LIKELIHOOD_LABELS, ACTION_LABELS, RULE_LABELS, ALERT_MESSAGES,
)


def label(mapping: dict[str, str], code: str | None, gettext: Callable[[str], str]) -> str:
    """Return the translated label of `code`, or the code itself when it has none."""
    if code is None:
        return ""
    text = mapping.get(code)
    return gettext(text) if text else code


class _Missing(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "?"


def alert_message(rule: str, params: dict[str, Any], subject: str, gettext: Callable[[str], str]) -> str:
    """Return the alert's sentence in the language of `gettext`, with its values filled in."""
    template = ALERT_MESSAGES.get(rule)
    if template is None:
        return rule
    values = {**params, "subject": subject or gettext("The obligation")}
    if rule == "amount_mismatch" and isinstance(values.get("detail"), str):
        # The detail is the version's stored warning, which is kept in English.
        values["detail"] = localize_notice(values["detail"], gettext)
    return gettext(template).format_map(_Missing(values))


def all_labels() -> tuple[str, ...]:
    return tuple(text for mapping in ALL_LABEL_MAPS for text in mapping.values()) + ("The obligation",)
