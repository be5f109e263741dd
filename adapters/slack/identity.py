"""Who is speaking: a Slack user as a person of the staff directory, and back.

The directory's ``slack_user_id`` wins where it is set. Otherwise the user's email, read with
users.info (scope users:read.email), is looked up in the directory. Emails are cached in
memory for an hour, and the user id found for an email is kept in storage
(``slackuser/<email>``) so that messages can reach that person after a restart.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.port import ApplicationPort
from conversations.people import Person

log = logging.getLogger(__name__)
CACHE_SECONDS = 3600.0
USER_IDS = "slackuser"  # the port notes namespace: email -> Slack user id
NO_SUCH_USER = frozenset({"user_not_found", "users_not_found", "account_inactive"})


class SlackIdentity:
    def __init__(
        self, client: AsyncWebClient, port: ApplicationPort,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.port = port
        self.clock = clock
        self._emails: dict[str, tuple[str, float]] = {}  # user id -> (email or "", when read)
        self._ids: dict[str, str] = {}  # email -> user id

    async def person_for(self, user_id: str) -> Person | None:
        """The directory person behind a Slack user, or None when they are not in it."""
        if not user_id:
            return None
        people = await self.port.directory()
        person = people.by_platform_id("slack", user_id)
        if person is not None:
            return person
        email = await self._email_of(user_id)
        person = people.get(email) if email else None
        if person is not None:
            await self._remember(person.email, user_id)
        return person

    async def user_id_for(self, person: Person) -> str:
        """The Slack user id that reaches ``person``; "" when Slack says there is no such user.

        Any other failure (rate limit, invalid_auth, network) is raised: it says nothing about
        whether the person is on Slack.
        """
        if person.platform_id("slack"):
            return person.platform_id("slack")
        if person.email in self._ids:
            return self._ids[person.email]
        stored = await self.port.notes.get(USER_IDS, person.email)
        if stored is not None:
            self._ids[person.email] = str(stored["user_id"])
            return self._ids[person.email]
        try:
            response = await self.client.users_lookupByEmail(email=person.email)
        except SlackApiError as exc:
            if _error_code(exc) not in NO_SUCH_USER:
                # Rate limited, bad token, Slack down: not an answer about this person. Raised
                # so the outbox keeps the message and tries again, rather than sending it to
                # the local inbox where a Slack user would never see it.
                raise
            log.info("users.lookupByEmail found no Slack user (%s)", _error_code(exc))
            return ""
        user_id = str((response.get("user") or {}).get("id") or "")
        if user_id:
            await self._remember(person.email, user_id)
        return user_id

    async def _email_of(self, user_id: str) -> str:
        cached = self._emails.get(user_id)
        if cached is not None and self.clock() - cached[1] < CACHE_SECONDS:
            return cached[0]
        try:
            response = await self.client.users_info(user=user_id)
        except SlackApiError as exc:
            if _error_code(exc) not in NO_SUCH_USER:
                raise  # a passing failure: "sorry, try again", not "you're not set up"
            log.info("users.info: %s", _error_code(exc))
            return ""
        user: dict[str, Any] = response.get("user") or {}
        email = ""
        if not user.get("is_bot") and not user.get("deleted"):
            email = str((user.get("profile") or {}).get("email") or "").strip().lower()
        self._emails[user_id] = (email, self.clock())
        return email

    async def _remember(self, email: str, user_id: str) -> None:
        if self._ids.get(email) == user_id:
            return
        await self.port.notes.put(USER_IDS, email, {"user_id": user_id})
        self._ids[email] = user_id


def _error_code(exc: SlackApiError) -> str:
    response = getattr(exc, "response", None)
    try:
        return str(response["error"]) if response is not None else "no response"
    except (KeyError, TypeError):
        return "unknown error"
