"""Sending to people on Teams: replies in a turn, and the outbox's proactive messages.

A person is reached through the conversation reference saved when they installed the bot or
last wrote to it; someone who never did, but whose Azure AD object id the directory knows, gets
a new 1:1 chat opened with the tenant id and that id. A keyed message (an approver's card) is
remembered with its activity id, so a later message under the same key updates it in place.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import ClientResponseError
from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    Channels,
    ConversationParameters,
)
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import AuthenticationConstants, ClaimsIdentity, TurnContext

from adapters.teams import cards
from adapters.teams.references import SentMessage, TeamsMemory
from adapters.teams.refusals import refusal_of
from conversations.messages import Message, Question, Text
from conversations.people import Person

log = logging.getLogger(__name__)
PLATFORM = "teams"
# Where Teams' Bot Connector lives when no activity has told us yet (Microsoft's global URL).
DEFAULT_SERVICE_URL = "https://smba.trafficmanager.net/teams/"


class NotReachable(Exception):
    """Nobody knows how to reach this person on Teams yet (the outbox retries later)."""


def card_attachment(card: dict[str, Any]) -> Attachment:
    return Attachment(content_type=cards.CARD_CONTENT_TYPE, content=card)


def activity_for(message: Message) -> Activity:
    """A neutral message as a Teams message activity."""
    if isinstance(message, Text):
        return Activity(type=ActivityTypes.message, text=cards.text_body(message),
                        text_format="markdown")
    return Activity(type=ActivityTypes.message,
                    attachments=[card_attachment(cards.adaptive_card(message))])


def card_activity(card: dict[str, Any], activity_id: str) -> Activity:
    return Activity(type=ActivityTypes.message, id=activity_id,
                    attachments=[card_attachment(card)])


class Sender:
    """Sends and updates messages in one turn's conversation, remembering what it sent."""

    def __init__(self, memory: TeamsMemory) -> None:
        self.memory = memory

    async def send(self, context: TurnContext, email: str, message: Message,
                   key: str = "") -> None:
        conversation_id = context.activity.conversation.id
        if key:
            earlier = await self.memory.sent(email, key)
            if earlier is not None and earlier.conversation_id == conversation_id:
                activity = activity_for(message)
                activity.id = earlier.activity_id
                if await self.update(context, activity):
                    return
        response = await context.send_activity(activity_for(message))
        if response is None or not response.id:
            return
        sent = SentMessage(response.id, conversation_id)
        if key:
            await self.memory.save_sent(email, key, sent)
        if isinstance(message, Question):
            await self.memory.save_question(email, message.token, message.prompt, sent)

    async def update(self, context: TurnContext, activity: Activity) -> bool:
        """Replace a message; False when it no longer exists (deleted), so send a new one."""
        try:
            await context.update_activity(activity)
        except ClientResponseError as exc:  # the connector answered with an HTTP error
            if exc.status == 404:
                return False
            raise
        return True


class TeamsChannel:
    """The outbox's way to reach people on Teams (``bot.delivery.Channel``)."""

    name = PLATFORM

    def __init__(self, adapter: CloudAdapter, memory: TeamsMemory, app_id: str,
                 tenant_id: str) -> None:
        self.adapter = adapter
        # The bot's own identity for proactive turns: its app id (the SDK then asks the
        # service connection for a token), or none at all in the emulator mode.
        self.identity = adapter.create_claims_identity(app_id) if app_id else ClaimsIdentity()
        self.memory = memory
        self.sender = Sender(memory)
        self.app_id = app_id
        self.tenant_id = tenant_id

    async def reaches(self, person: Person) -> bool:
        # Teams can't look someone up who never wrote to the bot; the directory's Teams id
        # or a stored conversation reference is what reaches them (channel_for reads both).
        return False

    async def deliver(self, person: Person, message: Message, key: str) -> None:
        """Send proactively; a refusal for good is raised as ``DeliveryRefused`` (the outbox
        marks the message failed), anything else as it came (the outbox retries)."""
        try:
            await self._deliver(person, message, key)
        except ClientResponseError as exc:
            refusal = refusal_of(exc)
            if refusal is None:
                raise
            raise refusal from None

    async def _deliver(self, person: Person, message: Message, key: str) -> None:
        reference = await self.memory.reference(person.email)
        if reference is None:
            await self._open_chat(person, message, key)
            return

        async def send(context: TurnContext) -> None:
            context.activity.id = None  # a new message, not a reply to the continuation event
            await self.sender.send(context, person.email, message, key)

        await self.adapter.continue_conversation_with_claims(
            self.identity, reference.get_continuation_activity(), send,
            AuthenticationConstants.AGENTS_SDK_SCOPE)

    async def _open_chat(self, person: Person, message: Message, key: str) -> None:
        aad_id = person.platform_id("teams")
        if not aad_id:
            raise NotReachable("this person has no Teams chat with the bot and no Teams id")
        service = await self.memory.service()
        tenant = self.tenant_id or (service.tenant_id if service else "")
        if not tenant:
            raise NotReachable("the Teams tenant id is not known yet")
        bot_id = service.bot_id if service and service.bot_id else f"28:{self.app_id}"
        user = ChannelAccount(id=aad_id, aad_object_id=aad_id)
        parameters = ConversationParameters(
            is_group=False, bot=ChannelAccount(id=bot_id), members=[user],
            tenant_id=tenant, channel_data={"tenant": {"id": tenant}})

        async def send(context: TurnContext) -> None:
            context.activity.id = None
            # The SDK's activity for a new chat names no user: every message sent in it
            # must name its recipient (the service refuses one without).
            context.activity.from_property = user
            reference = context.activity.get_conversation_reference()
            reference.activity_id = None
            await self.memory.save_reference_object(person.email, reference)
            await self.sender.send(context, person.email, message, key)

        service_url = service.service_url if service and service.service_url else (
            DEFAULT_SERVICE_URL)
        log.info("opening a Teams chat for a proactive message")
        await self.adapter.create_conversation(
            self.app_id, Channels.ms_teams, service_url, AuthenticationConstants.AGENTS_SDK_SCOPE,
            parameters, send)
