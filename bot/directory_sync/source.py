"""Reading the Trust's staff from Microsoft Entra ID through Graph.

Who counts: the enabled member accounts of one group (``POLICYBOT_ENTRA_STAFF_GROUP``, for
example "All staff"), never guests and never disabled accounts. A Trust's "All staff" is
usually made of its schools' groups, so by default everyone inside it counts, through nested
groups too (``transitiveMembers``, cast to users); ``POLICYBOT_ENTRA_GROUP_MEMBERS=direct``
reads its direct members only, and names the groups inside it that were not read.

Each one's manager comes from ``/users/{id}/manager``: Graph cannot expand the manager of a
group's members in the same listing, so it is one request per person, a few at a time. A
manager outside the group is read too and synced as well when they are an enabled member
account (a CEO is often in no "staff" group). A disabled manager's own manager is read as
well: when someone leaves, their account is usually disabled before their reports are given
a new manager, and the next person up stands in meanwhile (see ``mapping``).

Role groups take users: a group, device or contact inside one is skipped and named.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.directory_sync.graph import GraphClient

# A few requests at a time keep a large Trust's sync quick without inviting throttling.
CONCURRENT_REQUESTS = 4
_USER_TYPE = "#microsoft.graph.user"
_GROUP_TYPE = "#microsoft.graph.group"
_EXTENSION_HOLDER = "onPremisesExtensionAttributes"
# Casting transitiveMembers to users is one of Graph's advanced queries on directory
# objects: it needs this header and $count=true.
_ADVANCED_QUERY = {"ConsistencyLevel": "eventual"}


@dataclass(frozen=True)
class EntraUser:
    id: str
    display_name: str
    mail: str
    user_principal_name: str
    enabled: bool
    guest: bool
    school_value: str

    @property
    def email(self) -> str:
        # Accounts without a mailbox (a shared login, a new starter) have no ``mail``: their
        # sign-in name is the address people know them by.
        return (self.mail or self.user_principal_name).strip().lower()

    @property
    def eligible(self) -> bool:
        return self.enabled and not self.guest

    @property
    def why_not(self) -> str:
        return "a guest account" if self.guest else "a disabled account"


@dataclass(frozen=True)
class SkippedMember:
    """A member of the staff group or a role group that is not read as a person."""

    role: str  # the role whose group holds it; "" for the staff group
    group: str  # the group's object id
    odata_type: str  # "#microsoft.graph.group", "#microsoft.graph.device", ...
    object_id: str
    display_name: str  # "" when the app may not read that kind of object

    @property
    def kind(self) -> str:
        return {"#microsoft.graph.group": "a group", "#microsoft.graph.device": "a device",
                "#microsoft.graph.orgContact": "an organisational contact",
                "#microsoft.graph.servicePrincipal": "an application"}.get(
                    self.odata_type, "a directory object")

    def label(self) -> str:
        name = f" {self.display_name!r}" if self.display_name else ""
        return f"{self.kind}{name} (object id {self.object_id})"


@dataclass
class EntraStaff:
    """What Graph said, before any mapping: users by id and who manages whom."""

    users: dict[str, EntraUser] = field(default_factory=dict)  # everyone to sync, by id
    outside_group: set[str] = field(default_factory=set)  # managers synced from outside
    manager_of: dict[str, EntraUser] = field(default_factory=dict)  # user id -> manager
    role_members: dict[str, set[str]] = field(default_factory=dict)  # role -> user ids
    skipped: list[SkippedMember] = field(default_factory=list)  # not people: named to admins
    skipped_guests: int = 0
    skipped_disabled: int = 0


def select_fields(school_attribute: str) -> str:
    """The ``$select`` list: only what the directory stores."""
    holder = _EXTENSION_HOLDER if school_attribute.startswith("extensionAttribute") else (
        school_attribute)
    return ",".join(["id", "displayName", "mail", "userPrincipalName", "accountEnabled",
                     "userType", holder])


def user_from(item: Mapping[str, Any], school_attribute: str) -> EntraUser:
    if school_attribute.startswith("extensionAttribute"):
        extensions = item.get(_EXTENSION_HOLDER) or {}
        school = extensions.get(school_attribute) if isinstance(extensions, dict) else ""
    else:
        school = item.get(school_attribute)
    upn = str(item.get("userPrincipalName") or "")
    return EntraUser(
        id=str(item.get("id") or ""),
        display_name=str(item.get("displayName") or "").strip(),
        mail=str(item.get("mail") or ""),
        user_principal_name=upn,
        # Graph leaves accountEnabled out only when it was not selected: count it as off.
        enabled=item.get("accountEnabled") is True,
        guest=str(item.get("userType") or "") == "Guest" or "#EXT#" in upn.upper(),
        school_value=str(school or "").strip(),
    )


async def read_staff(graph: GraphClient, *, staff_group: str, school_attribute: str,
                     role_groups: Mapping[str, Sequence[str]], transitive: bool = True
                     ) -> EntraStaff:
    fields = select_fields(school_attribute)
    staff = EntraStaff()
    if transitive:
        members = graph.url(f"/groups/{staff_group}/transitiveMembers/microsoft.graph.user",
                            {"$select": fields, "$top": "999", "$count": "true"})
        listing = graph.pages(members, _ADVANCED_QUERY)
    else:
        members = graph.url(f"/groups/{staff_group}/members", {"$select": fields,
                                                               "$top": "999"})
        listing = graph.pages(members)
    async for item in listing:
        kind = str(item.get("@odata.type") or _USER_TYPE)  # a cast listing leaves it out
        if kind != _USER_TYPE:
            if kind == _GROUP_TYPE:  # its people are not read: say so; devices don't matter
                staff.skipped.append(_skipped("", staff_group, item))
            continue
        user = user_from(item, school_attribute)
        if user.id in staff.users:
            continue  # in two school groups: one person
        if user.guest:
            staff.skipped_guests += 1
        elif not user.enabled:
            staff.skipped_disabled += 1
        elif user.id:
            staff.users[user.id] = user
    await _read_managers(graph, staff, fields, school_attribute)
    for role, groups in role_groups.items():
        ids: set[str] = set()
        for group in groups:
            url = graph.url(f"/groups/{group}/members",
                            {"$select": "id,displayName", "$top": "999"})
            async for item in graph.pages(url):
                if str(item.get("@odata.type") or _USER_TYPE) == _USER_TYPE:
                    ids.add(str(item.get("id")))
                else:
                    staff.skipped.append(_skipped(role, group, item))
        staff.role_members[role] = ids
    return staff


def _skipped(role: str, group: str, item: Mapping[str, Any]) -> SkippedMember:
    return SkippedMember(role, group, str(item.get("@odata.type") or ""),
                         str(item.get("id") or ""), str(item.get("displayName") or "").strip())


async def _read_managers(graph: GraphClient, staff: EntraStaff, fields: str,
                         school_attribute: str) -> None:
    """Everyone's manager; eligible managers outside the group join, and theirs are read;
    so are the managers of disabled managers, to find who stands in for them."""
    gate = asyncio.Semaphore(CONCURRENT_REQUESTS)

    async def manager(user_id: str) -> tuple[str, dict[str, Any] | None]:
        async with gate:
            url = graph.url(f"/users/{user_id}/manager", {"$select": fields})
            return user_id, await graph.get(url)

    todo = sorted(staff.users)
    asked = set(todo)
    while todo:
        found = await asyncio.gather(*(manager(u) for u in todo))
        todo = []
        for user_id, item in found:
            if item is None or item.get("@odata.type", _USER_TYPE) != _USER_TYPE:
                continue  # no manager (Graph answers 404), or a contact rather than a user
            boss = user_from(item, school_attribute)
            staff.manager_of[user_id] = staff.users.get(boss.id, boss)
            if boss.id not in staff.users and boss.eligible:
                staff.users[boss.id] = boss
                staff.outside_group.add(boss.id)
            if boss.id and boss.id not in asked and not boss.guest:
                asked.add(boss.id)
                todo.append(boss.id)
        todo.sort()
