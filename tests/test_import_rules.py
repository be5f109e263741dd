"""Who may import whom among the tests, the benchmarks and the shared ``testing`` package.

A test module imports no other test module and no conftest: what several tests share lives in
``testing/``, so each test reads whole and can move without breaking another. Benchmarks and
``testing/`` import nothing from ``tests/``, so a benchmark never depends on a test file.
(pytest finding the fixtures in a conftest by itself is how it should be, and is not an
import.) The rules are read from the source with ``ast``, so breaking one fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ("tests", "benchmarks", "testing")
MODULE_IN_TESTS = re.compile(r"tests(\.\w+)+")


def _forbidden(module: str) -> str | None:
    """Why importing ``module`` is against the rules, or None when it is allowed."""
    parts = module.split(".")
    if parts[0] == "tests":
        return "imports from tests/ (shared code belongs in testing/)"
    if "conftest" in parts:
        return "imports a conftest (pytest finds its fixtures by itself)"
    # Only our own: aiohttp.test_utils is a library module, not a test.
    if parts[-1].startswith("test_") and (len(parts) == 1 or parts[0] in CHECKED):
        return "imports a test module"
    return None


def import_problems(source: str) -> list[str]:
    """Every import in ``source`` that breaks the rules, as "line N: module: why"."""
    problems: list[str] = []
    for node in ast.walk(ast.parse(source)):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                problems.append(f"line {node.lineno}: relative import: name the package")
                continue
            base = node.module or ""
            # "from tests.slack import test_journeys" names the test module in the alias.
            modules = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and MODULE_IN_TESTS.fullmatch(node.value)):
            # A module run with "python -m tests.x" is an import by another name.
            modules = [node.value]
        for module in modules:
            why = _forbidden(module)
            if why:
                problems.append(f"line {node.lineno}: {module}: {why}")
                break
    return problems


def python_files() -> list[Path]:
    return sorted(path for folder in CHECKED for path in (ROOT / folder).rglob("*.py"))


def test_the_checked_folders_hold_the_suite_and_the_benchmarks() -> None:
    files = {path.relative_to(ROOT).as_posix() for path in python_files()}
    assert "tests/slack/test_journeys.py" in files
    assert "benchmarks/load.py" in files
    assert "testing/slack/fake_slack.py" in files
    assert len(files) > 100


def test_no_test_imports_another_test_or_a_conftest_and_no_benchmark_imports_tests() -> None:
    broken = {path.relative_to(ROOT).as_posix(): problems for path in python_files()
              if (problems := import_problems(path.read_text(encoding="utf-8")))}
    assert broken == {}


@pytest.mark.parametrize("source", [
    "from tests.slack.harness import SlackHarness",
    "from tests.slack.conftest import SOPHIE",
    "from tests.slack import test_journeys",
    "import tests.postgres_support",
    "from tests import storage_contract",
    "from conftest import make_app",
    "from .harness import Chat",
    "import test_journeys",
    "from testing import test_something",
    "args = ['-m', 'tests.replicas.hammer']",
])
def test_each_kind_of_forbidden_import_is_caught(source: str) -> None:
    assert import_problems(source), source


@pytest.mark.parametrize("source", [
    "from testing.slack.harness import SlackHarness",
    "from testing.staff import TEACHER",
    "import pytest",
    "from bot.app import Application",
    "from aiohttp.test_utils import TestServer",
    "TESTS = 'tests are good'",
])
def test_what_the_rules_allow_passes(source: str) -> None:
    assert import_problems(source) == []
