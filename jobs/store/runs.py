"""Repository functions for runs: the only code that queries runs, their failures and their log.

Status changes that several workers may race for (claiming a queued run, taking over a dead one)
are conditional UPDATEs: exactly one worker's statement matches, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from jobs.store.models import (
    Run,
    RunFailure,
    RunLogLine,
    RunPlanItem,
    RunScope,
    RunStatus,
    RunTrigger,
    SavedImport,
)

ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)
MAX_SAMPLES = 240  # a chart's worth of points: past it, every other old one is dropped


@dataclass(frozen=True)
class FailedItem:
    source_id: str
    sku: str | None
    title: str
    reason: str


def now() -> datetime:
    return datetime.now(UTC)


def queue_run(
    session: Session,
    saved: SavedImport,
    trigger: RunTrigger,
    scope: RunScope = RunScope.INCREMENTAL,
    product_ids: Sequence[str] | None = None,
    dry_run: bool = False,
) -> Run:
    run = Run(
        import_id=saved.id,
        trigger=trigger,
        scope=scope,
        product_ids=list(product_ids) if product_ids is not None else None,
        dry_run=dry_run,
        status=RunStatus.QUEUED,
        counts={},
        warnings=[],
        source_requests=0,
        target_requests=0,
        attempts=0,
        cancel_requested=False,
        queued_at=now(),
    )
    session.add(run)
    session.flush()
    return run


def claim(session: Session, run_id: int, worker: str) -> bool:
    """Queued -> running for this worker; False when another worker has it or it was cancelled."""
    moment = now()
    result = session.execute(
        update(Run)
        .where(Run.id == run_id, Run.status == RunStatus.QUEUED)
        .values(
            status=RunStatus.RUNNING,
            worker=worker,
            attempts=Run.attempts + 1,
            heartbeat_at=moment,
            error=None,
        )
    )
    session.execute(update(Run).where(Run.id == run_id, Run.started_at.is_(None)).values(started_at=moment))
    return result.rowcount == 1  # type: ignore[attr-defined]


def beat(session: Session, run_id: int, worker: str) -> bool:
    """The running run is alive; returns whether a cancel was asked for. A worker that lost the run
    (it was taken over after a stall) finds no row to touch and is told to stop."""
    result = session.execute(
        update(Run)
        .where(Run.id == run_id, Run.status == RunStatus.RUNNING, Run.worker == worker)
        .values(heartbeat_at=now())
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return True
    return bool(session.scalar(select(Run.cancel_requested).where(Run.id == run_id)))


def save_progress(
    session: Session,
    run_id: int,
    counts: dict[str, int],
    source_requests: int,
    target_requests: int,
    phase: str | None = None,
) -> None:
    values: dict[str, Any] = {
        "counts": counts,
        "source_requests": source_requests,
        "target_requests": target_requests,
    }
    if phase is not None:
        values["phase"] = phase
    session.execute(update(Run).where(Run.id == run_id).values(**values))


def finish(
    session: Session, run: Run, status: RunStatus, error: str | None = None, warnings: Iterable[str] = ()
) -> None:
    run.status = status
    run.error = error
    run.warnings = [*run.warnings, *warnings]
    run.finished_at = now()
    run.phase = None


def requeue(session: Session, run_id: int, expected: RunStatus, error: str | None = None) -> bool:
    """Back to queued (a retry after a transient failure, or a dead worker's run taken over)."""
    result = session.execute(
        update(Run)
        .where(Run.id == run_id, Run.status == expected)
        .values(status=RunStatus.QUEUED, worker=None, error=error)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def stalled(session: Session, heartbeat_before: datetime) -> list[Run]:
    """Running runs whose worker has not been heard from since the given moment."""
    return list(
        session.scalars(
            select(Run).where(Run.status == RunStatus.RUNNING, Run.heartbeat_at < heartbeat_before)
        )
    )


def queued(session: Session, before: datetime) -> list[Run]:
    return list(session.scalars(select(Run).where(Run.status == RunStatus.QUEUED, Run.queued_at < before)))


def active_run(session: Session, import_id: int) -> Run | None:
    return session.scalar(
        select(Run).where(Run.import_id == import_id, Run.status.in_(ACTIVE)).order_by(Run.id)
    )


def add_failures(session: Session, run_id: int, items: Iterable[FailedItem]) -> None:
    """Record failed items as they happen. An item already recorded for this run (an earlier
    attempt failed it too, before the run was resumed) keeps its first row."""
    moment = now()
    known = set(session.scalars(select(RunFailure.source_id).where(RunFailure.run_id == run_id)))
    for item in items:
        if item.source_id in known:
            continue
        known.add(item.source_id)
        session.add(
            RunFailure(
                run_id=run_id,
                source_id=item.source_id,
                sku=item.sku,
                title=item.title,
                reason=item.reason,
                at=moment,
            )
        )


@dataclass(frozen=True)
class PlanEntry:
    source_id: str
    sku: str | None
    title: str
    action: str
    changes: dict[str, Any]
    reason: str | None


def add_plan(session: Session, run_id: int, entries: Iterable[PlanEntry]) -> None:
    """A dry run's plan, replacing what an earlier attempt of the same run stored."""
    session.execute(delete(RunPlanItem).where(RunPlanItem.run_id == run_id))
    session.add_all(
        RunPlanItem(
            run_id=run_id,
            source_id=entry.source_id,
            sku=entry.sku,
            title=entry.title,
            action=entry.action,
            changes=entry.changes,
            reason=entry.reason,
        )
        for entry in entries
    )


def plan(session: Session, run_id: int, action: str | None = None) -> list[RunPlanItem]:
    query = select(RunPlanItem).where(RunPlanItem.run_id == run_id).order_by(RunPlanItem.id)
    if action is not None:
        query = query.where(RunPlanItem.action == action)
    return list(session.scalars(query))


def set_total(session: Session, run_id: int, total: int | None) -> None:
    session.execute(update(Run).where(Run.id == run_id).values(total=total))


def add_sample(session: Session, run_id: int, done: int) -> None:
    """One point of the run's throughput chart: seconds since it first started, products done."""
    run = session.get(Run, run_id)
    if run is None or run.started_at is None:
        return
    seconds = round((now() - run.started_at).total_seconds(), 2)
    samples = [*(run.samples or []), [seconds, done]]
    if len(samples) > MAX_SAMPLES:
        samples = [*samples[:-1:2], samples[-1]]
    run.samples = samples


def failures(session: Session, run_id: int) -> list[RunFailure]:
    return list(
        session.scalars(select(RunFailure).where(RunFailure.run_id == run_id).order_by(RunFailure.id))
    )


def write_log(session: Session, run_id: int, level: str, message: str) -> None:
    session.add(RunLogLine(run_id=run_id, at=now(), level=level, message=message))


def log_lines(session: Session, run_id: int) -> list[RunLogLine]:
    return list(
        session.scalars(select(RunLogLine).where(RunLogLine.run_id == run_id).order_by(RunLogLine.id))
    )


def history(
    session: Session, import_id: int | None = None, status: RunStatus | None = None, limit: int = 50
) -> list[Run]:
    query = select(Run).order_by(Run.id.desc()).limit(limit)
    if import_id is not None:
        query = query.where(Run.import_id == import_id)
    if status is not None:
        query = query.where(Run.status == status)
    return list(session.scalars(query))
