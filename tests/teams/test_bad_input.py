"""Bad input changes nothing: no token, malformed activities, strangers, huge messages.

With an app id, authentication comes first: a request without a valid token gets 401
whatever its body; only an authenticated request is told what is wrong with its body.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from adapters.teams import setup_teams
from bot.application_port import PortToApplication
from bot.config import Config
from policybot_app.adapter_settings import teams_settings
from storage.tinydb_store import TinyDBStorage
from testing.staff import DEPUTY, HEAD
from testing.teams.fake_connector import FakeConnector
from testing.teams.fake_token_issuer import FakeTokenIssuer
from testing.teams.flows import (
    DRAFT,
    OPINION,
    WHERE_ONLY,
    approver_card,
    ask_for_approval,
    question_call,
)
from testing.teams.harness import TeamsUser, TeamsWorld, button, texts_of, written
from testing.teams.world import APP_ID, make_application, serving


def _not_activities(user: TeamsUser) -> list[tuple[bytes, str]]:
    """(body, content type) pairs that are not an activity the bot can take."""
    good = user.activity("message", text="hello")
    return [
        (b"{not json", "application/json"),
        (b"[]", "application/json"),
        (json.dumps(_without(good, "from")).encode(), "application/json"),
        (json.dumps(good).encode(), "text/plain"),
        (b"x" * 2_000_000, "application/json"),  # over the server's body limit
    ]


async def test_without_a_valid_token_the_answer_is_401_whatever_the_body(
    secured: TeamsWorld, token_issuer: FakeTokenIssuer
) -> None:
    daniel = secured.user(DEPUTY, "Daniel Osei")
    url = secured.connector.url
    refused = [
        {}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Bearer a.b.c"},
        {"Authorization": "Basic eDp5"}, {"Authorization": "Bearer"},
        token_issuer.header("someone-elses-bot", url),
        token_issuer.header(APP_ID, url, lifetime=-3600),  # expired an hour ago
        token_issuer.header(APP_ID, url, iss="https://api.botframework.us"),  # another cloud
    ]
    bodies = [(json.dumps(daniel.activity("message", text="hello")).encode(),
               "application/json"), *_not_activities(daniel)]
    for headers in refused:
        for raw, content_type in bodies:
            status, text = await secured.post(
                None, raw=raw, headers={**headers, "Content-Type": content_type})
            assert status == 401, (headers, raw[:40], status, text)
            assert "Traceback" not in text and "not-a-real-secret" not in text
    assert await written(secured.app.storage) == []
    assert secured.connector.calls == []


async def test_a_token_for_another_service_url_is_refused(
    secured: TeamsWorld, token_issuer: FakeTokenIssuer
) -> None:
    daniel = secured.user(DEPUTY, "Daniel Osei")
    headers = token_issuer.header(APP_ID, "https://smba.elsewhere.example/")
    status, _ = await secured.post(daniel.activity("message", text="hello"), headers=headers)
    assert status == 401
    assert await written(secured.app.storage) == []
    assert secured.connector.calls == []


async def test_an_authenticated_request_that_is_not_an_activity_gets_a_4xx(
    secured: TeamsWorld, token_issuer: FakeTokenIssuer
) -> None:
    daniel = secured.user(DEPUTY, "Daniel Osei")
    headers = token_issuer.header(APP_ID, secured.connector.url)
    expected = ["not valid JSON", "JSON object", "no sender", "JSON", ""]
    for (raw, content_type), why in zip(_not_activities(daniel), expected, strict=True):
        status, text = await secured.post(
            None, raw=raw, headers={**headers, "Content-Type": content_type})
        assert 400 <= status < 500 and status != 401, (why, status, text)
        assert why in text and "Traceback" not in text
    assert await written(secured.app.storage) == []
    assert secured.connector.calls == []


async def test_the_endpoint_is_off_without_an_app_id(tmp_path: Path) -> None:
    app = await make_application(tmp_path, {})
    web_app = web.Application()
    await setup_teams(web_app, PortToApplication(app), teams_settings(app.config))
    assert not [r for r in web_app.router.routes() if r.resource and
                r.resource.canonical == "/api/messages"]
    assert "teams" not in app.outbox.channels
    await app.close()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "teams.example.org"])
async def test_emulator_mode_refuses_a_non_loopback_address(tmp_path: Path, host: str) -> None:
    app = await make_application(tmp_path, {})
    with pytest.raises(ValueError, match="loopback"):
        await setup_teams(web.Application(), PortToApplication(app),
                          teams_settings(Config({})), emulator=True, host=host)
    await app.close()


def _without(body: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in keys}


async def test_malformed_activities_get_a_4xx_and_change_nothing(world: TeamsWorld) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
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
    daniel = world.user(DEPUTY, "Daniel Osei")
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
    daniel = world.user(DEPUTY, "Daniel Osei")
    joanne = world.user(HEAD, "Joanne Clarke")
    await joanne.say("hello")
    draft = (OPINION + "we had a wonderful day. " * 420)[:10_000]
    assert len(draft) == 10_000
    await ask_for_approval(daniel, draft, WHERE_ONLY)
    call = await world.until(lambda: approver_card(joanne))
    size = len(json.dumps(call.card, ensure_ascii=False).encode())
    assert size < 28_000
    assert draft.strip() in texts_of(call.card)  # it fits whole: nothing was cut
    record = await world.app.storage.get("request/SM-0001")
    assert record is not None and record.value["draft"] == draft


async def test_a_draft_too_big_for_a_card_is_shortened_but_kept_whole(
    world: TeamsWorld,
) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    joanne = world.user(HEAD, "Joanne Clarke")
    await joanne.say("hello")
    draft = OPINION + "Ünïcödé paragraph with “quotes” and \\ slashes.\n" * 1500  # ~80 KB
    await ask_for_approval(daniel, draft, WHERE_ONLY)
    call = await world.until(lambda: approver_card(joanne))
    assert len(json.dumps(call.card, ensure_ascii=False).encode()) < 28_000
    assert "shortened to fit Teams; the full text is kept with request SM-0001" in texts_of(
        call.card)
    record = await world.app.storage.get("request/SM-0001")
    assert record is not None and record.value["draft"] == draft.strip()


async def test_replies_that_cannot_be_sent_in_the_turn_arrive_later(world: TeamsWorld) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    world.connector.outage[daniel.conversation_id] = 1  # the first reply fails to send
    assert await daniel.say("check a post") == 201
    state = await world.app.storage.get(f"conversation/{DEPUTY}")
    assert state is not None and state.value["flow"] == "check_post"  # the turn stands
    # The outbox delivers the replies instead; never an apology for a turn that was applied.
    question = await world.until(lambda: [c for c in daniel.received()
                                          if c.cards and "Paste the text" in texts_of(c.card)])
    assert "Sorry" not in daniel.said()
    # It is the question card as if sent in the turn: a typed answer replaces it.
    assert await daniel.say("Our choir sang beautifully today") == 201
    assert world.connector.updates(daniel.conversation_id)[-1].activity_id == (
        question[0].activity_id)


async def test_a_failure_before_the_turn_gets_an_apology_and_changes_nothing(
    tmp_path: Path, connector: FakeConnector
) -> None:
    db = tmp_path / "db"
    db.mkdir()
    app = await make_application(db, {})
    async with serving(app, connector, emulator=True) as world:
        daniel = world.user(DEPUTY, "Daniel Osei")
        db.rename(tmp_path / "moved")  # the storage cannot be written for now
        try:
            status, text = await daniel.send(daniel.activity("message", text="check a post"))
        finally:
            (tmp_path / "moved").rename(db)
        assert status == 201 and "Traceback" not in text
        assert "Sorry, something went wrong" in daniel.last().text
    reopened = TinyDBStorage(str(db / "policybot.json"))
    assert await written(reopened) == []
    await reopened.close()


async def test_a_press_that_fails_is_answered_with_an_apology(
    tmp_path: Path, connector: FakeConnector
) -> None:
    db = tmp_path / "db"
    db.mkdir()
    app = await make_application(db, {})
    async with serving(app, connector, emulator=True) as world:
        daniel = world.user(DEPUTY, "Daniel Osei")
        assert await daniel.say("can I post this?") == 201
        assert await daniel.say(DRAFT) == 201
        call = question_call(daniel)
        db.rename(tmp_path / "moved")  # the storage cannot be written for now
        try:
            response = await daniel.execute(button(call.card, "My own personal account"),
                                            card_id=call.activity_id)
        finally:
            (tmp_path / "moved").rename(db)
        # The invoke response itself says so: Teams shows it on the card at once.
        assert response["statusCode"] == 200
        assert "Sorry, something went wrong" in response["value"]
