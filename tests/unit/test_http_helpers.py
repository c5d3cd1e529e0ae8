"""The HTTP layer's pure parts: waits asked for, redaction, retry policy, the network guard."""

from __future__ import annotations

import random

import pytest

from connectors.errors import RefusedError
from connectors.http import Redactor, RetryPolicy, retry_after_seconds, safe_url
from connectors.netguard import check_scheme, is_public


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        pytest.param({"Retry-After": "2.0"}, 2.0, id="shopify-float"),
        pytest.param({"Retry-After": "0.25"}, 0.25, id="fractional"),
        pytest.param(
            {"X-Retry-After": "15", "X-Rate-Limit-Time-Reset-Ms": "9000"}, 15.0, id="bc-longer-of-two"
        ),
        pytest.param({"X-Rate-Limit-Time-Reset-Ms": "1500"}, 1.5, id="bc-reset-ms"),
        pytest.param({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0, id="http-date-in-the-past"),
        pytest.param({"Retry-After": "soon"}, None, id="junk"),
        pytest.param({}, None, id="none"),
    ],
)
def test_retry_after_seconds(headers: dict, seconds: float | None) -> None:
    assert retry_after_seconds(headers) == seconds


def test_redactor_removes_every_secret_longest_first() -> None:
    redact = Redactor(["shpat_abc123", "abc1", None, "", "ck_key"])
    assert redact("token shpat_abc123 and ck_key") == "token *** and ***"


def test_safe_url_drops_the_query_where_keys_ride() -> None:
    assert (
        safe_url("https://shop/wp-json/wc/v3/products?consumer_secret=cs_1")
        == "https://shop/wp-json/wc/v3/products"
    )


def test_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(attempts=5, base_delay=1, max_delay=4)
    rng = random.Random(1)
    assert all(0 <= policy.backoff(n, rng) <= min(4, 2**n) for n in range(10) for _ in range(20))


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"attempts": 0}, id="no-attempts"),
        pytest.param({"base_delay": 5, "max_delay": 1}, id="cap"),
    ],
)
def test_retry_policy_rejects_nonsense(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        pytest.param("8.8.8.8", True, id="public-v4"),
        pytest.param("127.0.0.1", False, id="loopback"),
        pytest.param("10.1.2.3", False, id="private"),
        pytest.param("169.254.169.254", False, id="link-local-metadata"),
        pytest.param("::1", False, id="loopback-v6"),
        pytest.param("::ffff:192.168.0.1", False, id="v4-mapped-private"),
        pytest.param("fe80::1%eth0", False, id="link-local-v6-scoped"),
        pytest.param("2606:4700::1111", True, id="public-v6"),
    ],
)
def test_is_public(address: str, public: bool) -> None:
    assert is_public(address) is public


def test_plain_http_is_refused_unless_private_networks_are_allowed() -> None:
    with pytest.raises(RefusedError, match="must use https"):
        check_scheme("http://shop.example.com", allow_private=False)
    check_scheme("http://127.0.0.1:8000", allow_private=True)
    check_scheme("https://shop.example.com", allow_private=False)
