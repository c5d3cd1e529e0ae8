"""Connector errors, sorted by what the caller should do about them.

    RetriableError  try again later: 429, 5xx, timeouts, resets, a body cut short
    AuthError       tell the user to fix the credentials or permissions: 401, 403
    FatalError      the request itself is wrong; retrying cannot help: other 4xx
    RefusedError    the network guard would not connect (plain http, a private address)
    AmbiguousWriteError  a write may or may not have happened: reconcile before any retry

Every message is already redacted: no token, key, secret or password ever reaches it.
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of every error a connector raises; `status` is the HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None, url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.url = url


class RetriableError(ConnectorError):
    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        url: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, url=url)
        self.retry_after = retry_after


class AuthError(ConnectorError):
    pass


class FatalError(ConnectorError):
    pass


class RefusedError(ConnectorError):
    pass


class AmbiguousWriteError(ConnectorError):
    pass


class MalformedPayloadError(RetriableError):
    """The platform answered 2xx with a body that is not the JSON it promises."""
