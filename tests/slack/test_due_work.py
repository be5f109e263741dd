"""Reminders and escalation reach people on Slack.

A request is made over Slack; due work then runs as of a moment 24 (or 72) working hours
after the step was asked, as the scheduler would, and the outbox delivers what it produced.
"""

from __future__ import annotations

from datetime import datetime

from bot.due_work.runner import DueWork
from testing.slack.harness import SlackHarness
from testing.slack.journeys import (
    OPINION,
    ask_to_post,
    buttons,
    header,
    record,
    reminders_to,
    working_hours_after_asking,
)
from testing.slack.world import DANIEL, JOANNE, SOPHIE

ESCALATED = "Escalated to Joanne Clarke after 72 working hours without a decision."


async def run_due_work(slack: SlackHarness, moment: datetime) -> dict[str, int]:
    report = await DueWork(slack.application).run_all(moment)
    await slack.application.flush()
    await slack.settle()
    return report.done


async def test_a_reminder_reaches_the_approver_in_slack(slack: SlackHarness) -> None:
    sophie, daniel = slack.user(SOPHIE), slack.user(DANIEL)
    await ask_to_post(sophie, OPINION + "I think the new bus timetable works")
    [card] = daniel.messages()
    # (Digests and policy review notices may fall due too, depending on the date.)
    assert "reminded" not in await run_due_work(slack,
                                                await working_hours_after_asking(slack, 23))
    assert not reminders_to(slack, daniel.dm)  # nothing is due an hour too early

    done = await run_due_work(slack, await working_hours_after_asking(slack, 24))
    assert done.get("reminded") == 1
    [reminder] = reminders_to(slack, daniel.dm)
    assert reminder.startswith(
        "Reminder: Sophie Bennett's request SM-0001 has been waiting for your decision since")
    # The card is refreshed where it is, not posted again, and still works.
    cards = [m for m in daniel.messages() if header(m).startswith("Approval needed")]
    assert [(m.ts, m.updates >= 1) for m in cards] == [(card.ts, True)]
    assert "reminded" not in await run_due_work(slack,
                                                await working_hours_after_asking(slack, 25))
    assert len(reminders_to(slack, daniel.dm)) == 1  # once
    await daniel.press("Approve")
    assert (await record(slack, "SM-0001"))["status"] == "approved"
    assert "You may post it now" in sophie.texts()


async def test_an_escalation_reaches_the_next_approver_and_the_requester(
        slack: SlackHarness) -> None:
    sophie, daniel, joanne = slack.user(SOPHIE), slack.user(DANIEL), slack.user(JOANNE)
    await ask_to_post(sophie, OPINION + "I think the new bus timetable works")
    [daniels_card] = daniel.messages()
    assert not joanne.messages()

    done = await run_due_work(slack, await working_hours_after_asking(slack, 72))
    assert done.get("escalated") == 1
    # Joanne, Daniel's line manager, is told and gets the card to decide on.
    assert f"SM-0001 needs your decision. {ESCALATED}" in joanne.texts()
    [joannes_card] = [m for m in joanne.messages() if buttons(m)]
    assert header(joannes_card) == "Approval needed: SM-0001 · Post check"
    assert buttons(joannes_card) == ["Approve", "Reject"]
    # Daniel's card now says where the request went, with nothing left to press.
    daniels_card = slack.fake.messages[(daniels_card.channel, daniels_card.ts)]
    assert "passed to Joanne Clarke" in header(daniels_card) and not buttons(daniels_card)
    # Sophie, who asked, is told.
    assert f"SM-0001: {ESCALATED}" in sophie.texts()

    await joanne.press("Approve")
    decided = await record(slack, "SM-0001")
    assert decided["status"] == "approved" and decided["decided_by"] == (
        "joanne.clarke@northbrook.example")
    assert "You may post it now" in sophie.texts()
