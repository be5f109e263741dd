"""Every intent a person can ask for and every button they can press, in one place.

The pack check (an ``intents:`` entry must name one of these), the dispatcher in the
application, the menu and each adapter's buttons all read this registry, so a new intent or
action is added here once.
"""

from __future__ import annotations

from conversations.messages import PRESS_NAMES, Action

# The flows a pack defines; each is also an intent ("check a post").
FLOW_NAMES: tuple[str, ...] = ("check_post", "new_account", "report_concern")
# Lists a person can ask for.
LIST_INTENTS: tuple[str, ...] = ("my_requests", "pending")
# Words that steer the conversation rather than start something.
COMMAND_INTENTS: tuple[str, ...] = ("cancel", "restart", "help", "withdraw")
KNOWN_INTENTS: frozenset[str] = frozenset(FLOW_NAMES + LIST_INTENTS + COMMAND_INTENTS)
# What a "start" button may carry as its value: a flow or a list.
STARTABLE: frozenset[str] = frozenset(FLOW_NAMES + LIST_INTENTS)

# Every button name (the neutral ``ActionName``), for adapters reading a press back.
__all__ = ["COMMAND_INTENTS", "DECISIONS", "FLOW_NAMES", "KNOWN_INTENTS", "LIST_INTENTS",
           "MENU", "PRESS_NAMES", "STARTABLE"]
# The buttons that decide a step of a request, and what the presser is told afterwards.
DECISIONS: dict[str, str] = {
    "approve": "You approved {id}.",
    "reject": "You rejected {id}. The requester has been told why.",
    "acknowledge": "Thank you: {id} is marked as in hand.",
    "withdraw": "{id} is withdrawn.",
}

# The menu: shown on "help", on a platform's home page and after a greeting.
MENU: tuple[Action, ...] = (
    Action("start", "Check a post", value="check_post", style="primary"),
    Action("start", "New account", value="new_account"),
    Action("start", "Report a concern", value="report_concern"),
    Action("start", "My requests", value="my_requests"),
    Action("start", "Pending for me", value="pending"),
)
assert {a.value for a in MENU} == STARTABLE, "the menu offers every flow and list"
