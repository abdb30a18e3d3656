"""Growth: the real report against a generated corpus of 300+ pages, embedded and on a Chroma server.

    .venv/bin/python benchmarks/growth.py [--pages 300] [--questions 60] [--rounds 3] [--json] [--keep DIR]

The grown corpus is built here, never committed: the real `corpus/raport-klastry.pdf` plus PDFs of
22 pages each (the report's length) whose text is generated from the report's own words by a word
bigram chain, every number replaced by a random one. It reads as Polish on the report's topics, so
it competes with the report in both the dense and the lexical index, but its figures are chance: a
dev question answered from a generated page is (almost always) scored wrong. Written with fpdf2,
the pinned dev dependency that already writes a test fixture PDF (DejaVu Sans for the letters).

For each corpus and each mode (embedded store, `chroma run` on a free port) one row: ingest time
and peak memory (a child process running the ingest pipeline), the store's size on disk (the
server's --path folder), warm ask p50/p95 over the dev questions (medians over rounds), the asking
process's and the Chroma server's peak memory, and the dev questions' figure accuracy
(eval.harness.run_eval, the scoring of `python -m eval run`). Every row starts from an empty store:
the embedded row embeds every text, the server row takes the same vectors from the embedded row's
cache (embedding is identical in both modes and most of a cold ingest). `python -m eval bench
--growth` adds these rows to its table.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.load import free_port  # noqa: E402 - after the path is set

REPORT = ROOT / "corpus" / "raport-klastry.pdf"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # Debian fonts-dejavu-core
DOC_PAGES = 22
QUESTIONS = ROOT / "eval" / "questions.yaml"
ENV = {"OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
       "GRADIO_ANALYTICS_ENABLED": "False"}


# --- the generated corpus -------------------------------------------------------------------------------

@dataclass
class GrownCorpus:
    corpus: Path
    pages: int  # the report's pages plus the generated ones
    generated_pages: int
    generated_files: list[str]


def report_pages() -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(REPORT).pages]


class WordChain:
    """Which word follows which in the report (a bigram chain), to write text that reads like it."""

    def __init__(self, texts: list[str]) -> None:
        self.next: dict[str, list[str]] = defaultdict(list)
        self.starts: list[str] = []
        for text in texts:
            words = [w for w in text.split() if not w.isdigit() or len(w) < 5]
            for first, second in zip(words, words[1:]):
                self.next[first].append(second)
                if first.endswith(".") and second[:1].isupper():
                    self.starts.append(second)

    def sentence(self, rng: random.Random) -> str:
        words = [rng.choice(self.starts)]
        while len(words) < 30:
            following = self.next.get(words[-1])
            if not following or (len(words) > 8 and words[-1].endswith(".")):
                break
            words.append(rng.choice(following))
        text = re.sub(r"\d+", lambda m: _random_number(rng, len(m.group())), " ".join(words))
        return text if text.endswith(".") else text.rstrip(",;:") + "."


def _random_number(rng: random.Random, digits: int) -> str:
    return str(rng.randint(10 ** (digits - 1) if digits > 1 else 1, 10 ** digits - 1))


def generated_page(chain: WordChain, rng: random.Random, chars: int, heading: str) -> list[str]:
    """A heading and paragraphs of 3-6 sentences, about `chars` characters in all."""
    blocks, size = [heading], 0
    while size < chars:
        paragraph = " ".join(chain.sentence(rng) for _ in range(rng.randint(3, 6)))
        blocks.append(paragraph)
        size += len(paragraph)
    return blocks


def write_pdf(path: Path, title: str, pages: list[list[str]]) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_author("benchmarks/growth.py (generated text)")
    pdf.add_font("DejaVu", fname=FONT)
    for blocks in pages:
        pdf.add_page()
        for position, text in enumerate(blocks):
            pdf.set_font("DejaVu", size=13 if position == 0 else 10)
            pdf.multi_cell(0, 6 if position == 0 else 5, text)
            pdf.ln(3)
    pdf.output(str(path))


def _letters(number: int) -> str:
    """aa, ab, ...: no digits in a file name, since an answer names the document it quotes and the
    evaluation would count the digits as figures outside the quotes."""
    return "abcdefghijklmnopqrstuvwxyz"[(number - 1) // 26 % 26] + "abcdefghijklmnopqrstuvwxyz"[(number - 1) % 26]


def build_corpus(target: Path, pages: int = 300, seed: int = 14) -> GrownCorpus:
    """The real report plus generated 22-page PDFs up to `pages` pages in all (deterministic for a seed)."""
    texts = report_pages()
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPORT, target / REPORT.name)
    chain, rng = WordChain(texts), random.Random(seed)
    chars = int(statistics.median(len(t) for t in texts))
    remaining, files = max(0, pages - len(texts)), []
    for number in range(1, math.ceil(remaining / DOC_PAGES) + 1):
        count = min(DOC_PAGES, remaining)
        remaining -= count
        title = f"Materiał uzupełniający {number} (tekst wygenerowany)"
        doc_pages = [generated_page(chain, rng, chars, f"{number}.{page} {' '.join(chain.sentence(rng).split()[:5])}")
                     for page in range(1, count + 1)]
        doc_pages[0].insert(0, title)
        name = f"generated-{_letters(number)}.pdf"
        write_pdf(target / name, title, doc_pages)
        files.append(name)
    generated = max(0, pages - len(texts))
    return GrownCorpus(target, len(texts) + generated, generated, files)


# --- measuring one corpus in one mode -------------------------------------------------------------------

@dataclass
class Measure:
    corpus: str  # "report" or "grown"
    mode: str  # "embedded" or "server"
    pages: int
    chunks: int
    ingest_s: float
    texts_embedded: int  # 0 when every vector came from the embedded row's cache (the server rows)
    texts_cached: int
    ingest_peak_mb: float
    store_mb: float
    p50_ms: float
    p95_ms: float
    ask_peak_mb: float
    server_peak_mb: float | None
    figure_accuracy: float
    questions: int


def dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 2**20


@contextmanager
def chroma_server(path: Path):
    """`chroma run` on a free port; yields (port, pid) once its heartbeat answers."""
    import httpx

    port = free_port()
    proc = subprocess.Popen([str(Path(sys.executable).parent / "chroma"), "run", "--path", str(path),
                             "--host", "127.0.0.1", "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, **ENV})
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"chroma run on port {port} did not start")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield port, proc.pid
    finally:
        proc.kill()
        proc.wait()


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_child(args: list[str], env: dict[str, str]) -> dict:
    """A Python child's last JSON line (each child reports its own peak memory)."""
    done = subprocess.run([sys.executable, __file__, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{args[0]} failed ({done.returncode}): {(done.stderr.strip().splitlines() or [''])[-1]}")
    return next(json.loads(line) for line in reversed(done.stdout.strip().splitlines()) if line.startswith("{"))


def _peak_self_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def ingest_child(seed_cache: Path | None) -> dict:
    """In the child: one ingest with the settings from the environment (what `python -m ingest` runs);
    `seed_cache`: an embedding cache (embeddings.sqlite) to start from, so that nothing is embedded twice."""
    from assistant.index.store import store_layout
    from eval.harness import load_settings
    from ingest.pipeline import run_ingest

    settings = load_settings()
    if seed_cache is not None:
        target = store_layout(settings).embedding_cache
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(seed_cache, target)
    started = time.perf_counter()
    summary = run_ingest(settings)
    return {"seconds": round(time.perf_counter() - started, 1), "pages": summary.pages, "chunks": summary.chunks,
            "files": summary.files, "skipped": summary.skipped, "texts_embedded": summary.texts_embedded,
            "texts_cached": summary.texts_cached, "peak_mb": _peak_self_mb()}


def measure(corpus: Path, name: str, server: bool, work: Path, questions: int, rounds: int) -> Measure:
    """The embedded row embeds everything; the server row then takes the vectors from its cache (the same
    bit for bit, ingest/vectors.py), so its ingest time is everything but the embedding."""
    from assistant.index.layout import StoreLayout

    store = work / f"store-{name}-{'server' if server else 'embedded'}"
    cache = StoreLayout(work / f"store-{name}-embedded").embedding_cache
    env = {**os.environ, **ENV, "KLASTRY_CORPUS_DIR": str(corpus), "KLASTRY_STORE_DIR": str(store)}
    with (chroma_server(work / f"chroma-{name}") if server else _nothing()) as running:
        if running:
            env.update(KLASTRY_CHROMA_HOST="127.0.0.1", KLASTRY_CHROMA_PORT=str(running[0]))
        ingested = run_child(["--ingest-child", *(["--seed-cache", str(cache)] if server else [])], env)
        asked = run_child(["--ask-child", "--questions", str(questions), "--rounds", str(rounds)], env)
        server_peak = peak_rss_mb(running[1]) if running else None
        size = dir_mb(work / f"chroma-{name}") if server else dir_mb(store)
    if ingested["skipped"]:
        raise RuntimeError(f"the ingest skipped files of the {name} corpus: {ingested['skipped']}")
    return Measure(name, "server" if server else "embedded", ingested["pages"], ingested["chunks"],
                   ingested["seconds"], ingested["texts_embedded"], ingested["texts_cached"], ingested["peak_mb"],
                   round(size, 1), asked["p50_ms"], asked["p95_ms"],
                   asked["peak_mb"], None if server_peak is None else round(server_peak),
                   asked["figure_accuracy"], asked["questions"])


@contextmanager
def _nothing():
    yield None


def ask_child(questions: int, rounds: int) -> dict:
    """In the child: warm p50/p95 over the dev questions, peak memory, then figure accuracy (run_eval)."""
    from assistant import Assistant
    from eval.harness import load_questions, load_settings, run_eval

    settings = load_settings()
    assistant = Assistant.load(settings)
    dev = [q for q in load_questions(QUESTIONS) if q["split"] == "dev"]
    timed = dev[:questions]
    for q in timed[:5]:
        assistant.ask(q["question"], history=q["history"])
    p50s, p95s = [], []
    for _ in range(rounds):
        times = []
        for q in timed:
            started = time.perf_counter()
            assistant.ask(q["question"], history=q["history"])
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p50s.append(statistics.median(times))
        p95s.append(times[min(len(times) - 1, round(0.95 * len(times)) - 1)])
    peak = _peak_self_mb()
    run = run_eval(dev, settings, report_dir=None, show_progress=False, assistant=assistant)
    return {"p50_ms": round(statistics.median(p50s), 1), "p95_ms": round(statistics.median(p95s), 1),
            "peak_mb": peak, "figure_accuracy": run.metrics["figure_accuracy"], "questions": len(dev)}


# --- the table -------------------------------------------------------------------------------------------

def run_growth(pages: int = 300, questions: int = 60, rounds: int = 3, keep: Path | None = None) -> list[Measure]:
    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="klastry-growth-"))
    try:
        real = work / "corpus-report"
        real.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPORT, real / REPORT.name)
        grown = build_corpus(work / "corpus-grown", pages)
        rows = []
        for name, corpus in (("report", real), ("grown", grown.corpus)):
            for server in (False, True):
                rows.append(measure(corpus, name, server, work, questions, rounds))
        return rows
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)


def table(rows: list[Measure]) -> str:
    lines = ["| corpus | mode | pages (chunks) | ingest (peak memory) | store on disk | ask p50 / p95 "
             "| ask process peak memory (Chroma server) | dev figure accuracy |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        server = f" ({r.server_peak_mb:.0f} MB)" if r.server_peak_mb is not None else ""
        lines.append(f"| {r.corpus} | {r.mode} | {r.pages} ({r.chunks}) "
                     f"| {r.ingest_s:.1f} s, {_how(r)} ({r.ingest_peak_mb:.0f} MB) "
                     f"| {r.store_mb:.1f} MB | {r.p50_ms:.0f} / {r.p95_ms:.0f} ms | {r.ask_peak_mb:.0f} MB{server} "
                     f"| {r.figure_accuracy:.3f} ({r.questions}) |")
    return "\n".join(lines)


def _how(row: Measure) -> str:
    return "cold" if not row.texts_cached else f"vectors cached, {row.texts_embedded} embedded"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300, help="pages of the grown corpus, the report's included")
    parser.add_argument("--questions", type=int, default=60, help="dev questions timed per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", type=Path, help="build and keep the corpora and stores in this folder")
    parser.add_argument("--ask-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--ingest-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seed-cache", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ingest_child:
        print(json.dumps(ingest_child(args.seed_cache)))
        return 0
    if args.ask_child:
        print(json.dumps(ask_child(args.questions, args.rounds)))
        return 0
    started = time.perf_counter()
    rows = run_growth(args.pages, args.questions, args.rounds, args.keep)
    meta = {"seconds": round(time.perf_counter() - started), "load_average_end": round(os.getloadavg()[0], 1),
            "rounds": args.rounds}
    if args.json:
        print(json.dumps({"rows": [asdict(r) for r in rows], "meta": meta}))
    else:
        print(table(rows))
        print(f"\n{args.rounds} rounds; load average {meta['load_average_end']} at the end; {meta['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
