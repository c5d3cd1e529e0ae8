"""The web forms. A connection form's field names are those of the connection spec it becomes
(jobs/definition.py SourceSpec/TargetSpec), so a DefinitionError's field path (`source.token: ...`)
names the form field to show the message beside. The spec, not the form, checks the values, so the
wizard, the TOML file and the API reject bad input with the same words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from flask_wtf import FlaskForm
from wtforms import EmailField, Field, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from jobs.definition import SECRET_FIELDS
from wizard.platforms import SOURCE_GUIDES


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[InputRequired("Enter your email address.")])
    password = PasswordField("Password", validators=[InputRequired("Enter your password.")])


class PlatformForm(FlaskForm):
    platform = RadioField(
        "Where are your products now?",
        choices=[SelectChoice(guide.name, guide.title) for guide in SOURCE_GUIDES.values()],
        validators=[InputRequired("Choose the platform your products are on.")],
    )


def _text(label: str, description: str = "", default: str | None = None) -> StringField:
    return StringField(label, description=description, default=default, filters=[_strip])


def _secret(label: str, description: str = "") -> PasswordField:
    # PasswordField never renders its value: what was typed is not sent back to the browser.
    return PasswordField(label, description=description, filters=[_strip])


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class ConnectionForm(FlaskForm):
    """One store's connection. Declares its spec fields; a form with a choice between ways of
    signing in narrows them in `fields_in_use`."""

    spec_fields: ClassVar[tuple[str, ...]]

    @classmethod
    def fields_in_use(cls, values: Mapping[str, Any]) -> tuple[str, ...]:
        """The spec fields the entered `values` use (all of them unless a choice leaves some out)."""
        return cls.spec_fields

    @classmethod
    def field_for(cls, name: str, values: Mapping[str, Any]) -> str:
        """The form field a message about spec field `name` belongs beside."""
        return name

    @classmethod
    def secret_names(cls) -> tuple[str, ...]:
        return tuple(name for name in cls.spec_fields if name in SECRET_FIELDS)

    def entered(self) -> tuple[dict[str, Any], dict[str, str]]:
        """(settings, secrets) as typed: every setting, and only the secrets that were filled in
        (an empty secret field keeps the saved value)."""
        settings: dict[str, Any] = {}
        secrets: dict[str, str] = {}
        for field in self._own_fields():
            if field.name in SECRET_FIELDS:
                if field.data:
                    secrets[field.name] = field.data
            else:
                settings[field.name] = field.data
        return settings, secrets

    def _own_fields(self) -> list[Field]:
        return [field for field in self if field.name != "csrf_token"]


class ShopifyForm(ConnectionForm):
    spec_fields = ("url", "token")
    url = _text(
        "Store address", "Your store's myshopify.com address, such as https://your-store.myshopify.com"
    )
    token = _secret("Admin API access token", "Starts with shpat_.")


class MagentoForm(ConnectionForm):
    spec_fields = ("url", "token", "username", "password", "store_view")
    url = _text("Store address", "The address of your store's front page, such as https://shop.example.com")
    sign_in = RadioField(
        "Sign in with",
        choices=[
            SelectChoice("token", "An integration's access token"),
            SelectChoice("admin", "An admin user's name and password"),
        ],
        default="token",
    )
    token = _secret("Access token", "The integration's Access Token (not its consumer key).")
    username = _text("Admin user name")
    password = _secret("Admin password")
    store_view = _text("Store view code", "Which store view's names and prices to read.", default="default")

    @classmethod
    def fields_in_use(cls, values: Mapping[str, Any]) -> tuple[str, ...]:
        unused = {"username", "password"} if values.get("sign_in", "token") == "token" else {"token"}
        return tuple(name for name in cls.spec_fields if name not in unused)

    @classmethod
    def field_for(cls, name: str, values: Mapping[str, Any]) -> str:
        # The spec asks for "token (or username and password)"; signing in as an admin, that is
        # the admin's name or password, whichever is missing.
        if name == "token" and values.get("sign_in") == "admin":
            return "password" if values.get("username") else "username"
        return name


class BigCommerceForm(ConnectionForm):
    spec_fields = ("store_hash", "token", "url")
    store_hash = _text("Store hash", "The code after /stores/ in your API path, such as abc123.")
    token = _secret("Access token", "The store-level API account's Access token.")
    url = _text(
        "API address", "Leave as it is unless BigCommerce told you otherwise.", "https://api.bigcommerce.com"
    )


class WooCommerceForm(ConnectionForm):
    spec_fields = ("url", "key", "secret")
    url = _text("Store address", "Your WordPress site's address, such as https://shop.example.com")
    key = _secret("Consumer key", "Starts with ck_.")
    secret = _secret("Consumer secret", "Starts with cs_.")


SOURCE_FORMS: dict[str, type[ConnectionForm]] = {
    "shopify": ShopifyForm,
    "magento": MagentoForm,
    "bigcommerce": BigCommerceForm,
}
