"""One run of a saved import on a worker: claim it, run the pipeline, keep the run row current.

The RQ job (jobs/tasks.py) passes only the run's id: the definition and its secrets are read
from the database here, so no secret is ever in a job's arguments or in Redis.

While the pipeline works, a heartbeat thread stamps the run every few seconds and reads its cancel
flag; a run whose heartbeat stops (its worker was killed, its machine lost) is taken over by
another worker (jobs/watchdog.py) and resumes from the pipeline's checkpoint. Transient failures
(source down, target overloaded) put the run back in the queue with a growing delay; permanent
ones (revoked credentials, a definition that no longer holds) fail it at once with what to do.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy.orm import Session, sessionmaker

from connectors.base import SourceConnector
from connectors.errors import AuthError, ConnectorError, RefusedError, RetriableError
from connectors.woocommerce import WooWriter
from jobs.connect import open_source, open_target, source_prefix
from jobs.definition import DefinitionError, FilterRule, FilterSpec, ImportDefinition, Match
from jobs.distributed import QueuedBatchExecutor
from jobs.pipeline import WATERMARK_OVERLAP, Pipeline, PlannedItem, RunCounts, RunOptions, RunResult
from jobs.saved_imports import definition_of, mark_checked
from jobs.secrets import SecretBox, SecretKeyError
from jobs.store import runs as repo
from jobs.store.links import import_state
from jobs.store.models import Connection, Run, RunScope, RunStatus, RunTrigger, SavedImport

log = logging.getLogger(__name__)

HEARTBEAT_S = 5.0
# A run not heard from for this long is taken to be dead (its worker was killed): the watchdog
# looks every few seconds, so a dead run is found within a minute.
STALL_AFTER = timedelta(seconds=30)
PROGRESS_EVERY_S = 1.0
RETRY_DELAYS_S = (10, 60, 300)  # transient failures: try again later, then give up


class RunStopped(Exception):
    """The run was cancelled, or taken over by another worker: stop without touching its row."""


@dataclass(frozen=True)
class Outcome:
    """What the worker should do after a run: nothing more, or enqueue it again after a delay."""

    status: RunStatus
    retry_in_s: float | None = None


def state_key(saved_id: int, scope: RunScope) -> str:
    """Where a saved import's watermark and checkpoint live. A targeted run keeps its own, so a
    killed one can never hand its checkpoint to a full or incremental run."""
    return f"saved:{saved_id}" + (":products" if scope is RunScope.PRODUCTS else "")


def scoped_definition(definition: ImportDefinition, run: Run) -> ImportDefinition:
    if run.scope is RunScope.PRICES:
        options = dataclasses.replace(definition.options, update_fields=("prices", "stock"))
        return dataclasses.replace(definition, options=options)
    if run.scope is RunScope.PRODUCTS:
        wanted = FilterRule("id", "in", list(run.product_ids or []))
        if definition.filters.match is Match.ALL:
            filters = dataclasses.replace(definition.filters, rules=(*definition.filters.rules, wanted))
        else:  # any-of rules cannot take one more condition: the targeted ids must also match them
            filters = FilterSpec(rules=(wanted,), limit=definition.filters.limit)
        return dataclasses.replace(definition, filters=filters)
    return definition


class RunExecution:
    """Executes one claimed run. `worker` names this worker in the run row (the heartbeat's owner)."""

    def __init__(
        self,
        run_id: int,
        sessions: sessionmaker[Session],
        box: SecretBox,
        worker: str,
        redis: Redis | None = None,
    ) -> None:
        self.run_id = run_id
        self.redis = redis  # given on a worker: the run's write batches are shared with the others
        self.sessions = sessions
        self.box = box
        self.worker = worker
        self._stop = threading.Event()
        self._stopped_reason: str | None = None
        self._last_progress = 0.0
        self._failures_saved = 0  # how many of the pipeline's failures are in the database
        self._phase = "importing"

    # -- the run ------------------------------------------------------------------------------
    def execute(self) -> Outcome:
        with self.sessions() as session:
            if not repo.claim(session, self.run_id, self.worker):
                session.rollback()
                return Outcome(self._status())
            session.commit()
        beating = threading.Thread(target=self._heartbeat, name=f"run-{self.run_id}-heartbeat", daemon=True)
        beating.start()
        try:
            return self._execute()
        finally:
            self._stop.set()
            beating.join()

    def _status(self) -> RunStatus:
        with self.sessions() as session:
            run = session.get(Run, self.run_id)
            return run.status if run else RunStatus.CANCELLED

    def _execute(self) -> Outcome:
        with self.sessions() as session:
            run = session.get(Run, self.run_id)
            saved = session.get(SavedImport, run.import_id)
            self._log(session, "info", f"started on {self.worker} (attempt {run.attempts})")
            session.commit()
            try:
                definition = scoped_definition(definition_of(saved, self.box), run)
            except (DefinitionError, SecretKeyError) as error:
                return self._fail(f"{error}. Fix the saved import, then run it again.")
            scope, dry_run = run.scope, run.dry_run
            self._phase = "planning" if dry_run else "importing"
            # A webhook's products changed since the last run: read only that; a retry's failed
            # items may not have changed at all: read everything, keep only them.
            webhook = scope is RunScope.PRODUCTS and run.trigger is RunTrigger.WEBHOOK
            since = self._targeted_since(session, saved.id) if webhook else None
        try:
            source, target = open_source(definition.source), open_target(definition.target)
        except DefinitionError as error:
            return self._fail(f"{error}. Fix the saved import, then run it again.")
        writer = WooWriter(target, adopt_by_sku=definition.options.match_by == "sku")
        executor = (
            QueuedBatchExecutor(self.redis, self.run_id, writer, definition.target.url, writer.workers)
            if self.redis is not None
            else None
        )
        options = RunOptions(
            full=scope in {RunScope.FULL, RunScope.PRICES} or (scope is RunScope.PRODUCTS and not webhook),
            dry_run=dry_run,
            keep_watermark=scope is RunScope.PRODUCTS,
            since=since,
        )
        pipeline = Pipeline(
            definition,
            source,
            writer,
            self.sessions,
            source_prefix(source),
            options,
            progress=lambda counts: self._progress(counts, source, writer, pipeline.failures),
            executor=executor,
            state_key=state_key(run.import_id, scope),
            reading=lambda since: self._reading(source, since, targeted=scope is RunScope.PRODUCTS),
        )
        try:
            result = pipeline.run()
        except RunStopped:
            return self._stopped()
        except (AuthError, RefusedError) as error:
            self._mark_connection(error)
            return self._fail(f"{error.message}. Check the store's credentials and address, then resume.")
        except RetriableError as error:
            return self._retry(error.message)
        except ConnectorError as error:
            return self._fail(error.message)
        except RedisError as error:  # the queue went away under the run's write batches
            return self._retry(f"Redis was unreachable ({type(error).__name__})")
        except Exception:
            log.exception("run %s stopped on an unexpected error", self.run_id)
            return self._fail(
                "an unexpected error stopped the run (the worker's log has the details); "
                "its checkpoint is kept, so running it again resumes it"
            )
        finally:
            if executor is not None:
                executor.close()
            source.close()
            writer.close()
        return self._succeed(result)

    def _targeted_since(self, session: Session, saved_id: int) -> Any:
        """A targeted run reads what changed since the import's last run (where the webhook's
        products are), without moving that watermark."""
        watermark = import_state(session, state_key(saved_id, RunScope.INCREMENTAL)).watermark
        return watermark - WATERMARK_OVERLAP if watermark else None

    # -- while it runs ------------------------------------------------------------------------
    def _heartbeat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            try:
                with self.sessions() as session:
                    stop = repo.beat(session, self.run_id, self.worker)
                    session.commit()
            except Exception:  # a database blip: the next beat tries again
                log.warning("run %s: heartbeat failed", self.run_id, exc_info=True)
                continue
            if stop:
                self._stopped_reason = "cancel requested or run taken over"
                return

    def _reading(self, source: SourceConnector, since: datetime | None, targeted: bool) -> None:
        """The products the run expects (for its progress bar): the source's count of what it will
        read. A targeted run reads more than it keeps, so it has no total."""
        total = None
        if not targeted:
            try:
                total = source.count(since)
            except ConnectorError as error:  # the read that follows says what is wrong, if anything
                log.info("run %s: no product count (%s)", self.run_id, error.message)
        with self.sessions() as session:
            repo.set_total(session, self.run_id, total)
            session.commit()

    def _progress(
        self, counts: RunCounts, source: Any, writer: WooWriter, failures: Sequence[PlannedItem]
    ) -> None:
        if self._stopped_reason is not None:
            raise RunStopped(self._stopped_reason)
        moment = time.monotonic()
        if moment - self._last_progress < PROGRESS_EVERY_S:
            return
        self._last_progress = moment
        with self.sessions() as session:
            repo.save_progress(
                session, self.run_id, asdict(counts), source.requests_made, writer.requests_made, self._phase
            )
            self._save_failures(session, failures)
            repo.add_sample(session, self.run_id, counts.seen)
            session.commit()

    def _save_failures(self, session: Session, failures: Sequence[PlannedItem]) -> None:
        """The failures not saved yet: shown on the run page as they happen."""
        fresh = failures[self._failures_saved :]
        items = (repo.FailedItem(i.source_id, i.sku, i.title, i.reason or "") for i in fresh)
        repo.add_failures(session, self.run_id, items)
        self._failures_saved += len(fresh)

    # -- endings ------------------------------------------------------------------------------
    def _succeed(self, result: RunResult) -> Outcome:
        status = RunStatus.PARTIALLY_FAILED if result.counts.failed else RunStatus.SUCCEEDED
        with self.sessions() as session:
            run = session.get(Run, self.run_id)
            repo.save_progress(
                session, self.run_id, asdict(result.counts), result.source_requests, result.target_requests
            )
            self._save_failures(session, result.failures)
            if result.dry_run:
                repo.add_plan(session, self.run_id, (_plan_entry(item) for item in result.plan))
            repo.add_sample(session, self.run_id, result.counts.seen)
            repo.finish(session, run, status, warnings=result.warnings)
            self._log(
                session,
                "info",
                f"{status.value}: {result.counts.created} created, {result.counts.updated} updated, "
                f"{result.counts.unchanged} unchanged, {result.counts.failed} failed of "
                f"{result.counts.seen} read in {result.duration_s:.1f} s",
            )
            saved = session.get(SavedImport, run.import_id)
            saved.consecutive_failures = 0
            session.commit()
        return Outcome(status)

    def _stopped(self) -> Outcome:
        """Cancelled (finish it as such) or taken over by another worker (leave it to that one)."""
        with self.sessions() as session:
            run = session.get(Run, self.run_id)
            if run.status is RunStatus.RUNNING and run.worker == self.worker and run.cancel_requested:
                repo.finish(session, run, RunStatus.CANCELLED)
                self._log(session, "info", "cancelled; its checkpoint is kept, so it can be resumed")
            session.commit()
            return Outcome(run.status)

    def _fail(self, message: str) -> Outcome:
        with self.sessions() as session:
            run = session.get(Run, self.run_id)
            repo.finish(session, run, RunStatus.FAILED, error=message)
            self._log(session, "error", message)
            saved = session.get(SavedImport, run.import_id)
            saved.consecutive_failures += 1
            pause_after_failures(saved)
            session.commit()
        return Outcome(RunStatus.FAILED)

    def _retry(self, message: str) -> Outcome:
        with self.sessions() as session:
            attempts = session.get(Run, self.run_id).attempts
        if attempts > len(RETRY_DELAYS_S):
            return self._fail(f"{message} (gave up after {attempts} attempts; resume it by hand)")
        delay = RETRY_DELAYS_S[attempts - 1]
        with self.sessions() as session:
            repo.requeue(session, self.run_id, RunStatus.RUNNING, error=message)
            self._log(session, "warning", f"{message}; trying again in {delay} s (the run resumes)")
            session.commit()
        return Outcome(RunStatus.QUEUED, retry_in_s=delay)

    def _mark_connection(self, error: ConnectorError) -> None:
        with self.sessions() as session:
            run = session.get(Run, self.run_id)
            saved = session.get(SavedImport, run.import_id)
            on_target = bool(error.url and error.url.startswith(saved.target.url))
            side: Connection = saved.target if on_target else saved.source
            mark_checked(side, error.message)
            session.commit()

    def _log(self, session: Session, level: str, message: str) -> None:
        getattr(log, level)("run %s: %s", self.run_id, message)
        repo.write_log(session, self.run_id, level, message)


def _plan_entry(item: PlannedItem) -> repo.PlanEntry:
    changes = {name: {"old": _plain(old), "new": _plain(new)} for name, (old, new) in item.changes.items()}
    return repo.PlanEntry(item.source_id, item.sku, item.title, item.action.value, changes, item.reason)


def _plain(value: Any) -> Any:
    """A planned value as JSON can hold it (prices are Decimals)."""
    return json.loads(json.dumps(value, default=str))


def pause_after_failures(saved: SavedImport) -> None:
    """A scheduled import that keeps failing stops trying, and says why."""
    limit = (saved.schedule or {}).get("pause_after_failures", 5)
    if saved.schedule and saved.enabled and saved.consecutive_failures >= limit:
        saved.enabled = False
        saved.paused_reason = (
            f"paused after {saved.consecutive_failures} failed runs in a row; see the last run's error, "
            "fix it, then resume the schedule"
        )
