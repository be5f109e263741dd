"""What the bot sends to Teams' Bot Connector: never a null, and the fake is as strict as the
service (the Agents SDK's own client sends ``"id": null``, which the service refuses)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientResponseError, ClientSession
from microsoft_agents.activity import Activity, ChannelAccount, ConversationAccount
from microsoft_agents.hosting.core.connector.client import ConnectorClient as SdkClient

from adapters.teams.connector import ConnectorClient, ConnectorSessions, TurnSession, dumps
from testing.teams.connector_rules import MAX_ACTIVITY_BYTES
from testing.teams.fake_connector import CARD, FakeConnector

CHAT = "a:personal-chat"


@contextlib.asynccontextmanager
async def fake_connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


def proactive_activity(**extra: Any) -> Activity:
    """A message as the SDK sends one proactively: ``id`` set to None, ``locale`` too."""
    activity = Activity(
        type="message", text="Approval needed", channel_id="msteams",
        conversation=ConversationAccount(id=CHAT), recipient=ChannelAccount(id="29:user"),
        from_property=ChannelAccount(id="28:bot"), **extra)
    activity.id = None  # as ChannelServiceAdapter.send_activities does
    activity.locale = None
    return activity


def error_of(exc: ClientResponseError) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(exc.message)
    return body


async def test_the_sdks_own_client_sends_a_null_id_and_is_refused_as_by_the_service() -> None:
    async with fake_connector() as fake:
        client = SdkClient(fake.url, "")
        try:
            with pytest.raises(ClientResponseError) as refused:
                await client.conversations.send_to_conversation(CHAT, proactive_activity())
        finally:
            await client.close()
    assert refused.value.status == 400
    assert error_of(refused.value)["error"]["code"] == "BadArgument"
    assert error_of(refused.value)["error"]["message"].startswith("Invalid input")
    assert fake.sent() == [] and [c.error_code for c in fake.violations()] == ["BadArgument"]


async def test_the_bots_client_sends_the_same_activity_without_a_null() -> None:
    sessions = ConnectorSessions()
    async with fake_connector() as fake:
        client = ConnectorClient(TurnSession(sessions.session(fake.url), ""))
        try:
            response = await client.conversations.send_to_conversation(
                CHAT, proactive_activity())
        finally:
            await sessions.close()
    (call,) = fake.sent()
    assert response.id == call.activity_id
    assert "id" not in call.body and "locale" not in call.body
    assert call.body["text"] == "Approval needed"
    assert fake.violations() == []


async def test_an_update_from_the_sdks_client_is_refused_and_the_bots_is_taken() -> None:
    sessions = ConnectorSessions()
    async with fake_connector() as fake:
        first = ConnectorClient(TurnSession(sessions.session(fake.url), ""))
        sent = await first.conversations.send_to_conversation(CHAT, proactive_activity())
        update = proactive_activity()
        update.id = sent.id
        update.reply_to_id = None  # set, and None: the SDK would send it as null
        sdk = SdkClient(fake.url, "")
        try:
            with pytest.raises(ClientResponseError) as refused:
                await sdk.conversations.update_activity(CHAT, sent.id, update)
            await first.conversations.update_activity(CHAT, sent.id, update)
        finally:
            await sdk.close()
            await sessions.close()
    assert refused.value.status == 400
    (put,) = fake.updates(CHAT)
    assert put.activity_id == sent.id and "replyToId" not in put.body


def test_what_the_bot_writes_has_no_null_at_any_depth() -> None:
    written = json.loads(dumps({"id": None, "value": {"statusCode": 200, "type": None,
                                                      "value": {"body": [{"x": None}]}},
                                "list": [1, {"y": None, "z": "kept"}]}))
    assert written == {"value": {"statusCode": 200, "value": {"body": [{}]}},
                       "list": [1, {"z": "kept"}]}


def good_activity() -> dict[str, Any]:
    return {"type": "message", "text": "hello", "conversation": {"id": CHAT},
            "recipient": {"id": "29:user"}, "from": {"id": "28:bot"},
            "attachments": [{"contentType": CARD, "content": {
                "type": "AdaptiveCard", "version": "1.5", "body": []}}]}


def changed(**change: Any) -> dict[str, Any]:
    body = good_activity()
    for key, value in change.items():
        if value is ...:
            body.pop(key)
        else:
            body[key] = value
    return body


def big_card() -> dict[str, Any]:
    text = "x" * MAX_ACTIVITY_BYTES
    return changed(attachments=[{"contentType": CARD, "content": {
        "type": "AdaptiveCard", "version": "1.5",
        "body": [{"type": "TextBlock", "text": text}]}}])


REFUSED = [
    ("a null id", changed(id=None), 400, "BadArgument"),
    ("a null inside a card", changed(attachments=[{"contentType": CARD, "content": {
        "type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock",
                                                           "text": None}]}}]),
     400, "BadArgument"),
    ("an unknown activity type", changed(type="note"), 400, "BadArgument"),
    ("the invoke response type", changed(type="invokeResponse"), 400, "BadArgument"),
    ("no type", changed(type=...), 400, "BadArgument"),
    ("text that is a number", changed(text=5), 400, "BadArgument"),
    ("no conversation", changed(conversation=...), 400, "BadArgument"),
    ("another conversation", changed(conversation={"id": "a:other"}), 400, "BadArgument"),
    ("no recipient", changed(recipient=...), 400, "BadArgument"),
    ("a recipient with no id", changed(recipient={"name": "Sophie"}), 400, "BadArgument"),
    ("a card that is not a card", changed(attachments=[{"contentType": CARD, "content": "hi"}]),
     400, "BadArgument"),
    ("an attachment with no content type", changed(attachments=[{"content": {}}]), 400,
     "BadArgument"),
    ("a card over 28 KB", big_card(), 413, "MessageSizeTooBig"),
    ("a list, not an activity", [good_activity()], 400, "BadArgument"),
]


@pytest.mark.parametrize(("why", "body", "status", "code"), REFUSED,
                         ids=[r[0] for r in REFUSED])
async def test_the_fake_refuses_what_the_service_refuses(
        why: str, body: Any, status: int, code: str) -> None:
    async with fake_connector() as fake, ClientSession() as http:
        url = f"{fake.url}v3/conversations/{CHAT}/activities"
        async with http.post(url, json=good_activity()) as response:
            assert response.status == 201  # the same activity, unchanged, is taken
        async with http.post(url, json=body) as response:
            answer = await response.json()
            assert (response.status, answer["error"]["code"]) == (status, code), why
        async with http.put(f"{url}/act-1", json=body) as response:
            assert response.status == status, why
    assert len(fake.sent()) == 1 and len(fake.violations()) == 2


async def test_a_new_chat_needs_a_bot_and_members_and_no_null() -> None:
    good = {"bot": {"id": "28:bot"}, "members": [{"id": "aad-1"}], "isGroup": False,
            "tenantId": "tenant-1"}
    bad: list[dict[str, Any]] = [{**good, "bot": None}, {**good, "members": []},
                                 {**good, "tenantId": None}, {**good, "isGroup": "no"},
                                 {k: v for k, v in good.items() if k != "bot"}]
    async with fake_connector() as fake, ClientSession() as http:
        url = f"{fake.url}v3/conversations"
        async with http.post(url, json=good) as response:
            assert response.status == 201
        for body in bad:
            async with http.post(url, json=body) as response:
                assert response.status == 400, body
                assert (await response.json())["error"]["code"] == "BadArgument"
    assert len(fake.created()) == 1


async def test_a_refused_conversation_answers_as_teams_does_once_the_app_is_removed() -> None:
    async with fake_connector() as fake, ClientSession() as http:
        fake.refuse(CHAT)
        url = f"{fake.url}v3/conversations/{CHAT}/activities"
        for _ in range(2):
            async with http.post(url, json=good_activity()) as response:
                assert response.status == 403
                error = (await response.json())["error"]
                assert error["code"] == "BotNotInConversationRoster"
        fake.uninstall("aad-1")
        async with http.post(f"{fake.url}v3/conversations", json={
                "bot": {"id": "28:bot"}, "members": [{"id": "aad-1"}]}) as response:
            assert response.status == 403
    assert fake.sent() == [] and fake.violations() == [] and len(fake.refused()) == 3
