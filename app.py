"""Ferry's application factory and its `ferry` command-line group."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup

from jobs.accounts_cli import create_user_command
from jobs.commands import check_command, import_command
from jobs.runs_cli import run_command, runs_command
from jobs.saved_cli import imports_group, rotate_key_command
from jobs.tokens_cli import token_group
from jobs.worker import worker_command
from sandbox.cli import sandbox_command
from wizard.demo import demo_command
from wizard.serve import web_command


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the web app; `config` overrides settings (tests pass their own)."""
    app = Flask(__name__)
    app.config.from_mapping(
        DATABASE_URL=os.environ.get("DATABASE_URL"),
        REDIS_URL=os.environ.get("REDIS_URL"),
    )
    app.config.from_mapping(config or {})
    # Imported here so that `ferry worker` and the other commands never load the web side.
    from wizard import api, services, webhooks

    services.init_app(app)
    api.init_app(app)
    webhooks.init_app(app)
    from wizard import web  # sign-in, CSRF and the wizard; exempts the machine blueprints by name

    web.init_app(app)

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
cli.add_command(token_group)
cli.add_command(runs_command)
cli.add_command(run_command)
cli.add_command(worker_command)
cli.add_command(create_user_command)
cli.add_command(web_command)
cli.add_command(demo_command)
