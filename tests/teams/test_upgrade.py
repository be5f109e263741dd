"""What an existing deployment kept from the botbuilder releases still works on the new SDK."""

from __future__ import annotations

from storage.base import Put
from testing.staff import DEPUTY, HEAD
from testing.teams.flows import approver_card, ask_for_approval
from testing.teams.harness import BOT, TENANT, TeamsWorld, texts_of


async def test_a_chat_saved_by_the_botbuilder_release_still_reaches_the_approver(
    world: TeamsWorld,
) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    joanne = world.user(HEAD, "Joanne Clarke")
    # Joanne's chat as the earlier release saved it: botbuilder's serialised reference.
    saved = {"user": {"id": joanne.user_id, "name": "Joanne Clarke", "aadObjectId": joanne.aad},
             "bot": dict(BOT),
             "conversation": {"conversationType": "personal", "id": joanne.conversation_id,
                              "tenantId": TENANT},
             "channelId": "msteams", "serviceUrl": world.connector.url}
    await world.app.storage.write([Put(f"teamsref/{HEAD}", {"reference": saved})])
    await world.app.outbox.note_presence(HEAD, "teams")  # last seen on Teams, back then

    await ask_for_approval(daniel)
    call = await world.until(lambda: approver_card(joanne))
    assert call.conversation_id == joanne.conversation_id
    assert "Daniel Osei" in texts_of(call.card)
    assert world.connector.created() == []  # reached in her chat, not a new one
