"""Runs as a worker leaves them, written straight through the run repository: for the tests of
what the API and `ferry run` show, which need finished runs without running imports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from jobs.store import runs as repo
from jobs.store.models import Run, RunStatus

STARTED = datetime(2025, 1, 1, 12, tzinfo=UTC)
COUNTS = {"seen": 50, "created": 40, "updated": 5, "unchanged": 3, "skipped": 0, "failed": 2}
FAILURES = (
    repo.FailedItem("101", "SKU-1", "Mug", "duplicate SKU"),
    repo.FailedItem("102", None, "Cap", "400"),
)


def finish_with_failures(
    db: sessionmaker[Session], run_id: int, status: RunStatus = RunStatus.PARTIALLY_FAILED
) -> None:
    """50 products read in 10 s, two failed (101 and 102), a warning and a log line."""
    with db() as session:
        repo.claim(session, run_id, "worker-1")
        repo.save_progress(session, run_id, COUNTS, 6, 30)
        repo.add_failures(session, run_id, FAILURES)
        repo.write_log(session, run_id, "info", "started")
        run = session.get(Run, run_id)
        repo.finish(session, run, status, warnings=["3 images could not be fetched"])
        run.started_at = STARTED
        run.finished_at = STARTED + timedelta(seconds=10)
        session.commit()
