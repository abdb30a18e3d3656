"""`python -m eval bench [--quick] [--json]`: every speed and memory number of issue 13 in one table.

Rows: cold and no-change ingest beside the textbook pipeline (benchmarks/ingest_speed.py --json,
run as a subprocess), warm ask p50/p95 idle and beside a busy process (benchmarks/ask_speed.py),
then per round one real `python ui.py` (benchmarks/load.py): start-up to HTTP 200 and to "ready",
the first answer after ready for a question full of words outside the report, load rows for
10/25/50 back-to-back sessions idle and beside a busy process, and the server's peak memory.
Medians over rounds (3, or 1 with --quick, which also shortens every load row to a few seconds and
skips ingest). Nothing here asserts a target: the table shows them beside the numbers. `--growth [PAGES]`
adds the rows of benchmarks/growth.py (the report against a generated 300-page corpus, embedded and on a
Chroma server; 15-30 minutes on 2 cores, so only when asked).
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SESSIONS = (10, 25, 50)
# words the report never uses: the first answer after "ready" must not wait for a dictionary
FIRST_QUESTION = "Ile zarabia hydraulik w Kapadocji według przeglądu ubezpieczeniowego?"
LOAD_TARGETS = {25: 1000, 50: 2000}


@dataclass
class Row:
    """One line of the table: what was measured, the number(s), the target when there is one."""

    measure: str
    result: str
    target: str = ""
    values: dict = field(default_factory=dict)


@dataclass
class Bench:
    rows: list[Row]
    meta: dict

    def errors(self) -> int:
        return sum(int(row.values.get("errors", 0)) for row in self.rows)

    def to_dict(self) -> dict:
        return {"rows": [asdict(row) for row in self.rows], "meta": self.meta}


def _median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _fmt(value: float | None, unit: str = "", digits: int = 0) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}{unit}"


def ingest_rows(quick: bool) -> list[Row]:
    """benchmarks/ingest_speed.py --json (owned by the ingest work); what it prints, or why there is nothing."""
    if quick:
        return [Row("ingest: cold / textbook pipeline / no-change", "skipped (--quick)", "cold <= 1.2x textbook")]
    command = [sys.executable, "benchmarks/ingest_speed.py", "--json"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    data = _last_json(done.stdout)
    if data is None and "--json" in done.stderr:  # a version without --json: read its text lines
        done = subprocess.run(command[:-1], cwd=ROOT, capture_output=True, text=True)
        data = _ingest_text(done.stdout)
    if done.returncode != 0 or data is None:
        reason = (done.stderr.strip().splitlines() or ["no JSON printed"])[-1][:100]
        return [Row("ingest: cold / textbook pipeline / no-change", f"n/a ({reason})", "cold <= 1.2x textbook")]
    ratio = data.get("ratio")
    runs = data.get("runs") or data.get("rounds") or 3
    return [Row("ingest: cold, textbook pipeline (same run)",
                f"{_fmt(data.get('cold_s'), ' s', 1)}, {_fmt(data.get('textbook_s'), ' s', 1)}: "
                f"ratio {_fmt(ratio, '', 2)} (median of {runs})", "ratio <= 1.2", data),
            Row("ingest: no-change re-run", _fmt(data.get("no_change_s"), " s", 2), "<= 3 s", data)]


def _ingest_text(text: str) -> dict | None:
    """cold / no-change medians from ingest_speed.py's text lines ("cold ingest median 51.2 s ...")."""
    found = {}
    for key, pattern in (("cold_s", r"cold ingest\s+median\s+([\d.]+)"),
                         ("no_change_s", r"no-change re-run\s+median\s+([\d.]+)")):
        match = re.search(pattern, text)
        if match:
            found[key] = float(match.group(1))
    return found or None


def _last_json(text: str) -> dict | None:
    for line in reversed(text.strip().splitlines()):
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    return None


def ask_rows(quick: bool) -> list[Row]:
    rounds, count = (1, 20) if quick else (3, 60)
    command = [sys.executable, "benchmarks/ask_speed.py", "--json", "--busy", "--runs", "0",
               "--rounds", str(rounds), "--questions", str(count)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    data = _last_json(done.stdout)
    if done.returncode != 0 or data is None:
        reason = (done.stderr.strip().splitlines() or ["no JSON printed"])[-1][:100]
        return [Row("ask (in-process), idle", f"n/a ({reason})", "p50 <= 150, p95 <= 400 ms", {"errors": 1})]
    rows = []
    for name, label in (("idle", "idle"), ("busy", "beside a busy process")):
        part = data[name]
        rows.append(Row(f"ask (in-process, {part['questions']} questions), {label}",
                        f"p50 {part['p50_ms']:.0f} ms, p95 {part['p95_ms']:.0f} ms", "p50 <= 150, p95 <= 400 ms",
                        part))
    rows.append(Row("ask: peak memory of one process", f"{data['peak_mb']:.0f} MB", "<= 800 MB", data))
    return rows


def first_answer_ms(url: str) -> dict[str, float]:
    """The first /answer and the first /chat answer right after "ready", over Gradio's HTTP API (ms)."""
    from benchmarks.load import HttpSession

    session = HttpSession(url)
    try:
        started = time.perf_counter()
        session.call("answer", [FIRST_QUESTION, []])
        answer_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        session.call("chat", [FIRST_QUESTION + " ", []])
        chat_ms = (time.perf_counter() - started) * 1000
    finally:
        session.close()
    return {"answer_ms": answer_ms, "chat_ms": chat_ms}


def serving_rows(quick: bool, ui_args: list[str] | None = None) -> list[Row]:
    """Per round one fresh `python ui.py`: start-up, the first answer, load idle and busy, peak memory."""
    from benchmarks.load import MemoryPeak, busy_neighbour, run_load, ui_server

    rounds, seconds = (1, 3.0) if quick else (3, 20.0)
    starts, firsts, peaks = [], [], []
    loads: dict[tuple[int, bool], list] = {}
    for _ in range(rounds):
        with ui_server(ui_args) as server, MemoryPeak(server.proc.pid) as peak:
            starts.append((server.http_s, server.ready_s))
            firsts.append(first_answer_ms(server.url))
            for busy in (False, True):
                with busy_neighbour(busy):
                    for count in SESSIONS:
                        loads.setdefault((count, busy), []).append(run_load(server.url, count, seconds, "chat", busy,
                                                                                    server_pid=server.proc.pid))
        peaks.append((peak.pss, peak.rss))
    rows = [Row("start-up: python ui.py -> page (HTTP 200), -> ready",
                f"{_median([s[0] for s in starts]):.1f} s, {_median([s[1] for s in starts]):.1f} s",
                "page <= 6 s", {"http_s": _median([s[0] for s in starts]), "ready_s": _median([s[1] for s in starts])}),
            Row("first answer after ready (words outside the report): /answer, /chat",
                f"{_median([f['answer_ms'] for f in firsts]):.0f} ms, {_median([f['chat_ms'] for f in firsts]):.0f} ms",
                "<= 300 ms", {key: _median([f[key] for f in firsts]) for key in firsts[0]})]
    for (count, busy), runs in loads.items():
        values = {key: _median([asdict(run)[key] for run in runs])
                  for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "server_cpu_ms")}
        values.update(sessions=count, busy=busy, errors=sum(run.errors for run in runs),
                      requests=sum(run.requests for run in runs))
        target = f"p95 <= {LOAD_TARGETS[count] / 1000:g} s, 0 errors" if count in LOAD_TARGETS else "0 errors"
        rows.append(Row(f"chat, {count} sessions{' beside a busy process' if busy else ''}",
                        f"{values['rps']:.1f} req/s; p50 {values['p50_ms']:.0f} / p95 {values['p95_ms']:.0f} / "
                        f"p99 {values['p99_ms']:.0f} ms; {values['errors']} errors; "
                        f"{values['server_cpu_ms']:.0f} ms CPU per question", target, values))
    pss, rss = max(p[0] for p in peaks), max(p[1] for p in peaks)
    rows.append(Row("serving: peak memory of ui.py and its workers, PSS total (RSS summed)",
                    f"{pss:.0f} MB ({rss:.0f} MB)", "<= 600 MB", {"peak_mb": pss, "peak_rss_mb": rss}))
    return rows


def growth_rows(pages: int) -> list[Row]:
    """benchmarks/growth.py --json: per corpus and mode, ingest, store size, ask p50/p95, memory, figure accuracy."""
    done = subprocess.run([sys.executable, "benchmarks/growth.py", "--json", "--pages", str(pages)], cwd=ROOT,
                          capture_output=True, text=True)
    data = _last_json(done.stdout)
    if done.returncode != 0 or data is None:
        reason = (done.stderr.strip().splitlines() or ["no JSON printed"])[-1][:100]
        return [Row(f"growth: {pages} pages", f"n/a ({reason})", "", {"errors": 1})]
    rows = []
    for r in data["rows"]:
        how = "cold" if not r["texts_cached"] else "vectors cached"
        server = f", Chroma server {r['server_peak_mb']:.0f} MB" if r["server_peak_mb"] is not None else ""
        rows.append(Row(f"growth: {r['corpus']} ({r['pages']} pages, {r['chunks']} chunks), {r['mode']}",
                        f"ingest {r['ingest_s']:.0f} s ({how}), store {r['store_mb']:.0f} MB; ask p50 "
                        f"{r['p50_ms']:.0f} / p95 {r['p95_ms']:.0f} ms, {r['ask_peak_mb']:.0f} MB{server}; "
                        f"dev figure accuracy {r['figure_accuracy']:.3f}", "accuracy as on the report alone", r))
    return rows


def run_bench(quick: bool = False, ui_args: list[str] | None = None, with_ingest: bool | None = None,
              growth: int | None = None) -> Bench:
    started = time.perf_counter()
    rows = ingest_rows(quick if with_ingest is None else not with_ingest)
    rows += ask_rows(quick)
    rows += serving_rows(quick, ui_args)
    rows += growth_rows(growth) if growth else []
    meta = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
            "quick": quick, "ui_args": " ".join(ui_args or []) or "(defaults)",
            "load_average_end": round(os.getloadavg()[0], 1), "seconds": round(time.perf_counter() - started)}
    return Bench(rows, meta)


def machine() -> str:
    model = ""
    try:
        model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "")
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores {model}, {memory:.0f} GB RAM, {platform.system()} {platform.release()}, " \
           f"Python {platform.python_version()}"


def table(bench: Bench) -> str:
    """The Markdown table (what the README quotes) and a line saying when and where."""
    lines = ["| measure | result | target |", "|---|---|---|"]
    lines += [f"| {row.measure} | {row.result} | {row.target} |" for row in bench.rows]
    meta = bench.meta
    lines.append("")
    lines.append(f"{meta['date']}; {meta['machine']}; ui.py {meta['ui_args']}; "
                 f"{'--quick; ' if meta['quick'] else ''}load average {meta['load_average_end']} at the end; "
                 f"{meta['seconds']} s")
    return "\n".join(lines)
