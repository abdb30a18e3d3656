"""Web chat speed: `python benchmarks/ui_startup.py [--runs 3] [--corpus DIR] [--store DIR]`.

Per run: start `python ui.py` on a free port and time
  - start -> the page answers HTTP 200 (target: median at most 6 s),
  - start -> the store is open ("assistant ready" in the log; informational),
  - sending a question on /chat -> the first streamed text piece arrives (target: median at most 300 ms),
    for the first question of a new client and (median) for three more questions,
  - sending -> the final answer with its source cards, and Assistant.ask's own latency_ms (informational).
Prints one line per run and the medians. Uses the normal settings (the project store) unless
--corpus/--store are given; a missing store is built by ui.py itself after the page is up.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ["Ile zarabia hydraulik w Kapadocji według przeglądu ubezpieczeniowego?",  # words outside the report
             "Ile klastrów ma status Krajowego Klastra Kluczowego?", "Ilu członków ma średnio klaster?",
             "Ile aktywnych klastrów zidentyfikowano w Polsce?", "Ile klastrów jest w Niemczech?"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, timeout: float, proc: subprocess.Popen, log: Path) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"ui.py exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        if check():
            return time.perf_counter()
        time.sleep(0.02)
    sys.exit(f"timed out after {timeout} s:\n{log.read_text(errors='replace')}")


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def chat_timings(client, question: str) -> tuple[float, float]:
    """(ms to the first streamed text, ms to the final answer) for one question in a fresh conversation."""
    sent = time.perf_counter()
    job = client.submit(question, [], api_name="/chat")
    first = None
    for output in job:
        content = output[0][-1]["content"] if output and output[0] else ""
        text = content if isinstance(content, str) else "".join(part.get("text", "") for part in content)
        if first is None and 'class="answer' in text:
            first = time.perf_counter()
    job.result()
    done = time.perf_counter()
    return ((first or done) - sent) * 1000, (done - sent) * 1000


def question_timings(url: str) -> dict[str, float]:
    from gradio_client import Client

    client = Client(url, analytics_enabled=False, verbose=False)
    first_piece, answer = chat_timings(client, QUESTIONS[0])
    later = [chat_timings(client, q)[0] for q in QUESTIONS[1:]]
    ask_ms = client.predict(QUESTIONS[0], [], api_name="/answer")["latency_ms"]  # the assistant's own share
    return {"first_piece_ms": first_piece, "answer_ms": answer, "later_piece_ms": statistics.median(later),
            "assistant_ask_ms": ask_ms}


def run_once(extra: list[str], work: Path) -> dict[str, float]:
    port = free_port()
    log = work / f"ui-{port}.log"
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1",
           "KLASTRY_FEEDBACK_FILE": str(work / "feedback.jsonl")}
    url = f"http://127.0.0.1:{port}/"
    with open(log, "w") as handle:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "ui.py", "--port", str(port), *extra], cwd=ROOT, env=env,
                                stdout=handle, stderr=subprocess.STDOUT)
    try:
        up = wait_until(lambda: http_ok(url), 120, proc, log) - started
        ready = wait_until(lambda: "assistant ready" in log.read_text(errors="replace"), 900, proc, log) - started
        timings = question_timings(url)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    return {"http_200_s": up, "store_open_s": ready, **timings}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--corpus")
    parser.add_argument("--store")
    args = parser.parse_args()
    extra = [flag for name, value in (("--corpus", args.corpus), ("--store", args.store)) if value
             for flag in (name, value)]
    results = []
    with tempfile.TemporaryDirectory(prefix="ui-bench-") as work:
        for number in range(1, args.runs + 1):
            result = run_once(extra, Path(work))
            results.append(result)
            print(f"run {number}: " + ", ".join(f"{k} {v:.2f}" for k, v in result.items()), flush=True)
    medians = {key: statistics.median(r[key] for r in results) for key in results[0]}
    print(f"median of {args.runs}: python ui.py -> HTTP 200 {medians['http_200_s']:.2f} s (target <= 6); "
          f"first answer text {medians['first_piece_ms']:.0f} ms after sending the first question, "
          f"{medians['later_piece_ms']:.0f} ms for later ones (target <= 300); "
          f"store open {medians['store_open_s']:.2f} s; "
          f"first full answer {medians['answer_ms']:.0f} ms, "
          f"of which Assistant.ask {medians['assistant_ask_ms']:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
