"""WooCommerce REST API keys: Basic auth, query-string keys and one-legged OAuth 1.0a.

Follows WC_REST_Authentication (plugins/woocommerce/includes/class-wc-rest-authentication.php):
- Basic auth (and `consumer_key`/`consumer_secret` in the query, which win) is tried first. An
  unknown key is *not* an error there: the request simply stays anonymous and the endpoint's
  permission check answers 401 `woocommerce_rest_cannot_view`. A known key with the wrong secret
  is `Consumer secret is invalid.`
- Then OAuth 1.0a from the query string (what the official `woocommerce` client sends over plain
  http) or an `Authorization: OAuth` header: HMAC-SHA1 or HMAC-SHA256 over the method, the URL
  and the sorted, RFC 3986-encoded parameters, signed with `secret&`; timestamps within 15
  minutes; nonces remembered per key, keyed by timestamp, for 15 minutes.
- A key's permission (`read`, `write`, `read_write`) is checked before the route is matched.
The sandbox runs on plain http but answers as a site behind TLS would, so all three work.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, unquote

from sandbox.http import Request
from sandbox.settings import SandboxSettings
from sandbox.woocommerce.errors import WooError

NONCE_WINDOW_SECONDS = 15 * 60
OAUTH_PARAMETERS = (
    "oauth_consumer_key",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
)
AUTH_ERROR = "woocommerce_rest_authentication_error"


@dataclass(frozen=True)
class ApiKey:
    consumer_key: str
    consumer_secret: str
    permissions: str  # read | write | read_write


def api_keys(settings: SandboxSettings) -> dict[str, ApiKey]:
    """The store's two keys, derived from the seed: one read/write, one read-only."""
    keys = (
        ApiKey(
            "ck_" + settings.secret("woo-key", 40), "cs_" + settings.secret("woo-secret", 40), "read_write"
        ),
        ApiKey(
            "ck_" + settings.secret("woo-read-key", 40),
            "cs_" + settings.secret("woo-read-secret", 40),
            "read",
        ),
    )
    return {key.consumer_key: key for key in keys}


def _rfc3986(text: str) -> str:
    """wc_rest_urlencode_rfc3986(): rawurlencode()."""
    return quote(text, safe="-_.~")


def signature_base(method: str, url: str, params: dict[str, str]) -> str:
    """check_oauth_signature()'s string to sign: every parameter but the signature, sorted by
    byte order, each `key=value` encoded twice, as WooCommerce does."""
    pairs = sorted((key, value) for key, value in params.items() if key != "oauth_signature")
    encoded = [_rfc3986(f"{_rfc3986(key)}={_rfc3986(value)}") for key, value in pairs]
    return f"{method}&{_rfc3986(url)}&{'%26'.join(encoded)}"


class Authenticator:
    """Who is calling (an ApiKey, or None for anonymous), or the WP_Error WooCommerce answers."""

    def __init__(self, settings: SandboxSettings, clock: Callable[[], float] = time.time) -> None:
        self.keys = api_keys(settings)
        self._clock = clock
        self._lock = threading.Lock()
        self._nonces: dict[str, dict[int, str]] = {}

    def reset(self) -> None:
        with self._lock:
            self._nonces.clear()

    def authenticate(self, request: Request) -> ApiKey | None:
        key = self._basic(request)
        return key if key is not None else self._oauth(request)

    def _basic(self, request: Request) -> ApiKey | None:
        consumer_key, consumer_secret = (
            request.arg("consumer_key") or "",
            request.arg("consumer_secret") or "",
        )
        if not (consumer_key and consumer_secret):
            consumer_key, consumer_secret = _basic_credentials(request.headers.get("Authorization", ""))
        if not (consumer_key and consumer_secret):
            return None
        key = self.keys.get(consumer_key)
        if key is None:
            return None
        if not hmac.compare_digest(key.consumer_secret, consumer_secret):
            raise WooError(AUTH_ERROR, "Consumer secret is invalid.", 401)
        return key

    def _oauth(self, request: Request) -> ApiKey | None:
        params = {**dict(request.query), **_oauth_header(request.headers.get("Authorization", ""))}
        missing = [name for name in OAUTH_PARAMETERS if not params.get(name)]
        if len(missing) == len(OAUTH_PARAMETERS):
            return None
        if missing:
            noun = "parameter" if len(missing) == 1 else "parameters"
            message = f"Missing OAuth {noun} {', '.join(missing)}"
            raise WooError("woocommerce_rest_authentication_missing_parameter", message, 401)
        key = self.keys.get(params["oauth_consumer_key"])
        if key is None:
            raise WooError(AUTH_ERROR, "Consumer key is invalid.", 401)
        self._check_signature(key, request, params)
        self._check_timestamp_and_nonce(key, params["oauth_timestamp"], params["oauth_nonce"])
        return key

    @staticmethod
    def _check_signature(key: ApiKey, request: Request, params: dict[str, str]) -> None:
        base = signature_base(request.method, request.base_url + request.path, params)
        method = params["oauth_signature_method"]
        if method not in ("HMAC-SHA1", "HMAC-SHA256"):
            raise WooError(AUTH_ERROR, "Invalid signature - signature method is invalid.", 401)
        digest = hashlib.sha1 if method == "HMAC-SHA1" else hashlib.sha256
        expected = base64.b64encode(
            hmac.new(f"{key.consumer_secret}&".encode(), base.encode(), digest).digest()
        )
        # PHP's $_GET turned a "+" in the signature into a space; WooCommerce turns it back.
        provided = params["oauth_signature"].replace(" ", "+")
        if not hmac.compare_digest(expected.decode(), provided):
            raise WooError(AUTH_ERROR, "Invalid signature - provided signature does not match.", 401)

    def _check_timestamp_and_nonce(self, key: ApiKey, timestamp: str, nonce: str) -> None:
        now = self._clock()
        try:
            stamp = int(float(timestamp))
        except ValueError:
            stamp = 0
        if not now - NONCE_WINDOW_SECONDS <= stamp <= now + NONCE_WINDOW_SECONDS:
            raise WooError(AUTH_ERROR, "Invalid timestamp.", 401)
        with self._lock:
            used = self._nonces.setdefault(key.consumer_key, {})
            if nonce in used.values():
                raise WooError(AUTH_ERROR, "Invalid nonce - nonce has already been used.", 401)
            # Keyed by timestamp, as WooCommerce stores them: one nonce per key per second.
            used[stamp] = nonce
            for old in [old for old in used if old < now - NONCE_WINDOW_SECONDS]:
                del used[old]


def _oauth_header(header: str) -> dict[str, str]:
    """parse_header(): OAuth parameters sent as `Authorization: OAuth oauth_x="..."`."""
    if not header.strip().startswith("OAuth "):
        return {}
    found = re.findall(r'(oauth_[a-z_-]*)=(?:"([^"]*)"|([^,]*))', header)
    return {name: unquote(quoted or bare) for name, quoted, bare in found}


def _basic_credentials(header: str) -> tuple[str, str]:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    try:
        user, _, password = base64.b64decode(encoded.strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    return user, password


def check_permission(key: ApiKey | None, method: str) -> None:
    """check_user_permissions() (rest_pre_dispatch): what the key may do, before any routing."""
    if key is None:
        return
    if method in ("GET", "HEAD") and key.permissions not in ("read", "read_write"):
        raise WooError(AUTH_ERROR, "The API key provided does not have read permissions.", 401)
    if method in ("POST", "PUT", "PATCH", "DELETE") and key.permissions not in ("write", "read_write"):
        raise WooError(AUTH_ERROR, "The API key provided does not have write permissions.", 401)
