"""A real Chroma server for tests: `.venv/bin/chroma run` on a free port and a temporary path.

`ChromaServer.start()` waits for its heartbeat; `stop()` kills it (a crash, not a shutdown) and
`start()` again brings the same data back on the same port. Used by test_chroma_server.py and
test_faults.py (one server per module).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, free_port

CHROMA = Path(sys.executable).parent / "chroma"


class ChromaServer:
    def __init__(self, path: Path) -> None:
        self.path, self.port = Path(path), free_port()
        self.process: subprocess.Popen | None = None

    @property
    def env(self) -> dict[str, str]:
        """Settings for a process that uses this server."""
        return {"KLASTRY_CHROMA_HOST": "127.0.0.1", "KLASTRY_CHROMA_PORT": str(self.port)}

    def start(self, timeout: float = 60.0) -> None:
        import httpx

        self.process = subprocess.Popen([str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1",
                                         "--port", str(self.port)], cwd=ROOT, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, env=dict(os.environ, ANONYMIZED_TELEMETRY="False"))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "chroma run exited"
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"the Chroma server on port {self.port} did not answer in {timeout} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def seed_cache(built_store: Path, server_store: Path, settings) -> None:
    """Give a server-mode store the embedding cache of the session's embedded store (same embedder, same
    texts: the server ingest then embeds nothing, and takes seconds instead of a minute)."""
    from assistant.index.store import store_layout

    target = store_layout(settings).embedding_cache
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(built_store / "embeddings.sqlite", target)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One real `chroma run` for the test module that uses it (`server = chroma_server.server`)."""
    chroma = ChromaServer(tmp_path_factory.mktemp("chroma") / "data")
    chroma.start()
    yield chroma
    chroma.stop()
