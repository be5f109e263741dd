"""Retention keeps the skeleton of old requests and removes the personal parts."""

from __future__ import annotations

from datetime import timedelta

from bot.app import Application
from bot.due_work import retention
from testing.chat import Chat
from testing.clock import Clock
from testing.staff import DEPUTY, TEACHER

NAMES_AMY = "Oakfield welcomes Amy Brown, our new headteacher, on Monday"
NEWER = "Oakfield's new library opens on Monday, come and see it!"


async def test_retention_keeps_the_skeleton(app: Application, clock: Clock) -> None:
    teacher = Chat(app, TEACHER)
    # School business (the line manager decides), with the words the bot quotes naming someone.
    await teacher.check_post(NAMES_AMY, channel="personal")
    old_id = teacher.card().request_id
    await Chat(app, DEPUTY).press("reject", old_id, comment="Mentions Amy Brown")
    clock.now += timedelta(days=400)
    await teacher.check_post(NEWER, channel="personal")
    new_id = teacher.card().request_id

    later = clock.now + timedelta(days=731 - 400)
    preview = await retention.plan(app.storage, later, 730)
    assert preview.requests == [old_id]
    assert preview.audit  # the rejection's comment
    before = (await app.storage.get(f"request/{old_id}")).value
    assert before["draft"] == NAMES_AMY  # a dry run changes nothing
    assert "Amy Brown" in before["findings"][0]  # what the bot noticed, quoted from the draft

    await retention.purge(app.storage, later, 730)
    after = (await app.storage.get(f"request/{old_id}")).value
    for gone in ("draft", "answers", "answer_values", "comment", "findings"):
        assert gone not in after
    assert after["steps"][0]["comment"] == ""
    kept = {k: after[k] for k in ("id", "kind", "requester", "status", "clauses", "created_at")}
    assert kept == {k: before[k] for k in kept}
    assert after["steps"][0]["decided_by"] == DEPUTY
    dump = str([r.value for _, r in await app.storage.scan("")])
    assert "Amy Brown" not in dump
    assert (await app.storage.get(f"request/{new_id}")).value["draft"] == NEWER
    again = await retention.plan(app.storage, later, 730)
    assert again.requests == [] and again.audit == []


async def test_an_open_report_does_not_hold_back_the_purge(app: Application,
                                                           clock: Clock) -> None:
    teacher = Chat(app, TEACHER)
    await teacher.report("breach", "Something about Amy Brown", "no", school="Oakfield Primary")
    open_report = teacher.card().request_id
    await teacher.check_post(NAMES_AMY, channel="personal")
    decided = teacher.card().request_id
    await Chat(app, DEPUTY).press("approve", decided)
    later = clock.now + timedelta(days=731)
    first = await retention.purge(app.storage, later, 730)
    assert first.requests == [decided]
    assert (await app.storage.get(f"request/{open_report}")).value["draft"]
    await Chat(app, "joanne.clarke@northbrook.example").press("acknowledge", open_report)
    second = await retention.plan(app.storage, later + timedelta(days=1), 730)
    assert second.requests == [open_report]


async def test_a_disputed_check_leaves_nothing_personal_behind(app: Application,
                                                               clock: Clock) -> None:
    """The words the bot quoted, the reason for a dispute and the last check kept in the
    conversation go too, not only the draft."""
    teacher = Chat(app, TEACHER)
    await teacher.check_post("Her mum is useless at Monopoly, Amy Brown wins every time",
                             channel="personal")
    dispute = [a for a in teacher.card().actions if a.name == "dispute"]
    assert len(dispute) == 1
    await teacher.press("dispute", "", value=dispute[0].value,
                        comment="Amy Brown is my niece: it's a family joke")
    await teacher.answer_asked(channel="personal")  # the check goes on where it stopped
    record = (await app.storage.get(f"request/{teacher.card().request_id}")).value
    assert record["dispute"] == "Amy Brown is my niece: it's a family joke"
    assert [s["approver"] for s in record["steps"]] == [DEPUTY]
    await Chat(app, DEPUTY).press("approve", record["id"])
    conversation = (await app.storage.get(f"conversation/{TEACHER}")).value
    assert conversation["flow"] is None and "Amy Brown" in str(conversation["last_check"])

    later = clock.now + timedelta(days=731)
    done = await retention.purge(app.storage, later, 730)
    assert done.requests == [record["id"]]
    assert f"conversation/{TEACHER}" in done.other
    after = (await app.storage.get(f"request/{record['id']}")).value
    assert "dispute" not in after and "findings" not in after
    assert after["status"] == "approved"
    dump = str([r.value for _, r in await app.storage.scan("")])
    assert "Amy Brown" not in dump and "niece" not in dump and "Monopoly" not in dump
