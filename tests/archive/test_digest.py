"""The e-mail digest, sent through a real aiosmtpd server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
from collections.abc import Iterator
from decimal import Decimal

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from archive.exports.rows import DigestAlert, DueItem
from archive.reminders.digest import DigestDeliveryError, SmtpOptions, compose_digest, send_digest

TODAY = dt.date(2026, 12, 5)
BASE_URL = "https://archive.example.cn/"
SENDER = "合同档案 <noreply@archive.example.cn>"
RECIPIENT = "zhangsan@example.cn"

ALERTS = [
    DigestAlert(
        rule="payment_overdue",
        severity="medium",
        contract_number="HT-002",
        counterparty="乙公司",
        message="第一期货款已逾期 12 天",
        due_date=dt.date(2026, 11, 23),
        url="/contracts/2",
    ),
    DigestAlert(
        rule="expiry",
        severity="critical",
        contract_number="HT-001",
        counterparty="<script>alert(1)</script>",
        message="合同将于 30 天后到期 & 未续签",
        due_date=None,
        url="https://archive.example.cn/contracts/1",
    ),
]
DUE = [
    DueItem(
        uid_key="obligation-9",
        contract_id=1,
        contract_number="HT-001",
        counterparty="甲公司",
        title="尾款 <b>验收后</b>",
        due_date=dt.date(2026, 12, 8),
        amount=Decimal("12345.6"),
        currency="CNY",
        url="https://archive.example.cn/contracts/1",
        status="未付",
    ),
    DueItem(
        uid_key="obligation-3",
        contract_id=3,
        contract_number="HT-003",
        counterparty="丙公司",
        title="交付样品",
        due_date=dt.date(2026, 12, 5),
        amount=None,
        currency=None,
        url="javascript:alert(1)",
        status="未交付",
    ),
]


class RecordingHandler:
    """SMTP handler that stores every accepted envelope and rejects all recipients when `reject_reply` is set."""

    def __init__(self, reject_reply: str | None = None) -> None:
        self.envelopes = []
        self.reject_reply = reject_reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject_reply:
            return self.reject_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def check_login(server, session, envelope, mechanism, auth_data) -> AuthResult:
    valid = isinstance(auth_data, LoginPassword) and auth_data.login == b"digest" and auth_data.password == b"s3cret"
    return AuthResult(success=valid, handled=False)


def start_server(handler: RecordingHandler, **options) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    return controller


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, RecordingHandler]]:
    handler = RecordingHandler()
    controller = start_server(handler)
    yield controller, handler
    controller.stop()


@pytest.fixture
def rejecting_server() -> Iterator[Controller]:
    controller = start_server(RecordingHandler(reject_reply="550 5.1.1 Mailbox unavailable"))
    yield controller
    controller.stop()


@pytest.fixture
def auth_server() -> Iterator[tuple[Controller, RecordingHandler]]:
    handler = RecordingHandler()
    controller = start_server(handler, authenticator=check_login, auth_require_tls=False)
    yield controller, handler
    controller.stop()


def digest(lang: str = "zh_CN"):
    return compose_digest(
        recipient=RECIPIENT,
        display_name="张三",
        alerts=ALERTS,
        due=DUE,
        lang=lang,
        sender=SENDER,
        today=TODAY,
        base_url=BASE_URL,
    )


def options_for(controller: Controller, **changes) -> SmtpOptions:
    return SmtpOptions(host=controller.hostname, port=controller.port, timeout=5, **changes)


def parts(message) -> tuple[str, str]:
    plain = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return plain, html


def test_compose_subject_counts_chinese():
    message = digest()
    assert message["Subject"] == "合同履约提醒：2 条预警，2 项即将到期"
    assert message.get_content_type() == "multipart/alternative"


def test_compose_subject_english_plural():
    assert digest("en")["Subject"] == "Contract performance digest: 2 alerts, 2 items due soon"
    single = compose_digest(
        recipient=RECIPIENT,
        display_name="Zhang San",
        alerts=ALERTS[:1],
        due=DUE[:1],
        lang="en",
        sender=SENDER,
        today=TODAY,
        base_url=BASE_URL,
    )
    assert single["Subject"] == "Contract performance digest: 1 alert, 1 item due soon"


def test_compose_plain_text_content():
    plain, _ = parts(digest())
    assert plain.startswith("张三，您好：")
    # Critical alerts come before medium ones.
    assert plain.index("[严重] HT-001") < plain.index("[中] HT-002")
    assert "（期限 2026-11-23）" in plain
    assert "https://archive.example.cn/contracts/2" in plain
    assert "2026-12-05（今天到期）HT-003 丙公司：交付样品" in plain
    assert "2026-12-08（还有 3 天）HT-001 甲公司：尾款 <b>验收后</b>，CNY 12,345.60" in plain
    assert "打开合同档案：https://archive.example.cn/" in plain
    assert "javascript:" not in plain


def test_compose_html_escapes_values():
    _, html = parts(digest())
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>验收后</b>" not in html
    assert "尾款 &lt;b&gt;验收后&lt;/b&gt;" in html
    assert "到期 &amp; 未续签" in html
    assert 'href="https://archive.example.cn/contracts/2"' in html
    assert "javascript:" not in html


def test_compose_empty_lists_say_so():
    message = compose_digest(
        recipient=RECIPIENT,
        display_name="张三",
        alerts=[],
        due=[],
        sender=SENDER,
        today=TODAY,
        base_url=BASE_URL,
    )
    plain, html = parts(message)
    assert message["Subject"] == "合同履约提醒：0 条预警，0 项即将到期"
    assert "没有未处理的预警。" in plain
    assert "近期没有到期事项。" in html


def test_send_delivers_to_local_server(smtp_server):
    controller, handler = smtp_server
    send_digest(digest(), options_for(controller))

    assert len(handler.envelopes) == 1
    envelope = handler.envelopes[0]
    assert envelope.rcpt_tos == [RECIPIENT]
    assert envelope.mail_from == "noreply@archive.example.cn"

    received = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert received["Subject"] == "合同履约提醒：2 条预警，2 项即将到期"
    assert received["To"].addresses[0].display_name == "张三"
    assert received["To"].addresses[0].addr_spec == RECIPIENT
    assert received["From"].addresses[0].display_name == "合同档案"
    assert received["Auto-Submitted"] == "auto-generated"

    plain, html = parts(received)
    assert "张三，您好：" in plain
    assert "&lt;script&gt;" in html
    assert "<script>" not in html


def test_send_encodes_headers_for_transport(smtp_server):
    controller, handler = smtp_server
    send_digest(digest(), options_for(controller))
    raw = handler.envelopes[0].original_content
    subject_line = next(line for line in raw.splitlines() if line.startswith(b"Subject:"))
    # Non-ASCII header text travels as RFC 2047 encoded words.
    assert b"=?utf-8?" in subject_line.lower()


def test_send_logs_in_with_credentials(auth_server):
    controller, handler = auth_server
    send_digest(digest(), options_for(controller, username="digest", password="s3cret"))
    assert len(handler.envelopes) == 1


def test_send_wrong_password_raises(auth_server):
    controller, handler = auth_server
    with pytest.raises(DigestDeliveryError) as caught:
        send_digest(digest(), options_for(controller, username="digest", password="wrong"))
    assert "535" in caught.value.reason
    assert handler.envelopes == []


def test_send_unreachable_port_raises():
    port = free_port()
    with pytest.raises(DigestDeliveryError) as caught:
        send_digest(digest(), SmtpOptions(host="127.0.0.1", port=port, timeout=5))
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message
    assert RECIPIENT in message
    assert "connection refused" in message
    assert caught.value.port == port


def test_send_rejected_recipient_raises(rejecting_server):
    with pytest.raises(DigestDeliveryError) as caught:
        send_digest(digest(), options_for(rejecting_server))
    message = str(caught.value)
    assert f"127.0.0.1:{rejecting_server.port}" in message
    assert RECIPIENT in message
    assert "550" in message
    assert "Mailbox unavailable" in message


def test_smtp_options_reject_ssl_with_starttls():
    with pytest.raises(ValueError, match="either ssl"):
        SmtpOptions(host="127.0.0.1", port=465, ssl=True, starttls=True)
