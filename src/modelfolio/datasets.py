"""Public evaluation data shipped inside the package, ready to analyse.

An I/O edge: it reads the compact copies in ``modelfolio/_data`` and hands plain values
to the pure core. Only sources whose licences allow redistribution are shipped, each
with its licence and a NOTICE beside it:

========================  ==========================================================
name                      what it holds
========================  ==========================================================
``routellm-mmlu``         14,042 MMLU questions over 57 subjects, GPT-4 Turbo
                          (``gpt-4-1106-preview``) vs Mixtral 8x7B correctness
                          (RouteLLM, Apache-2.0)
``routellm-gsm8k``        1,319 GSM8K problems, the same two models (RouteLLM)
``routellm-mt-bench``     80 MT-Bench questions × 2 turns × the same two models,
                          graded 1–10 by GPT-4 (RouteLLM)
``llmfao``                8,931 crowd votes over 59 models' answers to 13 prompts,
                          with each model's organisation and each answer's style
                          (length, markdown counts) (LLMFAO, CC BY 4.0)
``alpaca-eval``           46,680 judgements by AlpacaEval 2's weighted GPT-4 Turbo
                          judge of 58 models' answers against ``gpt4_1106_preview``
                          on its 805 instructions, with both answers' lengths and the
                          published leaderboard (AlpacaEval, Apache-2.0; numbers and
                          ids only)
========================  ==========================================================

AlpacaEval's vendors are read from the model names (documented in
:data:`ALPACA_EVAL_VENDORS`'s rules): ``gpt*``/``text_davinci*`` OpenAI, ``claude*``
Anthropic, ``gemma*`` Google, ``phi-2*`` Microsoft, ``Qwen*`` Alibaba, ``falcon*`` and
``openbuddy-falcon*`` TII, ``Mixtral*``/``Mistral*`` Mistral; fine-tunes of another
lab's base model (FuseChat, Vicuna, WizardLM, Alpaca, ...) count as the fine-tuner's.
The ``NullModel`` (one constant adversarial answer) is its own vendor, ``null``.

Costs: RouteLLM logged no costs, so each outcome's cost is estimated as

    cost = input_tokens × input price + output_tokens × output price,

with tokens counted by the rule of thumb **one token per four characters**, rounded up
(``ceil(len(text) / 4)``, at least one). Input is the prompt text (for an MT-Bench second
turn: both questions and the model's first answer). Output is the model's own answer
where the source keeps it (GSM8K answers, MT-Bench answers as the judge saw them) and one
token for MMLU, whose prompts end in ``Answer:`` and are answered with a letter. Prices
are list prices in US dollars per million tokens from LiteLLM's price map (version
1.109.1): ``gpt-4-1106-preview`` at OpenAI $10 in / $30 out, and Mixtral 8x7B Instruct at
Together AI (``together_ai/mistralai/Mixtral-8x7B-Instruct-v0.1``) $0.60 in / $0.60 out.
The same prices are in each data set's :attr:`Dataset.catalog`.

Examples:
    >>> from modelfolio import datasets, leaderboard
    >>> datasets.names()
    ('alpaca-eval', 'llmfao', 'routellm-gsm8k', 'routellm-mmlu', 'routellm-mt-bench')
    >>> mmlu = datasets.load("routellm-mmlu")
    >>> mmlu.outcomes
    Outcomes(14042 items, 2 models, 28084 rows)
    >>> round(leaderboard(mmlu.outcomes).entry("gpt-4-1106-preview").mean, 4)
    0.8058
    >>> mmlu.vendors["mistralai/Mixtral-8x7B-Instruct-v0.1"]
    'mistral'
"""

from __future__ import annotations

import json
import lzma
import math
from collections.abc import Hashable, Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any

from attrs import field, frozen

from modelfolio._catalog.catalog import Catalog, Deployment, Model
from modelfolio._catalog.prices import Price
from modelfolio._common.errors import ValidationError
from modelfolio._evaluation.arena import Battle
from modelfolio._evaluation.judgements import Judgements
from modelfolio._evaluation.outcomes import Outcomes

__all__ = ["Dataset", "load", "names"]


def __dir__() -> list[str]:
    return list(__all__)


GPT4 = "gpt-4-1106-preview"
MIXTRAL = "mistralai/Mixtral-8x7B-Instruct-v0.1"

PRICES: Mapping[str, tuple[float, float]] = MappingProxyType(
    {GPT4: (10.0, 30.0), MIXTRAL: (0.6, 0.6)}
)
"""US dollars per million input and output tokens used to estimate RouteLLM costs."""

CHARS_PER_TOKEN = 4
"""The tokens-per-character rule: one token per four characters, rounded up."""

_ROUTELLM_VENDORS = MappingProxyType({GPT4: "openai", MIXTRAL: "mistral"})

_ROUTELLM_CITATION = (
    "Ong, I., Almahairi, A., Wu, V., Chiang, W.-L., Wu, T., Gonzalez, J. E., Kadous, M. W., "
    "& Stoica, I. (2024). RouteLLM: Learning to Route LLMs with Preference Data. "
    "arXiv:2406.18665. Data: https://github.com/lm-sys/RouteLLM "
    "(commit 0b64fdafe049e596a3f5657c219329f24af24198)."
)
_LLMFAO_CITATION = (
    "Ustalov, D. (2023). Large Language Model Feedback Analysis and Optimization (LLMFAO). "
    "https://github.com/dustalov/llmfao (commit 9e224e94a40129fd6e1e1529b962307e84af40da), "
    "licensed CC BY 4.0."
)
_APACHE = "Apache-2.0 (RouteLLM); see modelfolio/_data/routellm/LICENSE.Apache-2.0 and NOTICE"
_CC_BY = "CC BY 4.0 (LLMFAO); see modelfolio/_data/llmfao/LICENSE.CC-BY and NOTICE"

_ALPACA_EVAL_CITATION = (
    "Dubois, Y., Galambosi, B., Liang, P., & Hashimoto, T. B. (2024). Length-Controlled "
    "AlpacaEval: A Simple Way to Debias Automatic Evaluators. arXiv:2404.04475. Data: "
    "https://github.com/tatsu-lab/alpaca_eval (commit cd543a149df89434d8a54582c0151c0b945c3d20)."
)
_ALPACA_APACHE = (
    "Apache-2.0 (AlpacaEval); see modelfolio/_data/alpaca_eval/LICENSE.Apache-2.0 and NOTICE"
)

_NAMES = ("alpaca-eval", "llmfao", "routellm-gsm8k", "routellm-mmlu", "routellm-mt-bench")

ALPACA_EVAL_VENDORS: tuple[tuple[str, str], ...] = (
    ("NullModel", "null"),
    ("gpt", "openai"),
    ("text_davinci", "openai"),
    ("claude", "anthropic"),
    ("gemma", "google"),
    ("phi-2", "microsoft"),
    ("Qwen", "alibaba"),
    ("falcon", "tii"),
    ("openbuddy-falcon", "tii"),
    ("Mixtral", "mistral"),
    ("Mistral", "mistral"),
    ("FuseChat", "fusechat"),
    ("OpenHermes", "nous-research"),
    ("nous-hermes", "nous-research"),
    ("openbuddy", "openbuddy"),
    ("vicuna", "lmsys"),
    ("alpaca", "stanford"),
    ("humpback", "meta"),
    ("oasst", "open-assistant"),
    ("pythia", "eleutherai"),
    ("wizardlm", "wizardlm"),
    ("baize", "baize"),
    ("chatglm", "zhipu"),
    ("jina", "jina"),
    ("minichat", "geb"),
    ("minotaur", "openaccess-ai"),
    ("ultralm", "openbmb"),
)
"""Name prefix -> vendor for AlpacaEval's models, the longest matching prefix first."""


def alpaca_eval_vendor(model: str) -> str:
    """The vendor of an AlpacaEval model, by the longest prefix in :data:`ALPACA_EVAL_VENDORS`.

    Examples:
        >>> alpaca_eval_vendor("claude-2.1_concise"), alpaca_eval_vendor("openbuddy-falcon-40b-v9")
        ('anthropic', 'tii')
    """
    found = max(
        (prefix for prefix, _ in ALPACA_EVAL_VENDORS if model.startswith(prefix)),
        key=len,
        default=None,
    )
    return dict(ALPACA_EVAL_VENDORS)[found] if found is not None else model


def _mapping(value: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(dict(value))


@frozen(kw_only=True, eq=False)
class Dataset:
    """One shipped data set: its outcomes or battles, texts, vendors, licence and citation.

    Examples:
        >>> from modelfolio import datasets
        >>> votes = datasets.load("llmfao")
        >>> votes.outcomes is None, len(votes.battles), votes.vendors["GPT 4"]
        (True, 8931, 'OpenAI')
        >>> print(votes.licence)
        CC BY 4.0 (LLMFAO); see modelfolio/_data/llmfao/LICENSE.CC-BY and NOTICE
    """

    name: str
    """The name :func:`load` takes."""
    description: str
    """One sentence on what it holds."""
    outcomes: Outcomes | None
    """Scored outcomes (item × model), or ``None`` for preference data."""
    battles: list[Battle] | None
    """Pairwise preferences, or ``None`` for scored data (LLMFAO's carry each answer's
    style: :func:`~modelfolio.style_features` of its text)."""
    battle_items: tuple[Hashable, ...] | None = None
    """The prompt id each battle judged, parallel to :attr:`battles`."""
    texts: Mapping[Hashable, str] = field(converter=_mapping)
    """Item (or prompt) id to its text."""
    vendors: Mapping[str, str] = field(converter=_mapping)
    """Model to the organisation that makes it."""
    contaminated: frozenset[Hashable] = frozenset()
    """Items the source's authors excluded because they leaked into training data."""
    judgements: Judgements | None = None
    """A judge's preferences against a baseline (AlpacaEval), or ``None``."""
    published: Mapping[str, Mapping[str, float]] = field(factory=dict, converter=_mapping)
    """Figures the source published per model (AlpacaEval: ``win_rate``,
    ``standard_error``, ``length_controlled_winrate``, ``lc_standard_error``,
    ``avg_length``), to compare with."""
    catalog: Catalog | None = None
    """Deployments at the list prices used to estimate :attr:`outcomes` costs."""
    citation: str
    """How to cite the source."""
    licence: str
    """The source's licence and where its text is shipped."""

    @staticmethod
    def names() -> tuple[str, ...]:
        """Every shipped data set's name (the same as :func:`names`)."""
        return _NAMES

    def __repr__(self) -> str:
        what = (
            repr(self.outcomes)
            if self.outcomes is not None
            else repr(self.judgements)
            if self.judgements is not None
            else f"{len(self.battles or ())} battles"
        )
        return f"Dataset({self.name!r}, {what})"


def names() -> tuple[str, ...]:
    """The names of the data sets shipped inside the package, sorted.

    Examples:
        >>> "routellm-mmlu" in names()
        True
    """
    return _NAMES


def _read(name: str) -> Any:
    data = resources.files("modelfolio").joinpath("_data").joinpath(f"{name}.json.xz").read_bytes()
    return json.loads(lzma.decompress(data).decode("utf-8"))


def tokens(text_length: int) -> int:
    """Tokens estimated for ``text_length`` characters: ``ceil(length / 4)``, at least 1."""
    return max(1, math.ceil(text_length / CHARS_PER_TOKEN))


def _cost(model: str, input_chars: int, output_tokens: int) -> float:
    input_price, output_price = PRICES[model]
    return (tokens(input_chars) * input_price + output_tokens * output_price) / 1e6


def _routellm_catalog() -> Catalog:
    models = {
        GPT4: Model(
            id=GPT4,
            vendor="openai",
            capabilities={"chat", "tools"},
            context_window=128_000,
            max_output_tokens=4_096,
        ),
        MIXTRAL: Model(
            id=MIXTRAL,
            vendor="mistral",
            capabilities={"chat"},
            context_window=32_768,
            max_output_tokens=32_768,
            open_weights=True,
        ),
    }
    return Catalog(
        deployments=[
            Deployment(
                id="openai/gpt-4-1106-preview",
                model=models[GPT4],
                provider="openai",
                price=Price(input_per_mtok=PRICES[GPT4][0], output_per_mtok=PRICES[GPT4][1]),
            ),
            Deployment(
                id="together_ai/Mixtral-8x7B-Instruct-v0.1",
                model=models[MIXTRAL],
                provider="together_ai",
                price=Price(input_per_mtok=PRICES[MIXTRAL][0], output_per_mtok=PRICES[MIXTRAL][1]),
            ),
        ]
    )


def _contaminated(texts: Mapping[Hashable, str], leaked: list[str]) -> frozenset[Hashable]:
    wanted = set(leaked)
    return frozenset(item for item, text in texts.items() if text in wanted)


def _routellm(
    name: str,
    description: str,
    columns: dict[str, list[Any]],
    texts: dict[Hashable, str],
    contaminated: frozenset[Hashable],
) -> Dataset:
    return Dataset(
        name=name,
        description=description,
        outcomes=Outcomes.from_columns(**columns),
        battles=None,
        texts=texts,
        vendors=_ROUTELLM_VENDORS,
        contaminated=contaminated,
        catalog=_routellm_catalog(),
        citation=_ROUTELLM_CITATION,
        licence=_APACHE,
    )


def _mmlu() -> Dataset:
    raw = _read("routellm-mmlu")
    subjects: list[str] = raw["subjects"]
    models: list[str] = raw["models"]
    columns: dict[str, list[Any]] = {"item": [], "model": [], "score": [], "cost": [], "tags": []}
    texts: dict[Hashable, str] = {}
    counters = [0] * len(subjects)
    tag_sets = [frozenset({s}) for s in subjects]
    for subject, prompt, *correct in raw["rows"]:
        item = f"{subjects[subject]}:{counters[subject]}"
        counters[subject] += 1
        texts[item] = prompt
        for model, score in zip(models, correct, strict=True):
            columns["item"].append(item)
            columns["model"].append(model)
            columns["score"].append(float(score))
            columns["cost"].append(_cost(model, len(prompt), 1))
            columns["tags"].append(tag_sets[subject])
    return _routellm(
        "routellm-mmlu",
        "MMLU: 14,042 multiple-choice questions over 57 subjects (the tag), "
        "GPT-4 Turbo vs Mixtral 8x7B correctness, from RouteLLM.",
        columns,
        texts,
        _contaminated(texts, raw["contaminated"]),
    )


def _gsm8k() -> Dataset:
    raw = _read("routellm-gsm8k")
    models: list[str] = raw["models"]
    columns: dict[str, list[Any]] = {"item": [], "model": [], "score": [], "cost": []}
    texts: dict[Hashable, str] = {}
    for number, (prompt, *cells) in enumerate(raw["rows"]):
        item = f"gsm8k:{number}"
        texts[item] = prompt
        correct, lengths = cells[: len(models)], cells[len(models) :]
        for model, score, length in zip(models, correct, lengths, strict=True):
            columns["item"].append(item)
            columns["model"].append(model)
            columns["score"].append(float(score))
            columns["cost"].append(_cost(model, len(prompt), tokens(length)))
    return _routellm(
        "routellm-gsm8k",
        "GSM8K: 1,319 grade-school maths problems (no tags), GPT-4 Turbo vs "
        "Mixtral 8x7B correctness, from RouteLLM.",
        columns,
        texts,
        _contaminated(texts, raw["contaminated"]),
    )


def _mt_bench() -> Dataset:
    raw = _read("routellm-mt-bench")
    questions = {qid: (category, turns) for qid, category, turns in raw["questions"]}
    columns: dict[str, list[Any]] = {"item": [], "model": [], "score": [], "cost": [], "tags": []}
    texts: dict[Hashable, str] = {}
    leaked = set(raw["contaminated"])
    contaminated: set[Hashable] = set()
    for qid, turn, model, score, answer_lengths in raw["grades"]:
        category, turns = questions[qid]
        item = f"{qid}:{turn}"
        texts[item] = turns[turn - 1]
        if turns[0] in leaked:
            contaminated.add(item)
        # Input: every question up to this turn plus the model's earlier answers.
        input_chars = sum(len(t) for t in turns[:turn]) + sum(answer_lengths[: turn - 1])
        columns["item"].append(item)
        columns["model"].append(model)
        columns["score"].append(float(score))
        columns["cost"].append(_cost(model, input_chars, tokens(answer_lengths[turn - 1])))
        columns["tags"].append({category, f"turn {turn}"})
    return _routellm(
        "routellm-mt-bench",
        "MT-Bench: 80 questions x 2 turns (item 'question:turn', tags the category "
        "and the turn), GPT-4 Turbo vs Mixtral 8x7B, graded 1-10 by GPT-4, from RouteLLM.",
        columns,
        texts,
        frozenset(contaminated),
    )


_WINNER = {"left": "a", "right": "b", "tie": "tie"}


def _llmfao() -> Dataset:
    raw = _read("llmfao")
    vendors = {name: org for name, org, _, _ in raw["models"]}
    names = raw["style_names"]
    styles = {
        (prompt, model): dict(zip(names, counts, strict=True))
        for prompt, model, *counts in raw["styles"]
    }
    battles, items = [], []
    for prompt, left, right, winner in raw["votes"]:
        battles.append(
            Battle(
                a=left,
                b=right,
                winner=_WINNER[winner],  # type: ignore[arg-type]
                style_a=styles[(prompt, left)],
                style_b=styles[(prompt, right)],
            )
        )
        items.append(prompt)
    voted = {b.a for b in battles} | {b.b for b in battles}
    return Dataset(
        name="llmfao",
        description=(
            "LLMFAO: 8,931 crowd votes (left, right or tie) between 59 models' answers "
            "to 13 prompts, with each model's organisation."
        ),
        outcomes=None,
        battles=battles,
        battle_items=tuple(items),
        texts=dict(raw["prompts"]),
        vendors={m: v for m, v in sorted(vendors.items()) if m in voted},
        citation=_LLMFAO_CITATION,
        licence=_CC_BY,
    )


def _alpaca_eval() -> Dataset:
    raw = _read("alpaca-eval")
    models, sets = raw["models"], raw["sets"]
    columns: dict[str, list[Any]] = {
        "item": [],
        "model": [],
        "preference": [],
        "model_length": [],
        "baseline_length": [],
        "tags": [],
    }
    tag_sets = [frozenset({name}) for name in sets]
    for model, index, source, preference, baseline_length, model_length in raw["rows"]:
        # AlpacaEval's preference is in [1, 2] (2: the model preferred); 0 marks a tie.
        columns["item"].append(index)
        columns["model"].append(models[model])
        columns["preference"].append((1.5 if preference == 0 else preference) - 1.0)
        columns["model_length"].append(model_length)
        columns["baseline_length"].append(baseline_length)
        columns["tags"].append(tag_sets[source])
    judgements = Judgements.from_columns(baseline=raw["baseline"], **columns)
    published = {
        name: {
            key: float(value)
            for key, value in (
                ("win_rate", win_rate),
                ("standard_error", standard_error),
                ("length_controlled_winrate", lc),
                ("lc_standard_error", lc_error),
                ("avg_length", length),
            )
            if value is not None  # the baseline has no LC standard error
        }
        for name, win_rate, standard_error, lc, lc_error, length in raw["leaderboard"]
    }
    return Dataset(
        name="alpaca-eval",
        description=(
            "AlpacaEval 2: the weighted GPT-4 Turbo judge's preference for 58 models' answers "
            "over gpt4_1106_preview's on 805 instructions (tag: the source set), with both "
            "answers' lengths in characters, and the published leaderboard."
        ),
        outcomes=None,
        battles=None,
        judgements=judgements,
        published=published,
        texts={},
        vendors={name: alpaca_eval_vendor(name) for name in models},
        citation=_ALPACA_EVAL_CITATION,
        licence=_ALPACA_APACHE,
    )


_LOADERS = {
    "alpaca-eval": _alpaca_eval,
    "llmfao": _llmfao,
    "routellm-gsm8k": _gsm8k,
    "routellm-mmlu": _mmlu,
    "routellm-mt-bench": _mt_bench,
}


def load(name: str) -> Dataset:
    """Load the shipped data set ``name`` (one of :func:`names`).

    Raises:
        ValidationError: ``name`` is not a shipped data set (the message lists them).

    Examples:
        >>> gsm8k = load("routellm-gsm8k")
        >>> gsm8k.outcomes, len(gsm8k.texts), len(gsm8k.contaminated)
        (Outcomes(1319 items, 2 models, 2638 rows), 1319, 12)
        >>> load("mmlu")
        Traceback (most recent call last):
        ...
        modelfolio._common.errors.ValidationError: no shipped data set is named 'mmlu'; the names are: alpaca-eval, llmfao, routellm-gsm8k, routellm-mmlu, routellm-mt-bench
    """
    if not isinstance(name, str) or name not in _LOADERS:
        raise ValidationError(
            f"no shipped data set is named {name!r}; the names are: {', '.join(_NAMES)}"
        )
    return _LOADERS[name]()
