"""Answers typed instead of pressed: "none" is taken where "no" is, and keeps its own meaning
where a question offers "None of these"."""

from __future__ import annotations

import pytest

from bot.app import Application
from conversations.messages import Option
from conversations.typed_answers import match_typed
from testing.chat import Chat
from testing.staff import TEACHER

PUPILS_SHOWN = (Option("no", "No pupils are shown"),
                Option("consent", "Yes, with consent for every pupil shown"),
                Option("no_consent", "Yes, without consent for all of them, or I'm not sure"))
SUSPICIONS = (Option("pupil_named", "Names a pupil"), Option("derogatory", "Is derogatory"),
              Option("none", "None of these"))
ABOUT = (Option("business", "School or Trust news"), Option("critical", "It criticises my job"),
         Option("personal", "Nothing to do with school or work"))


@pytest.mark.parametrize("typed", ["none", "None", "nope", "no", "No.", "nobody", "no one"])
def test_none_answers_a_question_whose_answer_is_no(typed: str) -> None:
    assert match_typed(typed.rstrip("."), PUPILS_SHOWN, False) == ["no"]


@pytest.mark.parametrize("typed", ["none", "no", "none of these", "nothing"])
def test_none_keeps_its_meaning_where_a_question_offers_none_of_these(typed: str) -> None:
    assert match_typed(typed, SUSPICIONS, True) == ["none"]
    assert match_typed(typed, SUSPICIONS, False) == ["none"]


def test_none_is_no_answer_where_a_question_has_neither() -> None:
    assert match_typed("none", ABOUT, False) == []
    assert match_typed("nothing", ABOUT, False) == ["personal"]  # a label's first word


async def test_none_typed_to_does_it_show_any_pupils_is_no(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.send("can I post this?")
    await chat.send("Sports day photos of our relay team, well done everyone who ran!")
    await chat.send("1")  # my own personal account
    assert chat.question.prompt.startswith("Does it show any pupils")
    await chat.send("none")
    assert chat.last is not None and chat.last.answered == ("No pupils are shown",)
    assert "Please choose" not in chat.replies_text()
