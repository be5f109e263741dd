"""Cards as Teams shows them: a press acknowledged in plain words and once, reason boxes worded
for who is typing, long options as a list, and a decided card updated in place."""

from __future__ import annotations

from typing import Any

from adapters.teams import cards
from conversations.messages import Action, Card, Option, Question
from testing.staff import DEPUTY, HEAD
from testing.teams.flows import approver_card, ask_for_approval
from testing.teams.harness import TeamsUser, TeamsWorld, button, schema_errors, texts_of

LONG = "Inappropriate use of social media by staff or volunteers"


def inputs(card: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [b for b in card["body"] if b.get("type") == kind]


async def press_menu(user: TeamsUser, label: str) -> tuple[dict[str, Any], list[str]]:
    """Press a button of the welcome card; the invoke response, and what came to the chat."""
    welcome = user.last_card("What would you like")
    before = len(user.received())
    response = await user.execute(button(welcome.card, label), card_id=welcome.activity_id)
    chat = [c.text for c in user.received()[before:] if c.text]
    return response, chat


async def test_a_press_is_acknowledged_in_plain_words_and_only_once(world: TeamsWorld) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    joanne = world.user(HEAD, "Joanne Clarke")
    assert await joanne.install() == 201
    await ask_for_approval(daniel)
    await world.until(lambda: approver_card(joanne))

    response, chat = await press_menu(joanne, "Pending for me")
    assert response["type"] == "application/vnd.microsoft.activity.message"
    assert response["value"] == "Waiting for you (1)"  # not "*Waiting for you* (1)"
    assert not [text for text in chat if "Waiting for you" in text]  # not sent again
    assert len([c for c in joanne.received() if c.cards
                and "Approval needed: SM-0001" in texts_of(c.card)]) == 2  # the list's copy

    response, chat = await press_menu(joanne, "Check a post")
    assert response["value"].startswith("Check a post. Say")
    assert "*" not in response["value"] and not [t for t in chat if "Check a post" in t]
    assert "Paste the text" in texts_of(joanne.last().card)  # the question came to the chat


def test_a_long_text_reply_goes_to_the_chat_and_the_press_is_just_acknowledged() -> None:
    from adapters.teams.activity_handler import acknowledgement
    from conversations.messages import Text

    long = Text("*Help*\nline one\nline two")
    short = Text("*Done*: SM-0001 withdrawn.")
    assert acknowledgement([long, short]) == ("Done: SM-0001 withdrawn.", [long])
    assert acknowledgement([long]) == ("Done.", [long])


def reason_box(actions: tuple[Action, ...]) -> dict[str, Any]:
    card = cards.card_card(Card(title="A card", actions=actions, request_id="SM-0001"))
    assert schema_errors(card) == []
    [box] = inputs(card, "Input.Text")
    return box


def test_each_reason_box_is_worded_for_who_is_typing() -> None:
    approver = reason_box((Action("approve", "Approve", "SM-0001"),
                           Action("reject", "Reject", "SM-0001", needs_reason=True)))
    assert approver["label"] == "Comment (needed to reject)"
    assert "requester will see" in approver["placeholder"]
    disputing = reason_box((Action("start", "Check again"),
                            Action("dispute", "That's not what it means", value="C-1",
                                   needs_reason=True)))
    assert disputing["label"].startswith("What did I misread?")
    assert "line manager" in disputing["placeholder"]
    assert "requester" not in disputing["placeholder"] + disputing["label"]
    other = reason_box((Action("withdraw", "Withdraw", "CR-0001", needs_reason=True),))
    assert "requester" not in other["placeholder"] and "Comment" not in other["label"]


def question(*labels: str) -> Question:
    return Question(prompt="What is it about?", token="t1",
                    options=tuple(Option(f"v{n}", label) for n, label in enumerate(labels)))


def test_options_too_long_for_a_button_are_offered_as_a_list_read_whole() -> None:
    listed = cards.question_card(question("A colleague", LONG, "Something else"))
    assert schema_errors(listed) == []
    [choices] = inputs(listed, "Input.ChoiceSet")
    assert choices["wrap"] is True and choices["isMultiSelect"] is False
    assert [c["title"] for c in choices["choices"]] == ["A colleague", LONG, "Something else"]
    assert [a["title"] for a in listed["actions"]] == ["Continue"]
    short = cards.question_card(question("Yes", "No"))
    assert inputs(short, "Input.ChoiceSet") == []
    assert [a["title"] for a in short["actions"]] == ["Yes", "No"]
    longest = max(len(a["title"]) for card in (listed, short) for a in card["actions"])
    assert longest <= cards.MAX_BUTTON_LABEL


async def test_a_decision_from_pending_for_me_updates_the_card_in_place(
        world: TeamsWorld) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    joanne = world.user(HEAD, "Joanne Clarke")
    await joanne.say("hello")
    world.connector.refuse(joanne.conversation_id)  # the first copy of her card never arrives
    await ask_for_approval(daniel)
    await world.until(lambda: world.connector.refused())
    world.connector.refusals.clear()

    await joanne.say("pending for me")
    listed = joanne.last_card("Approval needed: SM-0001")
    response = await joanne.execute(button(listed.card, "Approve"), card_id=listed.activity_id)
    assert "approved by Joanne Clarke" in texts_of(response["value"])  # shown in place
    # The outbox's decided card goes to the card she pressed: an update, not a new message.
    await world.until(lambda: [u for u in world.connector.updates(joanne.conversation_id)
                               if u.activity_id == listed.activity_id])
    await world.until(lambda: "Approved: SM-0001" in daniel.said())
    assert not [c for c in joanne.received() if c.cards
                and "approved by Joanne Clarke" in texts_of(c.card)]


async def test_a_decision_on_a_listed_copy_updates_the_first_copy_too(world: TeamsWorld) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    joanne = world.user(HEAD, "Joanne Clarke")
    await joanne.say("hello")
    await ask_for_approval(daniel)
    first = await world.until(lambda: approver_card(joanne))
    await joanne.say("pending for me")
    listed = joanne.last_card("Approval needed: SM-0001")
    assert listed.activity_id != first.activity_id
    await joanne.execute(button(listed.card, "Approve"), card_id=listed.activity_id)
    await world.until(lambda: [u for u in world.connector.updates(joanne.conversation_id)
                               if u.activity_id == first.activity_id])
    assert not [c for c in joanne.received() if c.cards
                and "approved by Joanne Clarke" in texts_of(c.card)]
