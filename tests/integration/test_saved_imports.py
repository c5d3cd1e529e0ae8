"""Saved connections and imports on both databases: secrets sealed at rest, definitions round-trip,
TOML export without secrets, key rotation, disconnection."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from jobs.definition import DefinitionError, ImportDefinition
from jobs.saved_imports import (
    definition_of,
    disconnect,
    export_toml,
    import_toml,
    public_settings,
    rotate_secrets,
)
from jobs.secrets import SecretBox, SecretKeyError, configured_keys, key_file
from jobs.store.database import make_engine, sessions, upgrade
from jobs.store.models import Connection, SavedImport
from tests.databases import KINDS, database

SHOPIFY_TOKEN = "shpat_0123456789abcdef0123456789abcdef"
WOO_KEY = "ck_1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c"
WOO_SECRET = "cs_9a8b7c6d5e4f30219a8b7c6d5e4f30219a8b7c6d"
MAGENTO_PASSWORD = "magento-Pa55word-only-here"
SECRETS = (SHOPIFY_TOKEN, WOO_KEY, WOO_SECRET, MAGENTO_PASSWORD)

DEFINITION = f"""
name = "Shopify to Woo"

[source]
platform = "shopify"
url = "mystore.myshopify.com"
token = "{SHOPIFY_TOKEN}"
api = "rest"

[target]
url = "https://woo.example.com"
key = "{WOO_KEY}"
secret = "{WOO_SECRET}"

[filters]
match = "all"
rules = [{{ field = "vendor", op = "in", value = ["Acme"] }}]

[mapping.regular_price]
from = "price"
transforms = [{{ name = "markup_percent", value = "10" }}]

[options]
mode = "create_and_update"
vanished = "draft"
"""

MAGENTO = f"""
[source]
platform = "magento"
url = "https://magento.example.com"
username = "admin"
password = "{MAGENTO_PASSWORD}"
store_view = "fr"

[target]
url = "https://woo.example.com"
key = "{WOO_KEY}"
secret = "{WOO_SECRET}"
"""


@pytest.fixture(params=KINDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with database(request.param, tmp_path) as engine:
        upgrade(engine)
        yield engine


@pytest.fixture
def db(engine: Engine) -> sessionmaker[Session]:
    return sessions(engine)


@pytest.fixture
def box() -> SecretBox:
    return SecretBox([Fernet.generate_key()])


def save(db: sessionmaker[Session], box: SecretBox, text_: str) -> int:
    with db() as session:
        saved = import_toml(session, box, text_)
        session.commit()
        return saved.id


def test_a_saved_import_runs_the_definition_it_was_saved_from(
    db: sessionmaker[Session], box: SecretBox
) -> None:
    original = ImportDefinition.from_toml(DEFINITION)
    import_id = save(db, box, DEFINITION)
    with db() as session:
        again = definition_of(session.get(SavedImport, import_id), box)
    assert again == original


def test_connections_are_shared_between_imports_of_the_same_stores(
    db: sessionmaker[Session], box: SecretBox
) -> None:
    first, second = save(db, box, DEFINITION), save(db, box, MAGENTO)
    with db() as session:
        one, two = session.get(SavedImport, first), session.get(SavedImport, second)
        assert one.target_id == two.target_id
        assert one.source_id != two.source_id
        assert session.scalar(select(Connection).where(Connection.id == two.source_id)).settings == {
            "username": "admin",
            "store_view": "fr",
            "api": "graphql",
        }


def test_no_secret_is_stored_in_plain_text(
    db: sessionmaker[Session], box: SecretBox, engine: Engine, tmp_path: Path
) -> None:
    save(db, box, DEFINITION)
    save(db, box, MAGENTO)
    if engine.dialect.name == "sqlite":
        engine.dispose()  # checkpoint the WAL into the file
        dumped = b"".join(path.read_bytes() for path in tmp_path.glob("ferry.db*"))
    else:
        url = engine.url
        dumped = subprocess.run(
            ["pg_dump", "-h", url.host, "-U", url.username, url.database],
            capture_output=True,
            check=True,
        ).stdout
    assert b"mystore.myshopify.com" in dumped  # the dump is readable: the check below can fail
    for secret in SECRETS:
        assert secret.encode() not in dumped


def test_what_is_shown_of_a_connection_names_its_secrets_without_their_values(
    db: sessionmaker[Session], box: SecretBox
) -> None:
    import_id = save(db, box, MAGENTO)
    with db() as session:
        shown = public_settings(session.get(SavedImport, import_id).source)
    assert shown["credentials"] == ["password"]
    assert MAGENTO_PASSWORD not in repr(shown)


def test_export_writes_env_references_and_imports_back(
    db: sessionmaker[Session], box: SecretBox, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_id = save(db, box, DEFINITION)
    with db() as session:
        exported = export_toml(session.get(SavedImport, import_id))
    for secret in SECRETS:
        assert secret not in exported
    assert 'token = "env:SHOPIFY_TOKEN"' in exported
    assert 'secret = "env:WOO_SECRET"' in exported
    monkeypatch.setenv("SHOPIFY_TOKEN", SHOPIFY_TOKEN)
    monkeypatch.setenv("WOO_KEY", WOO_KEY)
    monkeypatch.setenv("WOO_SECRET", WOO_SECRET)
    again, original = ImportDefinition.from_toml(exported), ImportDefinition.from_toml(DEFINITION)
    assert again.source.resolved() == original.source
    assert again.target.resolved() == original.target
    assert (again.name, again.filters, again.mapping, again.options) == (
        original.name,
        original.filters,
        original.mapping,
        original.options,
    )


def test_rotation_re_encrypts_under_the_new_key(db: sessionmaker[Session]) -> None:
    first = Fernet.generate_key()
    second = Fernet.generate_key()
    import_id = save(db, SecretBox([first]), DEFINITION)
    with db() as session:
        assert rotate_secrets(session, SecretBox([second, first])) == 2
        session.commit()
    with db() as session:
        saved = session.get(SavedImport, import_id)
        assert definition_of(saved, SecretBox([second])).source.token == SHOPIFY_TOKEN
        with pytest.raises(SecretKeyError, match="cannot be decrypted"):
            definition_of(saved, SecretBox([first]))


def test_a_disconnected_connection_says_so_when_run(db: sessionmaker[Session], box: SecretBox) -> None:
    import_id = save(db, box, DEFINITION)
    with db() as session:
        saved = session.get(SavedImport, import_id)
        disconnect(saved.source)
        session.commit()
        with pytest.raises(DefinitionError, match=r"source: the connection .* was disconnected"):
            definition_of(saved, box)


def test_the_key_file_is_made_once_with_owner_only_permissions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FERRY_SECRET_KEY", raising=False)
    keys = configured_keys(tmp_path)
    assert configured_keys(tmp_path) == keys
    assert stat.S_IMODE(os.stat(key_file(tmp_path)).st_mode) == 0o600


def test_a_malformed_key_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FERRY_SECRET_KEY", "not-a-key")
    with pytest.raises(SecretKeyError, match="malformed key"):
        SecretBox(configured_keys())


def test_ferry_rotate_key_with_the_key_file(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"FERRY_SECRET_KEY", "DATABASE_URL"}}
    env["FERRY_DATA_DIR"] = str(tmp_path)
    definition = tmp_path / "import.toml"
    definition.write_text(DEFINITION)
    ferry = str(Path(sys.executable).parent / "ferry")

    def ferry_run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([ferry, *args], env=env, capture_output=True, text=True, timeout=120)

    assert ferry_run("imports", "save", str(definition)).returncode == 0
    before = (tmp_path / "secret.key").read_text().split()
    rotated = ferry_run("rotate-key", "--drop-old-keys")
    assert rotated.returncode == 0, rotated.stderr
    assert "re-encrypted 2 connection secret(s)" in rotated.stdout
    after = (tmp_path / "secret.key").read_text().split()
    assert len(after) == 1 and after != before
    exported = ferry_run("imports", "export", "1")
    assert exported.returncode == 0 and 'token = "env:SHOPIFY_TOKEN"' in exported.stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'ferry.db'}")
    try:
        with sessions(engine)() as session:
            saved = session.get(SavedImport, 1)
            assert definition_of(saved, SecretBox(after)).target.secret == WOO_SECRET
    finally:
        engine.dispose()
