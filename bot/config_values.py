"""The configuration's values and the error a bad one raises: what every reader of settings
builds on (:mod:`bot.config` reads and checks them; the directory sync's options read theirs)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.settings import BY_NAME, SETTINGS


class ConfigError(Exception):
    """A missing or contradictory setting: one line that names the variable."""


@dataclass(frozen=True)
class Config:
    values: Mapping[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str:
        if name not in BY_NAME:
            raise KeyError(name)
        return self.values.get(name) or BY_NAME[name].default

    def number(self, name: str) -> int:
        return int(self.get(name))

    @property
    def storage_target(self) -> str:
        return self.get("DATABASE_URL") or self.get("POLICYBOT_DB")

    @property
    def slack_enabled(self) -> bool:
        return bool(self.get("SLACK_BOT_TOKEN"))

    @property
    def teams_enabled(self) -> bool:
        return bool(self.get("MICROSOFT_APP_ID"))

    def masked(self) -> list[tuple[str, str]]:
        """Every setting with its effective value; secrets show only whether they are set."""
        out = []
        for s in SETTINGS:
            value = self.get(s.name)
            if s.secret and value:
                value = "(set)"
            out.append((s.name, value or "(not set)"))
        return out
