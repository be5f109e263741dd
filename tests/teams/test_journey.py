"""The Teams journey end to end: question cards, the approver's card, decisions, updates."""

from __future__ import annotations

from storage.base import Storage
from testing.staff import CEO, DEPUTY, HEAD
from testing.teams.flows import DRAFT, answer, approver_card, ask_for_approval, question_call
from testing.teams.harness import TeamsWorld, button, texts_of


async def request_status(storage: Storage, request_id: str = "SM-0001") -> str:
    record = await storage.get(f"request/{request_id}")
    assert record is not None
    return str(record.value["status"])


async def test_full_journey_from_message_to_decision(world: TeamsWorld) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    joanne = world.user(HEAD, "Joanne Clarke")
    assert await joanne.install() == 201  # saves her chat: she can be messaged later
    assert "What would you like to do?" in joanne.said()

    assert await daniel.say("can I post this?") == 201
    draft_question = daniel.last_card("Paste the text")
    assert await daniel.say(DRAFT) == 201
    # The typed answer replaces the question card with the answer, without buttons.
    put = world.connector.updates(daniel.conversation_id)[-1]
    assert put.activity_id == draft_question.activity_id
    assert "✔ " + DRAFT in texts_of(put.card) and "actions" not in put.card

    where = question_call(daniel)
    assert "Where will it go?" in texts_of(where.card)
    response = await answer(daniel, "My own personal account")
    # Action.Execute: the invoke response is the answered card, shown at once.
    assert response["type"] == "application/vnd.microsoft.card.adaptive"
    assert "✔ My own personal account" in texts_of(response["value"])
    assert "Where will it go?" in texts_of(response["value"])
    assert "actions" not in response["value"]

    # The bot saw the photo of the choir and asks only about consent, saying what it saw.
    pupils = question_call(daniel).card
    assert "Does it show any pupils" in texts_of(pupils)
    assert "I noticed “[photo of the choir on stage]”" in texts_of(pupils)
    await answer(daniel, "Yes, with consent for every pupil shown")
    created = daniel.last_card("Needs approval: request SM-0001")
    assert "Joanne Clarke" in texts_of(created.card)

    # The approver's card arrives proactively, in her own chat.
    card_call = await world.until(lambda: approver_card(joanne))
    card = card_call.card
    assert DRAFT in texts_of(card) and "Daniel Osei" in texts_of(card)
    assert [a["title"] for a in card["actions"]] == ["Approve", "Reject"]
    assert any(b.get("id") == "comment" for b in card["body"])

    response = await joanne.execute(button(card, "Approve"), card_id=card_call.activity_id)
    decided = response["value"]
    assert "approved by Joanne Clarke" in texts_of(decided) and "actions" not in decided
    assert await request_status(world.app.storage) == "approved"

    # Her card is updated in place (PUT) and the requester is told.
    await world.until(lambda: [u for u in world.connector.updates(joanne.conversation_id)
                               if u.activity_id == card_call.activity_id])
    outcome = await world.until(lambda: [c for c in daniel.received()
                                         if c.cards and "Approved: SM-0001" in texts_of(c.card)])
    assert "You may post it now" in texts_of(outcome[0].card)


async def test_rejection_needs_a_reason_and_reaches_the_requester(world: TeamsWorld) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    joanne = world.user(HEAD, "Joanne Clarke")
    await joanne.say("hello")
    await ask_for_approval(daniel)
    card_call = await world.until(lambda: approver_card(joanne))
    reject = button(card_call.card, "Reject")
    before = len(world.connector.updates())

    # An older client presses the Action.Submit fallback, with the reason box left empty.
    assert await joanne.submit(reject, card_call.activity_id, {"comment": "  "}) == 201
    assert "Please give a reason" in joanne.last().text
    assert await request_status(world.app.storage) == "pending"
    assert len(world.connector.updates()) == before

    reason = "It names a pupil's family; please take that out."
    assert await joanne.submit(reject, card_call.activity_id, {"comment": reason}) == 201
    assert await request_status(world.app.storage) == "rejected"
    replaced = [u for u in world.connector.updates(joanne.conversation_id)
                if u.activity_id == card_call.activity_id]
    assert replaced and "rejected by Joanne Clarke" in texts_of(replaced[0].card)
    assert "actions" not in replaced[0].card
    outcome = await world.until(lambda: [c for c in daniel.received()
                                         if c.cards and "Rejected: SM-0001" in texts_of(c.card)])
    assert reason in texts_of(outcome[0].card)


async def test_a_press_by_someone_else_is_refused_and_recorded(world: TeamsWorld) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    joanne = world.user(HEAD, "Joanne Clarke")
    helen = world.user(CEO, "Helen Whitfield")
    await joanne.say("hello")
    await ask_for_approval(daniel)
    card_call = await world.until(lambda: approver_card(joanne))
    await helen.say("hello")
    updates_before = len(world.connector.updates())

    # Helen presses Approve with the data of Joanne's card (a forwarded or crafted press).
    response = await helen.execute(button(card_call.card, "Approve"))
    assert response["type"] == "application/vnd.microsoft.activity.message"
    assert "Only Joanne Clarke can decide" in response["value"]
    assert "Only Joanne Clarke can decide" not in helen.said()  # said once, over the card
    assert await request_status(world.app.storage) == "pending"
    audit = [r.value for _, r in await world.app.storage.scan("audit/")]
    refused = [e for e in audit if e["event"] == "refused"]
    assert refused and refused[-1]["actor"] == CEO and refused[-1]["request"] == "SM-0001"
    assert len(world.connector.updates()) == updates_before


async def test_an_old_question_pressed_again_changes_nothing(world: TeamsWorld) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    await daniel.say("can I post this?")
    await daniel.say(DRAFT)
    where = question_call(daniel)
    await answer(daniel, "My own personal account")
    updates_before = len(world.connector.updates())

    response = await daniel.execute(button(where.card, "An official Trust or school account"),
                                    card_id=where.activity_id)
    assert response["type"] == "application/vnd.microsoft.activity.message"
    assert "already been answered" in response["value"]
    assert len(world.connector.updates()) == updates_before
    state = await world.app.storage.get(f"conversation/{DEPUTY}")
    assert state is not None and state.value["answers"]["channel"] == ["personal"]


async def test_welcome_on_install_offers_the_flows_once(world: TeamsWorld) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    assert await daniel.install() == 201
    update = daniel.activity("conversationUpdate",
                             membersAdded=[{"id": "28:policybot-app"}])
    status, _ = await daniel.send(update)
    assert status == 201
    menus = [c for c in daniel.received() if c.cards and "What would you like to do?"
             in texts_of(c.card)]
    assert len(menus) == 1
    titles = [a["title"] for a in menus[0].card["actions"]]
    assert titles[:3] == ["Check a post", "New account", "Report a concern"]

    response = await daniel.execute(button(menus[0].card, "Check a post"))
    assert response["statusCode"] == 200
    assert "Paste the text of your post" in daniel.said()
    reference = await world.app.storage.get(f"teamsref/{DEPUTY}")
    assert reference is not None
    assert reference.value["reference"]["conversation"]["id"] == daniel.conversation_id
    presence = await world.app.storage.get(f"presence/{DEPUTY}")
    assert presence is not None and presence.value["platform"] == "teams"


async def test_an_activity_delivered_twice_is_applied_once(world: TeamsWorld) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    await daniel.say("can I post this?")
    message = daniel.activity("message", text=DRAFT)
    assert (await daniel.send(message))[0] == 201
    sent_before = len(daniel.received())
    assert (await daniel.send(message))[0] == 201  # Teams retried the same activity
    assert len(daniel.received()) == sent_before
    state = await world.app.storage.get(f"conversation/{DEPUTY}")
    assert state is not None and state.value["answers"]["draft"] == [DRAFT]
    assert state.value["asked"] == "channel"


async def test_the_same_activity_id_in_two_chats_is_two_turns(world: TeamsWorld) -> None:
    # Teams' activity ids are unique only within a conversation.
    daniel = world.user(DEPUTY, "Daniel Osei")
    joanne = world.user(HEAD, "Joanne Clarke")
    for user in (daniel, joanne):
        assert (await user.send(user.activity("message", text="check a post", id="1")))[0] == 201
        assert "Paste the text of your post" in user.said()  # handled, not taken as a repeat
        state = await world.app.storage.get(f"conversation/{user.email}")
        assert state is not None and state.value["flow"] == "check_post"
