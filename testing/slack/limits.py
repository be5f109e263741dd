"""Block Kit limits, checked on everything the bot sent to the fake Slack.

Slack's own models (``slack_sdk.models.blocks``) check many limits, but a block's
``validate_json()`` doesn't descend into its elements, so this walks every block and every
element and checks each, plus the limits the models don't know.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block, BlockElement

from testing.slack.fake_slack import MESSAGE_TEXT, TEXT_OBJECTS, Call, text_in


def _text(obj: Any) -> str:
    return obj.get("text", "") if isinstance(obj, dict) else ""


def element_problems(element: dict[str, Any], where: str) -> list[str]:
    out: list[str] = []
    kind = element.get("type")
    if kind in TEXT_OBJECTS:  # a context block's text
        if len(_text(element)) > 3000:
            out.append(f"{where}: context text over 3000")
        return out
    try:
        BlockElement.parse(element).validate_json()  # type: ignore[union-attr]
    except SlackObjectFormationError as exc:
        out.append(f"{where}: {exc}")
    if len(element.get("action_id", "")) > 255:
        out.append(f"{where}: action_id over 255")
    if kind == "button":
        if len(_text(element.get("text"))) > 75:
            out.append(f"{where}: button label over 75")
        if len(element.get("value", "")) > 2000:
            out.append(f"{where}: button value over 2000")
    options = element.get("options", [])
    if kind == "checkboxes" and len(options) > 10:
        out.append(f"{where}: more than 10 checkboxes")
    if kind == "static_select" and len(options) > 100:
        out.append(f"{where}: more than 100 select options")
    for n, option in enumerate(options):
        if len(_text(option.get("text"))) > 75:
            out.append(f"{where} option {n}: text over 75")
        if len(option.get("value", "")) > 150:
            out.append(f"{where} option {n}: value over 150")
    return out


def block_problems(block: dict[str, Any], where: str) -> list[str]:
    out: list[str] = []
    try:
        parsed = Block.parse(block)
        assert parsed is not None, "unknown block type"
        parsed.validate_json()
    except (SlackObjectFormationError, AssertionError) as exc:
        out.append(f"{where}: {exc}")
    kind = block.get("type")
    if len(block.get("block_id", "")) > 255:
        out.append(f"{where}: block_id over 255")
    if kind == "section":
        if len(_text(block.get("text"))) > 3000:
            out.append(f"{where}: section text over 3000")
        fields = block.get("fields", [])
        if len(fields) > 10:
            out.append(f"{where}: more than 10 fields")
        out += [f"{where}: field over 2000" for f in fields if len(_text(f)) > 2000]
    if kind == "header" and len(_text(block.get("text"))) > 150:
        out.append(f"{where}: header over 150")
    if kind == "actions" and len(block.get("elements", [])) > 25:
        out.append(f"{where}: more than 25 elements")
    if kind == "context" and len(block.get("elements", [])) > 10:
        out.append(f"{where}: more than 10 context elements")
    elements = list(block.get("elements", []))
    elements += [block[k] for k in ("accessory", "element") if isinstance(block.get(k), dict)]
    for n, element in enumerate(elements):
        out += element_problems(element, f"{where} element {n}")
    return out


def blocks_problems(blocks: list[dict[str, Any]], where: str, max_blocks: int = 50,
                    max_text: int | None = MESSAGE_TEXT) -> list[str]:
    out = [f"{where}: {len(blocks)} blocks"] if len(blocks) > max_blocks else []
    if max_text is not None and text_in(blocks) > max_text:
        out.append(f"{where}: {text_in(blocks)} characters of text in all, over {max_text}")
    for n, block in enumerate(blocks):
        out += block_problems(block, f"{where} block {n}")
    return out


def call_problems(call: Call, n: int) -> list[str]:
    where = f"call {n} {call.method}"
    if call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
        text = call.args.get("text", "")
        out = [] if 0 < len(text) <= 40000 else [f"{where}: notification text length"]
        return out + blocks_problems(call.args.get("blocks") or [], where)
    if call.method in ("views.open", "views.publish"):
        view = call.args["view"]
        out = blocks_problems(view.get("blocks", []), where, max_blocks=100, max_text=None)
        for key in ("title", "submit", "close"):
            if key in view and len(_text(view[key])) > 24:
                out.append(f"{where}: {key} over 24")
        if len(view.get("private_metadata", "")) > 3000:
            out.append(f"{where}: private_metadata over 3000")
        return out
    return []


def assert_within_limits(calls: list[Call]) -> int:
    """Raise listing every breach; returns how many messages and views were checked."""
    problems: list[str] = []
    checked = 0
    for n, call in enumerate(calls):
        if call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral",
                           "views.open", "views.publish"):
            checked += 1
            problems += call_problems(call, n)
    assert not problems, "\n".join(problems)
    return checked
