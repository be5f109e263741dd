"""Neutral messages as Adaptive Cards (schema 1.5) for Microsoft Teams, and button data back.

Buttons are ``Action.Execute`` (Universal Actions). Teams sends their press to the bot as an
``adaptiveCard/action`` invoke and shows the card returned in the invoke response straight
away, so the pressed card is replaced in the same round trip and a second press on it is
impossible. Each one carries an ``Action.Submit`` fallback with the same data, for Teams
clients that predate Universal Actions: that press arrives as a message whose ``value`` holds
the data and whose ``replyToId`` names the card, which the adapter then updates in place. Both
paths carry the same data and become the same neutral :class:`Choice` or :class:`Press`.

Nothing here knows the Bot Framework: cards are plain JSON dicts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any, cast, get_args

from conversations.messages import (
    Action,
    ActionName,
    Card,
    Choice,
    FileOffer,
    Message,
    Press,
    Question,
    Text,
)

CARD_VERSION = "1.5"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
# Teams refuses a message over about 28 KB; keep every card and text under this, envelope aside.
MAX_MESSAGE_BYTES = 24_000
# More options than this are offered as a list with a Continue button: Teams shows at most six
# buttons in a row, and a long row of buttons is hard to read on a phone.
MAX_OPTION_BUTTONS = 5
# Teams clips a button's title that does not fit the card's width (about 50 characters on a
# desktop, fewer on a phone: "…by staff or volun"): the options of a question with a longer
# label are offered as a list, where each label wraps and is read whole.
MAX_BUTTON_LABEL = 40
# Text blocks per multi-line text before the rest is joined into one block (keeps cards small).
MAX_LINE_BLOCKS = 30
FIELD_MAX_BYTES = 1500  # a typed answer shown as a field (an account's name) may be long
ANSWER_PREVIEW = 600  # characters of a typed answer shown on the answered question
COMMENT_MAX = 2000
VALUES_INPUT = "pb_values"
COMMENT_INPUT = "comment"
CHOICE_VERB = "choice"
PRESS_VERB = "press"
STYLES = {"primary": "positive", "danger": "destructive"}
ACTION_NAMES = frozenset(get_args(ActionName))
_BOLD = re.compile(r"(?<![*\w])\*([^*\n]+)\*(?![*\w])")


def markup(text: str) -> str:
    """The neutral markup (``*bold*``) as Teams markdown (``**bold**``)."""
    return _BOLD.sub(r"**\1**", text)


def plain(text: str) -> str:
    """The neutral markup left out, for where Teams shows text as it is (a pressed button's
    acknowledgement): ``*Waiting for you*`` reads "Waiting for you"."""
    return _BOLD.sub(r"\1", text)


def cut(text: str, max_bytes: int, note: str = "…") -> str:
    """``text`` shortened to at most ``max_bytes`` UTF-8 bytes, ending with ``note`` if cut."""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    room = max(0, max_bytes - len(note.encode("utf-8")))
    return data[:room].decode("utf-8", errors="ignore").rstrip() + note


def card_size(card: dict[str, Any]) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode("utf-8"))


# -- building blocks ----------------------------------------------------------------------


def _envelope(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None,
              fallback: str = "") -> dict[str, Any]:
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": body,
    }
    if actions:
        card["actions"] = actions
    if fallback:
        card["fallbackText"] = cut(fallback, 500)
    return card


def _block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _title(text: str) -> dict[str, Any]:
    return _block(markup(text), weight="Bolder", size="Medium")


def _paragraphs(text: str, **style: Any) -> list[dict[str, Any]]:
    """Multi-line text as one block per line, so line breaks show the same on every client."""
    lines = [markup(line) for line in text.split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    head, rest = lines[:MAX_LINE_BLOCKS], lines[MAX_LINE_BLOCKS:]
    blocks = []
    gap = False
    for line in head:
        if not line.strip():
            gap = True
            continue
        blocks.append(_block(line, spacing="Medium" if gap else "None", **style))
        gap = False
    if rest:
        joined = "\n\n".join(line for line in rest if line.strip())
        if joined:
            blocks.append(_block(joined, spacing="None", **style))
    return blocks


def _button(title: str, verb: str, data: dict[str, Any], style: str = "") -> dict[str, Any]:
    """An Action.Execute with the same press as an Action.Submit fallback (see module docs)."""
    submit: dict[str, Any] = {"type": "Action.Submit", "title": title, "data": data}
    execute: dict[str, Any] = {"type": "Action.Execute", "title": title, "verb": verb,
                               "data": data, "fallback": submit}
    if style in STYLES:
        execute["style"] = submit["style"] = STYLES[style]
    return execute


# -- questions ----------------------------------------------------------------------------


def question_card(question: Question) -> dict[str, Any]:
    body = [_block(markup(question.prompt), weight="Bolder")]
    if question.detail:
        body += _paragraphs(question.detail, isSubtle=True)
    actions: list[dict[str, Any]] = []
    data = {"pb": CHOICE_VERB, "token": question.token}
    options = question.options
    as_list = question.multiple or len(options) > MAX_OPTION_BUTTONS or any(
        len(o.label) > MAX_BUTTON_LABEL for o in options)
    if options and as_list:
        body.append({
            "type": "Input.ChoiceSet", "id": VALUES_INPUT, "style": "expanded", "wrap": True,
            "isMultiSelect": question.multiple, "isRequired": True,
            "label": "Tick all that apply" if question.multiple else "Choose one",
            "errorMessage": "Please choose at least one option.",
            "choices": [{"title": o.label, "value": o.value} for o in options],
        })
        actions.append(_button("Continue", CHOICE_VERB, data, "primary"))
    else:
        actions += [_button(o.label, CHOICE_VERB, {**data, "value": o.value})
                    for o in options]
    if question.free_text:
        body.append(_block("Type your answer in the chat below." if not options else
                           "Or type your answer in the chat below.", isSubtle=True))
    return _envelope(body, actions, fallback=question.prompt)


def answered_card(prompt: str, answered: Sequence[str]) -> dict[str, Any]:
    """A question once answered: the question and the answer, no buttons."""
    answer = ", ".join(answered)
    if len(answer) > ANSWER_PREVIEW:
        answer = answer[:ANSWER_PREVIEW].rstrip() + "…"
    body = [_block(markup(prompt) if prompt else "Your answer", isSubtle=True)]
    body += _paragraphs("✔ " + answer, weight="Bolder")
    return _envelope(body, fallback=f"{prompt} {answer}")


# -- cards --------------------------------------------------------------------------------


def _action_button(action: Action) -> dict[str, Any]:
    data = {"pb": PRESS_VERB, "name": action.name, "request_id": action.request_id,
            "value": action.value}
    return _button(action.label, PRESS_VERB, data, action.style)


def _as_typed(text: str) -> list[dict[str, Any]]:
    """Text exactly as typed (a draft): TextRuns are never read as markdown, so "*this*"
    stays "*this*" for the approver, as it will be posted."""
    return [{"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": line or " "}]}
            for line in text.split("\n")]


# The reason box, worded for who is typing: the button that needs a reason says who.
REASON_WORDING: dict[str, tuple[str, str]] = {
    # The approver: a comment goes with either decision; a rejection needs one.
    "reject": ("Comment (needed to reject)", "Why? The requester will see this."),
    # The requester, disputing how the bot read their post.
    "dispute": ("What did I misread? (needed to ask for approval)",
                "Say why: your line manager will see this with your post and decide."),
    # Any other button that asks for a reason (a reporter's, say): nobody else is presumed.
    "": ("Your reason", "Say why: it is kept with the record."),
}

_TONES = {"refused": ("attention", "✖ Refused"), "fine": ("good", "✔ Fine"),
          "waiting": ("warning", "⏳ Needs approval")}


def _card_json(card: Card, body_text: str, quote: str = "") -> dict[str, Any]:
    body: list[dict[str, Any]] = [_title(card.title)]
    if card.tone in _TONES:
        color, word = _TONES[card.tone]
        body.insert(0, {"type": "TextBlock", "text": word, "color": color, "weight": "Bolder",
                        "size": "Small", "wrap": True})
    if card.fields:
        body.append({"type": "FactSet", "facts": [
            {"title": markup(cut(k, 200)), "value": markup(cut(v, FIELD_MAX_BYTES)) or "—"}
            for k, v in card.fields]})
    if body_text:
        body += _paragraphs(body_text)
    if quote:
        body.append({"type": "Container", "style": "emphasis", "items": _as_typed(quote)})
    asking = next((a for a in card.actions if a.needs_reason), None)
    if asking is not None:
        label, placeholder = REASON_WORDING.get(asking.name, REASON_WORDING[""])
        body.append({"type": "Input.Text", "id": COMMENT_INPUT, "isMultiline": True,
                     "maxLength": COMMENT_MAX, "label": label, "placeholder": placeholder})
    if card.footer:
        body += _paragraphs(card.footer, isSubtle=True)
    actions = [_action_button(a) for a in card.actions]
    if card.file is not None:
        link, note = file_link(card.file)
        body += _paragraphs(note, isSubtle=True)
        actions += [link] if link else []
    return _envelope(body, actions, fallback=card.title)


def file_link(offer: FileOffer) -> tuple[dict[str, Any] | None, str]:
    """The button that opens the file a card offers, served once by the bot's own server,
    and a line about it. Teams opens only an absolute https (or http) address: without one
    (POLICYBOT_PUBLIC_URL unset) there is no button, and the line says where to get it."""
    if not offer.url.startswith(("https://", "http://")):
        return None, ("The report file can't be linked from Teams until the bot's public "
                      "address (POLICYBOT_PUBLIC_URL) is set; `policybot report` writes it "
                      "on the server.")
    return ({"type": "Action.OpenUrl", "title": "Open the report", "url": offer.url},
            "The link opens the report once, for a day; save or print it from the browser.")


def card_card(card: Card) -> dict[str, Any]:
    """A neutral card; its body (a draft can be of any length) is shortened to fit Teams."""
    note = (f"\n\n… (shortened to fit Teams; the full text is kept with request "
            f"{card.request_id})" if card.request_id else "\n\n… (shortened to fit Teams)")
    if card.quote:
        return _fitted(lambda quote: _card_json(card, card.body, quote), card.quote, note)
    return _fitted(lambda body: _card_json(card, body), card.body, note)


def _fitted(build: Callable[[str], dict[str, Any]], text: str, note: str) -> dict[str, Any]:
    result = build(text)
    while text and card_size(result) > MAX_MESSAGE_BYTES:
        # JSON escaping and per-line blocks add to the text's own size: cut in proportion.
        keep = len(text.encode("utf-8")) * MAX_MESSAGE_BYTES // card_size(result) - 400
        text = cut(text, keep, note) if keep > len(note.encode("utf-8")) else ""
        result = build(text)
    return result


def adaptive_card(message: Question | Card) -> dict[str, Any]:
    return question_card(message) if isinstance(message, Question) else card_card(message)


def text_body(message: Text) -> str:
    return cut(markup(message.text), MAX_MESSAGE_BYTES, "\n\n… (shortened to fit Teams)")


def is_card(message: Message) -> bool:
    return not isinstance(message, Text)


# -- button data back into answers -------------------------------------------------------


def _string(data: dict[str, Any], key: str, limit: int = 200) -> str | None:
    value = data.get(key, "")
    if not isinstance(value, str) or len(value) > limit:
        return None
    return value


def read_action_data(data: Any) -> Choice | Press | None:
    """The answer a button press carries (with its inputs), or None if it is not ours."""
    if not isinstance(data, dict):
        return None
    kind = data.get("pb")
    if kind == CHOICE_VERB:
        token = _string(data, "token", 100)
        if not token:
            return None
        single = _string(data, "value")
        if single:
            return Choice(token, (single,))
        raw = data.get(VALUES_INPUT, "")
        if isinstance(raw, list) and all(isinstance(v, str) for v in raw):
            values = tuple(raw)
        elif isinstance(raw, str):
            values = tuple(v.strip() for v in raw.split(",") if v.strip())
        else:
            return None
        return Choice(token, values)
    if kind == PRESS_VERB:
        name = data.get("name")
        request_id = _string(data, "request_id", 60)
        value = _string(data, "value", 100)
        comment = data.get(COMMENT_INPUT, "")
        if name not in ACTION_NAMES or request_id is None or value is None:
            return None
        if not isinstance(comment, str):
            return None
        return Press(cast(ActionName, name), request_id, value, comment[:COMMENT_MAX * 2])
    return None
