"""People as the engine sees them, and the directory it asks about them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

CENTRAL = "Central"

KNOWN_ROLES = frozenset(
    {"headteacher", "ceo", "dpo", "governance_lead", "fallback_approver", "admin"}
)


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    school: str
    line_manager: str = ""
    roles: frozenset[str] = field(default_factory=frozenset)
    # The person's id on each chat platform the directory knows ({"slack": "U123"}); the
    # engine never reads it, adapters look people up by it.
    platform_ids: tuple[tuple[str, str], ...] = ()

    @property
    def is_central(self) -> bool:
        return self.school == CENTRAL

    def has(self, role: str) -> bool:
        return role in self.roles

    def platform_id(self, platform: str) -> str:
        return dict(self.platform_ids).get(platform, "")

    def to_json(self) -> dict[str, object]:
        return {
            "email": self.email,
            "name": self.name,
            "school": self.school,
            "line_manager": self.line_manager,
            "roles": sorted(self.roles),
            "platform_ids": dict(self.platform_ids),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Person:
        roles = data.get("roles") or []
        assert isinstance(roles, list)
        return cls(
            email=str(data["email"]),
            name=str(data["name"]),
            school=str(data["school"]),
            line_manager=str(data.get("line_manager") or ""),
            roles=frozenset(str(r) for r in roles),
            platform_ids=platform_ids(data.get("platform_ids")),
        )


def platform_ids(raw: object) -> tuple[tuple[str, str], ...]:
    """Normalised, hashable platform ids from a mapping; empty ids dropped."""
    if not isinstance(raw, Mapping):
        return ()
    return tuple(sorted((str(k), str(v)) for k, v in raw.items() if v))


class PeopleIndex:
    """A directory snapshot built from a list of people, with the lookups routing needs."""

    def __init__(self, people: Iterable[Person]) -> None:
        self._by_email = {p.email.lower(): p for p in people}

    def get(self, email: str) -> Person | None:
        return self._by_email.get(email.lower())

    def people(self) -> Iterable[Person]:
        return self._by_email.values()

    def with_role(self, role: str, school: str | None = None) -> list[Person]:
        found = [p for p in self._by_email.values() if role in p.roles]
        if school is not None:
            found = [p for p in found if p.school == school]
        return sorted(found, key=lambda p: p.email)

    def by_platform_id(self, platform: str, ident: str) -> Person | None:
        if not ident:
            return None
        return next(
            (p for p in self._by_email.values() if p.platform_id(platform) == ident), None
        )

    def manager_of(self, person: Person) -> Person | None:
        return self.get(person.line_manager) if person.line_manager else None

    def chain(self, person: Person) -> list[Person]:
        """The line-management chain above ``person``, nearest first (cycle-safe)."""
        out: list[Person] = []
        seen = {person.email.lower()}
        current = self.manager_of(person)
        while current is not None and current.email.lower() not in seen:
            out.append(current)
            seen.add(current.email.lower())
            current = self.manager_of(current)
        return out
