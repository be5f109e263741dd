"""Which handler takes an intent: an ordered table of routes.

The engine decides what a turn is (:func:`conversations.classify.classify`); this table says
who carries it out. Each route has a selector (the intent kinds it takes) and a rank; the
first route by rank whose selector takes the intent handles it, as Bolt's listeners and the
Agents SDK's routes do. The table is checked when it is built: every kind of intent the
engine can name has exactly one route.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from bot.command_turns import CommandTurns
from bot.flow_turns import FlowTurns
from bot.report.chat import ReportChat
from bot.turn_context import Handled, TurnContext
from conversations.classify import INTENT_KINDS, Intent

Handler = Callable[[TurnContext, Intent], Awaitable[Handled]]


@dataclass(frozen=True)
class Route:
    kinds: frozenset[str]
    handle: Handler
    rank: int = 0

    def selects(self, intent: Intent) -> bool:
        return intent.kind in self.kinds


class Routes:
    def __init__(self, routes: Iterable[Route]) -> None:
        self._routes = sorted(routes, key=lambda r: r.rank)
        for kind in INTENT_KINDS:
            taking = [r for r in self._routes if kind in r.kinds]
            if len(taking) != 1:
                raise ValueError(f"intent {kind!r} has {len(taking)} routes, not one")
        unknown = {k for r in self._routes for k in r.kinds} - INTENT_KINDS
        if unknown:
            raise ValueError(f"routes for intents the engine never names: {sorted(unknown)}")

    async def dispatch(self, ctx: TurnContext, intent: Intent) -> Handled:
        route = next(r for r in self._routes if r.selects(intent))
        return await route.handle(ctx, intent)


def _on(*kinds: str) -> frozenset[str]:
    return frozenset(kinds)


def application_routes(flows: FlowTurns, commands: CommandTurns, reports: ReportChat) -> Routes:
    """Every intent's handler. Ranks only order the table for reading: each kind has one
    route, so no two routes compete."""
    return Routes([
        Route(_on("pack_changed"), commands.pack_changed, rank=0),
        # Buttons: a request's decision, a finding disputed, a draft checked again.
        Route(_on("decide"), commands.decide, rank=10),
        Route(_on("dispute"), flows.dispute, rank=11),
        Route(_on("recheck"), flows.recheck, rank=12),
        # Answers to a question asked.
        Route(_on("held_reply"), flows.held_reply, rank=20),
        Route(_on("confirm_reply"), flows.confirm_reply, rank=21),
        Route(_on("stale"), commands.stale, rank=22),
        Route(_on("answer"), flows.answer, rank=23),
        # Messages.
        Route(_on("hold"), flows.hold, rank=30),
        Route(_on("start_flow"), flows.start_flow, rank=31),
        Route(_on("policy_question"), commands.policy_question, rank=32),
        Route(_on("cancel"), commands.cancel, rank=33),
        Route(_on("my_requests"), commands.my_requests, rank=34),
        Route(_on("pending"), commands.pending, rank=35),
        Route(_on("withdraw_list"), commands.withdraw_list, rank=36),
        Route(_on("delegate"), commands.delegate, rank=37),
        Route(_on("end_delegation"), commands.end_delegation, rank=38),
        Route(_on("report"), reports.turn, rank=39),
        Route(_on("menu"), commands.menu, rank=99),
    ])
