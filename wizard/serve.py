"""`ferry web`: serve the web app with waitress, a production-grade pure-Python WSGI server.

For a public deployment run it behind a TLS-terminating proxy, or use gunicorn
(`gunicorn 'app:create_app()'`), as the README describes.
"""

from __future__ import annotations

import signal
from types import FrameType

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("web")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="Worker threads.")
@with_appcontext
def web_command(host: str, port: int, threads: int) -> None:
    """Serve the web app (sign in with an account from `ferry create-user`)."""
    from waitress import serve  # only this command needs it

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop_on_signals()
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Ferry is at http://{shown}:{port}/  (Ctrl-C stops it)")
    serve(app, host=host, port=port, threads=threads, ident="Ferry")


def stop_on_signals() -> None:
    """Ctrl-C and SIGTERM stop the server. A process started in the background by a shell inherits
    SIGINT ignored, and Python then installs no KeyboardInterrupt handler: put it back."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
