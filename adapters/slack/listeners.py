"""Slack requests as turns for the engine, and its answers back in Slack.

Every listener acknowledges at once and leaves the work (the turn, then Web API calls) to a
task it keeps track of, so Slack has its answer well within 3 seconds and nothing in flight
is dropped or lost to the garbage collector. Each turn carries Slack's own id for what
happened (the event id, or the pressed button's action_ts with the user and the message), so
the engine applies a retried event or a replayed press once.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Coroutine, Mapping, Sequence
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from adapters.slack import blocks
from adapters.slack.blocks import Pressed
from adapters.slack.channel import NAME, SlackChannel
from adapters.slack.identity import SlackIdentity
from adapters.slack.manifest import SLASH_COMMAND
from adapters.slack.markup import from_slack, without_mention
from bot.app import Application
from bot.service import MENU_ACTIONS
from bot.tx import Tx
from conversations.messages import Card, Choice, Message, Outbound, Press, Text, Turn, TurnResult
from conversations.people import Person

log = logging.getLogger(__name__)
RECENT_EVENTS = 2000
SORRY = "Sorry, something went wrong on my side. Please try again in a moment."
HOME_TITLE = "Social media policy"
HOME_TEXT = ("Check a social media post against the Trust's Social Media Policy before you "
             "post it, and get the approval it needs. You can also message me in your own "
             "words, or use /socialmedia anywhere in Slack.")


class SlackListeners:
    def __init__(self, application: Application, channel: SlackChannel,
                 identity: SlackIdentity) -> None:
        self.application = application
        self.channel = channel
        self.identity = identity
        self.client = channel.client
        self._tasks: set[asyncio.Task[None]] = set()
        self._recent: OrderedDict[str, None] = OrderedDict()

    def register(self, bolt: AsyncApp) -> None:
        bolt.event("message")(self.on_message)
        bolt.event("app_mention")(self.on_mention)
        bolt.event("app_home_opened")(self.on_home_opened)
        bolt.action(re.compile(".*"))(self.on_action)
        bolt.view(blocks.REJECT_CALLBACK)(self.on_reject_reason)
        bolt.command(SLASH_COMMAND)(self.on_command)

    async def drain(self) -> None:
        """Wait for every piece of work started so far (and any it starts)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    @property
    def busy(self) -> int:
        return len(self._tasks)

    # -- Bolt listeners: acknowledge, then start the work ---------------------------------

    async def on_message(self, ack: AsyncAck, body: dict[str, Any], event: dict[str, Any]
                         ) -> None:
        await ack()
        # Only what a person typed in the bot's DM: not edits, joins, files or bots.
        if event.get("subtype") or event.get("bot_id") or event.get("channel_type") != "im":
            return
        user, channel, text = event.get("user"), event.get("channel"), event.get("text")
        if isinstance(user, str) and isinstance(channel, str) and isinstance(text, str):
            self.channel.remember_dm(user, channel)
            self._spawn(self._converse(user, from_slack(text), channel, _event_id(body)), user)

    async def on_mention(self, ack: AsyncAck, body: dict[str, Any], event: dict[str, Any],
                         context: AsyncBoltContext) -> None:
        await ack()
        user, text = event.get("user"), event.get("text")
        if event.get("bot_id") or not isinstance(user, str) or not isinstance(text, str):
            return
        # The answer goes to a DM: a draft may name pupils, so never into the channel.
        typed = from_slack(without_mention(text, context.bot_user_id))
        self._spawn(self._converse(user, typed, "", _event_id(body)), user)

    async def on_command(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        user = str(command.get("user_id") or "")
        in_our_dm = self.channel.known_dm(user) == command.get("channel_id")
        await ack(text="" if in_our_dm else "I've replied in a direct message.")
        if user:
            event_id = f"slack-command:{command.get('trigger_id', '')}"
            text = from_slack(str(command.get("text") or ""))
            self._spawn(self._converse(user, text, "", event_id), user)

    async def on_home_opened(self, ack: AsyncAck, event: dict[str, Any]) -> None:
        await ack()
        user = event.get("user")
        if event.get("tab") == "home" and isinstance(user, str):
            self._spawn(self._publish_home(user), "")

    async def on_action(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]
                        ) -> None:
        await ack()
        if action.get("action_id") == blocks.TICK:
            return  # ticking a box only changes the message's state, read on "Continue"
        user = str((body.get("user") or {}).get("id") or "")
        self._spawn(self._act(user, body, action), user)

    async def on_reject_reason(self, ack: AsyncAck, body: dict[str, Any],
                               view: dict[str, Any]) -> None:
        try:
            reject = blocks.read_reject(view)
        except (ValueError, KeyError, TypeError):
            await ack()
            log.warning("reject modal without a request refused")
            return
        if not reject.reason.strip():
            await ack(response_action="errors",
                      errors={blocks.REASON_BLOCK: "Please give a reason: the requester sees it."})
            return
        await ack()
        user = str((body.get("user") or {}).get("id") or "")
        event_id = f"slack-view:{view.get('id', '')}:{view.get('hash', '')}"
        press = Press("reject", reject.request_id, comment=reject.reason.strip())
        self._spawn(self._interact(user, event_id, reject.channel, reject.message_ts,
                                   press=press), user)

    # -- the work -------------------------------------------------------------------------

    def _spawn(self, work: Coroutine[Any, Any, None], user_id: str) -> None:
        task = asyncio.create_task(self._guarded(work, user_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guarded(self, work: Coroutine[Any, Any, None], user_id: str) -> None:
        try:
            await work
        except Exception:
            log.exception("Slack request could not be completed")
            if user_id:
                try:
                    await self.channel.post(await self.channel.dm(user_id),
                                            blocks.render(Text(SORRY)))
                except Exception:
                    log.warning("could not tell the person about the failure")

    def _first_time(self, event_id: str) -> bool:
        """False for an id this process has already taken (Slack retrying it)."""
        if not event_id:
            return True
        if event_id in self._recent:
            return False
        self._recent[event_id] = None
        while len(self._recent) > RECENT_EVENTS:
            self._recent.popitem(last=False)
        return True

    async def _person(self, user_id: str, reply_to: str) -> Person | None:
        person = await self.identity.person_for(user_id)
        if person is None:
            await self._say(reply_to or await self.channel.dm(user_id), None,
                            [self.application.bot.not_set_up()])
            return None
        await self.application.outbox.note_presence(person.email, NAME)
        return person

    async def _handle(self, turn: Turn) -> TurnResult:
        result = await self.application.bot.handle(turn)
        self.application.kick()
        return result

    async def _once(self, event_id: str, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` unless this process already took ``event_id``; a failure lets a
        retry of the same event try again (the engine still applies a turn only once)."""
        if not self._first_time(event_id):
            work.close()
            return
        try:
            await work
        except Exception:
            self._recent.pop(event_id, None)
            raise

    async def _converse(self, user_id: str, text: str, channel: str, event_id: str) -> None:
        await self._once(event_id, self._converse_now(user_id, text, channel, event_id))

    async def _converse_now(self, user_id: str, text: str, channel: str, event_id: str
                            ) -> None:
        reply_to = channel or await self.channel.dm(user_id)
        person = await self._person(user_id, reply_to)
        if person is None:
            return
        result = await self._handle(Turn(person.email, text=text, event_id=event_id))
        if not result.duplicate:
            await self._say(reply_to, person, result.replies)

    async def _act(self, user_id: str, body: Mapping[str, Any], action: Mapping[str, Any]
                   ) -> None:
        container = body.get("container") or {}
        channel = str(container.get("channel_id") or (body.get("channel") or {}).get("id") or "")
        message = body.get("message") or {}
        message_ts = str(container.get("message_ts") or message.get("ts") or "")
        where = message_ts or str(container.get("view_id") or "")
        event_id = f"slack-action:{action.get('action_ts', '')}:{user_id}:{where}"
        read = _read_action(body, action)
        if read is None:
            log.warning("press on a button this adapter doesn't know ignored")
            return
        if isinstance(read, Pressed) and read.needs_reason:
            if await self._person(user_id, "") is not None:
                await self.client.views_open(
                    trigger_id=str(body.get("trigger_id") or ""),
                    view=blocks.reject_modal(read.request_id, channel, message_ts))
            return
        if isinstance(read, Pressed):
            press = Press(read.name, read.request_id, read.value)
            await self._interact(user_id, event_id, channel, message_ts, press=press)
        else:
            await self._interact(user_id, event_id, channel, message_ts, choice=read,
                                 shown=message.get("blocks") or [])

    async def _interact(
        self, user_id: str, event_id: str, channel: str, message_ts: str, *,
        choice: Choice | None = None, press: Press | None = None, shown: Sequence[Any] = (),
    ) -> None:
        """A button or a modal: apply it, show the outcome on the message, then reply."""
        await self._once(event_id, self._interact_now(user_id, event_id, channel, message_ts,
                                                      choice, press, shown))

    async def _interact_now(
        self, user_id: str, event_id: str, channel: str, message_ts: str,
        choice: Choice | None, press: Press | None, shown: Sequence[Any],
    ) -> None:
        # Replies go to the presser's own DM, whichever message the button was on.
        reply_to = await self.channel.dm(user_id)
        person = await self._person(user_id, reply_to)
        if person is None:
            return
        result = await self._handle(Turn(person.email, choice=choice, press=press,
                                         event_id=event_id))
        if result.duplicate:
            return
        if not result.stale and channel and message_ts:
            if choice is not None and result.answered:
                await self._update(channel, message_ts, blocks.answered(shown, result.answered))
            elif press is not None and result.replace is not None:
                await self._update(channel, message_ts, blocks.render(result.replace))
        await self._say(reply_to, person, result.replies)

    async def _update(self, channel: str, ts: str, rendered: blocks.Rendered) -> None:
        try:
            await self.channel.update(channel, ts, rendered)
        except Exception:  # the decision stands; only its display is behind
            log.warning("could not update the pressed message", exc_info=True)

    async def _say(self, channel: str, person: Person | None, messages: Sequence[Message]
                   ) -> None:
        """Post the replies in order; what can't be posted now goes to the outbox."""
        for i, message in enumerate(messages):
            try:
                await self.channel.post(channel, blocks.render(message))
            except Exception:
                if person is None:
                    raise
                log.warning("reply not posted; handed to the outbox", exc_info=True)
                tx = Tx(self.application.storage)
                self.application.outbox.stage(
                    tx, [Outbound(person.email, m) for m in messages[i:]],
                    self.application.bot.clock())
                await tx.commit()
                self.application.kick()
                return

    async def _publish_home(self, user_id: str) -> None:
        person = await self.identity.person_for(user_id)
        if person is None:
            card = Card(HOME_TITLE, body=self.application.bot.not_set_up().text)
        else:
            card = Card(HOME_TITLE, body=HOME_TEXT, actions=MENU_ACTIONS)
        await self.client.views_publish(user_id=user_id, view=blocks.home_view(card))


def _event_id(body: Mapping[str, Any]) -> str:
    event_id = body.get("event_id")
    return f"slack-event:{event_id}" if isinstance(event_id, str) and event_id else ""


def _read_action(body: Mapping[str, Any], action: Mapping[str, Any]) -> Choice | Pressed | None:
    """What a press means: an answer to a question, or a card's action."""
    action_id = str(action.get("action_id") or "")
    try:
        if action_id.startswith(blocks.CHOOSE):
            token, value = blocks.decode_choice(str(action.get("value") or ""))
            return Choice(token, (value,))
        if action_id == blocks.SELECT:
            token, value = blocks.decode_choice(str(action["selected_option"]["value"]))
            return Choice(token, (value,))
        if action_id == blocks.CONTINUE:
            token = str(action.get("value") or "")
            state = (body.get("state") or {}).get("values") or {}
            return Choice(token, tuple(blocks.ticked_values(state, token)))
        if action_id.startswith(blocks.PRESS):
            return blocks.decode_press(str(action.get("value") or ""))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return None
