"""`python -m eval bench --quick`: the one table of speed and memory, run for real over the test store.

No timing is asserted (timings belong in the benchmark, on a shared machine they are noise): the
test checks that every row is there with numbers, that the chat served 10, 25 and 50 concurrent
sessions idle and beside a busy process without a single error, and that the table is printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_bench_quick_prints_every_row_with_zero_errors(built_store, tmp_path):
    corpus, store = built_store
    env = {**os.environ, "KLASTRY_CORPUS_DIR": str(corpus), "KLASTRY_STORE_DIR": str(store),
           "KLASTRY_FEEDBACK_FILE": str(tmp_path / "feedback.jsonl"), "GRADIO_ANALYTICS_ENABLED": "False"}
    done = subprocess.run([sys.executable, "-m", "eval", "bench", "--quick", "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    rows = {row["measure"]: row for row in result["rows"]}
    load = [row["values"] for row in result["rows"] if row["measure"].startswith("chat, ")]
    assert sorted((v["sessions"], v["busy"]) for v in load) == [(n, busy) for n in (10, 25, 50)
                                                                for busy in (False, True)]
    for values in load:
        assert values["errors"] == 0 and values["requests"] > 0, values
        assert 0 < values["p50_ms"] <= values["p95_ms"] <= values["p99_ms"] and values["rps"] > 0
    first = next(row for name, row in rows.items() if name.startswith("first answer after ready"))
    assert first["values"]["answer_ms"] > 0 and first["values"]["chat_ms"] > 0
    assert any(name.startswith("ask (in-process") and "beside a busy process" in name for name in rows)
    memory = next(row for name, row in rows.items() if name.startswith("serving: peak memory"))
    assert 0 < memory["values"]["peak_mb"] <= memory["values"]["peak_rss_mb"]
    assert any(name.startswith("ingest") for name in rows)  # skipped with --quick, but named
    assert result["meta"]["quick"] and result["meta"]["machine"]


def test_bench_table_has_one_line_per_row():
    from eval.bench import Bench, Row, table

    bench = Bench([Row("chat, 10 sessions", "5.0 req/s", "0 errors", {"errors": 0}),
                   Row("start-up", "2.0 s", "page <= 6 s")],
                  {"date": "2026-11-30 12:00 UTC", "machine": "2 cores", "quick": True, "ui_args": "(defaults)",
                   "load_average_end": 1.0, "seconds": 60})
    lines = table(bench).splitlines()
    assert lines[0] == "| measure | result | target |" and lines[2] == "| chat, 10 sessions | 5.0 req/s | 0 errors |"
    assert "2 cores" in lines[-1] and "--quick" in lines[-1] and bench.errors() == 0


pytestmark = pytest.mark.slow  # a system-level run: CI runs it, `scripts/test --fast` skips it
