"""Whole journeys over signed HTTP: staff ask in a DM, approvers decide with a button."""

from __future__ import annotations

from testing.slack.fake_slack import Posted
from testing.slack.harness import SlackHarness, SlackUser
from testing.slack.journeys import OPINION, PASTE, ask_to_post, buttons, header, record
from testing.slack.limits import assert_within_limits
from testing.slack.world import DANIEL, IMRAN, JOANNE, LUCY, SIOBHAN, SOPHIE


def slack_escaped_texts(user: SlackUser) -> str:
    return user.texts().replace("&amp;", "&")


async def test_full_journey_from_dm_to_approval(slack: SlackHarness) -> None:
    sophie, daniel = slack.user(SOPHIE), slack.user(DANIEL)
    first = await sophie.say("can I post this?")
    assert first.status == 200
    assert "Paste the text of your post" in sophie.texts()
    await sophie.say("Our Year 4 trip to the museum was brilliant & the children loved it")
    await sophie.press("My own personal account")
    assert "Needs approval: request SM-0001" in sophie.texts()
    # The bot read the draft: school business on a personal account (4.1), said in its words.
    assert "I noticed “Our Year 4 trip”" in slack_escaped_texts(sophie)
    # The answered question now shows its answer and has no buttons left to press.
    answered = [m for m in sophie.messages() if "Your answer" in "".join(str(m.blocks))]
    assert len(answered) == 1 and all(not buttons(m) and m.updates == 1 for m in answered)
    assert "Your answer: *My own personal account*" in sophie.texts()

    [card] = daniel.messages()
    assert header(card) == "Approval needed: SM-0001 · Post check"
    assert buttons(card) == ["Approve", "Reject"]
    # The draft is shown exactly as typed (plain text, which Slack never reads as markup).
    assert "brilliant & the children loved it" in daniel.texts()
    assert "Sophie Bennett (Oakfield Primary)" in daniel.texts()
    assert [c.args["users"] for c in slack.fake.calls_to("conversations.open")] == [DANIEL]

    await daniel.press("Approve")
    card = slack.fake.messages[(card.channel, card.ts)]
    assert card.updates >= 1 and not buttons(card)
    assert "approved by Daniel Osei" in header(card)
    assert "You approved SM-0001." in daniel.texts()
    outcome = sophie.messages()[-1]
    assert header(outcome) == "Approved: SM-0001"
    assert "You may post it now" in sophie.texts()
    assert (await record(slack, "SM-0001"))["status"] == "approved"
    assert assert_within_limits(slack.fake.calls) >= 6


async def test_a_rejection_asks_for_a_reason_in_a_modal(slack: SlackHarness) -> None:
    sophie, daniel = slack.user(SOPHIE), slack.user(DANIEL)
    await ask_to_post(sophie, OPINION + "I think our new library is the best in town")
    pressed = await daniel.press("Reject")
    [opened] = slack.fake.calls_to("views.open")
    assert opened.args["trigger_id"] == pressed["trigger_id"]
    assert opened.args["view"]["callback_id"] == "reject_reason"
    assert (await record(slack, "SM-0001"))["status"] == "pending"  # nothing decided yet

    blank = await daniel.submit_reason("   ")
    assert blank.status == 200 and '"response_action": "errors"' in blank.text.replace(
        '":"', '": "')
    assert (await record(slack, "SM-0001"))["status"] == "pending"

    done = await daniel.submit_reason("Please leave out the children's names")
    assert done.status == 200
    decided = await record(slack, "SM-0001")
    assert decided["status"] == "rejected"
    assert decided["comment"] == "Please leave out the children's names"
    [card] = [m for m in daniel.messages() if header(m).startswith(("Approval", "Post check"))]
    assert not buttons(card) and "rejected by Daniel Osei" in header(card)
    assert "Please leave out the children's names" in daniel.texts()
    assert header(sophie.messages()[-1]) == "Rejected: SM-0001"
    assert "Comment: “Please leave out the children's names”" in sophie.texts()
    assert_within_limits(slack.fake.calls)


async def test_an_account_request_goes_to_the_headteacher(slack: SlackHarness) -> None:
    imran, joanne = slack.user(IMRAN), slack.user(JOANNE)
    await imran.say("I'd like a new account for the eco club")
    await imran.select("Instagram")  # seven platforms: a menu rather than buttons
    await imran.say("@oakfield_eco")
    await imran.say("Sharing the eco club's work with parents")
    await imran.say("Imran Hussain and the eco club staff")
    assert "Needs approval: request SM-0001" in imran.texts()
    [card] = joanne.messages()
    assert header(card) == "Approval needed: SM-0001 · New official account"
    await joanne.press("Approve")
    assert "The account is now in the register of approved accounts." in imran.texts()
    account = await slack.application.storage.get("account/acct-SM-0001")
    assert account is not None and account.value["name"] == "@oakfield_eco"
    assert_within_limits(slack.fake.calls)


async def test_a_concern_reaches_the_headteacher_and_the_dpo(slack: SlackHarness) -> None:
    lucy, joanne, siobhan = slack.user(LUCY), slack.user(JOANNE), slack.user(SIOBHAN)
    await lucy.say("I want to report a concern")
    await lucy.press("Online bullying involving pupils")
    await lucy.press("Pupils")
    await lucy.press("Oakfield Primary")
    await lucy.say("A Year 6 group chat is being used to mock a pupil, since Monday")
    await lucy.press("Yes")
    # Told who will see it before it goes; nothing has gone yet.
    assert ("this report will go to Joanne Clarke (headteacher of Oakfield Primary) and "
            "Siobhan Murphy (Data Protection Officer)") in lucy.texts()
    assert not joanne.messages() and not siobhan.messages()
    await lucy.press("Send it")
    assert "Thank you: report SM-0001 has been passed on" in lucy.texts()
    for recipient in (joanne, siobhan):
        [card] = recipient.messages()
        assert header(card) == "Concern reported: SM-0001"
        assert buttons(card) == ["I have it in hand"]
    await joanne.press("I have it in hand")
    [card] = joanne.messages()[:1]
    assert not buttons(card) and "You acknowledged this at" in joanne.texts()
    assert buttons(siobhan.messages()[0]) == ["I have it in hand"]  # hers is still open
    assert "Joanne Clarke has your report SM-0001 in hand." in lucy.texts()
    assert_within_limits(slack.fake.calls)


async def test_a_report_about_the_headteacher_never_reaches_her(slack: SlackHarness) -> None:
    lucy, joanne, siobhan = slack.user(LUCY), slack.user(JOANNE), slack.user(SIOBHAN)
    await lucy.say("I'm worried about something our headteacher Joanne Clarke posted")
    await lucy.press("Inappropriate use of social media by staff or volunteers")
    await lucy.say("A photo of the staff party with pupils' names on the wall behind")
    await lucy.press("Yes")
    assert "Rajesh Patel (Head of Governance and People)" in lucy.texts()
    await lucy.press("Send it")
    record_ = await record(slack, "SM-0001")
    assert [s["approver"] for s in record_["steps"]] == [
        "rajesh.patel@northbrook.example", "siobhan.murphy@northbrook.example"]
    assert not joanne.messages()  # never the person it is about
    assert header(siobhan.messages()[0]) == "Concern reported: SM-0001"


async def test_a_press_by_someone_else_is_refused_and_recorded(slack: SlackHarness) -> None:
    sophie, daniel, joanne = slack.user(SOPHIE), slack.user(DANIEL), slack.user(JOANNE)
    await ask_to_post(sophie, OPINION + "I think the new bus timetable works")
    before = await record(slack, "SM-0001")
    message, block, button = daniel.with_action(
        lambda e: e.get("type") == "button" and e["text"]["text"] == "Approve")
    # Joanne presses the Approve button of Daniel's card (a forwarded or forged press).
    await slack.interact(joanne.payload(message, block, {
        "type": "button", "action_id": button["action_id"], "value": button["value"]}))
    assert "Only Daniel Osei can decide this step of SM-0001." in joanne.texts()
    assert "Only Daniel Osei" not in daniel.texts()
    assert await record(slack, "SM-0001") == before
    assert slack.fake.messages[(message.channel, message.ts)].updates == 0
    refused = [r.value for _, r in await slack.application.storage.scan("audit/")
               if r.value["event"] == "refused"]
    assert [(r["actor"], r["request"], r["attempted"]) for r in refused] == [
        ("joanne.clarke@northbrook.example", "SM-0001", "approve")]


async def test_a_reject_by_someone_else_gets_no_modal_and_is_refused(
        slack: SlackHarness) -> None:
    sophie, daniel, joanne = slack.user(SOPHIE), slack.user(DANIEL), slack.user(JOANNE)
    await ask_to_post(sophie, OPINION + "I think the new bus timetable works")
    before = await record(slack, "SM-0001")
    message, block, button = daniel.with_action(
        lambda e: e.get("type") == "button" and e["text"]["text"] == "Reject")
    reject = {"type": "button", "action_id": button["action_id"], "value": button["value"]}
    await slack.interact(joanne.payload(message, block, reject))
    assert not slack.fake.calls_to("views.open")  # no reason asked of someone who can't decide
    assert "Only Daniel Osei can decide this step of SM-0001." in joanne.texts()
    assert await record(slack, "SM-0001") == before
    assert slack.fake.messages[(message.channel, message.ts)].updates == 0

    # Once decided, Reject on a copy of the card as it was is refused too, with who and when.
    await daniel.press("Approve")
    await slack.interact(daniel.payload(message, block, reject))
    assert not slack.fake.calls_to("views.open")
    assert "SM-0001 was already approved by Daniel Osei at" in daniel.texts()
    assert (await record(slack, "SM-0001"))["status"] == "approved"
    refused = [r.value for _, r in await slack.application.storage.scan("audit/")
               if r.value["event"] == "refused"]
    assert [(r["actor"], r["attempted"], r["reason"]) for r in refused] == [
        ("joanne.clarke@northbrook.example", "reject", "not_assigned"),
        ("daniel.osei@northbrook.example", "reject", "already_decided")]


async def test_a_photo_shared_in_the_dm_is_answered(slack: SlackHarness) -> None:
    sophie = slack.user(SOPHIE)
    files = [{"id": "F0001", "name": "sports_day.jpg", "title": "sports_day.jpg",
              "mimetype": "image/jpeg", "url_private": "https://files.slack.example/F0001"}]
    response = await slack.event({"type": "message", "subtype": "file_share", "user": SOPHIE,
                                  "channel": sophie.dm, "channel_type": "im", "ts": "8.8",
                                  "text": "can I post this?", "files": files, "upload": True})
    assert response.status == 200
    # The photo is the draft: the bot read its name and asks where it will go.
    assert "Where will it go?" in str(sophie.messages()[-1].blocks)
    await sophie.press("My own personal account")
    # Sports day pictures: the bot asks about the pupils shown, saying what it noticed.
    assert "Does it show any pupils" in sophie.texts()
    assert "I noticed “sports_day.jpg”" in sophie.texts()
    state = await slack.application.storage.get(
        "conversation/sophie.bennett@northbrook.example")
    assert state is not None
    assert state.value["answers"]["draft"] == ["[attached file “sports_day.jpg”]"]
    assert not [c for c in slack.fake.calls if c.method.startswith("files.")]  # never fetched
    # The photo alone, then with a caption, as the draft itself.
    await sophie.say("cancel")
    await sophie.say("check a post")
    assert PASTE in str(sophie.messages()[-1].blocks)
    await slack.event({"type": "message", "user": SOPHIE, "channel": sophie.dm, "ts": "9.9",
                       "channel_type": "im", "text": "Our sports day &amp; the winners",
                       "files": files + [{"id": "F0002", "mode": "hidden_by_limit"}]})
    assert "Where will it go?" in sophie.texts()
    state = await slack.application.storage.get(
        "conversation/sophie.bennett@northbrook.example")
    assert state is not None and state.value["answers"]["draft"] == [
        "Our sports day & the winners\n[attached files “sports_day.jpg”, 1 more]"]


def body_sections(message: Posted, marker: str) -> list[str]:
    return [b["text"]["text"] for b in message.blocks
            if b["type"] == "section" and "text" in b and marker in b["text"]["text"]]


async def test_a_long_draft_is_shown_whole_on_the_approvers_card(slack: SlackHarness) -> None:
    sophie, daniel = slack.user(SOPHIE), slack.user(DANIEL)
    draft = OPINION + "\n".join(f"Day {i}: our Year 4 trip & what the class learned there. " * 10
                                for i in range(12))
    assert len(draft) > 6_000
    await ask_to_post(sophie, draft)
    [card] = daniel.messages()
    body = body_sections(card, "Year 4 trip")
    assert len(body) >= 3 and all(len(text) <= 3000 for text in body)
    kept = (await record(slack, "SM-0001"))["draft"]
    assert kept == draft.strip() and "\n".join(body) == kept
    assert "Shortened" not in daniel.texts()
    await daniel.press("Approve")
    assert (await record(slack, "SM-0001"))["status"] == "approved"
    assert_within_limits(slack.fake.calls)


async def test_a_ten_thousand_character_draft_fits_slack(slack: SlackHarness) -> None:
    sophie, daniel = slack.user(SOPHIE), slack.user(DANIEL)
    draft = (OPINION + "Tom & Jerry <script> said > less. " * 300)[:9_999] + "!"
    assert len(draft) == 10_000
    await ask_to_post(sophie, draft)
    assert (await record(slack, "SM-0001"))["draft"] == draft  # kept whole, as typed
    [card] = daniel.messages()
    body = body_sections(card, "Tom & Jerry")
    # Spread over several sections; only what is over Slack's total for a message is cut.
    assert len(body) > 1 and all(len(text) <= 3000 for text in body)
    # Exactly as typed, in plain_text, which Slack shows as text and never as markup.
    assert body[0].startswith(OPINION + "Tom & Jerry <script> said > less.")
    assert body[-1].endswith("…") and sum(map(len, body)) > 8_000
    assert all(b["text"]["type"] == "plain_text" for b in card.blocks
               if b["type"] == "section" and "Tom & Jerry" in b.get("text", {}).get("text", ""))
    assert "the full text is kept in the record of SM-0001" in daniel.texts()
    await daniel.press("Approve")
    assert_within_limits(slack.fake.calls)
    assert all(c.ok for c in slack.fake.calls_to("chat.postMessage"))


async def test_every_message_sent_stays_within_block_kit_limits(slack: SlackHarness) -> None:
    sophie, daniel = slack.user(SOPHIE), slack.user(DANIEL)
    long_words = "x" * 400
    await ask_to_post(sophie, OPINION + f"{long_words} & <@U123> <!channel> " * 30)
    await sophie.say("what does the policy say about photos of pupils?")
    await sophie.say("my requests")
    await daniel.say("pending")
    await daniel.press("Approve")
    await sophie.say("help")
    await slack.command(SOPHIE, "")
    await slack.event({"type": "app_home_opened", "user": SOPHIE, "tab": "home",
                       "channel": sophie.dm})
    checked = assert_within_limits(slack.fake.calls)
    assert checked >= 15
    assert "<!channel>" not in "".join(str(c.args) for c in slack.fake.calls_to(
        "chat.postMessage"))
