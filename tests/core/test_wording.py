"""Wording a real Trust reads: a new account's card names who will run it, and a concern
report's escalation speaks of taking it in hand, not of a decision."""

from __future__ import annotations

import pytest

from bot.app import Application
from conversations.messages import Card
from conversations.typed_answers import naming_the_speaker
from testing.chat import Chat
from testing.staff import HEAD, TEACHER


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
