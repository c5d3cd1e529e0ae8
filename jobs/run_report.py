"""A run, its failures and its log as plain data: what the JSON API returns and `ferry run` prints.

One place computes a run's duration and throughput, so the terminal and the API never disagree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from jobs.store.models import Run, RunFailure, RunLogLine


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def duration_s(run: Run, now: datetime | None = None) -> float | None:
    """Seconds from the run's first start to its end (to now while it runs); None before it starts."""
    if run.started_at is None:
        return None
    end = run.finished_at or now or datetime.now(UTC)
    return round(max((end - run.started_at).total_seconds(), 0.0), 3)


def throughput(run: Run, now: datetime | None = None) -> float | None:
    """Products read per second so far; None until there is a duration to divide by."""
    seconds = duration_s(run, now)
    if not seconds:
        return None
    return round(run.counts.get("seen", 0) / seconds, 2)


def run_summary(run: Run, now: datetime | None = None) -> dict[str, Any]:
    return {
        "id": run.id,
        "import_id": run.import_id,
        "trigger": run.trigger.value,
        "scope": run.scope.value,
        "product_ids": run.product_ids,
        "dry_run": run.dry_run,
        "status": run.status.value,
        "terminal": run.status.terminal,
        "phase": run.phase,
        "counts": dict(run.counts),
        "total": run.total,
        "products_per_s": throughput(run, now),
        "duration_s": duration_s(run, now),
        "error": run.error,
        "warnings": list(run.warnings),
        "attempts": run.attempts,
        "source_requests": run.source_requests,
        "target_requests": run.target_requests,
        "cancel_requested": run.cancel_requested,
        "worker": run.worker,
        "queued_at": _iso(run.queued_at),
        "started_at": _iso(run.started_at),
        "heartbeat_at": _iso(run.heartbeat_at),
        "finished_at": _iso(run.finished_at),
    }


def failure_dict(failure: RunFailure) -> dict[str, Any]:
    return {
        "source_id": failure.source_id,
        "sku": failure.sku,
        "title": failure.title,
        "reason": failure.reason,
        "at": _iso(failure.at),
    }


def log_line_dict(line: RunLogLine) -> dict[str, Any]:
    return {"at": _iso(line.at), "level": line.level, "message": line.message}
