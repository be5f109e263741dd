"""The short exchanges beside a flow, as pure functions of the conversation.

- *hold*: a message that may be a post (or an answer) or a question for the bot is kept, and
  the person asked which;
- *confirm*: before a concern report goes, the reporter is told who will see it and asked
  "send it?";
- *dispute*: the person says what the reader noticed is not what the post means;
- *recheck*: a revised draft is checked again, the old one shown to copy.

Each returns the new conversation and what to say or do next; the application carries out
what the answer leads to (an audit entry, a request).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from conversations.conversation import Conversation, PendingReport
from conversations.doubt import INSISTED
from conversations.evaluation import Evaluation
from conversations.messages import Choice, Option, Press, Question
from conversations.people import Person

HELD = "held"
CONFIRM_REPORT = "confirm_report"
SEND, STOP = "send", "stop"
# What a reporter may type instead of pressing "Send it" or "Don't send it".
TYPED_SEND = ("yes", "send", "send it", "y")
TYPED_STOP = ("no", "stop", "don't send it")


def hold(conversation: Conversation, text: str, prompt: str,
         as_post: str) -> tuple[Conversation, Question]:
    """Keep ``text`` and ask what it is: a post (or answer) or a question for the bot."""
    held = replace(conversation.asking(), held=text)
    question = Question(token=str(held.token), prompt=prompt, name=HELD, options=(
        Option("post", as_post), Option("question", "It's a question for you")))
    return held, question


@dataclass(frozen=True)
class HeldReply:
    """What the person said a held message is. ``picked`` is None when the reply is neither
    (the question stands); ``conversation`` is where it carries on from."""

    picked: Literal["post", "question"] | None
    text: str
    conversation: Conversation

    @property
    def label(self) -> str:
        return "It's a post" if self.picked == "post" else "It's a question"


def read_held(conversation: Conversation, choice: Choice) -> HeldReply:
    text = str(conversation.held or "")
    base = replace(conversation, held=None)
    if base.asked:
        base = base.reissued()
    picked = (choice.values or (choice.text.strip().lower(),))[0]
    if picked == "post":
        return HeldReply("post", text, base)
    if picked == "question":
        return HeldReply("question", text, base)
    return HeldReply(None, text, conversation)


def role_of(person: Person) -> str:
    """What a recipient of a report is, in a few words."""
    for role, words in (("headteacher", f"headteacher of {person.school}"),
                        ("governance_lead", "Head of Governance and People"),
                        ("dpo", "Data Protection Officer"), ("ceo", "CEO"),
                        ("fallback_approver", "Chair of the Trust Board")):
        if person.has(role):
            return words
    return person.school


def confirm_report(conversation: Conversation, evaluation: Evaluation,
                   recipients: Sequence[Person]) -> tuple[Conversation, Question]:
    """Ask the reporter to confirm a report going to ``recipients``, before it is sent."""
    who = " and ".join(f"{p.name} ({role_of(p)})" for p in recipients)
    # The answers given twice against the description's words hold the rules they held.
    insisted = sorted({v for r in evaluation.requirements for v in r.when.get(INSISTED, ())})
    waiting = replace(conversation.asking(), confirm=PendingReport(
        evaluation.flow, {k: tuple(v) for k, v in evaluation.answers.items()},
        tuple(insisted)))
    question = Question(
        token=str(waiting.token), name=CONFIRM_REPORT,
        prompt=f"Before I send it: this report will go to {who}, and only they will see "
               "it (8.2). Send it?",
        options=(Option(SEND, "Send it"), Option(STOP, "Don't send it")))
    return waiting, question


def typed_confirmation(conversation: Conversation, text: str) -> Choice | None:
    """A typed "yes" or "no" to a report waiting for "send it?", as the answer."""
    typed = text.lower().strip(" .!")
    if conversation.confirm is None or typed not in TYPED_SEND + TYPED_STOP:
        return None
    return Choice(str(conversation.token), text=typed)


@dataclass(frozen=True)
class ConfirmReply:
    """``send``: True to send, False not to, None when the reply is neither (the question
    stands). ``conversation`` is where it carries on from; ``report`` what waited."""

    send: bool | None
    conversation: Conversation
    report: PendingReport | None


def read_confirm(conversation: Conversation, choice: Choice) -> ConfirmReply:
    picked = (choice.values or (choice.text.strip().lower(),))[0]
    rest = replace(conversation, confirm=None)
    if picked in TYPED_SEND:
        picked = SEND
    if picked == SEND:
        return ConfirmReply(True, rest, conversation.confirm)
    if picked in (STOP, *TYPED_STOP, "cancel"):
        return ConfirmReply(False, rest, conversation.confirm)
    return ConfirmReply(None, conversation, conversation.confirm)


@dataclass(frozen=True)
class DisputeReply:
    """``stale``: the check disputed is no longer the latest; else ``reason`` (empty when
    none was given)."""

    stale: bool
    reason: str = ""


def read_dispute(conversation: Conversation, press: Press) -> DisputeReply:
    last = conversation.last_check
    if last is None or last.id != press.value:
        return DisputeReply(stale=True)
    return DisputeReply(stale=False, reason=" ".join(press.comment.split()))


def recheck_draft(conversation: Conversation, check_id: str) -> str | None:
    """The draft of the check ``check_id`` to show again; None when that check is no longer
    the latest."""
    last = conversation.last_check
    return last.draft if last is not None and last.id == check_id else None
