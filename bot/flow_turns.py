"""The turns of a flow under way: starting it, answering, and what a finished check leads
to (a refusal, "fine to post", or a request), with the reader's findings disputed or a draft
checked again.

Part of the application (:mod:`bot.service` dispatches to it); it works inside the turn's
transaction and knows no platform.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.approvals import ApprovalDesk, load_accounts
from bot.tx import Tx
from conversations import render
from conversations.ask import PolicyIndex
from conversations.doubt import INSISTED
from conversations.flows import Account, Evaluation, FlowRunner, Progress, State
from conversations.messages import Choice, Option, Press, Question, Text, TurnResult
from conversations.people import PeopleIndex, Person
from conversations.policy import PolicyPack
from conversations.reader import KnownNames
from conversations.routing import Unroutable

# What a turn produced for the speaker, and the conversation state to store.
Handled = tuple[TurnResult, State]


class FlowTurns:
    def __init__(self, pack: PolicyPack, runner: FlowRunner, desk: ApprovalDesk,
                 index: PolicyIndex, clock: Callable[[], datetime],
                 names: Callable[[PeopleIndex], KnownNames]) -> None:
        self.pack = pack
        self.runner = runner
        self.desk = desk
        self.index = index
        self.clock = clock
        self.names = names

    async def start(
        self, tx: Tx, person: Person, people: PeopleIndex, state: State, flow: str,
        preset: dict[str, list[str]],
    ) -> Handled:
        accounts = await load_accounts(tx, person)
        progress = self.runner.start(state, flow, person, accounts, preset, self.names(people))
        intro = Text(f"*{self.pack.flow(flow).title}*. Say \"cancel\" at any time to stop.")
        result, new_state = await self.progressed(tx, person, people, progress, accounts)
        result.replies.insert(0, intro)
        return result, new_state

    async def answer(
        self, tx: Tx, person: Person, people: PeopleIndex, state: State, choice: Choice
    ) -> Handled:
        accounts = await load_accounts(tx, person)
        progress = self.runner.answer(state, person, choice, accounts, self.names(people))
        return await self.progressed(tx, person, people, progress, accounts)

    async def progressed(
        self, tx: Tx, person: Person, people: PeopleIndex, progress: Progress,
        accounts: list[Account], confirmed: bool = False,
    ) -> Handled:
        result = TurnResult(replies=list(progress.replies), answered=progress.answered,
                            stale=progress.stale)
        evaluation = progress.finished
        if evaluation is None:
            return with_state(result, progress.state)
        now = self.clock()
        outcome_event = {"event": "checked", "actor": person.email, "flow": evaluation.flow,
                         "outcome": evaluation.outcome, "clauses": list(evaluation.clauses),
                         "rules": [r.id for r in evaluation.refusals + evaluation.requirements
                                   + evaluation.warnings],
                         "found": [f.fact for f in evaluation.findings]}
        if evaluation.outcome == "refuse":
            tx.append_audit(now, outcome_event)
            check_id = str((progress.state.get("last_check") or {}).get("id", ""))
            result.replies += render.refusal(self.pack, evaluation, check_id)
        elif evaluation.outcome == "allow":
            tx.append_audit(now, outcome_event)
            result.replies += render.allowed(self.pack, evaluation)
        elif evaluation.outcome == "refer" and not confirmed:
            return self._confirm_report(person, people, progress.state, evaluation, result)
        else:
            desk = await self.desk.create(tx, person, people, evaluation, accounts, now)
            if desk.refusal:
                result.replies.append(Text(desk.refusal))
            result.replies += desk.replies
            result.outbound += desk.outbound
        return with_state(result, progress.state)


    async def recheck(
        self, tx: Tx, person: Person, people: PeopleIndex, state: State, check_id: str
    ) -> Handled:
        """Check a revised draft: the old one shown as typed, to copy and change."""
        last = state.get("last_check") or {}
        result, after = await self.start(tx, person, people, state, "check_post", {})
        if last.get("id") == check_id:
            draft = str((last.get("answers", {}).get("draft") or [""])[0])
            result.replies[1:1] = [Text("Your draft as you sent it, to copy and change:"),
                                   Text(draft)]
        return result, after

    async def dispute(
        self, tx: Tx, person: Person, people: PeopleIndex, state: State, press: Press
    ) -> Handled:
        """The person says a finding is wrong: the check goes on to their line manager, with
        the finding and their reason, instead of ending in a refusal."""
        last = state.get("last_check") or {}
        if not last or last.get("id") != press.value:
            return with_state(TurnResult(stale=True, replies=[Text(
                "That check is no longer the latest one, so nothing changed. Say \"check a "
                "post\" to check it again.")]), state)
        reason = " ".join(press.comment.split())
        if not reason:
            return with_state(TurnResult(replies=[Text(
                "Please say why what I noticed is not what the post means: your line manager "
                "will read it.")]), state)
        tx.append_audit(self.clock(), {
            "event": "finding_disputed", "actor": person.email, "comment": reason,
            "found": [f.get("fact") for f in last.get("findings") or ()]})
        accounts = await load_accounts(tx, person)
        progress = self.runner.resume({**last, "seq": state.get("seq", 0)}, person, accounts,
                                      reason)
        result, after = await self.progressed(tx, person, people, progress, accounts)
        result.replies.insert(0, Text("Thank you. I'll ask your line manager to decide, with "
                                      "what I noticed and your reason."))
        return result, after


    def hold(self, state: State, text: str, prompt: str, as_post: str) -> Handled:
        """Keep ``text`` and ask what it is: a post (or answer) or a question for the bot."""
        seq = int(state.get("seq", 0)) + 1
        held = {**state, "held": text, "token": f"q{seq}", "seq": seq}
        question = Question(token=f"q{seq}", prompt=prompt, name="held", options=(
            Option("post", as_post), Option("question", "It's a question for you")))
        return with_state(TurnResult(replies=[question]), held)

    async def held(
        self, tx: Tx, person: Person, people: PeopleIndex, state: State, choice: Choice
    ) -> Handled:
        text = str(state["held"])
        asked = state.get("asked")
        base = {k: v for k, v in state.items() if k != "held"}
        if asked:
            base["token"] = f"q{base['seq']}"
        picked = (choice.values or (choice.text.strip().lower(),))[0]
        if picked not in ("post", "question"):
            return with_state(TurnResult(replies=[Text("Please choose one of the buttons.")]),
                               state)
        label = "It's a post" if picked == "post" else "It's a question"
        if picked == "question":
            result, after = with_state(TurnResult(replies=[
                render.policy_answer(self.index.answer(text), text)]), base)
            current = self.runner.current_question(after, await load_accounts(tx, person))
            if current is not None:
                result.replies += [Text("Now, back to where we were:"), current]
            result.answered = (label,)
            return result, after
        if asked:
            result, after = await self.answer(tx, person, people, base,
                                               Choice(base["token"], text=text))
        else:
            result, after = await self.start(tx, person, people, base, "check_post",
                                              {"draft": [text]})
        result.answered = (label,)
        return result, after


    def _confirm_report(self, person: Person, people: PeopleIndex, state: State,
                        evaluation: Evaluation, result: TurnResult) -> Handled:
        """Before a report goes, the reporter is told exactly who will see it, and may stop."""
        try:
            recipients = self.desk.preview_referral(person, people, evaluation)
        except Unroutable as exc:
            result.replies.append(Text(f"I couldn't find anyone to take this: {exc}. "
                                       f"Please contact {self.pack.contact}."))
            return result, state
        seq = int(state.get("seq", 0)) + 1
        # The answers given twice against the description's words hold the rules they held.
        insisted = sorted({v for r in evaluation.requirements for v in r.when.get(INSISTED, ())})
        waiting = {**state, "seq": seq, "token": f"q{seq}", "confirm": {
            "flow": evaluation.flow, "insisted": insisted,
            "answers": {k: list(v) for k, v in evaluation.answers.items()}}}
        who = " and ".join(f"{p.name} ({role_of(p)})" for p in recipients)
        result.replies.append(Question(
            token=f"q{seq}", name="confirm_report",
            prompt=f"Before I send it: this report will go to {who}, and only they will see "
                   "it (8.2). Send it?",
            options=(Option("send", "Send it"), Option("stop", "Don't send it"))))
        return result, waiting

    async def confirmed(self, tx: Tx, person: Person, people: PeopleIndex, state: State,
                        choice: Choice) -> Handled:
        """The reporter's answer to "send it?": the report goes, or nothing does."""
        pending = state["confirm"]
        rest = {k: v for k, v in state.items() if k != "confirm"}
        picked = (choice.values or (choice.text.strip().lower(),))[0]
        if picked in ("yes", "send", "send it", "y"):
            picked = "send"
        if picked not in ("send", "stop", "no", "don't send it", "cancel"):
            return with_state(TurnResult(replies=[Text("Please choose Send it or Don't send "
                                                        "it.")]), state)
        if picked != "send":
            tx.append_audit(self.clock(), {"event": "report_not_sent", "actor": person.email})
            return with_state(TurnResult(answered=("Don't send it",), replies=[Text(
                "Nothing was sent. Say \"report a concern\" if you change your mind.")]), rest)
        flow = self.pack.flow(pending["flow"])
        answers = {**pending["answers"], INSISTED: list(pending.get("insisted") or ())}
        evaluation = self.runner.evaluate(flow, answers, person)
        done = Progress(rest, finished=evaluation)
        accounts = await load_accounts(tx, person)
        result, after = await self.progressed(tx, person, people, done, accounts,
                                              confirmed=True)
        result.answered = ("Send it",)
        return result, after


def role_of(person: Person) -> str:
    """What a recipient of a report is, in a few words."""
    for role, words in (("headteacher", f"headteacher of {person.school}"),
                        ("governance_lead", "Head of Governance and People"),
                        ("dpo", "Data Protection Officer"), ("ceo", "CEO"),
                        ("fallback_approver", "Chair of the Trust Board")):
        if person.has(role):
            return words
    return person.school


def with_state(result: TurnResult, state: State) -> Handled:
    return result, state
