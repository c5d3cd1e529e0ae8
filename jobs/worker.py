"""`ferry worker`: an RQ worker, with RQ's scheduler, on Ferry's queues.

Any number of workers on any number of machines share one Redis (`REDIS_URL`) and one database
(`DATABASE_URL`). Each also runs the watchdog (jobs/watchdog.py) that fires due schedules and puts
back in the queue the runs whose worker died.

`ferry` lives beside the web app and has loaded Flask by the time a command runs, so `ferry worker`
replaces its process with `python -m jobs.worker` (same pid, same signals): a worker never carries
the web side (design.md §1).

SIGTERM or SIGINT: RQ's warm shutdown, the job under way finishes first; a second signal abandons
it (cold shutdown) and the run resumes elsewhere from its checkpoint. SIGKILL takes RQ's scheduler
process down too (jobs/orphans.py).
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import click
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.executions import Execution
from rq.job import Job
from rq.worker import BaseWorker, SimpleWorker
from sqlalchemy.exc import DBAPIError

from jobs.broker import QUEUE_NAMES, MissingRedis, connect, display_url, queues, require_redis_url
from jobs.limits import ImportLock
from jobs.orphans import children_die_with_this_process
from jobs.store.database import make_engine, sessions, upgrade
from jobs.tasks import enqueue_run, job_alive
from jobs.watchdog import Watchdog

log = logging.getLogger(__name__)

EXIT_UNAVAILABLE, EXIT_USAGE = 1, 2
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
SCHEMA_ATTEMPTS = 3  # workers started together on a fresh database race to create its tables


class FerryWorker(SimpleWorker):
    """Runs each job in the worker process itself, keeping RQ's heartbeats going while it runs.

    Why not RQ's default `Worker`, which forks a process per job: a run hands its write batches to
    the queue, so a worker takes many short jobs, and each batch reuses this process's writer for
    the target (its HTTP connection pool and taxonomy cache, jobs/distributed.py) that a forked
    child would build again and throw away. A job that hangs is still stopped: RQ's job timeout
    raises inside it (SIGALRM; runs have none, they are watched by their heartbeat), and a worker
    killed outright loses only its leases, which lapse (jobs/limits.py), and its run, which
    another worker resumes.

    RQ's SimpleWorker stops heartbeating while a job runs; a run takes hours, so a thread beats
    for it, as the forking worker's parent does, and the job stays "started" and this worker
    "alive" for as long as it really is.
    """

    def perform_job(self, job: Job, queue: Queue, execution: Execution) -> bool:
        done = threading.Event()
        beating = threading.Thread(
            target=self._beat, args=(job, execution, done), name="rq-heartbeat", daemon=True
        )
        beating.start()
        try:
            return super().perform_job(job, queue, execution)
        finally:
            done.set()
            beating.join()

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        # SimpleWorker's own answer assumes no heartbeats during the job; this worker sends them.
        return BaseWorker.get_heartbeat_ttl(self, job, working_time)

    def _beat(self, job: Job, execution: Execution, done: threading.Event) -> None:
        while not done.wait(self.job_monitoring_interval):
            try:
                self.maintain_heartbeats(job, execution)
            except RedisError as error:  # Redis blinked: the next beat comes well within the TTL
                log.warning("heartbeat for job %s failed: %s", job.id, error)


def make_worker(connection: Redis, queue_names: Sequence[str], name: str | None = None) -> FerryWorker:
    return FerryWorker(
        queues(connection, tuple(queue_names)),
        name=name or f"{socket.gethostname()}:{os.getpid()}",
        connection=connection,
        # Shorter than RQ's defaults, so a SIGKILLed worker's started job is seen as abandoned,
        # and the scheduler lock it held taken over, within about two minutes rather than ten.
        worker_ttl=60,
        job_monitoring_interval=10,
        maintenance_interval=30,
        # A write batch's description repeats every product in it: the log names jobs by id.
        log_job_description=False,
    )


def start_watchdog(connection: Redis) -> Watchdog:
    """The schedule and resume checks, on a thread of this worker, against DATABASE_URL."""
    engine = make_engine()
    for attempt in range(1, SCHEMA_ATTEMPTS + 1):
        try:
            upgrade(engine)
            break
        except DBAPIError:
            if attempt == SCHEMA_ATTEMPTS:
                raise
            time.sleep(attempt)
    watchdog = Watchdog(
        sessions(engine),
        enqueue=lambda run_id: enqueue_run(connection, run_id),
        lock_held=lambda import_id: ImportLock.is_held(connection, import_id),
        job_exists=lambda run_id: job_alive(connection, run_id),
        clock=lambda: datetime.now(UTC),
    )
    watchdog.start()
    return watchdog


def run_worker(
    connection: Redis, queue_names: Sequence[str], burst: bool = False, name: str | None = None
) -> bool:
    """Work until stopped (or, with `burst`, until the queues are empty); True if it ran any job."""
    children_die_with_this_process()
    worker = make_worker(connection, queue_names, name)
    # A burst worker drains the queues and leaves: firing schedules is for the long-lived ones.
    watchdog = None if burst else start_watchdog(connection)
    try:
        return worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
    finally:
        if watchdog is not None:
            watchdog.stop()


def _split_queues(_ctx: click.Context, _param: click.Parameter, value: str | None) -> tuple[str, ...]:
    if not value:
        return QUEUE_NAMES
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = [name for name in names if name not in QUEUE_NAMES]
    if unknown or not names:
        raise click.BadParameter(f"choose from {', '.join(QUEUE_NAMES)} (comma-separated)")
    return names


def _worker_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--queues",
            callback=_split_queues,
            metavar="NAMES",
            help=f"Queues to take jobs from, comma-separated, by priority (default: {','.join(QUEUE_NAMES)})",
        ),
        click.option("--burst", is_flag=True, help="Quit when the queues are empty."),
        click.option("--name", help="This worker's name among the workers (default: HOST:PID)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.command("worker")
@_worker_options
def worker_command(queues: tuple[str, ...], burst: bool, name: str | None) -> None:
    """Run a background worker for saved imports (needs REDIS_URL)."""
    arguments = [
        "--queues",
        ",".join(queues),
        *(["--burst"] if burst else []),
        *(["--name", name] if name else []),
    ]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "jobs.worker", *arguments])


@click.command("ferry-worker")
@_worker_options
def main(queues: tuple[str, ...], burst: bool, name: str | None) -> None:
    """The worker itself, in a process that never imported the web app."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format=LOG_FORMAT)
    try:
        url = require_redis_url()
    except MissingRedis as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_USAGE)
    try:
        connection = connect(url)
        connection.ping()  # fail now, naming the address, rather than inside RQ
    except (RedisError, ValueError) as error:
        click.echo(f"error: cannot use Redis at {display_url(url)}: {error}", err=True)
        sys.exit(EXIT_UNAVAILABLE)
    log.info("Redis at %s", display_url(url))
    try:
        run_worker(connection, queues, burst, name)
    except DBAPIError as error:  # the watchdog's database; `orig` is the driver's message, no URL
        click.echo(f"error: cannot use the database (DATABASE_URL): {error.orig}", err=True)
        sys.exit(EXIT_UNAVAILABLE)


if __name__ == "__main__":
    main()
