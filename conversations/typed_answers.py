"""Reads an answer typed instead of pressed: option numbers, a label, yes or no, or "none"."""

from __future__ import annotations

from collections.abc import Sequence

from conversations.messages import Option


def match_typed(text: str, options: Sequence[Option], multiple: bool) -> list[str]:
    """Reads a typed answer: option numbers ("1, 3"), a label, or yes / no."""
    text = text.strip().lower()
    if not text:
        return []
    parts = [p.strip() for p in text.replace(",", " ").split()] if multiple else [text]
    if multiple and text in ("none", "no", "nope", "neither", "none of these", "none of them"):
        none = [o.value for o in options if o.value == "none"]
        if none:
            return none
    if all(p.isdigit() for p in parts):
        picked = [options[int(p) - 1].value for p in parts if 0 < int(p) <= len(options)]
        return picked if len(picked) == len(parts) else []
    for option in options:
        if text in (option.label.lower(), option.value.lower()):
            return [option.value]
    starts = [o.value for o in options if o.label.lower().startswith(text)]
    return starts if len(starts) == 1 else []
