"""Pairwise judgements against a baseline, and win rates that see through a judge's length bias.

An LLM judge reads two answers to one instruction, the model's and a fixed baseline's,
and says how much it prefers the model's (a preference in ``[0, 1]``; 0.5 is a tie).
The **raw win rate** is the mean preference. Judges favour longer answers, so a model
can raise its raw win rate by writing more without answering better (AlpacaEval 2's
"null model" wins 77% of the time against GPT-4 Turbo with one constant, adversarial
answer).

**The length-controlled win rate** follows AlpacaEval's documented method (Dubois et
al., 2024, "Length-Controlled AlpacaEval"): for each model, a logistic model of each
preference with a term for the model, a term for ``tanh`` of the standardised length
difference and a term for the instruction's difficulty; it predicts every instruction
at *zero* length difference, and the controlled win rate is the mean prediction: what
the judge would prefer if both answers were equally long. Here, per model ``m`` and
instruction ``i``::

    logit P(model preferred) = w_m + v_m * d_i + u_m * tanh(Δ_mi / sd_m)

with ``Δ_mi`` the model's answer length minus the baseline's, ``sd_m`` its standard
deviation over the model's instructions, and ``d_i`` the instruction's difficulty. The
preference itself is the target (a soft label: the log loss of a probability), and the
length coefficient ``u_m`` has a standard normal prior (a ridge of weight 1; AlpacaEval
instead regularises it towards gamed baselines, whose judgements are not published with
the data). Controlled rate: ``mean_i σ(w_m + v_m d_i)``.

**Instruction difficulty.** AlpacaEval's difficulty table is not published with the
repository, so it is estimated from the judgements themselves: one joint logistic model
of every (model, instruction) preference, ``logit P = a_m + b_m tanh(Δ_mi / sd_m) +
d_i``, with a standard normal prior on each ``d_i`` (the baseline against itself left
out). It is fitted by block Newton steps (each model's pair, then every instruction's
difficulty in one diagonal step, then the common shift moved from the difficulties to
the models, which the prior prefers), to a change below ``1e-9``. A hard instruction
(the baseline's answer is hard to beat) gets a low ``d_i``.

**Intervals.** The raw rate's is the normal interval of a mean (the standard error
AlpacaEval reports). The controlled rate's is the delta-method interval from the
sandwich covariance of the per-model fit (robust to soft labels); it takes the
difficulties as known.

On AlpacaEval 2's own judgements (58 models, shipped as ``datasets.load("alpaca-eval")``)
the raw rates equal the published ones exactly, and the controlled rates have a rank
correlation of 0.983 with the published ``length_controlled_winrate`` and a mean
absolute difference of 1.2 points.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from operator import add, mul, sub
from types import MappingProxyType
from typing import Any

from attrs import field, frozen

from modelfolio._common.errors import ValidationError
from modelfolio._common.plot import axes
from modelfolio._common.table import html_table
from modelfolio._common.validate import text, unit_interval
from modelfolio._evaluation.stats import z_for

__all__ = ["Judgements", "WinRate", "WinRates", "win_rates"]

# The priors' weights (standard normal priors: a ridge of 1 on the logit scale).
_DIFFICULTY_PRIOR = 1.0
_LENGTH_PRIOR = 1.0
# A whisker of ridge on the other coefficients, so a degenerate model stays defined.
_TINY = 1e-9
_TOLERANCE = 1e-9
_MAX_ROUNDS = 500


def _tag_set(value: Any, row: int) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValidationError(f"tags[{row}] must be a collection of strings, got {value!r:.80}")
    tags = frozenset(value)
    for tag in tags:
        text(tag, f"tags[{row}]")
    return tags


def _column(name: str, column: Any, length: int | None) -> Sequence[Any]:
    if isinstance(column, (str, bytes)) or not (
        hasattr(column, "__len__") and hasattr(column, "__getitem__")
    ):
        raise ValidationError(f"{name} must be a sequence (a column), got {column!r:.80}")
    if length is not None and len(column) != length:
        raise ValidationError(f"{name} has {len(column)} values but item has {length}")
    return column  # type: ignore[no-any-return]


def _length(value: Any, name: str, row: int) -> float:
    if value is None or (isinstance(value, float) and value != value):
        raise ValidationError(
            f"{name}[{row}] is missing: every judgement needs both answers' lengths "
            "(characters or tokens) for the length-controlled win rate"
        )
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
        raise ValidationError(f"{name}[{row}] must be a length >= 0, got {value!r:.80}")
    return float(value)


def _preference(value: Any, row: int) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (0.0 <= value <= 1.0)  # NaN fails too
    ):
        raise ValidationError(
            f"preference[{row}] must be in [0, 1] (1: the model's answer preferred, 0.5: a tie), "
            f"got {value!r:.80}"
        )
    return float(value)


@frozen(kw_only=True)
class Judgements:
    """A judge's preferences for models' answers over a baseline's, one row per judgement.

    Build with :meth:`from_columns`; each row is an instruction (``item``), the model,
    the baseline, the judge's preference for the model in ``[0, 1]`` (ties 0.5), both
    answers' lengths (characters or tokens, the same unit throughout) and tags.

    Examples:
        >>> j = Judgements.from_columns(item=[1, 2, 1, 2], model=["a", "a", "b", "b"],
        ...                             baseline=["ref"] * 4, preference=[1, 0.5, 0, 0.25],
        ...                             model_length=[900, 400, 300, 350],
        ...                             baseline_length=[500, 500, 500, 500])
        >>> len(j), j.models, j.baselines
        (4, ('a', 'b'), ('ref',))
    """

    item: tuple[Hashable, ...] = field(repr=False)
    """The instruction judged, per row."""
    model: tuple[str, ...] = field(repr=False)
    """The model whose answer was judged, per row."""
    baseline: tuple[str, ...] = field(repr=False)
    """The baseline it was judged against, per row."""
    preference: tuple[float, ...] = field(repr=False)
    """The judge's preference for the model's answer, per row, in ``[0, 1]``."""
    model_length: tuple[float, ...] = field(repr=False)
    """The model's answer length, per row."""
    baseline_length: tuple[float, ...] = field(repr=False)
    """The baseline's answer length, per row."""
    tags: tuple[frozenset[str], ...] = field(repr=False)
    """Tags per row (for instance the instruction's source set)."""

    def __attrs_post_init__(self) -> None:
        length = len(self.item)
        for name in ("model", "baseline", "preference", "model_length", "baseline_length", "tags"):
            if len(getattr(self, name)) != length:
                raise ValidationError(
                    f"{name} has {len(getattr(self, name))} values but item has {length}"
                )

    @classmethod
    def from_columns(
        cls,
        *,
        item: Sequence[Hashable],
        model: Sequence[str],
        baseline: Sequence[str] | str,
        preference: Sequence[float],
        model_length: Sequence[float],
        baseline_length: Sequence[float],
        tags: Sequence[Iterable[str]] | None = None,
        origins: Sequence[str] | None = None,
    ) -> Judgements:
        """Build from parallel columns (``baseline`` may be one name for every row).

        ``origins`` names where each row came from (a file and line, say); an error about
        a row then starts with its origin.

        Raises:
            ValidationError: columns of different lengths, a preference outside
                ``[0, 1]``, a missing or negative length, or a repeated
                (item, model, baseline) (named in the message).

        Examples:
            >>> Judgements.from_columns(item=["q1"], model=["m"], baseline="ref",
            ...                         preference=[1.5], model_length=[10], baseline_length=[12])
            Traceback (most recent call last):
            ...
            modelfolio._common.errors.ValidationError: preference[0] must be in [0, 1] (1: the model's answer preferred, 0.5: a tie), got 1.5
        """
        try:
            return cls._from_columns(
                item, model, baseline, preference, model_length, baseline_length, tags
            )
        except ValidationError as error:
            if origins is None:
                raise
            raise _located(error, origins) from None

    @classmethod
    def _from_columns(
        cls,
        item: Any,
        model: Any,
        baseline: Any,
        preference: Any,
        model_length: Any,
        baseline_length: Any,
        tags: Any,
    ) -> Judgements:
        items = _column("item", item, None)
        length = len(items)
        models = _column("model", model, length)
        baselines = (
            [baseline] * length
            if isinstance(baseline, str)
            else _column("baseline", baseline, length)
        )
        preferences = _column("preference", preference, length)
        model_lengths = _column("model_length", model_length, length)
        baseline_lengths = _column("baseline_length", baseline_length, length)
        tag_column = None if tags is None else _column("tags", tags, length)
        for name in dict.fromkeys(models):
            text(name, "model")
        for name in dict.fromkeys(baselines):
            text(name, "baseline")
        seen: dict[tuple[Any, str, str], int] = {}
        for row in range(length):
            key = (items[row], models[row], baselines[row])
            try:
                first = seen.setdefault(key, row)
            except TypeError:
                raise ValidationError(
                    f"item[{row}] must be hashable (an id), got {items[row]!r:.80}"
                ) from None
            if first != row:
                raise ValidationError(
                    f"row {row}: (item, model, baseline) {items[row]!r}, {models[row]!r}, "
                    f"{baselines[row]!r} appears again (first at row {first})"
                )
        return cls(
            item=tuple(items),
            model=tuple(models),
            baseline=tuple(baselines),
            preference=tuple(_preference(v, row) for row, v in enumerate(preferences)),
            model_length=tuple(
                _length(v, "model_length", row) for row, v in enumerate(model_lengths)
            ),
            baseline_length=tuple(
                _length(v, "baseline_length", row) for row, v in enumerate(baseline_lengths)
            ),
            tags=(
                (frozenset(),) * length
                if tag_column is None
                else tuple(_tag_set(v, row) for row, v in enumerate(tag_column))
            ),
        )

    def __len__(self) -> int:
        return len(self.item)

    def __repr__(self) -> str:
        return (
            f"Judgements({len(self)} rows, {len(self.models)} models against "
            f"{', '.join(self.baselines)})"
        )

    @property
    def models(self) -> tuple[str, ...]:
        """The models judged, sorted."""
        return tuple(sorted(set(self.model)))

    @property
    def baselines(self) -> tuple[str, ...]:
        """The baselines, sorted."""
        return tuple(sorted(set(self.baseline)))

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per judgement."""
        return [
            {
                "item": self.item[k],
                "model": self.model[k],
                "baseline": self.baseline[k],
                "preference": self.preference[k],
                "model_length": self.model_length[k],
                "baseline_length": self.baseline_length[k],
                "tags": sorted(self.tags[k]),
            }
            for k in range(len(self))
        ]

    def where(self, *, models: Iterable[str] | None = None, tag: str | None = None) -> Judgements:
        """The rows of ``models`` (all if None) that carry ``tag`` (all if None)."""
        keep_models = None if models is None else set(models)
        rows = [
            k
            for k in range(len(self))
            if (keep_models is None or self.model[k] in keep_models)
            and (tag is None or tag in self.tags[k])
        ]
        return Judgements(
            item=tuple(self.item[k] for k in rows),
            model=tuple(self.model[k] for k in rows),
            baseline=tuple(self.baseline[k] for k in rows),
            preference=tuple(self.preference[k] for k in rows),
            model_length=tuple(self.model_length[k] for k in rows),
            baseline_length=tuple(self.baseline_length[k] for k in rows),
            tags=tuple(self.tags[k] for k in rows),
        )


def _located(error: ValidationError, origins: Sequence[str]) -> ValidationError:
    """``error`` with its row (``name[row]`` or ``row N``) named by its origin."""
    import re

    found = re.search(r"\[(\d+)\]|^row (\d+)", str(error))
    if found is None:
        return error
    row = int(found.group(1) or found.group(2))
    if not 0 <= row < len(origins):
        return error
    message = str(error)
    message = re.sub(r"^row \d+: ", "", message)
    first = re.search(r"\(first at row (\d+)\)", message)
    if first is not None and int(first.group(1)) < len(origins):
        message = message.replace(first.group(0), f"(first at {origins[int(first.group(1))]})")
    return ValidationError(f"{origins[row]}: {message}")


@frozen(kw_only=True)
class WinRate:
    """One model's raw and length-controlled win rates against the baseline.

    Examples:
        >>> j = Judgements.from_columns(item=[1, 2, 3, 1, 2, 3], model=["a"] * 3 + ["b"] * 3,
        ...                             baseline="ref", preference=[1, 0.5, 1, 0, 0.5, 0],
        ...                             model_length=[50, 60, 70, 50, 60, 70],
        ...                             baseline_length=[60] * 6)
        >>> entry = win_rates(j).entry("a")
        >>> entry.n, round(entry.win_rate, 4), entry.baseline
        (3, 0.8333, 'ref')
    """

    model: str
    """The model."""
    baseline: str
    """The baseline it was judged against."""
    n: int
    """Judgements."""
    win_rate: float
    """The raw win rate: the mean preference, in ``[0, 1]``."""
    ci_low: float
    """Lower bound of the raw win rate's interval."""
    ci_high: float
    """Upper bound of the raw win rate's interval."""
    lc_win_rate: float
    """The length-controlled win rate, in ``[0, 1]``."""
    lc_low: float
    """Lower bound of the controlled rate's interval."""
    lc_high: float
    """Upper bound of the controlled rate's interval."""
    mean_length: float
    """The model's mean answer length."""
    baseline_mean_length: float
    """The baseline's mean answer length on the same instructions."""
    length_effect: float
    """The fitted length coefficient ``u_m`` (logit per unit of ``tanh`` of the
    standardised length difference): how much the judge rewards this model's length."""

    def to_row(self) -> dict[str, object]:
        """This entry as a plain dict."""
        return {
            "model": self.model,
            "baseline": self.baseline,
            "n": self.n,
            "win_rate": self.win_rate,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "lc_win_rate": self.lc_win_rate,
            "lc_low": self.lc_low,
            "lc_high": self.lc_high,
            "mean_length": self.mean_length,
            "baseline_mean_length": self.baseline_mean_length,
            "length_effect": self.length_effect,
        }


@frozen(kw_only=True)
class WinRates:
    """Raw and length-controlled win rates, best controlled rate first.

    Examples:
        >>> j = Judgements.from_columns(item=[1, 2, 3, 1, 2, 3], model=["a"] * 3 + ["b"] * 3,
        ...                             baseline="ref", preference=[1, 0.5, 1, 0, 0.5, 0],
        ...                             model_length=[50, 60, 70, 50, 60, 70],
        ...                             baseline_length=[60] * 6)
        >>> rates = win_rates(j)
        >>> rates.models, [row["n"] for row in rates.to_rows()]
        (('a', 'b'), [3, 3])
    """

    entries: tuple[WinRate, ...]
    """Highest controlled rate first; ties by model."""
    level: float
    """The intervals' confidence level."""
    difficulty: Mapping[Hashable, float] = field(repr=False)
    """Each instruction's estimated difficulty ``d_i`` (low: the baseline is hard to beat)."""

    @property
    def models(self) -> tuple[str, ...]:
        """The models, highest controlled rate first."""
        return tuple(entry.model for entry in self.entries)

    def entry(self, model: str) -> WinRate:
        """The entry of ``model``."""
        for entry in self.entries:
            if entry.model == model:
                return entry
        raise ValidationError(f"model {model!r} has no win rate (models: {', '.join(self.models)})")

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per model, best controlled rate first."""
        return [entry.to_row() for entry in self.entries]

    def __repr__(self) -> str:
        lines = [f"WinRates({len(self.entries)} models, level={self.level:g})"]
        lines += [
            f"  {e.model}: raw {e.win_rate:.1%} [{e.ci_low:.1%}, {e.ci_high:.1%}], "
            f"length-controlled {e.lc_win_rate:.1%} [{e.lc_low:.1%}, {e.lc_high:.1%}], "
            f"mean length {e.mean_length:.0f} vs {e.baseline_mean_length:.0f}"
            for e in self.entries
        ]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return html_table(
            self.to_rows(),
            caption=f"Raw and length-controlled win rates ({self.level:.0%} intervals)",
        )

    def to_frame(self, backend: Any = "pandas") -> Any:
        """The table as a frame of ``backend`` (``"pandas"``, ``"polars"``, ``"pyarrow"``).

        Needs narwhals and that library.
        """
        from modelfolio._common.frames import frame_of

        rows = self.to_rows()
        return frame_of({k: [r[k] for r in rows] for k in rows[0]}, backend, "WinRates.to_frame")

    def plot(self, ax: Any = None, *, top: int | None = None, title: str | None = None) -> Any:
        """Raw and controlled rates side by side per model, best controlled at the top.

        Returns the matplotlib ``Axes`` (needs ``pip install 'modelfolio[plot]'``).
        """
        entries = self.entries if top is None else self.entries[:top]
        ax = axes(ax, "WinRates", height=min(14.0, max(2.2, 0.8 + 0.32 * len(entries))))
        rows = list(range(len(entries)))[::-1]
        for offset, colour, label, centre, low, high in (
            (0.15, "#c0392b", "raw", "win_rate", "ci_low", "ci_high"),
            (-0.15, "#1f5f8b", "length-controlled", "lc_win_rate", "lc_low", "lc_high"),
        ):
            values = [100 * getattr(e, centre) for e in entries]
            ax.errorbar(
                values,
                [r + offset for r in rows],
                xerr=[
                    [
                        max(0.0, v - 100 * getattr(e, low))
                        for v, e in zip(values, entries, strict=True)
                    ],
                    [
                        max(0.0, 100 * getattr(e, high) - v)
                        for v, e in zip(values, entries, strict=True)
                    ],
                ],
                fmt="o",
                capsize=2,
                color=colour,
                label=label,
                markersize=4,
            )
        ax.axvline(50.0, color="#888888", linestyle="--", linewidth=1)
        ax.set_yticks(rows)
        ax.set_yticklabels([e.model for e in entries])
        ax.set_xlabel(f"win rate against the baseline, % ({self.level:.0%} interval)")
        ax.set_title(title or "Is the judge being gamed? Raw and length-controlled win rates")
        ax.grid(axis="x", alpha=0.3)
        ax.legend(loc="lower right")
        return ax


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sigmoids(etas: Iterable[float]) -> list[float]:
    """The logistic function of each value (inline: this is most of the fits' time)."""
    exp = math.exp
    return [1.0 / (1.0 + exp(-e)) if e > -700.0 else 0.0 for e in etas]


def _dot(x: Sequence[float], y: Sequence[float]) -> float:
    return float(sum(map(mul, x, y)))


class _Model:
    """One model's rows, prepared for the fits."""

    __slots__ = ("complete", "items", "n", "x", "xx", "y")

    def __init__(self, items: list[int], y: list[float], x: list[float]) -> None:
        self.items = items  # instruction numbers
        self.y = y  # preferences
        self.x = x  # tanh of the standardised length difference
        self.xx = [v * v for v in x]
        self.n = len(y)
        self.complete = items == list(range(len(items)))  # every instruction, in order


def _standardised(differences: Sequence[float]) -> list[float]:
    """``tanh`` of the differences over their standard deviation (0 when they do not vary)."""
    n = len(differences)
    if n < 2:
        return [0.0] * n
    mean = math.fsum(differences) / n
    sd = math.sqrt(math.fsum((d - mean) ** 2 for d in differences) / (n - 1))
    if not sd > 0:
        return [0.0] * n
    return [math.tanh(d / sd) for d in differences]


def _clip(step: float, limit: float = 1.0) -> float:
    return max(-limit, min(limit, step))


def _difficulty(fits: list[_Model], size: int) -> list[float]:
    """Each instruction's difficulty ``d_i``: the joint fit described in the module notes."""
    d = [0.0] * size
    a = [0.0] * len(fits)
    b = [0.0] * len(fits)
    for _ in range(_MAX_ROUNDS):
        change = 0.0
        # 1. each model's (a_m, b_m), the difficulties fixed: one Newton step
        for m, fit in enumerate(fits):
            am, bm, x = a[m], b[m], fit.x
            offsets = d[: fit.n] if fit.complete else [d[i] for i in fit.items]
            p = _sigmoids([am + bm * xk + dk for xk, dk in zip(x, offsets, strict=False)])
            r = list(map(sub, p, fit.y))
            w = [pk - pk * pk for pk in p]
            g0 = sum(r) + _TINY * am
            g1 = _dot(r, x) + _TINY * bm
            h00 = sum(w) + _TINY
            h01 = _dot(w, x)
            h11 = _dot(w, fit.xx) + _TINY
            det = h00 * h11 - h01 * h01
            if det > 0:
                s0 = _clip((h11 * g0 - h01 * g1) / det)
                s1 = _clip((h00 * g1 - h01 * g0) / det)
            else:
                s0, s1 = _clip(g0 / h00), 0.0
            a[m], b[m] = am - s0, bm - s1
            change = max(change, abs(s0), abs(s1))
        # 2. every difficulty, the models fixed: one diagonal Newton step
        gradient = [_DIFFICULTY_PRIOR * di for di in d]
        curvature = [_DIFFICULTY_PRIOR] * size
        for m, fit in enumerate(fits):
            am, bm = a[m], b[m]
            offsets = d[: fit.n] if fit.complete else [d[i] for i in fit.items]
            p = _sigmoids([am + bm * xk + dk for xk, dk in zip(fit.x, offsets, strict=False)])
            r = list(map(sub, p, fit.y))
            w = [pk - pk * pk for pk in p]
            if fit.complete:
                gradient[: fit.n] = map(add, gradient[: fit.n], r)
                curvature[: fit.n] = map(add, curvature[: fit.n], w)
            else:
                for i, rk, wk in zip(fit.items, r, w, strict=False):
                    gradient[i] += rk
                    curvature[i] += wk
        steps = [_clip(g / h) for g, h in zip(gradient, curvature, strict=False)]
        d = list(map(sub, d, steps))
        change = max(change, max(map(abs, steps)))
        # 3. the shift common to all difficulties and model terms: to the models
        shift = math.fsum(d) / size
        d = [di - shift for di in d]
        a = [am + shift for am in a]
        if change < _TOLERANCE:
            break
    return d


def _controlled(fit: _Model, d: list[float], z: float) -> tuple[float, float, float]:
    """The controlled rate of one model, its interval's half-width, and its length effect."""
    n = fit.n
    x = fit.x
    difficulty = d[:n] if fit.complete else [d[i] for i in fit.items]
    dd = [v * v for v in difficulty]
    xd = list(map(mul, x, difficulty))
    w0 = w1 = w2 = 0.0  # length, difficulty, intercept
    h = [[0.0] * 3 for _ in range(3)]
    for _ in range(100):
        p = _sigmoids([w0 * xk + w1 * dk + w2 for xk, dk in zip(x, difficulty, strict=False)])
        r = list(map(sub, p, fit.y))
        q = [pk - pk * pk for pk in p]
        gradient = [
            _dot(r, x) + _LENGTH_PRIOR * w0,
            _dot(r, difficulty) + _TINY * w1,
            sum(r) + _TINY * w2,
        ]
        qx, qd, qq = _dot(q, x), _dot(q, difficulty), sum(q)
        h = [
            [_dot(q, fit.xx) + _LENGTH_PRIOR, _dot(q, xd), qx],
            [_dot(q, xd), _dot(q, dd) + _TINY, qd],
            [qx, qd, qq + _TINY],
        ]
        step = _solve3(h, gradient)
        w0, w1, w2 = w0 - _clip(step[0], 5.0), w1 - _clip(step[1], 5.0), w2 - _clip(step[2], 5.0)
        if max(map(abs, step)) < 1e-10:
            break
    # the controlled prediction: every instruction at zero length difference
    predicted = _sigmoids([w1 * dk + w2 for dk in difficulty])
    rate = math.fsum(predicted) / n
    # the sandwich covariance of (w0, w1, w2), then the delta method for the mean
    p = _sigmoids([w0 * xk + w1 * dk + w2 for xk, dk in zip(x, difficulty, strict=False)])
    r = list(map(sub, p, fit.y))
    rr = [v * v for v in r]
    meat = [
        [_dot(rr, fit.xx), _dot(rr, xd), _dot(rr, x)],
        [_dot(rr, xd), _dot(rr, dd), _dot(rr, difficulty)],
        [_dot(rr, x), _dot(rr, difficulty), sum(rr)],
    ]
    bread = _inverse3(h)
    covariance = _product3(_product3(bread, meat), bread)
    slopes = [pk - pk * pk for pk in predicted]
    grad = [0.0, _dot(slopes, difficulty) / n, sum(slopes) / n]
    variance = sum(grad[j] * covariance[j][k] * grad[k] for j in range(3) for k in range(3))
    return rate, z * math.sqrt(max(variance, 0.0)), w0


def _solve3(matrix: list[list[float]], vector: list[float]) -> list[float]:
    inverse = _inverse3(matrix)
    return [sum(inverse[j][k] * vector[k] for k in range(3)) for j in range(3)]


def _inverse3(m: list[list[float]]) -> list[list[float]]:
    (a, b, c), (d, e, f), (g, h, i) = m
    cofactors = [
        [e * i - f * h, -(d * i - f * g), d * h - e * g],
        [-(b * i - c * h), a * i - c * g, -(a * h - b * g)],
        [b * f - c * e, -(a * f - c * d), a * e - b * d],
    ]
    det = a * cofactors[0][0] + b * cofactors[0][1] + c * cofactors[0][2]
    if det == 0:
        raise ValidationError("the length-controlled fit is singular (too few judgements)")
    return [[cofactors[k][j] / det for k in range(3)] for j in range(3)]


def _product3(x: list[list[float]], y: list[list[float]]) -> list[list[float]]:
    return [[sum(x[j][k] * y[k][c] for k in range(3)) for c in range(3)] for j in range(3)]


def win_rates(judgements: Judgements, *, level: float = 0.95) -> WinRates:
    """Raw and length-controlled win rates of every model against the baseline.

    See the module notes for the method (AlpacaEval's length-controlled win rate, with
    the instruction difficulties estimated from the judgements).

    Raises:
        ValidationError: not :class:`Judgements`; a model judged against two baselines,
            or judgements against more than one baseline (fit each apart); a model with
            fewer than two judgements.

    Examples:
        >>> import math, random
        >>> rng = random.Random(0)
        >>> rows = {"item": [], "model": [], "preference": [], "model_length": [],
        ...         "baseline_length": []}
        >>> base = [rng.randint(300, 1500) for _ in range(400)]
        >>> for model, length in (("terse", 500), ("wordy", 1400)):
        ...     for item in range(400):
        ...         mine = length + rng.randint(-300, 300)
        ...         # the judge likes length, and nothing else tells the two models apart
        ...         p = 0.5 + 0.4 * math.tanh((mine - base[item]) / 600) + rng.uniform(-0.1, 0.1)
        ...         for name, value in (("item", item), ("model", model),
        ...                             ("preference", min(1.0, max(0.0, p))),
        ...                             ("model_length", mine), ("baseline_length", base[item])):
        ...             rows[name].append(value)
        >>> rates = win_rates(Judgements.from_columns(baseline="ref", **rows))
        >>> for e in rates.entries:
        ...     print(f"{e.model}: raw {e.win_rate:.0%}, length-controlled {e.lc_win_rate:.0%}")
        wordy: raw 73%, length-controlled 53%
        terse: raw 31%, length-controlled 47%
    """
    if not isinstance(judgements, Judgements):
        raise ValidationError(f"judgements must be Judgements, got {judgements!r:.80}")
    unit_interval(level, "level")
    if not len(judgements):
        raise ValidationError("win_rates needs at least one judgement, got none")
    against: dict[str, set[str]] = {}
    for model, baseline in zip(judgements.model, judgements.baseline, strict=True):
        against.setdefault(model, set()).add(baseline)
    for model, baselines in sorted(against.items()):
        if len(baselines) > 1:
            raise ValidationError(
                f"model {model!r} is judged against two baselines in one fit "
                f"({', '.join(sorted(baselines))}): fit each baseline's judgements apart"
            )
    if len(judgements.baselines) > 1:
        raise ValidationError(
            "win_rates compares every model against one baseline; got "
            f"{', '.join(judgements.baselines)}: fit each baseline's judgements apart "
            "(Judgements.where(models=...))"
        )
    (baseline,) = judgements.baselines
    z = z_for(level)
    item_number: dict[Hashable, int] = {}
    rows_of: dict[str, list[int]] = {}
    for k, (item, model) in enumerate(zip(judgements.item, judgements.model, strict=True)):
        item_number.setdefault(item, len(item_number))
        rows_of.setdefault(model, []).append(k)
    for model, rows in sorted(rows_of.items()):
        if len(rows) < 2:
            raise ValidationError(
                f"model {model!r} has {len(rows)} judgement; a win rate with an interval "
                "needs at least two"
            )
    prepared: dict[str, _Model] = {}
    for model, rows in rows_of.items():
        prepared[model] = _Model(
            [item_number[judgements.item[k]] for k in rows],
            [judgements.preference[k] for k in rows],
            _standardised(
                [judgements.model_length[k] - judgements.baseline_length[k] for k in rows]
            ),
        )
    others = [fit for model, fit in sorted(prepared.items()) if model != baseline]
    difficulty = _difficulty(others, len(item_number)) if others else [0.0] * len(item_number)
    entries = []
    for model, rows in rows_of.items():
        fit = prepared[model]
        preferences = fit.y
        n = fit.n
        mean = math.fsum(preferences) / n
        sd = math.sqrt(math.fsum((p - mean) ** 2 for p in preferences) / (n - 1))
        half = z * sd / math.sqrt(n)
        if model == baseline:  # against itself: 0.5 by construction, nothing to control
            rate, lc_half, effect = 0.5, 0.0, 0.0
        else:
            rate, lc_half, effect = _controlled(fit, difficulty, z)
        entries.append(
            WinRate(
                model=model,
                baseline=baseline,
                n=n,
                win_rate=mean,
                ci_low=max(0.0, mean - half),
                ci_high=min(1.0, mean + half),
                lc_win_rate=rate,
                lc_low=max(0.0, rate - lc_half),
                lc_high=min(1.0, rate + lc_half),
                mean_length=math.fsum(judgements.model_length[k] for k in rows) / n,
                baseline_mean_length=math.fsum(judgements.baseline_length[k] for k in rows) / n,
                length_effect=effect,
            )
        )
    entries.sort(key=lambda e: (-e.lc_win_rate, e.model))
    names = list(item_number)
    return WinRates(
        entries=tuple(entries),
        level=float(level),
        difficulty=MappingProxyType({names[i]: difficulty[i] for i in range(len(names))}),
    )
