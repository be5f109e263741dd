"""The bot reads the draft in Slack: what it saw, said in its words, and acted on."""

from __future__ import annotations

from testing.slack.harness import SlackHarness
from testing.slack.journeys import buttons, header, record
from testing.slack.limits import assert_within_limits
from testing.slack.world import DANIEL, SOPHIE

INSULT = "Honestly the new head at our place hasn't got a clue, staff morale is on the floor"


async def test_an_insult_is_refused_at_once_quoting_the_words_and_the_clause(
        slack: SlackHarness) -> None:
    sophie = slack.user(SOPHIE)
    await sophie.say("can I post this?")
    await sophie.say(INSULT)
    # Refused straight after the draft: no question a hurried "no" could answer wrongly.
    refusal = sophie.messages()[-1]
    assert header(refusal) == "Not permitted: please don't post this"
    said = sophie.texts()
    assert "I noticed “the new head at our place hasn't got a clue”" in said
    assert "(6.4, 7.1)" in said and "Where will it go?" not in said
    assert buttons(refusal) == ["Check again", "That's not what it means"]
    # Told apart from the other outcomes at a glance.
    assert refusal.blocks[1] == {"type": "context", "elements": [
        {"type": "mrkdwn", "text": ":no_entry: *Refused*"}]}
    assert await slack.application.storage.scan("request/") == []
    assert_within_limits(slack.fake.calls)


async def test_a_plainly_personal_post_is_answered_after_one_question(
        slack: SlackHarness) -> None:
    sophie = slack.user(SOPHIE)
    await sophie.say("can I post this?")
    await sophie.say("Leeds lost again, worst defending I've ever seen. Back to the allotment")
    await sophie.press("My own personal account")
    assert header(sophie.messages()[-1]) == "Fine to post"
    answered = [m for m in sophie.messages() if "Your answer" in str(m.blocks)]
    assert len(answered) == 1


async def test_a_disputed_finding_goes_to_the_line_manager_with_the_reason(
        slack: SlackHarness) -> None:
    sophie, daniel = slack.user(SOPHIE), slack.user(DANIEL)
    await sophie.say("can I post this?")
    await sophie.say("Year 9 were animals in the hall today 😂 [photo of our drama rehearsal]")
    pressed = await sophie.press("That's not what it means")
    [opened] = slack.fake.calls_to("views.open")
    assert opened.args["trigger_id"] == pressed["trigger_id"]
    assert "Your line manager will see your reason" in str(opened.args["view"])
    await sophie.submit_reason("They were playing animals in our Jungle Book rehearsal")
    # The check carries on: where it goes, then consent for the pupils in the photo.
    await sophie.press("My own personal account")
    await sophie.press("Yes, with consent for every pupil shown")
    assert "Needs approval: request SM-0001" in sophie.texts()

    request = await record(slack, "SM-0001")
    assert request["steps"][0]["approver"] == "daniel.osei@northbrook.example"
    assert request["dispute"] == "They were playing animals in our Jungle Book rehearsal"
    [card] = [m for m in daniel.messages() if header(m).startswith("Approval needed")]
    seen = daniel.texts()
    assert "What the bot noticed" in seen and "“Year 9 were animals”" in seen
    assert "They were playing animals in our Jungle Book rehearsal" in seen
    disputed = [r.value for _, r in await slack.application.storage.scan("audit/")
                if r.value["event"] == "finding_disputed"]
    assert [sorted(d["found"]) for d in disputed] == [
        ["derogatory", "pictures", "school_life", "school_pictures"]]
    assert buttons(card) == ["Approve", "Reject"]
    assert_within_limits(slack.fake.calls)
