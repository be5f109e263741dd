"""Configuration files for Microsoft 365 Agents Playground, made from the ready one for the
sample trust (``docs/agents-playground.yml``), so the tests prove the file the docs offer.

Run as a module to print the file for another person of the sample trust::

    .venv/bin/python -m testing.teams.playground_config daniel.osei@northbrook.example
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
READY_CONFIG = ROOT / "docs" / "agents-playground.yml"
CONFIG_NAME = ".m365agentsplayground.yml"  # read from the playground's working folder


def config_for(email: str, ready: Path = READY_CONFIG) -> dict[str, Any]:
    """The ready configuration with ``email`` as the person at the keyboard, in a personal
    chat of their own (two playgrounds sharing a chat id would share one conversation)."""
    config: dict[str, Any] = yaml.safe_load(ready.read_text(encoding="utf-8"))
    people = [config["currentUser"], *config["users"]]
    wanted = email.lower()
    chosen = next((p for p in people if str(p["email"]).lower() == wanted), None)
    if chosen is None:
        raise ValueError(f"{email} is not among the people in {ready}")
    config["currentUser"] = chosen
    config["users"] = [p for p in people if p is not chosen]
    config["personalChat"] = {"id": f"personal-chat-{chosen['id'].removeprefix('user-')}"}
    return config


def write_config(folder: Path, email: str) -> Path:
    """Write the configuration for ``email`` where a playground started in ``folder`` reads
    it; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CONFIG_NAME
    path.write_text(yaml.safe_dump(config_for(email), sort_keys=False), encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m testing.teams.playground_config EMAIL", file=sys.stderr)
        return 2
    try:
        config = config_for(argv[0])
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    sys.stdout.write(yaml.safe_dump(config, sort_keys=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
