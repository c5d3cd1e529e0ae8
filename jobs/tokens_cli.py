"""`ferry token create|revoke|list`: API tokens from the terminal (the token is printed once)."""

from __future__ import annotations

import sys
from datetime import datetime

import click

from jobs.command_session import command_session
from jobs.store.models import TokenScope
from jobs.tokens import TokenError, create_token, list_tokens, revoke_token

EXIT_BAD_INPUT = 2


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


@click.group("token")
def token_group() -> None:
    """API tokens for the JSON API under /api/v1."""


@token_group.command("create")
@click.argument("name")
@click.option(
    "--scope",
    type=click.Choice([scope.value for scope in TokenScope]),
    default=TokenScope.READ.value,
    show_default=True,
    help="read: GET requests only; write: also start, cancel and retry runs and test connections.",
)
def create_command(name: str, scope: str) -> None:
    """Make a token and print it once."""
    try:
        with command_session() as session:
            row, token = create_token(session, name, scope)
            session.commit()
    except TokenError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    click.echo(token)
    click.echo(
        f"API token {row.id} ({row.name!r}, scope {row.scope.value}) created. Copy it now: it is not "
        "shown again, and Ferry keeps only its hash. Send it as `Authorization: Bearer <token>`.",
        err=True,
    )


@token_group.command("revoke")
@click.argument("reference", metavar="ID")
def revoke_command(reference: str) -> None:
    """Revoke a token by its id or display prefix (as `ferry token list` shows them)."""
    try:
        with command_session() as session:
            row = revoke_token(session, reference)
            session.commit()
    except TokenError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    click.echo(f"revoked API token {row.id} ({row.prefix}..., {row.name!r})")


@token_group.command("list")
def list_command() -> None:
    """The tokens, one a line (never the token itself)."""
    with command_session() as session:
        rows = list_tokens(session)
    click.echo("id\tprefix\tscope\tname\tcreated\tlast used\trevoked")
    for row in rows:
        click.echo(
            f"{row.id}\t{row.prefix}...\t{row.scope.value}\t{row.name}\t{_when(row.created_at)}\t"
            f"{_when(row.last_used_at)}\t{_when(row.revoked_at)}"
        )
