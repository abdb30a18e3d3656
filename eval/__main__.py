"""`python -m eval run [--questions FILE] [--out results.jsonl] [--report DIR] [--k N] [--baseline] [--json]`

and `python -m eval report --results results.jsonl [--questions FILE] [--report DIR] [--json]`
to re-score and re-render saved results without asking again.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.index.store import StoreError

from .harness import DEFAULT_QUESTIONS, DEFAULT_REPORT_DIR, EvalError, EvalRun, headline, load_questions, run_eval


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eval", description="Evaluate the assistant on a question file.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="ask every question in-process, score, write results and the report")
    run.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="question file (YAML list)")
    run.add_argument("--out", type=Path, help="results JSONL, one answer per line (default: REPORT/results.jsonl)")
    run.add_argument("--report", type=Path, default=DEFAULT_REPORT_DIR, help="report folder (default: eval/out/)")
    run.add_argument("--k", type=int, help="contexts to retrieve per question (default: settings.top_k)")
    run.add_argument("--baseline", action="store_true", help="also score the textbook LangChain pipeline")
    run.add_argument("--json", action="store_true", help="print the metrics as JSON")
    run.add_argument("--llm", action="store_true",
                     help="answer in LLM mode (KLASTRY_LLM_BACKEND...); adds fallback and hallucinated-figure rates")
    report = commands.add_parser("report", help="re-score saved results and write the report")
    report.add_argument("--results", type=Path, required=True, help="results JSONL written by `run`")
    report.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    report.add_argument("--report", type=Path, default=DEFAULT_REPORT_DIR)
    report.add_argument("--k", type=int, help="k the results were retrieved with (default: settings.top_k)")
    report.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.k is not None and args.k < 1:
        print("error: --k must be at least 1", file=sys.stderr)
        return 2
    try:
        if args.command == "run":
            load_questions(args.questions)  # fail fast on a bad file, before loading any model
            run = run_eval(args.questions, k=args.k, out=args.out, report_dir=args.report, baseline=args.baseline,
                           show_progress=not args.json or sys.stderr.isatty(), llm=args.llm)
        else:
            run = rescore(args.results, args.questions, args.report, args.k)
    except (EvalError, StoreError) as error:  # bad question file, no index yet, bad setting: one line
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"assistant": run.metrics, "baseline": _without_rows(run.baseline), "meta": run.meta},
                         ensure_ascii=False, indent=1))
    else:
        print_summary(run)
    return 0


def rescore(results_path: Path, questions_path: Path, report_dir: Path, k: int | None) -> EvalRun:
    from assistant.index.store import load_snapshot

    from .harness import load_settings, score_all
    from .report import write_report

    questions = load_questions(questions_path)
    try:
        lines = results_path.read_text(encoding="utf-8").splitlines()
        results = [json.loads(line) for line in lines if line.strip()]
    except FileNotFoundError:
        raise EvalError(f"results file {results_path} does not exist") from None
    except json.JSONDecodeError as error:
        raise EvalError(f"{results_path} is not JSON lines: {error}") from None
    settings = load_settings()
    try:
        source_of = load_snapshot(settings).footnote_source
    except StoreError:
        source_of = {}  # footnotes then match by number only
    effective_k = k or settings.top_k
    scores, metrics = score_all(questions, results, source_of, effective_k)
    meta = {"questions_file": str(questions_path), "results": str(results_path), "k": effective_k,
            "store": str(settings.store_dir), "embedder": settings.embedder}
    run = EvalRun(questions, results, scores, metrics, None, meta, results_path, report_dir)
    write_report(run, report_dir)
    return run


def _without_rows(baseline: dict | None) -> dict | None:
    return {k: v for k, v in baseline.items() if k != "rows"} if baseline else None


def print_summary(run: EvalRun) -> None:
    numbers = headline(run)
    shown = ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in numbers.items()
                      if v is not None)
    print(shown)
    failures = run.gate_failures()
    print("gate: " + ("pass" if not failures else "FAIL (" + "; ".join(failures) + ")"))
    if run.results_path:
        print(f"results: {run.results_path}")
    if run.report_dir:
        print(f"report: {run.report_dir / 'report.html'} ({run.report_dir / 'report.md'})")


if __name__ == "__main__":
    sys.exit(main())
