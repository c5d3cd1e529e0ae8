"""When a saved import is due: schedules as plain data, and the slots they fire at.

A schedule is a cron expression in a time zone; the presets (hourly, every 6 hours, daily, weekly)
are cron expressions underneath, so there is one mechanism. croniter (installed with rq, which uses
it for its own cron jobs) does the matching: cron has enough corners (names, steps, lists, "day of
month OR day of week") that a parser of our own would be one more thing to get wrong.

A slot is a moment a schedule is due, and the identity of a firing: the caller stores
(import id, slot) under a unique constraint, so each slot fires once however many workers look.
Runs missed while everything was down collapse into one: `due_slot` gives only the latest.

Daylight saving time follows cron's rule ("Special considerations exist when the clock is changed
by less than 3 hours", https://manpages.debian.org/stable/cron/cron.8.en.html):
- Clocks spring forward: a job at a fixed time that does not exist that day (daily 02:30 in
  Europe/Berlin on the last Sunday of March) runs once, at the moment the clock jumps to (03:00
  local), which is what croniter gives. The skipped hour has no hourly slot.
- Clocks fall back: a job at a fixed time runs once, at the first of the two 02:30s; a job with
  `*` at the start of its minute or hour field runs by the clock in both repeated hours (every hour
  means every real hour). croniter gives both 02:30s for either, so `_is_repeat` drops the second.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, CroniterError, croniter

from jobs.validation import field_error, only_known_keys


class ScheduleKind(enum.StrEnum):
    ONCE = "once"  # no repeat: the import runs when someone starts it
    HOURLY = "hourly"
    EVERY_6_HOURS = "every_6_hours"
    DAILY = "daily"
    WEEKLY = "weekly"
    CRON = "cron"


WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")  # cron's 0-6
AT_PATTERN = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
# A fixed point to try an expression from when it is built, so construction never reads the clock.
PROBE_FROM = datetime(2000, 1, 1, tzinfo=UTC)

# Which of the kind-specific settings each kind needs; the others it must not have.
NEEDS: dict[ScheduleKind, tuple[str, ...]] = {
    ScheduleKind.ONCE: (),
    ScheduleKind.HOURLY: (),
    ScheduleKind.EVERY_6_HOURS: (),
    ScheduleKind.DAILY: ("at",),
    ScheduleKind.WEEKLY: ("weekday", "at"),
    ScheduleKind.CRON: ("cron",),
}
KIND_SETTINGS = ("at", "weekday", "cron")

# The presets are cron expressions; `once` has none and `cron` brings its own.
PRESETS: dict[ScheduleKind, str] = {
    ScheduleKind.HOURLY: "0 * * * *",
    ScheduleKind.EVERY_6_HOURS: "0 */6 * * *",
    ScheduleKind.DAILY: "{minute} {hour} * * *",
    ScheduleKind.WEEKLY: "{minute} {hour} * * {weekday}",
}
WORDS: dict[ScheduleKind, str] = {
    ScheduleKind.ONCE: "only when started by hand",
    ScheduleKind.HOURLY: "every hour",
    ScheduleKind.EVERY_6_HOURS: "every 6 hours, at 00:00, 06:00, 12:00 and 18:00 ({timezone})",
    ScheduleKind.DAILY: "every day at {at} ({timezone})",
    ScheduleKind.WEEKLY: "every {weekday} at {at} ({timezone})",
    ScheduleKind.CRON: "cron {cron} ({timezone})",
}


@dataclass(frozen=True)
class Schedule:
    """When a saved import runs by itself. Times are wall-clock times in `timezone`.

    `start` and `end` are dates or datetimes; one without an offset is read in `timezone`, and an
    `end` date includes that whole day. `pause_after_failures` is how many failed runs in a row
    make the schedule pause itself.
    """

    kind: ScheduleKind
    at: str | None = None  # "HH:MM", daily and weekly
    weekday: str | None = None  # "monday", weekly
    cron: str | None = None  # five fields: minute hour day-of-month month day-of-week
    timezone: str = "UTC"
    start: date | datetime | None = None
    end: date | datetime | None = None
    pause_after_failures: int = 5

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "kind", ScheduleKind(self.kind))
        except ValueError as error:
            kinds = ", ".join(kind.value for kind in ScheduleKind)
            raise field_error("schedule.kind", f"{self.kind!r} is not one of {kinds}") from error
        for name in KIND_SETTINGS:
            present = getattr(self, name) is not None
            if name in NEEDS[self.kind] and not present:
                raise field_error(f"schedule.{name}", f"is required for {self.kind} schedules")
            if name not in NEEDS[self.kind] and present:
                raise field_error(f"schedule.{name}", f"does not apply to {self.kind} schedules")
        if self.at is not None and not (isinstance(self.at, str) and AT_PATTERN.fullmatch(self.at)):
            raise field_error("schedule.at", f"{self.at!r} is not a time of day as HH:MM (00:00 to 23:59)")
        if self.weekday is not None:
            if not isinstance(self.weekday, str) or self.weekday.lower() not in WEEKDAYS:
                raise field_error("schedule.weekday", f"{self.weekday!r} is not one of {', '.join(WEEKDAYS)}")
            object.__setattr__(self, "weekday", self.weekday.lower())
        if self.cron is not None:
            object.__setattr__(self, "cron", _checked_cron(self.cron))
        _zone(self.timezone)
        for name in ("start", "end"):
            object.__setattr__(self, name, _moment(getattr(self, name), f"schedule.{name}"))
        if self.start is not None and self.end is not None and self.last_moment < self.first_moment:
            raise field_error("schedule.end", "is before start")
        if (
            isinstance(self.pause_after_failures, bool)
            or not isinstance(self.pause_after_failures, int)
            or self.pause_after_failures < 1
        ):
            raise field_error(
                "schedule.pause_after_failures",
                f"{self.pause_after_failures!r} is not a whole number of failed runs, at least 1",
            )

    # -- what it means ---------------------------------------------------------------------
    @property
    def expression(self) -> str | None:
        """The cron expression behind this schedule; None for `once`."""
        if self.kind not in PRESETS:
            return self.cron  # None for `once`
        hour, minute = (int(part) for part in (self.at or "00:00").split(":"))
        weekday = WEEKDAYS.index(self.weekday) if self.weekday else "*"
        return PRESETS[self.kind].format(minute=minute, hour=hour, weekday=weekday)

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.timezone)

    @property
    def first_moment(self) -> datetime | None:
        """The earliest moment a slot may fall on (from `start`)."""
        return None if self.start is None else self._aware(self.start)

    @property
    def last_moment(self) -> datetime | None:
        """The latest moment a slot may fall on (from `end`; an end date includes its whole day)."""
        if self.end is None:
            return None
        if isinstance(self.end, datetime):
            return self._aware(self.end)
        return self._aware(self.end + timedelta(days=1)) - timedelta(microseconds=1)

    def _aware(self, moment: date | datetime) -> datetime:
        if not isinstance(moment, datetime):
            moment = datetime.combine(moment, time())
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=self.zone)

    # -- plain data ------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Schedule:
        only_known_keys("schedule", data, {item.name for item in fields(cls)})
        if "kind" not in data:
            raise field_error("schedule.kind", "is required")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON and TOML (dates as ISO 8601 text); unset settings are left out."""
        data: dict[str, Any] = {"kind": self.kind.value}
        for name in (*KIND_SETTINGS, "timezone", "start", "end", "pause_after_failures"):
            value = getattr(self, name)
            if isinstance(value, date):
                value = value.isoformat()
            if value is not None:
                data[name] = value
        return data


def _checked_cron(expression: Any) -> str:
    if not isinstance(expression, str):
        raise field_error("schedule.cron", "must be text such as '15 */2 * * 1-5'")
    parts = expression.split()
    # croniter also takes a seconds and a year field and @aliases; a schedule takes standard cron.
    if len(parts) != 5:
        raise field_error(
            "schedule.cron",
            f"{expression!r} needs five fields: minute hour day-of-month month day-of-week",
        )
    normal = " ".join(parts)
    try:
        croniter(normal, PROBE_FROM).get_next(datetime)
    except CroniterBadDateError as error:
        raise field_error("schedule.cron", f"{normal!r} never matches a date") from error
    except CroniterError as error:
        raise field_error("schedule.cron", f"{normal!r} is not a cron expression: {error}") from error
    return normal


def _zone(name: Any) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise field_error(
            "schedule.timezone", f"unknown time zone {name!r}; use an IANA name such as Europe/Berlin"
        ) from error


def _moment(value: Any, path: str) -> date | datetime | None:
    """A date or datetime from TOML's own values or ISO 8601 text; kept as written."""
    if value is None or isinstance(value, date):
        return value
    if isinstance(value, str):
        for kind in (date, datetime):
            try:
                return kind.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
    raise field_error(path, f"{value!r} is not a date (2024-06-01) or a date and time (2024-06-01T08:00)")


# -- slots ------------------------------------------------------------------------------------
def next_slot(schedule: Schedule, after: datetime) -> datetime | None:
    """The first slot strictly after `after` (aware), in UTC; None when there is none (`once`, past `end`)."""
    _require_aware(after)
    first = schedule.first_moment
    if first is not None and first > after:
        after = first - timedelta(microseconds=1)
    slot = next(_slots(schedule, after, forward=True), None)
    last = schedule.last_moment
    return None if slot is None or (last is not None and slot > last) else slot


def due_slot(
    schedule: Schedule, last_slot: datetime | None, now: datetime, created: datetime
) -> datetime | None:
    """The slot to fire now: the latest slot in (last_slot or created, now], or None.

    Only the latest: slots missed while nothing ran collapse into one firing.
    """
    since = last_slot or created
    for moment in (since, now):
        _require_aware(moment)
    last = schedule.last_moment
    until = now if last is None or now < last else last
    slot = next(_slots(schedule, until, forward=False), None)
    first = schedule.first_moment
    if slot is None or slot <= since or (first is not None and slot < first):
        return None
    return slot


def _slots(schedule: Schedule, origin: datetime, forward: bool) -> Iterator[datetime]:
    """Slots in UTC after `origin` (forward) or at or before it (backward)."""
    expression = schedule.expression
    if expression is None:
        return
    zone = schedule.zone
    if not forward:
        # croniter steps back from strictly before its start; slots fall on whole minutes, so one
        # second past the minute makes a slot exactly at `origin` count.
        origin = origin.replace(second=1, microsecond=0)
    times = croniter(expression, origin.astimezone(zone))
    step = times.get_next if forward else times.get_prev
    # cron's daylight saving rule (see the module docstring) sets apart jobs at a fixed time.
    fixed_time = not any(field.startswith("*") for field in expression.split()[:2])
    while True:
        try:
            slot = step(datetime)
        except CroniterBadDateError:
            return  # no further match within croniter's search window
        if fixed_time and _is_repeat(slot, zone):
            continue
        yield slot.astimezone(UTC)


def _is_repeat(moment: datetime, zone: ZoneInfo) -> bool:
    """Whether this wall-clock time already happened once earlier the same night (clocks fell back)."""
    local = moment.astimezone(zone)
    return local.replace(fold=0).astimezone(UTC) != local.astimezone(UTC)


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no time zone; slots are computed from aware datetimes")


# -- words ------------------------------------------------------------------------------------
def describe(schedule: Schedule) -> str:
    """The schedule in plain words for the UI: "every day at 06:00 (Europe/Berlin)"."""
    words = WORDS[schedule.kind].format(
        at=schedule.at,
        weekday=(schedule.weekday or "").capitalize(),
        cron=schedule.cron,
        timezone=schedule.timezone,
    )
    if schedule.start is not None:
        words += f", from {schedule.start.isoformat()}"
    if schedule.end is not None:
        words += f", until {schedule.end.isoformat()}"
    return words
