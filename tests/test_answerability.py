"""Calibrated answerability on the real store: refuse what the report cannot answer, and say what is missing."""

import json

import pytest

from assistant.answer.answerability import FEATURES, JUDGE_FEATURES, MODEL_FILE, AnswerabilityModel


def test_the_bundled_model_matches_the_code_that_reads_it():
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert tuple(data["ranker"]["features"]) == FEATURES, "retrain: python -m eval train"
    assert tuple(data["judge"]["features"]) == JUDGE_FEATURES, "retrain: python -m eval train"
    model = AnswerabilityModel.load()
    assert 0.0 < model.threshold < 1.0 and model.second_threshold >= model.threshold
    assert data["dev_out_of_fold"]["false_refusal_rate"] <= 0.10  # the operating point chosen on dev


@pytest.mark.parametrize("question, missing", [
    ("Ile zarabia spawacz w klastrze?", "spawacz"),  # a job and a pay the report never mentions
    ("Ile kosztuje członkostwo w klastrze?", "kosztuje"),  # a cost it never gives
    ("Who is the president of PARP?", "president"),  # a person it never names
])
def test_a_question_about_something_the_report_never_measures_is_refused_naming_it(assistant, question, missing):
    answer = assistant.ask(question)
    assert answer.refused and not answer.citations
    assert missing in answer.missing
    assert answer.see_also and answer.confidence is not None and answer.confidence < 0.5


def test_a_follow_up_must_satisfy_what_it_adds(assistant):
    first = assistant.ask("Ile klastrów ma status Krajowego Klastra Kluczowego?")
    assert not first.refused and "18" in first.answer
    follow_up = assistant.ask("A ile z nich ma siedzibę na Śląsku?",
                              history=["Ile klastrów ma status Krajowego Klastra Kluczowego?"])
    assert follow_up.refused, follow_up.answer  # the report gives no KKK count per region
    assert "Talent HUB" not in follow_up.answer


def test_a_year_the_report_does_not_cover_is_never_a_sure_answer(assistant):
    """The report counts Poland's clusters for 2024, not 2010: refused, or at most the closest passage to check
    (the EU's clusters founded after 2010), never "Według raportu" (issue 25's levels, docs/understanding.md)."""
    answer = assistant.ask("Ile klastrów działało w Polsce w 2010 roku?")
    assert answer.outcome in ("refused", "check") and not answer.answer.startswith("Według raportu")
    assert "84" not in answer.answer  # the 2024 inventory is not an answer for 2010


def test_answers_carry_their_confidence_and_the_figure_first(assistant):
    answer = assistant.ask("Ile klastrów działa w województwie mazowieckim?")
    assert not answer.refused and answer.confidence >= AnswerabilityModel.load().threshold
    assert "13" in answer.citations[0].quote and answer.citations[0].page == 5
    english = assistant.ask("How many members does the Polish Construction Cluster have?")
    assert not english.refused and "501" in english.citations[0].quote
