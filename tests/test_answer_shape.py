"""Fast tests of the answer's shape (issue 10): direct-answer spans, quotation-aware sentences,
quote display, yes/no polarity, abstention reasons, grounding, conversation state. Pure logic:
no model, no index (true and false cases for each behaviour)."""

from __future__ import annotations

import pytest

from rag.answering.abstain import abstention, excluded_note, reason
from rag.answering.compose import attribution
from rag.answering.display import canonical, display_quote, shows
from rag.answering.extractive import AnswerConfig, ExtractiveAnswerer, _polarity
from rag.answering.question_type import QType, has_answer_type, question_type
from rag.answering.spans import Span, answer_spans, best_span, focus
from rag.conversation import avoid_repeat, conversation_state, is_follow_up, prefer_articles, resolve, rewrite
from rag.models import Passage, Statement, render_statements
from rag.sentences import quote_aware_spans, sentence_spans
from rag.text_terms import question_terms, stem

DARAYYA = (
    "According to sources around 8,000 civilians and 800 rebels would be evacuated from the Damascus suburb, "
    "to Sahnaya – a town in Damascus governorate – under regime control."
)


def _passage(text: str, n: int = 1, **kw) -> Passage:
    return Passage(
        chunk_id=n,
        article_id=kw.get("article_id", f"a{n}"),
        title=kw.get("title", "Title"),
        source=kw.get("source", "Reuters"),
        date=kw.get("date", "2016-08-26"),
        date_inferred=kw.get("date_inferred", False),
        date_evidence=None,
        url=None,
        text=text,
        start=0,
        end=len(text),
        score=kw.get("score", 1.0),
    )


# --- question types and direct-answer spans ----------------------------------------------------------


@pytest.mark.parametrize(
    "question,qtype",
    [
        ("Which rebel groups controlled Darayya?", QType.ENTITY),
        ("Which home furnishings retailer filed for bankruptcy?", QType.ENTITY),
        ("Which city hosted the summit?", QType.PLACE),
        ("Was the siege of Aleppo broken?", QType.YESNO),
        ("What percentage of voters backed the plan?", QType.COUNT),
        ("What did the Observatory say about the siege?", QType.GENERAL),
        ("What were the aid convoys carrying?", QType.GENERAL),  # no "what happened" question
        ("What were the main developments in Aleppo?", QType.EVENTS),
        ("What happened in Idlib in April?", QType.EVENTS),
        ("Which news network reported the intercepts?", QType.ENTITY),  # "news" here names no timeline
        ("Any news from Aleppo?", QType.EVENTS),
        ("Which State Department official briefed reporters?", QType.PERSON),  # not the place "State"
        ("Which state has the most people?", QType.PLACE),
        ("What was the death toll from the attack?", QType.COUNT),
        ("What is the capital of Australia?", QType.GENERAL),
        ("health minister who warned the hospitals were out of service", QType.PERSON),  # terse "who"
        ("What was the final death toll from the strikes?", QType.COUNT),
        ("What is the name of the age group?", QType.ENTITY),
        ("What did the man who shot the mayor say?", QType.GENERAL),
        ("In which part of Syria did the attack take place?", QType.PLACE),
        ("Which part of the deal was broken?", QType.ENTITY),  # a part of no named place
        ("Near which border crossing did the bomber strike?", QType.PLACE),
        # the name of a person whose role has a hyphenated name before it, or is a group's member
        ("What was the name of the Ahrar al-Sham commander killed in the blast?", QType.PERSON),
        ("What was the name of the senior non-Syrian Nusra Front member killed?", QType.PERSON),
        ("What is the name of the new member state?", QType.ENTITY),  # "member" qualifies "state"
        ("What was the name of the club whose members were arrested?", QType.ENTITY),  # the club's name
    ],
)
def test_question_types_are_general_english(question, qtype):
    assert question_type(question) is qtype


# asked for several things: the names joined by "and" are one answer; asked for one, or not joined: one name
SEVERAL = [
    (
        "Which two US presidents died on July 4 in the same year?",
        "Thomas Jefferson and John Adams both died on July 4, 1826.",
        "Thomas Jefferson and John Adams",
    ),
    (
        "Which two teams will play in the final?",
        "The Philadelphia Eagles and the Kansas City Chiefs will face off in the final.",
        "Philadelphia Eagles and the Kansas City Chiefs",
    ),
    (
        "Which team will host the final?",
        "The Philadelphia Eagles and the Kansas City Chiefs will face off in Glendale.",
        "Kansas City Chiefs",
    ),
    (
        "Which two presidents met in Geneva?",
        "Joe Biden met the press in Geneva after talks with Vladimir Putin.",
        "Joe Biden",
    ),
]
# the outlet that tells the news is not what it is about, unless the question asks who said it
SOURCES = [
    ("Who agreed a truce?", "A truce was agreed, SANA reported, with Mustafa Bali.", "Mustafa Bali"),
    ("Who agreed a truce?", "According to SANA the truce agreed with Mustafa Bali took effect.", "Mustafa Bali"),
    (
        "Which State Department spokesman said the truce was holding?",
        "State Department spokesman Mark Toner said the truce was largely holding.",
        "Mark Toner",
    ),
]

# what a name is in a sentence: a place is not a titled person, an adjective is not a name, a quantity's
# number is not part of one, and a description set off after a name says what the name is
READING = [
    (
        "Which country declared a state of emergency?",
        "President Jane Doe declared a state of emergency in Ruritania on Monday.",
        "Ruritania",
    ),
    (
        "Which restaurant lost a star?",
        "Chez Marcel, the oldest Michelin-starred restaurant, lost a star.",
        "Chez Marcel",
    ),
    ("Which chamber elected a speaker?", "The Republican-led House elected a speaker after weeks.", "House"),
    (
        "Which storm forced evacuations?",
        "Nearly 4 million people were told to evacuate as Typhoon Koinu made landfall.",
        "Typhoon Koinu",
    ),
    (
        "Which former candidate died this week?",
        "John Smith — a one-time presidential candidate and former CEO of Acme Pizza – died on Thursday.",
        "John Smith",
    ),
    (  # the description after the name is of the daughter: "daughter of …" does not make her the vice president
        "Which former vice president's daughter voted to impeach?",
        "Congresswoman Anne Roe, daughter of former Vice President Tom Roe, voted to impeach.",
        "Vice President Tom Roe",
    ),
    (  # a title that is what the question asks for stays
        "Biden was sworn in, making him which president in history?",
        "Upon inauguration, Biden became the 46th President of the United States.",
        "President of the United States",
    ),
    ("Which album did she release?", "She released ‘Midnight Rain’ on Friday after a year away.", "Midnight Rain"),
    (  # apostrophes of possessives are no quotation marks
        "Which pharaoh's tomb was found?",
        "A mission found the tomb of King Amenhotep V, the last of Egypt's 20th dynasty, and the first pharaoh's in years.",
        "King Amenhotep V",
    ),
]


def test_a_quoted_phrase_is_not_a_title_and_a_first_word_is_a_name_only_if_the_passage_says_so():
    found = best_span(
        QType.ENTITY, "Called a ‘landmark’ move, the league will ban heading.", "Which skill will be banned?"
    )
    assert found is None or found.text != "landmark"
    sentence = "Ruritania hit back with tariffs on imports this week."
    question = "Which country hit back with tariffs?"
    assert best_span(QType.PLACE, sentence, question) is None  # "Ruritania" could be any capitalised first word
    context = "Talks failed after the US put tariffs on Ruritania in May. " + sentence
    found = best_span(QType.PLACE, sentence, question, context)
    assert found is not None and found.text == "Ruritania"


@pytest.mark.parametrize(
    "question,kind",
    [
        ("Which popular tourist island declared a state of emergency?", QType.PLACE),
        ("In which South Korean city did the raid happen?", QType.PLACE),
        ("Which team won the state championship?", QType.ENTITY),
        ("What kind of state support was offered?", QType.ENTITY),
    ],
)
def test_which_with_modifiers_before_a_place_noun(question, kind):
    assert question_type(question) is kind


@pytest.mark.parametrize(
    "question,sentence,span",
    [
        ("How many rebels would be evacuated from Darayya?", DARAYYA, "800 rebels"),
        ("How many civilians were to be evacuated?", DARAYYA, "around 8,000 civilians"),
        # the counted noun inside the span wins over a number that merely stands next to it
        ("How many rebels left Darayya?", DARAYYA, "800 rebels"),
        ("How many civilians left Darayya?", DARAYYA, "around 8,000 civilians"),
        ("How many rebels left?", "Hundreds of rebel fighters left the town.", "Hundreds of rebel fighters"),
        (
            "How long was the truce extended?",
            "It should be extended for another 48 hours despite violence.",
            "48 hours",
        ),
        ("When did the truce take effect?", "The truce applies as of 5pm on Sunday in the city.", "5pm on Sunday"),
        ("Who brokered the deal?", "The deal, brokered by U.S. Secretary of State John Kerry, held.", "John Kerry"),
        (
            "Where will the rebels be taken?",
            "The rebels will be taken to northern Idlib, our correspondent said",
            "northern Idlib",
        ),
        (
            "Which retailer filed for bankruptcy?",
            "Pier 1 Imports filed for Chapter 11 bankruptcy on Monday.",
            "Pier 1 Imports",
        ),
        ("From which airbase did bombers attack?", "Bombers attack targets using Hamedan airbase in Iran", "Hamedan"),
        *SEVERAL,
        *SOURCES,
        *READING,
    ],
)
def test_direct_answer_is_the_shortest_typed_span(question, sentence, span):
    found = best_span(question_type(question), sentence, question)
    assert found is not None and found.text == span
    assert sentence[found.start : found.end] == span  # verbatim


CIVILIANS = "How many civilians were reported killed in Idlib on 15 August 2016?"


@pytest.mark.parametrize(
    "sentence, span",
    [
        # people counted under another word than the question's
        ("A bomb on a bus near the crossing killed at least 15 people and injured 25 others.", "at least 15 people"),
        ("The rocket led to the killing of one person and the injury of 40 others.", "one person"),
        ("Three killed including 2 women, 29 injured in rocket attacks on the city.", "Three killed"),
        ("Shelling killed 21 children in the town.", "21 children"),
        # still the asked noun first
        ("At least 36 civilians including 11 children were killed in raids.", "At least 36 civilians"),
        # compound number words are one number; a part after "including" is not the count
        ("Seventy-six people including 28 children were killed on Sunday.", "Seventy-six people"),
        ("Sixteen civilians died in the raid.", "Sixteen civilians"),
        ("Over 1 000 civilians have been killed in the assault.", "Over 1 000 civilians"),
        # the count of those killed, not of those injured
        ("Eight civilians were killed and 30 others were injured.", "Eight civilians"),
        ("Three killed including 2 women, 29 injured in rocket attacks on the city.", "Three killed"),
    ],
)
def test_a_count_of_people_answers_a_count_of_civilians(sentence, span):
    found = best_span(QType.COUNT, sentence, CIVILIANS)
    assert found is not None and found.text == span


def test_a_plural_demonym_is_a_name_not_an_adjective():
    found = best_span(QType.PERSON, "We know the Russians have chemical expertise in-country.", "Who has expertise?")
    assert found is not None and found.text == "Russians"


def test_who_reported_it_is_answered_by_the_source_that_reports():
    sentence = (
        "The US military and intelligence community has intercepted communications featuring Syrian military and "
        "chemical experts talking about preparations for the alleged chemical weapons attack in Khan Sheikhoun on "
        "April 5, CNN reports citing an unidentified ‘senior US official’."
    )
    found = best_span(QType.ENTITY, sentence, "Which news network reported the intercepted communications?")
    assert found is not None and found.text == "CNN"
    # a source is no answer to a question about what happened
    took = best_span(QType.ENTITY, "Rebels took Atareb, SANA reports.", "Which group's report said rebels took it?")
    assert took is not None and took.text == "SANA"
    assert best_span(QType.ENTITY, "Rebels took Atareb, SANA reports.", "Which town did rebels take?").text == "Atareb"


def test_since_when_is_answered_by_a_time_or_an_event():
    q = "Since when have the trucks been held up?"
    sentence = "Two aid convoys have been held up since crossing the Turkish border, according to officials."
    assert best_span(QType.DATE, sentence, q).text == "since crossing the Turkish border"
    assert best_span(QType.DATE, sentence, "When were the trucks held up?") is None  # no date in it


def test_a_date_is_no_answer_to_who():
    caption = "Situation map of the city, as of August 20, 2016 [map by a volunteer]"
    assert best_span(QType.PERSON, caption, "Who is the governor of the city?") is None


def test_a_place_is_no_answer_to_who():
    who = "Who brokered the truce?"
    assert best_span(QType.PERSON, "The United States is aiming for a truce.", who) is None
    found = best_span(QType.PERSON, "The truce was brokered by Secretary of State John Kerry.", who)
    assert found is not None and found.text == "John Kerry"
    # an organisation may still answer "who"
    assert best_span(QType.PERSON, "The World Food Programme won the prize.", "Who won the prize?") is not None


def test_evacuated_or_a_population_is_no_count_of_the_killed():
    killed = "How many civilians were killed in the town during the siege?"
    sentence = (
        "Around 8,000 civilians and 800 rebels would be evacuated from the suburb, "
        "which before the war was home to a quarter of a million people."
    )
    assert best_span(QType.COUNT, sentence, killed) is None
    evacuated = "How many civilians were to be evacuated from the town?"
    assert best_span(QType.COUNT, sentence, evacuated).text == "Around 8,000 civilians"
    lived = "How many people lived in the town before the war?"
    assert best_span(QType.COUNT, sentence, lived).text == "a quarter of a million people"
    left = "How many people left the town?"  # no fate word, yet no town's population either
    assert best_span(QType.COUNT, sentence, left).text == "Around 8,000 civilians and 800 rebels"
    population = "What was the town's population before the war?"
    assert best_span(QType.COUNT, sentence, population).text == "a quarter of a million people"
    both = "At least 12 civilians and 3 rebels were killed in the raid."
    assert best_span(QType.COUNT, both, killed).text == "At least 12 civilians"


def test_things_are_no_count_of_people_killed():
    killed = "How many civilians were killed in the town?"
    assert best_span(QType.COUNT, "A total of three rockets fell on the town, causing no injuries.", killed) is None
    assert best_span(QType.COUNT, "The monitor also reported the two attacks.", killed) is None
    # people under another name still count
    assert best_span(QType.COUNT, "2 Syrians killed 5 injured in a rocket attack.", killed).text == "2 Syrians"
    assert best_span(QType.COUNT, "It said 98 evacuees were killed.", killed).text == "98 evacuees"
    assert best_span(QType.COUNT, "Five medics were killed in the strike.", killed).text == "Five medics"
    # without a fate in the question, a count of things is still a count
    assert best_span(QType.COUNT, "The monitor reported two attacks.", "How many attacks were there?") is not None


def test_a_count_of_another_thing_answers_no_count_question():
    killed = "How many fighters were killed in the battle?"
    groups = "Two rebel groups said on Saturday they had broken the siege."
    assert best_span(QType.COUNT, groups, killed) is None  # "two rebel groups" counts groups
    ambulances = "How many ambulances entered the town?"
    assert best_span(QType.COUNT, "The town lies just a few kilometres from the capital.", ambulances) is None
    assert best_span(QType.COUNT, "Around 8,000 civilians and 800 rebels would leave.", ambulances) is None
    assert best_span(QType.COUNT, "A convoy of 12 ambulances entered the town.", ambulances).text == "12 ambulances"
    # a question that counts no named thing still takes any plural
    assert best_span(QType.COUNT, "A convoy of 12 ambulances entered.", "How many entered the town?") is not None


def test_counts_read_as_the_question_means_them():
    bombers = "How many bombers took part?"
    assert best_span(QType.COUNT, "Russian Tu-22M3 bombers and F-16s struck.", bombers) is None  # model names
    assert best_span(QType.COUNT, "Six Tu-22M3 bombers attacked.", bombers).text == "Six Tu-22M3 bombers"
    days = "The workers were rescued after how many days?"
    assert best_span(QType.COUNT, "They were rescued after a 17-day ordeal.", days).text == "17-day"
    share = "What percentage of British voters think so?"
    assert best_span(QType.COUNT, "In a survey of 4,592 British voters, many said so.", share) is None
    assert best_span(QType.COUNT, "In a survey of 4,592 British voters, 32% said so.", share).text == "32%"
    money = "How much money has the US committed?"
    assert "$3.4 billion" in best_span(QType.COUNT, "The US committed $3.4 billion dollars in aid.", money).text
    assert best_span(QType.COUNT, "A 3-year-old and 5 adults were killed.", "How many people were killed?").text == (
        "5 adults"
    )


def test_the_counted_noun_of_a_part_or_a_terse_question():
    part = "how many of the civilians were children"
    sentence = "Air strikes on the town killed 25 civilians six of them children, a monitor said."
    assert best_span(QType.COUNT, sentence, part).text == "six of them children"
    terse = "rebel fighters killed in the battles north of the city how many"
    both = "The monitor said 30 regime soldiers and 39 rebel fighters had been killed in the battles."
    assert best_span(QType.COUNT, both, terse).text == "39 rebel fighters"


def test_a_count_of_the_killed_reads_parts_and_other_fates():
    killed = "How many civilians were reported killed in Aleppo?"
    assert best_span(QType.COUNT, "Artillery fire destroyed one tank in northern Aleppo.", killed) is None
    assert best_span(QType.COUNT, "One civilian was killed.", killed).text == "One civilian"
    among = "Ten children were among at least 48 people killed in the village."
    assert best_span(QType.COUNT, among, killed).text == "at least 48 people"  # the children are part of it
    assert best_span(QType.COUNT, "At least eight died including two children.", killed).text == "At least eight died"
    assert best_span(QType.COUNT, "A rocket attack injures three civilians in Lattakia.", killed) is None  # verb before
    assert best_span(QType.COUNT, "A shell wounded two and killed five civilians.", killed).text == "five civilians"


def test_a_number_leads_before_a_vague_quantity():
    vague = _passage("Hundreds of rebel fighters prepared to leave Darayya as the deal took hold on Friday.", 1)
    exact = _passage("Under the deal 800 rebels would leave Darayya for Idlib, sources said.", 2)
    answer = ExtractiveAnswerer().answer(
        "Roughly how many rebel fighters were expected to leave Darayya?", [vague, exact]
    )
    assert answer.statements[0].text.startswith("800 rebels")


def test_people_counted_are_the_people_asked_about():
    refugees = "How many Syrian refugees were living in Jordan?"
    assert best_span(QType.COUNT, "Iraqi parliament approves appointment of 5 new Ministers", refugees) is None
    assert best_span(QType.COUNT, "About 650,000 Syrians live in Jordan.", refugees).text == "About 650,000 Syrians"
    fighters = "How many rebel fighters left Darayya?"
    assert best_span(QType.COUNT, "The rebels belonged to two rebel groups: Ajnad al-Sham and Liwa.", fighters) is None
    assert best_span(QType.COUNT, "Two rebel commanders were killed.", "How many rebels were killed?") is not None
    assert question_type("Khan Sheikhoun death toll?") is QType.COUNT  # no question word, still a count
    assert question_type("Why did the death toll rise?") is QType.GENERAL


def test_the_asking_part_of_a_framed_question_is_enough_support():
    from rag.answering.spans import focus

    framed = "Residents were startled by a loud sound over the city this week. Which jets caused the boom?"
    assert focus(framed) == "Which jets caused the boom?"
    assert (
        focus("Given the rising costs of rebuilding, what did the council approve?") == "what did the council approve?"
    )
    assert (
        focus("Which coalition holds Idlib, where the fighters went?")
        == "Which coalition holds Idlib, where the fighters went?"
    )
    p = _passage("F-16 jets from Andrews caused the boom, officials said.")
    c = ExtractiveAnswerer().candidates(framed, [p])[0]
    assert c.focus > c.coverage  # the framing sentence's words are not asked of the answer
    assert ExtractiveAnswerer().support(c) > 0.4 * c.semantic + 0.35 * c.context + 0.25 * c.coverage


def test_a_count_question_is_never_answered_without_a_number():
    p = _passage("A convoy of Red Crescent ambulances reached Darayya early on Friday.")
    answer = ExtractiveAnswerer().answer("How many Red Crescent ambulances reached Darayya on Friday?", [p])
    assert answer.abstained and "number" in answer.answer


def test_a_date_is_no_place_and_a_speaker_first_is_a_name():
    where = "Where was the attack?"
    assert best_span(QType.PLACE, "It happened in Khan Sheikhoun on April 5.", where).text == "Khan Sheikhoun"
    assert best_span(QType.PLACE, "It happened on April 5, officials said.", where) is None
    which = "Which country announced it is dropping quarantine rules?"
    assert best_span(QType.PLACE, "China said it will drop quarantine rules in January.", which).text == "China"
    assert best_span(QType.PLACE, "Despite that, rules will drop in January.", which) is None


def test_a_capitalised_first_word_is_a_name_when_the_reports_say_so():
    which = "Which country slapped retaliatory tariffs on American imports?"
    lead = "China hit back with retaliatory tariffs on some American imports this week."
    assert best_span(QType.PLACE, lead, which) is None  # alone, "China" could be a common first word
    assert best_span(QType.PLACE, lead, which, lead + " Tariffs on China took effect.").text == "China"
    owned = "Brazil’s rate of 50% is the highest of any country."
    assert best_span(QType.PLACE, owned, "Which country was hit hardest?").text == "Brazil"  # a possessive
    said = "Officials said the talks failed."
    assert best_span(QType.PERSON, said, "Who said so?", said + " Other officials disagreed.") is None  # common


def test_the_names_of_all_reports_found_count_for_a_sentence_start():
    p1 = _passage("China hit back with retaliatory tariffs on some American imports this week.", 1)
    p2 = _passage("Markets fell after the tariffs on China took effect on Tuesday.", 2)
    q = "Which country slapped retaliatory tariffs on American imports?"

    def lead_span(passages):
        lead = next(c for c in ExtractiveAnswerer().candidates(q, passages) if c.text.startswith("China hit"))
        return lead.span.text if lead.span else None

    assert lead_span([p1]) is None and lead_span([p1, p2]) == "China"


def test_who_leads_with_a_sentence_that_names_a_person_when_it_scores_near_the_best():
    q = "Which State Department official announced the truce extension?"
    place = _passage("The State Department in Washington announced the truce extension.", 1)
    person = _passage("State Department spokesman Mark Toner announced the truce extension after talks.", 2)

    def lead(**config) -> str:
        return ExtractiveAnswerer(config=AnswerConfig(**config)).answer(q, [place, person]).statements[0].text

    assert "Mark Toner" in lead(good_name_score=2.5)  # "Mark Toner" 2.57, "Washington" 2.37: a tie otherwise
    assert "Washington" in lead(good_name_score=2.5, good_name_margin=-1.0)  # the rule off


def test_an_organisations_name_keeps_its_for():
    sentence = "The British-based Syrian Observatory for Human Rights said the siege had not been broken."
    assert best_span(QType.ENTITY, sentence, "Which group denied the claim?").text == (
        "Syrian Observatory for Human Rights"
    )


def test_a_where_to_question_prefers_the_place_after_to():
    moved = "To which town were the civilians moved?"
    sentence = "Civilians would be evacuated from the Damascus suburb of Darayya to Sahnaya, under regime control."
    assert best_span(QType.PLACE, sentence, moved).text == "Sahnaya"
    from rag.answering.spans import _PREPOSITION

    assert _PREPOSITION.search("were moved to ") and not _PREPOSITION.search("given its proximity to ")
    came = "Where did the civilians come from?"
    assert best_span(QType.PLACE, "Civilians from Darayya reached Sahnaya.", came).text == "Darayya"


def test_a_speaker_answers_who_briefed():
    sentence = "State Department spokesman Mark Toner said Kerry and Lavrov had spoken by telephone."
    assert best_span(QType.PERSON, sentence, "Who briefed reporters for the State Department?").text == "Mark Toner"
    assert best_span(QType.PERSON, sentence, "Who had Lavrov agreed with?").text != "Mark Toner"


def test_none_of_the_counted_noun_is_a_count_of_zero():
    deaths = "How many deaths from fighting did the monitor report in the first 48 hours?"
    sentence = "The monitor said no deaths from fighting had been reported in the first 48 hours of the truce."
    assert best_span(QType.COUNT, sentence, deaths).text == "no deaths"
    assert best_span(QType.COUNT, "No civilian casualties were reported.", CIVILIANS).text == "No civilian casualties"
    # "no" before another noun counts nothing
    assert best_span(QType.COUNT, "There was no sign of the civilians in the town.", CIVILIANS) is None


def test_no_span_of_the_asked_type():
    # a span of time counts no civilians
    assert best_span(QType.COUNT, "The blast came four days after an attack on a convoy.", CIVILIANS) is None
    assert best_span(QType.COUNT, "The siege lasted 40 days.", "How many days did the siege last?") is not None
    # those injured are no count of those killed
    assert best_span(QType.COUNT, "Six more civilians were injured when shells hit the market.", CIVILIANS) is None
    # a distance, and fighters, are no count of civilians; fighters are a count of people
    assert best_span(QType.COUNT, "The town lies some 50 kilometres east of Raqqa.", CIVILIANS) is None
    fighters = "A drone hit a position near the town, killing eight fighters."
    assert best_span(QType.COUNT, fighters, CIVILIANS) is None
    assert best_span(QType.COUNT, fighters, "How many people were killed?").text == "eight fighters"
    assert best_span(QType.COUNT, "The attack happened on April 5 in 2017.", "How many people died?") is None
    assert best_span(QType.DATE, "Officials met to discuss the plan.", "When did they meet?") is None
    assert best_span(QType.PERSON, "the talks went on for hours.", "Who led the talks?") is None
    # a name the question already says is not an answer
    assert best_span(QType.PLACE, "Rebels left Darayya.", "Where did the rebels of Darayya go?") is None
    assert has_answer_type(QType.COUNT, "The attack killed at least 70 people.", "How many people died?")


# --- sentences and quotes -----------------------------------------------------------------------------


def test_sentences_of_one_quotation_stay_together():
    text = "“We know they have the expertise. And we suspect that they have help,” an official said. Next."
    assert len(sentence_spans(text)) == 3  # the index's spans: unchanged
    spans = quote_aware_spans(text)
    assert [text[s:e] for s, e in spans] == [text[: text.index(" Next")], "Next."]
    plain = "No quotation here. Two sentences."
    assert quote_aware_spans(plain) == sentence_spans(plain)


def test_display_repairs_run_ons_and_nests_quotes_without_losing_the_text():
    raw = "The Bears took a 21-17 win.The game was  close. “There was agreement,” Toner said."
    shown = display_quote(raw)
    assert "win. The game" in shown and "  " not in shown
    assert "“" not in shown and "‘There was agreement,’" in shown  # nested marks, never doubled
    assert shows(shown, raw) and canonical(shown) == canonical(raw)
    assert not shows("The Bears lost", raw)
    assert display_quote("U.S. officials said 3.5 percent.") == "U.S. officials said 3.5 percent."


# --- composing ------------------------------------------------------------------------------------------


def test_answer_leads_with_the_direct_answer_and_attributes_once():
    ps = [_passage(DARAYYA, 1, source="Al Jazeera/SANA/BBC", date_inferred=True)]
    ans = ExtractiveAnswerer().answer("How many rebels would be evacuated from Darayya?", ps)
    assert not ans.abstained
    assert ans.statements[0].kind == "direct" and ans.statements[0].text == "800 rebels"
    assert ans.direct_answer is not None and ans.direct_answer.text in ans.citations[0].quote
    assert ans.answer.startswith("800 rebels [1]\n“According to")
    assert ans.answer.count("(Al Jazeera et al., 26 Aug 2016, date inferred)") == 1
    assert ans.answer == render_statements(ans.statements) and ans.grounding == 1.0
    assert len(ans.answer.split()) <= 60


def test_a_quotation_whose_speaker_is_named_needs_no_sentence_before_it():
    from rag.answering.compose import Quote, context_before

    text = "The withdrawal is a boost for the president. “We are being forced to leave,” Hussam Ayash told the AP."
    p = _passage(text)
    named = Quote(p, text.index("“We"), len(text))
    assert context_before(named) is None
    pronoun = text.replace("Hussam Ayash told the AP", "he told the AP")
    p2 = _passage(pronoun)
    assert context_before(Quote(p2, pronoun.index("“We"), len(pronoun))) is not None  # who is "he"?


def test_pronoun_led_quote_carries_its_antecedent():
    text = "Mark Toner briefed reporters in Washington on Wednesday. He said the truce would be extended by 48 hours."
    ans = ExtractiveAnswerer().answer("How long would the truce be extended?", [_passage(text)])
    kinds = [s.kind for s in ans.statements]
    assert kinds == ["direct", "context", "quote"], ans.answer
    assert "Mark Toner briefed" in ans.statements[1].text
    named = "Mark Toner said the truce would be extended by 48 hours. Reporters listened."
    ans2 = ExtractiveAnswerer().answer("How long would the truce be extended?", [_passage(named)])
    assert "context" not in [s.kind for s in ans2.statements]


@pytest.mark.parametrize(
    "question,noun",
    [
        ("Which hit 1990s game show returned to TV screens last Saturday?", "show"),
        ("Which rebel groups controlled Darayya?", "group"),
        ("What type of bombs did regime warplanes drop?", "bomb"),
        ("Rates of which sexually transmitted infection have reached a high?", "infection"),  # a participle
        ("Which armed group attacked the town?", "group"),
        ("The UK's bees are in danger from which invasive species, according to a report?", "specy"),
        ("How many people were evacuated?", None),
    ],
)
def test_asked_noun(question, noun):
    from rag.answering.naming import asked_noun

    assert asked_noun(question) == noun


@pytest.mark.parametrize(
    "sentence,says",
    [
        ("More than three decades since debuting on ITV, the hit game show returned on BBC One.", True),
        ("The show, starring Adrien Brody, returned last Saturday.", True),
        # a comma before "the" reads as a new clause ("on ITV, the game show"), so an apposition after a
        # comma counts as unnamed too: the cost is one more quoted sentence, not a wrong one
        ("Gladiators, the game show, returned last Saturday.", True),
        ("It was the game show Gladiators that returned.", False),  # named right after
        ("Bradley Walsh the show host said it returned.", False),  # no "the show" about the asked thing
    ],
)
def test_says_the_asked_without_naming_it(sentence, says):
    from rag.answering.naming import says_the_asked

    assert says_the_asked(sentence, "Which game show returned to TV screens last Saturday?") is says


def test_a_sentence_that_says_the_x_brings_the_sentence_that_names_it():
    q = "Which hit 1990s game show returned to TV screens last Saturday in a BBC reboot?"
    before = (
        "Gladiators originally aired for 13 series between 1992 and 2000. "
        "More than three decades since debuting on ITV, the hit game show returned to TV screens last Saturday."
    )
    ans = ExtractiveAnswerer().answer(q, [_passage(before)])
    assert [s.kind for s in ans.statements][:2] == ["context", "quote"], ans.answer
    assert "Gladiators" in ans.statements[0].text and ans.statements[0].citations
    after = (
        "More than three decades since debuting on ITV, the hit game show returned to TV screens last Saturday. "
        "Gladiators originally aired for 13 series between 1992 and 2000."
    )
    ans2 = ExtractiveAnswerer().answer(q, [_passage(after)])
    assert "Gladiators" in ans2.answer and ans2.statements[-1].kind == "context", ans2.answer
    named = (
        "The weather was cold in London that day. "
        "The hit game show Gladiators returned to TV screens last Saturday after decades away."
    )
    ans3 = ExtractiveAnswerer().answer(q, [_passage(named)])
    assert "context" not in [s.kind for s in ans3.statements] and "weather" not in ans3.answer, ans3.answer


@pytest.mark.parametrize(
    "sentence,verdict",
    [
        ("So far no intercepts have been found showing Russian officials communicated about it.", "No"),
        ("Intercepts were found showing Russian officials communicated about the attack.", "Yes"),
        ("Rebels said they had broken the siege, but a monitoring group denied the claim.", "Reports differ"),
        ("The monitor said the siege had not been broken but fighting was intense in the area.", "No"),
    ],
)
def test_yes_no_polarity(sentence, verdict):
    q = (
        "Were intercepts found showing Russian officials communicated?"
        if "ntercept" in sentence
        else "Was the siege broken?"
    )
    assert _polarity(q, sentence) == verdict


def test_no_in_contrast_for_a_mere_negation():
    ps = [
        _passage("The convoy reached Darayya on Friday with food for 8,000 people.", 1),
        _passage("The convoy did not reach the northern town of Madaya, officials said.", 2),
    ]
    ans = ExtractiveAnswerer().answer("Where did the convoy arrive with food?", ps)
    assert "In contrast" not in ans.answer and not ans.disagreements


# --- abstention -----------------------------------------------------------------------------------------


def _with_cosine(p: Passage, cos: float) -> Passage:
    p.sentences = [(p.start, p.end, cos)]  # as retrieval stores them: the sentence's cosine to the question
    return p


def test_a_long_clause_is_quoted_around_the_question_word_it_holds():
    from rag.answering.extractive import _trim

    text = (
        "As the agency reports from the city the agreement involves applying a truce system as of 5pm on Sunday "
        "and evacuating the wounded and transporting them to hospitals in the north of the province, in addition "
        "to restoring the situation in the city to how it was before and beginning new dialogue on Monday."
    )
    question = "And what about the wounded?"
    answerer = ExtractiveAnswerer()
    (c,) = answerer.candidates(question, [_with_cosine(_passage(text), 0.5)])
    s, e, _, _ = _trim(c, answerer.term_weights(question), 160)  # the first clause alone is longer than 160
    assert "the wounded" in text[s:e] and e - s <= 160


def test_a_long_sentence_is_quoted_with_what_it_adds_not_only_its_attribution():
    from rag.answering.extractive import _trim

    text = (
        "The U.N. special envoy for Syria, Staffan de Mistura, said on Tuesday the United Nations was waiting for "
        "Damascus to issue letters authorizing the aid deliveries, and that the trucks could not move until then."
    )
    question = "Why were they stuck, according to the UN envoy?"
    answerer = ExtractiveAnswerer()
    (c,) = answerer.candidates(question, [_with_cosine(_passage(text), 0.5)])
    s, e, _, _ = _trim(c, answerer.term_weights(question), 170)  # the whole sentence is 209 characters
    assert "letters" in text[s:e] and e - s <= 170  # not just "The U.N. special envoy for Syria,"


def test_what_someone_said_is_quoted_with_what_they_said():
    said = (
        "The group, formerly known as the Front for the Victory of the People of the Levant, said in an online "
        "statement: “Fighters from outside the city met their brother fighters from inside the city and work is "
        "under way to establish control over remaining positions to break the siege.”"
    )
    ps = [_with_cosine(_passage(said), 0.6)]
    ans = ExtractiveAnswerer().answer("What did the group say in its online statement?", ps)
    assert "break the siege" in ans.answer


def test_a_caption_may_lead_when_it_answers_best():
    caption = "Secretary John Kerry and Minister Sergei Lavrov at a joint press conference in Geneva [10/9/2016]"
    other = "State Department spokesman Mark Toner said Kerry and Lavrov had spoken by telephone earlier on Wednesday."
    ps = [_with_cosine(_passage(other, 1), 0.53), _with_cosine(_passage(caption, 2, article_id="a2"), 0.69)]
    ans = ExtractiveAnswerer().answer("Where did Kerry and Lavrov hold a joint press conference?", ps)
    assert "Geneva" in ans.statements[0].text


def test_abstains_when_no_span_of_the_type_is_supported():
    ps = [_with_cosine(_passage("Rebels left the town under a deal with the government after a long siege."), 0.45)]
    ans = ExtractiveAnswerer().answer("How many rebels left the town?", ps)
    assert ans.abstained and ans.note and "number" in ans.note
    assert "Nearest sources" in ans.answer and not ans.citations and ans.grounding == 0.0
    # the same words with a number in them answer it
    counted = [_with_cosine(_passage("About 800 rebels left the town under a deal with the government."), 0.45)]
    ok = ExtractiveAnswerer().answer("How many rebels left the town?", counted)
    assert not ok.abstained and ok.direct_answer is not None and ok.direct_answer.text == "About 800 rebels"


def test_an_irregular_past_form_covers_its_verb():
    drone = "The most specific evidence remains a Russian drone that flew over the hospital treating the injured."
    ps = [_with_cosine(_passage(drone), 0.45)]
    ans = ExtractiveAnswerer().answer("What did it fly over?", ps)
    assert not ans.abstained and "flew over the hospital" in ans.answer
    crashed = [_with_cosine(_passage(drone.replace("flew over", "crashed near")), 0.45)]
    assert ExtractiveAnswerer().answer("What did it fly over?", crashed).abstained  # no flying in it


def test_abstention_names_missing_words_and_excluded_reports():
    assert "“Patel”" in reason(QType.PERSON, ["Patel"], True)
    assert "a number" in reason(QType.COUNT, [], True)
    ans = abstention([_passage("x y z", 1, title="T1"), _passage("x", 2, title="T1")], "The reports don't answer this.")
    assert ans.answer.count("T1") == 1
    excluded_note(ans, 2, 1)
    assert "left out 2 reports" in ans.answer and "1 of them undated" in ans.answer
    before = ans.answer
    excluded_note(ans, 0, 0)
    assert ans.answer == before


def test_stricter_threshold_abstains_more():
    ps = [_passage(DARAYYA)]
    q = "How many rebels would be evacuated from Darayya?"
    assert not ExtractiveAnswerer(config=AnswerConfig(abstain_below=0.3)).answer(q, ps).abstained
    assert ExtractiveAnswerer(config=AnswerConfig(abstain_below=0.99)).answer(q, ps).abstained


def test_attribution_is_compact():
    assert attribution(_passage("x", source="Reuters")) == "(Reuters, 26 Aug 2016)"
    assert attribution(_passage("x", source="", date=None)) == "(undated report)"
    assert attribution(_passage("x", source="A/B", date_inferred=True)) == "(A et al., 26 Aug 2016, date inferred)"


# --- conversation ---------------------------------------------------------------------------------------

HISTORY = [
    {"role": "user", "content": "How many rebels would be evacuated from Darayya?"},
    {"role": "assistant", "content": "800 rebels [1]\n“…” (Al Jazeera, 26 Aug 2016) [1]", "article_ids": ["dar"]},
]


def test_ellipsis_takes_the_previous_question_frame():
    assert rewrite("And the civilians?", HISTORY) == "How many civilians would be evacuated from Darayya?"
    assert rewrite("What about Aleppo?", HISTORY) == "How many rebels would be evacuated from Aleppo?"


def test_a_fate_or_a_name_already_asked_about_refills_the_previous_question():
    killed = [{"role": "user", "content": "How many people were killed by the bomb in Millbrook on Monday?"}]
    assert rewrite("and wounded", killed) == "How many people were wounded by the bomb in Millbrook on Monday?"
    assert "were red" not in rewrite("And the Red?", killed)  # a name, not a participle
    assert not rewrite("and killed", killed).startswith("How many people were killed")  # nothing to swap
    assert rewrite("And the injured?", [{"role": "user", "content": "How many died in the fire?"}]) == (
        "How many were injured in the fire?"
    )
    terse = [{"role": "user", "content": "millbrook bomb 6 august 2013, how many killed"}]
    assert rewrite("and wounded?", terse) == "millbrook bomb 6 august 2013, how many wounded"
    lost = [{"role": "user", "content": "How many fighters had the Blues lost in the Reds offensive on Eastport?"}]
    # "the Reds" was named beside "the Blues": it is now asked of them, and Eastport stays
    assert rewrite("and the Reds", lost) == "How many fighters had the Reds lost in the Reds offensive on Eastport?"
    assert rewrite("And Westport?", lost) == "How many fighters had the Blues lost in the Reds offensive on Westport?"


def test_a_short_question_that_names_nothing_carries_the_conversation():
    history = [
        {"role": "user", "content": "How many civilians did the air strikes near Millbrook kill on Monday?"},
        {"role": "assistant", "content": "At least 22 civilians [1]", "article_ids": ["a1"]},
    ]
    assert rewrite("Which town was hit hardest?", history) == "Which town was hit hardest? (Millbrook)"
    assert rewrite("Which town voted in the 2016 referendum?", history) == "Which town voted in the 2016 referendum?"
    assert rewrite("Which town was hit hardest?", None) == "Which town was hit hardest?"


def test_the_asking_part_leaves_out_the_names_a_follow_up_carries():
    assert focus("what dropped the bomb (MSF, Hama)") == "what dropped the bomb"
    assert focus("(MSF)") == "(MSF)"


def test_names_a_follow_up_carries_choose_the_report_and_the_users_words_the_sentence():
    text = (
        "Doctors Without Borders said the Millbrook hospital in Eastshire was hit on Monday. "
        "The bomb was dropped by a helicopter at the entrance."
    )
    other = _passage("A car bomb went off in Westshire on Monday, officials said.", 2)
    idf = {"dropp": 1.0, "bomb": 1.0, "millbrook": 4.0, "eastshire": 4.0}  # names are rare
    weigh = ExtractiveAnswerer(term_weights=lambda q: {t: w for t, w in idf.items() if t in q.lower()})
    cut = text.index("The bomb")
    mine = _passage(text)
    mine.sentences = [(0, cut - 1, 0.3), (cut, len(text), 0.5)]  # the cosines retrieval stores
    answer = weigh.answer("what dropped the bomb (Millbrook, Eastshire)", [mine, other])
    assert "helicopter" in answer.statements[0].text, answer.answer
    a = ExtractiveAnswerer()
    assert a.weights("what dropped the bomb (Millbrook)")["millbrook"] < a.weights("what hit Millbrook")["millbrook"]


def test_what_time_asks_for_a_time_of_day():
    q = "what time did the strikes hit the school"
    assert best_span(QType.DATE, "The strikes hit at about 1130 am (0830 GMT) on Wednesday.", q).text == (
        "about 1130 am (0830 GMT)"
    )
    assert best_span(QType.DATE, "The truce took effect as of 5pm on Sunday.", q).text == "5pm"
    assert best_span(QType.DATE, "The strikes hit the school on Wednesday 26 October.", "When were they?").text == (
        "Wednesday 26 October"
    )


def test_the_day_a_report_was_filed_answers_no_when():
    filed = "Saturday 03 December 2016 17:53 The onslaught on Aleppo has gone on since November 15, the group said."
    p = _passage(filed, date="2016-12-03")
    ans = ExtractiveAnswerer().answer("On what date did the onslaught on Aleppo begin?", [p])
    assert ans.direct_answer is not None and ans.direct_answer.text == "November 15", ans.answer
    # a body that opens with an event's date long before the report keeps it
    event = _passage("June 1, 1980 was the day the network first went on air in Atlanta.", date="2026-05-08")
    ans = ExtractiveAnswerer().answer("On what date did the network first go on air?", [event])
    assert ans.direct_answer is not None and "1980" in ans.direct_answer.text, ans.answer


def test_a_count_of_things_is_no_count_of_people_and_keeps_all_its_words():
    q = "How many fighter-bomber sorties did the air force fly over the city?"
    assert best_span(QType.COUNT, "In the city 70 Militants were killed in clashes with the army.", q) is None
    both = "The air force carried out 39 fighter-bomber sorties and 35 helicopter sorties over the city."
    assert best_span(QType.COUNT, both, q).text == "39 fighter-bomber sorties"


def test_the_place_every_report_names_is_the_setting_not_the_answer():
    reports = "\n".join(f"Report {i} from Eastland: fighting went on near the border." for i in range(5))
    q = "Which town near the border was hit by air raids?"
    sentence = "Air raids hit Millbrook near the border in Eastland on Saturday."
    assert best_span(QType.PLACE, sentence, q, reports).text == "Millbrook"
    only = "Air raids on Saturday near the border in Eastland killed 10."
    assert best_span(QType.PLACE, only, q, "").text == "Eastland"  # alone, it is the place the sentence gives
    assert best_span(QType.PLACE, only, q, reports).score < best_span(QType.PLACE, only, q, "").score


def test_a_headline_tells_no_name_apart():
    q = "Which group attacked the hospital?"
    title = "Dozens Killed Injured in Terrorist Missile Attack on Eastland Hospital"
    told = "The Red Brigade attacked the hospital on Tuesday, officials said."
    assert best_span(QType.ENTITY, told, q).score > (best_span(QType.ENTITY, title, q) or Span(0, 0, "", 0)).score + 0.4
    from rag.answering.spans import _headline_case

    assert _headline_case(title)
    assert not _headline_case(
        "The Seattle Seahawks secured a 29-13 victory over the New England Patriots in the final."
    )


def test_who_was_the_role_needs_a_sentence_that_says_the_role():
    from rag.answering.extractive import asked_role

    assert asked_role("Who was the director of the Millbrook hospital when rockets hit it?") == "director"
    assert asked_role("Who was the Red Brigade commander killed in the strike?") == "commander"
    assert asked_role("Who was the first American in space?") is None  # no lower-case role
    assert asked_role("Who was the other half of the duo?") is None
    assert asked_role("What is the name of the organization he founded?") is None  # a thing's kind
    assert asked_role("Who is the Homs governor? (Homs, 1 October 2014)") == "governor"  # names carried after it
    assert asked_role("What was the name of the girl killed in the strike?") == "girl"
    assert asked_role("Who was the militia spokesman quoted?") == "spokesman"  # not the participle after it
    hit = _passage("Rockets hit the Millbrook hospital on Monday, killing ten visitors, Jane Smith said.")
    ans = ExtractiveAnswerer().answer("Who was the director of the Millbrook hospital?", [hit])
    assert ans.abstained and "director" in ans.answer, ans.answer
    named = _passage("Rockets hit the Millbrook hospital on Monday, its director Jane Smith said.")
    ans = ExtractiveAnswerer().answer("Who was the director of the Millbrook hospital?", [named])
    assert not ans.abstained and "Jane Smith" in ans.answer, ans.answer


def test_a_count_ends_at_its_digits_and_a_sum_answers_how_much_money():
    wounded = best_span(QType.COUNT, "The shelling killed five and wounded 12, medics said.", "How many were wounded?")
    assert wounded.text == "12"  # not "12, medics": a comma ends the count
    money = "How much money did the donors commit?"
    assert (
        best_span(QType.COUNT, "Donors committed $3.4 billion in aid, and 1,200 troops.", money).text == "$3.4 billion"
    )
    assert best_span(QType.COUNT, "Some 50 civilians were killed in the strikes.", money) is None
    lost = "Blue has lost 463 fighters in the battle and Red has lost at least 89."
    assert any(sp.text == "at least 89" for sp in answer_spans(QType.COUNT, lost, "How many had Red lost?"))
    shared = "The army killed 28 and wounded 30 militants in the city."
    assert best_span(QType.COUNT, shared, "How many civilians were killed?") is None


def test_who_is_the_officeholder_is_the_name_beside_the_office():
    line = "State Department spokesman Mark Toner said the truce was holding."
    assert best_span(QType.PERSON, line, "Who is the State Department spokesman?").text == "Mark Toner"
    dateline = "Fri 07 Apr 2017 at 0914 Millbrook governor says the attack caused deaths."
    assert best_span(QType.PERSON, dateline, "Who is the Millbrook governor?") is None  # "Fri 07" is no name


def test_each_count_of_a_casualty_line_has_its_own_fate():
    injured = "How many people were injured in the shelling?"
    line = "12 November 2016 Three civilians killed 12 others injured in attacks on Millbrook."
    assert best_span(QType.COUNT, line, injured).text == "12 others"
    active = "Rocket attacks on Millbrook kill 10 civilians injure 16."  # "injure" is the 16's verb
    assert best_span(QType.COUNT, active, "How many civilians were killed in Millbrook?").text == "10 civilians"
    martyrs = "Twenty-five people fell as martyrs and more than 107 others were wounded after the blast."
    assert best_span(QType.COUNT, martyrs, "How many people were wounded by the blast?").text == "more than 107 others"
    assert best_span(QType.COUNT, "The attack injured three civilians.", "How many were killed?") is None
    extended = "By how much did they agree to extend the truce?"
    assert best_span(QType.COUNT, "They agreed to extend it for another 48 hours.", extended).text == "48 hours"
    assert best_span(QType.COUNT, "It happened four days after the attack.", "How many civilians were killed?") is None


def test_a_count_the_question_gives_is_not_its_answer():
    line = "At least 126 people including 68 children were killed in the bombing of the buses."
    part = "Of the at least 126 people killed in the bus bombing, how many were children?"
    assert best_span(QType.COUNT, line, part).text == "68 children"
    day = "How many people were killed in Millbrook on 25 May 2016?"  # a date's day is no count given
    assert best_span(QType.COUNT, "25 people were killed in Millbrook.", day).text == "25 people"
    years = "How much has the rate dropped over the past 20 years?"  # 20 years given, not 20%
    assert best_span(QType.COUNT, "The rate dropped 20% over the past 20 years.", years).text == "20%"
    hours = "How many civilians had been killed by 6 p.m. on 21-22 September?"
    assert best_span(QType.COUNT, "At least 6 civilians were killed.", hours).text == "At least 6 civilians"


def test_the_counted_noun_is_not_looked_for_past_a_preposition():
    headline = "Hundreds dead as Blue Army seizes air base: monitor"
    span = best_span(QType.COUNT, headline, "How many Blue Army fighters were killed in the battle?")
    assert span is None or "Blue" not in span.text  # not "Hundreds dead as Blue"
    among = "Shelling on Millbrook killed at least 10 civilians among them six children a monitor said."
    assert best_span(QType.COUNT, among, "How many children among them?").text == "six children"


def test_a_fate_after_a_question_that_counted_nothing_asks_how_many():
    which = [{"role": "user", "content": "Which village of Millbrook was shelled in July, killing two people?"}]
    assert (
        rewrite("And the injured?", which)
        == "How many were injured in village of Millbrook was shelled in July, killing two people?"
    )
    assert rewrite("And the Reds?", which) != rewrite("And the injured?", which)  # a name refills, a fate counts


def test_that_thing_is_the_name_a_which_question_got():
    history = [
        {"role": "user", "content": "Which Kurdish force reached a truce with the army in Eastport?"},
        {
            "role": "assistant",
            "content": "“A truce was reached in Eastport between the army and the Asayish, the police.” [1]",
        },
    ]
    assert rewrite("How does SANA describe that force?", history).startswith("How does SANA describe Asayish?")
    assert rewrite("How does SANA describe that deal?", history).startswith("How does SANA describe that deal?")


def test_on_what_day_asks_the_previous_question_for_a_day():
    history = [{"role": "user", "content": "Which news agency announced the deal to evacuate Darayya?"}]
    asked = rewrite("on what day?", history)
    assert asked.startswith("On what day") and "announced the deal to evacuate Darayya" in asked
    assert question_type(asked) is QType.DATE
    replied = [*history, {"role": "assistant", "content": "Thursday [1]\n“On Thursday SANA announced …” [1]"}]
    assert "Thursday" not in rewrite("How many civilians were to leave under it?", replied)  # a day is no "it"


def test_a_name_next_to_the_asked_noun_in_either_spelling():
    line = "Rockets were fired by the Reds on Millbrook Road and on al-Athamiyeh neighborhood in Eastport on Tuesday."
    asked = "Which Eastport neighbourhood was hit by rockets?"
    assert best_span(QType.PLACE, line, asked).text == "al-Athamiyeh"
    dated = "Rocket attacks on Eastport and Deir Ezzor 6 September 2016 killed ten."
    assert best_span(QType.PLACE, dated, "Which town was hit on 6 September?").text in ("Eastport", "Deir Ezzor")


def test_a_value_counts_as_agreed_by_other_reports_not_by_its_own_repeats():
    from rag.answering.extractive import Candidate, _agreement

    def cand(article: str, value: str) -> Candidate:
        text = f"Rockets hit {value} on Friday."
        return Candidate(
            _passage(text, article_id=article),
            0,
            len(text),
            text,
            0.5,
            0.5,
            True,
            0.5,
            0,
            span=Span(12, 12 + len(value), value, 1.0),
        )

    pool = [cand("a1", "Baron Street"), cand("a1", "al-Hader"), cand("a1", "al-Hader")]
    assert set(_agreement(pool).values()) == {0.0}  # one report naming its town twice is no agreement
    pool.append(cand("a2", "al-Hader"))
    bonus = _agreement(pool)
    assert bonus[id(pool[1])] > 0 and bonus[id(pool[0])] == 0.0
    counts = [cand("a1", "22 people"), cand("a1", "22 people"), cand("a1", "19 people")]
    assert _agreement(counts, per_report=False)[id(counts[0])] > 0  # a report's own count, title and lead


def test_a_sentence_that_denies_what_is_asked_does_not_lead():
    from rag.answering.extractive import _negates_asked

    asked = "Which group said it had broken the siege of Millbrook?"
    assert _negates_asked("The monitor said the siege had not been broken but fighting went on.", asked)
    rejected = "Which monitor rejected the claim that the siege had been broken?"  # the denial answers it
    assert not _negates_asked("The monitor said the siege had not been broken.", rejected)
    skip = "Putin avoided arrest by deciding to skip a summit in which city?"  # "not attend" is the answer
    assert not _negates_asked("The Russian leader will not attend an economic summit in Eastport.", skip)
    assert not _negates_asked("Two rebel groups said they had broken the siege of Millbrook.", asked)
    assert not _negates_asked("The siege had not been broken.", "Which group said the siege was not broken?")
    passages = [
        _passage("The monitor said the siege of Millbrook had not been broken by any group.", 1, score=1.0),
        _passage("The Blue Front said it had broken the siege of Millbrook on Saturday.", 2, score=0.9),
    ]
    ans = ExtractiveAnswerer().answer(asked, passages)
    assert ans.answer.index("Blue Front") < ans.answer.index("monitor") if "monitor" in ans.answer else True
    assert "Blue Front" in ans.statements[0].text


def test_who_was_told_is_not_who_said_it():
    line = "A Blue Front commander told Reuters the siege had been broken."
    assert best_span(QType.ENTITY, line, "Which group said it had broken the siege?").text == "Blue Front"


def test_it_is_the_thing_not_the_month_the_question_named():
    brokered = [{"role": "user", "content": "Who brokered the September cessation of hostilities in Syria?"}]
    assert rewrite("When did it kick in?", brokered).startswith("When did the cessation kick in?")


def test_a_report_crediting_the_asked_outlet_answers_for_it():
    from rag.answering.extractive import _credits_asked

    asked = "How many people were killed in Millbrook on 1 October, according to SANA?"
    assert _credits_asked("Two car bombs killed 18 people, state news agency SANA reported.", asked)
    assert _credits_asked("At least 18 were killed, according to SANA.", asked)
    assert not _credits_asked("Two car bombs killed 18 people, Reuters reported.", asked)
    assert not _credits_asked("SANA has a reporter in Millbrook.", asked)
    passages = [
        _passage("Two car bombs in Millbrook killed 25 people, a monitor said.", 1, source="ahram"),
        _passage("Two car bombs in Millbrook killed 18 people, state news agency SANA reported.", 2, source="nna"),
    ]
    for p in passages:
        p.scores["asked_outlet"] = 1.0  # retrieval marks that the question names an outlet
    ans = ExtractiveAnswerer().answer(asked, passages)
    assert not ans.abstained and ans.statements[0].text.startswith("18 people")


def test_a_report_crediting_the_outlet_answers_did_it_say():
    """ "How many did SANA say …?" names the outlet without "according to": a report from another
    outlet that quotes SANA still answers it, given the asked outlet as the index stores it."""
    from rag.answering.extractive import _credits_asked

    asked = "How many people did state news agency SANA say were killed in Millbrook on 1 October?"
    quoting = "A car bomb killed at least 34 people in Millbrook, state news agency SANA reported."
    assert _credits_asked(quoting, asked, ["sana"])
    assert not _credits_asked(quoting, asked)  # no outlet known: nothing to match
    assert not _credits_asked(quoting, "How many people did Reuters say were killed?", ["sana"])
    ps = [_passage(quoting, 1, source="ahram"), _passage("SANA covered the Millbrook fair.", 2, source="sana")]
    ps[0].scores["asked_outlet"] = 1.0
    ps[1].scores.update({"asked_outlet": 1.0, "outlet": 1.0})  # the report from the outlet itself
    ans = ExtractiveAnswerer().answer(asked, ps)
    assert not ans.abstained and "34 people" in ans.statements[0].text, ans.answer


def test_a_place_inside_the_asked_phrase_is_carried():
    """ "Which Homs neighbourhood was hit …?": the answer names the neighbourhood, but Homs is still
    where the conversation is (the first word of a question alone is no name)."""
    history = [{"role": "user", "content": "Which Homs neighbourhood was hit by twin car bombs on 9 April 2014?"}]
    assert rewrite("How many people did SANA say were killed?", history).endswith("(Homs, 9 April 2014)")
    where = [{"role": "user", "content": "Where did the convoy go on 9 April 2014?"}]
    assert "Where" not in rewrite("How many people were on it?", where)


def test_a_question_naming_its_source_does_not_carry_the_earlier_source():
    history = [
        {"role": "user", "content": "Which Homs neighbourhood was hit by twin car bombs on 9 April 2014?"},
        {"role": "assistant", "content": "“Two car bombs killed at least 25 people in Homs.” [1]"},
        {"role": "user", "content": "How many people did SANA say were killed?"},
        {"role": "assistant", "content": "25 people [1]"},
    ]
    assert rewrite("And what toll did the Syrian Observatory give?", history).endswith("(Homs, 9 April 2014)")
    assert "SANA" in rewrite("And how many were wounded?", history)  # no source of its own: SANA's count
    governor = [{"role": "user", "content": "What toll did the Homs governor give on 1 October 2014?"}]
    assert "Homs" in rewrite("And what did SANA report?", governor)  # Homs is the place, not the source


def test_a_lead_sentence_a_little_over_the_limit_is_quoted_whole():
    """A lead sentence up to a fifth over the quote limit keeps its end ("…, where rebels have been
    battling for control of a major military artillery base"); a much longer one is still cut."""
    base = "Fighting was very intense in the Ramousah area of southwest Aleppo, where rebels have been battling"
    over = base + " for control of a major military artillery base, the monitor said on Saturday."
    cfg = AnswerConfig(max_quote_chars=len(over) - 20)
    ans = ExtractiveAnswerer(config=cfg).answer("What were the rebels in Ramousah fighting for?", [_passage(over)])
    assert "artillery base" in ans.answer and "…" not in ans.statements[0].text, ans.answer
    long = over + " Government forces said they had pushed back every attack and held all their positions."
    cut = ExtractiveAnswerer(config=AnswerConfig(max_quote_chars=len(over) - 20)).answer(
        "What were the rebels in Ramousah fighting for?", [_passage(long.replace(". Gov", ", and gov"))]
    )
    assert "…" in cut.statements[0].text, cut.answer


def test_there_is_the_place_a_which_place_question_got():
    history = [
        {"role": "user", "content": "Which hospital in northern Eastshire was hit on 25 March?"},
        {"role": "assistant", "content": "“MSF said the army targeted Latamneh hospital in Eastshire.” [1]"},
    ]
    assert rewrite("Who was killed there?", history).startswith("Who was killed in Latamneh?")


def test_a_prepositional_fragment_asks_the_previous_question_further():
    history = [
        {"role": "user", "content": "What is the next stage of the truce deal?"},
        {"role": "assistant", "content": "“… coordinating strikes …” (Reuters) [1]"},
    ]
    assert rewrite("Against whom?", history) == "What is the next stage of the truce deal, against whom?"
    assert rewrite("To ensure what?", history) == "What is the next stage of the truce deal, to ensure what?"
    # and its answer is the name after that preposition, not the one the first question asked for
    line = "• Blue Front rebels try to liberate Eastport from the Reds"
    asked = rewrite("from whom?", [{"role": "user", "content": "which rebels are trying to liberate Eastport"}])
    assert asked == "which rebels are trying to liberate Eastport, from whom?"
    assert best_span(QType.ENTITY, line, asked).text == "Reds"
    assert best_span(QType.ENTITY, line, "which rebels are trying to liberate Eastport").text == "Blue Front"


def test_a_name_with_a_lower_case_particle_is_carried_whole():
    history = [{"role": "user", "content": "How many children were killed in the strikes on Deir ez-Zor in June?"}]
    assert rewrite("What did one of the attacks hit?", history).endswith("(Deir ez-Zor)")


def test_what_about_another_place_leaves_the_earlier_place_behind():
    history = [
        {"role": "user", "content": "Which village in the Eastshire countryside was hit by Red Brigade shells?"},
        {"role": "assistant", "content": "Millbrook [1]"},
    ]
    moved = rewrite("What about Westport, which neighborhood got hit?", history)
    assert "Eastshire" not in moved and "Red Brigade" in moved, moved
    kept = rewrite("Which neighborhood got hit?", history)
    assert "Eastshire" in kept, kept


def test_a_bare_question_word_asks_the_previous_question_again():
    history = [{"role": "user", "content": "Who announced the deal to evacuate Darayya?"}]
    assert rewrite("When?", history) == "When announced the deal to evacuate Darayya?"
    assert rewrite("And why?", history) == "Why announced the deal to evacuate Darayya?"
    assert rewrite("How many?", HISTORY) == "How many rebels would be evacuated from Darayya?"  # its own frame
    assert rewrite("When did it start?", history) != "When announced the deal to evacuate Darayya?"  # no fragment


def test_a_bare_question_word_after_what_about_asks_its_inner_question():
    history = [
        {"role": "user", "content": "Which group tried to take al-Rai?"},
        {"role": "assistant", "content": "Levant Front [1]"},
        {"role": "user", "content": "What about the Peshmerga, how many villages did they free?"},
        {"role": "assistant", "content": "12 villages [1]"},
    ]
    again = rewrite("Where?", history)
    assert again.startswith("Where villages did they free?") and "Peshmerga" in again


def test_the_town_in_a_follow_up_is_the_place_the_conversation_was_about():
    history = [
        {"role": "user", "content": "How many people lived in Darayya before the war?"},
        {"role": "assistant", "content": "a quarter of a million people [1]"},
    ]
    assert rewrite("Why does the town matter strategically?", history) == (
        "Why does the town matter strategically? (Darayya)"
    )
    assert rewrite("Why does Aleppo matter?", history) == "Why does Aleppo matter?"  # names its own place
    assert "Darayya" in rewrite("Where in Syria is that town?", history)  # "that town", even beside a name


def test_it_is_what_the_question_introduced_and_that_is_what_it_asked():
    truce = [
        {"role": "user", "content": "Who did the government reach a truce with in Hasakah?"},
        {"role": "assistant", "content": "“…the Asayish…” [1]"},
    ]
    assert rewrite("When was it supposed to take effect?", truce).startswith("When was the truce supposed")
    extend = [
        {"role": "user", "content": "By how long did Washington and Moscow agree to extend the ceasefire?"},
        {"role": "assistant", "content": "48 hours [1]"},
    ]
    assert (
        rewrite("Who announced that?", extend) == "Who announced Washington and Moscow agree to extend the ceasefire?"
    )
    assert rewrite("Is that true?", extend).startswith("Is that true?")  # "that" before a word is no clause


def test_a_count_fragment_asks_the_last_question_as_a_count():
    history = [
        {"role": "user", "content": "When was the Khan Sheikhoun chemical attack?"},
        {"role": "assistant", "content": "April 5 [1]"},
    ]
    assert rewrite("Death toll?", history) == "How many were killed in the Khan Sheikhoun chemical attack?"
    assert rewrite("And the number?", history) == "How many in the Khan Sheikhoun chemical attack?"


def test_a_time_is_not_what_it_refers_to():
    history = [
        {"role": "user", "content": "How many villages did they free the next day?"},
        {"role": "assistant", "content": "12 villages [1]"},
    ]
    assert "the next day" not in rewrite("Who was trying to take it?", history)


def test_a_lower_case_chat_carries_the_names_the_replies_write():
    history = [
        {"role": "user", "content": "how many fighters were to leave darayya?"},
        {"role": "assistant", "content": "800 rebels [1]\n“…800 rebels would be evacuated from Darayya…” [1]"},
    ]
    assert rewrite("where are they being sent?", history).endswith("(Darayya)")
    capitalised = [
        {"role": "user", "content": "Who organised the aid convoys?"},
        {"role": "assistant", "content": "“Aid convoys arranged by the Red Crescent…” [1]"},
    ]
    assert "Aid" not in rewrite("When did they arrive?", capitalised)  # only for a question typed in lower case


def test_a_fragment_refills_an_earlier_question_when_the_last_one_has_no_slot_for_it():
    history = [
        {"role": "user", "content": "Where would civilians from Darayya be evacuated to?"},
        {"role": "assistant", "content": "Sahnaya [1]"},
        {"role": "user", "content": "Who controls that town?"},
        {"role": "assistant", "content": "“…under regime control.” [1]"},
    ]
    assert rewrite("And the rebels?", history) == "Where would rebels from Darayya be evacuated to?"


def test_that_town_and_there_are_the_place_the_last_reply_named():
    history = [
        {"role": "user", "content": "Where would civilians from Darayya be evacuated to?"},
        {"role": "assistant", "content": "Sahnaya [1]\n“…to Sahnaya – a town under regime control.” [1]"},
    ]
    assert rewrite("Who controls that town?", history).startswith("Who controls Sahnaya?")
    assert rewrite("How many people live there?", history).startswith("How many people live in Sahnaya?")
    assert rewrite("Is there a hospital?", history).startswith("Is there a hospital?")  # no place: "there is"
    which = [
        {"role": "user", "content": "Which group took the town?"},
        {"role": "assistant", "content": "Ajnad al-Sham [1]"},
    ]
    assert "Ajnad" not in rewrite("Who controls that town?", which)  # the reply named a group, not a place


def test_there_is_the_place_a_reply_quoted_for_a_where_question():
    history = [
        {"role": "user", "content": "Where in Aleppo was the fighting heaviest?"},
        {"role": "assistant", "content": "“…fighting was very intense in the Ramousah area of southwest Aleppo…” [1]"},
    ]
    assert rewrite("What were the rebels trying to take there?", history).startswith(
        "What were the rebels trying to take in Ramousah?"
    )
    who = [
        {"role": "user", "content": "Who announced the deal?"},
        {"role": "assistant", "content": "“…officials in Damascus announced the deal…” [1]"},
    ]
    assert "in Damascus" not in rewrite("What happened there?", who)  # a who-question's quote names no "there"


def test_pronouns_resolve_to_what_the_conversation_was_about():
    assert rewrite("Where were they taken?", HISTORY) == "Where were the rebels taken? (Darayya)"
    envoy = [
        {"role": "user", "content": "Who is the UN special envoy for Syria?"},
        {"role": "assistant", "content": "Staffan de Mistura [1]\n“…” [1]"},
    ]
    assert rewrite("What did he say on Tuesday?", envoy).startswith("What did Staffan de Mistura say on Tuesday?")
    # no name yet, but the question named him by his office: "he" is the officeholder
    governor = [
        {"role": "user", "content": "what toll did the millbrook governor give"},
        {"role": "assistant", "content": "Ten people [1]"},
    ]
    assert rewrite("what's his name?", governor) == "Who is the millbrook governor?"
    assert rewrite("what did he say?", governor).startswith("what did he say?")  # the reports say "he said" too
    assert rewrite("what's his name?", [{"role": "user", "content": "what toll did the attack leave"}]).startswith(
        "what's his name?"
    )


def test_turns_resolve_in_order():
    h = HISTORY + [{"role": "user", "content": "And the civilians?"}, {"role": "assistant", "content": "8,000 [1]"}]
    assert rewrite("Where were they taken?", h).startswith("Where were the civilians taken?")
    assert conversation_state(h).article_ids == ["dar"]


def test_a_self_contained_question_is_left_alone():
    q = "Who brokered the truce in Hasakah?"
    assert rewrite(q, HISTORY) == q and not is_follow_up(q)
    assert rewrite("And the civilians?", None) == "And the civilians?"
    assert resolve("Where were they taken?", HISTORY).prefer_articles == ["dar"]


def test_cited_articles_are_preferred_only_when_retrieved_well():
    ps = [_passage("a", 1, score=1.0), _passage("b", 2, score=0.9, article_id="dar"), _passage("c", 3, score=0.2)]
    assert [p.chunk_id for p in prefer_articles(ps, ["dar"])] == [2, 1, 3]
    weak = [_passage("a", 1, score=1.0), _passage("b", 2, score=0.3, article_id="dar")]
    assert [p.chunk_id for p in prefer_articles(weak, ["dar"])] == [1, 2]


def test_never_the_previous_reply_verbatim():
    ps = [_passage(DARAYYA)]
    ans = ExtractiveAnswerer().answer("How many rebels would be evacuated from Darayya?", ps)
    history = [{"role": "user", "content": "q"}, {"role": "assistant", "content": ans.answer}]
    again = ExtractiveAnswerer().answer("How many rebels would be evacuated from Darayya?", ps)
    brief = avoid_repeat(again, history)
    assert brief.answer != ans.answer and brief.answer.startswith("Same answer as before: 800 rebels [1]")
    other = ExtractiveAnswerer().answer("How many civilians would be evacuated from Darayya?", ps)
    assert avoid_repeat(other, history).answer == other.answer  # a different direct answer stays whole


def test_grounding_weights_statements_by_words():
    from rag.answering.compose import grounding

    assert grounding([Statement("a b", [1], 1.0), Statement("c d", [2], 0.5)]) == 0.75
    assert grounding([Statement("why", [], 0.0, "note")]) == 0.0


# --- inferred dates -------------------------------------------------------------------------------------


def test_inferred_date_is_never_before_what_the_text_reports_as_past():
    from rag.readers.dates import not_before_reported_past as fix

    body = "The truce began on Monday, the State Department said on Wednesday. Talks went on."
    iso, ev = fix("2016-09-10", "photo [10/9/2016]", body)  # 10 Sep 2016 is a Saturday
    assert iso == "2016-09-14" and ev.startswith("photo [10/9/2016]; not before 14 Sep 2016") and "Wednesday" in ev
    worded = "The vote took place on August 20, 2016 in the capital."
    assert fix("2016-08-01", "cap", worded)[0] == "2016-08-20"
    # a later date in future wording, a report on the caption's own weekday, or no date: unchanged
    assert fix("2016-08-01", "cap", "The next vote will be held on September 3, 2016.") == ("2016-08-01", "cap")
    assert fix("2016-08-06", "cap", "Two groups said on Saturday they had won.") == ("2016-08-06", "cap")
    assert fix(None, None, worded) == (None, None)


def test_history_turns_may_carry_the_articles_they_cited():
    from pydantic import ValidationError

    from rag.api.app import to_request
    from rag.api.schemas import AskIn

    body = AskIn(
        question="And the civilians?",
        history=[
            {"role": "user", "content": "How many rebels left Darayya?"},
            {
                "role": "assistant",
                "content": "800 rebels [1]",
                "citations": [{"n": 1, "article_id": "dar", "quote": "…"}],
            },
        ],
    )
    assert resolve(body.question, to_request(body).history).prefer_articles == ["dar"]
    with pytest.raises(ValidationError):
        AskIn(question="q", history=[{"role": "assistant", "content": "a", "article_ids": "dar"}])


def test_a_word_that_modifies_the_counted_noun_is_not_what_is_counted():
    from rag.answering.spans import counts_asked_noun

    assert counts_asked_noun("800 rebels", "How many rebels left Darayya?")
    assert not counts_asked_noun("two rebel groups", "How many rebels left Darayya?")
    assert counts_asked_noun("two rebel groups", "How many rebel groups were there?")


CASUALTY = [
    {"role": "user", "content": "How many civilians were killed in Aleppo on 16 July 2015 according to SANA?"},
    {"role": "assistant", "content": "At least 11 civilians [1]"},
]


@pytest.mark.parametrize(
    "follow_up, rewritten",
    [
        ("And according to Reuters?", "How many civilians were killed in Aleppo on 16 July 2015 according to Reuters?"),
        (
            "According to the Daily Sabah?",
            "How many civilians were killed in Aleppo on 16 July 2015 according to the Daily Sabah?",
        ),
        ("And on 17 July?", "How many civilians were killed in Aleppo on 17 July 2015 according to SANA?"),
        ("And in Idlib?", "How many civilians were killed in Idlib on 16 July 2015 according to SANA?"),
        ("And in 2016?", "How many civilians were killed in Aleppo in 2016 according to SANA?"),
        ("And the children?", "How many children were killed in Aleppo on 16 July 2015 according to SANA?"),
    ],
)
def test_a_fragment_refills_the_date_source_or_place_slot(follow_up, rewritten):
    assert rewrite(follow_up, CASUALTY) == rewritten


def test_a_slot_the_previous_question_lacks_is_added():
    assert (
        rewrite("And according to SANA?", HISTORY)
        == "How many rebels would be evacuated from Darayya according to SANA?"
    )
    assert rewrite("And in May?", [{"role": "user", "content": "What happened in Idlib in April 2017?"}]) == (
        "What happened in Idlib in May 2017?"
    )


def test_a_bare_outlet_name_refills_the_source_when_the_index_holds_that_outlet():
    outlets = ["SANA", "Reuters", "Daily Sabah"]
    assert rewrite("What about Reuters?", CASUALTY, outlets) == (
        "How many civilians were killed in Aleppo on 16 July 2015 according to Reuters?"
    )
    assert rewrite("And the Daily Sabah?", CASUALTY, outlets).endswith("according to the Daily Sabah?")
    # a name the index holds no outlet of is a place, as before
    assert rewrite("What about Idlib?", CASUALTY, outlets) == (
        "How many civilians were killed in Idlib on 16 July 2015 according to SANA?"
    )


def test_a_running_total_is_not_the_count_of_one_event():
    from rag.answering.event_dates import RUNNING_TOTAL

    for total in (
        "300 civilians have been killed in Aleppo since April.",
        "killed since the assault began on Sunday",
        "The toll so far this year is 40.",
    ):
        assert RUNNING_TOTAL.search(total), total
    for one in ("Convoys have been held up since crossing the border.", "killed since Tuesday's strike"):
        assert not RUNNING_TOTAL.search(one), one


def test_the_count_of_the_event_leads_over_a_running_total():
    total = _passage("More than 300 civilians have been killed in Aleppo since April, monitors said.", 1)
    event = _passage("Air strikes killed 12 civilians in the east of the city, monitors said.", 2, title="Aleppo raids")
    q = "How many civilians were killed in Aleppo?"
    ans = ExtractiveAnswerer().answer(q, [total, event])
    assert ans.direct_answer is not None and ans.direct_answer.text == "12 civilians", ans.answer
    assert "300" not in ans.answer  # nor is the running total quoted beside it
    # unless the question asks for the total
    so_far = ExtractiveAnswerer().answer("How many civilians have been killed in Aleppo since April?", [event, total])
    assert "300" in so_far.answer.splitlines()[0], so_far.answer


def test_a_count_question_leads_with_the_count_the_reports_title_repeats():
    """A report gives two counts; the sentence closer to the question holds the one told as an
    addition, its title repeats the other: the title's count is the report's own and leads."""
    text = (
        "Officials said nine other people were killed in the Millbrook fire on Wednesday at a second site. "
        "The warehouse fire killed 45 people, officials said."
    )
    p = _passage(text, title="Millbrook warehouse fire kills 45", date="2021-03-03")
    first = text.index("The warehouse")
    p.sentences = [(0, first - 1, 0.7), (first, len(text), 0.5)]
    ans = ExtractiveAnswerer().answer("How many people were killed in the Millbrook fire?", [p])
    assert not ans.abstained and ans.direct_answer is not None and "45" in ans.direct_answer.text


def test_a_follow_up_that_names_who_says_so_still_carries_the_conversations_names_and_day():
    """A name of its own (who gave a toll) is no place and no day of its own: the question still
    leans on the conversation. Its words are kept; the conversation's names and day are carried."""
    history = [
        {"role": "user", "content": "How many people were killed in the gas attack in Ghouta on 21 August 2013?"},
        {"role": "assistant", "content": "at least 213 people [1]"},
    ]
    asked = "What death toll did the United States later give for it?"
    assert rewrite(asked, history) == f"{asked} (Ghouta, 21 August 2013)"
    bomber = "What did the Syrian Observatory say the bomber was driving?"  # "the bomber": one spoken of
    assert rewrite(bomber, history) == f"{bomber} (Ghouta, 21 August 2013)"
    nameless = "What toll did the local civil defence official give?"
    assert rewrite(nameless, history) == f"{nameless} (Ghouta, 21 August 2013)"
    # "When …?" is not answered by the day carried; a question with its own place and day asks afresh
    assert rewrite("When did the United States give its toll?", history).endswith("(Ghouta)")
    fresh = "How many were killed in Aleppo on 3 May 2016, and who did it?"
    assert rewrite(fresh, history) == fresh
    assert rewrite("Why does Syria matter to Russia?", history) == "Why does Syria matter to Russia?"


def test_it_after_a_where_question_is_what_happened_and_them_counts_people():
    """ "In which village was a school hit?" then "Who called it an outrage?": it is the strike on the
    school, never the village the reply named ("there" is the village). "Them" after "how many
    people" is the people."""
    history = [
        {"role": "user", "content": "In which village was a school complex hit by air strikes?"},
        {"role": "assistant", "content": "Hass [1]\n“Air strikes hit a school complex in Hass.” [1]"},
    ]
    assert rewrite("Who called it an outrage?", history).startswith("Who called the school complex an outrage?")
    assert "in Hass" in rewrite("Who lives there?", history)
    count = [
        {"role": "user", "content": "How many people were killed in the market strike in Idlib?"},
        {"role": "assistant", "content": "at least 12 people [1]"},
    ]
    assert rewrite("How many children were among them?", count).startswith("How many children were among the people?")


def test_a_day_named_without_its_year_takes_the_year_the_conversation_was_about():
    history = [
        {"role": "user", "content": "How many civilians were killed by shelling of Aleppo in August 2016?"},
        {"role": "assistant", "content": "More than 100 civilians [1]"},
    ]
    assert rewrite("How many did SANA say were killed there on 10 August?", history).startswith(
        "How many did SANA say were killed there on 10 August 2016?"
    )
    assert "2015 2016" not in rewrite("How many did SANA say were killed there on 10 August 2015?", history)


def test_it_is_never_a_group_of_people_or_a_plural():
    """ "Who claimed it?" after "How many of the people were civilians?": it is the attack the
    conversation is about, never "the people"; with no singular thing to point at it stays "it"."""
    history = [
        {"role": "user", "content": "How many people were killed in the suicide bombings near the shrine?"},
        {"role": "assistant", "content": "at least 20 people [1]"},
        {"role": "user", "content": "How many of them were civilians?"},
        {"role": "assistant", "content": "13 civilians [1]"},
    ]
    assert rewrite("Who claimed it?", history).startswith("Who claimed it?")


def test_and_the_injured_after_a_where_question_asks_the_earlier_count_of_the_injured():
    history = [
        {
            "role": "user",
            "content": "How many people were killed in the twin bomb attacks in Homs on 21 February 2016?",
        },
        {"role": "assistant", "content": "50 people [1]"},
        {"role": "user", "content": "Where exactly did the two vehicles go off?"},
        {"role": "assistant", "content": "“…near a school…” [1]"},
    ]
    assert rewrite("And the injured?", history) == (
        "How many people were injured in the twin bomb attacks in Homs on 21 February 2016?"
    )


def test_a_question_naming_who_speaks_or_a_thing_spoken_of_carries_the_conversation():
    history = [
        {"role": "user", "content": "Which town did ISIS attack near Tel Abyad on 27 February 2016?"},
        {"role": "assistant", "content": "“ISIS launched an assault on a Kurdish-controlled town.” [1]"},
    ]
    for asked in (
        "Who spoke for the YPG?",  # "the YPG": spoken of before
        "How many ISIS militants were killed, according to the Observatory?",  # who says so
        "What weapons did the Syrian Coalition say the Russian jets used?",
    ):
        carried = rewrite(asked, history)
        assert carried.startswith(f"{asked} (") and "Tel Abyad" in carried, carried
        assert carried.endswith(", 27 February 2016)"), carried
    assert rewrite("Why does Aleppo matter?", history) == "Why does Aleppo matter?"  # a name, nothing said of it


def test_how_many_people_is_answered_by_every_group_the_sentence_joins():
    sentence = (
        "According to sources around 8,000 civilians and 800 rebels would be evacuated from the suburb, "
        "which before the war was home to a quarter of a million people."
    )
    people = "How many people were to be evacuated from Darayya?"
    assert best_span(QType.COUNT, sentence, people).text == "around 8,000 civilians and 800 rebels"
    # a question that names one group gets that group's count alone
    assert best_span(QType.COUNT, sentence, "How many rebels were to be evacuated?").text == "800 rebels"
    assert best_span(QType.COUNT, sentence, "How many civilians were to be evacuated?").text == "around 8,000 civilians"
    # a question that names both groups gets both
    both = "How many civilians and rebels were to leave Darayya?"
    assert best_span(QType.COUNT, sentence, both).text == "around 8,000 civilians and 800 rebels"
    # … but two things that are no groups of people are not read as groups ("tanks and trucks")
    convoy = "A convoy of 20 tanks and 15 trucks and 40 soldiers left the town."
    assert (
        best_span(QType.COUNT, convoy, "How many tanks and trucks left the town?").text
        != "20 tanks and 15 trucks and 40 soldiers"
    )
    killed = "Eight women and five children were killed in the raid."
    assert best_span(QType.COUNT, killed, "How many people were killed in the raid?").text == (
        "Eight women and five children"
    )
    # a count of people at large stands alone; its parts are not joined to it
    total = "At least 12 people were killed, including 3 women and 4 children."
    assert best_span(QType.COUNT, total, "How many people were killed?").text == "At least 12 people"
    # two counts of different fates are not one group
    fates = "The shelling killed 12 civilians and wounded 30 soldiers."
    assert best_span(QType.COUNT, fates, "How many people were killed?").text == "12 civilians"


# --- follow-ups that step from the conversation's day; possessives; what a day question takes ----------------

DAY_HISTORY = [
    {"role": "user", "content": "Which town did the rebels try to take on August 16, 2016?"},
    {"role": "assistant", "content": "al-Rai [1]\n“Rebels try to take al-Rai” (16 Aug 2016) [1]"},
]


def test_the_day_before_or_after_steps_from_the_conversations_day():
    assert rewrite("The day before, which town did the council aim to capture?", DAY_HISTORY).startswith(
        "On 15 August 2016, which town did the council aim to capture?"
    )
    assert "on 17 August 2016" in rewrite("What happened there the next day?", DAY_HISTORY)
    assert "on 15 August 2016" in rewrite("What did the rebels set up on the 15th?", DAY_HISTORY)
    month_only = [{"role": "user", "content": "Which town was shelled in August 2016?"}, DAY_HISTORY[1]]
    assert "The day before" in rewrite("The day before, which town was shelled?", month_only)  # no day to step from
    assert "16 August" not in rewrite("Who led them?", DAY_HISTORY).split("(")[0]  # no step asked: carried as is


def test_a_possessive_after_which_is_no_plural_for_they():
    history = [
        {"role": "user", "content": "Which country's border had the two aid convoys crossed in September 2016?"},
        {"role": "assistant", "content": "Turkish [1]\n“… since crossing the Turkish border …” (Reuters) [1]"},
    ]
    assert "country" not in rewrite("What were they carrying?", history)


def test_a_day_question_takes_no_bare_year():
    s = "The unit existed before the 2013 agreement, an official told a briefing on Friday."
    assert [sp.text for sp in answer_spans(QType.DATE, s, "On what day was the briefing?")] == ["Friday"]
    assert "2013" in [sp.text for sp in answer_spans(QType.DATE, s, "When was the agreement signed?")]
    month = "It was agreed in August 2016 and signed on August 21, 2016."
    spans = [sp.text for sp in answer_spans(QType.DATE, month, "When was it agreed?")]
    assert "August 2016" in spans and "August 20" not in spans  # a year is no day of the month


def test_a_count_whose_fate_follows_a_long_name_is_of_that_fate():
    q = "How many people were wounded in the strike on the car?"
    s = "‘Two members of the (pro-government militia) National Defence Forces were killed when a drone hit their car.’"
    assert best_span(QType.COUNT, s, q) is None  # they were killed, not wounded
    assert best_span(QType.COUNT, s, "How many people were killed in the strike on the car?") is not None


def test_a_follow_up_naming_nothing_of_its_own_is_about_the_last_answers_lead_report():
    weak = [_passage("a", 1, score=2.4), _passage("b", 2, score=-1.2, article_id="dar"), _passage("c", 3, score=0.5)]
    led = prefer_articles(weak, ["dar"], question="How many people were killed? (Aleppo, August 2013)")
    assert [p.chunk_id for p in led] == [2, 1, 3] and led[0].score == 2.4  # scored as the best
    named = prefer_articles(weak, ["dar"], question="How many people were killed in Idlib?")
    assert [p.chunk_id for p in named] == [1, 2, 3]  # a place of its own: the retrieval order stands


def test_the_lead_reports_best_chunk_is_kept_in_the_top_k():
    from rag.retrieval.hybrid import CITED, _lead_kept

    out = [_passage(str(k), k, article_id=f"a{k}") for k in range(1, 6)]
    out[4].scores[CITED] = 1.0
    assert [p.chunk_id for p in _lead_kept(out, 3, "a5")] == [1, 2, 5, 3, 4]
    assert [p.chunk_id for p in _lead_kept(out, 3, "a1")] == [1, 2, 3, 4, 5]  # already in: unchanged
    assert [p.chunk_id for p in _lead_kept(out, 3, "a9")] == [1, 2, 3, 4, 5]  # not found: unchanged
    two = [_passage(str(k), k, article_id="a5" if k in (1, 5) else f"a{k}") for k in range(1, 7)]
    two[0].scores[CITED] = two[4].scores[CITED] = 1.0
    # its other chunk, where the follow-up's fact may be told, comes along
    assert [p.chunk_id for p in _lead_kept(two, 3, "a5")] == [1, 5, 2, 3, 4, 6]  # right after its first
    assert [p.chunk_id for p in _lead_kept(two, 6, "a5")] == [1, 2, 3, 4, 5, 6]  # both in: unchanged


def test_a_share_or_a_sum_is_no_count_of_the_wounded():
    assert (
        best_span(QType.COUNT, "Syria has 8% of its chemical material left.", "How many people were wounded?") is None
    )
    assert best_span(QType.COUNT, "The town got $5 million in aid.", "How many people were wounded?") is None
    share = best_span(QType.COUNT, "Some 8% of the people were wounded.", "What percentage of the people were wounded?")
    assert share is not None and "8%" in share.text


def test_a_headline_count_is_of_the_verb_before_it():
    headline = "Mortar fire in Eastport kills 12 wounds 50 State media said."
    killed = best_span(QType.COUNT, headline, "How many people were killed?")
    assert killed is not None and killed.text == "12"
    assert best_span(QType.COUNT, headline, "How many people were wounded?") is None  # not "12 wounds"
    assert best_span(QType.COUNT, "Bomb kills 12 in Eastport.", "How many people were killed?") is not None
    assert best_span(QType.COUNT, "The raid kills 3 as the army advances.", "How many tanks were destroyed?") is None


def test_a_publication_date_is_no_answer_when_the_sentence_dates_the_event():
    s = "Published April 13 2017 An air strike on Tuesday by the coalition killed 18 fighters, the Pentagon said."
    best = best_span(QType.DATE, s, "On what date did the air strike kill 18 fighters?")
    assert best is not None and best.text == "Tuesday"
    alone = best_span(
        QType.DATE, "Published April 13 2017 The strike hit the base.", "When did the strike hit the base?"
    )
    assert alone is not None and alone.text == "April 13 2017"  # the only date given: still the answer


def test_civilians_who_fled_are_no_count_of_the_killed():
    q = "How many civilians were killed in Eastport on Monday?"
    fled = "Thousands of civilians in the mixed city, including many Christians, have fled to villages."
    assert best_span(QType.COUNT, fled, q) is None
    killed = best_span(QType.COUNT, "The strike killed 60 civilians who had fled the town.", q)
    assert killed is not None and killed.text == "60 civilians"  # those killed, who had fled before
    asked = best_span(QType.COUNT, "Some 3,000 civilians have fled the town.", "How many civilians have fled the town?")
    assert asked is not None


def test_how_much_is_not_how_many_people():
    q = "The US will soon sell a gold card giving foreigners the right to live and work there. How much will it cost?"
    best = best_span(QType.COUNT, "A new gold card will offer a path to citizenship for a $5 million fee.", q)
    assert best is not None and best.text == "$5 million"  # "live" is no fate, "how much" no head count


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("Peshmerga forces continue operation in southeast Mosul, free 12 villages", None),  # villages ≠ villagers
        ("The ministry said three offices were hit near the front", None),  # offices ≠ officers
        ("About 40 villagers joined the Peshmerga fighters", "About 40 villagers"),
        ("Two officers and 300 fighters took part", "300 fighters"),
    ],
)
def test_a_count_of_people_is_not_a_count_of_things_that_share_their_stem(sentence, expected):
    question = "How many fighters took part in the operation?"
    found = best_span(QType.COUNT, sentence, question)
    assert (found.text if found else None) == expected


@pytest.mark.parametrize(
    "question, sentence, expected",
    [
        (
            "What kind of market was struck?",
            "The bombing was deadly because it struck a cattle market.",
            "cattle market",
        ),
        ("What type of bomb targeted the headquarters?", "A car bomb exploded near the headquarters.", "car bomb"),
        ("What type of aircraft dropped the bombs?", "Russian Su-24 jets dropped cluster bombs.", "Russian Su-24"),
        # a word that qualifies the noun before any name; without one a name may still answer
        ("What kind of market was struck?", "The Syrian Observatory said a cattle market was hit.", "cattle market"),
        ("What kind of market was struck?", "The Syrian Observatory said the market was hit.", "Syrian Observatory"),
        (
            "Which type of renewable energy hit a record?",
            "Offshore wind energy hit a record in May.",
            "Offshore wind energy",
        ),
        ("What kind of market was struck in Tal Hamis?", "Air strikes hit the Tal Hamis market.", None),
    ],
)
def test_what_kind_of_thing_is_answered_by_the_words_that_qualify_it(question, sentence, expected):
    assert question_type(question) is QType.ENTITY
    found = best_span(QType.ENTITY, sentence, question)
    assert (found.text if found else None) == expected


def test_a_page_counter_and_an_article_are_no_part_of_a_name():
    question = "In which district did two shells explode on Sunday?"
    boilerplate = "Get short URL 0 46 A shelling of the central neighborhoods left six people dead."
    assert all("46" not in sp.text for sp in answer_spans(QType.PLACE, boilerplate, question))
    assert best_span(QType.PLACE, "Two shells exploded in the Shaalan district.", question).text == "Shaalan"
    dateline = "29 Jul 2016 The US-led coalition strikes came a day after the investigation opened."
    assert not [sp.text for sp in answer_spans(QType.PLACE, dateline, question) if "Jul" in sp.text]
    # a letter that is part of the name stays ("Building A")
    assert "Building A" in [sp.text for sp in answer_spans(QType.ENTITY, "Staff in Building A said so.", "Which site?")]


def test_a_question_with_its_own_place_takes_its_day_from_the_conversation():
    history = [
        {"role": "user", "content": "Where did the bombers strike on August 16, 2016?"},
        {"role": "assistant", "content": "“Bombers attack targets in al-Bab” (16 Aug 2016) [1]"},
    ]
    assert rewrite("What happened in Manbij the day before?", history) == "What happened in Manbij on 15 August 2016?"
    assert rewrite("What happened in Manbij that day?", history) == "What happened in Manbij on August 16, 2016?"
    assert rewrite("Two days later jets hit Douma. How many were killed?", history).startswith(
        "On 18 August 2016 jets hit Douma."
    )
    assert rewrite("What happened three days earlier?", history).startswith("What happened on 13 August 2016?")
    # a day of its own, another event's ("two days before the vote"), or no dated conversation: left alone
    assert "16, 2016" in rewrite("What did they say two days before the vote?", history)
    assert rewrite("What happened in Manbij on 3 May 2016?", history) == "What happened in Manbij on 3 May 2016?"
    undated = [{"role": "user", "content": "Where did the bombers strike?"}, history[1]]
    assert rewrite("What happened in Manbij the day before?", undated) == "What happened in Manbij the day before?"


def test_a_place_fragment_asks_the_last_question_there():
    history = [
        {
            "role": "user",
            "content": "How many people were killed in the double bomb attack near Tartous on 5 September 2016?",
        },
        {"role": "assistant", "content": "At least 42 people [1]"},
        {"role": "user", "content": "Where exactly did the car bomb go off?"},
        {"role": "assistant", "content": "“A car bomb exploded on the Arzuna bridge.” [1]"},
    ]
    # the last question asked again there, not "Where did the in Hasakeh bomb go off?"
    assert rewrite("What about in Hasakeh?", history).startswith("Where exactly did the car bomb go off in Hasakeh?")
    counted = history[:2] + [{"role": "user", "content": "How many of them were children?"}, history[3]]
    assert rewrite("And in Douma?", counted).startswith("How many of the people were children in Douma?")


def test_a_sentence_that_qualifies_the_asked_noun_leads_a_what_kind_question():
    question = "What kind of market was struck by the air strikes in Tal Hamis?"
    toll = _passage("The Observatory documented the deaths of 27 people in air strikes on Tal Hamis, the monitor said.")
    kind = _passage("The bombing in Tal Hamis was especially deadly because it struck a cattle market.", 2)
    answer = ExtractiveAnswerer().answer(question, [toll, kind])
    assert answer.statements[0].text.startswith("cattle market")


def test_a_count_whose_fate_comes_after_a_list_of_who_they_were_is_of_that_fate():
    s = "Warplanes hit a school in which 35 civilians mostly pupils and teachers were killed and many more wounded."
    assert best_span(QType.COUNT, s, "How many people were wounded in the strike on the school?") is None
    killed = best_span(QType.COUNT, s, "How many people were killed in the strike on the school?")
    assert killed is not None and killed.text == "35 civilians"
    hurt = "Some 40 people in the old town were hurt when the roof fell."
    assert best_span(QType.COUNT, hurt, "How many people were killed in the old town?") is None
    assert best_span(QType.COUNT, hurt, "How many people were hurt in the old town?") is not None
    # a verb before the count is the count's own ("killing 10 people and wounding 20"): not the later one
    both = best_span(
        QType.COUNT, "The raid ended up killing 10 people and wounding 20.", "How many people were killed?"
    )
    assert both is not None and both.text == "10 people"


def test_a_count_of_another_named_group_is_no_answer():
    q = "How many Hizballah fighters were killed in the offensive on Eastville?"
    other = "The monitor said 20 opposition fighters were killed in the fighting, including a Hizballah ambush."
    assert best_span(QType.COUNT, other, q) is None
    # another name may be the same group's ("ISIS" for "Daesh"): a name never rules a count out
    isis = best_span(
        QType.COUNT, "Russian forces kill 120 ISIS fighters in Syria.", "How many Daesh fighters were killed?"
    )
    assert isis is not None and isis.text == "120 ISIS fighters"
    own = best_span(QType.COUNT, "At least eight Hizballah fighters were killed near Eastville.", q)
    assert own is not None and own.text == "At least eight Hizballah fighters"
    plain = best_span(QType.COUNT, "Eight fighters were killed, Hizballah said.", q)  # no group of its own named
    assert plain is not None and plain.text == "Eight fighters"
    kurds = best_span(
        QType.COUNT, "At least 20 Kurdish fighters were killed.", "How many Kurdish YPG fighters were killed?"
    )
    assert kurds is not None and "20" in kurds.text  # a word of the question's own group
    # a nationality is no group: "government soldiers" may be the "Syrian soldiers" asked about
    army = best_span(
        QType.COUNT, "At least 15 government soldiers were killed.", "How many Syrian soldiers were killed?"
    )
    assert army is not None and "15" in army.text


def test_a_bare_number_right_after_the_asked_verb_counts_even_before_a_time_phrase():
    s = "A car bomb on a district of Eastport killed at least 45 people and wounded 85 on Tuesday, the governor said."
    hurt = best_span(QType.COUNT, s, "How many were wounded?")
    assert hurt is not None and hurt.text == "85"
    killed = best_span(QType.COUNT, s, "How many people were killed?")
    assert killed is not None and killed.text == "at least 45 people"
    # a number followed by its own noun counts that noun, not the people asked about
    assert (
        best_span(
            QType.COUNT, "Troops killed 28 and wounded 30 militants in the raid.", "How many civilians were wounded?"
        )
        is None
    )


def test_a_datelines_city_run_into_the_first_word_is_no_place_or_name():
    q = "Which rebel-held district on Eastport's edge did government forces seize in late July 2016?"
    s = "Last updated at Jul 262016 BEIRUT Syrian government forces on Tuesday seized a rebel-held district of Eastport."
    assert best_span(QType.PLACE, s, q) is None  # not "Jul 262016 BEIRUT Syrian", nor "BEIRUT Syrian"
    named = best_span(QType.PLACE, "Troops took full control of the Leramun district on Tuesday.", q)
    assert named is not None and named.text == "Leramun"
    # an acronym before a name inside a sentence is part of it, not a dateline
    boss = best_span(
        QType.PERSON, "Later NATO Secretary General Jens Stoltenberg said the alliance would respond.", "Who spoke?"
    )
    assert boss is not None and "Stoltenberg" in boss.text


def test_the_country_of_a_place_the_question_names_is_not_the_place_asked():
    q = "In which town in Idlib province were 11 civilians killed on 13 July 2016?"
    for s in (
        "Air strikes kill 11 in Syrias Idlib monitor says.",
        "Air strikes kill 11 in Syria's Idlib, a monitor says.",
        "Air strikes kill 11 in Syrias Idlib monitor AFP Wednesday 13 Jul 2016 At least 11 were killed.",  # a credit
    ):
        assert best_span(QType.PLACE, s, q) is None
    town = best_span(QType.PLACE, "The strikes hit the town of Ariha in Idlib province.", q)
    assert town is not None and town.text == "Ariha"
    # a place followed by a name the question does not use is still a place
    other = best_span(QType.PLACE, "The strikes hit a market in Maarat Numan on Sunday.", q)
    assert other is not None and "Maarat" in other.text


def test_a_count_of_the_town_asked_beats_its_regions_total():
    text = (
        "At least nine civilians were killed on Thursday in air strikes on Eastern Ghouta, the monitor said. "
        "At least four civilians were killed in the city of Arbin and one in Douma."
    )
    p = _passage(text, title="Air strikes kill nine in Eastern Ghouta", date="2017-11-23")
    cut = text.index("At least four")
    p.sentences = [(0, cut - 1, 0.7), (cut, len(text), 0.6)]
    q = "How many civilians were killed in the city of Arbin in the air strikes on Eastern Ghouta?"
    ans = ExtractiveAnswerer().answer(q, [p])
    assert ans.direct_answer is not None and "four" in ans.direct_answer.text
    # asked of the region, the region's count leads
    whole = ExtractiveAnswerer().answer("How many civilians were killed in the air strikes on Eastern Ghouta?", [p])
    assert whole.direct_answer is not None and "nine" in whole.direct_answer.text
    # no sentence tells of the place asked first: the count told of the wider place still answers
    text = (
        "Activists say 15 civilians have been killed when a missile slammed into a neighbourhood of Deir el-Zour. "
        "Among the civilians killed by the missile were three children and three women, it said."
    )
    q = _passage(text, title="15 killed in missile strike on Deir el-Zour", date="2017-10-06")
    cut = text.index("Among")
    q.sentences = [(0, cut - 1, 0.6), (cut, len(text), 0.7)]
    ans = ExtractiveAnswerer().answer(
        "How many civilians were killed when a missile hit the Qusour district of Deir el-Zour?", [q]
    )
    assert ans.direct_answer is not None and "15" in ans.direct_answer.text


def test_a_report_whose_own_dateline_names_the_asked_day_is_a_report_of_that_day():
    from rag.answering.report_dates import dated_asked_day_in_text

    q = "How many people were killed in the air strike on Oweijel on 17 October 2016?"
    own = _passage("Published October 17 2016 At least 23 people were killed in Oweijel.", date="2016-10-14")
    assert dated_asked_day_in_text(own, q)
    assert not dated_asked_day_in_text(_passage("Published October 12 2016 Strikes hit Oweijel.", date="2016-10-14"), q)
    later = _passage("Published October 17 2016 Strikes hit Oweijel.", date="2016-10-14")
    later.start = 300  # a later chunk: its first words are no dateline
    assert not dated_asked_day_in_text(later, q)
    assert not dated_asked_day_in_text(own, "How many people were killed? (Oweijel, 17 October 2016)")  # carried


def test_a_number_of_deaths_is_a_toll():
    s = "The state agency reported 15 deaths, citing a statement."
    toll = best_span(QType.COUNT, s, "What toll did the state agency report?")
    assert toll is not None and toll.text == "15 deaths"
    assert best_span(QType.COUNT, s, "How many people were wounded?") is None
    assert best_span(QType.COUNT, s, "How many rockets were fired?") is None


def test_the_toll_of_the_source_asked_about_leads():
    text = (
        "Two car bombs killed at least 25 people in Eastport on Wednesday, state news agency SANA reported. "
        "The Syrian Observatory for Human Rights said the bombings killed 21 people."
    )
    p = _passage(text, title="Twin car bombs kill 25 in Eastport", date="2014-04-09")
    cut = text.index("The Syrian")
    p.sentences = [(0, cut - 1, 0.7), (cut, len(text), 0.6)]
    asked = ExtractiveAnswerer().answer("What toll did the Syrian Observatory give for the Eastport car bombs?", [p])
    assert asked.direct_answer is not None and "21" in asked.direct_answer.text
    plain = ExtractiveAnswerer().answer("How many people did the Eastport car bombs kill?", [p])
    assert plain.direct_answer is not None and "25" in plain.direct_answer.text  # the report's own count


def test_a_part_of_an_asked_country_and_a_numbered_place_are_places():
    part = best_span(
        QType.PLACE,
        "The attack took place in northwestern Syria on Tuesday.",
        "In which part of Syria did the attack take place?",
    )
    assert part is not None and part.text == "northwestern Syria"
    project = best_span(
        QType.PLACE, "SAA and allies advance at Aleppo’s 1070 housing project", "Where did the SAA advance in Aleppo?"
    )
    assert project is not None and "1070" in project.text


def test_a_nationality_before_a_noun_is_no_place():
    q = "Near which border crossing did the bomber strike?"
    assert best_span(QType.PLACE, "The bomber struck near the Turkish border on Sunday.", q) is None
    crossing = best_span(QType.PLACE, "The blast struck the Atme border crossing near the Turkish border.", q)
    assert crossing is None or crossing.text != "Turkish"
    assert best_span(QType.PLACE, "They fled to Turkey on Sunday.", "Where did they flee?").text == "Turkey"


def test_a_next_day_report_that_dates_the_event_to_the_asked_day_is_of_that_day():
    q = "Near which border crossing did a suicide bomber hit a bus on 14 August 2016?"
    same_day = _passage(
        "On Sunday a bomber hit a bus of rebel fighters in the border city of Westport, near Eastport.",
        n=1,
        date="2016-08-14",
    )
    next_day = _passage(
        "A suicide bomber hit a bus of rebel fighters near the Atme border crossing. "
        "The blast on Sunday night killed 30 fighters, the monitor said.",
        n=2,
        date="2016-08-15",
    )
    for p in (same_day, next_day):
        p.scores = {"asked_day": 1.0}
    same_day.scores["window"] = 1.0
    next_day.sentences = [(0, 70, 0.7), (71, len(next_day.text), 0.5)]
    same_day.sentences = [(0, len(same_day.text), 0.4)]
    ans = ExtractiveAnswerer().answer(q, [same_day, next_day])
    assert not ans.abstained and "Atme" in ans.statements[0].text  # Monday's report tells of Sunday


def test_the_name_after_the_role_word_holds_the_role():
    q = "Which coalition spokesman wrote on Twitter that the coalition did not strike Eastport?"
    s = "Commenting on the issue Operation Inherent Resolve spokesman Col. John Dorrian wrote on Twitter that it did not."
    holder = best_span(QType.PERSON, s, q)
    assert holder is not None and "John Dorrian" in holder.text  # not whose spokesman he is
    peskov = best_span(QType.PERSON, "Kremlin spokesman Dmitry Peskov denied the report.", "Which spokesman denied it?")
    assert peskov is not None and peskov.text == "Dmitry Peskov"


def test_a_name_that_ends_like_a_nationality_is_still_a_name():
    s = "Col. John Dorrian wrote on Twitter that the coalition did not carry out the strikes."
    assert best_span(QType.PERSON, s, "Who wrote on Twitter that the coalition did not strike?") is not None
    singer = best_span(QType.PERSON, "The Puerto Rican singer Marc Anthony sang the anthem.", "Who sang the anthem?")
    assert singer is not None and singer.text == "Marc Anthony"  # "Puerto Rican" stays an adjective


def test_an_irregular_past_tense_ends_the_asked_phrase_and_one_hand_is_no_count():
    from rag.answering.naming import asked_noun

    assert asked_noun("Which coalition spokesman wrote on Twitter that it did not?") == "spokesman"
    assert asked_noun("Which group held the town?") == "group"
    assert asked_noun("Which hit song topped the charts?") == "song"  # a first word is no verb
    s = "Clashes erupted between fighters of the YPG on the one hand and fighters of ISIS on the other hand."
    assert best_span(QType.COUNT, s, "How many YPG fighters were killed?") is None
    assert best_span(QType.COUNT, "One fighter was killed.", "How many fighters were killed?").text == "One fighter"


def test_the_fate_asked_is_the_one_of_the_asking_clause():
    """ "How many were wounded in the raid, which killed 16?" asks of the wounded: a count of the
    killed is no answer; "how many of the wounded died" asks of the dead."""
    q = "How many people were wounded in the air raid on Tareeq al-Bab on 1 July 2016, which killed 16 civilians?"
    killed = "The air force attacked a market in the district of Tariq al-Bab killing 11 people the monitor said."
    assert best_span(QType.COUNT, killed, q) is None
    assert best_span(QType.COUNT, "The raid wounded 25 people.", q).text == "25 people"
    from rag.answering.spans import _fates

    assert _fates("How many of the wounded died?") == {"killed"}  # "of the wounded": a group
    both = "How many people were killed or wounded?"
    assert best_span(QType.COUNT, "The raid wounded 25 people.", both).text == "25 people"


def test_a_count_joined_to_another_shares_its_fate():
    q = "How many people were wounded in the raid?"
    s = "It also said a coalition raid on the city of Manbij killed two women and their seven children."
    assert best_span(QType.COUNT, s, q) is None
    assert best_span(QType.COUNT, "Three were killed and 5 others wounded.", q).text == "5 others"
    kids = best_span(
        QType.COUNT, "The raid killed two women and their seven children.", "How many children were killed?"
    )
    assert kids.text == "seven children"


def test_a_part_of_a_count_shares_its_fate():
    q = "How many people were wounded in the strike on Deir Ezzor?"
    total = "The war has been killing at least 3000 people including 955 civilians a month."
    assert best_span(QType.COUNT, total, q) is None
    assert best_span(QType.COUNT, "The strike wounded 30 people including 12 children.", q).text == "30 people"
    assert best_span(
        QType.COUNT, "It killed 30 people including 12 children.", "How many children were killed?"
    ).text == ("12 children")


def test_a_compound_adjective_is_no_place():
    q = "Near which town did the SDF kill 13 militants?"
    s = "The SDF killed 13 jihadists in clashes near the Daesh-controlled town of Al Tabqah."
    sp = best_span(QType.PLACE, s, q)
    assert sp is None or "controlled" not in sp.text
    assert best_span(
        QType.PLACE, "Clashes raged near the Daesh-controlled Tabqa airbase.", "Where did clashes rage?"
    ).text == ("Tabqa")


@pytest.mark.parametrize(
    "question,qtype",
    [
        ("Name the al-Nusra Front emir reported killed in al-Rastan in July 2016.", QType.PERSON),
        ("Name the town where the convoy was hit.", QType.PLACE),
        ("Name the group that claimed the attack.", QType.ENTITY),
        ("What name did they give the operation?", QType.ENTITY),
        ("Did they name the victims?", QType.YESNO),
    ],
)
def test_an_imperative_name_asks_for_a_name(question, qtype):
    assert question_type(question) is qtype


def test_the_place_after_a_kind_of_place_is_where_they_went():
    s = "People had been freed in Al-Saan in the eastern countryside and then transported to the city of Salamiyah."
    assert best_span(QType.PLACE, s, "Where were the civilians taken afterwards?").text == "Salamiyah"
    assert best_span(QType.PLACE, s, "Where were the civilians freed?").text == "Al-Saan"


def test_terrorists_and_gunmen_are_people_counted_as_combatants():
    q = "How many ISIL fighters did the army kill near Tabaqa airport?"
    s = "The Syrian army ambushed and killed 140 ISIL terrorists near Tabaqa military airport."
    assert best_span(QType.COUNT, s, q).text == "140 ISIL terrorists"
    assert best_span(QType.COUNT, "The army killed 140 terrorists.", "How many civilians were killed?") is None


def test_others_reported_wounded_are_a_count_of_the_wounded():
    s = "Seven others were reported injured in the attack and taken to hospital."
    assert best_span(QType.COUNT, s, "How many people were injured in the rocket attack?").text == "Seven others"


def test_a_comma_clause_of_a_wh_question_does_not_change_what_it_asks():
    q = "Which Nusra Front field commander was killed, along with eight others, when soldiers stormed al-Rastan?"
    assert question_type(q) is QType.PERSON
    assert question_type("The rebels left Darayya. When did they leave?") is QType.DATE
    assert question_type("Where did they go, and when?") is QType.DATE
    assert question_type("what about al-Rai, who was trying to take it?") is QType.PERSON  # an ellipsis, then who
    assert question_type("Which general election was delayed?") is QType.ENTITY  # "general" is no office here


def test_how_long_it_lasted_beats_a_time_told_nearby():
    q = "How long did the ceasefire last before it ended?"
    lasted = "The freeze on fighting brokered by the United States and Russia lasted a week."
    minutes = "Activists reported five air raids in the space of ten minutes after the end of the ceasefire."
    assert best_span(QType.DURATION, lasted, q).score > best_span(QType.DURATION, minutes, q).score
    assert best_span(QType.DURATION, "The week-long truce ended on Monday.", q).text == "week-long"


def test_a_country_owning_the_asked_place_is_no_part_of_it():
    from rag.answering.places import question_places

    assert question_places("killed in the attack in Syria's Idlib province") == ["Idlib"]
    assert question_places("killed in the Kurdish-majority city of Qamishli") == ["Qamishli"]
    s = "A double bomb attack killed 31 people in the Kurdish-majority city of Qamishli on Wednesday."
    assert best_span(QType.PLACE, s, "In which Kurdish-majority city did a bomb kill 31?").text == "Qamishli"


def test_a_death_toll_and_its_parts_are_no_count_of_the_wounded():
    s = "The death toll from the strikes in the city of Al Quriyah has risen to 82 people including 58 civilians."
    assert best_span(QType.COUNT, s, "How many people were wounded in the strikes?") is None
    assert best_span(QType.COUNT, s, "How many civilians were killed in the strikes?").text == "58 civilians"
    both = "The death toll rose to 20 and 45 people were wounded."
    assert best_span(QType.COUNT, both, "How many people were wounded?").text == "45 people"


def test_a_name_described_by_the_asked_role_holds_it():
    q = "Which al-Nusra Front commander in Latakia was killed by the army in July 2015?"
    s = "Abu Abdul Rahman al-Madani the Al-Nusra Front commander in Lattakia was killed in Jabal al-Torkman region."
    assert best_span(QType.PERSON, s, q).text == "Abu Abdul Rahman al-Madani"


@pytest.mark.parametrize(
    "question,qtype",
    [
        ("What was the family name of the six civilians killed in airstrikes on Atareb?", QType.PERSON),
        ("What was the surname of the family of ten killed in Marea?", QType.PERSON),
        ("What was the name of the civilian killed?", QType.PERSON),
        ("What is the name of the family restaurant?", QType.ENTITY),  # a family's, but a thing's name
    ],
)
def test_a_surname_or_family_name_asks_for_a_person(question, qtype):
    assert question_type(question) is qtype


def test_which_member_asks_for_a_person_but_not_a_member_state():
    assert question_type("Which civil defence member described his team pulling two children out?") is QType.PERSON
    assert question_type("Which member state vetoed the resolution?") is not QType.PERSON


def test_among_near_tied_sentences_a_full_name_leads_one_word():
    """ "Which civil defence member …?": of two sentences within the name margin of the best, the one
    naming "Shuhud al-Hussein" leads the one whose best name-like word is "Syria"; between two full
    names the sentence score decides."""
    from rag.answering.extractive import Candidate, ExtractiveAnswerer

    q = "Which civil defence member described pulling two children out alive in Aleppo?"
    a, b = _passage("Workers dig out dead after Syria strike on Aleppo.", 1), _passage("Shuhud al-Hussein said so.", 2)
    syria = Candidate(a, 0, 10, a.text, 0.3, 0.7, True, 0.72, 0, 0.7, Span(26, 31, "Syria", 2.02))
    named = Candidate(b, 0, 10, b.text, 0.2, 0.6, True, 0.64, 1, 0.7, Span(0, 17, "Shuhud al-Hussein", 2.36))
    answerer = ExtractiveAnswerer()
    rank = answerer._ranking(q, QType.PERSON, [syria, named], [syria, named], [a, b])
    assert max([syria, named], key=rank) is named
    other = Candidate(a, 0, 10, a.text, 0.3, 0.7, True, 0.72, 0, 0.7, Span(0, 10, "John Kerry", 2.5))
    rank = answerer._ranking(q, QType.PERSON, [other, named], [other, named], [a, b])
    assert max([other, named], key=rank) is other  # two full names: the better sentence


def test_a_place_of_another_size_is_not_the_place_asked_for():
    s = "Jets struck an opposition-held neighborhood in western Syrias Idlib province, an official said."
    assert best_span(QType.PLACE, s, "Which neighborhood was hit?") is None  # a province is no neighbourhood
    named = "The strike targeted a civil defense center in Turmanin neighborhood, an official said."
    assert best_span(QType.PLACE, named, "Which neighborhood was hit?").text == "Turmanin"
    assert (
        best_span(QType.PLACE, "Shells fell on the province of Idlib.", "Which province was shelled?").text == "Idlib"
    )
    assert best_span(QType.PLACE, "Shells fell on the province of Idlib.", "Which town was shelled?") is None


def test_a_name_before_a_kind_of_place_is_no_person_and_who_gave_the_toll_asks_who_spoke():
    s = "The strike targeted a civil defense center in Turmanin neighborhood Vasik Harak told Anadolu Agency."
    q = "Who was the local civil defense official who gave the toll?"
    assert best_span(QType.PERSON, s, q).text == "Vasik Harak"
    listener = "Rami Abdel Rahman told the paper that 11 people died in Turmanin."
    assert best_span(QType.PERSON, listener, "Who gave the toll to the paper?").text == "Rami Abdel Rahman"


def test_a_lower_case_article_inside_a_name_keeps_the_name_whole():
    s = "The air force dropped barrel bombs this morning on the village of Qasr el-Breij, the monitor said."
    assert best_span(QType.PLACE, s, "Which village was hit by barrel bombs?").text == "Qasr el-Breij"


def test_the_speaker_named_after_a_sentence_crediting_the_asked_role_holds_it():
    text = (
        "At least 11 people were killed on Saturday when jets struck a neighborhood in western Syrias Idlib "
        "province according to a local civil defense official. The strike targeted a drug warehouse and a civil "
        "defense center in Turmanin neighborhood Vasik Harak told Anadolu Agency."
    )
    q = "Who was the local civil defense official who gave the toll?"
    a = ExtractiveAnswerer().answer(q, [_passage(text)])
    assert not a.abstained and "Vasik Harak" in a.answer
    # a name after a sentence that credits no one with the role does not hold it
    other = text.replace("according to a local civil defense official", "in the afternoon")
    b = ExtractiveAnswerer().answer(q, [_passage(other)])
    assert b.direct_answer is None or "Vasik Harak" not in b.direct_answer.text
    assert b.abstained or "official" not in b.answer


def test_a_follow_up_on_a_place_asked_by_a_hyphenated_modifier_keeps_the_place_and_the_day():
    history = [
        {
            "role": "user",
            "content": "Which IS-held village in Aleppo province was hit by barrel bombs on 22 July 2015?",
        },
        {"role": "assistant", "content": "“The air force dropped barrel bombs on the village of Qasr el-Breij.” [1]"},
    ]
    assert "Qasr el-Breij" in rewrite("How many civilians were killed there?", history)
    history += [
        {"role": "user", "content": "How many civilians were killed there?"},
        {"role": "assistant", "content": "12 civilians [1]"},
    ]
    # a place the conversation named already is no new subject: the day and the village stay
    far = rewrite("How far is it from the city of Aleppo?", history)
    assert "22 July 2015" in far and "Qasr el-Breij" in far
    # a place of its own is a new subject: no day carried over
    assert "22 July 2015" not in rewrite("How far is it from the city of Homs?", history)


@pytest.mark.parametrize(
    "question,sentence,expected",
    [
        (  # the asked side is whom they fought: the count is of the other side
            "How many Islamic State fighters were killed in the clashes near the airport?",
            "At least 10 Syrian soldiers were killed on Tuesday in clashes with Islamic State group jihadists.",
            None,
        ),
        (  # the asked side killed them (its acronym spelled out)
            "How many SDF fighters were killed near Tabqa?",
            "The Kurdish-led Syrian Democratic Forces killed 13 jihadists in clashes near Tabqa.",
            None,
        ),
        (  # nationality words name the side too
            "How many fighters of the Kurdish People's Protection Units (YPG) were killed in Hasaka?",
            "At least 12 Islamist fighters were killed in clashes with Kurdish militants in Hasaka.",
            None,
        ),
        (  # the count names the asked side: it is of them
            "How many Islamic State fighters were killed in the clashes?",
            "At least 30 Islamic State fighters were killed in clashes with Kurdish forces.",
            "At least 30 Islamic State fighters",
        ),
        ("How many SDF fighters were killed?", "Daesh killed 13 SDF fighters near Tabqa.", "13 SDF fighters"),
        (  # the side named only as who reported it: no other side
            "How many Kurdish fighters were killed?",
            "Twelve fighters were killed in the clashes with jihadists, a Kurdish official said.",
            "Twelve fighters",
        ),
    ],
)
def test_a_count_of_the_asked_sides_enemy_does_not_answer(question, sentence, expected):
    span = best_span(QType.COUNT, sentence, question)
    assert (span.text if span else None) == expected


def test_the_name_of_a_building_is_a_name_next_to_its_word():
    q = "What was the name of the school in Jisreen that was hit by a shell on 31 October 2017?"
    unnamed = "A shell fired by regime troops hit the entrance of a school in Jisreen, Rami Abdel Rahman said."
    a = ExtractiveAnswerer().answer(q, [_passage(unnamed, date="2017-11-01")])
    assert a.abstained and "name of the school" in a.note
    named = "A shell fired by regime troops hit the entrance of the Al-Amal school in Jisreen on Tuesday."
    b = ExtractiveAnswerer().answer(q, [_passage(named, date="2017-11-01")])
    assert not b.abstained and "Al-Amal" in b.answer


def _idf_answerer(idf: dict[str, float]) -> ExtractiveAnswerer:
    """An answerer whose term weights are these IDFs (1.0 for any other word), as an index would give."""
    return ExtractiveAnswerer(term_weights=lambda qs: {stem(t): idf.get(stem(t), 1.0) for t in question_terms(qs)})


def test_a_count_whose_report_never_names_the_asked_place_of_a_dated_event_is_another_events():
    q = "How many people were wounded in the air strikes on the town of Atareb on 25 April 2016?"
    other = (
        "Air strikes hit the town of Hreitan north of Aleppo on Monday, killing 3 children and injuring 17 people, "
        "a monitor said."
    )
    idf = {"atareb": 4.7, "hreitan": 6.0, "aleppo": 0.9}  # a town named in few passages

    def answerer():
        return _idf_answerer(idf)

    a = answerer().answer(q, [_passage(other, date="2016-04-25")])
    assert a.abstained and "Atareb" in a.note
    # a place named everywhere (a province, a capital) may go unnamed in a report of one of its towns
    wide = answerer().answer(q.replace("the town of Atareb", "Aleppo"), [_passage(other, date="2016-04-25")])
    assert "none of those found names" not in (wide.note or "")
    there = other.replace("Hreitan north of Aleppo", "al-Atareb")
    b = answerer().answer(q, [_passage(there, date="2016-04-25")])
    assert not b.abstained and "17 people" in b.answer  # "Atareb" and "al-Atareb" are one place
    # a question that pins no year may be asked of a report that takes the place as known
    undated = answerer().answer(q.replace(" on 25 April 2016", ""), [_passage(other, date="2016-04-25")])
    assert "none of those found names" not in (undated.note or "")


def test_the_conversations_place_stays_among_the_names_it_carries():
    history = [
        {"role": "user", "content": "How many people did the Syrian Observatory for Human Rights count in Kobane?"},
        {"role": "assistant", "content": "412 people [1]"},
        {"role": "user", "content": "Which Kurdish official still inside the town said they would hold?"},
        {"role": "assistant", "content": "“Idris Nahsen said the fighters would hold.” [1]"},
    ]
    # one name, not two ("Syrian Observatory", "Human Rights"): the place keeps one of the three carried
    names = conversation_state(history).names
    assert len([n for n in names if "Observatory" in n or "Human Rights" in n]) == 1
    assert "Kobane" in rewrite("Where did the air raids land?", history)


def test_a_place_held_by_a_named_group_is_the_place_not_the_group():
    from rag.answering.places import question_places

    q = "How many civilians were killed in the air raids on the Islamic State-held Al-Boulil region on 15 July 2016?"
    assert question_places(q) == ["Al-Boulil"]
    assert question_places("How many were killed on rebel-held Atareb?") == ["Atareb"]


def test_a_districts_own_count_leads_its_citys():
    q = "How many civilians died in the air raids on the Bab al-Nasr area of Old Aleppo on 16 July 2016?"
    city = "Air raids on rebel-held districts of Aleppo killed 18 civilians on Saturday, a monitor said."
    district = "Eleven civilians were killed by air raids after midnight in the Bab al-Nasr area of Old Aleppo."
    idf = {"bab": 4.5, "nasr": 6.0, "aleppo": 0.9, "old": 1.2}

    def answerer():
        return _idf_answerer(idf)

    a = answerer().answer(q, [_passage(f"{city} {district}", date="2016-07-16")])
    assert a.direct_answer and a.direct_answer.text == "Eleven civilians"
    # a place the question does not call a part of a city: the report's own count still leads
    town = q.replace("the Bab al-Nasr area of Old Aleppo", "Bab al-Nasr")
    b = answerer().answer(town, [_passage(f"{city} {district}", date="2016-07-16")])
    assert b.direct_answer and b.direct_answer.text == "18 civilians"


def test_a_part_of_the_killed_or_of_another_whole_does_not_answer():
    among = "He says that among the 23 killed was a family of 10 people including eight children."
    assert best_span(QType.COUNT, among, "How many people were wounded when the missile hit Marea?") is None
    q = "How many children were among the 17 civilians killed in the air strikes on Mesraba?"
    other = "Russian air strikes on Sunday killed 34 civilians among them 15 children in a village."
    assert best_span(QType.COUNT, other, q).text != "15 children"  # a part of 34, not of 17
    same = "Air strikes on Mesraba killed 17 civilians among them 5 children."
    assert best_span(QType.COUNT, same, q).text == "5 children"


def test_and_in_another_place_replaces_the_place_in_and_around():
    history = [{"role": "user", "content": "How many civilians were killed in and around Westport on 3 May 2016?"}]
    assert rewrite("And in Eastshire?", history) == "How many civilians were killed in Eastshire on 3 May 2016?"


def test_and_in_another_place_leaves_the_earlier_places_but_keeps_the_time():
    history = [
        {
            "role": "user",
            "content": "How many people died when shells hit the town of Millbrook in Eastshire in May 2016?",
        },
        {"role": "assistant", "content": "21 people [1]"},
    ]
    moved = rewrite("And in Westport, where were children killed?", history)
    assert "Millbrook" not in moved and "Eastshire" not in moved and "May 2016" in moved, moved
    kept = rewrite("How far is it from Westport?", history)  # another place named, not moved to
    assert "Millbrook" in kept, kept


def test_another_figure_asks_the_count_again_without_the_one_given():
    history = [
        {"role": "user", "content": "How many civilians did the strike on Millbrook kill in May 2016?"},
        {
            "role": "assistant",
            "content": "eight civilians [1]\n“The strike killed eight civilians.” (Post, 3 May 2016) [1]",
        },
    ]
    again = rewrite("Were there higher estimates?", history)
    assert again == "How many civilians did the strike on Millbrook kill in May 2016, other than eight?"
    sentence = "Local media said eight civilians were killed, while other reports put the toll at 14 civilians."
    assert best_span(QType.COUNT, sentence, again).text == "14 civilians"
    assert best_span(QType.COUNT, "The strike killed eight civilians.", again) is None  # the figure given
    assert best_span(QType.COUNT, "The strike killed eight civilians.", history[0]["content"]) is not None
    # an abstention gives no figure to leave out; a question about something else is no such follow-up
    abstained = [history[0], {"role": "assistant", "content": "The reports don't answer this: no report says it."}]
    assert "other than" not in rewrite("Were there higher estimates?", abstained)
    assert "other than" not in rewrite("Who carried out the strike?", history)


def test_a_bare_number_told_by_its_fate_counts_it():
    sentence = "At least 14 people were killed 25 were wounded in a suicide attack on a wedding in Westport."
    assert best_span(QType.COUNT, sentence, "How many were wounded?").text == "25 were wounded"
    assert best_span(QType.COUNT, sentence, "How many people were killed?").text == "At least 14 people"
    toll = "A police source said the initial toll also included 55 injured."
    assert best_span(QType.COUNT, toll, "How many were injured?").text == "55 injured"
    assert best_span(QType.COUNT, "25 were arrested in the raid.", "How many were wounded?") is None  # another fate


def test_who_died_is_answered_by_who_they_were():
    sentence = "One mother and her child have died after an aerial bomb targeted their home near Westport."
    asked = "Who died when an aerial bomb hit a home near Westport?"
    assert best_span(QType.PERSON, sentence, asked).text == "One mother and her child"
    assert best_span(QType.PERSON, sentence, "Who dropped the aerial bomb on Westport?") is None  # no victim asked
    named = "Commander Abu Omar was killed in the strike on Westport."
    assert best_span(QType.PERSON, named, "Who was killed in the strike?").text == "Abu Omar"


def test_a_count_in_another_clause_is_farther_from_the_asked_place():
    sentence = (
        "At least 15 civilians were killed in raids in a northern district of Westport while six others "
        "were killed in a village near the city, the monitor said."
    )
    asked = "How many of those died in the city's northern district? (Westport, May 2016)"
    assert best_span(QType.COUNT, sentence, asked).text == "At least 15 civilians"
    assert best_span(QType.COUNT, sentence, "How many died in a village near the city?").text == "six others"


def test_the_named_sources_count_of_the_asked_place_before_the_reports_own_count():
    report = _passage(
        "Airstrikes on Westshire province on Monday killed at least 36 people, activists said. Most of the "
        "deaths were in the village of Oakley, where at least 23 people were killed, according to the Observatory.",
        title="Airstrikes kill 36 in Westshire",
    )
    asked = "How many people did the Observatory say were killed in the air strike on the village of Oakley?"
    answer = ExtractiveAnswerer().answer(asked, [report])
    assert answer.direct_answer and "23 people" in answer.direct_answer.text, answer.answer
    own = ExtractiveAnswerer().answer("How many people were killed in the airstrikes on Westshire?", [report])
    assert own.direct_answer and "36 people" in own.direct_answer.text, own.answer


def test_a_month_told_relative_to_the_report_is_a_date():
    sentence = "The city is mainly held by the militia after it evicted the regime army last August."
    assert best_span(QType.DATE, sentence, "When did they push the regime army out?").text == "last August"
    assert best_span(QType.DATE, "The siege began in early March 2016.", "When did the siege start?").text == (
        "March 2016"  # the month with its year, as before
    )
    assert best_span(QType.DATE, "The army left the city at last.", "When did the army leave?") is None


def test_a_place_after_a_compass_word_is_a_region_not_the_town_asked_for():
    asked = "In which rebel-held town did air strikes on the market kill dozens of civilians?"
    assert best_span(QType.PLACE, "Air raids kill 29 civilians in north Syria town.", asked) is None
    assert best_span(QType.PLACE, "Air raids killed 29 civilians in a town in northern Eastland.", asked) is None
    told = "Air raids killed 29 civilians in the town of Oakley in northern Eastland."
    assert best_span(QType.PLACE, told, asked).text == "Oakley"
    assert best_span(QType.PLACE, told, "In which region did the raids kill 29 civilians?").text != "Oakley"


def test_the_setting_is_a_place_nearly_every_report_names_not_the_town_most_do():
    reports = [f"Strikes on Oakley in Eastland killed {n} people." for n in (5, 6, 7, 8)]
    reports += ["Eastland's army said it hit rebels.", "Rebels in Eastland said they shot down a jet."]
    sentence = "The monitor said the strikes on rebel-held Oakley in Eastland were carried out by jets."
    asked = "In which rebel-held town did the strikes kill civilians?"
    # Oakley is in four of six reports (the event the search found), Eastland in all six (the setting)
    assert best_span(QType.PLACE, sentence, asked, "\n".join(reports)).text == "Oakley"


def test_which_places_asks_for_places_and_all_of_them():
    asked = "Which Westport neighborhoods did the agency say were hit by rocket shells, killing one civilian?"
    assert question_type(asked) is QType.PLACE and question_type("Which towns were hit?") is QType.PLACE
    sentence = (
        "A source at Westport Police Command told the agency that rocket shells hit al-Zahraa and "
        "Nile Street neighborhoods, killing a civilian."
    )
    assert best_span(QType.PLACE, sentence, asked).text == "al-Zahraa and Nile Street"
    one = "Which Westport neighborhood was hit by rocket shells?"  # one asked: one given
    assert best_span(QType.PLACE, sentence, one).text in ("al-Zahraa", "Nile Street")
    # a name ending with the kind of body it is ("Police Command") is a place only at a pinch
    body = best_span(QType.PLACE, "Westport Police Command said shells fell.", one)
    assert body.score < best_span(QType.PLACE, "Shells fell on Millbrook, police said.", one).score - 0.5


def test_how_much_is_never_answered_with_a_count_of_people_or_things():
    asked = "Roughly how much explosive material was that lorry carrying?"
    told = "Six civilians were killed and several others injured in three explosions in Westport."
    assert best_span(QType.COUNT, told, asked) is None
    assert best_span(QType.COUNT, "The lorry carried 900 kilos of explosives.", asked).text.startswith("900 kilos")
    assert best_span(
        QType.COUNT, "Donors pledged $3 billion to help 40 refugees.", "How much did donors pledge?"
    ).text == ("$3 billion")
    assert best_span(QType.COUNT, told, "How many civilians were killed?").text == "Six civilians"  # many: people


def test_a_fate_told_before_a_listed_count_befell_it_too():
    raids = "Raids killed 14 jihadists 5 civilians and a child on Thursday, a monitor said."
    assert best_span(QType.COUNT, raids, "How many people were wounded by the raids?") is None  # killed, all
    assert best_span(QType.COUNT, raids, "How many civilians were killed by the raids?").text == "5 civilians"
    post = "Troops repelled the attack on the post, killing 10 attackers and injuring 20 others."
    assert best_span(QType.COUNT, post, "How many attackers were injured?").text == "20 others"
    assert best_span(QType.COUNT, post, "How many attackers were killed?").text == "10 attackers"


def test_displaced_before_people_names_them_and_tells_no_fate():
    asked = "How many children were among the displaced people killed in the car bombing?"
    sentence = "A car bomb killed at least 26 people and injured 30 others at a site where displaced families live."
    assert best_span(QType.COUNT, sentence, asked).text != "30 others"  # they were injured
    assert best_span(QType.COUNT, "The fighting displaced 3,000 people.", "How many were displaced?").text == (
        "3,000 people"
    )


def test_a_reports_own_count_of_everyone_does_not_answer_how_many_children():
    report = _passage(
        "A car bomb killed at least 26 people at a checkpoint in Westport on Friday, the agency said. "
        "The monitor said 12 children were among the victims of the attack on the checkpoint.",
        title="Car bomb kills 26 at Westport checkpoint",
    )
    children = ExtractiveAnswerer().answer(
        "How many children were among the people killed at the checkpoint?", [report]
    )
    assert children.direct_answer and "12 children" in children.direct_answer.text, children.answer
    everyone = ExtractiveAnswerer().answer("How many civilians were killed at the checkpoint?", [report])
    assert everyone.direct_answer and "26 people" in everyone.direct_answer.text, everyone.answer
