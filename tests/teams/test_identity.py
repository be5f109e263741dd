"""Who is speaking: the directory's Teams id, else the email Teams gives, cached."""

from __future__ import annotations

from adapters.teams.activity_handler import CANNOT_CHECK
from testing.staff import CEO, DEPUTY
from testing.teams.harness import TeamsWorld, written

HEADER = "email,name,school,line_manager_email,roles,slack_user_id,teams_aad_object_id"


async def presence_of(world: TeamsWorld, email: str) -> str:
    record = await world.app.storage.get(f"presence/{email}")
    return str(record.value["platform"]) if record else ""


async def test_the_email_teams_gives_is_looked_up_once_then_cached(world: TeamsWorld) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    await daniel.say("hello")
    await daniel.say("my requests")
    assert "You haven't made any requests yet" in daniel.said()
    assert len(world.connector.member_lookups()) == 1
    cached = await world.app.storage.get(f"teamsid/{daniel.aad}")
    assert cached is not None and cached.value["email"] == DEPUTY
    assert await presence_of(world, DEPUTY) == "teams"


async def test_the_user_principal_name_serves_when_there_is_no_email(world: TeamsWorld) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei", listed_email=False, upn=DEPUTY.upper())
    await daniel.say("my requests")
    assert "You haven't made any requests yet" in daniel.said()
    assert await presence_of(world, DEPUTY) == "teams"


async def test_the_directory_s_teams_id_wins(world: TeamsWorld) -> None:
    row = (f"{DEPUTY},Daniel Osei,Oakfield Primary,joanne.clarke@northbrook.example,,,"
           "aad-daniel-listed")
    report = await world.app.directory.import_csv(f"{HEADER}\n{row}\n", source="test")
    assert report.ok, report.errors
    # Teams would say this account is Helen's; the directory says it is Daniel's.
    someone = world.user(CEO, "Daniel Osei", aad="aad-daniel-listed")
    await someone.say("my requests")
    assert world.connector.member_lookups() == []
    assert await presence_of(world, DEPUTY) == "teams"
    assert await presence_of(world, CEO) == ""


async def test_a_member_teams_does_not_know_is_told_they_are_not_set_up(
    world: TeamsWorld,
) -> None:
    ghost = world.user(DEPUTY, "Daniel Osei")
    world.connector.members.clear()  # the connector knows no members: 404
    await ghost.say("hello")
    assert "not set up" in ghost.last().text
    assert await presence_of(world, DEPUTY) == ""


async def test_a_lookup_that_fails_for_now_asks_to_try_again_and_changes_nothing(
    world: TeamsWorld,
) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    # Teams throttles the lookups (a 429 is not retried by the SDK, unlike a 503).
    world.connector.member_outage, world.connector.member_outage_status = 1_000, 429
    assert await daniel.say("check a post") == 201
    assert daniel.last().text == CANNOT_CHECK
    response = await daniel.execute({"verb": "start", "data": {"pb": "press", "name": "start",
                                                               "value": "check_post"}})
    assert response["value"] == CANNOT_CHECK
    assert await daniel.install() == 201
    assert daniel.last().text == CANNOT_CHECK
    assert "not set up" not in daniel.said()
    assert await written(world.app.storage) == []

    # Teams answers again: the same person is recognised, and welcomed, as if nothing happened.
    world.connector.member_outage = 0
    assert await daniel.install() == 201
    assert "What would you like to do?" in daniel.said()
    assert await presence_of(world, DEPUTY) == "teams"

