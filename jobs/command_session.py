"""The database session a terminal command works in: the schema brought up to date first."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from jobs.store.database import make_engine, sessions, upgrade


@contextmanager
def command_session() -> Iterator[Session]:
    """A session on `DATABASE_URL` (or the default SQLite file); the caller commits."""
    engine = make_engine()
    upgrade(engine)
    try:
        with sessions(engine)() as session:
            yield session
    finally:
        engine.dispose()
