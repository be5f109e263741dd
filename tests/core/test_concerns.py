"""Concern reports reach the right people: never the person they are about, never a
delegate, by where the incident is; and the reporter knows who will see it first."""

from __future__ import annotations

from datetime import timedelta

from bot.app import Application
from conversations.messages import Card
from testing.chat import Chat
from testing.clock import Clock
from testing.due_work import asked_at, run_due_work
from testing.staff import CEO, CHAIR, DEPUTY, DPO, GOVERNANCE, HEAD, TEACHER


async def recipients(app: Application, chat: Chat) -> list[str]:
    record = (await app.storage.get(f"request/{chat.card().request_id}")).value
    return [s["approver"] for s in record["steps"]]


async def inbox_titles(app: Application, email: str) -> list[str]:
    """The concern reports in ``email``'s inbox (digests and the like left out)."""
    return [m.title for m in await Chat(app, email).inbox()
            if isinstance(m, Card) and m.title.startswith(("Concern", "Report"))]


async def test_a_report_about_the_headteacher_goes_above_them_and_never_to_them(
        app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.send("I'm worried about something our headteacher Joanne Clarke posted")
    await chat.choose("misuse")
    # Her name was in the message: the bot did not ask who it is about.
    assert chat.question.name == "details"
    await chat.send("A photo from the staff party showing pupils' names on a display")
    await chat.choose("yes")
    told = chat.question
    assert told.name == "confirm_report"
    assert ("Rajesh Patel (Head of Governance and People) and Siobhan Murphy (Data "
            "Protection Officer)") in told.prompt
    await chat.choose("send")
    assert await recipients(app, chat) == [GOVERNANCE, DPO]
    assert await inbox_titles(app, HEAD) == []
    record = (await app.storage.get(f"request/{chat.card().request_id}")).value
    assert record["subject"] == HEAD
    assert ("About whom", "Joanne Clarke (Oakfield Primary)") in [tuple(a) for a in
                                                                   record["answers"]]


async def test_the_reporter_can_stop_before_anything_is_sent(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.report("misuse", "Something I saw", "no", school="Oakfield Primary",
                      send=False)
    chat.assert_reply("Nothing was sent")
    assert await app.storage.scan("request/") == []
    assert await inbox_titles(app, HEAD) == []
    events = [r.value["event"] for _, r in await app.storage.scan("audit/")]
    assert "report_not_sent" in events


async def test_up_the_line_for_the_governance_lead_and_the_ceo(app: Application) -> None:
    about_lead = Chat(app, TEACHER)
    await about_lead.report("misuse", "Something they posted", "no", subject="Rajesh Patel")
    assert await recipients(app, about_lead) == [CEO]
    about_ceo = Chat(app, DEPUTY)
    await about_ceo.report("misuse", "Something she posted", "no", subject="Helen Whitfield")
    assert await recipients(app, about_ceo) == [CHAIR]


async def test_a_name_that_fits_several_people_is_asked_about(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.send("report a concern")
    await chat.choose("misuse")
    await chat.send("Mr Nobody")
    chat.assert_reply("I can't find “Mr Nobody” in the staff directory")
    assert chat.question.name == "subject"
    await chat.send("Joanne or Daniel")
    chat.assert_reply("Several people in the staff directory match")
    labels = [o.label for o in chat.question.options]
    assert labels[:2] == ["Daniel Osei (Oakfield Primary)", "Joanne Clarke (Oakfield Primary)"]
    await chat.choose("person:daniel.osei@northbrook.example")
    assert chat.question.name == "details"


async def test_a_report_about_a_delegate_never_reaches_them(app: Application) -> None:
    head = Chat(app, HEAD)
    await head.send("away until 2099-01-01, delegate to Daniel Osei")
    head.assert_reply("go to Daniel Osei")
    about_daniel = Chat(app, TEACHER)
    await about_daniel.report("misuse", "Something he posted", "no", subject="Daniel Osei")
    # Reports are never passed to a delegate: Joanne has it, though she is away.
    assert await recipients(app, about_daniel) == [HEAD]
    other = Chat(app, TEACHER)
    await other.report("misuse", "Something a parent posted", "no", subject="outside",
                       school="Oakfield Primary")
    assert await recipients(app, other) == [HEAD]
    assert await inbox_titles(app, DEPUTY) == []


async def test_an_escalated_report_skips_the_person_it_is_about(
        app: Application, clock: Clock) -> None:
    # Reported to Joanne about Daniel; her line manager is the CEO, who is not the subject.
    # About Helen Whitfield (the CEO): it went to the Chair and escalates to no one above,
    # never to Helen.
    chat = Chat(app, DEPUTY)
    await chat.report("misuse", "Something she posted", "no", subject="Helen Whitfield")
    record = (await app.storage.get(f"request/{chat.card().request_id}")).value
    start = asked_at(record)
    await run_due_work(app, clock, start + timedelta(hours=80))
    moved = (await app.storage.get(f"request/{record['id']}")).value
    assert moved["steps"][0]["approver"] != CEO
    assert await inbox_titles(app, CEO) == []
