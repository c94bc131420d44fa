"""Vendor dependency: how concentrated traffic and spend are, and what a vendor's exit costs.

- :func:`concentration` — the Herfindahl–Hirschman index of vendor shares (0–10,000,
  the scale competition authorities use: 10,000 is one vendor, 2,500 four equal ones),
  the effective number of vendors (10,000 / HHI) and the largest share.
- :func:`vendor_exit` — for each vendor, what happens the day it disappears. Offline,
  over logged outcomes: quality and cost before and after, replayed through a router
  (or the oracle), and the share of items stranded. Live, over a catalog, a policy and
  a workload of requests: which requests would have no route at all, and how the cost
  of the rest would change.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, TypeVar, overload

from attrs import evolve, frozen

from modelfolio._catalog.catalog import Catalog, Deployment
from modelfolio._common.errors import ValidationError
from modelfolio._common.plot import bars
from modelfolio._common.table import html_table
from modelfolio._common.validate import finite, text
from modelfolio._evaluation.outcomes import Outcomes
from modelfolio._learning.routers import LearnedRouter
from modelfolio._learning.simulate import SimulationReport, simulate
from modelfolio._routing.request import Request, estimate_cost
from modelfolio._routing.route import NoRouteError, Policy, route
from modelfolio._routing.state import State

__all__ = [
    "Concentration",
    "ExitRow",
    "ExitTable",
    "LiveExitRow",
    "LiveExitTable",
    "concentration",
    "vendor_exit",
]


@frozen(kw_only=True)
class Concentration:
    """How concentrated a set of vendor shares is."""

    shares: Mapping[str, float]
    """Each vendor's share, normalised to sum to 1."""
    hhi: float
    """Herfindahl–Hirschman index, 0 to 10,000."""
    effective_vendors: float
    """10,000 / HHI: how many equal vendors would be as concentrated."""
    top: str
    """The vendor with the largest share (ties: by name)."""
    top_share: float
    """Its share."""

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per vendor, largest share first."""
        return [
            {"vendor": v, "share": s}
            for v, s in sorted(self.shares.items(), key=lambda kv: (-kv[1], kv[0]))
        ]

    def _repr_html_(self) -> str:
        return html_table(
            self.to_rows(),
            caption=f"HHI {self.hhi:.0f}, {self.effective_vendors:.2f} effective vendors",
        )

    def plot(self, ax: Any = None, *, title: str | None = None) -> Any:
        """Each vendor's share, largest at the top, with HHI in the title.

        Returns the matplotlib ``Axes`` (needs ``pip install 'modelfolio[plot]'``).
        """
        rows = self.to_rows()
        return bars(
            ax,
            "Concentration",
            [str(r["vendor"]) for r in rows],
            [float(r["share"]) for r in rows],  # type: ignore[arg-type]
            xlabel="share",
            title=title or f"HHI {self.hhi:,.0f}, {self.effective_vendors:.2f} effective vendors",
        )


def concentration(
    shares: Mapping[str, float] | SimulationReport | State,
    *,
    vendor_of: Mapping[str, str] | Callable[[str], str] | None = None,
) -> Concentration:
    """Concentration of shares by vendor: fractions or amounts, normalised.

    Also takes a :class:`~modelfolio.SimulationReport` (its model shares, mapped to
    vendors by ``vendor_of``) or a :class:`~modelfolio.State` (its spend per vendor).

    Examples:
        >>> c = concentration({"openai": 60.0, "anthropic": 30.0, "google": 10.0})
        >>> c.hhi, round(c.effective_vendors, 3), c.top, c.top_share
        (4600.0, 2.174, 'openai', 0.6)
    """
    if isinstance(shares, SimulationReport):
        if vendor_of is None:
            raise ValidationError("a SimulationReport needs vendor_of to map its models to vendors")
        amounts: dict[str, float] = {}
        for model, share in shares.shares.items():
            vendor = _vendor(vendor_of, model)
            amounts[vendor] = amounts.get(vendor, 0.0) + share
    elif isinstance(shares, State):
        amounts = {}
        for charge in shares.ledger:
            if charge.vendor is None:
                raise ValidationError(
                    f"a charge on {charge.deployment!r} has no vendor; record attempts with Attempt.of"
                )
            amounts[charge.vendor] = amounts.get(charge.vendor, 0.0) + charge.cost_usd
    elif isinstance(shares, Mapping):
        amounts = {}
        for vendor, amount in shares.items():
            if (
                isinstance(amount, bool)
                or not isinstance(amount, (int, float))
                or not amount >= 0
                or math.isinf(amount)
            ):
                raise ValidationError(
                    f"share of {vendor!r} must be a finite number >= 0, got {amount!r}"
                )
            amounts[str(vendor)] = amounts.get(str(vendor), 0.0) + float(amount)
    else:
        raise ValidationError(
            f"shares must be a mapping, a SimulationReport or a State, got {shares!r}"
        )
    largest = max(amounts.values(), default=0.0)
    if not largest > 0:
        raise ValidationError("shares must add up to more than zero")
    # Scaled by the largest first, so that amounts near the float limit cannot overflow.
    scaled = {v: a / largest for v, a in amounts.items()}
    total = math.fsum(scaled.values())
    normalised = {v: min(a / total, 1.0) for v, a in sorted(scaled.items()) if a > 0}
    hhi = min(math.fsum((100.0 * s) ** 2 for s in normalised.values()), 10_000.0)
    top = min(normalised, key=lambda v: (-normalised[v], v))
    return Concentration(
        shares=MappingProxyType(normalised),
        hhi=hhi,
        effective_vendors=10_000.0 / hhi,
        top=top,
        top_share=normalised[top],
    )


def _vendor(vendor_of: Mapping[str, str] | Callable[[str], str], model: str) -> str:
    if isinstance(vendor_of, Mapping):
        if model not in vendor_of:
            raise ValidationError(f"vendor_of does not name the vendor of {model!r}")
        vendor = vendor_of[model]
    elif callable(vendor_of):
        vendor = vendor_of(model)
    else:
        raise ValidationError(
            f"vendor_of must map each model to its vendor (a mapping or a function), "
            f"got {vendor_of!r:.80}"
        )
    return text(vendor, f"vendor_of[{model!r}]")


_Row = TypeVar("_Row", "ExitRow", "LiveExitRow")


def _row_of(rows: Sequence[_Row], vendor: str) -> _Row:
    for row in rows:
        if row.vendor == vendor:
            return row
    raise ValidationError(f"vendor {vendor!r} is not in the exit table")


@frozen(kw_only=True)
class ExitRow:
    """What losing one vendor does to quality and cost on logged outcomes."""

    vendor: str
    """The vendor removed."""
    models: tuple[str, ...]
    """Its models in the outcomes."""
    quality_before: float
    """Mean score with every model."""
    quality_after: float
    """Mean score without the vendor's models."""
    cost_before: float
    """Summed cost with every model."""
    cost_after: float
    """Summed cost without them."""
    stranded_share: float
    """Items where the vendor's models beat every remaining model (with ``floor``: items
    left with no remaining model at or above it)."""


@frozen(kw_only=True)
class ExitTable:
    """One :class:`ExitRow` per vendor, largest quality loss first."""

    rows: tuple[ExitRow, ...]
    """The rows."""
    floor: float | None = None
    """The floor used for ``stranded_share``, if any."""

    def row(self, vendor: str) -> ExitRow:
        """The row of ``vendor``."""
        return _row_of(self.rows, vendor)

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per vendor."""
        return [
            {
                "vendor": r.vendor,
                "models": ", ".join(r.models),
                "quality_before": r.quality_before,
                "quality_after": r.quality_after,
                "cost_before": r.cost_before,
                "cost_after": r.cost_after,
                "stranded_share": r.stranded_share,
            }
            for r in self.rows
        ]

    def _repr_html_(self) -> str:
        return html_table(self.to_rows(), caption="If a vendor disappeared")

    def plot(self, ax: Any = None, *, title: str | None = None) -> Any:
        """Quality after each vendor's exit, against the quality with every vendor.

        Returns the matplotlib ``Axes`` (needs ``pip install 'modelfolio[plot]'``).
        """
        return bars(
            ax,
            "ExitTable",
            [f"without {r.vendor}" for r in self.rows],
            [r.quality_after for r in self.rows],
            xlabel="mean score",
            title=title or "If a vendor disappeared",
            reference=self.rows[0].quality_before if self.rows else None,
            reference_label="with every vendor",
        )


@frozen(kw_only=True)
class LiveExitRow:
    """What losing one vendor does to a workload of live requests."""

    vendor: str
    """The vendor removed."""
    requests: int
    """Requests in the workload."""
    stranded: tuple[int, ...]
    """Positions (in the workload) of requests with no route without the vendor."""
    cost_before: float
    """Estimated cost of the other requests, routed with every vendor."""
    cost_after: float
    """Their estimated cost routed without the vendor."""
    chosen_before: int
    """Requests whose chosen deployment was the vendor's."""

    @property
    def stranded_share(self) -> float:
        """Share of the workload with no route without the vendor."""
        return len(self.stranded) / self.requests if self.requests else 0.0

    @property
    def cost_change(self) -> float:
        """Relative change in the cost of the requests that still route (0.1 = 10% dearer)."""
        return self.cost_after / self.cost_before - 1.0 if self.cost_before else 0.0


@frozen(kw_only=True)
class LiveExitTable:
    """One :class:`LiveExitRow` per vendor in the catalog."""

    rows: tuple[LiveExitRow, ...]
    """The rows, most stranded first."""
    unroutable: tuple[int, ...] = ()
    """Requests with no route even with every vendor (left out of the rows)."""

    def row(self, vendor: str) -> LiveExitRow:
        """The row of ``vendor``."""
        return _row_of(self.rows, vendor)

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per vendor."""
        return [
            {
                "vendor": r.vendor,
                "requests": r.requests,
                "chosen_before": r.chosen_before,
                "stranded": len(r.stranded),
                "stranded_share": r.stranded_share,
                "cost_before": r.cost_before,
                "cost_after": r.cost_after,
                "cost_change": r.cost_change,
            }
            for r in self.rows
        ]

    def _repr_html_(self) -> str:
        return html_table(self.to_rows(), caption="If a vendor disappeared (live traffic)")


@overload
def vendor_exit(
    outcomes: Outcomes,
    vendor_of: Mapping[str, str] | Callable[[str], str],
    router: Any = None,
    *,
    floor: float | None = None,
) -> ExitTable: ...


@overload
def vendor_exit(
    outcomes: Catalog,
    vendor_of: Policy,
    router: Iterable[Request],
    *,
    state: State | None = None,
    now: float = 0.0,
) -> LiveExitTable: ...


def vendor_exit(outcomes: Any, vendor_of: Any, router: Any = None, **options: Any) -> Any:
    """What each vendor's disappearance does: offline on outcomes, or live on a workload.

    **Offline**: ``vendor_exit(outcomes, vendor_of, router=None, *, floor=None)``.
    ``vendor_of`` maps each model to its vendor. For each vendor, the outcomes are
    replayed with its models removed, through ``router`` when given (it must offer
    ``without(models)``, as the built-in routers do) and through the oracle otherwise.

    **Live**: ``vendor_exit(catalog, policy, workload, *, state=None, now=0.0)`` routes
    every request with and without each vendor's deployments, and reports the requests
    that would have no route and the estimated cost change for the rest.

    Examples:
        >>> table = Outcomes.from_columns(item=[1, 2, 1, 2], model=["gpt", "gpt", "llama", "llama"],
        ...                               score=[1, 1, 1, 0], cost=[0.01, 0.01, 0.001, 0.001])
        >>> row = vendor_exit(table, {"gpt": "openai", "llama": "meta"}).row("openai")
        >>> row.quality_before, row.quality_after, row.stranded_share
        (1.0, 0.5, 0.5)
    """
    if isinstance(outcomes, Catalog):
        return _live_exit(outcomes, vendor_of, router, **options)
    if not isinstance(outcomes, Outcomes):
        raise ValidationError(f"vendor_exit takes an Outcomes table or a Catalog, got {outcomes!r}")
    unknown = set(options) - {"floor"}
    if unknown:
        raise ValidationError(f"unexpected options for the offline vendor_exit: {sorted(unknown)}")
    floor = options.get("floor")
    return _offline_exit(
        outcomes, vendor_of, router, None if floor is None else finite(floor, "floor")
    )


def _offline_exit(
    outcomes: Outcomes, vendor_of: Any, router: Any, floor: float | None
) -> ExitTable:
    vendors: dict[str, list[str]] = {}
    for model in outcomes.models:
        vendors.setdefault(_vendor(vendor_of, model), []).append(model)
    if len(vendors) < 2:
        raise ValidationError(
            f"vendor_exit needs models of at least two vendors; every model is {next(iter(vendors), None)!r}'s, "
            "so without it nothing is left to compare"
        )
    if router is not None and not callable(getattr(router, "without", None)):
        raise ValidationError(
            "router must offer without(models) to be replayed without a vendor; the built-in routers do"
        )
    matrix = outcomes.matrix()
    items = matrix.complete_items()
    if not items:
        raise ValidationError("no item has a score for every model")
    before = _replay(outcomes, router, ())
    rows = []
    for vendor, models in sorted(vendors.items()):
        remaining = [m for m in outcomes.models if m not in models]
        if not remaining:
            after_quality, after_cost = math.nan, math.nan
        else:
            after = _replay(outcomes, router, tuple(models))
            after_quality, after_cost = after
        gone = [matrix.column[m] for m in models]
        kept = [matrix.column[m] for m in remaining]
        if floor is None:
            stranded = sum(
                1
                for i in items
                if not kept
                or max(matrix.score[k][i] for k in gone) > max(matrix.score[k][i] for k in kept)
            )
        else:
            stranded = sum(1 for i in items if not any(matrix.score[k][i] >= floor for k in kept))
        rows.append(
            ExitRow(
                vendor=vendor,
                models=tuple(models),
                quality_before=before[0],
                quality_after=after_quality,
                cost_before=before[1],
                cost_after=after_cost,
                stranded_share=stranded / len(items),
            )
        )
    rows.sort(
        key=lambda r: (
            -(r.quality_before - r.quality_after) if not math.isnan(r.quality_after) else -math.inf,
            r.vendor,
        )
    )
    return ExitTable(rows=tuple(rows), floor=floor)


def _replay(outcomes: Outcomes, router: Any, removed: Sequence[str]) -> tuple[float, float]:
    """(quality, cost) replaying through ``router`` without ``removed``, or the oracle."""
    if router is None:
        matrix = outcomes.matrix()
        items = matrix.complete_items()
        kept = [matrix.column[m] for m in outcomes.models if m not in removed]
        quality = spent = 0.0
        for i in items:
            best = min(kept, key=lambda k: (-matrix.score[k][i], matrix.cost[k][i], k))
            quality += matrix.score[best][i]
            spent += matrix.cost[best][i]
        return quality / len(items), spent
    restricted: LearnedRouter = router.without(tuple(removed)) if removed else router
    report = simulate(restricted, outcomes)
    return report.quality, report.cost


def _live_exit(
    catalog: Catalog, policy: Any, workload: Any, *, state: State | None = None, now: float = 0.0
) -> LiveExitTable:
    if not isinstance(policy, Policy):
        raise ValidationError(
            f"the live vendor_exit takes (catalog, policy, workload), got policy {policy!r}"
        )
    requests = list(workload or ())
    for request in requests:
        if not isinstance(request, Request):
            raise ValidationError(f"the workload must hold Request values, got {request!r}")
    state = State() if state is None else state
    base: list[Deployment | None] = []
    for request in requests:
        try:
            base.append(route(request, catalog, policy, state=state, now=now).chosen)
        except NoRouteError:
            base.append(None)
    unroutable = tuple(k for k, chosen in enumerate(base) if chosen is None)
    rows = []
    for vendor in catalog.vendors:
        without = _without_vendor(policy, vendor)
        stranded, before, after, chosen_before = [], 0.0, 0.0, 0
        for k, request in enumerate(requests):
            first = base[k]
            if first is None:
                continue
            chosen_before += first.vendor == vendor
            try:
                moved = route(request, catalog, without, state=state, now=now).chosen
            except NoRouteError:
                stranded.append(k)
                continue
            before += estimate_cost(request, first)
            after += estimate_cost(request, moved)
        rows.append(
            LiveExitRow(
                vendor=vendor,
                requests=len(requests) - len(unroutable),
                stranded=tuple(stranded),
                cost_before=before,
                cost_after=after,
                chosen_before=chosen_before,
            )
        )
    rows.sort(key=lambda r: (-len(r.stranded), -r.chosen_before, r.vendor))
    return LiveExitTable(rows=tuple(rows), unroutable=unroutable)


def _without_vendor(policy: Policy, vendor: str) -> Policy:
    """``policy`` with one more filter: no deployment of ``vendor``."""

    def without_vendor(request: Request, deployment: Any, context: Any) -> str | None:
        return f"vendor {vendor} has exited" if deployment.vendor == vendor else None

    without_vendor.__name__ = f"without_{vendor}"
    return evolve(policy, filters=(*policy.filters, without_vendor))
