"""Web app accounts: users with hashed passwords, and a throttle on failed sign-ins.

No Flask here, so `ferry create-user` and the tests use it without the web app. Passwords are
kept only as werkzeug's salted scrypt hashes. Failed sign-ins are rows counted per account and
per client address over a sliding window; once either count reaches its limit, sign-ins for it are
refused (even with the right password) until enough old failures leave the window.
"""

from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from jobs.store.models import LoginFailure, User

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 8  # NIST SP 800-63B's minimum for a password a person chooses


class AccountError(ValueError):
    """An account that cannot be created as asked; the message says why."""


@dataclass(frozen=True)
class Throttle:
    """At most `limit` failed sign-ins per key within `window`."""

    limit: int
    window: timedelta

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError("limit must be at least 1")
        if self.window <= timedelta(0):
            raise ValueError("window must be positive")


# Per account: few tries, so a password cannot be guessed; per address: more, since one office
# may share it, but still few enough to stop one machine trying every account.
ACCOUNT_THROTTLE = Throttle(limit=5, window=timedelta(minutes=15))
ADDRESS_THROTTLE = Throttle(limit=20, window=timedelta(minutes=15))


class TooManyAttempts(Exception):
    """Sign-ins are paused for this account or address; `minutes` until the next may be tried."""

    def __init__(self, minutes: int) -> None:
        super().__init__(f"too many attempts, try again in {minutes} minute{'s' if minutes != 1 else ''}")
        self.minutes = minutes


@functools.cache
def _unknown_user_hash() -> str:
    """Checked when the email matches no account, so an unknown email costs as long as a wrong
    password and the answer's timing does not tell which accounts exist."""
    return generate_password_hash("no account has this password")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_email(email: str) -> str:
    address = normalise_email(email)
    local, _, domain = address.partition("@")
    if not local or not domain or any(char.isspace() for char in address):
        raise AccountError(f"{email!r} is not an email address")
    return address


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def has_users(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(User)) != 0


def create_user(session: Session, email: str, password: str) -> User:
    address = check_email(email)
    check_password(password)
    if find_user(session, address) is not None:
        raise AccountError(f"an account for {address} exists already")
    user = User(email=address, password_hash=generate_password_hash(password), created_at=datetime.now(UTC))
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    check_password(password)
    user.password_hash = generate_password_hash(password)


def _keys(email: str, address: str | None) -> list[tuple[str, Throttle]]:
    keys = [(f"account:{normalise_email(email)}", ACCOUNT_THROTTLE)]
    if address:
        keys.append((f"ip:{address}", ADDRESS_THROTTLE))
    return keys


def _wait(session: Session, key: str, throttle: Throttle, now: datetime) -> timedelta | None:
    """How long until `key` may try again, or None when it may now."""
    recent = list(
        session.scalars(
            select(LoginFailure.at)
            .where(LoginFailure.key == key, LoginFailure.at > now - throttle.window)
            .order_by(LoginFailure.at)
        )
    )
    if len(recent) < throttle.limit:
        return None
    # Free again when all but limit-1 of the recent failures have left the window.
    return recent[len(recent) - throttle.limit] + throttle.window - now


def authenticate(
    session: Session, email: str, password: str, address: str | None, now: datetime | None = None
) -> User | None:
    """The user these credentials sign in, or None; raises TooManyAttempts while throttled.

    A failure is recorded against the account and the address; a success clears the account's.
    """
    now = now or datetime.now(UTC)
    keys = _keys(email, address)
    waits = [wait for key, throttle in keys if (wait := _wait(session, key, throttle, now)) is not None]
    if waits:
        raise TooManyAttempts(max(1, math.ceil(max(waits).total_seconds() / 60)))
    user = find_user(session, email)
    if check_password_hash(user.password_hash if user else _unknown_user_hash(), password) and user:
        session.execute(delete(LoginFailure).where(LoginFailure.key == keys[0][0]))
        user.last_login_at = now
        return user
    log.info("failed sign-in for an account (%s)", "known" if user else "unknown")
    oldest = now - max(ACCOUNT_THROTTLE.window, ADDRESS_THROTTLE.window)
    session.execute(delete(LoginFailure).where(LoginFailure.at <= oldest))  # keep the table small
    session.add_all(LoginFailure(key=key, at=now) for key, _ in keys)
    return None
