"""The main job's analysis: every number ``modelfolio report`` shows, from the public API.

This module is pure: it takes outcomes, battles, a catalog and a vendor map that the
command line (or a notebook) has already loaded, calls the same public functions a
user would (``leaderboard``, ``compare``, ``non_inferiority``, ``fit_quality``,
``quality_floor``, ``sweep``, ``simulate``, ``aiq``/``apgr``/``cpt``,
``concentration``, ``vendor_exit``, ``allocate``, ``bradley_terry``) and gathers their
results in one :class:`Report`. Rendering (text, HTML, SVG) is the command line's job.

The choices it makes, so a reader of the report can reproduce every figure:

- **Benchmarks** are named outcome tables; each gets a leaderboard and a paired
  comparison of the challenger against the incumbent with a non-inferiority verdict at
  ``margin`` (in that benchmark's score units).
- **The routing table** is every benchmark with 0/1 scores stacked together, each item
  tagged with its benchmark's name (if none is 0/1: the first benchmark). Its items are
  halved by a stable hash (SHA-256 of the item id): a per-tag quality table is fitted on
  one half and quality-floor routers are replayed on the other, one per distinct fitted
  quality, which traces every router the family can produce. The *routed policy* is the
  floor at the incumbent's fitted quality minus ``margin``.
- **Routing per query** (when the items' queries are given): a linear
  :class:`~modelfolio.QueryQuality` is fitted on the same ``fit`` half from the queries
  alone (texts or vectors, no tags), and threshold routers on its predicted incumbent-minus-challenger gap are
  replayed on the ``replay`` half, one per share of incumbent calls (0%, 5%, ..., 100%),
  each threshold calibrated on the ``fit`` half's gaps, as RouteLLM does.
- **The cheapest split** has one workload class per benchmark of the routing table,
  ``volume_per_item`` tokens per logged item (80% input), each deployment of the catalog
  that serves a model scored at its model's mean on that benchmark, and no quality floor;
  it is solved with the vendor share cap and without one.
- **Ratings** are Bradley–Terry with a seeded bootstrap; the top ten's concentration
  counts models per vendor. When every battle carries both answers' styles, the ratings
  are also fitted with style control (length and markdown counts), and the report shows
  how the ranking moves.
- **Is the judge being gamed?** Judgements against a baseline get raw and
  length-controlled win rates (:func:`~modelfolio.win_rates`); the null model (a
  constant answer) and the ``_concise``/``_verbose`` variants of one model are called
  out, with the spread of each family's raw and controlled rates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, TypedDict

from attrs import evolve, field, frozen

from modelfolio._catalog.catalog import Catalog
from modelfolio._common.errors import ValidationError
from modelfolio._common.validate import number
from modelfolio._evaluation.arena import Battle, Ratings, bradley_terry
from modelfolio._evaluation.evaluate import (
    Comparison,
    Leaderboard,
    NonInferiority,
    compare,
    fit_quality,
    leaderboard,
    non_inferiority,
)
from modelfolio._evaluation.judgements import Judgements, WinRates, win_rates
from modelfolio._evaluation.outcomes import Outcomes
from modelfolio._evaluation.quality import QualityTable
from modelfolio._exposure.allocate import Allocation, InfeasibleError, WorkloadClass, allocate
from modelfolio._exposure.risk import Concentration, ExitTable, concentration, vendor_exit
from modelfolio._exposure.traffic import UsageRecord, usage_shares
from modelfolio._learning.query import QueryQuality, fit_query_quality
from modelfolio._learning.routers import (
    LearnedRouter,
    calibrate_threshold,
    quality_floor,
    threshold_router,
)
from modelfolio._learning.simulate import Curve, SimulationReport, aiq, apgr, cpt, simulate, sweep

__all__ = ["QueryRouting", "Report", "analyse", "halve"]

UNKNOWN_VENDOR = "unknown vendor"


def halve(item: Hashable) -> str:
    """``"fit"`` or ``"replay"`` by the first byte of SHA-256 of ``str(item)``: stable anywhere.

    Examples:
        >>> halve("anatomy:0"), halve("anatomy:1")
        ('replay', 'fit')
    """
    return "fit" if hashlib.sha256(str(item).encode("utf-8")).digest()[0] % 2 == 0 else "replay"


@frozen(kw_only=True, eq=False)
class Routing:
    """Section 3: a learned router fitted on one half and replayed on the other."""

    table: QualityTable
    """The per-tag quality table fitted on the ``fit`` half."""
    curve: Curve
    """Every quality-floor router replayed on the ``replay`` half."""
    policy: SimulationReport
    """The routed policy (floor at the incumbent's quality minus the margin), replayed."""
    floor: float
    """Its floor."""
    aiq: float
    """RouterBench's AIQ of the curve."""
    apgr: float | None
    """RouteLLM's APGR (challenger weak, incumbent strong); ``None`` when they tie."""
    cpt50: float | None
    """Share of incumbent calls needed to recover 50% of the gap."""
    cpt80: float | None
    """Share of incumbent calls needed to recover 80% of the gap."""
    fit: Outcomes
    """The ``fit`` half the table was fitted on."""
    replay: Outcomes
    """The ``replay`` half every router above was replayed on."""
    router: LearnedRouter
    """The routed policy's router (``quality_floor(table, floor)``)."""
    reasons: Mapping[str, str] = field(factory=dict)
    """Why APGR or a CPT could not be computed, by metric (``apgr``, ``cpt50``, ``cpt80``)."""

    @property
    def fit_items(self) -> int:
        """Items in the ``fit`` half."""
        return len(self.fit.items)


@frozen(kw_only=True, eq=False)
class QueryRouting:
    """Section 3, per query: routers that read each item's query, fitted and replayed as above."""

    quality: QueryQuality
    """The per-query predictor fitted on the ``fit`` half (linear, on the queries alone)."""
    curve: Curve
    """Threshold routers on the predicted gap, one per share of incumbent calls, replayed."""
    aiq: float
    """RouterBench's AIQ of the curve."""
    apgr: float | None
    """RouteLLM's APGR (challenger weak, incumbent strong); ``None`` when they tie."""
    cpt50: float | None
    """Share of incumbent calls needed to recover 50% of the gap."""
    cpt80: float | None
    """Share of incumbent calls needed to recover 80% of the gap."""
    reasons: Mapping[str, str] = field(factory=dict)
    """Why APGR or a CPT could not be computed, by metric."""


@frozen(kw_only=True, eq=False)
class Split:
    """Section 5: the cheapest split with and without the vendor share cap."""

    capped: Allocation | None
    """The cheapest split under the cap, or ``None`` when no split meets it."""
    uncapped: Allocation
    """The cheapest split with no cap."""
    cap: float
    """The largest share any one vendor may carry."""
    infeasible: str | None
    """Why no split meets the cap, when none does."""

    @property
    def cap_cost(self) -> float | None:
        """What the cap costs per period over no cap (``None`` when infeasible)."""
        return None if self.capped is None else self.capped.cost - self.uncapped.cost


@frozen(kw_only=True, eq=False)
class Arena:
    """Section 6: ratings from pairwise votes and the top ten's vendors."""

    ratings: Ratings
    """Bradley–Terry ratings with bootstrap intervals."""
    vendors: Mapping[str, str]
    """Model to vendor (``"unknown vendor"`` where none was given)."""
    top: tuple[str, ...]
    """The ten (or fewer) highest-rated models."""
    top_concentration: Concentration
    """How the top models are spread over vendors (each model counts once)."""
    styled: Ratings | None = None
    """The same ratings with style control (``None`` unless every battle has styles)."""


@frozen(kw_only=True, eq=False)
class Judge:
    """Section 7: is the judge being gamed? Raw against length-controlled win rates."""

    rates: WinRates
    """Raw and length-controlled win rates against the baseline."""
    vendors: Mapping[str, str]
    """Model to vendor (``"unknown vendor"`` where none was given)."""
    gamed: tuple[str, ...]
    """Models called out: a null model, and each family with concise/verbose variants."""
    families: tuple[tuple[str, tuple[str, ...], float, float], ...]
    """Per family of variants: its base name, its models, and the largest/smallest ratio
    of raw and of controlled win rates."""


def _families(models: Sequence[str]) -> list[tuple[str, tuple[str, ...]]]:
    """Models with ``_concise``/``_verbose`` variants, grouped with their base model."""
    suffixes = ("_concise", "_verbose")
    bases = sorted({m[: -len(s)] for m in models for s in suffixes if m.endswith(s)})
    found = []
    for base in bases:
        members = tuple(m for m in (base, *(base + s for s in suffixes)) if m in models)
        if len(members) >= 2:
            found.append((base, members))
    return found


def _judge(judgements: Judgements, vendors: Mapping[str, str]) -> Judge:
    rates = win_rates(judgements)
    models = rates.models
    families = []
    for base, members in _families(models):
        raw = [rates.entry(m).win_rate for m in members]
        controlled = [rates.entry(m).lc_win_rate for m in members]
        families.append(
            (
                base,
                members,
                max(raw) / min(raw) if min(raw) > 0 else float("inf"),
                max(controlled) / min(controlled) if min(controlled) > 0 else float("inf"),
            )
        )
    null = [m for m in models if m.lower().replace("_", "").replace("-", "") == "nullmodel"]
    gamed = tuple(null) + tuple(m for _, members, _, _ in families for m in members)
    return Judge(
        rates=rates,
        vendors={m: vendors.get(m, UNKNOWN_VENDOR) for m in models},
        gamed=gamed,
        families=tuple(families),
    )


@frozen(kw_only=True, eq=False)
class Traffic:
    """Section 7: logged production calls (telemetry, a gateway's spend log)."""

    calls: int
    """How many calls were logged."""
    failures: int
    """How many of them failed."""
    by_cost: Concentration | None
    """Vendor concentration of what the calls cost (``None`` when nothing was priced)."""
    by_calls: Concentration
    """Vendor concentration of the calls themselves."""
    rows: tuple[dict[str, object], ...]
    """Per vendor: calls, failures, failure share, cost."""


def _traffic(records: Sequence[UsageRecord]) -> Traffic:
    named = [r if r.vendor is not None else evolve(r, vendor=UNKNOWN_VENDOR) for r in records]
    by_calls = concentration(usage_shares(named, weight="calls"))
    spent = usage_shares(named, weight="cost")
    by_cost = concentration(spent) if sum(spent.values()) > 0 else None
    rows = []
    for vendor in sorted({r.vendor for r in named if r.vendor is not None}):
        mine = [r for r in named if r.vendor == vendor]
        failed = sum(1 for r in mine if not r.ok)
        rows.append(
            {
                "vendor": vendor,
                "calls": len(mine),
                "failures": failed,
                "failure_share": failed / len(mine),
                "cost_usd": sum(r.cost_usd or 0.0 for r in mine),
            }
        )
    return Traffic(
        calls=len(records),
        failures=sum(1 for r in records if not r.ok),
        by_cost=by_cost,
        by_calls=by_calls,
        rows=tuple(rows),
    )


@frozen(kw_only=True, eq=False)
class Report:
    """Everything the main job found, section by section."""

    incumbent: str
    """The model depended on today."""
    challenger: str
    """The model that might replace it."""
    margin: float
    """The non-inferiority margin, in score units."""
    seed: int
    """The seed of every bootstrap and random baseline."""
    leaderboards: Mapping[str, Leaderboard]
    """Section 1: a leaderboard per benchmark."""
    comparisons: Mapping[str, Comparison]
    """Section 2: challenger minus incumbent, paired, per benchmark."""
    verdicts: Mapping[str, NonInferiority]
    """Section 2: the non-inferiority verdict per benchmark."""
    routing_benchmarks: tuple[str, ...]
    """The benchmarks stacked into the routing table."""
    routing: Routing | None
    """Section 3 (``None`` when the routing table has a single model)."""
    vendors: Mapping[str, str]
    """Model to vendor for the scored models."""
    incumbent_concentration: Concentration
    """Section 4: all traffic on the incumbent."""
    routed_concentration: Concentration | None
    """Section 4: traffic as the routed policy spreads it."""
    exits: ExitTable | None
    """Section 4: each vendor's exit, replayed through the routed policy."""
    split: Split | None
    """Section 5 (``None`` without a catalog serving the models)."""
    split_note: str | None
    """Why section 5 is absent, when it is."""
    arena: Arena | None
    """Section 6 (``None`` without battles)."""
    traffic: Traffic | None = None
    """Section 7 (``None`` without logged traffic)."""
    query_routing: QueryRouting | None = None
    """Section 3, per query (``None`` without the items' queries or a routing section)."""
    notes: tuple[str, ...] = field(default=())
    """Anything the reader should know about how the data was used."""
    judge: Judge | None = None
    """Section 7 (``None`` without judgements against a baseline)."""
    costs: bool = True
    """Whether the outcomes carry costs (without, cost figures are shown as unavailable)."""
    routing_note: str | None = None
    """Why section 3 is absent, when it is (too few items or models)."""

    def headline(self) -> list[str]:
        """The main findings as short plain-text lines (the command line prints them)."""
        lines = []
        for name, comparison in self.comparisons.items():
            verdict = self.verdicts[name]
            lines.append(
                f"{name}: {self.challenger} - {self.incumbent} = {comparison.diff:+.4f} "
                f"[{comparison.ci_low:+.4f}, {comparison.ci_high:+.4f}], p={comparison.p_value:.3g}; "
                f"{'non-inferior' if verdict.non_inferior else 'not shown non-inferior'} "
                f"at margin {self.margin:g}"
            )
        if self.routing is not None:
            r = self.routing
            incumbent = r.policy.baselines[self.incumbent]
            if self.costs:
                lines.append(
                    f"routing: {_metrics(r.aiq, r.apgr, r.cpt50, r.reasons)}; "
                    f"routed policy quality {r.policy.quality:.4f} at "
                    f"${r.policy.cost_per_item:.6f}/item vs incumbent "
                    f"{incumbent.quality:.4f} at "
                    f"${incumbent.cost / r.policy.n:.6f}/item"
                )
            else:
                lines.append(
                    f"routing: {_metrics(r.aiq, r.apgr, r.cpt50, r.reasons)}; routed policy quality "
                    f"{r.policy.quality:.4f} vs incumbent {incumbent.quality:.4f} "
                    "(costs unavailable: no cost column was given)"
                )
        elif self.routing_note is not None:
            lines.append(f"routing: not computed. {self.routing_note}")
        if self.query_routing is not None:
            q = self.query_routing
            lines.append(f"routing per query: {_metrics(q.aiq, q.apgr, q.cpt50, q.reasons)}")
        routed = self.routed_concentration
        lines.append(
            f"exposure: HHI {self.incumbent_concentration.hhi:,.0f} on the incumbent alone"
            + ("" if routed is None else f", {routed.hhi:,.0f} with the routed policy")
        )
        if self.split is not None:
            s = self.split
            if s.capped is None:
                lines.append(f"cheapest split: no split meets a {s.cap:.0%} vendor cap")
            else:
                lines.append(
                    f"cheapest split: ${s.capped.cost:,.2f}/period with a {s.cap:.0%} vendor cap, "
                    f"${s.uncapped.cost:,.2f} without (the cap costs ${s.cap_cost:,.2f})"
                )
        if self.traffic is not None:
            t = self.traffic
            lines.append(
                f"traffic: {t.calls} logged calls, {t.failures} failed; top vendor "
                f"{t.by_calls.top} with {t.by_calls.top_share:.0%} of calls"
                + ("" if t.by_cost is None else f", HHI by cost {t.by_cost.hhi:,.0f}")
            )
        if self.arena is not None:
            a = self.arena
            lines.append(
                f"arena: {len(a.ratings.models)} models rated, best {a.top[0]}; top ten HHI "
                f"{a.top_concentration.hhi:,.0f} by vendor"
                + (
                    ""
                    if a.styled is None
                    else f"; with style control best {a.styled.models[0]}, length coefficient "
                    f"{a.styled.style.get('length', 0.0):+.2f}"
                )
            )
        if self.judge is not None:
            j = self.judge
            shown = [
                f"{m} {j.rates.entry(m).win_rate:.1%} raw, {j.rates.entry(m).lc_win_rate:.1%} controlled"
                for m in j.gamed[:1]
            ]
            spreads = [
                f"{base} variants spread {raw:.2f}x raw, {controlled:.2f}x controlled"
                for base, _, raw, controlled in j.families[:2]
            ]
            lines.append(
                f"judge: {len(j.rates.models)} models against {j.rates.entries[0].baseline}"
                + "".join(f"; {part}" for part in (*shown, *spreads))
            )
        return lines


def _metrics(
    aiq: float, apgr: float | None, cpt50: float | None, reasons: Mapping[str, str] | None = None
) -> str:
    """``AIQ …, APGR …, CPT(50%) …`` for a headline (the reason where undefined)."""
    reasons = reasons or {}

    def missing(name: str) -> str:
        reason = reasons.get(name)
        return "n/a" if reason is None else f"n/a ({reason})"

    apgr_text = missing("apgr") if apgr is None else f"{apgr:.3f}"
    cpt_text = missing("cpt50") if cpt50 is None else f"{cpt50:.1%}"
    return f"AIQ {aiq:.4f}, APGR {apgr_text}, CPT(50%) {cpt_text}"


def _check_model(outcomes: Outcomes, model: str, option: str) -> None:
    if model not in outcomes.models:
        raise ValidationError(
            f"{option} names {model!r}, which has no outcomes; the models are: "
            + ", ".join(outcomes.models)
        )


def _tagged(outcomes: Outcomes, tag: str) -> Outcomes:
    rows = outcomes.to_rows()
    return Outcomes.from_columns(
        item=[(tag, r["item"]) for r in rows],
        model=[str(r["model"]) for r in rows],
        score=[float(r["score"]) for r in rows],  # type: ignore[arg-type]
        cost=[float(r["cost"]) for r in rows],  # type: ignore[arg-type]
        latency_s=[r["latency_s"] for r in rows],  # type: ignore[misc]
        tags=[frozenset(r["tags"]) | {tag} for r in rows],  # type: ignore[call-overload]
        split=[r["split"] for r in rows],  # type: ignore[misc]
    )


def _routing_table(benchmarks: Mapping[str, Outcomes]) -> tuple[tuple[str, ...], Outcomes]:
    binary = [name for name, table in benchmarks.items() if table.binary]
    names = tuple(binary) if binary else (next(iter(benchmarks)),)
    if len(names) == 1:
        return names, benchmarks[names[0]]
    return names, Outcomes.concat(_tagged(benchmarks[name], name) for name in names)


def _optional_metric(
    reasons: dict[str, str], name: str, function: Any, *args: Any, **kwargs: Any
) -> float | None:
    """The metric, or ``None`` with the API's reason kept under ``name``."""
    try:
        return float(function(*args, **kwargs))
    except ValidationError as error:
        reasons[name] = str(error)
        return None


class _CurveMetrics(TypedDict):
    aiq: float
    apgr: float | None
    cpt50: float | None
    cpt80: float | None
    reasons: Mapping[str, str]


def _curve_metrics(curve: Curve, incumbent: str, challenger: str) -> _CurveMetrics:
    """AIQ, and APGR and CPT with the challenger as the weak model, the incumbent strong."""
    reasons: dict[str, str] = {}
    return {
        "aiq": aiq(curve),
        "apgr": _optional_metric(reasons, "apgr", apgr, curve, weak=challenger, strong=incumbent),
        "cpt50": _optional_metric(
            reasons, "cpt50", cpt, curve, 0.5, weak=challenger, strong=incumbent
        ),
        "cpt80": _optional_metric(
            reasons, "cpt80", cpt, curve, 0.8, weak=challenger, strong=incumbent
        ),
        "reasons": reasons,
    }


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


MIN_HALF_ITEMS = 10
"""Routing is fitted on one half of the items and replayed on the other: each half needs
at least this many items for its figures to mean anything."""


def _routing(
    table: Outcomes, incumbent: str, challenger: str, margin: float, seed: int
) -> tuple[Routing | None, str | None]:
    """The routing section, or ``None`` with the reason it cannot be computed."""
    if len(table.models) < 2:
        return None, "Routing needs at least two models in the routing table."
    halves = table.assign(split=halve)
    fit, replay = halves.subset(split="fit"), halves.subset(split="replay")
    smaller = min(len(fit.items), len(replay.items))
    if smaller < MIN_HALF_ITEMS:
        return None, (
            f"Routing needs at least {MIN_HALF_ITEMS} items in each half (a table is fitted on "
            f"one half and replayed on the other); the data has {_count(len(table.items), 'item')} "
            f"({len(fit.items)} in the fit half, {len(replay.items)} in the replay half)."
        )
    quality = fit_quality(fit)
    values = sorted({float(row["mean"]) for row in quality.to_rows()})  # type: ignore[arg-type]
    knobs = [values[0] - 1.0, *values]
    curve = sweep(lambda floor: quality_floor(quality, floor), knobs, replay)
    floor = quality.quality(incumbent) - margin
    router = quality_floor(quality, floor)
    policy = simulate(router, replay, seed=seed)
    return Routing(
        table=quality,
        curve=curve,
        policy=policy,
        floor=floor,
        **_curve_metrics(curve, incumbent, challenger),
        fit=fit,
        replay=replay,
        router=router,
    ), None


def _queries_of(
    queries: Any, benchmarks: Mapping[str, Outcomes], names: Sequence[str]
) -> dict[Hashable, Any]:
    """The routing table's item ids (``(benchmark, item)`` when stacked) to their queries."""
    if not isinstance(queries, Mapping):
        raise ValidationError(
            "queries must map each benchmark's name to its items' queries, "
            f"got {type(queries).__name__}"
        )
    unknown = [name for name in queries if name not in benchmarks]
    if unknown:
        raise ValidationError(
            f"queries names {unknown[0]!r}, which is not a benchmark; the benchmarks are: "
            + ", ".join(benchmarks)
        )
    by_item: dict[Hashable, Any] = {}
    for name in names:
        if name not in queries:
            raise ValidationError(
                f"queries has none for {name!r}, a benchmark of the routing table "
                f"({', '.join(names)})"
            )
        given = queries[name]
        if not isinstance(given, Mapping):
            raise ValidationError(
                f"queries[{name!r}] must map item ids to queries, got {type(given).__name__}"
            )
        for item, query in given.items():
            by_item[(name, item) if len(names) > 1 else item] = query
    # checked here, whether or not the routing section can use them
    if len({isinstance(query, str) for query in by_item.values()}) > 1:
        raise ValidationError("queries must be all texts or all vectors, not a mix")
    return by_item


SHARES = tuple(k / 20 for k in range(21))
"""The shares of incumbent calls the per-query routers are calibrated for."""


def _query_routing(
    routing: Routing,
    queries: Mapping[Hashable, Any],
    incumbent: str,
    challenger: str,
    seed: int,
) -> QueryRouting:
    fit = routing.fit
    missing = [item for item in (*fit.items, *routing.replay.items) if item not in queries]
    if missing:
        raise ValidationError(
            f"queries has no query for {len(missing)} item(s) of the routing table, "
            f"e.g. {missing[0]!r}"
        )
    quality = fit_query_quality(fit, queries, method="linear", seed=seed)
    gap = quality.gap(incumbent, challenger)
    fit_gaps = [gap(queries[item]) for item in fit.items]

    def router(share: float) -> LearnedRouter:
        threshold = calibrate_threshold(fit_gaps, share)
        return threshold_router(quality, strong=incumbent, weak=challenger, threshold=threshold)

    curve = sweep(router, list(SHARES), routing.replay, queries=queries)
    return QueryRouting(
        quality=quality,
        curve=curve,
        **_curve_metrics(curve, incumbent, challenger),
    )


def _split(
    benchmarks: Mapping[str, Outcomes],
    boards: Mapping[str, Leaderboard],
    names: Sequence[str],
    catalog: Catalog,
    cap: float,
    volume_per_item: int,
) -> tuple[Split | None, str | None]:
    models = sorted({m for name in names for m in benchmarks[name].models})
    serving = [d for m in models for d in catalog.serving(m)]
    if not serving:
        return None, ("the catalog serves none of the scored models (" + ", ".join(models) + ")")
    sub = Catalog(deployments=serving)
    classes, quality = [], {}
    for name in names:
        board = boards[name]
        classes.append(
            WorkloadClass(name=name, volume=volume_per_item * len(benchmarks[name].items))
        )
        for d in serving:
            if d.model.id in board.models:
                quality[(d.id, name)] = board.entry(d.model.id).mean
    uncapped = allocate(classes, sub, quality)
    try:
        capped: Allocation | None = allocate(classes, sub, quality, max_vendor_share=cap)
        why = None
    except InfeasibleError as error:
        capped, why = None, str(error)
    return Split(capped=capped, uncapped=uncapped, cap=cap, infeasible=why), None


def _arena(
    battles: Sequence[Battle | tuple[str, str, str]],
    vendors: Mapping[str, str],
    seed: int,
    bootstrap: int,
) -> Arena:
    ratings = bradley_terry(battles, bootstrap=bootstrap, seed=seed)
    named = {m: vendors.get(m, UNKNOWN_VENDOR) for m in ratings.models}
    top = ratings.models[:10]
    counts: dict[str, float] = {}
    for model in top:
        counts[named[model]] = counts.get(named[model], 0.0) + 1.0
    styled = None
    if battles and all(isinstance(b, Battle) and b.style_a is not None for b in battles):
        features = sorted(set.intersection(*(set(b.style_a or {}) for b in battles)))  # type: ignore[union-attr]
        varying = [
            name
            for name in features
            if any(b.style_a[name] != b.style_b[name] for b in battles)  # type: ignore[union-attr, index]
        ]
        if varying:
            styled = bradley_terry(battles, bootstrap=bootstrap, seed=seed, style=varying)
    return Arena(
        ratings=ratings,
        vendors=named,
        top=top,
        top_concentration=concentration(counts),
        styled=styled,
    )


def _default_pair(board: Leaderboard, costs: bool = True) -> tuple[str, str]:
    """The best model, and the cheapest other one (without costs: the next best)."""
    incumbent = board.models[0]
    others = [e for e in board.entries if e.model != incumbent]
    if not others:
        raise ValidationError(
            f"a comparison needs two models; the outcomes have only {incumbent!r}"
        )
    if not costs:
        return incumbent, others[0].model
    challenger = min(others, key=lambda e: (e.cost_per_item, -e.mean, e.model)).model
    return incumbent, challenger


def analyse(
    benchmarks: Mapping[str, Outcomes],
    *,
    vendors: Mapping[str, str],
    catalog: Catalog | None = None,
    battles: Sequence[Battle | tuple[str, str, str]] | None = None,
    battle_vendors: Mapping[str, str] | None = None,
    incumbent: str | None = None,
    challenger: str | None = None,
    margin: float = 0.05,
    max_vendor_share: float = 0.6,
    seed: int = 0,
    bootstrap: int = 100,
    volume_per_item: int = 1_000,
    traffic: Sequence[UsageRecord] | None = None,
    queries: Mapping[str, Mapping[Hashable, Any]] | None = None,
    judgements: Judgements | None = None,
    judgement_vendors: Mapping[str, str] | None = None,
    costs: bool = True,
) -> Report:
    """Run every section of the report on already-loaded data.

    Without ``incumbent``, the best model of the first benchmark is the incumbent; without
    ``challenger``, the cheapest other model (per item) is the challenger. ``queries``
    maps a benchmark's name to its items' queries (item id to text or vector); given for
    every benchmark of the routing table, routers that read the query are fitted and
    replayed beside the per-tag ones.

    Raises:
        ValidationError: an option is out of range, a named model has no outcomes, or
            a scored model has no vendor.
    """
    if not benchmarks:
        raise ValidationError("benchmarks must name at least one outcome table")
    margin = number(margin, "margin")
    if (
        isinstance(max_vendor_share, bool)
        or not isinstance(max_vendor_share, (int, float))
        or not 0 < max_vendor_share <= 1
    ):
        raise ValidationError(
            f"max_vendor_share must be a share in (0, 1], got {max_vendor_share!r}"
        )
    first = next(iter(benchmarks.values()))
    boards = {name: leaderboard(table, seed=seed) for name, table in benchmarks.items()}
    default_incumbent, default_challenger = _default_pair(boards[next(iter(boards))], costs)
    incumbent = incumbent or default_incumbent
    challenger = challenger or (
        default_challenger
        if default_challenger != incumbent
        else next(m for m in first.models if m != incumbent)
    )
    if incumbent == challenger:
        raise ValidationError(f"incumbent and challenger must differ, got {incumbent!r} twice")
    for table in benchmarks.values():
        _check_model(table, incumbent, "incumbent")
        _check_model(table, challenger, "challenger")
    scored = sorted({m for table in benchmarks.values() for m in table.models})
    missing = [m for m in scored if m not in vendors]
    if missing:
        raise ValidationError("vendors names no vendor for " + ", ".join(map(repr, missing)))
    comparisons = {
        name: compare(table, baseline=incumbent, candidate=challenger, seed=seed)
        for name, table in benchmarks.items()
    }
    verdicts = {
        name: non_inferiority(
            table, baseline=incumbent, candidate=challenger, margin=margin, seed=seed
        )
        for name, table in benchmarks.items()
    }
    names, table = _routing_table(benchmarks)
    routing, routing_note = _routing(table, incumbent, challenger, margin, seed)
    query_routing = None
    if queries is not None:
        by_item = _queries_of(queries, benchmarks, names)
        if routing is not None and {incumbent, challenger} <= set(table.models):
            query_routing = _query_routing(routing, by_item, incumbent, challenger, seed)
    vendor_of = {m: vendors[m] for m in scored}
    alone = concentration({vendor_of[incumbent]: 1.0})
    routed = exits = None
    if routing is not None:
        routed = concentration(routing.policy, vendor_of=vendor_of)
        if len({vendor_of[m] for m in table.models}) > 1:
            exits = vendor_exit(routing.replay, vendor_of, routing.router)
    split: Split | None = None
    split_note: str | None = "no catalog was given"
    if catalog is not None:
        split, split_note = _split(
            benchmarks, boards, names, catalog, max_vendor_share, volume_per_item
        )
    arena = None
    if battles is not None:
        arena = _arena(battles, battle_vendors or {}, seed, bootstrap)
    judge = None
    if judgements is not None:
        judge = _judge(judgements, judgement_vendors or {})
    notes = []
    if len(names) > 1:
        notes.append(
            "The routing table stacks "
            + ", ".join(names)
            + ", each item tagged with its benchmark."
        )
    return Report(
        incumbent=incumbent,
        challenger=challenger,
        margin=float(margin),
        seed=seed,
        leaderboards=boards,
        comparisons=comparisons,
        verdicts=verdicts,
        routing_benchmarks=names,
        routing=routing,
        vendors=vendor_of,
        incumbent_concentration=alone,
        routed_concentration=routed,
        exits=exits,
        split=split,
        split_note=split_note,
        arena=arena,
        traffic=None if not traffic else _traffic(traffic),
        query_routing=query_routing,
        notes=tuple(notes),
        judge=judge,
        costs=costs,
        routing_note=routing_note,
    )
