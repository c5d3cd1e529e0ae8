"""What every worker looks at every few seconds: schedules that are due, runs whose worker died,
and queued runs whose job Redis lost.

Any number of workers run this at once; each action is settled by the database so it happens
once: a schedule slot fires by inserting its unique `schedule_fires` row (the loser's insert fails
and it moves on), and a stalled run is taken over by a conditional UPDATE that only one worker's
statement matches. Jobs are enqueued after the commit: a worker that dies in between leaves a
queued run without a job, which `requeue_lost` finds.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from jobs.definition import DefinitionError
from jobs.execution import STALL_AFTER
from jobs.scheduling import Schedule, due_slot
from jobs.store import runs as repo
from jobs.store.models import RunStatus, RunTrigger, SavedImport, ScheduleFire

log = logging.getLogger(__name__)

TICK_S = 5.0
LOST_AFTER = timedelta(seconds=60)  # a queued run with no job for this long lost it (Redis restarted)

Enqueue = Callable[[int], None]


def fire_schedules(sessions: sessionmaker[Session], now: datetime) -> list[int]:
    """Queue one run for each saved import whose schedule has a slot due; returns the run ids.

    Each import fires in a transaction of its own (no savepoints: pysqlite's are not real ones), and
    the unique (import, slot) row decides which worker fires it."""
    with sessions() as session:
        scheduled = list(
            session.scalars(
                select(SavedImport.id).where(SavedImport.enabled, SavedImport.schedule.is_not(None))
            )
        )
    fired = []
    for import_id in scheduled:
        with sessions() as session:
            try:
                run_id = _fire(session, import_id, now)
                session.commit()
            except IntegrityError:
                session.rollback()  # another worker fired this slot
                continue
        if run_id is not None:
            fired.append(run_id)
    return fired


def _fire(session: Session, import_id: int, now: datetime) -> int | None:
    saved = session.get(SavedImport, import_id)
    if saved is None or not saved.enabled or saved.schedule is None:
        return None
    try:
        schedule = Schedule.from_dict(saved.schedule)
    except DefinitionError as error:
        log.error("saved import %s has a bad schedule: %s", saved.id, error)
        return None
    slot = due_slot(schedule, saved.last_slot, now, saved.updated_at)
    if slot is None:
        return None
    fire = ScheduleFire(import_id=saved.id, slot=slot)
    session.add(fire)
    session.flush()  # the unique row: a second worker's flush or commit fails here
    saved.last_slot = slot
    waiting = repo.active_run(session, saved.id)
    if waiting is not None and waiting.status is RunStatus.QUEUED:
        # A run that has not started yet will read the same changes: no second one.
        fire.run_id = waiting.id
        return None
    run = repo.queue_run(session, saved, RunTrigger.SCHEDULE)
    fire.run_id = run.id
    return run.id


def take_over_stalled(session: Session, now: datetime, lock_held: Callable[[int], bool]) -> list[int]:
    """Put back in the queue the running runs whose worker stopped beating (killed, machine lost)."""
    taken = []
    for run in repo.stalled(session, now - STALL_AFTER):
        if lock_held(run.import_id):
            continue  # its worker still holds the import: slow, not dead
        if repo.requeue(session, run.id, RunStatus.RUNNING, error=None):
            repo.write_log(
                session, run.id, "warning", f"worker {run.worker} stopped answering; resuming from checkpoint"
            )
            taken.append(run.id)
    return taken


def requeue_lost(session: Session, now: datetime, job_exists: Callable[[int], bool]) -> list[int]:
    """Queued runs whose job is not in Redis (it restarted empty, or a worker died before enqueuing)."""
    return [run.id for run in repo.queued(session, now - LOST_AFTER) if not job_exists(run.id)]


class Watchdog:
    """Runs the three checks every few seconds in a background thread of a worker."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        enqueue: Enqueue,
        lock_held: Callable[[int], bool],
        job_exists: Callable[[int], bool],
        clock: Callable[[], datetime],
    ) -> None:
        self.sessions = sessions
        self.enqueue = enqueue
        self.lock_held = lock_held
        self.job_exists = job_exists
        self.clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="ferry-watchdog", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def tick(self) -> None:
        now = self.clock()
        due = fire_schedules(self.sessions, now)
        with self.sessions() as session:
            due += take_over_stalled(session, now, self.lock_held)
            session.commit()
        with self.sessions() as session:
            due += requeue_lost(session, now, self.job_exists)
        for run_id in due:
            self.enqueue(run_id)

    def _loop(self) -> None:
        # Jitter keeps many workers from ticking in step.
        while not self._stop.wait(TICK_S * random.uniform(0.8, 1.2)):
            try:
                self.tick()
            except Exception:  # Redis or the database blinked: the next tick tries again
                log.warning("watchdog tick failed", exc_info=True)
