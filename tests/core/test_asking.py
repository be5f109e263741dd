"""How people really ask: casual openers start a post check, and questions about the policy
are answered by the common question they mean, in wording its phrasings do not have."""

from __future__ import annotations

import pytest

from bot.app import Application
from conversations.messages import Card, Question
from testing.chat import Chat
from testing.staff import TEACHER


async def _draft_taken(app: Application) -> list[str]:
    stored = await app.storage.get(f"conversation/{TEACHER}")
    assert stored is not None
    return list(stored.value["answers"].get("draft", []))


@pytest.mark.parametrize("opener", [
    "ok to put this on insta?", "this alright for fb?", "is this ok?", "can i tweet this lol",
    "quick one - fine to post?", "sanity check pls", "would this get me sacked 😂",
    "thoughts before I hit send?", "haha I'm such a worrier, is this ok?",
    "lol sorry to keep bugging you, ok to post this?", "good to go?",
])
async def test_a_casual_opener_starts_a_post_check(app: Application, opener: str) -> None:
    chat = Chat(app, TEACHER)
    await chat.send(opener)
    assert chat.question.free_text and "Paste the text" in chat.question.prompt
    assert chat.last is not None
    assert not [m for m in chat.last.replies if isinstance(m, Card)]  # not answered as a question
    assert await _draft_taken(app) == []  # the joke or aside is not taken for the draft


@pytest.mark.parametrize(("message", "draft"), [
    ("Well done to our netball team today! ok to post?", "Well done to our netball team today!"),
    ("is this ok? Well done Year 4 for a brilliant assembly",
     "Well done Year 4 for a brilliant assembly"),
    ("Reminder: bake sale on Friday after school! is this alright for fb?",
     "Reminder: bake sale on Friday after school!"),
    ("Year 6 smashed it at the cross country today 🏃 sanity check pls",
     "Year 6 smashed it at the cross country today 🏃"),
    ("ok to put this on insta?\nWhat a brilliant first week back, so proud of everyone",
     "What a brilliant first week back, so proud of everyone"),
])
async def test_an_opener_with_a_draft_checks_the_draft(app: Application, message: str,
                                                       draft: str) -> None:
    chat = Chat(app, TEACHER)
    await chat.send(message)
    assert chat.question.prompt == "Where will it go?"
    assert await _draft_taken(app) == [draft]


@pytest.mark.parametrize("question", [
    "is it ok to post photos of sports day?", "can I add a parent on fb? thoughts?",
    "would posting about a pupil's diagnosis get me sacked?", "does this count if I only liked it?",
    "I'd like to post photos of the school fete on my page, is that ok?",
])
async def test_an_opener_with_words_of_its_own_is_a_question(app: Application,
                                                             question: str) -> None:
    chat = Chat(app, TEACHER)
    await chat.send(question)
    assert chat.last is not None
    assert not [m for m in chat.last.replies if isinstance(m, Question)]
    assert (await app.storage.get(f"conversation/{TEACHER}")) is None


async def test_a_long_message_without_an_opener_is_still_asked_about(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.send("Year 4 had a brilliant assembly this morning, well done everyone")
    assert chat.question.prompt == "Shall I check this as a post?"


async def _answer(app: Application, question: str) -> tuple[str, list[str]]:
    chat = Chat(app, TEACHER)
    await chat.send(question)
    card = chat.card()
    assert card.title.startswith("“"), f"no common question fits: {card.title}"
    return card.body, dict(card.fields)["Clauses"].split(", ")


async def test_pupils_photos_on_a_personal_phone_for_the_class_blog(app: Application) -> None:
    body, clauses = await _answer(
        app, "Can I take pics of the kids on my own phone for the class blog?")
    assert body.startswith("Only with approval")
    assert clauses[0] == "3.1" and "5.1" in clauses  # data protection; the blog is approved first
    assert "phone" in body and "message parents" not in body


async def test_liking_or_sharing_the_schools_posts(app: Application) -> None:
    body, clauses = await _answer(app, "Can I like or share the school's Facebook posts?")
    assert body.startswith("Yes:")
    assert clauses[0] == "6.5"  # a like or share counts as your own post


async def test_a_private_account_is_encouraged_not_required(app: Application) -> None:
    body, clauses = await _answer(app, "Do I have to make my Instagram private?")
    assert body.startswith("Encouraged, not required")
    assert clauses[0] == "6.2"


@pytest.mark.parametrize(("question", "verdict", "clause"), [
    # Word endings, and a thumbs up is a like.
    ("can I give a thumbs up to posts on the school's instagram?", "Yes:", "6.5"),
    ("is liking the trust's linkedin posts alright?", "Yes:", "6.5"),
    # "have to", "compulsory": a question of what is required.
    ("does my facebook have to be private?", "Encouraged, not required", "6.2"),
    ("is keeping my twitter public against the rules?", "Yes:", "6.2"),
    # Devices the phrasings do not name.
    ("Are we allowed to take pictures of pupils with our own devices?", "Only with approval",
     "3.1"),
    # One rare word ("lost", "coat") does not outweigh what the question is about.
    ("can I message a parent on facebook about a lost coat?", "No:", "6.6"),
    # "I'd like to post" wants to post; it is not about likes.
    ("I'd like to post photos of the summer fete on my page, is that ok?", "Only with approval",
     "6.6"),
])
async def test_questions_in_wording_the_phrasings_do_not_have(
    app: Application, question: str, verdict: str, clause: str,
) -> None:
    body, clauses = await _answer(app, question)
    assert body.startswith(verdict), body
    assert clauses[0] == clause, clauses


async def test_a_question_off_the_policy_gets_no_verdict(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.send("what's the wifi password for staff?")
    assert not chat.card().title.startswith("“")
