"""Slack requests as turns for the engine, and its answers back in Slack.

Slack retries only what is not acknowledged, so nothing is acknowledged before it is safe:
each listener first has the engine apply and commit the turn (milliseconds), then
acknowledges, then leaves the Web API calls (the replies, the pressed message's new look, a
modal) to a task it keeps track of. If the engine fails, nothing was committed: the request is
acknowledged with nothing (a modal shows an error instead) and the person is asked to try
again. Should committing ever outlast Slack's three seconds, the request is acknowledged first
and the work carries on (and this is logged).

Each turn carries Slack's own id for what happened (the event id, or the pressed button's
action_ts with the user and the message), so the engine applies a retried event or a replayed
press once.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from adapters.slack import blocks, modals
from adapters.slack.blocks import Pressed
from adapters.slack.channel import NAME, SlackChannel
from adapters.slack.identity import SlackIdentity
from adapters.slack.manifest import SLASH_COMMAND
from adapters.slack.markup import without_mention
from adapters.slack.reading import described, event_id_of, failure, read_action, typed_in_dm
from adapters.slack.replies import SORRY, SlackReplies
from bot.port import ApplicationPort
from conversations.messages import Choice, Press, Turn
from conversations.people import Person

log = logging.getLogger(__name__)
RECENT_EVENTS = 2000
COMMIT_BUDGET = 2.5  # seconds; Slack wants its answer within 3
IN_A_DM = "I've replied in a direct message."

# What is left to do once the turn is committed and Slack has its answer: Web API calls.
FollowUp = Callable[[], Awaitable[None]]
AckArgs = dict[str, Any]


@dataclass
class _Progress:
    """One request between its listener (which answers Slack) and its task (which works)."""

    committed: asyncio.Future[bool]
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    late: bool = False  # acknowledged before the turn was committed


class SlackListeners:
    def __init__(self, port: ApplicationPort, channel: SlackChannel,
                 identity: SlackIdentity) -> None:
        self.port = port
        self.channel = channel
        self.identity = identity
        self.replies = SlackReplies(port, channel, identity)
        self.commit_budget = COMMIT_BUDGET
        self._tasks: set[asyncio.Task[None]] = set()
        self._recent: OrderedDict[str, None] = OrderedDict()

    def register(self, bolt: AsyncApp) -> None:
        bolt.event("message")(self.on_message)
        bolt.event("app_mention")(self.on_mention)
        bolt.event("app_home_opened")(self.on_home_opened)
        bolt.action(re.compile(".*"))(self.on_action)
        bolt.view(modals.REJECT_CALLBACK)(self.on_reject_reason)
        bolt.command(SLASH_COMMAND)(self.on_command)

    async def drain(self, timeout: float | None = None) -> bool:
        """Wait for every piece of work started so far (and any it starts); False when some
        is still running after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while self._tasks:
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                return False
            await asyncio.wait(list(self._tasks), timeout=left)
        return True

    def stop(self) -> int:
        """Cancel the work still running (at shutdown): replies not yet posted are handed to
        the outbox as each task stops. Returns how many tasks were stopped."""
        for task in self._tasks:
            task.cancel()
        return len(self._tasks)

    @property
    def busy(self) -> int:
        return len(self._tasks)

    # -- Bolt listeners: commit, acknowledge, then the Web API calls ----------------------

    async def on_message(self, ack: AsyncAck, body: dict[str, Any], event: dict[str, Any]
                         ) -> None:
        text = typed_in_dm(event)
        user, conversation = event.get("user"), event.get("channel")
        if text is None or not isinstance(user, str) or not isinstance(conversation, str):
            await ack()  # edits, joins, bots, other channels: nothing to do
            return
        self.channel.remember_dm(user, conversation)
        event_id = event_id_of(body)
        await self._carry_out(ack, self._converse(user, text, conversation, event_id), event_id,
                              user)

    async def on_mention(self, ack: AsyncAck, body: dict[str, Any], event: dict[str, Any],
                         context: AsyncBoltContext) -> None:
        user, text = event.get("user"), event.get("text")
        if event.get("bot_id") or not isinstance(user, str) or not isinstance(text, str):
            await ack()
            return
        # The answer goes to a DM: a draft may name pupils, so never into the channel.
        typed = described(without_mention(text, context.bot_user_id), event.get("files"))
        event_id = event_id_of(body)
        await self._carry_out(ack, self._converse(user, typed, "", event_id), event_id, user)

    async def on_command(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        user = str(command.get("user_id") or "")
        if not user:
            await ack()
            return
        in_our_dm = self.channel.known_dm(user) == command.get("channel_id")
        event_id = f"slack-command:{command.get('trigger_id', '')}"
        text = described(str(command.get("text") or ""), None)
        await self._carry_out(ack, self._converse(user, text, "", event_id), event_id, user,
                              acked={"text": "" if in_our_dm else IN_A_DM},
                              failed={"text": SORRY})

    async def on_home_opened(self, ack: AsyncAck, event: dict[str, Any]) -> None:
        await ack()  # publishing the tab changes nothing kept
        user = event.get("user")
        if event.get("tab") == "home" and isinstance(user, str):
            self._spawn(self.replies.publish_home(user))

    async def on_action(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]
                        ) -> None:
        if action.get("action_id") == blocks.TICK:
            await ack()  # ticking a box only changes the message's state, read on "Continue"
            return
        read = read_action(body, action)
        if read is None:
            await ack()
            log.warning("press on a button this adapter doesn't know ignored")
            return
        user = str((body.get("user") or {}).get("id") or "")
        container = body.get("container") or {}
        conversation = str(container.get("channel_id")
                           or (body.get("channel") or {}).get("id") or "")
        message = body.get("message") or {}
        ts = str(container.get("message_ts") or message.get("ts") or "")
        where = ts or str(container.get("view_id") or "")
        event_id = f"slack-action:{action.get('action_ts', '')}:{user}:{where}"
        work: Coroutine[Any, Any, FollowUp | None]
        if isinstance(read, Pressed) and read.needs_reason:
            trigger = str(body.get("trigger_id") or "")
            work = self._reason_or_refusal(user, event_id, read, conversation, ts, trigger)
        elif isinstance(read, Pressed):
            work = self._interact(user, event_id, conversation, ts,
                                  press=Press(read.name, read.request_id, read.value))
        else:
            work = self._interact(user, event_id, conversation, ts, choice=read,
                                  shown=message.get("blocks") or [])
        await self._carry_out(ack, work, event_id, user)

    async def on_reject_reason(self, ack: AsyncAck, body: dict[str, Any],
                               view: dict[str, Any]) -> None:
        try:
            reject = modals.read_reject(view)
        except (ValueError, KeyError, TypeError):
            await ack()
            log.warning("reject modal without a request refused")
            return
        if not reject.reason.strip():
            await ack(response_action="errors",
                      errors={modals.REASON_BLOCK: "Please give a reason: it is read with the "
                                                   "request."})
            return
        user = str((body.get("user") or {}).get("id") or "")
        event_id = f"slack-view:{view.get('id', '')}:{view.get('hash', '')}"
        press = Press(reject.name, reject.request_id, reject.value,
                      comment=reject.reason.strip())
        # The modal closes only once the rejection is committed; if it can't be, the modal
        # stays open with the error, so the reason typed is not lost either.
        await self._carry_out(
            ack, self._interact(user, event_id, reject.conversation, reject.message_ts,
                                press=press),
            event_id, user, failed={"response_action": "errors",
                                    "errors": {modals.REASON_BLOCK: SORRY}})

    # -- commit, then acknowledge ---------------------------------------------------------

    async def _carry_out(
        self, ack: AsyncAck, work: Coroutine[Any, Any, FollowUp | None], event_id: str,
        user_id: str, *, acked: AckArgs | None = None, failed: AckArgs | None = None,
    ) -> None:
        """Run ``work`` (which commits the turn), then acknowledge: with ``acked`` when it
        was committed, with ``failed`` when it failed. Its follow-up runs after the answer."""
        if not self._first_time(event_id):
            work.close()  # Slack retrying what this process already has in hand
            await ack(**(acked or {}))
            return
        progress = _Progress(asyncio.get_running_loop().create_future())
        self._spawn(self._process(work, progress, event_id, user_id, failed is None))
        try:
            try:
                done = await asyncio.wait_for(asyncio.shield(progress.committed),
                                              self.commit_budget)
            except TimeoutError:
                progress.late = True
                log.warning("Slack request not committed within %.1f s: acknowledged first, "
                            "still being carried out", self.commit_budget)
                done = True
            await ack(**((acked if done else failed) or {}))
        finally:
            progress.answered.set()

    async def _process(self, work: Coroutine[Any, Any, FollowUp | None], progress: _Progress,
                       event_id: str, user_id: str, tell: bool) -> None:
        try:
            follow_up = await work
        except asyncio.CancelledError:  # stopped at shutdown: committed or not, can't say
            if not progress.committed.done():
                progress.committed.set_result(False)
            raise
        except Exception as exc:
            self._recent.pop(event_id, None)  # Slack's retry, if any, may try again
            log.error("Slack request could not be carried out: %s", failure(exc))
            if not progress.committed.done():
                progress.committed.set_result(False)
            await progress.answered.wait()
            if user_id and (tell or progress.late):
                await self.replies.sorry(user_id)
            return
        if not progress.committed.done():
            progress.committed.set_result(True)
        await progress.answered.wait()
        try:
            if follow_up is not None:
                await follow_up()
        except Exception as exc:
            log.error("Slack follow-up failed: %s", failure(exc))
            if user_id:
                await self.replies.sorry(user_id)
        finally:
            self.port.deliver_soon()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

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

    # -- the turns ------------------------------------------------------------------------

    async def _person(self, user_id: str) -> Person | None:
        person = await self.identity.person_for(user_id)
        if person is not None:
            await self.port.seen(person, NAME)
        return person

    def _not_set_up(self, user_id: str, conversation: str) -> FollowUp:
        return partial(self.replies.say, user_id, conversation, None,
                       [self.port.not_set_up()])

    async def _converse(self, user_id: str, text: str, conversation: str, event_id: str
                        ) -> FollowUp | None:
        person = await self._person(user_id)
        if person is None:
            return self._not_set_up(user_id, conversation)
        result = await self.port.take_turn(Turn(person.email, text=text, event_id=event_id))
        if result.duplicate:
            return None
        return partial(self.replies.say, user_id, conversation, person, result.replies)

    async def _interact(
        self, user_id: str, event_id: str, conversation: str, message_ts: str, *,
        choice: Choice | None = None, press: Press | None = None, shown: Sequence[Any] = (),
    ) -> FollowUp | None:
        """A button or a modal: apply it; then show the outcome on the message, and reply."""
        person = await self._person(user_id)
        if person is None:
            return self._not_set_up(user_id, "")
        result = await self.port.take_turn(Turn(person.email, choice=choice, press=press,
                                                event_id=event_id))
        if result.duplicate:
            return None
        return partial(self.replies.show, user_id, person, result, conversation, message_ts, shown)

    async def _reason_or_refusal(self, user_id: str, event_id: str, pressed: Pressed,
                                 conversation: str, message_ts: str, trigger_id: str
                                 ) -> FollowUp | None:
        """Reject asks for a reason in a modal, but only someone who may decide gets it; a
        disputed finding (the person's own check) always asks."""
        person = await self._person(user_id)
        if person is None:
            return self._not_set_up(user_id, "")
        if pressed.name != "reject":
            view = modals.reason_modal(pressed.name, pressed.request_id, pressed.value,
                                       conversation, message_ts)
            return partial(self.replies.open_modal, trigger_id, view)
        if await self.port.may_decide(person.email, pressed.request_id):
            view = modals.reject_modal(pressed.request_id, conversation, message_ts)
            return partial(self.replies.open_modal, trigger_id, view)
        # Someone else's step, or decided already: the engine refuses, says why, and records
        # the attempt.
        return await self._interact(user_id, event_id, conversation, message_ts,
                                    press=Press("reject", pressed.request_id))
