"""Faults on the real parts: a Chroma server that stops during a session (CLI, web chat, a worker
process), a store deleted or damaged under a running web chat, an ingest killed with SIGKILL in server
mode (the embedded case: test_ingest_store.py), and a full disk during an ingest (a real tmpfs)."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import chroma_server
import pytest
from chroma_server import ChromaServer
from conftest import ROOT

from assistant import Assistant, Settings
from assistant.index.chroma_client import Collection, connect
from assistant.index.layout import StoreLayout
from assistant.index.shared import SharedGenerations
from assistant.web.handlers import AssistantUnavailable, Backend, answer_json, respond
from assistant.web.session import ChatSession
from ingest.pipeline import run_ingest

NOTE = ("# Klaster Bursztynowy\n\n## 1. Członkowie\n\n"
        "Klaster Bursztynowy z Gdańska zrzesza 27 pracowni jubilerskich.\n\n"
        "Koordynatorem Klastra Bursztynowego jest fundacja Amber z Gdyni.\n")
QUESTION = "Ile pracowni jubilerskich zrzesza Klaster Bursztynowy?"


def big_document(paragraphs: int, sentences: int = 4) -> str:
    """Its chunks are embedded first and written to Chroma, then its distinct sentences: time to kill it."""
    return "# Duży dokument\n\n" + "\n\n".join(" ".join(
        f"Zdanie {j} akapitu {i}: klaster numer {i} prowadzi projekt badawczy o wartości {i * 7 + j} tys. zł."
        for j in range(sentences)) for i in range(paragraphs))


server = chroma_server.server  # one real `chroma run` for this module (tests/chroma_server.py)


@pytest.fixture(scope="module")
def served(server, tmp_path_factory) -> Path:
    """A small corpus (one note) ingested into the server; its corpus folder."""
    corpus = tmp_path_factory.mktemp("served") / "corpus"
    corpus.mkdir()
    (corpus / "bursztyn.md").write_text(NOTE, encoding="utf-8")
    run_ingest(on_server(server, corpus.parent / "store", corpus))
    return corpus


@pytest.fixture
def running(server):
    """Makes sure the server runs again after a test that stopped it."""
    yield server
    if server.process.poll() is not None:
        server.start()


def on_server(server: ChromaServer, store: Path, corpus: Path | None = None, **extra) -> Settings:
    return Settings.load(store_dir=store, corpus_dir=corpus, chroma_host="127.0.0.1", chroma_port=server.port,
                         **extra)


def env_for(server: ChromaServer | None, store: Path, corpus: Path | None = None) -> dict[str, str]:
    env = dict(os.environ, KLASTRY_STORE_DIR=str(store), **(server.env if server else {}))
    if corpus is not None:
        env["KLASTRY_CORPUS_DIR"] = str(corpus)
    return env


# --- the Chroma server stops during a session -----------------------------------------------------------------

class Lines:
    """The output lines of a running process, read by a thread (a test never blocks on a pipe)."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [self._queue.put(line) for line in process.stdout], daemon=True).start()

    def until(self, text: str, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} in {timeout} s; output: {''.join(self.seen)[-2000:]}")


def test_cli_when_the_server_stops_one_line_exit_2_and_answers_again_when_it_is_back(running, served, tmp_path):
    server = running
    chat = subprocess.Popen([sys.executable, "-m", "assistant", "ask"], cwd=ROOT, env=env_for(server, tmp_path),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            bufsize=1)
    lines = Lines(chat)
    try:
        chat.stdin.write(QUESTION + "\n")
        lines.until("27")
        server.stop()
        chat.stdin.write(QUESTION + "\n")
        error = lines.until("error:")
        assert "Chroma server" in error and "chroma run" in error, error
        one_shot = subprocess.run([sys.executable, "-m", "assistant", "ask", QUESTION], cwd=ROOT,
                                  env=env_for(server, tmp_path), capture_output=True, text=True, timeout=120)
        assert one_shot.returncode == 2 and one_shot.stdout == ""
        assert one_shot.stderr.count("\n") == 1 and one_shot.stderr.startswith("error: the Chroma server at")
        server.start()
        chat.stdin.write(QUESTION + "\n")  # the same session, no restart
        lines.until("27")
        chat.stdin.write("exit\n")
        assert chat.wait(timeout=60) == 0
    finally:
        chat.kill()
    assert "Traceback" not in "".join(lines.seen)


def test_web_chat_shows_a_notice_and_answers_again_when_the_server_is_back(running, served, tmp_path):
    server = running
    backend = Backend({"store_dir": tmp_path, "chroma_host": "127.0.0.1", "chroma_port": server.port}, threads=1)
    backend.load()
    session = ChatSession()
    try:
        assert "27" in list(respond(backend, session, QUESTION, 1))[-1].answer.answer
        server.stop()
        notice = list(respond(backend, session, QUESTION, 3))[-1]
        assert notice.answer is None and 'role="alert"' in notice.html
        assert "Chroma server" in notice.html and "not answering" in notice.html and "Traceback" not in notice.html
        with pytest.raises(AssistantUnavailable, match="Chroma server"):  # the JSON API: the same one line
            answer_json(backend, QUESTION)
        server.start()
        again = list(respond(backend, session, QUESTION, 5))[-1]
        assert again.final and "27" in again.answer.answer
    finally:
        backend.close()


def test_a_worker_process_reports_the_lost_server_as_one_line_and_recovers(running, served, tmp_path):
    from assistant.errors import StoreError
    from assistant.web.workers import ProcessAsker

    server = running
    worker = ProcessAsker({"store_dir": tmp_path, "chroma_host": "127.0.0.1", "chroma_port": server.port})
    try:
        worker.wait_ready()
        server.stop()
        with pytest.raises(StoreError, match="Chroma server .* is not answering"):
            worker.ask(QUESTION, [])
        server.start()
        assert "27" in worker.ask(QUESTION, []).answer
    finally:
        worker.close()


# --- the store deleted or damaged under a running web chat ---------------------------------------------------------

@pytest.fixture
def embedded(tmp_path) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bursztyn.md").write_text(NOTE, encoding="utf-8")
    settings = Settings.load(corpus_dir=corpus, store_dir=tmp_path / "store")
    run_ingest(settings)
    return settings


@pytest.mark.parametrize("damage", ["deleted", "manifest garbage", "generation deleted"])
def test_store_deleted_or_damaged_under_a_running_web_chat_says_how_to_rebuild(embedded, damage):
    backend = Backend.of(Assistant.load(embedded), threads=1)
    session = ChatSession()
    assert "27" in list(respond(backend, session, QUESTION, 1))[-1].answer.answer
    layout = StoreLayout(embedded.store_dir)
    if damage == "deleted":
        shutil.rmtree(embedded.store_dir)
    elif damage == "manifest garbage":
        layout.manifest_path.write_bytes(b"\x00garbage{")
    else:
        shutil.rmtree(layout.published().path)
        layout.manifest_path.touch()
    reply = list(respond(backend, session, QUESTION, 3))[-1]
    assert reply.answer is None and 'role="alert"' in reply.html, reply.html
    assert "python -m ingest" in reply.html and "Traceback" not in reply.html and "<br" not in reply.html


# --- an ingest killed midway (server mode) ---------------------------------------------------------------------

def test_killed_ingest_in_server_mode_leaves_the_previous_index_answering(running, served, tmp_path):
    server = running
    corpus = tmp_path / "corpus"
    shutil.copytree(served, corpus)
    (corpus / "duzy.md").write_text(big_document(20), encoding="utf-8")
    settings = on_server(server, tmp_path / "ingester", corpus)
    published = SharedGenerations(settings).manifest().generation
    chunks = Collection(connect(settings), settings, settings.collection)
    before = chunks.count()
    env = env_for(server, settings.store_dir, corpus)
    ingest = subprocess.Popen([sys.executable, "-m", "ingest"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and chunks.count() == before and ingest.poll() is None:
        time.sleep(0.1)  # until its first vectors are on the server
    assert ingest.poll() is None, "the ingest finished before it could be killed"
    ingest.send_signal(signal.SIGKILL)
    ingest.wait()
    assert chunks.count() > before  # it did write to the server
    assert SharedGenerations(settings).manifest().generation == published
    replica = Assistant.load(on_server(server, tmp_path / "replica"))
    answer = replica.ask(QUESTION)
    assert not answer.refused and "27" in answer.answer
    assert {c.doc for c in replica.snapshot.chunks.values()} == {"bursztyn.md"}
    assert not any(c.doc == "duzy.md" for c in replica.search.search("klaster numer 7 projekt badawczy", 6))
    finished = subprocess.run([sys.executable, "-m", "ingest"], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=300)
    assert finished.returncode == 0, finished.stderr
    fresh = Assistant.load(on_server(server, tmp_path / "replica-2"))
    assert any(c.doc == "duzy.md" for c in fresh.search.search("klaster numer 7 projekt badawczy", 6))
    # put the server back as the other tests expect it (the note alone)
    (corpus / "duzy.md").unlink()
    run_ingest(settings)


# --- a full disk during an ingest ----------------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A real 12 MB tmpfs (needs root, as in CI's container); skipped where it cannot be mounted."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_during_ingest_is_one_line_and_the_previous_index_stays(small_disk, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bursztyn.md").write_text(NOTE, encoding="utf-8")
    store = small_disk / "store"
    run_ingest(Settings.load(corpus_dir=corpus, store_dir=store))
    manifest = StoreLayout(store).manifest_path.read_bytes()
    free = shutil.disk_usage(small_disk).free
    with open(small_disk / "filler", "wb") as filler:  # leave ~60 kB: less than the new document needs
        filler.write(b"\0" * max(0, free - 60_000))
    (corpus / "duzy.md").write_text(big_document(20), encoding="utf-8")
    full = subprocess.run([sys.executable, "-m", "ingest"], cwd=ROOT, env=env_for(None, store, corpus),
                          capture_output=True, text=True, timeout=300)
    assert full.returncode == 2, full.stderr[-2000:]
    assert full.stderr.count("\n") == 1 and full.stderr.startswith("error: "), full.stderr[-2000:]
    assert "disk is full" in full.stderr or "No space left" in full.stderr, full.stderr
    assert StoreLayout(store).manifest_path.read_bytes() == manifest
    (small_disk / "filler").unlink()
    answer = Assistant.load(Settings.load(corpus_dir=corpus, store_dir=store)).ask(QUESTION)
    assert not answer.refused and "27" in answer.answer


pytestmark = pytest.mark.slow  # a system-level run: CI runs it, `scripts/test --fast` skips it
