"""Steps of a Teams conversation shared by the tests: answering questions, reaching approval."""

from __future__ import annotations

from typing import Any

from testing.teams.fake_connector import Call
from testing.teams.harness import TeamsUser, button, texts_of

DRAFT = "Proud of our Year 6 choir at the county festival today! [photo of the choir on stage]"
# The bot reads pictures of school life in the draft: on a personal account, with consent for
# the pupils shown, they need the headteacher's authorisation (6.6, with 4.1), and Daniel's
# headteacher is his line manager, Joanne Clarke.
OPINION_POST: list[tuple[str, ...]] = [
    ("My own personal account",), ("Yes, with consent for every pupil shown",)]
# Words that make any draft an opinion that could be taken as the school's (4.2): on a
# personal account it needs the line manager's approval, and "where" is the only question.
OPINION = "Speaking as head of year, "
WHERE_ONLY: list[tuple[str, ...]] = [("My own personal account",)]


def question_call(user: TeamsUser) -> Call:
    """The last question card sent to ``user`` (a card with the question's buttons)."""
    for call in reversed(user.received()):
        if call.cards and any(a.get("verb") == "choice" for a in call.card.get("actions", [])):
            return call
    raise AssertionError(f"no question card sent to {user.name}:\n{user.said()}")


async def answer(user: TeamsUser, *picked: str) -> dict[str, Any]:
    """Answer the current question: a button by its label, or options (by label or value)
    ticked in a list followed by Continue. Returns the invoke response."""
    call = question_call(user)
    titles = [a["title"] for a in call.card.get("actions", [])]
    if "Continue" in titles:
        choices = {c["title"]: c["value"] for block in call.card["body"]
                   if block.get("type") == "Input.ChoiceSet" for c in block["choices"]}
        inputs = {"pb_values": ",".join(choices.get(p, p) for p in picked)}
        return await user.execute(button(call.card, "Continue"), inputs,
                                  card_id=call.activity_id)
    (label,) = picked
    return await user.execute(button(call.card, label), card_id=call.activity_id)


async def ask_for_approval(user: TeamsUser, draft: str = DRAFT,
                           answers: list[tuple[str, ...]] | None = None) -> Call:
    """Check a post that needs approval; returns the "Needs approval" card the user got."""
    assert await user.say("can I post this?") == 201
    assert await user.say(draft) == 201
    for picked in answers or OPINION_POST:
        response = await answer(user, *picked)
        assert response["statusCode"] == 200, response
    return user.last_card("Needs approval")


def approver_card(user: TeamsUser, request_id: str = "SM-0001") -> Call | None:
    for call in user.received():
        if call.cards and f"Approval needed: {request_id}" in texts_of(call.card):
            return call
    return None
