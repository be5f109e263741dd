"""Time passing on Teams: a waiting approver is reminded, then the step escalates.

The due work runs as the scheduler runs it (``DueWork.run_all``), at moments computed from
the step's ``asked_at``; what it stages reaches people through the Teams channel, proactively,
by the conversation references saved when they last wrote to the bot.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.due_work.pending_steps import timings_from
from bot.due_work.runner import DueWork
from conversations.timefmt import parse
from conversations.worktime import add_working_hours
from testing.staff import CEO, DEPUTY, HEAD
from testing.teams.flows import approver_card, ask_for_approval
from testing.teams.harness import TeamsWorld, texts_of


async def _step(world: TeamsWorld) -> dict:
    record = await world.app.storage.get("request/SM-0001")
    assert record is not None
    return dict(record.value["steps"][record.value["current"]])


def _after(asked_at: str, hours: float, world: TeamsWorld) -> datetime:
    timings = timings_from(world.app.config)
    return add_working_hours(parse(asked_at), hours, timings.holidays) + timedelta(minutes=1)


async def test_a_teams_approver_is_reminded_then_the_step_escalates(world: TeamsWorld) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    joanne = world.user(HEAD, "Joanne Clarke")
    helen = world.user(CEO, "Helen Whitfield")
    await joanne.say("hello")  # saves the reference of her chat with the bot
    await helen.say("hello")
    assert await world.app.storage.get(f"teamsref/{HEAD}") is not None
    await ask_for_approval(daniel)
    card = await world.until(lambda: approver_card(joanne))
    asked_at = (await _step(world))["asked_at"]
    runner = DueWork(world.app)

    # 24 working hours on: a reminder in her chat, and her card refreshed in place.
    report = await runner.run_all(_after(asked_at, 24, world))
    assert report.done["reminded"] == 1
    await world.app.flush()
    reminders = await world.until(lambda: [c for c in joanne.received()
                                           if c.text.startswith("Reminder: ")])
    assert len(reminders) == 1
    assert "Daniel Osei's request SM-0001 has been waiting for your decision" in (
        reminders[0].text)
    await world.until(lambda: [u for u in world.connector.updates(joanne.conversation_id)
                               if u.activity_id == card.activity_id])
    assert not approver_card(helen)

    # 72 working hours on: the step moves to her line manager, who gets the card.
    report = await runner.run_all(_after(asked_at, 72, world))
    assert report.done["escalated"] == 1 and "reminded" not in report.done
    await world.app.flush()
    escalated = await world.until(lambda: approver_card(helen))
    assert [a["title"] for a in escalated.card["actions"]] == ["Approve", "Reject"]
    assert "needs your decision" in helen.said()
    step = await _step(world)
    assert step["approver"] == CEO
    # Joanne's card now says the request has moved on, without buttons.
    moved = await world.until(lambda: [u for u in world.connector.updates(joanne.conversation_id)
                                       if u.activity_id == card.activity_id
                                       and "actions" not in u.card])
    assert "Helen Whitfield" in texts_of(moved[-1].card)
    await world.until(lambda: "Escalated to Helen Whitfield" in daniel.said())


async def test_due_work_run_from_the_command_line_reaches_teams(world: TeamsWorld) -> None:
    """`policybot jobs run` delivers through the Teams channel as the server does (here the
    emulator's, which the fake connector serves; tokens are the SDK's business)."""
    from policybot_app.commands import run_due_work

    daniel = world.user(DEPUTY, "Daniel Osei")
    joanne = world.user(HEAD, "Joanne Clarke")
    await joanne.say("hello")
    await ask_for_approval(daniel)
    await world.until(lambda: approver_card(joanne))
    asked_at = (await _step(world))["asked_at"]
    report, _, _ = await run_due_work(
        world.app, world.app.config, _after(asked_at, 24, world), teams_emulator=True)
    # The reminder goes out through Teams; the world's own outbox pump shares this
    # application and may be the one that sends it, so how many this flush sent is not asked.
    assert report.done["reminded"] == 1
    reminders = await world.until(lambda: [c for c in joanne.received()
                                           if c.text.startswith("Reminder: ")])
    assert len(reminders) == 1
