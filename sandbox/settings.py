"""Everything `ferry sandbox` can be told, in one validated value."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SHOPIFY_PLANS = ("standard", "advanced", "plus")
BIGCOMMERCE_PLANS = ("standard", "pro")
MAGENTO_PAGE_MODES = ("last", "empty")
STORE_NAMES = ("shopify", "magento", "bigcommerce", "woocommerce")


@dataclass
class SandboxSettings:
    products: int = 200
    seed: int = 1
    host: str = "127.0.0.1"
    port_base: int = 0  # 0: free ports; else shopify, magento, bigcommerce, woocommerce on P..P+3
    state_dir: Path | None = None
    shopify_plan: str = "standard"
    shopify_api_version: str = "2025-07"
    bigcommerce_plan: str = "standard"
    # What Magento answers for a currentPage past the end: the last page again (the collection
    # clamp most versions have) or an empty page (what some 2.4.x return). See api-notes §3.5.
    magento_past_last_page: str = "last"
    woo_workers: int = 4
    woo_request_ms: float = 0.0
    woo_create_ms: float = 0.0
    woo_update_ms: float = 0.0
    faults: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.products < 0:
            raise ValueError("products cannot be negative")
        if not 0 <= self.port_base <= 65532:
            raise ValueError("port_base must be 0 or a port from 1 to 65532")
        for name, value, allowed in (
            ("shopify_plan", self.shopify_plan, SHOPIFY_PLANS),
            ("bigcommerce_plan", self.bigcommerce_plan, BIGCOMMERCE_PLANS),
            ("magento_past_last_page", self.magento_past_last_page, MAGENTO_PAGE_MODES),
        ):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
        if self.woo_workers < 1:
            raise ValueError("woo_workers must be at least 1")
        for name in ("woo_request_ms", "woo_create_ms", "woo_update_ms"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} cannot be negative")
        unknown = set(self.faults) - set(STORE_NAMES)
        if unknown:
            raise ValueError(f"faults for unknown store(s): {', '.join(sorted(unknown))}")

    def port(self, store: str) -> int:
        return self.port_base + STORE_NAMES.index(store) if self.port_base else 0

    def secret(self, label: str, length: int = 32) -> str:
        """A credential derived from the seed: stable across restarts, different per seed."""
        return hashlib.sha256(f"ferry-sandbox:{self.seed}:{label}".encode()).hexdigest()[:length]
