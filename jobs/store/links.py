"""Repository functions for links and import states: the only code that queries those tables."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs.store.models import ImportState, Link

# SQLite allows 32,766 bound parameters and PostgreSQL 65,535; stay far below both.
CHUNK = 500


@dataclass(frozen=True)
class LinkUpdate:
    source_key: str
    kind: str
    woo_id: int
    parent_woo_id: int | None = None
    content_hash: str | None = None
    snapshot: Mapping[str, Any] | None = None


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def find_links(session: Session, target: str, source_keys: Iterable[str]) -> dict[str, Link]:
    keys = sorted(set(source_keys))
    found: dict[str, Link] = {}
    for chunk in _chunks(keys):
        rows = session.scalars(select(Link).where(Link.target == target, Link.source_key.in_(chunk)))
        found.update({row.source_key: row for row in rows})
    return found


def save_links(session: Session, target: str, updates: Iterable[LinkUpdate], now: datetime) -> None:
    """Insert or update links (the caller commits, together with its checkpoint)."""
    pending = list(updates)
    existing = find_links(session, target, [update.source_key for update in pending])
    for update in pending:
        link = existing.get(update.source_key)
        if link is None:
            link = Link(target=target, source_key=update.source_key)
            session.add(link)
            existing[update.source_key] = link
        link.kind = update.kind
        link.woo_id = update.woo_id
        link.parent_woo_id = update.parent_woo_id
        if update.content_hash is not None:
            link.content_hash = update.content_hash
            link.snapshot = dict(update.snapshot) if update.snapshot is not None else None
        link.synced_at = now


def forget_hashes(session: Session, target: str, source_keys: Iterable[str]) -> None:
    """Make these products write again next time (after a failed write, say)."""
    for link in find_links(session, target, source_keys).values():
        link.content_hash = None


def product_links(session: Session, target: str, prefix: str) -> Iterator[Link]:
    """Every product link of one source store in one target, streamed."""
    query = (
        select(Link)
        .where(
            Link.target == target, Link.kind == "product", Link.source_key.startswith(prefix, autoescape=True)
        )
        .order_by(Link.id)
        .execution_options(yield_per=1000)
    )
    yield from session.scalars(query)


def import_state(session: Session, key: str) -> ImportState:
    state = session.scalar(select(ImportState).where(ImportState.key == key))
    if state is None:
        state = ImportState(key=key)
        session.add(state)
        session.flush()
    return state
