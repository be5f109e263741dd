"""The turns outside a flow: the menu, cancelling, lists, decisions on requests, questions
about the policy, and delegation while away.

Part of the application: :mod:`bot.routes` dispatches to it; it works inside the turn's
transaction (:class:`bot.turn_context.TurnContext`) and knows no platform.
"""

from __future__ import annotations

from bot import request_store
from bot.approvals import ApprovalDesk
from bot.delegation import end_delegation, set_delegation
from bot.turn_context import Handled, TurnContext
from conversations import render
from conversations.away import DelegationError, parse_delegation
from conversations.classify import Dialogue, Intent
from conversations.intent_registry import DECISIONS
from conversations.messages import Card, Message, Text, TurnResult
from conversations.requests import pending_steps

PACK_CHANGED = ("The policy's questions have changed since you started, so please start "
                "again.")


class CommandTurns:
    def __init__(self, dialogue: Dialogue, desk: ApprovalDesk) -> None:
        self.pack = dialogue.pack
        self.runner = dialogue.runner
        self.index = dialogue.index
        self.desk = desk

    async def menu(self, ctx: TurnContext, intent: Intent) -> Handled:
        current = self.runner.current_question(ctx.conversation, ctx.accounts)
        return ctx.reply(TurnResult(replies=render.menu(intent.lead, current)))

    async def pack_changed(self, ctx: TurnContext, intent: Intent) -> Handled:
        """The Trust changed its pack since this conversation began: the question it was
        at no longer exists. Start afresh rather than fail on every message."""
        afresh = ctx.conversation.idle()
        return ctx.reply(TurnResult(replies=[Text(PACK_CHANGED), *render.menu("", None)]),
                         afresh)

    async def stale(self, ctx: TurnContext, intent: Intent) -> Handled:
        return ctx.reply(TurnResult(stale=True, replies=[Text(
            "That question has already been answered, so nothing changed.")]))

    async def cancel(self, ctx: TurnContext, intent: Intent) -> Handled:
        said = "Cancelled: nothing was sent." if ctx.conversation.in_flow else \
            "Nothing to cancel."
        return ctx.reply(TurnResult(replies=[Text(said)]), ctx.conversation.idle())

    async def policy_question(self, ctx: TurnContext, intent: Intent) -> Handled:
        card = render.policy_answer(self.index.answer(intent.text), intent.text)
        return ctx.reply(TurnResult(replies=[card]))

    async def my_requests(self, ctx: TurnContext, intent: Intent) -> Handled:
        mine = await request_store.mine(ctx.tx, ctx.person.email)
        return ctx.reply(TurnResult(replies=render.request_list(
            "Your requests", mine[:10], "You haven't made any requests yet.", "requester")))

    async def withdraw_list(self, ctx: TurnContext, intent: Intent) -> Handled:
        mine = [r for r in await request_store.mine(ctx.tx, ctx.person.email)
                if r["status"] in ("pending",)]
        return ctx.reply(TurnResult(replies=render.request_list(
            "Which request do you want to withdraw?", mine,
            "You have no pending requests to withdraw.", "requester")))

    async def pending(self, ctx: TurnContext, intent: Intent) -> Handled:
        waiting = await request_store.waiting_for(ctx.tx, ctx.person.email)
        cards: list[Message] = []
        for record in waiting:
            for i in pending_steps(record):
                if record["steps"][i]["approver"] == ctx.person.email:
                    cards.append(render.approver_card(record, i))
        if not cards:
            cards = [Text("Nothing is waiting for you.")]
        else:
            cards.insert(0, Text(f"*Waiting for you* ({len(cards)})"))
        return ctx.reply(TurnResult(replies=cards))

    async def decide(self, ctx: TurnContext, intent: Intent) -> Handled:
        """A request's button: approve, reject, acknowledge or withdraw."""
        press = intent.press
        assert press is not None
        desk = await self.desk.act(ctx, press.name, press.request_id, press.comment)
        if desk.refusal:
            return ctx.reply(TurnResult(replies=[Text(desk.refusal)], stale=True))
        done = DECISIONS.get(press.name, "Done.").format(id=press.request_id)
        result = TurnResult(replies=[Text(done)], outbound=desk.outbound)
        # The pressed card now shows the decision; the adapter replaces it in place.
        result.replace = next((o.message for o in desk.outbound
                               if o.to == ctx.person.email and isinstance(o.message, Card)),
                              None)
        return ctx.reply(result)

    async def delegate(self, ctx: TurnContext, intent: Intent) -> Handled:
        today = ctx.now.date()
        try:
            delegate, start, until = parse_delegation(intent.text, ctx.people, today)
            await set_delegation(ctx.tx, ctx.person, delegate, start, until, today)
        except DelegationError as exc:
            return ctx.reply(TurnResult(replies=[Text(str(exc))]))
        ctx.audit({"event": "delegation_set", "actor": ctx.person.email,
                   "delegate": delegate.email, "start": start.isoformat(),
                   "until": until.isoformat()})
        said = (f"While you are away ({start:%d %b %Y} to {until:%d %b %Y}), new and pending "
                f"approvals go to {delegate.name}, who decides on your behalf. Requests from "
                f"{delegate.name} themselves stay with you.")
        return ctx.reply(TurnResult(replies=[Text(said)]))

    async def end_delegation(self, ctx: TurnContext, intent: Intent) -> Handled:
        ended = await end_delegation(ctx.tx, ctx.person)
        if ended:
            ctx.audit({"event": "delegation_ended", "actor": ctx.person.email})
        said = ("Welcome back: your approvals come to you again." if ended
                else "You have no delegation to end.")
        return ctx.reply(TurnResult(replies=[Text(said)]))
