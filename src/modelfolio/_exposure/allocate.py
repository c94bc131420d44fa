"""The cheapest traffic split across vendors, under quality floors, capacity and share caps.

**The problem.** Traffic comes in classes (``WorkloadClass``: a name, a volume in
tokens per period, a quality floor, needed capabilities, an input share, the service
tiers it accepts and optionally the moment it runs). Each class must be served in full
by deployments of an accepted tier that meet its needs and whose quality for it
reaches its floor. A deployment carries at most its ``capacity`` and at least its
``reserved`` volume (provisioned throughput, already paid for); a vendor carries at
most ``max_vendor_share`` of the total volume, rounded down to whole tokens. Among all
splits that satisfy this, :func:`allocate` finds one of least cost, pricing a token of
class ``c`` on deployment ``d`` at the blended rate
``input_share · input price + (1 − input_share) · output price`` (base rates, or the
off-peak rates of a deployment whose window is open at the class's ``at``).

**The network.** That is a minimum-cost flow with lower bounds::

    class c ──(price of c on d, unbounded)──▶ deployment d ──[reserved_d, capacity_d]──▶
        vendor v(d) ──[0, cap_v]──▶ sink

Each class node supplies its volume and the sink absorbs the total. A lower bound
``l`` on an arc is removed in the usual way: the arc keeps capacity ``upper − l``, its
tail must send ``l`` more and its head receives ``l`` more, so the deployment node owes
``reserved_d`` and the vendor node is owed it. A super-source feeds every node with a
surplus and a super-sink drains every node with a debt; the split exists exactly when
the maximum flow from one to the other saturates them all.

**The solver.** The primal network simplex method
(:func:`modelfolio._exposure.simplex.network_simplex`): a spanning tree of arcs, node
potentials that price it, and pivots that bring in an arc whose reduced cost says flow
should move, until none does; arc capacities are whole tokens, so the flow is
integral, and the potentials prove it optimal. The test suite checks the cost against
a linear-programming solver on hundreds of random instances.

**When no split exists** (flow is left on the simplex's artificial arcs),
:class:`InfeasibleError` names the constraint in the way — the minimum cut of the
network, found by successive shortest paths (Dijkstra on reduced costs, then a
blocking flow along the arcs of zero reduced cost, until no more flow fits) — and the
shortfall in tokens.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

from attrs import evolve, field, frozen

from modelfolio._catalog.catalog import Capability, Catalog, Deployment, Tier
from modelfolio._catalog.prices import utc_moment
from modelfolio._common.errors import ModelfolioError, ValidationError
from modelfolio._common.plot import stacked_bars
from modelfolio._common.table import html_table
from modelfolio._common.validate import check, text
from modelfolio._exposure.simplex import GaveUp, network_simplex
from modelfolio._routing.request import STANDARD, tier_set
from modelfolio._routing.route import Policy

__all__ = ["Allocation", "InfeasibleError", "WorkloadClass", "allocate", "policy_from_allocation"]


class InfeasibleError(ModelfolioError, ValueError):
    """No split meets every constraint. ``constraint`` names the one in the way."""

    def __init__(self, message: str, *, constraint: str, shortfall: int) -> None:
        super().__init__(message)
        self.constraint = constraint
        self.shortfall = shortfall


def _volume(instance: object, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(f"volume must be a whole number of tokens >= 0, got {value!r}")


def _share(instance: object, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValidationError(f"input_share must be between 0 and 1, got {value!r}")


def _floor(instance: object, attribute: Any, value: Any) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not -math.inf < value < math.inf  # NaN fails too; no isinf: a huge int has no float
        or abs(value) > 1e300
    ):
        raise ValidationError(f"floor must be a finite number, got {value!r:.80}")


def _moment(instance: object, attribute: Any, value: Any) -> None:
    if value is not None:
        utc_moment(value, attribute.name)


def _needs(value: Iterable[Capability | str]) -> frozenset[Capability]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ValidationError(f"needs must be a collection of capabilities, got {value!r}")
    try:
        return frozenset(Capability(v) for v in value)
    except ValueError:
        raise ValidationError(
            f"needs holds an unknown capability: {sorted(map(str, value))!r}"
        ) from None


@frozen(kw_only=True)
class WorkloadClass:
    """A class of traffic: its volume per period and what serving it requires.

    Examples:
        >>> WorkloadClass(name="code", volume=40_000_000, floor=0.8, needs={"tools"}).input_share
        0.8
    """

    name: str = field(validator=check(text))
    """The class name (and the request tag that marks its traffic)."""
    volume: int = field(validator=_volume)
    """Tokens per period, input and output together."""
    floor: float = field(default=0.0, validator=_floor)
    """The quality a deployment must reach to serve this class."""
    needs: frozenset[Capability] = field(default=frozenset(), converter=_needs)
    """Capabilities the deployment's model must have."""
    input_share: float = field(default=0.8, validator=_share)
    """The fraction of the volume that is input."""
    tiers: frozenset[Tier] = field(default=STANDARD, converter=tier_set)
    """Service tiers the class may use (``standard`` by default); a class of work that
    can wait accepts ``batch`` or ``flex`` and lands there when it is cheaper."""
    at: float | None = field(default=None, validator=_moment)
    """When the class runs (POSIX seconds, UTC), to price it at off-peak rates where a
    deployment has them; ``None`` prices standard rates."""


@frozen(kw_only=True)
class Allocation:
    """The cheapest split: tokens per (class, deployment), its cost, and what binds."""

    flows: Mapping[tuple[str, str], int]
    """``(class name, deployment id)`` to tokens per period (only positive flows)."""
    cost: float
    """US dollars per period, every token at its blended list price."""
    vendor_shares: Mapping[str, float]
    """Each vendor's share of the total volume."""
    binding: tuple[str, ...]
    """The constraints at their limit, in words."""
    classes: tuple[WorkloadClass, ...] = field(repr=False)
    """The classes allocated."""
    vendors: Mapping[str, str] = field(factory=dict, repr=False)
    """Deployment id to its vendor, for every deployment with traffic."""

    @property
    def total(self) -> int:
        """Tokens per period, all classes."""
        return sum(self.flows.values())

    def weights(self, class_name: str) -> Mapping[str, float]:
        """The share of ``class_name``'s volume each deployment carries."""
        mine = {d: v for (c, d), v in self.flows.items() if c == class_name}
        total = sum(mine.values())
        if not total:
            raise ValidationError(f"class {class_name!r} carries no traffic in this allocation")
        return MappingProxyType({d: v / total for d, v in sorted(mine.items())})

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per (class, deployment) with traffic."""
        return [
            {"class": c, "deployment": d, "tokens": v} for (c, d), v in sorted(self.flows.items())
        ]

    def _repr_html_(self) -> str:
        return html_table(self.to_rows(), caption=f"Allocation: ${self.cost:,.2f} per period")

    def plot(self, ax: Any = None, *, title: str | None = None) -> Any:
        """Tokens per vendor, stacked by class; returns the matplotlib ``Axes``.

        Needs matplotlib (``pip install 'modelfolio[plot]'``).
        """
        vendors = sorted(self.vendor_shares, key=lambda v: (-self.vendor_shares[v], v))
        segments: dict[str, list[float]] = {}
        for c in self.classes:
            per_vendor = dict.fromkeys(vendors, 0.0)
            for (name, deployment), tokens in self.flows.items():
                if name == c.name:
                    per_vendor[self.vendors.get(deployment, deployment)] += tokens
            segments[c.name] = [per_vendor[v] for v in vendors]
        return stacked_bars(
            ax,
            "Allocation",
            vendors,
            segments,
            xlabel="tokens per period",
            title=title or f"Cheapest split: ${self.cost:,.2f} per period",
        )


class _Network:
    """A residual graph in flat arrays; arc ``e`` and its reverse ``e ^ 1``."""

    def __init__(self, nodes: int) -> None:
        self.head: list[int] = []
        self.cap: list[int] = []
        self.cost: list[float] = []
        self.out: list[list[int]] = [[] for _ in range(nodes)]

    def arc(self, tail: int, head: int, capacity: int, cost: float) -> int:
        index = len(self.head)
        self.head += [head, tail]
        self.cap += [capacity, 0]
        self.cost += [cost, -cost]
        self.out[tail].append(index)
        self.out[head].append(index + 1)
        return index

    def min_cost_flow(self, source: int, sink: int, required: int) -> int:
        """Send up to ``required`` units from ``source`` to ``sink`` at least cost; the amount sent."""
        n = len(self.out)
        head, cap, cost, out = self.head, self.cap, self.cost, self.out
        potential = [0.0] * n
        sent = 0
        heappush, heappop, inf = heapq.heappush, heapq.heappop, math.inf
        while sent < required:
            # Dijkstra on reduced costs, stopped once the sink is settled.
            dist = [inf] * n
            dist[source] = 0.0
            settled = []
            queue = [(0.0, source)]
            while queue:
                d, u = heappop(queue)
                if d > dist[u]:
                    continue
                settled.append(u)
                if u == sink:
                    break
                pu = potential[u] + d
                for e in out[u]:
                    if cap[e] > 0:
                        v = head[e]
                        nd = cost[e] + pu - potential[v]
                        if nd < d:
                            nd = d  # reduced costs are >= 0 but for rounding
                        if nd < dist[v]:
                            dist[v] = nd
                            heappush(queue, (nd, v))
            reach = dist[sink]
            if reach == inf:
                break
            # Potentials: settled nodes move by their distance, the rest by the sink's;
            # every residual arc keeps a reduced cost >= 0.
            for v in range(n):
                potential[v] += dist[v] if dist[v] < reach else reach
            sent += self._blocking_flow(source, sink, required - sent, potential, settled)
        return sent

    def _blocking_flow(
        self, source: int, sink: int, limit: int, potential: list[float], settled: list[int]
    ) -> int:
        """Push flow along arcs of zero reduced cost until none is left (iterative DFS).

        Only arcs out of nodes settled by the last search can have zero reduced cost
        on a path to the sink; they are listed once, then searched.
        """
        head, cap, cost, out = self.head, self.cap, self.cost, self.out
        # Reduced costs are sums of floats: "zero" within a relative tolerance.
        tolerance = 1e-9 * (1.0 + max((abs(p) for p in potential if p < math.inf), default=0.0))
        tight: dict[int, list[int]] = {}
        for u in settled:
            pu = potential[u]
            tight[u] = [
                e
                for e in out[u]
                if cap[e] > 0 and abs(cost[e] + pu - potential[head[e]]) <= tolerance
            ]
        pushed = 0
        pointer = dict.fromkeys(tight, 0)
        none: list[int] = []
        while pushed < limit:
            path: list[int] = []
            on_path = {source}
            u = source
            while u != sink:
                edges = tight.get(u, none)
                at = pointer.get(u, 0)
                while at < len(edges):
                    e = edges[at]
                    if cap[e] > 0 and head[e] not in on_path:
                        break
                    at += 1
                pointer[u] = at
                if at == len(edges):
                    if u == source:
                        return pushed
                    e = path.pop()
                    on_path.discard(u)
                    u = head[e ^ 1]
                    pointer[u] += 1
                    continue
                e = edges[at]
                path.append(e)
                u = head[e]
                on_path.add(u)
            amount = min(limit - pushed, min(cap[e] for e in path))
            for e in path:
                cap[e] -= amount
                cap[e ^ 1] += amount
            pushed += amount
        return pushed


def _simplex(network: _Network, required: int) -> bool | None:
    """Solve by the network simplex method and leave the flow in ``network``.

    False if no flow meets every supply; None if the simplex gave up (``network`` is
    then untouched).
    """
    tails = network.head[1::2]
    heads = network.head[0::2]
    supply = [0] * len(network.out)
    supply[0], supply[1] = required, -required
    try:
        flows = network_simplex(
            len(network.out), tails, heads, network.cap[0::2], network.cost[0::2], supply
        )
    except GaveUp:
        return None
    if flows is None:
        return False
    cap = network.cap
    for k, amount in enumerate(flows):
        if amount:
            cap[2 * k] -= amount
            cap[2 * k + 1] += amount
    return True


def _quality_of(
    quality: Mapping[tuple[str, str], float] | Callable[[Deployment, WorkloadClass], float],
) -> Callable[[Deployment, WorkloadClass], float]:
    if callable(quality) and not isinstance(quality, Mapping):
        function = quality

        def checked(deployment: Deployment, workload: WorkloadClass) -> float:
            # NaN < floor is false: an unchecked NaN would pass every quality floor.
            value = function(deployment, workload)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
                raise ValidationError(
                    f"quality({deployment.id!r}, {workload.name!r}) must be a number, got {value!r}"
                )
            return value

        return checked
    if not isinstance(quality, Mapping):
        raise ValidationError(
            f"quality must map (deployment id, class name) to a score, or be a function, got {quality!r}"
        )
    table = dict(quality)
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise ValidationError(f"quality[{key!r}] must be a number, got {value!r}")
    return lambda deployment, workload: table.get((deployment.id, workload.name), 0.0)


def _tokens_map(value: Mapping[str, int] | None, name: str, catalog: Catalog) -> dict[str, int]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(f"{name} must map deployment ids to tokens, got {value!r:.80}")
    result = {}
    for deployment_id, tokens in value.items():
        if deployment_id not in catalog:
            raise ValidationError(f"{name} names {deployment_id!r}, which is not in the catalog")
        if isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 0:
            raise ValidationError(
                f"{name}[{deployment_id!r}] must be a whole number of tokens >= 0, got {tokens!r}"
            )
        result[deployment_id] = tokens
    return result


def _caps(
    max_vendor_share: float | Mapping[str, float], vendors: Iterable[str], total: int
) -> dict[str, int]:
    caps = {}
    for vendor in vendors:
        share = (
            max_vendor_share.get(vendor, 1.0)
            if isinstance(max_vendor_share, Mapping)
            else max_vendor_share
        )
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
            raise ValidationError(
                f"max_vendor_share for {vendor!r} must be between 0 and 1, got {share!r}"
            )
        caps[vendor] = math.floor(share * total + 1e-9)
    return caps


def allocate(
    classes: Iterable[WorkloadClass],
    catalog: Catalog,
    quality: Mapping[tuple[str, str], float] | Callable[[Deployment, WorkloadClass], float],
    *,
    capacity: Mapping[str, int] | None = None,
    reserved: Mapping[str, int] | None = None,
    max_vendor_share: float | Mapping[str, float] = 1.0,
) -> Allocation:
    """The cheapest split of every class's volume across deployments (see the module notes).

    ``quality`` maps ``(deployment id, class name)`` to a score (a missing pair scores
    0), or is a function of ``(deployment, workload_class)``. ``capacity`` and
    ``reserved`` are tokens per period by deployment id; ``max_vendor_share`` is one
    share for every vendor or a mapping per vendor (others: 1.0).

    Raises:
        InfeasibleError: no split meets every constraint; it says which and by how much.

    Examples:
        >>> from modelfolio import reference_catalog
        >>> catalog = reference_catalog()
        >>> chat = WorkloadClass(name="chat", volume=10_000_000, floor=0.8)
        >>> quality = {("openai/gpt-5-mini", "chat"): 0.85, ("anthropic/claude-haiku-4-5", "chat"): 0.84}
        >>> plan = allocate([chat], catalog, quality, max_vendor_share=0.6)
        >>> dict(plan.flows), round(plan.cost, 2)
        ({('chat', 'anthropic/claude-haiku-4-5'): 4000000, ('chat', 'openai/gpt-5-mini'): 6000000}, 10.8)
        >>> plan.binding
        ('vendor openai at its 60% cap (6,000,000 tokens)',)
    """
    if isinstance(classes, (str, bytes)) or not isinstance(classes, Iterable):
        raise ValidationError(
            f"classes must be a collection of WorkloadClass values, got {classes!r}"
        )
    workload = tuple(classes)
    if not workload:
        raise ValidationError("classes must not be empty")
    for c in workload:
        if not isinstance(c, WorkloadClass):
            raise ValidationError(f"classes must be WorkloadClass values, got {c!r}")
    names = [c.name for c in workload]
    if len(set(names)) != len(names):
        raise ValidationError(f"class names must be distinct, got {names!r}")
    if not isinstance(catalog, Catalog):
        raise ValidationError(f"catalog must be a Catalog, got {catalog!r}")
    score = _quality_of(quality)
    caps_d = _tokens_map(capacity, "capacity", catalog)
    floors_d = _tokens_map(reserved, "reserved", catalog)
    for deployment_id, minimum in floors_d.items():
        if deployment_id in caps_d and minimum > caps_d[deployment_id]:
            raise InfeasibleError(
                f"deployment {deployment_id} has {minimum:,} tokens reserved but a capacity of {caps_d[deployment_id]:,}",
                constraint=f"capacity of {deployment_id}",
                shortfall=minimum - caps_d[deployment_id],
            )
    total = sum(c.volume for c in workload)
    deployments = catalog.deployments
    vendors = sorted({d.vendor for d in deployments})
    caps_v = _caps(max_vendor_share, vendors, total)

    # Nodes: 0 super-source, 1 super-sink, 2 sink, then classes, deployments, vendors.
    class_node = {c.name: 3 + k for k, c in enumerate(workload)}
    deployment_node = {d.id: 3 + len(workload) + k for k, d in enumerate(deployments)}
    vendor_node = {v: 3 + len(workload) + len(deployments) + k for k, v in enumerate(vendors)}
    network = _Network(3 + len(workload) + len(deployments) + len(vendors))
    balance = [0] * len(network.out)
    unbounded = total + sum(floors_d.values()) + 1
    class_arcs: dict[tuple[str, str], int] = {}
    for c in workload:
        balance[class_node[c.name]] += c.volume
        for d in deployments:
            if d.tier not in c.tiers or c.needs - d.model.capabilities:
                continue
            if score(d, c) < c.floor:
                continue
            rates = d.price.rates(0, at=c.at)
            price = (
                c.input_share * rates.input_per_mtok + (1.0 - c.input_share) * rates.output_per_mtok
            )
            class_arcs[(c.name, d.id)] = network.arc(
                class_node[c.name], deployment_node[d.id], unbounded, price
            )
    deployment_arcs = {}
    for d in deployments:
        minimum = floors_d.get(d.id, 0)
        upper = caps_d.get(d.id, unbounded)
        deployment_arcs[d.id] = network.arc(
            deployment_node[d.id], vendor_node[d.vendor], upper - minimum, 0.0
        )
        balance[deployment_node[d.id]] -= minimum
        balance[vendor_node[d.vendor]] += minimum
    vendor_arcs = {v: network.arc(vendor_node[v], 2, caps_v[v], 0.0) for v in vendors}
    balance[2] -= total
    feed: dict[int, int] = {}
    for node, amount in enumerate(balance):
        if amount > 0:
            feed[node] = network.arc(0, node, amount, 0.0)
        elif amount < 0:
            feed[node] = network.arc(node, 1, -amount, 0.0)
    required = sum(a for a in balance if a > 0)
    solved = _simplex(network, required)
    if solved is None:
        # The simplex gave up (a safeguard): successive shortest paths solve it exactly.
        solved = network.min_cost_flow(0, 1, required) == required
    elif not solved:
        # No split exists: the successive shortest paths' maximum flow finds the cut.
        network.min_cost_flow(0, 1, required)
    if not solved:
        raise _infeasible(
            network,
            workload,
            class_node,
            feed,
            deployment_node,
            deployment_arcs,
            vendor_arcs,
            vendor_node,
            caps_d,
            caps_v,
            floors_d,
            max_vendor_share,
            score,
        )

    flows = {}
    for key, arc in class_arcs.items():
        carried = network.cap[arc ^ 1]
        if carried > 0:
            flows[key] = carried
    cost = (
        math.fsum(tokens * network.cost[class_arcs[key]] for key, tokens in flows.items())
        / 1_000_000.0
    )
    by_vendor: dict[str, int] = {}
    by_deployment: dict[str, int] = {}
    for (_, deployment_id), tokens in flows.items():
        by_deployment[deployment_id] = by_deployment.get(deployment_id, 0) + tokens
        vendor = catalog.deployment(deployment_id).vendor
        by_vendor[vendor] = by_vendor.get(vendor, 0) + tokens
    binding = []
    for v in vendors:
        if caps_v[v] < total and by_vendor.get(v, 0) >= caps_v[v]:
            share = (
                max_vendor_share.get(v, 1.0)
                if isinstance(max_vendor_share, Mapping)
                else max_vendor_share
            )
            binding.append(f"vendor {v} at its {share:.0%} cap ({caps_v[v]:,} tokens)")
    for d_id, limit in sorted(caps_d.items()):
        if by_deployment.get(d_id, 0) >= limit:
            binding.append(f"deployment {d_id} at its capacity ({limit:,} tokens)")
    for d_id, minimum in sorted(floors_d.items()):
        if minimum and by_deployment.get(d_id, 0) <= minimum:
            binding.append(f"deployment {d_id} at its reserved minimum ({minimum:,} tokens)")
    return Allocation(
        flows=MappingProxyType(dict(sorted(flows.items()))),
        cost=cost,
        vendor_shares=MappingProxyType(
            {v: by_vendor[v] / total for v in sorted(by_vendor)} if total else {}
        ),
        binding=tuple(binding),
        classes=workload,
        vendors=MappingProxyType(
            {d: catalog.deployment(d).vendor for d in sorted({d for _, d in flows})}
        ),
    )


def _infeasible(
    network: _Network,
    workload: tuple[WorkloadClass, ...],
    class_node: Mapping[str, int],
    feed: Mapping[int, int],
    deployment_node: Mapping[str, int],
    deployment_arcs: Mapping[str, int],
    vendor_arcs: Mapping[str, int],
    vendor_node: Mapping[str, int],
    caps_d: Mapping[str, int],
    caps_v: Mapping[str, int],
    floors_d: Mapping[str, int],
    max_vendor_share: float | Mapping[str, float],
    score: Any,
) -> InfeasibleError:
    """Explain a failed flow by its minimum cut: the saturated arcs out of what the source still reaches."""
    reach = {0}
    stack = [0]
    while stack:
        node = stack.pop()
        for e in network.out[node]:
            nxt = network.head[e]
            if network.cap[e] > 0 and nxt not in reach:
                reach.add(nxt)
                stack.append(nxt)
    walls = []
    for vendor, vendor_arc in sorted(vendor_arcs.items()):
        if vendor_node[vendor] in reach and network.cap[vendor_arc] == 0:
            share = (
                max_vendor_share.get(vendor, 1.0)
                if isinstance(max_vendor_share, Mapping)
                else max_vendor_share
            )
            walls.append(f"taking {vendor} over its {share:.0%} cap ({caps_v[vendor]:,} tokens)")
    for d_id, deployment_arc in sorted(deployment_arcs.items()):
        if deployment_node[d_id] in reach and network.cap[deployment_arc] == 0 and d_id in caps_d:
            walls.append(f"exceeding the capacity of {d_id} ({caps_d[d_id]:,} tokens)")
    for d_id, minimum in sorted(floors_d.items()):
        reserve_drain = feed.get(deployment_node[d_id])
        if reserve_drain is not None and network.cap[reserve_drain] > 0:
            shortfall = network.cap[reserve_drain]
            return InfeasibleError(
                f"deployment {d_id} has {minimum:,} tokens reserved, but only {minimum - shortfall:,} of eligible traffic can reach it"
                + (f" without {' or '.join(walls)}" if walls else ""),
                constraint=f"reserved volume of {d_id}",
                shortfall=shortfall,
            )
    for c in workload:
        class_feed = feed.get(class_node[c.name])
        if class_feed is not None and network.cap[class_feed] > 0:
            shortfall = network.cap[class_feed]
            served = c.volume - shortfall
            if not any(
                network.head[e] in deployment_node.values()
                for e in network.out[class_node[c.name]]
                if e % 2 == 0
            ):
                constraint = f"class {c.name}: no deployment meets its needs and floor"
                return InfeasibleError(
                    f'class "{c.name}" needs {c.volume:,} tokens at quality ≥ {c.floor:g}, but no deployment meets its needs and reaches that quality',
                    constraint=constraint,
                    shortfall=shortfall,
                )
            reason = " or ".join(walls) or "exceeding the deployments' limits"
            return InfeasibleError(
                f'class "{c.name}" needs {c.volume:,} tokens at quality ≥ {c.floor:g}, but only {served:,} fit without {reason}',
                constraint=walls[0] if walls else f"class {c.name}",
                shortfall=shortfall,
            )
    return InfeasibleError(
        "no split meets every constraint", constraint="unknown", shortfall=0
    )  # pragma: no cover


def policy_from_allocation(allocation: Allocation, *, policy: Policy | None = None) -> Policy:
    """A :class:`~modelfolio.Policy` whose per-class splits reproduce ``allocation``.

    A request of class ``c`` carries ``c`` in its ``tags``; routed with a ``key``, it
    lands on the allocation's deployments for ``c`` with the allocation's weights,
    deterministically by key.

    Examples:
        >>> from modelfolio import Request, reference_catalog, route
        >>> chat = WorkloadClass(name="chat", volume=10_000_000, floor=0.8)
        >>> quality = {("openai/gpt-5-mini", "chat"): 0.85, ("anthropic/claude-haiku-4-5", "chat"): 0.84}
        >>> plan = allocate([chat], reference_catalog(), quality, max_vendor_share=0.6)
        >>> policy = policy_from_allocation(plan)
        >>> from collections import Counter
        >>> Counter(route(Request(input_tokens=100, output_tokens=10, tags={"chat"}, key=f"user-{n}"),
        ...               reference_catalog(), policy, now=0.0).chosen.id for n in range(1_000))
        Counter({'openai/gpt-5-mini': 612, 'anthropic/claude-haiku-4-5': 388})
    """
    if not isinstance(allocation, Allocation):
        raise ValidationError(f"allocation must be an Allocation, got {allocation!r}")
    if policy is not None and not isinstance(policy, Policy):
        raise ValidationError(f"policy must be a Policy or None, got {policy!r:.80}")
    base = Policy() if policy is None else policy
    splits = {c.name: dict(allocation.weights(c.name)) for c in allocation.classes if c.volume}
    return evolve(base, split_by_tag=splits)
