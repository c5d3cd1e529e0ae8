"""The REST API's own index pages: `GET /wp-json/` (the site and its namespaces) and
`GET /wp-json/wc/v3` (the namespace's routes), which clients use to check a URL is a
WooCommerce store before they authenticate.
https://developer.wordpress.org/rest-api/using-the-rest-api/discovery/
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.woocommerce.endpoints import API_PREFIX, Endpoint

NAMESPACE = "wc/v3"


def site_index(site: str) -> dict[str, Any]:
    return {
        "name": "Ferry Sandbox Store",
        "description": "A WooCommerce store simulated by the Ferry sandbox",
        "url": site,
        "home": site,
        "gmt_offset": "-3",
        "timezone_string": "",
        "namespaces": ["wp/v2", NAMESPACE],
        "authentication": {},
        "routes": {},
        "_links": {"help": [{"href": "https://developer.wordpress.org/rest-api/"}]},
    }


def namespace_index(site: str, endpoints: list[Endpoint]) -> dict[str, Any]:
    """Routes in WordPress's notation (`(?P<id>[\\d]+)`), with their methods."""
    routes: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        path = f"/{NAMESPACE}" + re.sub(r"\{(\w+)\}", r"(?P<\1>[\\d]+)", endpoint.path)
        route = routes.setdefault(path, {"namespace": NAMESPACE, "methods": [], "endpoints": []})
        route["methods"].append(endpoint.method)
        route["endpoints"].append(
            {"methods": [endpoint.method], "args": {name: {} for name in endpoint.args}}
        )
        if "{" not in endpoint.path:
            route["_links"] = {"self": [{"href": f"{site}{API_PREFIX}{endpoint.path}"}]}
    return {
        "namespace": NAMESPACE,
        "routes": routes,
        "_links": {"up": [{"href": f"{site}/wp-json/"}]},
    }
