"""Schedules: when each kind is due, in its time zone, within its bounds, across daylight saving time."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import tomli_w

from jobs.definition import DefinitionError
from jobs.scheduling import Schedule, describe, due_slot, next_slot


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def schedule(**settings: Any) -> Schedule:
    return Schedule.from_dict(settings)


def daily(at: str, timezone: str) -> dict[str, str]:
    return {"kind": "daily", "at": at, "timezone": timezone}


def slots(plan: Schedule, after: datetime, count: int) -> list[datetime]:
    found = []
    for _ in range(count):
        slot = next_slot(plan, after)
        if slot is None:
            break
        found.append(slot)
        after = slot
    return found


HOURLY = {"kind": "hourly"}
CRON = {"kind": "cron"}
AT_6 = {"kind": "daily", "at": "06:00"}
AT_6_NEW_YORK = {**AT_6, "timezone": "America/New_York"}
AT_6_BERLIN = {**AT_6, "timezone": "Europe/Berlin"}
MONDAY_0930 = {"kind": "weekly", "weekday": "monday", "at": "09:30"}
SUNDAY_2345 = {"kind": "weekly", "weekday": "Sunday", "at": "23:45"}
DAILY_0230_BERLIN = daily("02:30", "Europe/Berlin")
HOURLY_BERLIN = {**HOURLY, "timezone": "Europe/Berlin"}


@pytest.mark.parametrize(
    ("settings", "after", "expected"),
    [
        # each preset
        pytest.param(HOURLY, "2024-01-15T05:20", "2024-01-15T06:00", id="hourly"),
        pytest.param(HOURLY, "2024-01-15T05:00", "2024-01-15T06:00", id="hourly-strictly-after"),
        pytest.param({"kind": "every_6_hours"}, "2024-01-15T07:00", "2024-01-15T12:00", id="every-6-hours"),
        pytest.param({"kind": "every_6_hours"}, "2024-01-15T18:00", "2024-01-16T00:00", id="6h-midnight"),
        pytest.param(AT_6, "2024-01-15T05:59", "2024-01-15T06:00", id="daily"),
        pytest.param(AT_6, "2024-01-15T06:00", "2024-01-16T06:00", id="daily-tomorrow"),
        pytest.param(MONDAY_0930, "2024-01-15T10:00", "2024-01-22T09:30", id="weekly-monday-after-09:30"),
        pytest.param(SUNDAY_2345, "2024-01-15T10:00", "2024-01-21T23:45", id="weekly-sunday"),
        pytest.param({"kind": "once"}, "2024-01-15T10:00", None, id="once-never-repeats"),
        # time zones: wall-clock times in the schedule's zone
        pytest.param(AT_6_NEW_YORK, "2024-01-10T00:00", "2024-01-10T11:00", id="new-york-winter-utc-5"),
        pytest.param(AT_6_NEW_YORK, "2024-07-10T00:00", "2024-07-10T10:00", id="new-york-summer-utc-4"),
        pytest.param(
            daily("00:30", "Pacific/Auckland"),
            "2024-01-10T00:00",
            "2024-01-10T11:30",  # 00:30 on the 11th in Auckland (UTC+13)
            id="auckland-the-day-before-in-utc",
        ),
        pytest.param(
            {"kind": "hourly", "timezone": "Asia/Kolkata"},
            "2024-01-10T00:00",
            "2024-01-10T00:30",  # on the hour in India is half past in UTC
            id="kolkata-half-hour-offset",
        ),
        pytest.param(
            {**MONDAY_0930, "at": "01:00", "timezone": "Asia/Tokyo"},
            "2024-01-10T00:00",
            "2024-01-14T16:00",  # Monday 01:00 in Tokyo is Sunday in UTC
            id="tokyo-weekday-in-local-time",
        ),
        # start and end: a date is midnight in the zone, an end date includes its day
        pytest.param({**AT_6_BERLIN, "start": "2024-06-01"}, "2024-01-01", "2024-06-01T04:00", id="start"),
        pytest.param(
            {**AT_6_BERLIN, "start": "2024-06-01T06:00"}, "2024-01-01", "2024-06-01T04:00", id="start-on-slot"
        ),
        pytest.param(
            {**AT_6, "start": "2024-06-01T06:00:01+00:00"}, "2024-01-01", "2024-06-02T06:00", id="offset"
        ),
        pytest.param({**AT_6, "end": "2024-06-01"}, "2024-06-01T05:00", "2024-06-01T06:00", id="end-day"),
        pytest.param({**AT_6, "end": "2024-06-01"}, "2024-06-01T06:00", None, id="past-end-date"),
        pytest.param(
            {**AT_6_NEW_YORK, "end": "2024-06-01"}, "2024-06-01T09:00", "2024-06-01T10:00", id="end-in-zone"
        ),
        pytest.param({**HOURLY, "end": "2024-06-01T05:59"}, "2024-06-01T05:00", None, id="past-end-datetime"),
    ],
)  # fmt: skip
def test_next_slot(settings: dict, after: str, expected: str | None) -> None:
    assert next_slot(schedule(**settings), utc(after)) == (expected and utc(expected))


@pytest.mark.parametrize(
    ("cron", "after", "expected"),
    [
        pytest.param(
            "15 */2 * * 1-5", "2024-01-19T23:00", "2024-01-22T00:15", id="step-and-weekday-range-skip-weekend"
        ),
        pytest.param("15 */2 * * 1-5", "2024-01-22T00:15", "2024-01-22T02:15", id="step-every-two-hours"),
        pytest.param("0 9,17 * * *", "2024-01-15T09:00", "2024-01-15T17:00", id="list"),
        pytest.param("30 8-10 * * *", "2024-01-15T10:30", "2024-01-16T08:30", id="range-wraps-to-next-day"),
        pytest.param("0 0 1 */3 *", "2024-02-10T00:00", "2024-04-01T00:00", id="every-quarter"),
        pytest.param("0 12 * jan,jul sun", "2024-02-01T00:00", "2024-07-07T12:00", id="names"),
        pytest.param("0 0 13 * 5", "2024-09-01T00:00", "2024-09-06T00:00", id="day-of-month-or-weekday"),
        pytest.param("0 0 29 2 *", "2024-03-01T00:00", "2028-02-29T00:00", id="leap-day"),
        pytest.param("*/20 * * * *", "2024-01-15T10:41", "2024-01-15T11:00", id="minute-step"),
    ],
)
def test_cron_expressions(cron: str, after: str, expected: str) -> None:
    assert next_slot(schedule(kind="cron", cron=cron), utc(after)) == utc(expected)


@pytest.mark.parametrize(
    ("settings", "last_slot", "now", "created", "expected"),
    [
        pytest.param(
            HOURLY, "2024-01-15T01:00", "2024-01-15T05:30", "2024-01-01T00:00", "2024-01-15T05:00",
            id="missed-slots-collapse-into-the-latest",
        ),
        pytest.param(
            HOURLY, None, "2024-01-15T05:50", "2024-01-15T05:10", None, id="nothing-due-before-the-first-slot"
        ),
        pytest.param(
            HOURLY, None, "2024-01-15T06:00:30", "2024-01-15T05:10", "2024-01-15T06:00", id="first-slot"
        ),
        pytest.param(
            HOURLY, "2024-01-15T05:00", "2024-01-15T05:59:59", "2024-01-01T00:00", None, id="already-fired"
        ),
        pytest.param(
            HOURLY, "2024-01-15T04:00", "2024-01-15T05:00", "2024-01-01T00:00", "2024-01-15T05:00",
            id="a-slot-exactly-now-is-due",
        ),
        pytest.param(
            AT_6, "2024-01-10T06:00", "2024-01-15T05:00", "2024-01-01T00:00",
            "2024-01-14T06:00", id="days-down-give-one-run",
        ),
        pytest.param(
            {"kind": "once"}, None, "2024-01-15T05:00", "2024-01-01T00:00", None, id="once-is-never-due"
        ),
        pytest.param(
            {**HOURLY, "end": "2024-01-15T03:30"}, "2024-01-15T01:00", "2024-01-15T09:00",
            "2024-01-01T00:00", "2024-01-15T03:00", id="down-past-the-end-fires-the-last-slot",
        ),
        pytest.param(
            {**HOURLY, "end": "2024-01-15T03:30"}, "2024-01-15T03:00", "2024-01-15T09:00",
            "2024-01-01T00:00", None, id="nothing-after-the-end",
        ),
        pytest.param(
            {**HOURLY, "start": "2024-01-15T08:00"}, None, "2024-01-15T07:59", "2024-01-01T00:00",
            None, id="nothing-before-the-start",
        ),
    ],
)  # fmt: skip
def test_due_slot(
    settings: dict, last_slot: str | None, now: str, created: str, expected: str | None
) -> None:
    due = due_slot(schedule(**settings), last_slot and utc(last_slot), utc(now), utc(created))
    assert due == (expected and utc(expected))


# -- daylight saving time -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("settings", "after", "expected"),
    [
        # 02:30 does not exist on 31 March in Berlin: once, when the clock jumps to 03:00 CEST
        pytest.param(
            DAILY_0230_BERLIN, "2024-03-30T12", ["2024-03-31T01:00", "2024-04-01T00:30"], id="spring-daily"
        ),
        # 02:30 happens twice on 27 October in Berlin: only the first (CEST, 00:30 UTC)
        pytest.param(
            DAILY_0230_BERLIN, "2024-10-26T12", ["2024-10-27T00:30", "2024-10-28T01:30"], id="autumn-daily"
        ),
        pytest.param(
            daily("01:30", "America/New_York"), "2024-11-02T12", ["2024-11-03T05:30", "2024-11-04T06:30"],
            id="autumn-daily-new-york",
        ),
        # 02:00 CEST, 02:00 CET, 03:00 CET: every real hour, the repeated one too
        pytest.param(
            HOURLY_BERLIN, "2024-10-26T23:30", ["2024-10-27T00:00", "2024-10-27T01:00", "2024-10-27T02:00"],
            id="autumn-hourly-berlin-every-real-hour",
        ),
        # 01:00 CET, then 03:00 CEST: the hour that does not exist has no slot
        pytest.param(
            HOURLY_BERLIN, "2024-03-30T23:30", ["2024-03-31T00:00", "2024-03-31T01:00", "2024-03-31T02:00"],
            id="spring-hourly-berlin-every-real-hour",
        ),
    ],
)  # fmt: skip
def test_daylight_saving_time(settings: dict, after: str, expected: list[str]) -> None:
    assert slots(schedule(**settings), utc(after), len(expected)) == [utc(text) for text in expected]


def test_the_repeated_night_fires_a_daily_schedule_once() -> None:
    plan = schedule(**DAILY_0230_BERLIN)
    fired = utc("2024-10-27T00:30")  # the first 02:30 (CEST)
    second_0230 = utc("2024-10-27T01:30")  # the second 02:30 (CET)
    assert due_slot(plan, utc("2024-10-26T00:30"), second_0230, utc("2024-01-01T00:00")) == fired
    assert due_slot(plan, fired, second_0230 + timedelta(minutes=5), utc("2024-01-01T00:00")) is None


@pytest.mark.parametrize(
    ("settings", "night"),
    [
        pytest.param(DAILY_0230_BERLIN, "2024-03-30", id="daily-berlin-spring"),
        pytest.param(DAILY_0230_BERLIN, "2024-10-26", id="daily-berlin-autumn"),
        pytest.param(HOURLY_BERLIN, "2024-03-30", id="hourly-berlin-spring"),
        pytest.param(HOURLY_BERLIN, "2024-10-26", id="hourly-berlin-autumn"),
        pytest.param(
            {**CRON, "cron": "*/20 1-3 * * *", "timezone": "Europe/Berlin"}, "2024-10-26", id="cron-berlin"
        ),
        pytest.param(daily("02:00", "America/New_York"), "2024-03-09", id="new-york-spring"),
        pytest.param(daily("01:00", "America/New_York"), "2024-11-02", id="new-york-autumn"),
        # Lord Howe Island moves its clocks by half an hour, at 02:00
        pytest.param(daily("02:15", "Australia/Lord_Howe"), "2024-10-05", id="half-hour-on"),
        pytest.param(daily("01:45", "Australia/Lord_Howe"), "2024-04-06", id="half-hour-off"),
    ],
)  # fmt: skip
def test_due_slot_agrees_with_next_slot_across_dst(settings: dict, night: str) -> None:
    """The slot a worker fires is always one `next_slot` lists, so a firing's identity never drifts.

    Every case's window holds a change of the clocks."""
    plan = schedule(**settings)
    begin = utc(f"{night}T00:00")
    listed = slots(plan, begin, 200)
    assert listed, "the schedule has slots in the window"
    now = begin
    while now < begin + timedelta(days=3):
        expected = max((slot for slot in listed if slot <= now), default=None)
        assert due_slot(plan, None, now, begin) == expected, now
        now += timedelta(minutes=10)


# -- errors, words, plain data -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("settings", "message"),
    [
        pytest.param({**CRON, "cron": "61 * * * *"}, "cron: '61 * * * *' is not", id="bad-cron"),
        pytest.param({**CRON, "cron": "0 0 * *"}, "cron: '0 0 * *' needs five", id="4-fields"),
        pytest.param({**CRON, "cron": "0 0 0 * * *"}, "cron: '0 0 0 * * *' needs", id="seconds"),
        pytest.param({**CRON, "cron": "@daily"}, "cron: '@daily' needs five", id="alias"),
        pytest.param({**CRON, "cron": "0 0 30 2 *"}, "cron: '0 0 30 2 *' never", id="no-date"),
        pytest.param(CRON, "cron: is required for cron", id="missing-cron"),
        pytest.param({**AT_6, "at": "25:00"}, "at: '25:00' is not a time of day", id="bad-time"),
        pytest.param({**AT_6, "at": "6am"}, "at: '6am' is not a time of day", id="not-hh-mm"),
        pytest.param({"kind": "daily"}, "at: is required for daily", id="missing-time"),
        pytest.param({**HOURLY, "at": "05:00"}, "at: does not apply to hourly", id="stray-time"),
        pytest.param({**MONDAY_0930, "weekday": "someday"}, "weekday: 'someday'", id="bad-day"),
        pytest.param({**AT_6, "timezone": "Mars/Olympus"}, "timezone: unknown time zone", id="bad-zone"),
        pytest.param({**HOURLY, "pause_after_failures": 0}, "pause_after_failures: 0 is", id="pause-0"),
        pytest.param({**HOURLY, "pause_after_failures": True}, "pause_after_failures", id="pause-bool"),
        pytest.param({**HOURLY, "start": "soon"}, "start: 'soon' is not a date", id="bad-start"),
        pytest.param({**HOURLY, "start": "2024-06-02", "end": "2024-06-01"}, "end: is before", id="end"),
        pytest.param({"kind": "monthly"}, "kind: 'monthly' is not one of", id="bad-kind"),
        pytest.param({"at": "05:00"}, "kind: is required", id="missing-kind"),
        pytest.param({**HOURLY, "every": 2}, "every: unknown key", id="unknown-key"),
    ],
)  # fmt: skip
def test_bad_schedules_name_the_field(settings: dict, message: str) -> None:
    with pytest.raises(DefinitionError, match=re.escape(f"schedule.{message}")):
        Schedule.from_dict(settings)


def test_slots_need_aware_datetimes() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        next_slot(schedule(kind="hourly"), datetime(2024, 1, 1))


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        pytest.param(
            daily("06:00", "Europe/Berlin"),
            "every day at 06:00 (Europe/Berlin)",
            id="daily",
        ),
        pytest.param({"kind": "hourly"}, "every hour", id="hourly"),
        pytest.param(
            {"kind": "every_6_hours"}, "every 6 hours, at 00:00, 06:00, 12:00 and 18:00 (UTC)", id="every-6"
        ),
        pytest.param(
            {"kind": "weekly", "weekday": "friday", "at": "18:30"}, "every Friday at 18:30 (UTC)", id="weekly"
        ),
        pytest.param({"kind": "cron", "cron": "15  */2 * * 1-5"}, "cron 15 */2 * * 1-5 (UTC)", id="cron"),
        pytest.param({"kind": "once"}, "only when started by hand", id="once"),
        pytest.param(
            {"kind": "hourly", "start": "2024-06-01", "end": "2024-12-31T18:00"},
            "every hour, from 2024-06-01, until 2024-12-31T18:00:00",
            id="bounds",
        ),
    ],
)
def test_describe_in_plain_words(settings: dict, words: str) -> None:
    assert describe(schedule(**settings)) == words


ROUND_TRIPS = [
    pytest.param(daily("06:00", "Europe/Berlin"), id="daily"),
    pytest.param({"kind": "once"}, id="once"),
    pytest.param(
        {"kind": "weekly", "weekday": "monday", "at": "09:30", "start": "2024-06-01", "end": "2024-12-31"},
        id="weekly-with-dates",
    ),
    pytest.param(
        {
            "kind": "cron",
            "cron": "15 */2 * * 1-5",
            "start": "2024-06-01T08:00+02:00",
            "pause_after_failures": 3,
        },
        id="cron-with-offset",
    ),
]


@pytest.mark.parametrize("settings", ROUND_TRIPS)
def test_plain_data_round_trips_through_json_and_toml(settings: dict) -> None:
    plan = schedule(**settings)
    assert plan.to_dict()["kind"] == settings["kind"]
    assert Schedule.from_dict(json.loads(json.dumps(plan.to_dict()))) == plan
    assert Schedule.from_dict(tomllib.loads(tomli_w.dumps(plan.to_dict()))) == plan


def test_toml_dates_are_taken_as_written() -> None:
    plan = Schedule.from_dict(
        tomllib.loads(
            'kind = "hourly"\ntimezone = "Europe/Berlin"\nstart = 2024-06-01\nend = 2024-06-30T18:00:00'
        )
    )
    assert plan.start == date(2024, 6, 1)
    assert plan.to_dict()["end"] == "2024-06-30T18:00:00"
    assert next_slot(plan, utc("2024-01-01T00:00")) == utc("2024-05-31T22:00")  # midnight in Berlin
