"""What a sync would change: who is added, changed (and whose manager), and who has left.

Pure: compares the directory now with the one the source describes. The safety stop lives
here too: a sync that would mark more than a set share of the directory as left is far more
likely a wrong group or a broken attribute than a wave of leavers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from conversations.people import Person


@dataclass(frozen=True)
class Changed:
    before: Person
    after: Person

    @property
    def manager_changed(self) -> bool:
        return self.before.line_manager != self.after.line_manager

    def differences(self) -> list[str]:
        b, a = self.before, self.after
        out = []
        if b.name != a.name:
            out.append(f"name {b.name} -> {a.name}")
        if b.school != a.school:
            out.append(f"school {b.school} -> {a.school}")
        if self.manager_changed:
            out.append(f"manager {b.line_manager or 'none'} -> {a.line_manager or 'none'}")
        if b.roles != a.roles:
            out.append(f"roles {_roles(b)} -> {_roles(a)}")
        if b.platform_ids != a.platform_ids:
            platforms = sorted({k for k, _ in b.platform_ids} | {k for k, _ in a.platform_ids})
            changed = [p for p in platforms if b.platform_id(p) != a.platform_id(p)]
            out.append(f"{' and '.join(changed)} id")
        return out


@dataclass(frozen=True)
class SyncPlan:
    added: tuple[Person, ...]
    changed: tuple[Changed, ...]
    left: tuple[Person, ...]
    unchanged: int
    current_count: int
    # The directory now is the bundled sample (a fresh install): replacing it is no loss.
    replaces_sample: bool = False

    @property
    def manager_changes(self) -> int:
        return sum(1 for c in self.changed if c.manager_changed)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.left)

    def removal_percent(self) -> float:
        return 100.0 * len(self.left) / self.current_count if self.current_count else 0.0

    def exceeds(self, max_percent: int) -> bool:
        return not self.replaces_sample and self.removal_percent() > max_percent

    def summary(self) -> str:
        return (f"{len(self.added)} to add, {len(self.changed)} to change "
                f"({self.manager_changes} manager change(s)), {len(self.left)} to mark as "
                f"left, {self.unchanged} unchanged")

    def lines(self, passed_to: Mapping[str, Sequence[str]] | None = None) -> list[str]:
        """The difference, one person a line: for the admin's terminal only. ``passed_to``:
        for a leaver, where each of their pending steps goes ("SM-0042 to Joanne Clarke")."""
        out = [f"  + add     {_detail(p)}" for p in self.added]
        out += [f"  ~ change  {_label(c.after)}: {'; '.join(c.differences())}"
                for c in self.changed]
        for p in self.left:
            steps = (passed_to or {}).get(p.email, ())
            moved = f"; pending: {', '.join(steps)}" if steps else ""
            out.append(f"  - left    {_label(p)} ({p.school}{moved})")
        return out


def plan_sync(current: Iterable[Person], wanted: Iterable[Person], *,
              replaces_sample: bool = False) -> SyncPlan:
    now = {p.email: p for p in current}
    new = {p.email: p for p in wanted}
    added = tuple(new[e] for e in sorted(new) if e not in now)
    changed = tuple(Changed(now[e], new[e]) for e in sorted(new) if e in now and now[e] != new[e])
    left = tuple(now[e] for e in sorted(now) if e not in new)
    unchanged = len(new) - len(added) - len(changed)
    return SyncPlan(added, changed, left, unchanged, len(now), replaces_sample)


def _roles(p: Person) -> str:
    return ", ".join(sorted(p.roles)) or "none"


def _label(p: Person) -> str:
    return f"{p.name} <{p.email}>"


def _detail(p: Person) -> str:
    roles = f"; {_roles(p)}" if p.roles else ""
    return f"{_label(p)} ({p.school}; manager {p.line_manager or 'none'}{roles})"
