"""A concern report's description is read like a draft: "no confidential information" after
words that show some is questioned once, quoting them, and given again the Data Protection
Officer is told as well (docs/policy-rulings.md, reporting a concern)."""

from __future__ import annotations

from bot.app import Application
from testing.chat import Chat
from testing.staff import DPO, HEAD, TEACHER

NAMES_A_PUPIL = ("Mr Grant put a photo on his Facebook of Amelia in Year 3 with her reading "
                 "scores and her dyslexia diagnosis")


async def describe(app: Application, details: str) -> Chat:
    chat = Chat(app, TEACHER)
    await chat.send("report a concern")
    await chat.choose("breach")
    await chat.choose("outside")
    await chat.choose("Oakfield Primary")
    await chat.send(details)
    assert chat.question.name == "confidential"
    return chat


async def recipients(app: Application, chat: Chat) -> list[str]:
    record = (await app.storage.get(f"request/{chat.card().request_id}")).value
    return [s["approver"] for s in record["steps"]]


async def test_no_after_a_pupil_named_is_asked_again_quoting_the_words(
        app: Application) -> None:
    chat = await describe(app, NAMES_A_PUPIL)
    await chat.choose("no")
    chat.assert_reply("You answered “No”, but your description says “")
    chat.assert_reply("Amelia")
    chat.assert_reply("the Data Protection Officer is told as well")
    # Asked again: the same question, nothing sent yet.
    assert chat.question.name == "confidential"
    assert await app.storage.scan("request/") == []


async def test_no_given_twice_tells_the_dpo_with_both(app: Application) -> None:
    chat = await describe(app, NAMES_A_PUPIL)
    await chat.choose("no")
    await chat.choose("no")
    assert chat.question.name == "confirm_report"
    assert "Data Protection Officer" in chat.question.prompt
    await chat.choose("send")
    assert await recipients(app, chat) == [HEAD, DPO]
    record = (await app.storage.get(f"request/{chat.card().request_id}")).value
    assert "confidential-insisted" in record["rules"]


async def test_yes_goes_to_the_dpo_without_a_challenge(app: Application) -> None:
    chat = await describe(app, NAMES_A_PUPIL)
    await chat.choose("yes")
    assert "You answered" not in chat.replies_text()
    assert chat.question.name == "confirm_report"
    await chat.choose("send")
    assert await recipients(app, chat) == [HEAD, DPO]


async def test_a_description_with_nothing_confidential_takes_no_at_once(
        app: Application) -> None:
    chat = await describe(app, "A parent keeps posting rude comments about the school on the "
                               "village Facebook group")
    await chat.choose("no")
    assert "You answered" not in chat.replies_text()
    assert chat.question.name == "confirm_report"
    await chat.choose("send")
    assert await recipients(app, chat) == [HEAD]


async def test_a_phone_number_in_the_description_counts(app: Application) -> None:
    chat = await describe(app, "Someone shared the office manager's home phone number "
                               "07700 900123 in the parents' WhatsApp group")
    await chat.choose("no")
    chat.assert_reply("your description says")
    assert chat.question.name == "confidential"
