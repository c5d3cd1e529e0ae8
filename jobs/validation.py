"""The error every check of an import definition raises, and the helpers that name the field.

Its own module so that `jobs.definition` can hold a `Schedule` while `jobs.scheduling` raises the
same `DefinitionError` without the two importing each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DefinitionError(ValueError):
    """A definition that cannot run; the message starts with the dotted path of the field."""


def field_error(path: str, message: str) -> DefinitionError:
    return DefinitionError(f"{path}: {message}")


def only_known_keys(path: str, data: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise field_error(
            f"{path}.{unknown[0]}" if path else unknown[0],
            f"unknown key; expected one of {', '.join(sorted(allowed))}",
        )
