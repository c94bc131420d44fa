"""The network simplex method against a linear-programming solver, on random networks."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from modelfolio._exposure.simplex import network_simplex


@st.composite
def networks(draw: Any, costs: Any = None) -> dict[str, Any]:
    nodes = draw(st.integers(2, 9))
    arcs = draw(
        st.lists(
            st.tuples(
                st.integers(0, nodes - 1),
                st.integers(0, nodes - 1),
                st.integers(0, 12),
                # Costs on a 0.001 grid: none lies within HiGHS's own 1e-7 tolerances.
                costs
                if costs is not None
                else st.integers(-5_000, 20_000).map(lambda c: c / 1_000),
            ).filter(lambda arc: arc[0] != arc[1]),
            min_size=1,
            max_size=30,
        )
    )
    supply = [0] * nodes
    for _ in range(draw(st.integers(0, 4))):
        a, b = draw(st.integers(0, nodes - 1)), draw(st.integers(0, nodes - 1))
        amount = draw(st.integers(1, 15))
        supply[a] += amount
        supply[b] -= amount
    return {"nodes": nodes, "arcs": arcs, "supply": supply}


def linear_programme(problem: dict[str, Any]) -> float | None:
    """The optimum by HiGHS, or None when no flow meets the supplies."""
    arcs, nodes = problem["arcs"], problem["nodes"]
    balance = np.zeros((nodes, len(arcs)))
    for k, (tail, head, _, _) in enumerate(arcs):
        balance[tail, k] += 1.0
        balance[head, k] -= 1.0
    result = linprog(
        np.array([arc[3] for arc in arcs]),
        A_eq=balance,
        b_eq=np.array(problem["supply"], dtype=float),
        bounds=[(0, arc[2]) for arc in arcs],
        method="highs",
    )
    return float(result.fun) if result.status == 0 else None


def solve(problem: dict[str, Any]) -> list[int] | None:
    arcs = problem["arcs"]
    return network_simplex(
        problem["nodes"],
        [a[0] for a in arcs],
        [a[1] for a in arcs],
        [a[2] for a in arcs],
        [a[3] for a in arcs],
        problem["supply"],
    )


def check_flow(problem: dict[str, Any], flows: list[int]) -> None:
    net = [0] * problem["nodes"]
    for (tail, head, capacity, _), amount in zip(problem["arcs"], flows, strict=True):
        assert isinstance(amount, int)
        assert 0 <= amount <= capacity
        net[tail] += amount
        net[head] -= amount
    assert net == problem["supply"]


def assert_optimal(problem: dict[str, Any], rel: float) -> None:
    """The simplex finds a flow exactly when the LP does, and of the LP's cost."""
    expected = linear_programme(problem)
    flows = solve(problem)
    assert (flows is None) == (expected is None)
    if flows is not None:
        check_flow(problem, flows)
        cost = sum(a[3] * f for a, f in zip(problem["arcs"], flows, strict=True))
        assert cost == pytest.approx(expected, rel=rel, abs=1e-9)


@settings(max_examples=400, deadline=None)
@given(networks())
def test_equals_the_linear_programme(problem: dict[str, Any]) -> None:
    assert_optimal(problem, rel=1e-9)


@settings(max_examples=300, deadline=None)
@given(networks(costs=st.sampled_from([0.0, 1.0, 1.0, 2.0])))
def test_degenerate_networks_end(problem: dict[str, Any]) -> None:
    """Many equal costs and zero capacities: pivots are degenerate, and still end optimal."""
    assert_optimal(problem, rel=0.0)


def test_a_transportation_problem_of_the_allocation_size() -> None:
    rng = random.Random(7)
    sources, sinks = 30, 60
    arcs = [
        (s, sources + t, 10**7, round(rng.uniform(0.1, 20.0), 3))
        for s in range(sources)
        for t in range(sinks)
        if rng.random() < 0.6
    ]
    supply = [rng.randint(1, 20) * 100_000 for _ in range(sources)]
    total = sum(supply)
    demand = [total // sinks] * sinks
    demand[0] += total - sum(demand)
    problem = {
        "nodes": sources + sinks + 1,
        "arcs": arcs + [(sources + t, sources + sinks, demand[t], 0.0) for t in range(sinks)],
        "supply": supply + [0] * sinks + [-total],
    }
    flows = solve(problem)
    expected = linear_programme(problem)
    assert flows is not None
    assert expected is not None
    check_flow(problem, flows)
    cost = sum(a[3] * f for a, f in zip(problem["arcs"], flows, strict=True))
    assert cost == pytest.approx(expected, rel=1e-9)


def test_nothing_to_send_and_no_arcs() -> None:
    assert network_simplex(3, [0], [1], [5], [1.0], [0, 0, 0]) == [0]
    assert network_simplex(2, [], [], [], [], [0, 0]) == []
    assert network_simplex(2, [], [], [], [], [1, -1]) is None
    # A negative cycle with room is used even with nothing to send.
    assert network_simplex(2, [0, 1], [1, 0], [4, 4], [1.0, -3.0], [0, 0]) == [4, 4]
