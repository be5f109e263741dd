"""The sample trust (Northbrook) as it would be kept in Microsoft Entra ID, on a FakeGraph.

Everyone in the bundled sample directory is an Entra user with the same name, email,
school (as ``companyName``, in the Trust's own spelling) and manager; roles come from Entra
groups, except the admin and the fallback approver, which come from a roles file. As real
tenants are: the CEO is in no staff group (reached as the headteachers' manager), a cover
supervisor has no mailbox (only a sign-in name), and the staff group also holds a guest and
a disabled account, who must never be synced. ``group_staff_by_school`` rearranges the staff
group as many Trusts keep it: "All staff" holding one group per school.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from bot.app import Application
from bot.config import Config
from bot.directory import sample_csv
from bot.directory_csv import parse_directory_csv
from bot.directory_sync.options import options_from
from bot.directory_sync.run import Network, SyncResult, sync_from_entra
from conversations.people import Person
from testing.entra.fake_graph import CLIENT_ID, CLIENT_SECRET, TENANT, FakeGraph

STAFF_GROUP = "0000a11a-0000-0000-0000-000000000001"
ROLE_GROUPS = {
    "headteacher": "0000a11a-0000-0000-0000-000000000002",
    "ceo": "0000a11a-0000-0000-0000-000000000003",
    "dpo": "0000a11a-0000-0000-0000-000000000004",
    "governance_lead": "0000a11a-0000-0000-0000-000000000005",
}
SCHOOL_GROUPS = {  # companyName (without case) -> the school's own staff group
    "northbrook learning trust": ("0000a11a-0000-0000-0000-0000000000c1", "Central team"),
    "oakfield primary school": ("0000a11a-0000-0000-0000-0000000000c2", "Oakfield staff"),
    "riverside academy": ("0000a11a-0000-0000-0000-0000000000c3", "Riverside staff"),
}
FROM_ROLES_FILE = ("admin", "fallback_approver")
COMPANY = {"Central": "Northbrook Learning Trust", "Oakfield Primary": "Oakfield Primary School",
           "Riverside Academy": "Riverside Academy"}
CEO = "helen.whitfield@northbrook.example"
COVER = "cover.supervisor@northbrook.example"  # no mailbox: known by sign-in name only
TEACHER = "sophie.bennett@northbrook.example"
DEPUTY = "daniel.osei@northbrook.example"
HEAD_OAK = "joanne.clarke@northbrook.example"
ADMIN = "priya.sharma@northbrook.example"


def object_id(email: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"entra:{email}"))


def sample_people() -> list[Person]:
    people, errors = parse_directory_csv(sample_csv())
    assert not errors
    return people


@dataclass
class Tenant:
    graph: FakeGraph
    folder: Path

    def config(self, **extra: str) -> Config:
        values = {
            "POLICYBOT_ENTRA_TENANT_ID": TENANT, "POLICYBOT_ENTRA_CLIENT_ID": CLIENT_ID,
            "POLICYBOT_ENTRA_CLIENT_SECRET": CLIENT_SECRET,
            "POLICYBOT_ENTRA_STAFF_GROUP": STAFF_GROUP,
            "POLICYBOT_ENTRA_SCHOOL_MAP": str(self.folder / "schools.csv"),
            "POLICYBOT_ENTRA_ROLES_FILE": str(self.folder / "roles.csv"),
            "POLICYBOT_ENTRA_ROLE_GROUPS": ",".join(f"{r}={g}" for r, g in ROLE_GROUPS.items()),
            "POLICYBOT_ENTRA_AUTHORITY_URL": self.graph.base,
            "POLICYBOT_GRAPH_URL": self.graph.graph_url,
            "POLICYBOT_DB": str(self.folder / "db" / "policybot.json"),
        }
        values.update(extra)
        return Config(values)

    def id_of(self, email: str) -> str:
        return object_id(email)

    def set_manager(self, email: str, manager_email: str) -> None:
        self.graph.managers[object_id(email)] = object_id(manager_email)

    def set_company(self, email: str, company: str) -> None:
        self.graph.users[object_id(email)]["companyName"] = company

    def group_staff_by_school(self) -> None:
        """"All staff" (the staff group) holds the schools' groups, and no one directly."""
        members = self.graph.groups[STAFF_GROUP]
        self.graph.groups[STAFF_GROUP] = []
        for group_id, name in SCHOOL_GROUPS.values():
            self.graph.add_group(group_id, name, inside=(STAFF_GROUP,))
        for user_id in members:
            group_id, _ = SCHOOL_GROUPS[self.graph.users[user_id]["companyName"].casefold()]
            self.graph.groups[group_id].append(user_id)

    def disable(self, email: str) -> None:
        """The account is disabled; the person stays in their groups and keeps their reports,
        as when someone leaves and IT disables them first."""
        self.graph.users[object_id(email)]["accountEnabled"] = False

    def remove(self, email: str) -> None:
        """Gone from the staff group (and every role group), as a leaver is."""
        for members in self.graph.groups.values():
            if object_id(email) in members:
                members.remove(object_id(email))


def build_tenant(graph: FakeGraph, folder: Path) -> Tenant:
    for person in sample_people():
        groups = [ROLE_GROUPS[r] for r in sorted(person.roles) if r in ROLE_GROUPS]
        if person.email != CEO:
            groups.append(STAFF_GROUP)
        graph.add_user(object_id(person.email), person.name, person.email,
                       COMPANY[person.school],
                       manager=object_id(person.line_manager) if person.line_manager else "",
                       groups=tuple(groups))
    graph.add_user(object_id(COVER), "Casey Cover", None, "oakfield primary school",
                   upn=COVER, manager=object_id(DEPUTY), groups=(STAFF_GROUP,))
    graph.add_user("9e5700e5-0000-0000-0000-00000000feed", "Gina Guest",
                   "gina@partner.example", "Riverside Academy",
                   upn="gina_partner.example#EXT#@northbrook.onmicrosoft.com", guest=True,
                   groups=(STAFF_GROUP,))
    graph.add_user("d15ab1ed-0000-0000-0000-00000000dead", "Old Account",
                   "old.account@northbrook.example", "Riverside Academy", enabled=False,
                   groups=(STAFF_GROUP,))
    (folder / "schools.csv").write_text(
        "value,school\n"
        "Northbrook Learning Trust,Central\n"
        "Oakfield Primary School,Oakfield Primary\n"
        "Riverside Academy,Riverside Academy\n", encoding="utf-8")
    roles = [f"{p.email},{';'.join(sorted(p.roles & set(FROM_ROLES_FILE)))}"
             for p in sample_people() if p.roles & set(FROM_ROLES_FILE)]
    (folder / "roles.csv").write_text("email,roles\n" + "\n".join(roles) + "\n",
                                      encoding="utf-8")
    return Tenant(graph, folder)


async def sync(app: Application, tenant: Tenant, network: Network, *, dry_run: bool = False,
               force: bool = False, **settings: str) -> SyncResult:
    config = tenant.config(**settings)
    return await sync_from_entra(app.storage, options_from(config), app.outbox, app.bot.clock,
                                 dry_run=dry_run, force=force, network=network)


async def stored(app: Application) -> dict[str, dict]:
    """Every document in the store, to show that something changed nothing."""
    return {key: record.value for key, record in await app.storage.scan("")}


async def queued(app: Application, email: str) -> list[dict]:
    """Messages waiting in the outbox for ``email`` (as stored: JSON)."""
    return [record.value["message"] for _, record in await app.storage.scan("outbox/")
            if record.value["to"] == email]


class Waits:
    """Stands in for asyncio.sleep: records each Retry-After wait instead of waiting."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
