"""The bot reads the draft in the web playground: what it saw, said, and acted on."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from testing.staff import DEPUTY, HEAD

INSULT = "Honestly the new head at our place hasn't got a clue, staff morale is on the floor"


async def turn(client: TestClient, **payload: Any) -> dict[str, Any]:
    response = await client.post("/playground/api/turn", json={"as": DEPUTY, **payload})
    assert response.status == 200
    body: dict[str, Any] = await response.json()
    return body


def cards(reply: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in reply["replies"] if m["type"] == "card"]


async def test_an_insult_answered_carelessly_is_still_refused(
        playground_client: TestClient) -> None:
    await turn(playground_client, text="check a post")
    reply = await turn(playground_client, text=INSULT)
    [refusal] = cards(reply)
    assert refusal["title"] == "Not permitted: please don't post this"
    assert "I noticed “the new head at our place hasn't got a clue”" in refusal["body"]
    assert dict(refusal["fields"])["Clauses"] == "6.4, 7.1"
    assert [a["name"] for a in refusal["actions"]] == ["start", "dispute"]


async def test_a_plainly_personal_post_takes_one_answer(playground_client: TestClient) -> None:
    await turn(playground_client, text="check a post")
    reply = await turn(playground_client, text="Lovely walk with the dog in the Peaks today")
    answers = 0
    while reply["replies"][-1]["type"] == "question":
        question = reply["replies"][-1]
        reply = await turn(playground_client,
                           choice={"token": question["token"], "values": ["personal"]})
        answers += 1
    assert answers == 1
    assert cards(reply)[-1]["title"] == "Fine to post"


async def test_a_disputed_finding_reaches_the_line_manager_with_the_reason(
        playground_client: TestClient) -> None:
    await turn(playground_client, text="check a post")
    reply = await turn(playground_client, text="Year 9 were animals in the hall today")
    [refusal] = cards(reply)
    dispute = next(a for a in refusal["actions"] if a["name"] == "dispute")
    assert dispute["needs_reason"]
    reason = "They were playing animals in our Jungle Book rehearsal"
    reply = await turn(playground_client, press={"name": "dispute", "value": dispute["value"],
                                                 "comment": reason})
    question = reply["replies"][-1]
    assert question["prompt"] == "Where will it go?"
    reply = await turn(playground_client,
                       choice={"token": question["token"], "values": ["personal"]})
    assert cards(reply)[-1]["title"] == "Needs approval: request SM-0001"

    inbox = await (await playground_client.get("/playground/api/inbox",
                                               params={"as": HEAD})).json()
    card = inbox["messages"][-1]["message"]
    fields = dict(card["fields"])
    assert card["title"] == "Approval needed: SM-0001 · Post check"
    assert "“Year 9 were animals”" in fields["What the bot noticed"]
    assert fields["Disputed by the requester"] == f"“{reason}”"
