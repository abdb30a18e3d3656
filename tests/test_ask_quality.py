"""What the answerer must get right beyond the plain figure: tables, lists, summaries, years,
English terms, and the questions the report does not answer (real store, real embedder)."""

from __future__ import annotations

import re

import pytest


def has_figure(text: str, figure: str) -> bool:
    return re.search(rf"(?<![\d,.]){re.escape(figure)}(?![\d]|[,.]\d)", text) is not None


def test_table_indicator_is_answered_from_its_own_row(assistant):
    answer = assistant.ask("Jaką wartość korelacji podaje tabela 1 dla publicznych inwestycji w B+R?")
    assert not answer.refused and answer.citations, answer.answer
    assert has_figure(answer.answer, "0.1374"), answer.answer
    assert answer.citations[0].page == 8 and answer.citations[0].quote.startswith("Tabela 1")


def test_list_item_is_quoted_with_its_lead_in(assistant):
    answer = assistant.ask("Jaki odsetek członków klastrów to mikroprzedsiębiorstwa?")
    assert has_figure(answer.answer, "37"), answer.answer
    quotes = [c.quote for c in answer.citations if "37%" in c.quote]
    assert quotes, [c.quote for c in answer.citations]
    quote = quotes[0]
    assert quote.startswith("Struktura wg wielkości") and "• Mikroprzedsiębiorstwa: 37%" in quote


def test_summary_figure_also_cites_the_sourced_sentence(assistant):
    answer = assistant.ask("Ile klastrów w Polsce ma status KKK? Chodzi mi o liczbę podaną w streszczeniu.")
    assert has_figure(answer.answer, "18")
    assert {3, 5} <= {c.page for c in answer.citations}
    assert any(5 in c.footnotes for c in answer.citations)  # the gov.pl list, not only the uncited summary


def test_sentences_after_the_last_marker_keep_its_source(assistant):
    answer = assistant.ask("What GDP gain and how many new jobs does the Basque Net-Zero super cluster expect?")
    assert not answer.refused
    assert has_figure(answer.answer, "2–3") or has_figure(answer.answer, "2-3")
    assert any(48 in c.footnotes for c in answer.citations)


def test_year_question_gets_a_year(assistant):
    answer = assistant.ask("In what year was the French competitiveness-cluster initiative launched?")
    assert has_figure(answer.answer, "2004"), answer.answer
    answer = assistant.ask("Jakie lata obejmuje faza V francuskiej polityki klastrowej?")
    assert "2023-2026" in answer.answer, answer.answer


def test_english_terms_and_place_names_translate(assistant):
    answer = assistant.ask("How many business support institutions are cluster members, "
                           "and by how many did their number increase?")
    assert has_figure(answer.answer, "265") and has_figure(answer.answer, "83"), answer.answer
    answer = assistant.ask("Ile organizacji klastrowych działa obecnie w Unii Europejskiej?")  # the report writes "UE"
    assert has_figure(answer.answer, "1 200"), answer.answer


@pytest.mark.parametrize("question,why", [
    ("Which two voivodeships have no active cluster at all?", "the report names none"),
    ("What percentage of Polish clusters use cloud computing?", "cloud computing has no figure"),
    ("Jaki jest roczny budżet polskiego programu wsparcia Krajowych Klastrów Kluczowych?",
     "only the French budget is given"),
])
def test_near_miss_questions_are_refused(assistant, question, why):
    answer = assistant.ask(question)
    assert answer.refused, f"{why}: {answer.answer}"
    assert answer.see_also  # the closest passages, offered as "see also"


def test_change_between_editions_uses_the_baseline_year(assistant):
    answer = assistant.ask("Jak zmieniła się średnia liczba członków klastra między edycją 2022 a 2024 Benchmarkingu?")
    assert has_figure(answer.answer, "117,7") and has_figure(answer.answer, "102,6"), answer.answer


def test_follow_up_answers_what_it_adds(assistant):
    answer = assistant.ask("A ile z nich ma status KKK?", history=["Ile klastrów działa w Polsce?"])
    assert has_figure(answer.answer, "18") and any(5 in c.footnotes for c in answer.citations)
