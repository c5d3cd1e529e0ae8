"""What the views use of the import core: the database, the secret box and the run queue.

Registered once by `init_app` (design.md §6.7: subsystems register themselves, nothing runs at
import time); views reach it through `services()`. The settings come from the app's config, which
`create_app` fills from the environment (DATABASE_URL, REDIS_URL) unless a test passes its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from flask import Flask, current_app
from redis import Redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from jobs.broker import MissingRedis, connect
from jobs.secrets import SecretBox, secret_box
from jobs.store.database import make_engine, sessions, upgrade
from jobs.tasks import enqueue_run

EXTENSION = "ferry"


@dataclass
class Services:
    engine: Engine
    redis_url: str | None
    box: SecretBox = field(repr=False)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return sessions(self.engine)

    @cached_property
    def redis(self) -> Redis:
        if not self.redis_url:
            raise MissingRedis()
        return connect(self.redis_url)

    def enqueue(self, run_id: int) -> None:
        """Queue a committed run's job."""
        enqueue_run(self.redis, run_id)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config.get("DATABASE_URL"))
    upgrade(engine)
    app.extensions[EXTENSION] = Services(
        engine=engine, redis_url=app.config.get("REDIS_URL"), box=secret_box()
    )


def services() -> Services:
    return current_app.extensions[EXTENSION]
