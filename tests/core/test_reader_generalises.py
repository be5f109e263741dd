"""Drafts worded as staff really type them, read through the whole application: names in lower
case or with an initial, doubt turned into questions, an answer the words contradict, and the
right clause for the right reason."""

from __future__ import annotations

from bot.app import Application
from conversations.messages import Card, Question
from storage.base import Put
from testing.chat import Chat
from testing.staff import TEACHER


def _cited(card: Card) -> list[str]:
    return dict(card.fields)["Clauses"].split(", ")


def _noticed(card: Card) -> str:
    """What the bot said it saw in the draft, without the clauses explained after it."""
    return " ".join(line for line in card.body.splitlines() if line.startswith("I noticed"))


async def test_a_pupil_in_lower_case_with_her_class_and_diagnosis_is_refused(
        app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.check_post("well done to amelia in yr3 for her amazing poem, shes come so far "
                          "since her dyslexia diagnosis")
    card = chat.card()
    assert card.title.startswith("Not permitted")
    assert "7.1" in _cited(card)
    assert "amelia in yr3" in card.body


async def test_a_pupil_by_first_name_and_initial_with_home_life_is_refused(
        app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.check_post("Sooo proud of Jayden H in 4B today after all the trouble at home lol")
    card = chat.card()
    assert card.title.startswith("Not permitted")
    assert "7.1" in _cited(card)
    assert "Jayden H" in card.body


async def test_a_pupil_named_after_a_year_group_sentence_is_a_pupil(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.check_post("Year 6 smashed their SATs!! Tyler especially, after everything "
                          "going on at home this year")
    card = chat.card()
    assert card.title.startswith("Not permitted")
    assert "Tyler" in card.body


async def test_a_pic_of_the_class_asks_for_consent_and_a_careless_no_is_questioned(
        app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.send("can I post this?")
    await chat.send("great day at the farm, pic of the whole class with the lambs #schooltrip")
    await chat.choose("personal")
    # What the words show cannot be answered away: "no pupils" is met with the words.
    assert chat.question.name == "pupils_shown", chat.replies_text()
    await chat.choose("no")
    chat.assert_reply("You answered “No pupils are shown”, but your draft says")
    assert chat.question.name == "pupils_shown"
    await chat.choose("no")
    card = chat.card()
    assert card.title.startswith("Needs approval"), chat.replies_text()
    assert not card.title.startswith("Fine")
    requests = await app.storage.scan("request/")
    assert len(requests) == 1
    record = requests[0][1].value
    # Both are on the approver's card: what the words say, and what was answered.
    assert any("pic of the whole class" in f for f in record["findings"]), record["findings"]
    assert ["Pupils shown", "No pupils are shown"] in [list(a) for a in record["answers"]]


async def test_a_dig_at_a_parent_in_slang_is_refused(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.check_post("honestly some parents 🙄 a dad shouting at me in the playground "
                          "this morning over a lost jumper. get a life mate",
                          channel="personal")
    card = chat.card()
    assert card.title.startswith("Not permitted"), chat.replies_text()
    assert "6.4" in _cited(card)


async def test_a_draft_in_another_language_is_asked_about_and_the_bot_says_why(
        app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.send("can I post this?")
    await chat.send("رحلة رائعة اليوم مع طلاب الصف السادس إلى المتحف 📸")
    await chat.choose("personal")
    assert "I can only read English, so I'll ask instead." in chat.question.detail
    asked = []
    answers = {"identifies": "named", "about_school": "business", "pupils_shown": "consent"}
    while chat.last is not None and [m for m in chat.last.replies if isinstance(m, Question)]:
        name = chat.question.name
        asked.append(name)
        await chat.choose(answers[name])
    assert sorted(asked) == ["about_school", "identifies", "pupils_shown"]
    assert chat.card().title.startswith("Needs approval")


async def test_a_linkedin_job_update_is_not_a_pupil(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.check_post("Thrilled to share that I've started a new role as Year 4 teacher at "
                          "Oakfield Primary School! Looking forward to the year ahead.",
                          channel="personal", suspected="none")
    card = chat.card()
    assert not card.title.startswith("Not permitted"), chat.replies_text()
    assert "pupil" not in card.body.lower()


async def test_a_bake_sale_total_waits_for_where_it_goes(app: Application) -> None:
    draft = ("Our bake sale raised £412.50 for the school library! Thank you to all our "
             "amazing families for the cakes")
    await app.storage.write([Put("account/oakfield-facebook", {
        "id": "oakfield-facebook", "name": "Oakfield Primary School", "platform": "Facebook",
        "school": "Oakfield Primary"})])
    official = Chat(app, TEACHER)
    await official.send("can I post this?")
    await official.send(draft)
    assert official.question.name == "channel"  # nothing judged before it knows where
    await official.answer_asked(channel="official", account="oakfield-facebook", fair="yes")
    card = official.card()
    assert card.title.startswith("Needs approval"), official.replies_text()
    assert "4.3" in _cited(card)
    personal = Chat(app, "imran.hussain@northbrook.example")
    await personal.check_post(draft, channel="personal")
    card = personal.card()
    assert card.title.startswith("Not permitted")
    assert _cited(card) == ["7.1"]
    assert "about parents" in _noticed(card)
    assert "families" not in _noticed(card).split("about parents")[1]  # not "selling to"


async def test_a_political_opinion_signed_with_the_school_needs_approval(
        app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.check_post("Vote Labour on Thursday, our kids deserve better funding! "
                          "- Year 4 teacher at Oakfield Primary", channel="personal")
    card = chat.card()
    assert card.title.startswith("Needs approval"), chat.replies_text()
    assert "4.2" in _cited(card)


async def test_lesson_plans_in_a_meme_are_not_the_schools_resources(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.check_post("me when the lesson plan survives first contact with a Friday "
                          "afternoon 😂", channel="personal", identifies="no",
                          about_school="personal")
    text = chat.replies_text()
    assert "resources" not in text.lower(), text


async def test_a_phone_number_is_contact_details_not_tutoring(app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.check_post("Lost ginger cat near the park, answers to Biscuit. Call me on "
                          "07700 900123 if you see him", channel="personal")
    card = chat.card()
    assert card.title.startswith("Not permitted")
    assert "contact details" in _noticed(card)
    assert "families" not in _noticed(card)


async def test_a_comment_on_a_pupils_own_video_is_contact_with_a_pupil(
        app: Application) -> None:
    chat = Chat(app, TEACHER)
    await chat.check_post("commenting on Ellie's dance video - she's in my Year 9 form and "
                          "it's brilliant 🔥")
    card = chat.card()
    assert card.title.startswith("Not permitted"), chat.replies_text()
    assert _cited(card) == ["6.6"]
    assert "about a pupil" in _noticed(card)
    assert "picture" not in _noticed(card)


def _facts(text: str) -> set[str]:
    from conversations.pack_loader import load_pack
    from conversations.reader import KnownNames, Reader

    pack = load_pack()
    assert pack.reader is not None
    schools = KnownNames(schools=("Oakfield Primary", "Riverside Academy"))
    return {f.fact for f in Reader(pack.reader).read(text, schools)}


def test_drafts_the_reader_cannot_read_say_so() -> None:
    for draft in ("🎉🎉🎉🥳", "https://www.instagram.com/p/Cx12abc/", "IMG_2231.jpg",
                  "Wycieczka klasy szóstej do zoo była super, dzieci były zachwycone i "
                  "bardzo grzeczne przez cały dzień"):
        assert _facts(draft) == {"unreadable"}, draft
    # A long English draft full of handles and repeats is still English.
    assert "unreadable" not in _facts("Speaking as head of year, " + "xxxx <@U1> " * 30)


def test_places_and_everyday_words_are_not_people() -> None:
    assert "pupil_info" not in _facts("Y2 had the best day at Cattle Farm 🐑 muddy wellies")
    assert "pupil_named" not in _facts("One cheeky pint with the lads after 5-a-side 🍺")
    assert "pupil_named" not in _facts("Teacher life 😅 3 evenings of glue guns for the Y2 display")
    assert "pupil_named" not in _facts("Sharing my Oakfield Y4 fractions pack with colleagues")
    # A name typed in lower case, or with an initial, beside a class is a pupil's.
    assert "pupil_named" in _facts("so proud of tyler in 5C today")
    assert "pupil_named" in _facts("Jayden H was brilliant in assembly, my Year 3s loved it")
