"""Every flow the product knows, named once.

A pack defines the questions and rules of these flows; the product itself relies on each
one's name, the request it makes, the questions it reads by id, and the words it is shown
with. The menu and its buttons (:mod:`conversations.intent_registry`), the FAQ's flow
buttons and the approvals' wording (:mod:`conversations.render`), the request kinds, the
pack check and the application all read this registry, so a flow is added here once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FlowEntry:
    name: str
    # The kind of request the flow makes ("post") and its title on cards and lists.
    kind: str
    kind_title: str
    # The menu's button, and the button an answer from the FAQ offers.
    menu_label: str
    offer_label: str
    # Question ids the application reads by name (the first is the request's main text): a
    # pack must keep them.
    required_questions: tuple[str, ...]
    # Every path through the flow must end in a request (an approval or a referral).
    always_a_request: bool = False
    primary: bool = False


CHECK_POST = FlowEntry("check_post", "post", "Post check", "Check a post", "Check a post",
                       ("draft",), primary=True)
NEW_ACCOUNT = FlowEntry("new_account", "account", "New official account", "New account",
                        "Request a new account", ("purpose", "platform", "name", "runner"),
                        always_a_request=True)
REPORT_CONCERN = FlowEntry("report_concern", "concern", "Concern report", "Report a concern",
                           "Report a concern", ("details",), always_a_request=True)

FLOWS: tuple[FlowEntry, ...] = (CHECK_POST, NEW_ACCOUNT, REPORT_CONCERN)
BY_NAME: dict[str, FlowEntry] = {f.name: f for f in FLOWS}
FLOW_NAMES: tuple[str, ...] = tuple(BY_NAME)
KIND_OF_FLOW: dict[str, str] = {f.name: f.kind for f in FLOWS}
KIND_TITLES: dict[str, str] = {f.kind: f.kind_title for f in FLOWS}
REQUIRED_QUESTIONS: dict[str, tuple[str, ...]] = {f.name: f.required_questions for f in FLOWS}
REQUEST_FLOWS: frozenset[str] = frozenset(f.name for f in FLOWS if f.always_a_request)
