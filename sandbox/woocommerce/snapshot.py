"""`GET /_sandbox/products`: every product with its variations, straight from the stored data,
so tests and benchmarks can inspect what an import wrote without paging through the API.

Compact on purpose (no rendering, no URLs): cheap even for 100,000 products.
"""

from __future__ import annotations

from typing import Any

from sandbox.woocommerce.database import Database, Post
from sandbox.woocommerce.render import own_price


def _common(db: Database, post: Post) -> dict[str, Any]:
    return {
        "id": post.id,
        "status": post.status,
        "sku": post.sku,
        "regular_price": post.regular_price,
        "sale_price": post.sale_price,
        "price": own_price(post),
        "manage_stock": post.manage_stock,
        "stock_quantity": post.stock_quantity,
        "stock_status": post.stock_status,
        "images": [db.attachments[item].source for item in post.image_ids if item in db.attachments],
        "meta_data": {item["key"]: item["value"] for item in post.meta_data},
        "modified": post.modified,
    }


def products(db: Database) -> dict[str, Any]:
    with db.lock:
        found = []
        for post in db.posts.values():
            if post.kind != "product":
                continue
            entry = _common(db, post)
            entry.update(
                name=post.name,
                slug=post.slug,
                type=post.type,
                categories=list(post.category_ids),
                tags=list(post.tag_ids),
                attributes=[
                    {
                        "id": item["id"],
                        "name": item["name"],
                        "options": list(item["options"]),
                        "variation": item["variation"],
                    }
                    for item in post.attributes
                ],
                variations=[
                    {
                        **_common(db, child),
                        "attributes": {item["key"]: item["option"] for item in child.variation_attributes},
                    }
                    for child in db.variations(post.id)
                ],
            )
            found.append(entry)
        return {"count": len(found), "version": db.version, "products": found}
