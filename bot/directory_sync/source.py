"""Reading the Trust's staff from Microsoft Entra ID through Graph.

Who counts: the enabled member accounts of one group (``POLICYBOT_ENTRA_STAFF_GROUP``, for
example "All staff"), never guests and never disabled accounts. Each one's manager comes from
``/users/{id}/manager``: Graph cannot expand the manager of a group's members in the same
listing, so it is one request per person, a few at a time. A manager outside the group is
read too and synced as well when they are an enabled member account (a CEO is often in no
"staff" group); a manager who is a guest or a disabled account is reported, since approvals
could never reach them.
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
_EXTENSION_HOLDER = "onPremisesExtensionAttributes"


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


@dataclass
class EntraStaff:
    """What Graph said, before any mapping: users by id and who manages whom."""

    users: dict[str, EntraUser] = field(default_factory=dict)  # everyone to sync, by id
    outside_group: set[str] = field(default_factory=set)  # managers synced from outside
    manager_of: dict[str, EntraUser] = field(default_factory=dict)  # user id -> manager
    role_members: dict[str, set[str]] = field(default_factory=dict)  # role -> user ids
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
                     role_groups: Mapping[str, Sequence[str]]) -> EntraStaff:
    fields = select_fields(school_attribute)
    staff = EntraStaff()
    members = graph.url(f"/groups/{staff_group}/members", {"$select": fields, "$top": "999"})
    async for item in graph.pages(members):
        if item.get("@odata.type", _USER_TYPE) != _USER_TYPE:
            continue  # devices, nested groups, contacts
        user = user_from(item, school_attribute)
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
            url = graph.url(f"/groups/{group}/members", {"$select": "id", "$top": "999"})
            ids.update([str(item.get("id")) async for item in graph.pages(url)])
        staff.role_members[role] = ids
    return staff


async def _read_managers(graph: GraphClient, staff: EntraStaff, fields: str,
                         school_attribute: str) -> None:
    """Everyone's manager; eligible managers outside the group join, and theirs are read."""
    gate = asyncio.Semaphore(CONCURRENT_REQUESTS)

    async def manager(user_id: str) -> tuple[str, dict[str, Any] | None]:
        async with gate:
            url = graph.url(f"/users/{user_id}/manager", {"$select": fields})
            return user_id, await graph.get(url)

    todo = sorted(staff.users)
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
                todo.append(boss.id)
        todo.sort()
