"""The dialogue engine on its own: the typed conversation and its stored form, what a turn
is (one classification, its order written down), and the application's table of routes."""

from __future__ import annotations

from typing import Any

import pytest

from bot.routes import Route, Routes
from conversations.classify import INTENT_KINDS, Dialogue, Known, classify
from conversations.conversation import VERSION, Conversation, holds_draft
from conversations.evaluation import Account
from conversations.messages import Choice, Press, Turn
from conversations.pack_loader import load_pack
from conversations.people import Person
from conversations.reader import KnownNames

ME = Person("sophie.bennett@northbrook.example", "Sophie Bennett", "Oakfield Primary")
KNOWN = Known(ME, (Account("a1", "Oakfield news", "facebook", "Oakfield Primary"),),
              KnownNames())
# A conversation as a release before the typed conversation stored it: no version member.
OLDER_RELEASE: dict[str, Any] = {
    "flow": "check_post", "seq": 3, "token": "q3", "asked": "channel",
    "answers": {"draft": ["Well done Year 4!"]},
    "findings": [{"fact": "pupil_named", "quote": "Year 4", "about": "pupils", "says": "x",
                  "clauses": ["4.1"], "detector": "names", "channels": []}],
    "last_check": {"id": "c1", "flow": "check_post", "answers": {"draft": ["old"]},
                   "findings": []},
    "updated_at": "2026-11-24T13:05:01.000000Z",
}


@pytest.fixture(scope="module")
def dialogue() -> Dialogue:
    return Dialogue.of(load_pack())


def test_a_conversation_stored_by_an_older_release_loads_and_is_written_back_versioned(
) -> None:
    conversation = Conversation.from_json(OLDER_RELEASE)
    assert conversation.asked == "channel" and conversation.token == "q3"
    assert conversation.answers == {"draft": ("Well done Year 4!",)}
    assert conversation.findings is not None and conversation.findings[0].fact == "pupil_named"
    assert conversation.last_check is not None and conversation.last_check.draft == "old"
    stored = conversation.to_json()
    assert stored["version"] == VERSION
    assert {k: v for k, v in stored.items() if k != "version"} == {
        k: v for k, v in OLDER_RELEASE.items() if k != "updated_at"}
    assert Conversation.from_json(stored) == conversation


def test_a_conversation_owns_its_tokens() -> None:
    asked = Conversation(flow="check_post").asking("draft")
    assert (asked.token, asked.asked, asked.open_token) == ("q1", "draft", "q1")
    again = asked.asking()
    assert again.token == "q2" and not again.expects("q1")
    assert again.idle().seq == 2 and again.idle().open_token is None


def test_what_holds_a_draft_is_known_to_the_engine_alone() -> None:
    assert holds_draft(OLDER_RELEASE)
    assert not holds_draft({"flow": None, "seq": 4})
    assert holds_draft({"flow": None, "seq": 4, "held": "Well done Year 4 on sports day"})


def test_a_typed_yes_answers_a_waiting_report_before_anything_else(
        dialogue: Dialogue) -> None:
    waiting = Conversation.from_json({"flow": None, "seq": 5, "token": "q5", "confirm": {
        "flow": "report_concern", "answers": {"what": ["x"]}}})
    intent = classify(dialogue, waiting, Turn(ME.email, text="yes"), KNOWN)
    assert intent.kind == "confirm_reply" and intent.choice == Choice("q5", text="yes")
    other = classify(dialogue, waiting, Turn(ME.email, text="check a post"), KNOWN)
    assert other.kind == "start_flow" and other.drops_aside


@pytest.mark.parametrize(("turn", "kind"), [
    (Turn(ME.email, press=Press("start", value="recheck:c1")), "recheck"),
    (Turn(ME.email, press=Press("start", value="pending")), "pending"),
    (Turn(ME.email, press=Press("approve", "SM-0001")), "decide"),
    (Turn(ME.email, choice=Choice("q1", values=("x",))), "stale"),
    (Turn(ME.email, text=""), "menu"),
    (Turn(ME.email, text="withdraw SM-0004"), "decide"),
    (Turn(ME.email, text="away until 2026-12-12, delegate to Daniel Osei"), "delegate"),
    (Turn(ME.email, text="I'm back"), "end_delegation"),
    (Turn(ME.email, text="can I post photos of sports day?"), "policy_question"),
    (Turn(ME.email, text="Well done to everyone at sports day today, brilliant"), "hold"),
    (Turn(ME.email, text="hmm"), "menu"),
])
def test_each_turn_has_one_intent(dialogue: Dialogue, turn: Turn, kind: str) -> None:
    assert classify(dialogue, Conversation(), turn, KNOWN).kind == kind


def test_a_conversation_the_pack_no_longer_fits_is_noticed_first(dialogue: Dialogue) -> None:
    gone = Conversation(flow="check_post", seq=2, token="q2", asked="no_such_question")
    intent = classify(dialogue, gone, Turn(ME.email, choice=Choice("q2", ("x",))), KNOWN)
    assert intent.kind == "pack_changed"


async def _handler(*_: object) -> Any:
    raise AssertionError("not called")


def test_the_routes_take_every_intent_once() -> None:
    every = [Route(frozenset({kind}), _handler) for kind in INTENT_KINDS]
    Routes(every)
    with pytest.raises(ValueError, match="'menu' has 0 routes"):
        Routes([r for r in every if "menu" not in r.kinds])
    with pytest.raises(ValueError, match="'menu' has 2 routes"):
        Routes([*every, Route(frozenset({"menu"}), _handler, rank=1)])
