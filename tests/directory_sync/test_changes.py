"""Syncs after the first: a new line manager, a leaver with a pending step, the safety stop."""

from __future__ import annotations

from bot.app import Application
from bot.directory import LEFT_AT
from bot.directory_sync.run import Network, Outcome
from testing.chat import Chat
from testing.entra.tenant import (
    CEO,
    DEPUTY,
    HEAD_OAK,
    ROLE_GROUPS,
    TEACHER,
    Tenant,
    object_id,
    queued,
    sample_people,
    stored,
    sync,
)

GOVERNANCE = "rajesh.patel@northbrook.example"
# School business on a personal account: the line manager approves (4.1).
BUSINESS = "Oakfield's new library opens on Monday, come and see it!"


async def _request_to_line_manager(app: Application) -> dict:
    chat = Chat(app, TEACHER)
    await chat.check_post(BUSINESS, channel="personal")
    card = chat.card()
    assert card.title.startswith("Needs approval"), chat.replies_text()
    record = await app.storage.get(f"request/{card.request_id}")
    assert record is not None
    return record.value


async def test_a_new_line_manager_gets_new_requests(
        app: Application, tenant: Tenant, network: Network) -> None:
    assert (await sync(app, tenant, network)).outcome is Outcome.APPLIED
    assert (await _request_to_line_manager(app))["steps"][0]["approver"] == DEPUTY

    tenant.set_manager(TEACHER, HEAD_OAK)
    result = await sync(app, tenant, network)

    assert result.outcome is Outcome.APPLIED and result.plan is not None
    assert result.plan.manager_changes == 1
    assert (await _request_to_line_manager(app))["steps"][0]["approver"] == HEAD_OAK


async def test_a_leaver_is_kept_as_left_and_their_pending_step_goes_up_at_once(
        app: Application, tenant: Tenant, network: Network) -> None:
    assert (await sync(app, tenant, network)).outcome is Outcome.APPLIED
    request = await _request_to_line_manager(app)
    assert request["steps"][0]["approver"] == DEPUTY
    # The deputy leaves; Entra moves the people he managed to the headteacher.
    tenant.remove(DEPUTY)
    for person in sample_people():
        if person.line_manager == DEPUTY:
            tenant.set_manager(person.email, HEAD_OAK)
    tenant.set_manager("cover.supervisor@northbrook.example", HEAD_OAK)
    before = await stored(app)
    preview = await sync(app, tenant, network, dry_run=True)
    assert preview.outcome is Outcome.DRY_RUN and preview.plan is not None
    passed_to = {p.leaver: [f"{p.request_id} to {p.to_name}"] for p in preview.passed}
    assert (f"  - left    Daniel Osei <{DEPUTY}> (Oakfield Primary; pending: {request['id']} "
            "to Joanne Clarke)") in preview.plan.lines(passed_to)
    assert await stored(app) == before  # the dry run moved nothing

    result = await sync(app, tenant, network)

    assert result.outcome is Outcome.APPLIED, result.problems or result.error
    assert [(p.leaver, p.request_id, p.to_name) for p in result.passed] == [
        (DEPUTY, request["id"], "Joanne Clarke")]
    people = await app.directory.snapshot()
    assert people.get(DEPUTY) is None
    kept = await app.storage.get(f"person/{DEPUTY}")
    assert kept is not None and kept.value[LEFT_AT] and kept.value["name"] == "Daniel Osei"
    moved = (await app.storage.get(f"request/{request['id']}"))
    assert moved is not None
    step = moved.value["steps"][0]
    assert (step["approver"], step["state"]) == (HEAD_OAK, "pending")
    assert step["history"][-1]["reason"] == "approver_left"
    # Everyone now has a Teams id, so their messages wait in the outbox for the Teams
    # process: the new approver's card and the requester's news are there.
    head = await queued(app, HEAD_OAK)
    assert any(m["type"] == "card" and m["request_id"] == request["id"] for m in head)
    told = [m["text"] for m in await queued(app, TEACHER) if m["type"] == "text"]
    assert any(request["id"] in t and "Daniel Osei has left" in t and "Joanne Clarke" in t
               for t in told), told
    # The waiting lists follow the step.
    assert await app.storage.get(f"waiting/{DEPUTY}/{request['id']}") is None
    assert await app.storage.get(f"waiting/{HEAD_OAK}/{request['id']}") is not None


async def test_a_sync_that_would_remove_too_many_stops_until_forced(
        app: Application, tenant: Tenant, network: Network) -> None:
    assert (await sync(app, tenant, network)).outcome is Outcome.APPLIED
    # Three of twenty-three gone is 13%, more than the 10% allowed by default.
    for email in ("lucy.evans@northbrook.example", "margaret.doyle@northbrook.example",
                  "imran.hussain@northbrook.example"):
        tenant.remove(email)
    before = await stored(app)

    stopped = await sync(app, tenant, network)

    assert stopped.outcome is Outcome.SAFETY_STOP
    assert await stored(app) == before
    assert "3 of 23 people as left (13%, more than 10%)" in stopped.log_line()
    assert "@" not in stopped.log_line()  # counts only: no one is named in the log

    raised = await sync(app, tenant, network, POLICYBOT_ENTRA_MAX_REMOVAL_PERCENT="15")
    assert raised.outcome is Outcome.APPLIED
    assert (await app.directory.snapshot()).get("lucy.evans@northbrook.example") is None


async def test_force_applies_a_large_removal(
        app: Application, tenant: Tenant, network: Network) -> None:
    assert (await sync(app, tenant, network)).outcome is Outcome.APPLIED
    for email in ("lucy.evans@northbrook.example", "margaret.doyle@northbrook.example",
                  "imran.hussain@northbrook.example"):
        tenant.remove(email)
    forced = await sync(app, tenant, network, force=True)
    assert forced.outcome is Outcome.APPLIED and forced.plan is not None
    assert len(forced.plan.left) == 3


async def test_a_first_sync_replaces_the_bundled_sample_without_a_safety_stop(
        app: Application, tenant: Tenant, network: Network) -> None:
    assert await app.directory.ensure_sample()
    tenant.remove("lucy.evans@northbrook.example")
    tenant.remove("margaret.doyle@northbrook.example")
    tenant.remove("imran.hussain@northbrook.example")
    result = await sync(app, tenant, network)
    assert result.outcome is Outcome.APPLIED and result.plan is not None
    assert result.plan.replaces_sample and len(result.plan.left) == 3


async def test_a_later_step_of_a_leaver_is_pointed_at_someone_here_before_it_is_asked(
        app: Application, tenant: Tenant, network: Network) -> None:
    assert (await sync(app, tenant, network)).outcome is Outcome.APPLIED
    # A central-team member sharing Trust resources: her line manager, then the CEO (7.1).
    chat = Chat(app, "chloe.adeyemi@northbrook.example")
    await chat.check_post("The Trust's budget planning template", channel="personal")
    request_id = chat.card().request_id
    record = await app.storage.get(f"request/{request_id}")
    assert record is not None
    assert [(s["approver"], s["state"]) for s in record.value["steps"]] == [
        ("gareth.llewellyn@northbrook.example", "pending"), (CEO, "waiting")]
    # The CEO leaves; the Head of Governance and People becomes CEO, and manages her reports.
    tenant.remove(CEO)
    tenant.graph.groups[ROLE_GROUPS["ceo"]].append(object_id(GOVERNANCE))
    tenant.graph.managers.pop(object_id(GOVERNANCE))
    for person in sample_people():
        if person.line_manager == CEO and person.email != GOVERNANCE:
            tenant.set_manager(person.email, GOVERNANCE)

    result = await sync(app, tenant, network)

    assert result.outcome is Outcome.APPLIED, result.problems or result.error
    record = await app.storage.get(f"request/{request_id}")
    assert record is not None
    later = record.value["steps"][1]
    # No one is above the CEO who left: the fallback approver takes the step.
    assert (later["approver"], later["state"]) == ("alastair.fraser@northbrook.example",
                                                   "waiting")
    assert later["history"][-1]["reason"] == "approver_left"
    assert record.value["steps"][0]["approver"] == "gareth.llewellyn@northbrook.example"
