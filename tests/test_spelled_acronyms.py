"""An acronym and its spelled-out form are one term in another document's passages (issue 26,
assistant/answer/spelled.py): a question asking about "R&D" or "B+R" is answered from a document that writes
"prace badawczo-rozwojowe", and "KIS" is not a missing word beside "Krajowa Inteligentna Specjalizacja".

A real store: the real report plus a review written here (MADE UP for these tests); the questions are written
here, not taken from eval/.
"""

from __future__ import annotations

import pytest
from conftest import assistant_beside

from assistant.answer.spelled import spelled_terms
from assistant.lemmas import tokenize

REVIEW = "przeglad-badan.md"
REVIEW_TEXT = """# Przegląd działań badawczych klastrów (zmyślony dokument testowy)

To zmyślony przegląd napisany na potrzeby testów.

## Badania

Prace badawczo-rozwojowe w zakresie technologii wodorowych prowadzi 37% klastrów objętych przeglądem.
Co najmniej jedną Krajową Inteligentną Specjalizację wskazało jako swoją 58% klastrów objętych przeglądem.
"""


@pytest.fixture(scope="module")
def beside(built_store, tmp_path_factory):
    return assistant_beside(built_store, tmp_path_factory.mktemp("spelled"), {REVIEW: REVIEW_TEXT})


@pytest.mark.parametrize("question", [
    "What share of clusters carry out R&D on hydrogen technologies?",
    "Jaki odsetek klastrów prowadzi B+R w zakresie technologii wodorowych?",
])
def test_an_acronym_is_answered_by_its_spelled_out_form(beside, question):
    answer = beside.ask(question, docs=[REVIEW])
    assert not answer.refused, answer.answer
    assert answer.citations[0].doc == REVIEW and "37%" in answer.answer


def test_the_acronym_is_no_missing_word_beside_its_spelled_out_form(beside):
    answer = beside.ask("Jaki odsetek klastrów wskazał co najmniej jedną KIS jako swoją?", docs=[REVIEW])
    assert not answer.refused and "58%" in answer.answer
    assert "kis" not in answer.missing.lower()


def test_only_a_whole_form_counts():
    assert "b+r" in spelled_terms(set(tokenize("Prace badawczo-rozwojowe prowadzi 37% klastrów")))
    assert "kis" in spelled_terms(set(tokenize("Krajowa Inteligentna Specjalizacja")))
    assert "kis" not in spelled_terms(set(tokenize("Krajowy Klaster Kluczowy")))  # two of the three words
    assert spelled_terms(set(tokenize("średnie firmy"))) == set()  # no acronym's words lent to any passage
