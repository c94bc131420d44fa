"""Drift alarms: notice, with a guarantee, when a model quietly gets worse.

A vendor can change a model behind the same name. :func:`drift_monitor` watches a
team's own outcomes against what each model is expected to score (a
:class:`~modelfolio.QualityTable` per tag, or a :class:`~modelfolio.QueryQuality` per
query) and raises an alarm when the evidence says quality fell.

**The test.** Each stream (a model, and a tag the reference knows for it) runs a
*testing-by-betting* e-process for the null hypothesis "the mean score is at least what
the reference expects". Scores are scaled into [0, 1] by ``bounds``; for each record
with expected score ``p`` and observed ``x`` the wealth is multiplied by
``1 + lam * (p - x)``, where the bet ``lam`` in ``[0, 0.5 / max(1 - p, 0.05)]`` (so a
factor never falls below one half) is chosen from
the records *before* this one (an exponentially weighted estimate of the recent drop,
betting only once it reaches ``min_effect / 2``). Under the null every factor has
expectation at most 1, whatever the bets, so the wealth is a non-negative
supermartingale starting at 1, and by Ville's inequality the chance that it *ever*
reaches ``1 / a`` is at most ``a``. A model's streams share ``alpha`` equally
(``a = alpha / streams``), so watching forever the chance of any false alarm on a model
that has not changed is at most ``alpha``. This is anytime-valid: records may be
looked at one by one, forever, with no correction for peeking. (A CUSUM would instead
bound the mean time between false alarms; watched forever it raises one surely.)

The price of validity is delay: evidence builds at a rate set by the size of the drop.
``min_effect`` is the drop the bets are sized for; drops smaller than about half of it
are hardly ever flagged.

The monitor is a value: :func:`observe` returns a new one. :func:`mark_drifted` turns
alarms into open breakers on the model's deployments in a :class:`~modelfolio.State`,
so routing moves traffic away at once.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

from attrs import field, frozen

from modelfolio._catalog.catalog import Catalog
from modelfolio._common.errors import ValidationError
from modelfolio._common.table import html_table
from modelfolio._common.validate import finite, unit_interval
from modelfolio._evaluation.outcomes import EvalRecord, Outcomes
from modelfolio._evaluation.quality import QualityTable
from modelfolio._learning.bridge import Bridge
from modelfolio._learning.query import QueryQuality
from modelfolio._routing.state import State

__all__ = ["DriftAlarm", "DriftMonitor", "drift_monitor", "mark_drifted", "observe"]


@frozen(kw_only=True)
class DriftAlarm:
    """Evidence that a model's quality fell below what was expected.

    Examples:
        >>> alarm = DriftAlarm(model="m", tag=None, records=412, observed=0.66, expected=0.8, evidence=250.0)
        >>> alarm
        DriftAlarm(model='m', tag=None, records=412, observed=0.66, expected=0.8, evidence=250.0)
    """

    model: str
    """The model that got worse."""
    tag: str | None
    """The tag of the stream that raised it (``None``: the model's untagged records)."""
    records: int
    """Records of that stream observed when the alarm was raised."""
    observed: float
    """Its recent mean score (exponentially weighted with weight ``smoothing``, corrected
    for the estimate's start at no drop; on the scores' own scale)."""
    expected: float
    """The reference's expected score over the same recent records."""
    evidence: float
    """The e-value: the betting wealth, at least ``streams / alpha``."""


@frozen
class _Stream:
    n: int = 0
    log_wealth: float = 0.0
    drop: float = 0.0  # exponentially weighted (expected - observed), scaled into [0, 1]
    expected: float = math.nan  # exponentially weighted expectation, scaled
    alarmed: bool = False


def _bounds(value: Any) -> tuple[float, float]:
    if (
        not isinstance(value, tuple)
        or len(value) != 2
        or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value)
        or not all(math.isfinite(v) for v in value)
        or not value[0] < value[1]
    ):
        raise ValidationError(
            f"bounds must be (low, high) finite numbers with low < high, got {value!r}"
        )
    return (float(value[0]), float(value[1]))


@frozen(kw_only=True)
class DriftMonitor:
    """The state of the drift test for every stream; built by :func:`drift_monitor`.

    Examples:
        >>> from modelfolio import Outcomes, fit_quality
        >>> past = Outcomes.from_columns(item=range(100), model=["m"] * 100,
        ...                              score=[1.0] * 80 + [0.0] * 20)
        >>> monitor = drift_monitor(fit_quality(past), alpha=0.01, min_effect=0.1)
        >>> monitor
        DriftMonitor(alpha=0.01, min_effect=0.1, 0 records, 0 alarms)
    """

    reference: QualityTable | QueryQuality = field(repr=False)
    """What each model is expected to score."""
    alpha: float
    """The chance of any false alarm on an unchanged model, watched forever."""
    min_effect: float
    """The drop (on the scores' scale) the bets are sized for."""
    bounds: tuple[float, float] = (0.0, 1.0)
    """The lowest and highest possible score."""
    smoothing: float = 0.01
    """Weight of the newest record in the recent-drop estimate (about 1 / window)."""
    streams: Mapping[tuple[str, str | None], _Stream] = field(factory=dict, repr=False)
    """Each stream's test state."""
    alarms: tuple[DriftAlarm, ...] = ()
    """Alarms raised so far, oldest first; a stream raises at most one."""
    records: int = 0
    """Records observed."""

    def __repr__(self) -> str:
        return (
            f"DriftMonitor(alpha={self.alpha:g}, min_effect={self.min_effect:g}, "
            f"{self.records} records, {len(self.alarms)} alarms)"
        )

    def evidence(self, model: str, tag: str | None = None) -> float:
        """The current e-value of a stream (1.0 before its first record)."""
        stream = self.streams.get((model, tag))
        return 1.0 if stream is None else math.exp(stream.log_wealth)

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per alarm."""
        return [
            {"model": a.model, "tag": a.tag, "records": a.records, "observed": a.observed,
             "expected": a.expected, "evidence": a.evidence}
            for a in self.alarms
        ]  # fmt: skip

    def _repr_html_(self) -> str:
        return html_table(self.to_rows(), caption=repr(self))


def drift_monitor(
    reference: QualityTable | QueryQuality,
    *,
    alpha: float = 0.01,
    min_effect: float = 0.05,
    bounds: tuple[float, float] = (0.0, 1.0),
    smoothing: float = 0.01,
) -> DriftMonitor:
    """A monitor that raises an alarm when a model scores below ``reference``.

    ``reference`` is a :class:`~modelfolio.QualityTable` (what each model scores per
    tag) or a :class:`~modelfolio.QueryQuality` (per query). ``alpha`` bounds the
    chance of any false alarm on an unchanged model, however long it is watched;
    ``min_effect`` is the drop the test is tuned to catch; ``bounds`` are the lowest
    and highest possible scores (0 and 1 for pass/fail). See the module notes.

    Examples:
        >>> from modelfolio import EvalRecord, Outcomes, fit_quality
        >>> past = Outcomes.from_columns(item=range(100), model=["m"] * 100,
        ...                              score=[1.0] * 80 + [0.0] * 20)
        >>> monitor = drift_monitor(fit_quality(past), alpha=0.01, min_effect=0.2)
        >>> for k in range(400):  # the model now answers only half correctly
        ...     monitor = observe(monitor, EvalRecord(item=k, model="m", score=float(k % 2)))
        >>> alarm, = monitor.alarms
        >>> alarm.model, alarm.records < 400, alarm.evidence >= 100
        ('m', True, True)
    """
    if not isinstance(reference, (QualityTable, QueryQuality)):
        raise ValidationError(
            f"reference must be a QualityTable or a QueryQuality, got {type(reference).__name__}"
        )
    low, high = _bounds(bounds)
    effect = min_effect
    if (
        isinstance(effect, bool)
        or not isinstance(effect, (int, float))
        or not 0 < effect <= high - low
    ):
        raise ValidationError(
            f"min_effect must be a number above 0 and at most high - low = {high - low:g}, got {min_effect!r}"
        )
    return DriftMonitor(
        reference=reference,
        alpha=unit_interval(alpha, "alpha"),
        min_effect=float(effect),
        bounds=(low, high),
        smoothing=unit_interval(smoothing, "smoothing"),
    )


def _streams_of_model(reference: QualityTable | QueryQuality, model: str) -> int:
    if isinstance(reference, QueryQuality):
        return 1
    return sum(1 for m, _ in reference.entries if m == model) or 1


def _as_records(batch: Any) -> Iterable[EvalRecord]:
    if isinstance(batch, EvalRecord):
        return (batch,)
    if isinstance(batch, Outcomes):
        return batch.records()
    if isinstance(batch, (str, bytes)) or not isinstance(batch, Iterable):
        raise ValidationError(
            f"observe takes an EvalRecord, records or an Outcomes table, got {batch!r}"
        )
    return batch


def observe(
    monitor: DriftMonitor,
    records: EvalRecord | Iterable[EvalRecord] | Outcomes,
    *,
    queries: Mapping[Hashable, Any] | None = None,
) -> DriftMonitor:
    """The monitor after ``records`` (one record, several in order, or an ``Outcomes`` table).

    With a :class:`~modelfolio.QualityTable` reference, a record counts in the stream
    of each of its tags the table knows for its model (else the model-wide stream);
    with a :class:`~modelfolio.QueryQuality` reference, ``queries`` maps each record's
    item to its query. Records of models the reference does not know are an error.

    Examples:
        >>> from modelfolio import EvalRecord, Outcomes, fit_quality
        >>> past = Outcomes.from_columns(item=range(10), model=["m"] * 10, score=[1.0] * 8 + [0.0] * 2)
        >>> monitor = observe(drift_monitor(fit_quality(past)), EvalRecord(item="x", model="m", score=1.0))
        >>> monitor.records, monitor.evidence("m")
        (1, 1.0)
    """
    if not isinstance(monitor, DriftMonitor):
        raise ValidationError(f"monitor must be a DriftMonitor, got {monitor!r}")
    reference = monitor.reference
    per_query = isinstance(reference, QueryQuality)
    if per_query and not isinstance(queries, Mapping):
        raise ValidationError(
            "a QueryQuality reference predicts per query: pass queries= mapping each item to its query"
        )
    low, high = monitor.bounds
    span = high - low
    threshold = monitor.min_effect / span / 2.0
    beta = monitor.smoothing
    streams = dict(monitor.streams)
    alarms = list(monitor.alarms)
    count = monitor.records
    expected_of: dict[tuple[str, frozenset[str]], list[tuple[str | None, float]]] = {}
    limits: dict[str, float] = {}  # each model's alarm threshold on the log-wealth
    for record in _as_records(records):
        if not isinstance(record, EvalRecord):
            raise ValidationError(f"records must be EvalRecord values, got {record!r}")
        score = record.score
        if score != score:
            continue  # missing: nothing observed
        if not low <= score <= high:
            raise ValidationError(
                f"record {record.item!r} of {record.model!r} scored {score!r}, outside bounds {monitor.bounds!r}"
            )
        model = record.model
        if model not in reference.models:
            raise ValidationError(
                f"model {model!r} is not in the reference (models: {', '.join(reference.models)})"
            )
        targets: list[tuple[str | None, float]]
        if isinstance(reference, QueryQuality):
            assert queries is not None
            if record.item not in queries:
                raise ValidationError(f"queries has no query for item {record.item!r}")
            targets = [(None, reference.quality(model, queries[record.item], record.tags))]
        else:
            key = (model, record.tags)
            found = expected_of.get(key)
            if found is None:
                known = [t for t in sorted(record.tags) if (model, t) in reference.entries]
                found = expected_of[key] = (
                    [(t, reference.entries[(model, t)].mean) for t in known]
                    if known
                    else [(None, reference.quality(model))]
                )
            targets = found
        count += 1
        x = (score - low) / span
        for tag, expected in targets:
            p = min(max((expected - low) / span, 0.0), 1.0)
            stream = streams.get((model, tag)) or _Stream()
            if stream.alarmed:
                continue
            # The bet uses only earlier records: Kelly's fraction for the estimated drop.
            lam = 0.0
            if stream.drop >= threshold:
                variance = max(p * (1.0 - p), 0.01)
                lam = min(stream.drop / variance, 0.5 / max(1.0 - p, 0.05))
            log_wealth = stream.log_wealth + math.log1p(lam * (p - x))
            drop = stream.drop + beta * ((p - x) - stream.drop)
            recent = p if stream.n == 0 else stream.expected + beta * (p - stream.expected)
            n = stream.n + 1
            limit = limits.get(model)
            if limit is None:  # once per model and call, not per record
                limit = limits[model] = math.log(
                    _streams_of_model(reference, model) / monitor.alpha
                )
            alarmed = log_wealth >= limit
            streams[(model, tag)] = _Stream(n, log_wealth, drop, recent, alarmed)
            if alarmed:
                # The drop estimate starts at 0: divide out that start, as Adam does.
                recent_drop = drop / (1.0 - (1.0 - beta) ** n)
                alarms.append(
                    DriftAlarm(
                        model=model,
                        tag=tag,
                        records=n,
                        observed=low + span * (recent - recent_drop),
                        expected=low + span * recent,
                        evidence=math.exp(log_wealth),
                    )
                )
    return DriftMonitor(
        reference=reference,
        alpha=monitor.alpha,
        min_effect=monitor.min_effect,
        bounds=monitor.bounds,
        smoothing=monitor.smoothing,
        streams=MappingProxyType(streams),
        alarms=tuple(alarms),
        records=count,
    )


def mark_drifted(
    state: State,
    alarms: DriftMonitor | Iterable[DriftAlarm],
    *,
    bridge: Bridge,
    catalog: Catalog,
    now: float,
    hold_s: float = 86_400.0,
) -> State:
    """``state`` with the breakers of every alarmed model's deployments open for ``hold_s``.

    ``bridge`` maps the monitor's model names to catalog deployments, as for
    :func:`~modelfolio.learned_policy`. Routing skips open breakers, so traffic moves
    to the other deployments at once; after ``hold_s`` the breakers half-open and one
    call may try the model again (or call this again to keep it out).

    Examples:
        >>> from modelfolio import Bridge, State, reference_catalog
        >>> alarm = DriftAlarm(model="sonnet", tag=None, records=300, observed=0.6, expected=0.8, evidence=500.0)
        >>> state = mark_drifted(State(), [alarm], bridge=Bridge({"sonnet": "claude-sonnet-4-5"}),
        ...                      catalog=reference_catalog(), now=0.0)
        >>> sorted(state.breakers)[:2]
        ['anthropic/claude-sonnet-4-5', 'anthropic/claude-sonnet-4-5@batch']
    """
    if not isinstance(state, State):
        raise ValidationError(f"state must be a State, got {state!r}")
    if not isinstance(bridge, Bridge):
        raise ValidationError(f"bridge must be a Bridge, got {bridge!r}")
    now, hold_s = finite(now, "now"), finite(hold_s, "hold_s")
    if hold_s <= 0:
        raise ValidationError(f"hold_s must be above 0, got {hold_s!r}")
    if not isinstance(alarms, DriftMonitor) and (
        isinstance(alarms, (str, bytes)) or not isinstance(alarms, Iterable)
    ):
        raise ValidationError(
            f"alarms must be a DriftMonitor or DriftAlarm values, got {alarms!r:.80}"
        )
    found = alarms.alarms if isinstance(alarms, DriftMonitor) else tuple(alarms)
    breakers = dict(state.breakers)
    for alarm in found:
        if not isinstance(alarm, DriftAlarm):
            raise ValidationError(f"alarms must be DriftAlarm values, got {alarm!r}")
        for deployment in bridge.deployments(alarm.model, catalog):
            breakers[deployment.id] = max(breakers.get(deployment.id, -math.inf), now + hold_s)
    return State(
        config=state.config,
        cooldowns=state.cooldowns,
        failures=state.failures,
        breakers=breakers,
        vendor_failures=state.vendor_failures,
        ledger=state.ledger,
    )
