"""Dates as WooCommerce shows and reads them: site-local and `_gmt` twins, no offsets.

The sandbox site runs at UTC-03:00, like the store in the published examples
(`date_created` 17:01:14, `date_created_gmt` 20:01:14 in GET_products_794.response.json), so an
importer that mixes up `date_modified` and `date_modified_gmt` is three hours off here too.
https://woocommerce.github.io/woocommerce-rest-api-docs/#introduction (dates are ISO8601, site timezone)
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

SITE_TIMEZONE = timezone(timedelta(hours=-3))
_FORMAT = "%Y-%m-%dT%H:%M:%S"
_ISO = re.compile(
    r"(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2}(?::\d{2})?)(?:[.,]\d+)?)?\s*([Zz]|[+-]\d{2}:?\d{2})?"
)


def site_time(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, SITE_TIMEZONE)


def local(epoch: float | None) -> str | None:
    """wc_rest_prepare_date_response($date, false): site time, no offset."""
    return None if epoch is None else site_time(epoch).strftime(_FORMAT)


def gmt(epoch: float | None) -> str | None:
    """wc_rest_prepare_date_response($date): UTC, no offset."""
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).strftime(_FORMAT)


def _parts(value: str) -> tuple[datetime, str | None] | None:
    found = _ISO.fullmatch(value.strip())
    if not found:
        return None
    day, clock, offset = found.groups()
    try:
        naive = datetime.fromisoformat(f"{day}T{clock or '00:00:00'}")
    except ValueError:
        return None
    return naive, offset


def parse(value: str, is_gmt: bool = False) -> float | None:
    """WC_Data::set_date_prop(): a string with an offset means that instant; without one it is
    site time (or UTC for the `_gmt` fields). Anything unreadable is ignored (None)."""
    parts = _parts(value)
    if parts is None:
        return None
    naive, offset = parts
    if offset:
        zone = UTC if offset in "Zz" else datetime.strptime(offset.replace(":", ""), "%z").tzinfo
    else:
        zone = UTC if is_gmt else SITE_TIMEZONE
    return naive.replace(tzinfo=zone).timestamp()


def wall_clock(value: str) -> str | None:
    """How WP_Date_Query reads an `after`/`before` bound: the date and time as written, offset
    ignored (it is compared with the local or the GMT column, see `dates_are_gmt`)."""
    parts = _parts(value)
    return None if parts is None else parts[0].strftime(_FORMAT)
