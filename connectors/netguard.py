"""The network guard: user-entered store URLs may not reach private networks or go unencrypted.

The check runs on the address a socket actually connected to (after DNS, and again for every
connection a redirect opens), so a public name that resolves to 127.0.0.1 or a redirect to
169.254.169.254 is refused too. `FERRY_ALLOW_PRIVATE_NETWORKS=1` turns the guard off, for the
sandbox, the tests and the demo.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import socket
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from connectors.errors import RefusedError

ALLOW_ENV = "FERRY_ALLOW_PRIVATE_NETWORKS"


def private_networks_allowed() -> bool:
    return os.environ.get(ALLOW_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_scheme(url: str, allow_private: bool) -> None:
    if not allow_private and not url.lower().startswith("https://"):
        raise RefusedError(
            f"refused {url.split('?', 1)[0]}: store URLs must use https "
            f"(set {ALLOW_ENV}=1 only for local test stores)"
        )


class _Guarded:
    """Mixin for urllib3 connections: refuse the socket when its peer is not a public address."""

    def __init__(self, *args: Any, allow_private: bool = False, **kwargs: Any) -> None:
        self._allow_private = allow_private
        super().__init__(*args, **kwargs)

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()  # type: ignore[misc]
        if not self._allow_private:
            peer = sock.getpeername()[0]
            if not is_public(peer):
                sock.close()
                raise RefusedError(
                    f"refused {self.host}: it resolves to {peer}, a private, loopback or link-local "
                    f"address (set {ALLOW_ENV}=1 only for local test stores)"
                )
        return sock


class GuardedHTTPConnection(_Guarded, HTTPConnection):
    pass


class GuardedHTTPSConnection(_Guarded, HTTPSConnection):
    pass


class GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose pools open only guarded connections."""

    def __init__(self, allow_private: bool, pool_maxsize: int = 10) -> None:
        self.allow_private = allow_private
        super().__init__(pool_connections=1, pool_maxsize=pool_maxsize, max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        # Not through connection_pool_kw: urllib3 keys its pools by a fixed set of fields.
        self.poolmanager.pool_classes_by_scheme = {
            "http": functools.partial(GuardedHTTPPool, allow_private=self.allow_private),
            "https": functools.partial(GuardedHTTPSPool, allow_private=self.allow_private),
        }
