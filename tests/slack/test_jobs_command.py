"""`policybot jobs run` delivers due work through Slack, as the server would."""

from __future__ import annotations

from pathlib import Path

import pytest

from policybot_app import commands
from testing.slack.harness import SlackHarness
from testing.slack.journeys import OPINION, ask_to_post, reminders_to, working_hours_after_asking
from testing.slack.world import DANIEL, SOPHIE, slack_config


async def test_jobs_run_reaches_the_approver_in_slack_and_a_dry_run_sends_nothing(
        slack: SlackHarness, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sophie, daniel = slack.user(SOPHIE), slack.user(DANIEL)
    await ask_to_post(sophie, OPINION + "I think the new bus timetable works")
    moment = await working_hours_after_asking(slack, 24)
    # The same store the server uses, opened by the command as an operator would.
    config = slack_config(slack.fake, POLICYBOT_DB=str(tmp_path / "policybot.json"))
    posted = len(slack.fake.calls_to("chat.postMessage"))

    assert await commands.jobs(config, "run", moment, dry_run=True) == 0
    said = capsys.readouterr().out
    assert "nothing was changed or sent" in said and "reminded: 1" in said
    assert "would send to daniel.osei@northbrook.example: Reminder:" in said
    assert len(slack.fake.calls_to("chat.postMessage")) == posted
    assert not reminders_to(slack, daniel.dm)

    assert await commands.jobs(config, "run", moment) == 0
    said = capsys.readouterr().out
    assert "reminded: 1" in said
    [reminder] = reminders_to(slack, daniel.dm)
    assert reminder.startswith("Reminder: Sophie Bennett's request SM-0001")
    # Whatever else is due as of that moment (a digest, the policy review notice) may be for
    # people who use Teams: it stays queued for the server. Nothing for a Slack user does.
    queued = {r.value["to"] for _, r in await slack.application.storage.scan("outbox/")}
    assert not queued & {"daniel.osei@northbrook.example", "sophie.bennett@northbrook.example"}
    slack_people = {p.email for p in (await slack.application.directory.snapshot()).people()
                    if p.platform_id("slack")}
    assert not queued & slack_people


async def test_jobs_run_without_slack_settings_leaves_slack_messages_queued(
        slack: SlackHarness, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sophie, daniel = slack.user(SOPHIE), slack.user(DANIEL)
    await ask_to_post(sophie, OPINION + "I think the new bus timetable works")
    moment = await working_hours_after_asking(slack, 24)
    bare = commands.Config({"POLICYBOT_DB": str(tmp_path / "policybot.json")})
    assert await commands.jobs(bare, "run", moment) == 0
    said = capsys.readouterr().out
    assert "reminded: 1" in said and "messages left for the server to deliver:" in said
    assert not reminders_to(slack, daniel.dm)
    queued = [r.value for _, r in await slack.application.storage.scan("outbox/")]
    assert any(q["to"] == "daniel.osei@northbrook.example" and not q["claimed_at"]
               for q in queued)
    # Nothing was put in the local inbox in Daniel's name: the server delivers it later.
    assert await slack.application.storage.scan("inbox/daniel.osei") == []
    await slack.application.flush()
    await slack.settle()
    assert len(reminders_to(slack, daniel.dm)) == 1
