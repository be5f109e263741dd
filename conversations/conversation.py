"""Where one person is in their conversation with the bot, as a typed value.

The conversation is stored as JSON under ``conversation/<email>``; this module is the only
place that knows its keys. :meth:`Conversation.from_json` reads the dicts that older releases
stored (no ``version`` member) as well as its own, so a conversation under way survives an
upgrade; :meth:`Conversation.to_json` writes the current :data:`VERSION`.

The conversation also owns its question tokens: every question asked carries a fresh token
(``q<seq>``), and an answer carrying another one is an old question pressed again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from conversations.finding import Finding

VERSION = 2
Answers = Mapping[str, tuple[str, ...]]


def _answers(raw: Any) -> dict[str, tuple[str, ...]]:
    return {str(k): tuple(str(v) for v in values) for k, values in dict(raw or {}).items()}


def _answers_json(answers: Answers) -> dict[str, list[str]]:
    return {k: list(v) for k, v in answers.items()}


@dataclass(frozen=True)
class FinishedCheck:
    """A finished post check, kept so the person can dispute a finding or check a revised
    draft again."""

    id: str
    flow: str
    answers: Answers
    findings: tuple[Finding, ...]

    @property
    def draft(self) -> str:
        return (self.answers.get("draft") or ("",))[0]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "flow": self.flow, "answers": _answers_json(self.answers),
                "findings": [f.to_json() for f in self.findings]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FinishedCheck:
        return cls(str(data.get("id", "")), str(data.get("flow", "")),
                   _answers(data.get("answers")),
                   tuple(Finding.from_json(f) for f in data.get("findings") or ()))


@dataclass(frozen=True)
class PendingReport:
    """A concern report waiting for the reporter's "send it?"."""

    flow: str
    answers: Answers
    # The answers given twice against the description's words: they hold the rules they held.
    insisted: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"flow": self.flow, "insisted": list(self.insisted),
                "answers": _answers_json(self.answers)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PendingReport:
        return cls(str(data.get("flow", "")), _answers(data.get("answers")),
                   tuple(str(i) for i in data.get("insisted") or ()))


@dataclass(frozen=True)
class Conversation:
    """A flow under way (``flow``, ``answers``, the question ``asked``), what the engine
    worked out on the way (the reader's ``findings``, the names offered for a person
    question), and the side exchanges: a message ``held`` while the bot asks what it is, a
    report waiting to be ``confirm``-ed, the ``last_check`` kept for a dispute."""

    flow: str | None = None
    seq: int = 0
    token: str | None = None
    asked: str | None = None
    answers: Answers = field(default_factory=dict)
    # None: the draft has not been read (no reader fact may be assumed either way).
    findings: tuple[Finding, ...] | None = None
    schools: tuple[str, ...] | None = None
    # Per person question: the directory matches offered as options, (value, label).
    choices: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    challenged: str | None = None
    # None: every suspicion is worth asking about; else only these facts.
    suspects: tuple[str, ...] | None = None
    insisted: tuple[str, ...] = ()
    dispute: str = ""
    last_check: FinishedCheck | None = None
    held: str | None = None
    confirm: PendingReport | None = None

    # -- tokens ------------------------------------------------------------------------------

    def asking(self, question_id: str | None = None) -> Conversation:
        """The conversation with a fresh question token (and ``question_id`` asked, if
        given): an answer to any earlier copy of a question is stale from now on."""
        seq = self.seq + 1
        asked = question_id if question_id is not None else self.asked
        return replace(self, seq=seq, token=f"q{seq}", asked=asked)

    def reissued(self) -> Conversation:
        """The question under way asked again under the latest token."""
        return replace(self, token=f"q{self.seq}")

    def expects(self, token: str) -> bool:
        """Whether ``token`` is that of the question being asked now."""
        return token == self.token

    @property
    def open_token(self) -> str | None:
        """The token of a question waiting for an answer, if any."""
        if self.asked or self.held is not None or self.confirm is not None:
            return self.token or None
        return None

    # -- states ------------------------------------------------------------------------------

    @property
    def in_flow(self) -> bool:
        return bool(self.flow)

    @property
    def asking_question(self) -> bool:
        return bool(self.flow) and bool(self.asked)

    def idle(self) -> Conversation:
        """No flow under way; the question counter is kept, so old tokens stay stale."""
        return Conversation(seq=self.seq)

    def without_side_exchange(self) -> Conversation:
        """A new message ends a held message or a report waiting for "send it?"."""
        if self.held is None and self.confirm is None:
            return self
        return replace(self, held=None, confirm=None)

    def with_answer(self, question_id: str, values: Sequence[str]) -> Conversation:
        return replace(self, answers={**self.answers, question_id: tuple(values)})

    def answer_of(self, question_id: str) -> str | None:
        """The first value answered to ``question_id``, or None."""
        values = self.answers.get(question_id) or ()
        return values[0] if values else None

    @property
    def holds_draft(self) -> bool:
        """Whether the conversation holds words a person typed (a draft may name pupils):
        retention removes such a conversation once abandoned."""
        return bool(self.flow) or self.last_check is not None or bool(self.held)

    # -- JSON --------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"version": VERSION, "flow": self.flow, "seq": self.seq}
        if self.flow:
            data["answers"] = _answers_json(self.answers)
        optional: dict[str, Any] = {
            "token": self.token, "asked": self.asked, "challenged": self.challenged,
            "dispute": self.dispute or None, "held": self.held,
            "findings": (None if self.findings is None
                         else [f.to_json() for f in self.findings]),
            "schools": None if self.schools is None else list(self.schools),
            "choices": ({k: [list(c) for c in v] for k, v in self.choices.items()}
                        if self.choices else None),
            "suspects": None if self.suspects is None else list(self.suspects),
            "insisted": list(self.insisted) if self.insisted else None,
            "last_check": self.last_check.to_json() if self.last_check else None,
            "confirm": self.confirm.to_json() if self.confirm else None,
        }
        data.update({k: v for k, v in optional.items() if v is not None})
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Conversation:
        """Read a stored conversation, of this release (``version`` 2) or an older one (a
        plain dict with the same members and no version)."""
        if not data:
            return cls()
        findings = data.get("findings")
        schools = data.get("schools")
        suspects = data.get("suspects")
        last, confirm = data.get("last_check"), data.get("confirm")
        return cls(
            flow=data.get("flow") or None,
            seq=int(data.get("seq") or 0),
            token=str(data["token"]) if data.get("token") else None,
            asked=str(data["asked"]) if data.get("asked") else None,
            answers=_answers(data.get("answers")),
            findings=(None if findings is None
                      else tuple(Finding.from_json(f) for f in findings)),
            schools=None if schools is None else tuple(str(s) for s in schools),
            choices={str(k): tuple((str(v), str(label)) for v, label in found)
                     for k, found in dict(data.get("choices") or {}).items()},
            challenged=data.get("challenged") or None,
            suspects=None if suspects is None else tuple(str(s) for s in suspects),
            insisted=tuple(str(i) for i in data.get("insisted") or ()),
            dispute=str(data.get("dispute") or ""),
            last_check=FinishedCheck.from_json(last) if last else None,
            held=str(data["held"]) if data.get("held") else None,
            confirm=PendingReport.from_json(confirm) if confirm else None,
        )


def holds_draft(stored: Mapping[str, Any]) -> bool:
    """:attr:`Conversation.holds_draft` of a stored conversation."""
    return Conversation.from_json(stored).holds_draft
