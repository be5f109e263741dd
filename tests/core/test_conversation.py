"""Conversations: phrasing, resuming after a restart, stale answers, retries, commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import Application
from conversations.messages import Question
from testing.chat import Chat, make_app
from testing.clock import Clock
from testing.staff import CEO, COMMS, DEPUTY, DPO, HEAD, RIVERSIDE_HEAD, TEACHER


@pytest.mark.parametrize("phrase", [
    "can I post this?", "Is it ok to share this?", "check my post please",
    "I'd like to post something about our trip", "can i retweet this?",
])
async def test_ordinary_phrasings_start_a_post_check(app: Application, phrase: str) -> None:
    chat = Chat(app, TEACHER)
    await chat.send(phrase)
    assert chat.question.free_text and "Paste the text" in chat.question.prompt


@pytest.mark.parametrize(("phrase", "first_prompt"), [
    ("I'd like to post about the bus stop", "Paste the text"),
    ("I'd like to post something about our anti-bullying week", "Paste the text"),
    ("I want to post a report card photo", "Paste the text"),
    ("I'm worried about a colleague's post", "What is it about?"),
    ("I want to set up a new account for the trust", "Which platform"),
])
async def test_the_earliest_phrase_decides_the_flow(app: Application, phrase: str,
                                                    first_prompt: str) -> None:
    chat = Chat(app, TEACHER)
    await chat.send(phrase)
    assert chat.question.prompt.startswith(first_prompt)


@pytest.mark.parametrize(("phrase", "flow", "label", "first_prompt"), [
    ("can I post about the bus stop?", "check_post", "Check a post", "Paste the text"),
    ("Can I post about our anti-bullying week?", "check_post", "Check a post",
     "Paste the text"),
    ("is it ok to share a report card photo?", "check_post", "Check a post", "Paste the text"),
    ("Is it ok to share a photo from today?", "check_post", "Check a post", "Paste the text"),
    ("can i retweet the school's tweet?", "check_post", "Check a post", "Paste the text"),
    ("can we set up a new account for the trust?", "new_account", "Request a new account",
     "Which platform"),
])
async def test_a_question_about_the_policy_is_answered_with_the_flow_to_start(
    app: Application, phrase: str, flow: str, label: str, first_prompt: str,
) -> None:
    chat = Chat(app, TEACHER)
    await chat.send(phrase)
    assert chat.last is not None
    assert not [m for m in chat.last.replies if isinstance(m, Question)]  # no flow started
    assert (await app.storage.get(f"conversation/{TEACHER}")) is None
    card = chat.card()
    assert dict(card.fields)["Clauses"]  # answered from the policy, citing its clauses
    start = [a for a in card.actions if a.name == "start" and a.value == flow]
    assert [a.label for a in start] == [label]
    await chat.press("start", "", value=flow)
    assert chat.question.prompt.startswith(first_prompt)


async def test_commands_count_only_as_the_whole_message(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.send("can I post this: we need help with the car park!")
    assert chat.question.prompt == "Where will it go?"
    await chat.send("cancel my request SM-0001")  # a withdrawal, not "cancel"
    chat.assert_reply("I can't find a request SM-0001")


async def test_draft_given_with_the_question_is_not_asked_again(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.send("Can I post this: Well done to our netball team today!")
    assert chat.question.prompt == "Where will it go?"


async def test_a_restart_resumes_at_the_same_question(tmp_path: Path) -> None:
    clock = Clock()
    first = await make_app(tmp_path, clock)
    chat = Chat(first, TEACHER)
    await chat.send("can I post this?")
    await chat.send("Our choir sang beautifully [photo of the choir]")
    asked = chat.question
    assert asked.name == "channel"
    await first.close()

    second = await make_app(tmp_path, clock)
    again = Chat(second, TEACHER)
    await again.send("help")
    resumed = [m for m in again.last.replies if isinstance(m, Question)]
    assert resumed and resumed[0].token == asked.token
    await again.choose("personal", token=asked.token)
    assert again.question.prompt.startswith("Does it show any pupils")
    await second.close()


async def test_an_old_question_cannot_be_answered_twice(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.send("can I post this?")
    await chat.send("Our choir sang beautifully [photo of the choir]")
    old = chat.question
    await chat.choose("personal")
    assert chat.question.name == "pupils_shown"  # the flow is still under way
    state_before = (await app.storage.get(f"conversation/{TEACHER}")).value
    result = await chat.choose("official", token=old.token)
    assert result.stale
    chat.assert_reply("already been answered")
    assert (await app.storage.get(f"conversation/{TEACHER}")).value == state_before


async def test_a_retried_event_is_applied_once(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.send("can I post this?", event_id="Ev1")
    await chat.send("Our draft", event_id="Ev2")
    state = (await app.storage.get(f"conversation/{TEACHER}")).value
    retried = await chat.send("Our draft", event_id="Ev2")
    assert retried.duplicate and retried.replies == []
    assert (await app.storage.get(f"conversation/{TEACHER}")).value == state


async def test_cancel_and_start_again(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.send("can I post this?")
    await chat.send("a draft that mentions help and cancel in passing")
    assert chat.question.prompt == "Where will it go?"  # words inside a draft are not commands
    await chat.send("start again")
    assert "Paste the text" in chat.question.prompt
    await chat.send("cancel")
    chat.assert_reply("Cancelled")
    assert (await app.storage.get(f"conversation/{TEACHER}")).value["flow"] is None


async def test_typed_answers_to_buttons(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.send("can I post this?")
    await chat.send("Just accepted her friend request. Photos from the school trip below "
                    "[photos of the trip]")
    await chat.send("My own personal account")
    assert chat.question.prompt.startswith("Who is the person")
    await chat.send("5")
    assert chat.question.prompt.startswith("Does it show any pupils")
    await chat.send("banana")
    chat.assert_reply("Please choose from the options")
    state = (await app.storage.get(f"conversation/{TEACHER}")).value
    assert state["answers"]["channel"] == ["personal"]
    assert state["answers"]["connection"] == ["other"]


async def test_ask_about_the_policy_in_own_words(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.send("can I accept a friend request from a parent?")
    card = chat.card()
    assert card.title == "“can I accept a friend request from a parent?”"
    assert card.body.startswith("No:")  # the verdict first
    clauses = dict(card.fields)["Clauses"].split(", ")
    assert {"6.6", "6.7"} <= set(clauses[:2])
    await chat.send("what is the capital of France?")
    chat.assert_reply("couldn't find that in the policy")


async def test_help_offers_every_flow(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.send("help")
    values = [a.value for a in chat.card().actions]
    assert values == ["check_post", "new_account", "report_concern", "my_requests", "pending"]
    await chat.press("start", "", value="report_concern")
    assert chat.question.prompt == "What is it about?"


async def test_central_account_goes_to_the_ceo(app: Application) -> None:
    chat = Chat(app, COMMS)
    await chat.send("we need to set up a new account for the trust")
    await chat.choose("linkedin")
    for answer in ("Northbrook Learning Trust", "Recruitment", "Tom Hargreaves"):
        await chat.send(answer)
    card = chat.card()
    record = (await app.storage.get(f"request/{card.request_id}")).value
    assert [(s["approver"], s["clauses"]) for s in record["steps"]] == [(CEO, ["5.2"])]


async def test_a_headteachers_account_request_goes_up_the_line(app: Application) -> None:
    chat = Chat(app, HEAD)
    await chat.send("new account")
    await chat.choose("x")
    for answer in ("@oakfield_head", "Head's news", "Joanne Clarke"):
        await chat.send(answer)
    record = (await app.storage.get(f"request/{chat.card().request_id}")).value
    assert [s["approver"] for s in record["steps"]] == [CEO]


async def test_concern_reaches_the_headteacher_and_the_dpo(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.report("breach", "A colleague posted a class list on Facebook", "yes",
                      subject="unknown", school="Oakfield Primary")
    card = chat.card()
    assert "Joanne Clarke and Siobhan Murphy" in card.body
    record = (await app.storage.get(f"request/{card.request_id}")).value
    assert record["kind"] == "concern" and record["status"] == "referred"
    assert [s["approver"] for s in record["steps"]] == [HEAD, DPO]
    for email in (HEAD, DPO):
        cards = await Chat(app, email).inbox()
        assert cards and cards[-1].actions[0].name == "acknowledge"
    assert await Chat(app, DEPUTY).inbox() == []  # visible only to those it was referred to
    await Chat(app, HEAD).press("acknowledge", record["id"])
    told = await Chat(app, TEACHER).inbox()
    assert "Joanne Clarke has your report" in told[-1].text


async def test_a_report_follows_where_the_incident_is_and_pupil_bullying_points_on(
        app: Application):
    # A central-team member reporting bullying among Riverside pupils: Riverside's
    # headteacher has it, not the central team's Head of Governance and People.
    chat = Chat(app, COMMS)
    await chat.report("bullying_pupils", "Pupils are being targeted in a group chat", "no",
                      subject="pupils", school="Riverside Academy")
    record = (await app.storage.get(f"request/{chat.card().request_id}")).value
    assert [s["approver"] for s in record["steps"]] == [RIVERSIDE_HEAD]
    assert "10.8" in chat.card().body or any("Anti-Bullying" in w for w in record["warnings"])


async def test_a_changed_pack_restarts_a_conversation_at_a_removed_question(
    app: Application,
) -> None:
    from storage.base import Put

    chat = Chat(app, TEACHER)
    await chat.send("can I post this?")
    state = (await app.storage.get(f"conversation/{TEACHER}")).value
    await app.storage.write([Put(f"conversation/{TEACHER}", {**state, "asked": "gone"})])
    await chat.send("help")
    chat.assert_reply("questions have changed", "What would you like to do?")
    await chat.send("can I post this?")
    assert "Paste the text" in chat.question.prompt
