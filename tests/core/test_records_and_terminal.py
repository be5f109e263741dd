"""The audit trail as CSV, a reason asked again in the terminal chat, and the requester
seeing why a request was rejected."""

from __future__ import annotations

import csv
import io

from adapters.terminal import TerminalChat
from bot import records
from bot.app import Application
from bot.application_port import PortToApplication
from testing.chat import Chat
from testing.staff import DEPUTY, HEAD, TEACHER


async def test_the_audit_trail_exports_as_csv(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.check_post("Her mum is useless, no wonder the kid is always late")
    refusal = chat.card()
    dispute = next(a for a in refusal.actions if a.name == "dispute")
    await chat.press("dispute", "", comment="It's about my own mum", value=dispute.value)
    await chat.answer_asked(channel="personal")
    request_id = chat.card().request_id
    await Chat(app, HEAD).press("approve", request_id)  # not hers to decide: refused
    text = await records.export(app.storage, None, "csv", "audit")
    rows = list(csv.DictReader(io.StringIO(text)))
    events = [r["event"] for r in rows]
    assert {"checked", "finding_disputed", "created", "refused"} <= set(events)
    checked = next(r for r in rows if r["event"] == "checked")
    assert checked["outcome"] == "refuse" and checked["clauses"] == "6.4 7.1"
    assert checked["found"] == "derogatory" and checked["actor"] == TEACHER
    refused = next(r for r in rows if r["event"] == "refused")
    assert refused["actor"] == HEAD and refused["attempted"] == "approve"
    disputed = next(r for r in rows if r["event"] == "finding_disputed")
    assert disputed["comment"] == "It's about my own mum"


async def test_a_reason_left_empty_in_the_terminal_is_asked_again(app: Application) -> None:
    await Chat(app, TEACHER).check_post("Speaking as head of year, I think phones should go",
                                        channel="personal")
    out = io.StringIO()
    reasons = iter(["", "Please leave the phones debate to the head"])
    chat = TerminalChat(PortToApplication(app), DEPUTY, out=out, ask_reason=lambda: next(reasons))
    await chat.say("pending")
    letter = next(k for k, a in chat.actions.items() if a.name == "reject")
    await chat.say(letter)
    said = out.getvalue()
    assert "Please give a reason" in said and "You rejected SM-0001" in said
    assert "I'm not sure what you mean" not in said
    mine = Chat(app, TEACHER)
    await mine.send("my requests")
    mine.assert_reply("Rejected by", "Please leave the phones debate to the head")


async def test_a_reason_never_given_sends_nothing(app: Application) -> None:
    await Chat(app, TEACHER).check_post("Speaking as head of year, I think phones should go",
                                        channel="personal")
    out = io.StringIO()
    chat = TerminalChat(PortToApplication(app), DEPUTY, out=out, ask_reason=lambda: "")
    await chat.say("pending")
    letter = next(k for k, a in chat.actions.items() if a.name == "reject")
    await chat.say(letter)
    assert "Nothing was sent" in out.getvalue()
    record = (await app.storage.get("request/SM-0001")).value
    assert record["status"] == "pending"
