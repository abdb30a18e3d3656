"""What the claim check costs (issue 16): at ingest, and per answer (a lookup).

    .venv/bin/python benchmarks/claim_check.py [--rounds 5]

Builds two stores under a temporary folder from the real report (one with the made-up sources of
tests/fixtures/sources/, one without), then prints medians: the ingest step that links the files and
checks every footnoted sentence, and the warm ask latency on both stores, alternating, over the same
questions. Numbers only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = ["Ile średnio członków ma klaster?", "Ile organizacji klastrowych działa w UE?",
             "O ile wzrosła liczba patentów w klastrach według Chatterjiego?",
             "Ile klastrów ma status Krajowego Klastra Kluczowego?", "Jaki był średni wzrost sprzedaży?",
             "How many internships did clusters organise?"]
FIXTURES = ["benchmarking-2024-fragment.pdf", "panorama-2024-excerpt.txt", "chatterji-2014-notes.md",
            "sources.toml"]


def build(base: Path, with_sources: bool) -> tuple[Path, Path]:
    from assistant.settings import Settings
    from ingest.pipeline import run_ingest

    corpus, store = base / "corpus", base / "store"
    (corpus / "sources").mkdir(parents=True)
    shutil.copy(ROOT / "corpus" / "raport-klastry.pdf", corpus)
    if with_sources:
        for name in FIXTURES:
            shutil.copy(ROOT / "tests" / "fixtures" / "sources" / name, corpus / "sources" / name)
    run_ingest(Settings.load(corpus_dir=corpus, store_dir=store))
    return corpus, store


def time_checks(corpus: Path, store: Path, rounds: int) -> list[float]:
    """The full-text step alone, from scratch (no check reused), on the published records."""
    from assistant.index.layout import StoreLayout, read_json
    from ingest.assemble import assemble
    from ingest.full_texts import bibliography_records, link_and_check

    layout = StoreLayout(store)
    records = read_json(layout.generation(layout.read_manifest().generation).records)
    index = assemble(bibliography_records(records))
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        result = link_and_check(corpus, records, index.sources, index.footnotes, {})
        times.append(time.perf_counter() - started)
    print(f"checks per run: {result.claims.get('checked', 0)}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from assistant import Assistant, Settings

    with tempfile.TemporaryDirectory() as tmp:
        with_corpus, with_store = build(Path(tmp) / "with", True)
        _, without_store = build(Path(tmp) / "without", False)
        check_times = time_checks(with_corpus, with_store, args.rounds)
        print(f"ingest: link + check from scratch, median {statistics.median(check_times) * 1000:.0f} ms")
        assistants = {"with sources": Assistant.load(Settings.load(store_dir=with_store)),
                      "without": Assistant.load(Settings.load(store_dir=without_store))}
        for assistant in assistants.values():  # warm: lazy loads, the claim index
            for question in QUESTIONS:
                assistant.ask(question)
        latency: dict[str, list[float]] = {name: [] for name in assistants}
        for _ in range(args.rounds):
            for name, assistant in assistants.items():
                for question in QUESTIONS:
                    started = time.perf_counter()
                    assistant.ask(question)
                    latency[name].append((time.perf_counter() - started) * 1000)
        for name, values in latency.items():
            print(f"ask {name}: median {statistics.median(values):.1f} ms over {len(values)} asks")


if __name__ == "__main__":
    main()
