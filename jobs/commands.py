"""`ferry check` and `ferry import`: run an import definition from a TOML file, in the foreground.

Exit status: 0 when nothing failed, 1 when some items failed, 2 on a bad definition or a failed
connection (with a one-line reason naming the field or the store).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from connectors.base import ConnectionReport
from connectors.errors import ConnectorError
from connectors.woocommerce import WooWriter
from jobs.connect import open_source, open_target, source_prefix
from jobs.definition import DefinitionError, ImportDefinition
from jobs.pipeline import Pipeline, PlannedItem, RunCounts, RunOptions, RunResult
from jobs.store.database import make_engine, sessions, upgrade

EXIT_OK, EXIT_ITEMS_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def load_definition(path: Path) -> ImportDefinition:
    try:
        text = path.read_text()
    except OSError as error:
        raise click.ClickException(f"cannot read {path}: {error.strerror}") from error
    return ImportDefinition.from_toml(text)


def fail(message: str, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"error": message}))
    else:
        click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def _report_dict(report: ConnectionReport) -> dict[str, Any]:
    return {
        "platform": report.platform,
        "store_name": report.store_name,
        "product_count": report.product_count,
        "plan": report.plan,
        "latency_ms": report.latency_ms,
        "missing_permissions": list(report.missing_permissions),
        "can_write": report.can_write,
        "ok": report.ok,
    }


@click.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def check_command(file: Path, as_json: bool) -> None:
    """Test both connections of an import definition."""
    try:
        definition = load_definition(file)
        source, target = open_source(definition.source), open_target(definition.target)
        reports = {"source": source.test_connection(), "target": target.test_connection()}
    except (DefinitionError, ConnectorError) as error:
        fail(str(error), as_json)
        return
    if as_json:
        click.echo(json.dumps({name: _report_dict(report) for name, report in reports.items()}))
    else:
        for name, report in reports.items():
            line = f"{name}: {report.platform} store {report.store_name!r}"
            if report.product_count is not None:
                line += f", {report.product_count} products"
            if report.latency_ms is not None:
                line += f", {report.latency_ms:.0f} ms"
            if report.missing_permissions:
                line += f"; missing permissions: {', '.join(report.missing_permissions)}"
            if report.can_write is False:
                line += "; the key cannot write"
            click.echo(line)
    sys.exit(EXIT_OK if all(report.ok for report in reports.values()) else EXIT_BAD_INPUT)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Write nothing; print the plan.")
@click.option(
    "--full", is_flag=True, help="Read the whole catalog, not only what changed since the last run."
)
@click.option(
    "--confirm-vanished", is_flag=True, help="Act on products gone from the source beyond the share."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object at the end.")
def import_command(file: Path, dry_run: bool, full: bool, confirm_vanished: bool, as_json: bool) -> None:
    """Run an import definition now, in the foreground."""
    try:
        definition = load_definition(file)
        source, target = open_source(definition.source), open_target(definition.target)
        source.test_connection()
        target.test_connection()
    except (DefinitionError, ConnectorError) as error:
        fail(str(error), as_json)
        return
    engine = make_engine()
    upgrade(engine)
    options = RunOptions(full=full, dry_run=dry_run, confirm_vanished=confirm_vanished)
    show_bar = not as_json and sys.stderr.isatty()
    with _Progress(show_bar) as progress:
        pipeline = Pipeline(
            definition,
            source,
            WooWriter(target),
            sessions(engine),
            source_prefix(source),
            options,
            progress=progress.update,
        )
        try:
            result = pipeline.run()
        except ConnectorError as error:
            fail(f"the run stopped: {error}; run again to resume", as_json)
            return
    _print_result(result, as_json)
    sys.exit(EXIT_ITEMS_FAILED if result.counts.failed else EXIT_OK)


class _Progress:
    """A one-line progress display on a terminal's stderr; silent elsewhere."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.enabled:
            click.echo("", err=True)

    def update(self, counts: RunCounts) -> None:
        if self.enabled:
            click.echo(
                f"\rread {counts.seen}  created {counts.created}  updated {counts.updated}  "
                f"unchanged {counts.unchanged}  skipped {counts.skipped}  failed {counts.failed}",
                err=True,
                nl=False,
            )


def _describe(item: PlannedItem) -> str:
    label = (
        f"{item.action.value:9} {item.source_id}" + (f" [{item.sku}]" if item.sku else "") + f" {item.title}"
    )
    if item.reason:
        label += f": {item.reason}"
    for name, (old, new) in item.changes.items():
        label += f"\n            {name}: {old!r} -> {new!r}"
    return label


def _print_result(result: RunResult, as_json: bool) -> None:
    summary = result.summary()
    if as_json:
        if result.dry_run:
            summary["plan"] = [
                {"source_id": i.source_id, "sku": i.sku, "action": i.action.value, "changes": list(i.changes)}
                for i in result.plan
            ]
        click.echo(json.dumps(summary, default=str))
        return
    if result.dry_run:
        for item in result.plan:
            click.echo(_describe(item))
    else:
        for item in result.failures:
            click.echo(_describe(item))
    counts = result.counts
    click.echo(
        f"{'plan' if result.dry_run else 'done'}: {counts.created} created, {counts.updated} updated, "
        f"{counts.unchanged} unchanged, {counts.skipped} skipped, {counts.failed} failed "
        f"of {counts.seen} read; {result.source_requests} source and {result.target_requests} target "
        f"requests in {result.duration_s:.1f} s"
    )
    for warning in result.warnings:
        click.echo(f"warning: {warning}")
