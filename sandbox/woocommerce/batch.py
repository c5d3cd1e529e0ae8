"""`POST …/batch`: creates, then updates, then deletes, each item answered on its own.

WC_REST_Controller::batch_items(): more than 100 objects in total is 413
`woocommerce_rest_request_entity_too_large` before anything is written; otherwise every item
runs like its single request and a failure becomes `{"id": 0 | id, "error": {code, message,
data}}` in place, the rest of the batch standing and the answer still HTTP 200. The answer has a
key only for the lists that were sent non-empty; deletes are forced and id 0 is skipped.
https://github.com/woocommerce/woocommerce/blob/trunk/plugins/woocommerce/includes/rest-api/Controllers/Version3/class-wc-rest-controller.php
Unlike WooCommerce, which skips schema validation inside batches and coerces what it gets, the
sandbox validates each item as its single request would be: a batch the sandbox accepts, every
WooCommerce accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.woocommerce.capacity import Tally
from sandbox.woocommerce.errors import ParamError, WooError, invalid_params
from sandbox.woocommerce.schema import php_int

LIMIT = 100
Payload = dict[str, Any]


def run(
    body: dict[str, Any],
    tally: Tally,
    create: Callable[[dict[str, Any]], Payload],
    update: Callable[[dict[str, Any]], Payload],
    delete: Callable[[int], Payload],
) -> dict[str, list[Payload]]:
    lists = {name: body.get(name) for name in ("create", "update", "delete") if body.get(name)}
    wrong = {
        name: ParamError("rest_invalid_type", f"{name} is not of type array.", name)
        for name, items in lists.items()
        if not isinstance(items, list)
    }
    if wrong:
        raise invalid_params(wrong)
    if sum(len(items) for items in lists.values()) > LIMIT:
        message = f"Unable to accept more than {LIMIT} items for this request."
        raise WooError("woocommerce_rest_request_entity_too_large", message, 413)
    answer: dict[str, list[Payload]] = {}
    for item in lists.get("create", []):
        item = item if isinstance(item, dict) else {}
        tally.created += _one(answer, "create", 0, lambda item=item: create(item))
    for item in lists.get("update", []):
        item = item if isinstance(item, dict) else {}
        tally.updated += _one(answer, "update", item.get("id"), lambda item=item: update(item))
    for raw in lists.get("delete", []):
        post_id = php_int(raw)
        if post_id == 0:
            continue
        tally.deleted += _one(answer, "delete", post_id, lambda post_id=post_id: delete(post_id))
    return answer


def _one(answer: dict[str, list[Payload]], name: str, item_id: Any, action: Callable[[], Payload]) -> int:
    """Run one item into the answer; 1 when it succeeded."""
    try:
        answer.setdefault(name, []).append(action())
        return 1
    except WooError as error:
        answer.setdefault(name, []).append({"id": item_id, "error": error.body()})
        return 0
