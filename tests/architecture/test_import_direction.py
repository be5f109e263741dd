"""The direction of imports between the layers, checked on the source (ast), so a shortcut
from one layer into another fails here before it grows.

- the engine (``conversations/``) imports nothing of ``bot/``, ``adapters/`` or ``storage/``,
  and no platform SDK or web framework;
- storage imports nothing of the engine, the application or the adapters;
- adapters import the application port (``bot.port``) and the engine's neutral messages
  (``conversations.messages``, and their JSON form ``conversations.codec``), nothing else of
  ``bot/``, ``conversations/`` or ``storage/``;
- in ``bot/``, only the composition root (the server, the web server, the command line) knows
  the adapters.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_SDKS = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "microsoft_agents",
                 "aiohttp", "tinydb", "psycopg")
ADAPTER_MAY_USE = {"bot.port", "conversations.messages", "conversations.codec"}
COMPOSITION_ROOT = {"bot/server.py", "bot/web_server.py", "bot/commands.py", "bot/cli.py"}


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


def test_only_the_composition_root_knows_the_adapters() -> None:
    def allowed(rel: str, module: str) -> bool:
        return top(module) != "adapters" or rel in COMPOSITION_ROOT

    assert violations("bot", allowed) == []


@pytest.mark.parametrize("folder", ["bot", "adapters", "conversations", "storage"])
def test_no_source_file_is_over_400_lines(folder: str) -> None:
    long = [f"{p.relative_to(ROOT)}: {n} lines" for p in sources(folder)
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400]
    assert long == []


def test_the_checks_see_a_shortcut(tmp_path: Path) -> None:
    """The checker itself can fail: an adapter importing storage is reported."""
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("def f():\n    from storage.base import Put\n", encoding="utf-8")
    assert imports_of(sneaky) == [(2, "storage.base")]
