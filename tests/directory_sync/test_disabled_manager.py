"""A manager whose account is disabled before their reports are moved to someone else (the
usual order when someone leaves) does not stop the sync: the next person up stands in, or
the fallback approver, until Entra is fixed, and the admins are told who needs a manager."""

from __future__ import annotations

from bot.app import Application
from bot.directory import LEFT_AT
from bot.directory_sync.run import Network, Outcome
from testing.chat import Chat
from testing.entra.tenant import COVER, DEPUTY, HEAD_OAK, TEACHER, Tenant, object_id, sync

LUCY = "lucy.evans@northbrook.example"  # managed by the teacher, who is managed by the deputy
OLD_ACCOUNT = "d15ab1ed-0000-0000-0000-00000000dead"  # disabled, in the staff group, no manager
FALLBACK = "alastair.fraser@northbrook.example"
# School business on a personal account: the line manager approves (4.1).
BUSINESS = "Oakfield's new library opens on Monday, come and see it!"


async def _request(app: Application, requester: str) -> dict:
    chat = Chat(app, requester)
    await chat.check_post(BUSINESS, channel="personal")
    card = chat.card()
    record = await app.storage.get(f"request/{card.request_id}")
    assert record is not None, chat.replies_text()
    return record.value


def _needs_a_manager(person: str, manager: str, goes_to: str) -> str:
    return (f"{person} needs a new manager: their manager {manager} has a disabled account in "
            f"Entra. Until Entra names a new one, their approvals go to {goes_to}.")


async def test_a_disabled_manager_does_not_stop_the_sync_and_the_next_one_up_stands_in(
        app: Application, tenant: Tenant, network: Network) -> None:
    assert (await sync(app, tenant, network)).outcome is Outcome.APPLIED
    pending = await _request(app, TEACHER)
    assert pending["steps"][0]["approver"] == DEPUTY
    tenant.disable(DEPUTY)  # his reports still name him as their manager in Entra

    result = await sync(app, tenant, network)

    assert result.outcome is Outcome.APPLIED, result.problems or result.error
    people = await app.directory.snapshot()
    assert people.get(DEPUTY) is None
    kept = await app.storage.get(f"person/{DEPUTY}")
    assert kept is not None and kept.value[LEFT_AT]
    reports = ("imran.hussain@northbrook.example", "margaret.doyle@northbrook.example",
               TEACHER, COVER)
    for email in reports:
        person = people.get(email)
        assert person is not None and person.line_manager == HEAD_OAK, email
    deputy, head = (f"Daniel Osei <{DEPUTY}>", f"Joanne Clarke <{HEAD_OAK}>")
    assert _needs_a_manager(f"Sophie Bennett <{TEACHER}>", deputy, head) in [
        w.text for w in result.warnings]
    assert len(result.warnings) == len(reports)
    assert result.log_line().endswith("4 warning(s) (4 manager account disabled)")
    assert "@" not in result.log_line()
    # His pending step went up at once; new requests go to the head meanwhile.
    moved = await app.storage.get(f"request/{pending['id']}")
    assert moved is not None and moved.value["steps"][0]["approver"] == HEAD_OAK
    assert (await _request(app, "imran.hussain@northbrook.example"))["steps"][0][
        "approver"] == HEAD_OAK

    # Entra is put right: the reports get their new manager, and the warnings stop.
    for email in reports:
        tenant.set_manager(email, HEAD_OAK)
    fixed = await sync(app, tenant, network)
    assert fixed.outcome is Outcome.APPLIED and not fixed.warnings
    assert fixed.plan is not None and fixed.plan.empty


async def test_two_disabled_managers_in_a_row_pass_to_the_first_one_still_here(
        app: Application, tenant: Tenant, network: Network) -> None:
    assert (await sync(app, tenant, network)).outcome is Outcome.APPLIED
    tenant.disable(TEACHER)
    tenant.disable(DEPUTY)

    result = await sync(app, tenant, network)

    assert result.outcome is Outcome.APPLIED, result.problems or result.error
    lucy = (await app.directory.snapshot()).get(LUCY)
    assert lucy is not None and lucy.line_manager == HEAD_OAK
    assert _needs_a_manager(f"Lucy Evans <{LUCY}>", f"Sophie Bennett <{TEACHER}>",
                            f"Joanne Clarke <{HEAD_OAK}>") in [w.text for w in result.warnings]


async def test_with_no_one_above_the_fallback_approver_takes_the_approvals(
        app: Application, tenant: Tenant, network: Network) -> None:
    assert (await sync(app, tenant, network)).outcome is Outcome.APPLIED
    tenant.graph.managers[object_id(LUCY)] = OLD_ACCOUNT  # disabled, and no manager above

    result = await sync(app, tenant, network)

    assert result.outcome is Outcome.APPLIED, result.problems or result.error
    assert [w.text for w in result.warnings] == [_needs_a_manager(
        f"Lucy Evans <{LUCY}>", "Old Account <old.account@northbrook.example>",
        f"the fallback approver, Alastair Fraser <{FALLBACK}>")]
    lucy = (await app.directory.snapshot()).get(LUCY)
    assert lucy is not None and lucy.line_manager == FALLBACK
    assert (await _request(app, LUCY))["steps"][0]["approver"] == FALLBACK


async def test_a_guest_manager_still_stops_the_sync(
        app: Application, tenant: Tenant, network: Network) -> None:
    """Not the leaving order but a wrong manager in Entra: approvals could never reach them."""
    tenant.graph.managers[object_id(LUCY)] = "9e5700e5-0000-0000-0000-00000000feed"
    result = await sync(app, tenant, network)
    assert result.outcome is Outcome.PROBLEMS
    assert [p.kind for p in result.problems] == ["unknown manager"]
