"""Clean starts and stops (issue 28), with real processes and real signals: a port in use is one line
naming `--port`; Ctrl-C ends the chat, its worker and the queue with exit 130 and no traceback;
`scripts/setup` (run by `scripts/run`) installs only when pyproject.toml changed; ingest and `sources`
count the PDF's 22 pages and say which was skipped and why."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
       "ANONYMIZED_TELEMETRY": "False", "PYTHONUNBUFFERED": "1"}


def test_a_port_in_use_is_one_line_naming_the_option(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "ui.py", "--port", str(port), "--store", str(tmp_path / "none")],
                              cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr == (f"error: port {port} on 127.0.0.1 is in use (is the chat already running?); "
                           f"start it on another one with --port, e.g. --port {port + 1}\n")


def group_members(pgid: int) -> list[str]:
    found = subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, text=True)
    return found.stdout.split()


@pytest.mark.slow
def test_ctrl_c_ends_the_chat_its_worker_and_queue_with_130(built_store, tmp_path):
    """Ctrl-C in a terminal sends SIGINT to the whole foreground group: the chat and its worker process. The
    chat is started the hard way, with SIGINT ignored, as a shell script's background job inherits it (`trap ''
    INT`): Python then installs no KeyboardInterrupt handler of its own, and until the chat installed one it
    ignored Ctrl-C whenever the suite itself was started with `&`."""
    from conftest import free_port

    corpus, store = built_store
    port = free_port()
    out, err = tmp_path / "out.log", tmp_path / "err.log"
    with open(out, "w") as stdout, open(err, "w") as stderr:
        command = [sys.executable, "ui.py", "--port", str(port), "--corpus", str(corpus), "--store", str(store),
                   "--workers", "1"]
        chat = subprocess.Popen(["bash", "-c", 'trap "" INT; exec "$@"', "chat", *command], cwd=ROOT, env=ENV,
                                stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while "assistant ready" not in out.read_text() and chat.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert "assistant ready" in out.read_text(), err.read_text()
        assert len(group_members(chat.pid)) >= 2, "the worker process is running"
        os.killpg(chat.pid, signal.SIGINT)
        code = chat.wait(timeout=120)
        said = err.read_text()
        assert code == 130, said
        assert "Traceback" not in said and "KeyboardInterrupt" not in said, said
        assert said.strip().splitlines()[-1] == "interrupted"
        time.sleep(1)
        assert group_members(chat.pid) == []  # no worker left behind
        with socket.socket() as again:  # the queue's server is gone: nothing listens on its port any more
            again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # closed connections may linger in TIME_WAIT
            again.bind(("127.0.0.1", port))  # (Linux refuses this bind only while a socket still listens there)
    finally:
        if chat.poll() is None:
            os.killpg(chat.pid, signal.SIGKILL)


def fake_venv(root: Path) -> Path:
    """A checkout with scripts/setup and pyproject.toml, and a .venv whose python and pip only log their calls."""
    (root / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "setup", root / "scripts" / "setup")
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    log = root / "calls.log"
    stubs = root / "stubs"  # apt-get too: a dev install may ask it for chromium and the dictionaries
    stubs.mkdir()
    for tool in [bin_dir / name for name in ("python", "pip", "klastry")] + [stubs / "apt-get"]:
        name = tool.name
        tool.write_text(f'#!/usr/bin/env bash\necho "{name} $*" >> "{log}"\n', encoding="utf-8")
        tool.chmod(0o755)
    return log


def setup(root: Path, *args: str) -> list[str]:
    log = root / "calls.log"
    log.write_text("", encoding="utf-8")
    done = subprocess.run(["bash", "scripts/setup", *args], cwd=root, capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in os.environ.items() if k != "KLASTRY_REINSTALL"}
                          | {"PATH": f"{root / 'stubs'}:{os.environ['PATH']}"})
    assert done.returncode == 0, done.stderr
    return [line for line in log.read_text(encoding="utf-8").splitlines() if "install" in line]


def test_setup_installs_only_when_pyproject_changed(tmp_path):
    fake_venv(tmp_path)
    first = setup(tmp_path)
    assert any(line.startswith("pip install -q -e .") for line in first), first
    assert setup(tmp_path) == []  # the second `scripts/run`: nothing installed
    assert setup(tmp_path, "--dev") != []  # a plain install does not serve the test extras
    assert setup(tmp_path) == [] and setup(tmp_path, "--dev") == []  # a dev install serves both
    with open(tmp_path / "pyproject.toml", "a", encoding="utf-8") as handle:
        handle.write("\n# a new dependency\n")
    assert setup(tmp_path) != []  # pyproject.toml changed: installed again


def test_ingest_counts_every_page_and_names_the_skipped_one(store_copy):
    corpus, store = store_copy
    done = subprocess.run([sys.executable, "-m", "ingest", "--corpus", str(corpus), "--store", str(store)],
                          cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "1 files, 22 pages (1 skipped: raport-klastry.pdf p. 2: table of contents)," in done.stdout


def test_the_reader_keeps_every_page_of_the_pdf():
    from ingest.readers import read_document

    _, pages = read_document(ROOT / "corpus" / "raport-klastry.pdf")
    assert len(pages) == 22 and [p.number for p in pages if p.skipped] == [2]
    assert pages[1].skipped == "table of contents" and not pages[1].blocks
