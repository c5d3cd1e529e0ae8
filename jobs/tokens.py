"""API tokens: made once, shown once, kept only as their SHA-256.

A token is `fry_` and 43 url-safe random characters (256 bits), so it is recognisable in a leaked
file or a secret scanner and cannot be guessed. The database keeps its SHA-256 (a lookup key: an
unsalted fast hash is enough for a random 256-bit value, unlike a password) and a short display
prefix that tells tokens apart in listings; the token itself exists only in the creator's hands.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from jobs.store.models import ApiToken, TokenScope

log = logging.getLogger(__name__)

TOKEN_PREFIX = "fry_"
DISPLAY_LENGTH = len(TOKEN_PREFIX) + 8  # "fry_" and 8 random characters: unique in practice
NAME_MAX = 255
# Touching last_used_at on every request would make each API call a database write.
LAST_USED_EVERY = timedelta(minutes=1)


class TokenError(ValueError):
    """A token that cannot be made or found; the message names the field or what to do."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _scope(value: TokenScope | str) -> TokenScope:
    try:
        return TokenScope(value)
    except ValueError:
        choices = " or ".join(scope.value for scope in TokenScope)
        raise TokenError(f"scope: must be {choices}, not {value!r}") from None


def create_token(
    session: Session, name: str, scope: TokenScope | str = TokenScope.READ
) -> tuple[ApiToken, str]:
    """A new token's row and the token itself (return it to the user once; it is never stored)."""
    name = name.strip()
    if not name:
        raise TokenError("name: give the token a name that says who uses it")
    if len(name) > NAME_MAX:
        raise TokenError(f"name: at most {NAME_MAX} characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name,
        token_hash=_digest(token),
        prefix=token[:DISPLAY_LENGTH],
        scope=_scope(scope),
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    log.info("API token %s (%s) created with scope %s", row.id, row.prefix, row.scope.value)
    return row, token


def verify_token(session: Session, presented: str) -> ApiToken | None:
    """The live token row for a presented token; None when unknown or revoked.

    The lookup compares hashes in the database: an attacker who can time it learns about a hash of
    their own guess, not about any stored token.
    """
    if not presented.startswith(TOKEN_PREFIX):
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(presented)))
    if row is None or row.revoked_at is not None:
        return None
    moment = datetime.now(UTC)
    stale = moment - LAST_USED_EVERY
    # Conditional, so concurrent requests with one token write at most once a minute between them.
    session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == row.id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= stale),
        )
        .values(last_used_at=moment)
        .execution_options(synchronize_session=False)
    )
    return row


def permits(token: ApiToken, needed: TokenScope) -> bool:
    """A write token may also read."""
    return token.scope is TokenScope.WRITE or needed is TokenScope.READ


def find_token(session: Session, reference: str) -> ApiToken:
    """A token by its id or its display prefix (as `ferry token list` shows them)."""
    reference = reference.strip()
    if reference.isdigit():
        row = session.get(ApiToken, int(reference))
        if row is None:
            raise TokenError(f"no API token with id {reference}")
        return row
    # At least four characters past "fry_", so a slip of the keyboard cannot revoke every token.
    if not reference.startswith(TOKEN_PREFIX) or len(reference) < len(TOKEN_PREFIX) + 4:
        raise TokenError(f"{reference!r} is neither a token id nor a prefix such as {TOKEN_PREFIX}AbCd1234")
    # autoescape: "_" is a LIKE wildcard, and tokens are full of them.
    query = select(ApiToken).where(ApiToken.prefix.startswith(reference, autoescape=True))
    matches = list(session.scalars(query))
    if not matches:
        raise TokenError(f"no API token with the prefix {reference!r}; `ferry token list` shows them")
    if len(matches) > 1:
        raise TokenError(f"{len(matches)} tokens start with {reference!r}; give the id instead")
    return matches[0]


def revoke_token(session: Session, reference: str) -> ApiToken:
    """Revoke a token by id or prefix; revoking a revoked token changes nothing."""
    row = find_token(session, reference)
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        log.info("API token %s (%s) revoked", row.id, row.prefix)
    return row


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))
