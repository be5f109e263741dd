"""A requester on one platform and an approver on the other, and proactive delivery."""

from __future__ import annotations

from conversations.messages import Card, Choice, Message, Press, Question, Turn, TurnResult
from conversations.people import Person
from testing.staff import CEO, DEPUTY, HEAD
from testing.teams.flows import DRAFT, approver_card, ask_for_approval
from testing.teams.harness import TeamsWorld, button, texts_of

HEADER = "email,name,school,line_manager_email,roles,slack_user_id,teams_aad_object_id"
JOANNE_ON_TEAMS = (f"{HEAD},Joanne Clarke,Oakfield Primary,{CEO},headteacher,,aad-joanne\n")


class OtherPlatform:
    """A stand-in for the Slack adapter: a channel named "slack" that records deliveries."""

    name = "slack"

    def __init__(self) -> None:
        self.delivered: list[tuple[str, Message, str]] = []

    async def deliver(self, person: Person, message: Message, key: str) -> None:
        self.delivered.append((person.email, message, key))

    def cards_for(self, email: str, title_part: str) -> list[Card]:
        return [m for to, m, _ in self.delivered
                if to == email and isinstance(m, Card) and title_part in m.title]


async def core_check_post(world: TeamsWorld, email: str) -> TurnResult:
    """A request made on the other platform: plain turns into the engine."""
    bot = world.app.bot
    result = await bot.handle(Turn(email, text="can I post this?"))
    result = await bot.handle(Turn(email, text=DRAFT))
    for value in ("personal", "consent"):
        question = next(m for m in result.replies if isinstance(m, Question))
        result = await bot.handle(Turn(email, choice=Choice(question.token, (value,))))
    world.app.kick()
    return result


async def test_a_slack_requester_s_approver_on_teams_gets_the_teams_card(
    world: TeamsWorld,
) -> None:
    slack = OtherPlatform()
    world.app.outbox.register(slack)
    report = await world.app.directory.import_csv(HEADER + "\n" + JOANNE_ON_TEAMS,
                                                  source="test")
    assert report.ok, report.errors
    helen = world.user(CEO, "Helen Whitfield")
    await helen.say("hello")  # the bot has seen the trust's tenant and service URL
    await world.app.outbox.note_presence(DEPUTY, "slack")

    result = await core_check_post(world, DEPUTY)
    assert any(isinstance(m, Card) and "SM-0001" in m.title for m in result.replies)

    # Joanne never wrote to the bot: a 1:1 chat is opened with her Azure AD id and tenant.
    created = await world.until(lambda: world.connector.created())
    opened = created[0].body
    assert opened["members"][0]["id"] == "aad-joanne"
    assert opened["channelData"]["tenant"]["id"] == "tenant-1" and opened["isGroup"] is False
    joanne = world.user(HEAD, "Joanne Clarke", aad="aad-joanne")
    joanne.conversation_id = created[0].conversation_id
    card_call = await world.until(lambda: approver_card(joanne))
    lookups_before = len(world.connector.member_lookups())

    response = await joanne.execute(button(card_call.card, "Approve"),
                                    card_id=card_call.activity_id)
    assert "approved by Joanne Clarke" in texts_of(response["value"])
    # The directory's Teams id identified her: no member lookup was needed.
    assert len(world.connector.member_lookups()) == lookups_before
    await world.until(lambda: slack.cards_for(DEPUTY, "Approved: SM-0001"))
    await world.until(lambda: [u for u in world.connector.updates(joanne.conversation_id)
                               if u.activity_id == card_call.activity_id])
    assert not [c for c in world.connector.sent() if "Approved: SM-0001" in str(c.body)]
    reference = await world.app.storage.get(f"teamsref/{HEAD}")
    assert reference is not None


async def test_a_teams_requester_s_approver_on_slack_decides_there(world: TeamsWorld) -> None:
    slack = OtherPlatform()
    world.app.outbox.register(slack)
    await world.app.outbox.note_presence(HEAD, "slack")
    daniel = world.user(DEPUTY, "Daniel Osei")
    await ask_for_approval(daniel)

    cards = await world.until(lambda: slack.cards_for(HEAD, "Approval needed: SM-0001"))
    assert [a.name for a in cards[0].actions] == ["approve", "reject"]
    result = await world.app.bot.handle(Turn(HEAD, press=Press("approve", "SM-0001")))
    assert result.replace is not None
    world.app.kick()
    outcome = await world.until(lambda: [c for c in daniel.received() if c.cards
                                         and "Approved: SM-0001" in texts_of(c.card)])
    assert "You may post it now" in texts_of(outcome[0].card)


async def test_a_connector_outage_delays_the_approver_card_but_does_not_lose_it(
    world: TeamsWorld,
) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    joanne = world.user(HEAD, "Joanne Clarke")
    await joanne.say("hello")
    world.connector.outage[joanne.conversation_id] = 2
    await ask_for_approval(daniel)
    card_call = await world.until(lambda: approver_card(joanne))
    failed = [c for c in world.connector.calls if c.activity_id == "failed"]
    assert len(failed) == 2 and failed[0].conversation_id == joanne.conversation_id
    assert len([c for c in joanne.received() if c.cards
                and "Approval needed" in texts_of(c.card)]) == 1
    assert card_call.activity_id
