"""What `python -m ingest` shows on a terminal while it works: the file being parsed, a bar over the
embedding work counted in texts with its rate and ETA, and the steps after it; nothing when piped."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

from conftest import ROOT

from assistant import Settings
from ingest.pipeline import run_ingest
from ingest.progress import IngestProgress

NOTE = "# Klaster Bursztynowy\n\n" + "\n\n".join(
    f"Klaster numer {i} z Gdańska zrzesza {i * 3} pracowni jubilerskich i prowadzi {i} projektów." for i in range(40))


def corpus_in(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bursztyn.md").write_text(NOTE, encoding="utf-8")
    return corpus


def run_on_a_terminal(corpus: Path, store: Path) -> tuple[int, str, str]:
    """(exit code, stdout, everything written to the terminal on stderr)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # a 120-column terminal
    env = dict(os.environ, KLASTRY_CORPUS_DIR=str(corpus), KLASTRY_STORE_DIR=str(store))
    process = subprocess.Popen([sys.executable, "-m", "ingest"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=follower, text=True)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    stdout = process.stdout.read()
    code = process.wait()
    os.close(leader)
    return code, stdout, b"".join(chunks).decode("utf-8", "replace")


def test_a_terminal_sees_the_parse_step_and_an_embedding_bar_in_texts_with_an_eta(tmp_path):
    corpus = corpus_in(tmp_path)
    code, stdout, terminal = run_on_a_terminal(corpus, tmp_path / "store")
    assert code == 0, terminal
    assert "bursztyn.md" in terminal  # the file being parsed
    bars = re.findall(r"embed:\s+\d+%.*?(\d+)/(\d+) \[[\d:]+<[\d:?]+", terminal)  # done/total [elapsed<ETA
    assert bars, terminal
    done, total = bars[-1]
    texts = int(stdout.split("texts embedded")[0].split()[-1])
    assert done == total == str(texts)  # the bar counts exactly the texts the run embedded
    assert "ingest: writing the index" in terminal
    assert "embedded" in stdout and "\r" not in stdout  # the summary line stays clean


def test_piped_output_has_no_bars(tmp_path):
    corpus = corpus_in(tmp_path)
    env = dict(os.environ, KLASTRY_CORPUS_DIR=str(corpus), KLASTRY_STORE_DIR=str(tmp_path / "store"))
    result = subprocess.run([sys.executable, "-m", "ingest"], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_a_library_caller_gets_the_counts_in_texts(tmp_path):
    class Recorder(IngestProgress):
        def __init__(self) -> None:
            self.steps: list[str] = []
            self.total = 0
            self.done = 0

        def step(self, text: str) -> None:
            self.steps.append(text)

        def embedding(self, texts: int) -> None:
            self.total = texts

        def embedded(self, texts: int) -> None:
            self.done += texts

    recorder = Recorder()
    settings = Settings.load(corpus_dir=corpus_in(tmp_path), store_dir=tmp_path / "store")
    summary = run_ingest(settings, progress=recorder)
    assert recorder.steps[0] == "parsing bursztyn.md" and "writing the index" in recorder.steps
    assert recorder.total == recorder.done == summary.texts_embedded > summary.chunks
