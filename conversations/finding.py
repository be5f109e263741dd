"""One fact a draft shows, with the words that show it: what the reader hands the engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Finding:
    """One fact the draft shows, with the words that show it."""

    fact: str
    quote: str
    about: str
    says: str
    clauses: tuple[str, ...]
    detector: str
    channels: tuple[str, ...] = ()
    # False for what only the learned signal suggests, below its confidence: asked about.
    sure: bool = True

    def applies_to(self, channel: str | None) -> bool:
        """Whether the finding matters where the post goes (unknown: not yet)."""
        if not self.channels:
            return True
        return channel is not None and channel in self.channels

    def sentence(self) -> str:
        if not self.about:
            return f"“{self.quote}”: {self.says}"
        cited = f" ({', '.join(self.clauses)})" if self.clauses else ""
        if not self.sure:
            return f"This sentence looks like it is about {self.about}: “{self.quote}”{cited}."
        return f"I noticed “{self.quote}” about {self.about}: {self.says}{cited}."

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"fact": self.fact, "quote": self.quote, "about": self.about,
                "says": self.says, "clauses": list(self.clauses), "detector": self.detector,
                "channels": list(self.channels)}
        if not self.sure:
            data["sure"] = False
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        return cls(fact=str(data["fact"]), quote=str(data["quote"]), about=str(data["about"]),
                   says=str(data["says"]), clauses=tuple(data.get("clauses") or ()),
                   detector=str(data.get("detector", "")),
                   channels=tuple(data.get("channels") or ()),
                   sure=bool(data.get("sure", True)))
