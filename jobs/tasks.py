"""Thin RQ entry points: a job carries a run's id and nothing else (no secret ever rides in Redis).

`execute_run` holds the saved import's lock for the whole run, so one import never runs twice
at once however many workers there are; a run that finds its import busy waits in RQ's scheduled
registry and tries again.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import timedelta

from redis import Redis
from rq import Queue, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from jobs.broker import RUNS_QUEUE
from jobs.execution import RunExecution
from jobs.limits import ImportLock
from jobs.secrets import secret_box
from jobs.store.database import make_engine, sessions
from jobs.store.models import Run

log = logging.getLogger(__name__)

BUSY_RETRY_S = 10  # the import is running elsewhere: look again this much later
LIVE_JOB = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.STARTED, JobStatus.DEFERRED}


def _pointer(run_id: int) -> str:
    return f"ferry:run-job:{run_id}"


def enqueue_run(connection: Redis, run_id: int, delay_s: float = 0) -> None:
    """Queue a job for the run. Each job has an id of its own (a job may queue its run's next
    attempt while it still runs) and the run's newest job id is kept beside it."""
    queue = Queue(RUNS_QUEUE, connection=connection)
    options = {
        "job_id": f"ferry-run-{run_id}-{uuid.uuid4().hex[:12]}",
        "job_timeout": -1,  # a big import takes hours; a dead worker is found by its heartbeat
        "result_ttl": 86400,
        "failure_ttl": 7 * 86400,
    }
    if delay_s > 0:
        job = queue.enqueue_in(timedelta(seconds=delay_s), execute_run, run_id, **options)
    else:
        job = queue.enqueue(execute_run, run_id, **options)
    connection.set(_pointer(run_id), job.id, ex=7 * 86400)


def job_alive(connection: Redis, run_id: int) -> bool:
    """Whether Redis still has a job that will execute this run."""
    newest = connection.get(_pointer(run_id))
    if newest is None:
        return False
    try:
        job = Job.fetch(newest.decode() if isinstance(newest, bytes) else newest, connection=connection)
    except NoSuchJobError:
        return False
    return job.get_status(refresh=False) in LIVE_JOB


def worker_name() -> str:
    job = get_current_job()
    name = job.worker_name if job is not None else None
    return name or f"{socket.gethostname()}:{os.getpid()}"


def execute_run(run_id: int) -> str:
    job = get_current_job()
    assert job is not None, "execute_run runs inside an RQ job"
    connection = job.connection
    engine = make_engine()
    try:
        made = sessions(engine)
        with made() as session:
            run = session.get(Run, run_id)
            if run is None or run.status.terminal:
                return "nothing to do"
            import_id = run.import_id
        lock = ImportLock(connection, import_id)
        if not lock.acquire(blocking=False):
            log.info("run %s: import %s is busy; trying again in %s s", run_id, import_id, BUSY_RETRY_S)
            enqueue_run(connection, run_id, BUSY_RETRY_S)
            return "import busy"
        try:
            outcome = RunExecution(run_id, made, secret_box(), worker_name(), connection).execute()
        finally:
            lock.release()
        if outcome.retry_in_s is not None:
            enqueue_run(connection, run_id, outcome.retry_in_s)
        return outcome.status.value
    finally:
        engine.dispose()
