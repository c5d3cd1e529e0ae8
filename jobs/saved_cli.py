"""`ferry rotate-key` and `ferry imports save|export|list`: saved imports from the terminal."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from cryptography.fernet import Fernet
from sqlalchemy import select

from jobs.command_session import command_session
from jobs.definition import DefinitionError
from jobs.saved_imports import export_toml, import_toml, rotate_secrets
from jobs.secrets import SecretBox, SecretKeyError, configured_keys, key_file, write_key_file
from jobs.store.models import SavedImport

EXIT_BAD_INPUT = 2


@click.command("rotate-key")
@click.option("--drop-old-keys", is_flag=True, help="Forget the old keys once every secret uses the new one.")
def rotate_key_command(drop_old_keys: bool) -> None:
    """Encrypt every stored secret under a new key.

    With FERRY_SECRET_KEY set, put the new key first (FERRY_SECRET_KEY=NEW,OLD) on every machine,
    then run this; afterwards the old key can be removed from the variable. With the key file,
    Ferry makes the new key itself.
    """
    using_file = not os.environ.get("FERRY_SECRET_KEY", "").strip()
    keys = configured_keys()
    if using_file:
        keys = [Fernet.generate_key().decode(), *keys]
        write_key_file(key_file(), keys)  # old keys stay until every secret is re-encrypted
    elif len(keys) < 2:
        click.echo(
            "error: FERRY_SECRET_KEY holds one key. Set FERRY_SECRET_KEY=NEW,OLD everywhere Ferry runs "
            f"(a new key: {Fernet.generate_key().decode()}), then run `ferry rotate-key` again.",
            err=True,
        )
        sys.exit(EXIT_BAD_INPUT)
    try:
        with command_session() as session:
            count = rotate_secrets(session, SecretBox(keys))
            session.commit()
    except SecretKeyError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    if using_file and drop_old_keys:
        write_key_file(key_file(), keys[:1])
    where = "the key file" if using_file else "the first key of FERRY_SECRET_KEY"
    click.echo(f"re-encrypted {count} connection secret(s) under {where}")
    if not using_file:
        click.echo("the old key(s) can now be removed from FERRY_SECRET_KEY")


@click.group("imports")
def imports_group() -> None:
    """Saved imports: save a TOML definition, export one, list them."""


@imports_group.command("save")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def save_command(file: Path) -> None:
    """Save an import definition (its env: secrets are read now and stored encrypted)."""
    try:
        with command_session() as session:
            saved = import_toml(session, SecretBox(configured_keys()), file.read_text())
            session.commit()
            click.echo(f"saved import {saved.id}: {saved.name}")
    except (DefinitionError, SecretKeyError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_BAD_INPUT)


@imports_group.command("export")
@click.argument("import_id", type=int)
def export_command(import_id: int) -> None:
    """Print a saved import as the TOML file `ferry import` runs (secrets as env: references)."""
    with command_session() as session:
        saved = session.get(SavedImport, import_id)
        if saved is None:
            click.echo(f"error: no saved import {import_id}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        click.echo(export_toml(saved), nl=False)


@imports_group.command("list")
def list_command() -> None:
    """The saved imports, one a line."""
    with command_session() as session:
        for saved in session.scalars(select(SavedImport).order_by(SavedImport.id)):
            state = "enabled" if saved.enabled else f"paused ({saved.paused_reason or 'by hand'})"
            click.echo(f"{saved.id}\t{saved.name}\t{saved.source.platform} -> {saved.target.url}\t{state}")
