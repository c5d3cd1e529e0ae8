"""Acting on a webhook delivery: find the connections it is for, record it once, queue targeted runs.

`receive` changes rows only; the caller commits, then enqueues the runs it names (as with
jobs/control.py), so a job never looks for a run that is not there yet.

Platforms deliver at least once, so every delivery is recorded in `webhook_events` by its event id
and a repeat is dropped by the table's unique constraint (an insert that the constraint turns into
nothing, never a read-then-write, so two copies arriving together cannot both pass). The key is per
connection: one event reaches each connection whose app signed it, and a second app on the same
shop still gets its own copy through.

A product's deletion queues a targeted run too, and the pipeline does nothing with it today: the run
reads what changed since the import's watermark, narrowed to that id, finds no such product and
ends with nothing written. Vanished products are only looked for by full runs of the whole catalog
(jobs/pipeline.py `_handle_vanished`), so the deleted product's Woo copy is drafted or trashed,
as `options.vanished` says, on the next full run.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from jobs.control import RunRefused, start_run
from jobs.saved_imports import webhook_secrets
from jobs.secrets import SecretBox
from jobs.store.models import (
    Connection,
    ConnectionKind,
    Run,
    RunScope,
    RunStatus,
    RunTrigger,
    SavedImport,
    WebhookEvent,
)
from jobs.webhooks import Delivery, ProductEvent, Receiver

log = logging.getLogger(__name__)

# INSERT ... ON CONFLICT DO NOTHING, per database. Not a savepoint and IntegrityError: pysqlite
# releases an outermost SAVEPOINT as a commit, which would record the event before its runs exist.
_INSERT_UNLESS_PRESENT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class Outcome(enum.StrEnum):
    QUEUED = "queued"  # runs queued, or the product added to runs already waiting
    DUPLICATE = "duplicate"  # acted on before
    IGNORED = "ignored"  # authentic, nothing to do: a topic Ferry does not import, no enabled import
    UNVERIFIED = "unverified"  # no connection's webhook secret verifies the signature
    UNKNOWN_STORE = "unknown_store"  # signed with a secret Ferry holds, for a store it has no connection to


@dataclass(frozen=True)
class Receipt:
    outcome: Outcome
    queued: tuple[int, ...] = ()  # new runs: the caller enqueues them after committing


def receivers(session: Session, box: SecretBox, delivery: Delivery, now: datetime) -> list[Receiver]:
    """The platform's source connections that have credentials, with the webhook secrets they accept."""
    connections = session.scalars(
        select(Connection)
        .where(
            Connection.kind == ConnectionKind.SOURCE,
            Connection.platform == delivery.platform.value,
            Connection.secrets.is_not(None),
        )
        .order_by(Connection.id)
    )
    return [
        Receiver(c.id, c.url, c.settings.get("store_hash"), tuple(webhook_secrets(c, box, now)))
        for c in connections
    ]


def receive(session: Session, box: SecretBox, delivery: Delivery, now: datetime | None = None) -> Receipt:
    """Verify the delivery, then record it and queue what it asks for. Raises MalformedDelivery for
    an authentic delivery that cannot be read."""
    now = now or datetime.now(UTC)
    verified = delivery.verified_by(receivers(session, box, delivery, now), now)
    if not verified:
        log.warning(
            "%s webhook refused: its signature does not verify (%s)", delivery.platform, delivery.describe()
        )
        return Receipt(Outcome.UNVERIFIED)
    recipients = delivery.for_store(verified)
    if not recipients:
        log.warning("%s webhook for a store with no connection (%s)", delivery.platform, delivery.describe())
        return Receipt(Outcome.UNKNOWN_STORE)
    event = delivery.event()
    if event.product_id is None:
        log.info(
            "%s webhook %s ignored: Ferry imports nothing from this topic", delivery.platform, event.topic
        )
        return Receipt(Outcome.IGNORED)
    fresh = [
        r.connection_id for r in recipients if _first_time(session, delivery, r.connection_id, event, now)
    ]
    if not fresh:
        log.info("%s webhook %s %s: a duplicate, dropped", delivery.platform, event.topic, event.event_id)
        return Receipt(Outcome.DUPLICATE)
    queued, merged = _targeted_runs(session, fresh, event.product_id)
    log.info(
        "%s webhook %s for product %s: runs %s queued, %s extended",
        delivery.platform,
        event.topic,
        event.product_id,
        list(queued),
        list(merged),
    )
    return Receipt(Outcome.QUEUED if queued or merged else Outcome.IGNORED, queued)


def _first_time(
    session: Session, delivery: Delivery, connection_id: int, event: ProductEvent, now: datetime
) -> bool:
    """Record the event for this connection; False when it was recorded before (or is being
    recorded by a copy arriving at the same moment: PostgreSQL makes this insert wait for it)."""
    insert = _INSERT_UNLESS_PRESENT[session.get_bind().dialect.name]
    recorded = session.scalar(
        insert(WebhookEvent)
        .values(
            platform=delivery.platform.value, event_id=f"{connection_id}:{event.event_id}", received_at=now
        )
        .on_conflict_do_nothing(index_elements=["platform", "event_id"])
        .returning(WebhookEvent.id)  # a row only when inserted (rowcount is -1 under psycopg)
    )
    return recorded is not None


def _targeted_runs(
    session: Session, connection_ids: list[int], product_id: str
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """One products run per enabled saved import reading these stores: (new runs, extended runs)."""
    queued: list[int] = []
    merged: list[int] = []
    for saved in session.scalars(
        select(SavedImport)
        .where(SavedImport.source_id.in_(connection_ids), SavedImport.enabled)
        .order_by(SavedImport.id)
    ):
        waiting = _waiting_webhook_run(session, saved.id)
        if waiting is not None:
            # A burst of changes (a bulk edit) becomes one run per import, not one per product.
            waiting.product_ids = sorted({*(waiting.product_ids or []), product_id})
            merged.append(waiting.id)
            continue
        try:
            run = start_run(session, saved, RunTrigger.WEBHOOK, RunScope.PRODUCTS, [product_id])
        except RunRefused as refused:
            log.info("saved import %s: no webhook run: %s", saved.id, refused)
            continue
        queued.append(run.id)
    return tuple(queued), tuple(merged)


def _waiting_webhook_run(session: Session, import_id: int) -> Run | None:
    """A webhook run of this import that no worker has claimed yet, locked until the commit.

    The lock (FOR UPDATE on PostgreSQL; on SQLite the webhook_events insert before it already holds
    the database's one write lock) keeps two deliveries from extending it at once, each losing the
    other's product, and makes a worker's claim (a conditional UPDATE of the same row) wait until the
    new id is committed. A run claimed first is no longer queued and not found here.
    """
    return session.scalar(
        select(Run)
        .where(
            Run.import_id == import_id,
            Run.status == RunStatus.QUEUED,
            Run.trigger == RunTrigger.WEBHOOK,
            Run.scope == RunScope.PRODUCTS,
            Run.dry_run.is_(False),
        )
        .order_by(Run.id)
        .limit(1)
        .with_for_update()
    )
