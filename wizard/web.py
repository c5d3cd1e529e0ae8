"""The browser side of the app, registered by `create_app`: security, sign-in and the wizard."""

from __future__ import annotations

from flask import Flask

from wizard import auth, security, views


def init_app(app: Flask) -> None:
    security.init_app(app)
    auth.init_app(app)
    views.init_app(app)
