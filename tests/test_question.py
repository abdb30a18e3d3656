"""The Question object and what it needs, read once per ask (a small hand-made index, no store)."""

import pytest

from assistant.answer.question import Question, clean_question
from assistant.answer.scoring import SentenceIndex
from assistant.errors import QuestionError
from assistant.types import Chunk, Sentence

REPORT_LIKE = [
    "Według stanu na 31 grudnia 2025 r. było ich 18.",
    "Szczególną rolę odgrywają klastry posiadające status Krajowego Klastra Kluczowego.",
    "Największa koncentracja inicjatyw klastrowych występuje w województwie mazowieckim, "
    "gdzie funkcjonuje 13 jednostek.",
    "W analizowanym okresie zrealizowano 1 642 staże oraz 460 praktyk.",
]


@pytest.fixture(scope="module")
def index() -> SentenceIndex:
    chunk = Chunk(id="r:p5:c1", doc="r.pdf", title="Raport", page=5, section="3. Klastry w Polsce w liczbach",
                  text=" ".join(REPORT_LIKE), sentences=[Sentence(s, (5,)) for s in REPORT_LIKE])
    return SentenceIndex({chunk.id: chunk})


def test_cleaning_collapses_whitespace_and_rejects_bad_input_in_one_line():
    assert clean_question("  Ile   klastrów\n działa? ", 100) == "Ile klastrów działa?"
    for bad, why in [("", "Puste pytanie"), ("   ", "Puste pytanie"), ("x" * 101, "za długie"),
                     ("a\x00b", "sterujące")]:
        with pytest.raises(QuestionError, match=why) as raised:
            clean_question(bad, 100)
        assert "\n" not in str(raised.value)


def test_language_and_a_standalone_question(index):
    question = Question.read("Ile klastrów ma status Krajowego Klastra Kluczowego?", None, index)
    assert question.language == "pl" and not question.is_follow_up and question.follow_up is None
    assert question.needs.figure and question.needs.noun == "klaster"
    assert ["krajowy", "klaster", "kluczowy"] in question.needs.phrases
    english = Question.read("How many internships did clusters organise?", None, index)
    assert english.language == "en" and english.needs.figure
    assert "staż" in english.expanded  # the glossary's Polish for "internships"


def test_a_follow_up_carries_its_conversation_and_its_own_words(index):
    question = Question.read("A ile z nich ma siedzibę na Śląsku?", ["Ile klastrów ma status KKK?"], index)
    assert question.is_follow_up and question.follow_up == "A ile z nich ma siedzibę na Śląsku?"
    assert question.query.startswith("Ile klastrów ma status KKK?")
    assert any("śląsk" in option for key in question.needs.keys for option in key)  # the added region must be found


def test_years_and_names_become_hard_keys(index):
    question = Question.read("Ile klastrów działało w 2015 roku na Mazowszu?", None, index)
    assert question.needs.years == {"2015"}
    assert {"mazowsze"} in question.needs.keys
