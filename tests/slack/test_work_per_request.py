"""What a Slack request costs: a body is parsed once, and a Web API call that would change
nothing on screen is not sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import slack_bolt.request.internals as bolt_internals

import adapters.slack.endpoint as endpoint
from testing.slack.harness import SlackHarness
from testing.slack.journeys import OPINION, ask_to_post, header
from testing.slack.world import DANIEL, SOPHIE


async def test_a_decided_card_is_updated_once(slack: SlackHarness) -> None:
    """The pressed card shows the decision at once; the outbox's delivery of that same new
    version under the card's key would change nothing, and is not sent."""
    sophie, daniel = slack.user(SOPHIE), slack.user(DANIEL)
    await ask_to_post(sophie, OPINION + "I think our new library is the best in town")
    [card] = daniel.messages()
    await daniel.press("Approve")
    await slack.settle()
    card = slack.fake.messages[(card.channel, card.ts)]
    assert "approved by Daniel Osei" in header(card)
    updates = [c for c in slack.fake.calls_to("chat.update") if c.args["ts"] == card.ts]
    assert len(updates) == 1 and card.updates == 1
    assert header(sophie.messages()[-1]) == "Approved: SM-0001"


async def test_a_press_s_body_is_parsed_once(slack: SlackHarness,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A press carries the whole message it was on; the guard in front of Bolt parses it and
    hands Bolt the result, rather than Bolt unquoting and parsing it all again."""
    sophie = slack.user(SOPHIE)
    await sophie.say("can I post this?")
    await sophie.say("Our Year 4 trip to the museum was brilliant & the children loved it")
    parsed: list[int] = []

    def counting(real: Callable[..., Any]) -> Callable[..., Any]:
        def parse(text: str, *args: Any, **kwargs: Any) -> Any:
            parsed.append(len(text))
            return real(text, *args, **kwargs)
        return parse

    monkeypatch.setattr(endpoint, "parse_qsl", counting(endpoint.parse_qsl))
    monkeypatch.setattr(bolt_internals, "parse_qsl", counting(bolt_internals.parse_qsl))
    await sophie.press("My own personal account")
    assert len(parsed) == 1
    assert "Needs approval: request SM-0001" in sophie.texts()
