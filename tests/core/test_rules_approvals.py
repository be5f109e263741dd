"""The "needs approval" and "allowed" rows of RULES.md, and who approves, in what order."""

from __future__ import annotations

from bot.app import Application
from tests.core.harness import (
    CEO,
    CHAIR,
    COMMS,
    DEPUTY,
    FINANCE_DIRECTOR,
    FINANCE_OFFICER,
    HEAD_OAK,
    TEACHER,
    Chat,
)

NONE = ("none",)


def personal(*involvement: str) -> list[tuple[str, ...]]:
    return [("personal",), NONE, NONE, ("no",), tuple(involvement)]


async def request_of(app: Application, chat: Chat) -> dict:
    card = chat.card()
    assert card.title.startswith("Needs approval"), chat.replies_text()
    record = await app.storage.get(f"request/{card.request_id}")
    assert record is not None
    return record.value


def chain(record: dict) -> list[tuple[str, list[str]]]:
    return [(s["approver"], s["clauses"]) for s in record["steps"]]


async def test_allowed_post_carries_the_reminders(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.check_post("Lovely walk in the Peak District", personal("none"))
    card = chat.card()
    assert card.title == "Fine to post"
    for clause in ("6.2", "6.3", "6.5", "7.2", "7.3", "3.1"):
        assert clause in card.body
    assert await app.storage.scan("request/") == []


async def test_school_business_on_personal_account_goes_to_line_manager(app: Application):
    chat = Chat(app, TEACHER)
    await chat.check_post("Our new library opens Monday", personal("business"))
    record = await request_of(app, chat)
    assert chain(record) == [(DEPUTY, ["4.1"])]
    assert record["clauses"] == ["4.1"]


async def test_attributable_opinion_goes_to_line_manager(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.check_post("I think the new phonics scheme works", personal("opinion"))
    assert chain(await request_of(app, chat)) == [(DEPUTY, ["4.2"])]


async def test_event_pictures_need_the_headteacher_alone(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.check_post("Sports day photos", personal("event_pictures"))
    assert chain(await request_of(app, chat)) == [(HEAD_OAK, ["4.1", "6.6"])]


async def test_school_resources_need_the_headteacher(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.check_post("My Year 3 worksheet", personal("school_ip"))
    assert chain(await request_of(app, chat)) == [(HEAD_OAK, ["4.1", "7.1"])]


async def test_opinion_and_event_pictures_need_two_people_nearest_first(app: Application):
    chat = Chat(app, TEACHER)
    await chat.check_post("Sports day, and my view", personal("opinion", "event_pictures"))
    # Each clause is approved by the nearest person who may approve it.
    assert chain(await request_of(app, chat)) == [(DEPUTY, ["4.1", "4.2"]), (HEAD_OAK, ["6.6"])]


async def test_central_member_sharing_trust_resources_needs_manager_then_ceo(app: Application):
    chat = Chat(app, FINANCE_OFFICER)
    await chat.check_post("Trust budget template", personal("trust_ip"))
    assert chain(await request_of(app, chat)) == [(FINANCE_DIRECTOR, ["4.1"]), (CEO, ["7.1"])]


async def test_central_member_whose_manager_is_the_ceo_needs_the_ceo_once(app: Application):
    chat = Chat(app, COMMS)
    await chat.check_post("Trust logo pack", personal("trust_ip"))
    assert chain(await request_of(app, chat)) == [(CEO, ["4.1", "7.1"])]


async def test_central_event_pictures_go_to_the_ceo(app: Application) -> None:
    chat = Chat(app, FINANCE_OFFICER)
    await chat.check_post("Trust conference photos", personal("event_pictures"))
    assert chain(await request_of(app, chat)) == [
        (FINANCE_DIRECTOR, ["4.1"]), (CEO, ["6.6"])]


async def test_headteacher_never_approves_their_own_request(app: Application) -> None:
    chat = Chat(app, HEAD_OAK)
    await chat.check_post("Sports day photos", personal("event_pictures"))
    assert chain(await request_of(app, chat)) == [(CEO, ["4.1", "6.6"])]


async def test_ceo_goes_to_the_fallback_approver(app: Application) -> None:
    chat = Chat(app, CEO)
    await chat.check_post("Trust news", personal("business", "trust_ip"))
    record = await request_of(app, chat)
    assert chain(record) == [(CHAIR, ["4.1", "7.1"])]
    assert record["steps"][0]["role"] == "fallback_approver"


async def test_someone_with_no_manager_goes_up_or_to_the_fallback(app: Application) -> None:
    report = await app.directory.import_csv(
        "email,name,school,line_manager_email,roles\n"
        "new.volunteer@northbrook.example,New Volunteer,Oakfield Primary,,\n",
        source="test.csv")
    assert report.ok, report.errors
    chat = Chat(app, "new.volunteer@northbrook.example")
    await chat.check_post("My opinion on the school plan", personal("opinion"))
    assert chain(await request_of(app, chat)) == [(CHAIR, ["4.2"])]
    await chat.check_post("Oakfield news", personal("business"))
    assert chain(await request_of(app, chat)) == [(HEAD_OAK, ["4.1"])]


async def test_official_account_post_uses_the_register(app: Application) -> None:
    teacher = Chat(app, TEACHER)
    await teacher.send("I want to set up a new account")
    await teacher.choose("instagram")
    await teacher.send("@oakfieldprimary")
    await teacher.send("Sharing class news with families")
    await teacher.send("Sophie Bennett")
    record = await request_of(app, teacher)
    assert chain(record) == [(HEAD_OAK, ["5.1"])]
    await Chat(app, HEAD_OAK).press("approve", record["id"])
    accounts = [r.value for _, r in await app.storage.scan("account/")]
    assert [a["name"] for a in accounts] == ["@oakfieldprimary"]

    await teacher.send("can I post this?")
    await teacher.send("Year 2 trip to the museum today!")
    await teacher.choose("official")
    labels = [o.label for o in teacher.question.options]
    assert labels[0].startswith("@oakfieldprimary (Instagram, Oakfield Primary)")
    await teacher.choose(accounts[0]["id"])
    for values in (NONE, NONE, ("consent",), ("event_pictures",)):
        await teacher.choose(*values)
    assert "unambiguous, accurate, politically neutral" in teacher.question.prompt
    await teacher.choose("yes")
    post = await request_of(app, teacher)
    assert chain(post) == [(DEPUTY, ["4.3"])]
    assert ("Account", "@oakfieldprimary (Instagram, Oakfield Primary)") in [
        tuple(a) for a in post["answers"]]


async def test_official_post_not_fair_is_refused_for_now(app: Application) -> None:
    teacher = Chat(app, TEACHER)
    await app.storage.write([])
    from storage.base import Put
    await app.storage.write([Put("account/acct-x", {
        "id": "acct-x", "name": "@oakfield", "platform": "X", "school": "Oakfield Primary"})])
    await teacher.check_post("Vote for X!", [("official",), ("acct-x",), NONE, NONE, ("no",),
                                            NONE, ("no",)])
    card = teacher.card()
    assert card.title.startswith("Not yet")
    assert dict(card.fields)["Clauses"] == "4.4"
    assert "check a post" in card.footer
