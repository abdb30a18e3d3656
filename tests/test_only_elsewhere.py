"""A fact only another document states is shown, to check (issue 26, report_first.only_elsewhere): the report's
closest passage misses what the question asks, the document's passage says it; a report question whose figure the
document restates differently is still answered from the report.

A real store: the real report plus a survey summary written here (MADE UP for these tests); the questions are
written here, not taken from eval/.
"""

from __future__ import annotations

import pytest
from conftest import assistant_beside

from assistant.types import Outcome

REPORT = "raport-klastry.pdf"
SURVEY = "ankieta-koordynatorow.md"
SURVEY_TEXT = """# Podsumowanie ankiety wśród koordynatorów klastrów (zmyślony dokument testowy)

To zmyślone podsumowanie napisane na potrzeby testów.

## Kadry

Program mentoringu dla młodych inżynierów prowadzi 11 klastrów, a uczestniczy w nim 230 osób.
Wspólną szkołę letnią dla studentów organizuje 6 klastrów.

## Klastry w liczbach

Według ankiety status Krajowego Klastra Kluczowego ma 21 klastrów.
"""


@pytest.fixture(scope="module")
def beside(built_store, tmp_path_factory):
    return assistant_beside(built_store, tmp_path_factory.mktemp("only-elsewhere"), {SURVEY: SURVEY_TEXT})


def test_a_fact_only_the_document_states_is_shown_to_check(assistant, beside):
    question = "Ile klastrów prowadzi program mentoringu dla młodych inżynierów?"
    alone = assistant.ask(question)
    assert alone.refused or "11" not in alone.answer  # the report does not say it
    answer = beside.ask(question)
    assert not answer.refused and answer.outcome == Outcome.CHECK
    assert answer.citations[0].doc == SURVEY and "11 klastrów" in answer.answer
    assert SURVEY in answer.answer  # the framing names the document, not the report


def test_a_figure_the_report_states_stays_the_reports(beside):
    answer = beside.ask("Ile klastrów ma status Krajowego Klastra Kluczowego?")
    assert {c.doc for c in answer.citations} == {REPORT} and "18" in answer.answer
    assert "21" not in answer.answer
