"""The two v2 endpoints a connection test uses: `GET /v2/store` and `GET /v2/time`.

v2 answers the object bare, without v3's `{data, meta}` envelope. Shapes: the examples of
https://github.com/bigcommerce/docs/blob/main/reference/store_information.v2.yml
(tests/samples/bigcommerce/openapi_examples/GET_v2_store.200.json and GET_v2_time.200.json).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sandbox.bigcommerce import ids

PLAN_NAMES = {"standard": "Standard", "pro": "Pro"}


def store(store_hash: str, plan: str) -> dict[str, Any]:
    domain = f"ferry-sandbox-{store_hash}.mybigcommerce.com"
    return {
        "id": store_hash,
        "account_uuid": str(uuid.uuid5(uuid.NAMESPACE_DNS, domain)),
        "domain": domain,
        "secure_url": f"https://{domain}",
        "control_panel_base_url": f"https://store-{store_hash}.mybigcommerce.com",
        "status": "live",
        "name": "Ferry Sandbox",
        "first_name": "Sandbox",
        "last_name": "Owner",
        "address": "1 Sandbox Way",
        "country": "United States",
        "country_code": "US",
        "phone": "555-0100",
        "admin_email": "owner@example.com",
        "order_email": "orders@example.com",
        "favicon_url": "",
        "timezone": {
            "name": "Etc/UTC",
            "raw_offset": 0,
            "dst_offset": 0,
            "dst_correction": False,
            "date_format": {"display": "M jS Y", "export": "M jS Y", "extended_display": "M jS Y @ g:i A"},
        },
        "language": "en",
        "currency": "USD",
        "currency_symbol": "$",
        "decimal_separator": ".",
        "thousands_separator": ",",
        "decimal_places": 2,
        "currency_symbol_location": "left",
        # The catalog's weights are grams, and BigCommerce offers Grams as a store unit.
        "weight_units": "Grams",
        "dimension_units": "Centimeters",
        "dimension_decimal_places": 2,
        "dimension_decimal_token": ".",
        "dimension_thousands_token": ",",
        "plan_name": PLAN_NAMES[plan],
        "plan_level": PLAN_NAMES[plan],
        "plan_is_trial": False,
        "industry": "Retail",
        "logo": {"url": ""},
        "is_price_entered_with_tax": False,
        "store_id": ids.store_id(store_hash),
        "default_channel_id": ids.CHANNEL_ID,
        "default_site_id": 1000,
        "active_comparison_modules": [],
        "features": {
            "stencil_enabled": True,
            "sitewidehttps_enabled": True,
            "facebook_catalog_id": "",
            "checkout_type": "optimized",
            "wishlists_enabled": True,
            "graphql_storefront_api_enabled": True,
            "shopper_consent_tracking_enabled": True,
            "multi_storefront_enabled": False,
            "storefront_limits": {"active": 1, "total_including_inactive": 1},
        },
    }


def time(now: datetime) -> dict[str, int]:
    return {"time": int(now.timestamp())}
