"""`python -m eval run [--questions FILE [--gate]] [--out results.jsonl] [--report DIR] [--k N] [--baseline] [--json]`

`python -m eval diff BEFORE.jsonl AFTER.jsonl [--json]`: what changed between two runs, per question;

and `python -m eval report --results results.jsonl [--questions FILE] [--report DIR] [--json]`
to re-score and re-render saved results without asking again; `python -m eval bench [--quick] [--json]`
prints the speed and memory table (eval/bench.py); `python -m eval tune-encoder [--json]` fine-tunes the
encoder (eval/encoder/).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.errors import KlastryError

from .encoder.command import add_parser as add_tune_encoder
from .harness import DEFAULT_QUESTIONS, DEFAULT_REPORT_DIR, EvalError, EvalRun, headline, read_questions, run_eval
from .thresholds import GATE


def build_parser(prog: str = "python -m eval") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Evaluate the assistant on a question file.",
                                     epilog="exit codes: 0 done (gate passed), 1 a quality gate failed, 2 bad input "
                                            "or no store; 130 interrupted, 141 the reader of the output went away")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="ask every question in-process, score, write results and the report")
    run.add_argument("--questions", type=Path, help="question file (YAML list); default: every set side by side "
                                                  "(dev and test parts of eval/questions.yaml, eval/dev_extra.yaml, "
                                                  "the held-out eval/heldout/new.yaml)")
    run.add_argument("--out", type=Path, help="results JSONL, one answer per line (default: REPORT/results.jsonl)")
    run.add_argument("--report", type=Path, default=DEFAULT_REPORT_DIR, help="report folder (default: eval/out/)")
    run.add_argument("--k", type=int, help="contexts to retrieve per question (default: settings.top_k)")
    run.add_argument("--baseline", action="store_true", help="also score the textbook LangChain pipeline")
    run.add_argument("--json", action="store_true", help="print the metrics as JSON")
    run.add_argument("--corpus-extra", type=Path, metavar="DIR",
                     help="index DIR beside the report (as corpus/sources/, its README left out) in a corpus and "
                          "store of their own under the temp folder, and evaluate against them (issue 26)")
    run.add_argument("--llm", action="store_true",
                     help="answer in LLM mode (KLASTRY_LLM_BACKEND...); adds fallback and hallucinated-figure rates")
    run.add_argument("--gate", action="store_true",
                     help="with --questions: exit 1 when the file misses the product's thresholds "
                          "(eval/thresholds.py); without it a file is scored and reported, gated only by its own "
                          "`thresholds:`")
    train = commands.add_parser("train", help="fit the answerability model on the dev questions only")
    train.add_argument("--out", type=Path, default=None, help="model file (default: assistant/data/answerability.json)")
    train.add_argument("--json", action="store_true", help="print the fitted model as JSON")
    train.add_argument("--no-cascade", action="store_true",
                       help="fit without the pair judge's second look (to compare; default: with it when shipped)")
    add_tune_encoder(commands)
    bilingual = commands.add_parser("bilingual",
                                    help="regenerate assistant/data/bilingual.tsv from the report's vocabulary")
    bilingual.add_argument("--json", action="store_true")
    thesaurus = commands.add_parser("thesaurus", help="regenerate assistant/data/synonyms.tsv from mythes-pl and the "
                                                      "report's vocabulary")
    thesaurus.add_argument("--json", action="store_true")
    report = commands.add_parser("report", help="re-score saved results and write the report")
    report.add_argument("--results", type=Path, required=True, help="results JSONL written by `run`")
    report.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    report.add_argument("--report", type=Path, default=DEFAULT_REPORT_DIR)
    report.add_argument("--k", type=int, help="k the results were retrieved with (default: settings.top_k)")
    report.add_argument("--json", action="store_true")
    diff = commands.add_parser("diff", help="what changed between two runs, question by question")
    diff.add_argument("before", type=Path, help="results.jsonl of the first run")
    diff.add_argument("after", type=Path, help="results.jsonl of the second run")
    diff.add_argument("--json", action="store_true", help="one object per changed question")
    bench = commands.add_parser("bench", help="speed and memory in one table: ingest, ask, start-up, "
                                              "10/25/50 chat sessions, peak memory (eval/bench.py)")
    bench.add_argument("--quick", action="store_true", help="a short smoke version (1 round, seconds per row)")
    bench.add_argument("--json", action="store_true", help="print the rows as JSON")
    bench.add_argument("--ui-args", default="", help="extra `python ui.py` options for the serving rows")
    bench.add_argument("--growth", type=int, nargs="?", const=300, metavar="PAGES",
                       help="add the growth rows (benchmarks/growth.py, a generated corpus of PAGES pages, 300 "
                            "when not given; 15-30 minutes)")
    return parser


def main(argv: list[str] | None = None, prog: str = "python -m eval") -> int:
    """`python -m eval` / `klastry eval`: `| head` and Ctrl-C end it without a traceback (assistant.cli.guarded)."""
    from assistant.cli import guarded

    return guarded(lambda: _main(argv, prog))


def _main(argv: list[str] | None, prog: str) -> int:
    args = build_parser(prog).parse_args(argv)
    if getattr(args, "k", None) is not None and args.k < 1:
        print(f"error: --k must be at least 1 (got {args.k})", file=sys.stderr)
        return 2
    try:
        if args.command == "bench":
            return bench_command(args)
        if args.command == "diff":
            from .diff import diff_command

            return diff_command(args.before, args.after, args.json)
        if args.command == "train":
            return train_command(args)
        if args.command == "tune-encoder":
            from .encoder.command import run as tune_encoder

            return tune_encoder(args)
        if args.command == "bilingual":
            from .bilingual import OUT, build

            count = build(load_settings_quiet().store_dir)
            print(json.dumps({"entries": count, "file": str(OUT)}) if args.json else f"{count} English lemmas -> {OUT}")
            return 0
        if args.command == "thesaurus":
            from .thesaurus import OUT as SYNONYMS
            from .thesaurus import build as build_thesaurus

            count = build_thesaurus(load_settings_quiet().store_dir)
            print(json.dumps({"entries": count, "file": str(SYNONYMS)}) if args.json
                  else f"{count} Polish lemmas -> {SYNONYMS}")
            return 0
        if getattr(args, "corpus_extra", None) is not None:
            use_extra_corpus(args.corpus_extra)
        if args.command == "run" and args.questions is None:
            return suite_command(args)
        if args.command == "run" and _is_drafts(args.questions):  # kind: draft (eval/draft_topics.yaml)
            return drafts_command(args, args.questions)
        if args.command == "run":
            questions, own = read_questions(args.questions)  # fail fast on a bad file, before loading any model
            thresholds = list(GATE) if args.gate else (own or None)
            run = run_eval(questions, k=args.k, out=args.out, report_dir=args.report, baseline=args.baseline,
                           show_progress=not args.json or sys.stderr.isatty(), llm=args.llm, thresholds=thresholds,
                           label=str(args.questions))
        else:
            run = rescore(args.results, args.questions, args.report, args.k)
    except (EvalError, KlastryError) as error:  # bad question file, no index yet, bad setting: one line
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.json:
        gate = {"applied": bool(run.thresholds), "failures": run.gate_failures()}
        print(json.dumps({"assistant": run.metrics, "baseline": _without_rows(run.baseline), "meta": run.meta,
                          "gate": gate}, ensure_ascii=False, indent=1))
    else:
        print_summary(run)
    return 1 if run.gate_failures() and args.command == "run" else 0  # gated: --gate or the file's thresholds


def use_extra_corpus(extra: Path) -> None:
    """Point KLASTRY_CORPUS_DIR / KLASTRY_STORE_DIR at the report's corpus with `extra` beside it, its store
    brought in line with the ingest code first (an incremental ingest: a store kept from an older parser was
    measured against instead, 2026-12-07: parser 8 beside the report's parser 10, other footnote sentences)."""
    import os

    from .documents import extra_corpus

    settings = load_settings_quiet()
    corpus, store = extra_corpus(extra, settings.corpus_dir, settings.store_dir)
    os.environ["KLASTRY_CORPUS_DIR"], os.environ["KLASTRY_STORE_DIR"] = str(corpus), str(store)
    print(f"corpus with {extra}: {corpus} (store {store})", file=sys.stderr)
    from ingest.pipeline import run_ingest

    summary = run_ingest(load_settings_quiet())
    if summary.embedded or summary.texts_embedded or summary.deleted:
        print(f"  store brought up to date: {summary.embedded} chunks written, {summary.texts_embedded} texts "
              f"embedded", file=sys.stderr)


def load_settings_quiet():
    from .harness import load_settings

    return load_settings()


def suite_command(args) -> int:
    from .suite import GATED_SETS, HELD_OUT_SETS, print_table, run_suite

    if args.out is not None or args.baseline or args.gate:
        raise EvalError("--out, --baseline and --gate need --questions FILE (one set; every set is gated already)")
    runs = run_suite(DEFAULT_QUESTIONS, args.report, k=args.k, show_progress=not args.json or sys.stderr.isatty(),
                     llm=args.llm)
    failing = {name: run.gate_failures() for name, run in runs.items() if name in GATED_SETS and run.gate_failures()}
    if args.json:
        print(json.dumps({name: run.metrics for name, run in runs.items()}, ensure_ascii=False, indent=1, default=str))
    else:
        print_table(runs)
        for name, failures in failing.items():
            print(f"gate {name}: FAIL (" + "; ".join(failures) + ")")
        if not failing:
            print(f"gate ({', '.join(GATED_SETS)}): pass")
        for name in HELD_OUT_SETS:
            if name in runs:
                missed = runs[name].targets_missed()
                print(f"targets on {name} (held out): " + ("met" if not missed else "not met: " + "; ".join(missed)))
        print(f"report: {args.report / 'summary.md'} (and {args.report}/<set>/report.html)")
    drafts_command(args)
    return 1 if failing else 0


def _is_drafts(path) -> bool:
    from .drafts import is_draft_file

    return is_draft_file(path)


def drafts_command(args, path=None) -> int:
    """The draft kind: every topic of eval/draft_topics.yaml drafted and scored (eval/drafts.py)."""
    from assistant import Assistant

    from .drafts import DRAFT_TOPICS, print_drafts, run_drafts
    from .harness import load_settings

    metrics = run_drafts(Assistant.load(load_settings()), path or DRAFT_TOPICS, args.report / "drafts")
    if args.json and path is not None:
        print(json.dumps(metrics, ensure_ascii=False, indent=1))
    elif not args.json:
        print_drafts(metrics)
        print(f"draft report: {args.report / 'drafts' / 'report.md'}")
    return 0


def bench_command(args) -> int:
    import shlex

    from .bench import run_bench, table

    result = run_bench(quick=args.quick, ui_args=shlex.split(args.ui_args), growth=args.growth)
    print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1) if args.json else table(result))
    return 1 if result.errors() else 0


def train_command(args) -> int:
    from assistant import Assistant
    from assistant.answer.answerability import MODEL_FILE

    from .harness import load_settings
    from .suite import tuning_questions
    from .train import train

    settings = load_settings(answer={"model": "off"})
    from ingest import ensure_store

    ensure_store(settings)
    questions = tuning_questions(DEFAULT_QUESTIONS)
    data = train(Assistant.load(settings), questions, args.out or MODEL_FILE, show_progress=not args.json,
                 cascade=not args.no_cascade)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        def strongest(part: dict) -> str:
            pairs = sorted(zip(part["features"], part["weights"]), key=lambda pair: -abs(pair[1]))[:6]
            return ", ".join(f"{name} {weight:+.2f}" for name, weight in pairs)

        print(f"trained on {data['questions']} dev questions ({data['rows']} candidates, {data['positives']} right); "
              f"threshold {data['threshold']:.3f}, sure from {data['sure_threshold']:.3f} "
              f"({data['dev_out_of_fold']['sure_precision']:.1%} of the sure dev answers right, "
              f"out of fold)\n  ranker: {strongest(data['ranker'])}\n"
              f"  judge: {strongest(data['judge'])}")
        if data.get("pair_cascade"):
            cascade = data["pair_cascade"]
            print(f"  pair judge on the best {cascade['top']} when the judge gives {cascade['band'][0]}-"
                  f"{cascade['band'][1]}: {strongest(cascade['model'])}")
        print(f"model: {args.out or MODEL_FILE}")
    return 0


def rescore(results_path: Path, questions_path: Path, report_dir: Path, k: int | None) -> EvalRun:
    from assistant.index.store import load_snapshot

    from .harness import load_settings, score_all
    from .report import write_report

    questions, own = read_questions(questions_path)
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
    except KlastryError:
        source_of = {}  # footnotes then match by number only
    effective_k = k or settings.top_k
    scores, metrics = score_all(questions, results, source_of, effective_k)
    from assistant.answer.answerability import model_for

    from .outcomes import levels_of

    meta = {"questions_file": str(questions_path), "results": str(results_path), "k": effective_k,
            "store": str(settings.store_dir), "embedder": settings.embedder,
            "levels": levels_of(model_for(settings.answer))}
    run = EvalRun(questions, results, scores, metrics, None, meta, results_path, report_dir, own or None)
    write_report(run, report_dir)
    return run


def _without_rows(baseline: dict | None) -> dict | None:
    return {k: v for k, v in baseline.items() if k != "rows"} if baseline else None


def print_summary(run: EvalRun) -> None:
    numbers = headline(run)
    shown = ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in numbers.items()
                      if v is not None)
    print(shown)
    for category, row in (run.metrics.get("by_document") or {}).items():
        print(f"  {category}: " + ", ".join(f"{k}={v}" for k, v in row.items()))
    failures = run.gate_failures()
    if not run.thresholds:
        print("gate: not applied (add --gate for the product's thresholds, or `thresholds:` in the file)")
    else:
        print("gate: " + ("pass" if not failures else "FAIL (" + "; ".join(failures) + ")"))
    if run.results_path:
        print(f"results: {run.results_path}")
    if run.report_dir:
        print(f"report: {run.report_dir / 'report.html'} ({run.report_dir / 'report.md'})")


if __name__ == "__main__":
    sys.exit(main())
