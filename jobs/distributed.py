"""Several workers share the writing of one big import.

The run's job reads the source and decides what to write (jobs/pipeline.py); each write batch
becomes a job on the writes queue that any worker may take (`write_batch`), and its results come
back to the run, which keeps all the books (links, pending creates, checkpoints) as it does in one
process. A batch job carries the run's id and the mapped products, never a credential: the worker
reads the target's sealed credentials from the database.

Two rules keep this safe and moving:
- `TargetSlots` in Redis bound the batches in flight against one WooCommerce store across every
  worker of every machine, so adding workers never overloads a shop;
- a batch no other worker has taken within `STEAL_AFTER_S` is taken back off the queue (LREM is
  atomic: it is ours or a worker's, never both) and written by the run itself, so a lone worker
  (the run's own) still finishes the import.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from redis import Redis
from rq import Queue, get_current_job
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job, JobStatus

from connectors import errors
from connectors.errors import ConnectorError
from connectors.woocommerce import WooWriter, WriteItem, WriteResult
from jobs.broker import WRITES_QUEUE
from jobs.connect import open_target
from jobs.executor import BatchExecutor
from jobs.limits import TargetSlots
from jobs.saved_imports import connection_spec
from jobs.secrets import secret_box
from jobs.store.database import make_engine, sessions
from jobs.store.models import Run, SavedImport

log = logging.getLogger(__name__)

STEAL_AFTER_S = 0.5
POLL_S = 0.05
BATCH_TIMEOUT_S = 30 * 60


@dataclass(frozen=True)
class BatchError:
    """A ConnectorError as it travels back from a worker (its class by name, its fields)."""

    kind: str
    message: str
    status: int | None
    url: str | None

    @classmethod
    def of(cls, error: ConnectorError) -> BatchError:
        return cls(type(error).__name__, error.message, error.status, error.url)

    def rebuild(self) -> ConnectorError:
        kind = getattr(errors, self.kind, ConnectorError)
        return kind(self.message, status=self.status, url=self.url)


# -- the worker side --------------------------------------------------------------------------------
_writers: dict[tuple[int, str], WooWriter] = {}
_writers_lock = threading.Lock()


def _writer_for(run_id: int) -> tuple[WooWriter, str]:
    """This process's writer for the run's target, kept between batches for its connection pool and
    its taxonomy cache (keyed by the sealed credentials, so new credentials get a new writer)."""
    engine = make_engine()
    try:
        with sessions(engine)() as session:
            run = session.get(Run, run_id)
            assert run is not None, f"run {run_id} is gone"
            target = session.get(SavedImport, run.import_id).target
            key = (target.id, target.secrets or "")
            with _writers_lock:
                if key not in _writers:
                    spec = connection_spec(target, secret_box())
                    _writers[key] = WooWriter(open_target(spec))
                return _writers[key], target.url
    finally:
        engine.dispose()


def write_batch(run_id: int, items: list[WriteItem], slots: int) -> list[WriteResult] | BatchError:
    """An RQ job: write one batch of a run to its target, within the target's slots."""
    job = get_current_job()
    assert job is not None
    writer, target_url = _writer_for(run_id)
    try:
        with TargetSlots(job.connection, target_url, slots):
            return writer.write(items)
    except ConnectorError as error:
        return BatchError.of(error)


# -- the run side -----------------------------------------------------------------------------------
class QueuedBatchExecutor(BatchExecutor):
    """Hands a run's batches to the writes queue; `capacity` of them in flight at once."""

    def __init__(
        self, connection: Redis, run_id: int, writer: WooWriter, target_url: str, capacity: int
    ) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity}")
        self.connection = connection
        self.run_id = run_id
        self.writer = writer  # the run's own, for the batches it takes back
        self.target_url = target_url
        self.capacity = capacity
        self.queue = Queue(WRITES_QUEUE, connection=connection)
        self._pool = ThreadPoolExecutor(max_workers=capacity, thread_name_prefix="queued-batch")

    def submit(self, items: Sequence[WriteItem]) -> Future[list[WriteResult]]:
        return self._pool.submit(self._write, list(items))

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def _write(self, items: list[WriteItem]) -> list[WriteResult]:
        job = self.queue.enqueue(
            write_batch,
            self.run_id,
            items,
            self.capacity,
            job_timeout=BATCH_TIMEOUT_S,
            result_ttl=600,
            failure_ttl=86400,
        )
        outcome = self._await(job, lambda: self._write_here(items))
        if isinstance(outcome, BatchError):
            raise outcome.rebuild()
        return outcome

    def _write_here(self, items: list[WriteItem]) -> list[WriteResult]:
        with TargetSlots(self.connection, self.target_url, self.capacity):
            return self.writer.write(items)

    def _await(self, job: Job, here: Callable[[], list[WriteResult]]) -> list[WriteResult] | BatchError:
        steal_at = time.monotonic() + STEAL_AFTER_S
        while True:
            try:
                status = job.get_status(refresh=True)
            except (NoSuchJobError, InvalidJobOperation):
                status = None
            if status is None:
                # Redis lost the job (it restarted empty): nothing says what was written.
                message = f"Redis lost write batch {job.id}; the run resumes"
                return BatchError("RetriableError", message, None, None)
            if status == JobStatus.FINISHED:
                return job.return_value()
            if status in {JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}:
                # The worker died or the job raised something unexpected: nothing says what was
                # written. The run stops and is tried again; it resumes from its checkpoint and
                # adopts the batch's creates (recorded as pending before it was sent).
                message = f"the worker writing batch {job.id} stopped ({status}); the run resumes"
                return BatchError("RetriableError", message, None, None)
            if status == JobStatus.QUEUED and time.monotonic() >= steal_at and self.queue.remove(job):
                log.debug("run %s: no worker took batch %s; writing it here", self.run_id, job.id)
                try:
                    return here()
                except ConnectorError as error:
                    return BatchError.of(error)
            time.sleep(POLL_S)
