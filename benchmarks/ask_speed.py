"""Ask speed and memory: start-to-first-answer, warm p50/p95 (idle and beside a busy process), memory.

    .venv/bin/python benchmarks/ask_speed.py [--runs 3] [--questions 60] [--rounds 3] [--busy] [--json]

Targets (issue 3): warm p50 <= 150 ms, p95 <= 400 ms; process start to first answer <= 5 s;
resident memory <= 800 MB. Uses the default store (run `python -m ingest` first). The embedding
threads are whatever a fresh process gets (OMP_NUM_THREADS as set, else the library's default).
Warm asks: every round asks the same dev questions (with their history) in this process, the
p50/p95 quoted are the medians over rounds; `--busy` also times them beside one `while True: pass`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.load import busy_neighbour, percentile, questions  # noqa: E402

FIRST = ("from assistant import Assistant; a = Assistant.load(); "
         "a.ask('Ile klastrów ma status Krajowego Klastra Kluczowego?')")


def start_to_first_answer(runs: int) -> list[float]:
    starts = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", FIRST], cwd=ROOT, check=True)
        starts.append(time.perf_counter() - started)
    return starts


def warm_rounds(assistant, asked: list[tuple[str, list[str]]], rounds: int) -> dict[str, float]:
    """Median over rounds of each round's p50 and p95 (ms)."""
    p50s, p95s = [], []
    for _ in range(rounds):
        latencies = []
        for question, history in asked:
            started = time.perf_counter()
            assistant.ask(question, history=history)
            latencies.append((time.perf_counter() - started) * 1000)
        p50s.append(statistics.median(latencies))
        p95s.append(percentile(latencies, 0.95))
    return {"p50_ms": statistics.median(p50s), "p95_ms": statistics.median(p95s), "rounds": rounds,
            "questions": len(asked)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3, help="fresh processes timed to their first answer (0: skip)")
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--busy", action="store_true", help="also time the warm asks beside a busy process")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    starts = start_to_first_answer(args.runs)

    from assistant import Assistant

    assistant = Assistant.load()
    asked = questions(args.questions)
    for question, history in asked[:5]:
        assistant.ask(question, history=history)  # warm-up
    result = {"idle": warm_rounds(assistant, asked, args.rounds)}
    if args.busy:
        with busy_neighbour():
            result["busy"] = warm_rounds(assistant, asked, args.rounds)
    result["start_s"] = statistics.median(starts) if starts else None
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["omp_num_threads"] = os.environ.get("OMP_NUM_THREADS", "")
    if args.json:
        print(json.dumps(result))
        return
    if starts:
        print(f"process start -> first answer  median {result['start_s']:5.2f} s  "
              f"runs {[round(s, 2) for s in starts]}  (target <= 5 s)")
    for name, numbers in ((k, result[k]) for k in ("idle", "busy") if k in result):
        print(f"warm ask ({name}) over {numbers['questions']} questions, median of {numbers['rounds']} rounds  "
              f"p50 {numbers['p50_ms']:6.1f} ms  p95 {numbers['p95_ms']:6.1f} ms  (targets 150 / 400 ms)")
    print(f"peak resident memory {result['peak_mb']:6.0f} MB  (target <= 800 MB)")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
