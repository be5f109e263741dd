"""The casual ways people ask for a post check, however they are worded.

"is this ok?", "ok to put this on insta?", "can i tweet this lol", "quick one - fine to
post?", "sanity check pls", "would this get me sacked 😂", "thoughts before I hit send?": an
opener is a short run of words that all belong to the language of asking for a check, and
that does ask for one. The words fall into a few kinds: pointing at the post ("this", "it"),
posting ("post", "put up", "tweet", a platform), the verdict wanted ("ok", "alright", "fine",
"safe"), a check ("sanity check", "thoughts?"), what could happen ("sacked", "in trouble"),
and chatter ("lol", "pls", "quick one", "sorry to bug you"). Any other word is content:
"is it ok to post photos of sports day?" is about photos of sports day, so it is a question
about the policy, not a request to check a post.

An opener may come with the draft it is about, before or after it ("Well done Year 4! ok to
post?", "is this ok? Well done Year 4!"), or with an aside that is not a draft ("haha I'm
such a worrier, is this ok?"): the draft is checked, the aside is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Pointing at the post itself.
_POINTING = frozenset(["this", "that", "these", "it", "dis", "thiss"])
# Posting, and the places a post goes.
_POSTING = frozenset((  # noqa: SIM905 (a word list reads better as one string)
    "post posting posted put putting share sharing tweet tweeting retweet rt upload uploading "
    "send sending publish publishing caption story stories reel status update comment reply "
    "go going up out online live facebook fb instagram insta ig gram twitter x tiktok tik tok "
    "linkedin youtube yt snapchat snap threads bluesky whatsapp socials social media grid feed "
    "page profile"
).split())
# The verdict wanted.
_VERDICT = frozenset((  # noqa: SIM905
    "ok okay k kk oki okey alright allright aight fine safe good acceptable appropriate allowed "
    "permitted legit kosher cool bad risky dodgy problem issue wrong unprofessional much far "
    "iffy dicey"
).split())
# Asking for a check or an opinion.
_CHECKING = frozenset((  # noqa: SIM905
    "check checking sanity thoughts thought think reckon opinion opinions verdict look glance "
    "eyes review vet proofread feedback"
).split())
# What could happen if it goes wrong.
_CONSEQUENCE = frozenset((  # noqa: SIM905
    "sacked sack fired fire trouble disciplined dismissed canned binned suspended regret "
    "struck"
).split())
# Words that carry nothing about the post: greetings, politeness, laughter, pronouns, verbs
# of asking.
_CHATTER = frozenset((  # noqa: SIM905
    "lol lmao lmfao haha hahaha hah hehe omg pls plz please mate quick one question q qq "
    "just before after i im i'm id i'd me my myself you u your ur yours get getting a an "
    "the to on for in at of with be is are am was were can could would will should shall do "
    "does did it's its what whats what's how hey hi hello so um erm hmm right then really "
    "actually honestly tbh idk anyone any xx xxx here gonna about if or not yes yeah yep "
    "wanna want need pair fresh quickly there all still also yet ya r gimme give have got "
    "sorry again thanks ta cheers sure bit little bot and but anyway we us our hit press "
    "click button write wrote how's hows that's thats something smth sth written draft "
    "wording words text message msg see read let lemme know tell say help bug bother "
    "bugging bothering off water hot into land"
).split())
_SIGNALS = _POINTING | _POSTING | _VERDICT | _CHECKING | _CONSEQUENCE
_VOCABULARY = _SIGNALS | _CHATTER
MAX_WORDS = 16
# Where a message breaks into pieces: punctuation, emoji, a dash between words.
_BREAK = re.compile(r"(?:[^\w\s'’@#&]|\s-|-\s)+")
_WORD = re.compile(r"[a-z0-9']+")
# A question put to the bot ("can I add a parent?"), not to a post's readers ("who's coming?").
_ASKS_THE_BOT = re.compile(
    r"\b(?:can|could|may|should|must|do|am|shall) (?:i|we)\b|\b(?:allowed|permitted|"
    r"is (?:it|this|that) (?:ok|okay|alright|fine)|who do i|what if|does (?:it|this|that) count)"
    r"\b", re.IGNORECASE)
# Words about a post rather than the post itself ("I'd like to post photos of the fete on my
# page, is that ok?"): the message is a question about posting, not a draft.
_ABOUT_A_POST = re.compile(
    r"^\W*(?:(?:hi|hey|hello|so|ok|okay|right|quick one)\W+)*(?:i'?d like to|i would like to|"
    r"i want to|i wanna|i'?m (?:going|about|thinking|planning|hoping) (?:to|of)|thinking of|"
    r"planning to|i was going to|(?:can|could|may|should|shall|would|do) (?:i|we)|"
    r"am i allowed to|is it (?:ok|okay|alright|fine) (?:to|if i))(?:\W+\w+){0,3}?\W+(?:post|"
    r"posting|put|putting|share|sharing|upload|uploading|tweet|tweeting|send|sending|publish)"
    r"\b", re.IGNORECASE)


@dataclass(frozen=True)
class Opener:
    """The opener found in a message, the draft that came with it ("" when none) and whether
    it came first."""

    words: str
    draft: str
    first: bool


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


def is_opener(words: list[str]) -> bool:
    """Every word belongs to the language of asking for a check, and together they ask for
    one: pointing at the post with a verdict, posting or consequence ("is this ok?", "can i
    tweet this"), a check ("sanity check"), or a verdict on posting ("fine to post?")."""
    if not words or len(words) > MAX_WORDS or any(w not in _VOCABULARY for w in words):
        return False
    kinds = set(words)
    pointing = bool(kinds & _POINTING)
    verdict, posting = bool(kinds & _VERDICT), bool(kinds & _POSTING)
    return (bool(kinds & _CHECKING)
            or (pointing and (verdict or posting or bool(kinds & _CONSEQUENCE)))
            or (verdict and posting))


def find(text: str) -> Opener | None:
    """The opener in ``text``: the whole message, its first pieces or its last pieces.

    What comes with an opener is its draft when it has content enough to be one (some words
    that are not chatter, or lines of their own); a short aside ("sorry to bug you") is not
    a draft. An opener next to a question of its own ("can I add a parent? thoughts?") is
    not taken: the question is what is asked.
    """
    stripped = text.strip()
    if is_opener(words_of(stripped)):
        return Opener(stripped, "", True)
    pieces = _pieces(stripped)
    for k in range(len(pieces) - 1, 0, -1):  # the longest opening run of pieces
        # The draft starts right after the opener: a bracket or quote opening it is its own.
        head, rest = stripped[:pieces[k - 1][1]], stripped[pieces[k - 1][1]:]
        if is_opener(words_of(head)):
            return _with(head, rest, first=True)
    for k in range(1, len(pieces)):  # the longest closing run of pieces
        head, rest = stripped[pieces[k][0]:], stripped[:pieces[k][0]]
        if is_opener(words_of(head)):
            return _with(head, rest, first=False)
    return None


def _pieces(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for brk in _BREAK.finditer(text):
        if text[start:brk.start()].strip():
            spans.append((start, brk.start()))
        start = brk.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def _with(opener: str, rest: str, first: bool) -> Opener | None:
    rest = rest.strip().lstrip("?!.,;:-–— \n").rstrip(",;:-–— ").strip()
    content = [w for w in words_of(rest) if w not in _VOCABULARY]
    if content and (_asks_itself(rest) or _ABOUT_A_POST.match(rest.replace("’", "'"))):
        return None
    on_own_lines = "\n" in rest or "\n" in opener
    enough = len(content) >= (2 if first else 3)
    return Opener(opener.strip(), rest if content and (enough or on_own_lines) else "", first)


def _asks_itself(rest: str) -> bool:
    """The rest is a question of its own for the bot rather than a draft."""
    return "?" in rest and _ASKS_THE_BOT.search(rest) is not None
