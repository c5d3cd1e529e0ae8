"""`ferry create-user EMAIL`: an account for the web app (the password is asked twice, never an argument)."""

from __future__ import annotations

import click

from jobs.accounts import AccountError, create_user, find_user, set_password
from jobs.store.database import make_engine, sessions, upgrade


@click.command("create-user")
@click.argument("email")
@click.option("--reset", is_flag=True, help="Give an existing account a new password.")
@click.password_option(help="Asked for when not given (twice); prefer the prompt: arguments show in `ps`.")
def create_user_command(email: str, reset: bool, password: str) -> None:
    """Create an account that may sign in to the web app (DATABASE_URL picks the database)."""
    engine = make_engine()
    upgrade(engine)
    try:
        with sessions(engine)() as session:
            user = find_user(session, email)
            if reset:
                if user is None:
                    raise AccountError(f"no account for {email.strip()}; leave out --reset to create it")
                set_password(user, password)
            else:
                user = create_user(session, email, password)
            session.commit()
            click.echo(f"{'new password set for' if reset else 'created'} {user.email}")
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    finally:
        engine.dispose()
