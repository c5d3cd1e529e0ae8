"""One product's variations after the product itself is written: create the new ones, update the
known ones, delete the ones of ours that vanished from the source, through
`products/{id}/variations/batch` (100 objects a request, so 120 variants take two).

Which variations the product has comes from the product's own answer (`variations`: their ids);
ids the link table does not know are read once to see whether they carry our `_ferry_source`
(adopt them), carry it for a variant that is gone (delete them), or are someone else's (left alone).
https://woocommerce.github.io/woocommerce-rest-api-docs/#batch-update-product-variations
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from connectors.errors import AmbiguousWriteError
from connectors.woocommerce.batch import BATCH_LIMIT, Answer, send_batch
from connectors.woocommerce.model import GROUPS, WooProduct, WooVariation
from connectors.woocommerce.payload import image_ids, variation_payload
from connectors.woocommerce.reconcile import Reconciler, source_of
from connectors.woocommerce.taxonomy import Lookups

if TYPE_CHECKING:
    from connectors.woocommerce.target import WooTarget

log = logging.getLogger(__name__)


@dataclass
class VariationOutcome:
    ids: dict[str, int] = field(default_factory=dict)  # source key -> Woo id, for the variants Woo has
    errors: list[str] = field(default_factory=list)
    request: str | None = None


@dataclass
class _State:
    """What one product's sync knows so far; each round sends what is still to do."""

    wanted: dict[str, WooVariation]
    known: dict[str, int]
    stale: list[int]
    structural: bool  # may create and delete (the attributes group)
    full: set[str] = field(default_factory=set)  # adopted after a lost create: write every field
    done: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)
    recreate: set[str] = field(default_factory=set)  # known id gone meanwhile: created once more

    def operations(self) -> list[tuple[str, Any]]:
        ops: list[tuple[str, Any]] = []
        for key in self.wanted:
            if key in self.done or key in self.failed:
                continue
            if key in self.known:
                ops.append(("update", key))
            elif self.structural or key in self.recreate:
                ops.append(("create", key))
        if self.structural:
            ops += [("delete", woo_id) for woo_id in self.stale if woo_id not in self.deleted]
        return ops


class VariationWriter:
    def __init__(self, target: WooTarget, reconciler: Reconciler, rounds: int) -> None:
        self.target = target
        self.reconciler = reconciler
        self.rounds = rounds

    def sync(
        self,
        product: WooProduct,
        answered: Mapping[str, Any],
        known: Mapping[str, int],
        groups: frozenset[str],
        lookups: Lookups,
        unit: str,
    ) -> VariationOutcome:
        product_id = int(answered["id"])
        path = f"products/{product_id}/variations/batch"
        state = self._state(product, product_id, answered, known, groups)
        pictures = image_ids(product.images, answered.get("images") or ())
        last = ""
        for _ in range(self.rounds):
            operations = state.operations()
            if not operations:
                break
            for start in range(0, len(operations), BATCH_LIMIT):
                chunk = operations[start : start + BATCH_LIMIT]
                since = self.target.store_now()
                creates = [key for kind, key in chunk if kind == "create"]
                updates = [key for kind, key in chunk if kind == "update"]
                deletes = [woo_id for kind, woo_id in chunk if kind == "delete"]

                def payload(key: str, allowed: frozenset[str]) -> dict[str, Any]:
                    return variation_payload(state.wanted[key], lookups, unit, pictures, allowed)

                try:
                    answer = send_batch(
                        self.target,
                        path,
                        create=[payload(key, GROUPS) for key in creates],
                        update=[
                            {"id": state.known[key], **payload(key, GROUPS if key in state.full else groups)}
                            for key in updates
                        ],
                        delete=deletes,
                    )
                except AmbiguousWriteError as error:
                    last = error.message
                    log.warning(
                        "settling a lost variations batch of product %s: %s", product_id, error.message
                    )
                    self._adopt(product_id, state, creates, since)
                    continue
                self._settle(state, creates, answer.create, "create")
                self._settle(state, updates, answer.update, "update")
                for woo_id, result in zip(deletes, answer.delete, strict=True):
                    # Already gone is as good as deleted.
                    if result.ok or result.code in {"woocommerce_rest_product_variation_invalid_id"}:
                        state.deleted.add(woo_id)
                    else:
                        state.stale.remove(woo_id)
                        log.warning("could not delete variation %s: %s", woo_id, result.reason)
        leftover = state.operations()
        outcome = VariationOutcome(
            ids={key: woo_id for key, woo_id in state.known.items() if key in state.wanted},
            errors=[f"variation {key}: {reason}" for key, reason in state.failed.items()],
            request=f"POST {path}" if state.failed or leftover else None,
        )
        if leftover:
            outcome.errors.append(
                f"{len(leftover)} variation writes still unsettled after {self.rounds} tries: {last}"
            )
        return outcome

    def _state(
        self,
        product: WooProduct,
        product_id: int,
        answered: Mapping[str, Any],
        known: Mapping[str, int],
        groups: frozenset[str],
    ) -> _State:
        wanted = {variation.source_key: variation for variation in product.variations}
        if "variations" in answered:
            present = {int(woo_id) for woo_id in answered["variations"] or ()}
        else:  # an answer trimmed by a plugin: ask
            present = {int(record["id"]) for record in self.reconciler.variations(product_id)}
        # Known ids the product no longer has were deleted in WooCommerce: they are created anew.
        mine = {key: woo_id for key, woo_id in known.items() if woo_id in present}
        stale = [woo_id for key, woo_id in mine.items() if key not in wanted]
        strangers = present - set(mine.values())
        for record in self.reconciler.variations(product_id, strangers) if strangers else ():
            key = source_of(record)
            if key is None:
                continue  # not written by Ferry: never touched
            if key in wanted and key not in mine:
                mine[key] = int(record["id"])
            else:
                stale.append(int(record["id"]))
        return _State(
            wanted=wanted,
            known={key: woo_id for key, woo_id in mine.items() if key in wanted},
            stale=stale,
            structural="attributes" in groups,
            recreate={key for key in known if key in wanted and known[key] not in present},
        )

    def _adopt(self, product_id: int, state: _State, creates: list[str], since: float) -> None:
        """After a lost batch: the variations it may have created carry our meta; adopt them."""
        if not creates:
            return
        for record in self.reconciler.variations(product_id):
            key = source_of(record)
            if key in creates and key not in state.known:
                state.known[key] = int(record["id"])
                state.full.add(key)

    @staticmethod
    def _settle(state: _State, keys: list[str], answers: list[Answer], kind: str) -> None:
        for key, result in zip(keys, answers, strict=True):
            if result.ok:
                state.known[key] = result.id
                state.done.add(key)
            elif kind == "update" and result.code == "woocommerce_rest_product_variation_invalid_id":
                del state.known[key]  # deleted meanwhile: created once more next round
                state.recreate.add(key)
            elif result.code == "product_invalid_sku":
                holder = result.data.get("resource_id")
                sku = state.wanted[key].sku
                state.failed[key] = (
                    f"SKU {sku!r} is already used by WooCommerce product or variation {holder}; "
                    "it was left untouched"
                )
            else:
                state.failed[key] = result.reason
