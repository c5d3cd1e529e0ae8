"""The link store on both databases Ferry supports: SQLite by default, PostgreSQL when configured."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from jobs.store.database import database_url, sessions, upgrade
from jobs.store.links import LinkUpdate, find_links, forget_hashes, import_state, product_links, save_links
from tests.databases import KINDS, database


@pytest.fixture(params=KINDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with database(request.param, tmp_path) as engine:
        upgrade(engine)
        upgrade(engine)  # migrations are idempotent
        yield sessions(engine)


NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_links_insert_update_and_find(db: sessionmaker[Session]) -> None:
    with db() as session:
        save_links(
            session,
            "https://woo",
            [LinkUpdate("shopify:s:1", "product", 10, content_hash="a", snapshot={"n": 1})],
            NOW,
        )
        session.commit()
    with db() as session:
        save_links(session, "https://woo", [LinkUpdate("shopify:s:1", "product", 11, content_hash="b")], NOW)
        save_links(
            session, "https://woo", [LinkUpdate("shopify:s:1/v", "variation", 12, parent_woo_id=11)], NOW
        )
        session.commit()
    with db() as session:
        found = find_links(session, "https://woo", ["shopify:s:1", "shopify:s:1/v", "missing"])
        assert {key: (link.woo_id, link.content_hash) for key, link in found.items()} == {
            "shopify:s:1": (11, "b"),
            "shopify:s:1/v": (12, None),
        }
        assert found["shopify:s:1"].synced_at == NOW  # aware UTC back from both databases
        assert find_links(session, "https://other", ["shopify:s:1"]) == {}


def test_many_links_are_found_in_chunks(db: sessionmaker[Session]) -> None:
    keys = [f"magento:m:{n}" for n in range(1200)]
    with db() as session:
        save_links(session, "t", [LinkUpdate(key, "product", n) for n, key in enumerate(keys)], NOW)
        session.commit()
    with db() as session:
        assert len(find_links(session, "t", keys)) == 1200
        assert sum(1 for _ in product_links(session, "t", "magento:m:")) == 1200
        # "magento:m:1" starts 1, 10-19, 100-199 and 1000-1199
        assert sum(1 for _ in product_links(session, "t", "magento:m:1")) == 1 + 10 + 100 + 200


def test_prefix_search_treats_wildcards_literally(db: sessionmaker[Session]) -> None:
    with db() as session:
        save_links(session, "t", [LinkUpdate("a_b:1", "product", 1), LinkUpdate("axb:1", "product", 2)], NOW)
        session.commit()
        assert [link.woo_id for link in product_links(session, "t", "a_b:")] == [1]


def test_forget_hashes_and_import_state(db: sessionmaker[Session]) -> None:
    with db() as session:
        save_links(session, "t", [LinkUpdate("k", "product", 1, content_hash="h")], NOW)
        state = import_state(session, "shopify->woo")
        state.watermark = NOW - timedelta(hours=1)
        state.checkpoint = {"token": "abc", "counts": {"created": 3}}
        session.commit()
    with db() as session:
        forget_hashes(session, "t", ["k"])
        session.commit()
    with db() as session:
        assert find_links(session, "t", ["k"])["k"].content_hash is None
        state = import_state(session, "shopify->woo")
        assert state.watermark == NOW - timedelta(hours=1)
        assert state.checkpoint == {"token": "abc", "counts": {"created": 3}}


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param({"DATABASE_URL": "postgres://u@h/db"}, "postgresql+psycopg://u@h/db", id="heroku-style"),
        pytest.param({"DATABASE_URL": "postgresql://u@h/db"}, "postgresql+psycopg://u@h/db", id="postgresql"),
        pytest.param({"DATABASE_URL": "sqlite:////x/y.db"}, "sqlite:////x/y.db", id="sqlite"),
    ],
)
def test_database_url_from_the_environment(monkeypatch: pytest.MonkeyPatch, env: dict, expected: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert database_url() == expected


def test_default_database_lives_in_the_data_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("FERRY_DATA_DIR", str(tmp_path / "ferry-data"))
    assert database_url() == f"sqlite:///{tmp_path / 'ferry-data' / 'ferry.db'}"
    assert (tmp_path / "ferry-data").is_dir()
