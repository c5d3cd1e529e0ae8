"""Ferry's application factory and its `ferry` command-line group."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup

from jobs.commands import check_command, import_command
from jobs.saved_cli import imports_group, rotate_key_command
from sandbox.cli import sandbox_command


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the web app; `config` overrides settings (tests pass their own)."""
    app = Flask(__name__)
    app.config.from_mapping(config or {})

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=False, add_version_option=False)
def cli() -> None:
    """Ferry: carry a store's catalog into WooCommerce and keep it current."""


cli.add_command(sandbox_command)
cli.add_command(check_command)
cli.add_command(import_command)
cli.add_command(rotate_key_command)
cli.add_command(imports_group)
