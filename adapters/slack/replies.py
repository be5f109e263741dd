"""What the bot shows in Slack once a turn is committed: replies, a pressed message's new look,
the reason modal and the App Home tab.

Every turn is committed before any of this runs, so a reply that can't be posted now (or
before shutdown) is handed to the outbox rather than lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from adapters.slack import blocks
from adapters.slack.channel import SlackChannel
from adapters.slack.files import upload
from adapters.slack.identity import SlackIdentity
from adapters.slack.reading import failure
from bot.port import ApplicationPort
from conversations.messages import Card, Message, Text, TurnResult
from conversations.people import Person

log = logging.getLogger(__name__)
SORRY = "Sorry, something went wrong on my side. Please try again in a moment."
HOME_TITLE = "Social media policy"
HOME_TEXT = ("Check a social media post against the Trust's Social Media Policy before you "
             "post it, and get the approval it needs. You can also message me in your own "
             "words, or use /socialmedia anywhere in Slack.")


class SlackReplies:
    def __init__(self, port: ApplicationPort, channel: SlackChannel,
                 identity: SlackIdentity) -> None:
        self.port = port
        self.channel = channel
        self.identity = identity
        self.client = channel.client

    async def show(self, user_id: str, person: Person, result: TurnResult, conversation: str,
                   message_ts: str, shown: Sequence[Any]) -> None:
        """A pressed message's new look (an answered question, a decided card), then the
        replies."""
        if not result.stale and conversation and message_ts:
            if result.answered:
                await self.update(conversation, message_ts, blocks.answered(shown, result.answered))
            elif result.replace is not None:
                await self.update(conversation, message_ts, blocks.render(result.replace))
        # Replies go to the presser's own DM, whichever message the button was on.
        await self.say(user_id, "", person, result.replies)

    async def open_modal(self, trigger_id: str, view: dict[str, Any]) -> None:
        await self.client.views_open(trigger_id=trigger_id, view=view)

    async def update(self, conversation: str, ts: str, rendered: blocks.Rendered) -> None:
        try:
            await self.channel.update(conversation, ts, rendered)
        except Exception as exc:  # the decision stands; only its display is behind
            log.warning("could not update the pressed message: %s", failure(exc))

    async def say(self, user_id: str, conversation: str, person: Person | None,
                  messages: Sequence[Message]) -> None:
        """Post the replies in order (in ``conversation``, else the DM). The turn is committed
        already, so what can't be posted now, or before shutdown, goes to the outbox."""
        for i, message in enumerate(messages):
            try:
                conversation = conversation or await self.channel.dm(user_id)
                await self.channel.post(conversation, blocks.render(message))
                if isinstance(message, Card) and message.file is not None:
                    # A file goes to the DM, wherever the request for it came from.
                    await upload(self.client, self.port, await self.channel.dm(user_id),
                                 message.file)
            except asyncio.CancelledError:
                if person is not None:
                    await self.hand_over(person, messages[i:])
                raise
            except Exception as exc:
                if person is None:
                    raise
                log.warning("reply not posted (%s); handed to the outbox", failure(exc))
                await self.hand_over(person, messages[i:])
                return

    async def hand_over(self, person: Person, messages: Sequence[Message]) -> None:
        await self.port.hand_over(person.email, messages)

    async def sorry(self, user_id: str) -> None:
        try:
            await self.channel.post(await self.channel.dm(user_id), blocks.render(Text(SORRY)))
        except Exception as exc:
            log.warning("could not tell the person about the failure: %s", failure(exc))

    async def publish_home(self, user_id: str) -> None:
        try:
            person = await self.identity.person_for(user_id)
            if person is None:
                card = Card(HOME_TITLE, body=self.port.not_set_up().text)
            else:
                card = Card(HOME_TITLE, body=HOME_TEXT, actions=self.port.menu)
            await self.client.views_publish(user_id=user_id, view=blocks.home_view(card))
        except Exception as exc:  # the tab stays as it was; opening it again retries
            log.warning("could not publish the App Home tab: %s", failure(exc))

