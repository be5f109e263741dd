"""Nothing acknowledged is lost: Slack gets its answer only once the turn is committed.

The fake Slack holds Web API calls unanswered, so a test can look at the store at the moment
the bot answers Slack, before any reply has gone out.
"""

from __future__ import annotations

from testing.slack.harness import SlackHarness
from testing.slack.journeys import OPINION, PASTE, ask_to_post, record
from testing.slack.world import DANIEL, LUCY, SOPHIE
from testing.staff import TEACHER

SORRY = "Sorry, something went wrong on my side"
SOPHIES_STATE = f"conversation/{TEACHER}"  # Sophie is the sample teacher


def dm_event(slack: SlackHarness, user: str, text: str) -> bytes:
    return slack.event_body({"type": "message", "channel": "D" + user, "user": user,
                             "text": text, "ts": "1.1", "channel_type": "im"})


async def outbox_for(slack: SlackHarness, email: str) -> int:
    return sum(1 for _, r in await slack.application.storage.scan("outbox/")
               if r.value["to"] == email)


async def test_a_message_is_committed_before_slack_gets_its_answer(slack: SlackHarness
                                                                    ) -> None:
    sophie = slack.user(SOPHIE)
    slack.fake.hold("chat.postMessage")
    response = await slack.send(dm_event(slack, SOPHIE, "can I post this?"),
                                "application/json", settle=False)
    assert response.status == 200
    state = await slack.application.storage.get(SOPHIES_STATE)
    assert state is not None and state.value["flow"] == "check_post"
    assert not sophie.messages()  # the replies go after the answer to Slack
    slack.fake.release("chat.postMessage")
    await slack.settle()
    assert PASTE in sophie.texts()


async def test_a_decision_is_committed_before_slack_gets_its_answer(slack: SlackHarness
                                                                     ) -> None:
    sophie, daniel = slack.user(SOPHIE), slack.user(DANIEL)
    await ask_to_post(sophie, OPINION + "I think the new bus timetable works")
    message, block, button = daniel.with_action(
        lambda e: e.get("type") == "button" and e["text"]["text"] == "Approve")
    slack.fake.hold("chat.update")
    slack.fake.hold("chat.postMessage")
    payload = daniel.payload(message, block, {"type": "button", "action_id": button["action_id"],
                                              "value": button["value"]})
    response = await slack.interact(payload, settle=False)
    assert response.status == 200
    assert (await record(slack, "SM-0001"))["status"] == "approved"
    assert slack.fake.messages[(message.channel, message.ts)].updates == 0  # not yet shown
    slack.fake.release("chat.update")
    slack.fake.release("chat.postMessage")
    await slack.settle()
    assert "You approved SM-0001." in daniel.texts()
    assert "You may post it now" in sophie.texts()


async def test_replies_still_unsent_at_shutdown_go_to_the_outbox(slack: SlackHarness) -> None:
    sophie = slack.user(SOPHIE)
    slack.fake.hold("chat.postMessage")
    await slack.send(dm_event(slack, SOPHIE, "can I post this?"), "application/json",
                     settle=False)
    await slack.adapter.finish(drain=0.0, handover=5.0)  # shutting down mid-reply
    assert slack.adapter.listeners.busy == 0
    assert await outbox_for(slack, "sophie.bennett@northbrook.example") == 2  # both replies
    slack.fake.release("chat.postMessage")  # the next process delivers them
    await slack.settle()
    assert "*Check a post*" in sophie.texts() and PASTE in sophie.texts()


async def test_a_slow_commit_is_acknowledged_in_time_and_still_carried_out(
        slack: SlackHarness) -> None:
    sophie = slack.user(SOPHIE)
    slack.adapter.listeners.commit_budget = 0.05
    slack.fake.hold("users.info")  # who is speaking can't be known yet
    response = await slack.send(dm_event(slack, SOPHIE, "can I post this?"),
                                "application/json", settle=False)
    assert response.status == 200
    assert await slack.application.storage.get(SOPHIES_STATE) is None
    slack.fake.release("users.info")
    await slack.settle()
    state = await slack.application.storage.get(SOPHIES_STATE)
    assert state is not None and state.value["flow"] == "check_post"
    assert PASTE in sophie.texts()


async def test_a_reason_that_cannot_be_committed_keeps_the_modal_open(slack: SlackHarness
                                                                       ) -> None:
    lucy, sophie = slack.user(LUCY), slack.user(SOPHIE)  # Sophie is Lucy's line manager
    await ask_to_post(lucy, OPINION + "I think the new bus timetable works")
    await sophie.press("Reject")
    assert slack.fake.calls_to("views.open")
    slack.adapter.identity._emails.clear()  # who Sophie is must be asked of Slack again...
    slack.fake.fail_next("users.info", status=200, error="internal_error", retry_after=None)
    failed = await sophie.submit_reason("Please don't give a view on the timetable")
    assert failed.status == 200 and "errors" in failed.text and SORRY in failed.text
    assert (await record(slack, "SM-0001"))["status"] == "pending"
    done = await sophie.submit_reason("Please don't give a view on the timetable")
    assert done.status == 200 and "errors" not in done.text
    assert (await record(slack, "SM-0001"))["status"] == "rejected"


async def test_a_slash_command_that_fails_says_sorry_in_its_answer(slack: SlackHarness
                                                                    ) -> None:
    slack.fake.fail_next("users.info", status=200, error="internal_error", retry_after=None)
    response = await slack.command(SOPHIE, "can I post this?")
    assert response.status == 200 and SORRY in response.text
    assert await slack.application.storage.get(SOPHIES_STATE) is None
    response = await slack.command(SOPHIE, "can I post this?")
    assert "replied in a direct message" in response.text
    assert PASTE in slack.user(SOPHIE).texts()

