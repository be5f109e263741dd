"""Everything one turn works with, read once inside its transaction.

The transaction, the speaker, the directory snapshot the turn was taken against, the
accounts the speaker may post on, the names the draft reader knows, the conversation as
stored and the moment of the turn: every handler of :mod:`bot.routes` takes this one
object rather than four parameters passed along by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot import keys
from bot.tx import Tx
from conversations.classify import Known
from conversations.conversation import Conversation
from conversations.evaluation import Account
from conversations.messages import TurnResult
from conversations.people import CENTRAL, PeopleIndex, Person
from conversations.reader import KnownNames

# What a handler produced for the speaker, and the conversation to store.
Handled = tuple[TurnResult, Conversation]


@dataclass(frozen=True)
class TurnContext:
    tx: Tx
    person: Person
    people: PeopleIndex
    accounts: Sequence[Account]
    names: KnownNames
    conversation: Conversation
    now: datetime

    @property
    def known(self) -> Known:
        """What a classification of the turn may look at."""
        return Known(self.person, self.accounts, self.names)

    def carrying_on(self, conversation: Conversation) -> TurnContext:
        return replace(self, conversation=conversation)

    def audit(self, entry: dict) -> None:
        self.tx.append_audit(self.now, entry)

    def reply(self, result: TurnResult,
              conversation: Conversation | None = None) -> Handled:
        """``result`` for the speaker; the conversation carries on unchanged unless given."""
        return result, self.conversation if conversation is None else conversation


async def load_accounts(tx: Tx, person: Person) -> list[Account]:
    """The approved accounts ``person`` may post on: their school's and the Trust's."""
    return [Account(v["id"], v["name"], v["platform"], v["school"])
            for _, v in await tx.scan(keys.ACCOUNT) if v["school"] in (person.school, CENTRAL)]


async def open_turn(tx: Tx, person: Person, people: PeopleIndex, names: KnownNames,
                    now: datetime) -> TurnContext:
    """The context of a turn by ``person``: their conversation and accounts, read in ``tx``."""
    stored = await tx.get(keys.conversation(person.email))
    return TurnContext(tx, person, people, tuple(await load_accounts(tx, person)), names,
                       Conversation.from_json(stored), now)
