"""Time passing in the playground: the approver's inbox shows the reminder, then the step
moves to the next approver's inbox. The due work runs as the scheduler runs it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from bot.app import Application
from bot.due_work.pending_steps import timings_from
from bot.due_work.runner import DueWork
from conversations.timefmt import parse
from conversations.worktime import add_working_hours
from testing.staff import CEO, DEPUTY, HEAD


async def _turn(client: TestClient, **payload: Any) -> dict[str, Any]:
    response = await client.post("/playground/api/turn", json={"as": DEPUTY, **payload})
    assert response.status == 200
    body: dict[str, Any] = await response.json()
    return body


async def _inbox(client: TestClient, email: str) -> list[dict[str, Any]]:
    response = await client.get("/playground/api/inbox", params={"as": email})
    assert response.status == 200
    return [m["message"] for m in (await response.json())["messages"]]


async def _asked_at(application: Application) -> str:
    record = await application.storage.get("request/SM-0001")
    assert record is not None
    return str(record.value["steps"][record.value["current"]]["asked_at"])


def _after(application: Application, asked_at: str, hours: float) -> datetime:
    holidays = timings_from(application.config).holidays
    return add_working_hours(parse(asked_at), hours, holidays) + timedelta(minutes=1)


async def test_the_approver_s_inbox_shows_the_reminder_then_the_step_escalates(
    application: Application, playground_client: TestClient
) -> None:
    await _turn(playground_client, text="check a post")
    reply = await _turn(playground_client, text="Sports day relay photos from our year 5 team")
    for values in (["personal"], ["consent"]):
        reply = await _turn(playground_client,
                            choice={"token": reply["replies"][-1]["token"], "values": values})
    assert any(m.get("title") == "Needs approval: request SM-0001" for m in reply["replies"])
    assert any(m.get("title", "").startswith("Approval needed")
               for m in await _inbox(playground_client, HEAD))
    asked_at = await _asked_at(application)
    runner = DueWork(application)

    report = await runner.run_all(_after(application, asked_at, 24))
    assert report.done["reminded"] == 1
    await application.flush()
    reminders = [m for m in await _inbox(playground_client, HEAD)
                 if m["type"] == "text" and m["text"].startswith("Reminder: ")]
    assert len(reminders) == 1
    assert "Daniel Osei's request SM-0001 has been waiting for your decision" in (
        reminders[0]["text"])
    assert not [m for m in await _inbox(playground_client, CEO)
                if m.get("title", "").startswith("Approval needed")]

    report = await runner.run_all(_after(application, asked_at, 72))
    assert report.done["escalated"] == 1
    await application.flush()
    helen = await _inbox(playground_client, CEO)
    card = next(m for m in helen if m.get("title", "").startswith("Approval needed"))
    assert [a["name"] for a in card["actions"]] == ["approve", "reject"]
    # Joanne's card, updated in place, no longer offers the decision.
    joanne_cards = [m for m in await _inbox(playground_client, HEAD)
                    if m["type"] == "card" and m.get("request_id") == "SM-0001"]
    assert len(joanne_cards) == 1 and joanne_cards[0]["actions"] == []
    assert "Helen Whitfield" in str(joanne_cards[0])
