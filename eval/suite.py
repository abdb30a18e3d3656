"""The question sets side by side: dev (tuned on), test (never tuned on) and the held-out new set.

`python -m eval run` (no --questions) asks every set with one loaded assistant and prints one
table; each set also gets its own results.jsonl and report under eval/out/<set>/. The held-out
files (eval/heldout/) were written from the report alone by someone who never saw the code or
the other questions; whoever tunes reads only these aggregates and the failure categories.
"""

from __future__ import annotations

from pathlib import Path

from .harness import EVAL_DIR, EvalRun, load_questions, run_eval
from .outcomes import COUNT_KEYS, RATE_KEYS
from .thresholds import GATE

OUTCOME_COLUMNS = COUNT_KEYS + RATE_KEYS  # how sure the answers were (eval/outcomes.py)

DEV_EXTRA = EVAL_DIR / "dev_extra.yaml"
# A second set written from the report alone (2026-11-30). Asked once by the model trained without it, it
# scored like the held-out set; trained on, it moved the held-out figures only within noise, so it is
# reported beside the others and not trained on (the shipped model stays reproducible from dev + dev-extra).
# Since 2026-11-30 (issue 12, follow-ups and "unanswerable_other") it is a tuning set: its questions and failures
# are read while tuning (still not trained on), so only test and new remain held out.
DEV_MORE = EVAL_DIR / "dev_more.yaml"
# A fourth tuning set (2026-12-08), written from the report alone in the style of the held-out sets that score
# lowest (synonyms, filler words, terse follow-ups, table cells): the dev sets above score 0.88-0.93 right
# figures, these questions 0.74, like new2. Read while tuning, not trained on.
DEV_FRESH = EVAL_DIR / "dev_fresh.yaml"
HELD_OUT = EVAL_DIR / "heldout" / "new.yaml"
# a second held-out set, written 2026-12-07 by a helper who saw only the report (eval/heldout/README.md)
HELD_OUT_2 = EVAL_DIR / "heldout" / "new2.yaml"
GATED_SETS = ("dev", "test")  # eval/questions.yaml: the regression gate applies
HELD_OUT_SETS = ("test", "new", "new2")  # never tuned on: compared with the product's targets
COLUMNS = (
    "figure_accuracy",
    "first_quote_accuracy",
    "refusal_recall",
    "false_refusal_rate",
    "footnote_recall",
    "footnote_recall_answered",
    "footnote_precision",
    "page_accuracy",
    "hallucinated_figures",
    "errors",
    "latency_p50_ms",
    *OUTCOME_COLUMNS,
)


def question_sets(questions_path: Path) -> dict[str, list[dict]]:
    """dev and test parts of the main file, the extra dev file, and the held-out set (when present)."""
    main = load_questions(questions_path)
    sets = {"dev": [q for q in main if q["split"] != "test"], "test": [q for q in main if q["split"] == "test"]}
    if DEV_EXTRA.exists():
        sets["dev-extra"] = load_questions(DEV_EXTRA)
    if DEV_MORE.exists():
        sets["dev-more"] = load_questions(DEV_MORE)
    if DEV_FRESH.exists():
        sets["dev-fresh"] = load_questions(DEV_FRESH)
    if HELD_OUT.exists():
        sets["new"] = load_questions(HELD_OUT)
    if HELD_OUT_2.exists():
        sets["new2"] = load_questions(HELD_OUT_2)
    return {name: items for name, items in sets.items() if items}


def tuning_questions(questions_path: Path) -> list[dict]:
    """What `python -m eval train` reads: the dev part and the extra dev file, never test, dev-more or held-out."""
    sets = question_sets(questions_path)
    return sets.get("dev", []) + sets.get("dev-extra", [])


def run_suite(
    questions_path: Path,
    report_dir: Path,
    settings=None,
    k: int | None = None,
    assistant=None,
    show_progress: bool = True,
    llm: bool = False,
) -> dict[str, EvalRun]:
    from assistant import Assistant

    from .harness import load_settings

    settings = settings or load_settings()
    if assistant is None:
        from ingest import ensure_store

        ensure_store(settings)
        assistant = Assistant.load(settings)
    runs = {}
    for name, questions in question_sets(questions_path).items():
        runs[name] = run_eval(
            questions,
            settings=settings,
            k=k,
            report_dir=report_dir / name,
            assistant=assistant,
            show_progress=show_progress,
            llm=llm,
            label=name,
            thresholds=list(GATE) if name in GATED_SETS else None,
        )
    (report_dir / "summary.md").write_text(summary_markdown(runs), encoding="utf-8")
    return runs


def summary_rows(runs: dict[str, EvalRun]) -> list[list[str]]:
    rows = []
    for column in ("questions",) + COLUMNS:
        row = [column]
        for run in runs.values():
            value = run.metrics.get(column)
            row.append("–" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value))
        rows.append(row)
    return rows


def summary_markdown(runs: dict[str, EvalRun]) -> str:
    header = ["metric", *runs]
    lines = [
        "# Evaluation: the question sets side by side",
        "",
        "dev, dev-extra = tuned on; dev-more, dev-fresh = read while tuning, not trained on; "
        "test, new, new2 = never tuned on (only these aggregates are read).",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += ["| " + " | ".join(row) + " |" for row in summary_rows(runs)]
    lines += ["", "Failure causes per set:", ""]
    for name, run in runs.items():
        causes = ", ".join(f"{k}: {v}" for k, v in sorted(run.metrics.get("failure_causes", {}).items())) or "none"
        lines.append(f"- {name}: {causes}")
    for title, key in (("Pass rate by category (each set's report.md has the details):", "by_category"),
                       ("Pass rate by language:", "by_lang")):
        lines += ["", title, ""]
        for name, run in runs.items():
            rates = ", ".join(
                f"{c} {v['pass_rate']:.2f} ({v['questions']})"
                for c, v in run.metrics.get(key, {}).items()
                if v["pass_rate"] is not None
            )
            lines.append(f"- {name}: {rates}")
    return "\n".join(lines) + "\n"


def print_table(runs: dict[str, EvalRun]) -> None:
    rows = [["metric", *runs]] + summary_rows(runs)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))
