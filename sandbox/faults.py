"""Fault injection: what can go wrong between an importer and a store, on demand.

Counted faults (`*_next`) hit the next N matching requests, which makes tests exact; rates
(`error_rate`) draw from a seeded generator, which makes soak runs repeatable. `match` limits every
request fault to paths matching a regex (say, only the products endpoint). Set them with `ferry sandbox
--fault STORE:NAME=VALUE` or `POST /_sandbox/faults`.

Two faults concern the webhooks a store sends rather than the requests it answers (see
sandbox/webhooks.py; `match` does not limit them): `webhook_duplicate_next` sends each of the next N
deliveries twice, `webhook_bad_signature_next` precedes each of the next N with a forged copy.
"""

from __future__ import annotations

import enum
import random
import re
import threading
import time
from dataclasses import dataclass, fields
from typing import Any


class Action(enum.Enum):
    PASS = "pass"
    HANG = "hang"  # accept the request, never answer
    RESET = "reset"  # abort the connection with a TCP RST before answering
    RATE_LIMIT = "rate_limit"  # the platform's 429
    SERVER_ERROR = "server_error"  # the platform's 5xx
    MALFORM = "malform"  # answer 200 with the JSON body cut in half
    DROP = "drop"  # run the request (commit the write), then reset instead of answering


@dataclass
class FaultSettings:
    latency_ms: int = 0
    error_rate: float = 0.0
    error_status: int = 503
    error_next: int = 0
    rate_limit_next: int = 0
    hang_next: int = 0
    hang_seconds: float = 600.0
    reset_next: int = 0
    malformed_next: int = 0
    drop_next: int = 0
    webhook_duplicate_next: int = 0
    webhook_bad_signature_next: int = 0
    match: str = ""
    seed: int = 0

    @classmethod
    def names(cls) -> list[str]:
        return [item.name for item in fields(cls)]


class FaultError(ValueError):
    """A fault setting that does not exist or has a bad value."""


def coerce(name: str, value: Any) -> Any:
    """The setting `name` parsed from text or JSON, with a message naming what is wrong."""
    kinds = {item.name: item.type for item in fields(FaultSettings)}
    if name not in kinds:
        raise FaultError(f"unknown fault {name!r}; known: {', '.join(FaultSettings.names())}")
    kind = kinds[name]
    try:
        if kind == "str":
            parsed: Any = str(value)
            re.compile(parsed)
        elif kind == "float":
            parsed = float(value)
        else:
            parsed = int(value)
    except (TypeError, ValueError, re.error) as error:
        wanted = {"str": "a regular expression", "float": "a number"}.get(kind, "a whole number")
        raise FaultError(f"fault {name!r} needs {wanted}, got {value!r}") from error
    if isinstance(parsed, int | float) and parsed < 0:
        raise FaultError(f"fault {name!r} cannot be negative")
    if name == "error_rate" and parsed > 1:
        raise FaultError("fault 'error_rate' is a share between 0 and 1")
    if name == "error_status" and not 500 <= parsed <= 599:
        raise FaultError("fault 'error_status' must be a 5xx status")
    return parsed


class Faults:
    """The live fault settings of one store; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self.settings = FaultSettings()
            self._random = random.Random(0)
            self._match: re.Pattern[str] | None = None

    def update(self, changes: dict[str, Any]) -> dict[str, Any]:
        parsed = {name: coerce(name, value) for name, value in changes.items()}
        with self._lock:
            for name, value in parsed.items():
                setattr(self.settings, name, value)
            self._match = re.compile(self.settings.match) if self.settings.match else None
            if "seed" in parsed:
                self._random = random.Random(self.settings.seed)
            return self.snapshot()

    def snapshot(self) -> dict[str, Any]:
        return {name: getattr(self.settings, name) for name in FaultSettings.names()}

    @property
    def hang_seconds(self) -> float:
        return self.settings.hang_seconds

    @property
    def error_status(self) -> int:
        return self.settings.error_status

    def take(self, name: str) -> bool:
        """Use up one of a counted fault that is not about a request (webhook deliveries)."""
        with self._lock:
            return self._take(name)

    def _take(self, name: str) -> bool:
        left = getattr(self.settings, name)
        if left > 0:
            setattr(self.settings, name, left - 1)
            return True
        return False

    def _applies(self, path: str) -> bool:
        return self._match is None or bool(self._match.search(path))

    def before(self, request: Any) -> Action:
        """Decide what happens to a request before the store sees it (may sleep for latency)."""
        with self._lock:
            if not self._applies(request.path):
                return Action.PASS
            latency = self.settings.latency_ms
            if self._take("hang_next"):
                action = Action.HANG
            elif self._take("reset_next"):
                action = Action.RESET
            elif self._take("rate_limit_next"):
                action = Action.RATE_LIMIT
            elif self._take("error_next") or (
                self.settings.error_rate and self._random.random() < self.settings.error_rate
            ):
                action = Action.SERVER_ERROR
            else:
                action = Action.PASS
        if latency:
            time.sleep(latency / 1000)
        return action

    def after(self, request: Any, response: Any) -> Action:
        """Decide what happens to an answer the store produced."""
        with self._lock:
            if not self._applies(request.path):
                return Action.PASS
            # "Commit, then drop the response" only makes sense for writes.
            if request.method in {"POST", "PUT", "PATCH", "DELETE"} and self._take("drop_next"):
                return Action.DROP
            if response.status == 200 and self._take("malformed_next"):
                return Action.MALFORM
        return Action.PASS
