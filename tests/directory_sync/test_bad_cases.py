"""Every problem stops the sync with nothing written, and names what is wrong."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from bot.app import Application
from bot.directory_sync.run import Network, Outcome
from testing.entra.certificates import make_client_certificate
from testing.entra.fake_graph import CLIENT_ID, CLIENT_SECRET
from testing.entra.tenant import (
    CEO,
    HEAD_OAK,
    ROLE_GROUPS,
    STAFF_GROUP,
    TEACHER,
    Tenant,
    object_id,
    stored,
    sync,
)

LUCY = "lucy.evans@northbrook.example"
GUEST = "9e5700e5-0000-0000-0000-00000000feed"


def _manager_guest(t: Tenant) -> None:
    t.graph.managers[object_id(LUCY)] = GUEST


def _cycle(t: Tenant) -> None:
    t.set_manager(HEAD_OAK, TEACHER)  # teacher -> deputy -> head -> teacher


def _no_head(t: Tenant) -> None:
    t.graph.groups[ROLE_GROUPS["headteacher"]].remove(
        object_id("andrew.macleod@northbrook.example"))


def _no_ceo(t: Tenant) -> None:
    t.graph.groups[ROLE_GROUPS["ceo"]].remove(object_id(CEO))


def _no_dpo(t: Tenant) -> None:
    t.graph.groups[ROLE_GROUPS["dpo"]].remove(object_id("siobhan.murphy@northbrook.example"))


def _unmapped_school(t: Tenant) -> None:
    t.set_company(LUCY, "Hillside Infants")


def _no_school(t: Tenant) -> None:
    t.set_company(LUCY, "")


def _role_holder_outside(t: Tenant) -> None:
    t.graph.add_user("0ff51de0-0000-0000-0000-000000000001", "Olive Outside",
                     "olive@northbrook.example", "Riverside Academy",
                     groups=(ROLE_GROUPS["dpo"],))


def _duplicate_email(t: Tenant) -> None:
    t.graph.add_user("d0b1e000-0000-0000-0000-000000000001", "Lucy Evans (2)", LUCY,
                     "Oakfield Primary School", groups=(STAFF_GROUP,))


CASES: list[tuple[str, Callable[[Tenant], None], str, str]] = [
    # (A disabled manager does not stop the sync: test_disabled_manager.py.)
    ("manager is a guest", _manager_guest, "unknown manager",
     "Lucy Evans <lucy.evans@northbrook.example>: their manager Gina Guest "
     "<gina@partner.example> is a guest account"),
    ("line-management cycle", _cycle, "line-management cycle",
     "line-management cycle daniel.osei@northbrook.example -> joanne.clarke@northbrook.example"
     " -> sophie.bennett@northbrook.example -> daniel.osei@northbrook.example"),
    ("school without a headteacher", _no_head, "school with no headteacher",
     "school 'Riverside Academy' has no headteacher"),
    ("no CEO", _no_ceo, "no CEO", "no CEO (role ceo) in the directory"),
    ("no DPO", _no_dpo, "no DPO", "no Data Protection Officer (role dpo) in the directory"),
    ("school value not in the mapping", _unmapped_school, "school not in the mapping file",
     "Lucy Evans <lucy.evans@northbrook.example>: companyName 'Hillside Infants' is not in "
     "the school mapping file"),
    ("empty school attribute", _no_school, "no school", "companyName is empty"),
    ("role holder outside the staff group", _role_holder_outside,
     "role group member not synced", "role dpo: a member of its Entra group"),
    ("two accounts with one email", _duplicate_email, "duplicate email",
     "lucy.evans@northbrook.example is the address of 2 accounts"),
]


@pytest.mark.parametrize(("case", "break_it", "kind", "text"), CASES, ids=[c[0] for c in CASES])
async def test_a_problem_in_the_source_changes_nothing_and_is_named(
        app: Application, tenant: Tenant, network: Network, case: str,
        break_it: Callable[[Tenant], None], kind: str, text: str) -> None:
    assert (await sync(app, tenant, network)).outcome is Outcome.APPLIED
    break_it(tenant)
    tenant.remove("margaret.doyle@northbrook.example")  # a change that must not be applied
    before = await stored(app)

    result = await sync(app, tenant, network)

    assert result.outcome is Outcome.PROBLEMS, case
    assert await stored(app) == before
    assert any(p.kind == kind and text in p.text for p in result.problems), result.problems
    assert "@" not in result.log_line() and kind in result.log_line()


async def test_a_problem_stops_the_very_first_sync_too(
        app: Application, tenant: Tenant, network: Network) -> None:
    _no_ceo(tenant)
    result = await sync(app, tenant, network)
    assert result.outcome is Outcome.PROBLEMS
    assert await stored(app) == {}


async def test_a_wrong_secret_is_a_clear_failure_that_never_shows_the_secret(
        app: Application, tenant: Tenant, network: Network) -> None:
    result = await sync(app, tenant, network, POLICYBOT_ENTRA_CLIENT_SECRET="wrong-" + "x" * 8)
    assert result.outcome is Outcome.FAILED
    # The whole sentence and every id Microsoft support asks for, none of them cut off.
    refusal = tenant.graph.refusals[-1]
    assert result.error == (
        "the Microsoft identity platform refused a token: invalid_client: AADSTS7000215: "
        "Invalid client secret provided. Ensure the secret being sent in the request is the "
        "client secret value, not the client secret ID, for a secret added to app "
        f"'{CLIENT_ID}'. (trace id {refusal['trace_id']}, correlation id "
        f"{refusal['correlation_id']}, at {refusal['timestamp']})")
    assert "wrong-" not in result.error and CLIENT_SECRET not in result.error
    assert await stored(app) == {}


async def test_an_unknown_group_is_a_clear_failure(
        app: Application, tenant: Tenant, network: Network) -> None:
    result = await sync(app, tenant, network,
                        POLICYBOT_ENTRA_STAFF_GROUP="0000a11a-0000-0000-0000-0000000000ff")
    assert result.outcome is Outcome.FAILED
    assert "was not found (check the group id)" in result.error


async def test_a_broken_school_mapping_file_is_a_clear_failure(
        app: Application, tenant: Tenant, network: Network) -> None:
    (tenant.folder / "schools.csv").write_text("school,value\nA,B\n", encoding="utf-8")
    result = await sync(app, tenant, network)
    assert result.outcome is Outcome.FAILED
    assert "the first line must be value,school" in result.error
    assert tenant.graph.token_requests == 0  # nothing was asked of Entra


async def test_a_roles_file_naming_someone_not_synced_is_a_problem(
        app: Application, tenant: Tenant, network: Network) -> None:
    with (tenant.folder / "roles.csv").open("a", encoding="utf-8") as roles:
        roles.write("nobody@northbrook.example,admin\n")
    result = await sync(app, tenant, network)
    assert result.outcome is Outcome.PROBLEMS
    assert any("roles file: nobody@northbrook.example is not among the synced staff" in p.text
               for p in result.problems)


async def test_a_certificate_credential_works_in_place_of_a_secret(
        app: Application, tenant: Tenant, network: Network) -> None:
    credential, uploaded = make_client_certificate(tenant.folder)
    tenant.graph.client_certificate = uploaded
    result = await sync(app, tenant, network, POLICYBOT_ENTRA_CLIENT_SECRET="",
                        POLICYBOT_ENTRA_CERTIFICATE=str(credential))
    assert result.outcome is Outcome.APPLIED, result.error
    assert tenant.graph.token_requests == 1


async def test_a_certificate_file_without_a_key_is_a_clear_failure(
        app: Application, tenant: Tenant, network: Network) -> None:
    _, uploaded = make_client_certificate(tenant.folder)
    result = await sync(app, tenant, network, POLICYBOT_ENTRA_CLIENT_SECRET="",
                        POLICYBOT_ENTRA_CERTIFICATE=str(uploaded))
    assert result.outcome is Outcome.FAILED
    assert result.error.endswith("must hold a PEM private key and a PEM certificate")


async def test_missing_permissions_are_a_clear_failure(
        app: Application, tenant: Tenant, network: Network) -> None:
    tenant.graph.forbid("/manager")
    result = await sync(app, tenant, network)
    assert result.outcome is Outcome.FAILED
    assert "answered 403 Authorization_RequestDenied for /v1.0/users/{id}/manager" in (
        result.error)  # which request, but not whose
    assert "User.Read.All and GroupMember.Read.All" in result.error
    assert re.search(r"; Graph request id [0-9a-f-]{36}$", result.error), result.error
    assert await stored(app) == {}
