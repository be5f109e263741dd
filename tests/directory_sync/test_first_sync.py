"""A first sync from Entra into an empty directory, through paging, throttling and a token
that expires on the way; and a dry run that writes nothing."""

from __future__ import annotations

from bot.app import Application
from bot.directory import LEFT_AT
from bot.directory_sync.run import Network, Outcome
from conversations.people import CENTRAL
from testing.entra.tenant import (
    CEO,
    COVER,
    DEPUTY,
    Tenant,
    Waits,
    object_id,
    sample_people,
    stored,
    sync,
)


async def test_a_first_sync_fills_the_directory_as_entra_has_it(
        app: Application, tenant: Tenant, network: Network, waits: Waits) -> None:
    tenant.graph.throttle_next("/manager", retry_after=7)
    tenant.graph.expire_token_after(requests=12)

    result = await sync(app, tenant, network)

    assert result.outcome is Outcome.APPLIED, result.problems or result.error
    people = await app.directory.snapshot()
    for expected in sample_people():
        person = people.get(expected.email)
        assert person is not None, expected.email
        assert (person.name, person.school, person.line_manager, person.roles) == (
            expected.name, expected.school, expected.line_manager, expected.roles)
        # Teams recognises them at once: their Teams id is their Entra object id.
        assert person.platform_id("teams") == object_id(expected.email)
    cover = people.get(COVER)
    assert cover is not None and (cover.school, cover.line_manager) == ("Oakfield Primary", DEPUTY)
    # The CEO is in no staff group, but manages the headteachers: synced as their manager.
    ceo = people.get(CEO)
    assert ceo is not None and ceo.school == CENTRAL and ceo.has("ceo")
    assert len(list(people.people())) == len(sample_people()) + 1  # no guest, no disabled
    assert people.get("gina@partner.example") is None
    assert people.get("old.account@northbrook.example") is None
    # Graph as it behaves: several pages, one 429 waited out, one expired token renewed.
    member_pages = [p for p in tenant.graph.requests if p.endswith(
        "/groups/0000a11a-0000-0000-0000-000000000001/transitiveMembers/microsoft.graph.user")]
    assert len(member_pages) >= 6
    assert waits.seconds == [7.0]
    assert tenant.graph.token_requests == 2
    assert result.throttled == 1
    assert result.plan is not None and len(result.plan.added) == len(sample_people()) + 1


async def test_a_second_sync_with_nothing_new_changes_nothing(
        app: Application, tenant: Tenant, network: Network) -> None:
    assert (await sync(app, tenant, network)).outcome is Outcome.APPLIED
    before = await stored(app)
    result = await sync(app, tenant, network)
    assert result.outcome is Outcome.APPLIED and result.plan is not None
    assert result.plan.empty
    after = await stored(app)
    assert {k: v for k, v in after.items() if k != "meta/directory"} == {
        k: v for k, v in before.items() if k != "meta/directory"}


async def test_a_dry_run_says_what_would_change_and_writes_nothing(
        app: Application, tenant: Tenant, network: Network) -> None:
    assert (await sync(app, tenant, network)).outcome is Outcome.APPLIED
    tenant.set_manager("sophie.bennett@northbrook.example", "joanne.clarke@northbrook.example")
    tenant.remove("lucy.evans@northbrook.example")
    before = await stored(app)

    result = await sync(app, tenant, network, dry_run=True)

    assert result.outcome is Outcome.DRY_RUN and result.plan is not None
    assert await stored(app) == before
    lines = "\n".join(result.plan.lines())
    assert ("~ change  Sophie Bennett <sophie.bennett@northbrook.example>: manager "
            "daniel.osei@northbrook.example -> joanne.clarke@northbrook.example") in lines
    assert "- left    Lucy Evans <lucy.evans@northbrook.example> (Oakfield Primary)" in lines
    unchanged = len(sample_people()) + 1 - 2  # everyone, the cover supervisor, less two
    assert result.plan.summary() == (
        f"0 to add, 1 to change (1 manager change(s)), 1 to mark as left, {unchanged} unchanged")
    person = await app.storage.get("person/lucy.evans@northbrook.example")
    assert person is not None and LEFT_AT not in person.value
