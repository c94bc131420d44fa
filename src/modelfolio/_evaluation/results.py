"""What evaluation returns: leaderboards, paired comparisons and verdicts.

Plain frozen values with a readable ``repr``, an HTML table for notebooks, ``to_rows``
and plots; the arithmetic that fills them is in :mod:`modelfolio._evaluation.summary`.
"""

from __future__ import annotations

from typing import Any

from attrs import field, frozen

from modelfolio._common.errors import ValidationError
from modelfolio._common.plot import axes, intervals
from modelfolio._common.table import html_table

__all__ = ["Comparison", "Leaderboard", "LeaderboardEntry", "NonInferiority", "frontier"]


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
            >>> from modelfolio import Outcomes, leaderboard
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


def frontier(board: Leaderboard) -> tuple[LeaderboardEntry, ...]:
    """The entries no other entry beats on both cost per item and mean score.

    An entry is dominated when another costs no more and scores no less, and is
    strictly better on one of the two. The frontier is returned cheapest first.

    Examples:
        >>> from modelfolio import Outcomes, leaderboard
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
