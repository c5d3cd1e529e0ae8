"""The WooCommerce target: settings and connection test (target.py), mapped products as JSON
(payload.py), categories, tags and attributes (taxonomy.py), batches (batch.py), the writer
(writer.py, variations.py) and reconciliation of ambiguous writes (reconcile.py)."""

from __future__ import annotations

from connectors.woocommerce.model import (
    Outcome,
    WooAttribute,
    WooProduct,
    WooVariation,
    WriteItem,
    WriteResult,
)
from connectors.woocommerce.target import WooSettings, WooTarget
from connectors.woocommerce.writer import WooWriter

__all__ = [
    "Outcome",
    "WooAttribute",
    "WooProduct",
    "WooSettings",
    "WooTarget",
    "WooVariation",
    "WooWriter",
    "WriteItem",
    "WriteResult",
]
