"""What an ordinary message asks for: a flow, a list, help, or a question about the policy."""

from __future__ import annotations

import re
from collections.abc import Sequence

from conversations import openers
from conversations.flow_registry import CHECK_POST, NEW_ACCOUNT, REPORT_CONCERN
from conversations.intent_registry import REPORT_INTENT
from conversations.people_search import Someone, named_in
from conversations.policy import PolicyPack

REQUEST_ID = re.compile(r"\b([A-Z]{2,4}-\d{3,})\b", re.IGNORECASE)
_QUESTION_START = re.compile(
    r"^(can|could|may|should|must|am|is|are|do|does|did|what|whats|what's|when|where|who|"
    r"whom|why|how|which|will|would|if|any|anyone|is it|are we|do i|does it|whats)\b"
)
# A policy question somewhere in a longer message ("my sister is a parent here, can I …?").
_ASKS_ABOUT_POLICY = re.compile(
    r"\b(can|could|may|should|must|am|do|does|is|are|would) (i|we|staff|teachers|you|it|that|"
    r"this|they|he|she|a|my|the|someone|people|governors|volunteers)\b|\b(allowed|permitted|"
    r"against the policy|ok to|okay to|alright to|fine to|need permission|who (do|should|can) i|"
    r"what happens|what if|does (it|this|that) count|is (it|this|that) ok)\b"
)
# Words that add nothing to a request for a flow ("can you check my post please").
_FILLER = frozenset((  # noqa: SIM905 (a word list reads better as one string)
    "please pls plz can could you i id i'd would like to want wanna need a an the my this it "
    "something some quick quickly new now hi hello hey bot help me just"
).split())
# Platforms named in an account request, and the value the pack's platform question uses.
PLATFORMS = {
    "facebook": "facebook", "fb": "facebook", "instagram": "instagram", "insta": "instagram",
    "ig": "instagram", "twitter": "x", "x": "x", "linkedin": "linkedin", "youtube": "youtube",
    "tiktok": "tiktok", "tik tok": "tiktok",
}
# Commands that interrupt even a free-text answer (a draft may contain any other word).
INTERRUPTS = ("cancel", "restart", "help")
# The governance report is asked for in a message of its own ("report", "report for last
# term"): "report" inside a longer message is a concern ("I need to report something").
REPORT_PHRASES = ("report", "governance report", "board report", "termly report",
                  "policy report")
_REPORT_TERM = re.compile(r"^(?:(?:the|our|my)\s+)?(?P<what>.+?)(?:(?:\s+(?:for|of))?\s+(?:the\s+)?"
                          r"(?P<term>this|last|previous|current)\s+term)?(?:\s+please)?$")


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w@'.-]+", " ", text.lower()).split())


def detect(pack: PolicyPack, text: str) -> str | None:
    """What an ordinary message asks for, or None.

    Cancel, start again and help count only as the whole message ("we need help with…" is
    a draft, not a command). Otherwise the phrase that comes earliest in the message wins,
    and the longer phrase on a tie: "can I post about anti-bullying week" is a post check,
    "cancel my request SM-0004" a withdrawal. A casual opener ("is this ok?", "sanity check
    pls") counts as a post check's phrase where it stands (conversations.openers).
    """
    whole = is_command(pack, text)
    if whole:
        return whole
    if report_asked(pack, text):
        return REPORT_INTENT
    norm = _normalise(text)
    best: tuple[int, int, str] | None = None
    opener = openers.find(text)
    if opener is not None and CHECK_POST.name in pack.intents:
        said = _normalise(opener.words)
        at = 0 if opener.first else max(norm.rfind(said), 0)
        best = (at, -len(said), CHECK_POST.name)
    for intent, phrases in pack.intents.items():
        if intent in INTERRUPTS or intent == REPORT_INTENT:
            continue
        for phrase in phrases:
            match = re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", norm)
            if match:
                rank = (match.start(), -len(phrase), intent)
                if best is None or rank < best:
                    best = rank
    return best[2] if best else None


def is_command(pack: PolicyPack, text: str) -> str | None:
    """An interrupting command when the whole message is one of its phrases."""
    norm = _normalise(text).strip(" .!?")
    for intent in INTERRUPTS:
        if norm in pack.intents.get(intent, ()):
            return intent
    return None


def report_asked(pack: PolicyPack, text: str) -> str:
    """"this" or "last" when the whole message asks for the governance report (of this term
    or the last), else ""."""
    match = _REPORT_TERM.match(_normalise(text).strip(" .!?"))
    if match is None or match.group("what") not in (pack.intents.get(REPORT_INTENT)
                                                   or REPORT_PHRASES):
        return ""
    return "last" if match.group("term") in ("last", "previous") else "this"


def looks_like_question(text: str) -> bool:
    norm = _normalise(text)
    return (text.strip().endswith("?") or _QUESTION_START.match(norm) is not None
            or _ASKS_ABOUT_POLICY.search(norm) is not None)


_POLICY_QUESTION_START = re.compile(
    r"^(?:(?:hi|hello|hey|quick question|question)[,!.]? )?(?:can|could|may|should|must|am|"
    r"do|does|is it|are we|are staff|would it|who (?:do|should|can)|what (?:happens|if|about|"
    r"should|do)|how do i|where do i)\b"
)


def plainly_a_policy_question(text: str) -> bool:
    """A question about the policy rather than a draft that happens to ask something:
    it starts like one ("can I…", "who do I tell…") and is short. An opener ("can i tweet
    this lol") asks for a check, not about the policy."""
    norm = _normalise(text)
    return (_POLICY_QUESTION_START.match(norm) is not None and len(norm.split()) <= 40
            and _ASKS_ABOUT_POLICY.search(norm) is not None and openers.find(text) is None)


def asks_for_flow(pack: PolicyPack, text: str, intent: str) -> bool:
    """The message asks for the flow itself ("can I post this?", "check a post please",
    "ok to put this on insta?"), rather than asking about the policy ("can I post photos of
    sports day?")."""
    if intent == CHECK_POST.name:
        opener = openers.find(text)
        if opener is not None and not opener.draft:
            return True
    norm = _normalise(text).strip(" .!?")
    for phrase in pack.intents.get(intent, ()):
        match = re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", norm)
        if match is None:
            continue
        rest = (norm[:match.start()] + " " + norm[match.end():]).replace("?", " ").split()
        if all(word.strip(".,!'") in _FILLER or word in phrase.split() for word in rest):
            return True
    return False


def platform_in(text: str) -> str:
    """The platform an account request names ("a class Instagram" -> "instagram"), or ""."""
    norm = f" {_normalise(text)} "
    for word, value in PLATFORMS.items():
        if f" {word} " in norm or f" {word}'s " in norm:
            return value
    return ""


def draft_in(text: str) -> str:
    """The draft a message carries: "Can I post this: <draft>", the lines after the ask, or
    the words before or after a casual opener ("Well done Year 4! ok to post?")."""
    opener = openers.find(text)
    if opener is not None and opener.draft:
        return opener.draft
    head, sep, tail = text.partition(":")
    if sep and len(tail.strip()) >= 10 and len(head) < 80:
        return tail.strip()
    first, newline, rest = text.strip().partition("\n")
    if newline and len(rest.strip()) >= 10 and len(first) < 80 and first.rstrip().endswith("?"):
        return rest.strip()
    return ""


def request_id_in(text: str) -> str | None:
    match = REQUEST_ID.search(text)
    return match.group(1).upper() if match else None


def preset_for(pack: PolicyPack, flow: str, text: str,
               people: Sequence[Someone]) -> dict[str, list[str]]:
    """Answers a flow's first words already give ("check this: ...", "a new Instagram
    account"), so the person is not asked them again."""
    preset: dict[str, list[str]] = {}
    if flow == CHECK_POST.name:
        draft = draft_in(text)
        if draft:
            preset["draft"] = [draft]
    if flow == REPORT_CONCERN.name:
        # "I'm worried about something Joanne Clarke posted": who it is about is said.
        named = named_in(text, people)
        if len(named) == 1:
            preset["subject"] = [named[0].value]
    if flow == NEW_ACCOUNT.name:
        platform = platform_in(text)
        if platform and platform in {o.value for o in pack.flow(flow)
                                     .question("platform").options}:
            preset["platform"] = [platform]
    return preset
