"""Asking the real store: figures, footnotes, pages, refusals, follow-ups, bad input, JSON contract.

Expected figures, footnotes and pages are read in the report (tests/fixtures/raport-klastry.txt).
The command line is called in-process (`assistant.cli.main`); tests/test_cli.py runs it as a program.
"""

from __future__ import annotations

import json
import re

import pytest

from assistant import QuestionError
from assistant.cli import main as cli_main

FIGURE_QUESTIONS = [
    ("Ile klastrów ma status Krajowego Klastra Kluczowego?", "18", 5, 5),
    ("Ile wynosi średnie zatrudnienie w podmiotach będących członkami klastrów?", "25 863", 9, 6),
    ("Ile staży zrealizowano w klastrach objętych benchmarkingiem?", "1 642", 9, 6),
    ("O ile wyższe są średnie wynagrodzenia w klastrach niż średnia krajowa?", "11", 30, 11),
    ("Ile klastrów certyfikowano we Francji w fazie V?", "55", None, 19),
]


def figures_in(text: str) -> set[str]:
    return {re.sub(r"\s", "", m) for m in re.findall(r"\d+(?:[ ,.]\d+)*", text)}


@pytest.mark.parametrize("question,figure,footnote,page", FIGURE_QUESTIONS)
def test_figure_footnote_and_page(assistant, question, figure, footnote, page):
    answer = assistant.ask(question)
    assert not answer.refused, answer.answer
    assert re.search(rf"(?<![\d,]){re.escape(figure)}(?![\d]|,\d)", answer.answer), answer.answer
    assert any(c.page == page for c in answer.citations), [c.page for c in answer.citations]
    if footnote:
        assert any(footnote in c.footnotes for c in answer.citations)


def test_kkk_answer_never_says_185_and_cites_the_gov_list(assistant):
    answer = assistant.ask("Ile klastrów ma status Krajowego Klastra Kluczowego?")
    assert "185" not in answer.answer
    cited = [s for c in answer.citations for s in c.sources if s.footnote == 5]
    assert cited and cited[0].url == "https://www.gov.pl/web/rozwoj-technologia/lista-kkk"


def test_every_figure_in_the_answer_is_in_a_cited_quote(assistant):
    for question, figure, *_ in FIGURE_QUESTIONS:
        answer = assistant.ask(question)
        assert not answer.refused and answer.citations, (question, answer.answer)
        quoted = set().union(*(figures_in(c.quote) for c in answer.citations))
        shown = figures_in(re.sub(r"\[\d+\]", "", answer.answer))
        assert re.sub(r"\s", "", figure) in shown, (question, shown)  # the check below has figures to check
        assert shown <= quoted, (question, shown - quoted)


def test_english_question_finds_polish_passage(assistant):
    answer = assistant.ask("How many clusters have the status of National Key Cluster (KKK)?")
    assert answer.language == "en" and not answer.refused
    # English framing, sure or to check (issue 25)
    assert answer.answer.startswith(("According to the report", "The closest the report comes")), answer.answer
    assert "18" in figures_in(answer.answer)
    assert any("Krajowego Klastra Kluczowego" in c.quote for c in answer.citations)  # quotes stay Polish


@pytest.mark.parametrize("question", [
    "Ile klastrów działa w Niemczech?",
    "Jaki był PKB Polski w 2025 roku?",
    "Podaj przepis na pierogi ruskie.",
    "What will the weather be like in Warsaw tomorrow?",
])
def test_out_of_scope_is_refused_with_see_also(assistant, question):
    answer = assistant.ask(question)
    assert answer.refused, answer.answer
    assert answer.citations == []  # nothing is offered as the answer...
    assert answer.answer in ("Raport nie podaje tej informacji.", "The report does not say.")
    assert answer.see_also, "a refusal lists the closest passages as 'see also'"  # ...the closest passages apart
    assert all(c.quote.strip() and 1 <= c.page <= 22 for c in answer.see_also)
    assert answer.missing  # and says what the report lacks


def test_follow_up_resolves_against_history(assistant):
    # page 19: "W fazie V certyfikowano 55 klastrów, skupiających ponad 18,5 tys. przedsiębiorstw"
    follow_up, history = "A ile przedsiębiorstw skupiają?", ["Ile klastrów certyfikowano we Francji w fazie V?"]
    answer = assistant.ask(follow_up, history=history)
    assert not answer.refused, answer.answer
    assert answer.citations[0].page == 19 and "18,5 tys." in answer.citations[0].quote, answer.answer
    alone = assistant.ask(follow_up)
    assert alone.answer != answer.answer, "the history changed nothing: this test would prove nothing"


@pytest.mark.parametrize("bad,message", [
    ("", "empty"), ("   \n ", "empty"), ("x" * 2001, "too long"), ("Ile\x00 klastrów?", "control characters"),
])
def test_bad_questions_get_one_clear_error(assistant, bad, message):
    with pytest.raises(QuestionError, match=message):
        assistant.ask(bad)


def test_streaming_yields_only_text_then_holds_the_answer(assistant):
    stream = assistant.ask_stream("Ile klastrów ma status Krajowego Klastra Kluczowego?")
    pieces = list(stream)
    assert len(pieces) > 3 and all(isinstance(p, str) for p in pieces)
    assert "".join(pieces).strip() == stream.answer.answer and "18" in stream.answer.answer
    assert not stream.replaced


def test_json_contract_field_by_field(built_store, capsys):
    corpus, store = built_store
    code = cli_main(["ask", "--json", "--store", str(store), "Ile klastrów ma status Krajowego Klastra Kluczowego?"])
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert code == {"sure": 0, "check": 3}[data["outcome"]], err  # a sure answer or a passage to check
    assert data["language"] == "pl" and data["refused"] is False and data["mode"] == "extractive"
    assert 0 < data["confidence"] <= 1
    assert isinstance(data["latency_ms"], float)
    assert data["citations"] and data["contexts"], data["answer"]
    assert any(c["sources"] for c in data["citations"])  # footnote 5, the gov.pl list, at least
    for citation in data["citations"]:
        assert set(citation) >= {"marker", "doc", "title", "page", "section", "quote", "footnotes", "sources"}
        assert f"[{citation['marker']}]" in data["answer"]
        for source in citation["sources"]:
            assert set(source) >= {"footnote", "id", "reference", "url", "doi"}
            assert source["footnote"] in citation["footnotes"]
    for context in data["contexts"]:
        assert set(context) >= {"chunk_id", "doc", "page", "section", "text", "score"}


def test_cli_errors_are_one_line_without_traceback(built_store, tmp_path, capsys):
    corpus, store = built_store
    assert cli_main(["ask", "", "--store", str(store)]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("error: ") and err.count("\n") == 1 and "empty" in err and not out
    assert cli_main(["ask", "Ile?", "--store", str(tmp_path / "none")]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("error: ") and err.count("\n") == 1 and "python -m ingest" in err
    assert "Traceback" not in err and not out
