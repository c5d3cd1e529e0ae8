"""What a Magento 2 source needs: the store's address, credentials and the store view to read."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from connectors.http import store_address

# Store\Model\Validation\StoreCodeValidator: "/^[a-z]+[a-z0-9_]*$/i" (letters first, then letters,
# digits, underscores). `all` (the admin values) and `default` follow the same rule.
STORE_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class MagentoSettings:
    """The store's base URL and either an integration access token or an admin user's name and
    password (exchanged for a 4-hour admin token). `store_view` picks the values read: names,
    prices and descriptions can differ per store view (`/rest/{store_view}/V1/...`)."""

    url: str
    token: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    store_view: str = "default"

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", _base_url(self.url))
        for name in ("token", "username", "password"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise ValueError(f"{name} must be a non-empty text when given")
        if self.token is not None and any(char.isspace() for char in self.token):
            raise ValueError("token must be the access token alone, without spaces or 'Bearer'")
        if (self.username is None) != (self.password is None):
            missing, given = ("password", "username") if self.password is None else ("username", "password")
            raise ValueError(f"{missing} is required with {given}")
        if self.token is None and self.username is None:
            raise ValueError(
                "token is required: an integration access token, or give username and password of an "
                "admin user instead"
            )
        if self.token is not None and self.username is not None:
            raise ValueError("token and username/password: give one or the other, not both")
        if not isinstance(self.store_view, str) or not STORE_CODE.match(self.store_view):
            raise ValueError(
                f"store_view must be a store view code such as 'default' (letters, digits and "
                f"underscores, starting with a letter), not {self.store_view!r}"
            )

    @property
    def uses_password(self) -> bool:
        return self.username is not None


def _base_url(url: object) -> str:
    """The store's base URL without a pasted `/rest[/{code}][/V1]` suffix (an `/index.php` stays:
    stores without URL rewrites answer under it)."""
    return store_address(url, r"/rest(/[A-Za-z0-9_]+)?(/V1)?")
