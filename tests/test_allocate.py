from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from modelfolio import (
    Catalog,
    Deployment,
    InfeasibleError,
    Model,
    Price,
    Request,
    ValidationError,
    WorkloadClass,
    allocate,
    policy_from_allocation,
    route,
)
from modelfolio._exposure import simplex


def instance(rng: random.Random) -> dict[str, Any]:
    vendors = [f"v{k}" for k in range(rng.randint(1, 3))]
    deployments = []
    for n in range(rng.randint(2, 6)):
        vendor = rng.choice(vendors)
        model = Model(
            id=f"{vendor}-m{n}",
            vendor=vendor,
            capabilities=["chat", *(["tools"] if rng.random() < 0.6 else [])],
            context_window=10_000,
            max_output_tokens=1_000,
        )
        price = Price(
            input_per_mtok=rng.choice([0.1, 0.5, 1.0, 3.0, 10.0]),
            output_per_mtok=rng.choice([0.4, 2.0, 5.0, 15.0]),
        )
        deployments.append(Deployment(id=f"d{n}", model=model, provider="p", price=price))
    catalog = Catalog(deployments=deployments)
    classes = [
        WorkloadClass(
            name=f"c{k}",
            volume=rng.randint(0, 5) * 1_000_000 + rng.randint(0, 999),
            floor=rng.choice([0.0, 0.0, 0.3, 0.6]),
            needs=["tools"] if rng.random() < 0.3 else [],
            input_share=rng.choice([0.5, 0.8, 0.95]),
        )
        for k in range(rng.randint(1, 4))
    ]
    quality = {
        (d.id, c.name): rng.random() for d in deployments for c in classes if rng.random() < 0.9
    }
    capacity = {d.id: rng.randint(1, 8) * 1_000_000 for d in deployments if rng.random() < 0.5}
    reserved = {d.id: rng.randint(0, 2) * 500_000 for d in deployments if rng.random() < 0.25}
    reserved = {d: r for d, r in reserved.items() if r <= capacity.get(d, r)}
    share: Any = rng.choice([1.0, 0.8, 0.6, 0.5])
    if rng.random() < 0.3:
        share = {v: rng.choice([0.3, 0.6, 1.0]) for v in vendors}
    return {
        "classes": classes,
        "catalog": catalog,
        "quality": quality,
        "capacity": capacity,
        "reserved": reserved,
        "max_vendor_share": share,
    }


def reference(problem: dict[str, Any]) -> float | None:
    """The optimum by linear programming (scipy's HiGHS), or None if infeasible."""
    classes, catalog, quality = problem["classes"], problem["catalog"], problem["quality"]
    deployments = catalog.deployments
    total = sum(c.volume for c in classes)
    pairs = [
        (c, d)
        for c in classes
        for d in deployments
        if not (c.needs - d.model.capabilities) and quality.get((d.id, c.name), 0.0) >= c.floor
    ]
    price = [
        c.input_share * d.price.input_per_mtok + (1 - c.input_share) * d.price.output_per_mtok
        for c, d in pairs
    ]
    a_eq, b_eq, a_ub, b_ub = [], [], [], []
    for c in classes:
        a_eq.append([1.0 if pc is c else 0.0 for pc, _ in pairs])
        b_eq.append(c.volume)
    for d in deployments:
        row = [1.0 if pd is d else 0.0 for _, pd in pairs]
        if d.id in problem["capacity"]:
            a_ub.append(row)
            b_ub.append(problem["capacity"][d.id])
        if problem["reserved"].get(d.id):
            a_ub.append([-x for x in row])
            b_ub.append(-problem["reserved"][d.id])
    share = problem["max_vendor_share"]
    for vendor in catalog.vendors:
        limit = share.get(vendor, 1.0) if isinstance(share, dict) else share
        a_ub.append([1.0 if pd.vendor == vendor else 0.0 for _, pd in pairs])
        b_ub.append(math.floor(limit * total + 1e-9))
    if not pairs:
        return 0.0 if total == 0 and not any(problem["reserved"].values()) else None
    result = linprog(
        np.array(price),
        A_ub=np.array(a_ub) if a_ub else None,
        b_ub=np.array(b_ub) if b_ub else None,
        A_eq=np.array(a_eq),
        b_eq=np.array(b_eq),
        bounds=(0, None),
        method="highs",
    )
    return float(result.fun) / 1e6 if result.status == 0 else None


def solve(problem: dict[str, Any]) -> Any:
    try:
        return allocate(
            problem["classes"],
            problem["catalog"],
            problem["quality"],
            capacity=problem["capacity"],
            reserved=problem["reserved"],
            max_vendor_share=problem["max_vendor_share"],
        )
    except InfeasibleError:
        return None


def test_matches_a_linear_programming_solver_on_random_instances() -> None:
    rng = random.Random(20261122)
    feasible = infeasible = 0
    for _ in range(400):
        problem = instance(rng)
        expected = reference(problem)
        plan = solve(problem)
        assert (expected is None) == (plan is None), problem
        infeasible += plan is None
        if plan is not None:
            feasible += 1
            assert expected == pytest.approx(plan.cost, rel=1e-6, abs=1e-9)
    assert feasible > 100
    assert infeasible > 20


def larger_instance(rng: random.Random) -> dict[str, Any]:
    """Tens of classes and deployments, many vendors: thousands of simplex pivots."""
    vendors = [f"v{k}" for k in range(8)]
    deployments = []
    for n in range(60):
        vendor = vendors[n % len(vendors)]
        model = Model(
            id=f"{vendor}-m{n}",
            vendor=vendor,
            capabilities=["chat"],
            context_window=10_000,
            max_output_tokens=1_000,
        )
        price = Price(
            input_per_mtok=round(rng.uniform(0.05, 5.0), 3),
            output_per_mtok=round(rng.uniform(0.2, 20.0), 3),
        )
        deployments.append(Deployment(id=f"d{n:02d}", model=model, provider="p", price=price))
    classes = [
        WorkloadClass(
            name=f"c{k:02d}",
            volume=rng.randint(1, 20) * 1_000_000,
            floor=rng.choice([0.5, 0.6, 0.7]),
            input_share=rng.choice([0.6, 0.8, 0.9]),
        )
        for k in range(25)
    ]
    total = sum(c.volume for c in classes)
    return {
        "classes": classes,
        "catalog": Catalog(deployments=deployments),
        "quality": {(d.id, c.name): rng.uniform(0.4, 0.95) for d in deployments for c in classes},
        "capacity": {d.id: int(total / 60 * rng.uniform(1.0, 2.5)) for d in deployments},
        "reserved": {d.id: 1_000_000 for d in deployments[:5]},
        "max_vendor_share": rng.choice([0.2, 0.25, dict.fromkeys(vendors, 0.3)]),
    }


@pytest.mark.parametrize("seed", range(6))
def test_larger_instances_match_the_linear_programme(seed: int) -> None:
    problem = larger_instance(random.Random(seed))
    expected = reference(problem)
    plan = solve(problem)
    assert (expected is None) == (plan is None)
    if plan is not None:
        check_constraints(problem, plan)
        assert expected == pytest.approx(plan.cost, rel=1e-7)


def test_the_fallback_solver_when_the_simplex_gives_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no pivots allowed, successive shortest paths solve every instance, as exactly."""
    monkeypatch.setattr(simplex, "PIVOTS_PER_ARC", -(10**9))
    with pytest.raises(simplex.GaveUp, match="no optimum after"):
        simplex.network_simplex(2, [0], [1], [5], [1.0], [3, -3])
    rng = random.Random(20261207)
    feasible = 0
    for _ in range(150):
        problem = instance(rng)
        expected = reference(problem)
        plan = solve(problem)
        assert (expected is None) == (plan is None), problem
        if plan is not None:
            feasible += 1
            check_constraints(problem, plan)
            assert expected == pytest.approx(plan.cost, rel=1e-6, abs=1e-9)
    assert feasible > 40


def check_constraints(problem: dict[str, Any], plan: Any) -> None:
    catalog, quality = problem["catalog"], problem["quality"]
    total = sum(c.volume for c in problem["classes"])
    for c in problem["classes"]:
        assert c.volume == sum(v for (name, _), v in plan.flows.items() if name == c.name)
    by_deployment: dict[str, int] = {}
    by_vendor: dict[str, int] = {}
    for (name, deployment_id), tokens in plan.flows.items():
        c = next(c for c in problem["classes"] if c.name == name)
        d = catalog.deployment(deployment_id)
        assert tokens > 0
        assert isinstance(tokens, int)
        assert not (c.needs - d.model.capabilities)
        assert quality.get((d.id, c.name), 0.0) >= c.floor
        by_deployment[d.id] = by_deployment.get(d.id, 0) + tokens
        by_vendor[d.vendor] = by_vendor.get(d.vendor, 0) + tokens
    for d_id, limit in problem["capacity"].items():
        assert by_deployment.get(d_id, 0) <= limit
    for d_id, minimum in problem["reserved"].items():
        assert by_deployment.get(d_id, 0) >= minimum
    share = problem["max_vendor_share"]
    for vendor, tokens in by_vendor.items():
        limit = share.get(vendor, 1.0) if isinstance(share, dict) else share
        assert tokens <= math.floor(limit * total + 1e-9)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 10**9))
def test_every_constraint_holds(seed: int) -> None:
    problem = instance(random.Random(seed))
    plan = solve(problem)
    if plan is not None:
        check_constraints(problem, plan)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 10**9), st.sampled_from(["share", "capacity"]))
def test_loosening_a_limit_never_raises_the_cost(seed: int, which: str) -> None:
    problem = instance(random.Random(seed))
    plan = solve(problem)
    looser = dict(problem)
    if which == "share":
        share = problem["max_vendor_share"]
        looser["max_vendor_share"] = (
            {v: min(1.0, s + 0.2) for v, s in share.items()}
            if isinstance(share, dict)
            else min(1.0, share + 0.2)
        )
    else:
        looser["capacity"] = {d: c * 2 for d, c in problem["capacity"].items()}
    relaxed = solve(looser)
    if plan is not None:
        assert relaxed is not None
        assert relaxed.cost <= plan.cost * (1 + 1e-9) + 1e-12


def small_catalog() -> Catalog:
    def d(deployment_id: str, vendor: str, price: float) -> Deployment:
        model = Model(
            id=deployment_id,
            vendor=vendor,
            capabilities=["chat"],
            context_window=10_000,
            max_output_tokens=1_000,
        )
        return Deployment(
            id=deployment_id,
            model=model,
            provider=vendor,
            price=Price(input_per_mtok=price, output_per_mtok=price),
        )

    return Catalog(
        deployments=[
            d("openai/a", "openai", 1.0),
            d("openai/b", "openai", 2.0),
            d("meta/c", "meta", 3.0),
        ]
    )


def test_infeasible_vendor_cap_is_named_with_the_shortfall() -> None:
    code = WorkloadClass(name="code", volume=40_000_000, floor=0.8)
    quality = {("openai/a", "code"): 0.9, ("openai/b", "code"): 0.85, ("meta/c", "code"): 0.7}
    with pytest.raises(InfeasibleError) as caught:
        allocate([code], small_catalog(), quality, max_vendor_share=0.5)
    error = caught.value
    assert (
        'class "code" needs 40,000,000 tokens at quality ≥ 0.8, but only 20,000,000 fit without taking openai over its 50% cap'
        in str(error)
    )
    assert 20_000_000 == error.shortfall
    assert "openai" in error.constraint


def test_infeasible_capacity_and_reserved_and_no_eligible_deployment() -> None:
    quality = {("openai/a", "x"): 1.0, ("meta/c", "x"): 1.0}
    with pytest.raises(InfeasibleError, match="exceeding the capacity of meta/c"):
        allocate(
            [WorkloadClass(name="x", volume=10)],
            small_catalog(),
            quality,
            capacity={"openai/a": 3, "openai/b": 0, "meta/c": 4},
        )
    with pytest.raises(InfeasibleError, match="reserved"):
        allocate(
            [WorkloadClass(name="x", volume=10, floor=0.5)],
            small_catalog(),
            quality,
            reserved={"openai/b": 5},
        )
    with pytest.raises(InfeasibleError, match="no deployment meets its needs"):
        allocate([WorkloadClass(name="x", volume=10, floor=2.0)], small_catalog(), quality)


def test_results_and_policy() -> None:
    quality = {(d, c): 1.0 for d in ("openai/a", "openai/b", "meta/c") for c in ("chat", "code")}
    classes = [WorkloadClass(name="chat", volume=600), WorkloadClass(name="code", volume=400)]
    plan = allocate(
        classes,
        small_catalog(),
        quality,
        capacity={"openai/a": 500},
        max_vendor_share={"openai": 0.8},
    )
    check_constraints(
        {
            "classes": classes,
            "catalog": small_catalog(),
            "quality": quality,
            "capacity": {"openai/a": 500},
            "reserved": {},
            "max_vendor_share": {"openai": 0.8},
        },
        plan,
    )
    assert {"openai": 0.8, "meta": 0.2} == dict(plan.vendor_shares)
    assert "vendor openai at its 80% cap (800 tokens)" in plan.binding
    assert "deployment openai/a at its capacity (500 tokens)" in plan.binding
    assert 1000 == plan.total
    assert plan.cost == pytest.approx((500 * 1 + 300 * 2 + 200 * 3) / 1e6)
    assert "<table>" in plan._repr_html_()
    policy = policy_from_allocation(plan)
    weights = dict.fromkeys(("openai/a", "openai/b", "meta/c"), 0)
    for n in range(3_000):
        decision = route(
            Request(input_tokens=10, output_tokens=1, tags={"chat"}, key=f"k{n}"),
            small_catalog(),
            policy,
            now=0.0,
        )
        weights[decision.chosen.id] += 1
    for deployment_id, share in plan.weights("chat").items():
        assert abs(weights[deployment_id] / 3_000 - share) < 0.03


def test_validation() -> None:
    with pytest.raises(ValidationError, match="volume"):
        WorkloadClass(name="x", volume=-1)
    with pytest.raises(ValidationError, match="input_share"):
        WorkloadClass(name="x", volume=1, input_share=1.5)
    with pytest.raises(ValidationError, match="distinct"):
        allocate([WorkloadClass(name="x", volume=1)] * 2, small_catalog(), {})
    with pytest.raises(ValidationError, match="max_vendor_share"):
        allocate([WorkloadClass(name="x", volume=1)], small_catalog(), {}, max_vendor_share=2.0)
    with pytest.raises(ValidationError, match="nope"):
        allocate([WorkloadClass(name="x", volume=1)], small_catalog(), {}, capacity={"nope": 1})
