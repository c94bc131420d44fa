"""The file-reading shell around the pure core.

The core takes dicts, sequences and objects; this module is the one place (with
``__main__`` and the execution module) that opens files. Each reader parses a file
and hands the result to the matching pure function.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import Any, Union

from modelfolio._litellm import VENDOR_RULES, PriceMapImport, VendorRule, from_litellm

__all__ = ["load_litellm", "read_json"]

PathLike = Union[str, "os.PathLike[str]"]


def read_json(path: PathLike) -> Any:
    """Parse the JSON file at ``path`` (UTF-8)."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def load_litellm(
    path: PathLike,
    *,
    vendor_rules: Iterable[VendorRule] = VENDOR_RULES,
    model_aliases: Mapping[str, str] | None = None,
) -> PriceMapImport:
    """Read LiteLLM's ``model_prices_and_context_window`` JSON and import it.

    The same as ``from_litellm(read_json(path), ...)``; see
    :func:`modelfolio.from_litellm` for what is kept and how vendors are told apart.
    """
    return from_litellm(read_json(path), vendor_rules=vendor_rules, model_aliases=model_aliases)
