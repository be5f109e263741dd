"""Wording a real Trust reads: a new account's card names who will run it, and a concern
report's escalation speaks of taking it in hand, not of a decision."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import Application
from conversations.messages import Card, Text
from conversations.typed_answers import naming_the_speaker
from testing.chat import Chat
from testing.clock import Clock
from testing.due_work import asked_at, run_due_work
from testing.staff import CEO, HEAD, TEACHER


@pytest.mark.parametrize(("typed", "shown"), [
    ("me", "Sophie Bennett"), ("Me.", "Sophie Bennett"), ("I will", "Sophie Bennett"),
    ("just me", "Sophie Bennett"), ("Me and Tom Price", "Sophie Bennett and Tom Price"),
    ("Tom Price, with me", "Tom Price, with Sophie Bennett"),
    ("Tom Price", "Tom Price"), ("the PE team", "the PE team"), ("Mehmet", "Mehmet"),
])
def test_me_is_written_as_the_speaker_s_name(typed: str, shown: str) -> None:
    assert naming_the_speaker(typed, "Sophie Bennett") == shown


async def test_a_new_account_card_names_who_will_run_it(app: Application) -> None:
    chat = Chat(app, TEACHER)
    for line in ("new account", "Instagram", "Oakfield PE", "Sports news for parents", "me"):
        await chat.send(line)
    assert chat.card().request_id == "SM-0001"
    card = next(m for m in await Chat(app, HEAD).inbox() if isinstance(m, Card))
    assert dict(card.fields)["Run by"] == "Sophie Bennett"
    record = (await app.storage.get("request/SM-0001")).value
    assert record["account"]["runner"] == "Sophie Bennett"  # the register, once approved


async def test_a_report_escalates_without_speaking_of_a_decision(
    app: Application, clock: Clock
) -> None:
    teacher = Chat(app, TEACHER)
    await teacher.report("misuse", "A colleague shared a pupil's photo", "no",
                         school="Oakfield Primary")
    record = (await app.storage.get(f"request/{teacher.card().request_id}")).value
    start = asked_at(record)
    assert (await run_due_work(app, clock, start + timedelta(hours=24))) == {"reminded": 1}
    assert (await run_due_work(app, clock, start + timedelta(hours=72))) == {"escalated": 1}
    said = [m.text if isinstance(m, Text) else f"{m.title} {m.footer}"
            for email in (TEACHER, HEAD, CEO) for m in await Chat(app, email).inbox()
            if not isinstance(m, Card) or m.footer]
    notices = [t for t in said if "Escalated to" in t or "Reminder:" in t]
    assert len(notices) >= 3, said  # the reporter, the one it left and the one it reached
    assert not [t for t in notices if "decision" in t], notices
    assert any("with no one taking it in hand" in t for t in notices), notices
