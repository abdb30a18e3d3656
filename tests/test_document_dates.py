"""A year of another document's first lines names it with its other words (issue 26, Documents.years_of): a question
naming a note by its subject and the year its first line gives is answered from a sentence pages later that does
not repeat the year; a question naming no document keeps its year as a condition.

A real store: the real report plus a note written here (MADE UP for these tests); the questions are written here,
not taken from eval/.
"""

from __future__ import annotations

import pytest
from conftest import assistant_beside

NOTE = "spotkanie-regionalne.txt"
NOTE_TEXT = """Notatka ze spotkania klastrów regionu – plany na 2027 rok (zmyślony dokument testowy)

To zmyślona notatka napisana na potrzeby testów. Sporządził sekretarz zespołu.

1. Uczestnicy i porządek

Spotkanie otworzył przewodniczący zespołu, który przedstawił porządek obrad i przypomniał ustalenia z poprzedniego
posiedzenia. Omówiono stan realizacji wspólnych projektów szkoleniowych, współpracę z uczelniami regionu oraz
propozycje zmian w zasadach naboru nowych członków. Przedstawiciele samorządu opisali przygotowania do nowej
perspektywy finansowej i zapowiedzieli konsultacje dokumentów programowych w drugim kwartale. Koordynatorzy
zgłosili potrzebę uproszczenia sprawozdawczości i lepszego dostępu do danych o członkach klastrów.

2. Dyskusja

W dyskusji podkreślano znaczenie stabilnego finansowania biur koordynatorów, wspólnych misji zagranicznych oraz
wymiany doświadczeń między klastrami różnych branż. Zwrócono uwagę na rosnące koszty energii i potrzebę wspólnych
zakupów. Część uczestników zaproponowała utworzenie regionalnej platformy ogłoszeń o wolnych miejscach praktyk.
Ustalono, że szczegółowe propozycje zostaną przesłane pocztą elektroniczną do końca miesiąca.

3. Przebieg

W spotkaniu uczestniczyło 64 przedstawicieli klastrów i samorządu.
Uzgodniono przygotowanie wspólnego kalendarza targów.
"""


@pytest.fixture(scope="module")
def beside(built_store, tmp_path_factory):
    return assistant_beside(built_store, tmp_path_factory.mktemp("dates"), {NOTE: NOTE_TEXT})


def test_the_first_lines_year_names_the_note_with_its_subject(beside):
    answer = beside.ask("Ilu przedstawicieli klastrów uczestniczyło w spotkaniu regionalnym o planach na 2027 rok?")
    assert not answer.refused, answer.answer
    assert answer.citations[0].doc == NOTE and "64" in answer.answer


def test_the_report_has_no_dates_of_its_own(beside):
    documents = beside.extractive.documents()
    assert documents.years_of(NOTE) == frozenset({"2027"})
    assert documents.years_of("raport-klastry.pdf") == frozenset()
