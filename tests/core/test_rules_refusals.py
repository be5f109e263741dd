"""Every "never permitted" row of RULES.md, held as a conversation."""

from __future__ import annotations

import pytest

from bot.app import Application
from tests.core.harness import TEACHER, Chat

NONE = ("none",)
# (answers after the draft: channel, people, conduct, pupils_shown), expected clauses
REFUSALS = {
    "personal information about pupils or colleagues": (
        [("personal",), ("personal_info",)], ["7.1"]),
    "business not yet public": ([("personal",), ("not_public",)], ["7.1"]),
    "attacks, insults or defamation": ([("personal",), NONE, ("attack",)], ["3.2", "7.1"]),
    "derogatory or disrepute": ([("personal",), NONE, ("derogatory",)], ["6.4", "7.1"]),
    "breaks the Teachers' Standards": ([("personal",), NONE, ("standards",)], ["6.4", "7.1"]),
    "valid parental complaints": ([("personal",), NONE, ("complaint",)], ["6.4", "7.1"]),
    "fitness to work with children": ([("personal",), NONE, ("suitability",)], ["6.4", "7.1"]),
    "negative about employment": ([("personal",), NONE, ("negative_work",)], ["6.6"]),
    "befriending pupils": ([("personal",), ("pupil_contact",)], ["6.6"]),
    "befriending parents": ([("group",), ("parent_contact",)], ["6.6", "6.7"]),
    "personal views as the Trust's": ([("personal",), NONE, ("views_as_trust",)], ["7.1"]),
    "conflict of interest": ([("personal",), NONE, ("conflict",)], ["7.1"]),
    "personal account to tell parents": ([("personal",), ("parent_comms",)], ["7.1"]),
    "harassment and discrimination": ([("personal",), NONE, ("harassment",)], ["10.2", "3.2"]),
    "pupil images without consent": ([("personal",), NONE, NONE, ("no_consent",)], ["3.1"]),
}


@pytest.mark.parametrize("row", sorted(REFUSALS))
async def test_never_permitted(app: Application, row: str) -> None:
    answers, clauses = REFUSALS[row]
    chat = Chat(app, TEACHER)
    await chat.check_post("Draft for the test", answers)
    card = chat.card()
    assert card.title.startswith("Not permitted")
    cited = dict(card.fields)["Clauses"].split(", ")
    assert sorted(cited) == sorted(clauses)
    for clause in clauses:
        assert f"*{clause} " in card.body  # each clause explained in plain words
    assert "8.1" in card.body  # the consequences are stated, not decided
    assert not [m for m in chat.last.replies if type(m).__name__ == "Question"]
    assert await app.storage.scan("request/") == []


async def test_every_clause_behind_a_refusal_is_cited(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.check_post("x", [("personal",), ("personal_info", "pupil_contact")])
    cited = dict(chat.card().fields)["Clauses"]
    assert cited == "6.6, 7.1"


async def test_refusal_stops_asking(app: Application) -> None:
    """Once a post is refused, no further question can change that: none is asked."""
    chat = Chat(app, TEACHER)
    await chat.send("can I post this?")
    await chat.send("draft")
    await chat.choose("personal")
    result = await chat.choose("personal_info")
    assert chat.card().title.startswith("Not permitted")
    assert result.answered == ("Personal details of a pupil, colleague or professional",)


async def test_parent_who_is_a_relative_is_allowed_with_a_warning(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.check_post("Happy birthday sis!", [("personal",), ("parent_relative",), NONE,
                                                  ("no",), NONE])
    card = chat.card()
    assert card.title == "Fine to post"
    assert "6.7" in dict(card.fields)["Clauses"]
    assert "own risk" in card.body


async def test_unapproved_official_account_is_refused(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.check_post("News!", [("official",), ("unlisted",)])
    assert dict(chat.card().fields)["Clauses"] == "5.1, 5.2"


async def test_everything_refused_is_recorded(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.check_post("secret", [("personal",), ("personal_info",)])
    audit = [r.value for _, r in await app.storage.scan("audit/")]
    checked = [a for a in audit if a["event"] == "checked"]
    assert checked and checked[-1]["outcome"] == "refuse"
    assert checked[-1]["clauses"] == ["7.1"]
    assert "secret" not in str(audit)  # drafts are not copied into the audit trail
