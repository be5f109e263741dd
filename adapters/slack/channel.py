"""Reaching people on Slack: direct messages, and keyed messages updated in place.

An approver's card is sent under a key; the channel remembers where it went
(``slackmsg/<email>|<key>`` -> ``{"channel", "ts"}``) and, when the outbox sends a new version
under the same key, updates that message with chat.update instead of posting another.
A refusal for good (adapters/slack/refusals.py) is raised as ``DeliveryRefused``, and the outbox
marks the item failed; other failures are raised as they came so the outbox keeps the item and
tries again; a 429 is waited out by the Web API client before it gets that far.

A decided card is shown twice over: the adapter updates the pressed card at once, and the
outbox then delivers the same new version under its key. The channel remembers what it last
set each message to, so that second chat.update, which would change nothing, is not sent.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import Rendered, render
from adapters.slack.files import upload
from adapters.slack.identity import SlackIdentity
from adapters.slack.refusals import refusal_of
from bot.port import ApplicationPort
from conversations.messages import Card, Message
from conversations.people import Person

log = logging.getLogger(__name__)
NAME = "slack"
SENT = "slackmsg"  # the port notes namespace: where a keyed message was posted
# chat.update errors after which the old message is gone: post a new one instead.
GONE = frozenset({"message_not_found", "cant_update_message", "channel_not_found",
                  "is_archived", "edit_window_closed"})
REMEMBERED_UPDATES = 500  # messages whose last update this process remembers


class NoSlackUser(LookupError):
    """The person can't be reached on Slack (yet); the outbox keeps the message."""


class SlackChannel:
    name = NAME

    def __init__(self, client: AsyncWebClient, port: ApplicationPort,
                 identity: SlackIdentity) -> None:
        self.client = client
        self.port = port
        self.identity = identity
        self._dms: dict[str, str] = {}  # user id -> DM conversation id
        # (conversation, ts) -> what this process last updated the message to; taken once
        self._updated: OrderedDict[tuple[str, str], Rendered] = OrderedDict()

    async def reaches(self, person: Person) -> bool:
        """Whether Slack knows this person (users.lookupByEmail, remembered by identity).

        False only when Slack answers that there is no such user. When Slack can't answer now
        (rate limit, invalid_auth, network) this raises: the outbox then keeps the message
        and tries again instead of leaving it in the local inbox.
        """
        return bool(await self.identity.user_id_for(person))

    async def deliver(self, person: Person, message: Message, key: str) -> None:
        """Send a message; a refusal for good is raised as ``DeliveryRefused`` (the outbox
        marks the message failed), anything else as it came (the outbox retries)."""
        try:
            await self._deliver(person, message, key)
        except SlackApiError as exc:
            refusal = refusal_of(exc)
            if refusal is None:
                raise
            raise refusal from None

    async def _deliver(self, person: Person, message: Message, key: str) -> None:
        user_id = await self.identity.user_id_for(person)
        if not user_id:
            raise NoSlackUser("no Slack user found for a directory person")
        conversation = await self.dm(user_id)
        rendered = render(message)
        sent_as = f"{person.email}|{key}"
        if key:
            ref = await self.port.notes.get(SENT, sent_as)
            if ref is not None:
                where = (str(ref["channel"]), str(ref["ts"]))
                if self._updated.pop(where, None) == rendered:
                    return  # the message shows this already: updated when it was pressed
                try:
                    await self.update(*where, rendered)
                    return
                except SlackApiError as exc:
                    if exc.response.get("error") not in GONE:
                        raise
                    log.info("keyed message gone (%s); posting it again",
                             exc.response.get("error"))
        conversation, ts = await self.post(conversation, rendered)
        if key:
            await self.port.notes.put(SENT, sent_as, {"channel": conversation, "ts": ts})
        if isinstance(message, Card) and message.file is not None:
            # The file a card offers (the governance report), after the card. Such a card is
            # never sent under a key: a retry posts it again with the file.
            await upload(self.client, self.port, conversation, message.file)

    async def dm(self, user_id: str) -> str:
        """The direct-message conversation between the bot and ``user_id``."""
        if user_id not in self._dms:
            response = await self.client.conversations_open(users=user_id)
            self._dms[user_id] = str(response["channel"]["id"])
        return self._dms[user_id]

    def remember_dm(self, user_id: str, conversation: str) -> None:
        """A DM conversation seen in an event: no need to open it again to reply."""
        self._dms[user_id] = conversation

    def known_dm(self, user_id: str) -> str:
        """The DM conversation with ``user_id`` if this process has opened it, else ""."""
        return self._dms.get(user_id, "")

    async def post(self, conversation: str, rendered: Rendered) -> tuple[str, str]:
        """Post a message; returns its (conversation, ts)."""
        response = await self.client.chat_postMessage(
            channel=conversation, text=rendered.text, blocks=rendered.blocks, unfurl_links=False,
            unfurl_media=False)
        return str(response["channel"]), str(response["ts"])

    async def update(self, conversation: str, ts: str, rendered: Rendered) -> None:
        self._updated.pop((conversation, ts), None)
        await self.client.chat_update(channel=conversation, ts=ts, text=rendered.text,
                                      blocks=rendered.blocks)
        self._updated[(conversation, ts)] = rendered
        while len(self._updated) > REMEMBERED_UPDATES:
            self._updated.popitem(last=False)
