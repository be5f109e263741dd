"""Every card the bot sends validates against the Adaptive Cards 1.5 schema; button data."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.teams import cards
from conversations.messages import Action, Card, Choice, Option, Press, Question, Text
from testing.staff import CEO, DEPUTY, DPO, HEAD
from testing.teams.flows import answer, approver_card, ask_for_approval
from testing.teams.harness import TeamsWorld, button, schema_errors, texts_of


def element_types(card: dict[str, Any]) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("type"), str):
                found.add(node["type"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


async def test_every_card_of_every_journey_validates(world: TeamsWorld) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    joanne = world.user(HEAD, "Joanne Clarke")
    dpo = world.user(DPO, "Siobhan Murphy")
    await daniel.install()
    await joanne.install()
    await dpo.install()
    await daniel.say("what does the policy say about photos of pupils?")

    # A post for approval, rejected with a reason through the Action.Submit fallback.
    await ask_for_approval(daniel)
    first = await world.until(lambda: approver_card(joanne))
    await joanne.submit(button(first.card, "Reject"), first.activity_id,
                        {"comment": "Please *don't* name the festival."})
    await world.until(lambda: "Rejected: SM-0001" in daniel.said())
    # A second one, left pending and listed.
    await ask_for_approval(daniel)
    await world.until(lambda: approver_card(joanne, "SM-0002"))
    await joanne.say("pending for me")
    await daniel.say("my requests")
    # A refusal, read in the draft: it offers "check again" and "that's not what it means".
    await daniel.say("can I post this?")
    await daniel.say("Little Amelia Hart in Year 2 had another meltdown today")
    refusal = daniel.last_card("Not permitted")
    assert [a["title"] for a in refusal.card["actions"]] == [
        "Check again", "That's not what it means"]
    # A new account: seven platforms, offered as a list.
    await daniel.say("new account")
    await answer(daniel, "facebook")
    for typed in ("Oakfield Choir", "News of the choir for parents", "Daniel Osei"):
        await daniel.say(typed)
    # A concern, referred to the headteacher and the DPO, acknowledged by one.
    await daniel.say("report a concern")
    await answer(daniel, "A breach of the Social Media Policy")
    await answer(daniel, "I don't know who")
    await answer(daniel, "Oakfield Primary")
    await daniel.say("A colleague shared a class photo on a personal account.")
    await answer(daniel, "Yes")
    await answer(daniel, "Send it")
    concern = await world.until(lambda: [c for c in dpo.received() if c.cards
                                         and "Concern reported" in texts_of(c.card)])
    await dpo.execute(button(concern[0].card, "I have it in hand"),
                      card_id=concern[0].activity_id)
    await world.until(lambda: "in hand" in daniel.said())

    sent = world.connector.all_cards() + world.invoke_cards
    assert len(sent) > 30
    for card in sent:
        assert schema_errors(card) == [], texts_of(card)[:200]
        assert card["version"] == "1.5"
    kinds = set().union(*(element_types(card) for card in sent))
    assert {"Action.Execute", "Action.Submit", "Input.ChoiceSet", "Input.Text", "FactSet",
            "TextBlock"} <= kinds
    titles = "\n".join(texts_of(card) for card in sent)
    for expected in ("“what does the policy say about photos of pupils?”", "Not permitted",
                     "Approval needed: SM-0002",
                     "Rejected: SM-0001", "Concern reported", "Your requests"):
        assert expected in titles or expected in daniel.said() + joanne.said(), expected


def test_the_schema_check_catches_a_broken_card() -> None:
    good = cards.question_card(Question("q1", "Where?", (Option("a", "A"),)))
    assert schema_errors(good) == []
    unknown_element = {**good, "body": [{"type": "TextBox", "text": "x"}]}
    missing_text = {**good, "body": [{"type": "TextBlock"}]}
    unknown_property = {**good, "actions": [{**good["actions"][0], "colour": "red"}]}
    for broken in (unknown_element, missing_text, unknown_property):
        assert schema_errors(broken) != []


@pytest.mark.parametrize("data", [
    None, "press", [], {}, {"pb": "other"},
    {"pb": "choice"}, {"pb": "choice", "token": ""}, {"pb": "choice", "token": 5},
    {"pb": "choice", "token": "q1", "pb_values": 3},
    {"pb": "press", "name": "drop_table", "request_id": "SM-0001"},
    {"pb": "press", "name": "approve", "request_id": ["SM-0001"]},
    {"pb": "press", "name": "approve", "request_id": "SM-0001", "comment": {"x": 1}},
    {"pb": "press", "name": "approve", "request_id": "x" * 500},
])
def test_button_data_that_is_not_ours_is_refused(data: Any) -> None:
    assert cards.read_action_data(data) is None


def test_button_data_becomes_neutral_answers() -> None:
    assert cards.read_action_data({"pb": "choice", "token": "q3", "value": "official"}) == (
        Choice("q3", ("official",)))
    assert cards.read_action_data({"pb": "choice", "token": "q4", "pb_values": "a,b"}) == (
        Choice("q4", ("a", "b")))
    assert cards.read_action_data({"pb": "choice", "token": "q4", "pb_values": ""}) == (
        Choice("q4", ()))
    pressed = {"pb": "press", "name": "reject", "request_id": "SM-0007", "value": "",
               "comment": "Too personal"}
    assert cards.read_action_data(pressed) == Press("reject", "SM-0007", "", "Too personal")


def test_the_neutral_markup_becomes_teams_markdown() -> None:
    assert cards.markup("*Check a post*. 2*3*4 stays") == "**Check a post**. 2*3*4 stays"


def test_a_text_of_any_length_fits_a_teams_message() -> None:
    text = cards.text_body(Text("ß" * 50_000))
    assert len(text.encode()) <= cards.MAX_MESSAGE_BYTES
    assert text.endswith("(shortened to fit Teams)")


def test_a_needs_reason_action_brings_a_comment_box() -> None:
    card = cards.card_card(Card("Approval needed: SM-1", actions=(
        Action("approve", "Approve", "SM-1", style="primary"),
        Action("reject", "Reject", "SM-1", style="danger", needs_reason=True))))
    assert [b["id"] for b in card["body"] if b["type"] == "Input.Text"] == ["comment"]
    styles = [a["style"] for a in card["actions"]]
    assert styles == ["positive", "destructive"]
    assert all(a["fallback"]["type"] == "Action.Submit" for a in card["actions"])
    assert CEO not in str(card)
