"""Neutral messages to and from JSON, for the outbox and the local inbox."""

from __future__ import annotations

from typing import Any, Literal

from conversations.messages import Action, Card, FileOffer, Message, Option, Question, Text


def message_to_json(message: Message) -> dict[str, Any]:
    if isinstance(message, Text):
        return {"type": "text", "text": message.text}
    if isinstance(message, Question):
        return {
            "type": "question", "token": message.token, "prompt": message.prompt,
            "options": [[o.value, o.label] for o in message.options],
            "multiple": message.multiple, "free_text": message.free_text,
            "detail": message.detail, "name": message.name,
        }
    card: dict[str, Any] = {
        "type": "card", "title": message.title, "fields": [list(f) for f in message.fields],
        "body": message.body, "request_id": message.request_id, "footer": message.footer,
        "quote": message.quote, "tone": message.tone,
        "actions": [
            {"name": a.name, "label": a.label, "request_id": a.request_id, "value": a.value,
             "style": a.style, "needs_reason": a.needs_reason}
            for a in message.actions
        ],
    }
    if message.file is not None:
        card["file"] = {"token": message.file.token, "name": message.file.name,
                        "title": message.file.title, "url": message.file.url,
                        "expires_at": message.file.expires_at}
    return card


def message_from_json(data: dict[str, Any]) -> Message:
    kind = data.get("type")
    if kind == "text":
        return Text(str(data["text"]))
    if kind == "question":
        return Question(
            token=str(data["token"]), prompt=str(data["prompt"]),
            options=tuple(Option(str(v), str(label)) for v, label in data.get("options", [])),
            multiple=bool(data.get("multiple")), free_text=bool(data.get("free_text")),
            detail=str(data.get("detail", "")), name=str(data.get("name", "")),
        )
    if kind == "card":
        return Card(
            title=str(data["title"]),
            fields=tuple((str(k), str(v)) for k, v in data.get("fields", [])),
            body=str(data.get("body", "")), request_id=str(data.get("request_id", "")),
            footer=str(data.get("footer", "")),
            actions=tuple(Action(**a) for a in data.get("actions", [])),
            quote=str(data.get("quote", "")),
            tone=_tone(data.get("tone")),
            file=_file(data.get("file")),
        )
    raise ValueError(f"unknown message type {kind!r}")


def _tone(raw: Any) -> Literal["refused", "fine", "waiting", ""]:
    return raw if raw in ("refused", "fine", "waiting") else ""


def _file(raw: Any) -> FileOffer | None:
    if not isinstance(raw, dict):
        return None
    return FileOffer(**{k: str(raw.get(k, "")) for k in ("token", "name", "title", "url",
                                                          "expires_at")})
