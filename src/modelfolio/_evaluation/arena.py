"""Arena ratings from pairwise preferences: the Bradley–Terry model on the Elo scale.

Each battle says which of two models' answers a judge preferred, or that it was a
tie. The Bradley–Terry model gives each model a strength ``π`` with
``P(a beats b) = π_a / (π_a + π_b)``; on the Elo scale a rating is
``R = scale · log_base(π)``, so ``P(a beats b) = 1 / (1 + base^((R_b - R_a) / scale))``,
which is how Chatbot Arena reports its leaderboard. A tie counts as half a win to
each side (``ties="half"``) or is dropped (``ties="ignore"``).

**The fit.** Battles are first aggregated into one count per (winner, loser) pair,
so a million battles among a hundred models are at most 9,900 numbers. The maximum
likelihood strengths are found by Hunter's MM iteration (2004),
``π_i ← W_i / Σ_j n_ij / (π_i + π_j)``, which increases the likelihood at every step,
and then polished by Newton steps on the log-strengths (the Hessian is a weighted
graph Laplacian, solved with one model's rating held fixed).

**The convergence test.** At the maximum, each model's expected number of wins equals
its observed number: ``Σ_j n_ij π_i / (π_i + π_j) = W_i``. The fit stops when the
largest gap, divided by the model's games, is below ``1e-12``. Near the optimum the
rating error is this gap times the inverse Fisher information, so the ratings are
then within ``1e-6`` Elo points of the true maximum on connected data (the test
suite checks this against an independent optimiser).

**Existence.** The maximum exists only if the comparison graph is *strongly*
connected: every model has won (or tied) against some model in every other group.
A graph in several pieces raises :class:`RatingError` naming the pieces; a model
that never won, or never lost, does too.

**Intervals.** ``bootstrap=N`` draws N Poisson resamples of the aggregated counts
(each count ``c`` replaced by a ``Poisson(c)`` draw, seeded) and reports percentile
intervals of the resamples' ratings. A resample is counts per pair, not battles, so a
round costs a draw per count cell whatever the number of battles. When every model's
rating is well measured (its Fisher information ``Σ_j n_ij p_ij (1 - p_ij)`` at least
:data:`ONE_STEP_FROM`, a standard error under about 17 Elo points at the default
scale) and there are at most :data:`ONE_STEP_MAX_MODELS` models, each resample's fit
is one Newton step from the full fit, ``θ̂ + H⁻¹ g*`` (``g*`` the resample's score at
``θ̂``, linear in its counts; ``H`` the full fit's information): the one-step, or
linearised, bootstrap, first-order equal to refitting, whose intervals agree with
refitted ones within Monte Carlo error (``benchmarks/ratings_bootstrap.py``). The
cells are drawn together by inverting 32-bit uniform draws
(:class:`~modelfolio._evaluation.stats.PoissonCells`). Otherwise every resample is
refitted, warm-started from the full fit, and a resample that is not strongly
connected is drawn again. A model's rank is 1 plus the number of models whose lower
bound is above its upper bound.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import accumulate
from operator import add, itemgetter, mul, sub
from types import MappingProxyType
from typing import Any, Literal

from attrs import field, frozen

from modelfolio._common.errors import ModelfolioError, ValidationError
from modelfolio._common.plot import intervals
from modelfolio._common.table import html_table
from modelfolio._common.validate import finite, text, unit_interval
from modelfolio._evaluation.stats import PoissonCells, percentile_interval, poisson
from modelfolio._evaluation.style import (
    check_style,
    cho_solve,
    cholesky,
    fit_style,
    inverse_from_cholesky,
    normalised_differences,
    transposed,
)

__all__ = [
    "Battle",
    "BattleSummary",
    "RatingError",
    "Ratings",
    "bradley_terry",
    "summarize_battles",
]

Winner = Literal["a", "b", "tie"]

VERDICTS: Mapping[str, str] = MappingProxyType(
    {
        "a": "a",
        "b": "b",
        "tie": "tie",
        "model_a": "a",
        "model_b": "b",
        "tie (bothbad)": "tie",
        "left": "a",
        "right": "b",
    }
)
"""Verdicts as files write them, to ``"a"``, ``"b"`` or ``"tie"``: Chatbot Arena's and left/right."""


class RatingError(ModelfolioError, ValueError):
    """The battles do not determine ratings (the comparison graph is not connected)."""


def _winner(value: Any) -> str:
    if value not in ("a", "b", "tie"):
        raise ValidationError(f"winner must be 'a', 'b' or 'tie', got {value!r}")
    return str(value)


def _style_a(value: Any) -> Mapping[str, float] | None:
    checked = check_style(value, "style_a")
    return None if checked is None else MappingProxyType(checked)


def _style_b(value: Any) -> Mapping[str, float] | None:
    checked = check_style(value, "style_b")
    return None if checked is None else MappingProxyType(checked)


@frozen(kw_only=True)
class Battle:
    """One pairwise preference between two models' answers, optionally with their styles.

    ``style_a`` and ``style_b`` are each answer's style features (numbers ``>= 0`` by
    name, such as :func:`style_features` measures) for ``bradley_terry(..., style=...)``.

    Examples:
        >>> Battle(a="gpt-4", b="claude-v1", winner="a").winner
        'a'
        >>> Battle(a="x", b="y", winner="b", style_a={"length": 1200}, style_b={"length": 300}).style_b
        mappingproxy({'length': 300.0})
    """

    a: str = field(validator=lambda i, a, v: text(v, "a"))
    """One model."""
    b: str = field(validator=lambda i, a, v: text(v, "b"))
    """The other model."""
    winner: Winner = field(validator=lambda i, a, v: _winner(v))
    """``"a"``, ``"b"`` or ``"tie"``."""
    style_a: Mapping[str, float] | None = field(
        default=None, converter=_style_a, hash=False, repr=False
    )
    """``a``'s answer's style features, if measured."""
    style_b: Mapping[str, float] | None = field(
        default=None, converter=_style_b, hash=False, repr=False
    )
    """``b``'s answer's style features, if measured."""

    def __attrs_post_init__(self) -> None:
        if self.a == self.b:
            raise ValidationError(f"a battle needs two different models, got {self.a!r} twice")
        if (self.style_a is None) != (self.style_b is None):
            raise ValidationError(
                f"battle {self.a!r} vs {self.b!r} has style features on one side only: give "
                "style_a and style_b together"
            )
        if (
            self.style_a is not None
            and self.style_b is not None
            and set(self.style_a) != set(self.style_b)
        ):
            raise ValidationError(
                f"battle {self.a!r} vs {self.b!r} measures different style features on its "
                f"two sides: {sorted(self.style_a)} and {sorted(self.style_b)}"
            )


def _frozen_mapping(value: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(dict(value))


@frozen(kw_only=True)
class Ratings:
    """Fitted ratings, best first, with intervals and ranks."""

    models: tuple[str, ...]
    """Models, highest rating first (ties by name)."""
    ratings: Mapping[str, float] = field(repr=False)
    """Rating per model."""
    intervals: Mapping[str, tuple[float, float]] = field(repr=False)
    """Percentile interval per model (the rating itself twice without bootstrap)."""
    games: Mapping[str, float] = field(repr=False)
    """Battles per model (ties included)."""
    scale: float = field(repr=False)
    """Elo points per factor of ``base`` in odds."""
    base: float = field(repr=False)
    """The base of the odds scale."""
    level: float = field(repr=False)
    """The intervals' confidence level."""
    bootstrap: int = field(repr=False)
    """How many bootstrap refits the intervals come from."""
    style: Mapping[str, float] = field(factory=dict, repr=False, converter=_frozen_mapping)
    """With style control, each style feature's coefficient (logit per unit of its
    normalised difference; > 0: the judge rewards more of it); empty without."""
    style_intervals: Mapping[str, tuple[float, float]] = field(
        factory=dict, repr=False, converter=_frozen_mapping
    )
    """Each style coefficient's percentile interval (the coefficient twice without bootstrap)."""

    def rating(self, model: str) -> float:
        """The rating of ``model``."""
        self._known(model)
        return self.ratings[model]

    def ci(self, model: str) -> tuple[float, float]:
        """The interval of ``model``'s rating."""
        self._known(model)
        return self.intervals[model]

    def rank(self, model: str) -> int:
        """1 plus the number of models whose lower bound is above this model's upper bound."""
        upper = self.ci(model)[1]
        return 1 + sum(1 for other in self.models if self.intervals[other][0] > upper)

    def predict(self, a: str, b: str) -> float:
        """The probability that ``a`` beats ``b`` (ties counted as half).

        Examples:
            >>> ratings = bradley_terry([Battle(a="x", b="y", winner="a")] * 3 + [Battle(a="x", b="y", winner="b")])
            >>> round(ratings.predict("x", "y"), 4)
            0.75
        """
        difference = self.rating(b) - self.rating(a)
        return 1.0 / (1.0 + math.pow(self.base, difference / self.scale))

    def _known(self, model: str) -> None:
        if not isinstance(model, str) or model not in self.ratings:
            raise ValidationError(
                f"model {model!r} has no rating (models: {', '.join(self.models)})"
            )

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per model, best first."""
        return [
            {
                "rank": self.rank(m),
                "model": m,
                "rating": self.ratings[m],
                "ci_low": self.intervals[m][0],
                "ci_high": self.intervals[m][1],
                "games": self.games[m],
            }
            for m in self.models
        ]

    def __repr__(self) -> str:
        controlled = f", style-controlled for {', '.join(self.style)}" if self.style else ""
        lines = [f"Ratings({len(self.models)} models, bootstrap={self.bootstrap}{controlled})"]
        for row in self.to_rows():
            lines.append(
                f"  {row['rank']:>2} {row['model']}: {row['rating']:.1f} "
                f"[{row['ci_low']:.1f}, {row['ci_high']:.1f}]"
            )
        for name, value in self.style.items():
            low, high = self.style_intervals[name]
            lines.append(f"  style {name}: {value:+.3f} [{low:+.3f}, {high:+.3f}]")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return html_table(
            self.to_rows(), caption=f"Bradley-Terry ratings ({self.level:.0%} intervals)"
        )

    def plot(self, ax: Any = None, *, top: int | None = None, title: str | None = None) -> Any:
        """Each model's rating with its interval, best at the top (``top``: only the first N).

        Returns the matplotlib ``Axes`` (needs ``pip install 'modelfolio[plot]'``).
        """
        models = self.models if top is None else self.models[:top]
        return intervals(
            ax,
            "Ratings",
            models,
            [self.ratings[m] for m in models],
            [self.intervals[m][0] for m in models],
            [self.intervals[m][1] for m in models],
            xlabel=f"rating ({self.level:.0%} interval, {self.bootstrap} bootstrap rounds)",
            title=title or "Bradley-Terry ratings",
        )


class _Counts:
    """Aggregated outcomes: credit[i][j] is i's wins over j plus half their ties."""

    def __init__(self, models: Sequence[str], pairs: dict[tuple[int, int], list[float]]) -> None:
        # pairs[(i, j)] with i < j holds [wins of i, wins of j, ties]
        self.models = models
        self.pairs = pairs

    def credits(self, ties: str) -> tuple[list[tuple[int, int, float, float]], list[float]]:
        """Per pair (i, j, credit of i, credit of j), and each model's total credit."""
        half = 0.5 if ties == "half" else 0.0
        rows = []
        totals = [0.0] * len(self.models)
        for (i, j), (wins_i, wins_j, tied) in self.pairs.items():
            ci, cj = wins_i + half * tied, wins_j + half * tied
            if ci + cj > 0:
                rows.append((i, j, ci, cj))
                totals[i] += ci
                totals[j] += cj
        return rows, totals


def _tally(battles: Iterable[Any] | BattleSummary) -> Counter[tuple[str, str, str]]:
    """How many times each distinct (a, b, winner) occurs; each distinct one validated once."""
    if isinstance(battles, BattleSummary):
        return Counter(battles.counts)
    tally: Counter[tuple[str, str, str]] = Counter()
    if isinstance(battles, (list, tuple)) and set(map(type, battles)) == {tuple}:
        # Plain tuples are counted at C speed; each distinct one is then checked, in the
        # order first seen, so the first bad battle is the one named, as below.
        try:
            tally = Counter(battles)
        except TypeError:  # an unhashable field: the loop below names the battle
            tally = Counter()
        else:
            for battle in tally:
                if len(battle) != 3:
                    raise ValidationError(
                        f"battles must be Battle values or (a, b, winner) tuples, got {battle!r}"
                    )
            _check_triples(tally)
            return tally
    for battle in battles:
        if isinstance(battle, Battle):
            tally[(battle.a, battle.b, battle.winner)] += 1
        else:
            try:
                a, b, winner = battle
            except (TypeError, ValueError):
                raise ValidationError(
                    f"battles must be Battle values or (a, b, winner) tuples, got {battle!r}"
                ) from None
            tally[(a, b, winner)] += 1
    _check_triples(tally)
    return tally


def _check_triples(tally: Counter[tuple[str, str, str]]) -> None:
    """Each distinct (a, b, winner) is checked as :class:`Battle` checks it, each name once."""
    names_a: set[Any] = set()
    names_b: set[Any] = set()
    for a, b, winner in tally:
        if a not in names_a:
            text(a, "a")
            names_a.add(a)
        if b not in names_b:
            text(b, "b")
            names_b.add(b)
        _winner(winner)
        if a == b:
            raise ValidationError(f"a battle needs two different models, got {a!r} twice")


def _aggregate(battles: Iterable[Any] | BattleSummary) -> _Counts:
    tally = _tally(battles)
    names = sorted({name for a, b, _ in tally for name in (a, b)})
    number = {name: n for n, name in enumerate(names)}
    pairs: dict[tuple[int, int], list[float]] = {}
    for (a, b, winner), count in tally.items():
        i, j = number[a], number[b]
        if winner == "b":
            i, j = j, i
        if winner == "tie":
            key = (min(i, j), max(i, j))
            pairs.setdefault(key, [0.0, 0.0, 0.0])[2] += count
        elif i < j:
            pairs.setdefault((i, j), [0.0, 0.0, 0.0])[0] += count
        else:
            pairs.setdefault((j, i), [0.0, 0.0, 0.0])[1] += count
    # In pair order, not first-seen order: the fit and the seeded bootstrap then depend
    # only on the counts, so battles merged from many parts give the same ratings.
    return _Counts(names, dict(sorted(pairs.items())))


def _battle_counts(value: Any) -> Mapping[tuple[str, str, str], int]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Mapping):
        raise ValidationError(f"counts must map (a, b, winner) to a count, got {value!r:.80}")
    for key, count in value.items():
        if not isinstance(key, tuple) or len(key) != 3:
            raise ValidationError(f"counts keys must be (a, b, winner), got {key!r:.80}")
        Battle(a=key[0], b=key[1], winner=key[2])
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValidationError(f"counts[{key!r}] must be a positive integer, got {count!r}")
    return value if isinstance(value, MappingProxyType) else MappingProxyType(dict(value))


@frozen(kw_only=True)
class BattleSummary:
    """Battles as counts of each (a, b, winner): merges from any split of the battles.

    :func:`bradley_terry` takes it in place of the battles and gives the same ratings,
    intervals included, as on the battles themselves.

    Examples:
        >>> monday = [("gpt-4", "llama", "a")] * 3 + [("llama", "gpt-4", "tie")]
        >>> tuesday = [("gpt-4", "llama", "b"), ("gpt-4", "llama", "a")]
        >>> merged = summarize_battles(monday).merge(summarize_battles(tuesday))
        >>> merged.counts[("gpt-4", "llama", "a")], merged.battles
        (4, 6)
        >>> bradley_terry(merged, bootstrap=50) == bradley_terry(monday + tuesday, bootstrap=50)
        True
    """

    counts: Mapping[tuple[str, str, str], int] = field(converter=_battle_counts)
    """(a, b, winner) -> how many battles."""

    @property
    def battles(self) -> int:
        """Battles summarised."""
        return sum(self.counts.values())

    def merge(self, other: BattleSummary) -> BattleSummary:
        """This summary and ``other`` together."""
        if not isinstance(other, BattleSummary):
            raise ValidationError(f"can only merge a BattleSummary, got {other!r:.80}")
        merged = Counter(self.counts)
        merged.update(other.counts)
        return BattleSummary(counts=merged)


def summarize_battles(battles: Iterable[Battle | tuple[str, str, str]]) -> BattleSummary:
    """Count each distinct (a, b, winner) of ``battles`` (merge the summaries of parts).

    Examples:
        >>> summary = summarize_battles([("a", "b", "a"), ("a", "b", "a"), ("b", "a", "tie")])
        >>> sorted(summary.counts.items())
        [(('a', 'b', 'a'), 2), (('b', 'a', 'tie'), 1)]
    """
    if isinstance(battles, (str, bytes, Mapping)) or not isinstance(battles, Iterable):
        raise ValidationError(
            f"battles must be a collection of Battle values or (a, b, winner) tuples, got {battles!r:.80}"
        )
    return BattleSummary(counts=_tally(battles))


def _components(size: int, edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components of an undirected graph (union-find)."""
    parent = list(range(size))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in edges:
        parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for node in range(size):
        groups.setdefault(find(node), []).append(node)
    return sorted(groups.values(), key=lambda g: (-len(g), g))


def _strong_components(size: int, arcs: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Strongly connected components (Kosaraju, iterative)."""
    forward: list[list[int]] = [[] for _ in range(size)]
    backward: list[list[int]] = [[] for _ in range(size)]
    for i, j in arcs:
        forward[i].append(j)
        backward[j].append(i)
    order: list[int] = []
    seen = [False] * size
    for start in range(size):
        if seen[start]:
            continue
        seen[start] = True
        stack = [(start, iter(forward[start]))]
        while stack:
            node, children = stack[-1]
            for child in children:
                if not seen[child]:
                    seen[child] = True
                    stack.append((child, iter(forward[child])))
                    break
            else:
                order.append(node)
                stack.pop()
    assigned = [False] * size
    groups = []
    for start in reversed(order):
        if assigned[start]:
            continue
        group, stack2 = [], [start]
        assigned[start] = True
        while stack2:
            node = stack2.pop()
            group.append(node)
            for parent in backward[node]:
                if not assigned[parent]:
                    assigned[parent] = True
                    stack2.append(parent)
        groups.append(sorted(group))
    return sorted(groups, key=lambda g: (-len(g), g))


def _check_connected(models: Sequence[str], rows: list[tuple[int, int, float, float]]) -> None:
    pieces = _components(len(models), ((i, j) for i, j, _, _ in rows))
    if len(pieces) > 1:
        names = "; ".join("{" + ", ".join(models[k] for k in piece) + "}" for piece in pieces)
        raise RatingError(
            f"the comparison graph is disconnected; no battle links these groups: {names}"
        )
    if not _strongly_connected(len(models), rows):
        groups = _strong_components(len(models), _arcs(rows))
        names = "; ".join("{" + ", ".join(models[k] for k in g) + "}" for g in groups)
        raise RatingError(
            "ratings would be infinite: some models never beat or tied any model outside their group; "
            f"groups: {names}"
        )


def _arcs(rows: Iterable[tuple[int, int, float, float]]) -> Iterable[tuple[int, int]]:
    for i, j, ci, cj in rows:
        if ci > 0:
            yield (i, j)
        if cj > 0:
            yield (j, i)


def _strongly_connected(size: int, rows: list[tuple[int, int, float, float]]) -> bool:
    return len(_strong_components(size, _arcs(rows))) == 1


def _fit(
    size: int,
    rows: list[tuple[int, int, float, float]],
    totals: list[float],
    start: list[float] | None,
    tolerance: float,
    polish: bool,
) -> list[float]:
    """Log-strengths maximising the likelihood (MM, then Newton steps if ``polish``)."""
    pi = [math.exp(v) for v in start] if start else [1.0] * size
    games = [0.0] * size
    for i, j, ci, cj in rows:
        games[i] += ci + cj
        games[j] += ci + cj
    # MM converges at a rate near 1 - c / size**2 on long chains of models; when Newton
    # steps finish the fit (``polish``), MM only needs to bring it close.
    for _ in range(_MM_BEFORE_NEWTON if polish and size > _DENSE_LIMIT else 100_000):
        denominators = [0.0] * size
        for i, j, ci, cj in rows:
            share = (ci + cj) / (pi[i] + pi[j])
            denominators[i] += share
            denominators[j] += share
        new = [totals[k] / denominators[k] for k in range(size)]
        # Rescale so the geometric mean is 1, which keeps the numbers in range.
        shift = math.fsum(math.log(v) for v in new) / size
        factor = math.exp(-shift)
        new = [v * factor for v in new]
        change = max(abs(math.log(a) - math.log(b)) for a, b in zip(new, pi, strict=True))
        pi = new
        if change < tolerance:
            break
    theta = [math.log(v) for v in pi]
    if polish:
        if size > _DENSE_LIMIT:
            theta = _newton_cg(size, rows, totals, games, theta)
        else:
            theta = _newton(size, rows, totals, games, theta)
    return theta


_DENSE_LIMIT = 30
"""Above this many models, Newton steps solve by conjugate gradients, not Cholesky."""
_MM_BEFORE_NEWTON = 2_000


def _log_likelihood(rows: list[tuple[int, int, float, float]], theta: list[float]) -> float:
    total = 0.0
    for i, j, ci, cj in rows:
        d = theta[i] - theta[j]
        # log p = -log(1 + e^-d), log (1 - p) = -log(1 + e^d), computed stably.
        total -= ci * _softplus(-d) + cj * _softplus(d)
    return total


def _softplus(x: float) -> float:
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


def _newton_cg(
    size: int,
    rows: list[tuple[int, int, float, float]],
    totals: list[float],
    games: list[float],
    theta: list[float],
) -> list[float]:
    """Newton steps whose systems are solved by conjugate gradients, with step halving.

    The negative Hessian is a weighted graph Laplacian: multiplying by it costs one pass
    over the battle pairs, so a step costs O(pairs x iterations) rather than the
    O(models**3) of a dense factorisation, and long chains of models fit in seconds.
    The last coordinate is held fixed, as in the dense solver.
    """
    last = size - 1
    for _ in range(200):
        gradient = _gradient(size, rows, totals, theta)
        if max(abs(g) / max(games[k], 1.0) for k, g in enumerate(gradient)) < 1e-12:
            break
        weights = _curvatures(rows, theta)

        def apply(
            vector: list[float], weights: list[tuple[int, int, float]] = weights
        ) -> list[float]:
            out = [0.0] * size
            for i, j, w in weights:
                d = w * (vector[i] - vector[j])
                out[i] += d
                out[j] -= d
            out[last] = 0.0
            return out

        rhs = [*gradient[:last], 0.0]
        step = _conjugate_gradients(apply, rhs, size)
        # Halve the step until the likelihood does not fall (it is concave).
        before = _log_likelihood(rows, theta)
        scale = 1.0
        for _ in range(40):
            candidate = [t + scale * d for t, d in zip(theta, step, strict=True)]
            if _log_likelihood(rows, candidate) >= before - 1e-12 * max(1.0, abs(before)):
                theta = candidate
                break
            scale /= 2.0
        else:
            break
    return theta


def _conjugate_gradients(apply: Any, rhs: list[float], size: int) -> list[float]:
    """Solve ``apply(x) = rhs`` for a symmetric positive (semi)definite operator."""
    x = [0.0] * size
    residual = list(rhs)
    direction = list(residual)
    norm = math.fsum(r * r for r in residual)
    target = 1e-28 * max(norm, 1e-300)
    for _ in range(10 * size):
        if norm <= target:
            break
        product = apply(direction)
        curvature = math.fsum(d * q for d, q in zip(direction, product, strict=True))
        if curvature <= 0:
            break
        alpha = norm / curvature
        x = [a + alpha * d for a, d in zip(x, direction, strict=True)]
        residual = [r - alpha * q for r, q in zip(residual, product, strict=True)]
        new_norm = math.fsum(r * r for r in residual)
        direction = [r + (new_norm / norm) * d for r, d in zip(residual, direction, strict=True)]
        norm = new_norm
    return x


def _gradient(
    size: int, rows: list[tuple[int, int, float, float]], totals: list[float], theta: list[float]
) -> list[float]:
    expected = [0.0] * size
    for i, j, ci, cj in rows:
        p = 1.0 / (1.0 + math.exp(theta[j] - theta[i]))
        expected[i] += (ci + cj) * p
        expected[j] += (ci + cj) * (1.0 - p)
    return [totals[k] - expected[k] for k in range(size)]


def _newton(
    size: int,
    rows: list[tuple[int, int, float, float]],
    totals: list[float],
    games: list[float],
    theta: list[float],
) -> list[float]:
    """Newton steps on log-strengths until expected wins match observed ones to 1e-12."""
    for _ in range(50):
        gradient = _gradient(size, rows, totals, theta)
        if max(abs(g) / max(games[k], 1.0) for k, g in enumerate(gradient)) < 1e-12:
            break
        # Negative Hessian: a weighted Laplacian; hold the last coordinate fixed.
        step = _solve(_information(size, rows, theta), gradient[: size - 1])
        theta = [theta[k] + step[k] for k in range(size - 1)] + [theta[-1]]
    return theta


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Solve a symmetric positive definite system by Cholesky factorisation."""
    n = len(vector)
    lower = [[0.0] * n for _ in range(n)]
    for r in range(n):
        row_r = lower[r]
        for c in range(r + 1):
            row_c = lower[c]
            total = math.fsum(row_r[k] * row_c[k] for k in range(c)) if c else 0.0
            if r == c:
                row_r[c] = math.sqrt(max(matrix[r][r] - total, 1e-300))
            else:
                row_r[c] = (matrix[r][c] - total) / row_c[c]
    forward = [0.0] * n
    for r in range(n):
        forward[r] = (vector[r] - math.fsum(lower[r][k] * forward[k] for k in range(r))) / lower[r][
            r
        ]
    result = [0.0] * n
    for r in reversed(range(n)):
        result[r] = (
            forward[r] - math.fsum(lower[k][r] * result[k] for k in range(r + 1, n))
        ) / lower[r][r]
    return result


def _check_anchor(anchor: Any, models: Sequence[str]) -> None:
    if anchor is None:
        return
    if not isinstance(anchor, tuple) or len(anchor) != 2 or anchor[0] not in models:
        raise ValidationError(
            f"anchor must be (model, rating) for a model in the battles, got {anchor!r}"
        )
    finite(anchor[1], "anchor rating")


def _to_elo(
    theta: list[float],
    models: Sequence[str],
    scale: float,
    base: float,
    init: float,
    anchor: tuple[str, float] | None,
) -> list[float]:
    ratings = [scale * t / math.log(base) for t in theta]
    if anchor is None:
        shift = init - math.fsum(ratings) / len(ratings)
    else:
        shift = anchor[1] - ratings[models.index(anchor[0])]
    return [r + shift for r in ratings]


def bradley_terry(
    battles: Iterable[Battle | tuple[str, str, str]] | BattleSummary,
    *,
    scale: float = 400.0,
    base: float = 10.0,
    init: float = 1000.0,
    ties: Literal["half", "ignore"] = "half",
    anchor: tuple[str, float] | None = None,
    bootstrap: int = 0,
    level: float = 0.95,
    seed: int = 0,
    style: Sequence[str] | None = None,
) -> Ratings:
    """Maximum-likelihood Bradley–Terry ratings on the Elo scale (see the module notes).

    ``battles`` are :class:`Battle` values or plain ``(a, b, winner)`` tuples, or a
    :class:`BattleSummary` of them. The ratings average ``init`` unless
    ``anchor=(model, rating)`` pins one model. The result depends only on how many
    times each (a, b, winner) occurs, not on the battles' order.

    ``style=("length", "headers", ...)`` controls for those style features, which every
    battle must carry (``Battle(style_a=..., style_b=...)``), as Chatbot Arena's style
    control does (see :mod:`modelfolio._evaluation.style`): the ratings are the models'
    strengths with the style effects removed, and ``Ratings.style`` holds each
    feature's coefficient with its interval. Without ``style`` the result is the plain
    fit's, unchanged.

    Examples:
        >>> battles = [("gpt-4", "vicuna", "a")] * 7 + [("gpt-4", "vicuna", "b")] * 3 + \\
        ...           [("vicuna", "llama", "a")] * 6 + [("vicuna", "llama", "tie")] * 2 + \\
        ...           [("llama", "gpt-4", "a")] * 1 + [("llama", "gpt-4", "b")] * 9
        >>> ratings = bradley_terry(battles, anchor=("llama", 1000.0))
        >>> [(m, round(ratings.rating(m))) for m in ratings.models]
        [('gpt-4', 1428), ('vicuna', 1299), ('llama', 1000)]
    """
    scale, init = finite(scale, "scale"), finite(init, "init")
    if scale <= 0:
        raise ValidationError(f"scale must be > 0, got {scale!r}")
    base = finite(base, "base")
    if not base > 1:
        raise ValidationError(f"base must be a finite number > 1, got {base!r}")
    if ties not in ("half", "ignore"):
        raise ValidationError(f"ties must be 'half' or 'ignore', got {ties!r}")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, int) or bootstrap < 0:
        raise ValidationError(f"bootstrap must be an integer >= 0, got {bootstrap!r}")
    if bootstrap > 100_000:
        raise ValidationError(f"bootstrap must be at most 100,000 rounds, got {bootstrap!r:.40}")
    unit_interval(level, "level")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValidationError(f"seed must be an integer, got {seed!r}")
    if not isinstance(battles, BattleSummary) and (
        isinstance(battles, (str, bytes, Mapping)) or not isinstance(battles, Iterable)
    ):
        raise ValidationError(
            f"battles must be a collection of Battle values or (a, b, winner) tuples, got {battles!r:.80}"
        )
    if style is not None:
        return _style_controlled(
            battles, style, scale, base, init, ties, anchor, bootstrap, level, seed
        )
    counts = _aggregate(battles)
    models = counts.models
    if len(models) < 2:
        raise RatingError(f"ratings need battles between at least two models, got {list(models)!r}")
    _check_anchor(anchor, models)
    rows, totals = counts.credits(ties)
    _check_connected(models, rows)
    size = len(models)
    theta = _fit(size, rows, totals, None, 1e-10, polish=True)
    ratings = _to_elo(theta, models, scale, base, init, anchor)

    draws: list[list[float]] = [[] for _ in range(size)]
    if bootstrap and _one_step_applies(size, rows, theta):
        for sample in _one_step_bootstrap(counts, theta, ties, bootstrap, seed, rows):
            for k, value in enumerate(_to_elo(sample, models, scale, base, init, anchor)):
                draws[k].append(value)
    elif bootstrap:
        rng = random.Random(seed)
        pairs = list(counts.pairs.items())
        for _ in range(bootstrap):
            for _attempt in range(100):
                resampled = {key: [float(poisson(rng, c)) for c in cells] for key, cells in pairs}
                sample_rows, sample_totals = _Counts(models, resampled).credits(ties)
                if (
                    _strongly_connected(size, sample_rows)
                    and len(_components(size, ((i, j) for i, j, _, _ in sample_rows))) == 1
                ):
                    break
            else:
                raise RatingError(
                    "bootstrap resamples keep losing connectivity; too few battles for intervals"
                )
            sample = _fit(size, sample_rows, sample_totals, theta, 1e-7, polish=False)
            for k, value in enumerate(_to_elo(sample, models, scale, base, init, anchor)):
                draws[k].append(value)
    intervals = {
        models[k]: percentile_interval(sorted(draws[k]), level)
        if bootstrap
        else (ratings[k], ratings[k])
        for k in range(size)
    }
    games = [0.0] * size
    for i, j, ci, cj in rows:
        games[i] += ci + cj
        games[j] += ci + cj
    order = sorted(range(size), key=lambda k: (-ratings[k], models[k]))
    return Ratings(
        models=tuple(models[k] for k in order),
        ratings={models[k]: ratings[k] for k in range(size)},
        intervals=intervals,
        games={models[k]: games[k] for k in range(size)},
        scale=float(scale),
        base=float(base),
        level=float(level),
        bootstrap=bootstrap,
    )


ONE_STEP_FROM = 100.0
"""The least Fisher information of any model from which intervals use the one-step bootstrap."""
ONE_STEP_MAX_MODELS = 500
"""Above this many models, bootstrap rounds are refitted (the one-step solves a dense system)."""


def _curvatures(
    rows: list[tuple[int, int, float, float]], theta: list[float]
) -> list[tuple[int, int, float]]:
    """Per pair, ``n_ij p_ij (1 - p_ij)``: its weight in the information (a Laplacian)."""
    weights = []
    for i, j, ci, cj in rows:
        p = 1.0 / (1.0 + math.exp(theta[j] - theta[i]))
        weights.append((i, j, (ci + cj) * p * (1.0 - p)))
    return weights


def _information(
    size: int, rows: list[tuple[int, int, float, float]], theta: list[float]
) -> list[list[float]]:
    """The Fisher information of the log-strengths at ``theta``, the last model held fixed."""
    matrix = [[0.0] * (size - 1) for _ in range(size - 1)]
    last = size - 1
    for i, j, w in _curvatures(rows, theta):
        if i < last:
            matrix[i][i] += w
        if j < last:
            matrix[j][j] += w
        if i < last and j < last:
            matrix[i][j] -= w
            matrix[j][i] -= w
    return matrix


def _one_step_applies(
    size: int, rows: list[tuple[int, int, float, float]], theta: list[float]
) -> bool:
    """Whether every model's rating is measured well enough for the linearised bootstrap."""
    if size > ONE_STEP_MAX_MODELS:
        return False
    information = [0.0] * size
    for i, j, w in _curvatures(rows, theta):
        information[i] += w
        information[j] += w
    return min(information) >= ONE_STEP_FROM


class _OneStep:
    """A Poisson resample's log-strengths by one Newton step from the full fit.

    A resample redraws every count cell (the wins of ``i`` over ``j``, of ``j`` over
    ``i``, their ties) as ``Poisson(count)``. Its score at the full fit ``θ̂`` is linear
    in the cells: a cell of ``n`` battles of pair ``(i, j)`` adds ``n · (credit to i -
    p_ij)`` to ``g_i`` and takes it from ``g_j`` (the credit is 1, 0 or, for a tie
    counted as half, 1/2). The resample's fit is taken as ``θ̂ + H⁻¹ g*``, ``H`` the full
    fit's information, the last model held fixed as in the fit.
    """

    def __init__(
        self,
        counts: _Counts,
        theta: list[float],
        ties: str,
        rounds: int = 0,
        rows: list[tuple[int, int, float, float]] | None = None,
    ) -> None:
        size = self.size = len(theta)
        self.theta = theta
        half = ties == "half"
        cells: list[tuple[float, int, int, int, float]] = []
        for (i, j), (wins_i, wins_j, tied) in counts.pairs.items():
            p = 1.0 / (1.0 + math.exp(theta[j] - theta[i]))
            for kind, count, weight in (
                (0, wins_i, 1.0 - p),
                (1, wins_j, -p),
                (2, tied if half else 0.0, 0.5 - p),
            ):
                if count > 0:
                    cells.append((count, i, j, kind, weight))
        # By first model, then count: each model's first-side cells are one run, and
        # within it the Poisson tables are read in order.
        cells.sort(key=itemgetter(1, 0))
        self.cells = [(i, j, kind) for _, i, j, kind, _ in cells]
        """Each cell's pair and kind: 0 the wins of i, 1 the wins of j, 2 their ties."""
        self.means = [count for count, *_ in cells]
        self._weights = [weight for *_, weight in cells]
        self.draws = PoissonCells(self.means)
        # Each model's cells as the first of a pair are one run; as the second of a pair
        # they are gathered through a fixed permutation, then summed in runs.
        seconds = [j for _, j, _ in self.cells]
        order = sorted(range(len(seconds)), key=seconds.__getitem__)
        self._gather: Any = (
            itemgetter(*order) if len(order) > 1 else (lambda values, c=order[0]: (values[c],))
        )
        self._runs = []
        for side in (0, 1):
            runs = [0] * (size + 1)
            for cell in self.cells:
                runs[cell[side] + 1] += 1
            self._runs.append(list(accumulate(runs)))
        if rows is None:
            rows, _ = counts.credits(ties)
        self._lower = cholesky(_information(size, rows, theta))
        self._upper = transposed(self._lower)
        # Many rounds: one inverse, then a product per round, beats two substitutions.
        self._inverse = inverse_from_cholesky(self._lower) if rounds >= size else None
        self._at_fit = self._score(self.means)
        # Draws come less their tables' lows; the score is linear, so the lows' share
        # of it is taken off the full data's once.
        self._at_fit_above_lows = self._score(list(map(sub, self.means, self.draws.lows)))

    def _score(self, cells: Sequence[float]) -> list[float]:
        first = list(map(mul, self._weights, cells))
        second = self._gather(first)
        a, b = self._runs
        return [
            sum(first[a[k] : a[k + 1]]) - sum(second[b[k] : b[k + 1]]) for k in range(self.size - 1)
        ]

    def sample(self, cells: Sequence[float]) -> list[float]:
        """The log-strengths of the resample whose cells hold ``cells`` battles."""
        return self._step(self._score(cells), self._at_fit)

    def draw(self, rng: random.Random) -> list[float]:
        """The log-strengths of one Poisson resample."""
        return self._step(self._score(self.draws.draw_above_lows(rng)), self._at_fit_above_lows)

    def _step(self, score: list[float], at_fit: list[float]) -> list[float]:
        gradient = list(map(sub, score, at_fit))
        if self._inverse is None:
            step = cho_solve(self._lower, gradient, self._upper)
        else:
            step = [sum(map(mul, row, gradient)) for row in self._inverse]
        return [*map(add, self.theta, step), self.theta[-1]]


def _one_step_bootstrap(
    counts: _Counts,
    theta: list[float],
    ties: str,
    rounds: int,
    seed: int,
    rows: list[tuple[int, int, float, float]] | None = None,
) -> list[list[float]]:
    """``rounds`` one-step Poisson-bootstrap log-strengths (see :class:`_OneStep`)."""
    one_step = _OneStep(counts, theta, ties, rounds, rows)
    rng = random.Random(seed)
    return [one_step.draw(rng) for _ in range(rounds)]


def _style_names(style: Any) -> tuple[str, ...]:
    if isinstance(style, (str, bytes)) or not isinstance(style, Iterable):
        raise ValidationError(
            f"style must be a sequence of style feature names (such as ('length', 'bold')), got {style!r:.80}"
        )
    names = tuple(style)
    if not names:
        raise ValidationError("style must name at least one style feature, got none")
    for name in names:
        text(name, "style")
    if len(set(names)) != len(names):
        raise ValidationError(f"style names a feature twice: {list(names)!r}")
    return names


def _style_controlled(
    battles: Any,
    style: Any,
    scale: float,
    base: float,
    init: float,
    ties: str,
    anchor: tuple[str, float] | None,
    bootstrap: int,
    level: float,
    seed: int,
) -> Ratings:
    """:func:`bradley_terry` with style covariates (see modelfolio._evaluation.style)."""
    names = _style_names(style)
    if isinstance(battles, BattleSummary):
        raise ValidationError(
            "style control needs the battles themselves, with their styles; a "
            "BattleSummary keeps only counts"
        )
    kept: list[Battle] = []
    for place, battle in enumerate(battles):
        if not isinstance(battle, Battle):
            raise ValidationError(
                f"battle {place} is {battle!r:.80}: style control needs Battle values "
                "with style_a and style_b"
            )
        if battle.style_a is None or battle.style_b is None:
            raise ValidationError(
                f"battle {place} ({battle.a!r} vs {battle.b!r}) has no style features; "
                f"style control for {list(names)} needs them on every battle"
            )
        missing = [name for name in names if name not in battle.style_a]
        if missing:
            raise ValidationError(
                f"battle {place} ({battle.a!r} vs {battle.b!r}) lacks style feature "
                f"{missing[0]!r} (it has {sorted(battle.style_a)})"
            )
        if battle.winner == "tie" and ties == "ignore":
            continue
        kept.append(battle)
    models = sorted({name for battle in kept for name in (battle.a, battle.b)})
    if len(models) < 2:
        raise RatingError(f"ratings need battles between at least two models, got {models!r}")
    _check_anchor(anchor, models)
    counts = _aggregate([(battle.a, battle.b, battle.winner) for battle in kept])
    rows, _ = counts.credits(ties)
    _check_connected(counts.models, rows)
    number = {name: k for k, name in enumerate(models)}
    features = normalised_differences(
        [
            ([battle.style_a[n] for n in names], [battle.style_b[n] for n in names])  # type: ignore[index]
            for battle in kept
        ],
        names,
    )
    outcome = {"a": 1.0, "b": 0.0, "tie": 0.5}
    theta, beta, theta_draws, beta_draws = fit_style(
        len(models),
        [number[battle.a] for battle in kept],
        [number[battle.b] for battle in kept],
        [outcome[battle.winner] for battle in kept],
        features,
        bootstrap=bootstrap,
        seed=seed,
    )
    ratings = _to_elo(theta, models, scale, base, init, anchor)
    size = len(models)
    draws: list[list[float]] = [[] for _ in range(size)]
    for draw in theta_draws:
        for k, value in enumerate(_to_elo(draw, models, scale, base, init, anchor)):
            draws[k].append(value)
    intervals = {
        models[k]: percentile_interval(sorted(draws[k]), level)
        if bootstrap
        else (ratings[k], ratings[k])
        for k in range(size)
    }
    coefficient_draws = [sorted(draw[f] for draw in beta_draws) for f in range(len(names))]
    games = [0.0] * size
    for battle in kept:
        games[number[battle.a]] += 1.0
        games[number[battle.b]] += 1.0
    order = sorted(range(size), key=lambda k: (-ratings[k], models[k]))
    return Ratings(
        models=tuple(models[k] for k in order),
        ratings={models[k]: ratings[k] for k in range(size)},
        intervals=intervals,
        games={models[k]: games[k] for k in range(size)},
        scale=float(scale),
        base=float(base),
        level=float(level),
        bootstrap=bootstrap,
        style={name: beta[f] for f, name in enumerate(names)},
        style_intervals={
            name: percentile_interval(coefficient_draws[f], level)
            if bootstrap
            else (beta[f], beta[f])
            for f, name in enumerate(names)
        },
    )
