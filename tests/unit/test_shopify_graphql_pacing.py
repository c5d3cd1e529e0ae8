"""What the GraphQL reader waits for before a page: Shopify's own cost figures, not a bound far
above them (connectors/shopify/graphql.py, PageSizer.cost)."""

from __future__ import annotations

import pytest

from connectors.shopify.graphql import PageSizer


def linear(n: int) -> int:
    return 2 + 300 * n  # the documented bound: far above what Shopify asks


def test_before_any_figure_the_documented_bound_is_waited_for() -> None:
    sizer = PageSizer(linear)
    assert sizer.cost(3) == 902


def test_the_size_last_sent_costs_what_shopify_said() -> None:
    sizer = PageSizer(linear)
    sizer.learn(3, requested=100)
    sizer.learn(30, requested=400)
    assert sizer.cost(30) == 400


@pytest.mark.parametrize(
    ("reports", "size", "expected"),
    [
        # One figure: scaled linearly, the documented rule (100 for 3 -> 1000 for 30, the maximum).
        pytest.param([(3, 100)], 30, 1000, id="one-figure-linear"),
        # Shopify's figures grew as size^0.32 (614 for 21, 716 for 34, as the sandbox costs them):
        # a page of 65 is waited for at 716 * (65/34)^0.32 = 820, not the 1,000 linear scaling gives.
        pytest.param([(21, 614), (34, 716)], 65, 716 * (65 / 34) ** 0.3196, id="sublinear"),
        # Costs that grew faster than the page are still scaled linearly at most.
        pytest.param([(10, 100), (20, 400)], 25, 500, id="never-above-linear"),
        # A smaller page than the last one is waited for at the last one's figure.
        pytest.param([(10, 200), (20, 300)], 5, 300, id="smaller-page"),
    ],
)
def test_a_new_size_is_scaled_by_how_shopify_s_figures_grew(
    reports: list[tuple[int, int]], size: int, expected: float
) -> None:
    sizer = PageSizer(linear)
    for sent, requested in reports:
        sizer.learn(sent, requested)
    assert sizer.cost(size) == pytest.approx(expected, rel=1e-3)


def test_a_refusal_forgets_the_figures() -> None:
    sizer = PageSizer(linear)
    sizer.learn(3, requested=100)
    sizer.learn(30, requested=400)
    sizer.refused(75, cost=None)
    assert sizer.cost(3) == 902  # back to the documented bound
