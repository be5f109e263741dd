"""Groups inside groups: an "All staff" group made of school groups, and role groups holding
something other than people."""

from __future__ import annotations

import ssl

import pytest

from bot.app import Application
from bot.directory_sync.graph import GraphClient, GraphError
from bot.directory_sync.options import options_from
from bot.directory_sync.run import Network, Outcome, token_source
from testing.entra.fake_graph import CONTACT, DEVICE
from testing.entra.tenant import (
    HEAD_OAK,
    ROLE_GROUPS,
    SCHOOL_GROUPS,
    STAFF_GROUP,
    TEACHER,
    Tenant,
    object_id,
    sample_people,
    sync,
)

SUPPLY_GROUP = "0000a11a-0000-0000-0000-0000000000d1"
SUPPLY = "sam.supply@northbrook.example"
SLT_GROUP = "0000a11a-0000-0000-0000-0000000000d2"
ROOM = "dev1ce00-0000-0000-0000-000000000001"
GOVERNOR = "c0ffee00-0000-0000-0000-000000000001"


def _add_supply_group(tenant: Tenant) -> None:
    """A supply teacher, in a "Supply staff" group inside the staff group."""
    tenant.graph.add_group(SUPPLY_GROUP, "Supply staff", inside=(STAFF_GROUP,))
    tenant.graph.add_user(object_id(SUPPLY), "Sam Supply", SUPPLY, "Oakfield Primary School",
                          manager=object_id(HEAD_OAK), groups=(SUPPLY_GROUP,))


async def test_an_all_staff_group_of_school_groups_syncs_everyone(
        app: Application, tenant: Tenant, network: Network) -> None:
    tenant.group_staff_by_school()
    # A teacher who works at two schools is in both schools' groups: still one person.
    riverside, _ = SCHOOL_GROUPS["riverside academy"]
    tenant.graph.groups[riverside].append(object_id(TEACHER))
    _add_supply_group(tenant)
    tenant.graph.add_member_object(DEVICE, ROOM, "Staffroom display", inside=(STAFF_GROUP,))

    result = await sync(app, tenant, network)

    assert result.outcome is Outcome.APPLIED, result.problems or result.error
    people = await app.directory.snapshot()
    for expected in sample_people():
        person = people.get(expected.email)
        assert person is not None, expected.email
        assert (person.school, person.line_manager, person.roles) == (
            expected.school, expected.line_manager, expected.roles)
    supply = people.get(SUPPLY)
    assert supply is not None and supply.line_manager == HEAD_OAK
    assert people.get("gina@partner.example") is None  # a guest inside a school group
    assert people.get("old.account@northbrook.example") is None  # disabled, likewise
    assert result.plan is not None and len(result.plan.added) == len(sample_people()) + 2
    assert not result.warnings
    # Read through the nested groups in pages, one listing of users only.
    listed = [p for p in tenant.graph.requests if f"/groups/{STAFF_GROUP}/" in p]
    assert set(listed) == {f"/v1.0/groups/{STAFF_GROUP}/transitiveMembers/microsoft.graph.user"}
    assert len(listed) > 1


async def test_direct_members_only_reads_the_group_itself_and_names_what_it_skips(
        app: Application, tenant: Tenant, network: Network) -> None:
    _add_supply_group(tenant)

    result = await sync(app, tenant, network, POLICYBOT_ENTRA_GROUP_MEMBERS="direct")

    assert result.outcome is Outcome.APPLIED, result.problems or result.error
    people = await app.directory.snapshot()
    assert people.get(SUPPLY) is None and people.get(TEACHER) is not None
    assert [w.text for w in result.warnings] == [
        f"the staff group holds a group 'Supply staff' (object id {SUPPLY_GROUP}), whose "
        "members are not read (POLICYBOT_ENTRA_GROUP_MEMBERS=direct): add them to the staff "
        "group, or read nested groups too (transitive)"]
    assert "1 warning(s) (1 nested group not read)" in result.log_line()
    assert f"/v1.0/groups/{STAFF_GROUP}/members" in tenant.graph.requests


async def test_role_groups_take_users_and_skip_anything_else_with_a_warning(
        app: Application, tenant: Tenant, network: Network) -> None:
    heads = ROLE_GROUPS["headteacher"]
    tenant.graph.add_group(SLT_GROUP, "Oakfield SLT", members=(object_id(TEACHER),),
                           inside=(heads,))
    tenant.graph.add_member_object(DEVICE, ROOM, "Head's office display", inside=(heads,))
    tenant.graph.add_member_object(CONTACT, GOVERNOR, "External governor", inside=(heads,))

    result = await sync(app, tenant, network)

    assert result.outcome is Outcome.APPLIED, result.problems or result.error
    people = await app.directory.snapshot()
    head = people.get(HEAD_OAK)
    teacher = people.get(TEACHER)
    assert head is not None and head.has("headteacher")
    assert teacher is not None and not teacher.has("headteacher")  # the nested group is not read
    prefix = f"role headteacher: its Entra group (object id {heads}) holds "
    suffix = (", which is skipped: role groups take users only, so add the people themselves "
              "to the role group")
    assert [w.text for w in result.warnings] == [
        f"{prefix}a group 'Oakfield SLT' (object id {SLT_GROUP}){suffix}",
        # The app may not read devices and contacts: Graph gives their type and id only.
        f"{prefix}a device (object id {ROOM}){suffix}",
        f"{prefix}an organisational contact (object id {GOVERNOR}){suffix}"]
    assert result.log_line().endswith("3 warning(s) (3 role group member not a user)")


async def test_graph_refuses_the_cast_listing_without_the_advanced_query_header(
        tenant: Tenant, network: Network) -> None:
    """The fake is as strict as Graph: the header the sync sends is needed."""
    options = options_from(tenant.config())
    context = ssl.create_default_context(cafile=network.ca_file)
    async with GraphClient(token_source(options, network), base_url=options.graph_url,
                           ssl_context=context) as graph:
        url = graph.url(f"/groups/{STAFF_GROUP}/transitiveMembers/microsoft.graph.user",
                        {"$select": "id", "$count": "true"})
        with pytest.raises(GraphError) as refused:
            await graph.get(url)
        assert str(refused.value).startswith(
            "Microsoft Graph answered 400 Request_UnsupportedQuery for /v1.0/groups/")
        assert await graph.get(url, {"ConsistencyLevel": "eventual"}) is not None
