"""Deciding requests: sequence, once only, only by the assigned approver, withdrawal."""

from __future__ import annotations

from bot.app import Application
from conversations.messages import Card
from testing.chat import Chat
from testing.staff import CEO, DEPUTY, FINANCE_DIRECTOR, FINANCE_OFFICER, HEAD, TEACHER

# Drafts whose words show what they need: school business (the line manager), and Trust
# news with the Trust's resources (the line manager, then the CEO).
BUSINESS = "Oakfield's new library opens on Monday, come and see it!"
TRUST_RESOURCES = "The Trust's budget planning template"


async def _request(app: Application, email: str, draft: str) -> str:
    chat = Chat(app, email)
    await chat.check_post(draft, channel="personal")
    return chat.card().request_id


async def _audit(app: Application, event: str) -> list[dict]:
    return [r.value for _, r in await app.storage.scan("audit/") if r.value["event"] == event]


async def _cards(app: Application, email: str) -> list[Card]:
    return [m for m in await Chat(app, email).inbox() if isinstance(m, Card)]


async def test_two_approvers_in_sequence(app: Application) -> None:
    rid = await _request(app, FINANCE_OFFICER, TRUST_RESOURCES)
    assert [c.title for c in await _cards(app, CEO)] == []  # not asked before step one
    director = Chat(app, FINANCE_DIRECTOR)
    await director.press("approve", rid)
    director.assert_reply(f"You approved {rid}")
    ceo_cards = await _cards(app, CEO)
    assert [c.request_id for c in ceo_cards] == [rid]
    assert [a.name for a in ceo_cards[0].actions] == ["approve", "reject"]
    told = [m for m in await Chat(app, FINANCE_OFFICER).inbox()]
    assert any("now with Helen Whitfield" in getattr(m, "text", "") for m in told)
    await Chat(app, CEO).press("approve", rid)
    record = (await app.storage.get(f"request/{rid}")).value
    assert record["status"] == "approved"
    assert [s["state"] for s in record["steps"]] == ["approved", "approved"]
    outcome = [m for m in await Chat(app, FINANCE_OFFICER).inbox() if isinstance(m, Card)]
    assert outcome[-1].title == f"Approved: {rid}"
    # The approver's card was updated in place: still one card, now without buttons.
    ceo_cards = await _cards(app, CEO)
    assert len(ceo_cards) == 1 and not ceo_cards[0].actions
    assert ceo_cards[0].title.endswith(": approved by Helen Whitfield")
    assert ceo_cards[0].footer.startswith("Decided at ")


async def test_a_second_decision_changes_nothing(app: Application) -> None:
    rid = await _request(app, TEACHER, BUSINESS)
    deputy = Chat(app, DEPUTY)
    await deputy.press("approve", rid)
    before = (await app.storage.get(f"request/{rid}")).value
    await deputy.press("reject", rid, comment="changed my mind")
    deputy.assert_reply(f"{rid} was already approved by Daniel Osei at")
    assert (await app.storage.get(f"request/{rid}")).value == before
    refused = await _audit(app, "refused")
    assert refused[-1]["reason"] == "already_decided" and refused[-1]["actor"] == DEPUTY


async def test_a_decision_by_the_wrong_person_is_refused_and_recorded(app: Application) -> None:
    rid = await _request(app, TEACHER, BUSINESS)
    for intruder in (HEAD, TEACHER):
        chat = Chat(app, intruder)
        await chat.press("approve", rid)
        chat.assert_reply(f"Only Daniel Osei can decide this step of {rid}")
    record = (await app.storage.get(f"request/{rid}")).value
    assert record["status"] == "pending"
    assert [r["actor"] for r in await _audit(app, "refused")] == [HEAD, TEACHER]


async def test_rejection_needs_a_reason_and_tells_the_requester(app: Application) -> None:
    rid = await _request(app, TEACHER, BUSINESS)
    deputy = Chat(app, DEPUTY)
    await deputy.press("reject", rid, comment="  ")
    deputy.assert_reply("Please give a reason")
    assert (await app.storage.get(f"request/{rid}")).value["status"] == "pending"
    await deputy.press("reject", rid, comment="Names a pupil's family")
    told = [m for m in await Chat(app, TEACHER).inbox() if isinstance(m, Card)]
    assert told[-1].title == f"Rejected: {rid}"
    assert "Names a pupil's family" in told[-1].body


async def test_withdrawal_while_pending(app: Application) -> None:
    rid = await _request(app, TEACHER, BUSINESS)
    await Chat(app, DEPUTY).press("withdraw", rid)  # not theirs to withdraw
    teacher = Chat(app, TEACHER)
    await teacher.send(f"withdraw {rid}")
    teacher.assert_reply(f"{rid} is withdrawn")
    record = (await app.storage.get(f"request/{rid}")).value
    assert record["status"] == "withdrawn"
    deputy = Chat(app, DEPUTY)
    await deputy.press("approve", rid)
    deputy.assert_reply("was withdrawn by its requester")
    cards = await _cards(app, DEPUTY)
    assert len(cards) == 1 and not cards[0].actions and "withdrawn" in cards[0].title
    await deputy.send("pending for me")
    deputy.assert_reply("Nothing is waiting for you.")


async def test_lists_for_requester_and_approver(app: Application) -> None:
    rid = await _request(app, TEACHER, BUSINESS)
    teacher = Chat(app, TEACHER)
    await teacher.send("my requests")
    teacher.assert_reply(rid, "waiting for approval")
    deputy = Chat(app, DEPUTY)
    await deputy.send("what's pending for me?")
    assert [c.request_id for c in deputy.last.replies if isinstance(c, Card)] == [rid]


async def test_unknown_request_and_unknown_person(app: Application) -> None:
    deputy = Chat(app, DEPUTY)
    await deputy.press("approve", "SM-9999")
    deputy.assert_reply("I can't find a request SM-9999")
    stranger = Chat(app, "someone@elsewhere.example")
    await stranger.send("can I post this?")
    stranger.assert_reply("not set up", "Head of Governance and People")
    assert await app.storage.scan("conversation/") == []
