"""Shopify's calculated query cost: the requested cost (static, before execution) and the actual
cost (from the result).

The published rules (https://shopify.dev/docs/api/usage/limits#graphql-admin-api-rate-limits):

    | Field returns | Cost value                            |
    | Scalar, Enum  | 0                                     |
    | Object        | 1                                     |
    | Interface     | Maximum of possible selections        |
    | Union         | Maximum of possible selections        |
    | Connection    | Sized by `first` and `last` arguments |
    | Mutation      | 10                                    |

"Although these default costs are in place, Shopify also reserves the right to set manual costs
on fields", and Shopify's staff add that connection sizes are scaled logarithmically and that the
exact formula is deliberately unpublished
(https://community.shopify.dev/t/how-to-calculate-graphql-cost-estimates/24364). The linear
folklore (2 + first x node cost) prices `products(first: 50) { variants(first: 100) ... }` at
several thousand points, which live Shopify accepts at a few hundred; a sandbox that refused it
would teach an importer the wrong page sizes. So the constants below were fitted to 925 distinct
queries answered by a live store (the `requestedQueryCost` recorded in
github.com/airhorns/shopify-draft-proxy fixtures/conformance, API 2025-01 and 2026-04): the rules
reproduce 820 of them exactly (the linear rule: 160). The misses are introspection (free here) and
fields with manual or input-sized costs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLField,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    value_from_ast_untyped,
)

OBJECT_COST = 1
CONNECTION_COST = 2  # the connection and its PageInfo
MUTATION_COST = 10
COUNT_COST = 10  # every `Count` (productsCount, variantsCount, ...) in the captures
FREE_TYPES = frozenset({"MoneyV2", "MoneyBag"})  # money objects cost nothing in the captures
# "A single query may not exceed a cost of 1,000 points, regardless of plan limits."
MAX_SINGLE_QUERY_COST = 1000


def connection_size(nodes: int | None) -> int:
    """How many nodes a page of `nodes` is charged for: 1 -> 1, 2 -> 1, 5 -> 3, 10 -> 4,
    50 -> 7, 100 -> 9, 250 -> 11 (the fit described in the module docstring). An empty page costs
    like a page of one; a connection asked without first or last (an error) costs no nodes."""
    if nodes is None:
        return 0
    return max(1, math.floor(2 * math.log(max(nodes, 1))))


@dataclass(frozen=True)
class Throttle:
    """One plan's GraphQL bucket: `restore_rate` points a second, `capacity` points at most."""

    capacity: int
    restore_rate: int


# Restore rates: "Standard 100 points/second, Advanced Shopify 200, Shopify Plus 1000"
# (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits). The page gives no bucket
# size; live responses show twenty seconds' worth: {"maximumAvailable": 2000, "restoreRate": 100}
# on a development store (the captures above), 4000/200 and 20000/1000 in published logs of
# Advanced and Plus shops.
THROTTLES = {
    "standard": Throttle(capacity=2000, restore_rate=100),
    "advanced": Throttle(capacity=4000, restore_rate=200),
    "plus": Throttle(capacity=20000, restore_rate=1000),
}


class QueryCost:
    """The costs of one operation of a parsed and validated document."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.operation = operation
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.variables = _with_defaults(operation, variables)
        root = schema.get_root_type(operation.operation)
        assert root is not None, "a validated operation has a root type"
        self.root = root
        self.is_mutation = operation.operation is OperationType.MUTATION
        # The actual cost walks every node of the answer through the same few selections.
        self._collected: dict[tuple[str, tuple[int, ...]], dict[str, list[FieldNode]]] = {}
        self._composite: dict[tuple[str, tuple[int, ...]], list[tuple[str, list[FieldNode]]]] = {}

    def requested(self) -> int:
        fields = self._collect(self.root, [self.operation.selection_set])
        return sum(self._root_cost(nodes, None, present=True, actual=False) for nodes in fields.values())

    def actual(self, data: Mapping[str, Any] | None) -> int:
        """What the response in `data` cost: connections pay for the nodes they returned, an
        object field pays for itself even when null (`product(id:)` finding nothing costs 1, a
        connection refused for bad arguments 2, as in the captures)."""
        fields = self._collect(self.root, [self.operation.selection_set])
        answered = data if data is not None else dict.fromkeys(fields)
        return sum(
            self._root_cost(nodes, answered.get(key), present=key in answered, actual=True)
            for key, nodes in fields.items()
        )

    # -- one field ---------------------------------------------------------------------------
    def _root_cost(self, nodes: list[FieldNode], value: Any, present: bool, actual: bool) -> int:
        if not present:
            return 0
        if not self.is_mutation:
            return self._cost(self.root, nodes, value, actual)
        # A mutation costs 10 with its payload and the objects the payload names; what those
        # objects contain costs as usual (productCreate { product { id } userErrors { field } }
        # is 10 in the captures, customerCreate { customer { defaultEmailAddress { ... } } } 11).
        definition = _field(self.root, nodes[0])
        if definition is None:
            return 0
        payload = get_named_type(definition.type)
        if is_leaf_type(payload):
            return MUTATION_COST
        extra = 0
        for key, inner in self._collect_for(payload, nodes, value).items():
            inner_definition = _field(payload, inner[0])
            if inner_definition is None:
                continue
            inner_value = value.get(key) if isinstance(value, Mapping) else None
            inner_type = get_named_type(inner_definition.type)
            if _is_connection(inner_type, inner_definition):
                extra += self._cost(payload, inner, inner_value, actual)
            elif not is_leaf_type(inner_type):
                extra += self._children(inner_type, _selection_sets(inner), inner_value, actual)
        return MUTATION_COST + extra

    def _cost(self, parent: GraphQLNamedType, nodes: list[FieldNode], value: Any, actual: bool) -> int:
        definition = _field(parent, nodes[0])
        if definition is None:
            return 0
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return 0
        selections = _selection_sets(nodes)
        if _is_connection(named, definition):
            return CONNECTION_COST + self._page_cost(named, nodes, selections, value, actual)
        own = 0 if named.name in FREE_TYPES else COUNT_COST if named.name == "Count" else OBJECT_COST
        if actual and value is None:
            return own
        items = value if actual and isinstance(value, list) else [value]
        return own + max((self._children(named, selections, item, actual) for item in items), default=0)

    def _children(
        self, named: GraphQLNamedType, selections: list[SelectionSetNode], value: Any, actual: bool
    ) -> int:
        """The selections on `named`: for an interface or union, the dearest possible type (or,
        for an actual cost, the type the response names in `__typename`)."""
        return max(
            (
                sum(
                    self._cost(concrete, nodes, _get(value, key), actual)
                    for key, nodes in self._priced(concrete, selections)
                    if not actual or (isinstance(value, Mapping) and key in value)
                )
                for concrete in self._types(named, selections, value if actual else None)
            ),
            default=0,
        )

    def _page_cost(
        self,
        connection: GraphQLObjectType,
        nodes: list[FieldNode],
        selections: list[SelectionSetNode],
        value: Any,
        actual: bool,
    ) -> int:
        """The nodes of a page, once for `nodes { ... }` and once more for `edges { node }`:
        a page asking for both is charged for both in the captures."""
        if actual and not isinstance(value, Mapping):
            return 0
        node_type = get_named_type(connection.fields["nodes"].type) if "nodes" in connection.fields else None
        total = 0
        for key, field_nodes in self._collect(connection, selections).items():
            name = field_nodes[0].name.value
            if name not in ("nodes", "edges"):
                continue
            listed = value.get(key) if actual else None
            if actual and not isinstance(listed, list):
                continue
            size = len(listed) if actual else self._page_size(nodes)
            if name == "nodes":
                items = [(_selection_sets(field_nodes), item) for item in listed or [None]]
            else:
                edge_type = connection.fields["edges"].type
                items = [
                    (
                        _selection_sets(
                            self._collect(get_named_type(edge_type), _selection_sets(field_nodes)).get(
                                "node", []
                            )
                        ),
                        _get(edge, "node"),
                    )
                    for edge in listed or [None]
                ]
            per_node = max(
                (
                    OBJECT_COST
                    + (
                        self._children(node_type, sets, item, actual)
                        if sets and node_type and not is_leaf_type(node_type)
                        else 0
                    )
                    for sets, item in items
                ),
                default=0,
            )
            total += connection_size(size) * per_node
        return total

    def _page_size(self, nodes: list[FieldNode]) -> int | None:
        sizes = [
            value
            for node in nodes
            for argument in node.arguments or ()
            if argument.name.value in ("first", "last")
            and isinstance(value := self._value(argument.value), int)
            and not isinstance(value, bool)
        ]
        return max(sizes, default=None)

    # -- selections ----------------------------------------------------------------------------
    def _types(
        self, named: GraphQLNamedType, selections: list[SelectionSetNode], value: Any
    ) -> list[GraphQLObjectType]:
        if isinstance(named, GraphQLObjectType):
            return [named]
        assert isinstance(named, GraphQLAbstractType)
        typename = _get(value, "__typename")
        found = self.schema.get_type(typename) if isinstance(typename, str) else None
        if isinstance(found, GraphQLObjectType):
            return [found]
        possible = self.schema.get_possible_types(named)
        # Only types a fragment names can cost more than the fields asked of the abstract type,
        # so price those and one that no fragment names (Node has hundreds of types).
        conditions = set().union(
            *(self._conditions(selection_set, frozenset()) for selection_set in selections)
        )
        named_types = [t for t in possible if any(self._applies(condition, t) for condition in conditions)]
        rest = next((t for t in possible if t not in named_types), None)
        return [*named_types, *([rest] if rest is not None else [])]

    def _collect_for(
        self, named: GraphQLNamedType, nodes: list[FieldNode], value: Any
    ) -> dict[str, list[FieldNode]]:
        types = self._types(named, _selection_sets(nodes), value)
        return self._collect(types[0], _selection_sets(nodes)) if types else {}

    def _priced(
        self, concrete: GraphQLObjectType, selections: list[SelectionSetNode]
    ) -> list[tuple[str, list[FieldNode]]]:
        """The fields that can cost anything: scalars and enums are free, so skip them."""
        memo = (concrete.name, tuple(id(selection_set) for selection_set in selections))
        if memo not in self._composite:
            self._composite[memo] = [
                (key, nodes)
                for key, nodes in self._collect(concrete, selections).items()
                if (definition := _field(concrete, nodes[0])) is not None
                and not is_leaf_type(get_named_type(definition.type))
            ]
        return self._composite[memo]

    def _collect(
        self, concrete: GraphQLNamedType, selections: Iterable[SelectionSetNode]
    ) -> dict[str, list[FieldNode]]:
        """The fields `concrete` resolves, by response key, through every fragment that applies."""
        assert isinstance(concrete, GraphQLObjectType)
        selections = list(selections)
        memo = (concrete.name, tuple(id(selection_set) for selection_set in selections))
        if memo in self._collected:
            return self._collected[memo]
        fields: dict[str, list[FieldNode]] = self._collected.setdefault(memo, {})
        pending: list[tuple[SelectionNode, frozenset[str]]] = [
            (selection, frozenset()) for selection_set in selections for selection in selection_set.selections
        ]
        while pending:
            selection, visited = pending.pop(0)
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                fields.setdefault(key, []).append(selection)
                continue
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition.name.value if selection.type_condition else None
                body = selection.selection_set
            else:
                assert isinstance(selection, FragmentSpreadNode)
                fragment = self.fragments.get(selection.name.value)
                if fragment is None or fragment.name.value in visited:
                    continue
                condition, body = fragment.type_condition.name.value, fragment.selection_set
                visited = visited | {fragment.name.value}
            if self._applies(condition, concrete):
                pending[0:0] = [(inner, visited) for inner in body.selections]
        return fields

    def _conditions(self, selection_set: SelectionSetNode, visited: frozenset[str]) -> set[str]:
        found: set[str] = set()
        for selection in selection_set.selections:
            if isinstance(selection, InlineFragmentNode):
                if selection.type_condition:
                    found.add(selection.type_condition.name.value)
                found |= self._conditions(selection.selection_set, visited)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in visited:
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    found.add(fragment.type_condition.name.value)
                    found |= self._conditions(fragment.selection_set, visited | {selection.name.value})
        return found

    def _applies(self, condition: str | None, concrete: GraphQLObjectType) -> bool:
        if condition is None or condition == concrete.name:
            return True
        condition_type = self.schema.get_type(condition)
        return is_abstract_type(condition_type) and self.schema.is_sub_type(condition_type, concrete)  # type: ignore[arg-type]

    def _included(self, selection: SelectionNode) -> bool:
        for directive in selection.directives or ():
            if directive.name.value not in ("skip", "include"):
                continue
            condition = next((arg.value for arg in directive.arguments or () if arg.name.value == "if"), None)
            flag = bool(self._value(condition)) if condition is not None else False
            if (directive.name.value == "skip") == flag:
                return False
        return True

    def _value(self, node: ValueNode) -> Any:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        return value_from_ast_untyped(node, self.variables)


def _with_defaults(operation: OperationDefinitionNode, variables: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(variables)
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in values and definition.default_value is not None:
            values[name] = value_from_ast_untyped(definition.default_value)
    return values


def _field(parent: GraphQLNamedType, node: FieldNode) -> GraphQLField | None:
    name = node.name.value
    if name.startswith("__"):
        return None  # introspection is free here (Shopify charges a little for __type)
    return getattr(parent, "fields", {}).get(name)


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, Mapping) else None


def _selection_sets(nodes: Iterable[FieldNode]) -> list[SelectionSetNode]:
    return [node.selection_set for node in nodes if node.selection_set is not None]


def _is_connection(named: GraphQLNamedType, definition: GraphQLField) -> bool:
    """Shopify's connections: `XConnection` types with edges and pageInfo, paged by first/last."""
    return (
        isinstance(named, GraphQLObjectType)
        and named.name.endswith("Connection")
        and {"edges", "pageInfo"} <= named.fields.keys()
        and ("first" in definition.args or "last" in definition.args)
    )
