"""Conversion of stored UTC timestamps to the archive's configured time zone for display.

The database stores UTC, and SQLite returns the timestamps without their offset. Pages, the
command line and printed files show times in the configured zone, Asia/Shanghai by default, so
a time on a page matches the same time in a pack's README and CSV.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIME_ZONE = "Asia/Shanghai"
DISPLAY_FORMAT = "%Y-%m-%d %H:%M"


@lru_cache(maxsize=None)
def zone(name: str) -> ZoneInfo:
    """Return the named IANA time zone.

    Raises ValueError when the time zone database has no zone of that name.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{name}' is not an IANA time zone such as Asia/Shanghai") from None


def as_local(moment: dt.datetime, zone_name: str = DEFAULT_TIME_ZONE) -> dt.datetime:
    """Return `moment` in the named zone, reading a naive timestamp as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(zone(zone_name))


def format_local(moment: dt.datetime | str | None, zone_name: str = DEFAULT_TIME_ZONE,
                 pattern: str = DISPLAY_FORMAT) -> str:
    """Format a timestamp or its ISO 8601 text in the named zone.

    Returns an empty string for None or an empty string.
    """
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return as_local(moment, zone_name).strftime(pattern)
