"""Who is speaking on Teams: an Azure AD object id resolved to a person of the directory.

The directory's ``teams_aad_object_id`` wins where it is set. Otherwise Teams is asked for the
member's email (the connector's ``GET v3/conversations/{id}/members/{userId}``: email, else
userPrincipalName), and the answer is cached, in memory and in storage, so the lookup happens
once per person.

Teams answering "no such member" means the speaker cannot be identified; Teams not answering
(an outage, a throttle, a timeout) is :class:`IdentityUnavailable`: the speaker may well be
in the directory, so they are asked to try again rather than told they are not set up.
"""

from __future__ import annotations

import logging

from aiohttp import ClientResponseError
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from adapters.teams.references import TeamsMemory
from bot.port import ApplicationPort
from conversations.people import Person

log = logging.getLogger(__name__)
# Teams' answers that mean "this member cannot be looked up here", now or later.
NOT_A_MEMBER = frozenset({400, 403, 404})


class IdentityUnavailable(Exception):
    """Teams could not say who the speaker is just now (the lookup may succeed later)."""


class TeamsIdentity:
    def __init__(self, port: ApplicationPort, memory: TeamsMemory, *,
                 emulator: bool = False) -> None:
        self.port = port
        self.memory = memory
        self.emulator = emulator
        self._emails: dict[str, str] = {}  # aadObjectId -> email

    async def person(self, context: TurnContext) -> Person | None:
        """The directory person behind this activity, or None if they are not in it.

        Raises :class:`IdentityUnavailable` when Teams could not be asked just now.
        """
        people = await self.port.directory()
        sender = context.activity.from_property
        aad_id = (sender.aad_object_id or "") if sender else ""
        if aad_id:
            listed = people.by_platform_id("teams", aad_id)
            if listed is not None:
                return listed
            cached = self._emails.get(aad_id) or await self.memory.cached_email(aad_id)
            person = people.get(cached) if cached else None
            if person is not None:
                self._emails[aad_id] = person.email
                return person
        unavailable: IdentityUnavailable | None = None
        try:
            email = await self._ask_teams(context)
        except IdentityUnavailable as exc:
            email, unavailable = "", exc
        person = people.get(email) if email else None
        if person is not None and aad_id:
            self._emails[aad_id] = person.email
            await self.memory.cache_email(aad_id, person.email)
            return person
        if person is None and self.emulator and sender is not None:
            # The Bot Framework Emulator has no sign-in: its user id or name may be an email.
            for candidate in (sender.id, sender.name):
                found = people.get(candidate) if candidate and "@" in candidate else None
                if found is not None:
                    return found
        if unavailable is not None:
            raise unavailable
        return person

    async def _ask_teams(self, context: TurnContext) -> str:
        """The member's email as Teams gives it ("" when Teams has no such member)."""
        sender = context.activity.from_property
        conversation = context.activity.conversation
        client = context.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
        if sender is None or not sender.id or conversation is None or client is None:
            return ""
        try:
            member = await client.conversations.get_conversation_member(
                conversation.id, sender.id)
        except ClientResponseError as exc:  # the connector answered with an HTTP error
            status = exc.status
            if status in NOT_A_MEMBER:
                log.warning("Teams member lookup: no such member (HTTP %s)", status)
                return ""
            log.warning("Teams member lookup failed (HTTP %s); will ask again", status)
            raise IdentityUnavailable(f"HTTP {status}") from None
        except Exception as exc:  # unreachable, timed out, a garbled answer: ask again later
            log.warning("Teams member lookup failed (%s); will ask again", type(exc).__name__)
            raise IdentityUnavailable(type(exc).__name__) from None
        extra = member.model_extra or {}  # Teams' own members: email, userPrincipalName
        found = extra.get("email") or extra.get("userPrincipalName") or ""
        return str(found).strip().lower() if isinstance(found, str) else ""
