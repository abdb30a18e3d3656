"""Ingest speed: cold build of corpus/ and a no-change re-run, medians of N runs each.

    .venv/bin/python benchmarks/ingest_speed.py [--runs 3] [--rebuild]

Targets (issue 2): cold <= 30 s, no-change re-run <= 3 s on the 2-core machine.
Each run is a fresh process (`python -m ingest`), timed from start to exit.
`--rebuild` also times `python -m ingest --rebuild` on the built store (it re-embeds every chunk; no target).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed_ingest(store: Path, *flags: str) -> float:
    env = dict(os.environ, KLASTRY_STORE_DIR=str(store), KLASTRY_CORPUS_DIR=str(ROOT / "corpus"))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ingest", *flags], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true", help="also time --rebuild on the built store")
    args = parser.parse_args()
    cold, warm, rebuild = [], [], []
    for _ in range(args.runs):
        store = Path(tempfile.mkdtemp(prefix="klastry-bench-"))
        try:
            cold.append(timed_ingest(store))
            warm.append(timed_ingest(store))
            if args.rebuild:
                rebuild.append(timed_ingest(store, "--rebuild"))
        finally:
            shutil.rmtree(store, ignore_errors=True)
    print(f"cold ingest      median {statistics.median(cold):6.2f} s  "
          f"runs {[round(x, 2) for x in cold]}  (target <= 30 s)")
    print(f"no-change re-run median {statistics.median(warm):6.2f} s  "
          f"runs {[round(x, 2) for x in warm]}  (target <= 3 s)")
    if rebuild:
        print(f"--rebuild        median {statistics.median(rebuild):6.2f} s  runs {[round(x, 2) for x in rebuild]}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
