"""The dependency rules of design.md, checked on the source: layers point one way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_roots(package: str) -> set[tuple[str, str]]:
    """(file, top-level module) for every import in a package."""
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            found.update((str(path.relative_to(ROOT)), name.split(".")[0]) for name in names)
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        pytest.param(
            "sandbox", {"connectors", "jobs", "wizard", "app"}, id="sandbox-is-an-independent-witness"
        ),
        pytest.param("connectors", {"jobs", "wizard", "app", "flask", "rq", "sandbox"}, id="connectors"),
        pytest.param("jobs", {"wizard", "app", "flask", "sandbox"}, id="jobs-never-load-the-web"),
    ],
)
def test_layers_point_one_way(package: str, forbidden: set[str]) -> None:
    leaks = sorted((path, module) for path, module in imported_roots(package) if module in forbidden)
    assert not leaks, f"{package}/ imports what it must not: {leaks}"
