"""The package's layout: a light import, names resolved lazily, one docs section per folder.

The layers and the absence of import cycles are checked by import-linter (``lint-imports``,
configured in pyproject.toml and run by .ci/run); these tests hold what it does not see.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pathlib
import subprocess
import sys

import pytest

import modelfolio

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "modelfolio"
FOLDERS = sorted(
    p.name
    for p in PACKAGE.iterdir()
    if p.is_dir() and p.name.startswith("_") and p.name not in {"_data", "__pycache__"}
)


def modules_after(statement: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``statement``."""
    code = f"import sys, json\nbefore = set(sys.modules)\n{statement}\nprint(json.dumps(sorted(set(sys.modules) - before)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(done.stdout))


def test_import_modelfolio_loads_no_concept_folder() -> None:
    loaded = modules_after("import modelfolio")
    ours = {m for m in loaded if m.startswith("modelfolio")}
    # only the package itself and the pickling registration (copyreg of read-only views)
    assert {"modelfolio", "modelfolio._common", "modelfolio._common.pickling"} == ours
    for heavy in ("attr", "attrs", "asyncio"):
        assert heavy not in loaded


def test_the_routing_path_loads_no_evaluation_learning_or_exposure() -> None:
    loaded = modules_after("from modelfolio import Request, Policy, route, reference_catalog")
    folders = {m.split(".")[1] for m in loaded if m.startswith("modelfolio.")}
    assert {"_common", "_catalog", "_routing"} == folders
    assert "asyncio" not in loaded
    assert "modelfolio._formats.litellm" not in loaded


def test_a_name_loads_its_own_folder_on_first_use() -> None:
    loaded = modules_after("import modelfolio\nmodelfolio.bradley_terry")
    assert "modelfolio._evaluation.arena" in loaded
    assert not any(m.startswith(("modelfolio._learning", "modelfolio._exposure")) for m in loaded)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'rout'"):
        modelfolio.rout
    assert not hasattr(modelfolio, "Outcome")


def _type_checking_imports() -> dict[str, str]:
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom)
                for alias in statement.names:
                    found[alias.asname or alias.name] = str(statement.module)
    return found


def test_type_checkers_see_every_public_name_where_it_is_loaded_from() -> None:
    where = modelfolio._WHERE
    assert where == _type_checking_imports()
    assert sorted(where) == sorted(modelfolio.__all__)
    for name, module in where.items():
        value = getattr(importlib.import_module(module), name)
        assert value is getattr(modelfolio, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert module == value.__module__, name  # defined there, not re-exported


@pytest.mark.parametrize("folder", FOLDERS)
def test_each_folder_says_what_it_is_for_and_nothing_else(folder: str) -> None:
    tree = ast.parse((PACKAGE / folder / "__init__.py").read_text())
    assert 1 == len(tree.body), f"{folder}/__init__.py holds more than its docstring"
    docstring = ast.get_docstring(tree)
    assert docstring
    if folder != "_common":
        assert "May import:" in docstring


def test_the_api_page_has_one_section_per_folder_naming_every_public_name() -> None:
    page = (ROOT / "docs" / "api.md").read_text()
    listed: list[str] = []
    for section in page.split("\n## ")[1:]:
        names = [line.strip()[2:] for line in section.splitlines() if line.startswith("        - ")]
        if not names:
            continue
        folders = {modelfolio._WHERE[name].split(".")[1] for name in names}
        assert 1 == len(folders), f"section {section.splitlines()[0]!r} mixes {folders}"
        listed.extend(names)
    assert sorted(modelfolio.__all__) == sorted(listed)


def test_no_example_rebinds_a_public_name() -> None:
    """A doctest that assigns to ``cost`` or ``route`` breaks every later example that
    uses the function (and teaches readers to shadow it)."""
    import re

    names = set(modelfolio.__all__) | {"datasets", "io"}
    assignment = re.compile(r"^\s*(?:>>>|\.\.\.)\s+(?:for\s+([\w, ]+?)\s+in\s|([\w, ]+?)\s+=\s)")
    files = [*(ROOT / "docs").glob("*.md"), ROOT / "README.md", *(ROOT / "src").rglob("*.py")]
    found = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = assignment.match(line)
            if match:
                targets = re.split(r"\s*,\s*", (match.group(1) or match.group(2)).strip())
                found += [f"{path.name}:{number}: {t}" for t in targets if t in names]
    assert found == []
