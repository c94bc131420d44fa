"""The core does no I/O: no files, clock, network, environment, printing or global randomness.

The core is every module under a private folder (``modelfolio/_*/``), except the
execution module ``_calling/execute.py``, which drives the caller's clients, clock and
sleep. The edges sit at the package root (``io``, ``datasets``, ``__main__``, ``redis``,
``dask``) and are not checked here. This test parses every core module and fails on any
forbidden import or call.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "src" / "modelfolio"
EXECUTION = PACKAGE / "_calling" / "execute.py"
FORBIDDEN_MODULES = {
    "os",
    "pathlib",
    "time",
    "asyncio",
    "threading",
    "socket",
    "io",
    "logging",
    "subprocess",
    "shutil",
    "tempfile",
    "sys",
    "urllib",
    "http",
    "requests",
    "httpx",
    "aiohttp",
    "ssl",
    "select",
    "selectors",
    "multiprocessing",
    "concurrent",
    "signal",
    "secrets",
    "uuid",
    "datetime.datetime",
}
FORBIDDEN_CALLS = {"open", "print", "input", "breakpoint", "exec", "eval", "__import__"}
CLOCK_ATTRIBUTES = {"now", "utcnow", "today", "time", "monotonic", "perf_counter"}
RANDOM_FUNCTIONS = {
    "random",
    "randint",
    "randrange",
    "choice",
    "choices",
    "shuffle",
    "sample",
    "uniform",
    "gauss",
    "seed",
    "getrandbits",
    "betavariate",
    "expovariate",
    "normalvariate",
    "triangular",
}

CORE_MODULES = sorted(
    path
    for folder in PACKAGE.iterdir()
    if folder.is_dir() and folder.name.startswith("_") and folder.name != "__pycache__"
    for path in folder.rglob("*.py")
    if path != EXECUTION
)


def violations(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in FORBIDDEN_MODULES:
                    found.append(f"line {node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            root = node.module.split(".")[0]
            if root in FORBIDDEN_MODULES:
                found.append(f"line {node.lineno}: from {node.module} import ...")
            if root == "random" and any(alias.name in RANDOM_FUNCTIONS for alias in node.names):
                found.append(f"line {node.lineno}: module-level random function imported")
        elif isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Name) and function.id in FORBIDDEN_CALLS:
                found.append(f"line {node.lineno}: call to {function.id}()")
            if isinstance(function, ast.Attribute):
                owner = function.value
                owner_name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
                if owner_name == "random" and function.attr in RANDOM_FUNCTIONS:
                    found.append(f"line {node.lineno}: random.{function.attr}() uses global state")
                if owner_name in {"datetime", "date"} and function.attr in CLOCK_ATTRIBUTES:
                    found.append(
                        f"line {node.lineno}: {owner_name}.{function.attr}() reads the clock"
                    )
    return found


@pytest.mark.parametrize(
    "path", CORE_MODULES, ids=lambda path: path.relative_to(PACKAGE).as_posix()
)
def test_core_module_does_no_io(path: pathlib.Path) -> None:
    assert [] == violations(path.read_text())


@pytest.mark.parametrize(
    "source",
    [
        "import os",
        "from pathlib import Path",
        "import time",
        "open('x')",
        "print(1)",
        "import random\nrandom.random()",
        "from random import choice",
        "import datetime\ndatetime.datetime.now()",
        "import httpx",
        "import asyncio",
    ],
)
def test_the_checker_catches_each_kind_of_io(source: str) -> None:
    assert violations(source)


def test_a_seeded_generator_is_allowed() -> None:
    assert [] == violations("import random\nrng = random.Random(3)\nrng.random()")


def test_the_package_has_core_modules_to_check() -> None:
    assert len(CORE_MODULES) >= 30
    assert EXECUTION.is_file()
    assert EXECUTION not in CORE_MODULES
    # every module of the package is either core, the execution module or a root edge
    edges = set(PACKAGE.glob("*.py"))
    assert set(PACKAGE.rglob("*.py")) == {*CORE_MODULES, EXECUTION, *edges}
