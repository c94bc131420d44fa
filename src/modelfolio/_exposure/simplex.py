"""The primal network simplex method for minimum-cost flow, in pure Python.

Nodes have supplies (positive) and demands (negative) summing to zero; arcs have a
capacity (a whole number) and a cost. The method keeps a spanning tree of arcs whose
flows may lie strictly between their bounds, every other arc at its lower (0) or upper
(capacity) bound, and node potentials that price every tree arc at zero reduced cost.
An arc outside the tree whose reduced cost says flow should move (block search
pricing: the most violated arc in the next block of about ``√arcs`` arcs) enters the
tree; flow moves around the cycle it closes until an arc reaches a bound, and that arc
leaves. The first tree hangs every node from an artificial root by an arc of very high
cost, so it is feasible; the tree is kept *strongly feasible* (the leaving arc is the
last blocking one met going round the cycle from the join), which rules out cycling
on degenerate pivots. At the optimum no arc outside the tree has a violating reduced
cost; flow left on an artificial arc means no feasible flow exists.

This follows the textbook method (Ahuja, Magnanti and Orlin, *Network Flows*, 1993,
ch. 11) and the pivot and pricing rules of LEMON's ``NetworkSimplex``. Flows are
integers when capacities and supplies are; costs are floats, compared with a small
tolerance, and the potentials are recomputed from the tree before optimality is
declared.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from operator import add, itemgetter, mul, sub
from typing import Any

__all__ = ["GaveUp", "PIVOTS_PER_ARC", "network_simplex"]

PIVOTS_PER_ARC = 50
"""The simplex gives up (:class:`GaveUp`) after this many pivots per arc and node (plus
10,000): a safeguard against rounding making it cycle; the callers then solve another way."""


class GaveUp(ArithmeticError):
    """The pivot limit was reached before the optimum (never seen in the tests)."""


_LOWER, _TREE, _UPPER = 1, 0, -1
_UP, _DOWN = 1, -1


def network_simplex(
    nodes: int,
    tails: Sequence[int],
    heads: Sequence[int],
    capacities: Sequence[int],
    costs: Sequence[float],
    supply: Sequence[int],
) -> list[int] | None:
    """Each arc's flow in a minimum-cost flow meeting every supply, or None if none exists.

    Raises:
        GaveUp: more than ``PIVOTS_PER_ARC * (arcs + nodes) + 10,000`` pivots.
    """
    m = len(tails)
    root = nodes
    scale = max(map(abs, costs), default=0.0) + 1.0
    artificial = scale * (nodes + 1)
    tolerance = 1e-12 * artificial
    total = sum(s for s in supply if s > 0)
    src = list(tails)
    dst = list(heads)
    cap = list(capacities)
    cost = list(costs)
    flow = [0] * m
    state = [_LOWER] * m
    parent = [root] * nodes + [-1]
    pred = [0] * (nodes + 1)
    pred_dir = [_UP] * (nodes + 1)
    pi = [0.0] * (nodes + 1)
    children: list[list[int]] = [[] for _ in range(nodes)] + [list(range(nodes))]
    for u in range(nodes):
        pred[u] = len(src)
        if supply[u] >= 0:
            src.append(u)
            dst.append(root)
            flow.append(supply[u])
            pi[u] = -artificial
        else:
            src.append(root)
            dst.append(u)
            flow.append(-supply[u])
            pred_dir[u] = _DOWN
            pi[u] = artificial
        cap.append(total + 1)
        cost.append(artificial)
        state.append(_TREE)
    for e in range(m):
        if cap[e] <= 0:
            state[e] = _TREE  # never priced: a zero-capacity arc cannot carry flow
    # Pricing blocks over the real arcs, each with its fixed gathers of end potentials.
    size = max(10, math.isqrt(m) + 1)
    blocks = []
    for start in range(0, m, size):
        end = min(m, start + size)
        ids = range(start, end)
        blocks.append(
            (
                start,
                end,
                _gather([src[e] for e in ids]),
                _gather([dst[e] for e in ids]),
                cost[start:end],
            )
        )
    mark = [0] * (nodes + 1)
    stamp = 0
    position = 0
    pivots = 0
    limit = PIVOTS_PER_ARC * (m + nodes) + 10_000
    while True:
        pivots += 1
        if pivots > limit:
            raise GaveUp(f"no optimum after {limit:,} pivots")
        entering = _price(blocks, position, state, pi, tolerance)
        if entering < 0:
            # Recompute the potentials from the tree, and price once more with them.
            _potentials(root, children, parent, pred, pred_dir, cost, pi)
            entering = _price(blocks, 0, state, pi, tolerance)
            if entering < 0:
                break
        position = entering // size
        # The cycle: along the entering arc from `first` to `second`, then back up the tree.
        if state[entering] == _LOWER:
            first, second = src[entering], dst[entering]
        else:
            first, second = dst[entering], src[entering]
        stamp += 1
        u = first
        while u >= 0:
            mark[u] = stamp
            u = parent[u]
        join = second
        while mark[join] != stamp:
            join = parent[join]
        # The leaving arc: the last one to block, going round from the join.
        delta = cap[entering]
        leaving_node, side = -1, 0
        u = first
        while u != join:
            e = pred[u]
            d = flow[e] if pred_dir[u] == _UP else cap[e] - flow[e]
            if d < delta:
                delta, leaving_node, side = d, u, 1
            u = parent[u]
        u = second
        while u != join:
            e = pred[u]
            d = cap[e] - flow[e] if pred_dir[u] == _UP else flow[e]
            if d <= delta:
                delta, leaving_node, side = d, u, 2
            u = parent[u]
        if delta > 0:
            amount = state[entering] * delta
            flow[entering] += amount
            u = src[entering]
            while u != join:
                flow[pred[u]] -= pred_dir[u] * amount
                u = parent[u]
            u = dst[entering]
            while u != join:
                flow[pred[u]] += pred_dir[u] * amount
                u = parent[u]
        if side == 0:  # the entering arc went from one bound to the other
            state[entering] = -state[entering]
            continue
        state[entering] = _TREE
        out = pred[leaving_node]
        state[out] = _LOWER if flow[out] == 0 else _UPPER
        u_in, v_in = (first, second) if side == 1 else (second, first)
        # Re-hang the subtree cut off at `leaving_node` from `u_in`, below `v_in`: the
        # path from u_in up to leaving_node turns round.
        children[parent[leaving_node]].remove(leaving_node)
        above, arc = v_in, entering
        w = u_in
        while True:
            next_node, next_arc = parent[w], pred[w]
            if w != u_in:
                children[w].remove(above)
            parent[w], pred[w] = above, arc
            pred_dir[w] = _UP if src[arc] == w else _DOWN
            children[above].append(w)
            if w == leaving_node:
                break
            above, arc, w = w, next_arc, next_node
        sigma = pi[v_in] - pi[u_in] - pred_dir[u_in] * cost[entering]
        stack = [u_in]
        while stack:
            x = stack.pop()
            pi[x] += sigma
            stack.extend(children[x])
    if any(flow[e] > 0 for e in range(m, len(src))):
        return None
    return flow[:m]


def _gather(indices: list[int]) -> Any:
    if len(indices) == 1:
        (index,) = indices
        return lambda values: (values[index],)
    return itemgetter(*indices)


def _price(
    blocks: list[tuple[int, int, Any, Any, list[float]]],
    position: int,
    state: list[int],
    pi: list[float],
    tolerance: float,
) -> int:
    """The most violating arc of the first block from ``position`` (cyclically) with one, or -1."""
    count = len(blocks)
    for k in range(count):
        start, end, tails, heads, costs = blocks[(position + k) % count]
        reduced = list(map(mul, state[start:end], map(add, costs, map(sub, tails(pi), heads(pi)))))
        least = min(reduced)
        if least < -tolerance:
            return start + reduced.index(least)
    return -1


def _potentials(
    root: int,
    children: list[list[int]],
    parent: list[int],
    pred: list[int],
    pred_dir: list[int],
    cost: list[float],
    pi: list[float],
) -> None:
    """Every node's potential from the root's (0) down the tree."""
    pi[root] = 0.0
    stack = list(children[root])
    while stack:
        x = stack.pop()
        pi[x] = pi[parent[x]] - pred_dir[x] * cost[pred[x]]
        stack.extend(children[x])
