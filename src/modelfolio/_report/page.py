"""The main job's page: the analysis (:mod:`modelfolio._report.analysis`) as HTML.

One self-contained page: figures are inline SVG (drawn by the ``svg`` function the
command line passes in, which owns matplotlib's set-up), tables are plain HTML, and
nothing is fetched from the network. The command line writes the page.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from modelfolio._common.table import html_table
from modelfolio._report.analysis import Report

__all__ = ["Svg", "render"]


Svg = Callable[[Any], str]
"""Turns a matplotlib ``Axes`` into an SVG string (the command line's own renderer)."""


def _figure(svg: Svg, draw: Callable[[], Any], caption: str) -> str:
    return f"<figure>{svg(draw())}<figcaption>{html.escape(caption)}</figcaption></figure>"


def _table(rows: Sequence[Mapping[str, object]], caption: str) -> str:
    """An HTML table without the columns that are empty on every row."""
    keep = [
        k
        for k in dict.fromkeys(k for row in rows for k in row)
        if any(row.get(k) is not None for row in rows)
    ]
    return html_table([{k: row.get(k) for k in keep} for row in rows], caption=caption)


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def _money(value: float) -> str:
    return f"${value:,.6f}" if abs(value) < 1 else f"${value:,.2f}"


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.7rem}h2{margin-top:2.5rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.8rem 0;font-size:.85rem}
td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}
th{background:#f3f3f3}caption{caption-side:top;text-align:left;font-weight:600;padding:.3rem 0}
figure{margin:1rem 0}figure svg{max-width:100%;height:auto}
figcaption{font-size:.85rem;color:#555}.headline{background:#f6f8fa;padding:.8rem 1rem;
border-left:4px solid #1f5f8b}.headline li{margin:.2rem 0}small{color:#666}
"""


def _section_leaderboards(report: Report, svg: Svg) -> list[str]:
    parts = ["<h2>1. Leaderboards</h2>"]
    parts.append(
        _p(
            "Each model's mean score per benchmark with a 95% interval (Wilson's for 0/1 "
            "scores, a seeded bootstrap otherwise), and what each item cost."
        )
    )
    if not report.costs:
        parts.append(_p("Costs are unavailable: the outcomes came without a cost column (--cost)."))
    for name, board in report.leaderboards.items():
        parts.append(_figure(svg, partial(board.plot, title=name), f"Leaderboard: {name}"))
        rows = board.to_rows()
        if not report.costs:
            rows = [{k: v for k, v in row.items() if "cost" not in k} for row in rows]
        parts.append(_table(rows, caption=f"{name}: leaderboard"))
    return parts


def _section_compare(report: Report, svg: Svg) -> list[str]:
    parts = ["<h2>2. Can the challenger replace the incumbent?</h2>"]
    parts.append(
        _p(
            f"{report.challenger} (challenger) against {report.incumbent} (incumbent) on the "
            "same items: the paired difference with its 95% interval, the p-value (exact "
            "McNemar for 0/1 scores, a sign-flip permutation test otherwise) and the "
            f"non-inferiority verdict at a margin of {report.margin:g} score units "
            "(one-sided, alpha 0.05)."
        )
    )
    rows = []
    for name, comparison in report.comparisons.items():
        verdict = report.verdicts[name]
        parts.append(
            _figure(
                svg,
                partial(comparison.plot, title=f"{name}: challenger minus incumbent"),
                f"{name}: paired difference",
            )
        )
        rows.append(
            {
                "benchmark": name,
                "n": comparison.n,
                "incumbent": comparison.baseline_mean,
                "challenger": comparison.candidate_mean,
                "difference": comparison.diff,
                "ci_low": comparison.ci_low,
                "ci_high": comparison.ci_high,
                "p_value": comparison.p_value,
                "method": comparison.method,
                "non-inferior": verdict.non_inferior,
                "one-sided bound": verdict.bound,
            }
        )
    parts.append(_table(rows, caption="Paired comparison and non-inferiority"))
    parts += [_p(str(v)) for v in report.verdicts.values()]
    return parts


def _section_routing(report: Report, svg: Svg) -> list[str]:
    parts = ["<h2>3. How much does routing save?</h2>"]
    r = report.routing
    if r is None:
        return [
            *parts,
            _p(report.routing_note or "Routing needs at least two models in the routing table."),
        ]
    benchmarks = ", ".join(report.routing_benchmarks)
    parts.append(
        _p(
            f"A per-tag quality table fitted on half of the items of {benchmarks} (a SHA-256 "
            f"hash of the item id decides the half: {r.fit_items} items), and every "
            "quality-floor router replayed on the other half, against the oracle, random "
            "and single-model baselines. AIQ is RouterBench's area under the cost-quality "
            "hull; APGR and CPT are RouteLLM's gap-recovered metrics with the challenger "
            "as the weak model and the incumbent as the strong one."
        )
    )
    singles = [m for m in r.curve.baselines if m not in ("oracle", "random")]
    parts.append(
        _figure(
            svg,
            lambda: r.curve.plot(baselines=["oracle", "random", *singles]),
            "Cost-quality curve of quality-floor routers (replay half)",
        )
    )

    # (label, attribute of Routing and QueryRouting, shown as a percentage)
    shown = (("AIQ", "aiq", False), ("APGR", "apgr", False), ("CPT(50%)", "cpt50", True),
             ("CPT(80%)", "cpt80", True))  # fmt: skip

    def fmt(source: object, name: str, percent: bool) -> str:
        value = getattr(source, name)
        if value is None:
            reason = getattr(source, "reasons", {}).get(name)
            return "n/a" if reason is None else f"n/a: {reason}"
        return f"{value:.1%}" if percent else f"{value:.4f}"

    metrics = [{"metric": label, "value": fmt(r, name, pc)} for label, name, pc in shown]
    parts.append(_table(metrics, caption="Routing metrics (replay half)"))
    parts.append(
        _p(
            f"The routed policy (quality floor {r.floor:.4f}: the incumbent's fitted quality "
            f"minus the margin) reaches {r.policy.quality:.4f}"
            + (
                f" at {_money(r.policy.cost_per_item)} per item."
                if report.costs
                else " (its cost is unavailable: no cost column was given)."
            )
        )
    )
    incumbent = r.policy.baselines[report.incumbent]
    worse_quality = r.policy.quality < incumbent.quality
    dearer = report.costs and r.policy.cost_per_item > incumbent.cost / r.policy.n
    if worse_quality and (dearer or not report.costs):
        parts.append(
            _p(
                f"Plainly: on this data the routed policy is worse than the incumbent "
                f"({r.policy.quality:.4f} against {incumbent.quality:.4f})"
                + (
                    " and costs more; keep the incumbent."
                    if dearer
                    else ", and with no costs there is nothing it saves; keep the incumbent."
                )
                + " This happens on small data, or when the models differ little per tag."
            )
        )
    policy_rows = r.policy.to_rows()
    if not report.costs:
        policy_rows = [{k: v for k, v in row.items() if "cost" not in k} for row in policy_rows]
    parts.append(_table(policy_rows, caption="Routed policy and baselines"))
    q = report.query_routing
    if q is not None:
        parts.append("<h3>Routers that read the query</h3>")
        parts.append(
            _p(
                "A per-tag table sends every item with the same tags to the same model. A "
                "linear per-query predictor fitted on the same half from each item's query "
                "alone (hashed word and character n-grams of a text, or a vector as given; "
                "no tags) predicts each model's score for that query; threshold routers "
                "send the items where "
                f"{report.incumbent}'s predicted edge over {report.challenger} is largest "
                "to the incumbent, one router per share of incumbent calls (0% to 100%), "
                "each threshold calibrated on the fit half, and are replayed on the same "
                "replay half."
            )
        )
        parts.append(
            _figure(
                svg,
                lambda: q.curve.plot(
                    baselines=["oracle", "random", report.incumbent, report.challenger]
                ),
                "Cost-quality curve of per-query threshold routers (replay half)",
            )
        )
        side = [
            {"metric": label, "per tag": fmt(r, name, pc), "per query": fmt(q, name, pc)}
            for label, name, pc in shown
        ]
        parts.append(_table(side, caption="Per-tag and per-query routers (replay half)"))
    return parts


def _section_exposure(report: Report, svg: Svg) -> list[str]:
    parts = ["<h2>4. How exposed are we?</h2>"]
    alone, routed = report.incumbent_concentration, report.routed_concentration
    parts.append(
        _p(
            "Vendor concentration as the Herfindahl-Hirschman index (0-10,000; 10,000 is one "
            f"vendor). The incumbent alone: HHI {alone.hhi:,.0f} "
            f"({alone.effective_vendors:.2f} effective vendors)."
            + (
                ""
                if routed is None
                else f" With the routed policy: HHI {routed.hhi:,.0f} "
                f"({routed.effective_vendors:.2f} effective vendors)."
            )
        )
    )
    if routed is not None:
        parts.append(
            _figure(
                svg,
                lambda: routed.plot(title="Vendor shares with the routed policy"),
                "Vendor concentration with the routed policy",
            )
        )
        parts.append(_table(routed.to_rows(), caption="Vendor shares, routed policy"))
    if report.exits is not None:
        exits = report.exits
        parts.append(
            _figure(
                svg,
                lambda: exits.plot(title="Quality if a vendor disappeared"),
                "Vendor exit, replayed through the routed policy",
            )
        )
        parts.append(_table(exits.to_rows(), caption="If a vendor disappeared"))
    return parts


def _section_split(report: Report, svg: Svg) -> list[str]:
    parts = ["<h2>5. The cheapest split</h2>"]
    s = report.split
    if s is None:
        return [*parts, _p(f"Not computed: {report.split_note}.")]
    parts.append(
        _p(
            "One workload class per benchmark (1,000 tokens per logged item, 80% input), "
            "served by every catalog deployment of a scored model at its list price; no "
            f"quality floor. The largest share any vendor may carry: {s.cap:.0%}."
        )
    )
    if s.capped is None:
        parts.append(_p(f"No split meets the cap: {s.infeasible}"))
        shown = s.uncapped
    else:
        shown = s.capped
        parts.append(
            _p(
                f"With the cap: {_money(s.capped.cost)} per period; without it: "
                f"{_money(s.uncapped.cost)}. The cap costs {_money(s.cap_cost or 0.0)} "
                f"per period. Binding: {'; '.join(s.capped.binding) or 'nothing'}."
            )
        )
    parts.append(
        _figure(
            svg,
            lambda: shown.plot(
                title=f"Cheapest split {'with' if shown is s.capped else 'without'} the cap"
            ),
            "Tokens per vendor, stacked by class",
        )
    )
    parts.append(_table(shown.to_rows(), caption="Tokens per class and deployment"))
    if shown is not s.uncapped:
        parts.append(_table(s.uncapped.to_rows(), caption="Without the cap"))
    return parts


def _section_arena(report: Report, svg: Svg) -> list[str]:
    parts = ["<h2>6. Arena ratings</h2>"]
    a = report.arena
    if a is None:
        return [*parts, _p("No battles were given (--battles).")]
    ratings = a.ratings
    parts.append(
        _p(
            f"Bradley-Terry ratings of {len(ratings.models)} models from pairwise votes, with "
            f"95% intervals from {ratings.bootstrap} seeded bootstrap rounds; a model's rank "
            "is 1 plus the number of models that are surely better."
        )
    )
    parts.append(
        _figure(svg, lambda: ratings.plot(title="Ratings"), "Bradley-Terry ratings with intervals")
    )
    rows = [{**row, "vendor": a.vendors[str(row["model"])]} for row in ratings.to_rows()]
    parts.append(_table(rows, caption="Ratings"))
    c = a.top_concentration
    parts.append(
        _p(
            f"The top {len(a.top)} by vendor: HHI {c.hhi:,.0f} "
            f"({c.effective_vendors:.2f} effective vendors); {c.top} holds {c.top_share:.0%}."
        )
    )
    parts.append(
        _figure(
            svg,
            lambda: c.plot(title=f"Vendors of the top {len(a.top)} models"),
            "Vendor concentration of the top models",
        )
    )
    styled = a.styled
    if styled is not None:
        coefficients = ", ".join(
            f"{name} {value:+.3f} [{styled.style_intervals[name][0]:+.3f}, "
            f"{styled.style_intervals[name][1]:+.3f}]"
            for name, value in styled.style.items()
        )
        parts.append(
            _p(
                "With style control (Chatbot Arena's method: the answers' normalised "
                "differences in length and markdown counts as covariates of the same "
                "Bradley-Terry fit), the ratings are what is left once the voters' taste "
                f"for style is accounted for. Style coefficients (logit per unit): {coefficients}."
            )
        )
        plain_rank = {m: k for k, m in enumerate(ratings.models, start=1)}
        moves = [
            {
                "model": m,
                "rank with style control": k,
                "rank without": plain_rank[m],
                "moved": plain_rank[m] - k,
                "rating with style control": styled.ratings[m],
                "rating without": ratings.ratings[m],
            }
            for k, m in enumerate(styled.models, start=1)
        ]
        parts.append(_table(moves, caption="Ranks with and without style control"))
    return parts


def _section_judge(report: Report, svg: Svg) -> list[str]:
    parts = ["<h2>7. Is the judge being gamed?</h2>"]
    j = report.judge
    if j is None:
        return [*parts, _p("No judgements against a baseline were given (--judgements).")]
    rates = j.rates
    baseline = rates.entries[0].baseline
    parts.append(
        _p(
            f"An LLM judge compared {len(rates.models)} models' answers with {baseline}'s. "
            "The raw win rate is the judge's mean preference; judges favour longer answers, "
            "so the length-controlled win rate (AlpacaEval's method) predicts each "
            "instruction's preference at equal length and averages: what the judge would "
            "say if both answers were as long. A model far above its controlled rate wins "
            "by writing more, not by answering better."
        )
    )
    parts.append(
        _figure(
            svg,
            lambda: rates.plot(top=min(30, len(rates.models))),
            "Raw and length-controlled win rates (the 30 best controlled)",
        )
    )
    if j.gamed:
        rows = [
            {
                "model": m,
                "raw": f"{rates.entry(m).win_rate:.1%}",
                "length-controlled": f"{rates.entry(m).lc_win_rate:.1%}",
                "mean length": round(rates.entry(m).mean_length),
                "length effect": round(rates.entry(m).length_effect, 3),
            }
            for m in j.gamed
        ]
        parts.append(_table(rows, caption="Models that game the judge, or are asked to"))
    for base, members, raw, controlled in j.families:
        parts.append(
            _p(
                f"{base} asked to be concise or verbose ({', '.join(members)}): the largest "
                f"raw win rate is {raw:.2f} times the smallest; controlled for length, "
                f"{controlled:.2f} times."
            )
        )
    rows = [
        {
            "model": e.model,
            "vendor": j.vendors.get(e.model),
            "n": e.n,
            "raw": f"{e.win_rate:.1%} [{e.ci_low:.1%}, {e.ci_high:.1%}]",
            "length-controlled": f"{e.lc_win_rate:.1%} [{e.lc_low:.1%}, {e.lc_high:.1%}]",
            "mean length": round(e.mean_length),
            "baseline's": round(e.baseline_mean_length),
            "length effect": round(e.length_effect, 3),
        }
        for e in rates.entries
    ]
    parts.append(_table(rows, caption="Win rates against the baseline, best controlled first"))
    return parts


def _section_traffic(report: Report, svg: Svg) -> list[str]:
    t = report.traffic
    if t is None:
        return []
    parts = ["<h2>8. Real traffic</h2>"]
    parts.append(
        _p(
            f"{t.calls} logged calls ({t.failures} failed), by the vendor of the model that "
            f"answered: {t.by_calls.top} carries {t.by_calls.top_share:.0%} of calls, HHI "
            f"{t.by_calls.hhi:,.0f} by calls"
            + ("." if t.by_cost is None else f" and {t.by_cost.hhi:,.0f} by cost.")
        )
    )
    shown = t.by_cost or t.by_calls
    parts.append(
        _figure(
            svg,
            lambda: shown.plot(
                title="Vendor shares of " + ("spend" if t.by_cost is not None else "calls")
            ),
            "Vendor concentration of logged production traffic",
        )
    )
    parts.append(_table(list(t.rows), caption="Logged calls per vendor"))
    return parts


def render(report: Report, *, notes: Sequence[str], sources: Sequence[Any], svg: Svg) -> str:
    """The whole report as one self-contained HTML page; ``svg`` draws each figure."""
    headline = "".join(f"<li>{html.escape(line)}</li>" for line in report.headline())
    body = [
        "<h1>modelfolio report: can we stop depending on one vendor, and what would it cost?</h1>",
        f'<div class="headline"><ul>{headline}</ul></div>',
    ]
    for note in [*report.notes, *notes]:
        body.append(_p(note))
    for section in (
        _section_leaderboards,
        _section_compare,
        _section_routing,
        _section_exposure,
        _section_split,
        _section_arena,
        _section_judge,
        _section_traffic,
    ):
        body.extend(section(report, svg))
    if sources:
        body.append("<h2>Data</h2><ul>")
        for source in sources:
            body.append(
                f"<li><b>{html.escape(source.name)}</b>: {html.escape(source.description)} "
                f"<small>{html.escape(source.citation)} Licence: "
                f"{html.escape(source.licence)}.</small></li>"
            )
        body.append("</ul>")
    body.append(f"<p><small>Seed {report.seed}. Made by modelfolio.</small></p>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>modelfolio report</title>"
        f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>\n"
    )
