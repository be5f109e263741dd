"""Parsing and validating the staff directory CSV.

Pure functions: no storage, no I/O. The storage-backed import lives in ``bot.directory``.

The file's rows are validated *together with* the directory they will be merged into
(existing people upserted by the file's rows), because most rules are about the whole
directory: a manager may already be on file, a cycle may run through someone not in this
file, the trust must still have exactly one CEO afterwards.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from conversations.people import CENTRAL, KNOWN_ROLES, Person, platform_ids

REQUIRED_COLUMNS = ("email", "name", "school", "line_manager_email", "roles")
OPTIONAL_COLUMNS = ("slack_user_id", "teams_aad_object_id")
# The platform each optional column names an id on (the adapters' channel names).
PLATFORM_OF = {"slack_user_id": "slack", "teams_aad_object_id": "teams"}
# Line number of errors about the directory as a whole (no single row is to blame).
WHOLE_DIRECTORY = 0

# Deliberately loose (real addresses are varied) but strict enough to catch a name or a
# blank pasted into the email column. No '/' since the email becomes part of a storage key.
_EMAIL = re.compile(r"^[^@\s/,;<>\"]+@[^@\s/,;<>\".]+(\.[^@\s/,;<>\".]+)+$")


@dataclass(frozen=True)
class RowError:
    """One problem found in an import. ``line`` is 1-based (header = 1); 0 = whole directory."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


def _show(value: str, limit: int = 60) -> str:
    """Quote a cell for a message, cut short: messages must stay short and never echo a row."""
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


def normalise_email(value: str) -> str:
    return value.strip().lower()


def valid_email(value: str) -> bool:
    return bool(_EMAIL.match(value))


def _check_header(header: list[str], line: int) -> tuple[list[str], list[RowError]]:
    columns = [c.strip().lower() for c in header]
    errors: list[RowError] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        errors.append(RowError(line, f"header: missing column(s) {', '.join(missing)}"))
    allowed = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    unknown = [c or f"(unnamed column {i + 1})" for i, c in enumerate(columns) if c not in allowed]
    if unknown:
        errors.append(
            RowError(
                line,
                f"header: unknown column(s) {', '.join(unknown)} "
                f"(allowed: {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)})",
            )
        )
    dupes = sorted({c for c in columns if c and columns.count(c) > 1})
    if dupes:
        errors.append(RowError(line, f"header: duplicate column(s) {', '.join(dupes)}"))
    return columns, errors


def _parse_row(values: dict[str, str], line: int) -> tuple[Person | None, list[RowError]]:
    """One data row -> a Person (None when it has no usable email) and the row's problems."""
    errors: list[RowError] = []
    email = normalise_email(values["email"])
    name = values["name"].strip()
    school = values["school"].strip()
    manager = normalise_email(values["line_manager_email"])
    if not email:
        errors.append(RowError(line, "email: missing"))
    elif not _EMAIL.match(email):
        errors.append(RowError(line, f"email: {_show(email)} is not a valid email address"))
    if not name:
        errors.append(RowError(line, "name: missing"))
    if not school:
        errors.append(RowError(line, "school: missing"))
    elif school.casefold() == CENTRAL.casefold():
        school = CENTRAL  # spreadsheets get typed by hand: "central" means the central team
    if manager and not _EMAIL.match(manager):
        errors.append(
            RowError(line, f"line_manager_email: {_show(manager)} is not a valid email address")
        )
    roles: set[str] = set()
    allowed = ", ".join(sorted(KNOWN_ROLES))
    for raw in values["roles"].split(";"):
        role = raw.strip().lower()
        if not role:
            continue
        if role in KNOWN_ROLES:
            roles.add(role)
        else:
            errors.append(
                RowError(
                    line,
                    f"roles: unknown role {_show(role)} (allowed: {allowed})",
                )
            )
    if not email or not _EMAIL.match(email):
        return None, errors
    person = Person(
        email=email,
        name=name,
        school=school,
        line_manager=manager,
        roles=frozenset(roles),
        platform_ids=platform_ids({PLATFORM_OF[c]: values.get(c, "").strip()
                                   for c in OPTIONAL_COLUMNS}),
    )
    return person, errors


def parse_directory_csv(
    text: str, existing: Iterable[Person] = ()
) -> tuple[list[Person], list[RowError]]:
    """Parse a directory CSV and validate the directory it would produce.

    Returns the people on the file's rows (file order, first occurrence of each email) and
    every problem found, row errors by line then whole-directory errors. The people are only
    fit to store when the error list is empty.
    """
    # Excel's "CSV UTF-8" starts with a BOM; csv handles CRLF itself when newline="".
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    errors: list[RowError] = []
    people: list[Person] = []
    line_of: dict[str, int] = {}  # email -> line of its (first) row in this file
    # Emails of rows rejected as a whole (wrong field count): rows naming them as manager
    # are not also reported as having an unknown manager, which would only be noise.
    unparsed: set[str] = set()
    columns: list[str] | None = None
    next_line = 1
    try:
        for record in reader:
            line, next_line = next_line, reader.line_num + 1
            # Spreadsheets export trailing empty rows as ",,,,": treat them as blank lines.
            if not any(field.strip() for field in record):
                continue
            if columns is None:
                columns, header_errors = _check_header(record, line)
                errors.extend(header_errors)
                if any(c not in columns for c in REQUIRED_COLUMNS):
                    return [], errors  # rows cannot be read without the required columns
                continue
            if len(record) != len(columns):
                errors.append(
                    RowError(line, f"expected {len(columns)} fields, found {len(record)}")
                )
                if len(record) > columns.index("email"):
                    unparsed.add(normalise_email(record[columns.index("email")]))
                continue
            person, row_errors = _parse_row(dict(zip(columns, record, strict=True)), line)
            errors.extend(row_errors)
            if person is None:
                continue
            if person.email in line_of:
                errors.append(
                    RowError(
                        line,
                        f"email: duplicate {_show(person.email)}, also on line "
                        f"{line_of[person.email]}",
                    )
                )
                continue
            line_of[person.email] = line
            people.append(person)
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, f"unreadable CSV: {exc}"))
        return people, errors
    if columns is None:
        errors.append(RowError(1, f"header: missing (expected {','.join(REQUIRED_COLUMNS)})"))
        return [], errors

    merged = {normalise_email(p.email): p for p in existing}
    merged.update((p.email, p) for p in people)
    errors.extend(_check_managers(people, merged, line_of, unparsed))
    errors.extend(_check_directory(merged, line_of))
    errors.sort(key=lambda e: (e.line == WHOLE_DIRECTORY, e.line))
    return people, errors


def check_directory(people: Iterable[Person], line_of: dict[str, int]) -> list[RowError]:
    """The import's checks on a whole directory built elsewhere (the Entra sync): unknown
    managers, line-management cycles, a school with no headteacher, no CEO, DPO or Head of
    Governance and People, ids used twice. ``line_of`` numbers each person so that an
    error can be traced back to them; it must cover everyone in ``people``."""
    merged = {p.email: p for p in people}
    return (_check_managers(list(merged.values()), merged, line_of, set())
            + _check_directory(merged, line_of))


def _check_managers(
    people: list[Person], merged: dict[str, Person], line_of: dict[str, int], unparsed: set[str]
) -> list[RowError]:
    errors: list[RowError] = []
    for p in people:
        line = line_of[p.email]
        if not p.line_manager or not _EMAIL.match(p.line_manager):
            continue
        if p.line_manager == p.email:
            errors.append(
                RowError(line, "line_manager_email: a person cannot be their own manager")
            )
        elif p.line_manager not in merged and p.line_manager not in unparsed:
            errors.append(
                RowError(
                    line,
                    f"line_manager_email: unknown manager {_show(p.line_manager)} "
                    "(not in this file or the directory)",
                )
            )
    # Line management is a forest: each person has at most one manager, so any cycle is
    # found by walking up from everyone. Self-management is reported above, not here.
    reported: set[str] = set()
    for start in merged:
        path: list[str] = []
        on_path: set[str] = set()
        current: str | None = start
        while current is not None and current in merged and current not in on_path:
            if current in reported:
                break
            path.append(current)
            on_path.add(current)
            nxt = merged[current].line_manager
            current = nxt if nxt and nxt != current else None
        if current is None or current not in on_path:
            reported.update(path)
            continue
        cycle = path[path.index(current) :]
        reported.update(path)
        text = " -> ".join([*cycle, cycle[0]])
        lines = sorted(line_of[e] for e in cycle if e in line_of) or [WHOLE_DIRECTORY]
        errors.extend(
            RowError(n, f"line_manager_email: line-management cycle {text}") for n in lines
        )
    return errors


def _check_directory(merged: dict[str, Person], line_of: dict[str, int]) -> list[RowError]:
    errors: list[RowError] = []
    schools = sorted({p.school for p in merged.values() if p.school and p.school != CENTRAL})
    for school in schools:
        if not any(p.has("headteacher") and p.school == school for p in merged.values()):
            errors.append(RowError(WHOLE_DIRECTORY, f"school {_show(school)} has no headteacher"))
    for role, label in (
        ("ceo", "no CEO (role ceo)"),
        ("dpo", "no Data Protection Officer (role dpo)"),
        ("governance_lead", "no Head of Governance and People (role governance_lead)"),
    ):
        if not any(p.has(role) for p in merged.values()):
            errors.append(RowError(WHOLE_DIRECTORY, f"{label} in the directory"))
    ceos = sorted(e for e, p in merged.items() if p.has("ceo"))
    if len(ceos) > 1:
        errors.extend(_shared(ceos, line_of, f"roles: more than one CEO ({', '.join(ceos)})"))
    for column in OPTIONAL_COLUMNS:
        holders: dict[str, list[str]] = defaultdict(list)
        for email, p in merged.items():
            value = p.platform_id(PLATFORM_OF[column])
            if value:
                holders[value].append(email)
        for value, emails in sorted(holders.items()):
            if len(emails) > 1:
                emails.sort()
                message = f"{column}: {_show(value)} used by {', '.join(emails)}"
                errors.extend(_shared(emails, line_of, message))
    return errors


def _shared(emails: list[str], line_of: dict[str, int], message: str) -> list[RowError]:
    """One error per row of this file involved; a whole-directory error if none is."""
    lines = sorted(line_of[e] for e in emails if e in line_of) or [WHOLE_DIRECTORY]
    return [RowError(n, message) for n in lines]
