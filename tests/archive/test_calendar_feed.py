"""The iCalendar due-date feed, parsed back with icalendar."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from icalendar import Calendar

from archive.exports.rows import DueItem
from archive.reminders.calendar_feed import calendar_feed

NOW = dt.datetime(2026, 12, 5, 8, 30, tzinfo=dt.timezone.utc)

ITEMS = [
    DueItem(
        uid_key="obligation-7",
        contract_id=3,
        contract_number="HT-003",
        counterparty="乙公司",
        title="尾款",
        due_date=dt.date(2026, 12, 31),
        amount=None,
        currency=None,
        url="https://archive.example.cn/contracts/3",
        status="未到期",
    ),
    DueItem(
        uid_key="obligation-1",
        contract_id=1,
        contract_number="HT-001",
        counterparty="上海甲有限公司",
        title="第二期货款",
        due_date=dt.date(2026, 12, 10),
        amount=Decimal("12345.6"),
        currency="CNY",
        url="https://archive.example.cn/contracts/1",
        status="未付",
    ),
]


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def events_by_uid(calendar: Calendar) -> dict[str, object]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_feed_calendar_properties():
    calendar = parse(calendar_feed(ITEMS, calendar_name="张三的到期事项", now=NOW))
    assert str(calendar["VERSION"]) == "2.0"
    assert "contract-archive" in str(calendar["PRODID"])
    assert str(calendar["X-WR-CALNAME"]) == "张三的到期事项"
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Shanghai"


def test_feed_one_all_day_event_per_item():
    events = events_by_uid(parse(calendar_feed(ITEMS, calendar_name="到期", now=NOW)))
    assert set(events) == {"obligation-1@contract-archive", "obligation-7@contract-archive"}

    for item in ITEMS:
        event = events[f"{item.uid_key}@contract-archive"]
        start = event.decoded("DTSTART")
        end = event.decoded("DTEND")
        assert type(start) is dt.date
        assert start == item.due_date
        assert end == item.due_date + dt.timedelta(days=1)
        assert event["DTSTART"].params["VALUE"] == "DATE"
        assert event.decoded("DTSTAMP") == NOW
        assert str(event["URL"]) == item.url


def test_feed_summary_and_description_chinese():
    events = events_by_uid(parse(calendar_feed(ITEMS, calendar_name="到期", now=NOW)))
    event = events["obligation-1@contract-archive"]
    assert str(event["SUMMARY"]) == "到期：第二期货款（HT-001）"
    description = str(event["DESCRIPTION"])
    assert "相对方：上海甲有限公司" in description
    assert "金额：CNY 12,345.60" in description
    assert "https://archive.example.cn/contracts/1" in description

    no_amount = str(events["obligation-7@contract-archive"]["DESCRIPTION"])
    assert "金额" not in no_amount


def test_feed_summary_english():
    events = events_by_uid(parse(calendar_feed(ITEMS, calendar_name="Due", lang="en-US", now=NOW)))
    event = events["obligation-1@contract-archive"]
    assert str(event["SUMMARY"]) == "Due: 第二期货款 (HT-001)"
    assert "Amount: CNY 12,345.60" in str(event["DESCRIPTION"])


def test_feed_alarm_one_day_before():
    for event in parse(calendar_feed(ITEMS, calendar_name="到期", now=NOW)).walk("VEVENT"):
        alarms = event.walk("VALARM")
        assert len(alarms) == 1
        assert str(alarms[0]["ACTION"]) == "DISPLAY"
        assert alarms[0].decoded("TRIGGER") == dt.timedelta(hours=-15)
        assert str(alarms[0]["DESCRIPTION"])


def test_feed_bytes_identical_for_same_input():
    first = calendar_feed(ITEMS, calendar_name="到期", now=NOW)
    second = calendar_feed(list(reversed(ITEMS)), calendar_name="到期", now=NOW)
    assert first == second


def test_feed_uid_stable_when_now_changes():
    later = NOW + dt.timedelta(days=1)
    first = events_by_uid(parse(calendar_feed(ITEMS, calendar_name="到期", now=NOW)))
    second = events_by_uid(parse(calendar_feed(ITEMS, calendar_name="到期", now=later)))
    assert set(first) == set(second)


def test_feed_empty_calendar_is_valid():
    calendar = parse(calendar_feed([], calendar_name="到期", now=NOW))
    assert calendar.walk("VEVENT") == []
    assert str(calendar["X-WR-CALNAME"]) == "到期"


def test_feed_duplicate_uid_raises():
    with pytest.raises(ValueError, match="obligation-1"):
        calendar_feed([ITEMS[1], ITEMS[1]], calendar_name="到期", now=NOW)
