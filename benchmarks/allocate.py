"""Allocation speed: 50 classes x 200 deployments x 20 vendors, a 20% vendor cap, capacities.

    python benchmarks/allocate.py

Each class has a volume of 1-20M tokens and a quality floor; each deployment a
price, a capacity (about 1.5x an equal share of the total) and a quality per class.
Every vendor is capped at 20% of the total volume. The figure is the median of
five solves (target <= 1 s).
"""

from __future__ import annotations

import random
import statistics
import time

from modelfolio import Catalog, Deployment, Model, Price, WorkloadClass, allocate


def problem(
    seed: int = 11,
) -> tuple[list[WorkloadClass], Catalog, dict[tuple[str, str], float], dict[str, int]]:
    rng = random.Random(seed)
    vendors = [f"vendor-{k:02d}" for k in range(20)]
    deployments = []
    for n in range(200):
        vendor = vendors[n % 20]
        model = Model(
            id=f"{vendor}-model-{n}",
            vendor=vendor,
            capabilities=["chat"],
            context_window=128_000,
            max_output_tokens=8_000,
        )
        price = Price(
            input_per_mtok=round(rng.uniform(0.05, 5.0), 3),
            output_per_mtok=round(rng.uniform(0.2, 20.0), 3),
        )
        deployments.append(
            Deployment(id=f"{vendor}/d{n:03d}", model=model, provider=vendor, price=price)
        )
    catalog = Catalog(deployments=deployments)
    classes = [
        WorkloadClass(
            name=f"class-{k:02d}",
            volume=rng.randint(1, 20) * 1_000_000,
            floor=rng.choice([0.5, 0.6, 0.7]),
            input_share=rng.choice([0.6, 0.8, 0.9]),
        )
        for k in range(50)
    ]
    quality = {(d.id, c.name): rng.uniform(0.4, 0.95) for d in deployments for c in classes}
    total = sum(c.volume for c in classes)
    capacity = {d.id: int(total / 200 * 1.5) for d in deployments}
    return classes, catalog, quality, capacity


def main() -> None:
    classes, catalog, quality, capacity = problem()
    times = []
    plan = None
    for _ in range(5):
        start = time.perf_counter()
        plan = allocate(classes, catalog, quality, capacity=capacity, max_vendor_share=0.2)
        times.append(time.perf_counter() - start)
    assert plan is not None
    eligible = sum(1 for c in classes for d in catalog if quality[(d.id, c.name)] >= c.floor)
    print(
        f"allocate: {len(classes)} classes x {len(catalog)} deployments x {len(catalog.vendors)} vendors, "
        f"{eligible:,} eligible pairs, 20% vendor cap, capacities"
    )
    print(
        f"  median {statistics.median(times):.3f} s   (target <= 1 s); cost ${plan.cost:,.2f}, "
        f"{len(plan.flows)} flows, {len(plan.binding)} binding constraints"
    )


if __name__ == "__main__":
    main()
