"""The report in chat: the governance lead, the CEO and admins say "report" and get a summary
card with the file; anyone else is told it is not for them. In Slack the file is uploaded to
the DM through the files API; in Teams the card links to the bot's own server, which hands the
file over once."""

from __future__ import annotations

import io
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.teams.cards import card_card
from adapters.terminal import TerminalChat
from bot.app import Application, build_application
from bot.application_port import PortToApplication
from bot.config import Config
from bot.report.chat import NOT_FOR_YOU
from conversations.messages import Card, FileOffer
from policybot_app.web_server import build_web_app
from storage.tinydb_store import TinyDBStorage
from testing.chat import Chat, make_app
from testing.clock import Clock
from testing.slack.harness import SlackHarness
from testing.slack.world import RAJESH, SOPHIE
from testing.staff import ADMIN, CEO, GOVERNANCE, TEACHER
from testing.teams.fake_connector import FakeConnector
from testing.teams.harness import TeamsWorld, schema_errors, texts_of


async def test_who_may_have_the_report(tmp_path: Path) -> None:
    app = await make_app(tmp_path, Clock())
    try:
        for email in (GOVERNANCE, CEO, ADMIN):
            chat = Chat(app, email)
            await chat.send("report")
            card = chat.card()
            assert card.title == "Governance report: Spring term 2026"
            assert [k for k, _ in card.fields] == [
                "Post checks", "Refused", "Median working hours to a decision",
                "Requests still open", "Concerns reported"]
            assert card.file is not None and card.file.url.startswith("/reports/")
        lead = Chat(app, GOVERNANCE)
        await lead.send("report for last term")
        assert lead.card().title == "Governance report: Autumn term 2025"
        teacher = Chat(app, TEACHER)
        await teacher.send("report")
        teacher.assert_reply(NOT_FOR_YOU)
        assert not any(isinstance(m, Card) for m in teacher.last.replies)  # type: ignore[union-attr]
        # "report" inside a longer message is still a concern.
        await teacher.send("I need to report something")
        teacher.assert_reply("What is it about?")
        refused = [r.value for _, r in await app.storage.scan("audit/")
                   if r.value.get("attempted") == "report"]
        assert [r["actor"] for r in refused] == [TEACHER]
    finally:
        await app.close()


async def test_slack_uploads_the_report_to_the_dm(slack: SlackHarness) -> None:
    rajesh = slack.user(RAJESH)
    await rajesh.say("report")
    assert "Governance report: " in rajesh.texts() and "Post checks" in rajesh.texts()
    [upload] = slack.fake.files.values()
    assert upload.channel == rajesh.dm and upload.name.endswith(".html")
    assert upload.data is not None and upload.data.startswith(b"<!DOCTYPE html>")
    assert b"governance report" in upload.data
    assert [c.method for c in slack.fake.calls if c.method.startswith("files.")] == [
        "files.getUploadURLExternal", "files.completeUploadExternal"]
    # Uploaded, it is kept no longer.
    assert await slack.application.storage.scan("reportfile/") == []

    sophie = slack.user(SOPHIE)
    await sophie.say("report")
    assert "is for the Head of Governance" in sophie.texts()
    assert len(slack.fake.files) == 1


@pytest.fixture
async def teams(tmp_path: Path, connector: FakeConnector) -> AsyncIterator[TeamsWorld]:
    """The whole web app (Teams in emulator mode and the report link) on a free port, with
    its public address set, as a server behind its https name would have."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    app: Application = await build_application(
        Config({"POLICYBOT_PUBLIC_URL": base}),
        storage=TinyDBStorage(str(tmp_path / "policybot.json")), clock=Clock())
    web_app = await build_web_app(app, app.config, playground=False, teams_emulator=True)
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        async with aiohttp.ClientSession() as http:
            yield TeamsWorld(app, connector, f"{base}/api/messages", http)
    finally:
        await runner.cleanup()
        await app.close()


async def test_teams_links_to_the_report_once(teams: TeamsWorld) -> None:
    rajesh = teams.user(GOVERNANCE, "Rajesh Patel")
    assert await rajesh.say("report") == 201
    card = rajesh.last_card("Governance report").card
    assert "Post checks" in texts_of(card) and schema_errors(card) == []
    [link] = [a for a in card["actions"] if a["type"] == "Action.OpenUrl"]
    async with teams.http.get(link["url"]) as first:
        assert first.status == 200 and first.content_type == "text/html"
        assert "default-src 'none'" in first.headers["Content-Security-Policy"]
        assert (await first.text()).startswith("<!DOCTYPE html>")
    async with teams.http.get(link["url"]) as again:
        assert again.status == 410
        assert "has been used or has expired" in await again.text()
    async with teams.http.get(link["url"].rsplit("/", 1)[0] + "/not-a-token") as made_up:
        assert made_up.status == 410

    sophie = teams.user(TEACHER, "Sophie Bennett")
    assert await sophie.say("report") == 201
    assert "is for the Head of Governance" in sophie.said()
    assert "Open the report" not in sophie.said()


async def test_the_playground_links_to_the_report_once(tmp_path: Path) -> None:
    app = await make_app(tmp_path, Clock())
    web_app = await build_web_app(app, app.config, playground=True, teams_emulator=False)
    client = TestClient(TestServer(web_app, host="127.0.0.1"))
    await client.start_server()
    try:
        answer = await client.post("/playground/api/turn",
                                   json={"as": GOVERNANCE, "text": "report"})
        [card] = [m for m in (await answer.json())["replies"] if m["type"] == "card"]
        url = card["file"]["url"]
        assert url.startswith("/reports/") and card["file"]["name"].endswith(".html")
        first = await client.get(url)
        assert first.status == 200 and (await first.text()).startswith("<!DOCTYPE html>")
        assert (await client.get(url)).status == 410
    finally:
        await client.close()
        await app.close()


async def test_the_terminal_saves_the_report_in_its_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = await make_app(tmp_path, Clock())
    folder = tmp_path / "here"
    folder.mkdir()
    monkeypatch.chdir(folder)
    out = io.StringIO()
    try:
        chat = TerminalChat(PortToApplication(app), GOVERNANCE, out=out)
        await chat.say("report")
        [saved] = list(folder.iterdir())
        assert saved.name.startswith("policy-report-") and saved.suffix == ".html"
        assert f"Saved {saved.name} in this folder." in out.getvalue()
        assert await app.storage.scan("reportfile/") == []
    finally:
        await app.close()


def test_a_teams_card_without_the_public_address_says_where_to_get_the_report() -> None:
    offer = FileOffer("t" * 43, "policy-report.html", "Governance report", "/reports/" + "t" * 43,
                      "2026-03-03T09:00:00.000000Z")
    card = card_card(Card(title="Governance report: Spring term 2026", file=offer))
    assert schema_errors(card) == []
    assert not [a for a in card.get("actions", []) if a["type"] == "Action.OpenUrl"]
    assert "POLICYBOT_PUBLIC_URL" in texts_of(card)
