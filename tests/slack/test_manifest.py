"""The app manifest asks for exactly what the adapter uses."""

from __future__ import annotations

import json

import pytest

from adapters.slack.manifest import build_manifest
from policybot_app.cli import main
from testing.slack.fake_slack import BOT_USER
from testing.slack.harness import SlackHarness
from testing.slack.journeys import OPINION, ask_to_post
from testing.slack.world import RAJESH, SOPHIE

# What each Web API method and event needs (Slack's method and event reference pages).
METHOD_SCOPES: dict[str, set[str]] = {
    "auth.test": set(),
    "chat.postMessage": {"chat:write"},
    "chat.update": {"chat:write"},
    "conversations.open": {"im:write"},
    "users.info": {"users:read", "users:read.email"},  # the email needs users:read.email
    "users.lookupByEmail": {"users:read.email"},
    "views.open": set(),
    "views.publish": set(),
    "files.getUploadURLExternal": {"files:write"},
    "files.completeUploadExternal": {"files:write"},
}
EVENT_SCOPES: dict[str, set[str]] = {
    "message.im": {"im:history"},
    "app_mention": {"app_mentions:read"},
    "app_home_opened": set(),
}


def manifest_for(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["slack", "manifest", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_command_prints_the_manifest_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    printed = manifest_for(capsys, "--url", "https://policybot.example.org/")
    assert printed == build_manifest("https://policybot.example.org")
    assert printed["display_information"]["name"] == "Social Media Policy"


async def test_the_manifest_matches_what_the_adapter_uses(slack: SlackHarness) -> None:
    manifest = build_manifest("https://policybot.example.org/")
    url = "https://policybot.example.org/slack/events"
    settings, features = manifest["settings"], manifest["features"]
    assert settings["event_subscriptions"]["request_url"] == url
    assert settings["interactivity"] == {"is_enabled": True, "request_url": url}
    assert settings["socket_mode_enabled"] is False
    [command] = features["slash_commands"]
    assert (command["command"], command["url"]) == ("/socialmedia", url)
    assert features["app_home"]["home_tab_enabled"] is True
    assert features["app_home"]["messages_tab_enabled"] is True
    # The adapter serves that path.
    assert "/slack/events" in {r.resource.canonical for r in slack.server.app.router.routes()
                               if r.method == "POST" and r.resource is not None}

    # Every event subscribed to is one the adapter answers.
    sophie = slack.user(SOPHIE)
    events = settings["event_subscriptions"]["bot_events"]
    assert set(events) == set(EVENT_SCOPES)
    samples = {
        "message.im": {"type": "message", "channel": sophie.dm, "user": SOPHIE, "text": "hi",
                       "ts": "1.1", "channel_type": "im"},
        "app_mention": {"type": "app_mention", "channel": "C0STAFF", "user": SOPHIE,
                        "text": f"<@{BOT_USER}> help", "ts": "1.2"},
        "app_home_opened": {"type": "app_home_opened", "user": SOPHIE, "tab": "home"},
    }
    for name in events:
        before = len(slack.fake.calls)
        assert (await slack.event(samples[name])).status == 200
        assert any(c.method in ("chat.postMessage", "views.publish")
                   for c in slack.fake.calls[before:]), name
    # The slash command is the one the adapter answers; another is not.
    assert (await slack.command(SOPHIE, "help")).status == 200
    assert "What would you like to do?" in sophie.texts()

    # Scopes: exactly what the Web API calls made in a whole journey and the events need.
    await ask_to_post(sophie, OPINION + "I think the new bus timetable works")
    await slack.user("UDANIEL").press("Reject")
    await slack.user(RAJESH).say("report")  # the governance report, uploaded as a file
    called = {c.method for c in slack.fake.calls}
    assert called <= set(METHOD_SCOPES), called - set(METHOD_SCOPES)
    assert {"chat.postMessage", "chat.update", "conversations.open", "users.info",
            "views.open", "views.publish", "files.getUploadURLExternal",
            "files.completeUploadExternal"} <= called
    needed = set().union(*(METHOD_SCOPES[m] for m in called),
                         *(EVENT_SCOPES[e] for e in events), {"commands"})
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed


def test_the_socket_mode_manifest_has_no_urls(capsys: pytest.CaptureFixture[str]) -> None:
    manifest = manifest_for(capsys, "--socket-mode")
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "https://" not in json.dumps(manifest)
    assert manifest["settings"]["interactivity"] == {"is_enabled": True}


@pytest.mark.parametrize("url", ["http://policybot.example.org", "policybot.example.org",
                                 "https://", "https://host/?x=1"])
def test_an_unusable_url_is_refused(capsys: pytest.CaptureFixture[str], url: str) -> None:
    assert main(["slack", "manifest", "--url", url]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "--url" in captured.err


def test_a_path_prefix_is_kept(capsys: pytest.CaptureFixture[str]) -> None:
    manifest = manifest_for(capsys, "--url", "https://trust.example.org/policybot/")
    assert manifest["settings"]["event_subscriptions"]["request_url"] == (
        "https://trust.example.org/policybot/slack/events")
