"""Neutral messages as Block Kit, within Slack's limits whatever the person typed.

Every button carries what the engine needs to recognise the press: a question's buttons carry
the question's token and the option's value (``choose:<n>``, value ``<token>|<value>``); the
checkboxes of a multiple-choice question sit in blocks whose id names the token and are read
when its "Continue" button is pressed; a card's buttons carry the action, the request id and
the action's value as compact JSON (``press:<n>``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from adapters.slack.markup import cut, escape, fit_mrkdwn, fit_plain
from conversations.messages import (
    PRESS_NAMES,
    Action,
    ActionName,
    Card,
    Message,
    Question,
    Text,
)

Block = dict[str, Any]

# Slack's limits (https://docs.slack.dev/reference/block-kit).
MAX_BLOCKS = 50
SECTION_TEXT = 3000
FIELD_TEXT = 2000
MAX_FIELDS = 10
CONTEXT_TEXT = 2000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
OPTION_TEXT = 75
OPTION_VALUE = 150
ACTION_ID = 255
MAX_BUTTONS = 25
MAX_CHECKBOXES = 10
MAX_SELECT_OPTIONS = 100
MAX_BUTTON_CHOICES = 5
MODAL_TITLE = 24
FALLBACK_TEXT = 3000
MAX_TEXT_SECTIONS = 10
# Slack also refuses a message whose blocks hold too much text altogether
# (msg_blocks_too_long, from about 12,000 characters: not in the reference, but reported to
# Slack's SDK maintainers, who confirmed a cumulative limit). Messages keep below it.
MESSAGE_TEXT = 10_000
SHORTENED = "(Shortened to fit in Slack.)"
MIN_SECTION_ROOM = 40  # less room than this left: stop rather than show a stub

CHOOSE = "choose:"
SELECT = "choose_select"
TICK = "tick"
CONTINUE = "continue"
PRESS = "press:"
HINT_BLOCK = "hint"


@dataclass(frozen=True)
class Rendered:
    """A message for chat.postMessage / chat.update: notification text and blocks."""

    text: str
    blocks: list[Block]


def mrkdwn(text: str) -> Block:
    return {"type": "mrkdwn", "text": text}


def plain(text: str, limit: int) -> Block:
    return {"type": "plain_text", "text": fit_plain(text, limit), "emoji": True}


def section(raw: str, block_id: str = "") -> Block:
    text, _ = fit_mrkdwn(raw, SECTION_TEXT)
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if block_id:
        block["block_id"] = block_id
    return block


def context(raw: str, block_id: str = "") -> Block:
    text, _ = fit_mrkdwn(raw, CONTEXT_TEXT)
    block: Block = {"type": "context", "elements": [mrkdwn(text)]}
    if block_id:
        block["block_id"] = block_id
    return block


def render(message: Message) -> Rendered:
    if isinstance(message, Question):
        return render_question(message)
    if isinstance(message, Card):
        return render_card(message)
    return render_text(message)


def render_text(message: Text) -> Rendered:
    blocks, shortened = _sections(message.text, MAX_TEXT_SECTIONS,
                                  MESSAGE_TEXT - len(SHORTENED))
    if shortened:
        blocks.append(context(SHORTENED))
    return Rendered(_fallback(message.text), blocks)


def text_length(blocks: Iterable[Any]) -> int:
    """How much text ``blocks`` hold: every plain_text and mrkdwn object, as sent."""
    total = 0
    for node in blocks:
        if isinstance(node, Mapping):
            if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
                total += len(node["text"])
            total += text_length(node.values())
        elif isinstance(node, list):
            total += text_length(node)
    return total


def _sections(raw: str, max_blocks: int, max_chars: int,
              as_typed: bool = False) -> tuple[list[Block], bool]:
    """``raw`` as section blocks: at most ``max_blocks`` of them, holding at most
    ``max_chars`` characters in all; also whether anything had to be left out. ``as_typed``
    text (a draft) goes in plain_text, which Slack shows exactly as typed: "*this*" stays
    "*this*", not bold, so an approver sees what will be posted."""
    out: list[Block] = []
    used = 0
    for chunk in _chunks(raw, SECTION_TEXT):
        room = min(SECTION_TEXT, max_chars - used)
        if len(out) >= max_blocks or room < MIN_SECTION_ROOM:
            return out, True
        if as_typed:
            # Shown as typed; a zero-width space keeps "<!channel>" or "<@U123>" from ever
            # being read as a mention (it looks the same).
            safe = chunk.replace("<!", "<\u200b!").replace("<@", "<\u200b@").replace(
                "<#", "<\u200b#")
            text, cut = fit_plain(safe, room), len(safe) > room
            out.append({"type": "section", "text": {"type": "plain_text", "text": text,
                                                    "emoji": True}})
        else:
            text, cut = fit_mrkdwn(chunk, room)
            out.append({"type": "section", "text": mrkdwn(text)})
        used += len(text)
        if cut:
            return out, True
    return out, False


def _chunks(raw: str, limit: int) -> list[str]:
    """Raw text in pieces that each fit ``limit`` once escaped: split at line breaks where
    possible, a longer line at a space, and a line with no space anywhere."""
    pieces: list[str] = []
    current = ""
    for line in raw.split("\n"):
        joined = f"{current}\n{line}" if current else line
        if len(escape(joined)) <= limit:
            current = joined
            continue
        if current:
            pieces.append(current)
        while len(escape(line)) > limit:
            head, line = _split_line(line, limit)
            pieces.append(head)
        current = line
    pieces.append(current)
    return [p for p in pieces if p.strip()] or [" "]


def _split_line(line: str, limit: int) -> tuple[str, str]:
    """The longest start of ``line`` that fits ``limit`` once escaped (ending at a space
    when there is one in its second half), and the rest."""
    size = end = 0
    while size + len(escape(line[end])) <= limit:  # stops in time: the line is longer
        size += len(escape(line[end]))
        end += 1
    end = max(end, 1)
    space = line.rfind(" ", 0, end + 1)
    if space > end // 2:
        end = space
    return line[:end].rstrip(), line[end:].lstrip()


# -- questions ----------------------------------------------------------------------------


def encode_choice(token: str, value: str) -> str:
    return f"{token}|{value}"


def decode_choice(value: str) -> tuple[str, str]:
    token, sep, chosen = value.partition("|")
    if not sep or not token:
        raise ValueError("not a choice")
    return token, chosen


def question_block_id(token: str, group: int | None = None) -> str:
    return f"q|{token}" if group is None else f"q|{token}|{group}"


def render_question(question: Question) -> Rendered:
    prompt = question.prompt + (f"\n{question.detail}" if question.detail else "")
    blocks: list[Block] = [section(prompt)]
    options = question.options
    if options and question.multiple:
        for group, start in enumerate(range(0, len(options), MAX_CHECKBOXES)):
            boxes = [{"text": plain(o.label, OPTION_TEXT), "value": cut(o.value, OPTION_VALUE)}
                     for o in options[start:start + MAX_CHECKBOXES]]
            blocks.append({"type": "actions", "block_id": question_block_id(question.token, group),
                           "elements": [{"type": "checkboxes", "action_id": TICK,
                                         "options": boxes}]})
        blocks.append({"type": "actions", "block_id": question_block_id(question.token),
                       "elements": [{"type": "button", "action_id": CONTINUE, "style": "primary",
                                     "text": plain("Continue", BUTTON_TEXT),
                                     "value": cut(question.token, BUTTON_VALUE)}]})
        blocks.append(context("Tick all that apply, then press *Continue*.", HINT_BLOCK))
    elif options and len(options) <= MAX_BUTTON_CHOICES:
        buttons = [{"type": "button", "action_id": f"{CHOOSE}{i}",
                    "text": plain(o.label, BUTTON_TEXT),
                    "value": cut(encode_choice(question.token, o.value), BUTTON_VALUE)}
                   for i, o in enumerate(options)]
        blocks.append({"type": "actions", "block_id": question_block_id(question.token),
                       "elements": buttons})
    elif options:
        choices = [{"text": plain(o.label, OPTION_TEXT),
                    "value": cut(encode_choice(question.token, o.value), OPTION_VALUE)}
                   for o in options[:MAX_SELECT_OPTIONS]]
        blocks.append({"type": "actions", "block_id": question_block_id(question.token),
                       "elements": [{"type": "static_select", "action_id": SELECT,
                                     "placeholder": plain("Choose…", OPTION_TEXT),
                                     "options": choices}]})
    if question.free_text:
        hint = "Or type your answer." if options else "Type your answer as a message here."
        blocks.append(context(hint, HINT_BLOCK))
    return Rendered(_fallback(question.prompt), blocks)


def ticked_values(state_values: Mapping[str, Any], token: str) -> list[str]:
    """The options ticked on the question with ``token``, read from a block_actions state."""
    prefix = question_block_id(token) + "|"
    values: list[str] = []
    for block_id, elements in state_values.items():
        if not str(block_id).startswith(prefix) or not isinstance(elements, Mapping):
            continue
        for element in elements.values():
            selected = element.get("selected_options") if isinstance(element, Mapping) else None
            values += [str(o["value"]) for o in selected or [] if isinstance(o, Mapping)]
    return values


def answered(original: Sequence[Any], labels: Iterable[str]) -> Rendered:
    """The question message as it stays once answered: the prompt and the answer, no buttons."""
    kept = [b for b in original if isinstance(b, Mapping)
            and b.get("type") in ("section", "header") and b.get("block_id") != HINT_BLOCK]
    answer = ", ".join(labels)
    blocks = [dict(b) for b in kept[:MAX_BLOCKS - 1]]
    blocks.append(context(f"✅ Your answer: *{answer}*" if answer else "✅ Answered"))
    return Rendered(_fallback(f"Your answer: {answer}"), blocks)


# -- cards --------------------------------------------------------------------------------


def encode_press(action: Action) -> str:
    data: dict[str, Any] = {"a": action.name}
    if action.request_id:
        data["r"] = action.request_id
    if action.value:
        data["v"] = action.value
    if action.needs_reason:
        data["m"] = 1
    return json.dumps(data, separators=(",", ":"))


@dataclass(frozen=True)
class Pressed:
    name: ActionName
    request_id: str
    value: str
    needs_reason: bool


def decode_press(value: str) -> Pressed:
    """A card button's value; ValueError when it is not one this adapter made."""
    data = json.loads(value)
    if not isinstance(data, dict) or data.get("a") not in PRESS_NAMES:
        raise ValueError("not a card action")
    return Pressed(cast(ActionName, data["a"]), str(data.get("r", "")), str(data.get("v", "")),
                   bool(data.get("m")))


TONE_WORDS = {"refused": ":no_entry: *Refused*", "fine": ":white_check_mark: *Fine*",
              "waiting": ":hourglass_flowing_sand: *Needs approval*"}


def render_card(card: Card) -> Rendered:
    """A card within Slack's limits: the body is spread over as many sections as it needs,
    and only what still doesn't fit is cut, with a note that the record has it all."""
    head: list[Block] = [{"type": "header", "text": plain(card.title, HEADER_TEXT)}]
    if card.tone in TONE_WORDS:  # the three outcomes differ at a glance
        head.append(context(TONE_WORDS[card.tone]))
    tail: list[Block] = [context(card.footer)] if card.footer else []
    if card.actions:
        tail.append(_buttons(card))
    where = f"the record of {card.request_id}" if card.request_id else "the record"
    note = context(f"Shortened to fit in Slack: the full text is kept in {where}.")
    blocks_left = MAX_BLOCKS - len(head) - len(tail) - 1
    chars_left = MESSAGE_TEXT - text_length(head + tail + [note])
    # The fields (a handful of short facts) come first, but never crowd out the body.
    texts = (1 if card.body else 0) + (1 if card.quote else 0)
    field_blocks, fields_cut = _field_sections(
        card.fields, blocks_left - texts, chars_left // 2 if texts else chars_left)
    body: list[Block] = []
    body_cut = False
    for raw, as_typed in ((card.body, False), (card.quote, True)):
        if raw:
            more, cut_here = _sections(raw, blocks_left - len(field_blocks) - len(body),
                                       chars_left - text_length(field_blocks + body), as_typed)
            body += more
            body_cut = body_cut or cut_here
    shortened = [note] if fields_cut or body_cut else []
    return Rendered(_fallback(card.title), head + field_blocks + body + shortened + tail)


def _field_sections(fields: Sequence[tuple[str, str]], max_blocks: int, max_chars: int
                    ) -> tuple[list[Block], bool]:
    """Fields, ten to a section, within ``max_blocks`` and ``max_chars``; also whether any
    were left out or cut."""
    texts: list[Block] = []
    used = 0
    cut = False
    for name, value in fields:
        room = min(FIELD_TEXT, max_chars - used)
        if room < MIN_SECTION_ROOM or len(texts) >= max_blocks * MAX_FIELDS:
            cut = True
            break
        text, shortened = fit_mrkdwn(f"*{name}*\n{value}", room)
        texts.append(mrkdwn(text))
        used += len(text)
        cut = cut or shortened
    sections = [{"type": "section", "fields": texts[start:start + MAX_FIELDS]}
                for start in range(0, len(texts), MAX_FIELDS)]
    return sections, cut


def _buttons(card: Card) -> Block:
    buttons = []
    for i, action in enumerate(card.actions[:MAX_BUTTONS]):
        button: Block = {"type": "button", "action_id": f"{PRESS}{i}",
                         "text": plain(action.label, BUTTON_TEXT),
                         "value": encode_press(action)[:BUTTON_VALUE]}
        if action.style:
            button["style"] = action.style
        buttons.append(button)
    return {"type": "actions", "block_id": f"card|{card.request_id}"[:ACTION_ID],
            "elements": buttons}


def _fallback(raw: str) -> str:
    """The notification text Slack shows where blocks can't be shown."""
    return fit_mrkdwn(raw, FALLBACK_TEXT)[0]


# -- views --------------------------------------------------------------------------------


def home_view(card: Card) -> Block:
    return {"type": "home", "blocks": render_card(card).blocks}
