"""Slack ids for the people a sync adds or changes, looked up by email.

With a Slack token configured, ``users.lookupByEmail`` finds each person's Slack id once, so
their first message to the bot, and the first card sent to them, need no look-up. Someone
not on the Trust's Slack is simply left without one; Slack's rate limit (429 with
Retry-After) is waited out by the SDK's retry handler.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.directory_sync.plan import Changed, SyncPlan
from conversations.people import Person

log = logging.getLogger(__name__)
RATE_LIMIT_RETRIES = 5


async def with_slack_ids(plan: SyncPlan, *, token: str, api_url: str) -> tuple[SyncPlan, int]:
    """The plan with Slack ids filled in where found; how many were found."""
    wanted = [p for p in plan.added if not p.platform_id("slack")]
    wanted += [c.after for c in plan.changed if not c.after.platform_id("slack")]
    found: dict[str, str] = {}
    async with aiohttp.ClientSession() as session:
        client = AsyncWebClient(
            token=token, base_url=api_url if api_url.endswith("/") else api_url + "/",
            session=session,
            retry_handlers=[AsyncConnectionErrorRetryHandler(),
                            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)])
        for person in wanted:
            try:
                answer = await client.users_lookupByEmail(email=person.email)
            except SlackApiError as exc:
                if exc.response.get("error") == "users_not_found":
                    continue  # not on the Trust's Slack (yet)
                log.warning("Slack look-ups by email stopped: %s", exc.response.get("error"))
                break
            user = answer.get("user") or {}
            if isinstance(user, Mapping) and user.get("id"):
                found[person.email] = str(user["id"])

    def with_id(p: Person) -> Person:
        if p.email not in found:
            return p
        ids = {**dict(p.platform_ids), "slack": found[p.email]}
        return replace(p, platform_ids=tuple(sorted(ids.items())))

    added = tuple(with_id(p) for p in plan.added)
    changed = tuple(Changed(c.before, with_id(c.after)) for c in plan.changed)
    return replace(plan, added=added, changed=changed), len(found)
