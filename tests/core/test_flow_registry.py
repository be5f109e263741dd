"""Flows are named once (conversations/flow_registry.py): the menu, its buttons, the FAQ's
flow buttons, the request kinds and the pack check are derived from the registry, and no
other product module spells a flow's name."""

from __future__ import annotations

import re
from pathlib import Path

from conversations.faq import OFFERED_FLOWS
from conversations.flow_registry import FLOW_NAMES, FLOWS, KIND_TITLES, REQUIRED_QUESTIONS
from conversations.intent_registry import MENU
from conversations.pack_loader import load_pack
from conversations.render import FLOW_BUTTONS

ROOT = Path(__file__).resolve().parents[2]


def test_the_menu_buttons_and_checks_come_from_the_registry() -> None:
    assert [a.value for a in MENU][:len(FLOWS)] == list(FLOW_NAMES)
    assert [a.label for a in MENU][:len(FLOWS)] == [f.menu_label for f in FLOWS]
    assert [flow for flow, _ in FLOW_BUTTONS] == list(FLOW_NAMES)
    assert {*FLOW_NAMES, "none"} == OFFERED_FLOWS
    assert set(KIND_TITLES) == {f.kind for f in FLOWS}
    pack = load_pack()
    assert set(pack.flows) == set(FLOW_NAMES)
    for name, questions in REQUIRED_QUESTIONS.items():
        assert all(pack.flow(name).has_question(q) for q in questions), name


def test_no_other_module_names_a_flow() -> None:
    named = re.compile("|".join(rf"[\"']{re.escape(n)}[\"']" for n in FLOW_NAMES))
    registry = ROOT / "conversations" / "flow_registry.py"
    spelled = [str(p.relative_to(ROOT)) for folder in ("bot", "conversations", "adapters",
                                                       "policybot_app", "storage")
               for p in sorted((ROOT / folder).rglob("*.py"))
               if p != registry and named.search(p.read_text(encoding="utf-8"))]
    assert spelled == []
