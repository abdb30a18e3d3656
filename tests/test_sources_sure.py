"""No confident wrong answers beside other documents (issue 26): the report's answers, sure or not, are what they
are with the report alone; another document's passage is sure only where the judge's sure level was fitted.

A real store: the real report plus documents written here (MADE UP for these tests): an older draft that restates
the report's KKK count differently, and a meeting note with a fact of its own the report never states. The
questions are written here, not taken from eval/.
"""

from __future__ import annotations

import math

import pytest
from conftest import assistant_beside

from assistant.types import Outcome

DRAFT = "szkic-2022.md"
DRAFT_TEXT = """# Klastry w Polsce – wersja robocza 2022 (zmyślony dokument testowy)

To zmyślona wersja robocza raportu, napisana na potrzeby testów; jej liczby są nieaktualne.

## Klastry w liczbach

Status Krajowego Klastra Kluczowego miało wtedy 16 klastrów.
"""
NOTE = "notatka-zespolu.md"
NOTE_TEXT = """# Notatka z posiedzenia zespołu ds. klastrów (zmyślony dokument testowy)

To zmyślona notatka napisana na potrzeby testów.

## Biura koordynatorów

Średnia roczna składka członkowska w klastrach objętych ankietą zespołu wynosi 2 400 zł.
Ankietę wypełniło 37 koordynatorów klastrów.
"""
FEE = "Ile wynosi średnia roczna składka członkowska w klastrach?"
KKK = "Ile klastrów ma status Krajowego Klastra Kluczowego?"
REPORT_QUESTIONS = [
    KKK,
    "Ile organizacji klastrowych działa w UE?",
    "O ile wyższe są wynagrodzenia w firmach należących do klastrów?",
    "What share of Polish clusters use artificial intelligence?",
    "Ile aktywnych klastrów działa w Polsce i w ilu województwach?",
    "Jaki budżet ma francuski program France 2030?",
]


@pytest.fixture(scope="module")
def beside(built_store, tmp_path_factory):
    """The report with the draft and the note beside it, by an incremental ingest over a copy of `built_store`."""
    return assistant_beside(built_store, tmp_path_factory.mktemp("sources-sure"), {DRAFT: DRAFT_TEXT, NOTE: NOTE_TEXT})


@pytest.mark.parametrize("question", REPORT_QUESTIONS)
def test_the_report_answers_beside_other_documents_as_it_does_alone(assistant, beside, question):
    """Same quotes, same confidence, same sure-or-check, whether or not other documents are indexed (their words
    once changed the report's lexical ranking and with it the judge's signals)."""
    alone = assistant.ask(question)
    for answer in (beside.ask(question, docs=["raport"]), beside.ask(question)):
        if answer.citations and answer.citations[0].doc != "raport-klastry.pdf":
            pytest.fail(f"another document answered a report question: {answer.answer}")
        assert (answer.answer, answer.outcome, answer.confidence) == (alone.answer, alone.outcome, alone.confidence)


def test_a_figure_restated_differently_keeps_the_report_answer_and_names_the_other_value(beside):
    from assistant.answer.citations import other_value_line

    answer = beside.ask(KKK)
    assert "18" in answer.answer and "16" not in answer.answer
    assert {c.doc for c in answer.citations} == {"raport-klastry.pdf"}
    assert [(v.doc, v.figures) for v in answer.other_values] == [(DRAFT, ["16"])]
    assert other_value_line(answer.other_values[0], "pl").startswith(f"Inna wartość w dokumencie {DRAFT}:")


def test_a_document_nobody_named_answers_only_as_a_passage_to_check(beside):
    """The report does not say; the note does, but the question does not name it: its passage is shown for the
    reader to check, never as a sure answer."""
    answer = beside.ask(FEE)
    assert not answer.refused and answer.citations[0].doc == NOTE and "2 400" in answer.answer
    assert answer.outcome == Outcome.CHECK
    assert answer.answer.startswith(f"Najbliższy fragment dokumentu {NOTE}")
    chosen = beside.ask(FEE, docs=[NOTE])  # chosen by the filter: judged like the report's own sentences
    assert chosen.citations[0].doc == NOTE and "2 400" in chosen.answer


def test_a_named_document_is_sure_only_by_what_the_judge_gives_before_the_boost(beside):
    answer = beside.ask("Ile wynosi średnia roczna składka członkowska według notatki zespołu?")
    assert not answer.refused and answer.citations[0].doc == NOTE and "2 400" in answer.answer
    sure_level = beside.answerability.sure_threshold
    log_odds = math.log(answer.confidence / (1 - answer.confidence)) - beside.settings.answer.named_boost
    before_boost = 1 / (1 + math.exp(-log_odds))
    assert (answer.outcome == Outcome.SURE) == (before_boost >= sure_level)
