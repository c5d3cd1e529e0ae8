"""Import definitions: validated on construction, every message names the field, TOML round-trips."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date

import pytest
import tomli_w

from jobs.definition import DefinitionError, ImportDefinition, WriteMode
from jobs.scheduling import Schedule, ScheduleKind

GOOD = """
name = "Shopify to Woo"
[source]
platform = "shopify"
url = "mystore"
token = "env:SHOPIFY_TOKEN"

[target]
url = "https://woo.example.com"
key = "ck_1"
secret = "env:WOO_SECRET"

[filters]
match = "all"
limit = 50
[[filters.rules]]
field = "status"
op = "in"
value = ["active"]
[[filters.rules]]
field = "updated_at"
op = "since"
value = "2024-05-01T00:00:00Z"

[mapping.regular_price]
from = "price"
transforms = [{name = "markup_percent", value = 20}, {name = "round_to", value = ".99"}]

[options]
mode = "create_only"
vanished = "draft"
"""


def test_a_good_definition_builds_and_round_trips_through_json_and_toml() -> None:
    definition = ImportDefinition.from_toml(GOOD)
    assert definition.options.mode is WriteMode.CREATE_ONLY
    assert definition.filters.updated_since.isoformat() == "2024-05-01T00:00:00+00:00"
    assert ImportDefinition.from_dict(json.loads(json.dumps(definition.to_dict()))) == definition
    assert definition.to_dict()["source"]["token"] == "env:SHOPIFY_TOKEN"


def test_secrets_resolve_from_the_environment_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    definition = ImportDefinition.from_toml(GOOD)
    monkeypatch.setenv("SHOPIFY_TOKEN", "shpat_real")
    assert definition.source.resolved().token == "shpat_real"
    with pytest.raises(DefinitionError, match="environment variable WOO_SECRET is not set"):
        definition.target.resolved()


def edit(path: str, value: object) -> dict:
    data = tomllib.loads(GOOD)
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return data


DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        pytest.param("source.platfrom", "shopify", "source.platfrom: unknown key", id="misspelled-key"),
        pytest.param(
            "source.platform", "etsy", "source.platform: unknown platform 'etsy'", id="unknown-platform"
        ),
        pytest.param("source.token", DELETE, "source.token: is required", id="missing-token"),
        pytest.param("source.api", "soap", "source.api: must be 'graphql' or 'rest'", id="bad-api"),
        pytest.param("target", DELETE, "target: section is missing", id="missing-target"),
        pytest.param("target.key", 5, "target.key: must be text", id="not-text"),
        pytest.param("filters.match", "some", "filters.match: must be 'all' or 'any'", id="bad-match"),
        pytest.param("filters.limit", 0, "filters.limit", id="bad-limit"),
        pytest.param(
            "filters.rules.0.op", "bigger", "filters.rules[0].op: unknown operator 'bigger'", id="bad-op"
        ),
        pytest.param(
            "filters.rules.0.field", "colour", "filters.rules[0].field: unknown field", id="bad-field"
        ),
        pytest.param(
            "filters.rules.1.value", "yesterday", "filters.rules[1].value: 'yesterday' is not", id="bad-date"
        ),
        pytest.param(
            "filters.rules.0.value", DELETE, "filters.rules[0].value: is required", id="missing-value"
        ),
        pytest.param(
            "mapping.colour",
            {"from": "x"},
            "mapping.colour: unknown WooCommerce field",
            id="bad-target-field",
        ),
        pytest.param(
            "mapping.name", {"from": "a", "constant": "b"}, "exactly one of", id="from-and-constant"
        ),
        pytest.param(
            "mapping.name",
            {"from": "title", "transforms": [{"name": "eval"}]},
            "unknown transform",
            id="bad-tr",
        ),
        pytest.param("options.mode", "merge", "options.mode: 'merge' is not one of", id="bad-mode"),
        pytest.param(
            "options.update_fields", ["colour"], "options.update_fields: unknown group", id="bad-group"
        ),
        pytest.param("options.max_vanished_share", 2, "between 0 and 1", id="bad-share"),
        pytest.param("options.speed", 2, "options.speed: unknown key", id="unknown-option"),
    ],
)
def test_bad_definitions_name_the_field(path: str, value: object, message: str) -> None:
    with pytest.raises(DefinitionError, match=re.escape(message)):
        ImportDefinition.from_dict(edit(path, value))


def test_bigcommerce_needs_a_store_hash_and_magento_a_login() -> None:
    with pytest.raises(DefinitionError, match=re.escape("source.store_hash: is required")):
        ImportDefinition.from_dict(edit("source.platform", "bigcommerce"))
    data = edit("source.platform", "magento")
    del data["source"]["token"]
    with pytest.raises(DefinitionError, match=re.escape("token: is required (or username and password)")):
        ImportDefinition.from_dict(data)
    data["source"].update(username="admin", password="pw")
    assert ImportDefinition.from_dict(data).source.username == "admin"


def test_broken_toml_is_reported() -> None:
    with pytest.raises(DefinitionError, match="not valid TOML"):
        ImportDefinition.from_toml("[source\nplatform=")


SCHEDULE = """
[schedule]
kind = "daily"
at = "06:00"
timezone = "Europe/Berlin"
start = 2024-06-01
pause_after_failures = 3
"""


def test_a_schedule_round_trips_through_toml_and_json_with_the_definition() -> None:
    definition = ImportDefinition.from_toml(GOOD + SCHEDULE)
    assert definition.schedule == Schedule(
        kind=ScheduleKind.DAILY,
        at="06:00",
        timezone="Europe/Berlin",
        start=date(2024, 6, 1),
        pause_after_failures=3,
    )
    data = definition.to_dict()
    assert data["schedule"]["start"] == "2024-06-01"
    assert ImportDefinition.from_toml(tomli_w.dumps(data)) == definition
    assert ImportDefinition.from_dict(json.loads(json.dumps(data))) == definition


def test_a_definition_without_a_schedule_has_none_and_writes_none() -> None:
    definition = ImportDefinition.from_toml(GOOD)
    assert definition.schedule is None
    assert "schedule" not in definition.to_dict()
    assert ImportDefinition.from_toml(tomli_w.dumps(definition.to_dict())) == definition


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        pytest.param({"kind": "daily", "at": "6"}, "schedule.at: '6' is not a time of day", id="bad-time"),
        pytest.param({"kind": "cron", "cron": "* * *"}, "schedule.cron: '* * *' needs five", id="bad-cron"),
        pytest.param({"kind": "hourly", "timezone": "Berlin"}, "schedule.timezone: unknown", id="bad-zone"),
        pytest.param({"kind": "hourly", "pause_after_failures": 0}, "schedule.pause_after", id="pause-0"),
        pytest.param({"kind": "hourly", "cadence": 2}, "schedule.cadence: unknown key", id="unknown-key"),
        pytest.param("daily", "schedule: must be a table of settings", id="not-a-table"),
    ],
)
def test_bad_schedules_in_a_definition_name_the_field(schedule: object, message: str) -> None:
    with pytest.raises(DefinitionError, match=re.escape(message)):
        ImportDefinition.from_dict(edit("schedule", schedule))
