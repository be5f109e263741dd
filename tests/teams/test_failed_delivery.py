"""Teams refusing a proactive message for good: the outbox stops, marks it failed with the
status and error code, tells the admins once, and sends it again when retried."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from bot import delivery_failures
from bot.delivery_failures import FailedItem
from conversations.messages import Text
from testing.staff import ADMIN, CEO, DEPUTY, HEAD
from testing.teams.fake_connector import GONE
from testing.teams.flows import approver_card, ask_for_approval
from testing.teams.harness import TeamsWorld

HEADER = "email,name,school,line_manager_email,roles,slack_user_id,teams_aad_object_id"
JOANNE_ON_TEAMS = f"{HEAD},Joanne Clarke,Oakfield Primary,{CEO},headteacher,,aad-joanne\n"


async def eventually(check: Callable[[], Awaitable[Any]], attempts: int = 500) -> Any:
    """Poll an async ``check`` until it is truthy (the outbox works in the background)."""
    for _ in range(attempts):
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met")


async def failed_items(world: TeamsWorld) -> list[FailedItem]:
    return await delivery_failures.failed(world.app.storage)


async def admin_notices(world: TeamsWorld) -> list[str]:
    return [m.text for _, m in await world.app.inbox.messages(ADMIN) if isinstance(m, Text)]


async def test_an_uninstalled_app_stops_the_card_tells_the_admin_and_a_retry_sends_it(
    world: TeamsWorld,
) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    joanne = world.user(HEAD, "Joanne Clarke")
    await joanne.say("hello")
    world.connector.refuse(joanne.conversation_id)  # Joanne removed the app
    await ask_for_approval(daniel)
    [item] = await eventually(lambda: failed_items(world))
    assert item.to == HEAD and item.summary.startswith("Approval needed: SM-0001")
    assert (item.failure.channel, item.failure.status) == ("teams", 403)
    assert item.failure.code == "BotNotInConversationRoster"
    assert "no longer installed" in item.failure.reason
    [notice] = await eventually(lambda: admin_notices(world))
    assert "403 BotNotInConversationRoster" in notice
    # Not retried by itself, however often the outbox runs.
    for _ in range(3):
        await world.app.flush()
    refused = [c for c in world.connector.refused() if c.conversation_id == joanne.conversation_id]
    assert len(refused) == 1 and approver_card(joanne) is None

    # She installs it again; the admin retries every failed delivery.
    world.connector.refusals.clear()
    retried, unknown = await delivery_failures.retry(world.app.storage, None)
    assert retried == [item.ident] and unknown == []
    world.app.kick()
    await world.until(lambda: approver_card(joanne))
    assert await failed_items(world) == [] and len(await admin_notices(world)) == 1


async def test_a_chat_that_is_gone_is_marked_failed_with_the_services_code(
    world: TeamsWorld,
) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    joanne = world.user(HEAD, "Joanne Clarke")
    await joanne.say("hello")
    world.connector.refuse(joanne.conversation_id, GONE)
    await ask_for_approval(daniel)
    [item] = await eventually(lambda: failed_items(world))
    assert (item.failure.status, item.failure.code) == (404, "ConversationNotFound")


async def test_a_new_chat_teams_refuses_is_marked_failed(world: TeamsWorld) -> None:
    report = await world.app.directory.import_csv(HEADER + "\n" + JOANNE_ON_TEAMS,
                                                  source="test")
    assert report.ok, report.errors
    helen = world.user(CEO, "Helen Whitfield")
    await helen.say("hello")  # the bot has seen the trust's tenant and service URL
    world.connector.uninstall("aad-joanne")  # the app is not installed for Joanne
    daniel = world.user(DEPUTY, "Daniel Osei")
    await ask_for_approval(daniel)
    [item] = await eventually(lambda: failed_items(world))
    assert item.to == HEAD and item.failure.status == 403
    assert world.connector.created() == []


async def test_throttling_is_waited_out_never_marked_failed(world: TeamsWorld) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    joanne = world.user(HEAD, "Joanne Clarke")
    await joanne.say("hello")
    world.connector.outage[joanne.conversation_id] = 2
    world.connector.outage_status = 429
    await ask_for_approval(daniel)
    await world.until(lambda: approver_card(joanne))
    throttled = [c for c in world.connector.refused() if c.conversation_id ==
                 joanne.conversation_id]
    assert [c.status for c in throttled] == [429, 429]
    assert await failed_items(world) == [] and await admin_notices(world) == []
