"""Ask speed and memory: start-to-first-answer, warm p50/p95, resident memory.

    .venv/bin/python benchmarks/ask_speed.py [--runs 3] [--questions 60]

Targets (issue 3): warm p50 <= 150 ms, p95 <= 400 ms; process start to first answer <= 5 s;
resident memory <= 800 MB. Uses the default store (run `python -m ingest` first).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIRST = ("from assistant import Assistant; a = Assistant.load(); "
         "a.ask('Ile klastrów ma status Krajowego Klastra Kluczowego?')")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--questions", type=int, default=60)
    args = parser.parse_args()
    starts = []
    for _ in range(args.runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", FIRST], cwd=ROOT, check=True)
        starts.append(time.perf_counter() - started)

    from assistant import Assistant

    assistant = Assistant.load()
    questions = [q for q in yaml.safe_load((ROOT / "eval" / "questions.yaml").read_text("utf-8"))][: args.questions]
    for q in questions[:5]:
        assistant.ask(q["question"])  # warm-up
    latencies = []
    for q in questions:
        started = time.perf_counter()
        assistant.ask(q["question"], history=q.get("history") or [])
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process start -> first answer  median {statistics.median(starts):5.2f} s  "
          f"runs {[round(s, 2) for s in starts]}  (target <= 5 s)")
    print(f"warm ask over {len(latencies)} questions  p50 {statistics.median(latencies):6.1f} ms  "
          f"p95 {p95:6.1f} ms  (targets 150 / 400 ms)")
    print(f"peak resident memory {rss_mb:6.0f} MB  (target <= 800 MB)")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
