"""The turns of a flow under way: starting it, answering, and what a finished check leads
to (a refusal, "fine to post", or a request), with the side exchanges of
:mod:`conversations.exchanges` (a held message, a report's "send it?", a disputed finding,
a draft checked again).

Part of the application: :mod:`bot.routes` dispatches to it; it works inside the turn's
transaction (:class:`bot.turn_context.TurnContext`) and knows no platform.
"""

from __future__ import annotations

from bot.approvals import ApprovalDesk
from bot.delivery import platform_of
from bot.turn_context import Handled, TurnContext
from conversations import exchanges, intents, render
from conversations.classify import Dialogue, Intent
from conversations.doubt import INSISTED
from conversations.evaluation import Evaluation
from conversations.flow_registry import CHECK_POST
from conversations.flows import Progress
from conversations.messages import Choice, Text, TurnResult
from conversations.people_search import Someone
from conversations.routing import Unroutable


class FlowTurns:
    def __init__(self, dialogue: Dialogue, desk: ApprovalDesk) -> None:
        self.pack = dialogue.pack
        self.runner = dialogue.runner
        self.index = dialogue.index
        self.desk = desk

    async def start_flow(self, ctx: TurnContext, intent: Intent) -> Handled:
        people = [Someone(*p) for p in ctx.names.people]
        return await self.start(ctx, intent.name,
                                intents.preset_for(self.pack, intent.name, intent.text, people))

    async def start(self, ctx: TurnContext, flow: str, preset: dict[str, list[str]]) -> Handled:
        progress = self.runner.start(ctx.conversation, flow, ctx.person, ctx.accounts, preset,
                                     ctx.names)
        intro = Text(f"*{self.pack.flow(flow).title}*. Say \"cancel\" at any time to stop.")
        result, after = await self.progressed(ctx, progress)
        result.replies.insert(0, intro)
        return result, after

    async def answer(self, ctx: TurnContext, intent: Intent) -> Handled:
        assert intent.choice is not None
        progress = self.runner.answer(ctx.conversation, ctx.person, intent.choice,
                                      ctx.accounts, ctx.names)
        return await self.progressed(ctx, progress)

    async def progressed(self, ctx: TurnContext, progress: Progress,
                         confirmed: bool = False) -> Handled:
        result = TurnResult(replies=list(progress.replies), answered=progress.answered,
                            stale=progress.stale)
        evaluation = progress.finished
        if evaluation is None:
            return result, progress.conversation
        outcome_event = {"event": "checked", "actor": ctx.person.email, "flow": evaluation.flow,
                         "outcome": evaluation.outcome, "clauses": list(evaluation.clauses),
                         "rules": [r.id for r in evaluation.refusals + evaluation.requirements
                                   + evaluation.warnings],
                         "found": [f.fact for f in evaluation.findings],
                         # Where and on what the check happened, for the governance report.
                         "school": ctx.person.school,
                         "platform": await platform_of(ctx.tx.storage, ctx.person.email)}
        if evaluation.outcome == "refuse":
            ctx.audit(outcome_event)
            last = progress.conversation.last_check
            result.replies += render.refusal(self.pack, evaluation, last.id if last else "")
        elif evaluation.outcome == "allow":
            ctx.audit(outcome_event)
            result.replies += render.allowed(self.pack, evaluation)
        elif evaluation.outcome == "refer" and not confirmed:
            return self._confirm_report(ctx, progress, evaluation, result)
        else:
            desk = await self.desk.create(ctx, evaluation)
            if desk.refusal:
                result.replies.append(Text(desk.refusal))
            result.replies += desk.replies
            result.outbound += desk.outbound
        return result, progress.conversation

    async def recheck(self, ctx: TurnContext, intent: Intent) -> Handled:
        """Check a revised draft: the old one shown as typed, to copy and change."""
        draft = exchanges.recheck_draft(ctx.conversation, intent.text)
        result, after = await self.start(ctx, CHECK_POST.name, {})
        if draft is not None:
            result.replies[1:1] = [Text("Your draft as you sent it, to copy and change:"),
                                   Text(draft)]
        return result, after

    async def dispute(self, ctx: TurnContext, intent: Intent) -> Handled:
        """The person says a finding is wrong: the check goes on to their line manager, with
        the finding and their reason, instead of ending in a refusal."""
        assert intent.press is not None
        reply = exchanges.read_dispute(ctx.conversation, intent.press)
        if reply.stale:
            return ctx.reply(TurnResult(stale=True, replies=[Text(
                "That check is no longer the latest one, so nothing changed. Say \"check a "
                "post\" to check it again.")]))
        if not reply.reason:
            return ctx.reply(TurnResult(replies=[Text(
                "Please say why what I noticed is not what the post means: your line manager "
                "will read it.")]))
        last = ctx.conversation.last_check
        ctx.audit({"event": "finding_disputed", "actor": ctx.person.email,
                   "comment": reply.reason, "found": [f.fact for f in last.findings]
                   if last else [], "school": ctx.person.school})
        progress = self.runner.resume(ctx.conversation, ctx.person, ctx.accounts, reply.reason)
        result, after = await self.progressed(ctx, progress)
        result.replies.insert(0, Text("Thank you. I'll ask your line manager to decide, with "
                                      "what I noticed and your reason."))
        return result, after

    async def hold(self, ctx: TurnContext, intent: Intent) -> Handled:
        """Keep the message and ask what it is: a post (or answer) or a question."""
        held, question = exchanges.hold(ctx.conversation, intent.text, intent.lead,
                                        intent.as_post)
        return ctx.reply(TurnResult(replies=[question]), held)

    async def held_reply(self, ctx: TurnContext, intent: Intent) -> Handled:
        assert intent.choice is not None
        reply = exchanges.read_held(ctx.conversation, intent.choice)
        if reply.picked is None:
            return ctx.reply(TurnResult(replies=[Text("Please choose one of the buttons.")]))
        base = ctx.carrying_on(reply.conversation)
        if reply.picked == "question":
            result = TurnResult(replies=[render.policy_answer(self.index.answer(reply.text),
                                                              reply.text)])
            current = self.runner.current_question(base.conversation, ctx.accounts)
            if current is not None:
                result.replies += [Text("Now, back to where we were:"), current]
            result.answered = (reply.label,)
            return result, base.conversation
        if base.conversation.asked:
            result, after = await self.answer(base, Intent("answer", choice=Choice(
                str(base.conversation.token), text=reply.text)))
        else:
            result, after = await self.start(base, CHECK_POST.name, {"draft": [reply.text]})
        result.answered = (reply.label,)
        return result, after

    def _confirm_report(self, ctx: TurnContext, progress: Progress, evaluation: Evaluation,
                        result: TurnResult) -> Handled:
        """Before a report goes, the reporter is told exactly who will see it, and may stop."""
        try:
            recipients = self.desk.preview_referral(ctx.person, ctx.people, evaluation)
        except Unroutable as exc:
            result.replies.append(Text(f"I couldn't find anyone to take this: {exc}. "
                                       f"Please contact {self.pack.contact}."))
            return result, progress.conversation
        waiting, question = exchanges.confirm_report(progress.conversation, evaluation,
                                                     recipients)
        result.replies.append(question)
        return result, waiting

    async def confirm_reply(self, ctx: TurnContext, intent: Intent) -> Handled:
        """The reporter's answer to "send it?": the report goes, or nothing does."""
        assert intent.choice is not None
        reply = exchanges.read_confirm(ctx.conversation, intent.choice)
        if reply.send is None or reply.report is None:
            return ctx.reply(TurnResult(replies=[Text("Please choose Send it or Don't send "
                                                      "it.")]))
        if not reply.send:
            ctx.audit({"event": "report_not_sent", "actor": ctx.person.email})
            return ctx.reply(TurnResult(answered=("Don't send it",), replies=[Text(
                "Nothing was sent. Say \"report a concern\" if you change your mind.")]),
                reply.conversation)
        flow = self.pack.flow(reply.report.flow)
        answers = {**reply.report.answers, INSISTED: reply.report.insisted}
        evaluation = self.runner.evaluate(flow, answers, ctx.person)
        done = Progress(reply.conversation, finished=evaluation)
        result, after = await self.progressed(ctx.carrying_on(reply.conversation), done,
                                              confirmed=True)
        result.answered = ("Send it",)
        return result, after
