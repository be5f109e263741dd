"""Hostile input to ``POST /api/messages``: malformed activities, junk, forged tokens.

In emulator mode (no authentication) a malformed body is refused with a 4xx before the bot
sees it; with an app id, a request without a valid Bot Framework token gets 401. Either way:
never a 5xx, never a traceback, nothing written, nothing sent, and the endpoint still works.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from testing.hostile import (
    assert_no_leak,
    broken_activities,
    json_values,
    junk_bytes,
    snapshot,
)
from testing.staff import DEPUTY
from testing.teams.harness import TeamsWorld
from testing.teams.world import APP_ID

HOSTILE = settings(max_examples=40, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture])
# Values botbuilder's own models would accept, from a person the directory knows: only the
# breakage decides the outcome.
VALID_USER = ("29:user-valid", "aad-valid", "a:personal-valid")


def activity(world: TeamsWorld, **extra: Any) -> dict[str, Any]:
    user_id, aad, conversation = VALID_USER
    body: dict[str, Any] = {
        "type": "message", "id": "f:hostile", "timestamp": "2026-03-02T09:00:00.000Z",
        "channelId": "msteams", "serviceUrl": world.connector.url,
        "from": {"id": user_id, "name": "Daniel Osei", "aadObjectId": aad},
        "conversation": {"id": conversation, "conversationType": "personal",
                         "tenantId": "tenant-1"},
        "recipient": {"id": "28:policybot-app", "name": "Policy Bot"},
        "channelData": {"tenant": {"id": "tenant-1"}}, "locale": "en-GB",
        "text": "can I post this?",
    }
    body.update(extra)
    return body


def is_json_object(raw: bytes) -> bool:
    try:
        return isinstance(json.loads(raw), dict)
    except ValueError:
        return False


def with_known_sender(world: TeamsWorld) -> None:
    user_id, aad, _ = VALID_USER
    world.connector.add_member(user_id, aad, "Daniel Osei", email=DEPUTY)


async def refused_and_unchanged(world: TeamsWorld, expected: tuple[int, ...], *,
                                body: Any = None, raw: bytes | None = None,
                                headers: dict[str, str] | None = None) -> None:
    before = await snapshot(world.app.storage)
    calls = len(world.connector.calls)
    status, text = await world.post(body, raw=raw, headers=headers)
    assert status in expected, (status, text[:200])
    assert_no_leak(text)
    assert await snapshot(world.app.storage) == before
    assert len(world.connector.calls) == calls  # nothing sent, nobody looked up


async def still_serves(world: TeamsWorld) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    assert await daniel.say("hello") == 201
    assert daniel.received()


# -- emulator mode: no authentication, so only the shape protects the bot -----------------


@HOSTILE
@given(data=st.data())
async def test_a_broken_activity_gets_a_4xx_and_changes_nothing(
        world: TeamsWorld, data: st.DataObject) -> None:
    with_known_sender(world)
    broken = data.draw(broken_activities(activity(world)))
    await refused_and_unchanged(world, (400,), body=broken)


@HOSTILE
@given(payload=json_values | st.dictionaries(st.text(max_size=10), json_values, max_size=6))
async def test_arbitrary_json_gets_a_4xx_and_changes_nothing(
        world: TeamsWorld, payload: Any) -> None:
    await refused_and_unchanged(world, (400,), body=payload)


@HOSTILE
@given(raw=junk_bytes, content_type=st.sampled_from(
    ["application/json", "text/plain", "application/x-www-form-urlencoded", ""]))
async def test_junk_bytes_get_a_4xx_and_change_nothing(
        world: TeamsWorld, raw: bytes, content_type: str) -> None:
    assume(not is_json_object(raw))  # objects are the other tests' business
    await refused_and_unchanged(world, (400, 415), raw=raw,
                                headers={"Content-Type": content_type})


@settings(HOSTILE, max_examples=6)
@given(size=st.sampled_from([1_100_000, 3_000_000]), filler=st.sampled_from([b"x", b"{"]))
async def test_an_oversized_body_is_refused_and_changes_nothing(
        world: TeamsWorld, size: int, filler: bytes) -> None:
    await refused_and_unchanged(world, (400, 413), raw=filler * size)


async def test_after_hostile_input_the_endpoint_still_serves(world: TeamsWorld) -> None:
    for raw in (b"", b"{", b"[]", b"\xff\xfe", json.dumps({"type": 3}).encode()):
        await refused_and_unchanged(world, (400,), raw=raw)
    await still_serves(world)


# -- with an app id: nothing without a valid token ------------------------------------------


def _b64(data: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


forged_jwts = st.builds(
    lambda header, claims, signature: f"{_b64(header)}.{_b64(claims)}.{signature}",
    st.fixed_dictionaries({"alg": st.sampled_from(["RS256", "HS256", "none"]),
                           "typ": st.just("JWT"), "kid": st.text(max_size=12)}),
    st.fixed_dictionaries({
        "iss": st.sampled_from(["https://api.botframework.com", "https://sts.windows.net/x/"]),
        "aud": st.sampled_from([APP_ID, "someone-else"]),
        "exp": st.integers(min_value=0, max_value=int(time.time()) + 3600),
        "serviceurl": st.text(max_size=20)}),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
            max_size=40),
)
printable = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)
authorizations: st.SearchStrategy[dict[str, str]] = st.one_of(
    st.just({}),
    printable.map(lambda t: {"Authorization": t}),
    printable.map(lambda t: {"Authorization": "Bearer " + t}),
    forged_jwts.map(lambda t: {"Authorization": "Bearer " + t}),
)


@HOSTILE
@given(headers=authorizations)
async def test_without_a_valid_token_the_answer_is_401_and_nothing_happens(
        teams_with_auth: TeamsWorld, headers: dict[str, str]) -> None:
    with_known_sender(teams_with_auth)
    await refused_and_unchanged(teams_with_auth, (401,), body=activity(teams_with_auth),
                                headers=headers)


async def test_with_an_app_id_the_endpoint_still_answers_after_forgeries(
        teams_with_auth: TeamsWorld) -> None:
    for headers in ({"Authorization": "Bearer a.b.c"}, {"Authorization": "Basic eDp5"}, {}):
        await refused_and_unchanged(teams_with_auth, (401,), body=activity(teams_with_auth),
                                    headers=headers)
    await refused_and_unchanged(teams_with_auth, (401,), raw=b"{")  # up, and still refusing
