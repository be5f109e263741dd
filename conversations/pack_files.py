"""Reading the files a policy pack names (reader.yaml, faq.yaml): every problem is one line
naming the file and the place, so a Trust editing its own copy can act on it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

Fail = Callable[[str, str], None]


def problems_of(file: Path) -> tuple[list[str], Fail]:
    """A list for the file's problems, and the function that adds one at a place."""
    problems: list[str] = []

    def fail(place: str, message: str) -> None:
        problems.append(f"{file}: {place}: {message}")

    return problems, fail


def read_yaml(file: Path, fail: Fail) -> Any:
    """The file's content, or None after saying why it cannot be had."""
    try:
        return yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        fail("top level", f"cannot be read ({exc.strerror})")
    except yaml.YAMLError:
        fail("top level", "not valid YAML")
    return None
