"""Other ways in: the slash command, the App Home tab, mentions, and Socket Mode."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from adapters.slack import setup_slack, start_socket_mode
from bot.app import build_application
from bot.application_port import PortToApplication
from policybot_app.adapter_settings import slack_settings
from storage.tinydb_store import TinyDBStorage
from testing.slack.fake_slack import BOT_USER, FakeSlack
from testing.slack.harness import SlackHarness, poll
from testing.slack.journeys import OPINION, buttons, header
from testing.slack.world import DANIEL, SOPHIE, STRANGER, slack_config

MENU = ["Check a post", "New account", "Report a concern", "My requests", "Pending for me"]


async def test_the_slash_command_starts_a_flow_in_a_dm(slack: SlackHarness) -> None:
    sophie = slack.user(SOPHIE)
    response = await slack.command(SOPHIE, "can I post this: Sports day is on Friday, all welcome")
    assert response.status == 200 and "replied in a direct message" in response.text
    assert "Where will it go?" in sophie.texts()  # the draft in the command was kept
    assert not [c for c in slack.fake.calls_to("chat.postMessage")
                if c.args["channel"] == "C0GENERAL"]


async def test_the_slash_command_without_text_shows_the_menu(slack: SlackHarness) -> None:
    sophie = slack.user(SOPHIE)
    await slack.command(SOPHIE, "")
    assert buttons(sophie.messages()[-1]) == MENU
    await sophie.press("Report a concern")
    assert "What is it about?" in sophie.texts()


async def test_the_home_tab_offers_the_menu_and_its_buttons_work(slack: SlackHarness) -> None:
    sophie = slack.user(SOPHIE)
    await slack.event({"type": "app_home_opened", "user": SOPHIE, "tab": "home",
                       "channel": sophie.dm})
    [published] = slack.fake.calls_to("views.publish")
    assert published.args["user_id"] == SOPHIE
    view = published.args["view"]
    assert view["type"] == "home"
    elements = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [e["text"]["text"] for e in elements] == MENU
    new_account = next(e for e in elements if e["text"]["text"] == "New account")
    payload = {
        "type": "block_actions", "user": {"id": SOPHIE}, "trigger_id": "trig-home",
        "container": {"type": "view", "view_id": "VHOME"}, "view": {"id": "VHOME"},
        "actions": [{"type": "button", "action_id": new_account["action_id"],
                     "block_id": "card|", "value": new_account["value"],
                     "action_ts": "1760000000.1"}],
    }
    await slack.interact(payload)
    assert "Which platform is the account on?" in sophie.texts()


async def test_the_home_tab_of_someone_not_set_up_says_so(slack: SlackHarness) -> None:
    await slack.event({"type": "app_home_opened", "user": STRANGER, "tab": "home"})
    [published] = slack.fake.calls_to("views.publish")
    text = json.dumps(published.args["view"])
    assert "not set up" in text and "actions" not in text


async def test_a_mention_is_answered_in_a_dm_not_in_the_channel(slack: SlackHarness) -> None:
    sophie = slack.user(SOPHIE)
    await slack.event({"type": "app_mention", "user": SOPHIE, "channel": "C0STAFFROOM",
                       "text": f"<@{BOT_USER}> can I post this?", "ts": "5.5"})
    assert "Paste the text of your post" in sophie.texts()
    assert not slack.fake.in_channel("C0STAFFROOM")


async def test_pending_for_me_lists_cards_that_can_be_decided(slack: SlackHarness) -> None:
    from testing.slack.journeys import ask_to_post

    sophie, daniel = slack.user(SOPHIE), slack.user(DANIEL)
    await ask_to_post(sophie, OPINION + "I think the new bus timetable works")
    await daniel.say("pending for me")
    listed = daniel.messages()[-1]
    assert header(listed) == "Approval needed: SM-0001 · Post check"
    await daniel.press("Approve")  # on the listed copy, not the original card
    assert "approved by Daniel Osei" in header(slack.fake.messages[(listed.channel,
                                                                      listed.ts)])
    assert "approved by Daniel Osei" in header(daniel.messages()[0])  # the keyed card too


def _envelope(event: dict[str, Any], envelope_id: str) -> dict[str, Any]:
    return {"envelope_id": envelope_id, "type": "events_api", "accepts_response_payload": False,
            "retry_attempt": 0, "retry_reason": "",
            "payload": {"type": "event_callback", "team_id": "T0001", "api_app_id": "A0001",
                        "event_id": f"Ev{envelope_id}", "event_time": 1, "event": event}}


async def test_socket_mode_serves_the_same_conversation(tmp_path: Path, fake: FakeSlack
                                                        ) -> None:
    from aiohttp import web

    config = slack_config(fake, SLACK_APP_TOKEN=fake.app_token)
    application = await build_application(
        config, storage=TinyDBStorage(str(tmp_path / "policybot.json")))
    adapter = await setup_slack(web.Application(), PortToApplication(application),
                                slack_settings(config))
    connection = await start_socket_mode(adapter, slack_settings(config))
    try:
        await poll(lambda: asyncio.sleep(0, fake.socket_connected))
        event = {"type": "message", "channel": "DUSOPHIE", "user": SOPHIE, "ts": "6.6",
                 "text": "can I post this?", "channel_type": "im"}
        await fake.socket_send(_envelope(event, "e1"))
        ack = await fake.socket_receive()
        assert ack["envelope_id"] == "e1"

        async def answered() -> bool:
            await adapter.drain()
            return len(fake.in_channel("DUSOPHIE")) == 2

        await poll(answered)
        assert "Paste the text of your post" in str(fake.in_channel("DUSOPHIE")[-1].blocks)
        opened = fake.calls_to("apps.connections.open")
        assert opened and opened[0].ok
    finally:
        await connection.close()
        await application.close()
