"""The direction of imports between the layers, checked on the source (ast), so a shortcut
from one layer into another fails here before it grows.

- the engine (``conversations/``) imports nothing of ``bot/``, ``adapters/`` or ``storage/``,
  and no platform SDK or web framework;
- storage imports nothing of the engine, the application or the adapters;
- adapters import the application port (``bot.port``) and the engine's neutral messages
  (``conversations.messages``, their JSON form ``conversations.codec``, and the people they
  are addressed to, ``conversations.people``), nothing else of ``bot/``, ``conversations/``
  or ``storage/``; from the port they take only what the port itself defines (it re-exports
  nothing);
- nothing in ``bot/`` imports ``adapters/``: only the composition root (``policybot_app/``:
  the command line, the server, the web server) builds adapters;
- no module imports itself back through others: no import cycle anywhere, counting the
  imports made inside functions too.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_SDKS = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "microsoft_agents",
                 "aiohttp", "tinydb", "psycopg")
ADAPTER_MAY_USE = {"bot.port", "conversations.messages", "conversations.codec",
                   "conversations.people"}
COMPOSITION_ROOT = "policybot_app"
PRODUCT = ("bot", "adapters", "conversations", "storage", "policybot_app", "testing")


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in ``path``, inside functions too."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def top(module: str) -> str:
    return module.split(".", 1)[0]


def violations(folder: str, allowed: Callable[[str, str], bool]) -> list[str]:
    out = []
    for path in sources(folder):
        rel = path.relative_to(ROOT).as_posix()
        for line, module in imports_of(path):
            if not allowed(rel, module):
                out.append(f"{rel}:{line} imports {module}")
    return out


def test_the_engine_imports_no_application_adapter_storage_or_platform() -> None:
    def allowed(_: str, module: str) -> bool:
        return top(module) not in {"bot", "adapters", "storage", *PLATFORM_SDKS}

    assert violations("conversations", allowed) == []


def test_storage_imports_nothing_above_it() -> None:
    def allowed(_: str, module: str) -> bool:
        return top(module) not in {"bot", "adapters", "conversations"}

    assert violations("storage", allowed) == []


def test_adapters_use_the_port_and_neutral_messages_only() -> None:
    def allowed(_: str, module: str) -> bool:
        if top(module) in {"bot", "conversations", "storage"}:
            return module in ADAPTER_MAY_USE
        return True

    assert violations("adapters", allowed) == []


def test_nothing_in_the_application_imports_the_adapters() -> None:
    assert violations("bot", lambda _, module: top(module) != "adapters") == []


@pytest.mark.parametrize("folder", ["bot", "conversations", "storage"])
def test_only_the_composition_root_builds_adapters(folder: str) -> None:
    assert violations(folder, lambda _, module: top(module) != "adapters") == []
    assert (ROOT / COMPOSITION_ROOT / "__init__.py").exists()
    assert any(top(module) == "adapters" for path in sources(COMPOSITION_ROOT)
               for _, module in imports_of(path))


def defined_in(path: Path) -> set[str]:
    """The names a module defines itself (classes, functions, assignments)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def test_the_port_re_exports_nothing() -> None:
    port = ROOT / "bot" / "port.py"
    own = defined_in(port)
    assert "__all__" not in own
    taken = [f"{path.relative_to(ROOT).as_posix()}: {alias.name}"
             for folder in ("adapters", "testing", "tests") for path in sources(folder)
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.ImportFrom) and node.module == "bot.port"
             for alias in node.names if alias.name not in own]
    assert taken == []


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the product modules it imports (``from package import submodule`` counts
    as the submodule)."""
    modules = {module_name(p): p for folder in PRODUCT for p in sources(folder)}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                subs = {f"{node.module}.{a.name}" for a in node.names} & modules.keys()
                edges.update(subs)
                if len(subs) < len(node.names):
                    edges.add(node.module)
        graph[name] = edges & modules.keys()
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles_anywhere() -> None:
    assert cycles(import_graph()) == []


def test_the_cycle_check_sees_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("folder", ["bot", "adapters", "conversations", "storage",
                                    "policybot_app"])
def test_no_source_file_is_over_400_lines(folder: str) -> None:
    long = [f"{p.relative_to(ROOT)}: {n} lines" for p in sources(folder)
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400]
    assert long == []


def test_the_checks_see_a_shortcut(tmp_path: Path) -> None:
    """The checker itself can fail: an adapter importing storage is reported."""
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("def f():\n    from storage.base import Put\n", encoding="utf-8")
    assert imports_of(sneaky) == [(2, "storage.base")]
