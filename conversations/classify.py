"""What one turn is, decided once: :func:`classify` (pure).

A turn is a button pressed, an answer chosen or a message typed; what it means depends on
the conversation (a question being asked, a message held, a report waiting for "send it?")
and on what the person typed. The decision is an ordered table of recognisers
(:data:`RECOGNISERS`): each looks at the turn and either names its :class:`Intent` or
passes; the first that names one wins, so the order is written down, not implied by an
if-chain. The application then dispatches on the intent's ``kind`` (bot/routes.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal, get_args

from conversations import intents
from conversations.ask import FAQ_MIN, PolicyIndex
from conversations.away import looks_like_delegation, looks_like_return
from conversations.conversation import Conversation
from conversations.evaluation import Account
from conversations.exchanges import typed_confirmation
from conversations.flow_registry import CHECK_POST, FLOW_NAMES
from conversations.flows import FlowRunner
from conversations.intent_registry import REPORT_INTENT, STARTABLE
from conversations.messages import Choice, Press, Turn
from conversations.people import Person
from conversations.policy import PolicyPack
from conversations.reader import KnownNames

IntentKind = Literal[
    "pack_changed",   # the pack changed under the conversation: start afresh
    "menu",           # what the bot can do (and where the person was)
    "stale",          # an answer to a question no longer asked
    "answer",         # an answer to the question being asked
    "held_reply",     # what a held message is: a post or a question
    "confirm_reply",  # "send it?" answered for a concern report
    "hold",           # keep the message and ask what it is
    "policy_question",
    "start_flow",     # ``name`` is the flow
    "cancel", "my_requests", "pending", "withdraw_list",
    "decide",         # a request's button (approve, reject, acknowledge, withdraw)
    "dispute", "recheck",
    "delegate", "end_delegation",
    "report",         # the governance report (bot/report/chat.py says who may have it)
]
INTENT_KINDS: frozenset[str] = frozenset(get_args(IntentKind))
PUZZLED = "I'm not sure what you mean. Here is what I can do:"


@dataclass(frozen=True)
class Intent:
    """What a turn is. ``text``: the words it carries (a draft, a question, a delegation);
    ``lead``: the heading of a menu or the question asked of a held message, ``as_post``
    the label of the held message's "post" option. ``drops_aside``: a new message ends a
    held message or a report waiting for "send it?"."""

    kind: IntentKind
    name: str = ""
    text: str = ""
    choice: Choice | None = None
    press: Press | None = None
    lead: str = ""
    as_post: str = ""
    drops_aside: bool = False


@dataclass(frozen=True)
class Dialogue:
    """The engine's pieces a classification consults, built once per pack."""

    pack: PolicyPack
    runner: FlowRunner
    index: PolicyIndex

    @classmethod
    def of(cls, pack: PolicyPack) -> Dialogue:
        return cls(pack, FlowRunner(pack), PolicyIndex(pack))


@dataclass(frozen=True)
class Known:
    """What the application read for this turn that a classification looks at."""

    person: Person
    accounts: Sequence[Account]
    names: KnownNames


@dataclass(frozen=True)
class _Situation:
    dialogue: Dialogue
    conversation: Conversation
    turn: Turn
    known: Known
    text: str


Recogniser = Callable[[_Situation], Intent | None]


def classify(dialogue: Dialogue, conversation: Conversation, turn: Turn,
             known: Known) -> Intent:
    """The one intent of ``turn`` in ``conversation``."""
    situation = _Situation(dialogue, conversation, turn, known, turn.text.strip())
    for recognise in RECOGNISERS:
        intent = recognise(situation)
        if intent is not None:
            return intent
    raise AssertionError("the last recogniser names an intent for every turn")


# -- the recognisers, in the order they are tried ------------------------------------------

def _pack_changed(s: _Situation) -> Intent | None:
    return None if s.dialogue.runner.still_valid(s.conversation) else Intent("pack_changed")


def _pressed(s: _Situation) -> Intent | None:
    press = s.turn.press
    if press is None:
        return None
    if press.name == "start":
        if press.value.startswith("recheck:"):
            return Intent("recheck", text=press.value[len("recheck:"):])
        if press.value in STARTABLE:
            return asked_for(s.conversation, press.value, "")
        return Intent("menu")
    if press.name == "dispute":
        return Intent("dispute", press=press)
    return Intent("decide", press=press)


def _chosen(s: _Situation) -> Intent | None:
    choice, conversation = s.turn.choice, s.conversation
    if choice is None:
        return None
    if conversation.held is not None and conversation.expects(choice.token):
        return Intent("held_reply", choice=choice)
    if conversation.confirm is not None and conversation.expects(choice.token):
        return Intent("confirm_reply", choice=choice)
    if not conversation.in_flow or not conversation.expects(choice.token):
        return Intent("stale")
    return Intent("answer", choice=choice)


def _nothing_typed(s: _Situation) -> Intent | None:
    return Intent("menu") if not s.text else None


def _typed_confirmation(s: _Situation) -> Intent | None:
    choice = typed_confirmation(s.conversation, s.text)
    return Intent("confirm_reply", choice=choice) if choice is not None else None


def _typed_answer(s: _Situation) -> Intent | None:
    """A message while a question is asked: an interrupting command, a question about the
    policy held to ask which it is, the answer, or another intent it plainly names."""
    conversation = s.conversation.without_side_exchange()
    if not conversation.asking_question:
        return None
    pack, text = s.dialogue.pack, s.text
    command = intents.is_command(pack, text)
    if command:
        return _aside(asked_for(conversation, command, text))
    answer = Choice(str(conversation.token), text=text)
    question = pack.flow(str(conversation.flow)).question(str(conversation.asked))
    if question.kind == "text":
        if _is_policy_question(s.dialogue, text):
            return Intent("hold", text=text, lead="Is this your answer, or a question for me?",
                          as_post="It's my answer", drops_aside=True)
        return Intent("answer", choice=answer, drops_aside=True)
    wanted = intents.detect(pack, text)
    if wanted:
        progress = s.dialogue.runner.answer(conversation, s.known.person, answer,
                                            s.known.accounts, s.known.names)
        if progress.conversation is conversation and not progress.answered:
            return _aside(asked_for(conversation, wanted, text))
    return Intent("answer", choice=answer, drops_aside=True)


def _delegation(s: _Situation) -> Intent | None:
    if looks_like_delegation(s.text):
        return Intent("delegate", text=s.text, drops_aside=True)
    if looks_like_return(s.text):
        return Intent("end_delegation", drops_aside=True)
    return None


def _message(s: _Situation) -> Intent:
    """An ordinary message with no question asked: a flow asked for, a draft to check, a
    question about the policy, or a list."""
    pack, text = s.dialogue.pack, s.text
    conversation = s.conversation.without_side_exchange()
    wanted = intents.detect(pack, text)
    if wanted in ("my_requests", "pending", "withdraw", REPORT_INTENT) or (
            wanted == CHECK_POST.name and intents.draft_in(text)):
        return _aside(asked_for(conversation, wanted, text))
    asks_flow = wanted in FLOW_NAMES and intents.asks_for_flow(pack, text, str(wanted))
    if intents.looks_like_question(text) and not asks_flow:
        return Intent("policy_question", text=text, drops_aside=True)
    if wanted:
        return _aside(asked_for(conversation, wanted, text))
    if len(text.split()) >= 6:
        # Probably a draft pasted without a word of explanation: ask rather than guess.
        return Intent("hold", text=text, lead="Shall I check this as a post?",
                      as_post="Yes, check this post", drops_aside=True)
    return Intent("menu", lead=PUZZLED, drops_aside=True)


RECOGNISERS: tuple[Recogniser, ...] = (
    _pack_changed, _pressed, _chosen, _nothing_typed, _typed_confirmation, _typed_answer,
    _delegation, _message,
)


# -- helpers ------------------------------------------------------------------------------

def asked_for(conversation: Conversation, name: str, text: str) -> Intent:
    """The intent of a named intent of the pack ("cancel", a flow's name...) said in
    ``text`` (or pressed on the menu, with no text)."""
    if name == "cancel":
        return Intent("cancel")
    if name == "restart":
        if conversation.flow:
            return Intent("start_flow", name=conversation.flow)
        return Intent("menu")
    if name == "help":
        return Intent("menu")
    if name == "my_requests":
        return Intent("my_requests")
    if name == "pending":
        return Intent("pending")
    if name == REPORT_INTENT:
        return Intent("report", text=text)
    if name == "withdraw":
        request_id = intents.request_id_in(text)
        if request_id:
            return Intent("decide", press=Press("withdraw", request_id))
        return Intent("withdraw_list")
    return Intent("start_flow", name=name, text=text)


def _aside(intent: Intent) -> Intent:
    return replace(intent, drops_aside=True)


def _is_policy_question(dialogue: Dialogue, text: str) -> bool:
    if not intents.plainly_a_policy_question(text):
        return False
    entry, score = dialogue.index.best_entry(text)
    return entry is not None and score >= FAQ_MIN
