"""The bot reads the draft in Teams: what it saw, said in its words, and acted on."""

from __future__ import annotations

from testing.staff import DEPUTY, HEAD
from testing.teams.flows import answer, approver_card
from testing.teams.harness import TeamsWorld, button, schema_errors, texts_of

INSULT = "Honestly the new head at our place hasn't got a clue, staff morale is on the floor"


async def test_an_insult_is_refused_at_once_quoting_the_words_and_the_clause(
        world: TeamsWorld) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    assert await daniel.say("can I post this?") == 201
    assert await daniel.say(INSULT) == 201
    refusal = daniel.last_card("Not permitted")
    said = texts_of(refusal.card)
    assert "I noticed “the new head at our place hasn't got a clue”" in said
    assert "(6.4, 7.1)" in said and "Where will it go?" not in daniel.said()
    assert [a["title"] for a in refusal.card["actions"]] == [
        "Check again", "That's not what it means"]
    assert schema_errors(refusal.card) == []


async def test_a_plainly_personal_post_is_answered_after_one_question(
        world: TeamsWorld) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    await daniel.say("can I post this?")
    await daniel.say("Leeds lost again, worst defending I've ever seen. Back to the allotment")
    await answer(daniel, "My own personal account")
    assert "Fine to post" in texts_of(daniel.last_card("Fine to post").card)
    asked = [c for c in daniel.received() if c.cards and any(
        a.get("verb") == "choice" for a in c.card.get("actions", []))]
    assert len(asked) == 1


async def test_a_disputed_finding_goes_to_the_line_manager_with_the_reason(
        world: TeamsWorld) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    joanne = world.user(HEAD, "Joanne Clarke")  # Daniel's line manager
    await joanne.install()
    await daniel.say("can I post this?")
    await daniel.say("Year 9 were animals in the hall today 😂")
    refusal = daniel.last_card("Not permitted")
    dispute = button(refusal.card, "That's not what it means")
    reason = "They were playing animals in our Jungle Book rehearsal"
    await daniel.execute(dispute, {"comment": reason}, card_id=refusal.activity_id)
    await answer(daniel, "My own personal account")
    assert "Needs approval: request SM-0001" in daniel.said()

    card_call = await world.until(lambda: approver_card(joanne))
    seen = texts_of(card_call.card)
    assert "What the bot noticed" in seen and "“Year 9 were animals”" in seen
    assert reason in seen and "Daniel Osei" in seen
    assert schema_errors(card_call.card) == []
    record = await world.app.storage.get("request/SM-0001")
    assert record is not None and record.value["dispute"] == reason


async def test_a_report_about_the_headteacher_never_reaches_her(world: TeamsWorld) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    joanne = world.user(HEAD, "Joanne Clarke")
    rajesh = world.user("rajesh.patel@northbrook.example", "Rajesh Patel")
    siobhan = world.user("siobhan.murphy@northbrook.example", "Siobhan Murphy")
    for person in (joanne, rajesh, siobhan):
        await person.install()
    await daniel.say("I'm worried about something our headteacher Joanne Clarke posted")
    await answer(daniel, "Inappropriate use of social media by staff or volunteers")
    await daniel.say("A photo of the staff party with pupils' names on the wall")
    await answer(daniel, "Yes")
    told = texts_of(daniel.last_card("Before I send it").card)
    assert "Rajesh Patel (Head of Governance and People)" in told
    assert "Siobhan Murphy (Data Protection Officer)" in told
    await answer(daniel, "Send it")
    for recipient in (rajesh, siobhan):
        await world.until(lambda r=recipient: [c for c in r.received() if c.cards and
                                               "Concern reported" in texts_of(c.card)])
    assert not [c for c in joanne.received() if c.cards and
                "Concern reported" in texts_of(c.card)]
