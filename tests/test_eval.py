"""The evaluation harness end to end, and the gate on the full question set.

The quality gate of issue 4 runs with the whole suite (alone: `pytest -m gate`). It asks every
question of eval/questions.yaml in-process, against the session store that tests/conftest.py
builds from the real report, and fails below the floors of issue 4.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from eval.__main__ import main as eval_main
from eval.harness import (
    DEFAULT_QUESTIONS,
    EvalRun,
    QuestionFileError,
    headline,
    load_questions,
    run_eval,
    score_all,
)
from eval.report import write_report
from eval.thresholds import GATE

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------- the gate


@pytest.fixture(scope="module")
def full_run(built_store, assistant, tmp_path_factory) -> EvalRun:
    from assistant.settings import Settings

    corpus, store = built_store
    out = tmp_path_factory.mktemp("eval")
    return run_eval(DEFAULT_QUESTIONS, settings=Settings.load(corpus_dir=corpus, store_dir=store),
                    out=out / "results.jsonl", report_dir=out / "report", show_progress=False, assistant=assistant)


@pytest.mark.eval
@pytest.mark.gate
def test_evaluation_gate(full_run, capsys):
    numbers = headline(full_run)
    with capsys.disabled():
        print("\neval headline: " + ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                                             for k, v in numbers.items()))
        print(f"eval report: {full_run.report_dir / 'report.html'}")
    failing = [f"{s['id']} [{s['cause']}] {'; '.join(s['reasons'])}" for s in full_run.scores if not s["passed"]]
    below = full_run.gate_failures()
    assert not below, "evaluation gate: " + "; ".join(below) + "\nfailing questions:\n" + "\n".join(failing[:40])


@pytest.mark.eval
def test_full_run_writes_results_and_report(full_run):
    lines = full_run.results_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(full_run.questions) == len(load_questions(DEFAULT_QUESTIONS))
    first = json.loads(lines[0])
    assert first["id"] == full_run.questions[0]["id"]
    assert {"question", "language", "answer", "refused", "citations", "contexts", "latency_ms"} <= set(first)
    assert (full_run.report_dir / "report.html").stat().st_size > 10_000
    assert full_run.metrics["errors"] == 0


# ---------------------------------------------------------------- question file


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_filled(tmp_path):
    """Unknown keys are errors now (tests/test_eval_schema.py has the table of malformed files)."""
    path = write(tmp_path / "q.yaml", '- id: a1\n  question: "Ile KKK?"\n'
                                      '- id: a2\n  question: "x"\n  expect_figures: ["18", ["84", "84 klastry"]]\n')
    first, second = load_questions(path)
    assert first["history"] == [] and first["expect_figures"] == [] and first["expect_refusal"] is False
    assert second["expect_figures"] == [["18"], ["84", "84 klastry"]]


@pytest.mark.parametrize("text, message", [
    (None, "no such question file"),
    ("- id: a\n  question: [x\n", "malformed YAML"),
    ("- a\n- b\n", "must be a mapping with `id` and `question`"),
    ("- id: a\n", "has no `question`"),
    ("- id: a\n  question: x\n- id: a\n  question: y\n", "duplicate id"),
])
def test_bad_question_files_give_one_line_errors(tmp_path, capsys, text, message):
    path = tmp_path / "q.yaml"
    if text is not None:
        write(path, text)
    with pytest.raises(QuestionFileError, match=re.escape(message)):
        load_questions(path)
    assert eval_main(["run", "--questions", str(path), "--report", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_the_real_question_file_loads():
    questions = load_questions(DEFAULT_QUESTIONS)
    assert len(questions) >= 120 and all(q["id"] and q["question"] for q in questions)


# ---------------------------------------------------------------- report on synthetic results


def synthetic_run(tmp_path) -> EvalRun:
    questions = load_questions(write(tmp_path / "q.yaml", """
- id: s1
  question: "Ile KKK?"
  section: "3. Klastry w Polsce w liczbach"
  expect_figures: [["18"]]
  forbid_figures: ["185"]
  expect_footnotes: [5]
  expect_pages: [5]
- id: s2
  question: "Pogoda?"
  expect_refusal: true
- id: s3
  question: "Ilu członków <b>ma</b> klaster?"
  section: "3. Klastry w Polsce w liczbach"
  expect_figures: [["117,7"]]
  expect_footnotes: [7]
"""))
    quote = "Według stanu na 31 grudnia 2025 r. było ich 18."
    results = [
        {"id": "s1", "question": "Ile KKK?", "language": "pl", "answer": f"„{quote}” [1]", "refused": False,
         "citations": [{"marker": 1, "doc": "r.pdf", "page": 5, "quote": quote, "footnotes": [5], "sources": []}],
         "contexts": [{"text": quote}], "latency_ms": 12.0},
        {"id": "s2", "question": "Pogoda?", "language": "pl", "answer": "Raport nie podaje tej informacji.",
         "refused": True, "citations": [], "contexts": [], "latency_ms": 8.0},
        {"id": "s3", "question": "Ilu?", "language": "pl", "answer": "Raport nie podaje tej informacji.",
         "refused": True, "citations": [], "contexts": [{"text": "średnio 117,7 członków"}], "latency_ms": 30.0},
    ]
    scores, metrics = score_all(questions, results, {("r.pdf", 5): "kkk"}, k=6)
    baseline = {"k": 4, "chunks": 3, "questions": 2, "build_s": 0.1, "seconds": 0.2, "retrieval_recall_at_k": 0.5,
                "mrr_at_k": 0.25, "rows": [{"id": "s1", "hit": True, "rank": 2, "rr": 0.5, "pages": [5]},
                                          {"id": "s3", "hit": False, "rank": None, "rr": 0.0, "pages": [3]}]}
    return EvalRun(questions, results, scores, metrics, baseline, {"questions_file": "q.yaml", "when": "now"},
                   thresholds=list(GATE))


def test_report_is_self_contained_with_failures_first(tmp_path):
    run = synthetic_run(tmp_path)
    paths = write_report(run, tmp_path / "report")
    page = paths["html"].read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == 3
    assert not re.search(r'(src|href)="(?!data:)', page)  # no external assets
    assert "&lt;b&gt;ma&lt;/b&gt;" in page and "<b>ma</b>" not in page  # question text is escaped
    assert page.index(">s3<") < page.index(">s1<")  # the failing question comes first
    markdown = paths["markdown"].read_text(encoding="utf-8")
    assert "| Figure accuracy | 0.500 (1/2) | – | ≥ 0.85 FAIL |" in markdown
    assert "| Retrieval recall@4 | 1.000 (2/2) | 0.500 (1/2) |" in markdown
    assert "refusal error: 1" in markdown
    for name in ("accuracy_by_section.png", "latency.png", "retrieval.png"):
        assert (tmp_path / "report" / name).read_bytes().startswith(b"\x89PNG")
    saved = json.loads(paths["metrics"].read_text(encoding="utf-8"))
    assert saved["assistant"]["refusal_recall"] == 1.0 and saved["baseline"]["mrr_at_k"] == 0.25


def test_gate_failures_are_named(tmp_path):
    run = synthetic_run(tmp_path)
    failures = run.gate_failures()
    assert any(f.startswith("figure_accuracy") for f in failures)
    assert not any(f.startswith("refusal_recall") for f in failures)
    assert {t.metric for t in GATE} >= {"figure_accuracy", "footnote_recall", "refusal_recall", "errors"}


def test_a_crashed_question_is_an_error_not_a_refusal_and_fails_the_gate(tmp_path):
    run = synthetic_run(tmp_path)
    results = [r if r["id"] != "s2" else {"id": "s2", "question": "Pogoda?", "refused": True,
                                          "answer": "Raport nie podaje tej informacji.",
                                          "error": "RuntimeError: the store went away"} for r in run.results]
    scores, metrics = score_all(run.questions, results, {("r.pdf", 5): "kkk"}, k=6)
    crashed = next(s for s in scores if s["id"] == "s2")
    assert crashed["refused"] is False and crashed["cause"] == "error" and not crashed["passed"]
    assert metrics["errors"] == 1 and metrics["refusal_recall"] == 0.0  # s2 should be refused; it crashed
    failures = EvalRun(run.questions, results, scores, metrics, thresholds=list(GATE)).gate_failures()
    assert "errors 1 > 0 (questions that crashed)" in failures
    assert any(f.startswith("refusal_recall") for f in failures)


def test_eval_run_exits_non_zero_when_only_the_error_gate_fails(built_store, tmp_path, monkeypatch, capsys):
    """`python -m eval run` in-process over the session store: two questions answered right, one that
    crashes (a question of a zero-width space alone raises QuestionError inside the run). Every quality floor is met, so
    the non-zero exit comes from the error alone."""
    corpus, store = built_store
    monkeypatch.setenv("KLASTRY_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("KLASTRY_STORE_DIR", str(store))
    questions = write(tmp_path / "q.yaml", """
- id: kkk
  question: "Ile klastrów ma status Krajowego Klastra Kluczowego?"
  expect_figures: [["18"]]
  expect_footnotes: [5]
  expect_pages: [5]
- id: weather
  question: "Jaka będzie jutro pogoda w Warszawie?"
  expect_refusal: true
- id: crash
  question: "\u200b"
""")
    code = eval_main(["run", "--questions", str(questions), "--out", str(tmp_path / "results.jsonl"),
                      "--report", str(tmp_path / "report"), "--json", "--gate"])
    printed = json.loads(capsys.readouterr().out)["assistant"]
    assert printed["errors"] == 1 and printed["failure_causes"] == {"error": 1}
    assert printed["figure_accuracy"] == printed["footnote_recall"] == printed["refusal_recall"] == 1.0
    assert printed["hallucinated_figures"] == 0 and printed["false_refusals"] == 0
    assert code == 1
    rows = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    crash = next(r for r in rows if r["id"] == "crash")
    assert crash["error"].startswith("QuestionError") and "refused" not in crash
    assert crash["pass"] is False and crash["reasons"][0].startswith("error: QuestionError")
    assert next(r for r in rows if r["id"] == "kkk")["pass"] is True  # each line says pass and why not
    capsys.readouterr()
    ungated = eval_main(["run", "--questions", str(questions), "--report", str(tmp_path / "plain")])
    assert ungated == 0 and "gate: not applied" in capsys.readouterr().out  # a tester's file: scored, not gated


def test_rescoring_saved_results(tmp_path, capsys):
    run = synthetic_run(tmp_path)
    results = tmp_path / "results.jsonl"
    results.write_text("".join(json.dumps(r) + "\n" for r in run.results), encoding="utf-8")
    code = eval_main(["report", "--results", str(results), "--questions", str(tmp_path / "q.yaml"),
                      "--report", str(tmp_path / "again"), "--json"])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["assistant"]["questions"] == 3 and (tmp_path / "again" / "report.html").exists()


def test_pass_rates_are_broken_down_by_the_files_category_and_language(tmp_path):
    """Testers read held-out sets only through these aggregates, so a file's own `category` and
    `language` fields must reach them (not fall into "(none)")."""
    questions = load_questions(write(tmp_path / "q.yaml", """
- id: a
  question: "Ile KKK?"
  language: pl
  category: figure
  expect_figures: [["18"]]
- id: b
  question: "How many clusters are there in Japan?"
  language: en
  category: unanswerable_country
  expect_refusal: true
"""))
    results = [
        {"id": "a", "question": "Ile KKK?", "answer": "„Było ich 18.” [1]", "refused": False,
         "citations": [{"marker": 1, "doc": "r.pdf", "page": 5, "quote": "Było ich 18.", "footnotes": [],
                        "sources": []}], "contexts": [], "latency_ms": 5.0},
        {"id": "b", "question": "Japan?", "answer": "„Było ich 18.” [1]", "refused": False,
         "citations": [], "contexts": [], "latency_ms": 5.0},
    ]
    _, metrics = score_all(questions, results, {}, k=6)
    assert metrics["by_category"]["figure"]["pass_rate"] == 1.0
    assert metrics["by_category"]["unanswerable_country"]["pass_rate"] == 0.0
    assert set(metrics["by_lang"]) == {"pl", "en"}
