"""From Entra users to the directory's people: schools, roles and every problem found.

The school comes from one attribute of each user (``companyName`` by default), mapped to the
Trust's school names and ``Central`` by a small CSV file (``value,school``). Roles come from
Entra groups named in settings and/or a CSV file (``email,roles``). Then the directory the
sync would produce goes through the same checks as a CSV import (``check_directory``), and
each problem names the people involved: the output goes to the admin's terminal only.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.directory_csv import check_directory, normalise_email, valid_email
from bot.directory_sync.source import EntraStaff, EntraUser
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
    problems: list[Problem] = field(default_factory=list)


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
            out.people.append(person)
    problems.extend(_directory_problems(out.people))
    return out


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
    if manager is not None and not manager.eligible:
        problems.append(Problem("unknown manager", (
            f"{label}: their manager {_label(manager)} is {manager.why_not}, so they cannot "
            "approve anything")))
        ok = False
    elif manager is not None:
        manager_email = manager.email
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
