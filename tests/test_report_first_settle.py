"""Report first when the report's passage is weak (issue 26, assistant/answer/report_first.py): a report question
whose report passage falls below the refusal level shows that passage to check, never another document's
different figure as the answer; a report passage to check keeps its place beside a note's facts.

A real store: the real report plus documents written here (MADE UP for these tests): an English draft restating
the report's Polish correlations with another GDP figure, and a team note with facts the report never states.
The questions are written here, not taken from eval/.
"""

from __future__ import annotations

import pytest
from conftest import assistant_beside

from assistant.types import Outcome

REPORT = "raport-klastry.pdf"
DRAFT = "draft-2023-en.md"
DRAFT_TEXT = """# Clusters - working draft 2023 (made-up test document)

A made-up draft written for tests; its figures are outdated.

## Correlations

Cluster presence shows positive correlations with GDP per capita (0.1719), the employment rate (0.1456) and labour
productivity (0.1411).
"""
NOTE = "notatka-zespolu.md"
NOTE_TEXT = """# Notatka z posiedzenia zespołu ds. klastrów (zmyślony dokument testowy)

To zmyślona notatka napisana na potrzeby testów.

## Zaplecze klastrów

Wspólne laboratorium badawcze dla członków prowadzi 14 klastrów objętych ankietą zespołu.
Wspólną platformę zakupu energii dla członków uruchomiło 7 klastrów.
"""
CORRELATION = "What is the correlation between cluster presence and GDP per capita?"


@pytest.fixture(scope="module")
def beside(built_store, tmp_path_factory):
    """The report with the draft and the note beside it, by an incremental ingest over a copy of `built_store`."""
    base = tmp_path_factory.mktemp("report-first-settle")
    return assistant_beside(built_store, base, {DRAFT: DRAFT_TEXT, NOTE: NOTE_TEXT})


def test_a_report_question_refused_alone_shows_the_reports_passage_not_the_drafts_figure(assistant, beside):
    """The report alone refuses (its correlations sentence is judged below the refusal level); beside the draft,
    the draft's 0.1719 is never the answer: the report's sentence is shown to check, the draft's figure under it."""
    from assistant.answer.citations import other_value_line

    assert assistant.ask(CORRELATION).refused
    answer = beside.ask(CORRELATION)
    assert not answer.refused and answer.outcome == Outcome.CHECK
    assert {c.doc for c in answer.citations} == {REPORT}
    assert "0,1519" in answer.answer and "0.1719" not in answer.answer
    assert [v.doc for v in answer.other_values] == [DRAFT] and "0.1719" in answer.other_values[0].figures
    assert other_value_line(answer.other_values[0], "en").startswith(f"Another value in document {DRAFT}:")


def test_the_draft_still_answers_when_the_filter_chooses_it(beside):
    answer = beside.ask(CORRELATION, docs=[DRAFT])
    assert answer.citations[0].doc == DRAFT and "0.1719" in answer.answer


def test_a_report_passage_holding_the_question_keeps_its_place(assistant, beside):
    """A question the report's passage to check covers word for word: the note's facts do not push it out."""
    question = "Jaka jest korelacja obecności klastrów z PKB per capita?"
    alone, answer = assistant.ask(question), beside.ask(question)
    assert (answer.answer, answer.outcome, answer.confidence) == (alone.answer, alone.outcome, alone.confidence)
