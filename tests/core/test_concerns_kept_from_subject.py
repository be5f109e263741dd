"""A concern report is never counted or mentioned where the person it is about can see it,
and still reaches, and is counted for, those it was referred to."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot import records
from bot.app import Application
from conversations.messages import Card
from testing.chat import Chat
from testing.clock import Clock
from testing.due_work import run_due_work
from testing.staff import CEO, COMMS, GOVERNANCE, HEAD, OTHER_TEACHER, TEACHER

NEXT_MONDAY = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)


async def digest_for(app: Application, email: str) -> Card:
    return [m for m in await Chat(app, email).inbox()
            if isinstance(m, Card) and m.title.startswith("Weekly digest")][-1]


async def test_a_digest_never_counts_a_report_about_its_reader(
        app: Application, clock: Clock) -> None:
    about_head = Chat(app, TEACHER)
    await about_head.report("misuse", "Something she posted", "no", subject="Joanne Clarke")
    about_deputy = Chat(app, OTHER_TEACHER)
    await about_deputy.report("misuse", "Something he posted", "no", subject="Daniel Osei")
    about_ceo = Chat(app, COMMS)
    await about_ceo.report("misuse", "Something she posted", "no", subject="Helen Whitfield")
    await run_due_work(app, clock, NEXT_MONDAY, everything=True)

    # Joanne's digest counts the report she was given (about Daniel), not the one about her.
    head = await digest_for(app, HEAD)
    assert dict(head.fields) == {"New requests in the past 7 days": "1", "Passed on": "1"}
    # The CEO's counts the report about Joanne, referred above her, and not the one about
    # the CEO herself.
    ceo = await digest_for(app, CEO)
    assert dict(ceo.fields) == {"New requests in the past 7 days": "2", "Passed on": "2"}


async def test_the_person_a_report_is_about_cannot_find_it_by_its_id(app: Application) -> None:
    reporter = Chat(app, TEACHER)
    await reporter.report("misuse", "Something she posted", "no", subject="Joanne Clarke")
    rid = reporter.card().request_id
    head = Chat(app, HEAD)
    # Typed or pressed, the answer is the one for an id that does not exist: it names
    # neither the reporter nor the report.
    await head.send(f"withdraw {rid}")
    head.assert_reply(f"I can't find a request {rid}.")
    for action in ("acknowledge", "approve", "withdraw"):
        await head.press(action, rid)
        assert head.replies_text() == f"I can't find a request {rid}.", action
    await Chat(app, OTHER_TEACHER).press("acknowledge", rid)
    await head.send("pending for me")
    head.assert_reply("Nothing is waiting for you.")
    await head.send("my requests")
    assert rid not in head.replies_text()
    assert not [m for m in await head.inbox() if rid in str(m)]
    refused = [r.value for _, r in await app.storage.scan("audit/")
               if r.value.get("reason") == "not_involved"]
    assert {e["actor"] for e in refused} == {HEAD, OTHER_TEACHER}

    # Those it was referred to still have it, and the reporter still sees it.
    handler = Chat(app, GOVERNANCE)
    await handler.press("acknowledge", rid)
    assert "can't find" not in handler.replies_text()
    await reporter.send("my requests")
    reporter.assert_reply(rid)
    assert any("has your report" in str(m) and rid in str(m) for m in await reporter.inbox())


async def test_a_digest_counts_a_report_only_for_those_it_was_given_to(
        app: Application, clock: Clock) -> None:
    # A Riverside teacher reports Oakfield's deputy: it goes to Oakfield's headteacher, and
    # Riverside's headteacher, who was never given it, does not see it counted.
    reporter = Chat(app, "hannah.kowalski@northbrook.example")
    await reporter.report("misuse", "Something he posted", "no", subject="Daniel Osei")
    await run_due_work(app, clock, NEXT_MONDAY)
    riverside = await digest_for(app, "andrew.macleod@northbrook.example")
    assert "Passed on" not in dict(riverside.fields), riverside.fields
    oakfield = await digest_for(app, HEAD)
    assert dict(oakfield.fields).get("Passed on") == "1", oakfield.fields


async def test_an_export_for_a_person_holds_only_what_they_may_see(app: Application) -> None:
    about_head = Chat(app, TEACHER)
    await about_head.report("misuse", "Something she posted", "no", subject="Joanne Clarke")
    about_deputy = Chat(app, OTHER_TEACHER)
    await about_deputy.report("misuse", "Something he posted", "no", subject="Daniel Osei")
    people = await app.directory.snapshot()

    async def ids_for(email: str | None) -> set[str]:
        reader = people.get(email) if email else None
        data = json.loads(await records.export(app.storage, None, "json", "all", reader))
        audit_ids = {e.get("request") for e in data["audit"]} - {None}
        return {r["id"] for r in data["requests"]} | audit_ids

    everything = await ids_for(None)
    report_on_head = about_head.card().request_id
    report_on_deputy = about_deputy.card().request_id
    assert {report_on_head, report_on_deputy} <= everything
    # Joanne: her school's requests and the report given to her, never the one about her.
    head = await ids_for(HEAD)
    assert report_on_deputy in head and report_on_head not in head
    # The CEO is Trust-wide, but neither report was given to her: she sees neither.
    ceo = await ids_for(CEO)
    assert report_on_head not in ceo and report_on_deputy not in ceo
    assert await ids_for(GOVERNANCE) >= {report_on_head}
    # A teacher sees their own requests only: not the report a colleague made.
    teacher = await ids_for(OTHER_TEACHER)
    assert report_on_deputy in teacher and report_on_head not in teacher
