"""Each fact the reader finds, with drafts that show it and look-alikes that do not."""

from __future__ import annotations

import pytest

from conversations.pack_loader import load_pack
from conversations.reader import KnownNames, Reader

PACK = load_pack()
READER = Reader(PACK.reader) if PACK.reader else None
NAMES = KnownNames(staff=("Daniel Osei", "Joanne Clarke", "Kieran Walsh", "Peter Wainwright"),
                   schools=("Oakfield Primary", "Riverside Academy"))

FINDS = [
    ("pupil_info", "Little Amelia Hart in Year 2 had another meltdown today"),
    ("pupil_info", "One of my Year 8s has just been excluded again, third time this term"),
    ("pupil_info", "Congratulations Jake Thompson in 6B on his SATs!"),
    ("colleague_info", "Poor Kieran has been signed off with stress again"),
    ("colleague_info", "Our TA is off sick for the third week running, something's up"),
    ("contact_details", "Text me on 07912 345678 if you want the details"),
    ("contact_details", "Email me at jo.bloggs1984@gmail.com"),
    ("derogatory", "Her mum is useless, no wonder the kid is always late"),
    ("derogatory", "The new head at our place hasn't got a clue"),
    ("derogatory", "Year 9 were absolute animals today"),
    ("attack", "Ofsted inspectors are clueless clowns"),
    ("negative_work", "Another pointless INSET day, what a waste of time"),
    ("not_public", "Big changes for our staff next term, my lips are sealed 🤫"),
    ("parent_address", "Dear parents, please remember PE kits tomorrow"),
    ("pupil_contact", "Just accepted a friend request from a pupil in my Year 10 form"),
    ("parent_contact", "One of the mums from my class sent me a friend request"),
    ("parent_relative", "Added my sister on Facebook, her son is in Year 3 here"),
    ("contact", "Got a friend request from Sam today, should I accept?"),
    ("views_as_trust", "Our school believes the new housing plan is wrong"),
    ("opinion", "Speaking as head of year, I think phones should be banned"),
    ("conflict", "Offering maths tutoring £30 an hour, Oakfield families welcome"),
    ("unsuitable", "Got absolutely hammered last night, still drunk at work"),
    ("harassment", "That new supply teacher is so fit, I'd definitely do her"),
    ("business", "Oakfield's Christmas fair is this Saturday, come along!"),
    ("school_pictures", "Sports day fun! [photo of Year 3 in the sack race]"),
    ("school_resources", "My fractions worksheets are free to download"),
    ("trust_resources", "Sharing the Trust's safeguarding training slides"),
    ("politics", "Vote Labour on Thursday!"),
    ("employer_named", "Proud to be starting my new role at Riverside Academy"),
]

MISSES = [
    ("derogatory", "Leeds lost again, worst defending I've ever seen"),
    ("derogatory", "My mum is useless at technology, bless her"),
    ("derogatory", "The referee was an absolute joke today"),
    ("attack", "The broadband company is useless, third outage this week"),
    ("not_public", "My lips are sealed about my sister's surprise party"),
    ("pupil_info", "Reading a great book about ADHD in adults"),
    ("unsuitable", "Smashed it at parkrun this morning, new PB"),
    ("parent_address", "Happy Mother's Day to all the mums out there"),
    ("school_pictures", "Beach photos from our holiday in Cornwall [3 photos]"),
    ("contact_details", "The match kicks off at 3pm on 12 March"),
    ("negative_work", "The traffic this morning was a nightmare"),
    ("harassment", "My cat is so fit for a 15 year old"),
]


@pytest.mark.parametrize(("fact", "draft"), FINDS)
def test_the_reader_finds_what_the_words_show(fact: str, draft: str) -> None:
    assert READER is not None
    found = {f.fact: f for f in READER.read(draft, NAMES)}
    assert fact in found, f"{fact} not found in {draft!r}: {sorted(found)}"
    finding = found[fact]
    assert finding.quote and finding.quote.lower().split()[0] in draft.lower()
    assert all(c in PACK.clauses for c in finding.clauses)
    assert finding.sentence().startswith(f"I noticed “{finding.quote}”")


@pytest.mark.parametrize(("fact", "draft"), MISSES)
def test_look_alikes_are_not_findings(fact: str, draft: str) -> None:
    assert READER is not None
    found = {f.fact for f in READER.read(draft, NAMES)}
    assert fact not in found, f"{fact} wrongly found in {draft!r}"


def test_a_finding_matters_only_where_the_post_goes() -> None:
    assert READER is not None
    [notice] = [f for f in READER.read("Dear parents, PE is on Friday", NAMES)
                if f.fact == "parent_address"]
    assert notice.applies_to("personal") and notice.applies_to("group")
    assert not notice.applies_to("official") and not notice.applies_to(None)


def test_nothing_is_found_in_an_empty_draft() -> None:
    assert READER is not None
    assert READER.read("   ", NAMES) == ()
