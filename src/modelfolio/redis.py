"""One budget and one health view for many replicas: shared state on Valkey or Redis.

An I/O edge. ``RedisStore(client)`` wraps a ``redis.Redis`` client (redis-py, which
speaks to Valkey unchanged) and is handed to ``Router(..., store=...)``; the routing,
health and spend rules stay the core's own (:func:`~modelfolio.record`,
:class:`~modelfolio.Budget`). Needs ``pip install 'modelfolio[redis]'``.

What the store holds, under keys that all start with ``{namespace}:`` (the braces would
keep them in one Redis Cluster slot, as Lua scripts need; the store itself takes a plain
``redis.Redis`` client, not a cluster client):

- ``attempts``: every recorded attempt id (recording is idempotent: an id is recorded
  once, however often it is sent);
- ``ledger``: every charge (attempt id, cost, deployment, vendor, provider, tenant), by
  time;
- ``events``: a stream of recent attempts (ids, failure kinds, retry-after seconds and
  costs), trimmed to ``history_s`` and expiring with it, which every replica reads to
  fold the fleet's cooldowns, breakers and vendor marks into its own state;
- ``b:<budget>:*``: per budget, the charges in its window and the open reservations.

No prompt, response or credential is ever written: only ids, numbers and failure kinds.
Times in the store are the server's clock (``TIME``); each replica converts to and from
its own clock by the offset it measures on every reply.

A request waits on the store only to reserve budget (one round trip, when a budget
applies) and, on a replica's first request, to read the fleet's state; settling only
queues the record for the writer thread.

The guarantees, precisely:

- **Budgets** (store reachable). Before a call on which budgets apply, the replica
  reserves the call's estimated cost against each of them in one Lua script: granted
  only if, for every budget, spend recorded in the window ``(now - window_s, now]`` plus
  open reservations plus the estimate is at most the limit. Settling replaces the
  reservation by the actual cost. Hence for every budget and every window, recorded
  spend is at most the limit plus the amounts by which actual costs exceeded their
  estimates, plus the cost of attempts whose reservation had expired (after
  ``reservation_ttl_s``) or that were recorded without one (during an outage, below).
  A failed call settles at cost 0, releasing its reservation at once; so does a call
  whose reservation reply was lost to a timeout.
- **Health**. An attempt one replica records (a rate limit with its retry-after, a
  timeout or server error counting towards a breaker, a vendor failure) is in every
  other replica's state the next time it routes after ``sync_s`` seconds (default 0.5):
  each replica's writer thread reads the fleet's events with every batch it sends and
  at least every ``sync_s``.
- **Nothing lost**. Every attempt is recorded exactly once in the ledger, under its id;
  the writer thread keeps each record until the store has taken it.
- **Outages**. Each store operation waits at most ``timeout_s`` (default 50 ms: a socket
  timeout with no retries). When one fails, the store is marked down (one warning per
  outage on the ``modelfolio.redis`` logger) and skipped, so requests do not wait on
  it, until a probe every ``retry_s`` finds it back, for as long as the process lives.
  Meanwhile the replica routes on its local state, whose ledger holds its own charges
  and the fleet's as last synced: each budget then holds *per replica* (what one
  replica spends plus what it last saw is within the limit), so a fleet of ``n``
  degraded replicas may spend up to ``n`` times a limit in one window. With
  ``fail_closed=True`` a call on which a budget applies is refused instead while the
  store is down. Once the store is back, the writer replays the buffer (in batches of
  ``replay_batch``; :meth:`RedisStore.flush` waits until it is empty) and the ledger
  converges to the exact total.
"""

from __future__ import annotations

import atexit
import hashlib
import itertools
import json
import logging
import math
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from attrs import frozen

from modelfolio._calling.replicas import FleetUpdate, Ticket, apply_update
from modelfolio._common.errors import MissingDependencyError, ModelfolioError, ValidationError
from modelfolio._common.validate import fail, finite, number
from modelfolio._routing.budget import Budget
from modelfolio._routing.state import Attempt, Charge, HealthConfig, State

__all__ = ["RedisStore", "StoreStats", "StoreUnavailableError"]

logger = logging.getLogger("modelfolio.redis")

_T = TypeVar("_T")


class StoreUnavailableError(ModelfolioError, ConnectionError):
    """The shared store could not be reached when an answer from it was required."""


@frozen(kw_only=True)
class StoreStats:
    """How a replica's store has fared since it was created."""

    degraded: bool
    """Whether the store is marked down now (the replica runs on its local state)."""
    outages: int
    """How many times the store went from reachable to unreachable."""
    failed_operations: int
    """Operations that failed (timed out, refused, errored)."""
    skipped_operations: int
    """Operations not tried because the store was marked down."""
    buffered: int
    """Records waiting to be replayed."""
    replayed: int
    """Records replayed after outages."""
    max_wait_s: float
    """The longest any single store operation took, in seconds."""


def _require() -> Any:
    try:
        import redis
    except ImportError:  # pragma: no cover - exercised without the extra
        raise MissingDependencyError(
            "modelfolio.redis needs redis-py: pip install 'modelfolio[redis]'"
        ) from None
    return redis


_LOWER = """
-- take amount off a running sum; an empty set's sum is exactly 0 (no drift left over)
local function lower(set, sums, field, amount)
  if redis.call('ZCARD', set) == 0 then
    redis.call('HSET', sums, field, '0')
  else
    redis.call('HINCRBYFLOAT', sums, field, -amount)
  end
end
"""

_RESERVE = (
    _LOWER
    + """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rid, est, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local n = #KEYS / 4
for i = 0, n - 1 do
  local held, amt, spent, sums = KEYS[4*i+1], KEYS[4*i+2], KEYS[4*i+3], KEYS[4*i+4]
  local window, limit = tonumber(ARGV[4+2*i]), tonumber(ARGV[5+2*i])
  local gone = redis.call('ZRANGEBYSCORE', held, '-inf', now)
  if #gone > 0 then
    local freed = 0
    for _, r in ipairs(gone) do
      local a = redis.call('HGET', amt, r)
      if a then freed = freed + tonumber(a) end
    end
    redis.call('ZREMRANGEBYSCORE', held, '-inf', now)
    redis.call('HDEL', amt, unpack(gone))
    lower(held, sums, 'held', freed)
  end
  local old = redis.call('ZRANGEBYSCORE', spent, '-inf', now - window)
  if #old > 0 then
    local dropped = 0
    for _, m in ipairs(old) do dropped = dropped + tonumber(string.match(m, ' (%S+)$')) end
    redis.call('ZREMRANGEBYSCORE', spent, '-inf', now - window)
    lower(spent, sums, 'spent', dropped)
  end
  local s = tonumber(redis.call('HGET', sums, 'spent') or '0')
  local h = tonumber(redis.call('HGET', sums, 'held') or '0')
  if s + h + est > limit then
    return {0, i, string.format('%.17g', s), string.format('%.17g', h), t[1], t[2]}
  end
end
for i = 0, n - 1 do
  local held, amt, spent, sums = KEYS[4*i+1], KEYS[4*i+2], KEYS[4*i+3], KEYS[4*i+4]
  local keep = math.floor((math.max(tonumber(ARGV[4+2*i]), ttl) + 60) * 1000)
  redis.call('ZADD', held, now + ttl, rid)
  redis.call('HSET', amt, rid, ARGV[2])
  redis.call('HINCRBYFLOAT', sums, 'held', est)
  for _, key in ipairs({held, amt, spent, sums}) do redis.call('PEXPIRE', key, keep) end
end
return {1, -1, '', '', t[1], t[2]}
"""
)

_SETTLE = (
    _LOWER
    + """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local at = now
if ARGV[4] ~= '' then at = tonumber(ARGV[4]) end
local history = tonumber(ARGV[5])
local n = (#KEYS - 3) / 4
local rid = ARGV[2]
if rid ~= '' then
  for i = 0, n - 1 do
    local held, amt, sums = KEYS[4+4*i], KEYS[5+4*i], KEYS[7+4*i]
    local a = redis.call('HGET', amt, rid)
    if a then
      redis.call('HDEL', amt, rid)
      redis.call('ZREM', held, rid)
      lower(held, sums, 'held', tonumber(a))
    end
  end
end
local stamp = string.format('%.17g', at)
if redis.call('HSETNX', KEYS[1], ARGV[1], stamp) == 0 then return {0, t[1], t[2]} end
local cost = tonumber(ARGV[3])
if cost > 0 then
  redis.call('ZADD', KEYS[2], at, ARGV[7])
  for i = 0, n - 1 do
    local held, amt, spent, sums = KEYS[4+4*i], KEYS[5+4*i], KEYS[6+4*i], KEYS[7+4*i]
    local window = tonumber(ARGV[8+i])
    if at > now - window then
      redis.call('ZADD', spent, at, ARGV[1] .. ' ' .. ARGV[3])
      redis.call('HINCRBYFLOAT', sums, 'spent', cost)
      local keep = math.floor((window + 60) * 1000)
      for _, key in ipairs({held, amt, spent, sums}) do
        if redis.call('PTTL', key) < keep then redis.call('PEXPIRE', key, keep) end
      end
    end
  end
end
local minid = string.format('%d', math.floor((now - history) * 1000))
redis.call('XADD', KEYS[3], 'MINID', '~', minid, '*', 'at', stamp, 'e', ARGV[6])
redis.call('PEXPIRE', KEYS[3], math.floor(history * 1000))
return {1, t[1], t[2]}
"""
)

_FAILED = object()
_LINGER_S = 0.002


def _positive(value: Any, name: str) -> float:
    seconds = number(value, name)
    if seconds == 0:
        raise fail(ValidationError, name, value, "a finite number > 0")
    return seconds


def _check_namespace(namespace: Any) -> str:
    if (
        not isinstance(namespace, str)
        or not namespace
        or len(namespace) > 100
        or not all(c.isalnum() or c in "-_." for c in namespace)
    ):
        raise ValidationError(
            f"namespace must be 1 to 100 letters, digits, '-', '_' or '.', got {namespace!r}"
        )
    return namespace


def _budget_key(budget: Budget) -> str:
    """A stable name for a budget's scope and window (its limit may change)."""
    scope = json.dumps(
        [budget.tenant, budget.vendor, budget.provider, budget.deployment, repr(budget.window_s)]
    )
    return hashlib.sha256(scope.encode()).hexdigest()[:20]


def _server_time(seconds: Any, micros: Any) -> float:
    return int(seconds) + int(micros) / 1_000_000


class _Pending:
    """A record waiting for the store, stamped with this process's monotonic clock."""

    __slots__ = ("attempt", "mono", "ticket")

    def __init__(self, ticket: Ticket, attempt: Attempt, mono: float) -> None:
        self.ticket, self.attempt, self.mono = ticket, attempt, mono


def _work(ref: weakref.ReferenceType[RedisStore]) -> None:
    """The writer thread: sends records and reads the fleet's events until the store goes."""
    while True:
        store = ref()
        if store is None or not store._work_once():
            return
        del store


class RedisStore:
    """Shared state for many :class:`~modelfolio.Router` replicas on one Valkey/Redis server.

    ``client`` is a ``redis.Redis``; the store opens its own connections to the same
    server with its own timeout and no retries, leaving the client's settings alone.

    A request waits on the store only to reserve budget (one round trip, and only when
    a budget applies) and, on a replica's first request, to read the fleet's state.
    Recording (settling) and reading what the rest of the fleet recorded are done by a
    background thread: records are sent at once, in batches when many are waiting, and
    the fleet's events are read with every batch and at least every ``sync_s``. Call
    :meth:`flush` (or :meth:`close`) before a process ends so that nothing recorded stays
    behind; an interpreter that exits normally flushes for up to two seconds.

    See the module's documentation for what is guaranteed, and the "Running many
    replicas" page for a worked example.

    Args:
        client: where the server is (``redis.Redis(host=..., port=...)``).
        namespace: prefix of every key; stores with different namespaces share nothing.
        timeout_s: the longest one store operation may wait.
        sync_s: the longest a replica goes without reading what the fleet recorded.
        reservation_ttl_s: how long a reservation holds budget if never settled.
        history_s: how long attempts stay in the event stream a starting replica reads
            its health marks from.
        retry_s: how often a store marked down is probed again.
        fail_closed: refuse calls on which a budget applies while the store is down.
        replay_batch: the most records sent in one round trip.

    Examples:
        >>> RedisStore("localhost")
        Traceback (most recent call last):
        ...
        modelfolio._common.errors.ValidationError: client must be a redis.Redis client, got 'localhost'
    """

    def __init__(
        self,
        client: Any,
        *,
        namespace: str = "modelfolio",
        timeout_s: float = 0.05,
        sync_s: float = 0.5,
        reservation_ttl_s: float = 60.0,
        history_s: float = 900.0,
        retry_s: float = 1.0,
        fail_closed: bool = False,
        replay_batch: int = 256,
    ) -> None:
        redis = _require()
        # A real client, not an object that only looks like one: the store opens its own
        # connections from the client's pool settings and must be able to trust them.
        if not isinstance(client, redis.Redis) or not isinstance(
            getattr(client, "connection_pool", None), redis.ConnectionPool
        ):
            raise ValidationError(f"client must be a redis.Redis client, got {client!r:.80}")
        pool = client.connection_pool
        if not isinstance(pool.connection_kwargs, dict):
            raise ValidationError(f"client must be a redis.Redis client, got {client!r:.80}")
        self.namespace = _check_namespace(namespace)
        self.timeout_s = _positive(timeout_s, "timeout_s")
        self.sync_s = _positive(sync_s, "sync_s")
        self.reservation_ttl_s = _positive(reservation_ttl_s, "reservation_ttl_s")
        self.history_s = _positive(history_s, "history_s")
        self.retry_s = _positive(retry_s, "retry_s")
        if not isinstance(fail_closed, bool):
            raise ValidationError(f"fail_closed must be True or False, got {fail_closed!r}")
        self.fail_closed = fail_closed
        if isinstance(replay_batch, bool) or not isinstance(replay_batch, int) or replay_batch < 1:
            raise ValidationError(f"replay_batch must be an integer >= 1, got {replay_batch!r}")
        self.replay_batch = replay_batch
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        kwargs = dict(pool.connection_kwargs)
        kwargs.update(
            socket_timeout=self.timeout_s,
            socket_connect_timeout=self.timeout_s,
            retry=Retry(NoBackoff(), 0),
            retry_on_error=[],
            decode_responses=True,
        )
        kwargs.pop("retry_on_timeout", None)
        self._redis = redis.Redis(
            connection_pool=redis.ConnectionPool(connection_class=pool.connection_class, **kwargs)
        )
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self._no_script: type[BaseException] = redis.exceptions.NoScriptError
        self._sha = {
            name: hashlib.sha1(body.encode()).hexdigest()
            for name, body in (("reserve", _RESERVE), ("settle", _SETTLE))
        }
        self._budget_keys: dict[Budget, list[str]] = {}
        self.replica = os.urandom(8).hex()
        """This replica's id: the prefix of every attempt id it hands out."""
        prefix = "{" + self.namespace + "}:"
        self._attempts_key = prefix + "attempts"
        self._ledger_key = prefix + "ledger"
        self._events_key = prefix + "events"
        self._prefix = prefix
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._snapshotting = threading.Lock()
        self._counter = 0
        self._skew: float | None = None  # server clock minus this process's monotonic clock
        self._cursor: str | None = None  # last event read; None before the first snapshot
        self._last_read = -math.inf  # time.monotonic() of the last read of events
        self._charges: list[tuple[str, float]] = []  # snapshot: ledger members, server time
        self._events: list[Any] = []  # events read, not yet handed out
        self._queue: deque[_Pending] = deque()  # records not yet taken by the store
        self._down_since: float | None = None
        self._next_probe = 0.0
        self._recovering = False
        self._outages = self._failed = self._skipped = self._replayed = 0
        self._max_wait = 0.0
        self._closed = False
        self._flushing = 0  # callers waiting in flush(): send without lingering
        self._thread: threading.Thread | None = None
        self._pid = 0
        atexit.register(_flush_at_exit, weakref.ref(self))
        _STORES.add(self)

    def __repr__(self) -> str:
        return f"RedisStore(namespace={self.namespace!r}, replica={self.replica!r})"

    # -- plumbing -----------------------------------------------------------------

    def _keys(self, budget: Budget) -> list[str]:
        keys = self._budget_keys.get(budget)
        if keys is None:
            base = f"{self._prefix}b:{_budget_key(budget)}:"
            keys = [base + "held", base + "amt", base + "spent", base + "sums"]
            self._budget_keys[budget] = keys
        return keys

    def _scripts(self, operation: Callable[[], _T]) -> _T:
        """Run ``operation``; if the server has lost the scripts (a restart), load them and
        run it again (every script here is safe to repeat: settling is idempotent, and a
        reservation refused for a missing script was never made)."""
        try:
            return operation()
        except self._no_script:
            self._redis.script_load(_RESERVE)
            self._redis.script_load(_SETTLE)
            return operation()

    def _eval(self, target: Any, name: str, keys: list[str], args: list[Any]) -> Any:
        return target.evalsha(self._sha[name], len(keys), *keys, *args)

    def _call(self, operation: Callable[[], Any], *, probe: bool = False) -> Any:
        """Run one store operation; while the store is marked down, only a ``probe`` runs
        (the writer thread's, every ``retry_s``), and anything else is skipped at once."""
        with self._lock:
            if self._down_since is not None and not probe:
                self._skipped += 1
                return _FAILED
        started = time.perf_counter()
        try:
            value = operation()
        except self._errors as error:
            self._went_down(error, time.perf_counter() - started)
            return _FAILED
        waited = time.perf_counter() - started
        with self._lock:
            self._max_wait = max(self._max_wait, waited)
            back = self._down_since
            self._down_since = None
            if back is not None:
                self._recovering = True
                self._wake.notify_all()
            queued = len(self._queue)
        if back is not None:
            logger.warning(
                "shared store %s reachable again after %.1f s; replaying %d buffered records",
                self.namespace,
                time.monotonic() - back,
                queued,
            )
        return value

    def _went_down(self, error: BaseException, waited: float) -> None:
        with self._lock:
            self._failed += 1
            self._max_wait = max(self._max_wait, waited)
            self._next_probe = time.monotonic() + self.retry_s
            first = self._down_since is None
            if first:
                self._down_since = time.monotonic()
                self._outages += 1
        if first:
            logger.warning(
                "shared store %s unreachable (%s: %s); this replica continues on its local "
                "state and buffers its records until the store is back",
                self.namespace,
                type(error).__name__,
                error,
            )

    def _measure(self, seconds: Any, micros: Any, mono: float) -> None:
        """Note the server's clock against this process's, from a reply read at ``mono``."""
        with self._lock:
            self._skew = _server_time(seconds, micros) - mono

    def _next_id(self) -> str:
        with self._lock:
            self._counter += 1
            return f"{self.replica}-{self._counter}"

    def _ensure_writer(self) -> None:
        """Start the writer thread (again, in a forked child)."""
        pid = os.getpid()
        if self._thread is not None and self._pid == pid and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is not None and self._pid == pid and self._thread.is_alive():
                return
            self._pid = pid
            self._thread = threading.Thread(
                target=_work, args=(weakref.ref(self),), name="modelfolio-redis", daemon=True
            )
            self._thread.start()

    # -- the SharedStore protocol -------------------------------------------------

    def reserve(self, budgets: tuple[Budget, ...], estimate_usd: float, *, now: float) -> Ticket:
        """A ticket for one attempt; with budgets, the fleet's reservation of the estimate."""
        attempt_id = self._next_id()
        if not budgets:
            return Ticket(attempt_id=attempt_id)
        self._ensure_writer()  # it probes the store when it is down
        keys: list[str] = []
        args: list[Any] = [attempt_id, repr(float(estimate_usd)), repr(self.reservation_ttl_s)]
        for budget in budgets:
            keys += self._keys(budget)
            args += [repr(float(budget.window_s)), repr(float(budget.limit_usd))]
        result = self._call(
            lambda: self._scripts(lambda: self._eval(self._redis, "reserve", keys, args))
        )
        if result is _FAILED:
            if self.fail_closed:
                return Ticket(
                    attempt_id=attempt_id,
                    granted=False,
                    reason="the shared store is unreachable and the store fails closed",
                )
            # the local budget check stands alone; the cost still counts once recorded
            return Ticket(attempt_id=attempt_id, budgets=budgets, estimate_usd=estimate_usd)
        granted, index, spent, held, seconds, micros = result
        self._measure(seconds, micros, time.monotonic())
        if int(granted):
            return Ticket(
                attempt_id=attempt_id,
                reservation=attempt_id,
                budgets=budgets,
                estimate_usd=estimate_usd,
            )
        budget = budgets[int(index)]
        return Ticket(
            attempt_id=attempt_id,
            granted=False,
            reason=(
                f"fleet budget {budget.describe()}: ${float(spent):.6g} spent and "
                f"${float(held):.6g} reserved; ${estimate_usd:.6g} more would break it"
            ),
        )

    def settle(self, ticket: Ticket, attempt: Attempt, *, now: float) -> None:
        """Queue ``attempt`` to be recorded once under its id, releasing its reservation.

        Never waits on the store: the writer thread sends it at once, or keeps it until
        the store is back.
        """
        if not isinstance(ticket, Ticket) or not isinstance(attempt, Attempt):
            raise ValidationError(
                f"settle takes a Ticket and an Attempt, got {ticket!r}, {attempt!r}"
            )
        if attempt.id != ticket.attempt_id:
            raise ValidationError(
                f"attempt id {attempt.id!r} does not match the ticket's {ticket.attempt_id!r}"
            )
        now = finite(now, "now")
        with self._lock:
            self._queue.append(_Pending(ticket, attempt, time.monotonic()))
            self._wake.notify_all()
        self._ensure_writer()

    def updates(self, *, now: float) -> FleetUpdate | None:
        """What the other replicas recorded since the last call, in the clock of ``now``.

        The first call reads the fleet's ledger and recent events (waiting at most
        ``timeout_s``); later calls hand out what the writer thread has read meanwhile.
        """
        now = finite(now, "now")
        self._ensure_writer()
        if self._cursor is None:
            self._snapshot()
        with self._lock:
            skew = self._skew
            if skew is None or not (self._charges or self._events):
                return None
            charges, self._charges = self._charges, []
            events, self._events = self._events, []
        shift = now - time.monotonic() - skew  # server time + shift = this router's clock
        return FleetUpdate(
            charges=[_charge(member, at + shift) for member, at in charges],
            attempts=self._attempts(events, shift),
        )

    # -- reads and writes ---------------------------------------------------------

    def _snapshot(self) -> None:
        """Read the fleet's ledger and recent events once, atomically."""
        if not self._snapshotting.acquire(blocking=False):
            return  # the writer is at it
        try:
            if self._cursor is not None:
                return
            snapshot = self._call(self._read_all)
            if snapshot is _FAILED:
                return
            (seconds, micros), ledger, events = snapshot
            mine = self.replica + "-"
            with self._lock:
                self._skew = _server_time(seconds, micros) - time.monotonic()
                self._charges += [
                    (member, score)
                    for member, score in ledger
                    if not json.loads(member)[0].startswith(mine)  # recorded here already
                ]
                self._events += [(entry, False) for entry in events]  # costs are in the ledger
                self._cursor = events[-1][0] if events else "0-0"
                self._last_read = time.monotonic()
        finally:
            self._snapshotting.release()

    def _work_once(self) -> bool:
        """One round of the writer: wait for work, send a batch, read the fleet's events.

        Returns ``False`` when the store is closed.
        """
        with self._lock:
            while not self._closed:
                mono = time.monotonic()
                if self._down_since is not None:
                    wait = self._next_probe - mono
                elif self._queue:
                    # a record waits at most _LINGER_S for others to share its round trip
                    full = len(self._queue) >= self.replay_batch or self._flushing
                    wait = 0.0 if full else self._queue[0].mono + _LINGER_S - mono
                else:
                    wait = self._last_read + self.sync_s - mono
                if wait <= 0:
                    break
                self._wake.wait(min(wait, self.sync_s))
            if self._closed:
                return False
            batch = list(itertools.islice(self._queue, self.replay_batch))
            cursor = self._cursor
            skew = self._skew
        if cursor is None:
            with self._lock:
                self._last_read = time.monotonic()
            self._snapshot()
            with self._lock:
                cursor = self._cursor
            if cursor is None and not batch:
                return True

        def send() -> Any:
            pipe = self._redis.pipeline(transaction=False)
            for pending in batch:
                self._send(pipe, pending, skew)
            pipe.time()
            if cursor is not None:
                pipe.xread({self._events_key: cursor}, count=10_000)
            return pipe.execute()

        with self._lock:
            self._last_read = time.monotonic()
        replies = self._call(lambda: self._scripts(send), probe=True)
        if replies is _FAILED:
            return True
        mono = time.monotonic()
        replies = replies[len(batch) :]
        with self._lock:
            self._skew = _server_time(*replies[0]) - mono
            for _ in batch:
                self._queue.popleft()  # only the writer removes records
            if self._recovering:
                self._replayed += len(batch)
                if not self._queue:
                    self._recovering = False
            if cursor is not None and len(replies) > 1 and replies[1]:
                entries = replies[1][0][1]
                if entries and self._cursor == cursor:
                    self._cursor = entries[-1][0]
                    self._events += [(entry, True) for entry in entries]
            self._wake.notify_all()
        return True

    def _send(self, target: Any, pending: _Pending, skew: float | None) -> Any:
        ticket, attempt = pending.ticket, pending.attempt
        keys = [self._attempts_key, self._ledger_key, self._events_key]
        for budget in ticket.budgets:
            keys += self._keys(budget)
        at = "" if skew is None else repr(pending.mono + skew)
        cost = repr(float(attempt.cost_usd))
        event = json.dumps(
            [
                attempt.id,
                attempt.deployment_id,
                None if attempt.failure is None else attempt.failure.value,
                attempt.retry_after_s,
                cost,
                attempt.vendor,
                attempt.provider,
                attempt.tenant,
                attempt.first_chunk_s,
            ]
        )
        member = json.dumps(
            [
                attempt.id,
                cost,
                attempt.deployment_id,
                attempt.vendor,
                attempt.provider,
                attempt.tenant,
            ]
        )
        args = [
            attempt.id,
            # a reservation whose reply was lost (a timeout) may exist even so: release it
            ticket.attempt_id if ticket.budgets else "",
            cost,
            at,
            repr(self.history_s),
            event,
            member,
            *(repr(float(budget.window_s)) for budget in ticket.budgets),
        ]
        return self._eval(target, "settle", keys, args)

    def _read_all(self) -> Any:
        pipe = self._redis.pipeline(transaction=True)
        pipe.time()
        pipe.zrange(self._ledger_key, 0, -1, withscores=True)
        pipe.xrange(self._events_key, "-", "+")
        return pipe.execute()

    def _attempts(
        self, events: Iterable[Any], shift: float, *, skip_mine: bool = True
    ) -> list[tuple[Attempt, float]]:
        """Stream entries (each with whether to keep its cost) as attempts and times in
        the caller's clock; this replica's own are skipped (recorded here already)."""
        mine = self.replica + "-" if skip_mine else None
        attempts = []
        for (_, fields), with_cost in events:
            # an event written before first_chunk_s was recorded has eight fields
            attempt_id, deployment, failure, retry_after, cost, vendor, provider, tenant, *more = (
                json.loads(fields["e"])
            )
            if mine is not None and attempt_id.startswith(mine):
                continue
            attempt = Attempt(
                id=attempt_id,
                deployment_id=deployment,
                failure=failure,
                retry_after_s=retry_after,
                cost_usd=float(cost) if with_cost else 0.0,
                vendor=vendor,
                provider=provider,
                tenant=tenant,
                first_chunk_s=more[0] if more else None,
            )
            attempts.append((attempt, float(fields["at"]) + shift))
        return attempts

    # -- for operators ------------------------------------------------------------

    def state(self, *, now: float, config: HealthConfig | None = None) -> State:
        """The fleet's state as the store holds it, in the clock of ``now``.

        Its ledger is the fleet's whole ledger (every charge, once), so
        ``store.state(now=...).spent_usd()`` is the fleet's total; its health marks
        are those of the attempts within ``history_s``. Records this replica has not
        sent yet are not in it: :meth:`flush` first to include them.

        Raises:
            StoreUnavailableError: the store could not be read.
        """
        now = finite(now, "now")
        snapshot = self._call(self._read_all, probe=True)
        if snapshot is _FAILED:
            raise StoreUnavailableError(f"the shared store {self.namespace!r} could not be read")
        server, ledger, events = snapshot
        shift = now - _server_time(*server)
        state = State(
            config=HealthConfig() if config is None else config,
            ledger=[_charge(member, score + shift) for member, score in ledger],
        )
        attempts = self._attempts([(entry, False) for entry in events], shift, skip_mine=False)
        return apply_update(state, FleetUpdate(attempts=attempts))

    def flush(self, *, timeout_s: float = 10.0) -> int:
        """Wait until every record is in the store (probing at once if it is marked down),
        for at most ``timeout_s`` seconds; the number of records still waiting.

        Call it before a replica shuts down, so nothing it recorded stays behind.
        """
        deadline = time.monotonic() + _positive(timeout_s, "timeout_s")
        with self._lock:
            if not self._queue:
                return 0
        self._ensure_writer()
        with self._lock:
            self._flushing += 1
            try:
                while self._queue and not self._closed:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    if self._down_since is not None:
                        self._next_probe = min(self._next_probe, time.monotonic() + 0.05)
                    self._wake.notify_all()
                    self._wake.wait(min(left, 0.05))
                return len(self._queue)
            finally:
                self._flushing -= 1

    def stats(self) -> StoreStats:
        """Outages, failures, skips, the records waiting and the longest wait so far."""
        with self._lock:
            return StoreStats(
                degraded=self._down_since is not None,
                outages=self._outages,
                failed_operations=self._failed,
                skipped_operations=self._skipped,
                buffered=len(self._queue),
                replayed=self._replayed,
                max_wait_s=self._max_wait,
            )

    def close(self, *, timeout_s: float = 5.0) -> int:
        """Flush (for at most ``timeout_s``), stop the writer and close the store's own
        connections (the client passed in is left open); the number of records unsent."""
        left = self.flush(timeout_s=timeout_s)
        with self._lock:
            self._closed = True
            self._wake.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=1.0)
        self._redis.connection_pool.disconnect()
        return left


_STORES: weakref.WeakSet[RedisStore] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """Fresh locks and no writer thread in a forked child (the parent's locks may have
    been held by a thread that does not exist here); the writer starts on first use and
    redis-py opens new connections for the new process."""
    for store in list(_STORES):
        store._lock = threading.Lock()
        store._wake = threading.Condition(store._lock)
        store._snapshotting = threading.Lock()
        store._thread = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _flush_at_exit(ref: weakref.ReferenceType[RedisStore]) -> None:
    store = ref()
    if store is not None and not store._closed:
        store.flush(timeout_s=2.0)


def _charge(member: str, at: float) -> Charge:
    _id, cost, deployment, vendor, provider, tenant = json.loads(member)
    return Charge(
        time=at,
        cost_usd=float(cost),
        deployment=deployment,
        vendor=vendor,
        provider=provider,
        tenant=tenant,
    )
