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
from collections.abc import Iterable
from typing import Any

from attrs import frozen

from modelfolio._common.errors import ValidationError
from modelfolio._common.validate import unit_interval
from modelfolio._evaluation.outcomes import Outcomes
from modelfolio._evaluation.quality import QualityTable
from modelfolio._evaluation.results import (
    Comparison,
    Leaderboard,
    LeaderboardEntry,
    NonInferiority,
    frontier,
)
from modelfolio._evaluation.stats import (
    MANY_VALUES,
    SADDLEPOINT_FROM,
    bootstrap_difference_interval,
    counts_of,
    newcombe_unpaired,
    percentile_interval,
    poisson_draws,
    poisson_mean,
)
from modelfolio._evaluation.summary import (
    BOOTSTRAP_ROUNDS,
    OutcomeSummary,
    PairSummary,
    _level,
    _margin_alpha,
    _seed,
    comparison_of,
    leaderboard_of,
    non_inferiority_of,
    quality_of,
    summarize,
    summarize_pair,
)

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


def leaderboard(
    outcomes: Outcomes | OutcomeSummary,
    *,
    tags: Iterable[str] | None = None,
    split: str | None = None,
    level: float = 0.95,
    seed: int = 0,
) -> Leaderboard:
    """Each model's mean score with a confidence interval, cost and latency.

    ``tags`` keeps items that carry all of them; ``split`` keeps one split.
    ``outcomes`` may be a (merged) :class:`~modelfolio.OutcomeSummary` instead of the
    table: the same leaderboard, from pieces evaluated apart.

    Examples:
        >>> table = Outcomes.from_columns(item=[1, 2, 3, 1, 2, 3], model=["a"] * 3 + ["b"] * 3,
        ...                               score=[1, 1, 0, 1, 0, 0], cost=[0.01] * 3 + [0.001] * 3)
        >>> board = leaderboard(table)
        >>> board.models
        ('a', 'b')
        >>> round(board.entry("a").cost_per_success, 4)
        0.015
        >>> leaderboard(summarize(table)) == board
        True
    """
    summary = outcomes if isinstance(outcomes, OutcomeSummary) else summarize(_outcomes(outcomes))
    return leaderboard_of(summary, tags=tags, split=split, level=level, seed=seed)


def compare(
    outcomes: Outcomes | PairSummary,
    *,
    baseline: str | None = None,
    candidate: str | None = None,
    level: float = 0.95,
    seed: int = 0,
) -> Comparison:
    """The paired difference between ``candidate`` and ``baseline`` on shared items.

    ``outcomes`` may be a (merged) :class:`~modelfolio.PairSummary` instead of the
    table; it names its two models, so ``baseline`` and ``candidate`` may then be left
    out (given, they must be the summary's).

    Examples:
        >>> table = Outcomes.from_columns(
        ...     item=list(range(10)) * 2, model=["old"] * 10 + ["new"] * 10,
        ...     score=[1, 1, 1, 1, 1, 1, 1, 1, 0, 0] + [1, 1, 1, 1, 1, 0, 0, 0, 0, 0])
        >>> result = compare(table, baseline="old", candidate="new")
        >>> result.diff, result.baseline_only, result.candidate_only, round(result.p_value, 4)
        (-0.3, 3, 0, 0.25)
        >>> compare(summarize_pair(table, baseline="old", candidate="new")) == result
        True
    """
    pair = _pair(outcomes, baseline, candidate)
    return comparison_of(pair, level=_level(level), seed=_seed(seed))


def _pair(outcomes: Any, baseline: Any, candidate: Any) -> PairSummary:
    """The pair summary of the whole table; an unknown model is named with the known ones.

    A summary given in place of the table is used as it is; models named beside it
    must be its own.
    """
    if isinstance(outcomes, PairSummary):
        for role, given, own in (
            ("baseline", baseline, outcomes.baseline),
            ("candidate", candidate, outcomes.candidate),
        ):
            if given is not None and given != own:
                raise ValidationError(
                    f"{role} is {given!r} but the pair summary's {role} is {own!r}"
                )
        return outcomes
    outcomes = _outcomes(outcomes)
    for role, model in (("baseline", baseline), ("candidate", candidate)):
        if model is None:
            raise ValidationError(f"{role} must be a model id (a string), got None")
    for model in (baseline, candidate):
        if isinstance(model, str):
            outcomes.rows_of(model)
    return summarize_pair(outcomes, baseline=baseline, candidate=candidate)


def non_inferiority(
    outcomes: Outcomes | PairSummary,
    *,
    baseline: str | None = None,
    candidate: str | None = None,
    margin: float,
    alpha: float = 0.05,
    seed: int = 0,
) -> NonInferiority:
    """Test whether ``candidate`` is no worse than ``baseline`` by more than ``margin``.

    The one-sided bound is the lower end of the paired interval at level
    ``1 - 2 * alpha``; the candidate is non-inferior when that bound is above
    ``-margin``. ``outcomes`` may be a (merged) :class:`~modelfolio.PairSummary`, as
    for :func:`compare`.

    Examples:
        >>> table = Outcomes.from_columns(
        ...     item=list(range(200)) * 2, model=["old"] * 200 + ["new"] * 200,
        ...     score=[1] * 180 + [0] * 20 + [1] * 176 + [0] * 24)
        >>> print(non_inferiority(table, baseline="old", candidate="new", margin=0.05))
        new is non-inferior to old at a 0.05 margin: the difference is -0.0200 and its one-sided 95% lower bound, -0.0421, is above -0.05.
    """
    margin, alpha = _margin_alpha(margin, alpha)
    pair = _pair(outcomes, baseline, candidate)
    return non_inferiority_of(pair, margin=margin, alpha=alpha, seed=seed)


def _outcomes(value: Any) -> Outcomes:
    if not isinstance(value, Outcomes):
        raise ValidationError(f"outcomes must be an Outcomes table, got {value!r}")
    return value


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
    elif min(n1, n2) >= SADDLEPOINT_FROM:  # no resampling: the bootstrap's limit, read
        low, high = bootstrap_difference_interval(
            counts_of(public_scores), counts_of(private_scores), level
        )
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


def fit_quality(outcomes: Outcomes | OutcomeSummary, *, level: float = 0.95) -> QualityTable:
    """Quality per (model, tag), with confidence bounds and counts, and cost per item.

    Every item counts towards its model's model-wide entry (``tag=None``), and towards
    one entry per tag it carries. Bounds are Wilson's for 0/1 scores and a normal
    approximation otherwise. ``outcomes`` may be a (merged)
    :class:`~modelfolio.OutcomeSummary` instead of the table.

    Examples:
        >>> table = Outcomes.from_columns(item=[1, 2, 1, 2], model=["big", "big", "small", "small"],
        ...                               score=[1, 1, 1, 0], cost=[0.01, 0.01, 0.001, 0.001],
        ...                               tags=[{"easy"}, {"hard"}, {"easy"}, {"hard"}])
        >>> q = fit_quality(table)
        >>> q.quality("small", ["easy"]), q.quality("small", ["hard"]), q.quality("small")
        (1.0, 0.0, 0.5)
        >>> fit_quality(summarize(table)) == q
        True
    """
    if isinstance(outcomes, OutcomeSummary):
        return quality_of(outcomes, level=level)
    if not isinstance(outcomes, Outcomes):
        raise ValidationError(f"outcomes must be an Outcomes table, got {outcomes!r}")
    unit_interval(level, "level")
    if not len(outcomes):
        raise ValidationError("outcomes is empty: a quality table needs at least one outcome")
    return quality_of(summarize(outcomes), level=level)
