"""Side-by-side evaluation with real uncertainty.

- :func:`leaderboard` — each model's mean score with a confidence interval (Wilson's
  for 0/1 scores, a seeded Poisson bootstrap otherwise), cost and latency.
- :func:`compare` — the paired difference between two models on the items both
  answered: Newcombe's paired interval and the exact McNemar test for 0/1 scores; a
  paired Poisson bootstrap interval and a sign-flip permutation test otherwise.
- :func:`non_inferiority` — whether the candidate is no worse than the baseline by
  more than a margin, at a one-sided ``alpha``.
- :func:`frontier` — the models no other model beats on both cost and quality.
- :func:`contamination_gap` — a model's public-split score minus its private-split
  score, with an interval: scores that hold only where the test could have leaked.

Scores are differences in score units: for 0/1 scores, 0.05 is five points.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping
from typing import Any

from attrs import field, frozen

from modelfolio._common.errors import ValidationError
from modelfolio._evaluation.outcomes import Outcomes
from modelfolio._common.plot import axes, intervals
from modelfolio._evaluation.stats import (
    MANY_VALUES,
    bootstrap_mean_interval,
    counts_of,
    mcnemar_exact,
    newcombe_paired,
    newcombe_unpaired,
    percentile_interval,
    poisson_draws,
    poisson_mean,
    poisson_means,
    sign_flip_p,
    wilson,
)
from modelfolio._evaluation.summary import (
    OutcomeSummary,
    PairSummary,
    exact_mean,
    exact_sum,
    quantile_of_counts,
    stream,
    summarize,
    summarize_pair,
)
from modelfolio._common.table import html_table
from modelfolio._common.validate import number, unit_interval

__all__ = [
    "Comparison",
    "ContaminationGap",
    "Leaderboard",
    "LeaderboardEntry",
    "NonInferiority",
    "compare",
    "contamination_gap",
    "frontier",
    "leaderboard",
    "non_inferiority",
]

BOOTSTRAP_ROUNDS = 2_000
PERMUTATION_ROUNDS = 10_000


def _level(level: float, name: str = "level") -> float:
    return unit_interval(level, name)


def _seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValidationError(f"seed must be an integer, got {seed!r}")
    return seed


def _outcomes(value: Any) -> Outcomes:
    if not isinstance(value, Outcomes):
        raise ValidationError(f"outcomes must be an Outcomes table, got {value!r}")
    return value


def _mean_interval(
    counts: Mapping[float, int], binary: bool, level: float, rng: random.Random
) -> tuple[float, float, float]:
    n = sum(counts.values())
    if n == 0:
        return (math.nan, math.nan, math.nan)
    mean = exact_mean(counts)
    if binary:
        low, high = wilson(counts.get(1.0, 0), n, level)
    else:
        low, high = _bootstrap_interval(counts, mean, level, rng)
    return (mean, low, high)


def _bootstrap_interval(
    counts: Mapping[float, int], mean: float, level: float, rng: random.Random
) -> tuple[float, float]:
    """The Poisson-bootstrap percentile interval of ``mean``, the mean of ``counts``.

    Up to :data:`MANY_VALUES` distinct values: ``BOOTSTRAP_ROUNDS`` seeded rounds over
    the values in sorted order. Above: the saddlepoint approximation of the same
    bootstrap distribution (no rounds, no seed; :func:`bootstrap_mean_interval`). The
    interval is kept within the values (a resample's mean can round past them) and
    around the mean (a short percentile interval of a skewed sample can miss it).
    """
    if len(counts) > MANY_VALUES:
        low, high = bootstrap_mean_interval(counts, level)
    else:
        ordered = {value: counts[value] for value in sorted(counts)}
        low, high = percentile_interval(poisson_means(ordered, BOOTSTRAP_ROUNDS, rng), level)
        least, most = min(ordered), max(ordered)
        low, high = max(low, least), min(high, most)
    return (min(low, mean), max(high, mean))


@frozen(kw_only=True)
class LeaderboardEntry:
    """One model's line on a leaderboard."""

    model: str
    """The model."""
    n: int
    """Items scored."""
    mean: float
    """Mean score."""
    ci_low: float
    """Lower confidence bound of the mean."""
    ci_high: float
    """Upper confidence bound of the mean."""
    total_cost: float
    """Summed cost, US dollars."""
    cost_per_item: float
    """Mean cost per item."""
    cost_per_success: float | None
    """Total cost over successes, for 0/1 scores (``None`` otherwise or with none)."""
    latency_p50_s: float | None
    """Median latency, when measured."""
    latency_p95_s: float | None
    """95th percentile latency, when measured."""

    def to_row(self) -> dict[str, object]:
        """This entry as a plain dict."""
        return {
            "model": self.model,
            "n": self.n,
            "mean": self.mean,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "total_cost": self.total_cost,
            "cost_per_item": self.cost_per_item,
            "cost_per_success": self.cost_per_success,
            "latency_p50_s": self.latency_p50_s,
            "latency_p95_s": self.latency_p95_s,
        }


@frozen(kw_only=True)
class Leaderboard:
    """Models ranked by mean score (best first), each with its interval and costs."""

    entries: tuple[LeaderboardEntry, ...]
    """Best mean first; ties by model id."""
    level: float
    """The confidence level of the intervals."""
    binary: bool
    """Whether the scores were 0/1 (Wilson intervals) or not (bootstrap)."""

    def entry(self, model: str) -> LeaderboardEntry:
        """The entry of ``model``."""
        for entry in self.entries:
            if entry.model == model:
                return entry
        raise ValidationError(f"model {model!r} is not on the leaderboard")

    @property
    def models(self) -> tuple[str, ...]:
        """The models, best first."""
        return tuple(entry.model for entry in self.entries)

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per model, best first."""
        return [entry.to_row() for entry in self.entries]

    def __repr__(self) -> str:
        lines = [f"Leaderboard({len(self.entries)} models, level={self.level:g})"]
        lines += [
            f"  {e.model}: {e.mean:.4f} [{e.ci_low:.4f}, {e.ci_high:.4f}] n={e.n} ${e.cost_per_item:.6g}/item"
            for e in self.entries
        ]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return html_table(self.to_rows(), caption=f"Leaderboard ({self.level:.0%} intervals)")

    def to_frame(self, backend: Any = "pandas") -> Any:
        """The leaderboard as a frame of ``backend`` (``"pandas"``, ``"polars"``, ``"pyarrow"``).

        The columns of :meth:`to_rows`, best model first. Needs narwhals and that library.

        Examples:
            >>> table = Outcomes.from_columns(item=[1, 2, 1, 2], model=["a", "a", "b", "b"],
            ...                               score=[1, 1, 1, 0])
            >>> leaderboard(table).to_frame("pandas")[["model", "mean"]].values.tolist()
            [['a', 1.0], ['b', 0.5]]
        """
        from modelfolio._common.frames import frame_of

        rows = self.to_rows()
        return frame_of({k: [r[k] for r in rows] for k in rows[0]}, backend, "Leaderboard.to_frame")

    def plot(self, ax: Any = None, *, title: str | None = None) -> Any:
        """Each model's mean with its interval, best at the top; returns the matplotlib ``Axes``.

        Needs matplotlib (``pip install 'modelfolio[plot]'``); without it raises
        :class:`~modelfolio.MissingDependencyError`.
        """
        return intervals(
            ax,
            "Leaderboard",
            self.models,
            [e.mean for e in self.entries],
            [e.ci_low for e in self.entries],
            [e.ci_high for e in self.entries],
            xlabel=f"mean score ({self.level:.0%} interval)",
            title=title or "Leaderboard",
        )

    def plot_frontier(self, ax: Any = None, *, title: str | None = None) -> Any:
        """Mean score against cost per item, the :func:`frontier` joined by a line.

        Returns the matplotlib ``Axes`` (needs ``pip install 'modelfolio[plot]'``).
        """
        ax = axes(ax, "Leaderboard")
        for entry in self.entries:
            ax.scatter([entry.cost_per_item], [entry.mean], color="#1f5f8b")
            ax.annotate(
                entry.model,
                (entry.cost_per_item, entry.mean),
                textcoords="offset points",
                xytext=(4, 4),
                fontsize="small",
            )
        best = sorted(frontier(self), key=lambda e: e.cost_per_item)
        ax.plot(
            [e.cost_per_item for e in best],
            [e.mean for e in best],
            color="#c0392b",
            label="frontier",
        )
        ax.set_xlabel("cost per item (US$)")
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-3, 4))
        ax.set_ylabel("mean score")
        ax.set_title(title or "Cost-quality frontier")
        ax.legend(loc="lower right")
        ax.grid(alpha=0.3)
        return ax


def leaderboard(
    outcomes: Outcomes,
    *,
    tags: Iterable[str] | None = None,
    split: str | None = None,
    level: float = 0.95,
    seed: int = 0,
) -> Leaderboard:
    """Each model's mean score with a confidence interval, cost and latency.

    ``tags`` keeps items that carry all of them; ``split`` keeps one split.

    Examples:
        >>> table = Outcomes.from_columns(item=[1, 2, 3, 1, 2, 3], model=["a"] * 3 + ["b"] * 3,
        ...                               score=[1, 1, 0, 1, 0, 0], cost=[0.01] * 3 + [0.001] * 3)
        >>> board = leaderboard(table)
        >>> board.models
        ('a', 'b')
        >>> round(board.entry("a").cost_per_success, 4)
        0.015
    """
    return leaderboard_of(
        summarize(_outcomes(outcomes)), tags=tags, split=split, level=level, seed=seed
    )


def leaderboard_of(
    summary: OutcomeSummary,
    *,
    tags: Iterable[str] | None = None,
    split: str | None = None,
    level: float = 0.95,
    seed: int = 0,
) -> Leaderboard:
    """The leaderboard of a (merged) :class:`~modelfolio.OutcomeSummary`.

    Each model's bootstrap draws come from its own stream, seeded by ``seed`` and the
    model id, and read the distinct scores in sorted order.
    """
    if not isinstance(summary, OutcomeSummary):
        raise ValidationError(f"summary must be an OutcomeSummary, got {summary!r:.80}")
    level = _level(level)
    seed = _seed(seed)
    binary = summary.binary
    entries = []
    for model, group in summary.model_groups(tags=tags, split=split).items():
        n = group.n
        if not n:
            continue
        mean, low, high = _mean_interval(group.scores, binary, level, stream(seed, model))
        total = math.fsum(group.costs)
        successes = group.scores.get(1.0, 0) if binary else 0
        latencies = group.latencies
        entries.append(
            LeaderboardEntry(
                model=model,
                n=n,
                mean=mean,
                ci_low=low,
                ci_high=high,
                total_cost=total,
                cost_per_item=total / n,
                cost_per_success=total / successes if binary and successes else None,
                latency_p50_s=quantile_of_counts(latencies, 0.5) if latencies else None,
                latency_p95_s=quantile_of_counts(latencies, 0.95) if latencies else None,
            )
        )
    if not entries:
        raise ValidationError(
            f"no outcomes match tags={sorted((tags,) if isinstance(tags, str) else (tags or ()))!r}, split={split!r}"
        )
    entries.sort(key=lambda e: (-e.mean, e.model))
    return Leaderboard(entries=tuple(entries), level=level, binary=binary)


@frozen(kw_only=True)
class Comparison:
    """A paired comparison: ``diff`` is candidate minus baseline, on shared items."""

    baseline: str
    """The incumbent."""
    candidate: str
    """The challenger."""
    n: int
    """Items both answered."""
    baseline_mean: float
    """The baseline's mean on those items."""
    candidate_mean: float
    """The candidate's mean on those items."""
    diff: float
    """Candidate mean minus baseline mean."""
    ci_low: float
    """Lower bound of the paired interval for ``diff``."""
    ci_high: float
    """Upper bound of the paired interval for ``diff``."""
    p_value: float
    """Two-sided p-value for no difference."""
    level: float
    """The interval's confidence level."""
    candidate_only: int
    """Items where the candidate scored higher (for 0/1: only the candidate right)."""
    baseline_only: int
    """Items where the baseline scored higher (for 0/1: only the baseline right)."""
    method: str
    """How the interval and p-value were computed."""

    def __str__(self) -> str:
        return (
            f"{self.candidate} - {self.baseline}: {self.diff:+.4f} "
            f"({self.level:.0%} CI [{self.ci_low:+.4f}, {self.ci_high:+.4f}], p={self.p_value:.3g}, n={self.n})"
        )

    def to_rows(self) -> list[dict[str, object]]:
        """The comparison as one plain dict in a list."""
        return [
            {
                name: getattr(self, name)
                for name in (
                    "baseline",
                    "candidate",
                    "n",
                    "baseline_mean",
                    "candidate_mean",
                    "diff",
                    "ci_low",
                    "ci_high",
                    "p_value",
                    "candidate_only",
                    "baseline_only",
                    "method",
                )
            }
        ]

    def _repr_html_(self) -> str:
        return html_table(self.to_rows(), caption=str(self))

    def plot(self, ax: Any = None, *, title: str | None = None) -> Any:
        """The difference (candidate minus baseline) with its interval, against zero.

        Returns the matplotlib ``Axes`` (needs ``pip install 'modelfolio[plot]'``).
        """
        ax = intervals(
            ax,
            "Comparison",
            ["difference"],
            [self.diff],
            [self.ci_low],
            [self.ci_high],
            xlabel=f"{self.candidate} minus {self.baseline} (p={self.p_value:.3g}, n={self.n})",
            title=title or "Paired difference",
            reference=0.0,
        )
        ax.set_yticks([])  # one row: the axis label says what it is
        return ax


def _sign_flip_p(differences: Mapping[float, int], rng: random.Random) -> float:
    """Two-sided sign-flip permutation p-value for a zero mean difference.

    Under the null each difference is as likely to have either sign. Differences are
    grouped by magnitude (in increasing order); for ``c`` of magnitude ``v`` a round
    flips a fair coin for each (the positive ones counted with
    ``getrandbits(c).bit_count()``). Above :data:`MANY_VALUES` distinct differences the
    p-value is read without rounds, by saddlepoint approximation (:func:`sign_flip_p`).
    """
    magnitudes: dict[float, int] = {}
    for d in sorted(differences, key=abs):
        if d != 0:
            magnitudes[abs(d)] = magnitudes.get(abs(d), 0) + differences[d]
    observed = abs(exact_sum(differences))
    if len(differences) > MANY_VALUES:
        return sign_flip_p(magnitudes, observed)
    if not magnitudes:
        return 1.0
    extreme = 0
    for _ in range(PERMUTATION_ROUNDS):
        total = 0.0
        for magnitude, count in magnitudes.items():
            positives = rng.getrandbits(count).bit_count()
            total += magnitude * (2 * positives - count)
        if abs(total) >= observed - 1e-12 * max(1.0, observed):
            extreme += 1
    return (extreme + 1) / (PERMUTATION_ROUNDS + 1)


def compare(
    outcomes: Outcomes, *, baseline: str, candidate: str, level: float = 0.95, seed: int = 0
) -> Comparison:
    """The paired difference between ``candidate`` and ``baseline`` on shared items.

    Examples:
        >>> table = Outcomes.from_columns(
        ...     item=list(range(10)) * 2, model=["old"] * 10 + ["new"] * 10,
        ...     score=[1, 1, 1, 1, 1, 1, 1, 1, 0, 0] + [1, 1, 1, 1, 1, 0, 0, 0, 0, 0])
        >>> result = compare(table, baseline="old", candidate="new")
        >>> result.diff, result.baseline_only, result.candidate_only, round(result.p_value, 4)
        (-0.3, 3, 0, 0.25)
    """
    outcomes = _outcomes(outcomes)
    level = _level(level)
    seed = _seed(seed)
    return comparison_of(_pair(outcomes, baseline, candidate), level=level, seed=seed)


def _pair(outcomes: Outcomes, baseline: Any, candidate: Any) -> PairSummary:
    """The pair summary of the whole table; an unknown model is named with the known ones."""
    for model in (baseline, candidate):
        if isinstance(model, str):
            outcomes.rows_of(model)
    return summarize_pair(outcomes, baseline=baseline, candidate=candidate)


def comparison_of(pair: PairSummary, *, level: float = 0.95, seed: int = 0) -> Comparison:
    """The comparison of a (merged) :class:`~modelfolio.PairSummary`.

    The bootstrap and the sign flips read the distinct differences in sorted order from
    ``random.Random(seed)``, so any split of the items into parts gives the same result.
    """
    if not isinstance(pair, PairSummary):
        raise ValidationError(f"pair must be a PairSummary, got {pair!r:.80}")
    level = _level(level)
    seed = _seed(seed)
    baseline, candidate = pair.baseline, pair.candidate
    n = pair.n
    if not n:
        raise ValidationError(f"{baseline!r} and {candidate!r} answered no item in common")
    differences = {value: pair.differences[value] for value in sorted(pair.differences)}
    candidate_only = sum(c for d, c in differences.items() if d > 0)
    baseline_only = sum(c for d, c in differences.items() if d < 0)
    diff = exact_mean(differences)
    if pair.binary:
        both = pair.both
        neither = n - both - candidate_only - baseline_only
        low, high = newcombe_paired(both, candidate_only, baseline_only, neither, level)
        p_value = mcnemar_exact(candidate_only, baseline_only)
        method = "Newcombe paired score interval; exact McNemar test"
    else:
        rng = random.Random(seed)  # the bootstrap's rounds, then the sign flips'
        low, high = _bootstrap_interval(differences, diff, level, rng)
        p_value = _sign_flip_p(differences, rng)
        method = (
            "paired Poisson bootstrap and sign-flip permutation test, both by saddlepoint approximation"
            if len(differences) > MANY_VALUES
            else f"paired Poisson bootstrap ({BOOTSTRAP_ROUNDS} rounds); sign-flip permutation test ({PERMUTATION_ROUNDS} rounds)"
        )
    return Comparison(
        baseline=baseline,
        candidate=candidate,
        n=n,
        baseline_mean=exact_mean(pair.baseline_scores),
        candidate_mean=exact_mean(pair.candidate_scores),
        diff=diff,
        ci_low=low,
        ci_high=high,
        p_value=p_value,
        level=level,
        candidate_only=candidate_only,
        baseline_only=baseline_only,
        method=method,
    )


@frozen(kw_only=True)
class NonInferiority:
    """Whether the candidate is at most ``margin`` worse than the baseline."""

    non_inferior: bool
    """True when the one-sided lower bound of ``diff`` is above ``-margin``."""
    bound: float
    """The one-sided lower confidence bound of candidate minus baseline."""
    diff: float
    """The observed difference, candidate minus baseline."""
    margin: float
    """The largest loss that still counts as "as good"."""
    alpha: float
    """The one-sided error rate."""
    explanation: str
    """The verdict in one sentence."""
    comparison: Comparison = field(repr=False)
    """The paired comparison behind the verdict (at level 1 - 2 alpha)."""

    def __str__(self) -> str:
        return self.explanation


def non_inferiority(
    outcomes: Outcomes,
    *,
    baseline: str,
    candidate: str,
    margin: float,
    alpha: float = 0.05,
    seed: int = 0,
) -> NonInferiority:
    """Test whether ``candidate`` is no worse than ``baseline`` by more than ``margin``.

    The one-sided bound is the lower end of the paired interval at level
    ``1 - 2 * alpha``; the candidate is non-inferior when that bound is above
    ``-margin``.

    Examples:
        >>> table = Outcomes.from_columns(
        ...     item=list(range(200)) * 2, model=["old"] * 200 + ["new"] * 200,
        ...     score=[1] * 180 + [0] * 20 + [1] * 176 + [0] * 24)
        >>> print(non_inferiority(table, baseline="old", candidate="new", margin=0.05))
        new is non-inferior to old at a 0.05 margin: the difference is -0.0200 and its one-sided 95% lower bound, -0.0421, is above -0.05.
    """
    margin, alpha = _margin_alpha(margin, alpha)
    pair = _pair(_outcomes(outcomes), baseline, candidate)
    return non_inferiority_of(pair, margin=margin, alpha=alpha, seed=seed)


def _margin_alpha(margin: Any, alpha: Any) -> tuple[float, float]:
    margin = number(margin, "margin")
    alpha = _level(alpha, "alpha")
    if alpha >= 0.5:
        raise ValidationError(f"alpha must be below 0.5, got {alpha!r}")
    return margin, alpha


def non_inferiority_of(
    pair: PairSummary, *, margin: float, alpha: float = 0.05, seed: int = 0
) -> NonInferiority:
    """The non-inferiority verdict of a (merged) :class:`~modelfolio.PairSummary`."""
    if not isinstance(pair, PairSummary):
        raise ValidationError(f"pair must be a PairSummary, got {pair!r:.80}")
    margin, alpha = _margin_alpha(margin, alpha)
    baseline, candidate = pair.baseline, pair.candidate
    comparison = comparison_of(pair, level=1 - 2 * alpha, seed=seed)
    bound = comparison.ci_low
    verdict = bound > -margin
    confidence = f"{1 - alpha:.0%}"
    if verdict:
        explanation = (
            f"{candidate} is non-inferior to {baseline} at a {margin:g} margin: the difference is "
            f"{comparison.diff:+.4f} and its one-sided {confidence} lower bound, {bound:+.4f}, is above {-margin:+g}."
        )
    else:
        explanation = (
            f"{candidate} is not shown non-inferior to {baseline} at a {margin:g} margin: the difference is "
            f"{comparison.diff:+.4f} and its one-sided {confidence} lower bound, {bound:+.4f}, is not above {-margin:+g}."
        )
    return NonInferiority(
        non_inferior=verdict,
        bound=bound,
        diff=comparison.diff,
        margin=float(margin),
        alpha=alpha,
        explanation=explanation,
        comparison=comparison,
    )


def frontier(board: Leaderboard) -> tuple[LeaderboardEntry, ...]:
    """The entries no other entry beats on both cost per item and mean score.

    An entry is dominated when another costs no more and scores no less, and is
    strictly better on one of the two. The frontier is returned cheapest first.

    Examples:
        >>> table = Outcomes.from_columns(item=[1, 2, 1, 2, 1, 2], model=["a", "a", "b", "b", "c", "c"],
        ...                               score=[1, 1, 1, 0, 0, 0], cost=[2, 2, 1, 1, 3, 3])
        >>> [e.model for e in frontier(leaderboard(table))]
        ['b', 'a']
    """
    if not isinstance(board, Leaderboard):
        raise ValidationError(f"frontier takes a Leaderboard, got {board!r}")
    entries = board.entries
    kept = [
        e
        for e in entries
        if not any(
            o is not e
            and o.cost_per_item <= e.cost_per_item
            and o.mean >= e.mean
            and (o.cost_per_item < e.cost_per_item or o.mean > e.mean)
            for o in entries
        )
    ]
    return tuple(sorted(kept, key=lambda e: (e.cost_per_item, -e.mean, e.model)))


@frozen(kw_only=True)
class ContaminationGap:
    """A model's public-split score minus its private-split score."""

    model: str
    """The model."""
    public_mean: float
    """Mean score on the public split."""
    private_mean: float
    """Mean score on the private, held-out split."""
    gap: float
    """Public minus private."""
    ci_low: float
    """Lower bound of the gap's interval."""
    ci_high: float
    """Upper bound of the gap's interval."""
    n_public: int
    """Public items scored."""
    n_private: int
    """Private items scored."""
    flagged: bool
    """True when the whole interval is above zero: the public score does not hold up."""


def contamination_gap(
    outcomes: Outcomes,
    model: str,
    *,
    public: str,
    private: str,
    level: float = 0.95,
    seed: int = 0,
) -> ContaminationGap:
    """``model``'s score on the ``public`` split minus the ``private`` split, with an interval.

    The two splits hold different items, so the interval is for independent samples
    (Newcombe's hybrid score for 0/1 scores, a Poisson bootstrap otherwise).

    Examples:
        >>> table = Outcomes.from_columns(item=list(range(200)), model=["m"] * 200,
        ...     score=[1] * 95 + [0] * 5 + [1] * 70 + [0] * 30,
        ...     split=["public"] * 100 + ["private"] * 100)
        >>> gap = contamination_gap(table, "m", public="public", private="private")
        >>> round(gap.gap, 2), gap.flagged
        (0.25, True)
    """
    outcomes = _outcomes(outcomes)
    level = _level(level)
    seed = _seed(seed)
    rows = outcomes.rows_of(model)
    score = outcomes.score
    public_scores = [score[r] for r in outcomes.selected(rows, split=public)]
    private_scores = [score[r] for r in outcomes.selected(rows, split=private)]
    for name, values in (("public", public_scores), ("private", private_scores)):
        if not values:
            raise ValidationError(
                f"{model!r} has no outcomes in the {name} split {public if name == 'public' else private!r}"
            )
    n1, n2 = len(public_scores), len(private_scores)
    mean1, mean2 = math.fsum(public_scores) / n1, math.fsum(private_scores) / n2
    if outcomes.binary:
        low, high = newcombe_unpaired(sum(public_scores), n1, sum(private_scores), n2, level)
    else:
        rng = random.Random(seed)
        first = counts_of(public_scores)
        second = counts_of(private_scores)
        gaps = []
        pairs: Iterable[tuple[float | None, float | None]]
        if max(len(first), len(second)) > MANY_VALUES:  # each sample's rounds at once
            pairs = zip(
                poisson_draws(first, BOOTSTRAP_ROUNDS, rng),
                poisson_draws(second, BOOTSTRAP_ROUNDS, rng),
                strict=True,
            )
        else:
            pairs = (
                (poisson_mean(first, rng), poisson_mean(second, rng))
                for _ in range(BOOTSTRAP_ROUNDS)
            )
        for a, b in pairs:
            if a is not None and b is not None:
                gaps.append(a - b)
        gaps.sort()
        low, high = percentile_interval(gaps, level)
    return ContaminationGap(
        model=model,
        public_mean=mean1,
        private_mean=mean2,
        gap=mean1 - mean2,
        ci_low=low,
        ci_high=high,
        n_public=n1,
        n_private=n2,
        flagged=low > 0,
    )
