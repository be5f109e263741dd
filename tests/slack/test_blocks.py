"""Block Kit rendering on its own: limits, escaping, and what buttons carry."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.slack import blocks, modals
from adapters.slack.markup import fit_mrkdwn, from_slack, without_mention
from adapters.slack.reading import typed_in_dm
from conversations.messages import Action, Card, Option, Question, Text
from testing.slack.fake_slack import Call
from testing.slack.limits import assert_within_limits, blocks_problems


def posted(rendered: blocks.Rendered) -> Call:
    return Call("chat.postMessage", {"text": rendered.text, "blocks": rendered.blocks})


def test_the_limit_checker_catches_what_slack_would_refuse() -> None:
    too_long: list[dict[str, Any]] = [{"type": "actions", "elements": [
        {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "x" * 76}},
        {"type": "checkboxes", "action_id": "b", "options": [
            {"text": {"type": "plain_text", "text": str(i)}, "value": str(i)}
            for i in range(11)]}]},
        {"type": "section", "text": {"type": "mrkdwn", "text": "y" * 3001}}]
    problems = blocks_problems(too_long * 26, "message")
    assert any("52 blocks" in p for p in problems)
    assert any("75" in p for p in problems) and any("10" in p for p in problems)
    assert any("3000" in p for p in problems)
    with pytest.raises(AssertionError):
        assert_within_limits([Call("chat.postMessage", {"text": "t", "blocks": too_long})])


def test_everything_typed_is_cut_to_fit() -> None:
    huge = "<&>" * 5000
    question = Question("q7", huge, tuple(Option(f"v{i}" + "z" * 200, huge) for i in range(4)),
                        free_text=True, detail=huge)
    card = Card(huge, fields=tuple((huge, huge) for _ in range(700)), body=huge,
                actions=(Action("approve", huge, "SM-0001"),
                         Action("reject", huge, "SM-0001", needs_reason=True)),
                request_id="SM-0001", footer=huge)
    rendered = [blocks.render(m) for m in (question, card, Text(huge * 10))]
    assert_within_limits([posted(r) for r in rendered])
    card_blocks = rendered[1].blocks
    assert len(card_blocks) <= 50 and card_blocks[-1]["type"] == "actions"
    assert "the full text is kept in the record of SM-0001" in str(card_blocks)
    assert all(blocks.text_length(r.blocks) <= blocks.MESSAGE_TEXT for r in rendered)
    many = blocks.render(Card("T", fields=tuple((f"k{i}", "v") for i in range(700)), body="b",
                              actions=(Action("approve", "Approve", "SM-0001"),),
                              request_id="SM-0001"))
    assert len(many.blocks) == 50 and many.blocks[-1]["type"] == "actions"
    assert "the full text is kept in the record of SM-0001" in str(many.blocks[-2])
    assert any(b.get("text", {}).get("text") == "b" for b in many.blocks)  # the body stays
    home = {"type": "home", "blocks": blocks.home_view(card)["blocks"]}
    assert_within_limits([Call("views.publish", {"view": home}),
                          Call("views.open", {"view": modals.reject_modal(
                              "SM-0001" * 50, "D1", "1.1")})])


def test_escaping_never_splits_an_entity() -> None:
    for length in range(1, 40):
        text, cut = fit_mrkdwn("a&<>" * 50, length)
        assert len(text) <= length and cut
        body = text.removesuffix("…")
        assert body.count("&") == body.count(";")  # whole entities only
    assert fit_mrkdwn("<!channel> & <@U1>", 100) == ("&lt;!channel&gt; &amp; &lt;@U1&gt;", False)


def test_many_options_become_a_menu_and_many_boxes_several_groups() -> None:
    options = tuple(Option(f"o{i}", f"Option {i}") for i in range(12))
    menu = blocks.render(Question("q3", "Pick one", options[:6]))
    [select] = [e for b in menu.blocks if b["type"] == "actions" for e in b["elements"]]
    assert select["type"] == "static_select" and len(select["options"]) == 6
    assert blocks.decode_choice(select["options"][5]["value"]) == ("q3", "o5")
    ticks = blocks.render(Question("q4", "Tick", options, multiple=True))
    groups = [b for b in ticks.blocks if b["type"] == "actions"
              and b["elements"][0]["type"] == "checkboxes"]
    assert [len(g["elements"][0]["options"]) for g in groups] == [10, 2]
    state = {g["block_id"]: {"tick": {"type": "checkboxes", "selected_options": [
        g["elements"][0]["options"][-1]]}} for g in groups}
    state["q|q99|0"] = {"tick": {"selected_options": [{"value": "other-question"}]}}
    assert blocks.ticked_values(state, "q4") == ["o9", "o11"]
    assert_within_limits([posted(menu), posted(ticks)])


def test_card_buttons_carry_the_action_and_foreign_values_are_refused() -> None:
    card = blocks.render(Card("T", actions=(Action("reject", "Reject", "SM-0009",
                                                   needs_reason=True),
                                            Action("start", "Go", value="new_account"))))
    reject, start = card.blocks[-1]["elements"]
    assert blocks.decode_press(reject["value"]) == blocks.Pressed("reject", "SM-0009", "", True)
    assert blocks.decode_press(start["value"]) == blocks.Pressed("start", "", "new_account",
                                                                 False)
    for foreign in ('{"a": "delete"}', "[]", "approve", '{"r": "SM-1"}'):
        with pytest.raises(ValueError):
            blocks.decode_press(foreign)


def test_answered_questions_keep_the_prompt_and_lose_the_buttons() -> None:
    question = blocks.render(Question("q2", "Where will it go?",
                                      (Option("a", "Here"), Option("b", "There")),
                                      free_text=True))
    after = blocks.answered(question.blocks, ["<There>"])
    assert [b["type"] for b in after.blocks] == ["section", "context"]
    assert "&lt;There&gt;" in after.blocks[-1]["elements"][0]["text"]


def test_slack_text_is_read_as_typed() -> None:
    typed = from_slack("Visit <https://oak.example/trip|oak.example/trip> &amp; "
                       "<https://x.example> with <@U1|sam> in <#C1|staff> &lt;3 <!here>")
    assert typed == ("Visit oak.example/trip (https://oak.example/trip) & https://x.example "
                     "with @sam in #staff <3 @here")
    assert without_mention("<@UBOT> can I post this?", "UBOT") == "can I post this?"
    assert without_mention("<@UBOT|policybot> hi", None) == "hi"


def body_of(rendered: blocks.Rendered) -> list[str]:
    return [b["text"]["text"] for b in rendered.blocks if b["type"] == "section" and "text" in b]


def test_a_long_card_body_is_spread_over_sections_not_cut() -> None:
    # 7,000 characters in long lines and one very long line without a break.
    lines = [f"Line {i}: " + "we had a lovely sports day & everyone took part " * 12
             for i in range(8)] + ["x" * 2500]
    draft = "\n".join(lines)
    card = Card("Approval needed: SM-0002", fields=(("From", "Sophie Bennett"),), body=draft,
                actions=(Action("approve", "Approve", "SM-0002"),), request_id="SM-0002")
    rendered = blocks.render(card)
    sections = body_of(rendered)
    assert len(sections) >= 3 and all(len(t) <= 3000 for t in sections)
    shown = "".join(t.replace("\n", "") for t in sections).replace("&amp;", "&")
    assert shown.replace(" ", "") == draft.replace("\n", "").replace(" ", "")  # all of it
    assert "Shortened" not in str(rendered.blocks)
    assert rendered.blocks[-1]["type"] == "actions"
    assert_within_limits([posted(rendered)])


def test_a_body_too_long_for_one_message_is_cut_with_a_note() -> None:
    draft = "All of Year 6 & their families are invited. " * 600  # 27,000 characters
    rendered = blocks.render(Card("T", body=draft, request_id="SM-0003",
                                  actions=(Action("approve", "Approve", "SM-0003"),)))
    sections = body_of(rendered)
    assert len(sections) > 1 and sections[-1].endswith("…")
    assert blocks.text_length(rendered.blocks) <= blocks.MESSAGE_TEXT
    assert rendered.blocks[-2]["elements"][0]["text"] == (
        "Shortened to fit in Slack: the full text is kept in the record of SM-0003.")
    assert_within_limits([posted(rendered)])


def test_a_long_line_of_text_is_split_at_spaces() -> None:
    rendered = blocks.render(Text(" ".join(["word"] * 1500)))  # 7,499 characters, one line
    sections = body_of(rendered)
    assert len(sections) == 3 and all(t.startswith("word") and t.endswith("word")
                                      for t in sections)
    assert sum(t.count("word") for t in sections) == 1500


def test_attached_files_are_described_by_name() -> None:
    event: dict[str, Any] = {
        "type": "message", "subtype": "file_share", "channel_type": "im", "user": "U1",
        "text": "can I post this?", "files": [{"id": "F1", "name": "sports_day.jpg"}]}
    assert typed_in_dm(event) == "can I post this?\n[attached file “sports_day.jpg”]"
    assert typed_in_dm({**event, "text": "", "files": [{"id": "F1"}, {"id": "F2"}]}) == (
        "[attached 2 files]")
    assert typed_in_dm({**event, "subtype": None, "text": "&lt;3"}) == (
        "<3\n[attached file “sports_day.jpg”]")
    ignored: list[dict[str, Any]] = [{"subtype": "message_changed"}, {"bot_id": "B1"},
                                     {"channel_type": "channel"}, {"text": None, "files": []}]
    for ignored_event in ignored:
        assert typed_in_dm({**event, **ignored_event}) is None
