"""WooCommerce's batch endpoints: `{"create": [...], "update": [...], "delete": [...]}` in one POST,
at most 100 objects in all, and one answer per object in the same order.

A failed object does not fail the batch: the answer is still 200 and the object's place holds
`{"id": 0 | <id>, "error": {"code", "message", "data"}}` (WC_REST_Controller::batch_items):
https://github.com/woocommerce/woocommerce/blob/trunk/plugins/woocommerce/includes/rest-api/Controllers/Version3/class-wc-rest-controller.php
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from connectors.errors import AmbiguousWriteError

if TYPE_CHECKING:
    from connectors.woocommerce.target import WooTarget

# "By default it's limited to up to 100 objects to be created, updated or deleted" (the sum of the
# three lists; the `woocommerce_rest_batch_items_limit` filter can lower it on a given store).
BATCH_LIMIT = 100

T = TypeVar("T")


@dataclass(frozen=True)
class Answer:
    """What the store said about one object of a batch: the object itself, or its error."""

    body: Mapping[str, Any] = field(default_factory=dict)
    code: str | None = None
    message: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.code is None

    @property
    def id(self) -> int:
        return int(self.body["id"])

    @property
    def reason(self) -> str:
        return f"{self.message} ({self.code})" if self.message else str(self.code)


@dataclass(frozen=True)
class BatchAnswer:
    create: list[Answer]
    update: list[Answer]
    delete: list[Answer]


def send_batch(
    target: WooTarget,
    path: str,
    *,
    create: Sequence[Mapping[str, Any]] = (),
    update: Sequence[Mapping[str, Any]] = (),
    delete: Sequence[int] = (),
) -> BatchAnswer:
    """One batch request (the caller keeps it within BATCH_LIMIT). Without creates it is safe to
    repeat, so the client retries it like a read; with creates, a lost answer is AmbiguousWriteError."""
    total = len(create) + len(update) + len(delete)
    if total > BATCH_LIMIT:
        raise ValueError(f"a batch holds at most {BATCH_LIMIT} objects, not {total}")
    body = {
        name: list(objects)
        for name, objects in (("create", create), ("update", update), ("delete", delete))
        if objects
    }
    raw = target.send("POST", path, body, idempotent=not create)
    if not isinstance(raw, dict):
        # A 2xx means the store ran the batch; only its answer is unreadable.
        raise AmbiguousWriteError(f"POST {path} answered with {type(raw).__name__}, not the batch's results")
    return BatchAnswer(
        create=_answers(raw, "create", len(create)),
        update=_answers(raw, "update", len(update)),
        delete=_answers(raw, "delete", len(delete)),
    )


def _answers(raw: Mapping[str, Any], kind: str, expected: int) -> list[Answer]:
    answers = []
    items = raw.get(kind) or []
    for index in range(expected):
        item = items[index] if index < len(items) else None
        if not isinstance(item, dict):
            answers.append(
                Answer(code="ferry_no_answer", message="the batch answer has no entry for this object")
            )
        elif isinstance(item.get("error"), dict):
            error = item["error"]
            data = error.get("data")
            answers.append(
                Answer(
                    body=item,
                    code=str(error.get("code") or "error"),
                    message=str(error.get("message") or ""),
                    data=data if isinstance(data, dict) else {"value": data},
                )
            )
        else:
            answers.append(Answer(body=item))
    return answers


def chunks(items: Sequence[T], size: int = BATCH_LIMIT) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
