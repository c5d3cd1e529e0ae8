"""Starting, cancelling and retrying runs: what the CLI, the API, webhooks and the wizard call.

These change rows only; the caller enqueues the run's job after committing (jobs/tasks.py
`enqueue_run`), so a job never looks for a run that is not there yet.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from jobs.store import runs as repo
from jobs.store.models import ConnectionStatus, Run, RunScope, RunStatus, RunTrigger, SavedImport


class RunRefused(ValueError):
    """A run that cannot start; the message says why and what to do."""


def start_run(
    session: Session,
    saved: SavedImport,
    trigger: RunTrigger,
    scope: RunScope = RunScope.INCREMENTAL,
    product_ids: Sequence[str] | None = None,
    dry_run: bool = False,
) -> Run:
    for side, connection in (("source", saved.source), ("target", saved.target)):
        if connection.status is ConnectionStatus.DISCONNECTED:
            raise RunRefused(
                f"the {side} connection {connection.name!r} is disconnected; connect it again first"
            )
        if connection.status is ConnectionStatus.PAUSED:
            raise RunRefused(f"the {side} connection {connection.name!r} is paused; resume it first")
    if scope is RunScope.PRODUCTS and not product_ids:
        raise RunRefused("a products run needs the ids of the products to import")
    return repo.queue_run(session, saved, trigger, scope, product_ids, dry_run)


def cancel_run(session: Session, run: Run) -> RunStatus:
    """A queued run is cancelled at once; a running one stops at its next progress report (its
    checkpoint is kept, so it can be resumed)."""
    if run.status is RunStatus.QUEUED:
        repo.finish(session, run, RunStatus.CANCELLED)
        repo.write_log(session, run.id, "info", "cancelled before it started")
    elif run.status is RunStatus.RUNNING:
        run.cancel_requested = True
        repo.write_log(session, run.id, "info", "cancel requested")
    return run.status


def retry_failed(session: Session, run: Run) -> Run:
    """A run of only the items that failed in `run`."""
    failed = sorted({failure.source_id for failure in repo.failures(session, run.id)})
    if not failed:
        raise RunRefused(f"run {run.id} has no failed items to retry")
    saved = session.get(SavedImport, run.import_id)
    assert saved is not None
    return start_run(session, saved, RunTrigger.RETRY, RunScope.PRODUCTS, failed)


def resume_run(session: Session, run: Run) -> Run:
    """Start a failed or cancelled run's import again from its checkpoint (the checkpoint belongs
    to the import, so a new run of the same scope continues where the old one stopped)."""
    if not run.status.terminal:
        raise RunRefused(f"run {run.id} is still {run.status.value}")
    saved = session.get(SavedImport, run.import_id)
    assert saved is not None
    return start_run(session, saved, RunTrigger.MANUAL, run.scope, run.product_ids)
