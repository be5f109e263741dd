"""From Entra users to the directory's people: schools, roles and every problem found.

The school comes from one attribute of each user (``companyName`` by default), mapped to the
Trust's school names and ``Central`` by a small CSV file (``value,school``). Roles come from
Entra groups named in settings and/or a CSV file (``email,roles``). Then the directory the
sync would produce goes through the same checks as a CSV import (``check_directory``), and
each problem names the people involved: the output goes to the admin's terminal only.

Warnings are for the admins but do not stop the sync. Someone whose manager's account is
disabled (the usual order when a manager leaves: the account first, their reports' new
manager later) gets the next person up who is still here as their line manager until Entra
names a new one; with no one above, the fallback approver. Members of role groups that are
not users are skipped.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.directory_csv import check_directory, normalise_email, valid_email
from bot.directory_sync.source import EntraStaff, EntraUser, SkippedMember
from conversations.people import CENTRAL, KNOWN_ROLES, PeopleIndex, Person


class MappingFileError(Exception):
    """A school mapping or roles file that cannot be used; the message names the file."""


@dataclass(frozen=True)
class Problem:
    kind: str  # a few words with no personal data, for logs and the admins' message
    text: str  # names the people involved, for the admin's terminal

    def __str__(self) -> str:
        return self.text


@dataclass
class MappedDirectory:
    people: list[Person] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # any stops the sync
    warnings: list[Problem] = field(default_factory=list)  # for the admins; the sync goes on


def _rows(path: Path, header: tuple[str, str]) -> list[tuple[int, str, str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingFileError(f"cannot read {path}: "
                               f"{getattr(exc, 'strerror', None) or 'not UTF-8 text'}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, str, str]] = []
    seen_header = False
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue
        cells = [c.strip() for c in record]
        if not seen_header:
            seen_header = True
            if [c.lower() for c in cells] != list(header):
                raise MappingFileError(f"{path}: the first line must be {','.join(header)}")
            continue
        if len(cells) != 2:
            raise MappingFileError(f"{path}: line {reader.line_num}: expected 2 fields, "
                                   f"found {len(cells)}")
        rows.append((reader.line_num, cells[0], cells[1]))
    return rows


def load_school_map(path: Path) -> dict[str, str]:
    """Attribute value (compared without case) -> the Trust's school name or ``Central``."""
    mapping: dict[str, str] = {}
    for line, value, school in _rows(path, ("value", "school")):
        if not value or not school:
            raise MappingFileError(f"{path}: line {line}: value and school are both needed")
        key = value.casefold()
        if key in mapping:
            raise MappingFileError(f"{path}: line {line}: {value!r} is mapped twice")
        mapping[key] = CENTRAL if school.casefold() == CENTRAL.casefold() else school
    if not mapping:
        raise MappingFileError(f"{path}: no mappings")
    return mapping


def load_roles_file(path: Path) -> dict[str, frozenset[str]]:
    """Email -> roles (``;``-separated, as in the directory CSV)."""
    out: dict[str, frozenset[str]] = {}
    for line, email, roles_text in _rows(path, ("email", "roles")):
        roles = frozenset(r.strip().lower() for r in roles_text.split(";") if r.strip())
        unknown = sorted(roles - KNOWN_ROLES)
        if unknown:
            raise MappingFileError(f"{path}: line {line}: unknown role(s) {', '.join(unknown)} "
                                   f"(allowed: {', '.join(sorted(KNOWN_ROLES))})")
        if not valid_email(normalise_email(email)):
            # The value is not echoed: this message may reach the log.
            raise MappingFileError(f"{path}: line {line}: the email is not an email address")
        out[normalise_email(email)] = out.get(normalise_email(email), frozenset()) | roles
    return out


def _label(user: EntraUser) -> str:
    return f"{user.display_name or '(no name)'} <{user.email or user.id}>"


def map_people(staff: EntraStaff, *, school_attribute: str, school_map: Mapping[str, str],
               roles_file: Mapping[str, frozenset[str]], current: PeopleIndex) -> MappedDirectory:
    """The directory the sync would produce, and every problem with it."""
    out = MappedDirectory()
    problems = out.problems
    by_email: dict[str, list[EntraUser]] = defaultdict(list)
    for user in staff.users.values():
        by_email[user.email].append(user)
    roles_of: dict[str, set[str]] = defaultdict(set)
    for role, ids in sorted(staff.role_members.items()):
        for user_id in sorted(ids):
            member = staff.users.get(user_id)
            if member is None:
                problems.append(Problem("role group member not synced", (
                    f"role {role}: a member of its Entra group (object id {user_id}) is not "
                    "among the synced staff: add them to the staff group")))
            else:
                roles_of[member.id].add(role)
    emails = {u.email for u in staff.users.values()}
    for email in sorted(roles_file):
        if email not in emails:
            problems.append(Problem("roles file entry not synced", (
                f"roles file: {email} is not among the synced staff")))
    out.warnings.extend(_skipped_warning(s) for s in staff.skipped)
    fallback = sorted((u for u in staff.users.values()
                       if "fallback_approver" in roles_of[u.id]
                       or "fallback_approver" in roles_file.get(u.email, frozenset())),
                      key=lambda u: u.email)
    for email, users in sorted(by_email.items()):
        if len(users) > 1:
            problems.append(Problem("duplicate email", (
                f"{email} is the address of {len(users)} accounts: "
                + ", ".join(sorted(u.id for u in users)))))
            continue
        user = users[0]
        person = _person(user, staff, school_attribute, school_map, roles_file,
                         roles_of[user.id], current, problems)
        if person is not None:
            person = _with_stand_in(person, user, staff, fallback, out.warnings)
            out.people.append(person)
    problems.extend(_directory_problems(out.people))
    return out


def _skipped_warning(skipped: SkippedMember) -> Problem:
    if skipped.role:
        return Problem("role group member not a user", (
            f"role {skipped.role}: its Entra group (object id {skipped.group}) holds "
            f"{skipped.label()}, which is skipped: role groups take users only, so add the "
            "people themselves to the role group"))
    return Problem("nested group not read", (
        f"the staff group holds {skipped.label()}, whose members are not read "
        "(POLICYBOT_ENTRA_GROUP_MEMBERS=direct): add them to the staff group, or read "
        "nested groups too (transitive)"))


def _stand_in(user: EntraUser, staff: EntraStaff) -> EntraUser | None:
    """The first enabled member account up the line above ``user``'s manager."""
    seen = {user.id}
    above = staff.manager_of.get(user.id)
    while above is not None and above.id not in seen and not above.guest:
        if above.eligible:
            return staff.users.get(above.id)
        seen.add(above.id)
        above = staff.manager_of.get(above.id)
    return None


def _with_stand_in(person: Person, user: EntraUser, staff: EntraStaff,
                   fallback: list[EntraUser], warnings: list[Problem]) -> Person:
    """``person`` with the next one up (else the fallback approver) as line manager while
    theirs is a disabled account."""
    manager = staff.manager_of.get(user.id)
    if manager is None or manager.enabled or manager.guest:
        return person
    stand_in = _stand_in(user, staff)
    goes_to = _label(stand_in) if stand_in else ""
    if stand_in is None:
        stand_in = next((f for f in fallback if f.id != user.id), None)
        goes_to = (f"the fallback approver, {_label(stand_in)}" if stand_in else
                   "no one: there is no fallback approver either")
    warnings.append(Problem("manager account disabled", (
        f"{_label(user)} needs a new manager: their manager {_label(manager)} has a "
        f"disabled account in Entra. Until Entra names a new one, their approvals go to "
        f"{goes_to}.")))
    return replace(person, line_manager=stand_in.email if stand_in else "")


def _person(user: EntraUser, staff: EntraStaff, school_attribute: str,
            school_map: Mapping[str, str], roles_file: Mapping[str, frozenset[str]],
            group_roles: set[str], current: PeopleIndex, problems: list[Problem]) -> Person | None:
    label = _label(user)
    ok = True
    if not valid_email(user.email):
        problems.append(Problem("invalid email", f"{label}: not a usable email address"))
        return None
    if not user.display_name:
        problems.append(Problem("missing name", f"{label}: has no display name"))
        ok = False
    school = school_map.get(user.school_value.casefold(), "")
    if not user.school_value:
        problems.append(Problem("no school", f"{label}: {school_attribute} is empty"))
        ok = False
    elif not school:
        problems.append(Problem("school not in the mapping file", (
            f"{label}: {school_attribute} {user.school_value!r} is not in the school "
            "mapping file")))
        ok = False
    manager = staff.manager_of.get(user.id)
    manager_email = ""
    if manager is not None and manager.guest:
        problems.append(Problem("unknown manager", (
            f"{label}: their manager {_label(manager)} is {manager.why_not}, so they cannot "
            "approve anything")))
        ok = False
    elif manager is not None and manager.enabled:
        manager_email = manager.email  # a disabled one: see _with_stand_in
    if not ok:
        return None
    existing = current.get(user.email)
    ids = dict(existing.platform_ids) if existing else {}
    ids["teams"] = user.id  # Teams' AAD object id is the Entra object id
    return Person(email=user.email, name=user.display_name, school=school,
                  line_manager=manager_email,
                  roles=frozenset(group_roles | roles_file.get(user.email, frozenset())),
                  platform_ids=tuple(sorted(ids.items())))


_KINDS = (("cycle", "line-management cycle"), ("unknown manager", "unknown manager"),
          ("own manager", "own manager"), ("no headteacher", "school with no headteacher"),
          ("no CEO", "no CEO"), ("more than one CEO", "more than one CEO"),
          ("no Data Protection", "no DPO"), ("no Head of Governance", "no governance lead"),
          ("used by", "id used twice"))
# The CSV checks speak of columns; here they are about people.
_WORDS = (("line_manager_email: ", "manager: "), ("roles: ", ""),
          (" (not in this file or the directory)", " (not among the synced staff)"),
          ("teams_aad_object_id: ", "Entra object id "), ("slack_user_id: ", "Slack id "))


def _directory_problems(people: list[Person]) -> list[Problem]:
    """The CSV import's checks; each error traced back to the people it is about."""
    ordered = sorted(people, key=lambda p: p.email)
    line_of = {p.email: n for n, p in enumerate(ordered, start=1)}
    grouped: dict[str, list[Person]] = defaultdict(list)
    for error in check_directory(ordered, line_of):
        text = error.message
        for old, new in _WORDS:
            text = text.replace(old, new)
        who = grouped[text]
        if error.line:
            who.append(ordered[error.line - 1])
    problems = []
    for text, who in grouped.items():
        kind = next((k for marker, k in _KINDS if marker in text), "directory check")
        names = ", ".join(f"{p.name} <{p.email}>" for p in who)
        problems.append(Problem(kind, f"{names}: {text}" if names else text))
    return problems
