"""A tester's question file is checked like code (issue 28): unknown keys, wrong types and non-booleans are
one-line errors naming the line, before any model loads; one source of thresholds; `eval diff`."""

from __future__ import annotations

import json
import re

import pytest

from eval.__main__ import main as eval_main
from eval.harness import EvalRun, QuestionFileError, load_questions, read_questions, score_all
from eval.report import headline_rows
from eval.thresholds import GATE, failures

GOOD = '- id: a\n  question: "Ile KKK?"\n'


def the(line: str) -> str:
    """A one-question file whose third line is `line`."""
    return "- id: a\n  question: x\n " + line


# (file text, what the one-line error must say): each a mistake a tester makes
MALFORMED = [
    (the(" expected_figures: [[\"18\"]]\n"), "line 3: unknown key `expected_figures` (did you mean `expect_figures`?)"),
    (the(" expect_figures: \"999\"\n"), "line 3: `expect_figures` must be a list of groups"),
    (the(" expect_figures: 999\n"), "line 3: `expect_figures` must be a list of groups"),
    (the(" expect_refusal: \"no\"\n"),
     "line 3: `expect_refusal` must be true or false (unquoted), got the string 'no'"),
    (the(" expect_refusal: 1\n"), "line 3: `expect_refusal` must be true or false"),
    (the(" expect_footnotes: 5\n"), "line 3: `expect_footnotes` must be a list of whole numbers"),
    (the(" expect_footnotes: [\"5\"]\n"), "line 3: `expect_footnotes` holds the string '5'"),
    (the(" expect_pages: [0]\n"), "line 3: `expect_pages` holds int 0: each must be a whole number from 1"),
    (the(" expect_pages: [true]\n"), "line 3: `expect_pages` holds bool True"),
    (the(" history: \"Ile klastrów?\"\n"), "line 3: `history` must be a list"),
    (the(" forbid_figures: \"185\"\n"), "line 3: `forbid_figures` must be a list"),
    (the(" expect_words: [[]]\n"), "line 3: `expect_words` holds an empty group []"),
    (the(" split: train\n"), "line 3: `split` must be one of dev, test, got the string 'train'"),
    (the(" language: fr\n"), "line 3: `language` must be one of pl, en, de"),
    ("- id: a\n  question: 42\n", "line 2: `question` must be a non-empty string, got int 42"),
    ("- id: a\n  question: \"\"\n", "line 2: `question` must be a non-empty string"),
    ("- id: a\n  expect_figures: [[\"18\"]]\n", "line 1: question 1 has no `question`"),
    ("- question: x\n", "line 1: question 1 has no `id`"),
    ("- id: a\n  question: x\n- id: a\n  question: y\n", "line 3: duplicate id 'a' (first at line 1)"),
    (the(" question: y\n"), "line 3: `question` given twice"),
    ("- just a string\n", "line 1: question 1 must be a mapping"),
    ("id: a\nquestion: x\n", "line 1: unknown top-level key `id`"),
    ("questions: []\n", "holds no questions"),
    ("", "must hold a YAML list of questions, found nothing"),
    ("- id: a\n  question: [x\n", "malformed YAML"),
    ("thresholds: {figure_acc: 0.8}\nquestions:\n" + GOOD, "line 1: unknown threshold metric `figure_acc`"),
    ("thresholds: {figure_accuracy: \"high\"}\nquestions:\n" + GOOD, "threshold `figure_accuracy` must be a number"),
    ("thresholds: {figure_accuracy: 85}\nquestions:\n" + GOOD, "must be between 0 and 1, got 85"),
]


@pytest.mark.parametrize("text, message", MALFORMED, ids=[f"case{i:02d}" for i in range(len(MALFORMED))])
def test_a_malformed_question_file_is_one_line_naming_the_line(tmp_path, capsys, text, message):
    path = tmp_path / "q.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(QuestionFileError, match=re.escape(message)):
        load_questions(path)
    assert eval_main(["run", "--questions", str(path), "--report", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}") and message in err and err.count("\n") == 1, err
    assert not (tmp_path / "out").exists()  # checked before any model loads or anything is written


def test_the_table_has_at_least_15_cases():
    assert len(MALFORMED) >= 15


def test_a_missing_file_is_one_line(tmp_path, capsys):
    assert eval_main(["run", "--questions", str(tmp_path / "nope.yaml")]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {tmp_path / 'nope.yaml'}: no such question file\n"


def test_values_are_read_as_what_they_mean(tmp_path):
    path = tmp_path / "q.yaml"
    path.write_text('- id: 7\n  question: "Ile?"\n  expect_figures: ["18", ["84", "84 klastry"], 117.7]\n'
                    '  expect_refusal: false\n  expect_words: ["KKK"]\n  language: en\n  section: null\n',
                    encoding="utf-8")
    (question,), thresholds = read_questions(path)
    assert question["id"] == "7" and question["expect_refusal"] is False and thresholds == []
    assert question["expect_figures"] == [["18"], ["84", "84 klastry"], ["117.7"]]
    assert question["expect_words"] == [["KKK"]] and question["lang"] == "en" and question["history"] == []


def test_the_products_own_files_pass_the_schema():
    from eval.harness import DEFAULT_QUESTIONS
    from eval.suite import DEV_EXTRA, DEV_FRESH, DEV_MORE, HELD_OUT

    # counts only: the held-out text is not read
    for path in (DEFAULT_QUESTIONS, DEV_EXTRA, DEV_MORE, DEV_FRESH, HELD_OUT):
        assert len(load_questions(path)) >= 100


# ---------------------------------------------------------------- thresholds: one source


def _run(questions, results, thresholds=None) -> EvalRun:
    scores, metrics = score_all(questions, results, {}, k=6)
    return EvalRun(questions, results, scores, metrics, thresholds=thresholds)


def _file(tmp_path, text):
    path = tmp_path / "q.yaml"
    path.write_text(text, encoding="utf-8")
    return read_questions(path)


ANSWER_18 = {"id": "a", "question": "Ile KKK?", "answer": "„Było ich 18.” [1]", "refused": False,
             "citations": [{"marker": 1, "doc": "r.pdf", "page": 5, "quote": "Było ich 18.", "footnotes": [],
                            "sources": []}], "contexts": [], "latency_ms": 5.0}


def test_a_file_without_footnote_expectations_does_not_fail_on_footnotes(tmp_path):
    questions, _ = _file(tmp_path, GOOD + '  expect_figures: [["18"]]\n')
    run = _run(questions, [ANSWER_18], list(GATE))
    assert run.metrics["footnote_recall"] is None and run.gate_failures() == []


def test_a_testers_file_is_gated_only_by_gate_or_its_own_thresholds(tmp_path):
    questions, own = _file(tmp_path, GOOD + '  expect_figures: [["19"]]\n')
    assert _run(questions, [ANSWER_18]).gate_failures() == []  # scored and reported only
    gated = _run(questions, [ANSWER_18], list(GATE)).gate_failures()  # a sure wrong answer fails twice
    assert gated == ["figure_accuracy 0.000 < 0.85",
                     "confidently_wrong_rate 1.000 > 0.05 (sure answers that are wrong)"]
    questions, own = _file(tmp_path, "thresholds: {figure_accuracy: 0.0, errors: 0}\nquestions:\n" + GOOD
                           + '  expect_figures: [["19"]]\n')
    assert [t.text() for t in own] == ["≥ 0", "≤ 0"] and _run(questions, [ANSWER_18], own).gate_failures() == []


def test_console_report_and_gate_quote_the_same_thresholds(tmp_path):
    questions, _ = _file(tmp_path, GOOD + '  expect_figures: [["19"]]\n  expect_footnotes: [5]\n')
    gated = _run(questions, [ANSWER_18], list(GATE))
    rows = {row[0]: row[3] for row in headline_rows(gated)}
    floor = {t.metric: t.text() for t in GATE}
    assert rows["Figure accuracy"] == f"{floor['figure_accuracy']} FAIL"
    assert rows["Footnote citation recall"] == f"{floor['footnote_recall']} FAIL"
    assert rows["Hallucinated figures"] == f"{floor['hallucinated_figures']} pass"
    assert set(failures(gated.metrics)) == set(gated.gate_failures())
    plain = {row[0]: row[3] for row in headline_rows(_run(questions, [ANSWER_18]))}
    assert plain["Figure accuracy"] == f"{floor['figure_accuracy']} (not gated)"


# ---------------------------------------------------------------- eval diff


def _lines(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_eval_diff_names_each_changed_question(tmp_path, capsys):
    before = _lines(tmp_path / "a.jsonl", [ANSWER_18 | {"pass": True, "reasons": []},
                                           {"id": "b", "answer": "x", "refused": True, "pass": True}])
    changed = ANSWER_18 | {"answer": "„Było ich 19.” [1]", "pass": False, "reasons": ["missing figures 18"],
                           "latency_ms": 99.0}
    after = _lines(tmp_path / "b.jsonl", [changed, {"id": "b", "answer": "x", "refused": True, "pass": True,
                                                    "latency_ms": 1.0}])
    assert eval_main(["diff", str(before), str(after)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "a: answer, pass [pass -> FAIL] missing figures 18"
    assert out[-1] == "2 vs 2 questions, 1 differ (latency aside); 0 now pass, 1 now fail"
    assert eval_main(["diff", str(before), str(before)]) == 0
    with pytest.raises(SystemExit) as done:  # the old scripts/diff_results.py --help raised
        eval_main(["diff", "--help"])
    assert done.value.code == 0 and "results.jsonl of the first run" in capsys.readouterr().out


def test_eval_diff_bad_input_is_one_line(tmp_path, capsys):
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "a"}\nnot json\n', encoding="utf-8")
    assert eval_main(["diff", str(broken), str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {broken}, line 2: not a JSON answer line") and err.count("\n") == 1
