"""One place per side effect of a change to a request: the repository keeps every index from
the records before and after (``request_store.commit``), one pure function says what the
change owes people (``conversations.notices``), and one rule picks who a step passes to
(``conversations.routing.next_up``)."""

from __future__ import annotations

from bot import keys, request_store
from bot.tx import Tx
from conversations.messages import Card, Text
from conversations.notices import Occasion, card_key, notices
from conversations.people import PeopleIndex, Person
from conversations.requests import RequestRecord, decide, expire, new_request, reassign
from conversations.routing import RouteStep, escalation_target, leaver_successor
from storage.memory import MemoryStorage

T, D, H, C = ("t@x.example", "d@x.example", "h@x.example", "c@x.example")
NOW = "2026-11-24T10:00:00.000000Z"


def two_steps() -> RequestRecord:
    return new_request(
        request_id="SM-0001", kind="post", requester=T, requester_name="Tess", school="Oak",
        now=NOW, steps=[RouteStep(D, "line_manager", ("4.1",)), RouteStep(H, "headteacher",
                                                                          ("5.2",))],
        names={D: "Dan", H: "Hana"}, draft="Sports day", answers=[], answer_values={},
        clauses=["4.1", "5.2"], rules=["r1"], sequential=True)


async def index_keys(storage: MemoryStorage) -> set[str]:
    return {k for k, _ in await storage.scan("") if not k.startswith(keys.REQUEST)}


async def test_the_repository_keeps_every_index_from_before_and_after() -> None:
    storage = MemoryStorage()
    record = two_steps()
    tx = Tx(storage)
    await request_store.commit(tx, None, record)
    await tx.commit()
    assert await index_keys(storage) == {keys.mine(T), keys.open_marker("SM-0001"),
                                         keys.waiting(D, "SM-0001")}
    approved = decide(record, D, "approve", "", NOW, "Dan").record
    tx = Tx(storage)
    await request_store.commit(tx, record, approved)
    await tx.commit()
    assert await index_keys(storage) == {keys.mine(T), keys.open_marker("SM-0001"),
                                         keys.waiting(H, "SM-0001")}
    moved = reassign(approved, 1, C, "Cara", NOW, reason="escalated").record
    tx = Tx(storage)
    await request_store.commit(tx, approved, moved)
    await tx.commit()
    assert keys.waiting(C, "SM-0001") in await index_keys(storage)
    assert keys.waiting(H, "SM-0001") not in await index_keys(storage)
    tx = Tx(storage)
    await request_store.commit(tx, moved, expire(moved, NOW).record)
    await tx.commit()
    assert await index_keys(storage) == {keys.mine(T)}


def test_a_change_owes_its_notices() -> None:
    record = two_steps()
    assert [(o.to, o.key) for o in notices(None, record, Occasion("created"))] == [
        (D, card_key("SM-0001", 0))]
    approved = decide(record, D, "approve", "", NOW, "Dan").record
    owed = notices(record, approved, Occasion("decided", actor=D, actor_name="Dan"))
    assert [(o.to, o.key) for o in owed] == [(D, card_key("SM-0001", 0)),
                                             (H, card_key("SM-0001", 1)), (T, "")]
    moved = reassign(approved, 1, C, "Cara", NOW, reason="approver_left").record
    owed = notices(approved, moved, Occasion("reassigned", why={1: "Hana has left."},
                                             tell_previous=False, tell_requester=True))
    assert [(o.to, type(o.message)) for o in owed] == [(C, Text), (C, Card), (T, Text)]
    assert owed[2].message == Text("SM-0001: Hana has left.")


def test_one_rule_says_who_a_step_passes_to() -> None:
    tess = Person(T, "Tess", "Oak", line_manager=D)
    dan = Person(D, "Dan", "Oak", line_manager=H)
    hana = Person(H, "Hana", "Oak", line_manager=C)
    cara = Person(C, "Cara", "Central")
    chair = Person("f@x.example", "Fay", "Central", roles=frozenset({"fallback_approver"}))
    everyone = PeopleIndex([tess, dan, hana, cara, chair])
    assert escalation_target(dan, tess, everyone) == hana
    assert escalation_target(dan, tess, everyone, avoid=frozenset({H})) == cara
    present = PeopleIndex([tess, dan, cara, chair])  # Hana has left
    assert leaver_successor(H, T, frozenset(), everyone, present) == cara
    assert leaver_successor(H, T, frozenset({C}), everyone, present) == chair
