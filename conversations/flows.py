"""Walks a person through a flow of the policy pack, one question at a time.

Pure: every function takes the :class:`~conversations.conversation.Conversation` and returns a
new one with the messages to show. Nothing here reads storage or knows a platform. The
conversation records the answers so far and the token of the question now asked; an answer
carrying another token is an old question pressed again, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from conversations.conversation import Conversation, FinishedCheck
from conversations.doubt import (
    DISMISSED,
    INSISTED,
    SUSPECTED,
    challenge_text,
    contradiction,
    found_facts,
    suspicions,
)
from conversations.evaluation import (
    CHANNEL,
    DISPUTED,
    ENGINE_KEYS,
    FOUND,
    Account,
    Evaluation,
    findings_behind,
    rule_applies,
    sort_clauses,
)
from conversations.messages import Choice, Message, Option, Question, Text
from conversations.people import CENTRAL, Person
from conversations.people_search import Someone, find_people
from conversations.policy import UNLISTED_ACCOUNT, Flow, PolicyPack, QuestionSpec, Rule
from conversations.reader import NO_NAMES, DraftReader, Finding, KnownNames, Reader
from conversations.typed_answers import match_typed as _match_typed
from conversations.typed_answers import speaker_named

Answers = Mapping[str, Sequence[str]]


@dataclass
class Progress:
    conversation: Conversation
    replies: list[Message] = field(default_factory=list)
    finished: Evaluation | None = None
    answered: tuple[str, ...] = ()
    stale: bool = False


def channel_of(conversation: Conversation) -> str | None:
    """Where the post goes, once the person said."""
    return conversation.answer_of(CHANNEL) or None


def effective_answers(conversation: Conversation) -> dict[str, list[str]]:
    """The person's answers with the engine's own: the facts found where the post goes."""
    answers: dict[str, list[str]] = {k: list(v) for k, v in conversation.answers.items()}
    if conversation.findings is not None:
        answers[FOUND] = found_facts(conversation.findings, channel_of(conversation),
                                     answers.get(SUSPECTED))
    answers[DISPUTED] = ["true" if conversation.dispute else "false"]
    answers[INSISTED] = list(conversation.insisted)
    return answers


def should_ask(question: QuestionSpec, answers: Answers) -> bool:
    if any(set(answers.get(k, ())) & set(v) for k, v in question.skip_if.items()):
        return False
    return all(set(answers.get(k, ())) & set(v) for k, v in question.ask_if.items())


class FlowRunner:
    def __init__(self, pack: PolicyPack, reader: DraftReader | None = None) -> None:
        self.pack = pack
        self.reader: DraftReader | None = reader or (
            Reader(pack.reader) if pack.reader else None)

    def start(
        self, conversation: Conversation | None, flow_name: str, person: Person,
        accounts: Sequence[Account], preset: Mapping[str, Sequence[str]] | None = None,
        names: KnownNames = NO_NAMES,
    ) -> Progress:
        """Begin ``flow_name``; ``preset`` answers (e.g. a draft already typed) are kept."""
        flow = self.pack.flow(flow_name)
        fresh = Conversation(
            flow=flow_name, seq=conversation.seq if conversation else 0,
            answers={k: tuple(v) for k, v in (preset or {}).items()},
            schools=(tuple(names.schools) if any(q.kind == "school" for q in flow.questions)
                     else None))
        for question in flow.questions:
            if question.reads and question.id in fresh.answers:
                fresh = self._read(fresh, fresh.answers[question.id][0], names)
        return self._advance(fresh, person, accounts)

    def resume(self, conversation: Conversation, person: Person, accounts: Sequence[Account],
               dispute: str) -> Progress:
        """Carry on the finished check kept in ``conversation`` whose findings the person
        disputes, with their reason."""
        check = conversation.last_check
        assert check is not None, "only a kept check is disputed"
        resumed = Conversation(flow=check.flow, seq=conversation.seq, answers=check.answers,
                               findings=check.findings, dispute=dispute)
        return self._advance(resumed, person, accounts)

    def answer(
        self, conversation: Conversation, person: Person, choice: Choice,
        accounts: Sequence[Account], names: KnownNames = NO_NAMES,
    ) -> Progress:
        if not conversation.asking_question or not conversation.expects(choice.token):
            return Progress(conversation, stale=True)
        flow = self.pack.flow(str(conversation.flow))
        question = flow.question(str(conversation.asked))
        if question.kind == "person" and not choice.values and choice.text.strip():
            typed = _match_typed(choice.text, self._options(question, accounts, conversation),
                                 False)
            if not typed:
                return self._named(conversation, person, question, choice.text, accounts,
                                   names)
            choice = Choice(choice.token, tuple(typed))
        values, problem = self._read_answer(question, choice, accounts, conversation)
        if problem:
            return Progress(conversation, replies=[
                Text(problem), self._ask(question, conversation, accounts)])
        values = speaker_named(flow.name, question.id, values, person.name)  # "me": a name
        clash = contradiction(question, values, conversation.findings or ())
        if question.kind == "suspicions" and values == ["none"]:
            clash = self._first_suspect(conversation)
        if clash is not None and conversation.challenged != question.id:
            again = replace(conversation.asking(), challenged=question.id)
            label = self._label(question, values[0], accounts, conversation)
            source = "draft" if flow.has_question("draft") else "description"
            return Progress(again, replies=[Text(challenge_text(label, clash, question, source)),
                                            self._ask(question, again, accounts)])
        answered = conversation.with_answer(question.id, values)
        if clash is not None and question.kind == "suspicions":
            # Said twice: what was noticed stands, and the person's word takes it to the
            # line manager, as a disputed finding does, with both on the card.
            answered = replace(answered.with_answer(question.id, conversation.suspects or ()),
                               dispute=DISMISSED)
        elif clash is not None:
            answered = replace(answered, insisted=(*conversation.insisted, question.id))
        if question.reads:
            answered = self._read(answered, values[0], names)
        progress = self._advance(answered, person, accounts)
        progress.answered = tuple(self._label(question, v, accounts, answered) for v in values)
        return progress

    def _named(self, conversation: Conversation, person: Person, question: QuestionSpec,
               text: str, accounts: Sequence[Account], names: KnownNames) -> Progress:
        """A name typed for a person question: one match is the answer; several are offered
        to choose from; none is said, and the question asked again."""
        found = find_people(text, [Someone(*p) for p in names.people])
        offered = replace(conversation, choices={
            **conversation.choices, question.id: tuple((p.value, p.label) for p in found)})
        if len(found) == 1:
            chosen = offered.with_answer(question.id, [found[0].value])
            progress = self._advance(chosen, person, accounts)
            progress.answered = (found[0].label,)
            return progress
        again = offered.asking()
        said = (f"Several people in the staff directory match “{text[:80]}”. Which one?"
                if found else f"I can't find “{text[:80]}” in the staff directory. Type "
                              "their name again, or choose:")
        return Progress(again, replies=[Text(said), self._ask(question, again, accounts)])

    def current_question(self, conversation: Conversation,
                         accounts: Sequence[Account]) -> Question | None:
        if not conversation.asking_question:
            return None
        question = self.pack.flow(str(conversation.flow)).question(str(conversation.asked))
        return self._ask(question, conversation, accounts)

    def still_valid(self, conversation: Conversation) -> bool:
        """False when the pack changed under a conversation: its flow or the question it
        was at no longer exists."""
        if not conversation.flow:
            return True
        if conversation.flow not in self.pack.flows:
            return False
        return (not conversation.asked
                or self.pack.flow(conversation.flow).has_question(conversation.asked))

    def evaluate(self, flow: Flow, answers: Answers, person: Person,
                 findings: Sequence[Finding] = (), dispute: str = "") -> Evaluation:
        applied = self._applied(flow, answers, person)
        held = [r for r in flow.rules if rule_applies(r, answers, person)]
        frozen = {k: tuple(v) for k, v in answers.items() if k not in ENGINE_KEYS}
        refusals = tuple(r for r in applied if r.outcome == "refuse")
        warnings = tuple(r for r in applied if r.outcome == "warn")
        behind = findings_behind(held, answers, findings)
        needs = tuple(r for r in applied if r.outcome in ("approval", "refer"))
        if refusals:
            outcome, needs = "refuse", ()
        elif any(r.outcome == "refer" for r in needs):
            outcome = "refer"
        else:
            outcome = "approval" if needs else "allow"
        return Evaluation(flow.name, outcome, refusals, warnings, needs, frozen, behind, dispute)

    def _applied(self, flow: Flow, answers: Answers, person: Person) -> list[Rule]:
        """The rules that hold. Under a dispute, refusals resting only on what the reader
        saw become the line manager's approval, citing the clauses they cited."""
        applied = [r for r in flow.rules if rule_applies(r, answers, person)]
        if DISPUTED not in answers or "true" not in answers[DISPUTED]:
            return applied
        disputed = [r for r in applied if r.outcome == "refuse" and set(r.when) == {FOUND}]
        kept = [r for r in applied if r not in disputed]
        out = []
        for r in kept:
            if set(r.when) == {DISPUTED}:
                cited = sort_clauses({c for d in disputed for c in d.clauses} or set(r.clauses))
                r = replace(r, clauses=cited)
            out.append(r)
        return out

    # -- internals ---------------------------------------------------------------------

    def _read(self, conversation: Conversation, text: str, names: KnownNames) -> Conversation:
        found = self.reader.read(text, names) if self.reader else ()
        return replace(conversation, findings=tuple(found))

    def _advance(self, conversation: Conversation, person: Person,
                 accounts: Sequence[Account]) -> Progress:
        """Ask the next question that still matters, or finish the flow."""
        flow = self.pack.flow(str(conversation.flow))
        answers = effective_answers(conversation)
        # Stop as soon as a refusal is certain: no question after it can change that.
        if any(r.outcome == "refuse" for r in self._applied(flow, answers, person)):
            return self._finish(conversation, flow, person)
        for question in flow.questions:
            if question.id in answers or not should_ask(question, answers):
                continue
            if question.kind == "suspicions":
                # Only what could still change the outcome is worth asking about.
                worth = self._raising(flow, answers, person, conversation)
                if not worth:
                    conversation = conversation.with_answer(question.id, ["none"])
                    answers = effective_answers(conversation)
                    continue
                conversation = replace(conversation, suspects=tuple(worth))
            asked = conversation.asking(question.id)
            return Progress(asked, replies=[self._ask(question, asked, accounts)])
        return self._finish(conversation, flow, person)

    def _suspicions(self, conversation: Conversation) -> list[Finding]:
        """What the reader suspects where the post goes, among the facts worth asking."""
        wanted = conversation.suspects
        return [f for f in suspicions(conversation.findings or (), channel_of(conversation))
                if wanted is None or f.fact in wanted]

    def _first_suspect(self, conversation: Conversation) -> Finding | None:
        if conversation.suspects is None:
            return None
        return next(iter(self._suspicions(conversation)), None)

    def _raising(self, flow: Flow, answers: Answers, person: Person,
                 conversation: Conversation) -> list[str]:
        """The suspected facts that, if confirmed, would make the outcome stricter."""
        rank = {"allow": 0, "approval": 1, "refer": 1, "refuse": 2}
        now = rank[self.evaluate(flow, answers, person).outcome]
        channel = (answers.get(CHANNEL) or [""])[0] or None
        found = set(answers.get(FOUND, ()))
        return [f.fact for f in suspicions(conversation.findings or (), channel)
                if rank[self.evaluate(flow, {**answers, FOUND: sorted(found | {f.fact})},
                                      person).outcome] > now]

    def _finish(self, conversation: Conversation, flow: Flow, person: Person) -> Progress:
        evaluation = self.evaluate(flow, effective_answers(conversation), person,
                                   conversation.findings or (), conversation.dispute)
        done = conversation.idle()
        if conversation.findings is not None and flow.has_question("draft"):
            # Kept so the person can dispute a finding or check a revised draft again.
            done = replace(done, last_check=FinishedCheck(
                f"c{conversation.seq}", flow.name, conversation.answers,
                conversation.findings))
        return Progress(done, finished=evaluation)

    def _options(self, question: QuestionSpec, accounts: Sequence[Account],
                 conversation: Conversation) -> tuple[Option, ...]:
        if question.kind == "school":
            schools = [Option(s, s) for s in conversation.schools or ()]
            return (*schools, Option(CENTRAL, "The Trust's central team"))
        if question.kind == "person":
            found = [Option(v, label) for v, label in conversation.choices.get(question.id, ())]
            return (*found, *(Option(o.value, o.label) for o in question.options))
        if question.kind == "suspicions":
            return (*(Option(f.fact, self._fact_title(f.fact))
                      for f in self._suspicions(conversation)),
                    Option("none", "None of these"))
        if question.kind == "account":
            listed = tuple(
                Option(a.id, f"{a.name} ({a.platform}, {a.school})"[:75]) for a in accounts
            )
            return listed + (Option(UNLISTED_ACCOUNT, "It isn't listed"),)
        return tuple(Option(o.value, o.label) for o in question.options)

    def _fact_title(self, fact: str) -> str:
        titles = self.pack.reader.facts if self.pack.reader else {}
        title = titles[fact].title if fact in titles else fact
        return (title[:1].upper() + title[1:])[:75]

    def _ask(self, question: QuestionSpec, conversation: Conversation,
             accounts: Sequence[Account]) -> Question:
        # Say what was seen that made the question worth asking.
        facts = set(question.ask_if.get(FOUND, ()))
        channel = channel_of(conversation)
        seen = [f.sentence() for f in conversation.findings or ()
                if f.fact in facts and f.applies_to(channel)]
        if question.kind == "suspicions":
            seen = [" ".join(f.sentence() for f in self._suspicions(conversation))]
        return Question(
            token=str(conversation.token),
            prompt=question.prompt,
            options=self._options(question, accounts, conversation),
            multiple=question.kind in ("multi", "suspicions"),
            free_text=question.kind == "text",
            detail=" ".join(seen[:1]),
            name=question.id,
        )

    def _label(self, question: QuestionSpec, value: str, accounts: Sequence[Account],
               conversation: Conversation) -> str:
        if question.kind == "text":
            return value
        options = self._options(question, accounts, conversation)
        return next((o.label for o in options if o.value == value), value)

    def _read_answer(
        self, question: QuestionSpec, choice: Choice, accounts: Sequence[Account],
        conversation: Conversation,
    ) -> tuple[list[str], str]:
        """The answer's values, or an explanation of why it can't be taken."""
        if question.kind == "text":
            text = choice.text.strip() or " ".join(choice.values).strip()
            return ([text], "") if text else ([], "Please type your answer.")
        options = self._options(question, accounts, conversation)
        values = list(choice.values) or _match_typed(choice.text, options,
                                                     question.kind in ("multi", "suspicions"))
        known = {o.value for o in options}
        if not values or any(v not in known for v in values):
            return [], "Please choose from the options below."
        if question.kind not in ("multi", "suspicions") and len(values) != 1:
            return [], "Please choose one option."
        if "none" in values and len(values) > 1:
            values = [v for v in values if v != "none"]
        return list(dict.fromkeys(values)), ""
