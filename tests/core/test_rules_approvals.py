"""The "needs approval" and "allowed" rows of the rulings (docs/policy-rulings.md), and who
approves, in what order."""

from __future__ import annotations

from bot.app import Application
from testing.chat import Chat
from testing.staff import (
    CEO,
    CHAIR,
    COMMS,
    DEPUTY,
    FINANCE_DIRECTOR,
    FINANCE_OFFICER,
    HEAD,
    TEACHER,
)

# Drafts whose words show what each approval turns on (the reader finds it; nothing is ticked).
BUSINESS = "Oakfield's new library opens on Monday, come and see it!"
OPINION = "Speaking as head of year, I think the new phonics scheme works"
EVENT_PICTURES = "Sports day photos! [photo of Year 3 races]"
SCHOOL_RESOURCES = "My Year 3 fractions worksheet, free to download"
TRUST_NEWS_AND_RESOURCES = "The Trust's budget planning template"


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
    await chat.check_post("Lovely walk in the Peak District", channel="personal")
    card = chat.card()
    assert card.title == "Fine to post"
    for clause in ("6.2", "6.3", "6.5", "7.2", "7.3", "3.1"):
        assert clause in card.body
    assert await app.storage.scan("request/") == []


async def test_school_business_on_personal_account_goes_to_line_manager(app: Application):
    chat = Chat(app, TEACHER)
    await chat.check_post(BUSINESS, channel="personal")
    record = await request_of(app, chat)
    assert chain(record) == [(DEPUTY, ["4.1"])]
    assert record["clauses"] == ["4.1"]


async def test_attributable_opinion_goes_to_line_manager(app: Application) -> None:
    chat = Chat(app, TEACHER)
    # The learned signal may ask about what it half-suspects; "none" leaves the opinion.
    await chat.check_post(OPINION, channel="personal", suspected="none")
    assert chain(await request_of(app, chat)) == [(DEPUTY, ["4.2"])]


async def test_event_pictures_need_the_headteacher_alone(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.check_post(EVENT_PICTURES, channel="personal", pupils_shown="consent")
    assert chain(await request_of(app, chat)) == [(HEAD, ["4.1", "6.6"])]


async def test_school_resources_need_the_headteacher(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.check_post(SCHOOL_RESOURCES, channel="personal")
    # Sharing them from a personal account is school business (4.1, line manager or
    # headteacher) and needs the headteacher's permission (7.1): the headteacher covers both.
    assert chain(await request_of(app, chat)) == [(HEAD, ["4.1", "7.1"])]


async def test_opinion_and_event_pictures_need_two_people_nearest_first(app: Application):
    chat = Chat(app, TEACHER)
    await chat.check_post("Speaking as head of year: sports day photos! [photo of Year 3 races]",
                          channel="personal", pupils_shown="consent")
    # Each clause is approved by the nearest person who may approve it.
    assert chain(await request_of(app, chat)) == [(DEPUTY, ["4.1", "4.2"]), (HEAD, ["6.6"])]


async def test_central_member_sharing_trust_resources_needs_manager_then_ceo(app: Application):
    chat = Chat(app, FINANCE_OFFICER)
    await chat.check_post(TRUST_NEWS_AND_RESOURCES, channel="personal")
    assert chain(await request_of(app, chat)) == [(FINANCE_DIRECTOR, ["4.1"]), (CEO, ["7.1"])]


async def test_central_member_whose_manager_is_the_ceo_needs_the_ceo_once(app: Application):
    chat = Chat(app, COMMS)
    await chat.check_post("The Trust's new logo pack is out next week", channel="personal")
    assert chain(await request_of(app, chat)) == [(CEO, ["4.1", "7.1"])]


async def test_central_event_pictures_go_to_the_ceo(app: Application) -> None:
    chat = Chat(app, FINANCE_OFFICER)
    await chat.check_post("Photos from the Trust conference today [photos of the speakers]",
                          channel="personal", pupils_shown="no")
    assert chain(await request_of(app, chat)) == [
        (FINANCE_DIRECTOR, ["4.1"]), (CEO, ["6.6"])]


async def test_headteacher_never_approves_their_own_request(app: Application) -> None:
    chat = Chat(app, HEAD)
    await chat.check_post(EVENT_PICTURES, channel="personal", pupils_shown="consent")
    assert chain(await request_of(app, chat)) == [(CEO, ["4.1", "6.6"])]


async def test_ceo_goes_to_the_fallback_approver(app: Application) -> None:
    chat = Chat(app, CEO)
    await chat.check_post(TRUST_NEWS_AND_RESOURCES, channel="personal")
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
    await chat.check_post("In my role as a volunteer, I think the new phonics scheme works",
                          channel="personal")
    assert chain(await request_of(app, chat)) == [(CHAIR, ["4.2"])]
    await chat.check_post(BUSINESS, channel="personal")
    assert chain(await request_of(app, chat)) == [(HEAD, ["4.1"])]


async def test_official_account_post_uses_the_register(app: Application) -> None:
    teacher = Chat(app, TEACHER)
    await teacher.send("I want to set up a new account")
    await teacher.choose("instagram")
    await teacher.send("@oakfieldprimary")
    await teacher.send("Sharing class news with families")
    await teacher.send("Sophie Bennett")
    record = await request_of(app, teacher)
    assert chain(record) == [(HEAD, ["5.1"])]
    await Chat(app, HEAD).press("approve", record["id"])
    accounts = [r.value for _, r in await app.storage.scan("account/")]
    assert [a["name"] for a in accounts] == ["@oakfieldprimary"]

    await teacher.send("can I post this?")
    await teacher.send("Year 2 trip to the museum today! [photos of the class at the museum]")
    await teacher.choose("official")
    assert teacher.question.name == "account"
    labels = [o.label for o in teacher.question.options]
    assert labels[0].startswith("@oakfieldprimary (Instagram, Oakfield Primary)")
    await teacher.choose(accounts[0]["id"])
    assert teacher.question.name == "pupils_shown"  # the words show pictures of school life
    await teacher.choose("consent")
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
    await teacher.check_post("Our Year 6 results were the best in the county",
                             channel="official", account="acct-x", fair="no")
    assert teacher.asked == ["channel", "account", "fair"]
    card = teacher.card()
    assert card.title.startswith("Not yet")
    assert dict(card.fields)["Clauses"] == "4.4"
    assert "check again" in card.footer
    assert [(a.name, a.label) for a in card.actions] == [("start", "Check again")]
    assert await app.storage.scan("request/") == []


async def test_party_politics_on_an_official_account_is_refused_without_asking(
    app: Application,
) -> None:
    from storage.base import Put
    await app.storage.write([Put("account/acct-x", {
        "id": "acct-x", "name": "@oakfield", "platform": "X", "school": "Oakfield Primary"})])
    teacher = Chat(app, TEACHER)
    await teacher.check_post("Vote for Labour on Thursday!", channel="official", account="acct-x")
    # Refused once the words are known to go on an official account: nothing more is asked.
    assert teacher.asked == ["channel"]
    card = teacher.card()
    assert card.title.startswith("Not yet")
    assert dict(card.fields)["Clauses"] == "4.4"
    assert "Vote for Labour" in card.body
