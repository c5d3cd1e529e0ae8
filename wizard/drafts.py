"""Wizard drafts in the database: what a user entered so far, section by section.

`data` is plain JSON that may be shown again: one section per step (`source`, `target`, ...),
the connection reports the tests produced (`reports`), and the names of saved secrets
(`saved_secrets`). The secret values of every section are sealed together in `Draft.secrets`
with the same SecretBox as connections. Sections are replaced whole, never mutated in place, so
SQLAlchemy sees every change to the JSON column.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs.secrets import SecretBox
from jobs.store.models import Draft


def new_draft(session: Session, user_id: int, step: str) -> Draft:
    now = datetime.now(UTC)
    draft = Draft(user_id=user_id, step=step, data={}, created_at=now, updated_at=now)
    session.add(draft)
    session.flush()
    return draft


def find_draft(session: Session, user_id: int, draft_id: object) -> Draft | None:
    """The user's draft with this id (a draft of another user is not found)."""
    if not isinstance(draft_id, int):
        return None
    draft = session.get(Draft, draft_id)
    return draft if draft is not None and draft.user_id == user_id else None


def latest_draft(session: Session, user_id: int) -> Draft | None:
    return session.scalar(
        select(Draft).where(Draft.user_id == user_id).order_by(Draft.updated_at.desc(), Draft.id.desc())
    )


def section(draft: Draft, name: str) -> dict[str, Any]:
    """A copy of one section's data ({} before anything was entered)."""
    return dict(draft.data.get(name) or {})


def set_section(draft: Draft, name: str, values: Mapping[str, Any] | None) -> None:
    data = dict(draft.data)
    if values is None:
        data.pop(name, None)
    else:
        data[name] = dict(values)
    draft.data = data
    draft.updated_at = datetime.now(UTC)


def secrets(draft: Draft, box: SecretBox, name: str) -> dict[str, str]:
    """One section's saved secret values (for a connection test; never for a page)."""
    return dict(box.open(draft.secrets).get(name) or {}) if draft.secrets else {}


def saved_secret_names(draft: Draft, name: str) -> list[str]:
    return list((draft.data.get("saved_secrets") or {}).get(name) or [])


def set_secrets(draft: Draft, box: SecretBox, name: str, values: Mapping[str, str]) -> None:
    """Replace one section's secrets (an empty mapping forgets them)."""
    sealed = box.open(draft.secrets) if draft.secrets else {}
    sealed[name] = dict(values)
    if not values:
        sealed.pop(name)
    draft.secrets = box.seal(sealed) if sealed else None
    names = dict(section(draft, "saved_secrets"))
    names[name] = sorted(values)
    set_section(draft, "saved_secrets", {key: value for key, value in names.items() if value})


def forget(draft: Draft, box: SecretBox, *names: str) -> None:
    """Drop sections and their secrets (a new platform makes the old credentials meaningless)."""
    for name in names:
        set_section(draft, name, None)
        set_secrets(draft, box, name, {})
