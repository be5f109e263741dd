"""Doubt becomes a question, and the words win over a careless answer.

What the reader found becomes the engine's "found" answer here, with three markers the pack's
questions ask on:

- ``suspicion``: the learned signal suggests a fact it is not sure of; the person is asked
  whether the quoted sentence shows it, and only a "yes" makes it found.
- ``doubt``: the draft shows school life (a class, pupils, a pupil's name...) and nothing
  else was found: who is named and what it is about are asked before it can be "fine".
- ``unreadable``: the draft is not in English, or only emoji, a link or an attachment.

And an answer that the draft's own words contradict ("No pupils are shown" after "photo of the
kids") is met with the words quoted and the question asked again; given again, it is recorded
as insisted on, which the pack's rules send to an approver with both on the card.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from conversations.finding import Finding
from conversations.policy import QuestionSpec

SUSPECTED = "suspected"  # the question listing the suspicions; its answer: the facts confirmed
SUSPICION = "suspicion"
DOUBT = "doubt"
INSISTED = "insisted"
# The dispute recorded when the person twice says the post shows none of the suspicions.
DISMISSED = "Said twice that the post shows none of what the bot noticed."
SCHOOL_CUES = frozenset({"school_life", "pupil_named"})
# Facts that only steer the questions: with nothing else found, the draft is in doubt.
QUIET = frozenset({"school_life", "pupil_named", "pupils_pictured", "pictures", SUSPICION})


def found_facts(findings: Iterable[Finding], channel: str | None,
                confirmed: Sequence[str] | None) -> list[str]:
    """The facts found where the post goes, with the markers above. ``confirmed`` is the
    answer to the suspicions question (None while it is unanswered)."""
    here = [f for f in findings if f.applies_to(channel)]
    sure = {f.fact for f in here if f.sure}
    unsure = {f.fact for f in here if not f.sure} - sure
    facts = set(sure)
    if unsure:
        facts.add(SUSPICION)
        facts |= set(confirmed or ()) & unsure
    if facts & SCHOOL_CUES and not facts - QUIET:
        facts.add(DOUBT)
    return sorted(facts)


def suspicions(findings: Iterable[Finding], channel: str | None) -> list[Finding]:
    """The findings the person is asked about, one per fact, in the reader's order."""
    here = [f for f in findings if f.applies_to(channel)]
    sure = {f.fact for f in here if f.sure}
    out: dict[str, Finding] = {}
    for f in here:
        if not f.sure and f.fact not in sure and f.fact not in out:
            out[f.fact] = f
    return list(out.values())


def contradiction(question: QuestionSpec, values: Sequence[str],
                  findings: Iterable[Finding]) -> Finding | None:
    """The finding whose words contradict this answer, if any."""
    facts = {fact for v in values for fact in question.contradicted_by.get(v, ())}
    return next((f for f in findings if f.fact in facts and f.sure), None)


def challenge_text(label: str, finding: Finding, question: QuestionSpec,
                   source: str = "draft") -> str:
    """``source`` names what was read: the draft of a post, or a report's description."""
    return (f"You answered “{label}”, but your {source} says “{finding.quote}”. Please look "
            f"again: {question.if_insisted}")
