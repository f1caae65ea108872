"""The e-mail digest of open alerts and coming due dates, and its delivery over SMTP.

compose_digest builds a multipart/alternative message (plain text and HTML) in
Chinese or English. send_digest hands it to an SMTP server and turns every
refusal or connection failure into a DigestDeliveryError whose message names
the server, the recipient and the reason.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import smtplib
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr
from urllib.parse import urljoin, urlsplit

from archive.errors import ArchiveError
from archive.exports.rows import DigestAlert, DueItem
from archive.i18n import pick_locale
from archive.reminders.calendar_feed import format_amount

logger = logging.getLogger(__name__)

SEVERITY_ORDER = ("critical", "high", "medium", "low")

DIGEST_TEXT = {
    "zh_CN": {
        "subject": "合同履约提醒：{alerts}，{due}",
        "alert_count": ("{n} 条预警", "{n} 条预警"),
        "due_count": ("{n} 项即将到期", "{n} 项即将到期"),
        "greeting": "{name}，您好：",
        "intro": "截至 {today}，您负责的合同有 {alerts}，{due}。",
        "alerts_heading": "未处理预警",
        "due_heading": "即将到期",
        "no_alerts": "没有未处理的预警。",
        "no_due": "近期没有到期事项。",
        "alert_line": "[{severity}] {contract}：{message}",
        "alert_deadline": "（期限 {date}）",
        "due_line": "{date}（{relative}）{contract}：{title}",
        "due_amount": "，{amount}",
        "days_left": ("还有 {n} 天", "还有 {n} 天"),
        "due_today": "今天到期",
        "days_overdue": ("已逾期 {n} 天", "已逾期 {n} 天"),
        "open_archive": "打开合同档案",
        "open_archive_line": "打开合同档案：{url}",
        "footer": "此邮件由合同档案系统自动发送，请勿直接回复。",
        "alert_columns": ("严重程度", "合同", "预警", "期限"),
        "due_columns": ("到期日期", "剩余时间", "合同", "事项", "金额"),
        "severity": {"critical": "严重", "high": "高", "medium": "中", "low": "低"},
    },
    "en": {
        "subject": "Contract performance digest: {alerts}, {due}",
        "alert_count": ("{n} alert", "{n} alerts"),
        "due_count": ("{n} item due soon", "{n} items due soon"),
        "greeting": "Dear {name},",
        "intro": "As of {today}, the contracts you are responsible for have {alerts} and {due}.",
        "alerts_heading": "Open alerts",
        "due_heading": "Due soon",
        "no_alerts": "There are no open alerts.",
        "no_due": "Nothing falls due soon.",
        "alert_line": "[{severity}] {contract}: {message}",
        "alert_deadline": " (deadline {date})",
        "due_line": "{date} ({relative}) {contract}: {title}",
        "due_amount": ", {amount}",
        "days_left": ("in {n} day", "in {n} days"),
        "due_today": "due today",
        "days_overdue": ("{n} day overdue", "{n} days overdue"),
        "open_archive": "Open the contract archive",
        "open_archive_line": "Open the contract archive: {url}",
        "footer": "This message was sent automatically by the contract archive. Please do not reply.",
        "alert_columns": ("Severity", "Contract", "Alert", "Deadline"),
        "due_columns": ("Due date", "Time left", "Contract", "Item", "Amount"),
        "severity": {"critical": "Critical", "high": "High", "medium": "Medium", "low": "Low"},
    },
}


class DigestDeliveryError(ArchiveError):
    """The SMTP server could not be reached or did not accept the digest."""

    code = "digest_delivery_failed"
    status = 502
    template = "Sending the digest to {recipient} through the SMTP server {host}:{port} failed: {reason}"

    @property
    def host(self) -> str:
        return self.params["host"]

    @property
    def port(self) -> int:
        return self.params["port"]

    @property
    def recipient(self) -> str:
        return self.params["recipient"]

    @property
    def reason(self) -> str:
        return self.params["reason"]


@dataclass(frozen=True)
class SmtpOptions:
    """How to reach the outgoing mail server. `ssl` is implicit TLS (port 465), `starttls` upgrades port 587."""

    host: str
    port: int = 25
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    ssl: bool = False
    # Seconds to wait for the connection and for each server reply.
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.ssl and self.starttls:
            raise ValueError("SmtpOptions: set either ssl (implicit TLS) or starttls, not both.")
        if not 0 < self.port < 65536:
            raise ValueError(f"SmtpOptions: port {self.port} is invalid. Use a port from 1 to 65535.")
        if self.timeout <= 0:
            raise ValueError(f"SmtpOptions: timeout {self.timeout} is invalid. Use a positive number of seconds.")


def plural(forms: tuple[str, str], count: int) -> str:
    """Pick the singular or plural form for `count` and fill in the number."""
    return (forms[0] if count == 1 else forms[1]).format(n=count)


def contract_label(number: str | None, counterparty: str | None) -> str:
    """Join the contract number and counterparty, skipping whichever is missing."""
    return " ".join(part for part in (number, counterparty) if part)


def absolute_link(url: str, base_url: str) -> str | None:
    """Resolve `url` against `base_url`, returning None unless the result is an http or https link."""
    link = urljoin(base_url, url)
    return link if urlsplit(link).scheme in ("http", "https") else None


def relative_due(text: dict, due_date: dt.date, today: dt.date) -> str:
    """Describe how far `due_date` is from `today` (in 3 days, due today, 2 days overdue)."""
    days = (due_date - today).days
    if days > 0:
        return plural(text["days_left"], days)
    if days == 0:
        return text["due_today"]
    return plural(text["days_overdue"], -days)


def sorted_alerts(alerts: Sequence[DigestAlert]) -> list[DigestAlert]:
    """Order alerts by severity (critical first), then by deadline, alerts without one last."""

    def key(alert: DigestAlert) -> tuple:
        rank = SEVERITY_ORDER.index(alert.severity) if alert.severity in SEVERITY_ORDER else len(SEVERITY_ORDER)
        return (rank, alert.due_date is None, alert.due_date or dt.date.min, alert.contract_number or "")

    return sorted(alerts, key=key)


def sorted_due(due: Sequence[DueItem]) -> list[DueItem]:
    return sorted(due, key=lambda item: (item.due_date, item.contract_number or "", item.uid_key))


def compose_digest(
    *,
    recipient: str,
    display_name: str,
    alerts: list[DigestAlert],
    due: list[DueItem],
    lang: str = "zh_CN",
    sender: str,
    today: dt.date,
    base_url: str,
) -> EmailMessage:
    """Build the digest e-mail for one user, with a plain-text and an HTML alternative.

    `today` is the date the digest describes and the day the "in N days" counts
    start from. Relative links in the items are resolved against `base_url`.
    """
    text = DIGEST_TEXT[pick_locale(lang)]
    alerts = sorted_alerts(alerts)
    due = sorted_due(due)
    counts = {
        "alerts": plural(text["alert_count"], len(alerts)),
        "due": plural(text["due_count"], len(due)),
    }

    message = EmailMessage()
    message["Subject"] = text["subject"].format(**counts)
    message["From"] = sender
    message["To"] = Address(display_name=display_name, addr_spec=recipient)
    message["Date"] = format_datetime(dt.datetime.now(dt.timezone.utc))
    sender_domain = parseaddr(sender)[1].rpartition("@")[2] or "contract-archive"
    # An explicit domain keeps make_msgid from looking up this machine's name in DNS.
    message["Message-ID"] = make_msgid(domain=sender_domain)
    # RFC 3834 header that requests no vacation auto-replies from mail servers and clients.
    message["Auto-Submitted"] = "auto-generated"

    message.set_content(plain_body(text, counts, display_name, alerts, due, today, base_url), charset="utf-8")
    message.add_alternative(html_body(text, counts, display_name, alerts, due, today, base_url), subtype="html")
    return message


def link_line(url: str, base_url: str) -> list[str]:
    """Return the indented link line under a list entry, or nothing when the link is not http or https."""
    link = absolute_link(url, base_url)
    return [f"  {link}"] if link else []


def plain_body(
    text: dict,
    counts: dict[str, str],
    display_name: str,
    alerts: list[DigestAlert],
    due: list[DueItem],
    today: dt.date,
    base_url: str,
) -> str:
    """Return the plain-text part: greeting, alert list, due list and a link to the archive."""
    lines = [text["greeting"].format(name=display_name), "", text["intro"].format(today=today.isoformat(), **counts)]

    lines += ["", text["alerts_heading"]]
    if not alerts:
        lines.append(text["no_alerts"])
    for alert in alerts:
        line = text["alert_line"].format(
            severity=text["severity"].get(alert.severity, alert.severity),
            contract=contract_label(alert.contract_number, alert.counterparty),
            message=alert.message,
        )
        if alert.due_date is not None:
            line += text["alert_deadline"].format(date=alert.due_date.isoformat())
        lines.append(f"- {line}")
        lines.extend(link_line(alert.url, base_url))

    lines += ["", text["due_heading"]]
    if not due:
        lines.append(text["no_due"])
    for item in due:
        line = text["due_line"].format(
            date=item.due_date.isoformat(),
            relative=relative_due(text, item.due_date, today),
            contract=contract_label(item.contract_number, item.counterparty),
            title=item.title,
        )
        if item.amount is not None:
            line += text["due_amount"].format(amount=format_amount(item.amount, item.currency))
        lines.append(f"- {line}")
        lines.extend(link_line(item.url, base_url))

    lines += ["", text["open_archive_line"].format(url=base_url), "", text["footer"], ""]
    return "\n".join(lines)


def html_link(label: str, url: str, base_url: str) -> str:
    """Return escaped `label`, wrapped in a link when `url` resolves to an http or https address."""
    link = absolute_link(url, base_url)
    if link is None:
        return html.escape(label)
    return f'<a href="{html.escape(link, quote=True)}">{html.escape(label)}</a>'


def html_table(columns: Sequence[str], rows: list[list[str]]) -> str:
    """Return a bordered table. The cells in `rows` must be HTML that is already escaped."""
    head = "".join(f'<th style="text-align:left;padding:4px 8px">{html.escape(column)}</th>' for column in columns)
    body = "".join(
        "<tr>" + "".join(f'<td style="padding:4px 8px;border-top:1px solid #ddd">{cell}</td>' for cell in row) + "</tr>"
        for row in rows
    )
    return f'<table style="border-collapse:collapse"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def html_body(
    text: dict,
    counts: dict[str, str],
    display_name: str,
    alerts: list[DigestAlert],
    due: list[DueItem],
    today: dt.date,
    base_url: str,
) -> str:
    """Return the HTML part with the same content as the plain text, with every value escaped."""
    escape = html.escape
    alert_rows = [
        [
            escape(text["severity"].get(alert.severity, alert.severity)),
            html_link(contract_label(alert.contract_number, alert.counterparty), alert.url, base_url),
            escape(alert.message),
            escape(alert.due_date.isoformat()) if alert.due_date else "",
        ]
        for alert in alerts
    ]
    due_rows = [
        [
            escape(item.due_date.isoformat()),
            escape(relative_due(text, item.due_date, today)),
            html_link(contract_label(item.contract_number, item.counterparty), item.url, base_url),
            escape(item.title),
            escape(format_amount(item.amount, item.currency)) if item.amount is not None else "",
        ]
        for item in due
    ]

    alerts_html = html_table(text["alert_columns"], alert_rows) if alerts else f"<p>{escape(text['no_alerts'])}</p>"
    due_html = html_table(text["due_columns"], due_rows) if due else f"<p>{escape(text['no_due'])}</p>"
    parts = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8"></head><body style="font-family:sans-serif">',
        f"<p>{escape(text['greeting'].format(name=display_name))}</p>",
        f"<p>{escape(text['intro'].format(today=today.isoformat(), **counts))}</p>",
        f"<h3>{escape(text['alerts_heading'])}</h3>",
        alerts_html,
        f"<h3>{escape(text['due_heading'])}</h3>",
        due_html,
        f"<p>{html_link(text['open_archive'], base_url, base_url)}</p>",
        f'<p style="color:#888">{escape(text["footer"])}</p>',
        "</body></html>",
    ]
    return "\n".join(parts)


def message_recipients(message: EmailMessage) -> str:
    """Return the To, Cc and Bcc addresses of `message`, comma-separated, for error messages."""
    fields = [str(value) for name in ("To", "Cc", "Bcc") for value in message.get_all(name, [])]
    return ", ".join(address for _, address in getaddresses(fields) if address)


def decode_reply(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def failure_reason(error: OSError, options: SmtpOptions) -> str:
    """Describe an smtplib or socket error in one sentence fragment, with the server's reply code."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"the server rejected {address} with {code} {decode_reply(reply)}"
            for address, (code, reply) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return f"the server replied {error.smtp_code} {decode_reply(error.smtp_error)}"
    if isinstance(error, smtplib.SMTPException):
        # SMTPServerDisconnected, and SMTPNotSupportedError when the server lacks STARTTLS, carry only text.
        return str(error) or type(error).__name__
    if isinstance(error, TimeoutError):
        return f"no reply within {options.timeout} seconds"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused; check that the server is running and the port is correct"
    if isinstance(error, socket.gaierror):
        return f"the host name could not be resolved ({error.strerror})"
    if isinstance(error, ssl.SSLError):
        return f"the TLS handshake failed ({error.reason or error})"
    return error.strerror or str(error) or type(error).__name__


def open_connection(options: SmtpOptions) -> smtplib.SMTP:
    """Connect, upgrade to TLS if requested and log in. Certificates are checked against the system CA store."""
    context = ssl.create_default_context()
    if options.ssl:
        client: smtplib.SMTP = smtplib.SMTP_SSL(options.host, options.port, timeout=options.timeout, context=context)
    else:
        client = smtplib.SMTP(options.host, options.port, timeout=options.timeout)
    try:
        if options.starttls:
            client.starttls(context=context)
        if options.username:
            client.login(options.username, options.password or "")
    except BaseException:
        client.close()
        raise
    return client


def send_digest(message: EmailMessage, smtp: SmtpOptions) -> None:
    """Send `message` to its To, Cc and Bcc addresses through the server in `smtp`.

    Raises DigestDeliveryError when the server cannot be reached, the TLS upgrade
    or login fails, or the server rejects the sender, any recipient or the data.
    """
    recipients = message_recipients(message)
    try:
        client = open_connection(smtp)
        try:
            refused = client.send_message(message)
        finally:
            close_quietly(client)
    except (smtplib.SMTPException, OSError) as error:
        reason = failure_reason(error, smtp)
        raise DigestDeliveryError(host=smtp.host, port=smtp.port, recipient=recipients, reason=reason) from error

    if refused:
        # The server accepted the message for some recipients only.
        reason = failure_reason(smtplib.SMTPRecipientsRefused(refused), smtp)
        raise DigestDeliveryError(host=smtp.host, port=smtp.port, recipient=recipients, reason=reason)
    logger.info("Sent digest %s to %s through %s:%s", message["Message-ID"], recipients, smtp.host, smtp.port)


def close_quietly(client: smtplib.SMTP) -> None:
    """Send QUIT and close the socket. A failure here is ignored, because the server already accepted the message."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()
