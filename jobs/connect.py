"""From a definition's connection specs to live connectors (secrets are resolved only here).

A connector's settings check their own fields; their messages start with the field's name, so
they are re-raised as DefinitionErrors under `source.` or `target.`, like the definition's own.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from connectors import SOURCES
from connectors.base import SourceConnector
from connectors.woocommerce import WooSettings, WooTarget
from jobs.definition import DefinitionError, SourceSpec, TargetSpec


def _settings(kind: type, section: str, values: dict[str, Any]) -> Any:
    try:
        return kind(**values)
    except ValueError as error:
        raise DefinitionError(f"{section}.{error}") from error


def open_source(spec: SourceSpec) -> SourceConnector:
    spec = spec.resolved()
    settings_class, connector_class = SOURCES[spec.platform]
    values: dict[str, Any] = {"url": spec.url, "token": spec.token}
    if spec.platform == "shopify":
        values["api"] = spec.api
    elif spec.platform == "magento":
        values.update(username=spec.username, password=spec.password, store_view=spec.store_view)
    else:
        values["store_hash"] = spec.store_hash
    return connector_class(_settings(settings_class, "source", values))


def open_target(spec: TargetSpec) -> WooTarget:
    spec = spec.resolved()
    values = {"url": spec.url, "key": spec.key, "secret": spec.secret}
    return WooTarget(_settings(WooSettings, "target", values))


def source_prefix(connector: SourceConnector) -> str:
    """`shopify:mystore.myshopify.com`: what makes source ids unique per store in one target.

    Built from the connector's normalised settings, so `mystore` and `https://mystore.myshopify.com/`
    are the same store; a Magento store view is a store of its own (its names and prices differ).
    """
    settings: Any = connector.settings  # type: ignore[attr-defined]
    if connector.platform == "bigcommerce":
        return f"bigcommerce:{settings.store_hash}"
    parts = urlsplit(settings.url)
    store = f"{parts.netloc}{parts.path.rstrip('/')}"
    if connector.platform == "magento":
        store += f"/{settings.store_view}"
    return f"{connector.platform}:{store}"
