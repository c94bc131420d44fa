"""Median microseconds per routing decision on catalogs of 20 and 200 deployments.

    python benchmarks/route.py

Catalogs are drawn from LiteLLM's price map in ../shared/data (every n-th standard-tier
chat deployment with a known context window, so vendors and providers vary and the same
catalogs come out of versions that import more of the map). A third line routes the
same standard-only requests over the 200-deployment catalog with each deployment's
batch, flex and priority channels added (what ``from_litellm`` now imports). The policy is the default: all five
default filters (capabilities, context, constraints, health, budgets), the cost scorer
and two vendor-diverse fallbacks. Requests vary in size and needs; 10% need tools and
5% vision. Each figure is the median, over 61 rounds, of the mean time per decision in
a round of 1,000 decisions; rounds for the two sizes alternate, so both see the same
machine (shared machines have slow spells; the fastest round is printed too).

With LiteLLM installed (``pip install -e '.[bench]'``), its ``Router`` picks a
deployment (``get_available_deployment``, its default simple-shuffle strategy) from a
model group of the same size, in rounds interleaved with ours, and the ratio is printed
(issue 26's target: modelfolio at least 20 times faster at 20 and at 200 deployments).
"""

from __future__ import annotations

import os
import pathlib
import random
import statistics
import sys
import time

from modelfolio import Catalog, Policy, Request, route
from modelfolio.io import load_litellm

MAP = (
    pathlib.Path(__file__).resolve().parents[2]
    / "shared/data/pricing/litellm_1.109.1_model_prices_and_context_window_backup.json"
)


def catalog_of(size: int, everything: Catalog) -> Catalog:
    plain = [
        d
        for d in everything.deployments
        if getattr(d, "tier", "standard") == "standard" and d.model.context_window is not None
    ]
    step = len(plain) // size
    return Catalog(deployments=plain[::step][:size])


def with_channels(catalog: Catalog, everything: Catalog) -> Catalog:
    extra = [
        everything.deployment(f"{d.id}@{tier}")
        for d in catalog.deployments
        for tier in ("priority", "flex", "batch")
        if f"{d.id}@{tier}" in everything
    ]
    return Catalog(deployments=[*catalog.deployments, *extra])


def requests(count: int, seed: int = 7) -> list[Request]:
    rng = random.Random(seed)
    made = []
    for n in range(count):
        needs = {"tools"} if rng.random() < 0.10 else ({"vision"} if rng.random() < 0.05 else set())
        made.append(
            Request(
                input_tokens=rng.choice([200, 1_000, 4_000, 12_000, 30_000]),
                output_tokens=rng.choice([50, 300, 800, 2_000]),
                needs=needs,
                key=f"user-{n}",
            )
        )
    return made


def round_us(catalog: Catalog, batch: list[Request], policy: Policy) -> float:
    start = time.perf_counter()
    for request in batch:
        route(request, catalog, policy, now=0.0)
    return (time.perf_counter() - start) / len(batch) * 1e6


def main() -> None:
    if not MAP.exists():
        sys.exit(f"benchmarks/route.py needs {MAP}, which is absent")
    everything = load_litellm(MAP).catalog
    policy = Policy()
    batch = requests(1_000)
    catalogs: dict[object, Catalog] = {size: catalog_of(size, everything) for size in (20, 200)}
    tiered = with_channels(catalogs[200], everything)
    if len(tiered) > len(catalogs[200]):
        catalogs["200+tiers"] = tiered
    for catalog in catalogs.values():  # warm up: build each catalog's columns once
        round_us(catalog, batch[:200], policy)
    rounds: dict[object, list[float]] = {size: [] for size in catalogs}
    for _ in range(61):
        for size, catalog in catalogs.items():
            rounds[size].append(round_us(catalog, batch, policy))
    print(
        f"python {sys.version.split()[0]}, default filters, cost scorer, 2 vendor-diverse fallbacks"
    )
    for size, catalog in catalogs.items():
        print(
            f"{size!s:>9}: {len(catalog)} deployments ({len(catalog.vendors)} vendors): "
            f"median {statistics.median(rounds[size]):.2f} us per decision "
            f"(fastest round {min(rounds[size]):.2f})"
        )
    compare_with_litellm(catalogs, batch, policy)


def litellm_router(size: int) -> object | None:
    """LiteLLM's Router over one model group of ``size`` deployments, or None if absent."""
    # LiteLLM fetches its price map from the network on import unless told not to.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    try:
        import litellm
    except ImportError:
        return None
    litellm.suppress_debug_info = True
    model_list = [
        {
            "model_name": "group",
            "litellm_params": {
                "model": f"openai/gpt-4o-{i}",
                "api_key": "not-used",
                "api_base": f"http://127.0.0.1:9/{i}",  # never called: only picked
            },
        }
        for i in range(size)
    ]
    return litellm.Router(model_list=model_list)


def compare_with_litellm(
    catalogs: dict[object, Catalog], batch: list[Request], policy: Policy
) -> None:
    sizes = [size for size in catalogs if isinstance(size, int)]
    routers = {size: litellm_router(size) for size in sizes}
    if any(router is None for router in routers.values()):
        print("LiteLLM is not installed: pip install -e '.[bench]' to compare with its Router")
        return
    ours: dict[int, list[float]] = {size: [] for size in sizes}
    theirs: dict[int, list[float]] = {size: [] for size in sizes}
    for _ in range(21):
        for size in sizes:
            ours[size].append(round_us(catalogs[size], batch[:200], policy))
            router = routers[size]
            start = time.perf_counter()
            for _ in range(200):
                router.get_available_deployment(model="group")  # type: ignore[attr-defined]
            theirs[size].append((time.perf_counter() - start) / 200 * 1e6)
    for size in sizes:
        mine, other = statistics.median(ours[size]), statistics.median(theirs[size])
        print(
            f"{size:>9}: LiteLLM Router {other:.1f} us per pick, modelfolio {mine:.2f} us: "
            f"{other / mine:.1f} times faster (target 20)"
        )


if __name__ == "__main__":
    main()
