"""Every "never permitted" row of docs/policy-rulings.md, held as a conversation."""

from __future__ import annotations

import pytest

from bot.app import Application
from conversations.messages import Question
from testing.chat import Chat
from testing.staff import TEACHER

# draft whose words show the breach, answers to what the bot may ask, expected clauses
REFUSALS: dict[str, tuple[str, dict[str, str], list[str]]] = {
    "personal information about pupils or colleagues": (
        "Amy Brown in Year 4 has ADHD and kicked off again today",
        {"channel": "personal"}, ["7.1"]),
    "business not yet public": (
        "Can't say too much yet but big staffing changes are coming at Oakfield 🤫",
        {"channel": "personal"}, ["7.1"]),
    "attacks, insults or defamation": (
        "Ofsted inspectors are clueless", {"channel": "personal"}, ["3.2", "7.1"]),
    "derogatory or disrepute": (
        "The management at Oakfield are useless", {"channel": "personal"}, ["6.4", "7.1"]),
    "breaks the Teachers' Standards": (
        "My Year 9s are so lazy", {"channel": "personal"}, ["6.4", "7.1"]),
    "valid parental complaints": (
        "Her mum is useless", {"channel": "personal"}, ["6.4", "7.1"]),
    "fitness to work with children": (
        "Absolutely hammered last night, still drunk at school this morning",
        {"channel": "personal"}, ["6.4"]),
    "negative about employment": (
        "Another pointless staff meeting, so sick of this job",
        {"channel": "personal"}, ["6.6"]),
    "befriending pupils": (
        "Just accepted a friend request from one of my Year 10 pupils",
        {"channel": "personal"}, ["6.6"]),
    "befriending parents": (
        "Accepted a friend request from one of the mums in my class",
        {"channel": "group"}, ["6.6", "6.7"]),
    "personal views as the Trust's": (
        "Oakfield Primary believes the new phonics scheme is wrong",
        {"channel": "personal"}, ["7.1"]),
    "conflict of interest": (
        "Offering private tutoring for Year 6 SATs, £30 per hour",
        {"channel": "personal"}, ["7.1"]),
    "personal account to tell parents": (
        "Dear parents, please remember PE kits tomorrow", {"channel": "personal"}, ["7.1"]),
    "harassment and discrimination": (
        "The new TA is so fit, I'd definitely do her", {"channel": "personal"}, ["10.2", "3.2"]),
    "pupil images without consent": (
        "Sports day photos! [photo of Year 3 races]",
        {"channel": "personal", "pupils_shown": "no_consent"}, ["3.1"]),
}


NOT_CONDUCT = {"befriending pupils", "befriending parents", "personal account to tell parents",
               "pupil images without consent"}


@pytest.mark.parametrize("row", sorted(REFUSALS))
async def test_never_permitted(app: Application, row: str) -> None:
    draft, answers, clauses = REFUSALS[row]
    chat = Chat(app, TEACHER)
    await chat.check_post(draft, **answers)
    card = chat.card()
    assert card.title.startswith("Not permitted")
    cited = dict(card.fields)["Clauses"].split(", ")
    assert sorted(cited) == sorted(clauses)
    for clause in clauses:
        assert f"*{clause} " in card.body  # each clause explained in plain words
    assert "I noticed “" in card.body  # the words behind the refusal are shown
    # The consequences are stated (not decided) where a post was refused for conduct; not
    # to someone who asked before connecting, or whose post only needs consent or a channel.
    assert ("8.1" in card.body) == (row not in NOT_CONDUCT), card.body
    assert chat.last is not None
    assert not [m for m in chat.last.replies if isinstance(m, Question)]
    assert await app.storage.scan("request/") == []


async def test_every_clause_behind_a_refusal_is_cited(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.check_post("Just accepted a friend request from one of my Year 4 pupils. "
                          "Amy Brown has ADHD, bless her.", channel="personal")
    cited = dict(chat.card().fields)["Clauses"]
    assert cited == "6.6, 7.1"


async def test_refusal_stops_asking(app: Application) -> None:
    """Once a post is refused, no further question can change that: none is asked."""
    chat = Chat(app, TEACHER)
    await chat.send("can I post this?")
    # A pupil's name with their year (refused on a personal account) and a picture that
    # would otherwise need the question about consent.
    await chat.send("Well done Amy Brown in Year 4! [photo of her certificate]")
    assert chat.question.name == "channel"
    result = await chat.choose("personal")
    assert chat.card().title.startswith("Not permitted")
    assert not [m for m in result.replies if isinstance(m, Question)]
    assert result.answered == ("My own personal account",)


@pytest.mark.parametrize(("draft", "answers"), [
    ("Just accepted a friend request from my sister, her son is in Year 2 here",
     {"channel": "personal"}),
    ("Just accepted her friend request", {"channel": "personal", "connection": "parent_relative"}),
], ids=["seen in the words", "answered"])
async def test_parent_who_is_a_relative_is_allowed_with_a_warning(
    app: Application, draft: str, answers: dict[str, str],
) -> None:
    chat = Chat(app, TEACHER)
    await chat.check_post(draft, **answers)
    card = chat.card()
    assert card.title == "Fine to post"
    assert "6.7" in dict(card.fields)["Clauses"]
    assert "own risk" in card.body


async def test_unapproved_official_account_is_refused(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.check_post("News!", channel="official", account="unlisted")
    assert dict(chat.card().fields)["Clauses"] == "5.1, 5.2"


async def test_everything_refused_is_recorded(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.check_post("Amy Brown in Year 4 has ADHD", channel="personal")
    audit = [r.value for _, r in await app.storage.scan("audit/")]
    checked = [a for a in audit if a["event"] == "checked"]
    assert checked and checked[-1]["outcome"] == "refuse"
    assert checked[-1]["clauses"] == ["7.1"]
    assert checked[-1]["found"] == ["pupil_info"]
    # Drafts, and the words quoted from them, are not copied into the audit trail.
    assert "Amy Brown" not in str(audit) and "ADHD" not in str(audit)
