"""Answering questions on more than one core: worker processes, each with its own Assistant.

Scoring a question is Python and holds the GIL for most of its ~50 ms, so one process answers on
one core however many threads it has. A worker is `python -m assistant.web.workers` (no gradio
imported: about 200 MB instead of the chat's 400; the settings overrides are its JSON argument),
speaking JSON lines on its stdin/stdout: `{"question": str, "history": [str]}` in,
`{"answer": <answer object>}` or `{"error": str, "kind": "question"|"other"}` out; its first
line is `{"ready": true}` once every lazy load is done, or `{"error": ...}`. `AskPool` hands
each question to whichever asker is free: the chat's own process (`LocalAsker`, a number of
slots) and the workers (`ProcessAsker`, one question at a time each).
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
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
    def ask(self, question: str, history: list[str]) -> Answer: ...


class LocalAsker:
    """The chat process's own Assistant (thread-safe for extractive answers)."""

    def __init__(self, assistant) -> None:
        self.assistant = assistant

    def ask(self, question: str, history: list[str]) -> Answer:
        return self.assistant.ask(question, history=list(history))


class WorkerError(RuntimeError):
    """A worker process failed to start or died; the message is the one-line reason."""


class ProcessAsker:
    """One worker process; `ask` is called by one thread at a time (AskPool sees to that)."""

    def __init__(self, overrides: dict | None = None) -> None:
        command = [sys.executable, "-m", "assistant.web.workers", json.dumps(_plain(overrides or {}))]
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     encoding="utf-8", bufsize=1)

    def wait_ready(self) -> None:
        reply = self._read()
        if not reply.get("ready"):
            raise WorkerError(f"worker did not start: {reply.get('error', 'no reason given')}")

    def ask(self, question: str, history: list[str]) -> Answer:
        try:
            self.proc.stdin.write(json.dumps({"question": question, "history": list(history)}) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as error:
            raise WorkerError(f"worker {self.proc.pid} is gone ({error})") from error
        reply = self._read()
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
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class AskPool:
    """Each question goes to a free asker; the others wait in line (FIFO) for the next free one."""

    def __init__(self, askers: list[Asker]) -> None:
        self.askers = askers
        self._free: queue.Queue = queue.Queue()
        for asker in askers:
            self._free.put(asker)

    def ask(self, question: str, history: list[str]) -> Answer:
        asker = self._free.get()
        try:
            return asker.ask(question, history)
        finally:
            self._free.put(asker)

    def close(self) -> None:
        for asker in set(self.askers):
            if isinstance(asker, ProcessAsker):
                asker.close()


def start_workers(count: int, overrides: dict | None = None) -> list[ProcessAsker]:
    """`count` worker processes, started together and returned once all are ready (WorkerError otherwise)."""
    workers = [ProcessAsker(overrides) for _ in range(count)]
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


def serve(overrides: str = "{}") -> int:
    """The worker's loop: answer JSON-line questions on stdin until it closes (`overrides`: Settings.load JSON)."""
    out = sys.stdout
    sys.stdout = sys.stderr  # anything the libraries print must not mix with the replies

    def send(message: dict) -> None:
        out.write(json.dumps(message, ensure_ascii=False) + "\n")
        out.flush()

    try:
        from assistant import Assistant, Settings

        assistant = Assistant.load(Settings.load(**json.loads(overrides)))
        warm_up(assistant)
    except Exception as error:  # noqa: BLE001 - reported to the chat, which shows it
        send({"error": f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"})
        return 1
    send({"ready": True})
    for line in sys.stdin:
        request = json.loads(line)
        try:
            answer = assistant.ask(request["question"], history=request.get("history") or [])
            send({"answer": answer.to_dict()})
        except QuestionError as error:
            send({"error": str(error), "kind": "question"})
        except StoreError as error:
            send({"error": str(error), "kind": "store"})
        except Exception as error:  # noqa: BLE001 - one failed question, the worker goes on
            send({"error": f"{type(error).__name__}: {error}", "kind": "other"})
    return 0


if __name__ == "__main__":
    sys.exit(serve(*sys.argv[1:2]))
