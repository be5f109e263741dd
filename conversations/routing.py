"""Who approves (or receives) a request, in what order.

The rulings (docs/policy-rulings.md): the request goes to the fewest people whose approval
covers every clause involved, nearest in line management first; nobody approves their own
request (the next person up the chain stands in, else the fallback approver); with several
steps the next approver is asked only after the previous one approved.

Every choice of an approver is made here: the first route of a request, a report's
recipients, and who a step passes to later (:func:`next_up`: escalation, or an approver
who has left).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from conversations.people import CENTRAL, PeopleIndex, Person
from conversations.policy import Rule


@dataclass(frozen=True)
class RouteStep:
    approver: str  # email
    role: str  # the role it was reached through, for the record
    clauses: tuple[str, ...]


class Unroutable(Exception):
    """No one in the directory can take this request; the message says whom to ask."""


@dataclass(frozen=True)
class _Candidate:
    person: Person
    role: str


def resolve_role(
    role: str, requester: Person, index: PeopleIndex, account_school: str = ""
) -> Person | None:
    """The person who holds ``role`` for ``requester``, before the self-approval rule."""
    school = requester.school

    def first(r: str, in_school: str | None = None) -> Person | None:
        found = index.with_role(r, in_school)
        return found[0] if found else None

    if role == "line_manager":
        return index.manager_of(requester)
    if role == "headteacher":
        return None if requester.is_central else first("headteacher", school)
    if role == "headteacher_or_ceo":
        return first("ceo") if requester.is_central else first("headteacher", school)
    if role == "account_headteacher":
        target = account_school or school
        return first("ceo") if target == CENTRAL else first("headteacher", target)
    if role == "ceo":
        return first("ceo")
    if role == "concern_lead":
        return first("governance_lead") if requester.is_central else first("headteacher", school)
    if role == "dpo":
        return first("dpo")
    raise ValueError(f"unknown approver role {role!r}")


def next_up(start: Person, line: PeopleIndex, present: PeopleIndex | None = None,
            skip: frozenset[str] | set[str] = frozenset()) -> Person | None:
    """The first person up ``start``'s line (as ``line`` knows it) who is still here
    (in ``present``; by default the same directory) and not in ``skip``; else a fallback
    approver. The one rule for a step nobody nearer can take: a requester's own step, an
    escalation, the step of someone who has left."""
    here = present if present is not None else line
    for above in line.chain(start):
        found = here.get(above.email)
        if found is not None and found.email not in skip:
            return found
    return next((p for p in here.with_role("fallback_approver") if p.email not in skip), None)


def escalation_target(approver: Person, requester: Person, index: PeopleIndex,
                      avoid: frozenset[str] = frozenset()) -> Person | None:
    """Who a step goes to after waiting too long: the next person up ``approver``'s line,
    never the requester (nor anyone in ``avoid``: the person a report is about); else a
    fallback approver."""
    return next_up(approver, index, skip={requester.email, approver.email, *avoid})


def leaver_successor(leaver: str, requester: str, avoid: frozenset[str],
                     everyone: PeopleIndex, present: PeopleIndex) -> Person | None:
    """Who takes the step of someone who has left: up their line as it was (their manager
    may have left too) to the first person still here, never the requester nor anyone in
    ``avoid``; else a fallback approver."""
    start = everyone.get(leaver)
    skip = {leaver, requester, *avoid}
    if start is None:
        return next((p for p in present.with_role("fallback_approver")
                     if p.email not in skip), None)
    return next_up(start, everyone, present, skip)


def _stand_in(requester: Person, index: PeopleIndex) -> _Candidate | None:
    """Who takes a step that would otherwise fall to the requester or to no one."""
    person = next_up(requester, index, skip={requester.email})
    if person is None:
        return None
    above = {p.email for p in index.chain(requester)}
    return _Candidate(person, "next_in_line" if person.email in above else "fallback_approver")


def _candidates(
    rule: Rule, requester: Person, index: PeopleIndex, account_school: str
) -> list[_Candidate]:
    found: list[_Candidate] = []
    for role in rule.approvers:
        person = resolve_role(role, requester, index, account_school)
        if person is not None and person.email == requester.email:
            continue
        if person is not None and all(c.person.email != person.email for c in found):
            found.append(_Candidate(person, role))
    if not found:
        stand_in = _stand_in(requester, index)
        if stand_in is not None:
            found.append(stand_in)
    return found


def _distance(person: Person, chain: Sequence[Person]) -> int:
    emails = [p.email for p in chain]
    return emails.index(person.email) if person.email in emails else len(emails) + 1


def route_approval(
    requirements: Sequence[Rule], requester: Person, index: PeopleIndex, account_school: str = ""
) -> list[RouteStep]:
    """Sequential approval steps covering every requirement with the fewest people."""
    options = [_candidates(r, requester, index, account_school) for r in requirements]
    for rule, cands in zip(requirements, options, strict=True):
        if not cands:
            raise Unroutable(f"no one in the directory can approve under {', '.join(rule.clauses)}")
    chain = index.chain(requester)
    people: dict[str, _Candidate] = {}
    for cands in options:
        for c in cands:
            people.setdefault(c.person.email, c)
    best: tuple[int, tuple[str, ...]] | None = None
    for size in range(1, len(people) + 1):
        for combo in combinations(sorted(people), size):
            if all(any(c.person.email in combo for c in cands) for cands in options):
                cost = sum(_distance(people[e].person, chain) for e in combo)
                if best is None or cost < best[0]:
                    best = (cost, combo)
        if best is not None:
            break
    assert best is not None
    ordered = sorted(best[1], key=lambda e: (_distance(people[e].person, chain), e))
    steps: list[RouteStep] = []
    covered: set[int] = set()
    for email in ordered:
        mine = [
            i for i, cands in enumerate(options)
            if i not in covered and any(c.person.email == email for c in cands)
        ]
        covered.update(mine)
        clauses = sorted({c for i in mine for c in requirements[i].clauses})
        role = next(c.role for i in mine for c in options[i] if c.person.email == email)
        steps.append(RouteStep(email, role, tuple(clauses)))
    return steps


def route_referral(
    requirements: Sequence[Rule], requester: Person, index: PeopleIndex,
    subject: Person | None = None, school: str = "",
) -> list[RouteStep]:
    """Everyone a report must reach (all at once): one recipient for each requirement.

    A report goes by where the person it is about works (``subject``; else the ``school``
    it concerns; else the reporter's), never to the person it is about nor back to the
    reporter: whoever that would be is replaced by the next one up (docs/policy-rulings.md,
    "Reporting a concern"). It is never passed to a delegate: the caller adds no delegation.
    """
    steps: list[RouteStep] = []
    where = subject.school if subject else (school or requester.school)
    avoid = {p.email.lower() for p in (subject, requester) if p is not None}
    for rule in requirements:
        picks = [_concern_recipient(role, where, index, avoid, subject)
                 for role in rule.approvers]
        pick = next((p for p in picks if p is not None), None)
        if pick is None:
            raise Unroutable(f"no one in the directory receives reports under {rule.clauses}")
        existing = next((s for s in steps if s.approver == pick.person.email), None)
        if existing is None:
            steps.append(RouteStep(pick.person.email, pick.role, rule.clauses))
        else:
            merged = tuple(sorted(set(existing.clauses) | set(rule.clauses)))
            steps[steps.index(existing)] = RouteStep(existing.approver, existing.role, merged)
    return steps


# Who a report goes to when the person it would go to is the one it is about (the rulings).
_STEP_UP = (("headteacher", "governance_lead"), ("dpo", "governance_lead"),
            ("governance_lead", "ceo"), ("ceo", "fallback_approver"))


def _concern_recipient(role: str, where: str, index: PeopleIndex, avoid: set[str],
                       subject: Person | None) -> _Candidate | None:
    def first(r: str, in_school: str | None = None) -> Person | None:
        found = index.with_role(r, in_school)
        return found[0] if found else None

    if role == "concern_lead":
        held, person = (("governance_lead", first("governance_lead")) if where == CENTRAL
                        else ("headteacher", first("headteacher", where)))
        # A leader's conduct goes above them, not to those they lead (docs/policy-rulings.md): a
        # headteacher's to the Head of Governance and People, theirs to the CEO, the CEO's
        # to the fallback approver.
        for leader, above in (("headteacher", "governance_lead"),
                              ("governance_lead", "ceo"), ("ceo", "fallback_approver")):
            if subject is not None and subject.has(leader):
                held, person = above, first(above)
    elif role == "dpo":
        held, person = "dpo", first("dpo")
    else:
        raise ValueError(f"reports are not routed to the role {role!r}")
    for _ in range(len(_STEP_UP) + 1):
        if person is not None and person.email.lower() not in avoid:
            return _Candidate(person, role if held in ("headteacher", "governance_lead", "dpo")
                              else f"{role}_stand_in")
        up = dict(_STEP_UP).get(held)
        if up is None:
            return None
        held, person = up, first(up)
    return None
