"""Retention keeps the skeleton of old requests and removes the personal parts."""

from __future__ import annotations

from datetime import timedelta

from bot import retention
from bot.app import Application
from tests.core.harness import DEPUTY, TEACHER, Chat, Clock


async def test_retention_keeps_the_skeleton(app: Application, clock: Clock) -> None:
    teacher = Chat(app, TEACHER)
    await teacher.check_post("Names Amy Brown", [("personal",), ("none",), ("none",), ("no",),
                                                 ("business",)])
    old_id = teacher.card().request_id
    await Chat(app, DEPUTY).press("reject", old_id, comment="Mentions Amy Brown")
    clock.now += timedelta(days=400)
    await teacher.check_post("Newer draft", [("personal",), ("none",), ("none",), ("no",),
                                             ("business",)])
    new_id = teacher.card().request_id

    later = clock.now + timedelta(days=731 - 400)
    preview = await retention.plan(app.storage, later, 730)
    assert preview.requests == [old_id]
    assert preview.audit  # the rejection's comment
    before = (await app.storage.get(f"request/{old_id}")).value
    assert before["draft"] == "Names Amy Brown"  # a dry run changes nothing

    await retention.purge(app.storage, later, 730)
    after = (await app.storage.get(f"request/{old_id}")).value
    for gone in ("draft", "answers", "answer_values", "comment"):
        assert gone not in after
    assert after["steps"][0]["comment"] == ""
    kept = {k: after[k] for k in ("id", "kind", "requester", "status", "clauses", "created_at")}
    assert kept == {k: before[k] for k in kept}
    assert after["steps"][0]["decided_by"] == DEPUTY
    dump = str([r.value for _, r in await app.storage.scan("")])
    assert "Amy Brown" not in dump
    assert (await app.storage.get(f"request/{new_id}")).value["draft"] == "Newer draft"
    again = await retention.plan(app.storage, later, 730)
    assert again.requests == [] and again.audit == []


async def test_an_open_report_does_not_hold_back_the_purge(app: Application,
                                                           clock: Clock) -> None:
    teacher = Chat(app, TEACHER)
    await teacher.send("report a concern")
    await teacher.choose("breach")
    await teacher.send("Something about Amy Brown")
    await teacher.choose("no")
    open_report = teacher.card().request_id
    await teacher.check_post("Names Amy Brown", [("personal",), ("none",), ("none",), ("no",),
                                                 ("business",)])
    decided = teacher.card().request_id
    await Chat(app, DEPUTY).press("approve", decided)
    later = clock.now + timedelta(days=731)
    first = await retention.purge(app.storage, later, 730)
    assert first.requests == [decided]
    assert (await app.storage.get(f"request/{open_report}")).value["draft"]
    await Chat(app, "joanne.clarke@northbrook.example").press("acknowledge", open_report)
    second = await retention.plan(app.storage, later + timedelta(days=1), 730)
    assert second.requests == [open_report]
