"""The application: one turn in, neutral replies and outbound messages out.

Every adapter (terminal, web playground, Slack, Teams) turns what a person did into a
:class:`conversations.messages.Turn` and calls :meth:`PolicyBot.handle`. The turn is computed
inside an optimistic transaction (:mod:`bot.tx`): the conversation state, requests, indexes,
audit entries, outbox and the platform event marker are committed together, so a restart
resumes at the same question and a retried event is applied once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from bot import keys, request_store
from bot.approvals import ID_PREFIX, ApprovalDesk, load_accounts
from bot.delegation import (
    DelegationError,
    end_delegation,
    looks_like_delegation,
    looks_like_return,
    parse_delegation,
    set_delegation,
)
from bot.delivery import Outbox
from bot.directory import DirectoryStore
from bot.flow_turns import FlowTurns, Handled, with_state
from bot.request_ids import RequestIds
from bot.tx import Tx
from conversations import intents, render
from conversations.ask import FAQ_MIN, PolicyIndex
from conversations.flows import FlowRunner, State, idle
from conversations.intent_registry import DECISIONS, FLOW_NAMES, KNOWN_INTENTS, MENU, STARTABLE
from conversations.messages import (
    Card,
    Choice,
    Message,
    Press,
    Text,
    Turn,
    TurnResult,
)
from conversations.people import CENTRAL, PeopleIndex, Person
from conversations.people_search import Someone, named_in
from conversations.policy import PolicyPack
from conversations.reader import KnownNames
from conversations.requests import pending_steps
from conversations.timefmt import iso
from storage.base import Conflict, Storage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
CommandHandler = Callable[..., Awaitable[Handled]]


class PolicyBot:
    def __init__(
        self,
        storage: Storage,
        pack: PolicyPack,
        directory: DirectoryStore,
        outbox: Outbox,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.storage = storage
        self.pack = pack
        self.directory = directory
        self.outbox = outbox
        self.clock = clock
        self.runner = FlowRunner(pack)
        self.desk = ApprovalDesk(pack, RequestIds(storage, ID_PREFIX))
        self.index = PolicyIndex(pack)
        self.flows = FlowTurns(pack, self.runner, self.desk, self.index, clock, self.names)
        self._retrying = asyncio.Lock()
        self._names: tuple[PeopleIndex | None, KnownNames] = (None, KnownNames())
        self._commands = self._command_handlers()

    def names(self, people: PeopleIndex) -> KnownNames:
        """Staff and school names for the draft reader, rebuilt when the directory changes."""
        if self._names[0] is not people:
            staff = tuple(sorted(p.name for p in people.people()))
            schools = tuple(sorted({p.school for p in people.people()} - {CENTRAL}))
            who = tuple(sorted((p.email, p.name, p.school) for p in people.people()))
            self._names = (people, KnownNames(staff, schools, who))
        return self._names[1]

    async def handle(self, turn: Turn) -> TurnResult:
        """Apply one turn; returns what the speaker sees. Outbound messages are in the outbox."""
        people = await self.directory.snapshot()
        person = people.get(turn.person)
        if person is None:
            return TurnResult(replies=[self.not_set_up()])
        marker = keys.seen(turn.event_id)
        for attempt in range(MAX_ATTEMPTS):
            # Retries in this process take turns: a burst of turns that all touch one document
            # (the request counter, the open index) would otherwise keep failing each other.
            async with self._retrying if attempt else contextlib.nullcontext():
                tx = Tx(self.storage)
                if turn.event_id:
                    if await tx.get(marker) is not None:
                        return TurnResult(duplicate=True)
                    tx.create(marker, {"at": iso(self.clock())})
                result = await self._turn(tx, person, people, turn)
                self.outbox.stage(tx, result.outbound, self.clock())
                try:
                    await tx.commit()
                except Conflict as conflict:
                    if conflict.key == marker:
                        return TurnResult(duplicate=True)
                    log.info("turn retried after a concurrent change",
                             extra={"key": conflict.key})
                    continue
                return result
        raise RuntimeError("the turn could not be applied: too many concurrent changes")

    def not_set_up(self) -> Text:
        return Text(
            "Sorry, you're not set up to use this bot yet: I can't find you in the staff "
            f"directory. Please contact {self.pack.contact}."
        )

    # -- dispatch ------------------------------------------------------------------------

    async def _turn(self, tx: Tx, person: Person, people: PeopleIndex, turn: Turn) -> TurnResult:
        conv_key = keys.conversation(person.email)
        state: State = await tx.get(conv_key) or idle(None)
        if not self._still_valid(state):
            # The Trust changed its pack since this conversation began: the question it
            # was at no longer exists. Start afresh rather than fail on every message.
            tx.put(conv_key, {**idle(state), "updated_at": iso(self.clock())})
            result, _ = await self._menu(tx, person, idle(state), "")
            result.replies.insert(0, Text("The policy's questions have changed since you "
                                          "started, so please start again."))
            return result
        result, new_state = await self._dispatch(tx, person, people, state, turn)
        if new_state != state:
            tx.put(conv_key, {**new_state, "updated_at": iso(self.clock())})
        return result

    def _still_valid(self, state: State) -> bool:
        flow = state.get("flow")
        if not flow:
            return True
        if flow not in self.pack.flows:
            return False
        asked = state.get("asked")
        return not asked or self.pack.flow(flow).has_question(asked)

    async def _dispatch(
        self, tx: Tx, person: Person, people: PeopleIndex, state: State, turn: Turn
    ) -> Handled:
        if turn.press is not None:
            return await self._press(tx, person, people, state, turn.press)
        if turn.choice is not None:
            if state.get("held") and turn.choice.token == state.get("token"):
                return await self.flows.held(tx, person, people, state, turn.choice)
            if state.get("confirm") and turn.choice.token == state.get("token"):
                return await self.flows.confirmed(tx, person, people, state, turn.choice)
            if not state.get("flow") or turn.choice.token != state.get("token"):
                return with_state(TurnResult(stale=True, replies=[Text(
                    "That question has already been answered, so nothing changed.")]), state)
            return await self.flows.answer(tx, person, people, state, turn.choice)
        text = turn.text.strip()
        if not text:
            return await self._menu(tx, person, state, "")
        if state.get("confirm"):
            typed = text.lower().strip(" .!")
            if typed in ("yes", "send", "send it", "y", "no", "stop", "don't send it"):
                return await self.flows.confirmed(tx, person, people, state,
                                                  Choice(str(state.get("token")), text=typed))
        state = {k: v for k, v in state.items() if k not in ("held", "confirm")}
        if state.get("flow") and state.get("asked"):
            command = intents.is_command(self.pack, text)
            if command:
                return await self._intent(tx, person, people, state, command, text)
            question = self.pack.flow(state["flow"]).question(state["asked"])
            if question.kind == "text":
                if self._is_policy_question(text):
                    return self.flows.hold(state, text,
                                           "Is this your answer, or a question for me?",
                                           "It's my answer")
                return await self.flows.answer(tx, person, people, state,
                                          Choice(state["token"], text=text))
            wanted = intents.detect(self.pack, text)
            accounts = await load_accounts(tx, person)
            progress = self.runner.answer(state, person, Choice(state["token"], text=text),
                                          accounts, self.names(people))
            if wanted and progress.state is state and not progress.answered:
                return await self._intent(tx, person, people, state, wanted, text)
            return await self.flows.progressed(tx, person, people, progress, accounts)
        if looks_like_delegation(text):
            return await self._delegate(tx, person, people, state, text)
        if looks_like_return(text):
            ended = await end_delegation(tx, person)
            if ended:
                tx.append_audit(self.clock(), {"event": "delegation_ended",
                                               "actor": person.email})
            said = ("Welcome back: your approvals come to you again." if ended
                    else "You have no delegation to end.")
            return with_state(TurnResult(replies=[Text(said)]), state)
        return await self._message(tx, person, people, state, text)

    async def _message(
        self, tx: Tx, person: Person, people: PeopleIndex, state: State, text: str
    ) -> Handled:
        """An ordinary message with no flow under way: a flow asked for, a draft to check,
        a question about the policy, or a list."""
        wanted = intents.detect(self.pack, text)
        draft = intents.draft_in(text)
        if draft and wanted == "check_post":
            return await self.flows.start(tx, person, people, state, "check_post",
                                          {"draft": [draft]})
        if wanted in ("my_requests", "pending", "withdraw"):
            return await self._intent(tx, person, people, state, wanted, text)
        asks_flow = wanted in FLOW_NAMES and intents.asks_for_flow(self.pack, text, wanted)
        if intents.looks_like_question(text) and not asks_flow:
            return self._ask(state, text)
        if wanted:
            return await self._intent(tx, person, people, state, wanted, text)
        if len(text.split()) >= 6:
            # Probably a draft pasted without a word of explanation: ask rather than guess.
            return self.flows.hold(state, text, "Shall I check this as a post?",
                              "Yes, check this post")
        return await self._menu(tx, person, state,
                                "I'm not sure what you mean. Here is what I can do:")

    def _is_policy_question(self, text: str) -> bool:
        if not intents.plainly_a_policy_question(text):
            return False
        entry, score = self.index.best_entry(text)
        return entry is not None and score >= FAQ_MIN

    async def _intent(
        self, tx: Tx, person: Person, people: PeopleIndex, state: State, name: str, text: str
    ) -> Handled:
        handler = self._commands.get(name)
        if handler is not None:
            return await handler(tx, person, people, state, text)
        return await self.flows.start(tx, person, people, state, name,
                                      self._preset(people, name, text))

    def _command_handlers(self) -> dict[str, CommandHandler]:
        """The handler of every intent that is not a flow; a flow's intent starts the flow."""
        handlers: dict[str, CommandHandler] = {
            "cancel": self._cancel, "restart": self._restart, "help": self._help,
            "my_requests": self._my_requests, "pending": self._pending_intent,
            "withdraw": self._withdraw,
        }
        assert set(handlers) | set(FLOW_NAMES) == KNOWN_INTENTS, "every intent is handled"
        return handlers

    async def _cancel(self, tx: Tx, person: Person, people: PeopleIndex, state: State,
                      text: str) -> Handled:
        said = "Cancelled: nothing was sent." if state.get("flow") else "Nothing to cancel."
        return with_state(TurnResult(replies=[Text(said)]), idle(state))

    async def _restart(self, tx: Tx, person: Person, people: PeopleIndex, state: State,
                       text: str) -> Handled:
        if state.get("flow"):
            return await self.flows.start(tx, person, people, state, state["flow"], {})
        return await self._menu(tx, person, state, "")

    async def _help(self, tx: Tx, person: Person, people: PeopleIndex, state: State,
                    text: str) -> Handled:
        return await self._menu(tx, person, state, "")

    async def _my_requests(self, tx: Tx, person: Person, people: PeopleIndex, state: State,
                           text: str) -> Handled:
        mine = await request_store.mine(tx, person.email)
        return with_state(TurnResult(replies=render.request_list(
            "Your requests", mine[:10], "You haven't made any requests yet.", "requester")),
            state)

    async def _pending_intent(self, tx: Tx, person: Person, people: PeopleIndex, state: State,
                              text: str) -> Handled:
        return await self._pending(tx, person, state)

    async def _withdraw(self, tx: Tx, person: Person, people: PeopleIndex, state: State,
                        text: str) -> Handled:
        request_id = intents.request_id_in(text)
        if request_id:
            return await self._press(tx, person, people, state, Press("withdraw", request_id))
        mine = [r for r in await request_store.mine(tx, person.email)
                if r["status"] in ("pending",)]
        return with_state(TurnResult(replies=render.request_list(
            "Which request do you want to withdraw?", mine,
            "You have no pending requests to withdraw.", "requester")), state)

    def _preset(self, people: PeopleIndex, name: str, text: str) -> dict[str, list[str]]:
        """Answers a flow's first words already give ("check this: ...", "a new Instagram
        account"), so the person is not asked them again."""
        preset: dict[str, list[str]] = {}
        if name == "check_post":
            draft = intents.draft_in(text)
            if draft:
                preset["draft"] = [draft]
        if name == "report_concern":
            # "I'm worried about something Joanne Clarke posted": who it is about is said.
            named = named_in(text, [Someone(*p) for p in self.names(people).people])
            if len(named) == 1:
                preset["subject"] = [named[0].value]
        if name == "new_account":
            platform = intents.platform_in(text)
            if platform and platform in {o.value for o in self.pack.flow(name)
                                         .question("platform").options}:
                preset["platform"] = [platform]
        return preset

    async def _press(
        self, tx: Tx, person: Person, people: PeopleIndex, state: State, press: Press
    ) -> Handled:
        if press.name == "start":
            if press.value.startswith("recheck:"):
                return await self.flows.recheck(tx, person, people, state, press.value[8:])
            if press.value in STARTABLE:
                return await self._intent(tx, person, people, state, press.value, "")
            return await self._menu(tx, person, state, "")
        if press.name == "dispute":
            return await self.flows.dispute(tx, person, people, state, press)
        desk = await self.desk.act(tx, person, press.name, press.request_id, press.comment,
                                   self.clock())
        if desk.refusal:
            return with_state(TurnResult(replies=[Text(desk.refusal)], stale=True), state)
        result = TurnResult(replies=[Text(_done_text(press.name, press.request_id))],
                            outbound=desk.outbound)
        # The pressed card now shows the decision; the adapter replaces it in place.
        result.replace = next((o.message for o in desk.outbound
                               if o.to == person.email and isinstance(o.message, Card)), None)
        return with_state(result, state)

    async def _pending(self, tx: Tx, person: Person, state: State) -> Handled:
        waiting = await request_store.waiting_for(tx, person.email)
        cards: list[Message] = []
        for record in waiting:
            for i in pending_steps(record):
                if record["steps"][i]["approver"] == person.email:
                    cards.append(render.approver_card(record, i))
        if not cards:
            cards = [Text("Nothing is waiting for you.")]
        else:
            cards.insert(0, Text(f"*Waiting for you* ({len(cards)})"))
        return with_state(TurnResult(replies=cards), state)

    async def _delegate(
        self, tx: Tx, person: Person, people: PeopleIndex, state: State, text: str
    ) -> Handled:
        today = self.clock().date()
        try:
            delegate, start, until = parse_delegation(text, people, today)
            await set_delegation(tx, person, delegate, start, until, today)
        except DelegationError as exc:
            return with_state(TurnResult(replies=[Text(str(exc))]), state)
        tx.append_audit(self.clock(), {"event": "delegation_set", "actor": person.email,
                                       "delegate": delegate.email, "start": start.isoformat(),
                                       "until": until.isoformat()})
        said = (f"While you are away ({start:%d %b %Y} to {until:%d %b %Y}), new and pending "
                f"approvals go to {delegate.name}, who decides on your behalf. Requests from "
                f"{delegate.name} themselves stay with you.")
        return with_state(TurnResult(replies=[Text(said)]), state)

    def _ask(self, state: State, question: str) -> Handled:
        card = render.policy_answer(self.index.answer(question), question)
        return with_state(TurnResult(replies=[card]), state)

    async def _menu(self, tx: Tx, person: Person, state: State, lead: str) -> Handled:
        body = ("I help you check a social media post against the Trust's Social Media Policy "
                "before you post it, and get the approval it needs. You can also ask me about "
                "the policy in your own words, request a new official account or report a "
                "concern. Say \"cancel\" or \"start again\" at any point.")
        card = Card(title=lead or "What would you like to do?", body=body, actions=MENU)
        replies: list[Message] = [card]
        current = self.runner.current_question(state, await load_accounts(tx, person))
        if current is not None:
            replies += [Text("You were in the middle of something; here is where we were:"),
                        current]
        return with_state(TurnResult(replies=replies), state)




def _done_text(name: str, request_id: str) -> str:
    return DECISIONS.get(name, "Done.").format(id=request_id)

