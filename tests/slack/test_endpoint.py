"""The endpoint's guard and Slack's rules: signatures, malformed bodies, retries, 429s."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest

from testing.slack.harness import SlackHarness
from testing.slack.journeys import OPINION, ask_to_post, header
from testing.slack.signing import sign
from testing.slack.world import DANIEL, GHOST, SOPHIE, STRANGER

NOT_SET_UP = "you're not set up to use this bot yet"


async def test_a_retried_event_is_handled_once(slack: SlackHarness) -> None:
    sophie = slack.user(SOPHIE)
    body = slack.event_body({"type": "message", "channel": sophie.dm, "user": SOPHIE,
                             "text": "can I post this?", "ts": "1.1", "channel_type": "im"},
                            event_id="Ev0RETRIED")
    first = await slack.send(body, "application/json")
    posted = len(slack.fake.calls_to("chat.postMessage"))
    state = await slack.application.storage.get("conversation/sophie.bennett@northbrook.example")
    for attempt in (1, 2):
        retry = await slack.send(body, "application/json", headers={
            "X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_timeout"})
        assert retry.status == 200
    assert first.status == 200 and posted == 2  # the intro and the first question
    assert len(slack.fake.calls_to("chat.postMessage")) == posted
    again = await slack.application.storage.get("conversation/sophie.bennett@northbrook.example")
    assert state is not None and again is not None and again.value == state.value


async def test_a_retried_event_is_handled_once_even_by_another_process(
        slack: SlackHarness) -> None:
    """The engine's marker, not this process's memory, stops the second application."""
    sophie = slack.user(SOPHIE)
    body = slack.event_body({"type": "message", "channel": sophie.dm, "user": SOPHIE,
                             "text": "can I post this?", "ts": "1.1", "channel_type": "im"},
                            event_id="Ev0ELSEWHERE")
    await slack.send(body, "application/json")
    posted = len(slack.fake.calls_to("chat.postMessage"))
    slack.adapter.listeners._recent.clear()  # as if the retry reached a fresh replica
    await slack.send(body, "application/json", headers={"X-Slack-Retry-Num": "1"})
    assert len(slack.fake.calls_to("chat.postMessage")) == posted


async def test_a_replayed_press_changes_nothing(slack: SlackHarness) -> None:
    sophie = slack.user(SOPHIE)
    await sophie.say("can I post this?")
    await sophie.say("Sports day is on Friday, come along")
    payload = await sophie.press("My own personal account")
    calls = len(slack.fake.calls)
    state = await slack.application.storage.get("conversation/sophie.bennett@northbrook.example")
    replay = await slack.interact(payload)
    assert replay.status == 200
    assert len(slack.fake.calls) == calls  # not even an "already answered" note
    after = await slack.application.storage.get("conversation/sophie.bennett@northbrook.example")
    assert state is not None and after is not None and after.value == state.value


async def test_a_stale_press_gets_a_note_and_changes_nothing(slack: SlackHarness) -> None:
    sophie = slack.user(SOPHIE)
    await sophie.say("can I post this?")
    await sophie.say("Sports day is on Friday, come along")
    payload = await sophie.press("My own personal account")
    state = await slack.application.storage.get("conversation/sophie.bennett@northbrook.example")
    # The same button pressed again later (a new press, e.g. from another device).
    payload["actions"][0]["action_ts"] = f"{time.time():.6f}"
    await slack.interact(payload)
    assert "That question has already been answered, so nothing changed." in sophie.texts()
    after = await slack.application.storage.get("conversation/sophie.bennett@northbrook.example")
    assert state is not None and after is not None and after.value == state.value


@pytest.mark.parametrize("headers", [
    {"X-Slack-Signature": "v0=" + "0" * 64},  # wrong signature
    {"X-Slack-Request-Timestamp": str(int(time.time()) - 600)},  # stale, signed with it
    {"X-Slack-Request-Timestamp": "soon"},
    {},  # unsigned
], ids=["bad-signature", "stale-timestamp", "bad-timestamp", "unsigned"])
async def test_unsigned_requests_are_refused_and_change_nothing(
        slack: SlackHarness, headers: dict[str, str]) -> None:
    await slack.user(SOPHIE).say("hello")  # something there already
    keys, calls = await slack.keys(), len(slack.fake.calls)
    body = slack.event_body({"type": "message", "channel": "DUSOPHIE", "user": SOPHIE,
                             "text": "can I post this?", "ts": "2.2", "channel_type": "im"})
    signed = sign(body, timestamp=int(headers["X-Slack-Request-Timestamp"])) if (
        headers.get("X-Slack-Request-Timestamp", "").isdigit()) else sign(body)
    sent = {**signed, **headers} if headers else {}
    response = await slack.send(body, "application/json", headers=sent, signed=False)
    assert response.status == 401
    assert response.text == "Invalid or expired Slack signature."
    assert await slack.keys() == keys and len(slack.fake.calls) == calls


async def test_a_request_signed_with_another_secret_is_refused(slack: SlackHarness) -> None:
    body = urlencode({"command": "/socialmedia", "user_id": SOPHIE, "text": ""}).encode()
    response = await slack.send(body, "application/x-www-form-urlencoded",
                                headers=sign(body, secret="not-the-secret"), signed=False)
    assert response.status == 401 and not slack.fake.calls


@pytest.mark.parametrize("body, content_type", [
    (b"{not json", "application/json"),
    (b"[1, 2, 3]", "application/json"),
    (b'{"type": "event_callback", "event": "message"}', "application/json"),
    (b'{"type": "event_callback", "event": {"type": 7}}', "application/json"),
    (b'{"type": ["block_actions"]}', "application/json"),
    (urlencode({"payload": "{broken"}).encode(), "application/x-www-form-urlencoded"),
    (urlencode({"payload": "[]"}).encode(), "application/x-www-form-urlencoded"),
    (urlencode({"payload": json.dumps({"type": "block_actions", "user": {"id": SOPHIE},
                                       "actions": "approve"})}).encode(),
     "application/x-www-form-urlencoded"),
    (urlencode({"payload": json.dumps({"type": "block_actions", "user": "x",
                                       "actions": [{"action_id": 5}]})}).encode(),
     "application/x-www-form-urlencoded"),
    (urlencode({"payload": json.dumps({"type": "view_submission", "user": {"id": SOPHIE},
                                       "view": {"callback_id": None}})}).encode(),
     "application/x-www-form-urlencoded"),
    (urlencode({"command": ["/socialmedia"]}, doseq=True).encode() + b"&&=&x",
     "application/x-www-form-urlencoded"),
    (b"\xff\xfe\x00bad", "application/json"),
    (b"", "application/json"),
    (b'{"type": "event_callback", "event": {"type": "reaction_added"}}', "application/json"),
])
async def test_malformed_bodies_get_a_4xx_and_no_traceback(
        slack: SlackHarness, body: bytes, content_type: str) -> None:
    keys = await slack.keys()
    response = await slack.send(body, content_type)
    assert 400 <= response.status < 500
    assert "Traceback" not in response.text and "Error" not in response.text
    assert await slack.keys() == keys
    assert not [c for c in slack.fake.calls if c.method != "auth.test"]


async def test_the_url_check_is_answered(slack: SlackHarness) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c0ffee",
                       "token": "unused"}).encode()
    response = await slack.send(body, "application/json")
    assert response.status == 200 and "c0ffee" in response.text


async def test_a_429_is_waited_out_and_the_message_still_goes(slack: SlackHarness) -> None:
    slack.fake.fail_next("chat.postMessage", status=429, retry_after=0)
    sophie = slack.user(SOPHIE)
    await sophie.say("hello")
    statuses = [c.status for c in slack.fake.calls_to("chat.postMessage")]
    assert statuses[0] == 429 and statuses[1:] == [200]
    assert "What would you like to do?" in sophie.texts()


async def test_an_approver_card_that_fails_is_kept_and_delivered_later(
        slack: SlackHarness) -> None:
    sophie, daniel = slack.user(SOPHIE), slack.user(DANIEL)
    # Slack answers conversations.open with an error: the card stays in the outbox.
    slack.fake.fail_next("conversations.open", status=200, error="internal_error",
                         retry_after=None)
    await ask_to_post(sophie, OPINION + "I think the new bus timetable works")
    failed = [c for c in slack.fake.calls_to("conversations.open") if not c.ok]
    assert [c.args["users"] for c in failed] == [DANIEL]
    [card] = daniel.messages()
    assert header(card) == "Approval needed: SM-0001 · Post check"


@pytest.mark.parametrize("user", [STRANGER, GHOST])
async def test_someone_not_in_the_directory_is_told_politely(
        slack: SlackHarness, user: str) -> None:
    keys = await slack.keys()
    stranger = slack.user(user)
    await stranger.say("can I post this?")
    [message] = stranger.messages()
    assert NOT_SET_UP in message.text
    assert "the Trust's Head of Governance and People" in message.text
    assert await slack.keys() == keys  # no conversation, no presence, no request
    again = await slack.send(slack.event_body({"type": "message", "channel": stranger.dm,
                                               "user": user, "text": "hi", "ts": "3.3",
                                               "channel_type": "im"}, "Ev0STRANGER"),
                             "application/json")
    retried = await slack.send(slack.event_body({"type": "message", "channel": stranger.dm,
                                                 "user": user, "text": "hi", "ts": "3.3",
                                                 "channel_type": "im"}, "Ev0STRANGER"),
                               "application/json", headers={"X-Slack-Retry-Num": "1"})
    assert again.status == retried.status == 200
    assert len(stranger.messages()) == 2  # the retry was not answered twice


async def test_bot_messages_and_edits_are_ignored(slack: SlackHarness) -> None:
    sophie = slack.user(SOPHIE)
    for extra in ({"bot_id": "BOTHER"}, {"subtype": "message_changed"},
                  {"subtype": "channel_join"},
                  {"subtype": "file_share", "bot_id": "BOTHER", "files": [{"name": "a.png"}]}):
        response = await slack.event({"type": "message", "channel": sophie.dm, "user": SOPHIE,
                                      "text": "can I post this?", "ts": "4.4",
                                      "channel_type": "im", **extra})
        assert response.status == 200
    assert not slack.fake.calls_to("chat.postMessage")


async def test_a_reply_that_cannot_be_posted_now_goes_out_later(slack: SlackHarness) -> None:
    slack.fake.fail_next("chat.postMessage", status=200, error="internal_error",
                         retry_after=None)
    sophie = slack.user(SOPHIE)
    await sophie.say("can I post this?")
    assert [c.ok for c in slack.fake.calls_to("chat.postMessage")][0] is False
    texts = sophie.texts()
    assert "*Check a post*" in texts and "Paste the text of your post" in texts
    assert texts.index("*Check a post*") < texts.index("Paste the text of your post")


async def test_a_passing_slack_failure_is_not_mistaken_for_an_unknown_person(
        slack: SlackHarness) -> None:
    slack.fake.fail_next("users.info", status=200, error="internal_error", retry_after=None)
    sophie = slack.user(SOPHIE)
    body = slack.event_body({"type": "message", "channel": sophie.dm, "user": SOPHIE,
                             "text": "can I post this?", "ts": "7.7", "channel_type": "im"},
                            event_id="Ev0FLAKY")
    await slack.send(body, "application/json")
    assert "Sorry, something went wrong on my side" in sophie.texts()
    assert NOT_SET_UP not in sophie.texts()
    # Slack's retry of the same event is now carried out.
    await slack.send(body, "application/json", headers={"X-Slack-Retry-Num": "1"})
    assert "Paste the text of your post" in sophie.texts()
