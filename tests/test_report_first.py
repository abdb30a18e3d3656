"""Report first (issue 26): other documents beside the report never push its answers out.

A real store: the real report, the MADE-UP cited works of tests/fixtures/sources/ (the Panorama excerpt gives
1,500 EU cluster organisations where the report says ok. 1 200) and an older draft written here that
restates two of the report's figures differently. The questions are written here, not taken from eval/.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.errors import QuestionError

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "sources"
PANORAMA = "sources/panorama-2024-excerpt.txt"
DRAFT = "szkic-2021.md"
DRAFT_TEXT = """# Klastry w Polsce – szkic roboczy 2021 (dokument testowy)

To zmyślony szkic roboczy napisany na potrzeby testów.

## Klastry w liczbach

W Polsce działało wtedy 70 aktywnych klastrów, a status Krajowego Klastra Kluczowego miało 15 z nich.
Według stanu z tego szkicu było ich 15.
"""
KKK = "Ile klastrów ma status Krajowego Klastra Kluczowego?"


@pytest.fixture(scope="module")
def mixed_store(built_store, tmp_path_factory) -> tuple[Path, Path]:
    """The report, the made-up cited works and the draft, by an incremental ingest over a copy."""
    from assistant.settings import Settings
    from ingest.pipeline import run_ingest

    corpus, store = built_store
    base = tmp_path_factory.mktemp("report-first")
    shutil.copytree(corpus, base / "corpus")
    shutil.copytree(store, base / "store")
    (base / "corpus" / "sources").mkdir()
    for name in ("panorama-2024-excerpt.txt", "chatterji-2014-notes.md", "sources.toml"):
        shutil.copy(FIXTURES / name, base / "corpus" / "sources" / name)
    (base / "corpus" / DRAFT).write_text(DRAFT_TEXT, encoding="utf-8")
    summary = run_ingest(Settings.load(corpus_dir=base / "corpus", store_dir=base / "store"))
    assert not summary.skipped, summary.skipped
    return base / "corpus", base / "store"


@pytest.fixture(scope="module")
def mixed(mixed_store):
    from assistant import Assistant, Settings

    corpus, store = mixed_store
    return Assistant.load(Settings.load(corpus_dir=corpus, store_dir=store))


def test_the_report_answers_first_beside_a_contradicting_document(mixed):
    answer = mixed.ask(KKK)
    assert not answer.refused
    assert answer.citations[0].doc == "raport-klastry.pdf"
    assert "18" in answer.answer and "15" not in answer.answer.replace("2015", "")
    assert all(c.doc == "raport-klastry.pdf" for c in answer.citations)
    for value in answer.other_values:  # another document's figure is said under the answer, never in it
        assert value.doc != "raport-klastry.pdf" and value.figures
        assert not set(value.figures) & {"18"}


def test_another_value_is_shown_under_the_answer_in_json_and_text(mixed):
    from assistant.answer.citations import other_value_line

    answer = mixed.ask("Ile organizacji klastrowych działa w UE?")
    assert answer.citations[0].doc == "raport-klastry.pdf" and "1 200" in answer.answer
    data = answer.to_dict()
    assert "other_values" in data
    values = {v["doc"]: v for v in data["other_values"]}
    if PANORAMA in values:  # the Panorama excerpt says 1,500 for the same thing
        assert "1,500" in values[PANORAMA]["quote"]
        assert other_value_line(answer.other_values[0], "pl").startswith("Inna wartość w dokumencie")
        assert "1,500" not in answer.answer


def test_a_named_source_is_answered_from_its_own_text(mixed):
    answer = mixed.ask("According to the European Cluster Panorama, how many cluster organisations are active "
                       "in the EU?")
    assert not answer.refused
    assert answer.citations[0].doc == PANORAMA
    assert "1,500" in answer.answer
    assert PANORAMA in answer.answer  # the framing names the document, not "the report"


@pytest.mark.parametrize("question", [
    "Według Kramera i współautorów, ile organizacji klastrowych działa w UE?",  # an author, Polish, English text
    "Co podaje Panorama o liczbie organizacji klastrowych w UE?",  # the title's telling word, capitalised
    "Przypis 4: ile organizacji klastrowych działa w UE?",  # the footnote that cites the work
])
def test_a_work_named_any_way_is_answered_from_its_english_text(mixed, question):
    answer = mixed.ask(question)
    assert not answer.refused, answer.answer
    assert answer.citations[0].doc == PANORAMA
    assert "1,500" in answer.answer and "1 200" not in answer.answer


@pytest.mark.parametrize("question", ["How many cluster organisations are active in the European Union?",
                                      "Ile organizacji klastrowych działa w Unii Europejskiej?",
                                      "What does cluster policy research say about wages?"])
def test_a_question_naming_no_work_is_never_answered_from_one(mixed, question):
    """"European Union" and "Research Policy" are words of the works' first lines, but the report says them too
    (in Polish): they name no document."""
    assert mixed.extractive.documents().named_in(question) == set()
    assert "1,500" not in mixed.ask(question).answer


def test_the_document_filter_keeps_to_the_documents_named(mixed):
    only_report = mixed.ask("Ile organizacji klastrowych działa w UE?", docs=["raport"])
    assert {c.doc for c in only_report.citations} == {"raport-klastry.pdf"}
    assert only_report.other_values == []
    only_panorama = mixed.ask("How many cluster organisations are active in the EU?", docs=[PANORAMA])
    assert {c.doc for c in only_panorama.citations} <= {PANORAMA}
    assert {c.doc for c in only_panorama.contexts} == {PANORAMA}
    with pytest.raises(QuestionError, match="unknown document 'nie-ma.pdf'; accepted: raport, all, "):
        mixed.ask(KKK, docs=["nie-ma.pdf"])


def test_the_retriever_takes_a_document_filter(mixed):
    documents = mixed.retriever(k=4, docs=[PANORAMA]).invoke("cluster organisations in the EU")
    assert documents and {d.metadata["doc"] for d in documents} == {PANORAMA}
    everything = mixed.retriever(k=8).invoke("cluster organisations in the EU")
    assert "raport-klastry.pdf" in {d.metadata["doc"] for d in everything}
    with pytest.raises(QuestionError, match="accepted: "):
        mixed.retriever(docs=["unknown"])


def test_the_json_api_takes_docs(mixed):
    from assistant.web.handlers import Backend, answer_json

    backend = Backend.of(mixed)
    data = answer_json(backend, "Ile organizacji klastrowych działa w UE?", None, ["raport"])
    assert {c["doc"] for c in data["citations"]} == {"raport-klastry.pdf"} and data["other_values"] == []
    with pytest.raises(QuestionError, match="unknown document"):
        answer_json(backend, KKK, None, ["brak"])
    with pytest.raises(QuestionError, match="docs must be a list"):
        answer_json(backend, KKK, None, "raport")


def run_cli(store: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args, "--store", str(store)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_cli_doc_option_and_sources_names(mixed_store):
    _, store = mixed_store
    listed = run_cli(store, "sources")
    assert listed.returncode == 0 and "names for --doc: raport, all, raport-klastry.pdf" in listed.stdout
    assert PANORAMA in listed.stdout.split("names for --doc:")[1].splitlines()[0]
    filtered = run_cli(store, "ask", "How many cluster organisations are active in the EU?", "--doc", PANORAMA,
                       "--json")
    assert filtered.returncode in (0, 1, 3), filtered.stderr
    assert {c["doc"] for c in json.loads(filtered.stdout)["citations"]} <= {PANORAMA}
    unknown = run_cli(store, "ask", KKK, "--doc", "raport", "--doc", "nie-ma.pdf")
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr.strip().splitlines() == [unknown.stderr.strip()]  # one line
    assert unknown.stderr.startswith("error: unknown document 'nie-ma.pdf'; accepted: raport, all,")


def test_the_web_api_answers_from_the_documents_chosen(mixed_store, tmp_path):
    """The real `python ui.py`: /answer_docs takes the filter, /answer keeps its two inputs."""
    from gradio_client import Client
    from test_ui_api import start_ui, stop_ui

    app = start_ui(*mixed_store, tmp_path)
    try:
        client = Client(app.url, analytics_enabled=False, verbose=False)
        only_report = client.predict("Ile organizacji klastrowych działa w UE?", [], ["raport"],
                                     api_name="/answer_docs")
        assert {c["doc"] for c in only_report["citations"]} == {"raport-klastry.pdf"}
        assert only_report["other_values"] == []
        assert client.predict(KKK, [], api_name="/answer")["citations"][0]["doc"] == "raport-klastry.pdf"
        with pytest.raises(Exception, match="unknown document 'brak'"):
            client.predict(KKK, [], ["brak"], api_name="/answer_docs")
    finally:
        stop_ui(app)


def test_a_cited_work_without_its_text_is_answered_from_the_report_citing_it(assistant):
    answer = assistant.ask("Co piszą Delgado, Porter i Stern o produktywności?")
    assert not answer.refused
    assert answer.answer.startswith("Pełnego tekstu tego źródła nie ma w indeksie; odpowiadają zdania raportu")
    cited = [s.reference for c in answer.citations for s in c.sources]
    assert cited and all(c.doc == "raport-klastry.pdf" for c in answer.citations)
    assert any(r.startswith("Delgado, M., Porter, M. E., & Stern, S.") for r in cited)
