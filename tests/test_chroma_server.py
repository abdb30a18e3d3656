"""Server mode on a real `chroma run`: ingest into it, then ask (Python and CLI), the web chat's handlers,
a draft and the evaluation from replicas that have nothing but the server's address; a replica follows
a re-ingest made elsewhere without a restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import chroma_server
import pytest
from chroma_server import ChromaServer, seed_cache
from conftest import ROOT

from assistant import Assistant, Settings
from assistant.index.shared import SharedGenerations
from assistant.index.store import store_layout
from ingest.pipeline import run_ingest

KKK = "Ile klastrów ma status Krajowego Klastra Kluczowego?"
NOTE = ("# Klaster Bursztynowy\n\n## 1. Członkowie\n\n"
        "Klaster Bursztynowy z Gdańska zrzesza 27 pracowni jubilerskich.\n")


server = chroma_server.server  # one real `chroma run` for this module (tests/chroma_server.py)


def replica(server: ChromaServer, store: Path, corpus: Path | None = None, **extra) -> Settings:
    """The settings of one chat replica: its own (empty) local folder, the shared server."""
    return Settings.load(store_dir=store, corpus_dir=corpus, chroma_host="127.0.0.1", chroma_port=server.port,
                         **extra)


@pytest.fixture(scope="module")
def published(server, built_store, tmp_path_factory) -> Path:
    """The real report ingested into the server by an "ingest machine"; returns its corpus folder."""
    corpus, store = built_store
    base = tmp_path_factory.mktemp("ingester")
    settings = replica(server, base / "store", corpus)
    seed_cache(store, base / "store", settings)
    summary = run_ingest(settings)
    assert summary.chunks > 100 and summary.texts_embedded == 0, summary  # every vector from the cache
    return corpus


def test_a_fresh_replica_answers_from_the_server_with_page_and_footnote(server, published, tmp_path):
    settings = replica(server, tmp_path / "replica")
    assistant = Assistant.load(settings)
    answer = assistant.ask(KKK)
    assert not answer.refused and "18" in answer.answer
    assert any(5 in c.footnotes for c in answer.citations), [c.footnotes for c in answer.citations]
    # everything the replica needs came from the server: one generation copied, nothing embedded locally
    layout = store_layout(settings)
    assert [p.name for p in layout.root.glob("gen-*")] == [layout.read_manifest().generation]
    assert not (tmp_path / "replica" / "chroma").exists()
    assert SharedGenerations(settings).manifest().generation == layout.read_manifest().generation


def test_cli_ask_and_sources_against_the_server(server, published, tmp_path):
    env = dict(os.environ, **server.env, KLASTRY_STORE_DIR=str(tmp_path / "cli"))
    asked = subprocess.run([sys.executable, "-m", "assistant", "ask", KKK, "--json"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert asked.returncode in (0, 3), asked.stderr  # a sure answer or a passage to check
    assert "18" in json.loads(asked.stdout)["answer"]
    sources = subprocess.run([sys.executable, "-m", "assistant", "sources", "--json"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert sources.returncode == 0, sources.stderr
    assert len(json.loads(sources.stdout)["sources"]) > 30  # the bibliography, from the server


def test_web_chat_handlers_and_a_draft_against_the_server(server, published, tmp_path):
    from assistant.web.handlers import Backend, draft, respond
    from assistant.web.session import ChatSession

    backend = Backend({"store_dir": tmp_path / "web", "chroma_host": "127.0.0.1", "chroma_port": server.port},
                      threads=1)
    backend.load()
    try:
        assert backend.status()[0] == "ready", backend.status()
        replies = list(respond(backend, ChatSession(), KKK, 1))
        assert replies[-1].final and "18" in replies[-1].answer.answer
        markdown, files = draft(backend, "szkolenia i staże w klastrze", "pl")
        assert files and "[1]" in markdown and "Diagnoza" in markdown, markdown[:300]
    finally:
        backend.close()


def test_the_evaluation_runs_against_the_server(server, published, tmp_path):
    questions = tmp_path / "q.yaml"
    questions.write_text(f'- id: s1\n  question: "{KKK}"\n  expect_figures: [["18"]]\n', encoding="utf-8")
    env = dict(os.environ, **server.env, KLASTRY_STORE_DIR=str(tmp_path / "eval"))
    run = subprocess.run([sys.executable, "-m", "eval", "run", "--questions", str(questions), "--report",
                          str(tmp_path / "report"), "--json"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    result = json.loads((tmp_path / "report" / "results.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert "18" in result["answer"] and not result["refused"], (run.stderr[-500:], result)


def test_a_running_replica_picks_up_a_new_generation_without_a_restart(server, published, tmp_path):
    running = Assistant.load(replica(server, tmp_path / "running", chroma_refresh_s=0))
    question = "Ile pracowni jubilerskich zrzesza Klaster Bursztynowy?"
    assert "27" not in running.ask(question).answer
    before = running.snapshot.manifest.generation
    corpus = tmp_path / "corpus"  # another machine adds a document: the report (unchanged) and a note
    corpus.mkdir()
    for path in published.iterdir():
        (corpus / path.name).write_bytes(path.read_bytes())
    (corpus / "bursztyn.md").write_text(NOTE, encoding="utf-8")
    other = replica(server, tmp_path / "other-machine", corpus)
    summary = run_ingest(other)
    assert summary.embedded >= 1 and summary.files == 2, summary  # only the note: the report's vectors were there
    answer = running.ask(question)
    assert running.snapshot.manifest.generation != before
    assert not answer.refused and "27" in answer.answer and answer.citations[0].doc == "bursztyn.md"
    # the server keeps the files of the published generation only
    files = SharedGenerations(other).files.get(include=["metadatas"])["metadatas"]
    assert {m["generation"] for m in files} == {running.snapshot.manifest.generation}


pytestmark = pytest.mark.slow  # a system-level run: CI runs it, `scripts/test --fast` skips it
