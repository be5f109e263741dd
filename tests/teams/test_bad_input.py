"""Bad input changes nothing: no token, malformed activities, strangers, huge messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from adapters.teams import setup_teams
from bot.config import Config
from storage.base import Storage
from tests.teams.conftest import _application, serving
from tests.teams.fake_connector import FakeConnector
from tests.teams.flows import HEAD, OPINION_POST, TEACHER, approver_card, ask_for_approval
from tests.teams.harness import TeamsWorld, texts_of

APP_ID = "00000000-0000-4000-8000-000000000001"
STATE_PREFIXES = ("teamsref/", "teamsmeta/", "teamsid/", "presence/", "conversation/", "seen/",
                  "audit/", "outbox/", "teamswelcome/")


async def written(storage: Storage) -> list[str]:
    return [key for prefix in STATE_PREFIXES for key, _ in await storage.scan(prefix)]


async def test_without_a_token_the_answer_is_401_and_nothing_happens(
    tmp_path: Path, connector: FakeConnector
) -> None:
    app = await _application(tmp_path, {
        "MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "not-a-real-secret",
        "MICROSOFT_APP_TENANT_ID": "00000000-0000-0000-0000-000000000001"})
    async with serving(app, connector, emulator=False) as world:
        daniel = world.user(TEACHER, "Daniel Osei")
        for headers in ({}, {"Authorization": "Bearer not-a-token"},
                        {"Authorization": "Bearer a.b.c"}):
            status, text = await world.post(daniel.activity("message", text="hello"),
                                            headers=headers)
            assert status == 401, (headers, status, text)
            assert "Traceback" not in text and "not-a-real-secret" not in text
        assert await written(app.storage) == []
        assert connector.calls == []


async def test_the_endpoint_is_off_without_an_app_id(tmp_path: Path) -> None:
    app = await _application(tmp_path, {})
    web_app = web.Application()
    await setup_teams(web_app, app, app.config)
    assert not [r for r in web_app.router.routes() if r.resource and
                r.resource.canonical == "/api/messages"]
    assert "teams" not in app.outbox.channels
    await app.close()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "teams.example.org"])
async def test_emulator_mode_refuses_a_non_loopback_address(tmp_path: Path, host: str) -> None:
    app = await _application(tmp_path, {})
    with pytest.raises(ValueError, match="loopback"):
        await setup_teams(web.Application(), app, Config({}), emulator=True, host=host)
    await app.close()


def _without(body: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in keys}


async def test_malformed_activities_get_a_4xx_and_change_nothing(world: TeamsWorld) -> None:
    daniel = world.user(TEACHER, "Daniel Osei")
    good = daniel.activity("message", text="hello")
    cases: list[tuple[bytes | None, dict[str, Any] | list[Any] | None, str]] = [
        (b"{not json", None, "not valid JSON"),
        (b"\xff\xfe\x00", None, "not valid JSON"),
        (None, [good], "JSON object"),
        (None, _without(good, "type"), "no type"),
        (None, {**good, "type": 7}, "no type"),
        (None, _without(good, "from"), "no sender"),
        (None, {**good, "from": "someone"}, "no sender"),
        (None, {**good, "from": {"name": "no id"}}, "no sender"),
        (None, _without(good, "conversation"), "no conversation"),
        (None, _without(good, "serviceUrl"), "no serviceUrl"),
        (None, {**good, "serviceUrl": "file:///etc/passwd"}, "no serviceUrl"),
        (None, {**good, "text": {"a": 1}}, "text must be a string"),
        (None, {**good, "channelData": ["x"]}, "channelData must be an object"),
        (None, {**good, "membersAdded": "all"}, "membersAdded is malformed"),
    ]
    for raw, body, expected in cases:
        status, text = await world.post(body, raw=raw)
        assert 400 <= status < 500, (expected, status, text)
        assert expected in text and "Traceback" not in text
    status, text = await world.post(None, raw=json.dumps(good).encode(),
                                    headers={"Content-Type": "text/plain"})
    assert status == 415 and "JSON" in text
    assert await written(world.app.storage) == []
    assert world.connector.calls == []


async def test_a_bad_invoke_gets_a_400_and_changes_nothing(world: TeamsWorld) -> None:
    daniel = world.user(TEACHER, "Daniel Osei")
    await daniel.say("hello")
    before = await written(world.app.storage)
    for value in (None, "x", {"action": "x"}, {"action": {"type": "Action.Submit"}}):
        status, text = await daniel.send(daniel.activity("invoke", name="adaptiveCard/action",
                                                         value=value))
        assert status == 400, (value, status, text)
    body = {"action": {"type": "Action.Execute", "verb": "press",
                       "data": {"pb": "press", "name": "delete_everything"}}}
    status, text = await daniel.send(daniel.activity("invoke", name="adaptiveCard/action",
                                                     value=body))
    assert status == 200 and "isn't one I recognise" in text
    assert [k for k in await written(world.app.storage) if not k.startswith("seen/")] == [
        k for k in before if not k.startswith("seen/")]


async def test_someone_not_in_the_directory_is_told_whom_to_contact(world: TeamsWorld) -> None:
    stranger = world.user("visitor@elsewhere.example", "Vic Visitor")
    assert await stranger.say("can I post this?") == 201
    reply = stranger.last().text
    assert "not set up" in reply and "Head of Governance and People" in reply
    assert await world.app.storage.scan("presence/") == []
    assert await world.app.storage.scan("teamsref/") == []
    assert await world.app.storage.scan("conversation/") == []


async def test_a_10000_character_message_is_handled(world: TeamsWorld) -> None:
    daniel = world.user(TEACHER, "Daniel Osei")
    joanne = world.user(HEAD, "Joanne Clarke")
    await joanne.say("hello")
    draft = ("We had a wonderful day. " * 420)[:10_000]
    assert len(draft) == 10_000
    await ask_for_approval(daniel, draft, OPINION_POST)
    call = await world.until(lambda: approver_card(joanne))
    size = len(json.dumps(call.card, ensure_ascii=False).encode())
    assert size < 28_000
    assert draft.strip() in texts_of(call.card)  # it fits whole: nothing was cut
    record = await world.app.storage.get("request/SM-0001")
    assert record is not None and record.value["draft"] == draft


async def test_a_draft_too_big_for_a_card_is_shortened_but_kept_whole(
    world: TeamsWorld,
) -> None:
    daniel = world.user(TEACHER, "Daniel Osei")
    joanne = world.user(HEAD, "Joanne Clarke")
    await joanne.say("hello")
    draft = "Ünïcödé paragraph with “quotes” and \\ slashes.\n" * 1500  # ~80 KB
    await ask_for_approval(daniel, draft, OPINION_POST)
    call = await world.until(lambda: approver_card(joanne))
    assert len(json.dumps(call.card, ensure_ascii=False).encode()) < 28_000
    assert "shortened to fit Teams; the full text is kept with request SM-0001" in texts_of(
        call.card)
    record = await world.app.storage.get("request/SM-0001")
    assert record is not None and record.value["draft"] == draft.strip()


async def test_a_failure_during_a_turn_gets_an_apology_not_a_500(world: TeamsWorld) -> None:
    daniel = world.user(TEACHER, "Daniel Osei")
    world.connector.outage[daniel.conversation_id] = 1  # the first reply fails to send
    status, text = await daniel.send(daniel.activity("message", text="hello"))
    assert status == 201 and "Traceback" not in text
    assert "Sorry, something went wrong" in daniel.last().text
