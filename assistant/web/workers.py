"""Answering questions on more than one core: worker processes, each with its own Assistant.

Scoring a question is Python and holds the GIL for most of its ~50 ms, so one process answers on
one core however many threads it has. A worker is `python -m assistant.web.workers` (no gradio
imported: about 200 MB instead of the chat's 400; the settings overrides are its JSON argument),
speaking JSON lines on its stdin/stdout: `{"id": int, "question": str, "history": [str]}` in,
`{"id": int, "answer": <answer object>}` or `{"id": int, "error": str, "kind": "question"|"store"|"other"}`
out; its first line is `{"ready": true}` once every lazy load is done, or `{"error": ...}`. A worker
answers a few questions at once (threads: the query embedding runs outside the GIL, so one question
embeds while another is scored), and replies in the order they finish. `AskPool` hands each question
to a free slot, a worker's first: the chat's own process also runs Gradio, so it answers only when
the workers are busy.
"""

from __future__ import annotations

import itertools
import json
import queue
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from assistant.errors import QuestionError, StoreError
from assistant.types import Answer

# Warm-up questions: report words, words outside its vocabulary (simplemma's dictionaries), English
# (glossary and bilingual tables), a follow-up. Not evaluation questions: only loads are exercised.
WARM_UP = (("Ile klastrów ma status Krajowego Klastra Kluczowego?", ()),
           ("Ile zarabia spawacz w Bawarii?", ()),
           ("How many welders work in Bavarian clusters?", ()),
           ("A ile z nich ma status KKK?", ("Ile klastrów działa w Polsce?",)))


def warm_up(assistant) -> None:
    """Do every lazy load now, so that the first real question after "ready" pays for none of them."""
    from assistant.lemmas import load_lemmatizer

    load_lemmatizer()
    for question, history in WARM_UP:
        assistant.ask(question, history=list(history))


class Asker(Protocol):
    def ask(self, question: str, history: list[str], docs: list[str] | None = None) -> Answer: ...


class LocalAsker:
    """The chat process's own Assistant (thread-safe for extractive answers)."""

    def __init__(self, assistant) -> None:
        self.assistant = assistant

    def ask(self, question: str, history: list[str], docs: list[str] | None = None) -> Answer:
        return self.assistant.ask(question, history=list(history), docs=docs)

    def refresh(self) -> bool:
        return self.assistant.refresh()


class WorkerError(RuntimeError):
    """A worker process failed to start or died; the message is the one-line reason."""


class ProcessAsker:
    """One worker process answering up to `slots` questions at once; `ask` is thread-safe."""

    def __init__(self, overrides: dict | None = None, slots: int = 1) -> None:
        self.overrides, self.slots = dict(overrides or {}), max(1, slots)
        command = [sys.executable, "-m", "assistant.web.workers", json.dumps(_plain(overrides or {})), str(self.slots)]
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     encoding="utf-8", bufsize=1)
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._waiting: dict[int, queue.Queue] = {}  # request id -> where its reply goes
        self._gone: str | None = None  # why the worker stopped answering

    def wait_ready(self) -> None:
        reply = self._read()
        if not reply.get("ready"):
            raise WorkerError(f"worker did not start: {reply.get('error', 'no reason given')}")
        threading.Thread(target=self._route_replies, daemon=True).start()

    def _route_replies(self) -> None:
        """Hand each reply to the question waiting for it; when the worker dies, every waiting one learns it."""
        while True:
            try:
                reply = self._read()
            except (WorkerError, ValueError) as error:
                with self._lock:
                    self._gone = str(error)
                    waiting, self._waiting = self._waiting, {}
                for box in waiting.values():
                    box.put({"error": self._gone, "kind": "gone"})
                return
            with self._lock:
                box = self._waiting.pop(reply.get("id"), None)
            if box is not None:
                box.put(reply)

    def ask(self, question: str, history: list[str], docs: list[str] | None = None) -> Answer:
        box: queue.Queue = queue.Queue(maxsize=1)
        with self._lock:
            if self._gone is not None:
                raise WorkerError(self._gone)
            request = next(self._ids)
            self._waiting[request] = box
            try:
                message = {"id": request, "question": question, "history": list(history), "docs": docs}
                self.proc.stdin.write(json.dumps(message) + "\n")
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError, ValueError) as error:
                self._waiting.pop(request, None)
                raise WorkerError(f"worker {self.proc.pid} is gone ({error})") from error
        reply = box.get()
        if "answer" in reply:
            return Answer.from_dict(reply["answer"])
        if reply.get("kind") == "question":
            raise QuestionError(reply["error"])
        if reply.get("kind") == "store":  # the store is unreachable: the same one line as in this process
            raise StoreError(reply["error"])
        raise WorkerError(reply.get("error", "worker failed"))

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise WorkerError(f"worker {self.proc.pid} exited with {self.proc.poll()}")
        return json.loads(line)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:  # it died meanwhile
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class AskPool:
    """Each question goes to a free slot, a worker process's first (the chat's own process also runs
    Gradio); the others wait in line for the next free one. A worker with N slots is N askers. A worker
    that dies is replaced in the background (at most `RESTARTS` times in `RESTART_WINDOW_S`, so a worker
    that cannot start does not loop); meanwhile its questions go to the other slots."""

    RESTARTS, RESTART_WINDOW_S = 3, 600.0

    def __init__(self, askers: list[Asker]) -> None:
        self.askers = list(askers)
        self._free: queue.PriorityQueue = queue.PriorityQueue()
        self._slots: list[Asker] = []
        self._lock = threading.Lock()
        self._restarted: list[float] = []
        self._closed = False
        for asker in askers:
            self._add_slots(asker)

    def _add_slots(self, asker: Asker) -> None:
        with self._lock:
            first = len(self._slots)
            self._slots.extend([asker] * getattr(asker, "slots", 1))
            slots = range(first, len(self._slots))
        for slot in slots:
            self._free.put((self._rank(asker), slot))

    @staticmethod
    def _rank(asker: Asker) -> int:
        return 0 if isinstance(asker, ProcessAsker) else 1

    def ask(self, question: str, history: list[str], docs: list[str] | None = None) -> Answer:
        while True:
            rank, slot = self._free.get()
            asker = self._slots[slot]
            if asker not in self.askers:  # a retired (or dead) worker's slot: dropped
                continue
            try:
                answer = asker.ask(question, history, docs)
            except WorkerError as error:  # a dead worker loses its slots; the question goes to the next free one
                self._drop(asker, error)
                continue
            except BaseException:
                self._free.put((rank, slot))
                raise
            self._free.put((rank, slot))
            return answer

    def retire_workers(self) -> list[ProcessAsker]:
        """Take the worker processes out (their questions under way finish) before this process writes to the
        store: an embedded Chroma store is not safe to read from another process while it is written. After a
        write every process reopens Chroma for the new generation (`open_index(reload=True)`: its cached system
        failed with "Error finding id" on the new ids); retiring covers the write itself. Questions go to this
        process's own askers until `add_workers` puts fresh workers, which open the new store, back."""
        with self._lock:
            retired = [a for a in self.askers if isinstance(a, ProcessAsker)]
            self.askers = [a for a in self.askers if not isinstance(a, ProcessAsker)]
        return retired

    def add_workers(self, workers: list[ProcessAsker]) -> None:
        for worker in workers:
            self._join(worker)

    def _join(self, worker: ProcessAsker) -> bool:
        """The worker answers from now on; a pool closed meanwhile closes it instead (False)."""
        with self._lock:
            closed = self._closed
            if not closed:
                self.askers.append(worker)
        if closed:
            worker.close()
            return False
        self._add_slots(worker)
        return True

    def refresh(self) -> None:
        """This process's askers load the newly published generation now (workers: see `retire_workers`)."""
        for asker in {id(a): a for a in list(self.askers) if isinstance(a, LocalAsker)}.values():
            asker.refresh()

    def _drop(self, asker: Asker, error: WorkerError) -> None:
        with self._lock:
            first_report = asker in self.askers
            self.askers = [a for a in self.askers if a is not asker]
            now = time.monotonic()
            self._restarted = [t for t in self._restarted if now - t < self.RESTART_WINDOW_S]
            restart = first_report and isinstance(asker, ProcessAsker) and not self._closed \
                and len(self._restarted) < self.RESTARTS
            if restart:
                self._restarted.append(now)
        if first_report:
            print(f"warning: a worker stopped answering ({error}); "
                  + ("starting a new one" if restart else "the chat goes on without it"), file=sys.stderr, flush=True)
            if isinstance(asker, ProcessAsker):
                asker.close()
        if restart:
            threading.Thread(target=self._replace, args=(asker,), daemon=True).start()
        if not self.askers and not restart:
            raise error

    def _replace(self, dead: ProcessAsker) -> None:
        worker = None
        try:
            worker = ProcessAsker(dead.overrides, dead.slots)
            worker.wait_ready()
        except (WorkerError, OSError, ValueError) as error:
            print(f"warning: the new worker did not start: {error}", file=sys.stderr, flush=True)
            if worker is not None:
                worker.close()
            return
        if self._join(worker):
            print(f"a new worker (process {worker.proc.pid}) is answering", file=sys.stderr, flush=True)

    def close(self) -> None:
        with self._lock:
            self._closed = True
        for asker in set(self.askers):
            if isinstance(asker, ProcessAsker):
                asker.close()


def start_workers(count: int, overrides: dict | None = None, slots: int = 1) -> list[ProcessAsker]:
    """`count` worker processes of `slots` questions at once each, started together and returned once all
    are ready (WorkerError otherwise)."""
    workers = [ProcessAsker(overrides, slots) for _ in range(count)]
    errors: list[str] = []

    def wait(worker: ProcessAsker) -> None:
        try:
            worker.wait_ready()
        except (WorkerError, ValueError) as error:
            errors.append(str(error))

    threads = [threading.Thread(target=wait, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        for worker in workers:
            worker.close()
        raise WorkerError(errors[0])
    return workers


def _plain(overrides: dict) -> dict:
    return {key: str(value) for key, value in overrides.items() if value is not None}


def serve(overrides: str = "{}", slots: str = "1") -> int:
    """The worker's loop: answer JSON-line questions on stdin, `slots` at once, until it closes
    (`overrides`: Settings.load JSON)."""
    # Ctrl-C in the terminal reaches the whole process group: the chat stops its workers itself (closing their
    # stdin), so a worker ignores it rather than printing a KeyboardInterrupt traceback of its own
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out = sys.stdout
    sys.stdout = sys.stderr  # anything the libraries print must not mix with the replies
    writing = threading.Lock()

    def send(message: dict) -> None:
        line = json.dumps(message, ensure_ascii=False) + "\n"
        with writing:
            out.write(line)
            out.flush()

    try:
        from assistant import Assistant, Settings

        assistant = Assistant.load(Settings.load(**json.loads(overrides)))
        warm_up(assistant)
    except Exception as error:  # noqa: BLE001 - reported to the chat, which shows it
        send({"error": f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"})
        return 1
    send({"ready": True})

    def answer(request: dict) -> None:
        ident = request.get("id")
        try:
            reply = {"answer": assistant.ask(request["question"], history=request.get("history") or [],
                                             docs=request.get("docs")).to_dict()}
        except QuestionError as error:
            reply = {"error": str(error), "kind": "question"}
        except StoreError as error:
            reply = {"error": str(error), "kind": "store"}
        except Exception as error:  # noqa: BLE001 - one failed question, the worker goes on
            reply = {"error": f"{type(error).__name__}: {error}", "kind": "other"}
        send({"id": ident, **reply})

    with ThreadPoolExecutor(max_workers=max(1, int(slots))) as pool:
        for line in sys.stdin:
            pool.submit(answer, json.loads(line))
    return 0


if __name__ == "__main__":
    sys.exit(serve(*sys.argv[1:3]))
