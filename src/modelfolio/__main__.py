"""The command line: ``modelfolio report`` (also ``python -m modelfolio report``).

An I/O edge. It reads files (or the data shipped in the package), hands plain values to
the pure analysis in :mod:`modelfolio._report.analysis` (which calls the public API), and writes
one self-contained HTML file: figures as inline SVG, no scripts, fonts or anything else
fetched over the network. Bad input ends with exit status 2 and one line on standard
error naming the file, line, column or option; the HTML file is written to a temporary
file beside the target and renamed, so a failed run leaves no partial report.
"""

from __future__ import annotations

import argparse
import io
import os
import pathlib
import sys
import tempfile
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from modelfolio import datasets
from modelfolio._catalog.catalog import Catalog
from modelfolio._common.errors import MissingDependencyError, ModelfolioError
from modelfolio._evaluation.arena import Battle
from modelfolio._evaluation.outcomes import Outcomes
from modelfolio._report.analysis import analyse
from modelfolio._report.page import render

__all__ = ["main"]

EXAMPLES = """\
examples:
  modelfolio report
      the whole analysis on the public data shipped in the package
  modelfolio report -o out/report.html --seed 1
  modelfolio report --outcomes evals.csv --item question --model model --score correct \\
      --cost cost --tags task --vendors vendors.json --incumbent gpt-4o --challenger llama-3.3-70b
  modelfolio report --outcomes wide.csv --item prompt --models gpt-4o,llama-3.3-70b \\
      --catalog model_prices_and_context_window.json
  modelfolio report --battles votes.jsonl --vendors vendors.json
  modelfolio report --outcomes evals.csv --queries prompts.json --vendors vendors.json
      adds routers that read each item's prompt (prompts.json: {"item id": "prompt text"})
  modelfolio report --outcomes evals.csv --vendors vendors.json --judgements judged.csv
      adds raw and length-controlled win rates of a judge's preferences against a baseline
"""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line on standard error and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be a share in (0, 1], got {text!r}")
    return value


def _margin(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    return value


def _names(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"expected comma-separated names, got {text!r}")
    return names


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("modelfolio")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a bare source tree
        return "(not installed)"


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``modelfolio`` (every option documented in ``--help``)."""
    top = _Parser(
        prog="modelfolio",
        description="Route, evaluate and de-risk LLM traffic across many vendors.",
    )
    top.add_argument(
        "--version", action="version", version=f"modelfolio {_version()}", help="show the version"
    )
    commands = top.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    report = commands.add_parser(
        "report",
        help="write the HTML report: can we stop depending on one vendor, at what cost?",
        description=(
            "Run the whole analysis (leaderboards, incumbent vs challenger, routing savings "
            "per tag and per query, vendor exposure, the cheapest split under a vendor cap, "
            "arena ratings with and without style control, whether a judge is gamed by "
            "length) and write one self-contained HTML file. With no options it runs on the "
            "public data shipped in the package (RouteLLM's MMLU, GSM8K and MT-Bench "
            "results; LLMFAO's crowd votes; AlpacaEval 2's judgements)."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    out = report.add_argument_group("output")
    out.add_argument(
        "-o",
        "--output",
        default="modelfolio-report.html",
        metavar="PATH",
        help="where to write the HTML report (default: %(default)s), e.g. -o out/report.html",
    )
    data = report.add_argument_group("your data (default: the shipped public data)")
    data.add_argument(
        "--outcomes",
        metavar="PATH",
        help="outcomes as CSV or JSONL: one row per item x model (long), or one row per "
        "item with a score column per model when --models is given (wide); e.g. "
        "--outcomes evals.csv",
    )
    data.add_argument(
        "--item",
        default="item",
        type=_names,
        metavar="COLUMN",
        help="item id column; several comma-separated columns are joined with ':' "
        "(default: item), e.g. --item question_id,turn",
    )
    data.add_argument(
        "--model",
        default="model",
        help="model column, long format (default: model), e.g. --model deployment",
    )
    data.add_argument(
        "--score",
        default="score",
        help="score column, long format: 0/1, a number or a boolean (default: score), "
        "e.g. --score correct",
    )
    data.add_argument(
        "--cost",
        metavar="COLUMN",
        help="cost column in US dollars (long), or the field of <model>|<field> cost "
        "columns (wide); e.g. --cost total_cost. Default: no costs (all zero)",
    )
    data.add_argument(
        "--tags",
        type=_names,
        metavar="COLUMN",
        help="column(s) whose values tag each item (task, subject), e.g. --tags subject",
    )
    data.add_argument(
        "--models",
        type=_names,
        metavar="NAMES",
        help="wide format: the comma-separated score columns, one per model, "
        "e.g. --models gpt-4o,llama-3.3-70b",
    )
    data.add_argument(
        "--queries",
        metavar="PATH",
        help="JSON object of item id to its query (the prompt text, or a list of numbers "
        "such as an embedding) for routers that read the query; with --outcomes, e.g. "
        "--queries prompts.json",
    )
    data.add_argument(
        "--battles",
        metavar="PATH",
        help="pairwise votes as CSV or JSONL for the ratings section, e.g. --battles votes.jsonl",
    )
    data.add_argument(
        "--battle-columns",
        type=_names,
        default=["model_a", "model_b", "winner"],
        metavar="A,B,WINNER",
        help="the battles' columns (default: model_a,model_b,winner), e.g. left,right,winner",
    )
    data.add_argument(
        "--judgements",
        metavar="PATH",
        help="a judge's preferences for models' answers against one baseline, as CSV or "
        "JSONL (one row per judgement: preference in [0, 1], both answers' lengths) for "
        "the section on judge bias, e.g. --judgements judged.csv",
    )
    data.add_argument(
        "--judgement-columns",
        type=_names,
        default=["item", "model", "baseline", "preference", "model_length", "baseline_length"],
        metavar="ITEM,MODEL,BASELINE,PREFERENCE,MODEL_LENGTH,BASELINE_LENGTH",
        help="the judgements' columns (default: item,model,baseline,preference,"
        "model_length,baseline_length), e.g. prompt,model,reference,pref,len,ref_len",
    )
    data.add_argument(
        "--telemetry",
        metavar="PATH",
        help="production calls as OpenTelemetry GenAI spans in OTLP/JSON (the collector's "
        "file exporter) for the traffic section, e.g. --telemetry traces.jsonl",
    )
    data.add_argument(
        "--spend-logs",
        metavar="PATH",
        help="production calls as a LiteLLM proxy spend-log export (CSV, JSON lines or JSON) "
        "for the traffic section, e.g. --spend-logs spend.csv",
    )
    data.add_argument(
        "--catalog",
        metavar="PATH",
        help="a LiteLLM price map (model_prices_and_context_window.json) for the cheapest "
        "split; its deployments whose model id is a scored model are used, "
        "e.g. --catalog model_prices_and_context_window.json",
    )
    data.add_argument(
        "--vendors",
        metavar="PATH",
        help='JSON object of model to vendor, e.g. {"gpt-4o": "openai", "llama-3.3-70b": '
        "\"meta\"}; default: the shipped data's, or the catalog's",
    )
    knobs = report.add_argument_group("analysis")
    knobs.add_argument(
        "--incumbent",
        help="the model depended on today (default: the best on the first benchmark), "
        "e.g. --incumbent gpt-4o",
    )
    knobs.add_argument(
        "--challenger",
        help="the model that might replace it (default: the cheapest other model), "
        "e.g. --challenger llama-3.3-70b",
    )
    knobs.add_argument(
        "--margin",
        type=_margin,
        default=0.05,
        help="non-inferiority margin in score units; also how far below the incumbent's "
        "quality the routed policy may go (default: %(default)s), e.g. --margin 0.02",
    )
    knobs.add_argument(
        "--max-vendor-share",
        type=_share,
        default=0.6,
        help="largest share of traffic any one vendor may carry in the cheapest split "
        "(default: %(default)s), e.g. --max-vendor-share 0.5",
    )
    knobs.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of every bootstrap and random baseline (default: %(default)s), e.g. --seed 7",
    )
    return top


# ---------------------------------------------------------------- reading inputs


class InputError(ModelfolioError, ValueError):
    """A file or option of the command line is unusable; the message says which."""


def _reading(path: str, read: Callable[[], Any]) -> Any:
    """Run ``read()``, naming ``path`` in any error it raises.

    The readers of :mod:`modelfolio.io` already name the file, line and column; this
    adds the path to what does not (an OS error, a message from deeper down).
    """
    if os.path.isdir(path):
        raise InputError(f"{path}: is a folder; name a file")
    try:
        return read()
    except (ModelfolioError, ValueError, KeyError, TypeError) as error:
        message = str(error)
        raise InputError(message if path in message else f"{path}: {message}") from None
    except OSError as error:
        raise InputError(f"{path}: {error.strerror or error}") from None


def _read_outcomes(options: argparse.Namespace) -> Outcomes:
    from modelfolio.io import read_outcomes_long, read_outcomes_wide

    path = options.outcomes
    item = options.item[0] if len(options.item) == 1 else options.item
    tags = options.tags[0] if options.tags and len(options.tags) == 1 else options.tags
    if options.models:
        return _reading(  # type: ignore[no-any-return]
            path,
            lambda: read_outcomes_wide(
                path, item=item, models=options.models, cost=options.cost, tags=tags
            ),
        )
    return _reading(  # type: ignore[no-any-return]
        path,
        lambda: read_outcomes_long(
            path,
            item=item,
            model=options.model,
            score=options.score,
            cost=options.cost,
            tags=tags,
        ),
    )


def _read_queries(path: str, outcomes: Outcomes) -> dict[Any, Any]:
    """The JSON object at ``path`` (item id to query), keyed by the outcomes' item ids."""
    from modelfolio.io import read_json

    raw = _reading(path, lambda: read_json(path))
    if not isinstance(raw, dict):
        raise InputError(
            f"{path}: expected a JSON object of item id to query, got {type(raw).__name__}"
        )
    for key, query in raw.items():
        if not isinstance(query, (str, list)):
            raise InputError(
                f"{path}: the query of item {key!r} is {query!r}; expected a text or a "
                "list of numbers"
            )
    found = {item: raw[str(item)] for item in outcomes.items if str(item) in raw}
    missing = [item for item in outcomes.items if str(item) not in raw]
    if missing:
        raise InputError(
            f"{path}: no query for {len(missing)} of the {len(outcomes.items)} items, "
            f"e.g. {str(missing[0])!r}"
        )
    return found


def _read_vendors(path: str) -> dict[str, str]:
    from modelfolio.io import read_json

    raw = _reading(path, lambda: read_json(path))
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in raw.items()
    ):
        raise InputError(f"{path}: expected a JSON object of model name to vendor name")
    return raw


def _read_catalog(path: str) -> Catalog:
    from modelfolio.io import load_litellm

    imported = _reading(path, lambda: load_litellm(path))
    return imported.catalog  # type: ignore[no-any-return]


def _vendors_from_catalog(catalog: Catalog, models: Sequence[str]) -> dict[str, str]:
    found = {}
    for model in models:
        serving = catalog.serving(model)
        if serving:
            found[model] = serving[0].vendor
    return found


def _infer_vendors(vendors: dict[str, str], missing: list[str]) -> list[str]:
    """Fill ``vendors`` for ``missing`` models by the known name rules, else each its own.

    Returns the notes to tell the reader (nothing when nothing was missing).
    """
    if not missing:
        return []
    from modelfolio._formats.litellm import infer_vendor

    inferred, unknown = [], []
    for model in missing:
        rule = infer_vendor(model, "")
        if rule is not None:
            vendors[model] = rule.vendor
            inferred.append(f"{model} -> {rule.vendor}")
        else:
            vendors[model] = model
            unknown.append(model)
    notes = []
    if inferred:
        notes.append(
            f"Vendor inferred from the model name for {len(inferred)} "
            f"model{'s' if len(inferred) != 1 else ''} ({', '.join(inferred)}); pass "
            "--vendors to set them."
        )
    if unknown:
        notes.append(
            f"Vendor unknown for {len(unknown)} model{'s' if len(unknown) != 1 else ''} "
            f"({', '.join(unknown)}), each counted as its own vendor; pass --vendors."
        )
    return notes


_COST_LIKE = ("cost", "price", "spend", "usd", "dollar")


def _cost_like_columns(path: str) -> list[str]:
    """The columns of a CSV or JSONL file whose names read like a cost (first line only)."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as handle:
            first = handle.readline(1 << 16)
    except OSError:
        return []
    names: list[str] = []
    if first.lstrip().startswith("{"):
        try:
            import json

            row = json.loads(first)
            names = [str(k) for k in row] if isinstance(row, dict) else []
        except ValueError:
            names = []
    else:
        import csv

        names = next(csv.reader([first]), [])
    return [n for n in names if any(word in n.lower() for word in _COST_LIKE)]


def _inputs(options: argparse.Namespace) -> dict[str, Any]:
    catalog = _read_catalog(options.catalog) if options.catalog else None
    costs = True
    given_vendors = _read_vendors(options.vendors) if options.vendors else None
    notes: list[str] = []
    sources: list[datasets.Dataset] = []
    benchmarks: dict[str, Outcomes] = {}
    queries: dict[str, dict[Any, Any]] | None = None
    if options.queries and not options.outcomes:
        raise InputError(
            "--queries: give it with --outcomes (the shipped data brings its own prompts)"
        )
    if options.outcomes:
        outcomes = _read_outcomes(options)
        benchmarks[pathlib.Path(options.outcomes).stem] = outcomes
        if options.queries:
            queries = {
                pathlib.Path(options.outcomes).stem: _read_queries(options.queries, outcomes)
            }
        vendors = dict(given_vendors or {})
        if catalog is not None:
            for model, vendor in _vendors_from_catalog(catalog, outcomes.models).items():
                vendors.setdefault(model, vendor)
        notes.extend(_infer_vendors(vendors, [m for m in outcomes.models if m not in vendors]))
        if not options.cost:
            costs = False
            unused = _cost_like_columns(options.outcomes)
            notes.append(
                "Costs unavailable: no --cost was given"
                + (
                    f"; the file has a column named like a cost ({', '.join(unused)}): pass "
                    f"--cost {unused[0]} to use it"
                    if unused
                    else ""
                )
                + ". Cost figures are shown as unavailable and the default challenger is the "
                "next best model."
            )
    else:
        shipped = [datasets.load(n) for n in ("routellm-mmlu", "routellm-gsm8k")]
        shipped.append(datasets.load("routellm-mt-bench"))
        sources.extend(shipped)
        queries = {}
        for name, dataset in zip(("MMLU", "GSM8K", "MT-Bench"), shipped, strict=True):
            assert dataset.outcomes is not None  # the shipped RouteLLM sets are scored
            benchmarks[name] = dataset.outcomes
            queries[name] = dict(dataset.texts)
        vendors = {**shipped[0].vendors, **(given_vendors or {})}
        if catalog is None:
            catalog = shipped[0].catalog
            notes.append(
                "Costs and the cheapest split use list prices from LiteLLM's price map "
                "(1.109.1): GPT-4 Turbo $10/$30 and Mixtral 8x7B $0.60/$0.60 per million "
                "input/output tokens; tokens are estimated as one per four characters of "
                "prompt and answer (see modelfolio.datasets)."
            )
    battles: list[Battle] | list[tuple[str, str, str]] | None = None
    battle_vendors: dict[str, str] = dict(given_vendors or {})
    if options.battles:
        from modelfolio.io import read_battles

        if len(options.battle_columns) != 3:
            raise InputError(
                f"--battle-columns: expected A,B,WINNER, got {','.join(options.battle_columns)!r}"
            )
        a, b, winner = options.battle_columns
        path = options.battles
        battles = _reading(path, lambda: read_battles(path, a=a, b=b, winner=winner))
        if not battles:
            raise InputError(f"{path}: no battles in the file")
    elif not options.outcomes:
        votes = datasets.load("llmfao")
        sources.append(votes)
        battles = votes.battles
        battle_vendors = {**votes.vendors, **battle_vendors}
    judgements = None
    judgement_vendors: dict[str, str] = dict(given_vendors or {})
    if options.judgements:
        from modelfolio.io import read_judgements

        if len(options.judgement_columns) != 6:
            raise InputError(
                "--judgement-columns: expected ITEM,MODEL,BASELINE,PREFERENCE,MODEL_LENGTH,"
                f"BASELINE_LENGTH, got {','.join(options.judgement_columns)!r}"
            )
        item, model, baseline, preference, model_length, baseline_length = options.judgement_columns
        path = options.judgements
        judgements = _reading(
            path,
            lambda: read_judgements(
                path,
                item=item,
                model=model,
                baseline=baseline,
                preference=preference,
                model_length=model_length,
                baseline_length=baseline_length,
            ),
        )
    elif not options.outcomes:
        judged = datasets.load("alpaca-eval")
        sources.append(judged)
        judgements = judged.judgements
        judgement_vendors = {**judged.vendors, **judgement_vendors}
    for model in (options.incumbent, options.challenger):
        if model is not None and not any(model in t.models for t in benchmarks.values()):
            option = "--incumbent" if model == options.incumbent else "--challenger"
            known = sorted({m for t in benchmarks.values() for m in t.models})
            raise InputError(
                f"{option}: no outcomes for {model!r}; the models are: {', '.join(known)}"
            )
    traffic: list[Any] = []
    if options.telemetry or options.spend_logs:
        from modelfolio import reference_catalog
        from modelfolio.io import read_litellm_spend_logs, read_otel_genai

        pricing = catalog if options.catalog else reference_catalog()
        if options.telemetry:
            path = options.telemetry
            traffic += _reading(
                path, lambda: read_otel_genai(path, catalog=pricing, vendor_of=given_vendors)
            )
        if options.spend_logs:
            path = options.spend_logs
            traffic += _reading(
                path,
                lambda: read_litellm_spend_logs(path, catalog=pricing, vendor_of=given_vendors),
            )
        if not options.catalog:
            notes.append(
                "Telemetry is priced and attributed through the reference catalog "
                "(pass --catalog for your own prices)."
            )
    return {
        "queries": queries,
        "traffic": traffic,
        "benchmarks": benchmarks,
        "vendors": vendors,
        "catalog": catalog,
        "battles": battles,
        "battle_vendors": battle_vendors,
        "judgements": judgements,
        "judgement_vendors": judgement_vendors,
        "costs": costs,
        "notes": notes,
        "sources": sources,
    }


# ---------------------------------------------------------------- figures


def _pyplot() -> Any:
    """matplotlib's pyplot set up for reproducible SVG, or an error saying what to install."""
    try:
        import matplotlib
    except ImportError as error:
        raise MissingDependencyError(
            "the report draws figures with matplotlib: pip install 'modelfolio[report]'"
        ) from error
    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: small, searchable
    matplotlib.rcParams["svg.hashsalt"] = "modelfolio"  # the same ids on every run
    import matplotlib.pyplot as plt

    return plt


def _svg(ax: Any) -> str:
    plt = _pyplot()
    figure = ax.figure
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _write_atomically(path: pathlib.Path, text: str) -> None:
    folder = path.parent if str(path.parent) else pathlib.Path(".")
    if not folder.is_dir():
        raise InputError(f"--output: the folder {str(folder)!r} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        # mkstemp makes the file private; a report is as readable as any file the user makes.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        pathlib.Path(temporary).unlink(missing_ok=True)
        raise


def run_report(options: argparse.Namespace) -> int:
    """The ``report`` command: analyse, render, write, summarise."""
    output = pathlib.Path(options.output)
    if output.is_dir():
        raise InputError(f"--output: {str(output)!r} is a folder; name a file")
    folder = output.parent if str(output.parent) else pathlib.Path(".")
    if folder.exists() and not folder.is_dir():
        raise InputError(f"--output: {str(folder)!r} is a file, not a folder")
    _pyplot()  # fail early, before any work, when matplotlib is missing
    inputs = _inputs(options)
    report = analyse(
        inputs["benchmarks"],
        vendors=inputs["vendors"],
        catalog=inputs["catalog"],
        battles=inputs["battles"],
        battle_vendors=inputs["battle_vendors"],
        incumbent=options.incumbent,
        challenger=options.challenger,
        margin=options.margin,
        max_vendor_share=options.max_vendor_share,
        seed=options.seed,
        traffic=inputs["traffic"] or None,
        queries=inputs["queries"],
        judgements=inputs["judgements"],
        judgement_vendors=inputs["judgement_vendors"],
        costs=inputs["costs"],
    )
    page = render(report, notes=inputs["notes"], sources=inputs["sources"], svg=_svg)
    try:
        folder.mkdir(parents=True, exist_ok=True)  # -o out/report.html makes out/
    except OSError as error:
        raise InputError(
            f"--output: cannot make the folder {str(folder)!r}: {error.strerror or error}"
        ) from None
    _write_atomically(output, page)
    print("modelfolio report")
    for note in inputs["notes"]:
        if note.startswith(("Vendor ", "Costs unavailable")):
            print(f"  note: {note}")
    for line in report.headline():
        print(f"  {line}")
    print(f"report written to {output}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    top = parser()
    options = top.parse_args(argv)
    if options.command is None:
        top.print_help()
        return 2
    try:
        return run_report(options)
    except (ModelfolioError, OSError) as error:
        message = " ".join(str(error).split())
        print(f"modelfolio {options.command}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
