"""When a schedule is due: at fixed times of day, or by a cron expression, in its time zone.

Every function takes and gives aware UTC datetimes; the local wall clock is only used to
place the due times. A due time is on a whole minute.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

# After downtime, at most this many missed due times are counted (a stopped server of a
# year with a cron of every minute must not loop long): the run is still one.
MAX_MISSED_COUNTED = 10_000


class CalendarError(ValueError):
    """A time of day, cron expression or time zone that cannot be used. The message says
    which and why, fit for the user."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(
            f"{name!r} is not a time zone (use an IANA name like Asia/Seoul)"
        ) from None


def parse_time(text: str) -> time:
    try:
        hours, minutes = text.split(":")
        if len(hours) != 2 or len(minutes) != 2:
            raise ValueError
        return time(int(hours), int(minutes))
    except ValueError:
        raise CalendarError(f"{text!r} is not a time of day as HH:MM (00:00 to 23:59)") from None


def check_cron(expression: str) -> None:
    try:
        CronSim(expression, datetime(2026, 1, 1, tzinfo=UTC))
    except CronSimError as error:
        raise CalendarError(f"{expression!r} is not a cron expression: {error}") from None


def next_due(after: datetime, *, times: list[str], cron: str | None, timezone: str) -> datetime:
    """The first due time strictly after `after`."""
    tz = zone(timezone)
    local = after.astimezone(tz)
    if cron:
        # CronSim gives the times after its start, on whole minutes.
        return next(iter(CronSim(cron, local))).astimezone(UTC)
    if not times:
        raise CalendarError("a schedule needs times of day or a cron expression")
    wanted = sorted(parse_time(t) for t in times)
    for days in range(0, 3):
        day = local.date() + timedelta(days=days)
        for at in wanted:
            candidate = datetime.combine(day, at, tzinfo=tz)
            if candidate > local:
                return candidate.astimezone(UTC)
    raise AssertionError("a time of day comes within two days")  # pragma: no cover


def latest_due(
    due: datetime, now: datetime, *, times: list[str], cron: str | None, timezone: str
) -> tuple[datetime, int]:
    """The last due time at or before `now`, starting from the due time `due` (at or
    before `now`), and how many due times before it were missed (downtime)."""
    latest, missed = due, 0
    while missed < MAX_MISSED_COUNTED:
        following = next_due(latest, times=times, cron=cron, timezone=timezone)
        if following > now:
            return latest, missed
        latest, missed = following, missed + 1
    return latest, missed
