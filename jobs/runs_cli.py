"""`ferry runs` (the history, newest first) and `ferry run ID` (everything about one run)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import click
from sqlalchemy.orm import Session

from jobs.command_session import command_session
from jobs.run_report import duration_s, failure_dict, log_line_dict, run_summary, throughput
from jobs.store import runs as repo
from jobs.store.models import Run, RunStatus, SavedImport

EXIT_BAD_INPUT = 2
COUNT_NAMES = ("created", "updated", "unchanged", "skipped", "failed", "vanished")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "-"


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    minutes, seconds = divmod(round(value), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{seconds:02d}s" if minutes else f"{value:.1f}s"


def _short_counts(counts: dict[str, int]) -> str:
    """new/upd/same/skip/fail of read, e.g. `12/3/0/0/1 of 16`."""
    return "/".join(str(counts.get(name, 0)) for name in COUNT_NAMES[:5]) + f" of {counts.get('seen', 0)}"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]
    lines = [headers, *rows]
    return "\n".join(
        "  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def _import_names(session: Session, runs: Sequence[Run]) -> dict[int, str]:
    return {
        import_id: saved.name if (saved := session.get(SavedImport, import_id)) else f"#{import_id}"
        for import_id in {run.import_id for run in runs}
    }


@click.command("runs")
@click.option("--import", "import_id", type=int, help="Only the runs of this saved import.")
@click.option("--status", type=click.Choice([status.value for status in RunStatus]), help="Only runs in it.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
def runs_command(import_id: int | None, status: str | None, limit: int) -> None:
    """The run history, newest first."""
    now = datetime.now(UTC)
    with command_session() as session:
        if import_id is not None and session.get(SavedImport, import_id) is None:
            click.echo(f"error: no saved import {import_id}; `ferry imports list` shows them", err=True)
            sys.exit(EXIT_BAD_INPUT)
        runs = repo.history(session, import_id, RunStatus(status) if status else None, limit)
        names = _import_names(session, runs)
    if not runs:
        click.echo("no runs")
        return
    rows = [
        (
            str(run.id),
            names[run.import_id],
            run.trigger.value,
            run.scope.value + (" (dry run)" if run.dry_run else ""),
            run.status.value,
            _short_counts(run.counts),
            _when(run.started_at),
            _seconds(duration_s(run, now)),
        )
        for run in runs
    ]
    headers = ("id", "import", "trigger", "scope", "status", "new/upd/same/skip/fail", "started", "duration")
    click.echo(_table(headers, rows))


@click.command("run")
@click.argument("run_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (as the API returns it).")
def run_command(run_id: int, as_json: bool) -> None:
    """Everything about one run: counts, throughput, error, warnings, failures and the log."""
    now = datetime.now(UTC)
    with command_session() as session:
        run = session.get(Run, run_id)
        if run is None:
            click.echo(f"error: no run {run_id}; `ferry runs` lists them", err=True)
            sys.exit(EXIT_BAD_INPUT)
        name = _import_names(session, [run])[run.import_id]
        failures = [failure_dict(item) for item in repo.failures(session, run_id)]
        log = [log_line_dict(line) for line in repo.log_lines(session, run_id)]
    if as_json:
        click.echo(json.dumps({**run_summary(run, now), "failures": failures, "log": log}))
        return
    click.echo(_details(run, name, now))
    click.echo(f"\nfailures ({len(failures)})")
    for item in failures:
        sku = f" [{item['sku']}]" if item["sku"] else ""
        click.echo(f"  {item['source_id']}{sku} {item['title']}: {item['reason']}")
    click.echo(f"\nlog ({len(log)} lines)")
    for line in log:
        click.echo(f"  {line['at'][:19].replace('T', ' ')}  {line['level']:7} {line['message']}")


def _details(run: Run, import_name: str, now: datetime) -> str:
    counts = ", ".join(f"{run.counts.get(name, 0)} {name}" for name in COUNT_NAMES)
    expected = f" (of {run.total} expected)" if run.total is not None else ""
    rate = throughput(run, now)
    fields: list[tuple[str, Any]] = [
        ("status", run.status.value + (f" ({run.phase})" if run.phase else "")),
        ("trigger", run.trigger.value),
        ("scope", run.scope.value + (" (dry run)" if run.dry_run else "")),
        ("products", ", ".join(run.product_ids) if run.product_ids else None),
        ("queued", _when(run.queued_at)),
        ("started", _when(run.started_at)),
        ("finished", _when(run.finished_at)),
        ("duration", _seconds(duration_s(run, now))),
        ("throughput", f"{rate} products/s" if rate is not None else "-"),
        ("counts", f"{run.counts.get('seen', 0)} read{expected}: {counts}"),
        ("requests", f"{run.source_requests} to the source, {run.target_requests} to WooCommerce"),
        ("attempts", f"{run.attempts}" + (f" (last on {run.worker})" if run.worker else "")),
        ("cancel", "requested" if run.cancel_requested and not run.status.terminal else None),
        ("error", run.error),
    ]
    lines = [f"run {run.id} of import {run.import_id} ({import_name})"]
    lines += [f"  {label:11} {value}" for label, value in fields if value is not None]
    if run.warnings:
        lines += ["  warnings", *(f"    - {warning}" for warning in run.warnings)]
    return "\n".join(lines)
