"""Hostile input to ``POST /slack/events``: wrongly signed, malformed and oversized bodies.

Whatever arrives: never a 5xx, never a traceback in the response, nothing written to the
store, and the endpoint still serves a real message afterwards.
"""

from __future__ import annotations

import json
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from testing.hostile import (
    assert_no_leak,
    broken_slack_actions,
    broken_slack_events,
    content_types,
    form,
    json_values,
    junk_bytes,
    snapshot,
)
from testing.slack.fake_slack import TEAM
from testing.slack.harness import SlackHarness
from testing.slack.signing import SECRET, sign
from testing.slack.world import SOPHIE

HOSTILE = settings(max_examples=40, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture])
MESSAGE_EVENT: dict[str, Any] = {
    "token": "unused", "team_id": TEAM, "api_app_id": "A0001", "type": "event_callback",
    "event_id": "Ev0HOSTILE", "event_time": 1760000000,
    "event": {"type": "message", "channel": "D" + SOPHIE, "user": SOPHIE,
              "text": "can I post this?", "ts": "1760000000.000100", "channel_type": "im"},
}
# A press on a button whose value no button of ours carries: ignored, never a turn.
PRESS: dict[str, Any] = {
    "type": "block_actions", "team": {"id": TEAM}, "api_app_id": "A0001",
    "user": {"id": SOPHIE, "team_id": TEAM}, "trigger_id": "trig-1",
    "container": {"type": "message", "message_ts": "1760000000.000001",
                  "channel_id": "D" + SOPHIE},
    "channel": {"id": "D" + SOPHIE},
    "actions": [{"type": "button", "action_id": "press:0", "block_id": "card|SM-0001",
                 "value": "not a press of ours", "action_ts": "1760000000.000200"}],
}


def is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


async def still_serves(slack: SlackHarness) -> None:
    """A real, signed message still gets its answer."""
    sophie = slack.user(SOPHIE)
    before = len(sophie.messages())
    response = await sophie.say("hello")
    assert response.status == 200
    assert len(sophie.messages()) > before


async def refused_and_unchanged(slack: SlackHarness, body: bytes, content_type: str,
                                headers: dict[str, str], expected: tuple[int, ...]) -> None:
    before = await snapshot(slack.application.storage)
    calls = len(slack.fake.calls)
    response = await slack.send(body, content_type, headers=headers, signed=False)
    assert response.status in expected, (response.status, response.text[:200])
    assert_no_leak(response.text)
    assert await snapshot(slack.application.storage) == before
    if expected == (401,):
        assert len(slack.fake.calls) == calls  # refused before Bolt: not even auth.test


wrong_signatures: st.SearchStrategy[dict[str, str]] = st.one_of(
    st.just({}),
    st.fixed_dictionaries({"X-Slack-Request-Timestamp": st.just(str(int(time.time())))}),
    st.fixed_dictionaries({"X-Slack-Signature": st.text(
        alphabet="0123456789abcdefv=", max_size=70)}),
    st.fixed_dictionaries({
        "X-Slack-Request-Timestamp": st.integers(min_value=-10**12, max_value=10**12).map(str)
        | st.text(alphabet="0123456789abc-+. ", max_size=12),
        "X-Slack-Signature": st.text(alphabet="0123456789abcdefv=", max_size=70)}),
)


@HOSTILE
@given(body=junk_bytes | st.just(json.dumps(MESSAGE_EVENT).encode()),
       content_type=content_types, headers=wrong_signatures)
async def test_an_unsigned_request_gets_401_and_changes_nothing(
        slack: SlackHarness, body: bytes, content_type: str, headers: dict[str, str]) -> None:
    await refused_and_unchanged(slack, body, content_type, headers, (401,))


@HOSTILE
@given(body=junk_bytes | st.just(json.dumps(MESSAGE_EVENT).encode()),
       why=st.sampled_from(["other secret", "stale", "future", "other body"]))
async def test_a_signature_that_does_not_match_gets_401_and_changes_nothing(
        slack: SlackHarness, body: bytes, why: str) -> None:
    now = int(time.time())
    headers = {
        "other secret": sign(body, secret="not-the-" + SECRET),
        "stale": sign(body, timestamp=now - 6 * 60),  # Slack's limit is five minutes
        "future": sign(body, timestamp=now + 6 * 60),
        "other body": sign(body + b" "),
    }[why]
    await refused_and_unchanged(slack, body, "application/json", headers, (401,))


@HOSTILE
@given(body=junk_bytes, content_type=content_types)
async def test_signed_junk_is_refused_and_changes_nothing(
        slack: SlackHarness, body: bytes, content_type: str) -> None:
    # Bolt answers a request it has no listener for with 404, which Slack treats as refused.
    # A body that is not UTF-8 cannot be verified (the SDK hashes text): 401.
    expected = (200, 400, 404) if is_utf8(body) else (401,)
    await refused_and_unchanged(slack, body, content_type, sign(body), expected)


@HOSTILE
@given(payload=json_values | broken_slack_events(MESSAGE_EVENT))
async def test_a_broken_event_is_refused_or_ignored(slack: SlackHarness, payload: Any) -> None:
    body = json.dumps(payload).encode()
    await refused_and_unchanged(slack, body, "application/json", sign(body), (200, 400, 404))


@HOSTILE
@given(payload=broken_slack_actions(PRESS) | json_values
       | st.text(max_size=40).map(lambda t: "{" + t))
async def test_a_broken_button_press_is_refused_or_ignored(
        slack: SlackHarness, payload: Any) -> None:
    body = form(payload)
    await refused_and_unchanged(slack, body, "application/x-www-form-urlencoded", sign(body),
                                (200, 400, 404))


@settings(HOSTILE, max_examples=8)
@given(size=st.sampled_from([300_000, 1_100_000, 3_000_000]), signed=st.booleans(),
       filler=st.sampled_from([b"x", b"{", b"%"]))
async def test_an_oversized_body_is_refused_and_changes_nothing(
        slack: SlackHarness, size: int, signed: bool, filler: bytes) -> None:
    body = filler * size
    headers = sign(body) if signed else {}
    # aiohttp refuses bodies over its limit (1 MiB) with 413 before anything reads them.
    expected = (400, 413) if signed else (401, 413)
    await refused_and_unchanged(slack, body, "application/json", headers, expected)


async def test_after_hostile_input_the_endpoint_still_serves(slack: SlackHarness) -> None:
    junk = [b"", b"{", b"payload=%7B", json.dumps({"type": 1}).encode(), b"\xff" * 64]
    for body in junk:
        expected = (200, 400, 404) if is_utf8(body) else (401,)
        await refused_and_unchanged(slack, body, "application/json", sign(body), expected)
        await refused_and_unchanged(slack, body, "application/json", {}, (401,))
    await still_serves(slack)
