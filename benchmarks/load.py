"""Concurrent chat sessions against a real `python ui.py`: requests/s, p50/p95/p99, errors, memory.

    .venv/bin/python benchmarks/load.py [--sessions 10 25 50] [--seconds 30] [--think 10]
                                        [--client browser|http|gradio] [--api chat|answer] [--busy]
                                        [--ui-args "--workers 2"] [--json]

Starts `python ui.py` on a free port (the project store unless --store), waits for "assistant
ready", then for each session count runs that many chat sessions at once, each asking
the next dev question as soon as its previous answer arrived (no think time: the worst case), for
--seconds; `--think S` makes each session read an answer for S seconds on average first (people do).
A request counts from sending to the final answer (for /chat: the final message with
its source cards). Memory: the peak of the PSS summed over the server and its worker processes
(sampled every 0.5 s; shared library pages counted once), and of their RSS summed (counted twice).
`--busy` keeps one `while True: pass` process running beside it (a neighbour on the 2 cores).
A session is a browser tab by default (`--client browser`): the page's own protocol (POST
/gradio_api/queue/join with the tab's session hash and its chat so far, then the session's SSE stream),
the conversation carried over between questions, a new one every 10 questions. `--client http`
speaks Gradio's documented HTTP API instead (POST /gradio_api/call/<api>, then its SSE stream): every
question is a new Gradio session, which costs the server about 8 ms of CPU more (Gradio builds each
new session's copy of the page config); that is what API clients get. `--client gradio` uses gradio_client:
it spends about 75 ms of CPU per request (a new HTTP connection per call, polling threads), more
than the answer itself, and on a 2-core machine that measures the client more than the chat.
Targets (issue 13): 25 sessions p95 <= 1 s, 50 sessions p95 <= 2 s, 0 errors, <= 600 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BUSY = "while True: pass"


@dataclass
class LoadRow:
    """One load level: what a user of the chat would notice, in numbers."""

    sessions: int
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    busy: bool = False
    server_cpu_ms: float = float("nan")  # CPU time of the chat and its workers per answered request
    client_cpu_ms: float = float("nan")  # CPU time of this load generator per answered request (same cores)


@dataclass
class Server:
    proc: subprocess.Popen
    url: str
    log: Path
    http_s: float  # start -> the page answers HTTP 200
    ready_s: float  # start -> "assistant ready" in the log


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def _wait(check, timeout: float, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"ui.py exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        if check():
            return
        time.sleep(0.02)
    raise RuntimeError(f"ui.py not ready within {timeout} s:\n{log.read_text(errors='replace')[-3000:]}")


@contextmanager
def ui_server(ui_args: list[str] | None = None, work: Path | None = None, env: dict | None = None):
    """`python ui.py` on a free port, yielded once it reports ready; stopped (with its children) afterwards."""
    own = work is None
    work = Path(tempfile.mkdtemp(prefix="klastry-load-")) if own else work
    port = free_port()
    log = work / f"ui-{port}.log"
    full_env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1",
                "KLASTRY_FEEDBACK_FILE": str(work / "feedback.jsonl"), **(env or {})}
    url = f"http://127.0.0.1:{port}/"
    with open(log, "w") as handle:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "ui.py", "--port", str(port), *(ui_args or [])], cwd=ROOT,
                                env=full_env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait(lambda: _http_ok(url), 180, proc, log)
        http_s = time.perf_counter() - started
        _wait(lambda: "assistant ready" in log.read_text(errors="replace"), 900, proc, log)
        yield Server(proc, url, log, http_s, time.perf_counter() - started)
    finally:
        stop(proc)
        if own:
            shutil.rmtree(work, ignore_errors=True)


def stop(proc: subprocess.Popen) -> None:
    """End the server and whatever it started (its own process group)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, 15)
            proc.wait(timeout=20)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            os.killpg(proc.pid, 9)
            proc.wait()


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo += [int(child) for child in task.read_text().split()]
            except OSError:
                pass
    return pids


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def memory_mb(pid: int, field: str = "VmHWM") -> float:
    """Resident memory (peak by default) summed over a process and its descendants, in MB."""
    return sum(_status_kb(p, field) for p in _tree(pid)) / 1024


def pss_mb(pid: int) -> float:
    """Proportional set size summed over a process and its descendants, in MB: what they take from the
    machine together (a library page shared by two processes counts half in each; RSS counts it twice)."""
    total = 0
    for current in _tree(pid):
        try:
            text = Path(f"/proc/{current}/smaps_rollup").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in text.splitlines() if line.startswith("Pss:")), 0)
    return total / 1024


class MemoryPeak:
    """Samples the server's summed PSS and RSS every half second while it runs; keeps the peaks (MB)."""

    def __init__(self, pid: int, every: float = 0.5) -> None:
        self.pid, self.every = pid, every
        self.pss = self.rss = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.pss = max(self.pss, pss_mb(self.pid))
            self.rss = max(self.rss, memory_mb(self.pid, "VmRSS"))
            self._stop.wait(self.every)

    def __enter__(self) -> MemoryPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.rss = max(self.rss, memory_mb(self.pid))  # the kernel's own peak counts too


def questions(limit: int = 200, lang: str | None = None) -> list[tuple[str, list[str]]]:
    """Dev questions (with their follow-up history), never the held-out ones; `lang`: in that language only."""
    data = yaml.safe_load((ROOT / "eval" / "questions.yaml").read_text(encoding="utf-8"))
    return [(q["question"], list(q.get("history") or [])) for q in data
            if q.get("split", "dev") == "dev" and lang in (None, q.get("lang"))][:limit]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its descendants (all their threads), in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for current in _tree(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


class HttpSession:
    """One user's connection speaking Gradio's HTTP API (what the "Use via API" page documents)."""

    def __init__(self, url: str) -> None:
        import httpx

        self.http = httpx.Client(base_url=url, timeout=120)

    def call(self, api: str, data: list) -> object:
        """The endpoint's final output (SSE `complete`); RuntimeError on `error`."""
        event_id = self.http.post(f"gradio_api/call/{api}", json={"data": data}).raise_for_status().json()["event_id"]
        event, payload = "", None
        with self.http.stream("GET", f"gradio_api/call/{api}/{event_id}") as response:
            for line in response.iter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:") and event in ("complete", "error"):
                    payload = json.loads(line[5:]) if line[5:].strip() not in ("", "null") else None
                    if event == "error":
                        raise RuntimeError(f"server error: {str(payload)[:100]}")
                    break
        if event != "complete":
            raise RuntimeError(f"the stream ended without an answer (last event {event!r})")
        return payload

    def close(self) -> None:
        self.http.close()


class BrowserSession:
    """One chat tab, speaking the page's own protocol: `queue/join` with the tab's session hash and its chat
    so far, then the session's SSE stream until the event completes. The conversation (the chat and the
    server-side session state) carries over between questions, as in a browser; every `turns` questions the
    official opens a new conversation (a new tab). When an answer changes the page's language (`ui-lang`),
    the tab sends the relabel event the page's change listener sends, before its next question (`catch_up`;
    a browser does it while the official reads)."""

    def __init__(self, url: str, turns: int = 10) -> None:
        import httpx

        self.http = httpx.Client(base_url=url, timeout=120)
        config = self.http.get("config").raise_for_status().json()
        chat = next(d for d in config["dependencies"] if d.get("api_name") == "chat")
        self.fn_index, self.trigger = chat["id"], chat["targets"][0][0]
        ui_lang = next((c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "ui-lang"), None)
        relabel = next((d for d in config["dependencies"] if [ui_lang, "change"] in d.get("targets", [])), None)
        self.relabel_index = relabel["id"] if relabel else None
        self.language_output = chat["outputs"].index(ui_lang) if ui_lang in chat["outputs"] else None
        self.relabel_trigger = ui_lang
        self.turns, self.asked = turns, 0
        self._new_conversation()

    def _new_conversation(self) -> None:
        self.session_hash, self.chat, self.language, self.ui_lang = os.urandom(6).hex(), [], "pl", None

    def catch_up(self) -> None:
        """The relabel event the page sends when an answer changed its language (not part of any answer's time)."""
        if self.ui_lang is None or self.ui_lang == self.language or self.relabel_index is None:
            return
        self.language = self.ui_lang
        self._run(self.relabel_index, self.relabel_trigger, [self.language])

    def _run(self, fn_index: int, trigger: int, data: list) -> dict:
        """Join the queue with one event and read the session's stream until it completes: its output."""
        body = {"data": data, "fn_index": fn_index, "trigger_id": trigger, "session_hash": self.session_hash,
                "event_data": None}
        event_id = self.http.post("gradio_api/queue/join", json=body).raise_for_status().json()["event_id"]
        with self.http.stream("GET", "gradio_api/queue/data", params={"session_hash": self.session_hash}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:") or "process_completed" not in line[:60]:
                    continue  # (the load generator shares the 2 cores: it parses only the final message)
                message = json.loads(line[5:])
                if message.get("event_id") != event_id or message.get("msg") != "process_completed":
                    continue
                output = message.get("output") or {}
                if not message.get("success", True) or "error" in output and output["error"]:
                    raise RuntimeError(f"server error: {str(output.get('error'))[:100]}")
                return output
        raise RuntimeError("the stream ended without an answer")

    def ask(self, question: str) -> str:
        """The final assistant message's HTML; RuntimeError when the event fails."""
        if self.asked and self.asked % self.turns == 0:
            self._new_conversation()
        self.asked += 1
        output = self._run(self.fn_index, self.trigger, [question, self.chat, None])
        self.chat = output["data"][0]
        if self.language_output is not None and isinstance(output["data"][self.language_output], str):
            self.ui_lang = output["data"][self.language_output]
        content = self.chat[-1]["content"] if self.chat else ""
        return content if isinstance(content, str) else "".join(p.get("text", "") for p in content)

    def close(self) -> None:
        self.http.close()


def _one_request(client, api: str, question: str, history: list[str]) -> None:
    if isinstance(client, BrowserSession):
        text = client.ask(question)
        if "answer" not in text:
            raise RuntimeError(f"unexpected chat reply: {text[:100]}")
        return
    if isinstance(client, HttpSession):
        output = client.call(api, [question, history] if api == "answer" else [question, []])
        result = output[0] if isinstance(output, list) and output else None
        if api == "answer":
            if not isinstance(result, dict) or "answer" not in result:
                raise RuntimeError(f"unexpected /answer result: {str(result)[:100]}")
            return
        content = result[-1]["content"] if result else ""
        text = content if isinstance(content, str) else "".join(part.get("text", "") for part in content)
        if "answer" not in text:
            raise RuntimeError(f"unexpected /chat reply: {text[:100]}")
        return
    if api == "answer":
        result = client.predict(question, history, api_name="/answer")
        if not isinstance(result, dict) or "answer" not in result:
            raise RuntimeError(f"unexpected /answer result: {str(result)[:100]}")
        return
    job = client.submit(question, [], api_name="/chat")
    outputs = job.result()
    content = outputs[0][-1]["content"] if outputs and outputs[0] else ""
    text = content if isinstance(content, str) else "".join(part.get("text", "") for part in content)
    if "answer" not in text:  # the final message is the answer block (or a refusal notice); an error is not
        raise RuntimeError(f"unexpected /chat reply: {text[:100]}")


def run_load(url: str, sessions: int, seconds: float, api: str = "chat", busy: bool = False,
             client: str = "browser", think: float = 0.0, server_pid: int | None = None) -> LoadRow:
    """`sessions` clients asking for `seconds`, each `think` seconds on average (uniform 0.5-1.5x) after an
    answer before its next question (0: back to back); requests still running at the end are waited for.
    A browser session asks in one language, Polish or English every other session (people do not switch
    language at every question, and a switch redraws the page's labels)."""
    by_language, mixed = {"pl": questions(lang="pl"), "en": questions(lang="en")}, questions()
    clients: list = [None] * sessions

    def connect(index: int) -> None:
        if client == "browser":
            clients[index] = BrowserSession(url)
            return
        if client == "http":
            clients[index] = HttpSession(url)
            return
        from gradio_client import Client

        clients[index] = Client(url, analytics_enabled=False, verbose=False)

    threads = [threading.Thread(target=connect, args=(i,)) for i in range(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    server_cpu = cpu_seconds(server_pid) if server_pid else float("nan")
    client_cpu = sum(os.times()[:2])
    start = time.perf_counter()
    deadline = start + seconds

    def session(index: int) -> None:
        pause = random.Random(index)  # reading time differs per person, reproducibly
        number = index * 7
        if think:  # people do not all press enter in the same second
            time.sleep(pause.uniform(0.0, think))
        asked = by_language["en" if index % 2 else "pl"] if client == "browser" else mixed
        while time.perf_counter() < deadline:
            question, history = asked[number % len(asked)]
            number += 1
            if isinstance(clients[index], BrowserSession):
                try:
                    clients[index].catch_up()
                except Exception as error:  # noqa: BLE001 - counted, the session goes on
                    with lock:
                        errors.append(f"relabel: {type(error).__name__}: {str(error)[:120]}")
            sent = time.perf_counter()
            try:
                _one_request(clients[index], api, question, history)
            except Exception as error:  # noqa: BLE001 - counted, the session goes on
                with lock:
                    errors.append(f"{type(error).__name__}: {str(error)[:120]}")
                continue
            with lock:
                latencies.append((time.perf_counter() - sent) * 1000)
            if think:
                time.sleep(pause.uniform(0.5, 1.5) * think)

    threads = [threading.Thread(target=session, args=(i,)) for i in range(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    answered = max(len(latencies), 1)
    server_cpu = (cpu_seconds(server_pid) - server_cpu) * 1000 / answered if server_pid else float("nan")
    client_cpu = (sum(os.times()[:2]) - client_cpu) * 1000 / answered
    for error in sorted(set(errors))[:3]:
        print(f"  error: {error}", file=sys.stderr)
    for session_client in clients:
        try:
            session_client.close()
        except Exception:  # noqa: BLE001, S110 - closing only
            pass
    return LoadRow(sessions, len(latencies), len(errors), len(latencies) / elapsed,
                   statistics.median(latencies) if latencies else float("nan"), percentile(latencies, 0.95),
                   percentile(latencies, 0.99), busy, server_cpu, client_cpu)


@contextmanager
def busy_neighbour(enabled: bool = True):
    """One process spinning on a core for the duration (the machine is shared)."""
    proc = subprocess.Popen([sys.executable, "-c", BUSY]) if enabled else None
    try:
        yield
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[10, 25, 50])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--api", choices=["chat", "answer"], default="chat", help="with --client http or gradio")
    parser.add_argument("--client", choices=["browser", "http", "gradio"], default="browser",
                        help="browser: chat tabs, the page's own protocol, each tab's conversation carried over "
                             "(default); http: Gradio's HTTP API, a new session per question; gradio: gradio_client")
    parser.add_argument("--busy", action="store_true", help="one busy process beside the server")
    parser.add_argument("--ui-args", default="", help="extra ui.py arguments, e.g. '--workers 2'")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds a person reads an answer before the next question (default 0: back to back)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    with ui_server(shlex.split(args.ui_args)) as server, busy_neighbour(args.busy), \
            MemoryPeak(server.proc.pid) as peak:
        for count in args.sessions:
            row = run_load(server.url, count, args.seconds, args.api, args.busy, args.client, args.think,
                           server.proc.pid)
            rows.append(row)
            if not args.json:
                print(f"{count:3d} sessions{' (busy)' if args.busy else ''}"
                      f"{f', think {args.think:g} s' if args.think else ''}: {row.rps:5.1f} req/s  "
                      f"p50 {row.p50_ms:6.0f}  p95 {row.p95_ms:6.0f}  p99 {row.p99_ms:6.0f} ms  "
                      f"{row.requests} requests, {row.errors} errors; CPU per request: "
                      f"server {row.server_cpu_ms:.0f} ms, load generator {row.client_cpu_ms:.0f} ms", flush=True)
    if args.json:
        print(json.dumps({"rows": [asdict(r) for r in rows], "peak_pss_mb": peak.pss, "peak_rss_mb": peak.rss,
                          "ui_args": args.ui_args}))
    else:
        print(f"server processes at their peak: {peak.pss:.0f} MB PSS (target <= 600), RSS summed {peak.rss:.0f} MB; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
