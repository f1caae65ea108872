"""A per-user iCalendar (RFC 5545) feed of due dates, for Outlook, Apple Calendar or DingTalk.

Each DueItem becomes an all-day event whose UID stays the same across runs, so a
client that subscribes to the feed updates events in place instead of adding copies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from icalendar import Alarm, Calendar, Event

from archive.exports.rows import DueItem
from archive.i18n import pick_locale

PRODID = "-//contract-archive//Due dates//ZH"
UID_DOMAIN = "contract-archive"
# All-day dates are floating (no time zone), so this is only a hint naming the zone the archive uses.
CALENDAR_TIMEZONE = "Asia/Shanghai"
# An all-day event starts at 00:00, so the reminder comes at 09:00 the day before.
REMINDER_BEFORE = dt.timedelta(hours=15)

FEED_TEXT = {
    "zh_CN": {
        "summary": "到期：{title}（{number}）",
        "counterparty": "相对方：{value}",
        "amount": "金额：{value}",
        "status": "状态：{value}",
        "link": "合同页面：{value}",
        "reminder": "明天到期：{title}（{number}）",
        "no_number": "无编号",
    },
    "en": {
        "summary": "Due: {title} ({number})",
        "counterparty": "Counterparty: {value}",
        "amount": "Amount: {value}",
        "status": "Status: {value}",
        "link": "Contract page: {value}",
        "reminder": "Due tomorrow: {title} ({number})",
        "no_number": "no number",
    },
}


def format_amount(amount: Decimal, currency: str | None) -> str:
    """Format an amount with thousands separators and two decimals, after its currency code."""
    text = f"{amount:,.2f}"
    return f"{currency} {text}" if currency else text


def calendar_feed(
    items: Sequence[DueItem],
    *,
    calendar_name: str,
    lang: str = "zh_CN",
    now: dt.datetime | None = None,
) -> bytes:
    """Return an iCalendar file with one all-day event and a display alarm per item.

    `now` becomes every event's DTSTAMP. It defaults to the current UTC time,
    and a naive value is read as local time. The same items and `now` give the
    same bytes, because events are sorted by due date and UID. Raises ValueError
    when two items share a `uid_key`.
    """
    text = FEED_TEXT[pick_locale(lang)]
    stamp = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", calendar_name)
    calendar.add("x-wr-timezone", CALENDAR_TIMEZONE)

    seen: set[str] = set()
    for item in sorted(items, key=lambda entry: (entry.due_date, entry.uid_key)):
        if item.uid_key in seen:
            raise ValueError(f"Two due items share the uid_key {item.uid_key!r}. Each event needs its own UID.")
        seen.add(item.uid_key)
        calendar.add_component(due_event(item, text, stamp))
    return calendar.to_ical()


def due_event(item: DueItem, text: dict[str, str], stamp: dt.datetime) -> Event:
    """Build the all-day VEVENT for one item. DTEND is the next day, because RFC 5545 treats DTEND as exclusive."""
    number = item.contract_number or text["no_number"]
    event = Event()
    event.add("uid", f"{item.uid_key}@{UID_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("dtstart", item.due_date)
    event.add("dtend", item.due_date + dt.timedelta(days=1))
    event.add("summary", text["summary"].format(title=item.title, number=number))
    event.add("description", event_description(item, text))
    event.add("url", item.url)
    event.add("transp", "TRANSPARENT")

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", text["reminder"].format(title=item.title, number=number))
    alarm.add("trigger", -REMINDER_BEFORE)
    event.add_component(alarm)
    return event


def event_description(item: DueItem, text: dict[str, str]) -> str:
    """Return the event's description lines: counterparty, amount, status and the contract link."""
    lines = []
    if item.counterparty:
        lines.append(text["counterparty"].format(value=item.counterparty))
    if item.amount is not None:
        lines.append(text["amount"].format(value=format_amount(item.amount, item.currency)))
    if item.status:
        lines.append(text["status"].format(value=item.status))
    # Several clients ignore the URL property, so the link is repeated here.
    lines.append(text["link"].format(value=item.url))
    return "\n".join(lines)
