"""Due work with a controlled clock: reminders, escalation, expiry, delegation, digests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import Application
from conversations.messages import Card, Text
from testing.chat import Chat, make_app
from testing.clock import Clock
from testing.due_work import asked_at, run_due_work
from testing.staff import CEO, DEPUTY, HEAD, OTHER_TEACHER, RIVERSIDE_HEAD, TEACHER

SECOND = timedelta(seconds=1)


def at(clock: Clock, moment: datetime) -> datetime:
    clock.now = moment - SECOND  # the clock ticks once before it is read
    return moment


async def post_for_deputy(app: Application, email: str = TEACHER) -> dict:
    chat = Chat(app, email)
    await chat.check_post("Oakfield's new library opens on Monday, come and see it!",
                          channel="personal")
    record = await app.storage.get(f"request/{chat.card().request_id}")
    assert record is not None
    return record.value


async def texts(app: Application, email: str) -> list[str]:
    return [m.text if isinstance(m, Text) else m.title for m in await Chat(app, email).inbox()]


async def test_reminder_exactly_at_24_working_hours(app: Application, clock: Clock) -> None:
    record = await post_for_deputy(app)  # Monday morning
    due = asked_at(record) + timedelta(hours=24)
    assert "reminded" not in await run_due_work(app, clock, due - SECOND)
    assert (await run_due_work(app, clock, due)) == {"reminded": 1}
    assert any(t.startswith("Reminder: Sophie Bennett's request") for t in await texts(app, DEPUTY))
    assert (await run_due_work(app, clock, due + timedelta(hours=1))) == {}


async def test_weekends_do_not_count(tmp_path: Path) -> None:
    clock = Clock()
    at(clock, datetime(2026, 3, 6, 15, 0, tzinfo=UTC))  # a Friday afternoon
    app = await make_app(tmp_path, clock)
    record = await post_for_deputy(app)
    start = asked_at(record)
    # Monday 14:59
    assert (await run_due_work(app, clock, start + timedelta(days=2, hours=23))) == {}
    due = start + timedelta(days=3)  # Monday, same time: 24 working hours later
    assert (await run_due_work(app, clock, due - SECOND)) == {}
    assert (await run_due_work(app, clock, due)) == {"reminded": 1}
    await app.close()


async def test_holidays_do_not_count(tmp_path: Path) -> None:
    from bot.app import build_application
    from bot.config import Config
    from storage.tinydb_store import TinyDBStorage

    clock = Clock()
    app = await build_application(Config({"POLICYBOT_HOLIDAYS": "2026-03-03"}),
                                  storage=TinyDBStorage(str(tmp_path / "db.json")), clock=clock)
    record = await post_for_deputy(app)  # Monday; Tuesday is a holiday
    start = asked_at(record)
    assert (await run_due_work(app, clock, start + timedelta(days=2) - SECOND)) == {}
    assert (await run_due_work(app, clock, start + timedelta(days=2))) == {"reminded": 1}
    await app.close()


async def test_a_restart_between_ticks_neither_loses_nor_repeats(tmp_path: Path) -> None:
    clock = Clock()
    first = await make_app(tmp_path, clock)
    record = await post_for_deputy(first)
    due = asked_at(record) + timedelta(hours=24)
    assert (await run_due_work(first, clock, due)) == {"reminded": 1}
    await first.close()
    second = await make_app(tmp_path, clock)
    assert (await run_due_work(second, clock, due + timedelta(minutes=5))) == {}
    reminders = [t for t in await texts(second, DEPUTY) if t.startswith("Reminder")]
    assert len(reminders) == 1
    await second.close()


async def test_long_downtime_is_caught_up_once(app: Application, clock: Clock) -> None:
    record = await post_for_deputy(app)
    late = asked_at(record) + timedelta(days=6)  # past reminder and escalation, before expiry
    assert (await run_due_work(app, clock, late)) == {"escalated": 1}
    assert (await run_due_work(app, clock, late + timedelta(minutes=5))) == {}
    moved = (await app.storage.get(f"request/{record['id']}")).value
    assert moved["steps"][0]["approver"] == HEAD
    assert not [t for t in await texts(app, DEPUTY) if t.startswith("Reminder")]


async def test_escalation_after_72_working_hours(app: Application, clock: Clock) -> None:
    record = await post_for_deputy(app)
    due = asked_at(record) + timedelta(hours=72)
    await run_due_work(app, clock, asked_at(record) + timedelta(hours=24))
    assert (await run_due_work(app, clock, due - SECOND)) == {}
    assert (await run_due_work(app, clock, due)) == {"escalated": 1}
    moved = (await app.storage.get(f"request/{record['id']}")).value
    step = moved["steps"][0]
    assert step["approver"] == HEAD and step["history"][0]["from"] == DEPUTY
    assert any("Escalated to Joanne Clarke" in t for t in await texts(app, TEACHER))
    deputy_cards = [m for m in await Chat(app, DEPUTY).inbox() if isinstance(m, Card)]
    assert deputy_cards[-1].title.endswith("passed to Joanne Clarke")
    assert not deputy_cards[-1].actions
    await Chat(app, DEPUTY).press("approve", record["id"])  # no longer theirs
    head = Chat(app, HEAD)
    await head.press("approve", record["id"])
    assert (await app.storage.get(f"request/{record['id']}")).value["status"] == "approved"


async def test_expiry_after_14_days(app: Application, clock: Clock) -> None:
    record = await post_for_deputy(app)
    created = datetime.strptime(record["created_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=UTC)
    await run_due_work(app, clock, created + timedelta(days=13))
    before = await run_due_work(app, clock, created + timedelta(days=14) - SECOND)
    assert "expired" not in before
    assert (await run_due_work(app, clock, created + timedelta(days=14))) == {"expired": 1}
    assert (await app.storage.get(f"request/{record['id']}")).value["status"] == "expired"
    assert any("You may ask again" in t for t in await texts(app, TEACHER))
    open_ids = await app.storage.get("index/open")
    assert open_ids is None or record["id"] not in open_ids.value["ids"]


async def test_delegation_start_and_end(app: Application, clock: Clock) -> None:
    record = await post_for_deputy(app)  # Monday 2 March
    deputy = Chat(app, DEPUTY)
    await deputy.send("I'm away from 2026-03-04 until 2026-03-06, delegate to Imran Hussain")
    deputy.assert_reply("go to Imran Hussain")
    before_the_range = datetime(2026, 3, 3, 23, 59, tzinfo=UTC)
    assert (await run_due_work(app, clock, before_the_range)) != {"delegated": 1}
    in_the_range = datetime(2026, 3, 4, 0, 1, tzinfo=UTC)
    assert (await run_due_work(app, clock, in_the_range)) == {"delegated": 1}
    step = (await app.storage.get(f"request/{record['id']}")).value["steps"][0]
    assert (step["approver"], step["on_behalf_of"]) == (OTHER_TEACHER, DEPUTY)

    fresh = await post_for_deputy(app)  # a new step during the range goes straight across
    assert fresh["steps"][0]["approver"] == OTHER_TEACHER
    # The delegate's own request stays with the deputy.
    own = await post_for_deputy(app, OTHER_TEACHER)
    assert own["steps"][0]["approver"] == DEPUTY

    await Chat(app, OTHER_TEACHER).press("approve", fresh["id"])
    decided = (await app.storage.get(f"request/{fresh['id']}")).value
    assert decided["status"] == "approved"
    assert decided["steps"][0]["on_behalf_of"] == DEPUTY
    after_the_range = datetime(2026, 3, 7, 0, 1, tzinfo=UTC)
    assert (await run_due_work(app, clock, after_the_range)).get("delegated") == 1
    back = (await app.storage.get(f"request/{record['id']}")).value["steps"][0]
    assert back["approver"] == DEPUTY


async def test_an_approver_back_early_gets_their_steps_back(app: Application,
                                                            clock: Clock) -> None:
    deputy = Chat(app, DEPUTY)
    await deputy.send("away until 2026-03-20, delegate to imran.hussain@northbrook.example")
    record = await post_for_deputy(app)
    assert record["steps"][0]["approver"] == OTHER_TEACHER
    await deputy.send("I'm back")
    deputy.assert_reply("Welcome back")
    await run_due_work(app, clock, clock.now + timedelta(minutes=5))
    assert (await app.storage.get(f"request/{record['id']}")).value["steps"][0]["approver"] \
        == DEPUTY
    await deputy.send("I'm back")
    deputy.assert_reply("no delegation to end")


async def test_escalation_skips_the_requester(app: Application, clock: Clock) -> None:
    # The CEO is away and delegates to the deputy; the deputy's manager is the requester.
    await Chat(app, CEO).send("away until 2026-03-31, delegate to daniel.osei@northbrook.example")
    head = Chat(app, HEAD)
    await head.check_post("Oakfield's new library opens on Monday, come and see it!",
                          channel="personal")
    record = (await app.storage.get(f"request/{head.card().request_id}")).value
    assert record["steps"][0]["approver"] == DEPUTY
    await run_due_work(app, clock, asked_at(record) + timedelta(hours=72))
    step = (await app.storage.get(f"request/{record['id']}")).value["steps"][0]
    assert step["approver"] == CEO  # above the deputy: not the headteacher who asked


async def test_weekly_digest_and_policy_review(app: Application, clock: Clock) -> None:
    async def sent(moment: datetime, what: str) -> int | None:
        return (await run_due_work(app, clock, moment, everything=True)).get(what)

    await post_for_deputy(app)
    monday = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)
    assert await sent(monday - SECOND, "digests sent") == 3  # last week's, caught up once
    assert await sent(monday - timedelta(minutes=1), "digests sent") is None
    assert await sent(monday, "digests sent") == 3
    async def digest_for(email: str) -> Card:
        return [m for m in await Chat(app, email).inbox()
                if isinstance(m, Card) and m.title.startswith("Weekly digest")][-1]

    digest = await digest_for(HEAD)
    assert digest.title.endswith("Oakfield Primary") and "Oldest waiting" in digest.body
    quiet = await digest_for(RIVERSIDE_HEAD)
    # A week with nothing new says so, rather than "Requests this week 0".
    assert quiet.body == "No new requests in the past 7 days. No requests are waiting."
    assert quiet.fields == ()

    sixty = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # 60 days before 1 January 2027
    assert await sent(sixty - SECOND, "policy review notices") is None
    assert await sent(sixty, "policy review notices") == 1
    assert await sent(sixty + SECOND, "policy review notices") is None
    assert await sent(datetime(2027, 1, 1, 0, 0, tzinfo=UTC), "policy review notices") == 1
    notices = [m for m in await Chat(app, CEO).inbox()
               if isinstance(m, Card) and m.title == "Policy review"]
    assert len(notices) == 2 and "due for review today" in notices[-1].body


async def test_an_unacknowledged_report_is_reminded_then_escalated(
    app: Application, clock: Clock
) -> None:
    teacher = Chat(app, TEACHER)
    await teacher.report("misuse", "A colleague shared a pupil's photo", "no",
                         school="Oakfield Primary")
    record = (await app.storage.get(f"request/{teacher.card().request_id}")).value
    start = asked_at(record)
    assert (await run_due_work(app, clock, start + timedelta(hours=24))) == {"reminded": 1}
    assert (await run_due_work(app, clock, start + timedelta(hours=72))) == {"escalated": 1}
    moved = (await app.storage.get(f"request/{record['id']}")).value
    assert moved["status"] == "referred" and moved["steps"][0]["approver"] == CEO
    ceo_cards = [m for m in await Chat(app, CEO).inbox() if isinstance(m, Card)]
    assert ceo_cards[-1].actions[0].name == "acknowledge"
    # A report waits to be taken in hand, not for a decision: its notices say so.
    said = [m.text if isinstance(m, Text) else f"{m.title} {m.footer}"
            for email in (TEACHER, HEAD, CEO) for m in await Chat(app, email).inbox()
            if not isinstance(m, Card) or m.footer]
    notices = [t for t in said if "Escalated to" in t or "Reminder:" in t]
    assert len(notices) >= 3, said  # the reporter, the one it left and the one it reached
    assert not [t for t in notices if "decision" in t], notices
    assert any("with no one taking it in hand" in t for t in notices), notices
    assert (await run_due_work(app, clock, start + timedelta(days=60))).get("expired") is None
