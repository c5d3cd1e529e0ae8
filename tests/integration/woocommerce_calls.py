"""Calling the WooCommerce sandbox store in tests: a served store with the official client, a
requests session, and OAuth 1.0a signing done the way the `woocommerce` client normalizes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import requests
from woocommerce import API
from woocommerce.oauth import OAuth

from sandbox.settings import SandboxSettings
from sandbox.woocommerce import WooCommerceStore

DOCS = "woocommerce/rest-api-docs/"
API_PATH = "/wp-json/wc/v3/"


class Woo:
    """A served store and ways to call it."""

    def __init__(self, store: WooCommerceStore, url: str) -> None:
        self.store = store
        self.url = url
        self.creds = store.credentials(url)
        self.api = API(
            url=url, consumer_key=self.creds["key"], consumer_secret=self.creds["secret"], timeout=10
        )
        self.http = requests.Session()
        self.http.auth = (self.creds["key"], self.creds["secret"])

    def endpoint(self, path: str) -> str:
        return self.url + API_PATH + path

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.http.get(self.endpoint(path), params=params)

    def post(self, path: str, payload: Any) -> requests.Response:
        return self.http.post(self.endpoint(path), json=payload)

    def products(self) -> list[dict[str, Any]]:
        return requests.get(f"{self.url}/_sandbox/products").json()["products"]

    def color(self) -> int:
        return self.post("products/attributes", {"name": "Color"}).json()["id"]


def signed_url(
    url: str, method: str, key: str, secret: str, digest: Any = hashlib.sha256, **oauth: Any
) -> str:
    """A one-legged OAuth 1.0a URL signed the way the `woocommerce` client normalizes
    parameters, with a choice of hash (the client itself only signs with HMAC-SHA256)."""
    name = "HMAC-SHA1" if digest is hashlib.sha1 else "HMAC-SHA256"
    params = {
        "oauth_consumer_key": key,
        "oauth_timestamp": str(oauth.get("timestamp", int(time.time()))),
        "oauth_nonce": oauth.get("nonce", OAuth.generate_nonce()),
        "oauth_signature_method": name,
    }
    normalized = OAuth.normalize_parameters(OAuth.sorted_params(params))
    base = f"{method}&{quote(url, '')}&" + "%26".join(f"{k}%3D{v}" for k, v in normalized.items())
    signature = base64.b64encode(hmac.new(f"{secret}&".encode(), base.encode(), digest).digest()).decode()
    return f"{url}?{urlencode({**params, 'oauth_signature': signature})}"


def simple(sku: str = "", **extra: Any) -> dict[str, Any]:
    return {"name": f"Product {sku or 'x'}", "type": "simple", "regular_price": "9.50", "sku": sku, **extra}


def oauth_header(signed: str) -> dict[str, str]:
    """The OAuth parameters of a signed URL as an `Authorization: OAuth` header."""
    pairs = parse_qsl(urlsplit(signed).query)
    return {
        "Authorization": "OAuth " + ", ".join(f'{name}="{quote(value, safe="")}"' for name, value in pairs)
    }


def client_as_if_https(woo: Woo, query_string_auth: bool) -> API:
    """The official client on its https code paths (Basic auth, or keys in the query string),
    which it takes only when it believes the URL is https; the sandbox serves plain http."""
    client = API(
        url=woo.url,
        consumer_key=woo.creds["key"],
        consumer_secret=woo.creds["secret"],
        query_string_auth=query_string_auth,
    )
    client.is_ssl = True
    return client


def error_body(code: str, message: str, status: int = 401) -> dict[str, Any]:
    return {"code": code, "message": message, "data": {"status": status}}


def serve_woo(serve: Callable[[WooCommerceStore], str], settings: SandboxSettings | None = None) -> Woo:
    store = WooCommerceStore(settings or SandboxSettings(seed=7))
    return Woo(store, serve(store))
