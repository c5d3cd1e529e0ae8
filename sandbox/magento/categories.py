"""The category tree: Magento's two roots ("Root Catalog" 1, "Default Category" 2, the store's root)
with the catalog's categories below the second.

`GET /V1/categories` answers the tree (catalog-data-category-tree-interface, the published
GET_V1_categories sample), `GET /V1/categories/{id}` and `/V1/categories/list` the category itself
(catalog-data-category-interface: `children` is a comma-separated id string, `path` the ids from
the root; https://developer.adobe.com/commerce/webapi/rest/modules/catalog/).
`product_count` counts the products assigned to the category itself, so both roots show 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sandbox.catalog import EPOCH, Catalog, Product
from sandbox.magento import ids
from sandbox.magento.query import Column, normalise

CREATED_AT = EPOCH.strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class Node:
    id: int
    parent_id: int
    name: str
    level: int
    position: int
    path: str
    url_path: str
    description: str = ""


class CategoryTree:
    """The category nodes and their product counts for one catalog version."""

    def __init__(self, catalog: Catalog, products: Iterable[Product]) -> None:
        nodes = [
            Node(ids.ROOT_CATALOG, 0, "Root Catalog", 0, 0, str(ids.ROOT_CATALOG), ""),
            Node(
                ids.DEFAULT_CATEGORY,
                ids.ROOT_CATALOG,
                "Default Category",
                1,
                1,
                f"1/{ids.DEFAULT_CATEGORY}",
                "",
            ),
        ]
        by_id = {node.id: node for node in nodes}
        siblings: Counter[int] = Counter()
        for category in catalog.categories:  # parents come first
            parent = by_id[ids.category_id(category.parent) if category.parent else ids.DEFAULT_CATEGORY]
            siblings[parent.id] += 1
            node = Node(
                ids.category_id(category.key),
                parent.id,
                category.name,
                parent.level + 1,
                siblings[parent.id],
                f"{parent.path}/{ids.category_id(category.key)}",
                f"{parent.url_path}/{category.slug}".lstrip("/"),
                category.description,
            )
            nodes.append(node)
            by_id[node.id] = node
        self.nodes = nodes
        self.by_id = by_id
        self.children: dict[int, list[Node]] = {}
        for node in nodes[1:]:
            self.children.setdefault(node.parent_id, []).append(node)
        self.counts = Counter(ids.category_id(key) for product in products for key in product.category_keys)

    def tree(self, root: int, depth: int | None, level: int = 0) -> dict[str, Any]:
        """Catalog\\Model\\Category\\Tree::getTree: `depth` levels of children below the root."""
        node = self.by_id[root]
        below = [] if depth is not None and depth <= level else self.children.get(root, [])
        return {
            "id": node.id,
            "parent_id": node.parent_id,
            "name": node.name,
            "is_active": True,
            "position": node.position,
            "level": node.level,
            "product_count": self.counts[node.id],
            "children_data": [self.tree(child.id, depth, level + 1) for child in below],
        }

    def descendants(self, node: Node) -> int:
        return sum(1 + self.descendants(child) for child in self.children.get(node.id, []))

    def payload(self, node: Node) -> dict[str, Any]:
        """One category as `GET /V1/categories/{id}` answers it."""
        custom = [{"attribute_code": "description", "value": node.description}] if node.description else []
        if node.url_path:
            custom += [
                {"attribute_code": "url_key", "value": node.url_path.rsplit("/", 1)[-1]},
                {"attribute_code": "url_path", "value": node.url_path},
            ]
        custom += [
            {"attribute_code": "display_mode", "value": "PRODUCTS"},
            {"attribute_code": "is_anchor", "value": "1"},
            {"attribute_code": "path", "value": node.path},
            {"attribute_code": "children_count", "value": str(self.descendants(node))},
        ]
        return {
            "id": node.id,
            "parent_id": node.parent_id,
            "name": node.name,
            "is_active": True,
            "position": node.position,
            "level": node.level,
            "children": ",".join(str(child.id) for child in self.children.get(node.id, [])),
            "created_at": CREATED_AT,
            "updated_at": CREATED_AT,
            "path": node.path,
            "available_sort_by": [],
            "include_in_menu": True,
            "custom_attributes": custom,
        }


# searchCriteria fields of /V1/categories/list: (kind, how to read a node).
CATEGORY_FIELDS = {
    "entity_id": ("int", lambda tree, node: node.id),
    "id": ("int", lambda tree, node: node.id),
    "parent_id": ("int", lambda tree, node: node.parent_id),
    "name": ("text", lambda tree, node: node.name),
    "level": ("int", lambda tree, node: node.level),
    "position": ("int", lambda tree, node: node.position),
    "path": ("text", lambda tree, node: node.path),
    "is_active": ("int", lambda tree, node: 1),
    "include_in_menu": ("int", lambda tree, node: 1),
    "url_key": ("text", lambda tree, node: node.url_path.rsplit("/", 1)[-1] or None),
    "url_path": ("text", lambda tree, node: node.url_path or None),
    "children_count": ("int", lambda tree, node: tree.descendants(node)),
    "created_at": ("datetime", lambda tree, node: CREATED_AT),
    "updated_at": ("datetime", lambda tree, node: CREATED_AT),
}


class CategoryTable:
    """The categories as a table for searchCriteria (they are few: no caching needed)."""

    def __init__(self, tree: CategoryTree) -> None:
        self.tree = tree
        self.ids = [node.id for node in tree.nodes]

    def column(self, name: str) -> Column | None:
        if name not in CATEGORY_FIELDS:
            return None
        kind, read = CATEGORY_FIELDS[name]
        return Column(kind, [normalise(kind, read(self.tree, node)) for node in self.tree.nodes])
