"""Compare a sandbox response with a platform's published example: same keys, same JSON types.

`null` in either side matches any type (a published example shows one value, not every value a
field may take); lists compare every element against the example's first element.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).parent / "samples"


def sample(relative: str) -> Any:
    """A published payload from tests/samples (copied from shared/api-samples, see PROVENANCE.md)."""
    return json.loads((SAMPLES / relative).read_text())


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), "null")


def shape_differences(expected: Any, actual: Any, path: str = "$", extra_ok: bool = False) -> list[str]:
    """Every place where `actual` differs in keys or types from `expected`, as readable paths.

    `extra_ok` lets `actual` have keys the example lacks (for examples that show only some fields).
    """
    if expected is None or actual is None:
        return []
    if _kind(expected) != _kind(actual):
        return [f"{path}: expected {_kind(expected)}, got {_kind(actual)} ({actual!r:.60})"]
    problems: list[str] = []
    if isinstance(expected, dict):
        missing = sorted(set(expected) - set(actual))
        extra = sorted(set(actual) - set(expected))
        if missing:
            problems.append(f"{path}: missing keys {missing}")
        if extra and not extra_ok:
            problems.append(f"{path}: unexpected keys {extra}")
        for key in set(expected) & set(actual):
            problems += shape_differences(expected[key], actual[key], f"{path}.{key}", extra_ok)
    elif isinstance(expected, list) and expected:
        for index, item in enumerate(actual):
            problems += shape_differences(expected[0], item, f"{path}[{index}]", extra_ok)
    return problems


def assert_same_shape(expected: Any, actual: Any, extra_ok: bool = False) -> None:
    problems = shape_differences(expected, actual, extra_ok=extra_ok)
    assert not problems, "response differs from the published example:\n" + "\n".join(problems[:40])
