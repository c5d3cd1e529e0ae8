"""Shopify source connector: settings, and the connector that reads a store through one of two
readers, the GraphQL Admin API (graphql.py, the default: every variant) or the REST Admin API
(rest.py); mapping.py turns either shape into canonical products.

    ShopifyConnector(ShopifySettings("mystore", token)).iter_pages()
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar
from urllib.parse import urlsplit

import requests

from connectors.base import ConnectionReport, Page, SourceConnector
from connectors.errors import AuthError, FatalError
from connectors.http import RetryPolicy, StoreClient, Timeouts
from connectors.pagination import Token
from connectors.shopify.graphql import GraphQLReader
from connectors.shopify.reader import Reader
from connectors.shopify.rest import RestReader

__all__ = ["ShopifyConnector", "ShopifySettings"]

TOKEN_HEADER = "X-Shopify-Access-Token"  # "Include your token as a X-Shopify-Access-Token header"
READERS: dict[str, type[Reader]] = {"graphql": GraphQLReader, "rest": RestReader}
# Stable versions are quarterly, YYYY-01/04/07/10 (https://shopify.dev/docs/api/usage/versioning).
VERSION = re.compile(r"\d{4}-(01|04|07|10)\Z")
# The GraphQL query reads fields that exist from this release on (ShopPlan.publicDisplayName).
FIRST_GRAPHQL_VERSION = "2025-07"
SHOP_NAME = re.compile(r"[a-z0-9][a-z0-9-]*\Z", re.IGNORECASE)
HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)\Z", re.IGNORECASE)
# The address the Shopify admin shows: https://admin.shopify.com/store/{shop name}/products...
ADMIN_PATH = re.compile(r"/store/([a-z0-9][a-z0-9-]*)(/.*)?\Z", re.IGNORECASE)
URL_FORMS = "a shop name (mystore), a domain (mystore.myshopify.com) or a URL (https://mystore.myshopify.com)"
# What a refusal from these statuses means for the store as a whole
# (https://shopify.dev/docs/api/usage/response-codes).
STORE_PROBLEMS = {
    402: "the store is frozen until its owner pays the outstanding balance",
    404: "no Shopify store answers at this address",
    423: "the store is locked",
}


@dataclass(frozen=True)
class ShopifySettings:
    """Where the store is and how to read it; validated and normalised on construction."""

    url: str
    token: str = field(repr=False)
    api: str = "graphql"
    api_version: str = "2025-07"

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", normalise_url(self.url))
        token = self.token.strip() if isinstance(self.token, str) else ""
        if not token:
            raise ValueError("token is empty: paste the Admin API access token (shpat_...)")
        if any(character.isspace() or not character.isprintable() for character in token):
            raise ValueError("token contains spaces or control characters; paste it again as one word")
        object.__setattr__(self, "token", token)
        api = str(self.api).strip().lower()
        if api not in READERS:
            raise ValueError(f"api must be one of {', '.join(READERS)}, not {self.api!r}")
        object.__setattr__(self, "api", api)
        if self.api_version != "unstable" and not VERSION.match(self.api_version):
            raise ValueError(
                f"api_version must be a Shopify release like 2025-07 (YYYY-01, -04, -07 or -10) or "
                f"'unstable', not {self.api_version!r}"
            )
        if api == "graphql" and self.api_version != "unstable" and self.api_version < FIRST_GRAPHQL_VERSION:
            raise ValueError(
                f"api_version {self.api_version} is older than {FIRST_GRAPHQL_VERSION}, the first release "
                "with every field the GraphQL reader asks for; use a newer one (or api='rest')"
            )


def normalise_url(value: str) -> str:
    """`mystore`, `mystore.myshopify.com`, `https://mystore.myshopify.com/` (or the admin's own
    `https://admin.shopify.com/store/mystore`) -> `https://mystore.myshopify.com`; a full URL keeps
    its scheme and port (`http://127.0.0.1:8001` for a local test store)."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValueError(f"url is empty: give {URL_FORMS}")
    if SHOP_NAME.match(text):
        return f"https://{text.lower()}.myshopify.com"
    parts = urlsplit(text if "://" in text else f"https://{text}")
    try:
        host, port = parts.hostname or "", parts.port
    except ValueError:
        host, port = "", None
    if parts.scheme not in ("http", "https") or not _valid_host(host):
        raise ValueError(f"url {value!r} is not {URL_FORMS}")
    if host == "admin.shopify.com":
        admin = ADMIN_PATH.match(parts.path)
        if admin is None:
            raise ValueError(f"url {value!r} is the Shopify admin but names no store; give {URL_FORMS}")
        return f"https://{admin.group(1).lower()}.myshopify.com"
    if (
        parts.username
        or parts.password
        or parts.query
        or parts.fragment
        or parts.path.rstrip("/") not in ("", "/admin")
    ):
        raise ValueError(
            f"url {value!r} should be only the store's address, without a path or query: {URL_FORMS}"
        )
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return bool(host) and all(HOST_LABEL.match(label) for label in host.split("."))


class ShopifyConnector(SourceConnector):
    """A Shopify store as a source of products."""

    platform: ClassVar[str] = "shopify"

    def __init__(
        self,
        settings: ShopifySettings,
        *,
        allow_private: bool | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.settings = settings
        reader = READERS[settings.api]
        self.client = StoreClient(
            settings.url,
            headers={TOKEN_HEADER: settings.token},
            secrets=[settings.token],
            pacer=reader.pacer(),
            retry=retry,
            timeouts=timeouts,
            allow_private=allow_private,
            describe_error=describe_error,
        )
        self.reader = reader(self.client, settings.api_version)

    def __repr__(self) -> str:
        return f"ShopifyConnector({self.settings.url!r}, api={self.settings.api!r})"

    def test_connection(self) -> ConnectionReport:
        with self._plain_errors():
            started = time.perf_counter()
            shop = self.reader.shop()
            latency_ms = (time.perf_counter() - started) * 1000
            count = self.reader.count(None) if shop.grants("read_products") else None
        return ConnectionReport(
            platform=self.platform,
            store_name=shop.name,
            product_count=count,
            plan=shop.plan,
            currency=shop.currency,
            latency_ms=round(latency_ms, 1),
            missing_permissions=shop.missing_scopes,
            details={
                "api": self.settings.api,
                "api_version": self.settings.api_version,
                "domain": shop.domain,
                "scopes": sorted(shop.scopes),
            },
        )

    def count(self, since: datetime | None = None) -> int:
        with self._plain_errors():
            return self.reader.count(since)

    def iter_pages(self, since: datetime | None = None, resume: Token = None) -> Iterator[Page]:
        with self._plain_errors():
            yield from self.reader.pages(since, resume)

    @contextlib.contextmanager
    def _plain_errors(self) -> Iterator[None]:
        """Say what a refusal means for the user, keeping the error's class."""
        try:
            yield
        except AuthError as error:
            if error.status == 401:
                raise AuthError(
                    f"the access token was refused: {error.message}", status=error.status, url=error.url
                ) from None
            if error.status == 403:
                raise AuthError(
                    f"the access token may not do this (a missing access scope?): {error.message}",
                    status=error.status,
                    url=error.url,
                ) from None
            raise
        except FatalError as error:
            problem = STORE_PROBLEMS.get(error.status or 0)
            if problem is None:
                raise
            raise FatalError(
                f"{problem} ({self.settings.url}): {error.message}", status=error.status, url=error.url
            ) from None


def describe_error(response: requests.Response) -> str:
    """The reason in a Shopify error body: `{"errors": "..."}`, `{"errors": {"field": ["..."]}}`,
    `{"errors": [{"message": "..."}]}` (GraphQL) or `{"error": ..., "error_description": ...}`."""
    try:
        body = json.loads(response.content)
    except (UnicodeDecodeError, json.JSONDecodeError):
        text = response.text.strip()
        return "" if text.startswith("<") else text[:200]
    if not isinstance(body, dict):
        return str(body)[:200]
    errors = body.get("errors", body.get("error"))
    if isinstance(errors, dict):
        return "; ".join(
            f"{name}: {', '.join(map(str, problems if isinstance(problems, list) else [problems]))}"
            for name, problems in errors.items()
        )
    if isinstance(errors, list):
        return "; ".join(
            str(item.get("message", item)) if isinstance(item, dict) else str(item) for item in errors
        )
    detail = body.get("error_description")
    return "; ".join(str(part) for part in (errors, detail) if part)[:300]
