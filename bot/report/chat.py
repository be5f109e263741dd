""""report" in chat: the governance report of this term (or the last) as a summary card with
the file, for the governance lead, the CEO and admins; anyone else is told it is not for
them. The one handler the routes table (bot/routes.py) gives the "report" intent."""

from __future__ import annotations

from bot.report import files
from bot.report.options import ReportOptions
from bot.report.period import last_term, this_term
from bot.turn_context import Handled, TurnContext
from conversations import intents
from conversations.classify import Intent
from conversations.messages import Text, TurnResult
from conversations.people import Person
from conversations.policy import PolicyPack
from storage.base import Storage

MAY_ASK = ("governance_lead", "ceo", "admin")
NOT_FOR_YOU = ("The governance report is for the Head of Governance and People, the CEO and "
               "the bot's admins. To report a concern, say \"report a concern\".")


def may_have_report(person: Person) -> bool:
    return any(person.has(role) for role in MAY_ASK)


class ReportChat:
    def __init__(self, storage: Storage, pack: PolicyPack, options: ReportOptions) -> None:
        self.storage = storage
        self.pack = pack
        self.options = options

    async def turn(self, ctx: TurnContext, intent: Intent) -> Handled:
        if not may_have_report(ctx.person):
            ctx.audit({"event": "refused", "actor": ctx.person.email,
                       "reason": "not_governance", "attempted": "report"})
            return ctx.reply(TurnResult(replies=[Text(NOT_FOR_YOU)]))
        which = intents.report_asked(self.pack, intent.text) or "this"
        period = (last_term if which == "last" else this_term)(ctx.now.date())
        # Read from the store itself, not the turn's transaction: the report changes nothing
        # it reads, and a concurrent turn elsewhere must not make this one start again.
        from bot.report.build import make_report  # loads matplotlib: only when needed
        report = await make_report(self.storage, self.pack, self.options, period, "", ctx.now)
        put, offer = files.keep(report.html, f"{report.stem}.html",
                                f"Governance report: {period.title()}",
                                self.options.public_url, ctx.now)
        ctx.tx.create(put.key, put.value)
        ctx.audit({"event": "report_made", "actor": ctx.person.email, "period": period.slug()})
        return ctx.reply(TurnResult(replies=[report.card(offer)]))
