"""Neutral messages: what the engine says, independent of any chat platform.

Adapters render these as Block Kit, Adaptive Cards, HTML or terminal text. Text uses a small
common markup: ``*bold*`` and line breaks only, which every platform can show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Question:
    """A step that waits for an answer.

    ``token`` identifies this exact question in this conversation; an answer must carry it
    back, so a press on an old copy of a question is recognised and refused.
    ``multiple``: any number of options may be chosen (rendered as checkboxes).
    ``free_text``: the next typed message is the answer (options may still be offered).
    """

    token: str
    prompt: str
    options: tuple[Option, ...] = ()
    multiple: bool = False
    free_text: bool = False
    detail: str = ""
    # The pack's id for the question ("channel"): lets a test or a benchmark answer by name.
    name: str = ""


ActionName = Literal["approve", "reject", "acknowledge", "withdraw", "start", "dispute"]
# Every button name, for adapters reading a press back (see conversations.intent_registry).
PRESS_NAMES: frozenset[str] = frozenset(get_args(ActionName))


@dataclass(frozen=True)
class Action:
    """A button on a card. ``needs_reason``: the platform asks for a comment first."""

    name: ActionName
    label: str
    request_id: str = ""
    value: str = ""
    style: Literal["primary", "danger", ""] = ""
    needs_reason: bool = False


@dataclass(frozen=True)
class FileOffer:
    """A file the application keeps for the person a card is for (the governance report),
    until it is taken once or ``expires_at`` passes.

    A platform that can carry a file uploads it into the chat; others show a link to
    ``url``, where the bot's own server hands it over once. ``url`` is absolute when the
    server knows its public address, else a path on the server (the web playground's own).
    """

    token: str  # unguessable: whoever holds it may take the file
    name: str  # the file's name, e.g. "policy-report-autumn-term-2026.html"
    title: str
    url: str
    expires_at: str  # a stored stamp


@dataclass(frozen=True)
class Card:
    """A structured message: requests for approvers, outcomes, lists, menus."""

    title: str
    fields: tuple[tuple[str, str], ...] = ()
    body: str = ""
    actions: tuple[Action, ...] = ()
    request_id: str = ""
    footer: str = ""
    # Text shown exactly as typed (a draft): no platform reads markup in it.
    quote: str = ""
    # What the card announces, for a colour and a word at a glance: "refused", "fine",
    # "waiting" (for approval) or "" for anything else.
    tone: Literal["refused", "fine", "waiting", ""] = ""
    # A file that goes with the card (the governance report with its summary).
    file: FileOffer | None = None


Message = Text | Question | Card


@dataclass(frozen=True)
class Outbound:
    """A message for a person other than (or beside) the one speaking.

    ``key`` names the message so that a later outbound with the same key replaces it in
    place (an approver's card updated after the decision) instead of posting a new one.
    """

    to: str
    message: Message
    key: str = ""


@dataclass(frozen=True)
class Choice:
    """An answer to a :class:`Question`: the values chosen, or the text typed."""

    token: str
    values: tuple[str, ...] = ()
    text: str = ""


@dataclass(frozen=True)
class Press:
    """A button pressed on a :class:`Card`."""

    name: ActionName
    request_id: str = ""
    value: str = ""
    comment: str = ""


@dataclass(frozen=True)
class Turn:
    """One thing a person did: typed ``text``, answered a ``choice`` or pressed a card button.

    ``event_id`` is the platform's id for the event; a turn with an id already handled is
    not applied again.
    """

    person: str
    text: str = ""
    choice: Choice | None = None
    press: Press | None = None
    event_id: str = ""


@dataclass
class TurnResult:
    """What the speaker sees now, and what must reach other people.

    ``answered``: the labels of what was chosen, so the adapter can replace the question it
    was chosen on with the answer and no buttons. ``replace``: the new look of the card whose
    button was pressed (the decision shown, no buttons). ``stale``: the question answered was no
    longer current and nothing changed.
    """

    replies: list[Message] = field(default_factory=list)
    outbound: list[Outbound] = field(default_factory=list)
    answered: tuple[str, ...] = ()
    replace: Card | None = None
    stale: bool = False
    duplicate: bool = False
