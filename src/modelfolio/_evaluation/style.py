"""Style control for Bradley–Terry ratings: how much of a win is the answer's look.

Judges, human or model, prefer longer and more formatted answers. Chatbot Arena's style
control (Li, Angelopoulos, Chiang et al., 2024, "Does style matter?") adds the answers'
style differences to the Bradley–Terry model as covariates::

    logit P(a beats b) = θ_a - θ_b + Σ_k β_k x_k

where ``x_k`` is feature ``k``'s normalised difference between the two answers,
``(f_a - f_b) / (f_a + f_b)`` (0 when both are 0), divided by its root mean square over
the battles (not centred, so that swapping the sides negates it exactly). The ratings
``θ`` are then what is left once style is accounted for, and ``β_k`` says how much the
judge rewards feature ``k``. Features are numbers ``>= 0``: the answer's length and its
markdown counts (:func:`style_features`: headers, list items, bold spans) or any others
the caller measures. A tie is half a win to each side (``ties="half"``) or dropped.

**The fit** is Newton's method on all ``θ`` (one held at 0) and ``β`` at once, with step
halving; the model-by-model block of the Hessian is summed per pair of models.

**Intervals** use the Poisson bootstrap of battles, as plain ratings do (each battle
weighted by a ``Poisson(1)`` draw, seeded; drawn by inverting 16-bit uniform draws), with each resample's refit replaced by one
Newton step from the full fit, ``θ* = θ̂ + H⁻¹ g*`` (``g*`` the resample's score at the
full fit, ``H`` the full fit's information): the one-step, or linearised, bootstrap,
which agrees with full refits to first order and makes 100 rounds over 100,000 battles
cost seconds rather than minutes. The test suite checks it against full refits.
"""

from __future__ import annotations

import math
import random
import re
from array import array
from collections.abc import Mapping, Sequence
from itertools import accumulate
from operator import itemgetter, mul, sub
from typing import Any

from modelfolio._common.errors import ValidationError

__all__ = ["style_features"]

_HEADER = re.compile(r"^ {0,3}#{1,6}[ \t]+\S", re.MULTILINE)
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+\S", re.MULTILINE)
_BOLD = re.compile(r"\*\*(?=\S)[^\n]*?\S\*\*|__(?=\S)[^\n]*?\S__")

STYLE_FEATURES = ("length", "headers", "list_items", "bold")
"""The features :func:`style_features` measures, in order."""


def style_features(text: str) -> dict[str, float]:
    """An answer's length in characters and its markdown counts, as Arena's style control uses.

    ``headers``: lines starting with ``#`` to ``######`` and a space; ``list_items``:
    lines starting with ``-``, ``*``, ``+`` or a number and ``.`` or ``)``, then a space;
    ``bold``: ``**…**`` or ``__…__`` spans on one line.

    Examples:
        >>> style_features("# Plan\\n\\n- **fast**\\n- cheap\\n1. done")
        {'length': 34.0, 'headers': 1.0, 'list_items': 3.0, 'bold': 1.0}
    """
    if not isinstance(text, str):
        raise ValidationError(f"text must be a string, got {text!r:.80}")
    return {
        "length": float(len(text)),
        "headers": float(len(_HEADER.findall(text))),
        "list_items": float(len(_LIST_ITEM.findall(text))),
        "bold": float(len(_BOLD.findall(text))),
    }


def normalised_differences(
    pairs: Sequence[tuple[Sequence[float], Sequence[float]]], names: Sequence[str]
) -> list[list[float]]:
    """Per feature, each battle's ``(f_a - f_b) / (f_a + f_b)`` over its root mean square."""
    columns = []
    for k, name in enumerate(names):
        column = []
        for a, b in pairs:
            total = a[k] + b[k]
            column.append(0.0 if total == 0 else (a[k] - b[k]) / total)
        scale = math.sqrt(math.fsum(v * v for v in column) / max(len(column), 1))
        if not scale > 0:
            raise ValidationError(
                f"style feature {name!r} is the same on both sides of every battle: it "
                "cannot explain a preference; leave it out of style="
            )
        columns.append([v / scale for v in column])
    return columns


class _Design:
    """The battles as the style fit needs them, with per-model and per-pair row lists."""

    def __init__(
        self,
        size: int,
        rows_a: list[int],
        rows_b: list[int],
        outcomes: list[float],
        features: list[list[float]],
    ) -> None:
        self.size = size
        self.a = rows_a
        self.b = rows_b
        self.y = outcomes
        self.x = features
        self.n = len(outcomes)
        as_a: list[list[int]] = [[] for _ in range(size)]
        as_b: list[list[int]] = [[] for _ in range(size)]
        pairs: dict[tuple[int, int], list[int]] = {}
        for r, (i, j) in enumerate(zip(rows_a, rows_b, strict=True)):
            as_a[i].append(r)
            as_b[j].append(r)
            pairs.setdefault((min(i, j), max(i, j)), []).append(r)
        self.as_a = [_gather(rows) for rows in as_a]
        self.as_b = [_gather(rows) for rows in as_b]
        self.pairs = [(i, j, _gather(rows)) for (i, j), rows in sorted(pairs.items())]
        self.sq = [[list(map(mul, xk, xl)) for xl in features] for xk in features]


def _gather(rows: list[int]) -> Any:
    """A function summing a list's values at ``rows`` (C-speed gathering)."""
    if not rows:
        return lambda values: 0.0
    if len(rows) == 1:
        (row,) = rows
        return lambda values: values[row]
    getter = itemgetter(*rows)
    return lambda values: sum(getter(values))


def _etas(design: _Design, theta: list[float], beta: list[float]) -> list[float]:
    eta = [theta[i] - theta[j] for i, j in zip(design.a, design.b, strict=True)]
    for bk, xk in zip(beta, design.x, strict=True):
        if bk:
            eta = [e + bk * v for e, v in zip(eta, xk, strict=True)]
    return eta


def _log_likelihood(design: _Design, eta: list[float]) -> float:
    """Σ y log σ(η) + (1 - y) log σ(-η), computed stably (y is 1, 0 or 0.5 for a tie)."""
    total = 0.0
    for e, y in zip(eta, design.y, strict=True):
        total -= y * _softplus(-e) + (1.0 - y) * _softplus(e)
    return total


def _softplus(x: float) -> float:
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


def _probabilities(eta: list[float]) -> list[float]:
    exp = math.exp
    return [1.0 / (1.0 + exp(-e)) if e > -700.0 else 0.0 for e in eta]


def _score_and_information(
    design: _Design, p: list[float]
) -> tuple[list[float], list[list[float]]]:
    """The gradient of the log-likelihood and the information matrix, last model dropped."""
    size, k = design.size, len(design.x)
    residual = list(map(sub, design.y, p))
    q = [v - v * v for v in p]
    gradient = [design.as_a[i](residual) - design.as_b[i](residual) for i in range(size - 1)]
    gradient += [sum(map(mul, residual, xk)) for xk in design.x]
    dim = size - 1 + k
    info = [[0.0] * dim for _ in range(dim)]
    for i, j, total in design.pairs:
        w = total(q)
        if i < size - 1:
            info[i][i] += w
        if j < size - 1:
            info[j][j] += w
        if i < size - 1 and j < size - 1:
            info[i][j] -= w
            info[j][i] -= w
    for f, xk in enumerate(design.x):
        qx = list(map(mul, q, xk))
        col = size - 1 + f
        for m in range(size - 1):
            value = design.as_a[m](qx) - design.as_b[m](qx)
            info[m][col] = info[col][m] = value
        for g in range(f, k):
            value = sum(map(mul, q, design.sq[f][g]))
            info[col][size - 1 + g] = info[size - 1 + g][col] = value
    return gradient, info


def fit_style(
    size: int,
    rows_a: list[int],
    rows_b: list[int],
    outcomes: list[float],
    features: list[list[float]],
    *,
    bootstrap: int,
    seed: int,
) -> tuple[list[float], list[float], list[list[float]], list[list[float]]]:
    """Log-strengths (mean 0) and style coefficients; then each bootstrap round's.

    Returns ``(theta, beta, theta_draws, beta_draws)``; the draws are per round.
    """
    design = _Design(size, rows_a, rows_b, outcomes, features)
    k = len(features)
    theta, beta = [0.0] * size, [0.0] * k
    eta = _etas(design, theta, beta)
    before = _log_likelihood(design, eta)
    info: list[list[float]] = []
    for _ in range(100):
        p = _probabilities(eta)
        gradient, info = _score_and_information(design, p)
        lower = cholesky(info)
        step = cho_solve(lower, gradient)
        scale = 1.0
        for _ in range(40):
            new_theta = [t + scale * s for t, s in zip(theta, step[: size - 1], strict=False)]
            new_theta.append(theta[-1])
            new_beta = [b + scale * s for b, s in zip(beta, step[size - 1 :], strict=True)]
            new_eta = _etas(design, new_theta, new_beta)
            after = _log_likelihood(design, new_eta)
            if after >= before - 1e-12 * max(1.0, abs(before)):
                break
            scale /= 2.0
        else:
            break
        theta, beta, eta, before = new_theta, new_beta, new_eta, after
        if max(map(abs, step)) * scale < 1e-10:
            break
    p = _probabilities(eta)
    _, info = _score_and_information(design, p)
    lower = cholesky(info)
    upper = transposed(lower)
    residual = list(map(sub, design.y, p))
    theta_draws: list[list[float]] = []
    beta_draws: list[list[float]] = []
    if bootstrap:
        rng = random.Random(seed)
        for _ in range(bootstrap):
            weights = _poisson_ones(rng, design.n)
            weighted = list(map(mul, weights, residual))
            score = [design.as_a[i](weighted) - design.as_b[i](weighted) for i in range(size - 1)]
            score += [sum(map(mul, weighted, xk)) for xk in design.x]
            step = cho_solve(lower, score, upper)
            draw = [t + s for t, s in zip(theta, step[: size - 1], strict=False)] + [theta[-1]]
            theta_draws.append(_centred(draw))
            beta_draws.append([b + s for b, s in zip(beta, step[size - 1 :], strict=True)])
    return _centred(theta), beta, theta_draws, beta_draws


def _poisson_table() -> list[int]:
    """Poisson(1) by inversion: the value at each of 65,536 equally likely 16-bit draws
    (the midpoint of each draw's slice of [0, 1); probabilities exact to 1/65,536)."""
    cumulative = list(accumulate(math.exp(-1.0) / math.factorial(k) for k in range(30)))
    table = []
    k = 0
    for u in range(65_536):
        while k < len(cumulative) - 1 and (u + 0.5) / 65_536 > cumulative[k]:
            k += 1
        table.append(k)
    return table


_POISSON_ONE = _poisson_table()
# Whether this machine stores a 16-bit number low byte first (read once, no I/O).
_LITTLE = array("H", b"\x01\x00")[0] == 1


def _poisson_ones(rng: random.Random, n: int) -> list[int]:
    """``n`` independent Poisson(1) weights, from one draw of ``16 n`` random bits."""
    if n == 0:
        return []
    codes = array("H", rng.getrandbits(16 * n).to_bytes(2 * n, "little"))
    if not _LITTLE:
        codes.byteswap()  # the same weights on every machine
    return list(map(_POISSON_ONE.__getitem__, codes))


def _centred(theta: list[float]) -> list[float]:
    mean = math.fsum(theta) / len(theta)
    return [t - mean for t in theta]


def cholesky(matrix: list[list[float]]) -> list[list[float]]:
    n = len(matrix)
    lower = [[0.0] * n for _ in range(n)]
    for r in range(n):
        row_r = lower[r]
        for c in range(r + 1):
            row_c = lower[c]
            total = math.fsum(map(mul, row_r[:c], row_c[:c])) if c else 0.0
            if r == c:
                row_r[c] = math.sqrt(max(matrix[r][r] - total, 1e-300))
            else:
                row_r[c] = (matrix[r][c] - total) / row_c[c]
    return lower


def inverse_from_cholesky(lower: list[list[float]]) -> list[list[float]]:
    """``(L Lᵀ)⁻¹`` from its Cholesky factor ``L``: ``L⁻¹`` by columns, then ``L⁻ᵀ L⁻¹``."""
    n = len(lower)
    columns = []  # column c of L⁻¹, from row c down
    for c in range(n):
        column = [1.0 / lower[c][c]]
        for r in range(c + 1, n):
            column.append(-math.fsum(map(mul, lower[r][c:r], column)) / lower[r][r])
        columns.append(column)
    inverse = [[0.0] * n for _ in range(n)]
    for a in range(n):
        for b in range(a, n):
            # Σ_r L⁻¹[r][a] L⁻¹[r][b] over r >= b (L⁻¹ is lower triangular).
            value = math.fsum(map(mul, columns[a][b - a :], columns[b]))
            inverse[a][b] = inverse[b][a] = value
    return inverse


def transposed(lower: list[list[float]]) -> list[list[float]]:
    """The rows of ``lower``'s transpose, for :func:`cho_solve`'s back substitution."""
    return [list(column) for column in zip(*lower, strict=True)]


def cho_solve(
    lower: list[list[float]], vector: list[float], upper: list[list[float]] | None = None
) -> list[float]:
    """Solve ``L Lᵀ x = vector``; pass ``upper = transposed(lower)`` when solving often.

    Each sum is ``math.fsum`` (correctly rounded), so the answer does not depend on
    the order of the terms.
    """
    n = len(vector)
    if upper is None:
        upper = transposed(lower)
    forward = [0.0] * n
    for r in range(n):
        forward[r] = (vector[r] - math.fsum(map(mul, lower[r][:r], forward[:r]))) / lower[r][r]
    result = [0.0] * n
    for r in reversed(range(n)):
        total = math.fsum(map(mul, upper[r][r + 1 :], result[r + 1 :]))
        result[r] = (forward[r] - total) / lower[r][r]
    return result


def check_style(value: Any, where: str) -> Mapping[str, float] | None:
    """A battle side's style features: a mapping of names to numbers >= 0, or None."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValidationError(
            f"{where} must be a mapping of feature names to numbers, got {value!r:.80}"
        )
    checked = {}
    for name, number in value.items():
        if not isinstance(name, str) or not name:
            raise ValidationError(
                f"{where} feature names must be non-empty strings, got {name!r:.80}"
            )
        if (
            isinstance(number, bool)
            or not isinstance(number, (int, float))
            or not 0 <= number < math.inf
        ):
            raise ValidationError(f"{where}[{name!r}] must be a number >= 0, got {number!r:.80}")
        checked[name] = float(number)
    return checked
