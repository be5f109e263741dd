"""Teams activities in, neutral turns to the engine, Adaptive Cards out.

* a message: typed text, or the press of an ``Action.Submit`` button (its ``value``);
* an ``adaptiveCard/action`` invoke: the press of an ``Action.Execute`` button, answered with
  the pressed card's new look in the invoke response;
* ``installationUpdate`` / ``conversationUpdate`` (members added): the welcome and the menu.

Every activity from a known person saves the conversation reference of their personal chat
(for proactive messages) and notes that they were last seen on Teams. The activity's id, with
its conversation and sender (Teams ids are unique only within a conversation), is the turn's
event id, so an activity Teams delivers twice is applied once.

A turn is committed before the HTTP response goes back (the invoke response, for a press). If
its replies cannot be sent in the turn, they go to the outbox, which keeps retrying: the
person is never told "nothing was changed" about a turn that was applied. A turn that fails
reaches :meth:`PolicyTeamsHandler.on_turn_error`, the adapter's error hook: the person gets an
apology, the log gets the details.
"""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from typing import Any

from microsoft_agents.activity import Activity, ActivityEventNames, ActivityTypes, InvokeResponse
from microsoft_agents.hosting.core import ActivityHandler, TurnContext

from adapters.teams import cards
from adapters.teams.channel import PLATFORM, Sender, activity_for, card_activity
from adapters.teams.identity import IdentityUnavailable, TeamsIdentity
from adapters.teams.references import SentMessage, TeamsMemory
from bot.port import ApplicationPort
from conversations.messages import Choice, Message, Press, Text, Turn, TurnResult
from conversations.people import Person

log = logging.getLogger(__name__)
MESSAGE_RESPONSE = "application/vnd.microsoft.activity.message"
ERROR_RESPONSE = "application/vnd.microsoft.error"
UNKNOWN_BUTTON = "That button isn't one I recognise, so nothing changed."
SORRY = "Sorry, something went wrong on my side and nothing was changed. Please try again."
CANNOT_CHECK = "I couldn't check who you are just now; please try again in a minute."
_MENTION = re.compile(r"<at>[^<]*</at>")
ACKNOWLEDGEMENT_MAX = 200  # characters of a text reply shown over the pressed card


class TurnMarker:
    """Set once the bot's own code runs for a request: a failure before that point happened
    while the SDK took the (authenticated, well-formed) activity in, not in a turn."""

    def __init__(self) -> None:
        self.started = False


TURN_MARKER: ContextVar[TurnMarker | None] = ContextVar("teams_turn_marker", default=None)


# The SDK's own proactive turns (the outbox's deliveries): their failures are the outbox's to
# retry, never an apology to anyone.
PROACTIVE_EVENTS = frozenset({ActivityEventNames.continue_conversation,
                              ActivityEventNames.create_conversation})


def card_action_response(status_code: int, kind: str, value: Any) -> dict[str, Any]:
    """The body of an ``adaptiveCard/action`` invoke response: a card (an object) or the text
    of a message response, which the SDK's adaptive card model (an object) cannot carry."""
    return {"statusCode": status_code, "type": kind, "value": value}


class PolicyTeamsHandler(ActivityHandler):
    """The SDK's activity handler (its core package: the bot needs none of the Teams-specific
    routing of ``microsoft-agents-hosting-msteams``). The SDK types its handlers' context as a
    protocol; its adapter always passes a ``TurnContext``, which is what the overrides below
    take (hence their ``override``)."""

    def __init__(self, port: ApplicationPort, memory: TeamsMemory,
                 identity: TeamsIdentity) -> None:
        self.port = port
        self.memory = memory
        self.identity = identity
        self.sender = Sender(memory)

    async def on_turn(self, turn_context: TurnContext) -> None:  # type: ignore[override]
        marker = TURN_MARKER.get()
        if marker is not None:
            marker.started = True
        await super().on_turn(turn_context)

    async def on_turn_error(self, turn_context: TurnContext, error: Exception) -> None:
        """The adapter's error hook: the person gets an apology; the details go to the log."""
        activity = turn_context.activity
        if activity.type == ActivityTypes.event and activity.name in PROACTIVE_EVENTS:
            raise error  # an outbox delivery: it retries what failed
        log.error("Teams activity failed", exc_info=error)
        await _apologise(turn_context)

    # -- who is speaking -----------------------------------------------------------------

    async def _identify(self, context: TurnContext) -> Person | Text:
        """The speaker, or what to tell them when they cannot be identified (nothing is
        written either way)."""
        try:
            person = await self.identity.person(context)
        except IdentityUnavailable:
            return Text(CANNOT_CHECK)
        return person if person is not None else self.port.not_set_up()

    async def _speaker(self, context: TurnContext) -> Person | None:
        """The identified speaker, now recorded as seen on Teams; None after telling them
        why they could not be identified."""
        found = await self._identify(context)
        if isinstance(found, Text):
            await context.send_activity(activity_for(found))
            return None
        await self._seen(context, found)
        return found

    async def _seen(self, context: TurnContext, person: Person) -> None:
        activity = context.activity
        if activity.service_url:
            await self.memory.save_service(activity)
        if _is_personal(activity):
            await self.memory.save_reference(person.email, activity)
        await self.port.seen(person, PLATFORM)

    async def _handle(self, turn: Turn, pressed: SentMessage | None = None) -> TurnResult:
        """Apply the turn: when this returns, it is committed.

        ``pressed`` is the card whose button was pressed. A keyed card the turn sends to the
        presser (an approver's card, now decided) goes to it when no other copy of that card
        is known: it is then updated in place, never sent again as a new message (as after a
        decision on a card from "Pending for me" whose first copy never arrived).
        """
        result = await self.port.take_turn(turn)
        if pressed is not None:
            for outbound in result.outbound:
                if outbound.to == turn.person and outbound.key and (
                        await self.memory.sent(turn.person, outbound.key) is None):
                    await self.memory.save_sent(turn.person, outbound.key, pressed)
        self.port.deliver_soon()  # deliver what the turn staged for other people
        return result

    async def _reply(self, context: TurnContext, person: Person, result: TurnResult,
                     replies: list[Message] | None = None) -> None:
        """Send the replies of a committed turn (or ``replies``, some of them); what cannot be
        sent now goes to the outbox."""
        unsent = list(result.replies if replies is None else replies)
        try:
            while unsent:
                await self.sender.send(context, person.email, unsent[0])
                unsent.pop(0)
        except Exception as exc:  # the turn is applied: its replies must still arrive
            log.warning("replies could not be sent in the turn (%s); the outbox will retry",
                        type(exc).__name__)
            await self._later(person, unsent)

    async def _later(self, person: Person, messages: list[Message]) -> None:
        await self.port.hand_over(person.email, messages)

    async def _show(self, context: TurnContext, card: dict[str, Any], activity_id: str) -> None:
        """Replace a card after a committed turn; a failure leaves the old look, no more."""
        try:
            await self.sender.update(context, card_activity(card, activity_id))
        except Exception as exc:  # the turn stands; pressing the old card again is refused
            log.warning("a card could not be updated (%s)", type(exc).__name__)

    async def _new_look(self, person: Person, answer: Choice | Press | None,
                        result: TurnResult) -> dict[str, Any] | None:
        """The pressed or answered card as it should now look, or None to leave it."""
        if result.duplicate or result.stale:
            return None
        if result.answered:
            asked = await self.memory.question(person.email)
            token = answer.token if isinstance(answer, Choice) else (asked[0] if asked else "")
            prompt = asked[1] if asked and asked[0] == token else ""
            return cards.answered_card(prompt, result.answered)
        if result.replace is not None:
            return cards.card_card(result.replace)
        return None

    # -- messages: typed text, or an Action.Submit press ----------------------------------

    async def on_message_activity(  # type: ignore[override]
            self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        person = await self._speaker(turn_context)
        if person is None:
            return
        event_id = _event_id(activity)
        if isinstance(activity.value, dict) and "pb" in activity.value:
            answer = cards.read_action_data(activity.value)
            if answer is None:
                await self.sender.send(turn_context, person.email, Text(UNKNOWN_BUTTON))
                return
            result = await self._handle(_turn(person, answer, event_id), _pressed(activity))
            new_look = await self._new_look(person, answer, result)
            if new_look is not None and activity.reply_to_id:
                await self._show(turn_context, new_look, activity.reply_to_id)
            await self._reply(turn_context, person, result)
            return
        text = _MENTION.sub("", activity.text or "").strip()
        result = await self._handle(Turn(person.email, text=text, event_id=event_id))
        if result.answered and not result.stale:
            asked = await self.memory.question(person.email)
            if asked and asked[2].conversation_id == activity.conversation.id:
                card = cards.answered_card(asked[1], result.answered)
                await self._show(turn_context, card, asked[2].activity_id)
        await self._reply(turn_context, person, result)

    # -- invokes: an Action.Execute press -------------------------------------------------

    async def on_invoke_activity(  # type: ignore[override]
            self, turn_context: TurnContext) -> InvokeResponse | None:
        if turn_context.activity.name != "adaptiveCard/action":
            return await super().on_invoke_activity(turn_context)
        value = turn_context.activity.value
        action = value.get("action") if isinstance(value, dict) else None
        if not isinstance(action, dict) or action.get("type") != "Action.Execute":
            return InvokeResponse(status=400, body=card_action_response(
                400, ERROR_RESPONSE,
                {"code": "BadRequest", "message": "Expected an Action.Execute."}))
        return InvokeResponse(status=200, body=await self._execute(turn_context, action))

    async def _execute(self, turn_context: TurnContext,
                       action: dict[str, Any]) -> dict[str, Any]:
        found = await self._identify(turn_context)
        if isinstance(found, Text):
            return _message_response(found.text)
        person = found
        await self._seen(turn_context, person)
        answer = cards.read_action_data(action.get("data"))
        if answer is None:
            return _message_response(UNKNOWN_BUTTON)
        activity = turn_context.activity
        result = await self._handle(_turn(person, answer, _event_id(activity)),
                                    _pressed(activity))
        if result.duplicate:
            return _message_response("Already done.")
        new_look = await self._new_look(person, answer, result)
        if new_look is not None:
            await self._reply(turn_context, person, result)
            return card_action_response(200, cards.CARD_CONTENT_TYPE, new_look)
        # Teams shows a message response as it is, over the card: the first short text reply,
        # without its markup, and not sent to the chat as well.
        said, rest = acknowledgement(result.replies)
        await self._reply(turn_context, person, result, rest)
        return _message_response(said)

    # -- install: welcome and menu --------------------------------------------------------

    async def on_installation_update_add(  # type: ignore[override]
            self, turn_context: TurnContext) -> None:
        await self._welcome(turn_context)

    async def on_installation_update_remove(  # type: ignore[override]
            self, turn_context: TurnContext) -> None:
        await self.memory.forget_welcome(_chat_id(turn_context.activity))

    async def on_conversation_update_activity(  # type: ignore[override]
            self, turn_context: TurnContext) -> None:
        # Teams announces a personal install twice (installationUpdate, then this with the
        # bot among the members added); the welcome marker makes it one welcome.
        if turn_context.activity.members_added:
            await self._welcome(turn_context)

    async def _welcome(self, context: TurnContext) -> None:
        activity = context.activity
        try:
            person = await self.identity.person(context)
        except IdentityUnavailable:
            await context.send_activity(activity_for(Text(CANNOT_CHECK)))
            return  # no welcome marker: the next install event or message tries again
        if not await self.memory.first_welcome(_chat_id(activity)):
            return  # already welcomed in this chat
        if person is None:
            await context.send_activity(activity_for(self.port.not_set_up()))
            return
        await self._seen(context, person)
        result = await self._handle(Turn(person.email, text="", event_id=_event_id(activity)))
        first_name = person.name.split(" ")[0]
        welcome: list[Message] = [Text(
            f"Hello {first_name}! I check social media posts against the Trust's Social Media "
            "Policy before you post them, and send them for approval when the policy asks "
            "for it. Choose what you'd like to do, or just tell me.")]
        result.replies[:0] = welcome
        await self._reply(context, person, result)


def acknowledgement(replies: list[Message]) -> tuple[str, list[Message]]:
    """What a pressed button's message response says, and the replies left for the chat: the
    first text reply short enough to read at a glance, as plain text; else "Done."."""
    for n, message in enumerate(replies):
        if isinstance(message, Text) and "\n" not in message.text.strip() and (
                len(message.text) <= ACKNOWLEDGEMENT_MAX):
            return cards.plain(message.text.strip()), replies[:n] + replies[n + 1:]
    return "Done.", list(replies)


def _pressed(activity: Activity) -> SentMessage | None:
    """The card whose button was pressed (Teams names it in ``replyToId``)."""
    if not activity.reply_to_id or activity.conversation is None:
        return None
    return SentMessage(activity.reply_to_id, activity.conversation.id)


def _turn(person: Person, answer: Choice | Press, event_id: str) -> Turn:
    if isinstance(answer, Choice):
        return Turn(person.email, choice=answer, event_id=event_id)
    return Turn(person.email, press=answer, event_id=event_id)


def _event_id(activity: Activity) -> str:
    """The activity's identity across the whole store: Teams ids are unique only within a
    conversation, so the conversation and the sender are part of it."""
    if not activity.id:
        return ""
    conversation = activity.conversation.id if activity.conversation else ""
    sender = activity.from_property.id if activity.from_property else ""
    return "teams:" + json.dumps([conversation, sender, activity.id])


def _is_personal(activity: Activity) -> bool:
    kind = activity.conversation.conversation_type if activity.conversation else None
    return kind in (None, "personal")  # the Emulator sends no conversation type


def _chat_id(activity: Activity) -> str:
    return str(activity.conversation.id) if activity.conversation else ""


def _message_response(text: str) -> dict[str, Any]:
    return card_action_response(200, MESSAGE_RESPONSE, text)


async def _apologise(context: TurnContext) -> None:
    try:
        if context.activity.type == ActivityTypes.invoke:
            # Sending an invokeResponse activity is how a turn sets its invoke response.
            await context.send_activity(Activity(
                type=ActivityTypes.invoke_response,
                value=InvokeResponse(status=200, body=_message_response(SORRY))))
        if context.activity.type in (ActivityTypes.message, ActivityTypes.invoke):
            await context.send_activity(Activity(type=ActivityTypes.message, text=SORRY))
    except Exception:  # the connector itself is failing; the log already has the cause
        log.warning("could not tell the person that their activity failed")
