"""Every intent a person can ask for and every button they can press, in one place.

The pack check (an ``intents:`` entry must name one of these), the dispatcher in the
application, the menu and each adapter's buttons all read this registry, so a new intent or
action is added here once.
"""

from __future__ import annotations

from conversations.flow_registry import FLOW_NAMES, FLOWS
from conversations.messages import PRESS_NAMES, Action

# The flows (conversations.flow_registry) are also intents ("check a post").
# Lists a person can ask for.
LIST_INTENTS: tuple[str, ...] = ("my_requests", "pending")
# Words that steer the conversation rather than start something.
COMMAND_INTENTS: tuple[str, ...] = ("cancel", "restart", "help", "withdraw")
# The governance report, for the governance lead, the CEO and admins (bot/report/chat.py).
REPORT_INTENT = "report"
KNOWN_INTENTS: frozenset[str] = frozenset(FLOW_NAMES + LIST_INTENTS + COMMAND_INTENTS
                                          + (REPORT_INTENT,))
# What a "start" button may carry as its value: a flow or a list.
STARTABLE: frozenset[str] = frozenset(FLOW_NAMES + LIST_INTENTS)

# Every button name (the neutral ``ActionName``), for adapters reading a press back.
__all__ = ["COMMAND_INTENTS", "DECISIONS", "FLOW_NAMES", "KNOWN_INTENTS", "LIST_INTENTS",
           "MENU", "PRESS_NAMES", "REPORT_INTENT", "STARTABLE"]
# The buttons that decide a step of a request, and what the presser is told afterwards.
DECISIONS: dict[str, str] = {
    "approve": "You approved {id}.",
    "reject": "You rejected {id}. The requester has been told why.",
    "acknowledge": "Thank you: {id} is marked as in hand.",
    "withdraw": "{id} is withdrawn.",
}

# The menu: shown on "help", on a platform's home page and after a greeting.
MENU: tuple[Action, ...] = (
    *(Action("start", f.menu_label, value=f.name, style="primary" if f.primary else "")
      for f in FLOWS),
    Action("start", "My requests", value="my_requests"),
    Action("start", "Pending for me", value="pending"),
)
assert {a.value for a in MENU} == STARTABLE, "the menu offers every flow and list"
