"""The BigCommerce sandbox store: see store.py for its routes and rules."""

from __future__ import annotations

from sandbox.bigcommerce.store import BigCommerceStore

__all__ = ["BigCommerceStore"]
